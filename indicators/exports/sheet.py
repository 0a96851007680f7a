"""One sheet laid out for reading and printing: title row, frozen header, widths, A4 print setup
with the stamp in the footer, and cells that are never formulas. The platform workbook and the
evidence bundle's index are built from it.

No cell is ever a formula: every text value is written as a string cell, and one that Excel would
take for a formula when retyped (leading =, +, - or @) also gets the quote prefix, so a ledger row
titled '=HYPERLINK(...)' stays the text the clerk typed.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..progress import DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE
from .common import UNSCORED, is_missing

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
