"""Chart builders on their data and titles: pure functions, tidy frames in, plotly figures out."""
from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import dashboard_support as ds  # noqa: F401  (puts the project root on sys.path)
from indicators import charts, progress
from indicators.progress import DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE, STATUSES

CTX = charts.Context("红旗区", "2025年上半年", dt.date(2025, 6, 30))
DEMO = charts.Context("全市", "2025年全年", dt.date(2025, 12, 31), demo=True)
MONTHS = [pd.Timestamp(2025, m, 1) for m in range(1, 7)]


def pace_rows():
    return pd.DataFrame({"label": ["T01 党组理论学习中心组法治专题学习", "T02 领导班子法治专题讲座", "T04 行政执法人员法治专题培训"],
                         "completion": [0.5, 0.5, 0.0], "expected_completion": [0.5, 0.4959, 0.4959],
                         "status": [ON_PACE, ON_PACE, NOT_STARTED], "value_text": ["1 次 / 2 次", "1 期 / 2 期", "0 期 / 2 期"]})


def bullets():
    return pd.DataFrame({"label": ["G01 党组听取法治建设工作汇报", "G03 领导干部年度述法"], "value": [1.0, 0.0],
                         "expected": [1.0, 0.0], "target": [2.0, 1.0], "measure": ["次", "次"],
                         "status": [ON_PACE, ON_PACE]})


def staff():
    return pd.DataFrame({"unit": ["红旗区", "延津县"], "quota": [6.0, 8.0], "staff": [6.0, 5.0], "certified": [6.0, 3.0],
                         "vacancy": [0.0, 3.0], "uncertified": [0.0, 2.0], "reported": [True, True]})


def grid():
    return pd.DataFrame({"row": ["红旗区", "红旗区", "卫滨区"], "column": ["T01", "T02", "T01"],
                         "status": [ON_PACE, LAGGING, NOT_STARTED], "text": ["50%", "25%", "0%"], "hover": ["a", "b", "c"]})


# (builder name, figure for CTX, chart name in the title)
def board() -> pd.DataFrame:
    return pd.DataFrame({"unit": ["红旗区", "红旗区", "卫滨区", "卫滨区"], "ledger": ["培训学法台账", "宣传活动台账"] * 2,
                         "rows": [3, 0, 1, 0], "last_upload": ["2025-06-01", None, "2025-05-02", "2025-01-09"],
                         "missing": [False, True, False, True]})


