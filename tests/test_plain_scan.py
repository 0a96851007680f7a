"""The plain scan of a sheet (containers._scan_plain, C speed) proves what the detailed scan (_scan_sheet)
finds, or hands the sheet to it: the same extent, used columns, marks and merges, and a shared-text
figure never below the detailed one. Every case is a real .xlsx written here, the rare thing placed
after the first chunk, at the end of a large sheet, or cut in two by a chunk's end."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

import hostile_files as hf
from indicators import containers, imports

CHUNK = containers.CHUNK
SST = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
       + "".join(f"<si><t>文字{i}</t></si>" for i in range(40)) + "</sst>")


def row(r: int, extra: str = "", attrs: str = ' spans="1:8"') -> str:
    """A ledger-like row: a date, four shared strings, a count, and `extra` (with {r} for the row number)."""
    texts = "".join(f'<c r="{col}{r}" t="s"><v>{(r + k) % 40}</v></c>' for k, col in enumerate("BCDE"))
    return (f'<row r="{r}"{attrs}><c r="A{r}" s="1"><v>45292</v></c>{texts}<c r="F{r}"><v>{r % 90 + 1}</v></c>'
            f'{extra.format(r=r)}</row>')


def rows(first: int, last: int, **kw) -> str:
    return "".join(row(r, **kw) for r in range(first, last + 1))


BIG = 9000  # rows: a sheet of about 1.8 chunks


def sheet(body: str, tail: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {hf.NS.decode()}><dimension ref="A1:F{BIG}"/>'
            f'<sheetData>{body}</sheetData>{tail}</worksheet>').encode()


def at_seam(template: str, offset: int) -> bytes:
    """A large sheet whose row made from `template` ({r}: its number) starts `offset` bytes before the
    first chunk's end (rows before it, spaces between rows to place it, rows after it)."""
    head = len(sheet("").split(b"<sheetData>")[0]) + len("<sheetData>")
    body, r = "", 1
    while head + len(body.encode()) < CHUNK - 1200:
        body += row(r)
        r += 1
    body += " " * (CHUNK - offset - head - len(body.encode()))
    return sheet(body + template.format(r=r) + rows(r + 1, r + 40))


