"""Hostile and malformed files: each class judged in a process of its own (started once, replaced after a
file that kills it) within 1 GiB of extra memory and a generous timeout, refused with its own Chinese
problem or imported whole; never a crash or a hang.

The files are written by tests/hostile_files.py (bombs are streamed into the zip, never held in memory).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TRAINING_HEADER, write_xlsx
import hostile_files as hf
from indicators import containers, imports
from indicators.problems import MESSAGES

MEMORY_MB = 1024  # extra peak RSS allowed for judging one file
TIMEOUT = 120  # generous: the bound is 30 s on this machine; this only catches a hang
ENGLISH = re.compile(r"calamine|Traceback|Error|error:|Bad CRC|There is no item|Cannot detect|zip file|codec", re.I)


@pytest.fixture(scope="module")
def judge():
    """One judging process for the module (per xdist worker), with measure()'s limits."""
    j = hf.Judge(ROOT, timeout=TIMEOUT, kill_rss=3 << 30)
    yield j
    j.close()


@pytest.mark.parametrize("cid,build,expected", hf.CLASSES, ids=[c[0] for c in hf.CLASSES])
def test_each_hostile_class_is_judged_in_bounded_memory(tmp_path, judge, cid, build, expected):
    path = build(tmp_path)
    r = judge.measure(path)
    assert not r.get("crash"), f"{cid}: {r.get('crash')}\n{r.get('stderr', '')}"
    assert r["extra_mb"] < MEMORY_MB, f"{cid}: {r['extra_mb']:.0f} MB"
    if expected == "ok":
        assert r["ok"] and r["rows"] > 0, r
    elif expected == "refused":
        assert not r["ok"] and r["codes"], r
    else:
        assert expected in r["codes"], r
    for text in r.get("messages", []) + r.get("notes", []):
        assert not ENGLISH.search(text), text


def test_the_judge_kills_past_its_limits_and_starts_afresh(tmp_path):
    """The watchdog of the shared judging process: past the RSS limit the file is a crash, and the next
    file gets a new process that judges it as before."""
    ledger = write_xlsx(tmp_path / "ok.xlsx", {"台账": [TRAINING_HEADER, hf.ROW]})
    j = hf.Judge(ROOT, timeout=TIMEOUT, kill_rss=3 << 30)
    try:
        first = j.measure(ledger)
        assert first["ok"] and first["rows"] == 1 and 0 <= first["extra_mb"] < MEMORY_MB, first
        if j.proc is None:  # replaced after the first file (keep_mb): start it before the limit, which is the file's
            j._start()
        j.kill_rss = 1  # every process is over this; a 50 MB file is judged for longer than one 20 ms look
        killed = j.measure(hf.at_upload_limit(tmp_path))
        assert not killed["ok"] and "killed at" in killed["crash"] and j.proc is None, killed
        j.kill_rss = 3 << 30
        again = j.measure(ledger)
        assert again["ok"] and again["rows"] == 1 and j.started == 2, again
    finally:
        j.close()


def test_every_problem_code_a_reader_can_raise_has_a_message():
    files = sorted((ROOT / "indicators" / "containers").glob("*.py")) + [ROOT / "indicators" / m for m in ("sheets.py", "imports.py")]
    source = "".join(f.read_text() for f in files)
    codes = set(re.findall(r'Unreadable\("(\w+)"', source)) | set(re.findall(r'_refuse\(parsed, "(\w+)"', source))
    assert codes and codes <= set(MESSAGES), codes - set(MESSAGES)


def _problems(path: Path):
    parsed = imports.parse_path(path)
    return parsed, [(p.sheet, p.row, p.cell, p.code, p.value) for p in parsed.problems]


def test_formula_without_result_is_named_at_its_cell(tmp_path):
    parsed, found = _problems(hf.formula_without_result(tmp_path))
    assert found == [("台账", 3, "F3", "formula_no_value", "=F2*2")]
    assert "没有保存计算结果" in parsed.problems[0].message and "F9" in parsed.problems[0].fix


def test_error_cells_are_named_with_their_error(tmp_path):
    _, found = _problems(hf.error_cells(tmp_path))
    assert found == [("台账", 2, "F2", "error_value", "#N/A"), ("台账", 3, "B3", "error_value", "#REF!")]


