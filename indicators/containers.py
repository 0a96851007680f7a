"""What an uploaded file really is, and what reading it would cost, judged before any library inflates it.

The readers (calamine via fastexcel) trust a file: they inflate every part whole, allocate a sheet's
full rectangle (one stray cell at XFD1048576 asks for 512 GiB) and copy a shared string into every
cell that uses it. So before they see a byte, this module

- names the file by its content (HTML, XML 2003, text, PDF, Word, an encrypted package, ...), never
  by a library's English error;
- checks a zip's declared sizes and ratios, then inflates each part it needs as a stream, so that a
  part larger than it claims is caught at its claimed size (Bad CRC), never in memory;
- measures each sheet's real extent from its cells (not its `<dimension>`), the text its cells would
  copy from the shared strings, and finds formulas without a saved result and error cells: a sheet
  written the usual way with a few C-speed passes a chunk (`_scan_plain`, ~3 ms a megabyte), any
  other cell by cell (`_scan_sheet`, ~20 ms a megabyte);
- walks an .xls's BIFF records for the same, and for its merged ranges.

Every refusal is an `Unreadable` with a problem code of problems.MESSAGES.
"""
from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

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


# ------------------------------------------------------------------------------------------ what it is

_TEXT_KINDS = [
    (re.compile(rb"^(?:<!doctype\s+html|<html|<head|<body|<table|<meta|<style|<title|<div|<!--)", re.I), "html_file", "网页（HTML）"),
    (re.compile(rb"^mime-version:", re.I), "html_file", "单个文件网页（.mht）"),
    (re.compile(rb"^<\?xml[^>]*>\s*(?:<\?mso-application[^>]*excel|[\s\S]{0,2000}urn:schemas-microsoft-com:office:spreadsheet)", re.I),
     "xml_spreadsheet", ""),
    (re.compile(rb"^<\?xml[^>]*>\s*(?:<!--[\s\S]*?-->\s*)*<html", re.I), "html_file", "网页（XHTML）"),
]
_BINARY_KINDS = [(b"%PDF", "PDF 文档"), (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"), (b"GIF8", "GIF 图片"),
                 (b"{\\rtf", "RTF 文档"), (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf", "7z 压缩包"), (b"\x1f\x8b", "gzip 压缩包"),
                 (b"MZ", "Windows 可执行程序（或自解压压缩包）"), (b"\x7fELF", "可执行程序"), (b"BM", None)]


def kind_of(data: bytes, suffix: str) -> str:
    """'zip', 'ole' or 'text' (a CSV candidate); raises Unreadable naming what else the file is."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if data[:8] == OLE_MAGIC:
        return "ole"
    head = data[:4096]
    for magic, what in _BINARY_KINDS:
        if what and head.startswith(magic):
            raise Unreadable("other_format", what)
    probe = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 text (Excel's "Unicode 文本", or HTML saved so)
        probe = head[2:].decode("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be", "ignore").lstrip().encode("utf-8", "ignore")
    for pattern, code, what in _TEXT_KINDS:
        if pattern.search(probe):
            raise Unreadable(code, what)
    if suffix == "csv":
        return "text"
    if _looks_like_text(head):
        raise Unreadable("text_file", "制表符" if b"\t" in head else "逗号" if b"," in head else "")
    raise Unreadable("not_spreadsheet", "无法识别的文件格式")


def _looks_like_text(head: bytes) -> bool:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    if b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError as e:
            if e.start > len(head) - 4:  # a character cut at the end of the probe
                text = head[:e.start].decode(enc, "ignore")
            else:
                continue
        printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
        return printable >= 0.95 * max(len(text), 1)
    return False


# ------------------------------------------------------------------------------------------------ .xlsx

_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b[^>]*>")
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
_SI_OPEN = re.compile(rb"<(?:\w+:)?si[\s>]")
# r and t written otherwise than ` r="` (single quotes, spaces around "=", a tab or line break before the
# name): XML allows it and the reader reads them, so they count as much as the usual form
_ODD_REF = re.compile(rb"""(?:[\t\n\r]r\s*=\s*["']|\sr(?:\s*=\s*'|\s+=\s*"|=\s+"))\$?([A-Za-z]*)\$?([0-9]+)""")
_ODD_SIGNS = (b"'", b"\t", b"\n", b"\r", b" =", b"= ")  # what an odd form cannot be written without
_ODD_SHARED = re.compile(rb"""(?:[\t\n\r]t\s*=\s*["']s["']|\st(?:\s*=\s*'s'|\s+=\s*"s"|=\s+"s"))""")
OVERLAP = 256  # bytes of the previous chunk kept in front of the next, so that no tag is cut in two


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _stream(z: zipfile.ZipFile, info: zipfile.ZipInfo):
    """A part's inflated bytes in chunks of CHUNK, each with the tail of the one before; Unreadable when damaged.

    Deflated and stored parts are inflated here with zlib straight from the zip's bytes (half the time of
    zipfile's reader); whatever that path cannot take (another compression, a damaged local header) goes
    through zipfile. Either way a part that inflates past its declared size, or not to it, or to other
    bytes than its CRC says, is refused as corrupt before the surplus is held.
    """
    raw = _raw_member(z, info)
    chunks = _zipfile_chunks(z, info) if raw is None else _inflate_chunks(info, *raw)
    tail, prolog = b"", True
    for chunk in chunks:
        if prolog:
            prolog = _check_prolog(tail + chunk, info.filename)
        yield tail + chunk, len(tail)
        tail = chunk[-OVERLAP:]


_ROOT_START = re.compile(rb"<[^?!]")


def _check_prolog(buf: bytes, name: str) -> bool:
    """Refuse a DOCTYPE before the root element (entity declarations: "billion laughs", external entities;
    Excel never writes one); True while the root element has not started in `buf`."""
    root = _ROOT_START.search(buf)
    head = buf if root is None else buf[:root.start()]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise Unreadable("unsafe_xml", f"{name} 中的 DOCTYPE/实体声明")
    return root is None


def _raw_member(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[memoryview, int, int] | None:
    """(zip bytes, start, end) of a stored or deflated member's data, or None to leave it to zipfile."""
    fp = getattr(z, "fp", None)
    if not isinstance(fp, io.BytesIO) or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    view = fp.getbuffer()
    off = info.header_offset
    if off + 30 > len(view) or view[off:off + 4] != b"PK\x03\x04":
        return None
    n, m = struct.unpack_from("<HH", view, off + 26)
    start = off + 30 + n + m
    end = start + info.compress_size
    if end > len(view):
        return None
    return view, start, end


def _inflate_chunks(info: zipfile.ZipInfo, view: memoryview, start: int, end: int):
    name = info.filename
    produced, crc = 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        pieces = (bytes(view[p:min(p + CHUNK, end)]) for p in range(start, end, CHUNK))
    else:
        pieces = _deflated(view, start, end, info.file_size, name)
    for piece in pieces:
        produced += len(piece)
        if produced > info.file_size:
            raise Unreadable("corrupt", f"压缩数据校验失败：{name}（解压后超过声明的大小）")
        crc = zlib.crc32(piece, crc)
        yield piece
    if produced != info.file_size or crc != info.CRC:
        raise Unreadable("corrupt", f"压缩数据校验失败：{name}")


IN_CHUNK = 1 << 18  # compressed bytes handed to zlib at a time


def _deflated(view: memoryview, start: int, end: int, size: int, name: str):
    """Chunks of about CHUNK inflated bytes; never more than one chunk past `size` is produced."""
    d = zlib.decompressobj(-15)
    pos, parts, have = start, [], 0
    try:
        while not d.eof:
            if d.unconsumed_tail:
                data = d.unconsumed_tail
            elif pos < end:
                data = view[pos:min(pos + IN_CHUNK, end)]
                pos += len(data)
            else:
                raise Unreadable("corrupt", f"压缩数据不完整：{name}")
            out = d.decompress(data, CHUNK - have)
            if out:
                parts.append(out)
                have += len(out)
            if have >= CHUNK:
                yield parts[0] if len(parts) == 1 else b"".join(parts)
                parts, have = [], 0
    except zlib.error as e:
        raise Unreadable("corrupt", f"压缩数据校验失败：{name}") from e
    if parts:
        yield parts[0] if len(parts) == 1 else b"".join(parts)


def _zipfile_chunks(z: zipfile.ZipFile, info: zipfile.ZipInfo):
    try:
        with z.open(info) as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    return
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise Unreadable("corrupt", f"压缩数据校验失败：{info.filename}") from e
    except (NotImplementedError, RuntimeError) as e:  # deflate64/lzma, or an encrypted zip entry
        raise Unreadable("corrupt", f"{info.filename} 使用了不支持的压缩或加密方式") from e


def _read_small(z: zipfile.ZipFile, name: str, limit: int = 16 << 20) -> bytes | None:
    try:
        info = z.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        raise Unreadable("too_big_inflated", f"{name} 解压后 {_mb(info.file_size)}")
    return b"".join(chunk[skip:] for chunk, skip in _stream(z, info))


def _declared_entries(data: bytes) -> int:
    """Members the zip's end record declares (zip64 too), read before the central directory is parsed."""
    floor, end = max(0, len(data) - 65_557), len(data)
    while True:  # like zipfile: the record whose comment length reaches the file's end (a comment may hold another)
        end = data.rfind(b"PK\x05\x06", floor, end)
        if end < 0:
            return 0
        if end + 22 <= len(data) and end + 22 + struct.unpack_from("<H", data, end + 20)[0] == len(data):
            break
    count = struct.unpack_from("<H", data, end + 10)[0] if end + 12 <= len(data) else 0
    loc = data.rfind(b"PK\x06\x07", max(0, end - 20), end)
    if count == 0xFFFF and loc >= 0:
        offset = struct.unpack_from("<Q", data, loc + 8)[0]
        if data[offset:offset + 4] == b"PK\x06\x06" and offset + 40 <= len(data):
            count = struct.unpack_from("<Q", data, offset + 32)[0]
    return count


def inspect_xlsx(data: bytes, plain: bool = True) -> list[SheetInfo]:
    """The sheets of an .xlsx as their parts say, checked against every limit; raises Unreadable.

    Each sheet is first scanned as a plain sheet (`_scan_plain`, C speed), and in detail (`_scan_sheet`)
    when it is not one; `plain=False` scans every sheet in detail (the tests compare the two).
    """
    entries = _declared_entries(data)
    if entries > MAX_ENTRIES:
        raise Unreadable("too_big_inflated", f"压缩包内有 {entries:,} 个部件，上限 {MAX_ENTRIES:,} 个")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as e:
        raise Unreadable("corrupt", "压缩包结构不完整，可能下载或拷贝时中断") from e
    names = {i.filename for i in infos}
    if len(names) != len(infos):
        seen: set[str] = set()
        twice = next(i.filename for i in infos if i.filename in seen or seen.add(i.filename))
        raise Unreadable("corrupt", f"压缩包中有两个同名部件 {twice}")
    if len({i.header_offset for i in infos}) != len(infos):  # a "non-recursive" bomb: entries sharing one kernel
        raise Unreadable("corrupt", "压缩包中有多个部件指向同一段数据，不是正常保存的工作簿")
    if "xl/workbook.xml" not in names:
        raise _not_a_workbook(names)
    if "EncryptedPackage" in names or any(i.flag_bits & 0x1 for i in infos):
        raise Unreadable("encrypted")
    total = sum(i.file_size for i in infos)
    if total > MAX_INFLATED:
        raise Unreadable("too_big_inflated", f"解压后共 {_mb(total)}，上限 {_mb(MAX_INFLATED)}")
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise Unreadable("too_big_inflated", f"{i.filename} 由 {_mb(i.compress_size)} 解压成 {_mb(i.file_size)}，"
                                                 f"压缩比超过 {MAX_RATIO} 倍，疑似“压缩炸弹”")
    with z:
        sheets = _workbook_sheets(z)
        longest = _shared_string_bound(z)
        sst: list[int] | None = None  # each shared string's length, measured only for the detailed scan
        for name in ("xl/styles.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "_rels/.rels"):
            _read_small(z, name, MAX_INFLATED)  # the reader inflates these too: prove them sound first
        cells = text = 0
        # the text bound from the sheets' sizes alone when that keeps the whole workbook inside the limit
        parts = [z.getinfo(s.part).file_size for s in sheets if s.visible and s.part in names]
        by_size = longest * sum(size // MIN_SHARED_CELL + size // CHUNK + 2 for size in parts) <= MAX_TEXT
        detailed = not plain  # once the plain scan's text bound is not enough, every sheet is counted in detail
        scanned: list[tuple[SheetInfo, zipfile.ZipInfo]] = []
        for sheet in sheets:
            sheet.missing = sheet.part not in names
            if not sheet.visible or sheet.missing:
                continue
            info = z.getinfo(sheet.part)
            scanned.append((sheet, info))
            if detailed or not _scan_plain(z, info, sheet, longest, by_size):
                sst = _shared_string_lengths(z) if sst is None else sst
                _scan_sheet(z, info, sheet, sst)
            if not detailed and text + sheet.text > MAX_TEXT:
                # an upper bound over the limit decides nothing: count every sheet so far as _scan_sheet does
                detailed, cells, text = True, 0, 0
                sst = _shared_string_lengths(z) if sst is None else sst
                for done, done_info in scanned:
                    done.text, done.marks, done.merges, done.used = 0, {}, [], set()
                    _scan_sheet(z, done_info, done, sst)
                    _trim_valueless(z, done_info, done, cells)
                    cells, text = cells + done.cells, text + done.text
                    _check_totals(done, cells, text)
                continue
            _trim_valueless(z, info, sheet, cells)
            cells, text = cells + sheet.cells, text + sheet.text
            _check_totals(sheet, cells, text)
    return sheets


# a cell with content: not self-closing, and not empty up to its end tag (<c r="H9" s="3"/>, <c r="H9"></c>)
_FILLED_CELL = re.compile(rb"<c(\s[^>]*?)?(?<!/)>(?!\s*</c>)")
_ANY_REF = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]+)\$?([0-9]+)["']""")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s>/]")


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


def _not_a_workbook(names: set[str]) -> Unreadable:
    if any(n.startswith("word/") for n in names):
        return Unreadable("other_office", "Word 文档")
    if any(n.startswith("ppt/") for n in names):
        return Unreadable("other_office", "PowerPoint 演示文稿")
    if "content.xml" in names or "mimetype" in names:
        return Unreadable("other_office", "OpenDocument（WPS/LibreOffice）文件")
    if "xl/workbook.bin" in names:
        return Unreadable("other_office", "Excel 二进制工作簿（.xlsb）")
    if any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        return Unreadable("other_office", "苹果 Numbers 表格")
    return Unreadable("not_spreadsheet", "压缩包中没有 Excel 工作簿的内容")


def _workbook_sheets(z: zipfile.ZipFile) -> list[SheetInfo]:
    wb = (_read_small(z, "xl/workbook.xml") or b"").decode("utf-8", "replace")
    rels = (_read_small(z, "xl/_rels/workbook.xml.rels") or b"").decode("utf-8", "replace")
    targets = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid, target = re.search(r'\bId="([^"]+)"', tag), re.search(r'\bTarget="([^"]+)"', tag)
        if rid and target:
            targets[rid.group(1)] = target.group(1)
    tags = _SHEET_TAG.findall(wb)
    if len(tags) > MAX_SHEETS:
        raise Unreadable("too_many_sheets", f"{len(tags)} 个", value=str(MAX_SHEETS))
    out = []
    for tag in tags:
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\b\w+:id="([^"]*)"', tag)
        state = re.search(r'\bstate="([^"]*)"', tag)
        target = targets.get(rid.group(1), "") if rid else ""
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out.append(SheetInfo(_unescape(name.group(1)) if name else "", part,
                             visible=not state or state.group(1) == "visible"))
    return out


def _shared_string_lengths(z: zipfile.ZipFile) -> list[int]:
    """Byte length of each shared string's <si> element (an upper bound on its text)."""
    try:
        info = z.getinfo("xl/sharedStrings.xml")
    except KeyError:
        return []
    starts: list[int] = []
    offset = 0
    for chunk, skip in _stream(z, info):
        base = offset - skip
        starts.extend(base + m.start() for m in _SI_OPEN.finditer(chunk) if m.start() >= skip - 4)
        offset += len(chunk) - skip
    starts = sorted(set(starts))
    starts.append(offset)
    return [b - a for a, b in zip(starts, starts[1:])]


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


# ------------------------------------------------------------------ the plain sheet, checked at C speed
#
# Nearly every sheet is written the same way by Excel, WPS, LibreOffice, xlsxwriter and openpyxl: each
# cell starts `<c r="B12"`, rows come in order, and formulas, error cells and merges are rare. For such
# a sheet `_scan_plain` proves the same facts as `_scan_sheet` with a few passes of C code per chunk
# instead of Python per cell: one regex that matches only the cells it does not yet know to be inside
# the extent (a column it has not seen, a row past the last row tag), and memchr-speed probes for the
# letters that formulas, error cells and merges cannot be written without. Whatever it cannot prove
# (a cell written without its reference, with its attributes in another order, a prefixed element, a
# row out of order many times) sends the whole sheet to `_scan_sheet`.

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


def _shared_string_bound(z: zipfile.ZipFile) -> int:
    """An upper bound on the bytes of the longest shared string's <si> element: the longest stretch
    between two `<si>` (one written otherwise only makes a stretch longer)."""
    try:
        info = z.getinfo("xl/sharedStrings.xml")
    except KeyError:
        return 0
    longest = carry = 0  # carry: the stretch since the last <si>, None before the first
    started = False
    for buf, skip in _stream(z, info):
        parts = buf[skip:].split(b"<si>")
        if len(parts) == 1:
            carry += len(parts[0])
            continue
        if started:
            longest = max(longest, carry + len(parts[0]))
        longest = max(longest, max(map(len, parts[1:-1]), default=0) + 4)
        carry, started = len(parts[-1]) + 4, True
    return max(longest, carry) if started else 0


def _check_totals(sheet: SheetInfo, cells: int, text: int) -> None:
    if sheet.rows > EXCEL_ROWS or sheet.cols > EXCEL_COLS or sheet.cells > MAX_SHEET_CELLS:
        far = f"{col_letters(sheet.cols - 1)}{sheet.rows}" if sheet.rows and sheet.cols else ""
        raise Unreadable("sheet_too_large", f"工作表「{sheet.name}」内容延伸到 {far}（{sheet.rows} 行 × {sheet.cols} 列）",
                         value=f"{MAX_SHEET_CELLS:,}")
    if cells > MAX_CELLS:
        raise Unreadable("sheet_too_large", f"各工作表合计 {cells:,} 个单元格", value=f"{MAX_CELLS:,}")
    if text > MAX_TEXT:
        raise Unreadable("too_big_inflated", f"单元格文字合计约 {_mb(text)}，上限 {_mb(MAX_TEXT)}")


# ------------------------------------------------------------------------------------------------- .xls

def inspect_ole(data: bytes) -> tuple[str, list[SheetInfo]]:
    """('xls', sheets) for an old-format workbook; raises Unreadable for an encrypted or other OLE file."""
    import olefile
    try:
        ole = olefile.OleFileIO(data)
        streams = {"/".join(s) for s in ole.listdir(streams=True, storages=False)}
    except Exception as e:  # olefile raises bare OSError/struct.error/IndexError on damaged containers
        raise Unreadable("corrupt", "复合文档结构已损坏") from e
    if {"EncryptedPackage", "EncryptionInfo"} & streams:
        raise Unreadable("encrypted")
    _check_ole_chains(data, [(e.isectStart, e.size) for e in ole.direntries if e is not None and e.entry_type == 2])
    book = next((s for s in ("Workbook", "Book", "workbook", "WORKBOOK", "BOOK") if s in streams), None)
    if book is None:
        if "WordDocument" in streams:
            raise Unreadable("other_office", "Word 文档（.doc）")
        if "PowerPoint Document" in streams:
            raise Unreadable("other_office", "PowerPoint 演示文稿（.ppt）")
        raise Unreadable("not_spreadsheet", "复合文档中没有工作簿")
    try:
        stream = ole.openstream(book).read()
    except Exception as e:
        raise Unreadable("corrupt", "工作簿数据流已损坏") from e
    return "xls", scan_biff(stream)


END_OF_CHAIN, FREE_SECT = 0xFFFFFFFE, 0xFFFFFFFF


def _check_ole_chains(data: bytes, streams: list[tuple[int, int]]) -> None:
    """Refuse an OLE file whose directory, mini-FAT or big streams' sector chains loop or run off the FAT.

    olefile reads a chain for as many sectors as a size says; the reader follows a chain to its end,
    and a directory chain that points back at itself made it allocate until the machine ran out."""
    if len(data) < 512:
        raise Unreadable("corrupt", "复合文档结构已损坏")
    shift = struct.unpack_from("<H", data, 30)[0]
    if not 7 <= shift <= 16:
        raise Unreadable("corrupt", "复合文档结构已损坏")
    size = 1 << shift
    n_fat, first_dir, _, _, first_mini, n_mini, first_difat, n_difat = struct.unpack_from("<IIIIIIII", data, 44)
    sectors = (len(data) - 512) // size + 1
    fat_sectors = [x for x in struct.unpack_from("<109I", data, 76) if x < sectors]
    sect, seen = first_difat, set()
    while sect < sectors and len(fat_sectors) < sectors and sect not in seen:  # the DIFAT chain, bounded
        seen.add(sect)
        entries = struct.unpack_from(f"<{size // 4}I", data.ljust(512 + (sect + 1) * size, b"\0"), 512 + sect * size)
        fat_sectors += [x for x in entries[:-1] if x < sectors]
        sect = entries[-1]
    fat: list[int] = []
    for sect in fat_sectors[:n_fat or len(fat_sectors)]:
        chunk = data[512 + sect * size:512 + (sect + 1) * size].ljust(size, b"\xff")
        fat.extend(struct.unpack(f"<{size // 4}I", chunk))

    def walk(start: int, what: str) -> None:
        sect, steps = start, 0
        while sect != END_OF_CHAIN:
            if sect >= len(fat) or sect >= sectors or steps > sectors:
                raise Unreadable("corrupt", f"复合文档的{what}扇区链已损坏（循环或越界）")
            sect, steps = fat[sect], steps + 1

    walk(first_dir, "目录")
    if n_mini and first_mini != END_OF_CHAIN:
        walk(first_mini, "短扇区表")
    cutoff = 4096
    for start, length in streams:
        if length >= cutoff and start not in (END_OF_CHAIN, FREE_SECT):
            walk(start, "数据流")


def scan_biff(stream: bytes) -> list[SheetInfo]:
    """Sheets of a BIFF5/8 workbook stream: visibility, real extent, shared text, error cells, merges.

    Like the reader, the globals are read from the start, and each sheet from the offset its
    BOUNDSHEET record gives (so that a crafted offset cannot show this scan other records than the reader).
    """
    sheets: list[tuple[int, SheetInfo]] = []
    sst: list[int] = []
    sst_parts: list[bytes] = []
    for rtype, body in _records(stream, 0):
        if rtype == 0x002F:
            raise Unreadable("encrypted")
        if rtype == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            offset, state, kind = struct.unpack_from("<IBB", body, 0)
            if kind == 0:
                sheets.append((offset, SheetInfo(_biff_name(body[6:]), visible=(state & 0x03) == 0)))
            if len(sheets) > MAX_SHEETS:
                raise Unreadable("too_many_sheets", f"超过 {MAX_SHEETS} 个", value=str(MAX_SHEETS))
        elif rtype == 0x00FC:  # SST, continued in CONTINUE records
            sst_parts = [body]
        elif rtype == 0x003C and sst_parts and not sst:
            sst_parts.append(body)
        elif sst_parts and not sst:
            sst = _sst_lengths(sst_parts)
    if sst_parts and not sst:
        sst = _sst_lengths(sst_parts)
    if sst:
        sst.append(max(sst))  # the stand-in for strings past the walk (read as sst[-1])
    cells = text = 0
    for offset, sheet in sheets:
        for rtype, body in _records(stream, offset):
            if len(body) >= 4:
                _biff_cell(sheet, rtype, body, sst)
        cells, text = cells + sheet.cells, text + sheet.text
        _check_totals(sheet, cells, text)
    return [sheet for _, sheet in sheets]


def _records(stream: bytes, pos: int):
    """(type, body) of the records of the substream starting at `pos` (its BOF) up to its EOF, nested
    substreams (an embedded chart) included."""
    depth, n = 0, len(stream)
    while pos + 4 <= n:
        rtype, size = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + size]
        pos += 4 + size
        if rtype == 0x0809:
            depth += 1
        elif rtype == 0x000A:
            depth -= 1
            if depth <= 0:
                return
        yield rtype, body