CASES = [
    # (id, sheet xml, whether the plain scan proves the sheet itself rather than handing it over)
    ("small_ledger", sheet(rows(1, 5)), True),
    ("large_ledger", sheet(rows(1, BIG)), True),
    ("excel_row_attributes", sheet(rows(1, BIG, attrs=' spans="1:8" ht="20.25" customHeight="1" x14ac:dyDescent="0.25"')), True),
    ("empty_styled_cells", sheet(rows(1, BIG, extra='<c r="H{r}" s="2"/>')), True),
    ("new_column_at_the_end", sheet(rows(1, BIG) + '<row r="9001"><c r="AB9001"><v>1</v></c></row>'), True),
    ("far_cell_at_the_end", sheet(rows(1, BIG) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'), True),
    ("far_row_inside_a_row", sheet(rows(1, 4000) + '<row r="4001"><c r="A999999"><v>1</v></c></row>' + rows(4002, BIG)), True),
    ("empty_row_far_below", sheet(rows(1, BIG) + '<row r="1048576"/>'), True),
    ("a_row_out_of_order", sheet(rows(1, 100) + row(5000) + rows(101, 4999) + rows(5001, BIG)), True),
    ("rows_out_of_order", sheet(rows(5000, BIG) + rows(1, 4999)), False),
    ("cells_without_reference_at_the_end", sheet(rows(1, BIG) + "<row>" + "<c><v>1</v></c>" * 300 + "</row>"), False),
    ("rows_without_reference", sheet(rows(1, 400).replace('<row r="', '<row x="')), False),
    ("attributes_in_other_order", sheet(rows(1, BIG) + '<row r="9001"><c s="1" r="A9001"><v>1</v></c></row>'), False),
    ("single_quoted_reference", sheet(rows(1, BIG) + "<row r='9001'><c r='XFD9001'><v>1</v></c></row>"), False),
    ("spaces_around_equals", sheet(rows(1, BIG) + '<row r="9001"><c r = "XFD9001"><v>1</v></c></row>'), False),
    ("prefixed_cell", sheet(rows(1, BIG) + '<row r="9001"><x:c r="XFD9001"><x:v>1</x:v></x:c></row>'), False),
    ("prefixed_cell_any_letters", sheet(rows(1, BIG) + '<row r="9001"><表:c r="XFD9001"><表:v>1</表:v></表:c></row>'), False),
    ("prefixed_cells_without_reference", sheet(rows(1, 20) + "<x:row>" + "<x:c><x:v>1</x:v></x:c>" * 20000 + "</x:row>"), False),
    ("error_cell_at_the_end", sheet(rows(1, BIG) + '<row r="9001"><c r="F9001" t="e"><v>#N/A</v></c></row>'), True),
    ("formula_without_value_at_the_end", sheet(rows(1, BIG) + '<row r="9001"><c r="F9001"><f>F2*2</f></c></row>'), True),
    ("formula_with_value", sheet(rows(1, BIG) + '<row r="9001"><c r="F9001"><f>F2*2</f><v>4</v></c></row>'), True),
    ("merges_at_the_end", sheet(rows(1, BIG), '<mergeCells count="2"><mergeCell ref="A1:F1"/><mergeCell ref="B7:C9"/>'
                                              '</mergeCells>'), True),
    ("many_columns", sheet(rows(1, 50) + '<row r="51">' + "".join(f'<c r="{hf._letter(c)}51"><v>1</v></c>' for c in range(70))
                           + "</row>"), False),
]
# a rare thing cut in two by the first chunk's end, at offsets around the tail the next chunk carries
SEAMS = [
    ("far_cell", '<row r="{r}"><c r="XFD1048576"><v>1</v></c></row>'),
    ("error_cell", '<row r="{r}"><c r="F{r}" t="e"><v>#REF!</v></c></row>'),
    ("formula", '<row r="{r}"><c r="F{r}"><f>SUM(F1:F2)</f></c></row>'),
    ("new_column", '<row r="{r}"><c r="ZZ{r}"><v>1</v></c></row>'),
    ("rowless_cell", '<row r="{r}"><c><v>1</v></c>' + "<c><v>1</v></c>" * 3 + "</row>"),
]
SEAM_CASES = [(f"seam_{sid}_{off}", template, off) for sid, template in SEAMS
              for off in (1, 3, 6, 9, 14, 20, 40, 127, 128, 129, 200, 255, 256, 300)]


def _build(tmp_path: Path, xml: bytes) -> Path:
    return hf.raw_xlsx(tmp_path / "s.xlsx", [("台账", xml)], shared=SST)


def _scans(path: Path):
    z = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    info = z.getinfo("xl/worksheets/sheet1.xml")
    plain = containers.SheetInfo("台账")
    ok = containers._scan_plain(z, info, plain, containers._shared_string_bound(z), by_size=False)
    detailed = containers.SheetInfo("台账")
    containers._scan_sheet(z, info, detailed, containers._shared_string_lengths(z))
    return ok, plain, detailed


def _outcome(data: bytes, plain: bool):
    try:
        infos = containers.inspect_xlsx(data, plain=plain)
    except containers.Unreadable as e:
        return e.code
    return [(i.name, i.rows, i.cols, None if i.used is None else sorted(i.used), sorted(i.marks.items()), i.merges)
            for i in infos]


def _same(tmp_path: Path, xml: bytes) -> bool:
    path = _build(tmp_path, xml)
    ok, plain, detailed = _scans(path)
    if ok:
        assert (plain.rows, plain.cols, plain.used, plain.marks, plain.merges) == \
               (detailed.rows, detailed.cols, detailed.used, detailed.marks, detailed.merges)
        assert plain.text >= detailed.text
    data = path.read_bytes()
    assert _outcome(data, plain=True) == _outcome(data, plain=False)
    return ok


@pytest.mark.parametrize("cid,xml,expect_plain", CASES, ids=[c[0] for c in CASES])
def test_plain_scan_proves_what_the_detailed_scan_finds_or_hands_over(tmp_path, cid, xml, expect_plain):
    assert _same(tmp_path, xml) == expect_plain


@pytest.mark.parametrize("cid,template,offset", SEAM_CASES, ids=[c[0] for c in SEAM_CASES])
def test_a_rare_thing_cut_by_a_chunk_end_is_found(tmp_path, cid, template, offset):
    xml = at_seam(template, offset)
    assert xml.index(template[:8].encode(), CHUNK - offset - 8) == CHUNK - offset  # really cut by the seam
    _same(tmp_path, xml)


@pytest.mark.parametrize("builder,code", [
    (hf.far_cell, "sheet_too_large"), (hf.wide_sheet, "sheet_too_large"), (hf.many_merges, "too_many_merges"),
    (hf.merged_overlapping, None), (hf.shared_string_bomb, "too_big_inflated"), (hf.declared_dimension_only, None),
    (hf.stray_far_column, None), (hf.formula_without_result, None), (hf.error_cells, None), (hf.hidden_sheet, None),
    (hf.many_ledger_sheets, None),
])
def test_hostile_files_get_the_same_judgement_either_way(tmp_path, builder, code):
    data = builder(tmp_path).read_bytes()
    plain, detailed = _outcome(data, plain=True), _outcome(data, plain=False)
    assert plain == detailed
    if code:
        assert plain == code


@pytest.mark.parametrize("quote", ['t="s"', "t='s'", 't = "s"'])
def test_shared_strings_are_counted_however_t_is_quoted(tmp_path, quote):
    """One 10 KB shared string used by 30,000 cells is 300 MB of text, t="s" written any way XML allows."""
    sst = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
           + "长" * 10000 + "</t></si></sst>")
    cells = "".join(f'<row r="{r}"><c r="A{r}" {quote}><v>0</v></c><c r="B{r}" {quote}><v>0</v></c></row>' for r in range(1, 15001))
    data = hf.raw_xlsx(tmp_path / "s.xlsx", [("台账", hf.sheet_xml(cells))], shared=sst).read_bytes()
    assert _outcome(data, plain=True) == _outcome(data, plain=False) == "too_big_inflated"


def test_prefixed_cells_without_reference_count_in_the_extent(tmp_path):
    """20,000 <x:c> in one row, none with a reference: the reader puts them side by side, past XFD."""
    xml = sheet(rows(1, 20) + "<x:row>" + "<x:c><x:v>1</x:v></x:c>" * 20000 + "</x:row>")
    assert _outcome(_build(tmp_path, xml).read_bytes(), plain=True) == "sheet_too_large"


def test_a_text_bound_over_the_limit_is_decided_by_the_exact_count(tmp_path):
    """One long shared string (9 KB) in row 2 and short ones in 40,000 cells: the plain scan's bound (any
    cell could be the long one) is over 200 MB, the real text is small, and the file is read."""
    strings = ["长" * 3000] + [f"文字{i}" for i in range(39)]
    sst = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    body = [hf.TRAINING_HEADER] + [[f"2025-03-{1 + i % 28:02d}", "红旗区", "党组中心组学法", f"主题{i}", "张三", 15, 2, None]
                                   for i in range(3)]
    xml = hf.ledger_rows_xml(body) + "".join(f'<row r="{r}"><c r="J{r}" t="s"><v>{1 + r % 39}</v></c></row>'
                                             for r in range(10, 40000))
    path = hf.raw_xlsx(tmp_path / "t.xlsx", [("台账", hf.sheet_xml(xml))], shared=sst)
    data = path.read_bytes()
    assert _outcome(data, plain=True) == _outcome(data, plain=False)
    z = zipfile.ZipFile(io.BytesIO(data))
    s = containers.SheetInfo("台账")
    assert containers._scan_plain(z, z.getinfo("xl/worksheets/sheet1.xml"), s, containers._shared_string_bound(z), False)
    assert s.text > containers.MAX_TEXT
    assert imports.parse_path(path).ok


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11, 19, 20, 99, 100, 101, 109, 110, 199, 200, 999, 1000, 1001, 4033, 9999,
                               10000, 100002, 1048576])
