"""The meeting deck (汇报材料, .pptx 16:9): cover, overview, one slide per line of work, ranking.

Charts are native PowerPoint charts (python-pptx chart API) so staff can restyle them in Office;
their data sheet travels inside the file. All text is set in 微软雅黑 for both the Latin and the East
Asian slots (a:latin and a:ea), so Chinese Office shows it without substituting a font.
"""
from __future__ import annotations

import datetime as dt
import io
import sqlite3

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
from ..progress import Period
from .common import (LAST_YEAR_COLOR, ORG_NAME, PACE_COLOR, STATUS_COLORS, STATUS_TEXT_COLORS, UNSCORED, Figures,
                     cn_date, cn_month_day, gather, group_ledger, group_results, is_missing, num, overview, pct,
                     period_title, value_text, warnings, worst_status)

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
    _textbox(slide, MARGIN, FOOTER_TOP, Inches(10), Inches(0.35), [stamp_text], 10, color=MUTED)
    _textbox(slide, SLIDE_W - MARGIN - Inches(2), FOOTER_TOP, Inches(2), Inches(0.35), [f"{page} / {pages}"], 10,
             color=MUTED, align=PP_ALIGN.RIGHT)


# ---------------------------------------------------------------- charts and tables

def _chart(slide, x, y, w, h, categories, series, *, horizontal: bool = False, point_colors=None,
           labelled=(), max_scale: float | None = None, number_format: str = '0.0', legend: bool = True):
    """A native clustered bar/column chart. `series` = [(name, values, colour)]; `point_colors`
    colours the points of the last series one by one (status colours); `labelled` = series
    indexes that show their values."""
    if len(categories) == 0:  # PowerPoint has no empty chart; say so where it would be
        _textbox(slide, x, y, w, Inches(0.5), ["本期暂无数据"], 12, color=MUTED)
        return None
    data = CategoryChartData(number_format=number_format)
    data.categories = list(categories)
    for name, values, _ in series:
        data.add_series(name, [None if is_missing(v) else float(v) for v in values])
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    chart = slide.shapes.add_chart(kind, x, y, w, h, data).chart
    _cjk_font(chart.font, 10)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.overlap = 0
    plot.vary_by_categories = False
    for s, (_, _, color) in zip(plot.series, series):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = _rgb(color)
    if point_colors is not None:
        _color_points(plot.series[len(series) - 1]._element, point_colors)
    for i in labelled:
        labels = plot.series[i].data_labels
        labels.show_value = True
        labels.number_format = number_format
        labels.number_format_is_linked = False
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
        _cjk_font(labels.font, 9)
    if horizontal:
        chart.category_axis.reverse_order = True  # first category on top, as people read
    chart.category_axis.tick_labels.font.size = Pt(9 if len(data.categories) > 8 else 10)
    _cjk_font(chart.category_axis.tick_labels.font)
    axis = chart.value_axis
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("#E0E0E0")
    axis.minimum_scale = 0
    if max_scale:
        axis.maximum_scale = max_scale
    _cjk_font(axis.tick_labels.font, 9)
    chart.has_legend = legend and len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        _cjk_font(chart.legend.font, 10)
    return chart


def _color_points(ser, colors) -> None:
    """One fill per data point (c:dPt), written directly: the same XML python-pptx's
    `points[i].format.fill` writes, without its per-point schema walk."""
    successors = {_C + t for t in ("dLbls", "trendline", "errBars", "cat", "val", "shape", "extLst")}
    anchor = next((child for child in ser if child.tag in successors), None)
    for i, color in enumerate(colors):
        dpt = etree.Element(_C + "dPt")
        etree.SubElement(dpt, _C + "idx", val=str(i))
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


def _table(slide, x, y, w, header, rows, widths, status_col: int | None = None, size: float = 10):
    """A native table; the status column's cells filled with the status colours."""
    row_h = Inches(0.3)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), x, y, w, row_h * (len(rows) + 1))
    table = shape.table
    total = sum(widths)
    for j, share in enumerate(widths):
        table.columns[j].width = int(w * share / total)
    for i, values in enumerate([header, *rows]):
        table.rows[i].height = row_h
        for j, v in enumerate(values):
            cell = table.cell(i, j)
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            color, bold = ("#FFFFFF", True) if i == 0 else ("#212121", False)
            if i and j == status_col and v in STATUS_COLORS:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(STATUS_COLORS[v])
                color = STATUS_TEXT_COLORS[v]
            elif i == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(TITLE_COLOR)
            _paragraphs(cell.text_frame, [str(v)], size, bold=bold, color=color,
                        align=PP_ALIGN.LEFT if j == 0 else PP_ALIGN.CENTER)
    return table


# ---------------------------------------------------------------- slides

