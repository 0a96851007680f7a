"""Hostile and malformed files, one builder per class, written by the tests (and bench/bench_hostile.py).

Each builder takes a folder and returns the path it wrote. The workbooks are built from raw parts
where openpyxl cannot say what an attacker can (lying sizes, overlapping merges, far cells).
"""
from __future__ import annotations

import datetime as dt
import io
import os
import struct
import zipfile
from pathlib import Path

import openpyxl

TRAINING_HEADER = ["日期", "单位", "类别", "主题", "主讲人", "参加人数", "学时", "备注"]
ROW = [dt.date(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 b'%s</Types>')
ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
             b'</Relationships>')
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def ledger_rows_xml(rows: list[list]) -> str:
    """<row> elements of a sheet (dates as text, the way a clerk often types them)."""
    out = []
    for r, row in enumerate(rows, 1):
        cells = "".join(_cell(f"{_letter(c)}{r}", v.isoformat() if isinstance(v, dt.date) else v) for c, v in enumerate(row))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def raw_xlsx(path: Path, sheets: list[tuple[str, object]], *, shared: object = None, states: dict | None = None,
             lie_sizes: bool = False) -> Path:
    """An .xlsx from raw parts. A sheet body is bytes, or an iterable of bytes chunks streamed into the zip
    (so a bomb never exists in memory). `lie_sizes` rewrites every declared uncompressed size to 1 KB."""
    states = states or {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = b"".join(b'<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-'
                             b'officedocument.spreadsheetml.worksheet+xml"/>' % (i + 1) for i in range(len(sheets)))
        if shared is not None:
            overrides += (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                          b'officedocument.spreadsheetml.sharedStrings+xml"/>')
        z.writestr("[Content_Types].xml", CONTENT_TYPES % overrides)
        z.writestr("_rels/.rels", ROOT_RELS)
        tags = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"'
                       + (f' state="{states[n]}"' if n in states else "") + "/>" for i, (n, _) in enumerate(sheets))
        z.writestr("xl/workbook.xml", b'<?xml version="1.0" encoding="UTF-8"?><workbook %s><sheets>%s</sheets></workbook>'
                   % (NS, tags.encode()))
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                       f'worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
        if shared is not None:
            rels += ('<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                     'sharedStrings" Target="sharedStrings.xml"/>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, (_, body) in enumerate(sheets):
            _write_part(z, f"xl/worksheets/sheet{i + 1}.xml", body)
        if shared is not None:
            _write_part(z, "xl/sharedStrings.xml", shared)
    if lie_sizes:
        _lie_about_sizes(path)
    return path


def _write_part(z: zipfile.ZipFile, name: str, body) -> None:
    if isinstance(body, str):
        body = body.encode()
    if isinstance(body, bytes):
        z.writestr(name, body)
        return
    with z.open(name, "w") as f:  # < 2 GiB: plain 32-bit sizes, which _lie_about_sizes rewrites
        for chunk in body:
            f.write(chunk)


def _lie_about_sizes(path: Path) -> None:
    """Rewrite the declared uncompressed size of every large entry (local header and central directory)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        infos = z.infolist()
    eocd = bytes(data).rfind(b"PK\x05\x06")
    cd = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    for info in infos:
        if info.file_size < 1 << 20:
            continue
        off = info.header_offset
        if info.file_size < 0xFFFFFFFF and data[off + 22:off + 26] != b"\xff\xff\xff\xff":
            data[off + 22:off + 26] = struct.pack("<I", 1024)
    pos = cd
    while data[pos:pos + 4] == b"PK\x01\x02":
        usize = struct.unpack("<I", data[pos + 24:pos + 28])[0]
        n, m, k = struct.unpack("<HHH", data[pos + 28:pos + 34])
        if 1 << 20 <= usize < 0xFFFFFFFF:
            data[pos + 24:pos + 28] = struct.pack("<I", 1024)
        pos += 46 + n + m + k
    path.write_bytes(bytes(data))


def sheet_xml(rows_xml: str, *, dimension: str | None = None, merges: list[str] | None = None, tail: str = "") -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merge = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
             if merges else "")
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS.decode()}>{dim}<sheetData>{rows_xml}</sheetData>{merge}{tail}</worksheet>'.encode()


def _ledger(n: int = 3) -> list[list]:
    return [TRAINING_HEADER] + [[dt.date(2025, 3, 1 + i % 28), "红旗区", "党组中心组学法", f"主题{i}", "张三", 15, 2, None]
                                for i in range(n)]


def write_xlsx(path: Path, sheets: dict[str, list[list]], states: dict | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(r, c, v)
        if states and name in states:
            ws.sheet_state = states[name]
    wb.save(path)
    return path


# ----------------------------------------------------------------------------------------------- builders


_BUILT: dict = {}


def built_once(build):
    """`build` run once per process (a bomb takes seconds of CPU to compress): each call gets its own copy
    of that file, under the same name, in the folder it gives. Only for builders of plain files."""
    def copy(folder: Path) -> Path:
        import atexit
        import shutil
        import tempfile
        if build not in _BUILT:
            keep = Path(tempfile.mkdtemp(prefix="hostile-"))
            atexit.register(shutil.rmtree, keep, True)
            _BUILT[build] = build(keep)
        src = _BUILT[build]
        shutil.copyfile(src, folder / src.name)
        return folder / src.name
    copy.__name__, copy.__doc__ = build.__name__, build.__doc__
    return copy


@built_once
def zip_bomb_sheet(folder: Path) -> Path:
    """One sheet that inflates to 1.5 GB (blank rows after a valid ledger): a 1.5 MB file."""
    head = sheet_xml(ledger_rows_xml(_ledger()))
    start, end = head.split(b"</sheetData>")
    pad = b" " * (1 << 20)
    return raw_xlsx(folder / "bomb.xlsx", [("台账", [start] + [pad] * 1500 + [b"</sheetData>" + end])])


def zip_bomb_lying(folder: Path) -> Path:
    """The same bomb with every declared size rewritten to 1 KB: the sizes cannot be trusted."""
    head = sheet_xml(ledger_rows_xml(_ledger()))
    start, end = head.split(b"</sheetData>")
    return raw_xlsx(folder / "bomb_lying.xlsx", [("台账", [start] + [b" " * (1 << 20)] * 600 + [b"</sheetData>" + end])],
                    lie_sizes=True)


def shared_string_bomb(folder: Path) -> Path:
    """One shared string of 1 GB."""
    sst = [b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           b'count="1" uniqueCount="1"><si><t>'] + [b"A" * (1 << 20)] * 1024 + [b"</t></si></sst>"]
    body = sheet_xml(ledger_rows_xml(_ledger()) + '<row r="10"><c r="A10" t="s"><v>0</v></c></row>')
    return raw_xlsx(folder / "sst_bomb.xlsx", [("台账", body)], shared=sst)


def far_cell(folder: Path) -> Path:
    """A valid ledger with one stray cell at XFD1048576."""
    rows = ledger_rows_xml(_ledger()) + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return raw_xlsx(folder / "far_cell.xlsx", [("台账", sheet_xml(rows, dimension="A1:XFD1048576"))])


def quoted_far_cell(folder: Path) -> Path:
    """A valid ledger with a stray cell at XFD600000 written r='XFD600000' (XML allows single quotes)."""
    rows = ledger_rows_xml(_ledger()) + "<row r='600000'><c r='XFD600000'><v>1</v></c></row>"
    return raw_xlsx(folder / "quoted_far_cell.xlsx", [("台账", sheet_xml(rows))])


def spaced_far_cell(folder: Path) -> Path:
    """The same stray cell written r = "XFD600000" (spaces around "=" are XML too)."""
    rows = ledger_rows_xml(_ledger()) + '<row r="600000"><c r = "XFD600000"><v>1</v></c></row>'
    return raw_xlsx(folder / "spaced_far_cell.xlsx", [("台账", sheet_xml(rows))])


def odd_reference(folder: Path, ref: str, name: str) -> Path:
    """A valid ledger with one more cell whose reference the reader takes although the usual patterns did
    not: lower case, four letters, eight digits, a row written with leading zeros beside a far one."""
    rows = ledger_rows_xml(_ledger()) + f'<row r="6"><c r="A6"><v>1</v></c>{ref}</row>'
    return raw_xlsx(folder / f"{name}.xlsx", [("台账", sheet_xml(rows))])


def declared_dimension_only(folder: Path) -> Path:
    """A valid ledger whose <dimension> claims the whole sheet: must import (the real extent is small)."""
    return raw_xlsx(folder / "dimension.xlsx", [("台账", sheet_xml(ledger_rows_xml(_ledger()), dimension="A1:XFD1048576"))])


def xls_far_cells(folder: Path) -> Path:
    """An .xls with three sheets, each with a stray cell at IV65536 (the format's last cell)."""
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    for s in range(3):
        ws = wb.add_sheet(f"台账{s}")
        for r, row in enumerate(_ledger()):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v.isoformat() if isinstance(v, dt.date) else v)
        ws.write(65535, 255, "x")
    wb.save(str(folder / "far.xls"))
    return folder / "far.xls"


def merged_overlapping(folder: Path) -> Path:
    """20,000 overlapping merged ranges over a valid ledger."""
    merges = [f"A{i + 2}:Z{i + 5000}" for i in range(20000)]
    rows = ledger_rows_xml(_ledger()) + '<row r="25000"><c r="Z25000"><v>1</v></c></row>'
    return raw_xlsx(folder / "merges.xlsx", [("台账", sheet_xml(rows, merges=merges))])


def many_merges(folder: Path) -> Path:
    """A ledger of 3 rows with 200,000 tiny merged ranges far below it."""
    merges = [f"A{i * 2 + 10}:B{i * 2 + 10}" for i in range(200000)]
    return raw_xlsx(folder / "many_merges.xlsx", [("台账", sheet_xml(ledger_rows_xml(_ledger()), merges=merges))])


def many_ledger_sheets(folder: Path, n: int = 1000) -> Path:
    """A workbook of n ledger sheets, a few rows each (one per clerk, or per month): must import."""
    sheets = []
    for s in range(n):
        rows = [TRAINING_HEADER] + [[dt.date(2025, 1 + s % 6, 1 + i), "红旗区", "全员法治培训", f"主题{s}-{i}", "张三", 10 + i, 2, None]
                                    for i in range(3)]
        sheets.append((f"S{s}", sheet_xml(ledger_rows_xml(rows))))
    return raw_xlsx(folder / "many_sheets.xlsx", sheets)


def too_many_sheets(folder: Path) -> Path:
    """5,000 empty sheets."""
    return raw_xlsx(folder / "too_many_sheets.xlsx", [(f"S{s}", sheet_xml("")) for s in range(5000)])


def wide_sheet(folder: Path) -> Path:
    """A header row and one row 16,384 cells wide, 3,000 rows: 49M cells declared by real cells."""
    def rows():
        yield sheet_xml("").split(b"</sheetData>")[0]
        for r in range(1, 3001):
            yield (f'<row r="{r}">' + "".join(f'<c r="{_letter(c)}{r}"><v>1</v></c>' for c in range(0, 16384, 64))
                   + f'<c r="XFD{r}"><v>1</v></c></row>').encode()
        yield b"</sheetData></worksheet>"
    return raw_xlsx(folder / "wide.xlsx", [("台账", rows())])


def many_entries(folder: Path) -> Path:
    """60,000 empty members: a 5 MB zip whose directory alone costs a zip reader hundreds of MB."""
    p = folder / "entries.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(60000):
            z.writestr(f"x/{i}", b"")
    return p


def wide_dense(folder: Path) -> Path:
    """300 rows, every one of the 16,384 columns filled: within the cell limit, but no ledger."""
    def rows():
        yield sheet_xml("").split(b"</sheetData>")[0]
        for r in range(1, 301):
            yield (f'<row r="{r}">' + "".join(f'<c r="{_letter(c)}{r}"><v>{c}</v></c>' for c in range(16384)) + "</row>").encode()
        yield b"</sheetData></worksheet>"
    return raw_xlsx(folder / "wide_dense.xlsx", [("台账", rows())])


def stray_far_column(folder: Path) -> Path:
    """A valid ledger with a stray note at XFD3 (the last column): must import, reading one extra column."""
    rows = ledger_rows_xml(_ledger()).replace('</row><row r="3">', '<c r="XFD2" t="inlineStr"><is><t>备忘</t></is></c></row><row r="3">', 1)
    return raw_xlsx(folder / "stray_column.xlsx", [("台账", sheet_xml(rows))])


def csv_one_field(folder: Path) -> Path:
    """40 MB in one field: no ledger, judged in seconds."""
    p = folder / "one_field.csv"
    p.write_bytes(b"x" * (40 << 20))
    return p


def csv_one_line(folder: Path) -> Path:
    """10 MB on one line: five million commas."""
    p = folder / "one_line.csv"
    p.write_bytes(b"a," * (5 * 1024 * 1024))
    return p


def csv_long_field(folder: Path) -> Path:
    """A valid ledger whose 备注 holds 300,000 characters: must import."""
    lines = [",".join(TRAINING_HEADER), "2025-03-01,红旗区,党组中心组学法,法治思想,张三,15,2," + "长" * 300000]
    p = folder / "long_field.csv"
    p.write_bytes("\r\n".join(lines).encode("utf-8"))
    return p


def csv_long_quoted_field(folder: Path) -> Path:
    """A quoted field of 200,000 characters with a comma and a line break inside: must import."""
    note = '"' + ("备注，含逗号\n" * 25000) + '"'
    lines = [",".join(TRAINING_HEADER), "2025-03-01,红旗区,党组中心组学法,法治思想,张三,15,2," + note]
    p = folder / "long_quoted.csv"
    p.write_bytes("\n".join(lines).encode("utf-8"))
    return p


def csv_cr_endings(folder: Path) -> Path:
    """Old-Mac lone-CR line endings: must import."""
    lines = [",".join(TRAINING_HEADER), "2025-03-01,红旗区,党组中心组学法,法治思想,张三,15,2,", "2025-03-02,卫滨区,全员法治培训,民法典,李四,40,2,"]
    p = folder / "cr.csv"
    p.write_bytes("\r".join(lines).encode("gbk"))
    return p


def csv_mixed_endings(folder: Path) -> Path:
    """CRLF, LF and CR in one file (pasted together): must import."""
    p = folder / "mixed.csv"
    p.write_bytes((",".join(TRAINING_HEADER) + "\r\n2025-03-01,红旗区,党组中心组学法,法治思想,张三,15,2,\n"
                   "2025-03-02,卫滨区,全员法治培训,民法典,李四,40,2,\r2025-03-03,卫滨区,全员法治培训,宪法,李四,40,2,").encode())
    return p


def csv_unclosed_quote(folder: Path) -> Path:
    """A quote opened in row 3 and never closed."""
    p = folder / "unclosed.csv"
    p.write_bytes((",".join(TRAINING_HEADER) + "\n2025-03-01,红旗区,党组中心组学法,法治思想,张三,15,2,\n"
                   '2025-03-02,卫滨区,全员法治培训,"民法典,李四,40,2,\n2025-03-03,卫滨区,全员法治培训,宪法,李四,40,2,\n').encode())
    return p


def csv_utf16(folder: Path) -> Path:
    """Excel's "Unicode 文本": UTF-16 with a BOM, tab separated: must import."""
    p = folder / "utf16.csv"
    text = "\t".join(TRAINING_HEADER) + "\r\n2025-03-01\t红旗区\t党组中心组学法\t法治思想\t张三\t15\t2\t\r\n"
    p.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return p


def huge_counts(folder: Path) -> Path:
    """Counts of 1E+308 (a number cell), 10^20 (a whole number) and '1e400' as text."""
    rows = [TRAINING_HEADER,
            [dt.date(2025, 3, 1), "红旗区", "党组中心组学法", "a", "张三", 1e308, 2, None],
            [dt.date(2025, 3, 2), "红旗区", "党组中心组学法", "b", "张三", 10 ** 20, 2, None],
            [dt.date(2025, 3, 3), "红旗区", "党组中心组学法", "c", "张三", "100000000000000000000", 2, None],
            [dt.date(2025, 3, 4), "红旗区", "党组中心组学法", "d", "张三", 15, 1e308, None]]
    return write_xlsx(folder / "huge.xlsx", {"台账": rows})


def huge_counts_csv(folder: Path) -> Path:
    p = folder / "huge.csv"
    p.write_bytes((",".join(TRAINING_HEADER) + "\n2025-03-01,红旗区,党组中心组学法,法治思想,张三,1E+308,2,\n"
                   "2025-03-02,红旗区,党组中心组学法,宪法,张三," + "9" * 400 + ",2,\n").encode())
    return p


def encrypted_xlsx(folder: Path) -> Path:
    """A ledger with an opening password (Excel's agile encryption, written by msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = write_xlsx(folder / "plain.xlsx", {"台账": _ledger()})
    out = folder / "encrypted.xlsx"
    with open(plain, "rb") as src, open(out, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    plain.unlink()
    return out


def html_as_xls(folder: Path) -> Path:
    """What many government web systems export: an HTML table named .xls (GBK, with a BOM-less meta charset)."""
    rows = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>"
                   for r in [TRAINING_HEADER, ["2025-03-01", "红旗区", "党组中心组学法", "法治思想", "张三", "15", "2", ""]])
    p = folder / "web_export.xls"
    p.write_bytes(("\r\n  <html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><head><meta charset=\"gbk\"></head>"
                   f"<body><table>{rows}</table></body></html>").encode("gbk"))
    return p


def xml_spreadsheet_as_xls(folder: Path) -> Path:
    """Excel 2003 XML Spreadsheet named .xls."""
    p = folder / "xml2003.xls"
    p.write_bytes(b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns="urn:schemas-microsoft-com:'
                  b'office:spreadsheet"><Worksheet ss:Name="a"><Table><Row><Cell><Data ss:Type="String">x</Data></Cell></Row>'
                  b'</Table></Worksheet></Workbook>')
    return p


def text_as_xls(folder: Path) -> Path:
    """Tab-separated text named .xls (another common web-system export)."""
    p = folder / "tsv.xls"
    p.write_bytes(("\t".join(TRAINING_HEADER) + "\n2025-03-01\t红旗区\t党组中心组学法\t法治思想\t张三\t15\t2\t\n").encode("gbk"))
    return p


def corrupt_stream(folder: Path) -> Path:
    """A valid workbook with bytes in the middle of its sheet's deflate stream overwritten."""
    p = write_xlsx(folder / "corrupt.xlsx", {"台账": _ledger(400)})
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    mid = start + info.compress_size // 2
    data[mid:mid + 64] = bytes((b ^ 0x5A) for b in data[mid:mid + 64])
    p.write_bytes(bytes(data))
    return p


def truncated_xlsx(folder: Path) -> Path:
    p = write_xlsx(folder / "truncated.xlsx", {"台账": _ledger(400)})
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    return p


def docx_as_xlsx(folder: Path) -> Path:
    """A Word document renamed .xlsx: a zip without xl/workbook.xml."""
    p = folder / "report.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return p


def random_bytes_xlsx(folder: Path) -> Path:
    p = folder / "noise.xlsx"
    p.write_bytes(os.urandom(4096))
    return p


def pdf_as_xlsx(folder: Path) -> Path:
    p = folder / "scan.xlsx"
    p.write_bytes(b"%PDF-1.7\n" + os.urandom(2048))
    return p


def hidden_sheet(folder: Path) -> Path:
    """A visible ledger and a hidden one: the hidden one is skipped and said."""
    hidden_rows = [TRAINING_HEADER, [dt.date(2025, 4, 1), "卫滨区", "全员法治培训", "隐藏", "李四", 99, 1, None]]
    return write_xlsx(folder / "hidden.xlsx", {"台账": _ledger(), "旧数据": hidden_rows}, states={"旧数据": "hidden"})


def formula_without_result(folder: Path) -> Path:
    """A count written as a formula that was never calculated (saved by a program, not Excel)."""
    rows = _ledger(2)
    rows[2][5] = "=F2*2"
    return write_xlsx(folder / "formula.xlsx", {"台账": rows})


def error_cells(folder: Path) -> Path:
    """Cells holding #N/A and #REF! (a lookup that failed, a deleted sheet)."""
    rows = _ledger(3)
    rows[1][5] = "#N/A"
    rows[2][1] = "#REF!"
    return write_xlsx(folder / "errors.xlsx", {"台账": rows})


def xls_error_cells(folder: Path) -> Path:
    """An .xls whose count holds #N/A (a BOOLERR record)."""
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("台账")
    rows = _ledger(2)
    rows[2][5] = None
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v.isoformat() if isinstance(v, dt.date) else v)
    ws.row(2).set_cell_error(5, 0x2A)  # #N/A
    wb.save(str(folder / "errors.xls"))
    return folder / "errors.xls"