def test_formula_in_a_totals_row_is_not_a_problem(tmp_path):
    rows = [TRAINING_HEADER, hf.ROW, ["合计", None, None, None, None, "=SUM(F2:F2)", None, None]]
    parsed = imports.parse_path(write_xlsx(tmp_path / "t.xlsx", {"台账": rows}))
    assert parsed.ok and parsed.rows == 1


def test_hidden_sheet_is_skipped_and_said(tmp_path):
    parsed = imports.parse_path(hf.hidden_sheet(tmp_path))
    assert parsed.ok and parsed.rows == 3
    assert set(parsed.records["training"]["unit"].to_list()) == {"红旗区"}
    assert any("旧数据" in n and "隐藏" in n for n in parsed.notes)


def test_only_hidden_ledgers_are_refused_naming_them(tmp_path):
    path = hf.write_xlsx(tmp_path / "h.xlsx", {"说明": [["填表说明"]], "台账": [TRAINING_HEADER, hf.ROW]}, states={"台账": "hidden"})
    parsed = imports.parse_path(path)
    assert [p.code for p in parsed.problems] == ["no_ledger"] and "隐藏的工作表 台账" in parsed.problems[0].message


@pytest.mark.parametrize("value,code", [
    (1e308, "number_too_large"), (10 ** 20, "number_too_large"), ("100000000000000000000", "number_too_large"),
    ("1E+308", "number_too_large"), ("-1E+308", "number_too_large"), ("1e400", "number_too_large"),
    ("inf", "not_a_number"), ("NaN", "not_a_number"), (999_999_999, None), ("1.5E+3", None),
])
def test_huge_counts_are_refused_never_stored_empty(tmp_path, value, code):
    rows = [TRAINING_HEADER, hf.ROW[:5] + [value] + hf.ROW[6:]]
    parsed = imports.parse_path(write_xlsx(tmp_path / "n.xlsx", {"台账": rows}))
    assert [p.code for p in parsed.problems] == ([code] if code else [])
    if code is None:
        assert parsed.records["training"]["participants"].to_list() == [int(float(value))]


@pytest.mark.parametrize("build,rows,check", [
    (hf.csv_long_field, 1, lambda df: len(df["note"][0]) == 300000),
    (hf.csv_long_quoted_field, 1, lambda df: df["note"][0].count("\n") >= 24999 and "，" in df["note"][0]),
    (hf.csv_cr_endings, 2, lambda df: df["unit"].to_list() == ["红旗区", "卫滨区"]),
    (hf.csv_mixed_endings, 3, lambda df: df["title"].to_list() == ["法治思想", "民法典", "宪法"]),
    (hf.csv_utf16, 1, lambda df: df["unit"].to_list() == ["红旗区"]),
], ids=["long_field", "long_quoted_field", "cr", "mixed", "utf16"])
def test_valid_csv_that_pythons_csv_module_refused_imports(tmp_path, build, rows, check):
    parsed = imports.parse_path(build(tmp_path))
    assert parsed.ok, [p.message for p in parsed.problems]
    assert parsed.rows == rows and check(parsed.records["training"])


@pytest.mark.parametrize("text,expected", [
    ('a,b\r\n"x ""q"" y",2\r\n', [["a", "b"], ['x "q" y', "2"]]),
    ('a;b;c\n1;"2;3";4\n', [["a", "b", "c"], ["1", "2;3", "4"]]),
    ("a\tb\n1\t2", [["a", "b"], ["1", "2"]]),
    ('a,b\n1,2"3\n', [["a", "b"], ["1", '2"3']]),
    ("a,b\r\r1,2\r", [["a", "b"], [""], ["1", "2"]]),
    ('a,b\n"x"y,2\n', [["a", "b"], ["xy", "2"]]),  # text after a closing quote: joined, as Excel reads it
    ('a,b\r\n"1\r\n2",3\n', [["a", "b"], ["1\r\n2", "3"]]),  # a line break kept inside a quoted field
])
def test_csv_rows(text, expected):
    assert containers.text.rows(text) == expected


def test_unclosed_quote_names_its_line(tmp_path):
    parsed = imports.parse_path(hf.csv_unclosed_quote(tmp_path))
    assert [(p.code, p.value) for p in parsed.problems] == [("csv_unclosed_quote", "3")]
    assert "第 3 行" in parsed.problems[0].message