BUILDERS = [
    ("pace_bars", lambda c: charts.pace_bars(pace_rows(), c, 0.496), "各项指标完成进度"),
    ("completion_gauge", lambda c: charts.completion_gauge(0.42, 0.496, c), "时间进度与总体完成率"),
    ("status_counts_bar", lambda c: charts.status_counts_bar({s: i for i, s in enumerate(STATUSES)}, c), "指标状态分布"),
    ("lagging_units_bar", lambda c: charts.lagging_units_bar(pd.DataFrame(
        {"unit": ["原阳县"], LAGGING: [3], NOT_STARTED: [1], "total": [4], "indicators": ["T01 ..."]}), c), "各单位滞后指标数"),
    ("status_grid", lambda c: charts.status_grid(grid(), c, "各单位指标状态", "台账", ["T01", "T02"], ["红旗区", "卫滨区"]),
     "各单位指标状态"),
    ("year_comparison", lambda c: charts.year_comparison(pd.DataFrame(
        {"label": ["T02 领导班子法治专题讲座"], "current": [50.0], "previous": [float("nan")]}), c, "2025年上半年", "2024年上半年"),
     "与上年同期对比"),
    ("rhythm_bullets", lambda c: charts.rhythm_bullets(bullets(), c, "制度落实完成情况", "制度落实台账"), "制度落实完成情况"),
    ("monthly_stacked", lambda c: charts.monthly_stacked(pd.DataFrame(
        {"month": MONTHS[:2], "category": ["领导班子法治讲座"] * 2, "count": [0.0, 1.0]}), c, 2025, "各月场次", "培训学法台账",
        ["领导班子法治讲座"]), "各月场次"),
    ("cumulative_vs_pace", lambda c: charts.cumulative_vs_pace(
        pd.DataFrame({"date": [pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 6, 30)], "value": [0.0, 3.0]}),
        pd.DataFrame({"date": pd.date_range("2025-01-01", "2025-12-31"), "expected": [i / 36.4 for i in range(365)]}),
        10, c, 2025, "累计次数", "宣传活动台账", "次"), "累计次数"),
    ("bars_with_line", lambda c: charts.bars_with_line(pd.DataFrame({"month": MONTHS, "bar": [30.0] * 6, "line": [2.0] * 6}),
                                                       c, 2025, "参学人次与学时", "培训学法台账", "参学人次", "学时", "人次", "学时"),
     "参学人次与学时"),
    ("unit_stacked", lambda c: charts.unit_stacked(pd.DataFrame(
        {"unit": ["红旗区", "卫滨区"], "category": ["党组中心组学法"] * 2, "count": [2.0, 0.0]}), c, "各单位场次", "培训学法台账",
        ["党组中心组学法"], ["红旗区", "卫滨区"]), "各单位场次"),
    ("status_bars", lambda c: charts.status_bars(pd.DataFrame(
        {"unit": ["红旗区", "卫滨区"], "value": [2.0, 0.0], "status": [LAGGING, NOT_STARTED]}), c, "各单位宣传活动次数",
        "宣传活动台账", "次"), "各单位宣传活动次数"),
    ("category_bars", lambda c: charts.category_bars(pd.DataFrame({"category": ["社区", "学校"], "count": [1.0, 3.0]}), c,
                                                     "地点类型", "宣传活动台账"), "地点类型"),
    ("staffing_bars", lambda c: charts.staffing_bars(staff(), c), "执法人员编制、在岗与持证"),
    ("rate_bars", lambda c: charts.rate_bars(pd.DataFrame(
        {"label": ["E01 行政执法人员持证率"], "value": [60.0], "status": [LAGGING]}), c), "执法队伍各项比率"),
    ("score_ranking", lambda c: charts.score_ranking(
        pd.DataFrame({"unit": ["红旗区"], "group": ["T"], "points": [5.9]}),
        pd.DataFrame({"unit": ["红旗区"], "score": [41.0], "rank": [1]}), c, {"T": {"name": "学法培训"}}), "督导平台得分排名"),
    ("score_breakdown", lambda c: charts.score_breakdown(pd.DataFrame(
        {"label": ["T02 领导班子法治专题讲座"], "points": [2.08], "lost": [2.08], "weight": [4.17], "need": ["还需 1 期"]}), c),
     "指标得分明细"),
    ("reporting_grid", lambda c: charts.reporting_grid(board(), c, ["红旗区", "卫滨区"], ["培训学法台账", "宣传活动台账"]),
     "各单位台账报送情况"),
]


def test_every_public_builder_is_tested():
    tree = ast.parse(Path(charts.__file__).read_text("utf-8"))
    returns_figure = {f.name for f in tree.body if isinstance(f, ast.FunctionDef) and not f.name.startswith("_")
                      and ast.unparse(f.returns or ast.Constant(None)) == "go.Figure"}
    assert returns_figure == {name for name, _, _ in BUILDERS}


SCREENS = {"desk": CTX, "phone": dataclasses.replace(CTX, narrow=True), "report": dataclasses.replace(CTX, report=True),
           "year end": dataclasses.replace(DEMO, final=True)}


def validated(fig) -> None:
    """plotly's validators over the whole figure, which charts._figure skips when it builds one: a misspelt or
    misplaced attribute raises ValueError here (plotly.js would drop it without a word). The form the
    browser gets (charts.for_browser) as well."""
    import plotly.graph_objects as go
    go.Figure(fig.to_dict())
    go.Figure(charts.for_browser(fig))


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name,build,title", BUILDERS, ids=[b[0] for b in BUILDERS])
def test_every_layout_is_valid(name, build, title, screen):
    validated(build(SCREENS[screen]))


@pytest.mark.parametrize("name,build,title", BUILDERS, ids=[b[0] for b in BUILDERS])
def test_what_the_browser_gets_says_which_chart_and_which_data(name, build, title):
    """The chart's name goes with it (the pages' tests find a chart by it); the data revision follows the
    data and nothing else, so that plotly.js redraws a chart whose data changed and no other."""
    fig = build(CTX)
    sent = charts.for_browser(fig)
    assert sent["layout"]["meta"] == title and "template" not in sent["layout"]
    assert sent["layout"]["datarevision"] == charts.for_browser(build(CTX))["layout"]["datarevision"]
    assert fig.to_dict()["layout"]["meta"]["chart"] == title  # the server's own figure keeps all of meta