def non_utf8_name(folder: Path) -> Path:
    """A valid ledger whose file name is GBK bytes (a zip unpacked on Linux from a Chinese Windows PC)."""
    name = os.fsdecode(folder) .encode("utf-8", "surrogateescape") + b"/" + "红旗区台账".encode("gbk") + b".xlsx"
    path = Path(os.fsdecode(name))
    write_xlsx(path, {"台账": _ledger()})
    return path


def dev_zero_link(folder: Path) -> Path:
    p = folder / "zero.xlsx"
    p.symlink_to("/dev/zero")
    return p


def fifo(folder: Path) -> Path:
    """A named pipe nobody writes to: opening it for reading would block for ever."""
    p = folder / "pipe.csv"
    os.mkfifo(p)
    return p


def directory(folder: Path) -> Path:
    p = folder / "dir.xlsx"
    p.mkdir()
    return p


def dash_name(folder: Path) -> Path:
    p = folder / "-rf.xlsx"
    write_xlsx(p, {"台账": _ledger()})
    return p


# (id, builder, outcome): "ok" must import; otherwise the problem code the refusal names
CLASSES = [
    ("zip_bomb", zip_bomb_sheet, "too_big_inflated"),
    ("zip_bomb_lying_sizes", zip_bomb_lying, "corrupt"),
    ("shared_string_bomb", shared_string_bomb, "too_big_inflated"),
    ("far_cell", far_cell, "sheet_too_large"),
    ("quoted_far_cell", quoted_far_cell, "sheet_too_large"),
    ("spaced_far_cell", spaced_far_cell, "sheet_too_large"),
    ("lowercase_far_cell", lambda f: odd_reference(f, '<c r="xfd600000"><v>1</v></c>', "lower"), "sheet_too_large"),
    ("four_letter_column", lambda f: odd_reference(f, '<c r="ZZZZ6"><v>1</v></c>', "four"), "sheet_too_large"),
    ("eight_digit_row", lambda f: odd_reference(f, '<c r="A99999999"><v>1</v></c>', "eight"), "sheet_too_large"),
    ("leading_zero_row", lambda f: odd_reference(f, '<c r="B0000006"><v>1</v></c><c r="H999999"><v>1</v></c>', "zeros"),
     "sheet_too_large"),
    ("declared_dimension", declared_dimension_only, "ok"),
    ("xls_far_cells", xls_far_cells, "sheet_too_large"),
    ("merged_overlapping", merged_overlapping, "merged_overlap"),
    ("many_merges", many_merges, "too_many_merges"),
    ("too_many_sheets", too_many_sheets, "too_many_sheets"),
    ("many_zip_entries", many_entries, "too_big_inflated"),
    ("wide_sheet", wide_sheet, "sheet_too_large"),
    ("wide_dense", wide_dense, "no_ledger"),
    ("stray_far_column", stray_far_column, "ok"),
    ("csv_one_line", csv_one_line, "too_many_columns"),
    ("csv_one_field", csv_one_field, "no_ledger"),
    ("csv_long_field", csv_long_field, "ok"),
    ("csv_long_quoted_field", csv_long_quoted_field, "ok"),
    ("csv_cr", csv_cr_endings, "ok"),
    ("csv_mixed", csv_mixed_endings, "ok"),
    ("csv_unclosed_quote", csv_unclosed_quote, "csv_unclosed_quote"),
    ("csv_utf16", csv_utf16, "ok"),
    ("huge_counts", huge_counts, "number_too_large"),
    ("huge_counts_csv", huge_counts_csv, "number_too_large"),
    ("encrypted", encrypted_xlsx, "encrypted"),
    ("html_as_xls", html_as_xls, "html_file"),
    ("xml2003_as_xls", xml_spreadsheet_as_xls, "xml_spreadsheet"),
    ("text_as_xls", text_as_xls, "text_file"),
    ("corrupt_stream", corrupt_stream, "corrupt"),
    ("truncated", truncated_xlsx, "corrupt"),
    ("docx_as_xlsx", docx_as_xlsx, "other_office"),
    ("random_bytes", random_bytes_xlsx, "not_spreadsheet"),
    ("pdf_as_xlsx", pdf_as_xlsx, "other_format"),
    ("hidden_sheet", hidden_sheet, "ok"),
    ("formula_without_result", formula_without_result, "formula_no_value"),
    ("error_cells", error_cells, "error_value"),
    ("xls_error_cells", xls_error_cells, "error_value"),
    ("non_utf8_name", non_utf8_name, "ok"),
    ("dev_zero_link", dev_zero_link, "not_regular_file"),
    ("fifo", fifo, "not_regular_file"),
    ("directory", directory, "not_regular_file"),
    ("many_ledger_sheets", many_ledger_sheets, "ok"),
]
# NEW_CLASSES (below) are appended at the end of the module


