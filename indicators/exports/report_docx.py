"""The drafted report (text.draft) laid out as a .docx the way GB/T 9704 sets it: A4, margins
37/35/28/26 mm, 22 lines of 28 characters, title 方正小标宋简体 二号, first-level headings 黑体 三号,
second-level run-in headings 楷体, body 仿宋_GB2312 三号, page numbers 宋体 四号 right on odd pages,
left on even. What the report says is chosen in text.py; this module only places it on the page.
"""
from __future__ import annotations

import datetime as dt
import io
import sqlite3

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from ..progress import Period
from . import wording as W
from .common import ORG_NAME, Figures, gather
from .text import Draft, draft

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, PAGE_NUMBER_FONT = (
    "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体")
# Written into the document's font table as w:altName: Word takes these when the GB2312 fonts of
# government machines are not installed.
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体", "黑体": "SimHei"}
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = 22, 16, 14, 10.5  # 二号, 三号, 四号, 五号 in points
LINE_PITCH = Pt(28.95)  # 22 lines in the 225 mm text block
CONDENSE_TWIPS = 5  # 0.25 pt less per character: 28 x 15.75 pt = 441 pt in the 442.2 pt line
TITLE_CHARS = 20  # 二号 characters on a 156 mm line: a longer title is broken by meaning, not by width


# ---------------------------------------------------------------- the .docx, per GB/T 9704

def _fonts(run, name: str, size: float, bold: bool = False) -> None:
    """Font for Latin and East Asian text alike (python-docx writes only w:ascii and w:hAnsi)."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)
    rfonts.set(qn("w:cs"), name)
    if size == SIZE_3:  # condensed on the run itself too: LibreOffice does not take it from the style
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(-CONDENSE_TWIPS))
        rpr.insert_element_before(spacing, "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
                                  "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
                                  "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _layout(paragraph, indent: bool = True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, line=LINE_PITCH) -> None:
    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = line
    pf.space_before = pf.space_after = Pt(0)
    pf.alignment = align
    # no punctuation hanging past the right margin: LibreOffice reads this from the paragraph,
    # not from the style
    ppr = paragraph._p.get_or_add_pPr()
    if ppr.find(qn("w:overflowPunct")) is None:
        el = OxmlElement("w:overflowPunct")
        el.set(qn("w:val"), "0")
        ppr.insert_element_before(el, "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                                  "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                                  "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                                  "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
                                  "w:sectPr", "w:pPrChange")
    if indent:
        pf.first_line_indent = Pt(2 * SIZE_3)
        # two characters whatever the font size, as Word's 首行缩进 2 字符 writes it
        paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")


def _page(section) -> None:
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(18)
    # GB/T 9704: 22 lines of 28 characters. The 156 mm line holds 27.6 三号 characters at their
    # natural 16 pt, so the body is set 0.25 pt condensed (see _normal_style: 28 x 15.75 pt fits,
    # 29 do not). The grid is a line grid only: a character grid (linesAndChars) is drawn from a
    # base size that Word and LibreOffice read differently, and LibreOffice put every character
    # in two cells (14 to a line).
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))
    grid.attrib.pop(qn("w:charSpace"), None)


def _normal_style(doc) -> None:
    # The grid's character pitch is counted from the document default size (docDefaults), not
    # from Normal: python-docx's template says 11 pt there, which made every 三号 character take
    # two grid cells (14 to a line). The default is 三号 like the body.
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        el = defaults.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            defaults.append(el)
        el.set(qn("w:val"), str(SIZE_3 * 2))
    style = doc.styles["Normal"]
    # no extra space between Chinese and digits: the figures sit in the text as typed ("18项")
    ppr = style.element.get_or_add_pPr()
    # and no punctuation hanging past the right margin (Word's and LibreOffice's default for CJK)
    for attr in ("overflowPunct", "autoSpaceDE", "autoSpaceDN"):  # in CT_PPrBase's order
        el = OxmlElement(f"w:{attr}")
        el.set(qn("w:val"), "0")
        ppr.append(el)
    style.font.name = BODY_FONT
    style.font.size = Pt(SIZE_3)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), BODY_FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    spacing = OxmlElement("w:spacing")  # condensed by CONDENSE twentieths of a point: 28 to a line
    spacing.set(qn("w:val"), str(-CONDENSE_TWIPS))
    rfonts.addnext(spacing)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _font_table(doc) -> None:
    """Declare the Chinese fonts with their fallbacks (w:altName) and the GB2312 charset."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alt in FALLBACKS.items():
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern"})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "fixed"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number(paragraph) -> None:
    """— N — in 宋体 四号, the page number GB/T 9704 places under the text block."""
    def run(text: str | None = None):
        r = paragraph.add_run(text or "")
        _fonts(r, PAGE_NUMBER_FONT, SIZE_4)
        return r

    run("— ")
    for kind, instr in (("begin", None), (None, "PAGE"), ("separate", None), ("end", None)):
        r = run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
        r._element.append(el)
    run(" —")


