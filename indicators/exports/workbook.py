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
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import cycle, progress, store
from ..ledgers import DATE, INT, LEDGERS, NUMBER
from ..progress import CITY_WIDE, DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE, SCORE_HELP, SCORE_LABELS, Period
from .common import (ORG_NAME, UNSCORED, Figures, expected_value, gather, group_ledger, is_full_year, is_missing,
                     period_title)

FORMULA_STARTS = ("=", "+", "-", "@")
FONT = "宋体"
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
MINE_FILL = PatternFill("solid", fgColor="FFF3CD")
THIN = Side(style="thin", color="9E9E9E")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ROW = 2  # row 1 is the sheet's title
ROW_PT = 18  # body row height: fixed, so that the pages a sheet prints on can be counted
HEADER_PT = 30
# Status cells must read in a grey print as on screen: a light fill (dark text stays legible on
# every one) and a mark before the word, shown by the cell's number format so that the cell's
# value stays the status itself ("进度滞后" prints as "▲ 进度滞后").
STATUS_MARKS = {DONE: "●", ON_PACE: "○", NOT_DUE: "◇", LAGGING: "▲", NOT_STARTED: "×", NOT_APPLICABLE: "—", UNSCORED: "—",
                "未完成": "▲"}
STATUS_FILLS = {DONE: "C8E6C9", ON_PACE: "DCEBFA", NOT_DUE: "ECEFF1", LAGGING: "FFE0B2", NOT_STARTED: "FFCDD2",
                NOT_APPLICABLE: "F2F2F2", UNSCORED: "F2F2F2", "未完成": "FFE0B2"}
STATUS_FONTS = {DONE: "1B5E20", ON_PACE: "0D47A1", NOT_DUE: "455A64", LAGGING: "212121", NOT_STARTED: "B71C1C", NOT_APPLICABLE: "616161",
                UNSCORED: "616161", "未完成": "212121"}
# A4 landscape as printed: margins (inches) and the printable area (points)
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.7, "header": 0.3, "footer": 0.3}
A4_PT = {"landscape": (842, 595), "portrait": (595, 842)}


def status_format(status: str) -> str:
    """The number format that prints a status cell with its mark: '"▲ "@'."""
    return f'"{STATUS_MARKS.get(status, "")} "@'


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
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    text = str(value if value is not None else "")
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


@dataclass(frozen=True)
class Column:
    """One column of a sheet: header, how wide at most, number format, alignment. A new column
    (another engineer's 审核状态, say) is one more entry in a sheet's list."""

    header: str
    max_width: int = 40
    number_format: str | None = None
    align: str = "left"  # left | center | right


def _sheet(wb: Workbook, name: str, title: str, columns: list[Column], rows: list[list], stamp: str,
           notes: list[str] = ()) -> Worksheet:
    """A sheet laid out for reading and printing: title, header, rows, widths, freeze, footer;
    `notes` are lines printed under the table."""
    ws = wb.create_sheet(name)
    header = [c.header for c in columns]
    put(ws, 1, 1, title).font = Font(name=FONT, size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.row_dimensions[1].height = 24
    ws.row_dimensions[HEADER_ROW].height = HEADER_PT
    for j, h in enumerate(header, 1):
        c = put(ws, HEADER_ROW, j, h)
        c.font, c.fill, c.border = Font(name=FONT, bold=True, color="FFFFFF"), HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    body_font = Font(name=FONT)
    aligns = {j: Alignment(horizontal=col.align, vertical="center", indent=1 if col.align != "center" else 0)
              for j, col in enumerate(columns, 1)}
    for i, values in enumerate(rows, HEADER_ROW + 1):
        ws.row_dimensions[i].height = ROW_PT
        for j, v in enumerate(values, 1):
            c = put(ws, i, j, v)
            c.font, c.border, c.alignment = body_font, BORDER, aligns[j]
            if isinstance(v, dt.date):
                c.number_format = "yyyy-mm-dd"
            elif columns[j - 1].number_format:
                c.number_format = columns[j - 1].number_format
    for j, col in enumerate(columns, 1):
        # the widest value, two characters of air (the padding Calc and Excel do not add), and the
        # header over at most two lines
        widest = max([_display_width(r[j - 1]) for r in rows[:2000]] or [0])
        width = max(widest + 4, (_display_width(col.header) + 1) // 2 + 4, 8)
        ws.column_dimensions[get_column_letter(j)].width = min(width, col.max_width)
    for k, note in enumerate(notes):
        r = HEADER_ROW + len(rows) + 2 + k
        put(ws, r, 1, note).font = Font(name=FONT, size=10, color="424242")
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    if _display_width(title) > sum(min(ws.column_dimensions[get_column_letter(j)].width, 99)
                                   for j in range(1, len(columns) + 1)):
        ws.cell(1, 1).font = Font(name=FONT, size=12, bold=True)  # a narrow sheet: the title in a smaller size
    if rows:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(header))}{HEADER_ROW + len(rows)}"
    _print_setup(ws, stamp, len(rows) + (len(notes) + 1 if notes else 0))
    return ws