def test_the_data_revision_moves_with_the_data():
    frame = pd.DataFrame({"category": ["学法", "普法"], "count": [3, 4]})
    sent = [charts.for_browser(charts.category_bars(f, CTX, "类别", "次")) for f in
            (frame, frame.assign(count=[3, 5]))]
    assert sent[0]["layout"]["datarevision"] != sent[1]["layout"]["datarevision"]
    assert [t["x"] for t in sent[0]["data"] if t["type"] == "bar"] == [[3, 4]]  # plain lists, not base64


@pytest.mark.parametrize("traces,wrong", [
    ([], {"legnd": {"x": 0}}), ([], {"xaxis": {"tickformt": ",~f"}}), ([], {"barmode": "sideways"}),
    ([charts._bar(x=[1], y=[1], oreintation="h")], {}), ([charts._scatter(x=[1], y=[1], mode="dots")], {}),
])
def test_the_validation_catches_a_wrong_attribute(traces, wrong):
    fig = charts._figure(traces, "图", CTX, "来源", 300, **wrong)  # built as every chart is: not validated
    with pytest.raises(ValueError):
        validated(fig)


def shown_title(fig) -> str:
    """The title as a viewer reads it: the chart's name, then its subtitle (unit · period) under it."""
    return f"{fig.layout.title.text}<br>{fig.layout.title.subtitle.text}"


@pytest.mark.parametrize("name,build,title", BUILDERS, ids=[b[0] for b in BUILDERS])
def test_title_names_chart_unit_and_period(name, build, title):
    fig = build(CTX)
    text = shown_title(fig)
    assert title in text and "红旗区" in text and "2025年上半年" in text
    assert charts.chart_name(fig) == title


@pytest.mark.parametrize("name,build,title", BUILDERS, ids=[b[0] for b in BUILDERS])
def test_the_shared_look(name, build, title):
    fig = build(CTX)
    layout = fig.layout
    assert layout.font.family.startswith('"Noto Sans CJK SC"') and layout.title.font.family == charts.FONT_FAMILY
    assert layout.template.layout.paper_bgcolor == "white" and layout.template.layout.plot_bgcolor == "white"
    caption = layout.annotations[-1].text
    assert caption.startswith("数据截至 2025年6月30日") and "数据来源：" in caption and "示例数据" not in caption
    assert "示例数据" in build(DEMO).layout.annotations[-1].text
    config = charts.download_config(fig)
    assert config["toImageButtonOptions"] == {"format": "png", "scale": 2, "filename": f"{title}_红旗区_2025年上半年"}
    assert config["displaylogo"] is False
    for axis in (layout.xaxis, layout.yaxis):
        if axis.type == "date":
            assert axis.tickformat == "%-m月"  # was "%Y年%-m月": twelve of those overlapped on half a screen
        else:
            assert "s" not in (axis.tickformat or "")  # no SI suffixes such as 30k


def test_one_palette_for_statuses():
    assert list(charts.STATUS_COLORS) == list(STATUSES)
    assert len(set(charts.STATUS_COLORS.values())) == len(STATUSES)
    fig = charts.status_counts_bar({DONE: 3, ON_PACE: 2, NOT_DUE: 5, LAGGING: 1, NOT_STARTED: 0, NOT_APPLICABLE: 4}, CTX)
    assert list(fig.data[0].marker.color) == [charts.STATUS_COLORS[s] for s in STATUSES]
    assert list(fig.data[0].y) == [3, 2, 5, 1, 0, 4]
    assert list(fig.data[0].x) == ["已完成", "进度正常", "未到期", "进度滞后", "未开展", "不适用"]


def test_a_finished_year_names_lagging_as_the_exports_do():
    final = dataclasses.replace(CTX, final=True)
    fig = charts.status_counts_bar({DONE: 3, LAGGING: 1}, final)
    assert list(fig.data[0].x) == ["已完成", "未完成"]
    assert [t.name for t in charts.pace_bars(pace_rows(), final, 1.0).data if t.type == "bar"] == \
        [progress.status_name(s, progress.period(2025, half=2)) for s in STATUSES if s in set(pace_rows().status)]


