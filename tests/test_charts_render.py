"""Every chart as its camera button saves it: drawn by plotly.js in Debian's chromium at the width the
page gives it, on a desk, on a phone and in 汇报模式, then exported the way the modebar's camera does
(Plotly.toImage with the chart's own toImageButtonOptions, scale 2). In that image no text may leave
the figure (a title cut at the top, a caption cut at the right), no two texts may sit on each other,
and no text may sit on a pace line (时间进度, 按节奏应完成, 目标 100%, 全年目标).

The cases carry the longest real texts: 全市各单位 and 平原示范区, a 截至日期 period, 已审核 n/16 and the
示例数据 flag, all nineteen indicators, all sixteen units, and the pages' own chart names.
"""
from __future__ import annotations

import ast
import base64
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import plotly
import pytest

import dashboard_support as ds  # noqa: F401  (puts the project root on sys.path)
from indicators import charts
from indicators.config import default_catalog
from indicators.progress import DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE, STATUSES

pytestmark = pytest.mark.browser

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
CATALOG = default_catalog()
UNITS = CATALOG.unit_names
LABELS = [f"{i.code} {i.name}" for i in CATALOG.indicators]
PERIOD = "2025年1月1日至11月30日"  # a 截至日期 period: the longest period label
AS_OF = dt.date(2025, 11, 30)
REVIEW = "已审核 12/16 个单位"
MONTHS = [pd.Timestamp(2025, m, 1) for m in range(1, 12)]

# Each preset: the chart context and the width (px) a chart of that kind has on its page (measured at
# 1600 x 900 with the sidebar open; 汇报模式 at 1600 with the sidebar hidden; a 390 px phone).
DESK = "desktop"
PHONE = "phone"
REPORT = "report"
PRESET_CONTEXT = {DESK: {}, PHONE: {"narrow": True}, REPORT: {"report": True}}
THIRD, HALF, TWO_THIRDS, FULL = 364, 554, 744, 1140
REPORT_FULL, REPORT_HALF = 1520, 740


def ctx(preset: str, unit: str = "全市各单位") -> charts.Context:
    return charts.Context(unit, PERIOD, AS_OF, demo=True, review=REVIEW, **PRESET_CONTEXT[preset])


def pace_rows(completion: float = 0.9) -> pd.DataFrame:
    """All nineteen indicators, some ending just short of the 时间进度 line, some on it, some past it."""
    n = len(LABELS)
    done = [completion - 0.03 * (i % 4) + 0.25 * (i % 5 == 0) for i in range(n)]
    return pd.DataFrame({"label": LABELS, "completion": done, "expected_completion": [0.92] * n,
                         "status": [STATUSES[i % len(STATUSES)] for i in range(n)],
                         "value_text": ["11 次 / 12 次"] * n})