WIDTH_UNIT_PT = 6.8  # a column-width unit as LibreOffice prints it (measured); Excel's is narrower


def pages_down(ws: Worksheet, body_rows: int, orientation: str = "landscape") -> tuple[float, int, int]:
    """The scale fit-to-width prints at, the rows a page then holds, and the pages the rows need."""
    page_w, page_h = A4_PT[orientation]
    width_pt = sum((ws.column_dimensions[get_column_letter(j)].width or 8.43) * WIDTH_UNIT_PT
                   for j in range(1, ws.max_column + 1))
    scale = min(1.0, (page_w - 72 * (MARGINS["left"] + MARGINS["right"])) / width_pt)
    per_page = int(((page_h - 72 * (MARGINS["top"] + MARGINS["bottom"])) / scale - 24 - HEADER_PT) // ROW_PT)
    return scale, per_page, max(1, -(-body_rows // per_page))


def print_plan(ws: Worksheet, body_rows: int) -> tuple[str, int]:
    """Orientation and page count for a sheet: landscape unless portrait needs fewer pages at a
    readable scale; a last page that would hold only a few rows (under a third of a page) is
    folded into the others by printing a little smaller."""
    plans = []
    for orientation in ("landscape", "portrait"):
        scale, per_page, pages = pages_down(ws, body_rows, orientation)
        spill = body_rows - (pages - 1) * per_page
        if pages > 1 and spill < per_page / 3:
            pages -= 1
        plans.append((pages, orientation != "landscape", orientation, scale))
    pages, _, orientation, scale = min(p for p in plans if p[2] == "landscape" or p[3] >= 0.75)
    return orientation, pages


def _print_setup(ws: Worksheet, stamp: str, body_rows: int) -> None:
    orientation, pages = print_plan(ws, body_rows)
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    ws.page_setup.fitToWidth = 1
    # Fit to the width and to an explicit page count (print_plan): where the rows need fewer,
    # fewer print; where Excel's narrower columns print larger, it shrinks to the same count
    # instead of spilling a few rows onto a page of their own.
    ws.page_setup.fitToHeight = pages
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.left.text = stamp.replace("&", "&&")
    ws.oddFooter.left.size = 9
    ws.oddFooter.right.text = "第 &P 页，共 &N 页"
    ws.oddFooter.right.size = 9


def _round(v, digits: int = 1):
    return None if is_missing(v) else round(float(v), digits)


def _status_label(r, per: Period) -> str:
    if r.status == NOT_APPLICABLE and r.value is not None and not is_missing(r.value):
        return UNSCORED
    return progress.status_name(r.status, per)


INDICATOR_COLUMNS = [Column("单位", 14), Column("层级", 12), Column("指标编码", 10, align="center"),
                     Column("指标名称", 34), Column("工作类别", 10), Column("计量单位", 10, align="center"),
                     Column("完成值", 12, "0.##", "right"), Column("目标值", 12, "0.##", "right"),
                     Column("应完成", 12, "0.##", "right"), Column("完成率", 10, "0.0%", "right"),
                     Column("状态", 14, align="center"), Column("分值", 9, "0.00", "right"),
                     Column("得分", 9, "0.00", "right")]
REVIEW_COLUMN = Column("审核状态", 12, align="center")  # each unit's state in the period's reporting cycle


def _indicator_row(r, fig: Figures, groups: dict) -> list:
    city = r.unit == CITY_WIDE
    return [r.unit, r.level, r.indicator, r.name, groups.get(r.group, r.group), r.measure, _round(r.value),
            _round(r.target), expected_value(r.expected, r.measure), _round(r.completion, 4),
            _status_label(r, fig.period), None if city else _round(r.weight, 2), None if city else _round(r.points, 2)]


def _indicator_sheet(wb: Workbook, fig: Figures, review: dict[str, str]) -> None:
    frame = fig.frame if fig.city_wide else fig.frame[fig.frame.unit == fig.unit]
    # the 全市 roll-up first: the figures a reader looks for before the 300 unit rows
    frame = frame.assign(_city=frame.unit != CITY_WIDE).sort_values("_city", kind="stable")
    groups = {g: spec["name"] for g, spec in fig.catalog.groups.items()}
    rows = [_indicator_row(r, fig, groups) + [review.get(r.unit, fig.stamp.review)] for r in frame.itertuples()]
    marks = "　".join(f"{STATUS_MARKS[s]} {progress.status_name(s, fig.period)}" for s in (DONE, ON_PACE, NOT_DUE, LAGGING, NOT_STARTED)
                     if not (s in (ON_PACE, NOT_DUE) and is_full_year(fig.period)))
    title = f"{fig.scope} · {period_title(fig.period)} · 法治建设指标完成情况（{marks}）"
    notes = ["说明：应完成为按时间进度截至数据截至日应完成的数量，计数指标向上取整（达到该数即为进度正常）；"
             "完成率为完成值与全年目标之比；不计分指标只列数值。"]
    ws = _sheet(wb, "指标完成情况", title, INDICATOR_COLUMNS + [REVIEW_COLUMN], rows, fig.stamp.text(), notes)
    status_col = [c.header for c in INDICATOR_COLUMNS].index("状态") + 1
    for i in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(rows)):
        _mark_status(ws.cell(i, status_col))


def _mark_status(c) -> None:
    """Fill, font and printed mark of a status cell (STATUS_MARKS: readable in grey print)."""
    status = c.value if c.value in STATUS_FILLS else NOT_APPLICABLE
    c.fill = PatternFill("solid", fgColor=STATUS_FILLS[status])
    c.font = Font(name=FONT, bold=status in (LAGGING, NOT_STARTED, "未完成"), color=STATUS_FONTS[status])
    c.number_format = status_format(status)
    c.alignment = Alignment(horizontal="center", vertical="center")


def _score_sheet(wb: Workbook, fig: Figures) -> None:
    units = fig.frame[fig.frame.unit != CITY_WIDE]
    by_group = units.pivot_table(index="unit", columns="group", values="points", aggfunc="sum")
    groups = list(fig.catalog.groups)
    keys = [fig.basis] + [k for k in ("pace_score", "score") if k != fig.basis]  # the ranking's score first
    columns = [Column("排名", 8, align="center"), Column("单位", 14), Column("层级", 12),
               *(Column(SCORE_LABELS[k], 16, "0.0", "right") for k in keys),
               *(Column(f"{fig.group_name(g)}得分", 14, "0.00", "right") for g in groups),
               Column("滞后或未开展指标数", 12, align="center")]
    # units equal on both scores share a number (a tie); a unit with no data is 未报送, not ranked
    rows = [[int(r.rank) if progress.is_ranked(r._asdict()) else r.rank_text, r.unit, r.level, *(float(getattr(r, k)) for k in keys),
             *(_round(by_group.at[r.unit, g], 2) if g in by_group.columns else None for g in groups), int(r.lagging)]
            for r in fig.scores.itertuples()]
    points = "、".join(f"{spec['name']}{spec['points']:g}分" for spec in fig.catalog.groups.values())
    title = f"{period_title(fig.period)} · 督导平台评分（排名依据：{SCORE_LABELS[fig.basis]}）"
    notes = [f"{SCORE_LABELS[k]}：{SCORE_HELP[k]}。" for k in keys] + [
        f"满分100分：{points}；各类得分为全年目标得分的分项。"]
    ws = _sheet(wb, "督导评分", title, columns, rows, fig.stamp.text(), notes)
    if not fig.city_wide:
        for i, r in enumerate(rows, HEADER_ROW + 1):
            if r[1] == fig.unit:
                for j in range(1, len(columns) + 1):
                    ws.cell(i, j).fill = MINE_FILL
                    ws.cell(i, j).font = Font(name=FONT, bold=True)


def _ledger_columns(ledger) -> list[Column]:
    out = []
    for col in ledger.columns:
        if col.type == DATE:
            out.append(Column(col.name, 13, align="center"))
        elif col.type in (INT, NUMBER):
            out.append(Column(col.name, 12, align="right"))
        else:
            out.append(Column(col.name, 40))
    return out


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
    title = f"{ledger.name} · {fig.scope} · {period_title(fig.period)}（共{len(rows)}行）"
    _sheet(wb, fig.group_name(group), title, _ledger_columns(ledger), rows, fig.stamp.text())


def _properties(wb: Workbook, fig: Figures) -> None:
    made = dt.datetime.combine(fig.made, dt.time(9, 0))
    p = wb.properties
    p.title = f"{fig.scope}{period_title(fig.period)}法治建设指标数据"
    p.creator = p.lastModifiedBy = ORG_NAME
    p.subject, p.description, p.keywords = "督导平台数据", fig.stamp.text(), "法治建设;督导平台"
    p.created = p.modified = made


def build_workbook(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
                   figures: Figures | None = None) -> bytes:
    """The supervision-platform workbook for a period and unit (None = 全市), as .xlsx bytes.

    Sheets 指标完成情况 (全市 rows first), 督导评分 (every unit, both scores, the chosen one
    highlighted), then one per line of work with its ledger rows in the period. Raises
    IndicatorsError for an unknown unit.
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
    _properties(wb, fig)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