@pytest.mark.parametrize("build,words", [
    (hf.encrypted_xlsx, ["已加密", "密码"]),
    (hf.html_as_xls, ["网页", "另存为", ".xlsx"]),
    (hf.xml_spreadsheet_as_xls, ["XML", "另存为"]),
    (hf.docx_as_xlsx, ["Word"]),
    (hf.corrupt_stream, ["已损坏"]),
    (hf.far_cell, ["XFD1048576", "Ctrl+End"]),
    (hf.zip_bomb_sheet, ["解压后", "MB"]),
])
def test_refusals_say_what_the_file_is_and_what_to_do(tmp_path, build, words):
    parsed = imports.parse_path(build(tmp_path))
    text = parsed.problems[0].message + parsed.problems[0].fix
    assert len(parsed.problems) == 1 and all(w in text for w in words), text
    assert not ENGLISH.search(text)


def test_declared_sizes_are_not_trusted(tmp_path):
    """A part larger than its zip entry claims is caught at the claimed size, before a reader inflates it."""
    parsed = imports.parse_path(hf.zip_bomb_lying(tmp_path))
    assert [p.code for p in parsed.problems] == ["corrupt"]


def test_shared_strings_counted_at_every_use(tmp_path):
    """One 10 KB shared string used by 30,000 cells is 300 MB of text once the reader copies it."""
    sst = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
           + "长" * 10000 + "</t></si></sst>")
    cells = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c><c r="B{r}" t="s"><v>0</v></c></row>' for r in range(1, 15001))
    path = hf.raw_xlsx(tmp_path / "s.xlsx", [("台账", hf.sheet_xml(cells))], shared=sst)
    assert [p.code for p in imports.parse_path(path).problems] == ["too_big_inflated"]


def test_non_utf8_file_name_is_shown_decoded(tmp_path):
    parsed = imports.parse_path(hf.non_utf8_name(tmp_path))
    assert parsed.ok and parsed.file == "红旗区台账.xlsx"


def test_upload_limit_is_read_not_the_whole_file(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (3 << 20))
    parsed = imports.parse_path(big, max_bytes=1 << 20)
    assert [p.code for p in parsed.problems] == ["too_large"]


def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=cwd, capture_output=True, timeout=120, env=env)


@pytest.mark.parametrize("command", ["check", "import"])
def test_cli_takes_dash_and_non_utf8_names(tmp_path, cli_db, command):
    hf.dash_name(tmp_path)
    odd = hf.non_utf8_name(tmp_path)
    extra = ["--db", str(cli_db)] if command == "import" else []
    r = _cli(command, "-rf.xlsx", os.fsencode(odd.name), *extra, cwd=tmp_path)
    out, err = r.stdout.decode(), r.stderr.decode()
    assert r.returncode == 0, err
    assert "-rf.xlsx" in out and "红旗区台账.xlsx" in out and "Traceback" not in err


@pytest.mark.parametrize("build", [hf.dev_zero_link, hf.fifo, hf.directory, hf.zip_bomb_sheet, hf.encrypted_xlsx,
                                   hf.xls_huge_directory, hf.duplicate_member, lambda f: hf.entity_bomb(f, "xl/workbook.xml"),
                                   lambda f: hf.giant_cell(f, 1, "unit"), hf.overlapping_entries])
def test_cli_refuses_in_one_chinese_message(tmp_path, cli_db, build):
    path = build(tmp_path)
    r = _cli("import", str(path), "--db", str(cli_db), cwd=tmp_path)
    err = r.stderr.decode()
    assert r.returncode == 1 and "未导入任何数据" in err and "Traceback" not in err and not ENGLISH.search(err), err


def test_limits_are_what_the_messages_say():
    assert containers.MAX_SHEET_CELLS <= containers.MAX_CELLS and containers.MAX_SHEETS >= 1000