def _status_line(statuses) -> str:
    counts = pd.Series(list(statuses)).value_counts()
    shown = [s for s in STATUS_COLORS if counts.get(s, 0) and s != progress.NOT_APPLICABLE]
    parts = [f"{s} {int(counts[s])} 项" for s in shown]
    return "，".join(parts)


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


def _overview(prs, fig: Figures) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    ov = overview(fig.frame, fig.period, fig.unit)
    tp = progress.time_progress(fig.period.as_of, fig.period.year)
    _title(slide, "总体情况：时间进度与完成进度",
           f"{fig.scope} · 时间进度 {pct(tp)} · {len(ov)} 项考核指标：{_status_line(ov.status)}")
    _chart(slide, MARGIN, CONTENT_TOP, Inches(7.9), Inches(5.5), ov.name,
           [("应完成进度(%)", ov.pace, PACE_COLOR), ("实际完成(%)", ov.completion, STATUS_COLORS[progress.DONE])],
           horizontal=True, point_colors=[STATUS_COLORS[s] for s in ov.status], labelled=(1,),
           max_scale=_axis_max(ov.pace, ov.completion))
    _status_boxes(slide, fig, Inches(8.6), CONTENT_TOP)
    lines = warnings(fig)
    shown = lines[:9] + ([f"……另有 {len(lines) - 9} 项"] if len(lines) > 9 else [])
    _textbox(slide, Inches(8.6), Inches(3.05), Inches(4.25), Inches(3.9),
             [("滞后预警", {"size": 15, "bold": True, "color": ACCENT})] + (shown or ["无进度滞后的指标"]), 11,
             space_after=3)


def _status_boxes(slide, fig: Figures, x, y) -> None:
    counts = progress.status_counts(fig.frame, fig.unit)
    what = "各单位×各指标" if fig.city_wide else "本单位各指标"
    _textbox(slide, x, y, Inches(4.25), Inches(0.35), [f"状态统计（{what}）"], 13, bold=True, color=TITLE_COLOR)
    box_w, gap = Inches(0.78), Inches(0.09)
    for i, (status, n) in enumerate(counts.items()):
        bx = x + i * (box_w + gap)
        box = _rect(slide, bx, y + Inches(0.42), box_w, Inches(0.95), STATUS_COLORS[status])
        tf = box.text_frame
        tf.margin_left = tf.margin_right = Inches(0.02)
        _paragraphs(tf, [(str(n), {"size": 20, "bold": True}), (status, {"size": 10})], 10,
                    color=STATUS_TEXT_COLORS[status], align=PP_ALIGN.CENTER)


def _group_slide(prs, fig: Figures, group: str, ledger_rows: list[dict] | None, by_unit: pd.DataFrame) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    rows, last = fig.rows(), fig.rows(last_year=True).set_index("indicator")
    rows = rows[(rows.group == group) & (rows.value.notna() | rows.target.notna())]  # those that apply
    scored = rows[rows.target.notna()]
    # which ones lag is in the table below, in colour; the subtitle stays one line
    _title(slide, fig.group_name(group), f"{fig.scope} · {len(scored)} 项考核指标：{_status_line(scored.status)}")
    pace = (100 * scored.expected_completion).round(1)
    now = (100 * scored.completion).round(1)
    before = [100 * last.completion.get(c) if fig.has_last_year and c in last.index else None
              for c in scored.indicator]
    series = [("应完成进度(%)", pace, PACE_COLOR)]
    if fig.has_last_year:
        series.append(("上年同期(%)", [None if is_missing(v) else round(v, 1) for v in before], LAST_YEAR_COLOR))
    series.append(("本期完成(%)", now, STATUS_COLORS[progress.DONE]))
    left_w = Inches(6.35)
    _chart(slide, MARGIN, CONTENT_TOP, left_w, Inches(2.95), scored.name, series,
           point_colors=[STATUS_COLORS[s] for s in scored.status], labelled=(len(series) - 1,),
           max_scale=_axis_max(pace, now, before))
    table_rows = []
    for r in rows.itertuples():
        prev = last.value.get(r.indicator) if fig.has_last_year and r.indicator in last.index else None
        table_rows.append([r.name, value_text(r.value, r.measure), value_text(r.target, r.measure),
                           value_text(r.expected, r.measure), value_text(prev, r.measure),
                           r.status if not is_missing(r.target) else UNSCORED])
    _table(slide, MARGIN, CONTENT_TOP + Inches(3.05), left_w, ["指标", "完成", "目标", "应完成", "上年同期", "状态"],
           table_rows, [3.2, 1.3, 1.2, 1.3, 1.3, 1.1], status_col=5, size=9)
    right_x = MARGIN + left_w + Inches(0.3)
    right_w = SLIDE_W - MARGIN - right_x
    if fig.city_wide:
        _textbox(slide, right_x, CONTENT_TOP, right_w, Inches(0.35), ["各单位本项工作得分率(%)"], 13, bold=True,
                 color=TITLE_COLOR)
        _chart(slide, right_x, CONTENT_TOP + Inches(0.35), right_w, Inches(5.15), by_unit.unit,
               [("得分率(%)", by_unit.rate, STATUS_COLORS[progress.DONE])], horizontal=True,
               point_colors=[STATUS_COLORS[s] for s in by_unit.status], labelled=(0,), max_scale=100, legend=False)
    else:
        average = _unit_average(fig)
        mean = [average.get(c) for c in scored.indicator]
        _chart(slide, right_x, CONTENT_TOP, right_w, Inches(2.95), scored.name,
               [("全市各单位平均(%)", mean, LAST_YEAR_COLOR), (f"{fig.unit}(%)", now, STATUS_COLORS[progress.DONE])],
               point_colors=[STATUS_COLORS[s] for s in scored.status], labelled=(1,), max_scale=_axis_max(mean, now))
        _ledger_list(slide, ledger_rows or [], right_x, CONTENT_TOP + Inches(3.05), right_w)


