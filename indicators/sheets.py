"""Read ledger files as they really are: find each sheet's header row and kind, whatever the layout.

Reading is done by fastexcel (Rust calamine into Arrow, every cell as text), which measured 0.24 s
for a 100k-row sheet where pandas+openpyxl took 4.8 s (PERF-NOTES.md). Before it sees the file,
containers.py judges what the file is and what reading it would cost; merged ranges, formulas
without a saved result and error cells, which the reader does not report, come from that same pass
over the workbook XML (.xlsx) or BIFF records (.xls). CSV is read by csvtext.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import fastexcel
import polars as pl
import python_calamine

from . import containers, csvtext
from .containers import Unreadable
from .ledgers import LEDGERS, Ledger, normalise_header
from .problems import Problem

HEADER_SCAN_ROWS = 30  # a header further down than this is not a header
MIN_HEADER_MATCHES = 3

# Rows that are not records: totals, signatures and notes under the table, template examples.
SKIP_ROW = re.compile(r"^(合计|小计|总计|累计|共计|填表人|制表人|审核人|填报人|负责人|联系人|联系电话|填表说明|说明[:：]|注[:：]|备注[:：])")
EXAMPLE_MARK = "【填写示例】"


@dataclass
class RawSheet:
    """A sheet as text. Frame row i is Excel row i+1; frame column j is Excel column `col_index[j]` (0-based)."""

    name: str
    frame: pl.DataFrame
    col_index: list[int]
    visible: bool = True
    marks: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)  # (row0, col) -> (code, text)
    skipped: str = ""  # why the sheet was not read, when it was not (said to the user)


@dataclass
class Mapped:
    field: str
    source: str  # frame column name
    header: str  # header text as written
    letter: str  # Excel column letter


@dataclass
class Table:
    """A sheet recognised as a ledger: which column is which, and its data rows."""

    ledger: Ledger
    sheet: str
    header_row: int  # Excel row number of the (last) header row
    columns: dict[str, Mapped]
    data: pl.DataFrame  # data rows with `_row` (Excel row number)
    problems: list[Problem] = field(default_factory=list)


def col_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        s = chr(65 + rem) + s
    return s


def read_csv(data: bytes, name: str) -> list[RawSheet]:
    """A CSV file as one sheet of text. Raises containers.Unreadable (a ValueError) when it cannot be read."""
    records = csvtext.rows(csvtext.decode(data))
    width = max((len(r) for r in records), default=0)
    columns = {f"c{j}": [(r[j] if j < len(r) and r[j] != "" else None) for r in records] for j in range(width)}
    # a CSV saved by Excel writes an error cell as its text (#N/A): named as the error it was
    errors = set(containers.ERROR_CODES.values())
    marks = {(i, j): ("error_value", v) for j, col in enumerate(columns.values()) if errors.intersection(col)
             for i, v in enumerate(col) if v in errors}
    frame = pl.DataFrame(columns, schema={k: pl.String for k in columns})
    return [RawSheet(name.rsplit(".", 1)[0], frame, list(range(width)), marks=marks)]


def _fill_merged(frame: pl.DataFrame, col_index: list[int], ranges) -> pl.DataFrame:
    """Give every cell of a merged range the value of its top-left cell, as a reader of the sheet sees it.

    Ranges are clipped to the frame first; when their clipped areas add up to more cells than the
    sheet has, some overlap (Excel itself refuses such a file), and the sheet is refused rather than
    filled cell by cell for ever.
    """
    if not ranges or frame.width == 0:
        return frame
    pos = {c: j for j, c in enumerate(col_index)}
    last_row = frame.height - 1
    clipped = [(r0, c0, min(r1, last_row), c1) for r0, c0, r1, c1 in ranges if r0 <= last_row and r1 >= r0 and c1 >= c0]
    area = sum((r1 - r0 + 1) * sum(1 for c in range(c0, min(c1, col_index[-1]) + 1) if c in pos)
               for r0, c0, r1, c1 in clipped if c0 <= col_index[-1])
    if area > frame.height * frame.width:
        raise Unreadable("merged_overlap", f"{len(ranges)} 个合并区域")
    fills: dict[int, tuple[list[int], list]] = {}
    for r0, c0, r1, c1 in clipped:
        if c0 not in pos:
            continue
        value = frame[r0, pos[c0]]
        for c in range(c0, min(c1, col_index[-1]) + 1):
            if c in pos:
                idx, vals = fills.setdefault(pos[c], ([], []))
                cells = range(r0 + 1, r1 + 1) if c == c0 else range(r0, r1 + 1)
                idx.extend(cells)
                vals.extend([value] * len(cells))
    columns = []
    for j, name in enumerate(frame.columns):
        series = frame.get_column(name)
        if fills.get(j, ([],))[0]:
            idx, vals = fills[j]
            series = series.clone().scatter(idx, pl.Series(vals, dtype=pl.String))
        columns.append(series)
    return pl.DataFrame(columns)


def read_workbook(data: bytes, name: str) -> list[RawSheet]:
    """Every sheet of an .xlsx/.xls/.csv file as text, judged by its content rather than its name.

    Hidden sheets come back empty with `visible=False` (they are not read). Raises
    containers.Unreadable (a ValueError with a problem code) when the file is no spreadsheet, is
    damaged or encrypted, or would exceed a limit of containers (sizes, extent, sheets, merges).
    """
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = containers.kind_of(data, suffix)
    if kind == "text":
        return read_csv(data, name)
    infos = containers.inspect_xlsx(data) if kind == "zip" else containers.inspect_ole(data)[1]
    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
    except BaseException as e:  # noqa: BLE001 - sorted by _reader_failure, which re-raises what is not the reader's
        raise _reader_failure(e) from e
    # the reader lists the same sheets in the same order; by name when some were left out (chart sheets)
    if len(names) == len(infos):
        pairs = list(zip(names, infos))
    else:
        by_name = {i.name: i for i in infos}
        pairs = [(n, by_name.get(n)) for n in names]
    sheets = []
    for sheet_name, info in pairs:
        if info is None or not info.visible or info.cells == 0:
            sheets.append(RawSheet(sheet_name, pl.DataFrame(), [], info is not None and info.visible, {}))
            continue
        if info.used is not None and len(info.used) > containers.MAX_COLUMNS:
            sheets.append(RawSheet(sheet_name, pl.DataFrame(), [], True, {},
                                   f"有 {len(info.used):,} 列有内容，超过 {containers.MAX_COLUMNS:,} 列，不是台账"))
            continue
        # only the columns holding something: a stray cell far to the right costs one column, not thousands
        use = sorted(info.used) if info.used else None
        try:
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0, use_columns=use)
            frame = sheet.to_polars()
        except BaseException as e:  # noqa: BLE001 - as above
            raise _reader_failure(e) from e
        if frame.width == 0 or frame.height == 0:
            sheets.append(RawSheet(sheet_name, pl.DataFrame(), [], True, info.marks))
            continue
        col_index = [c.absolute_index for c in sheet.selected_columns]
        frame = frame.cast({c: pl.String for c in frame.columns})
        frame = _fill_merged(frame, col_index, info.merges)
        sheets.append(RawSheet(sheet_name, frame, col_index, True, info.marks))
    return sheets


_READER_ERRORS = (fastexcel.FastExcelError, python_calamine.CalamineError, OSError, ValueError)


def _reader_failure(e: BaseException) -> Unreadable:
    """The reader's own errors, and a Rust panic inside it (pyo3's PanicException, a BaseException of its
    own per extension), become what happened to the file; anything else is a bug and goes on."""
    if isinstance(e, _READER_ERRORS) or type(e).__name__ == "PanicException":
        return _translate(e)
    raise e


def _translate(e: BaseException) -> Unreadable:
    """A reader's English error as what happened to the file."""
    text = str(e).lower()
    if "password" in text or "encrypt" in text:
        return Unreadable("encrypted")
    if "cannot detect file format" in text or "unrecognized" in text:
        return Unreadable("not_spreadsheet", "无法识别的文件格式")
    return Unreadable("corrupt", "读取工作表时出错，文件内容不完整或已损坏")


