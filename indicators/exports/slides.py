"""The meeting deck (汇报材料, .pptx 16:9): cover, overview, one slide per line of work, ranking.

Charts are native PowerPoint charts (python-pptx chart API) so staff can restyle them in Office;
their data sheet travels inside the file. All text is set in 微软雅黑 for both the Latin and the East
Asian slots (a:latin and a:ea), so Chinese Office shows it without substituting a font.

Set for a meeting room: no text under 12 pt in tables, labels and lists. A chart whose bars are
coloured by status has no chart legend (Office would show one swatch for many colours); a key above
it names each colour its bars use (`_key`). Category names run horizontally beside bars, never at
an angle. Every text box is sized for the lines its text needs (`lines_needed`), so nothing runs
out of its shape; lists that would not fit are cut with "另有N…".
"""
from __future__ import annotations

import datetime as dt
import io
import sqlite3
import unicodedata

import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_LABEL_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from .. import progress, store
from ..progress import SCORE_HELP, SCORE_LABELS, Period
from .common import (LAST_YEAR_COLOR, ORG_NAME, PACE_COLOR, STATUS_COLORS, STATUS_TEXT_COLORS, UNSCORED, Figures,
                     cn_date, cn_month_day, expected_text, gather, group_ledger, group_results, is_full_year,
                     is_missing, num, overview, pct, period_title, value_text, warnings)

FONT = "微软雅黑"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_TOP = Inches(1.45)
FOOTER_TOP = Inches(7.02)
TITLE_COLOR = "#1F3864"
ACCENT = "#C00000"
MUTED = "#616161"
MIN_PT = 12  # the smallest text on a slide: tables, chart labels, lists
SCORE_COLORS = {"pace_score": "#1F3864", "score": "#90A4AE"}
AVERAGE_COLOR = "#8D6E63"  # 全市各单位平均, apart from the greys of pace and last year


# ---------------------------------------------------------------- text

def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#"))


def _cjk_font(font, size: float | None = None, bold: bool | None = None, color: str | None = None) -> None:
    """Set 微软雅黑 in a:latin and a:ea (python-pptx only writes a:latin), plus size, weight, colour."""
    _style_rpr(font._rPr, size, bold, color)


def _style_rpr(rpr, size: float | None = None, bold: bool | None = None, color: str | None = None) -> None:
    """Write run properties straight into the element: python-pptx's setters walk the schema on each
    call, and a deck sets some thousand of them."""
    if size is not None:
        rpr.set("sz", str(int(round(size * 100))))
    if bold is not None:
        rpr.set("b", "1" if bold else "0")
    for tag in ("solidFill", "latin", "ea", "cs"):
        for old in rpr.findall(_A + tag):
            rpr.remove(old)
    if color is not None:
        fill = etree.Element(_A + "solidFill")
        etree.SubElement(fill, _A + "srgbClr", val=color.lstrip("#").upper())
        rpr.insert(0, fill)  # fill comes first in a:rPr (a:ln is never set here)
    etree.SubElement(rpr, _A + "latin", typeface=FONT)
    etree.SubElement(rpr, _A + "ea", typeface=FONT)  # the East Asian slot Chinese Office reads


def _paragraphs(frame, lines, size: float, bold: bool = False, color: str = "#212121", align=PP_ALIGN.LEFT,
                space_after: float = 0) -> None:
    """Fill a text frame: each line a str, or (str, {size, bold, color}) to override."""
    frame.word_wrap = True
    for i, line in enumerate(lines):
        text, opts = (line, {}) if isinstance(line, str) else line
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.alignment = opts.get("align", align)
        if space_after:
            p.space_after = Pt(space_after)
        r = p._p.add_r()
        r.text = text
        rpr = r.get_or_add_rPr()
        rpr.set("lang", "zh-CN")
        _style_rpr(rpr, opts.get("size", size), opts.get("bold", bold), opts.get("color", color))


def _textbox(slide, x, y, w, h, lines, size: float = 14, **kw):
    box = slide.shapes.add_textbox(x, y, w, h)
    box.text_frame.margin_left = box.text_frame.margin_right = Inches(0.05)
    _paragraphs(box.text_frame, lines, size, **kw)
    return box