def _unit_average(fig: Figures) -> dict[str, float]:
    """Mean completion (percent) per indicator over the units it applies to: the unit's yardstick."""
    f = fig.frame[(fig.frame.unit != progress.CITY_WIDE) & fig.frame.completion.notna()]
    return (100 * f.groupby("indicator").completion.mean()).round(1).to_dict()


def _ledger_list(slide, rows: list[dict], x, y, w, limit: int = 8) -> None:
    """A unit's own ledger rows for the line of work: what was done, when (the latest `limit`)."""
    lines = [(f"台账记录（共 {len(rows)} 条{'，列最近 ' + str(limit) + ' 条' if len(rows) > limit else ''}）",
              {"size": 13, "bold": True, "color": TITLE_COLOR})]
    for r in rows[-limit:]:
        d = cn_month_day(dt.date.fromisoformat(r["date"]))
        what = r.get("category") or r.get("node") or ""
        title = r.get("title") or f"编制 {r['quota']} 人，实有执法人员 {r['staff']} 人，持证 {r['certified']} 人"
        lines.append(f"{d}  {what + '：' if what else ''}{title}")
    if len(lines) == 1:
        lines.append("本期无台账记录")
    _textbox(slide, x, y, w, Inches(2.45), lines, 10, space_after=1)


def _ranking(prs, fig: Figures) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    sc = fig.scores
    worst = fig.frame[fig.frame.unit != progress.CITY_WIDE].groupby("unit").status.agg(worst_status)
    subtitle = f"{len(sc)} 个单位 · 满分 100 分"
    if not fig.city_wide:
        mine = sc[sc.unit == fig.unit].iloc[0]
        subtitle = f"{fig.unit} {num(mine.score)} 分，排名第 {mine['rank']} / {len(sc)} · 满分 100 分"
    _title(slide, "督导平台评分排名", subtitle)
    _chart(slide, MARGIN, CONTENT_TOP, Inches(8.4), Inches(5.5), sc.unit, [("督导评分", sc.score, ACCENT)],
           horizontal=True, point_colors=[STATUS_COLORS[worst.get(u, progress.NOT_APPLICABLE)] for u in sc.unit],
           labelled=(0,), max_scale=100, legend=False)
    groups = "、".join(f"{g['name']} {num(g['points'])} 分" for g in fig.catalog.groups.values())
    rule = ["评分规则", f"{groups}；类内按指标权重分配。",
            "每项指标得分 = 分值 × 完成率（最高 100%）；不适用的指标不计，其分值由同类适用指标分担。",
            "条形颜色为该单位最落后一项指标的状态。"]
    low = sc.tail(3).iloc[::-1]
    rule += ["", "得分最低的单位"] + [f"{r.unit}：{num(r.score)} 分，{r.lagging} 项滞后或未开展" for r in low.itertuples()]
    _textbox(slide, Inches(9.2), CONTENT_TOP, Inches(3.65), Inches(5.5),
             [(t, {"bold": True, "size": 13, "color": TITLE_COLOR}) if t in ("评分规则", "得分最低的单位") else t for t in rule],
             11, space_after=4)


def build_deck(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
               figures: Figures | None = None) -> bytes:
    """The meeting deck for a period and unit (None = 全市), as .pptx bytes.

    Slides: cover; overview (pace against completion, status counts, 滞后预警); one per line of work
    (学法培训, 制度落实, 宣传活动, 执法队伍 as configured); the 督导评分 ranking. Every slide's footer
    carries the stamp. Raises IndicatorsError for an unknown unit.
    """
    fig = figures or gather(conn, period, unit)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    _cover(prs, fig)
    _overview(prs, fig)
    by_group = group_results(fig) if fig.city_wide else None
    for group in fig.catalog.groups:
        by_unit = by_group[by_group.group == group] if by_group is not None else None
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
