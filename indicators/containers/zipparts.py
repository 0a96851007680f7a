"""An .xlsx's zip parts inflated as a bounded stream (zlib straight from the zip's bytes), checked against their
declared sizes and CRC, with any DOCTYPE refused before the root element."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from .limits import CHUNK, _mb, Unreadable


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
