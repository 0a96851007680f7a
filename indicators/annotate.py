"""The clerk's own workbook handed back with every bad cell highlighted and its problem in a comment.

The clerk fixes it in Excel and uploads again. An .xlsx comes back as itself plus a 问题清单 sheet;
an .xls or .csv (which openpyxl cannot write) comes back as an .xlsx copy of its cells. So does an
.xlsx too large to load whole: openpyxl holds ~23 MB per MB of sheet XML (a 100k-row ledger: 26 MB
of XML, 600 MB and 10 s), so past IN_PLACE_MAX_XML the copy is streamed (write-only) from the cells
already read, in bounded memory.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from pathlib import PurePath

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

from .imports import Parsed
from .problems import Problem
from .sheets import read_workbook

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT_COLOR = "9C0006"
LIST_SHEET = "问题清单"
AUTHOR = "法治建设指标看板"
IN_PLACE_MAX_XML = 8 << 20  # sheet XML (uncompressed) of an .xlsx annotated in place: ~190 MB and ~3 s in openpyxl
LIST_HEADER = ["序号", "工作表", "行", "列", "单元格", "值", "问题", "修改方法"]
LIST_WIDTHS = (6, 16, 6, 12, 8, 16, 40, 60)


def annotated_name(file: str) -> str:
    return f"{PurePath(file).stem}_问题标注.xlsx"


def _sheet_xml(data: bytes) -> int:
    """Uncompressed bytes of an .xlsx's worksheets, from the zip directory (nothing inflated)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return sum(i.file_size for i in z.infolist() if re.match(r"xl/worksheets/[^/]+\.xml$", i.filename))
    except (zipfile.BadZipFile, ValueError, OSError):
        return 0


_BAD_TITLE = re.compile(r"[\\*?:/\[\]]")


