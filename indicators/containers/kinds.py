"""What a file is by its first bytes (zip, OLE, text), and the name of anything else (web page, PDF, picture, program)."""
from __future__ import annotations

import re

from .limits import OLE_MAGIC, Unreadable


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
