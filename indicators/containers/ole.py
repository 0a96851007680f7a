"""An old .xls (an OLE compound file): encryption, Word/PowerPoint, sector chains that loop, and the BIFF records' sheets, extent, shared text, error cells and merges."""
from __future__ import annotations

import struct

from .limits import _check_totals, ERROR_CODES, MAX_COLUMNS, MAX_MERGES, MAX_SHEETS, SheetInfo, Unreadable


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
