"""Blank ledgers people want to fill in: canonical header, drop-downs, formats, an example, instructions.

openpyxl writes them (the fast readers cannot write). A template filled in and uploaded imports
without a single edit: the example row carries EXAMPLE_MARK in 备注 and is skipped on import.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.datavalidation import DataValidation

from .config import Catalog, default_catalog
from .ledgers import CHOICE, DATE, INSTRUCTIONS_TITLE, INT, LEDGERS, NUMBER, UNIT, Ledger
from .sheets import EXAMPLE_MARK

TITLE_ROW, HEADER_ROW, EXAMPLE_ROW, FIRST_DATA_ROW = 1, 2, 3, 4
FORMATTED_ROWS = 1000  # rows given formats and drop-downs
BLANK_PRINT_ROWS = 15  # a template with no rows prints its header, the example and these empty lines to write on
PORTRAIT_CHARS = 100  # columns wider than this (in Excel's character widths) print on a landscape page
FONT = "宋体"

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="BDD7EE")
_EXAMPLE_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

EXAMPLES = {
    "training": {"date": dt.date(2025, 3, 20), "category": "领导班子法治讲座", "title": "《行政处罚法》专题讲座",
                 "speaker": "王律师", "participants": 25, "hours": 2},
    "publicity": {"date": dt.date(2025, 3, 1), "title": "3·1民防日进社区宣传", "node": "3·1民防日", "venue_type": "社区",
                  "venue": "和平社区广场", "people": 300, "materials": 500, "media": 1},
    "governance": {"date": dt.date(2025, 6, 25), "category": "党组听取汇报", "title": "党组听取上半年法治建设工作汇报"},
    "staff": {"date": dt.date(2025, 6, 30), "quota": 8, "staff": 7, "certified": 6, "new_certs": 1, "renewals": 2,
              "reviewed": 6, "trained": 7},
}
NUMBER_FORMATS = {DATE: "yyyy-mm-dd", INT: "0", NUMBER: "0.0"}


def _list_validation(values, col_letter: str, prompt: str) -> DataValidation:
    dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="请从列表中选择", error=prompt,
                        showInputMessage=True, promptTitle="填写提示", prompt=prompt[:250])
    dv.add(f"{col_letter}{EXAMPLE_ROW}:{col_letter}{FIRST_DATA_ROW + FORMATTED_ROWS}")
    return dv


def add_ledger_sheet(wb: Workbook, ledger: Ledger, catalog: Catalog, unit: str | None = None,
                     rows: list[dict] | None = None, demo: bool = False):
    """Append one ledger sheet: title, header, example row, then `rows` (dicts keyed by field)."""
    ws = wb.create_sheet(ledger.name)
    n = len(ledger.columns)
    title = f"{ledger.name}{'（示例数据）' if demo else ''}{'　填报单位：' + unit if unit else ''}"
    ws.cell(TITLE_ROW, 1, title).font = Font(name=FONT, size=14, bold=True)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=n)
    ws.row_dimensions[TITLE_ROW].height = 26
    for j, col in enumerate(ledger.columns, 1):
        c = ws.cell(HEADER_ROW, j, col.name)
        c.font = Font(name=FONT, bold=True)
        c.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = _BORDER
        c.comment = Comment(("必填。" if col.required else "选填。") + col.help, "法治建设指标看板")
        letter = c.column_letter
        ws.column_dimensions[letter].width = col.width
        if col.type == UNIT:
            ws.add_data_validation(_list_validation(catalog.unit_names, letter, col.help))
        elif col.type == CHOICE:
            ws.add_data_validation(_list_validation(col.choices, letter, col.help))
        elif col.type in (INT, NUMBER):
            dv = DataValidation(type="decimal" if col.type == NUMBER else "whole", operator="greaterThanOrEqual",
                                formula1="0", allow_blank=True, showErrorMessage=True, errorTitle="请填写数字",
                                error=f"{col.name}应为不小于 0 的{'数字' if col.type == NUMBER else '整数'}")
            dv.add(f"{letter}{EXAMPLE_ROW}:{letter}{FIRST_DATA_ROW + FORMATTED_ROWS}")
            ws.add_data_validation(dv)
        elif col.type == DATE:
            dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
                                allow_blank=True, showErrorMessage=True, errorTitle="请填写日期",
                                error="请填写日期，如 2025-03-01")
            dv.add(f"{letter}{EXAMPLE_ROW}:{letter}{FIRST_DATA_ROW + FORMATTED_ROWS}")
            ws.add_data_validation(dv)
    ws.row_dimensions[HEADER_ROW].height = 30
    example = dict(EXAMPLES[ledger.kind], unit=unit or catalog.unit_names[1], note=f"{EXAMPLE_MARK}此行为填写示例，导入时自动跳过，可删除")
    _write_row(ws, ledger, EXAMPLE_ROW, example)
    for j in range(1, n + 1):
        ws.cell(EXAMPLE_ROW, j).fill = _EXAMPLE_FILL
        ws.cell(EXAMPLE_ROW, j).font = Font(name=FONT, italic=True, color="7F7F7F")
    for i, row in enumerate(rows or []):
        _write_row(ws, ledger, FIRST_DATA_ROW + i, row)
    last = FIRST_DATA_ROW + max(len(rows or []), FORMATTED_ROWS)
    for j, col in enumerate(ledger.columns, 1):
        fmt = NUMBER_FORMATS.get(col.type)
        if fmt:
            for r in range(FIRST_DATA_ROW, last + 1):
                ws.cell(r, j).number_format = fmt
    if unit:
        _lock_unit(ws, ledger, unit, last)
    ws.freeze_panes = ws.cell(EXAMPLE_ROW, 1)
    filled = FIRST_DATA_ROW + len(rows) - 1 if rows else EXAMPLE_ROW + BLANK_PRINT_ROWS
    set_print(ws, n, filled, sum(c.width for c in ledger.columns))
    return ws


def set_print(ws, columns: int, last_row: int, width: float, title_rows: str | None = f"{HEADER_ROW}:{HEADER_ROW}") -> None:
    """Print what is filled in, not the formatted rows below it: A4, the print area up to `last_row`, every
    column on one page width (landscape when the columns' `width` in characters needs it), as many pages tall
    as the rows take, the header row repeated on each page, page numbers in the footer."""
    ws.print_area = f"A1:{get_column_letter(columns)}{last_row}"
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if width > PORTRAIT_CHARS else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as the rows need
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.2, footer=0.3)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _write_row(ws, ledger: Ledger, r: int, values: dict) -> None:
    for j, col in enumerate(ledger.columns, 1):
        v = values.get(col.field)
        if v is not None:
            ws.cell(r, j, v)


def _lock_unit(ws, ledger: Ledger, unit: str, last: int) -> None:
    """Pre-fill 单位 in every row and lock it; every other cell stays editable."""
    ucol = [c.field for c in ledger.columns].index("unit") + 1
    for r in range(EXAMPLE_ROW, last + 1):
        for j in range(1, len(ledger.columns) + 1):
            cell = ws.cell(r, j)
            if j == ucol:
                cell.value = unit
                cell.protection = Protection(locked=True)
            else:
                cell.protection = Protection(locked=False)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.insertRows = False
    ws.protection.deleteRows = False
    ws.protection.sort = False
    ws.protection.autoFilter = False


def add_instructions(wb: Workbook, ledgers: list[Ledger], unit: str | None = None, demo: bool = False) -> None:
    ws = wb.create_sheet("填表说明")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 90
    lines = [
        (INSTRUCTIONS_TITLE, None, None),
        ("示例数据：本文件为虚构的示例数据，仅供演示。" if demo else "", None, None),
        ("1. 每个工作表是一种台账，一行填一件事（一次学法、一次活动、一次会议），统计表每个统计日期填一行。", None, None),
        ("2. 第 3 行灰色斜体为填写示例，导入时自动跳过，可以删除。请从第 4 行起填写。", None, None),
        ("3. 单位、类别、宣传节点、地点类型请从下拉列表选择；日期写成 2025-03-01 或 2025年3月1日。", None, None),
        ("4. 表头请勿改名或删除；可以增加“合计”行，导入时会自动跳过。", None, None),
        ("5. 文件整份导入：任何一行有误，系统会列出全部问题（工作表、行、列、值、修改方法），改好后再上传。", None, None),
        ("6. 同一行（单位、日期、类别或节点、名称均相同）重复上传不会重复计数；改正后重新上传会更新原来的记录。", None, None),
    ]
    if unit:
        lines.append((f"7. 本模板已预填并锁定单位“{unit}”，只能填报本单位数据。", None, None))
    r = 1
    for text, _, _ in lines:
        if text:
            ws.cell(r, 1, text).font = Font(name=FONT, size=14 if r == 1 else 11, bold=r == 1)
            r += 1
    for ledger in ledgers:
        r += 1
        ws.cell(r, 1, f"【{ledger.name}】{ledger.help}").font = Font(name=FONT, bold=True)
        r += 1
        for j, h in enumerate(("列名", "是否必填", "填写说明"), 1):
            c = ws.cell(r, j, h)
            c.font = Font(name=FONT, bold=True)
            c.fill = _HEADER_FILL
        for col in ledger.columns:
            r += 1
            ws.cell(r, 1, col.name)
            ws.cell(r, 2, "必填" if col.required else "选填")
            ws.cell(r, 3, col.help)
    for row in ws.iter_rows(min_col=3, max_col=3):  # long help wraps inside the page instead of running off it
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    set_print(ws, 3, r, 18 + 10 + 90, title_rows=None)


def build_workbook(kinds: list[str], unit: str | None = None, rows: dict[str, list[dict]] | None = None,
                   catalog: Catalog | None = None, demo: bool = False) -> Workbook:
    """A workbook with one sheet per ledger kind (in the order given) and a 填表说明 sheet."""
    catalog = catalog or default_catalog()
    wb = Workbook()
    wb.remove(wb.active)
    ledgers = [LEDGERS[k] for k in kinds]
    for ledger in ledgers:
        add_ledger_sheet(wb, ledger, catalog, unit, (rows or {}).get(ledger.kind), demo)
    add_instructions(wb, ledgers, unit, demo)
    return wb


def template_bytes(kind: str, unit: str | None = None) -> bytes:
    """The blank template of one kind ("all" for every kind in one workbook) as .xlsx bytes."""
    kinds = list(LEDGERS) if kind == "all" else [kind]
    buf = io.BytesIO()
    build_workbook(kinds, unit).save(buf)
    return buf.getvalue()


def template_name(kind: str, unit: str | None = None) -> str:
    base = "全部台账" if kind == "all" else LEDGERS[kind].name
    return f"{base}模板{('_' + unit) if unit else ''}.xlsx"


def write_template(kind: str, path: str | Path, unit: str | None = None) -> Path:
    """Write the template of `kind` to `path` and return the path."""
    path = Path(path)
    path.write_bytes(template_bytes(kind, unit))
    return path