def test_sheets_checked_together_keep_their_own_sheet_row_and_cell(tmp_path):
    """Sheets laid out alike are checked as one frame; each problem and record still names its own sheet,
    row and column letter (here the second sheet has its columns one to the right)."""
    def good(i):
        return [TRAINING_HEADER, hf.ROW[:3] + [f"主题{i}"] + hf.ROW[4:]]
    shifted = [[None] + TRAINING_HEADER, [None, None], [None] + hf.ROW[:1] + ["火星区"] + hf.ROW[2:]]
    sheets = {f"S{i}": good(i) for i in range(5)}
    sheets["S5"] = shifted
    sheets["S6"] = [TRAINING_HEADER, hf.ROW[:5] + ["abc"] + hf.ROW[6:]]
    parsed = imports.parse_path(write_xlsx(tmp_path / "m.xlsx", sheets))
    assert [(p.sheet, p.row, p.cell, p.code) for p in parsed.problems] == [
        ("S5", 3, "C3", "unknown_unit"), ("S6", 2, "F2", "not_a_number")]
    sheets.pop("S6")
    sheets["S5"] = [[None] + TRAINING_HEADER, [None, None], [None] + hf.ROW[:3] + ["另一主题"] + hf.ROW[4:]]
    parsed = imports.parse_path(write_xlsx(tmp_path / "m2.xlsx", sheets))
    assert parsed.ok, parsed.problems
    records = parsed.records["training"]
    assert sorted(zip(records["_sheet"].to_list(), records["_row"].to_list())) == [(f"S{i}", 2) for i in range(5)] + [("S5", 3)]
    # the same row in two sheets is one row twice: refused naming the first sheet
    sheets["S5"] = good(0)
    parsed = imports.parse_path(write_xlsx(tmp_path / "m3.xlsx", sheets))
    assert {p.code for p in parsed.problems} == {"duplicate_row"} and "「S0」2" in parsed.problems[0].extra


def test_error_text_in_a_csv_saved_by_excel_is_named(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text(",".join(TRAINING_HEADER) + "\n2025-03-01,红旗区,党组中心组学法,法治思想,张三,#N/A,2,\n", encoding="utf-8")
    _, found = _problems(p)
    assert found == [("e", 2, "F2", "error_value", "#N/A")]


# ---------------------------------------------------------------- second pass (qa): what each new refusal says

def test_over_long_values_are_named_at_their_cell_and_not_matched(tmp_path):
    """1.2 million characters in 单位 took minutes to match against the unit names; now one problem at the cell."""
    parsed, found = _problems(hf.giant_cell(tmp_path, 1, "unit"))
    assert found == [("台账", 2, "B2", "value_too_long", "红旗区红旗区红旗区红旗区红旗区红旗区红旗…")]
    assert "备注" in parsed.problems[0].fix and not ENGLISH.search(parsed.problems[0].message)


def test_long_free_text_still_imports(tmp_path):
    parsed = imports.parse_path(hf.giant_cell(tmp_path, 3, "title"))
    assert parsed.ok and len(parsed.records["training"]["title"][0]) == 1_200_000


def test_control_characters_are_removed_from_stored_text_and_said(tmp_path):
    parsed = imports.parse_path(hf.control_characters(tmp_path))
    assert parsed.ok, parsed.problems
    df = parsed.records["training"]
    assert df["title"].to_list()[:2] == ["法治思想", "民法典典法民"] and df["speaker"].to_list()[2] == "张三"
    assert any("控制字符" in n and "3 个单元格" in n for n in parsed.notes)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/sharedStrings.xml", "[Content_Types].xml",
                                  "xl/_rels/workbook.xml.rels", "_rels/.rels"])  # styles.xml: the entities_styles class
def test_a_doctype_in_any_part_is_refused_naming_the_part(tmp_path, part):
    sst = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>备注</t></si></sst>')
    rows = hf.ledger_rows_xml(hf._ledger()) + '<row r="9"><c r="H9" t="s"><v>0</v></c></row>'
    base = hf.raw_xlsx(tmp_path / "s.xlsx", [("台账", hf.sheet_xml(rows))], shared=sst)
    assert imports.parse_path(base).ok
    path = hf._rewrite(base, tmp_path / "d.xlsx", lambda n, d: hf._with_prolog(d, hf.LAUGHS) if n == part else d)
    parsed, found = _problems(path)
    assert [f[3] for f in found] == ["unsafe_xml"] and part in parsed.problems[0].message


