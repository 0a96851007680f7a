"""An annual report read as the office writes it (.docx, .txt/.md in UTF-8 or GBK, .pdf with a text layer),
as numbered paragraphs under their headings (一、 (一) 1.) and parts (完成情况 / 存在的问题 / 工作计划).

What a file really is is judged from its bytes before any reader opens it, and within limits: a report
is tens of KB of text, so anything far beyond is refused before it is parsed.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from .containers import OLE_MAGIC, Unreadable as _ContainerUnreadable
from .containers.zipparts import _check_prolog

MAX_REPORT_MB = 20  # a report with its photos is a few MB; a 30 MB "report" is refused unread
MAX_INFLATED = 64 << 20  # every part of a .docx together, inflated
MAX_ENTRIES = 2000  # members of a .docx zip
MAX_PAGES = 60  # pages of a PDF (a report has a handful; pdfplumber takes ~0.15 s a page)
MAX_XML = 16 << 20  # a .docx's XML parts together, inflated (a 100-page report's text is ~2 MB of XML)
MAX_PDF_INFLATED = 200 << 20  # a PDF's compressed streams together, inflated (judged before pdfminer inflates them)
MAX_CHARS = 300_000  # characters of text: a year's report is ten thousand or so; this is a book
MAX_PARAGRAPH = 20_000  # characters of one paragraph (a report's are a few hundred)

# code -> (message, what to do). The use case raises them as one Chinese sentence.
MESSAGES = {
    "empty": ("文件是空的", "请选择写好的年度报告"),
    "too_large": ("文件大小 {value} 超过上限 {extra}", "年度报告通常只有几十 KB 的文字：请上传报告正文（.docx、.txt 或 .pdf），不要附带大量图片或附件"),
    "scanned": ("这是扫描件或图片 PDF，没有可读取的文字层", "请上传 Word 原稿（.docx），或用带文字层的方式另存 PDF（如 WPS/Word“另存为 PDF”）"),
    "pdf_unreadable": ("PDF 无法读取（{extra}）", "请重新导出 PDF，或上传 Word 原稿（.docx）"),
    "not_docx": ("这是{extra}，不是 Word 文档", "请上传年度报告本身：Word 文档（.docx）、文本文件（.txt/.md）或带文字层的 PDF"),
    "old_doc": ("这是旧版 Word 文档（.doc）或其他 Office 97-2003 文件", "请在 Word 或 WPS 中“另存为”.docx 后再上传"),
    "docx_damaged": ("Word 文档已损坏，无法读取（{extra}）", "请在 Word 中打开后“另存为”一份新的 .docx 再上传"),
    "docx_too_big": ("Word 文档解压后过大（{extra}）", "请删除文档中的大图片和附件，或只上传正文"),
    "pdf_too_big": ("PDF 中的压缩内容解压后过大（超过 {extra}），可能是恶意构造的文件", "请上传 Word 原稿（.docx），或重新导出一份只含正文的 PDF"),
    "unsafe_xml": ("文档中含有 Word 不会写入的 XML 声明（{extra}），可能是恶意构造的文件", "请在 Word 中打开后“另存为”一份新的 .docx 再上传"),
    "binary": ("这是{extra}，不是文本或 Word 报告", "请上传年度报告：.docx、.txt/.md（UTF-8 或 GBK）或带文字层的 .pdf"),
    "bad_encoding": ("文本的文字编码无法识别", "请用记事本或 WPS 把报告另存为 UTF-8 或 GBK 编码的 .txt，或上传 .docx"),
    "no_text": ("文件中没有任何文字", "请确认选择的是写好的年度报告"),
    "too_many": ("文中带数量的表述超过 {value} 条，不像是一份年度报告", "请只上传年度报告或工作计划的正文；台账请在“数据填报”中上传"),
    "too_long": ("文字过长（{value}），超过 {extra}，不像是一份年度报告", "请只上传年度报告正文，不要附带台账、汇编或附件"),
    "no_commitments": ("报告中没有找到带数量、频次或比率的工作承诺（如“举办 2 期”“每季度”“100%”）",
                       "请确认上传的是年度报告或工作计划；只有定性表述的条目列在下方，可在指标与目标中手动添加"),
}


class ReportUnreadable(ValueError):
    """The file cannot be read as a report; `message` says why and what to do, in Chinese."""

    def __init__(self, code: str, value: str = "", extra: str = ""):
        self.code, self.value, self.extra = code, value, extra
        text, fix = MESSAGES[code]
        self.message = f"{text.format(value=value, extra=extra)}。{fix.format(value=value, extra=extra)}"
        super().__init__(self.message)


@dataclass(frozen=True)
class Paragraph:
    number: int  # 1-based, in reading order
    text: str  # the body (an inline heading's title removed)
    section: str  # heading path, such as "一、年度工作完成情况 › （二）健全法治政府建设制度机制"
    part: str  # 完成情况 / 存在的问题 / 工作计划 / 其他


@dataclass(frozen=True)
class Report:
    name: str
    paragraphs: tuple[Paragraph, ...]
    title: str = ""  # the first line (the year the report looks back on, or the one a plan is for)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


# ------------------------------------------------------------------------------------ file forms

_BINARY = [(b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"), (b"GIF8", "GIF 图片"), (b"{\\rtf", "RTF 文档"),
           (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf", "7z 压缩包"), (b"\x1f\x8b", "gzip 压缩包"), (b"MZ", "Windows 可执行程序"),
           (b"\x7fELF", "可执行程序"), (b"BM", "BMP 图片")]


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def read_lines(data: bytes, name: str) -> list[tuple[str, str]]:
    """The report's lines as (text, style) in reading order; raises ReportUnreadable."""
    if not data:
        raise ReportUnreadable("empty")
    if len(data) > MAX_REPORT_MB << 20:
        raise ReportUnreadable("too_large", _mb(len(data)), f"{MAX_REPORT_MB} MB")
    if data[:5] == b"%PDF-" or data[:1024].find(b"%PDF-") >= 0 and not _printable(data[:1024]):
        return [(t, PDF_LINE) for t in _pdf_lines(data)]
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _docx_lines(data)
    if data[:8] == OLE_MAGIC:
        raise ReportUnreadable("old_doc")
    for magic, what in _BINARY:
        if data.startswith(magic):
            raise ReportUnreadable("not_docx" if _is_docx_name(name) else "binary", extra=what)
    text = _text(data)
    if re.match(r"\s*<(?:!doctype\s+html|html|\?xml)", text[:200], re.I):
        raise ReportUnreadable("not_docx" if _is_docx_name(name) else "binary", extra="网页或 XML 文件")
    if _is_docx_name(name):  # named a Word document, yet plain text: say so rather than guess
        raise ReportUnreadable("not_docx", extra="文本文件")
    return [(t, "") for t in text.splitlines()]


