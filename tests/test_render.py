"""The exports as a reader sees them: each file rendered by LibreOffice (tools/render.py: soffice
--headless --convert-to pdf, then pdftoppm), and the PDF and PNG pages it prints read back with
pdfplumber: characters per line and page numbers of the drafted report, text inside its shapes and
legends in the bars' colours on the slides, pages that hold what the content needs in the workbook.

Runs in the normal test command (tools/setup.sh --dev installs LibreOffice and poppler-utils);
skipped, with the reason, only where soffice is not installed.
"""
from __future__ import annotations

import collections
import re
import unicodedata

import pdfplumber
import pytest
from lxml import etree
from pptx import Presentation

from conftest import office, render_tool
from indicators import demo, exports, progress, store
from indicators.exports import workbook

pytestmark = office("pdftoppm")
render = render_tool()

YEAR = progress.period(2025)
H1 = progress.period(2025, half=1)
MM = 72 / 25.4
PT = 12700  # EMU per point
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

# (name, format, period, unit, version): every export a person looks at
EXPORTS = [
    ("report_city_year", "docx", YEAR, None, "全市"), ("report_own_year", "docx", YEAR, None, "本级"),
    ("report_city_h1", "docx", H1, None, "全市"), ("report_own_h1", "docx", H1, None, "本级"),
    ("report_fq_h1", "docx", H1, "封丘县", "全市"), ("report_fq_year", "docx", YEAR, "封丘县", "全市"),
    ("deck_city_h1", "pptx", H1, None, "全市"), ("deck_city_year", "pptx", YEAR, None, "全市"),
    ("deck_fq_h1", "pptx", H1, "封丘县", "全市"), ("deck_hq_year", "pptx", YEAR, "红旗区", "全市"),
    ("book_city_h1", "xlsx", H1, None, "全市"), ("book_city_year", "xlsx", YEAR, None, "全市"),
    ("book_fq_year", "xlsx", YEAR, "封丘县", "全市"),
]
REPORTS = [e[0] for e in EXPORTS if e[1] == "docx"]
DECKS = [e[0] for e in EXPORTS if e[1] == "pptx"]
BOOKS = [e[0] for e in EXPORTS if e[1] == "xlsx"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every export written and rendered once: name -> (file, pdf)."""
    root = tmp_path_factory.mktemp("render")
    conn = store.connect(root / "demo.db")
    demo.load_demo(conn)
    files = {}
    for name, fmt, per, unit, version in EXPORTS:
        path = root / f"{name}.{fmt}"
        path.write_bytes(exports.build(fmt, conn, per, unit, version=version))
        files[name] = path
    conn.close()
    pdfs = render.to_pdfs(list(files.values()), root / "pdf")
    return {name: (files[name], pdf) for name, pdf in zip(files, pdfs)}


def _cells(ch: str) -> float:
    """Grid cells a character takes: a Chinese character or full-width mark one, a digit half."""
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5


def _body_lines(page, size: float = 16):
    """The page's lines of 三号 text: lists of chars, top to bottom."""
    lines = collections.defaultdict(list)
    for c in page.chars:
        if abs(c["size"] - size) < 0.6 and c["text"].strip():
            lines[round(c["top"])].append(c)
    return [sorted(lines[y], key=lambda c: c["x0"]) for y in sorted(lines)]


# ---------------------------------------------------------------- the drafted report

@pytest.mark.parametrize("name", REPORTS)
def test_report_lines_hold_28_characters(rendered, name):
    _, pdf = rendered[name]
    with pdfplumber.open(pdf) as doc:
        left, right = 28 * MM, doc.pages[0].width - 26 * MM
        full, plain = [], []
        for page in doc.pages:
            for line in _body_lines(page):
                if line[-1]["x1"] < right - 16:  # a paragraph's last line
                    continue
                indent = round((line[0]["x0"] - left) / 16)
                inside = [c for c in line if c["x1"] <= right + 1]  # a hanging mark is not in the line
                n = indent + sum(_cells(c["text"]) for c in inside)
                full.append(n)
                if all(_cells(c["text"]) == 1 for c in inside):
                    plain.append(n)
                # only a closing mark may hang past the margin, and only one
                assert all(c["text"] in "，。、；：）”" for c in line if c["x1"] > right + 1)
                assert len([c for c in line if c["x1"] > right + 1]) <= 1
    assert len(plain) >= 5, "too few lines of Chinese text alone to measure"
    # 28 ±1 (it was 14): all but the odd line that ends where a run of figures would not break
    assert sum(27 <= n <= 29 for n in plain) >= 0.9 * len(plain), collections.Counter(plain)
    # lines with figures: the digits of this machine's substitute font (DejaVu Sans) are wider than
    # 仿宋_GB2312's half-width ones, so such lines hold a few fewer; never the letter-spaced 14
    assert all(20 <= n <= 29 for n in full), collections.Counter(full)


@pytest.mark.parametrize("name", REPORTS)
def test_report_page_numbers_right_on_odd_pages_left_on_even(rendered, name):
    _, pdf = rendered[name]
    with pdfplumber.open(pdf) as doc:
        assert len(doc.pages) >= 2
        for i, page in enumerate(doc.pages, 1):
            foot = [w for w in page.extract_words() if w["top"] > page.height - 35 * MM]
            number = [w for w in foot if re.fullmatch(r"—?\d+—?", w["text"])]
            assert [re.sub(r"\D", "", w["text"]) for w in number] == [str(i)], foot
            x = number[0]["x0"]
            assert (x > page.width / 2) if i % 2 else (x < page.width / 2), (i, x)
            assert "数据截至" not in " ".join(w["text"] for w in foot)  # nothing else in the footer


@pytest.mark.parametrize("name", REPORTS)
def test_report_pages_are_full_but_the_last(rendered, name):
    _, pdf = rendered[name]
    with pdfplumber.open(pdf) as doc:
        counts = [len(_body_lines(p)) for p in doc.pages]
    assert counts[0] >= 16  # the title takes the first lines of page one
    assert all(n >= 21 for n in counts[1:-1]), counts  # 22 lines a page (a heading's keep-with-next aside)
    assert all(n <= 22 for n in counts), counts


# ---------------------------------------------------------------- the deck

def _shape_box(shape):
    return (shape.left / PT, shape.top / PT, (shape.left + shape.width) / PT, (shape.top + shape.height) / PT)


def _inside(chars, box, slack: float = 2.0):
    x0, y0, x1, y1 = box
    return [c for c in chars if c["x0"] >= x0 - slack and c["x1"] <= x1 + slack and c["top"] >= y0 - slack
            and c["bottom"] <= y1 + slack]


def _table_cells(shape):
    """(text, box) of each cell, from the table's declared column widths and row heights."""
    table = shape.table
    y = shape.top
    for row in table.rows:
        x = shape.left
        for j, cell in enumerate(row.cells):
            w = table.columns[j].width
            yield cell.text, (x / PT, y / PT, (x + w) / PT, (y + row.height) / PT)
            x += w
        y += row.height


@pytest.mark.parametrize("name", DECKS)
def test_no_slide_text_falls_outside_its_shape_or_the_slide(rendered, name):
    path, pdf = rendered[name]
    deck = Presentation(path)
    with pdfplumber.open(pdf) as doc:
        assert len(doc.pages) == len(deck.slides)
        for page, slide in zip(doc.pages, deck.slides):
            chars = [c for c in page.chars if c["text"].strip()]
            assert all(c["x0"] >= 0 and c["x1"] <= page.width and c["top"] >= 0 and c["bottom"] <= page.height
                       for c in chars)
            boxes = []
            for shape in slide.shapes:
                if shape.has_text_frame and shape.text_frame.text.strip():
                    boxes.append((shape.text_frame.text, _shape_box(shape)))
                elif shape.has_table:
                    boxes += list(_table_cells(shape))
                elif shape.has_chart:  # category names stay inside the chart's frame
                    boxes.append(("".join(shape.chart.plots[0].categories), _shape_box(shape)))
            for text, box in boxes:
                want = collections.Counter(ch for ch in text if ch.strip())
                got = collections.Counter(c["text"] for c in _inside(chars, box))
                missing = want - got
                assert not missing, (page.page_number, text[:40], dict(missing))


def _series_colours(chart_xml):
    """(series fill, [point fills]) of each series in a chart part."""
    root = etree.fromstring(chart_xml)
    out = []
    for ser in root.iter(C + "ser"):
        sppr = ser.find(C + "spPr")
        fill = sppr.find(f"{A}solidFill/{A}srgbClr").get("val") if sppr is not None else None
        points = [d.find(f"{C}spPr/{A}solidFill/{A}srgbClr").get("val") for d in ser.findall(C + "dPt")]
        out.append((fill, points))
    return root.find(f"{C}chart/{C}legend") is not None, out


def _rgb(hex_: str):
    return tuple(int(hex_.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


def _near(a, b, tol: int = 12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


@pytest.mark.parametrize("name", DECKS)
def test_every_legend_shows_the_colours_of_its_bars(rendered, name, tmp_path):
    path, pdf = rendered[name]
    deck = Presentation(path)
    pngs = render.to_png(pdf, tmp_path, dpi=40)
    from PIL import Image
    for slide, png in zip(deck.slides, pngs):
        keys = {sh.name[4:]: str(sh.fill.fore_color.rgb) for sh in slide.shapes if sh.name.startswith("key ")}
        image = Image.open(png).convert("RGB")
        scale = image.width / (deck.slide_width / PT)
        for sh in slide.shapes:
            if sh.name.startswith("key "):  # the key's swatch prints in its colour
                cx, cy = (sh.left + sh.width / 2) / PT * scale, (sh.top + sh.height / 2) / PT * scale
                assert _near(image.getpixel((int(cx), int(cy))), _rgb(str(sh.fill.fore_color.rgb))), sh.name
        for sh in slide.shapes:
            if not sh.has_chart:
                continue
            has_legend, series = _series_colours(sh.chart.part.blob)
            point_colours = {p for _, points in series for p in points}
            if has_legend:  # a legend swatch is the series' fill: every bar of the series must be it
                assert not point_colours
                continue
            if len(series) == 1 and not point_colours:
                continue  # one plain series: the slide's heading names it
            # no chart legend: the key above the chart names every colour its bars use, and only those
            used = {fill for fill, points in series if not points} | point_colours
            assert used <= set(keys.values()), (used, keys)
            box = tuple(int(v * scale) for v in _shape_box(sh))
            crop = image.crop(box)
            last = sh.chart.plots[0].series[-1]
            drawn = {p for p, v in zip(series[-1][1], last.values) if v}  # a zero is no bar
            seen = {c for c in point_colours
                    if sum(n for n, px in crop.getcolors(1 << 20) if _near(px, _rgb(c), 6)) >= 4}
            assert drawn <= seen, (sh.name, seen, drawn)  # confirmed in the picture


@pytest.mark.parametrize("name", DECKS)
def test_slide_text_is_at_least_12_points(rendered, name):
    path, pdf = rendered[name]
    deck = Presentation(path)
    for slide in deck.slides:
        sizes = [int(r.get("sz")) for r in slide.shapes._spTree.iter(A + "rPr", A + "defRPr") if r.get("sz")]
        for sh in slide.shapes:
            if sh.has_chart:
                root = etree.fromstring(sh.chart.part.blob)
                sizes += [int(r.get("sz")) for r in root.iter(A + "defRPr", A + "rPr") if r.get("sz")]
        assert min(sizes) >= 1200
    with pdfplumber.open(pdf) as doc:
        assert min(c["size"] for p in doc.pages for c in p.chars if c["text"].strip()) >= 11.5


def test_year_end_deck_says_未完成_not_behind_pace(rendered):
    _, pdf = rendered["deck_city_year"]
    with pdfplumber.open(pdf) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages).replace(" ", "")
    assert "进度滞后" not in text and "未完成" in text
    assert "另有5个单位" in text  # the 滞后预警 list counts units


def test_half_year_deck_explains_both_scores(rendered):
    _, pdf = rendered["deck_city_h1"]
    with pdfplumber.open(pdf) as doc:  # the right-hand panels, where the scores are explained
        pages = [(p.crop((8.5 * 72, 0, p.width, p.height)).extract_text() or "").replace(" ", "").replace("\n", "")
                 for p in doc.pages]
    for words in (progress.SCORE_LABELS["pace_score"], progress.SCORE_LABELS["score"], "年中约为一半属正常"):
        assert words in pages[1] and words in pages[-1]


# ---------------------------------------------------------------- the workbook

def _sheet_pages(doc, book):
    """Sheet name -> [(page, body lines)], a page told by its repeated title row."""
    # whole titles: sheets of one scope and period share the first words ("封丘县·2025年全年·")
    titles = {ws.title: re.sub(r"\s", "", str(ws["A1"].value))[:30] for ws in book}
    out = collections.defaultdict(list)
    for page in doc.pages:
        text = re.sub(r"\s", "", page.extract_text() or "")
        sheet = next(name for name, t in titles.items() if t in text)
        rows = {round(w["top"]) for w in page.extract_words() if w["top"] < page.height - 40}
        out[sheet].append((page, len(rows)))
    return out


@pytest.mark.parametrize("name", BOOKS)
def test_workbook_pages_hold_what_the_content_needs(rendered, name):
    import openpyxl
    path, pdf = rendered[name]
    book = openpyxl.load_workbook(path)
    with pdfplumber.open(pdf) as doc:
        pages = _sheet_pages(doc, book)
        for ws in book:
            got = pages[ws.title]
            assert got, ws.title
            body = [n for _, n in got]
            if len(body) > 1:  # no last page holding only a few spilled rows
                assert body[-1] >= max(body[:-1]) / 3, (ws.title, body)
                assert len(body) <= ws.page_setup.fitToHeight
            for page, _ in got:  # every column on the page: the last header is printed on each
                words = re.sub(r"\s", "", page.extract_text() or "")
                assert str(ws.cell(workbook.HEADER_ROW, ws.max_column).value)[:3] in words


@pytest.mark.parametrize("name", BOOKS)
def test_workbook_cells_do_not_run_into_each_other(rendered, name):
    _, pdf = rendered[name]
    with pdfplumber.open(pdf) as doc:
        words = [w["text"] for p in doc.pages for w in p.extract_words(x_tolerance=1.5)]
    assert not [w for w in words if re.search(r"\d{4}-\d{2}-\d{2}\S", w)]  # a date touching the unit
    assert not [w for w in words if re.search(r"\d(示例数据|—|[\u4e00-\u9fff]{2,})", w) and "年" not in w
                and not re.search(r"\d+(月|日|项|次|期|人|分|行|页|号|条|·)", w)]


def test_workbook_statuses_print_with_their_marks(rendered):
    _, pdf = rendered["book_city_year"]
    with pdfplumber.open(pdf) as doc:
        text = (doc.pages[0].extract_text() or "").replace(" ", "")
    for mark, word in (("●", "已完成"), ("▲", "未完成")):
        assert f"{mark}{word}" in text
    assert "全市全市" in text.replace("\n", "")[:400]  # the 全市 rows come first