def test_a_fake_end_record_in_the_zip_comment_is_not_counted(tmp_path):
    from indicators import containers
    data = hf.zip_comment(tmp_path, fake_end=True).read_bytes()
    assert containers._declared_entries(data) < 20  # the real end record, not the 65,535 of the fake one


@pytest.mark.parametrize("build,words", [
    (hf.csv_bytes("m.csv", hf._CSV_OK + hf._CSV_GBK_ROW), ["混有 UTF-8 和 GBK", "第 3 行"]),
    (hf.xlsb_as_xlsx, [".xlsb"]),
    (hf.sfx_prefix, ["可执行程序"]),
    (hf.xls_huge_directory, ["目录扇区链"]),
    (hf.xls_fat_cycle, ["数据流扇区链"]),
    (hf.duplicate_member, ["同名部件", "sheet1.xml"]),
    (hf.csv_bytes("b.csv", b"\xef\xbb\xbf,,,\r\n"), ["文件是空的"]),
])
def test_second_pass_refusals_say_what_happened(tmp_path, build, words):
    parsed = imports.parse_path(build(tmp_path))
    text = parsed.problems[0].message + parsed.problems[0].fix
    assert len(parsed.problems) == 1 and all(w in text for w in words), text
    assert not ENGLISH.search(text)


def _refused_with_controls(folder):
    rows = hf._ledger(3)
    rows[1][3] = "法治&#1;思想_x0007_"
    rows[2][1] = "火星区_x0000_"
    rows[3][4] = "张_x001B_三"
    return hf.raw_xlsx(folder / "c.xlsx", [("台账", hf.sheet_xml(hf.ledger_rows_xml(rows)))])


def _bad_sheet_names(folder):
    bad = [hf.TRAINING_HEADER, hf.ROW[:1] + ["火星区"] + hf.ROW[2:]]
    body = hf.sheet_xml(hf.ledger_rows_xml(bad))
    return hf.raw_xlsx(folder / "names.xlsx", [("a/b[1]:*?", body), ("a_b_1____", body), ("问题清单", body),
                                                ("台账&#x1;" + "长" * 40, body)])


def _csv_bracket_name(folder):
    p = folder / "台账[1].csv"
    p.write_bytes(hf._CSV_OK.replace("红旗区".encode(), "火星区".encode()))
    return p


@pytest.mark.parametrize("build", [_refused_with_controls, _bad_sheet_names, _csv_bracket_name,
                                   lambda f: hf.giant_cell(f, 1, "unit")], ids=["controls", "sheet_names", "csv_name", "giant"])
def test_the_annotated_workbook_of_a_hostile_refused_file_is_written(tmp_path, build):
    """The download of a refused file marked up must not fail on what openpyxl refuses (control characters,
    [ ] : * ? / in a sheet name, two names that become one)."""
    import io
    import openpyxl
    from indicators import annotate
    parsed = imports.parse_path(build(tmp_path))
    assert not parsed.ok
    wb = openpyxl.load_workbook(io.BytesIO(annotate.annotate(parsed)))
    assert wb.sheetnames[0] == "问题清单" and len(wb.sheetnames) == 1 + len({p.sheet for p in parsed.problems} | set(parsed.sheets))
    marked = sum(1 for ws in wb.worksheets[1:] for row in ws.iter_rows() for c in row if c.comment)
    assert marked == len({(p.sheet, p.cell) for p in parsed.problems if p.cell})


@pytest.mark.parametrize("command", [["evidence", "add", "--row", "training:红旗区:2025-03-01:党组中心组学法:法治思想"],
                                     ["user", "import"]], ids=["evidence", "accounts"])
@pytest.mark.parametrize("build", [hf.dev_zero_link, hf.fifo, hf.directory], ids=["dev_zero", "fifo", "directory"])
def test_cli_file_arguments_other_than_ledgers_are_read_bounded(tmp_path, cli_db, command, build):
    """`evidence add` and `user import` read their file as a ledger is read: /dev/zero was read until memory
    ran out, a pipe waited for ever."""
    path = build(tmp_path)
    r = _cli(*command, str(path), "--db", str(cli_db), cwd=tmp_path)
    err = r.stderr.decode()
    assert r.returncode == 1 and "不是普通文件" in err and "Traceback" not in err, err