def _rect(slide, x, y, w, h, color: str):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, y, w, h)
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(color)
    shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _title(slide, title: str, subtitle: str | None = None) -> None:
    _textbox(slide, MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.65), [title], 26, bold=True, color=TITLE_COLOR)
    _rect(slide, MARGIN, Inches(0.98), SLIDE_W - 2 * MARGIN, Emu(38100), ACCENT)
    if subtitle:
        _textbox(slide, MARGIN, Inches(1.03), SLIDE_W - 2 * MARGIN, Inches(0.4), [subtitle], 13, color=MUTED)


def _footer(slide, stamp_text: str, page: int, pages: int) -> None:
    _textbox(slide, MARGIN, FOOTER_TOP, Inches(10), Inches(0.35), [stamp_text], MIN_PT, color=MUTED)
    _textbox(slide, SLIDE_W - MARGIN - Inches(2), FOOTER_TOP, Inches(2), Inches(0.35), [f"{page} / {pages}"], MIN_PT,
             color=MUTED, align=PP_ALIGN.RIGHT)


# ---------------------------------------------------------------- measuring text

def text_width_pt(text: str, size: float) -> float:
    """Width of a line of 微软雅黑 text: a CJK, full-width or ambiguous (…, ·) character is one em,
    others about 0.6; Office and LibreOffice add about a quarter em where Chinese meets a digit or
    a Latin letter."""
    wide = [unicodedata.east_asian_width(ch) in "WFA" for ch in text]
    turns = sum(a != b for a, b in zip(wide, wide[1:]))
    return sum(size if w else 0.6 * size for w in wide) + 0.25 * size * turns


