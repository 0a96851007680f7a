"""CSV as clerks and web systems write it: decoded, split into rows and fields, bounded.

Python's csv module refuses fields over 131,072 characters and lone-CR or mixed line endings, which
are valid files; this reader takes CRLF, LF and CR alike, quoted fields of any length (with
delimiters and line breaks inside, `""` for a quote), and names the line of a quote never closed.
Width and height are checked while reading, so a 10 MB line of commas costs a fraction of a second.
"""
from __future__ import annotations

import re

from .containers import EXCEL_COLS, EXCEL_ROWS, MAX_SHEET_CELLS, Unreadable

DELIMITERS = (",", "\t", ";", "|")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FIELD = {d: re.compile(r'"([^"]*(?:""[^"]*)*)"([^%s\r\n]*)|([^%s\r\n]*)' % (re.escape(d), re.escape(d))) for d in DELIMITERS}


def decode(data: bytes) -> str:
    """Text of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (GBK). Raises Unreadable."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise Unreadable("bad_encoding", "UTF-16 内容不完整") from e
    if len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0:4:2] != b"\x00\x00":  # UTF-16 LE without BOM
        try:
            return data.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise Unreadable("binary_content")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        _refuse_mixed(data, e.start)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise Unreadable("bad_encoding", "既不是 UTF-8 也不是 GBK 编码")


def _refuse_mixed(data: bytes, bad: int) -> None:
    """Refuse lines pasted together from a UTF-8 and a GBK file: Chinese text that reads as UTF-8 up to
    `bad` (where UTF-8 fails) would read as nonsense as GBK, and the rest as nonsense as UTF-8."""
    before = data[:bad].decode("utf-8-sig", "ignore")
    if sum(1 for ch in before if ord(ch) > 0x7F) >= 4:
        line = data.count(b"\n", 0, bad) + 1
        raise Unreadable("bad_encoding", f"文件中混有 UTF-8 和 GBK 两种编码，第 {line} 行起不是 UTF-8")


_CONTENT = re.compile(r"[^\s,;|\ufeff]")


def check_content(text: str) -> None:
    """Refuse a CSV holding nothing but white space, delimiters or a byte-order mark."""
    if _CONTENT.search(text) is None:
        raise Unreadable("empty_file")


def sniff_delimiter(text: str) -> str:
    """The delimiter used most in the first lines outside quotes (a comma when none is)."""
    sample = re.sub(r'"[^"]*"', "", text[:65536])
    lines = [l for l in _LINE_BREAK.split(sample)[:20] if l.strip()]
    best, best_score = ",", 0
    for d in DELIMITERS:
        counts = [l.count(d) for l in lines]
        score = sum(counts) if counts and counts[0] else 0
        if score > best_score:
            best, best_score = d, score
    return best


def rows(text: str, delimiter: str | None = None) -> list[list[str]]:
    """Every record as a list of fields. Raises Unreadable past EXCEL_COLS fields, EXCEL_ROWS rows,
    MAX_SHEET_CELLS cells, or at a quote that is never closed."""
    d = delimiter or sniff_delimiter(text)
    if '"' not in text:  # the common case: no quoting, split at C speed
        lines = _LINE_BREAK.split(text)
        if lines and lines[-1] == "":
            lines.pop()
        _check_height(len(lines))
        out, width = [], 0
        for i, line in enumerate(lines):
            fields = line.split(d)
            if len(fields) > width:
                width = len(fields)
                _check_width(width, i + 1)
                _check_cells(len(lines), width)
            out.append(fields)
        return out
    return _quoted_rows(text, d)


def _quoted_rows(text: str, d: str) -> list[list[str]]:
    field_re = _FIELD[d]
    out: list[list[str]] = []
    record: list[str] = []
    pos, n, width = 0, len(text), 0
    while True:
        if text.startswith('"', pos):
            m = field_re.match(text, pos)
            if m.group(1) is None:  # the quoted alternative failed: no closing quote anywhere after
                raise Unreadable("csv_unclosed_quote", value=str(_line_of(text, pos)))
            record.append(m.group(1).replace('""', '"') + m.group(2))
        else:
            m = field_re.match(text, pos)
            record.append(m.group(3))
        pos = m.end()
        if len(record) > EXCEL_COLS:
            _check_width(len(record), len(out) + 1)
        if pos < n and text[pos] == d:
            pos += 1
            continue
        out.append(record)
        if len(record) > width:
            width = len(record)
            _check_cells(len(out), width)
        record = []
        if pos >= n:
            break
        pos += 2 if text.startswith("\r\n", pos) else 1
        if pos >= n:
            break
        if len(out) >= EXCEL_ROWS:
            _check_height(len(out) + 1)
        if len(out) * width > MAX_SHEET_CELLS:
            _check_cells(len(out), width)
    return out


def _line_of(text: str, pos: int) -> int:
    return len(_LINE_BREAK.findall(text, 0, pos)) + 1


def _check_width(width: int, line: int) -> None:
    if width > EXCEL_COLS:
        raise Unreadable("too_many_columns", f"第 {line} 行有 {width:,} 列以上", value=f"{EXCEL_COLS:,}")


def _check_height(height: int) -> None:
    if height > EXCEL_ROWS:
        raise Unreadable("too_many_rows", f"{height:,} 行以上", value=f"{EXCEL_ROWS:,}")


def _check_cells(height: int, width: int) -> None:
    if height * width > MAX_SHEET_CELLS:
        raise Unreadable("sheet_too_large", f"{height:,} 行 × {width:,} 列", value=f"{MAX_SHEET_CELLS:,}")