def _safe(value):
    """Text as a worksheet may hold it: control characters (a hostile or damaged file's) removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _titles(names: list[str]) -> dict[str, str]:
    """Each sheet name as a worksheet title (31 characters, none of \\ * ? : / [ ], no control characters),
    told apart when two become one (a CSV named 台账[1].csv, a hostile sheet name)."""
    out: dict[str, str] = {}
    for name in names:
        base = _BAD_TITLE.sub("_", _safe(name)).strip("'")[:31] or "Sheet"
        title, k = base, 1
        while title.lower() in {t.lower() for t in out.values()} or title == LIST_SHEET:
            k += 1
            title = f"{base[:31 - len(str(k)) - 1]}_{k}"
        out[name] = title
    return out


def _open(parsed: Parsed) -> tuple[Workbook, dict[str, str]]:
    """The workbook to mark, and each sheet name of the file -> its title there."""
    if parsed.suffix == "xlsx" and _sheet_xml(parsed.data) <= IN_PLACE_MAX_XML:
        try:
            wb = load_workbook(io.BytesIO(parsed.data))
            return wb, {n: n for n in wb.sheetnames}
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds on odd files; fall back to a copy of the cells
            pass
    wb = Workbook()
    wb.remove(wb.active)
    raws = read_workbook(parsed.data, parsed.file)
    titles = _titles([raw.name for raw in raws])
    for raw in raws:
        ws = wb.create_sheet(titles[raw.name])
        for i, row in enumerate(raw.frame.iter_rows()):
            for j, v in enumerate(row):
                if v is not None:
                    cell = ws.cell(i + 1, raw.col_index[j] + 1, _safe(v))
                    cell.data_type = "s"  # text from a file is never run as a formula
    return wb, titles


def _comment_text(problems: list[Problem]) -> str:
    return "\n".join(f"{i}. {p.message}。{p.fix}。" for i, p in enumerate(problems, 1))


def _by_cell(problems: list[Problem]) -> dict[tuple[str, str], list[Problem]]:
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.sheet and p.cell:
            by_cell[(p.sheet, p.cell)].append(p)
    return by_cell


def _comment(problems: list[Problem]) -> Comment:
    comment = Comment(_safe(_comment_text(problems)), AUTHOR)
    comment.width, comment.height = 320, 60 + 40 * len(problems)
    return comment


def annotate(parsed: Parsed) -> bytes:
    """The annotated workbook (.xlsx bytes) for a refused file; raises ValueError for one that cannot be read at all."""
    if parsed.suffix == "xlsx" and _sheet_xml(parsed.data) > IN_PLACE_MAX_XML:
        return _streamed_copy(parsed)
    wb, titles = _open(parsed)
    by_cell = _by_cell(parsed.problems)
    for (sheet, ref), problems in by_cell.items():
        sheet = titles.get(sheet, sheet)
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][ref]
        cell.fill = BAD_FILL
        cell.font = Font(color=BAD_FONT_COLOR, bold=True)
        cell.comment = _comment(problems)
    _problem_list(wb, parsed.problems)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _streamed_copy(parsed: Parsed) -> bytes:
    """A write-only copy of the cells read (as text, never formulas), bad cells marked, 问题清单 first."""
    wb = Workbook(write_only=True)
    listing = wb.create_sheet(LIST_SHEET)
    for letter, width in zip("ABCDEFGH", LIST_WIDTHS):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A2"
    listing.append([_styled(listing, h, Font(bold=True), PatternFill("solid", fgColor="DDEBF7")) for h in LIST_HEADER])
    for i, p in enumerate(parsed.problems, 1):
        d = p.as_dict()
        listing.append([i, _safe(d["工作表"]), d["行"], d["列"], d["单元格"], _text(listing, d["值"]), _safe(d["问题"]),
                        _safe(d["修改方法"])])
    marks: dict[str, dict[int, list[tuple[int, list[Problem]]]]] = defaultdict(lambda: defaultdict(list))
    for (sheet, ref), problems in _by_cell(parsed.problems).items():
        letters, row = coordinate_from_string(ref)
        marks[sheet][row].append((column_index_from_string(letters) - 1, problems))
    raws = read_workbook(parsed.data, parsed.file)
    titles = _titles([raw.name for raw in raws])
    for raw in raws:
        ws = wb.create_sheet(titles[raw.name])
        bad = marks.get(raw.name, {})
        width = max([*raw.col_index, *(c for cells in bad.values() for c, _ in cells)], default=-1) + 1
        for i, values in enumerate(raw.frame.iter_rows()):
            line: list = [None] * width
            for j, v in enumerate(values):
                if v is not None:  # plain text as it is; only what would read as a formula is wrapped
                    line[raw.col_index[j]] = _text(ws, v) if str(v).startswith("=") else _safe(str(v))
            for c, problems in bad.get(i + 1, ()):
                cell = _styled(ws, line[c], Font(color=BAD_FONT_COLOR, bold=True), BAD_FILL)
                cell.comment = _comment(problems)
                line[c] = cell
            ws.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(ws, value) -> Cell | None:
    """A cell holding `value` as text: a value from the user's file never becomes a formula."""
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=_safe(str(value)))
    cell.data_type = "s"
    return cell


def _styled(ws, value, font: Font, fill: PatternFill) -> Cell:
    cell = value if isinstance(value, Cell) else WriteOnlyCell(ws, value=value)
    cell.font, cell.fill = font, fill
    return cell


def _problem_list(wb: Workbook, problems: list[Problem]) -> None:
    if LIST_SHEET in wb.sheetnames:
        del wb[LIST_SHEET]
    ws = wb.create_sheet(LIST_SHEET, 0)
    ws.append(LIST_HEADER)
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
    for i, p in enumerate(problems, 1):
        d = p.as_dict()
        # values from the user's file are written as text, never as a formula
        ws.append([i, *(_safe(d[k]) for k in ("工作表", "行", "列", "单元格", "值", "问题", "修改方法"))])
        ws.cell(ws.max_row, 6).data_type = "s"
    for letter, width in zip("ABCDEFGH", LIST_WIDTHS):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.active = 0