# ----------------------------------------------------------------------------------------------- measuring

_CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
from indicators import imports
import polars, fastexcel, python_calamine
base = rss()
t = time.perf_counter()
path = os.fsdecode(bytes.fromhex(sys.argv[2]))
parsed = imports.parse_path(path)
seconds = time.perf_counter() - t
# VmHWM, not ru_maxrss: ru_maxrss carries the parent's RSS at fork, VmHWM starts afresh at exec
peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"ok": parsed.ok, "codes": sorted({p.code for p in parsed.problems}), "rows": parsed.rows,
                  "messages": [p.message + "。" + p.fix for p in parsed.problems[:3]], "notes": parsed.notes[:3],
                  "seconds": seconds, "extra_mb": (peak - base) / 2**20}, ensure_ascii=False))
"""


def measure(path: Path, root: Path, timeout: float = 60, kill_rss: int = 4 << 30) -> dict:
    """parse_path(path) in a fresh process with the code at `root`: its result, seconds and peak extra RSS.

    A watchdog kills the child past `timeout` seconds or `kill_rss` bytes of RSS (so that a bomb cannot take
    the shared machine down) and says so in the result.
    """
    import json
    import subprocess
    import sys
    import time
    arg = os.fsencode(str(path)).hex()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(root), arg], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    start, peak, killed = time.monotonic(), 0, ""
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                rss = next((int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:")), 0)
        except OSError:
            rss = 0
        peak = max(peak, rss)
        if rss > kill_rss:
            killed = f"killed at {rss / 2**30:.1f} GiB RSS"
        elif time.monotonic() - start > timeout:
            killed = f"killed after {timeout:.0f} s"
        if killed:
            proc.kill()
            break
        time.sleep(0.02)
    out, err = proc.communicate()
    wall = time.monotonic() - start
    if killed or proc.returncode != 0:
        return {"ok": False, "codes": [], "crash": killed or err.decode("utf-8", "replace").strip().splitlines()[-1:],
                "seconds": wall, "extra_mb": peak / 2**20, "stderr": err.decode("utf-8", "replace")[-2000:]}
    result = json.loads(out)
    result["wall"] = wall
    return result


_WORKER = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
results = os.fdopen(os.dup(1), "w")  # the answers; anything a library prints goes to stderr
os.dup2(2, 1)
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
from indicators import imports
import polars, fastexcel, python_calamine
start = status("VmRSS")
print(json.dumps({"ready": True, "base_mb": start / 2**20}), file=results, flush=True)
for line in sys.stdin:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # VmHWM starts again from the RSS of now: the peak of this file alone
    t = time.perf_counter()
    parsed = imports.parse_path(os.fsdecode(bytes.fromhex(line.strip())))
    seconds = time.perf_counter() - t
    print(json.dumps({"ok": parsed.ok, "codes": sorted({p.code for p in parsed.problems}), "rows": parsed.rows,
                      "messages": [p.message + "。" + p.fix for p in parsed.problems[:3]], "notes": parsed.notes[:3],
                      "seconds": seconds, "extra_mb": (status("VmHWM") - start) / 2**20,
                      "rss_mb": status("VmRSS") / 2**20}, ensure_ascii=False), file=results, flush=True)
"""