def test_at_most_matches_exactly_the_numbers_up_to_n(n):
    pattern = re.compile(b"(?:" + containers.at_most(n) + b")")
    probe = set(range(0, 3000)) | {n - 1, n, n + 1, n + 9, n * 10, 10 * n + 9, 1048577, 9999999}
    for k in sorted(p for p in probe if p >= 0):
        assert bool(pattern.fullmatch(str(k).encode())) == (1 <= k <= n), (n, k)
    for zeros in (b"0", b"00", b"05", b"0" + str(max(n, 1)).encode()):
        assert not pattern.fullmatch(zeros)


def test_inflating_refuses_a_part_larger_than_it_says_or_with_other_bytes(tmp_path):
    """Deflated and stored parts are inflated by zlib here: a lying size or a flipped byte is corrupt."""
    assert _outcome(hf.zip_bomb_lying(tmp_path).read_bytes(), plain=True) == "corrupt"
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(hf.hidden_sheet(tmp_path)) as src, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    data = bytearray(stored.read_bytes())
    assert imports.parse_file(bytes(data), "stored.xlsx").ok
    at = bytes(data).index(b"<sheetData>") + 20
    data[at] ^= 0x01
    assert _outcome(bytes(data), plain=True) == "corrupt"


# ------------------------------------------------------------------ formatting without content at the sheet's end