def bullets(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame({"label": LABELS[:n], "value": [10.0, 1.0, 4.0, 11.0, 3.0, 2.0][:n],
                         "expected": [11.0, 1.0, 3.7, 11.0, 3.7, 1.8][:n], "target": [12.0, 2.0, 4.0, 12.0, 4.0, 2.0][:n],
                         "measure": ["次", "期", "次", "次", "次", "期"][:n],
                         "status": [LAGGING, ON_PACE, DONE, ON_PACE, NOT_STARTED, DONE][:n]})


def grid(columns: list[str], rows: list[str], statuses=STATUSES) -> pd.DataFrame:
    cells = [(r, c, statuses[(i + j) % len(statuses)]) for i, r in enumerate(rows) for j, c in enumerate(columns)]
    return pd.DataFrame({"row": [r for r, _, _ in cells], "column": [c for _, c, _ in cells],
                         "status": [s for _, _, s in cells], "text": ["100%" for _ in cells], "hover": ["…" for _ in cells]})


def per_unit(values: list[float]) -> pd.DataFrame:
    statuses = [DONE if v >= 4 else LAGGING if v else NOT_STARTED for v in values]
    return pd.DataFrame({"unit": UNITS, "value": values, "status": statuses})


UNIT_COUNTS = [float((i * 7) % 13) for i in range(len(UNITS))]
CATEGORIES = ["党组中心组学法", "领导班子法治讲座", "主任办公会议学法", "执法人员培训", "全员培训"]
CODES = [i.code for i in CATALOG.indicators if i.scored]


def staff() -> pd.DataFrame:
    n = len(UNITS)
    return pd.DataFrame({"unit": UNITS, "quota": [8.0] * n, "staff": [8.0 - i % 4 for i in range(n)],
                         "certified": [8.0 - i % 6 for i in range(n)], "vacancy": [float(i % 4) for i in range(n)],
                         "uncertified": [float(max(i % 6 - i % 4, 0)) for i in range(n)], "reported": [True] * n})


def scores() -> tuple[pd.DataFrame, pd.DataFrame]:
    groups = list(CATALOG.groups)
    points = pd.DataFrame([{"unit": u, "group": g, "points": 20.0 - i * 0.7, "pace_points": 24.0 - i * 0.5}
                           for i, u in enumerate(UNITS) for g in groups])
    ranking = pd.DataFrame({"unit": UNITS, "score": [80.0 - i * 2.8 for i in range(len(UNITS))],
                            "pace_score": [96.0 - i * 2 for i in range(len(UNITS))],
                            "rank_text": ["并列第 10 名"] * len(UNITS)})
    return points, ranking


def board() -> pd.DataFrame:
    ledgers = ["培训学法台账", "宣传活动台账", "制度落实台账", "执法人员统计表"]
    return pd.DataFrame([{"unit": u, "ledger": l, "rows": (i * 3) % 7, "last_upload": "2025-06-01",
                          "missing": not (i * 3) % 7} for i, u in enumerate(UNITS) for l in ledgers])


def cumulative(c):
    pace = pd.DataFrame({"date": pd.date_range("2025-01-01", "2025-12-31"), "expected": [i / 36.4 for i in range(365)]})
    actual = pd.DataFrame({"date": MONTHS, "value": [0.0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 9.0]})
    return charts.cumulative_vs_pace(actual, pace, 10, c, 2025, "学法培训累计场次与进度线", "培训学法台账", "场")


def nodes() -> pd.DataFrame:
    names = list(CATALOG.key_dates)  # 3·1民防日, 5·12防灾减灾日, 9·18警报鸣放, 全民国防教育月
    return pd.DataFrame({"node": names, "value": [2.0, 1.0, 0.0, 0.0][:len(names)],
                         "status": [DONE, DONE, NOT_STARTED, NOT_DUE][:len(names)], "zero": ["", "", "未开展", "未到期"][:len(names)]})


# (builder, figure for a context, width on a desk, width in 汇报模式): the pages' own chart names
CASES = [
    ("completion_gauge", lambda c: charts.completion_gauge(0.874, 0.915, c), THIRD, REPORT_HALF),
    ("status_counts_bar", lambda c: charts.status_counts_bar({s: 40 * (i + 1) for i, s in enumerate(STATUSES)}, c),
     THIRD, REPORT_HALF),
    ("pace_bars", lambda c: charts.pace_bars(pace_rows(), c, 0.915), TWO_THIRDS, REPORT_FULL),
    ("pace_bars_year_end", lambda c: charts.pace_bars(pace_rows(0.97), dataclasses.replace(c, final=True), 1.0),
     TWO_THIRDS, REPORT_FULL),
    ("lagging_units_bar", lambda c: charts.lagging_units_bar(pd.DataFrame(
        {"unit": UNITS, LAGGING: [3] * 16, NOT_STARTED: [1] * 16, "total": [4] * 16, "indicators": ["T01 …"] * 16}), c),
     HALF, REPORT_FULL),
    ("status_grid", lambda c: charts.status_grid(grid(CODES, UNITS), c, "各单位制度落实情况（已完成或到期未完成）",
                                                 "制度落实台账", CODES, UNITS, highlight="平原示范区"), FULL, REPORT_FULL),
    ("status_grid_four", lambda c: charts.status_grid(grid(CODES, UNITS, (DONE, LAGGING, NOT_STARTED, NOT_APPLICABLE)), c,
                                                      "各单位指标状态", "各单位报送的台账和执法人员统计表", CODES, UNITS),
     FULL, REPORT_FULL),  # 总览's grid at year end: four statuses, a legend that just misses one line on a phone
    ("year_comparison", lambda c: charts.year_comparison(pd.DataFrame(
        {"label": LABELS, "current": [91.0 + i % 3 for i in range(19)], "previous": [100.0 - i for i in range(19)]}), c,
        PERIOD, "2024年1月1日至11月30日（同期）"), FULL, REPORT_FULL),
    ("rhythm_bullets", lambda c: charts.rhythm_bullets(bullets(), c, "学法培训完成情况（对照节奏）", "培训学法台账"),
     HALF, REPORT_FULL),
    ("monthly_stacked", lambda c: charts.monthly_stacked(pd.DataFrame(
        [{"month": m, "category": cat, "count": float((i + j) % 4)} for i, m in enumerate(MONTHS)
         for j, cat in enumerate(CATEGORIES)]), c, 2025, "各月学法培训场次（按类别）", "培训学法台账", CATEGORIES),
     HALF, REPORT_FULL),
    ("cumulative_vs_pace", cumulative, HALF, REPORT_FULL),
    ("bars_with_line", lambda c: charts.bars_with_line(pd.DataFrame(
        {"month": MONTHS, "bar": [3000.0 + 100 * i for i in range(11)], "line": [2.0 + i % 3 for i in range(11)]}),
        c, 2025, "各月参学人次与学时", "培训学法台账", "参学人次", "学时", "人次", "学时"), HALF, REPORT_FULL),
    ("unit_stacked", lambda c: charts.unit_stacked(pd.DataFrame(
        [{"unit": u, "category": cat, "count": UNIT_COUNTS[i] if j == 0 else 1.0}
         for i, u in enumerate(UNITS) for j, cat in enumerate(CATEGORIES)]), c, "各单位学法培训场次（按类别）",
        "培训学法台账", CATEGORIES, UNITS, highlight="平原示范区"), FULL, REPORT_FULL),
    ("status_bars", lambda c: charts.status_bars(per_unit(UNIT_COUNTS), c, "各单位宣传活动次数", "宣传活动台账", "次"),
     FULL, REPORT_FULL),
    ("status_bars_nodes", lambda c: charts.status_bars(nodes(), c, "重要节点宣传活动", "宣传活动台账", "次",
                                                       category="node", horizontal=False), HALF, REPORT_FULL),
    ("category_bars", lambda c: charts.category_bars(pd.DataFrame(
        {"category": ["社区", "学校", "机关单位", "广场、公园等公共场所", "网络平台"], "count": [12.0, 30, 8, 5, 41]}), c,
        "宣传活动地点类型", "宣传活动台账"), HALF, REPORT_FULL),
    ("staffing_bars", lambda c: charts.staffing_bars(staff(), c), 668, REPORT_FULL),
    ("rate_bars", lambda c: charts.rate_bars(pd.DataFrame(
        {"label": LABELS[14:18], "value": [96.0, 100.0, 98.5, 91.0], "status": [LAGGING, DONE, LAGGING, LAGGING]}), c),
     440, REPORT_FULL),
    ("score_ranking", lambda c: charts.score_ranking(*scores(), c, CATALOG.groups, highlight="平原示范区",
                                                     basis="pace_score"), FULL, REPORT_FULL),
    ("score_breakdown", lambda c: charts.score_breakdown(pd.DataFrame(
        {"label": LABELS[:14], "points": [2.0] * 14, "lost": [2.17] * 14, "weight": [4.17] * 14,
         "need": ["还需 1 期（应完成 2 期）"] * 14}), dataclasses.replace(c, unit="平原示范区")), FULL, REPORT_FULL),
    ("reporting_grid", lambda c: charts.reporting_grid(board(), c, UNITS, ["培训学法台账", "宣传活动台账", "制度落实台账",
                                                                           "执法人员统计表"]), FULL, REPORT_FULL),
]


def test_every_public_builder_has_a_case():
    tree = ast.parse(Path(charts.__file__).read_text("utf-8"))
    builders = {f.name for f in tree.body if isinstance(f, ast.FunctionDef) and not f.name.startswith("_")
                and ast.unparse(f.returns or ast.Constant(None)) == "go.Figure"}
    covered = {name.removesuffix("_year_end").removesuffix("_nodes").removesuffix("_four") for name, *_ in CASES}
    assert builders <= covered


@pytest.fixture(scope="module")
def plot_page(browser):
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    page.set_content("<html><body style='margin:0'><div id=g></div><div id=shot></div></body></html>")
    page.add_script_tag(path=str(PLOTLY_JS))
    yield page
    page.close()


# Draws the figure at `width` in the page (as Streamlit does: the layout's width is the column's), then
# asks plotly for the image its camera button would save (the button's options, scale 2) both as the
# SVG that is rasterised and as the PNG, puts the SVG in the page and measures every text in it.
DRAW_AND_SHOOT = """async ([fig, config, width]) => {
  const gd = document.getElementById('g');
  fig.layout.width = width;
  await Plotly.newPlot(gd, fig.data, fig.layout, config);
  const options = {...config.toImageButtonOptions};
  const svg = await Plotly.toImage(gd, {...options, format: 'svg'});
  const png = await Plotly.toImage(gd, options);
  const shot = document.getElementById('shot');
  shot.innerHTML = decodeURIComponent(svg.slice(svg.indexOf(',') + 1));
  const root = shot.querySelector('svg'), box = root.getBoundingClientRect();
  const texts = [...root.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent.trim(), l: r.left - box.left, t: r.top - box.top, r: r.right - box.left,
                        b: r.bottom - box.top, tick: !!t.closest('[class*=tick]')}; })
    .filter(t => t.r > t.l && t.b > t.t);
  // the pace lines, each as points along it: shapes (时间进度, 目标 100%, 全年目标, quarter marks) and the
  // lines and ticks of the traces named 按节奏应完成
  const lines = [];
  const along = (path, name) => { const n = path.getTotalLength(); if (!n) return;
    const m = path.getScreenCTM(), pts = [];
    for (let d = 0; d <= n; d += 2) { const p = path.getPointAtLength(d);
      pts.push([m.a * p.x + m.c * p.y + m.e - box.left, m.b * p.x + m.d * p.y + m.f - box.top]); }
    lines.push({name, pts}); };
  root.querySelectorAll('.shapelayer path').forEach(p => along(p, 'shape'));
  const gdBox = gd.getBoundingClientRect();
  gd.querySelectorAll('.scatterlayer .trace').forEach(tr => {
    const name = tr.__data__ && tr.__data__[0] && tr.__data__[0].trace.name;
    if (name !== '按节奏应完成') return;
    tr.querySelectorAll('path.js-line').forEach(p => along(p, name));
    tr.querySelectorAll('path.point').forEach(p => { const r = p.getBoundingClientRect();
      lines.push({name, pts: [[(r.left + r.right) / 2 - gdBox.left, r.top - gdBox.top],
                              [(r.left + r.right) / 2 - gdBox.left, r.bottom - gdBox.top]], tick: true}); });
  });
  const result = {width: box.width, height: box.height, texts, lines, png: png.slice(png.indexOf(',') + 1),
                  layout: [gd._fullLayout.width, gd._fullLayout.height], scale: root.getAttribute('width') / gd._fullLayout.width};
  Plotly.purge(gd); shot.innerHTML = '';
  return result; }"""


def _sent(fig) -> dict:
    """The figure as the browser gets it (shell.chart sends charts.for_browser's form), as JSON."""
    return json.loads(plotly.io.to_json(charts.for_browser(fig), validate=False))


def _shoot(page, fig, width: int) -> dict:
    return page.evaluate(DRAW_AND_SHOOT, [_sent(fig), charts.download_config(fig), width])


def _outside(shot: dict) -> list[str]:
    w, h = shot["width"], shot["height"]
    return [f"{t['text'][:30]} [{t['l']:.0f},{t['t']:.0f},{t['r']:.0f},{t['b']:.0f}] in {w:.0f}x{h:.0f}"
            for t in shot["texts"] if t["l"] < -1 or t["t"] < -1 or t["r"] > w + 1 or t["b"] > h + 1]


def _overlaps(shot: dict) -> list[str]:
    out, texts = [], shot["texts"]
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            w = min(a["r"], b["r"]) - max(a["l"], b["l"])
            h = min(a["b"], b["b"]) - max(a["t"], b["t"])
            if w > 4 and h > 4:  # 2 px at scale 2, as the page's OVERLAPS check allows
                out.append(f"{a['text'][:20]} / {b['text'][:20]}")
    return out


def _on_lines(shot: dict) -> list[str]:
    """Texts crossed by a pace line (the live plot is measured at scale 1, the camera's SVG at its scale)."""
    k = shot["scale"]
    out = []
    for t in shot["texts"]:
        if t["tick"]:  # an axis's labels: a line crosses the axis at its value by design
            continue
        for line in shot["lines"]:
            scale = 1 if line["name"] != "shape" else k
            pts = [(x * (k / scale), y * (k / scale)) for x, y in line["pts"]]
            if line.get("tick"):  # a tick: its vertical segment
                (x, y0), (_, y1) = pts
                pts = [(x, y0 + (y1 - y0) * i / 10) for i in range(11)]
            if any(t["l"] + 1 < x < t["r"] - 1 and t["t"] + 1 < y < t["b"] - 1 for x, y in pts):
                out.append(f"{t['text'][:24]} on {line['name']}")
                break
    return out


def _widths(preset: str, desk: int, report: int) -> int:
    return {DESK: desk, PHONE: charts.PRESETS["phone"].width, REPORT: report}[preset]


@pytest.mark.parametrize("preset", [DESK, PHONE, REPORT])
@pytest.mark.parametrize("name,build,desk,report", CASES, ids=[c[0] for c in CASES])
def test_the_camera_png_keeps_every_text_whole_and_off_the_pace_lines(plot_page, name, build, desk, report, preset):
    from PIL import Image

    fig = build(ctx(preset))
    width = _widths(preset, desk, report)
    shot = _shoot(plot_page, fig, width)
    assert shot["layout"][0] == width
    with Image.open(io.BytesIO(base64.b64decode(shot["png"]))) as png:  # the camera's PNG: twice the screen
        assert png.size == (width * 2, shot["layout"][1] * 2)
    title = charts.chart_name(fig)
    assert any(t["text"] == title for t in shot["texts"]), "the title is drawn whole, on one line"
    assert _outside(shot) == []
    assert _overlaps(shot) == []
    assert _on_lines(shot) == []


# Draws the figure at `width` and returns the margins plotly.js settled on (automargin widens one the
# axis labels or the legend need: the chart is then laid out and drawn a second time).
SETTLED_MARGINS = """async ([fig, config, width]) => {
  const gd = document.getElementById('g');
  fig.layout.width = width;
  await Plotly.newPlot(gd, fig.data, fig.layout, config);
  const s = gd._fullLayout._size, out = {l: s.l, r: s.r, t: s.t, b: s.b};
  Plotly.purge(gd);
  return out; }"""

LEGEND_WRAPS = "the legend wraps at the plot's width, which the figure does not know (the page gives it)"
# the charts plotly.js still lays out twice, and why; every other chart starts with the margins it ends with
SECOND_LAYOUT = {
    ("rhythm_bullets", DESK): LEGEND_WRAPS,
    ("rate_bars", DESK): LEGEND_WRAPS,
    ("bars_with_line", PHONE): LEGEND_WRAPS,
    ("staffing_bars", PHONE): LEGEND_WRAPS,
    ("score_ranking", PHONE): LEGEND_WRAPS,
    ("bars_with_line", DESK): "a legend item of a line with markers is 2 px taller than a swatch",
    ("rhythm_bullets", PHONE): "labels above the bars: the value axis's first label reaches left of the plot",
    ("score_breakdown", PHONE): "labels above the bars: the value axis's first label reaches left of the plot",
    ("lagging_units_bar", PHONE): "the value axis's last label reaches past a phone's 8 px right margin",
}


@pytest.mark.parametrize("preset", [DESK, PHONE, REPORT])
@pytest.mark.parametrize("name,build,desk,report", CASES, ids=[c[0] for c in CASES])
def test_plotly_lays_each_chart_out_once(plot_page, name, build, desk, report, preset):
    """A chart whose margins automargin has to widen is laid out and drawn twice, which was half of a
    page switch's drawing (bench/README.md): the figures start with the margins plotly.js settles on."""
    fig = build(ctx(preset))
    settled = plot_page.evaluate(SETTLED_MARGINS, [_sent(fig), charts.download_config(fig),
                                                   _widths(preset, desk, report)])
    widened = {side: (fig.layout.margin[side], round(settled[side])) for side in "lrtb"
               if round(settled[side]) > fig.layout.margin[side]}
    assert bool(widened) is ((name, preset) in SECOND_LAYOUT), widened


# Every element plotly.js drew: its parent's class, its class, and for a text its words, for a path its
# outline, with its style and position (trace classes carry a random uid, which is left out).
DRAWN = """async ([fig, config, width]) => {
  const gd = document.getElementById('g');
  fig.layout.width = width;
  await Plotly.newPlot(gd, fig.data, fig.layout, config);
  const out = [...gd.querySelectorAll('*')].map(e => [e.parentNode.getAttribute('class'), e.getAttribute('class'),
      e.tagName === 'text' ? e.textContent : '', e.getAttribute('d'), e.getAttribute('style'),
      e.getAttribute('transform'), e.getAttribute('x'), e.getAttribute('y')].join('|').replace(/trace[0-9a-f]{6}/g, 'trace'));
  Plotly.purge(gd);
  return out.sort(); }"""


@pytest.mark.parametrize("preset", [DESK, PHONE, REPORT])
@pytest.mark.parametrize("name,build,desk,report", CASES, ids=[c[0] for c in CASES])
def test_the_browser_gets_the_chart_as_built(plot_page, name, build, desk, report, preset):
    """charts.for_browser writes the template into the layout and drops the parts plotly.js would redraw a
    copy for: the chart it draws is the built one, element for element, colour and position included."""
    fig = build(ctx(preset))
    width, config = _widths(preset, desk, report), charts.download_config(fig)
    built = plot_page.evaluate(DRAWN, [json.loads(fig.to_json()), config, width])
    sent = plot_page.evaluate(DRAWN, [_sent(fig), config, width])
    assert sent == built, ([d for d in sent if d not in built][:5], [d for d in built if d not in sent][:5])


# Draws the figure, then does what Streamlit's chart element does as it mounts: gives Plotly.react a deep
# copy (a JSON round trip). Returns how many of the texts and shapes drawn first were replaced by new ones.
REDRAWN_BY_A_COPY = """async ([fig, config, width]) => {
  const gd = document.getElementById('g');
  fig.layout.width = width;
  await Plotly.newPlot(gd, JSON.parse(JSON.stringify(fig.data)), JSON.parse(JSON.stringify(fig.layout)), config);
  const first = [...gd.querySelectorAll('text, path')];
  const copy = JSON.parse(JSON.stringify(fig));
  await Plotly.react(gd, copy.data, copy.layout, config);
  const replaced = first.filter(e => !e.isConnected).length;
  Plotly.purge(gd);
  return [replaced, first.length]; }"""


@pytest.mark.parametrize("preset", [DESK, PHONE])
@pytest.mark.parametrize("name,build,desk,report", CASES, ids=[c[0] for c in CASES])
def test_streamlit_s_copy_of_a_chart_redraws_nothing(plot_page, name, build, desk, report, preset):
    """Streamlit 1.67 hands plotly.js a deep copy of every chart as it mounts it; a copy that differed
    (an object compared by identity) drew the whole chart again, a third of a page switch's drawing. The
    figure as built is the control: its copy is redrawn, so the check can tell."""
    fig = build(ctx(preset))
    width, config = _widths(preset, desk, report), charts.download_config(fig)
    replaced, drawn = plot_page.evaluate(REDRAWN_BY_A_COPY, [_sent(fig), config, width])
    assert drawn > 0 and replaced == 0, f"{replaced} of {drawn} elements drawn again"
    if (name, preset) == ("status_grid", DESK):
        replaced, drawn = plot_page.evaluate(REDRAWN_BY_A_COPY, [json.loads(fig.to_json()), config, width])
        assert replaced > drawn / 2


@pytest.mark.parametrize("preset", [DESK, REPORT])
def test_the_caption_and_the_demo_flag_are_read_whole_in_the_narrowest_chart(plot_page, preset):
    fig = charts.status_counts_bar({s: 3 for s in STATUSES}, ctx(preset, "平原示范区"))
    shot = _shoot(plot_page, fig, _widths(preset, THIRD, REPORT_HALF))
    drawn = " ".join(t["text"] for t in shot["texts"])
    for part in ("数据截至 2025年11月30日", REVIEW, "示例数据（虚构，", "仅供演示）", "数据来源：各单位报送的台账和执法人员统计表",
                 "平原示范区 · 2025年1月1日至11月30日"):
        assert part in drawn
    assert _outside(shot) == []


def test_report_mode_is_built_in_not_rewritten():
    desk, report = charts.pace_bars(pace_rows(), ctx(DESK), 0.9), charts.pace_bars(pace_rows(), ctx(REPORT), 0.9)
    assert report.layout.height >= charts.REPORT_HEIGHT and report.layout.height > desk.layout.height
    assert report.layout.font.size > desk.layout.font.size and report.layout.title.font.size > desk.layout.title.font.size
    small = charts.status_counts_bar({DONE: 3}, ctx(REPORT))
    assert small.layout.height == charts.SMALL_REPORT_HEIGHT  # the two small charts make one slide together
    phone_report = charts.pace_bars(pace_rows(), dataclasses.replace(ctx(REPORT), narrow=True), 0.9)
    assert phone_report.layout.font.size == charts.PRESETS["phone"].font  # a phone stays a phone


def test_nothing_outside_the_charts_module_rewrites_a_finished_figure():
    root = Path(charts.__file__).parent.parent
    rewrites = [f"{p.relative_to(root)}:{n}" for folder in ("ui", "indicators") for p in (root / folder).rglob("*.py")
                if p.name != "charts.py"
                for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
                if any(w in line for w in ("update_layout", "update_traces", ".layout.", "go.Figure(fig"))]
    assert rewrites == []


def test_the_shared_memo_keys_on_the_preset():
    from ui import memo

    memo.charts.clear()
    desk = memo.charts.pace_bars(pace_rows(), ctx(DESK), 0.9)
    assert memo.charts.pace_bars(pace_rows(), ctx(DESK), 0.9) is desk  # one figure for every desk session
    report = memo.charts.pace_bars(pace_rows(), ctx(REPORT), 0.9)
    phone = memo.charts.pace_bars(pace_rows(), ctx(PHONE), 0.9)
    assert len({id(desk), id(report), id(phone)}) == 3
    assert report.layout.height > desk.layout.height and phone.layout.meta["narrow"]