PDF_LINE = "pdf-line"  # the style of a PDF's line: cut at the page's width, not at the paragraph's end


def _is_docx_name(name: str) -> bool:
    return name.lower().endswith((".docx", ".doc", ".wps"))


def _printable(head: bytes) -> bool:
    return b"\x00" not in head


def _text(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    if b"\x00" in data[:65536]:
        raise ReportUnreadable("binary", extra="二进制文件")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ReportUnreadable("bad_encoding")


def _docx_lines(data: bytes) -> list[tuple[str, str]]:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ReportUnreadable("docx_damaged", extra=str(e)[:60]) from None
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        what = ("Excel 工作簿" if any(n.startswith("xl/") for n in names) else
                "PowerPoint 演示文稿" if any(n.startswith("ppt/") for n in names) else
                "OpenDocument（WPS/LibreOffice）文件" if "content.xml" in names else "压缩包")
        raise ReportUnreadable("not_docx", extra=what)
    inflated = sum(i.file_size for i in infos)
    xml = sum(i.file_size for i in infos if i.filename.endswith((".xml", ".rels")))
    if len(infos) > MAX_ENTRIES or inflated > MAX_INFLATED or xml > MAX_XML:
        raise ReportUnreadable("docx_too_big", extra=f"{len(infos)} 个部件，共 {_mb(inflated)}，其中文字部分 {_mb(xml)}")
    for info in infos:  # no DOCTYPE or entity declaration in any XML part (billion laughs, external entities)
        if info.filename.endswith((".xml", ".rels")):
            try:
                with z.open(info) as f:
                    head = f.read(4096)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
                raise ReportUnreadable("docx_damaged", extra=str(e)[:60]) from None
            try:
                _check_prolog(head, info.filename)
            except _ContainerUnreadable as e:
                raise ReportUnreadable("unsafe_xml", extra=e.extra or info.filename) from None
    import docx  # python-docx: paragraphs, their styles and the tables' cells in document order
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - python-docx raises many kinds for a damaged part; all mean "damaged"
        raise ReportUnreadable("docx_damaged", extra=type(e).__name__) from None
    # Style names looked up once: python-docx's Paragraph.style walks every style of the document each time.
    names = {s.style_id: s.name for s in document.styles}
    out = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = docx.text.paragraph.Paragraph(block, document)
            style = block.pPr.pStyle if block.pPr is not None else None
            out.append((p.text, names.get(style.val, "") if style is not None else ""))
        elif tag == "tbl":
            table = docx.table.Table(block, document)
            for row in table.rows:
                for cell in row.cells:
                    out += [(p.text, "") for p in cell.paragraphs]
    return out


_STREAM = re.compile(rb"stream\r?\n")


def _check_pdf_streams(data: bytes) -> None:
    """Inflate every Flate stream once, counting and discarding, and refuse the file when together they pass
    MAX_PDF_INFLATED: a few MB of deflated zeros would otherwise become GBs inside pdfminer."""
    total = 0
    for m in _STREAM.finditer(data):
        head = data[max(0, m.start() - 400):m.start()]
        dictionary = head[head.rfind(b"<<"):] if b"<<" in head else b""
        if b"FlateDecode" not in dictionary:
            continue
        z = zlib.decompressobj()
        pos = m.end()
        while pos < len(data) and not z.eof:
            chunk = data[pos:pos + (1 << 16)]
            pos += len(chunk)
            try:
                out = z.decompress(chunk, 1 << 20)
                while True:
                    total += len(out)
                    if total > MAX_PDF_INFLATED:
                        raise ReportUnreadable("pdf_too_big", extra=_mb(MAX_PDF_INFLATED))
                    if not z.unconsumed_tail:
                        break
                    out = z.decompress(z.unconsumed_tail, 1 << 20)
            except zlib.error:
                break  # a damaged stream: pdfminer says so in its own way


def _pdf_lines(data: bytes) -> list[str]:
    _check_pdf_streams(data)
    import pdfplumber  # the text layer, line by line, as the page shows it
    from pdfminer.pdfparser import PDFSyntaxError
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if not pdf.pages:
                raise ReportUnreadable("pdf_unreadable", extra="没有页面")
            if len(pdf.pages) > MAX_PAGES:
                raise ReportUnreadable("too_long", f"{len(pdf.pages)} 页", f"{MAX_PAGES} 页")
            lines, size = [], 0
            for page in pdf.pages:
                text = page.extract_text() or ""
                lines += text.splitlines()
                size += len(text)
                if size > MAX_CHARS:
                    break
    except ReportUnreadable:
        raise
    except (PDFSyntaxError, ValueError, KeyError, TypeError, OSError) as e:
        raise ReportUnreadable("pdf_unreadable", extra=type(e).__name__) from None
    except Exception as e:  # noqa: BLE001 - pdfminer raises its own kinds for damaged or encrypted files
        raise ReportUnreadable("pdf_unreadable", extra=type(e).__name__) from None
    if not "".join(lines).strip():
        raise ReportUnreadable("scanned")
    return lines


# ------------------------------------------------------------------------------------ structure

CN_NUM = "一二三四五六七八九十"
HEADINGS = [  # (level, pattern): how headings are numbered in government reports
    (1, rf"^(?:[{CN_NUM}]+\s*[、.．]|第[{CN_NUM}]+部分)"),
    (2, rf"^[（(]\s*[{CN_NUM}]+\s*[)）]"),
    (3, r"^(?:\d{1,2}\s*[、.．](?!\d)|[（(]\d{1,2}[)）])"),
]
# (part, pattern on a heading): which part of the report a heading opens. 工作计划 first: "存在的问题
#和下一步打算" holds commitments.
PARTS = [
    ("工作计划", r"计划|打算|思路|安排|下一步|明年|来年|工作要点|努力方向|意见建议|重点任务"),
    ("存在的问题", r"问题|不足|短板|差距|困难"),
    ("完成情况", r"情况|成效|做法|成绩|举措|工作|完成|开展|落实"),
]
_STYLE_LEVEL = re.compile(r"(?:Heading|标题)\s*([123])")
_END = "。！？；：!?;:”」）)"
_DATE_LINE = re.compile(r"^(?:\d{4}|二〇[一二三四五六七八九〇]{2})\s*年")
# The 落款 and 印发 lines that end a report: a date alone, or a line ending in 印发.
_CLOSING = re.compile(r"^(?:\d{4}|二〇[一二三四五六七八九〇]{2})\s*年\s*[\d一二三四五六七八九十]{1,2}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日(?:印发)?$|.*印发$|^[\u4e00-\u9fff（）()]{2,24}(?:办公室|人防办|国动办|委员会|党组|人民政府)$")


_PART_HEADING = rf"^第[{CN_NUM}]+部分"


def heading_level(text: str, style: str = "") -> int:
    m = _STYLE_LEVEL.search(style or "")
    if m:
        return int(m.group(1))
    if style == "Title":
        return 0
    for level, pattern in HEADINGS:
        if re.match(pattern, text):
            return level
    if len(text) <= 20 and not re.search(r"[，。；：,.;:！？]", text) and part_of(text) in ("存在的问题", "工作计划"):
        return 1  # "存在的问题" or "下一步工作打算" on a line of its own, numbered by Word or not at all
    return 0


def _strip_number(text: str) -> str:
    for _, pattern in HEADINGS:
        text = re.sub(pattern, "", text, count=1)
    return text.strip()


def part_of(heading: str) -> str | None:
    for part, pattern in PARTS:
        if re.search(pattern, heading):
            return part
    return None


def _blocks(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Lines joined into paragraphs: a line continues the one before unless that one ended a sentence or was
    a heading, or this one starts a heading (PDF lines wrap; a page break cuts a paragraph in two)."""
    out: list[list[str]] = []
    prev_closed = True
    # A PDF's lines are cut at the page's width: a heading line as long as the longest line, with no mark to end
    # it, runs on ("（一）全年……每季度至少召开1次主任办公" / "会议学法。").
    full = sorted(len(t.strip()) for t, style in lines if style == PDF_LINE and len(t.strip()) >= 20)
    width = full[len(full) // 2] if full else 0  # most lines of a page's paragraphs are full ones
    for raw, style in lines:
        text = re.sub(r"^#+\s*", "", raw.strip().replace("\u3000", " ")).strip()
        text = re.sub(r"^[-*>]\s+", "", text)
        text = re.sub(r"^(\*\*|__)(.+?)\1", r"\2", text)  # a Markdown heading written in bold: **一、主要工作**
        if not text or re.fullmatch(r"[-_=*]{3,}", text) or re.fullmatch(r"[—–\-－]*\s*\d{1,3}\s*[—–\-－]*", text):
            continue  # a rule, or a page's number ("— 2 —") that a PDF puts inside a paragraph cut by the page
        level = heading_level(text, style)
        if _CLOSING.match(text) and (out or _DATE_LINE.match(text)):  # the 落款 at the end (an office line on top is a title)
            out.append([text, "closing"])
            prev_closed = True
            continue
        wrapped = style == PDF_LINE and len(text) >= max(20, width - 3) and text[-1] not in _END
        style = "" if style == PDF_LINE else style
        short_heading = level and len(text) <= 40 and not re.search(r"。.", text) and not wrapped
        if out and not prev_closed and not level and not style.startswith(("Heading", "标题", "Title")):
            out[-1][0] += text
        else:
            out.append([text, style])
        prev_closed = bool(short_heading) or text[-1] in _END or bool(style.startswith(("Heading", "标题", "Title")))
    return [(t, s) for t, s in out]


def structure(lines: list[tuple[str, str]], name: str = "") -> Report:
    """Numbered paragraphs with the heading path and the part each stands in."""
    heads: dict[int, str] = {}
    paragraphs = []
    parts_above = False  # "第一部分" headings stand above "一、": those then count one level deeper
    closed = False  # after the 落款 nothing is a commitment (印发 lines, attachments' titles)
    blocks = _blocks(lines)
    title = blocks[0][0] if blocks else ""
    # A document that is itself a plan ("2026年法治政府建设工作要点") is 工作计划 throughout, unless a heading says otherwise.
    whole = "工作计划" if re.search(PARTS[0][1], title) and not re.search(r"总结|报告|情况", title) else "其他"
    part, level_parts = whole, {}
    for n, (text, style) in enumerate(blocks):
        if style == "closing":
            heads, level_parts, part = {}, {}, "其他"
            closed = True
            continue
        level = heading_level(text, style)
        if level and re.match(_PART_HEADING, text):
            parts_above = True
        elif level and parts_above and not style:
            level += 1
        body = text
        if level:
            first, sep, rest = text.partition("。")
            item = _commits(first)  # "一、全年举办2期讲座。" / "2. 每月开展一次集中学法，全年共12次。组织……"
            if item:  # the item's first sentence is a commitment, not a title: all of it is read
                heading, body = re.split(r"[，,。；;：:]", text)[0][:30], _strip_number(text)
            elif len(first) <= 40 and rest.strip() or len(text) <= 40:
                heading = first if rest.strip() else text.rstrip("。")
                body = rest.strip() if rest.strip() else ("" if level == 1 else _strip_number(text))
            else:
                heading, body = re.split(r"[，,。；;：:]", text)[0][:30], _strip_number(text)
            heads = {k: v for k, v in heads.items() if k < level}
            heads[level] = heading
            if not item:  # a commitment says nothing of the part it stands in ("（三）每半年研究一次……问题")
                level_parts = {k: v for k, v in level_parts.items() if k < level}
                found = part_of(heading)
                if level == 1:
                    level_parts[1] = found or whole
                elif found in ("工作计划", "存在的问题"):
                    level_parts[level] = found
                part = level_parts[max(level_parts)] if level_parts else whole
        if level:
            closed = False
        if body:
            section = "落款" if closed else " › ".join(heads[k] for k in sorted(heads))
            paragraphs.append(Paragraph(len(paragraphs) + 1, body, section, "其他" if n == 0 and not level else part))
    return Report(name, tuple(paragraphs), title)


def _commits(text: str) -> bool:
    """The text holds a measurable commitment (then it is an item of the report, not a heading's title)."""
    from .commitments import paragraph_proposals  # the reading of sentences, kept apart from the file forms
    return bool(paragraph_proposals(text)[0])


def read_report(data: bytes, name: str) -> Report:
    """The report in `data` (any of the accepted forms, judged by content); raises ReportUnreadable."""
    lines = read_lines(data, name)
    size = sum(len(t) for t, _ in lines)
    if size > MAX_CHARS:
        raise ReportUnreadable("too_long", f"{size:,} 字", f"{MAX_CHARS:,} 字")
    report = structure(lines, name)
    longest = max((len(p.text) for p in report.paragraphs), default=0)
    if longest > MAX_PARAGRAPH:
        raise ReportUnreadable("too_long", f"一段 {longest:,} 字", f"每段 {MAX_PARAGRAPH:,} 字")
    if not report.paragraphs:
        raise ReportUnreadable("no_text")
    return report
