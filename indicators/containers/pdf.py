"""What a PDF would run when opened, judged on its bytes as a reader reads them: names decoded from their
#xx escapes, and the objects a PDF 1.5+ file keeps compressed inside object streams (/Type /ObjStm)
decoded through their filters first (Flate, LZW, ASCIIHex, ASCII85, RunLength, with PNG/TIFF predictors),
so that /S /JavaScript cannot hide where a plain byte scan does not look.

A JavaScript or launch action, the embedded-files tree and rich media are dictionaries: either plain
objects of the file or objects inside an object stream. Page content and images are never decoded.
Each object stream is decoded within a budget; one the reader could open but this scan cannot
(an unknown filter, an encrypted file, over the budget) is reported as not checkable.
"""
from __future__ import annotations

import re
import zlib

# PDF names that run something when the file is opened: scripts (a /JS action always names /S /JavaScript),
# launching a program, embedded files and media. Long names only: a short one (/JS, /XFA) turns up by chance
# in about one 20 MB scan in a hundred, inside its compressed image data.
_ACTIVE = re.compile(rb"/(?:JavaScript|Launch|EmbeddedFiles|RichMedia)(?![A-Za-z0-9#])")
ACTIVE_NAMES = frozenset({b"JavaScript", b"Launch", b"EmbeddedFiles", b"RichMedia"})
# a name written with #xx escapes (PDF 1.2+: /J#61vaScript is /JavaScript to every reader): the regular
# characters of a name, at least one escape among them, up to a delimiter or white space
_ESCAPED_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})*#[0-9A-Fa-f]{2}(?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})*)"
                           rb"(?![A-Za-z0-9#])")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# an indirect object's dictionary followed by its stream data
_STREAM = re.compile(rb"\bobj\s*(<<.{0,8192}?>>)\s*stream\r?\n", re.S)
_ENDSTREAM = re.compile(rb"\r?\n?endstream\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_FILTERS = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_PARAM = {key: re.compile(rb"/" + key + rb"\s+(\d+)") for key in (b"Predictor", b"Colors", b"BitsPerComponent", b"Columns")}
BUDGET = 64 * 1024 * 1024  # bytes all object streams of one file may decode to (a 20 MB file's honest ones: a few MB)


class Unchecked(Exception):
    """An object stream a reader would open but this scan cannot decode: the PDF cannot be judged."""


def names_decoded(data: bytes) -> bytes:
    """`data` with every #xx escape inside a name written as its character (/J#61vaScript -> /JavaScript)."""
    return _ESCAPED_NAME.sub(lambda m: b"/" + _HEX_ESCAPE.sub(lambda h: bytes([int(h[1], 16)]), m[1]), data)


def _names_active(data: bytes) -> bool:
    if _ACTIVE.search(data):
        return True
    return any(_HEX_ESCAPE.sub(lambda h: bytes([int(h[1], 16)]), m[1]) in ACTIVE_NAMES
               for m in _ESCAPED_NAME.finditer(data))


def active(data: bytes) -> bool:
    """True when the PDF names a script, a launch action, embedded files or media, plainly, with #xx escapes,
    or inside an object stream. Raises Unchecked when an object stream cannot be decoded."""
    if _names_active(data):
        return True
    budget = [BUDGET]
    encrypted = b"/Encrypt" in names_decoded(data)
    for m in _STREAM.finditer(data):
        head = names_decoded(m[1])
        if not _is_object_stream(head):
            continue
        if encrypted:
            raise Unchecked("加密")
        if _names_active(_decode(head, _body(data, m.end(), head), budget)):
            return True
    return False


def _is_object_stream(head: bytes) -> bool:
    """/Type /ObjStm, or the /N and /First an object stream needs (a reader finds it through the cross-reference
    stream whatever its /Type says)."""
    return re.search(rb"/Type\s*/ObjStm\b", head) is not None or (
        re.search(rb"/N\s+\d", head) is not None and re.search(rb"/First\s+\d", head) is not None)


def _body(data: bytes, start: int, head: bytes) -> bytes:
    """The stream's bytes: up to `endstream`, or as far as a direct /Length says when that is further."""
    end = _ENDSTREAM.search(data, start)
    stop = end.start() if end else len(data)
    length = _LENGTH.search(head)
    if length and start + int(length[1]) > stop:
        stop = min(len(data), start + int(length[1]))
    return data[start:stop]


def _decode(head: bytes, body: bytes, budget: list[int]) -> bytes:
    found = _FILTERS.search(head)
    filters = re.findall(rb"/([A-Za-z0-9]+)", found[1]) if found else []
    for name in filters:
        body = _apply(name, body, budget[0])
        if len(body) > budget[0]:
            raise Unchecked("过大")
    budget[0] -= len(body)
    predictor = _param(head, b"Predictor", 1)
    if predictor > 1:
        body = _unpredict(head, predictor, body)
    return body


def _apply(name: bytes, body: bytes, limit: int) -> bytes:
    from pdfminer.ascii85 import ascii85decode, asciihexdecode
    from pdfminer.lzw import lzwdecode
    from pdfminer.runlength import rldecode

    try:
        if name in (b"FlateDecode", b"Fl"):
            out = zlib.decompressobj()
            return out.decompress(body, limit + 1)  # what a bomb would inflate to beyond the budget is never made
        if name in (b"ASCIIHexDecode", b"AHx"):
            return asciihexdecode(body)
        if name in (b"ASCII85Decode", b"A85"):
            return ascii85decode(body)
        if name in (b"LZWDecode", b"LZW"):
            return lzwdecode(body)
        if name in (b"RunLengthDecode", b"RL"):
            return rldecode(body)
    except (zlib.error, ValueError, IndexError, TypeError) as e:
        raise Unchecked("损坏") from e
    raise Unchecked(name.decode("latin-1"))


def _param(head: bytes, key: bytes, default: int) -> int:
    m = _PARAM[key].search(head)
    return int(m[1]) if m else default


def _unpredict(head: bytes, predictor: int, body: bytes) -> bytes:
    from pdfminer.utils import apply_png_predictor, apply_tiff_predictor

    args = (_param(head, b"Colors", 1), _param(head, b"Columns", 1), _param(head, b"BitsPerComponent", 8))
    try:
        if predictor >= 10:
            return apply_png_predictor(predictor, *args, body)
        if predictor == 2:
            return apply_tiff_predictor(*args, body)
    except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
        raise Unchecked("损坏") from e
    return body