def test_pace_bars_colour_by_status_and_mark_the_pace():
    fig = charts.pace_bars(pace_rows(), CTX, 0.496)
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    assert set(bars) == {ON_PACE, NOT_STARTED}
    assert list(bars[ON_PACE].y) == ["T01 党组理论学习中心组法治专题学习", "T02 领导班子法治专题讲座"]
    assert list(bars[ON_PACE].x) == [50.0, 50.0] and bars[ON_PACE].marker.color == charts.STATUS_COLORS[ON_PACE]
    pace = next(t for t in fig.data if t.name == "按节奏应完成")
    assert list(pace.x) == [50.0, 49.6, 49.6]
    assert fig.layout.shapes[0].x0 == 49.6  # 时间进度
    assert any(t.name == "时间进度 49.6%" for t in fig.data)


def test_status_grid_cells():
    fig = charts.status_grid(grid(), CTX, "各单位指标状态", "台账", ["T01", "T02"], ["红旗区", "卫滨区"], highlight="红旗区")
    heat = fig.data[0]
    index = {s: i for i, s in enumerate(STATUSES)}
    assert [list(r) for r in heat.z] == [[index[ON_PACE], index[LAGGING]], [index[NOT_STARTED], index[NOT_APPLICABLE]]]
    assert [list(r) for r in heat.text] == [["50%", "25%"], ["0%", ""]]
    assert list(fig.layout.yaxis.ticktext) == ["<b>红旗区</b>", "卫滨区"]
    assert [t.name for t in fig.data[1:]] == [ON_PACE, LAGGING, NOT_STARTED]  # legend of the statuses shown


def test_months_read_in_chinese():
    fig = BUILDERS[7][1](CTX)
    assert fig.layout.xaxis.tickformat == "%-m月" and fig.layout.xaxis.dtick == "M1"  # the year is in the title
    assert "%{x|%Y年%-m月}" in fig.data[0].hovertemplate


def test_cumulative_against_target_and_pace():
    fig = BUILDERS[8][1](CTX)
    actual = next(t for t in fig.data if t.name == "实际累计")
    assert list(actual.y) == [0.0, 3.0]
    assert fig.layout.shapes[0].y0 == 10  # 全年目标
    assert any("全年目标 10 次" == a.text for a in fig.layout.annotations)


def test_staffing_gap_in_words():
    fig = charts.staffing_bars(staff(), CTX)
    gaps = next(t for t in fig.data if t.type == "scatter")
    assert list(gaps.text) == ["编制 6 · 在岗 6 · 持证 6　满编、全员持证", "编制 8 · 在岗 5 · 持证 3　缺编 3 人，未持证 2 人"]
    assert [t.name for t in fig.data if t.type == "bar"] == ["持证人数", "实有执法人员", "编制人数"]


def test_zero_bars_say_their_status():
    fig = BUILDERS[11][1](CTX)
    texts = {t.name: list(t.text) for t in fig.data}
    assert texts == {LAGGING: ["2"], NOT_STARTED: ["0（未开展）"]}


@pytest.mark.parametrize("build", [
    lambda: charts.pace_bars(pace_rows().iloc[:0], CTX, 0.5),
    lambda: charts.lagging_units_bar(pd.DataFrame(columns=["unit", LAGGING, NOT_STARTED, "total", "indicators"]), CTX),
    lambda: charts.monthly_stacked(pd.DataFrame(columns=["month", "category", "count"]), CTX, 2025, "各月", "台账", []),
    lambda: charts.staffing_bars(staff().assign(reported=False), CTX),
    lambda: charts.rate_bars(pd.DataFrame({"label": ["E01"], "value": [None], "status": [NOT_APPLICABLE]}), CTX),
    lambda: charts.category_bars(pd.DataFrame({"category": ["社区"], "count": [0.0]}), CTX, "地点类型", "台账"),
])
def test_empty_data_draws_a_labelled_empty_chart(build):
    fig = build()
    assert not [t for t in fig.data if t.type in ("bar", "heatmap")]
    assert fig.layout.annotations[0].text in ("暂无数据", "本期没有记录", "没有进度滞后或未开展的指标", "本期没有执法人员统计表")
    assert "红旗区" in shown_title(fig)


