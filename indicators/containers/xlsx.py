"""An .xlsx judged as a whole: members, sizes and ratios, sheets and their parts, shared strings; each sheet
scanned by sheetxml, the totals checked against the limits."""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib

from .limits import _check_totals, CHUNK, MAX_ENTRIES, MAX_INFLATED, MAX_RATIO, MAX_SHEETS, MAX_TEXT, _mb, RATIO_FLOOR, SheetInfo, Unreadable
from .sheetxml import MIN_SHARED_CELL, _scan_plain, _scan_sheet, _trim_valueless
from .zipparts import _declared_entries, _read_small, _stream, _unescape


_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b[^>]*>")
_SI_OPEN = re.compile(rb"<(?:\w+:)?si[\s>]")


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
