"""The limits every container is judged against, the refusal (Unreadable) and what a sheet is before any reader sees it."""
from __future__ import annotations

from dataclasses import dataclass, field


MAX_SHEETS = 1000  # sheets per workbook (checking one sheet of its own layout costs ~20 ms)
MAX_ENTRIES = 20_000  # members of an .xlsx zip (each costs the zip readers memory before anything is read)
MAX_INFLATED = 256 << 20  # every part of an .xlsx, inflated
MAX_RATIO = 200  # inflated / compressed size of a part over RATIO_FLOOR
RATIO_FLOOR = 16 << 20
MAX_SHEET_CELLS = 6_000_000  # rows x columns of one sheet's real extent: what the reader allocates
MAX_CELLS = 12_000_000  # the same over the whole workbook
MAX_TEXT = 200 << 20  # characters the cells would hold, shared strings counted at every use
MAX_MERGES = 50_000  # merged ranges of one sheet
MAX_COLUMNS = 1024  # columns holding anything: a ledger has a dozen; a sheet wider than this is not read
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384
CHUNK = 1 << 20
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
               0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


class Unreadable(ValueError):
    """The file cannot (or must not) be read: `code` is a problem code, `extra` and `value` fill its message."""

    def __init__(self, code: str, extra: str = "", value: str = ""):
        super().__init__(f"{code}: {extra}")
        self.code, self.extra, self.value = code, extra, value


@dataclass
class SheetInfo:
    """One sheet as its records say it is, before any reader allocates it."""

    name: str
    part: str = ""  # zip member of an .xlsx sheet
    visible: bool = True
    rows: int = 0  # real extent: last row and column holding a cell, 1-based
    cols: int = 0
    text: int = 0  # characters its cells copy from the shared strings
    marks: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)  # (row0, col0) -> (code, text)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r0, c0, r1, c1), 0-based
    used: set[int] | None = field(default_factory=set)  # 0-based columns holding a cell; None when unknown
    missing: bool = False  # its part is not in the package (a relationship to nothing, or outside it)

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def col_number(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26 (the reader takes 'aa' and columns past XFD too)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(index: int) -> str:
    s, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        s = chr(65 + rem) + s
    return s


def _check_totals(sheet: SheetInfo, cells: int, text: int) -> None:
    if sheet.rows > EXCEL_ROWS or sheet.cols > EXCEL_COLS or sheet.cells > MAX_SHEET_CELLS:
        far = f"{col_letters(sheet.cols - 1)}{sheet.rows}" if sheet.rows and sheet.cols else ""
        raise Unreadable("sheet_too_large", f"工作表「{sheet.name}」内容延伸到 {far}（{sheet.rows} 行 × {sheet.cols} 列）",
                         value=f"{MAX_SHEET_CELLS:,}")
    if cells > MAX_CELLS:
        raise Unreadable("sheet_too_large", f"各工作表合计 {cells:,} 个单元格", value=f"{MAX_CELLS:,}")
    if text > MAX_TEXT:
        raise Unreadable("too_big_inflated", f"单元格文字合计约 {_mb(text)}，上限 {_mb(MAX_TEXT)}")