class Judge:
    """measure() for many files in one process started beforehand: what `measure` says of a file, without
    an interpreter started (and polars imported) per file.

    The same limits: a watchdog kills the process past `timeout` seconds or `kill_rss` bytes of RSS, and
    the next file gets a new process. `extra_mb` is the file's peak RSS over the process's RSS right after
    its imports, as in a fresh process: what earlier files left behind only adds to it (never hides it),
    and a process that has kept more than `keep_mb` is replaced before the next file.
    """

    def __init__(self, root: Path, timeout: float = 60, kill_rss: int = 4 << 30, keep_mb: float = 256):
        self.root, self.timeout, self.kill_rss, self.keep_mb = root, timeout, kill_rss, keep_mb
        self.proc = None
        self.started = 0  # processes started, for the test that a killed one is replaced

    def _start(self) -> None:
        import queue
        import subprocess
        import sys
        import tempfile
        import threading
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER, str(self.root)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr)
        self.started += 1
        self.lines: queue.Queue = queue.Queue()
        out = self.proc.stdout
        threading.Thread(target=lambda: [self.lines.put(l) for l in iter(out.readline, b"")] + [self.lines.put(b"")],
                         daemon=True).start()
        ready = self._answer(120)
        if "crash" in ready:
            raise RuntimeError(f"the judging process did not start: {ready['stderr']}")
        self.base_mb = ready["base_mb"]

    def _answer(self, timeout: float) -> dict:
        """The worker's next line, watching its RSS and time meanwhile; {"crash": why} when it died or was killed."""
        import json
        import queue
        import time
        start, peak, killed = time.monotonic(), 0, ""
        while True:
            try:
                line = self.lines.get(timeout=0.02)
                break
            except queue.Empty:
                pass
            try:
                with open(f"/proc/{self.proc.pid}/status") as f:
                    rss = next((int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:")), 0)
            except OSError:
                rss = 0
            peak = max(peak, rss)
            if rss > self.kill_rss:
                killed = f"killed at {rss / 2**30:.1f} GiB RSS"
            elif time.monotonic() - start > timeout:
                killed = f"killed after {timeout:.0f} s"
            if killed or self.proc.poll() is not None:
                line = b""
                break
        wall = time.monotonic() - start
        if not line:
            self.close()
            self.stderr.seek(0)
            err = self.stderr.read().decode("utf-8", "replace")
            return {"ok": False, "codes": [], "crash": killed or err.strip().splitlines()[-1:] or "worker exited",
                    "seconds": wall, "extra_mb": peak / 2**20, "stderr": err[-2000:]}
        result = json.loads(line)
        result["wall"] = wall
        return result

    def measure(self, path: Path) -> dict:
        if self.proc is None:
            self._start()
        try:
            self.proc.stdin.write(os.fsencode(str(path)).hex().encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # it died after its last answer: _answer says so
        result = self._answer(self.timeout)
        if "crash" not in result and result["rss_mb"] - self.base_mb > self.keep_mb:
            self.close()
        return result

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


# ------------------------------------------------------------------------------- more classes (qa pass)

LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lolololololololololololololololololololololololololol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
          + "]>").replace("&lol0;", "&lol;").encode()
XXE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _with_prolog(xml: bytes, prolog: bytes) -> bytes:
    """`xml` with a DOCTYPE put after its XML declaration."""
    head, sep, rest = xml.partition(b"?>")
    return head + sep + prolog + rest if sep else prolog + xml


def _rewrite(path: Path, out: Path, change) -> Path:
    """A copy of the zip at `path` with each member's bytes passed through change(name, data) (None drops it)."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)
    return out


def entity_bomb(folder: Path, part: str, prolog: bytes = LAUGHS, use: bytes = b"&lol9;") -> Path:
    """A valid ledger whose `part` declares a billion-laughs DOCTYPE (and a sheet cell that uses it)."""
    plain = write_xlsx(folder / "plain.xlsx", {"台账": _ledger()})

    def change(name, data):
        if name != part:
            return data
        data = _with_prolog(data, prolog)
        if "worksheets" in name:
            data = data.replace(b"</sheetData>", b'<row r="9"><c r="D9" t="inlineStr"><is><t>' + use + b"</t></is></c></row></sheetData>")
        return data
    out = _rewrite(plain, folder / f"entities_{part.replace('/', '_')}.xlsx", change)
    plain.unlink()
    return out


@built_once
def duplicate_member(folder: Path) -> Path:
    """Two members named xl/worksheets/sheet1.xml: a small ledger first, a 1.5 GB bomb second (readers that
    take the other one than the scan would be shown a different sheet)."""
    p = zip_bomb_sheet(folder)
    ledger = sheet_xml(ledger_rows_xml(_ledger()))
    with zipfile.ZipFile(p) as z:
        parts = [(i, z.read(i) if i.filename != "xl/worksheets/sheet1.xml" else None) for i in z.infolist()]
    out = folder / "duplicate_member.xlsx"
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dst.writestr("xl/worksheets/sheet1.xml", ledger)
            for info, data in parts:
                if data is not None:
                    dst.writestr(info.filename, data)
            with src.open("xl/worksheets/sheet1.xml") as f, dst.open("xl/worksheets/sheet1.xml", "w") as g:
                while chunk := f.read(1 << 20):
                    g.write(chunk)
    p.unlink()
    return out


def traversal_names(folder: Path) -> Path:
    """A valid ledger with members named ../../evil.sh, /etc/cron.d/x and C:\\x (never extracted): must import."""
    p = write_xlsx(folder / "traversal.xlsx", {"台账": _ledger()})
    with zipfile.ZipFile(p, "a") as z:
        for name in ("../../evil.sh", "/etc/cron.d/x", "C:\\windows\\x.bat"):
            info = zipfile.ZipInfo("x")
            info.filename = name  # ZipInfo normalises the name; an attacker's zip holds it as written
            z.writestr(info, b"#!/bin/sh\n")
    return p


def sfx_prefix(folder: Path) -> Path:
    """A self-extracting archive: an .exe stub in front of a valid workbook (zip readers allow a prefix)."""
    plain = write_xlsx(folder / "plain.xlsx", {"台账": _ledger()})
    p = folder / "sfx.xlsx"
    p.write_bytes(b"MZ" + b"\x90" * 4094 + plain.read_bytes())
    plain.unlink()
    return p


def zip_comment(folder: Path, fake_end: bool = False) -> Path:
    """A valid workbook with a 60 KB zip comment (must import), or one holding a fake end record that
    claims 65,535 members (zipfile is misled by it; refused as damaged, not as too many members)."""
    p = write_xlsx(folder / "comment.xlsx", {"台账": _ledger()})
    with zipfile.ZipFile(p, "a") as z:
        z.comment = (b"PK\x05\x06" + b"\xff" * 18 if fake_end else b"") + "说明".encode() * 10000
    return p


def local_header_lies(folder: Path) -> Path:
    """The sheet's local header names another compression method and size than the central directory."""
    p = write_xlsx(folder / "local_lies.xlsx", {"台账": _ledger(50)})
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    off = info.header_offset
    data[off + 8:off + 10] = struct.pack("<H", 0)  # stored, where the directory says deflated
    data[off + 18:off + 26] = struct.pack("<II", 10, 10)
    p.write_bytes(bytes(data))
    return p


def zip64_members(folder: Path) -> Path:
    """A valid ledger whose members carry zip64 extra fields (as a large workbook's do): must import."""
    plain = write_xlsx(folder / "plain.xlsx", {"台账": _ledger()})
    out = folder / "zip64.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            with dst.open(info.filename, "w", force_zip64=True) as f:
                f.write(src.read(info))
    plain.unlink()
    return out


class _Unseekable(io.RawIOBase):
    def __init__(self, f):
        self.f = f

    def writable(self):
        return True

    def write(self, b):
        return self.f.write(b)


def data_descriptors(folder: Path) -> Path:
    """A valid ledger written as a stream (sizes in data descriptors after each member, flag bit 3): must import."""
    plain = write_xlsx(folder / "plain.xlsx", {"台账": _ledger()})
    out = folder / "descriptors.xlsx"
    with zipfile.ZipFile(plain) as src, open(out, "wb") as raw:
        with zipfile.ZipFile(_Unseekable(raw), "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info))
    plain.unlink()
    return out


def strict_ooxml(folder: Path) -> Path:
    """A ledger saved as "Strict Open XML Spreadsheet" (purl.oclc.org namespaces)."""
    plain = write_xlsx(folder / "plain.xlsx", {"台账": _ledger()})
    swaps = [(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
             (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships", b"http://purl.oclc.org/ooxml/officeDocument/relationships")]

    def change(name, data):
        for a, b in swaps:
            data = data.replace(a, b)
        return data
    out = _rewrite(plain, folder / "strict.xlsx", change)
    plain.unlink()
    return out


def xlsb_as_xlsx(folder: Path) -> Path:
    """An Excel binary workbook (.xlsb) named .xlsx: xl/workbook.bin, no xl/workbook.xml."""
    p = folder / "binary.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        z.writestr("_rels/.rels", ROOT_RELS.replace(b"workbook.xml", b"workbook.bin"))
        z.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00")
        z.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    return p


def ods_as_xlsx(folder: Path) -> Path:
    p = folder / "calc.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return p


def numbers_as_xlsx(folder: Path) -> Path:
    """An Apple Numbers document named .xlsx."""
    p = folder / "numbers.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("Index/Document.iwa", b"\x00" * 64)
        z.writestr("Metadata/Properties.plist", b"bplist00")
    return p


def missing_sheet_part(folder: Path) -> Path:
    """workbook.xml names a second sheet whose part is not in the package; the first is a valid ledger."""
    rows = sheet_xml(ledger_rows_xml(_ledger()))
    p = raw_xlsx(folder / "missing_part.xlsx", [("台账", rows), ("丢失", rows)])
    with zipfile.ZipFile(p) as z:
        parts = {i.filename: z.read(i) for i in z.infolist() if i.filename != "xl/worksheets/sheet2.xml"}
    with zipfile.ZipFile(p, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return p


def outside_rels(folder: Path) -> Path:
    """The only sheet's relationship points outside the package (../../../etc/passwd) and to the web."""
    p = raw_xlsx(folder / "outside.xlsx", [("台账", sheet_xml(ledger_rows_xml(_ledger())))])
    with zipfile.ZipFile(p) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="worksheets/sheet1.xml"', b'Target="../../../../etc/passwd"') .replace(
        b"</Relationships>", b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                             b'hyperlink" Target="http://127.0.0.1:1/x" TargetMode="External"/></Relationships>')
    with zipfile.ZipFile(p, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return p


def circular_rels(folder: Path) -> Path:
    """The sheet's relationship points at the workbook part itself, and a second sheet at the relationships part."""
    p = raw_xlsx(folder / "circular.xlsx", [("台账", sheet_xml(ledger_rows_xml(_ledger()))), ("环", sheet_xml(""))])
    with zipfile.ZipFile(p) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="worksheets/sheet1.xml"', b'Target="workbook.xml"').replace(b'Target="worksheets/sheet2.xml"', b'Target="_rels/workbook.xml.rels"')
    with zipfile.ZipFile(p, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return p


def overlapping_entries(folder: Path, copies: int = 400) -> Path:
    """A "non-recursive" zip bomb: `copies` directory entries (sheets) all pointing at one 1 MB deflated
    kernel, each declaring its full size (the sizes add up, the file does not)."""
    kernel = sheet_xml(ledger_rows_xml(_ledger()) + "<!--" + " " * (1 << 20) + "-->")
    p = raw_xlsx(folder / "overlap.xlsx", [(f"S{i}", kernel) for i in range(copies)])
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        first = z.getinfo("xl/worksheets/sheet1.xml").header_offset
    eocd = bytes(data).rfind(b"PK\x05\x06")
    pos = struct.unpack_from("<I", data, eocd + 16)[0]
    while data[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        if data[pos + 46:pos + 46 + n].startswith(b"xl/worksheets/sheet"):
            struct.pack_into("<I", data, pos + 42, first)
        pos += 46 + n + m + k
    p.write_bytes(bytes(data))
    return p


def no_rels(folder: Path) -> Path:
    """A ledger without xl/_rels/workbook.xml.rels (the sheets cannot be found)."""
    p = raw_xlsx(folder / "no_rels.xlsx", [("台账", sheet_xml(ledger_rows_xml(_ledger())))])
    with zipfile.ZipFile(p) as z:
        parts = {i.filename: z.read(i) for i in z.infolist() if i.filename != "xl/_rels/workbook.xml.rels"}
    with zipfile.ZipFile(p, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return p


def many_styles(folder: Path) -> Path:
    """A valid ledger whose styles.xml holds 1,000,000 cell formats and 100,000 number formats."""
    plain = write_xlsx(folder / "plain.xlsx", {"台账": _ledger()})
    xfs = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * 1_000_000
    fmts = b"".join(b'<numFmt numFmtId="%d" formatCode="0.%s"/>' % (164 + i, b"0" * (i % 30 + 1)) for i in range(100_000))
    styles = (b'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<numFmts count="100000">' + fmts + b'</numFmts><cellXfs count="1000000">' + xfs + b"</cellXfs></styleSheet>")
    out = _rewrite(plain, folder / "styles.xlsx", lambda n, d: styles if n == "xl/styles.xml" else d)
    plain.unlink()
    return out


def many_defined_names(folder: Path) -> Path:
    """A valid ledger whose workbook.xml defines 150,000 names."""
    plain = write_xlsx(folder / "plain.xlsx", {"台账": _ledger()})
    names = b"<definedNames>" + b"".join(b'<definedName name="N%d">\'\xe5\x8f\xb0\xe8\xb4\xa6\'!$A$1:$H$%d</definedName>' % (i, i + 1)
                                         for i in range(150_000)) + b"</definedNames>"

    def change(n, d):
        return d.replace(b"<calcPr", names + b"<calcPr") if n == "xl/workbook.xml" and b"<calcPr" in d else (
            d.replace(b"</workbook>", names + b"</workbook>") if n == "xl/workbook.xml" else d)
    out = _rewrite(plain, folder / "names.xlsx", change)
    plain.unlink()
    return out


def many_tiny_strings(folder: Path) -> Path:
    """A sharedStrings.xml of 12 million distinct short strings (~250 MB inflated, compressed under the ratio)."""
    def sst():
        yield (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               b'count="12000000" uniqueCount="12000000">')
        for k in range(1200):
            yield b"".join(b"<si><t>%d</t></si>" % (k * 10000 + i) for i in range(10000))
        yield b"</sst>"
    body = sheet_xml(ledger_rows_xml(_ledger()))
    return raw_xlsx(folder / "tiny_strings.xlsx", [("台账", body)], shared=sst())


def giant_cell(folder: Path, column: int, name: str, text: str = "红旗区" * 400_000) -> Path:
    """A ledger row whose cell in `column` holds 1.2 million characters (Excel stops at 32,767)."""
    rows = _ledger(2)
    rows[1][column] = text
    return raw_xlsx(folder / f"giant_{name}.xlsx", [("台账", sheet_xml(ledger_rows_xml(rows)))])


def control_characters(folder: Path) -> Path:
    """Cells holding NUL, bell, escape (as _x0000_ escapes and character references) and a bidi override."""
    rows = _ledger(3)
    rows[1][3] = "法治&#1;思想_x0007_"
    rows[2][3] = "民法典_x0000_\u202e典法民"
    rows[3][4] = "张_x001B_三"
    return raw_xlsx(folder / "control.xlsx", [("台账", sheet_xml(ledger_rows_xml(rows)))])


def control_sheet_name(folder: Path) -> Path:
    """A valid ledger in a sheet named with a control character, a bidi override and 40 characters."""
    name = "台账&#x1;\u202e" + "长" * 38
    return raw_xlsx(folder / "control_sheet.xlsx", [(name, sheet_xml(ledger_rows_xml(_ledger())))])


def reserved_sheet_name(folder: Path) -> Path:
    """Sheets named CON and a 31-character name: must import."""
    return write_xlsx(folder / "reserved.xlsx", {"CON": _ledger(), "长" * 31: _ledger(2)[:1] + [
        [dt.date(2025, 5, 1), "卫滨区", "全员法治培训", "别的", "李四", 20, 2, None]]})


def odd_file_name(folder: Path) -> Path:
    """A valid ledger whose file name holds a bidi override, a tab and a newline."""
    return write_xlsx(folder / "台账\u202exslx.\t\n红旗区.xlsx", {"台账": _ledger()})


def date_serials(folder: Path, values: list, name: str) -> Path:
    """Dates written as numbers with a date format: `values` go into the 日期 column."""
    rows = _ledger(len(values))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(r, c, v)
    for i, v in enumerate(values):
        cell = ws.cell(i + 2, 1)
        cell.value = v
        cell.number_format = "yyyy-mm-dd"
    p = folder / f"{name}.xlsx"
    wb.save(p)
    return p


def nan_numbers(folder: Path) -> Path:
    """Number cells written NaN, INF, -INF and 1e400 in the XML."""
    rows = ledger_rows_xml(_ledger(4))
    for r, v in zip((2, 3, 4, 5), ("NaN", "INF", "-INF", "1e400")):
        rows = rows.replace(f'<c r="F{r}"><v>15</v></c>', f'<c r="F{r}"><v>{v}</v></c>')
    return raw_xlsx(folder / "nan.xlsx", [("台账", sheet_xml(rows))])


def csv_bytes(name: str, data: bytes):
    def build(folder: Path) -> Path:
        p = folder / name
        p.write_bytes(data)
        return p
    build.__name__ = name
    return build


_CSV_OK = (",".join(TRAINING_HEADER) + "\n2025-03-01,红旗区,党组中心组学法,法治思想,张三,15,2,\n").encode()
_CSV_GBK_ROW = "2025-03-02,卫滨区,全员法治培训,民法典,李四,40,2,\n".encode("gbk")


def sparse_huge(folder: Path) -> Path:
    """A 2 GB sparse file (a ledger at its start): refused by its size, never read."""
    p = folder / "sparse.csv"
    with open(p, "wb") as f:
        f.write(_CSV_OK)
        f.truncate(2 << 30)
    return p


def at_upload_limit(folder: Path) -> Path:
    """A valid CSV of exactly the upload limit (50 MB, the 备注 of its one row padded): must import."""
    head = _CSV_OK[:-1]
    p = folder / "limit.csv"
    limit = 50 * 1024 * 1024
    p.write_bytes(head + b"x" * (limit - len(head) - 1) + b"\n")
    return p


def xls_ledger(folder: Path, name: str = "ledger.xls") -> Path:
    """A valid .xls ledger of 200 rows (xlwt)."""
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("台账")
    for r, row in enumerate(_ledger(200)):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v.isoformat() if isinstance(v, dt.date) else v)
    wb.save(str(folder / name))
    return folder / name


def xls_fat_cycle(folder: Path) -> Path:
    """An .xls whose Workbook stream's sector chain loops back on itself (FAT cycle)."""
    p = xls_ledger(folder, "fat_cycle.xls")
    data = bytearray(p.read_bytes())
    sector = 1 << struct.unpack_from("<H", data, 30)[0]
    first_fat = struct.unpack_from("<I", data, 76)[0]
    fat_at = 512 + first_fat * sector
    import olefile
    ole = olefile.OleFileIO(str(p))
    start = ole.root.kids_dict["workbook"].isectStart if "workbook" in ole.root.kids_dict else ole.root.kids[0].isectStart
    ole.close()
    # the third sector of the chain points back at the first
    nxt = struct.unpack_from("<I", data, fat_at + 4 * start)[0]
    nxt2 = struct.unpack_from("<I", data, fat_at + 4 * nxt)[0]
    struct.pack_into("<I", data, fat_at + 4 * nxt2, start)
    p.write_bytes(bytes(data))
    return p


def xls_broken_records(folder: Path, seed: int) -> Path:
    """An .xls whose Workbook stream has record sizes and bodies overwritten at random (seeded)."""
    import random
    import olefile
    p = xls_ledger(folder, f"broken_{seed}.xls")
    rnd = random.Random(seed)
    ole = olefile.OleFileIO(str(p))
    stream = bytearray(ole.openstream("Workbook").read())
    ole.close()
    for _ in range(40):
        pos = rnd.randrange(0, len(stream) - 4)
        stream[pos:pos + 2] = struct.pack("<H", rnd.choice([0, 0xFFFF, rnd.randrange(65536)]))
    data = p.read_bytes()
    original = olefile.OleFileIO(str(p)).openstream("Workbook").read()
    at = data.find(original[:512])
    out = bytearray(data)
    # the stream's sectors are contiguous in a file xlwt wrote: patch it in place
    if at >= 0 and data[at:at + len(original)] == original:
        out[at:at + len(stream)] = stream
    p.write_bytes(bytes(out))
    return p


def xls_huge_directory(folder: Path) -> Path:
    """An OLE file whose directory chain claims 2**31 entries (the directory's first sector pointing at itself)."""
    p = xls_ledger(folder, "dir_loop.xls")
    data = bytearray(p.read_bytes())
    sector = 1 << struct.unpack_from("<H", data, 30)[0]
    first_dir = struct.unpack_from("<I", data, 48)[0]
    first_fat = struct.unpack_from("<I", data, 76)[0]
    struct.pack_into("<I", data, 512 + first_fat * sector + 4 * first_dir, first_dir)
    p.write_bytes(bytes(data))
    return p


def empty_zip_xlsx(folder: Path) -> Path:
    p = folder / "empty_zip.xlsx"
    p.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    return p


NEW_CLASSES = [
    ("entities_sheet", lambda f: entity_bomb(f, "xl/worksheets/sheet1.xml"), "unsafe_xml"),
    ("entities_workbook", lambda f: entity_bomb(f, "xl/workbook.xml"), "unsafe_xml"),
    ("entities_content_types", lambda f: entity_bomb(f, "[Content_Types].xml"), "unsafe_xml"),
    ("entities_styles", lambda f: entity_bomb(f, "xl/styles.xml"), "unsafe_xml"),
    ("entities_rels", lambda f: entity_bomb(f, "xl/_rels/workbook.xml.rels"), "unsafe_xml"),
    ("xxe_sheet", lambda f: entity_bomb(f, "xl/worksheets/sheet1.xml", XXE, b"&xxe;"), "unsafe_xml"),
    ("duplicate_member", duplicate_member, "corrupt"),
    ("traversal_names", traversal_names, "ok"),
    ("sfx_prefix", sfx_prefix, "other_format"),
    ("zip_comment", zip_comment, "ok"),
    ("zip_comment_fake_end", lambda f: zip_comment(f, True), "corrupt"),
    ("local_header_lies", local_header_lies, "ok"),
    ("zip64_members", zip64_members, "ok"),
    ("data_descriptors", data_descriptors, "ok"),
    ("empty_zip", empty_zip_xlsx, "not_spreadsheet"),
    ("strict_ooxml", strict_ooxml, "ok"),
    ("xlsb_as_xlsx", xlsb_as_xlsx, "other_office"),
    ("ods_as_xlsx", ods_as_xlsx, "other_office"),
    ("numbers_as_xlsx", numbers_as_xlsx, "other_office"),
    ("missing_sheet_part", missing_sheet_part, "ok"),
    ("rels_outside", outside_rels, "no_ledger"),
    ("circular_rels", circular_rels, "no_ledger"),
    ("overlapping_entries", overlapping_entries, "corrupt"),
    ("overlapping_entries_small", lambda f: overlapping_entries(f, 40), "corrupt"),
    ("no_rels", no_rels, "corrupt"),
    ("many_styles", many_styles, "ok"),
    ("many_defined_names", many_defined_names, "ok"),
    ("many_tiny_strings", many_tiny_strings, "too_big_inflated"),
    ("giant_unit", lambda f: giant_cell(f, 1, "unit"), "value_too_long"),
    ("giant_category", lambda f: giant_cell(f, 2, "category", "党组中心组" * 240_000), "value_too_long"),
    ("giant_date", lambda f: giant_cell(f, 0, "date", "2025年3月1日" * 120_000), "value_too_long"),
    ("giant_count", lambda f: giant_cell(f, 5, "count", "1" * 1_000_000), "value_too_long"),
    ("giant_title", lambda f: giant_cell(f, 3, "title"), "ok"),
    ("control_characters", control_characters, "ok"),
    ("control_sheet_name", control_sheet_name, "ok"),
    ("reserved_sheet_name", reserved_sheet_name, "ok"),
    ("odd_file_name", odd_file_name, "ok"),
    ("date_far_future", lambda f: date_serials(f, [2958465, 2958466, 1e9], "far_future"), "future_date"),
    ("date_negative", lambda f: date_serials(f, [-1, -700000], "negative"), "date_out_of_range"),
    ("date_leap_bug", lambda f: date_serials(f, [60, 0], "leap"), "date_out_of_range"),
    ("nan_numbers", nan_numbers, "not_a_number"),
    ("csv_nul", csv_bytes("nul.csv", _CSV_OK.replace(b"15", b"1\x005")), "binary_content"),
    ("csv_mixed_encodings", csv_bytes("mixed_enc.csv", _CSV_OK + _CSV_GBK_ROW), "bad_encoding"),
    ("csv_only_delimiters", csv_bytes("delims.csv", b",,,,,,,\n" * 1000), "empty_file"),
    ("csv_bom_only", csv_bytes("bom.csv", b"\xef\xbb\xbf"), "empty_file"),
    ("csv_one_byte", csv_bytes("one.csv", b"\n"), "empty_file"),
    ("xlsx_one_byte", csv_bytes("one.xlsx", b"P"), "text_file"),  # one printable byte: text, as test_validation's fake.xlsx
    ("csv_whitespace", csv_bytes("space.csv", b" \r\n\t\r\n" * 100), "empty_file"),
    ("csv_lone_surrogate", csv_bytes("surrogate.csv", _CSV_OK.replace("张三".encode(), b"\xed\xa0\x80")), "bad_encoding"),
    ("csv_utf16_odd", csv_bytes("odd16.csv", b"\xff\xfe" + "单位,日期".encode("utf-16-le") + b"\x00"), "bad_encoding"),
    ("csv_utf16_surrogate", csv_bytes("sur16.csv", b"\xff\xfe" + "日期,单位\n".encode("utf-16-le") + b"\x00\xd8a\x00"), "bad_encoding"),
    ("sparse_2gb", sparse_huge, "too_large"),
    ("at_upload_limit", at_upload_limit, "ok"),
    ("xls_fat_cycle", xls_fat_cycle, "corrupt"),
    ("xls_dir_loop", xls_huge_directory, "corrupt"),
    *[(f"xls_broken_records_{s}", (lambda s: lambda f: xls_broken_records(f, s))(s), "refused") for s in range(6)],
]

CLASSES += NEW_CLASSES  # "refused": any problem code (random damage may read as any of several)
