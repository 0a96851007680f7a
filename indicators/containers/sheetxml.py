"""One sheet part's real extent, shared text, marks (formulas without a result, error cells) and merges.

Three scans read the same XML and must agree on the extent (tests/test_plain_scan.py compares them):

- `_scan_plain`: nearly every sheet is written the same way by Excel, WPS, LibreOffice, xlsxwriter and
  openpyxl (each cell starts `<c r="B12"`, rows come in order, formulas, error cells and merges are rare).
  For such a sheet it proves the same facts as `_scan_sheet` with a few passes of C code per chunk: one
  regex that matches only the cells not yet known to be inside the extent, and memchr-speed probes for
  the letters formulas, error cells and merges cannot be written without. Whatever it cannot prove (a
  cell without its reference, attributes in another order, a prefixed element, rows out of order many
  times) sends the sheet to `_scan_sheet`.
- `_scan_sheet`: any sheet, cell by cell (about 20 ms a megabyte).
- `_trim_valueless`: only when a limit is passed, the extent measured again by the cells with content
  (formatting written down to the sheet's end does not count).
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

from .limits import CHUNK, col_number, EXCEL_COLS, EXCEL_ROWS, MAX_CELLS, MAX_MERGES, MAX_SHEET_CELLS, MAX_TEXT, SheetInfo, Unreadable
from .zipparts import OVERLAP, _stream, _unescape


# Patterns that start with a literal, so that the regex engine skips ahead at C speed (a pattern starting
# at "<" tries every tag: 50 ms a megabyte instead of 4). Only <c> and <row> carry an r attribute in a sheet.
# any letters and digits: the reader takes lower case, four letters and eight digits alike (and then
# allocates for them), so they must count, not slip past the patterns
_REF_COL = re.compile(rb' r="([A-Za-z]+)[0-9]')  # one per cell with a reference
_REF_ROW = re.compile(rb' r="[A-Za-z]*([0-9]+)"')  # cells and rows
_SHARED_CELL = re.compile(rb't="s"[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?v>\s*([0-9]{1,9})')
_ERROR_ATTR = re.compile(rb't="e"')
_FORMULA_END = re.compile(rb'</(?:[A-Za-z_][\w.-]*:)?f>\s*(?:<(?:[A-Za-z_][\w.-]*:)?v\s*/>|<(?:[A-Za-z_][\w.-]*:)?v>\s*'
                          rb'</(?:[A-Za-z_][\w.-]*:)?v>)?\s*</(?:[A-Za-z_][\w.-]*:)?c>')
_EMPTY_END = re.compile(rb'/>\s*(?:<(?:[A-Za-z_][\w.-]*:)?v\s*/>|<(?:[A-Za-z_][\w.-]*:)?v>\s*</(?:[A-Za-z_][\w.-]*:)?v>)?\s*'
                        rb'</(?:[A-Za-z_][\w.-]*:)?c>')
# any prefix (the reader goes by local names, and an XML name may hold any letter)
_CELL_START = re.compile(rb"<(?:[^\s<>/:=\"']+:)?c[\s>]")
_ROW_START = re.compile(rb"<(?:[^\s<>/:=\"']+:)?row[\s>/]")
_F_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_V_TEXT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]{0,40})<")
_REF_ATTR = re.compile(rb'\br="\$?([A-Z]{1,3})\$?([0-9]{1,7})"')
_TEXT_RESULT = re.compile(rb'\bt="(?:str|inlineStr|s)"')
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?"')
# r and t written otherwise than ` r="` (single quotes, spaces around "=", a tab or line break before the
# name): XML allows it and the reader reads them, so they count as much as the usual form
_ODD_REF = re.compile(rb"""(?:[\t\n\r]r\s*=\s*["']|\sr(?:\s*=\s*'|\s+=\s*"|=\s+"))\$?([A-Za-z]*)\$?([0-9]+)""")
_ODD_SIGNS = (b"'", b"\t", b"\n", b"\r", b" =", b"= ")  # what an odd form cannot be written without
_ODD_SHARED = re.compile(rb"""(?:[\t\n\r]t\s*=\s*["']s["']|\st(?:\s*=\s*'s'|\s+=\s*"s"|=\s+"s"))""")
# a cell with content: not self-closing, and not empty up to its end tag (<c r="H9" s="3"/>, <c r="H9"></c>)
_FILLED_CELL = re.compile(rb"<c(\s[^>]*?)?(?<!/)>(?!\s*</c>)")
_ANY_REF = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]+)\$?([0-9]+)["']""")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s>/]")
_CELL_OPEN = re.compile(rb"<c[\s>/]")
_CELL_SELF_CLOSED = re.compile(rb"<c\s[^>]*/>")