def _ledger_with(tail: bytes) -> bytes:
    """A 100-row 培训 ledger (openpyxl) with `tail` written into its sheet XML after the last row."""
    import datetime as dt

    import openpyxl
    from conftest import TRAINING_HEADER

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["红旗区2025年培训台账"])
    ws.append(TRAINING_HEADER)
    for i in range(100):
        ws.append([dt.date(2025, 1 + i % 12, 1 + i % 28), "红旗区", "全员法治培训", f"内容{i}", "张三", 30, 2, None])
    src, out = io.BytesIO(), io.BytesIO()
    wb.save(src)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", tail + b"</sheetData>")
            zout.writestr(item, data)
    return out.getvalue()


FAR = 1_048_576


@pytest.mark.parametrize("tail,accepted", [
    # a clerk formatted rows or cells down to the sheet's end: nothing there for the reader, read as a ledger
    (b'<row r="1048576" ht="20" customHeight="1"/>', True),
    (b'<row r="1048576"><c r="H1048576" s="0"/></row>', True),
    (b'<row r="1048576"><c r="H1048576" s="0"></c></row>', True),
    (b"".join(b'<row r="%d" ht="20" customHeight="1"/>' % r for r in range(103, FAR + 1)), True),
    (b'<row r="900000">' + b"".join(b'<c r="%s900000" s="0"/>' % c for c in (b"A", b"H", b"Z", b"AZ")) + b"</row>", True),
    # content far away is what the limit is for: still refused, whatever form the far cell takes
    (b'<row r="1048576"><c r="H1048576"><v>1</v></c></row>', False),
    (b'<row r="1048576"><c r="H1048576" t="inlineStr"><is><t>x</t></is></c></row>', False),
    (b'<row r="1048576"><c r="H1048576"><f>1+1</f></c></row>', False),
    (b'<row r="1048576"><c r="h1048576"><v>1</v></c></row>', False),
    (b'<row r="1048576"><c r="H1048576" s="0"/></row><row r="1048575"><c r="XFD1048575"><v>1</v></c></row>', False),
    # a cell with content and no reference (placed by order) or with a prefix: the counted extent stands
    (b'<row r="1048576"><c s="0"/><c><v>1</v></c></row>', False),
    (b'<row r="1048576"><x:c r="H1048576" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
     b'<x:v>1</x:v></x:c></row>', False),
], ids=["empty-row", "styled-cell", "open-close-cell", "a-million-empty-rows", "styled-cells-wide", "value",
        "inline-string", "formula", "lower-case-ref", "value-beside-styled", "no-reference", "prefixed"])
def test_formatting_without_content_does_not_count_in_the_extent(tail, accepted):
    parsed = imports.parse_file(_ledger_with(tail), "红旗区培训台账.xlsx")
    if accepted:
        assert parsed.ok and parsed.rows == 100, [p.message for p in parsed.problems]
    else:
        assert [p.code for p in parsed.problems] == ["sheet_too_large"], [p.message for p in parsed.problems]