def _footers(doc, section) -> None:
    """GB/T 9704: odd pages' numbers right, even pages' left, each one character in from the edge.
    Nothing else in the footer: a clerk files the document as it is."""
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        number = footer.paragraphs[0]
        _page_number(number)
        _layout(number, indent=False, align=align, line=Pt(18))
        pf = number.paragraph_format
        if side == "right":
            pf.right_indent = Pt(SIZE_4)
        else:
            pf.left_indent = Pt(SIZE_4)


def _properties(doc, d: Draft, fig: Figures) -> None:
    """Title, author (the office), dates and the stamp in the file's properties, not python-docx's."""
    made = dt.datetime.combine(fig.made, dt.time(9, 0))
    cp = doc.core_properties
    cp.title, cp.author, cp.last_modified_by = d.title, ORG_NAME, ORG_NAME
    cp.subject, cp.comments = W.DOC_SUBJECT, fig.stamp.text()
    cp.created = cp.modified = made
    cp.revision, cp.keywords, cp.category = 1, W.DOC_KEYWORDS, W.DOC_CATEGORY


def _title_lines(d: Draft) -> tuple[str, ...]:
    """The title on one line, or broken by meaning (after the year, never inside a word) when it is
    longer than a line holds."""
    return d.title_parts if len(d.title) > TITLE_CHARS and d.title_parts else (d.title,)


def build_document(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
                   figures: Figures | None = None, version: str = "全市") -> bytes:
    """The drafted report as a .docx laid out per GB/T 9704; the stamp in its properties and in one
    line under the date that is deleted before filing (never in the footer).

    Takes an open database, a Period, optionally a unit's canonical name (None = 全市) and, for the
    city, the version (全市 汇总 or 本级 报告). Returns the file's bytes; raises IndicatorsError for
    an unknown unit.
    """
    fig = figures or gather(conn, period, unit)
    d = draft(conn, period, unit, figures=fig, version=version)
    doc = Document()
    _page(doc.sections[0])
    _normal_style(doc)
    _font_table(doc)
    _properties(doc, d, fig)
    title = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    lines = _title_lines(d)
    for i, line in enumerate(lines):
        run = title.add_run(line)
        _fonts(run, TITLE_FONT, SIZE_2)
        if i < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)
    _layout(title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(35))
    _layout(doc.add_paragraph(), indent=False)  # the blank line GB/T 9704 leaves under the title
    for p in d.paragraphs:
        para = doc.add_paragraph()
        if p.kind == "heading":
            _fonts(para.add_run(p.text), HEADING_FONT, SIZE_3)
            _layout(para)
        elif p.kind == "note":
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_5)
            _layout(para, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT, line=Pt(18))
        elif p.kind == "recipient":
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_3)
            _layout(para, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
        elif p.kind == "sign":  # 署名 and 成文日期 on the right, four characters in
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_3)
            _layout(para, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            para.paragraph_format.right_indent = Pt(4 * SIZE_3)
        else:
            if p.lead:
                _fonts(para.add_run(p.lead), SUBHEADING_FONT, SIZE_3)
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_3)
            _layout(para)
    _footers(doc, doc.sections[0])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