def _trim_valueless(z: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: SheetInfo, cells_before: int) -> None:
    """A sheet whose extent would be refused is measured again by its cells with content only.

    Excel and WPS write formatting without content as empty rows (<row r="1048576" ht="20"/>) and empty
    styled cells (<c r="H1048576" s="3"/>): a clerk who formatted a column down to the sheet's end. The
    reader keeps no cell for them (a ledger with one at H1048576 is read in 0.1 s and 53 MB), so they do
    not count in the extent the limits bound. Only run when a limit is passed; the sheet keeps the
    extent it had (and is refused) unless every cell with content is proved to carry its reference: a
    cell written without one, or with a prefix (<x:c>), leaves the counted extent as it was.
    """
    if not (sheet.cells > MAX_SHEET_CELLS or cells_before + sheet.cells > MAX_CELLS
            or sheet.rows > EXCEL_ROWS or sheet.cols > EXCEL_COLS):
        return
    rows = 0
    used: set[int] = set()
    pending = b""
    for buf, skip in _stream(z, info):
        data = pending + buf[skip:]
        cut = data.rfind(b"<")  # a tag the chunk cuts is carried whole into the next one
        part, pending = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        if len(pending) > CHUNK:  # one tag longer than a chunk: no sheet Excel writes
            return
        if _PREFIXED_CELL.search(part):
            return
        if len(_CELL_OPEN.findall(part)) == len(_CELL_SELF_CLOSED.findall(part)):
            continue  # formatting only (every cell self-closing): two C-speed counts instead of the cell-by-cell match
        for m in _FILLED_CELL.finditer(part):
            ref = _ANY_REF.search(m.group(1) or b"")
            if ref is None:
                return
            rows = max(rows, int(ref.group(2)))
            used.add(col_number(ref.group(1).decode().upper()))
    if pending and (_PREFIXED_CELL.search(pending) or _FILLED_CELL.search(pending)):
        return  # a cell at the very end of the part without its end: damaged, left to the counted extent
    sheet.rows, sheet.used = rows, used
    sheet.cols = max(used) + 1 if used else 0


def _scan_sheet(z: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: SheetInfo, sst: list[int]) -> None:
    """Real extent, shared text, marks and merges of one sheet part, streamed (about 20 ms a megabyte)."""
    max_row = max_col = 0
    n_cells = n_refs = rowless = 0
    widest = current = 0  # cells per row, for cells written without a reference
    shared_uses: list[bytes] = []
    merges: set = set()
    longest = max(sst, default=0)
    chunks = 0
    used: set[bytes] = set()
    for buf, skip in _stream(z, info):
        chunks += 1
        fresh = buf[skip:]
        seam = buf[:skip + OVERLAP] if skip else b""  # tags cut by the previous chunk's end
        cols = _REF_COL.findall(fresh)
        n_refs += len(cols)
        cols = set(cols) | set(_REF_COL.findall(seam))
        if cols - used:
            used |= cols
            max_col = max(max_col, max(col_number(c.decode()) + 1 for c in cols))
        rows = _REF_ROW.findall(fresh) + _REF_ROW.findall(seam)
        if rows:  # by value: a longer string is not a larger row when it starts with zeros (A0000005)
            max_row = max(max_row, max(map(int, rows)))
        odd = any(c in buf for c in _ODD_SIGNS)  # else neither odd form can be in the chunk
        for m in (_ODD_REF.finditer(buf, max(0, skip - 32)) if odd else ()):
            letters, digits = m.groups()
            if letters:
                used.add(letters)
                max_col = max(max_col, col_number(letters.decode()) + 1)
            max_row = max(max_row, int(digits))
        n_cells += fresh.count(b"<c") - fresh.count(b"<col") + (len(_COLON_C.findall(fresh)) if b":c" in fresh else 0)
        if n_cells > n_refs + 2 * chunks:  # cells without a reference sit one after the other in their row
            pieces = _ROW_START.split(fresh)
            current += len(_CELL_START.findall(pieces[0]))
            for piece in pieces[1:]:
                widest, current = max(widest, current), len(_CELL_START.findall(piece))
            rowless += max(0, len(pieces) - 1 - fresh.count(b'<row r="'))
        if sst and b't="s"' in buf:
            uses = fresh.count(b't="s"')
            if shared_uses or longest * uses > MAX_TEXT // 256:
                shared_uses.extend(m.group(1) for m in _SHARED_CELL.finditer(buf) if m.start() >= skip)
            else:
                sheet.text += longest * uses
        if sst and odd:
            sheet.text += longest * len(_ODD_SHARED.findall(buf, max(0, skip - 16)))
        if b't="e"' in fresh:
            _mark_errors(buf, skip, sheet.marks)
        if b"<f" in buf or b":f" in buf:
            _mark_formulas(buf, skip, sheet.marks)
        if b"mergeCell" in buf:
            _add_merges(buf, merges, sheet.name)
    widest = max(widest, current)
    sheet.used = {col_number(c.decode()) for c in used}
    if n_cells > n_refs + 2 * chunks:
        max_col = max(max_col, widest)
        max_row += rowless
        sheet.used = None
    if shared_uses:
        sheet.text += sum(sst[i] if i < len(sst) else 0 for i in map(int, shared_uses))
    sheet.rows, sheet.cols = max_row, max_col
    sheet.merges = sorted(merges)