def lines_needed(text: str, size: float, width) -> int:
    """How many lines `text` takes in a box `width` (EMU) wide, inner margins included."""
    usable = Emu(width).pt - 2 * 3.6 - 2  # 0.05 in margins each side, a little slack
    return max(1, -(-int(text_width_pt(text, size)) // max(1, int(usable))))


def line_height(size: float, space_after: float = 0) -> int:
    """EMU one line of `size` pt takes (1.2 line height) plus the paragraph's space after."""
    return int(Pt(size * 1.2 + space_after))


def fit(text: str, size: float, width) -> str:
    """Cut a line to one line's width with …, for list entries that must stay one line."""
    usable = Emu(width).pt - 2 * 3.6 - 4
    if text_width_pt(text, size) <= usable:
        return text
    while text and text_width_pt(text + "…", size) > usable:
        text = text[:-1]
    return text + "…"


# ---------------------------------------------------------------- charts, keys and tables

def _status_colors(statuses) -> list[str]:
    return [STATUS_COLORS[s] for s in statuses]


def _key(slide, x, y, entries, size: float = MIN_PT) -> int:
    """A row of colour swatches with their words, the legend of status-coloured bars; each swatch
    is named 'key <word>' so that a reader (and a test) finds which colour means what. Returns the
    height it takes."""
    sw = Inches(0.18)
    cx = x
    for label, color in entries:
        box = _rect(slide, cx, y + Inches(0.06), sw, sw, color)
        box.name = f"key {label}"
        w = Emu(int(Pt(text_width_pt(label, size) + 12)))
        _textbox(slide, cx + sw + Inches(0.03), y, w, Inches(0.3), [label], size, color="#212121")
        cx += sw + Inches(0.03) + w + Inches(0.12)
    return Inches(0.32)


def status_key(statuses, per: Period, lead: list[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """Key entries: the plain series first (`lead`), then each status the bars use, in the
    palette's order, named as the period's reader says it (未完成 at year end)."""
    used = set(statuses)
    return list(lead) + [(progress.status_name(s, per), c) for s, c in STATUS_COLORS.items() if s in used]


def _chart(slide, x, y, w, h, categories, series, *, point_colors=None, labelled=(), max_scale: float | None = None,
           number_format: str = '0.0', legend: bool = True):
    """A native clustered bar chart, categories top to bottom with their names horizontal.
    `series` = [(name, values, colour)]; `point_colors` colours the points of the last series one by
    one (status colours) and then the chart has no legend (a `_key` says the colours); `labelled` =
    series indexes that show their values."""
    if len(categories) == 0:  # PowerPoint has no empty chart; say so where it would be
        _textbox(slide, x, y, w, Inches(0.5), ["本期暂无数据"], MIN_PT, color=MUTED)
        return None
    data = CategoryChartData(number_format=number_format)
    data.categories = list(categories)
    for name, values, _ in series:
        data.add_series(name, [None if is_missing(v) else float(v) for v in values])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, x, y, w, h, data).chart
    chart.has_title = False  # the slide says what the chart is; LibreOffice would title it by the series
    _cjk_font(chart.font, MIN_PT)
    plot = chart.plots[0]
    plot.gap_width = 50
    plot.overlap = 0
    plot.vary_by_categories = False
    for s, (_, _, color) in zip(plot.series, series):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = _rgb(color)
        s.invert_if_negative = False
    if point_colors is not None:
        _color_points(plot.series[len(series) - 1]._element, point_colors)
    for i in labelled:
        labels = plot.series[i].data_labels
        labels.show_value = True
        labels.number_format = number_format
        labels.number_format_is_linked = False
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
        _cjk_font(labels.font, MIN_PT)
    chart.category_axis.reverse_order = True  # first category on top, as people read
    _cjk_font(chart.category_axis.tick_labels.font, MIN_PT)
    axis = chart.value_axis
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("#E0E0E0")
    axis.minimum_scale = 0
    if max_scale:
        axis.maximum_scale = max_scale
        axis.major_unit = 25 if max_scale <= 125 else 50
    _cjk_font(axis.tick_labels.font, MIN_PT)
    chart.has_legend = legend and point_colors is None and len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        _cjk_font(chart.legend.font, MIN_PT)
    return chart


def _color_points(ser, colors) -> None:
    """One fill per data point (c:dPt), written directly: the same XML python-pptx's
    `points[i].format.fill` writes, without its per-point schema walk."""
    successors = {_C + t for t in ("dLbls", "trendline", "errBars", "cat", "val", "shape", "extLst")}
    anchor = next((child for child in ser if child.tag in successors), None)
    for i, color in enumerate(colors):
        dpt = etree.Element(_C + "dPt")
        etree.SubElement(dpt, _C + "idx", val=str(i))
        etree.SubElement(dpt, _C + "invertIfNegative", val="0")
        etree.SubElement(dpt, _C + "bubble3D", val="0")
        sppr = etree.SubElement(dpt, _C + "spPr")
        fill = etree.SubElement(sppr, _A + "solidFill")
        etree.SubElement(fill, _A + "srgbClr", val=color.lstrip("#").upper())
        if anchor is not None:
            anchor.addprevious(dpt)
        else:
            ser.append(dpt)


def _axis_max(*value_lists) -> float:
    """Percent axis: 100 when all is within target, else up to 200 (larger bars are clipped;
    their labels still say the value)."""
    top = max([v for vs in value_lists for v in vs if not is_missing(v)] or [100])
    return 100.0 if top <= 100 else float(min(200, -(-top // 25) * 25))


ROW_H = Inches(0.36)


def _table(slide, x, y, w, header, rows, widths, status_col: int | None = None, statuses=(), size: float = MIN_PT):
    """A native table, one line a row; the status column's cells filled with the status colours
    (`statuses`, the status behind each row's label)."""
    shape = slide.shapes.add_table(len(rows) + 1, len(header), x, y, w, ROW_H * (len(rows) + 1))
    table = shape.table
    total = sum(widths)
    for j, share in enumerate(widths):
        table.columns[j].width = int(w * share / total)
    for i, values in enumerate([header, *rows]):
        table.rows[i].height = ROW_H
        for j, v in enumerate(values):
            cell = table.cell(i, j)
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            cell.margin_left = cell.margin_right = Inches(0.05)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            color, bold = ("#FFFFFF", True) if i == 0 else ("#212121", False)
            status = statuses[i - 1] if i and j == status_col and i - 1 < len(statuses) else None
            if status in STATUS_COLORS:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(STATUS_COLORS[status])
                color = STATUS_TEXT_COLORS[status]
            elif i == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(TITLE_COLOR)
            _paragraphs(cell.text_frame, [str(v)], size, bold=bold, color=color,
                        align=PP_ALIGN.LEFT if j == 0 else PP_ALIGN.CENTER)
    return table


# ---------------------------------------------------------------- slides

def _status_line(statuses, per: Period) -> str:
    counts = pd.Series(list(statuses)).value_counts()
    shown = [s for s in STATUS_COLORS if counts.get(s, 0) and s != progress.NOT_APPLICABLE]
    return "，".join(f"{progress.status_name(s, per)}{int(counts[s])}项" for s in shown)


def _cover(prs, fig: Figures) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _rect(slide, 0, 0, SLIDE_W, Inches(0.35), ACCENT)
    _rect(slide, 0, SLIDE_H - Inches(0.12), SLIDE_W, Inches(0.12), ACCENT)
    _textbox(slide, MARGIN, Inches(1.9), SLIDE_W - 2 * MARGIN, Inches(1.1), ["法治建设指标完成情况汇报"], 40, bold=True,
             color=ACCENT, align=PP_ALIGN.CENTER)
    lines = [(f"{fig.scope} · {period_title(fig.period)}", {"size": 26, "color": TITLE_COLOR, "bold": True}),
             (f"数据截至 {cn_date(fig.stamp.as_of)}", {"size": 18, "color": MUTED})]
    if fig.stamp.demo:
        lines.append(("示例数据，仅供演示", {"size": 16, "color": ACCENT, "bold": True}))
    _textbox(slide, MARGIN, Inches(3.25), SLIDE_W - 2 * MARGIN, Inches(1.8), lines, 18, align=PP_ALIGN.CENTER,
             space_after=8)
    _textbox(slide, MARGIN, Inches(5.6), SLIDE_W - 2 * MARGIN, Inches(0.6), [ORG_NAME], 20, color=TITLE_COLOR,
             align=PP_ALIGN.CENTER)


RIGHT_X = Inches(8.55)
RIGHT_W = SLIDE_W - MARGIN - RIGHT_X
BOTTOM = Inches(6.95)  # above the footer


def _list_box(slide, x, y, w, bottom, heading: str, lines: list[str], more: str, size: float = MIN_PT) -> int:
    """A heading and one-line entries, as many as fit above `bottom` (the rest said by `more`,
    formatted with the count left out). Returns the box's bottom."""
    head_h, row_h = line_height(15, 3), line_height(size, 2)
    room = max(0, int((bottom - y - head_h) // row_h))
    shown = [fit(t, size, w) for t in lines]
    if len(shown) > room:
        keep = max(0, room - 1)
        shown = shown[:keep] + [more.format(n=len(lines) - keep)]
    h = head_h + row_h * len(shown) + Inches(0.1)
    _textbox(slide, x, y, w, h, [(heading, {"size": 15, "bold": True, "color": ACCENT})] + shown, size, space_after=2)
    return y + h


def _overview(prs, fig: Figures) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    per = fig.period
    ov = overview(fig.frame, per, fig.unit)
    tp = progress.time_progress(per.as_of, per.year)
    _title(slide, "总体情况：时间进度与完成进度",
           f"{fig.scope} · 时间进度 {pct(tp)} · {len(ov)}项考核指标：{_status_line(ov.status, per)}")
    key_h = _key(slide, MARGIN, CONTENT_TOP, status_key(ov.status, per, [("应完成进度(%)", PACE_COLOR)]))
    _chart(slide, MARGIN, CONTENT_TOP + key_h, RIGHT_X - MARGIN - Inches(0.2), BOTTOM - CONTENT_TOP - key_h, ov.name,
           [("应完成进度(%)", ov.pace, PACE_COLOR), ("实际完成(%)", ov.completion, STATUS_COLORS[progress.DONE])],
           point_colors=_status_colors(ov.status), labelled=(1,), max_scale=_axis_max(ov.pace, ov.completion))
    y = _status_boxes(slide, fig, RIGHT_X, CONTENT_TOP)
    score_h = Inches(1.55)
    lines = warnings(fig, reasons=True)
    more = "……另有{n}个单位" if fig.city_wide else "……另有{n}项指标"
    if not lines:
        lines = ["无进度滞后的指标" if not is_full_year(per) else "各项指标均已完成"]
    _list_box(slide, RIGHT_X, y + Inches(0.1), RIGHT_W, BOTTOM - score_h, "滞后预警" if not is_full_year(per) else
              "未完成预警", lines, more)
    _score_panel(slide, fig, RIGHT_X, BOTTOM - score_h, RIGHT_W, score_h)


def _score_panel(slide, fig: Figures, x, y, w, h) -> None:
    """The two scores in the 督导评分 page's words, each with what it measures (progress.SCORE_HELP)."""
    sc = fig.scores
    keys = ["pace_score", "score"] if not is_full_year(fig.period) else ["score"]
    if fig.city_wide:
        head = "督导平台评分（全市各单位平均）"
        figures = [(SCORE_LABELS[k], f"{num(sc[k].mean())}分") for k in keys]
    else:
        mine = sc[sc.unit == fig.unit].iloc[0]
        head = f"督导平台评分（{progress.rank_among(mine, sc)}）"
        figures = [(SCORE_LABELS[k], f"{num(mine[k])}分") for k in keys]
    # the clause that tells the two apart; at year end only the full-year score, without the
    # mid-year remark
    help_lines = [SCORE_HELP[k].split("；")[-1] if len(keys) > 1 else SCORE_HELP[k].split("；")[0] for k in keys]
    lines = [(head, {"size": 15, "bold": True, "color": TITLE_COLOR})]
    for (label, value), note in zip(figures, help_lines):
        lines.append((f"{label}：{value}", {"size": 16, "bold": True, "color": "#212121"}))
        lines.append((note, {"size": MIN_PT, "color": MUTED}))
    _textbox(slide, x, y, w, h, lines, MIN_PT, space_after=1)


def _status_boxes(slide, fig: Figures, x, y) -> int:
    """Count boxes, one per status; returns the bottom they reach."""
    counts = progress.status_counts(fig.frame, fig.unit)
    if is_full_year(fig.period) and not counts.get(progress.ON_PACE):
        counts.pop(progress.ON_PACE, None)  # at year end a task is done or not: no 进度正常
    what = "各单位×各指标" if fig.city_wide else "本单位各指标"
    # 不适用 is said in the heading, not as a box: six boxes (with 未到期) would be too narrow for 进度正常
    idle = counts.pop(progress.NOT_APPLICABLE, 0) if len(counts) > 5 else 0
    what = f"另有 {idle} 项不适用" if idle else what  # the heading stays on one line
    _textbox(slide, x, y, RIGHT_W, Inches(0.35), [f"状态统计（{what}）"], 14, bold=True, color=TITLE_COLOR)
    n = len(counts)
    gap = Inches(0.08)
    box_w = int((RIGHT_W - gap * (n - 1)) / n)
    for i, (status, count) in enumerate(counts.items()):
        bx = x + i * (box_w + gap)
        box = _rect(slide, bx, y + Inches(0.42), box_w, Inches(0.95), STATUS_COLORS[status])
        tf = box.text_frame
        tf.margin_left = tf.margin_right = Inches(0.02)
        word = UNSCORED if status == progress.NOT_APPLICABLE else progress.status_name(status, fig.period)
        word = "不适用" if status == progress.NOT_APPLICABLE else word
        _paragraphs(tf, [(str(count), {"size": 22, "bold": True}), (word, {"size": MIN_PT})], MIN_PT,
                    color=STATUS_TEXT_COLORS[status], align=PP_ALIGN.CENTER)
    return y + Inches(1.42)


LEFT_W = Inches(7.8)


def _group_slide(prs, fig: Figures, group: str, ledger_rows: list[dict] | None, by_unit: pd.DataFrame) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    per = fig.period
    rows, last = fig.rows(), fig.rows(last_year=True).set_index("indicator")
    rows = rows[(rows.group == group) & (rows.value.notna() | rows.target.notna())]  # those that apply
    scored = rows[rows.target.notna()]
    _title(slide, fig.group_name(group), f"{fig.scope} · {len(scored)}项考核指标：{_status_line(scored.status, per)}")
    pace = (100 * scored.expected_completion).round(1)
    now = (100 * scored.completion).round(1)
    before = [100 * last.completion.get(c) if fig.has_last_year and c in last.index else None
              for c in scored.indicator]
    series = [("应完成进度(%)", pace, PACE_COLOR)]
    if not fig.city_wide:  # a unit's yardstick is the other units; last year stays in the table
        average = _unit_average(fig)
        series.append(("全市各单位平均(%)", [average.get(c) for c in scored.indicator], AVERAGE_COLOR))
    elif fig.has_last_year:
        series.append(("上年同期(%)", [None if is_missing(v) else round(v, 1) for v in before], LAST_YEAR_COLOR))
    lead = [(name, color) for name, _, color in series]
    series.append(("本期完成(%)", now, STATUS_COLORS[progress.DONE]))
    table_rows, statuses = [], []
    for r in rows.itertuples():
        prev = last.value.get(r.indicator) if fig.has_last_year and r.indicator in last.index else None
        scored_row = not is_missing(r.target)
        table_rows.append([r.name, value_text(r.value, r.measure), value_text(r.target, r.measure),
                           expected_text(r.expected, r.measure) if scored_row else "—",
                           *([value_text(prev, r.measure)] if fig.has_last_year else []),
                           progress.status_name(r.status, per) if scored_row else UNSCORED])
        statuses.append(r.status if scored_row else progress.NOT_APPLICABLE)
    header = ["指标", "完成", "目标", "应完成", *(["上年同期"] if fig.has_last_year else []), "状态"]
    # widths in inches, for 12 pt: the longest name (15 characters) and '20087人次' on one line
    widths = [2.62, 1.07, 1.07, 1.07, *([1.07] if fig.has_last_year else []), 0.87]
    table_h = ROW_H * (len(table_rows) + 1)
    table_y = BOTTOM - table_h
    key_h = _key(slide, MARGIN, CONTENT_TOP, status_key(scored.status, per, lead))
    _chart(slide, MARGIN, CONTENT_TOP + key_h, LEFT_W, table_y - CONTENT_TOP - key_h - Inches(0.1), scored.name,
           series, point_colors=_status_colors(scored.status), labelled=(len(series) - 1,),
           max_scale=_axis_max(pace, now, before))
    _table(slide, MARGIN, table_y, LEFT_W, header, table_rows, widths, status_col=len(header) - 1, statuses=statuses)
    right_x = MARGIN + LEFT_W + Inches(0.3)
    right_w = SLIDE_W - MARGIN - right_x
    if fig.city_wide:
        _textbox(slide, right_x, CONTENT_TOP, right_w, Inches(0.35), ["各单位本项工作得分率(%)"], 14, bold=True,
                 color=TITLE_COLOR)
        key_h = _key(slide, right_x, CONTENT_TOP + Inches(0.38), status_key(by_unit.status, per))
        top = CONTENT_TOP + Inches(0.38) + key_h
        _chart(slide, right_x, top, right_w, BOTTOM - top, by_unit.unit,
               [("得分率(%)", by_unit.rate, STATUS_COLORS[progress.DONE])],
               point_colors=_status_colors(by_unit.status), labelled=(0,), max_scale=100, legend=False)
    else:
        y = _needs_list(slide, fig, rows, right_x, right_w)
        bottom = _standing(slide, fig, by_unit, right_x, right_w)
        _ledger_list(slide, ledger_rows or [], right_x, y + Inches(0.15), right_w, bottom - Inches(0.1))


def _standing(slide, fig: Figures, by_unit: pd.DataFrame, x, w) -> int:
    """The unit's place in this line of work among all units, at the foot of the right column.
    Returns its top."""
    mine = by_unit[by_unit.unit == fig.unit]
    if not len(mine):
        return BOTTOM
    rate = float(mine.rate.iloc[0])
    rank = int((by_unit.rate > rate + 1e-9).sum()) + 1
    lines = [("本项工作得分率", {"size": 14, "bold": True, "color": TITLE_COLOR}),
             (f"{num(rate)}%（全市各单位平均{num(by_unit.rate.mean())}%）", {"size": 16, "bold": True}),
             (f"在{len(by_unit)}个单位中列第{rank}位；得分率为本项各指标得分之和占其分值的比例", {"size": MIN_PT, "color": MUTED})]
    h = line_height(14, 2) + line_height(16, 2) + line_height(MIN_PT, 2) * lines_needed(lines[2][0], MIN_PT, w) + Inches(0.1)
    _textbox(slide, x, BOTTOM - h, w, h, lines, MIN_PT, space_after=2)
    return BOTTOM - h


def _needs_list(slide, fig: Figures, rows: pd.DataFrame, x, w) -> int:
    """What the unit still has to do in this line of work: per indicator not yet complete, the
    count still missing to the year's target (and, before year end, to the pace). Returns its bottom."""
    per = fig.period
    lines: list = []
    for r in rows[rows.target.notna() & (rows.status != progress.DONE)].itertuples():
        if r.measure == "%":
            detail = f"现为{num(r.value)}%，目标{num(r.target)}%" if not is_missing(r.value) else "本期未报送统计表"
        else:
            gap = num(max(0.0, float(r.target) - float(r.value or 0)))
            detail = f"距年度目标差{gap}{r.measure}" if is_full_year(per) else f"全年还差{gap}{r.measure}"
            if r.status == progress.ON_PACE:
                detail += "，进度正常"
            elif not is_full_year(per):
                detail += f"，按进度应已完成{expected_text(r.expected, r.measure)}"
        lines += [(fit(r.name, MIN_PT, w), {"bold": True}), fit("　" + detail, MIN_PT, w)]
    heading = "尚需完成" if lines else "本项工作各指标均已完成"
    h = line_height(14, 2) + line_height(MIN_PT, 2) * len(lines) + Inches(0.1)
    _textbox(slide, x, CONTENT_TOP, w, h, [(heading, {"size": 14, "bold": True, "color": TITLE_COLOR})] + lines,
             MIN_PT, space_after=2)
    return CONTENT_TOP + h


def _unit_average(fig: Figures) -> dict[str, float]:
    """Mean completion (percent) per indicator over the units it applies to: the unit's yardstick."""
    f = fig.frame[(fig.frame.unit != progress.CITY_WIDE) & fig.frame.completion.notna()]
    return (100 * f.groupby("indicator").completion.mean()).round(1).to_dict()


def _ledger_list(slide, rows: list[dict], x, y, w, bottom=BOTTOM) -> None:
    """A unit's own ledger rows for the line of work, one line each, as many of the latest as fit
    between `y` and `bottom`."""
    row_h, head_h = line_height(MIN_PT, 2), line_height(14, 2)
    room = max(1, int((bottom - y - head_h - Inches(0.1)) // row_h))
    shown = rows[-room:]
    head = f"台账记录（共{len(rows)}条{'，列最近' + str(len(shown)) + '条' if len(rows) > len(shown) else ''}）"
    lines = []
    for r in shown:
        d = cn_month_day(dt.date.fromisoformat(r["date"]))
        what = r.get("category") or r.get("node") or ""
        title = r.get("title") or f"编制{r['quota']}人，实有执法人员{r['staff']}人，持证{r['certified']}人"
        lines.append(fit(f"{d} {what + '：' if what else ''}{title}", MIN_PT, w))
    if not lines:
        lines.append("本期无台账记录")
    h = head_h + row_h * len(lines) + Inches(0.1)
    _textbox(slide, x, y, w, h, [(head, {"size": 14, "bold": True, "color": TITLE_COLOR})] + lines, MIN_PT,
             space_after=2)


def _ranking(prs, fig: Figures) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    sc, basis = fig.scores, fig.basis  # already ranked by the period's basis
    keys = [basis] + ([k for k in ("pace_score", "score") if k != basis] if not is_full_year(fig.period) else [])
    subtitle = f"{len(sc)}个单位 · 排名依据：{SCORE_LABELS[basis]} · 满分100分"
    if not fig.city_wide:
        mine = sc[sc.unit == fig.unit].iloc[0]
        subtitle = (f"{fig.unit}{SCORE_LABELS[basis]}{num(mine[basis])}分，{progress.rank_among(mine, sc)} · 满分100分")
    _title(slide, "督导平台评分排名", subtitle)
    _chart(slide, MARGIN, CONTENT_TOP, Inches(8.4), BOTTOM - CONTENT_TOP, sc.unit,
           [(SCORE_LABELS[k], sc[k], SCORE_COLORS[k] if len(keys) > 1 else TITLE_COLOR) for k in keys],
           labelled=tuple(range(len(keys))),
           max_scale=100, legend=True)
    groups = "、".join(f"{g['name']}{num(g['points'])}分" for g in fig.catalog.groups.values())
    x, w = Inches(9.2), SLIDE_W - MARGIN - Inches(9.2)
    rule = [("两项得分" if len(keys) > 1 else "评分说明", {"bold": True, "size": 15, "color": TITLE_COLOR})]
    for k in keys:
        note = SCORE_HELP[k] if len(keys) > 1 else SCORE_HELP[k].split("；")[0]
        rule += [(SCORE_LABELS[k], {"bold": True, "size": 13}), (note + "。", {"size": MIN_PT, "color": MUTED})]
    if len(keys) == 1:  # at year end what was due is the full target: the two scores are one
        rule.append((f"年末应完成即全年目标，{SCORE_LABELS['pace_score']}与{SCORE_LABELS['score']}相同。",
                     {"size": MIN_PT, "color": MUTED}))
    rule += [("评分规则", {"bold": True, "size": 15, "color": TITLE_COLOR}),
             f"{groups}；类内按指标权重分配，不适用的指标不计分。"]
    low = sc.tail(3).iloc[::-1]
    behind = "未完成或未开展" if is_full_year(fig.period) else "滞后或未开展"
    rule += [("排名靠后的单位", {"bold": True, "size": 15, "color": TITLE_COLOR})]
    rule += [f"{r.unit}：{num(getattr(r, basis))}分，{r.lagging}项{behind}" for r in low.itertuples()]
    _textbox(slide, x, CONTENT_TOP, w, BOTTOM - CONTENT_TOP, rule, MIN_PT, space_after=3)


def _properties(prs, fig: Figures) -> None:
    """Title, author (the office), dates and the stamp in the file's properties, not python-pptx's."""
    made = dt.datetime.combine(fig.made, dt.time(9, 0))
    cp = prs.core_properties
    cp.title = f"{fig.scope}{period_title(fig.period)}法治建设指标完成情况汇报"
    cp.author = cp.last_modified_by = ORG_NAME
    cp.subject, cp.comments, cp.keywords = "法治建设指标完成情况", fig.stamp.text(), "法治建设;督导平台"
    cp.created = cp.modified = made
    cp.revision = 1


def build_deck(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
               figures: Figures | None = None) -> bytes:
    """The meeting deck for a period and unit (None = 全市), as .pptx bytes.

    Slides: cover; overview (pace against completion, status counts, 滞后预警, the two scores); one
    per line of work (学法培训, 制度落实, 宣传活动, 执法队伍 as configured); the 督导评分 ranking.
    Every slide's footer carries the stamp. Raises IndicatorsError for an unknown unit.
    """
    fig = figures or gather(conn, period, unit)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    _properties(prs, fig)
    _cover(prs, fig)
    _overview(prs, fig)
    by_group = group_results(fig)
    for group in fig.catalog.groups:
        by_unit = by_group[by_group.group == group]
        rows = None if fig.city_wide else store.ledger_frame(conn, group_ledger(fig.catalog, group), period.start,
                                                              period.end, fig.unit)
        _group_slide(prs, fig, group, rows, by_unit)
    _ranking(prs, fig)
    text = fig.stamp.text()
    for i, slide in enumerate(prs.slides, 1):
        _footer(slide, text, i, len(prs.slides))
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
