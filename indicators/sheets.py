"""Read ledger files as they really are: find each sheet's header row and kind, whatever the layout.

Reading is done by fastexcel (Rust calamine into Arrow, every cell as text), which measured 0.24 s
for a 100k-row sheet where pandas+openpyxl took 4.8 s (PERF-NOTES.md). Merged ranges, which it
does not report, come from the workbook XML (.xlsx) or python-calamine (.xls).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

import fastexcel
import polars as pl
import python_calamine

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


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("既不是 UTF-8 也不是 GBK 编码")


def read_csv(data: bytes, name: str) -> list[RawSheet]:
    text = _decode_csv(data)
    if "\x00" in text:
        raise ValueError("含有二进制内容")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    width = max((len(r) for r in rows), default=0)
    columns = {f"c{j}": [(r[j] if j < len(r) and r[j] != "" else None) for r in rows] for j in range(width)}
    return [RawSheet(name.rsplit(".", 1)[0], pl.DataFrame(columns, schema={k: pl.String for k in columns}), list(range(width)))]


def _xlsx_merged(data: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged ranges per sheet name, read from the workbook XML: {sheet: [(r0, c0, r1, c1)]}, 0-based."""
    out: dict[str, list] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        targets = dict(re.findall(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
        for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", wb):
            name = re.search(r'\bname="([^"]*)"', tag)
            rid = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\b\w+:id="([^"]*)"', tag)
            if not name or not rid or rid.group(1) not in targets:
                continue
            target = targets[rid.group(1)].lstrip("/")
            path = target if target.startswith("xl/") else "xl/" + target
            try:
                xml = z.read(path)
            except KeyError:
                continue
            # <mergeCell ref="A1:H1"/> elements follow the sheet data; `sqref` of data validations must not match
            refs = _MERGE_REF.findall(xml, xml.rfind(b"</sheetData>") + 1)
            sheet = _unescape(name.group(1))
            out[sheet] = [(int(r0) - 1, _col_number(c0.decode()), int(r1) - 1, _col_number(c1.decode())) for c0, r0, c1, r1 in refs]
    return out


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)"')


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _xls_merged(data: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    out = {}
    for name in wb.sheet_names:
        ranges = wb.get_sheet_by_name(name).merged_cell_ranges or []
        out[name] = [(a[0], a[1], b[0], b[1]) for a, b in ranges]
    return out


def _fill_merged(frame: pl.DataFrame, col_index: list[int], ranges) -> pl.DataFrame:
    """Give every cell of a merged range the value of its top-left cell, as a reader of the sheet sees it."""
    if not ranges or frame.width == 0:
        return frame
    pos = {c: j for j, c in enumerate(col_index)}
    fills: dict[int, tuple[list[int], list]] = {}
    for r0, c0, r1, c1 in ranges:
        if r0 >= frame.height or c0 not in pos:
            continue
        value = frame[r0, pos[c0]]
        rows = range(r0 + 1, min(r1, frame.height - 1) + 1)
        for c in range(c0, c1 + 1):
            if c in pos:
                idx, vals = fills.setdefault(pos[c], ([], []))
                cells = rows if c == c0 else range(r0, min(r1, frame.height - 1) + 1)
                idx.extend(cells)
                vals.extend([value] * len(cells))
    columns = []
    for j, name in enumerate(frame.columns):
        series = frame.get_column(name)
        if fills.get(j, ([],))[0]:
            idx, vals = fills[j]
            # patch only the rows the ranges span (a title row, a header): slices share the rest,
            # where a clone of the whole column doubled a 100k-row sheet in memory
            lo, hi = min(idx), max(idx) + 1
            mid = series.slice(lo, hi - lo).clone().scatter([i - lo for i in idx], pl.Series(vals, dtype=pl.String))
            series = pl.concat([series.slice(0, lo), mid, series.slice(hi)], rechunk=False)
        columns.append(series)
    return pl.DataFrame(columns)


def read_workbook(data: bytes, name: str) -> list[RawSheet]:
    """Every sheet of an .xlsx/.xls/.csv file as text. Raises ValueError when it is no spreadsheet."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "csv":
        return read_csv(data, name)
    try:
        reader = fastexcel.read_excel(data)
        merged = _xlsx_merged(data) if data[:2] == b"PK" else _xls_merged(data)
    except (fastexcel.FastExcelError, python_calamine.CalamineError, zipfile.BadZipFile, KeyError) as e:
        raise ValueError(str(e).splitlines()[0][:120]) from e
    sheets = []
    for sheet_name in reader.sheet_names:
        try:
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
            frame = sheet.to_polars()
        except fastexcel.FastExcelError:
            frame, sheet = pl.DataFrame(), None
        if sheet is None or frame.width == 0 or frame.height == 0:
            sheets.append(RawSheet(sheet_name, pl.DataFrame(), [], True))
            continue
        col_index = [c.absolute_index for c in sheet.selected_columns]
        frame = frame.cast({c: pl.String for c in frame.columns})
        frame = _fill_merged(frame, col_index, merged.get(sheet_name))
        sheets.append(RawSheet(sheet_name, frame, col_index, sheet.visible == "visible"))
    return sheets


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