def test_the_core_never_imports_streamlit_nor_plotly_express():
    for path in Path(charts.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(m.split(".")[0] == "streamlit" for m in imported), path.name
        assert "plotly.express" not in imported, path.name


def test_reporting_grid_marks_missing_ledgers():
    fig = charts.reporting_grid(board(), CTX, ["红旗区", "卫滨区"], ["培训学法台账", "宣传活动台账"])
    heat = fig.data[0]
    assert [list(r) for r in heat.z] == [[1, 0], [1, 0]]
    assert [list(r) for r in heat.text] == [["3 行", "未报送"], ["1 行", "未报送"]]
    assert "从未上传" in heat.customdata[0][1] and "2025-01-09" in heat.customdata[1][1]
    assert [t.name for t in fig.data[1:]] == ["已报送", "未报送"]


PHONE = charts.Context("红旗区", "2025年上半年", dt.date(2025, 6, 30), demo=True, narrow=True)


def _texts_drawn(fig) -> list[str]:
    """Every piece of text the figure draws: title, tick labels, annotations, value texts."""
    out = [fig.layout.title.text or "", fig.layout.title.subtitle.text or ""] + [a.text or "" for a in fig.layout.annotations]
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        if axis.showticklabels is not False:
            out += [str(t) for t in (axis.ticktext or [])]
        out.append((axis.title.text if axis.title else "") or "")
    for t in fig.data:
        if getattr(t, "mode", None) == "text" and t.text is not None:
            out += [str(v) for v in t.text]
    return out


def _line_em(text: str) -> float:
    import re
    return max(charts._width(re.sub(r"<[^>]+>", "", line)) for line in text.split("<br>"))


@pytest.mark.parametrize("name,build,title", BUILDERS, ids=[b[0] for b in BUILDERS])
def test_on_a_phone_every_chart_fits_the_width(name, build, title):
    fig = build(PHONE)
    assert charts.chart_name(fig) == title and "红旗区 · 2025年上半年" in shown_title(fig)
    assert fig.layout.dragmode is False  # a finger on the chart scrolls the page
    assert fig.layout.legend.orientation == "h"
    # no line of text wider than the phone (358 px at 12 px a character: 30 em)
    assert max(_line_em(t) for t in _texts_drawn(fig) if t) <= 30
    caption = fig.layout.annotations[-1]
    assert caption.xanchor == "right" and max(_line_em(caption.text), 0) <= 21 and "示例数据" in caption.text
    config = charts.download_config(fig)
    assert {"zoom2d", "pan2d"} <= set(config["modeBarButtonsToRemove"])
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        if axis.type == "date":
            assert axis.tickformat == "%-m" and axis.title.text == "月份" and axis.ticklabelmode == "period"
        elif axis.dtick and axis.range:
            assert (axis.range[1] - axis.range[0]) / axis.dtick <= 5.01  # few value ticks: no crowding
    desktop = build(CTX)
    assert desktop.layout.dragmode is None and "zoom2d" not in charts.download_config(desktop)["modeBarButtonsToRemove"]


def test_on_a_phone_indicator_names_sit_above_their_bars():
    fig = charts.pace_bars(pace_rows(), PHONE, 0.496)
    assert fig.layout.yaxis.showticklabels is False
    above = {a.y: a.text for a in fig.layout.annotations if a.yref == "y"}
    assert above == {label: label for label in pace_rows().label}  # the full name, on one line
    assert all(a.xanchor == "left" and a.yanchor == "bottom" for a in fig.layout.annotations if a.yref == "y")
    units = charts.unit_stacked(pd.DataFrame({"unit": ["红旗区", "卫滨区"], "category": ["党组中心组学法"] * 2,
                                              "count": [2.0, 0.0]}), PHONE, "各单位场次", "台账", ["党组中心组学法"],
                                ["红旗区", "卫滨区"], highlight="红旗区")
    assert list(units.layout.yaxis.ticktext) == ["<b>红旗区</b>", "卫滨区"]  # short unit names stay beside the bars


@pytest.mark.parametrize("text,width,expected", [
    ("T01 党组理论学习中心组法治专题学习", 30, "T01 党组理论学习中心组法治专题学习"),
    ("各单位制度落实情况（已完成或到期未完成）", 17, "各单位制度落实情况<br>（已完成或到期未完成）"),  # before the bracket
    ("还差 33.3 个百分点（还需 2 人取得执法证）", 17, "还差 33.3 个百分点<br>（还需 2 人取得执法证）"),
    ("编制 8 · 在岗 5 · 持证 3　缺编 3 人，未持证 2 人", 17, "编制 8 · 在岗 5 · 持证 3<br>缺编 3 人，未持证 2 人"),
    ("<b>红旗区人民防空办公室法规科</b>", 6, "<b>红旗区人民防</b><br><b>空办公室法规</b><br><b>科</b>"),  # bold on each line
    ("数据截至 2025年6月30日", 21, "数据截至 2025年6月30日"),
])
def test_wrap(text, width, expected):
    assert charts.wrap(text, width) == expected