def _cell_at(buf: bytes, end: int) -> tuple[int, bytes] | None:
    """(start, attributes) of the <c> element that `end` lies in, looking back at most 4 KB."""
    window_start = max(0, end - 4096)
    last = None
    for last in _CELL_START.finditer(buf, window_start, end):
        pass
    if last is None:
        return None
    close = buf.find(b">", last.start())
    return last.start(), buf[last.start():close]


def _position(attrs: bytes) -> tuple[int, int] | None:
    ref = _REF_ATTR.search(attrs)
    return (int(ref.group(2)) - 1, col_number(ref.group(1).decode())) if ref else None


def _add_merges(buf: bytes, merges: set, name: str) -> None:
    for m in _MERGE_REF.finditer(buf):
        c0, r0, c1, r1 = m.groups()
        merges.add((int(r0) - 1, col_number(c0.decode()), int(r1 or r0) - 1, col_number((c1 or c0).decode())))
    if len(merges) > MAX_MERGES:
        raise Unreadable("too_many_merges", name, value=str(MAX_MERGES))


def _mark_errors(buf: bytes, skip: int, marks: dict) -> None:
    for m in _ERROR_ATTR.finditer(buf, skip):
        cell = _cell_at(buf, m.start())
        pos = _position(cell[1]) if cell else None
        if pos is None or m.start() > cell[0] + len(cell[1]):
            continue
        value = _V_TEXT.search(buf, m.end(), m.end() + 4096)
        marks[pos] = ("error_value", value.group(1).decode("utf-8", "replace").strip() if value else "#错误")


def _mark_formulas(buf: bytes, skip: int, marks: dict) -> None:
    """Cells whose formula has no <v>, or an empty one where the result is not text: never calculated."""
    ends = [(m, False) for m in _FORMULA_END.finditer(buf, skip)] + [(m, True) for m in _EMPTY_END.finditer(buf, skip)]
    for m, self_closing in ends:
        cell = _cell_at(buf, m.start())
        if cell is None:
            continue
        start, attrs = cell
        f = _F_START.search(buf, start, m.end())
        if f is None or b't="e"' in attrs or (b"<v" in buf[m.start():m.end()] and _TEXT_RESULT.search(attrs)):
            continue
        pos = _position(attrs)
        if pos is None:
            continue
        body_start = buf.find(b">", f.start()) + 1
        if self_closing != buf[f.start():body_start].endswith(b"/>"):
            continue  # "/>" of an empty <v/> after a written formula: _FORMULA_END has that cell
        formula = b"" if self_closing else buf[body_start:m.start()]
        text = _unescape(formula[:1000].decode("utf-8", "replace").strip())
        marks[pos] = ("formula_no_value", f"={text}" if text else "（共享公式）")


PLAIN_COLUMNS = 64  # distinct columns a plain sheet may show; more go to the detailed scan
PLAIN_LEARN = 256  # cells past the known extent a plain sheet may show before the detailed scan takes over
SEEN = 128  # bytes before a chunk's end that the next chunk checks (it carries OVERLAP of them)
MIN_SHARED_CELL = 21  # bytes of the shortest cell that copies a shared string: <c t="s"><v>0</v></c>
_CELL_REF_AT = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF_AT = re.compile(rb'<row r="([0-9]{1,7})"')
_COLON_C = re.compile(rb":c[\s>/]")  # where a prefixed <x:c> would be (a literal start: C speed)


