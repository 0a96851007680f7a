"""The supervision-platform workbook (.xlsx): indicator results, scores, and the ledger rows behind them.

Sheets: 指标完成情况 (unit x indicator with status fills and each unit's 审核状态), 督导评分 (score
and rank per unit), one sheet per line of work with that period's ledger rows, and 佐证材料清单. Every sheet has a title row, a frozen
header, widths and print setup for A4 landscape, and the stamp in its footer.

No cell is ever a formula: every text value is written as a string cell, and one that Excel would
take for a formula when retyped (leading =, +, - or @) also gets the quote prefix, so a ledger row
titled '=HYPERLINK(...)' stays the text the clerk typed.
"""
from __future__ import annotations

import datetime as dt
import io
import sqlite3
import unicodedata

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import cycle, store
from ..ledgers import DATE, INT, LEDGERS, NUMBER
from ..progress import CITY_WIDE, NOT_APPLICABLE, Period
from .common import STATUS_COLORS, STATUS_TEXT_COLORS, UNSCORED, Figures, gather, group_ledger, is_missing, period_title

FORMULA_STARTS = ("=", "+", "-", "@")
FONT = "宋体"
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
MINE_FILL = PatternFill("solid", fgColor="FFF3CD")
THIN = Side(style="thin", color="BDBDBD")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ROW = 2  # row 1 is the sheet's title