# Normalised header spellings per ledger and field, computed once (header search tries ~60 candidate
# rows against every ledger).
_FORMS = {l.kind: {c.field: c.header_forms() for c in l.columns} for l in LEDGERS.values()}


def _match(ledger: Ledger, headers: list[str]) -> dict[str, list[int]]:
    """field -> positions whose header names that field."""
    found: dict[str, list[int]] = {}
    for col in ledger.columns:
        forms = _FORMS[ledger.kind][col.field]
        hits = [j for j, h in enumerate(headers) if h and h in forms]
        if hits:
            found[col.field] = hits
    return found


def _header_candidates(rows: list[tuple]) -> list[tuple[int, int, list[str], list[str]]]:
    """(first row, last row, normalised headers, headers as written) for single and two-row headers."""
    out = []
    for r, row in enumerate(rows):
        norm = [normalise_header(v) for v in row]
        out.append((r, r, norm, [str(v or "").strip() for v in row]))
        if r + 1 < len(rows):
            below = rows[r + 1]
            nb = [normalise_header(v) for v in below]
            combined = [b or a for a, b in zip(norm, nb)]
            written = [str(b or a or "").strip() for a, b in zip(row, below)]
            out.append((r, r + 1, combined, written))
    return out


def recognise(raw: RawSheet, file: str) -> Table | None:
    """The ledger this sheet holds, with its header mapped; None when it holds no ledger."""
    if raw.frame.height == 0:
        return None
    rows = raw.frame.head(HEADER_SCAN_ROWS).rows()
    best = None
    for first, last, norm, written in _header_candidates(rows):
        if sum(1 for h in norm if h) < MIN_HEADER_MATCHES:
            continue
        for ledger in LEDGERS.values():
            found = _match(ledger, norm)
            # for two-row headers, a field counts when either row names it
            if last > first:
                top = _match(ledger, [normalise_header(v) for v in rows[first]])
                for f, hits in top.items():
                    found.setdefault(f, hits)
            required = sum(1 for c in ledger.columns if c.required and c.field in found)
            score = (len(found), required, -(last - first))
            if len(found) >= MIN_HEADER_MATCHES and required >= 2 and (best is None or score > best[0]):
                best = (score, ledger, first, last, found, written)
    if best is None:
        return None
    _, ledger, first, last, found, written = best
    problems, columns = [], {}
    names = raw.frame.columns
    for col in ledger.columns:
        hits = found.get(col.field)
        if not hits:
            if col.required:
                problems.append(Problem("missing_column", file, raw.name, last + 1, col.name))
            continue
        if len(hits) > 1:
            problems.append(Problem("duplicate_column", file, raw.name, last + 1, col.name,
                                    extra="、".join(col_letter(raw.col_index[j]) for j in hits)))
        j = hits[0]
        columns[col.field] = Mapped(col.field, names[j], written[j] or col.name, col_letter(raw.col_index[j]))
    data = raw.frame.slice(last + 1).with_columns(_row=pl.int_range(last + 2, raw.frame.height + 1, dtype=pl.Int64))
    return Table(ledger, raw.name, last + 1, columns, data, problems)