SST_WALK = 2_000_000  # strings of a BIFF SST measured one by one; those past it count as the longest seen
_CELL_RECORDS = {0x0203, 0x0204, 0x0205, 0x0006, 0x027E, 0x00FD, 0x00D6}  # NUMBER LABEL BOOLERR FORMULA RK LABELSST RSTRING


def _biff_cell(sheet: SheetInfo, rtype: int, body: bytes, sst: list[int]) -> None:
    if rtype in _CELL_RECORDS:
        row, col = struct.unpack_from("<HH", body, 0)
        last = col
        if rtype == 0x00FD and len(body) >= 10:
            idx = struct.unpack_from("<I", body, 6)[0]
            sheet.text += sst[idx] if idx < len(sst) else (sst[-1] if sst else 0)
        elif rtype == 0x0205 and len(body) >= 8 and body[7] == 1:
            sheet.marks[(row, col)] = ("error_value", ERROR_CODES.get(body[6], "#错误"))
        elif rtype == 0x0006 and len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
            sheet.marks[(row, col)] = ("error_value", ERROR_CODES.get(body[8], "#错误"))
    elif rtype == 0x00BD and len(body) >= 6:  # MULRK: row, first col, ..., last col
        row, col = struct.unpack_from("<HH", body, 0)
        last = struct.unpack_from("<H", body, len(body) - 2)[0]
    elif rtype == 0x00E5 and len(body) >= 2:  # MERGEDCELLS
        count = struct.unpack_from("<H", body, 0)[0]
        for i in range(min(count, (len(body) - 2) // 8)):
            r0, r1, c0, c1 = struct.unpack_from("<HHHH", body, 2 + 8 * i)
            sheet.merges.append((r0, c0, r1, c1))
        if len(sheet.merges) > MAX_MERGES:
            raise Unreadable("too_many_merges", sheet.name, value=str(MAX_MERGES))
        return
    else:
        return
    sheet.rows, sheet.cols = max(sheet.rows, row + 1), max(sheet.cols, last + 1)
    if sheet.used is not None and len(sheet.used) <= MAX_COLUMNS:
        sheet.used.update(range(col, last + 1))


def _biff_name(b: bytes) -> str:
    if not b:
        return ""
    cch = b[0]
    if len(b) >= 2 and b[1] in (0, 1) and len(b) >= 2 + cch * (b[1] + 1) - 1:
        raw = b[2:2 + cch * (2 if b[1] else 1)]
        return raw.decode("utf-16-le" if b[1] else "latin-1", "replace")
    return b[1:1 + cch].decode("gbk", "replace")  # BIFF5: 8-bit characters in the workbook's code page


def _sst_lengths(parts: list[bytes]) -> list[int]:
    """Characters of each string of a BIFF8 SST (strings may run across CONTINUE records)."""
    lengths: list[int] = []
    if not parts or len(parts[0]) < 8:
        return lengths
    unique = struct.unpack_from("<I", parts[0], 4)[0]
    part, pos = 0, 8
    buf = parts[0]

    def advance(k: int):
        nonlocal part, pos, buf
        while k > 0 and part < len(parts):
            take = min(k, len(buf) - pos)
            pos, k = pos + take, k - take
            if pos >= len(buf) and k > 0:
                part += 1
                if part < len(parts):
                    buf, pos = parts[part], 0
        return k == 0

    for _ in range(min(unique, SST_WALK)):
        if pos >= len(buf):
            part += 1
            if part >= len(parts):
                break
            buf, pos = parts[part], 0
        if pos + 3 > len(buf):
            break
        cch, flags = struct.unpack_from("<HB", buf, pos)
        pos += 3
        runs = ext = 0
        if flags & 0x08 and pos + 2 <= len(buf):
            runs = struct.unpack_from("<H", buf, pos)[0]
            pos += 2
        if flags & 0x04 and pos + 4 <= len(buf):
            ext = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        lengths.append(cch)
        wide, left = flags & 0x01, cch
        while left > 0:  # characters, re-flagged at every CONTINUE boundary
            avail = (len(buf) - pos) // (2 if wide else 1)
            take = min(left, avail)
            pos += take * (2 if wide else 1)
            left -= take
            if left > 0:
                part += 1
                if part >= len(parts):
                    return lengths
                buf, pos = parts[part], 1
                wide = buf[0] & 0x01 if buf else 0
        if not advance(4 * runs + ext):
            break
    return lengths