def put(ws: Worksheet, row: int, col: int, value):
    """Write one cell; text is always a string cell, never a formula (see the module docstring)."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"  # openpyxl would store a leading '=' as a formula
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    elif is_missing(value):
        cell.value = None
    else:
        cell.value = value
    return cell


def _display_width(value) -> int:
    text = value.isoformat() if isinstance(value, dt.date) else str(value if value is not None else "")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet(wb: Workbook, name: str, title: str, header: list[str], rows: list[list], stamp: str,
           number_formats: dict[int, str] | None = None) -> Worksheet:
    """A sheet laid out for reading and printing: title, header, rows, widths, freeze, footer."""
    ws = wb.create_sheet(name)
    put(ws, 1, 1, title).font = Font(name=FONT, size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.row_dimensions[1].height = 24
    for j, h in enumerate(header, 1):
        c = put(ws, HEADER_ROW, j, h)
        c.font, c.fill, c.border = Font(name=FONT, bold=True, color="FFFFFF"), HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    body_font = Font(name=FONT)
    for i, values in enumerate(rows, HEADER_ROW + 1):
        for j, v in enumerate(values, 1):
            c = put(ws, i, j, v)
            c.font, c.border = body_font, BORDER
            if isinstance(v, dt.date):
                c.number_format = "yyyy-mm-dd"
            elif number_formats and j in number_formats:
                c.number_format = number_formats[j]
    for j, h in enumerate(header, 1):
        widest = max([_display_width(h)] + [_display_width(r[j - 1]) for r in rows[:2000]])
        ws.column_dimensions[get_column_letter(j)].width = min(max(widest + 2, 6), 48)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    if rows:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(header))}{HEADER_ROW + len(rows)}"
    _print_setup(ws, stamp)
    return ws


def _print_setup(ws: Worksheet, stamp: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.left.text = stamp.replace("&", "&&")
    ws.oddFooter.left.size = 9
    ws.oddFooter.right.text = "第 &P 页，共 &N 页"
    ws.oddFooter.right.size = 9


def _round(v, digits: int = 1):
    return None if is_missing(v) else round(float(v), digits)


def _status_label(r) -> str:
    return UNSCORED if r.status == NOT_APPLICABLE and r.value is not None and not is_missing(r.value) else r.status


def _indicator_sheet(wb: Workbook, fig: Figures, review: dict[str, str]) -> None:
    frame = fig.frame if fig.city_wide else fig.frame[fig.frame.unit == fig.unit]
    groups = {g: spec["name"] for g, spec in fig.catalog.groups.items()}
    header = ["单位", "层级", "指标编码", "指标名称", "工作类别", "计量单位", "完成值", "目标值", "应完成", "完成率", "状态",
              "分值", "得分", "审核状态"]
    rows = [[r.unit, r.level, r.indicator, r.name, groups.get(r.group, r.group), r.measure, _round(r.value),
             _round(r.target), _round(r.expected), _round(r.completion, 4), _status_label(r),
             _round(r.weight, 2) if r.unit != CITY_WIDE else None, _round(r.points, 2) if r.unit != CITY_WIDE else None,
             review.get(r.unit, fig.stamp.review)]
            for r in frame.itertuples()]
    title = f"{fig.scope} · {period_title(fig.period)} · 法治建设指标完成情况（{fig.stamp.text()}）"
    ws = _sheet(wb, "指标完成情况", title, header, rows, fig.stamp.text(), {10: "0.0%", 12: "0.00", 13: "0.00"})
    status_col = header.index("状态") + 1
    for i in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(rows)):
        c = ws.cell(i, status_col)
        color = STATUS_COLORS.get(c.value, STATUS_COLORS[NOT_APPLICABLE])
        c.fill = PatternFill("solid", fgColor=color.lstrip("#"))
        c.font = Font(name=FONT, bold=True, color=STATUS_TEXT_COLORS.get(c.value, "#FFFFFF").lstrip("#"))
        c.alignment = Alignment(horizontal="center")


def _score_sheet(wb: Workbook, fig: Figures) -> None:
    units = fig.frame[fig.frame.unit != CITY_WIDE]
    by_group = units.pivot_table(index="unit", columns="group", values="points", aggfunc="sum")
    groups = list(fig.catalog.groups)
    header = ["排名", "单位", "层级", "督导评分", *(f"{fig.group_name(g)}得分" for g in groups), "滞后或未开展指标数"]
    rows = [[int(r.rank), r.unit, r.level, float(r.score),
             *(_round(by_group.at[r.unit, g], 2) if g in by_group.columns else None for g in groups), int(r.lagging)]
            for r in fig.scores.itertuples()]
    points = "、".join(f"{spec['name']} {spec['points']:g} 分" for spec in fig.catalog.groups.values())
    title = f"{period_title(fig.period)} · 督导平台评分（满分 100 分：{points}）"
    ws = _sheet(wb, "督导评分", title, header, rows, fig.stamp.text(),
                {4: "0.0", **{5 + i: "0.00" for i in range(len(groups))}})
    if not fig.city_wide:
        for i, r in enumerate(rows, HEADER_ROW + 1):
            if r[1] == fig.unit:
                for j in range(1, len(header) + 1):
                    ws.cell(i, j).fill = MINE_FILL
                    ws.cell(i, j).font = Font(name=FONT, bold=True)


def _ledger_sheet(wb: Workbook, conn: sqlite3.Connection, fig: Figures, group: str) -> None:
    ledger = LEDGERS[group_ledger(fig.catalog, group)]
    records = store.ledger_frame(conn, ledger.kind, fig.period.start, fig.period.end, fig.unit)
    rows = []
    for rec in records:
        row = []
        for col in ledger.columns:
            v = rec.get(col.field)
            if col.type == DATE and isinstance(v, str):
                v = dt.date.fromisoformat(v)
            elif col.type in (INT, NUMBER) and v is not None and not isinstance(v, (int, float)):
                v = str(v)
            row.append(v)
        rows.append(row)
    title = f"{ledger.name} · {fig.scope} · {period_title(fig.period)}（共 {len(rows)} 行）"
    _sheet(wb, fig.group_name(group), title, [c.name for c in ledger.columns], rows, fig.stamp.text())


def build_workbook(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
                   figures: Figures | None = None) -> bytes:
    """The supervision-platform workbook for a period and unit (None = 全市), as .xlsx bytes.

    Sheets 指标完成情况, 督导评分 (every unit, the chosen one highlighted), then one per line of work
    with its ledger rows in the period. Raises IndicatorsError for an unknown unit.
    """
    fig = figures or gather(conn, period, unit)
    wb = Workbook()
    wb.remove(wb.active)
    _indicator_sheet(wb, fig, cycle.states_by_unit(conn, fig.period))
    _score_sheet(wb, fig)
    for group in fig.catalog.groups:
        _ledger_sheet(wb, conn, fig, group)
    from .evidence import evidence_sheet  # that module lays its index out with this one's _sheet
    evidence_sheet(wb, conn, fig)
    wb.properties.title = f"{fig.scope} {period_title(fig.period)} 法治建设指标数据"
    wb.properties.creator = "法治建设指标看板"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
