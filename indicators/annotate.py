"""The clerk's own workbook handed back with every bad cell highlighted and its problem in a comment.

The clerk fixes it in Excel and uploads again. An .xlsx comes back as itself plus a 问题清单 sheet;
an .xls or .csv (which openpyxl cannot write) comes back as an .xlsx copy of its cells.
"""
from __future__ import annotations

import io
from collections import defaultdict
from pathlib import PurePath

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from .imports import Parsed
from .problems import Problem
from .sheets import read_workbook

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT_COLOR = "9C0006"
LIST_SHEET = "问题清单"
AUTHOR = "法治建设指标看板"


def annotated_name(file: str) -> str:
    return f"{PurePath(file).stem}_问题标注.xlsx"


def _open(parsed: Parsed) -> Workbook:
    if parsed.suffix == "xlsx":
        try:
            return load_workbook(io.BytesIO(parsed.data))
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds on odd files; fall back to a copy of the cells
            pass
    wb = Workbook()
    wb.remove(wb.active)
    for raw in read_workbook(parsed.data, parsed.file):
        ws = wb.create_sheet(raw.name[:31])
        for i, row in enumerate(raw.frame.iter_rows()):
            for j, v in enumerate(row):
                if v is not None:
                    cell = ws.cell(i + 1, raw.col_index[j] + 1, v)
                    cell.data_type = "s"  # text from a file is never run as a formula
    return wb


def _comment_text(problems: list[Problem]) -> str:
    return "\n".join(f"{i}. {p.message}。{p.fix}。" for i, p in enumerate(problems, 1))


def annotate(parsed: Parsed) -> bytes:
    """The annotated workbook (.xlsx bytes) for a refused file; raises ValueError for one that cannot be read at all."""
    wb = _open(parsed)
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in parsed.problems:
        if p.sheet and p.cell:
            by_cell[(p.sheet, p.cell)].append(p)
    for (sheet, ref), problems in by_cell.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][ref]
        cell.fill = BAD_FILL
        cell.font = Font(color=BAD_FONT_COLOR, bold=True)
        comment = Comment(_comment_text(problems), AUTHOR)
        comment.width, comment.height = 320, 60 + 40 * len(problems)
        cell.comment = comment
    _problem_list(wb, parsed.problems)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _problem_list(wb: Workbook, problems: list[Problem]) -> None:
    if LIST_SHEET in wb.sheetnames:
        del wb[LIST_SHEET]
    ws = wb.create_sheet(LIST_SHEET, 0)
    header = ["序号", "工作表", "行", "列", "单元格", "值", "问题", "修改方法"]
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
    for i, p in enumerate(problems, 1):
        d = p.as_dict()
        # values from the user's file are written as text, never as a formula
        ws.append([i, d["工作表"], d["行"], d["列"], d["单元格"], d["值"], d["问题"], d["修改方法"]])
        ws.cell(ws.max_row, 6).data_type = "s"
    for letter, width in zip("ABCDEFGH", (6, 16, 6, 12, 8, 16, 40, 60)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.active = 0
