"""CSV as clerks and web systems write it: decoded (UTF-8, UTF-16, GBK), split by the standard `csv` module, bounded.

The `csv` module takes CRLF, LF and CR alike when the text is handed over with `newline=""`, and fields
of any length once `csv.field_size_limit` is raised (its default, 131,072 characters, refused valid
files). What it does not do is decode, guess the delimiter of a Chinese export, bound a file's width,
height and cells while reading, or name the line of a quote never closed: that is this module.
"""
from __future__ import annotations

import csv
import io
import re
import sys

from .limits import EXCEL_COLS, EXCEL_ROWS, MAX_SHEET_CELLS, Unreadable

DELIMITERS = (",", "\t", ";", "|")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTENT = re.compile(r"[^\s,;|\ufeff]")
_QUOTED = re.compile(r'"[^"]*"')


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


def check_content(text: str) -> None:
    """Refuse a CSV holding nothing but white space, delimiters or a byte-order mark."""
    if _CONTENT.search(text) is None:
        raise Unreadable("empty_file")


def sniff_delimiter(text: str) -> str:
    """The delimiter used most in the first lines outside quotes (a comma when none is).

    Not csv.Sniffer: it guesses from character frequencies and takes a Chinese letter or a space for
    the delimiter of a short export."""
    sample = _QUOTED.sub("", text[:65536])
    lines = [l for l in _LINE_BREAK.split(sample)[:20] if l.strip()]
    best, best_score = ",", 0
    for d in DELIMITERS:
        counts = [l.count(d) for l in lines]
        score = sum(counts) if counts and counts[0] else 0
        if score > best_score:
            best, best_score = d, score
    return best


def rows(text: str, delimiter: str | None = None) -> list[list[str]]:
    """Every record as a list of fields (a blank line is one empty field). Raises Unreadable past
    EXCEL_COLS fields, EXCEL_ROWS rows, MAX_SHEET_CELLS cells, or at a quote that is never closed."""
    d = delimiter or sniff_delimiter(text)
    if text.count(d) > EXCEL_COLS:  # a line far too wide is refused before the reader builds its fields
        for i, line in enumerate(_LINE_BREAK.split(text)):
            if len(line) > EXCEL_COLS:
                _check_width(_QUOTED.sub("", line).count(d) + 1, i + 1)
    try:
        return _read(text, d, strict=True)
    except _UnclosedQuote as e:
        raise Unreadable("csv_unclosed_quote", value=str(e.line)) from None
    except csv.Error:  # text after a closing quote ("x"y): read as Excel does, the two parts joined
        return _read(text, d, strict=False)


class _UnclosedQuote(Exception):
    def __init__(self, line: int):
        self.line = line


def _read(text: str, d: str, strict: bool) -> list[list[str]]:
    if csv.field_size_limit() < sys.maxsize:
        csv.field_size_limit(sys.maxsize)  # a note pasted from a document may be longer than 131,072 characters
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=d, strict=strict)
    out: list[list[str]] = []
    width, line = 0, 0
    try:
        for record in reader:
            line = reader.line_num
            out.append(record or [""])
            if len(record) > width:
                width = len(record)
                _check_width(width, line)
                _check_cells(len(out), width)
            if len(out) > EXCEL_ROWS:
                _check_height(len(out))
            if len(out) * width > MAX_SHEET_CELLS:
                _check_cells(len(out), width)
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise _UnclosedQuote(line + 1) from None  # the record after the last one read
        raise
    return out


def _check_width(width: int, line: int) -> None:
    if width > EXCEL_COLS:
        raise Unreadable("too_many_columns", f"第 {line} 行有 {width:,} 列以上", value=f"{EXCEL_COLS:,}")


def _check_height(height: int) -> None:
    if height > EXCEL_ROWS:
        raise Unreadable("too_many_rows", f"{height:,} 行以上", value=f"{EXCEL_ROWS:,}")


def _check_cells(height: int, width: int) -> None:
    if height * width > MAX_SHEET_CELLS:
        raise Unreadable("sheet_too_large", f"{height:,} 行 × {width:,} 列", value=f"{MAX_SHEET_CELLS:,}")