def at_most(n: int) -> bytes:
    """A regex for the decimal numbers 1..n written without leading zeros ((?!) when n < 1)."""
    if n < 1:
        return b"(?!)"
    s = str(n)
    alts = []  # numbers of n's length first: in a chunk of rows in order, most are
    for i, ch in enumerate(s):
        low = "1" if i == 0 else "0"
        if ch > low:
            top = chr(ord(ch) - 1)
            rest = len(s) - i - 1
            alts.append(s[:i] + (low if top == low else f"[{low}-{top}]") + (f"[0-9]{{{rest}}}" if rest else ""))
    alts.append(s)
    if len(s) > 1:
        alts.append(f"[1-9][0-9]{{0,{len(s) - 2}}}")
    return ("(?:" + "|".join(alts) + ")").encode()


@lru_cache(maxsize=256)
def _unknown_cell(columns: frozenset, last_row: int) -> re.Pattern:
    """Matches a `<c` tag that is not `<c r="X9"` with X in `columns` and 9 <= last_row (`<col`, `<cfRule`
    and the like are other elements)."""
    singles = b"".join(sorted(c for c in columns if len(c) == 1))
    alts = ([b"[" + singles + b"]"] if singles else []) + sorted(c for c in columns if len(c) > 1)
    col = b"(?:" + b"|".join(alts) + b")" if alts else b"(?!)"
    return re.compile(rb'<c(?! r="' + col + at_most(last_row) + rb'")[^\w.:-]')


@dataclass
class _Plain:
    columns: set = field(default_factory=set)
    last_row: int = 0
    learned: int = 0

    def check(self, buf: bytes, lo: int, hi: int) -> bool:
        """Every cell tag starting in buf[lo:hi] has a reference inside the extent (learning the extent
        from the cells past it); False when one cannot be proved so."""
        j = buf.rfind(b'<row r="', lo, hi)
        if j >= 0:
            m = _ROW_REF_AT.match(buf, j)
            if m:
                self.last_row = max(self.last_row, int(m.group(1)))
        pos = lo
        while True:
            m = _unknown_cell(frozenset(self.columns), self.last_row).search(buf, pos)
            if m is None or m.start() >= hi:
                break
            ref = _CELL_REF_AT.match(buf, m.start())
            if ref is None:
                return False
            letters, row = ref.group(1), int(ref.group(2))
            new = False
            if letters not in self.columns:
                if len(self.columns) >= PLAIN_COLUMNS:
                    return False
                self.columns.add(letters)
                new = True
            if row > self.last_row:
                self.last_row = row
                new = True
            self.learned += 1
            if not new or self.learned > PLAIN_LEARN:
                return False
            pos = m.start() + 1
        # a prefixed <x:c> is a cell to the reader (it goes by local names), whatever the prefix's letters:
        # any ":c" ending a name is left to the detailed scan
        return _COLON_C.search(buf, lo, hi + 3) is None


def _scan_plain(z: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: SheetInfo, longest: int, by_size: bool) -> bool:
    """`_scan_sheet` for a plain sheet: the same extent, marks and merges, and `text` as an upper bound:
    `longest` bytes for every cell that can copy a shared string, counted from the part's size alone
    (`by_size`: one such cell takes at least MIN_SHARED_CELL bytes) or from the t="s" it holds.
    False, with `sheet` untouched, when the sheet is not plain."""
    plain = _Plain()
    merges: set = set()
    marks: dict = {}
    text = 0
    buf, lo = b"", 0
    for buf, skip in _stream(z, info):
        lo, hi = max(0, skip - SEEN), len(buf) - SEEN
        if hi > lo and not plain.check(buf, lo, hi):
            return False
        if longest and by_size:
            text += longest * ((len(buf) - skip) // MIN_SHARED_CELL + 1)
        elif longest:
            start = max(0, skip - 2)  # a "s" cut by the chunk's start was not counted in the chunk before
            # "s" whatever the spaces around t's "=" (the reader allows them), and 's' when quoted so
            uses = buf.count(b'"s"', start) + (buf.count(b"'s'", start) if buf.find(b"'", skip) >= 0 else 0)
            text += longest * uses
        if buf.find(b"e", skip) >= 0 and buf.find(b't="e"', skip) >= 0:
            _mark_errors(buf, skip, marks)
        if buf.find(b"f") >= 0 and (b"<f" in buf or b":f" in buf):
            _mark_formulas(buf, skip, marks)
        if buf.find(b"m") >= 0 and b"mergeCell" in buf:
            _add_merges(buf, merges, sheet.name)
    if len(buf) > lo and not plain.check(buf, max(lo, len(buf) - SEEN), len(buf)):
        return False
    sheet.rows = plain.last_row
    sheet.used = {col_number(c.decode()) for c in plain.columns}
    sheet.cols = max(sheet.used) + 1 if sheet.used else 0
    sheet.text, sheet.marks, sheet.merges = text, marks, sorted(merges)
    return True
