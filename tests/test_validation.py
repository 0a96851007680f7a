"""Everything that must be refused is refused, every problem is named, and nothing is stored."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import GOVERNANCE_HEADER, PUBLICITY_HEADER, STAFF_HEADER, TRAINING_HEADER, count, load, write_xlsx
from indicators import imports
from indicators.problems import MESSAGES, Problem

D = dt.date
OK_ROW = [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]


def training(*rows, header=TRAINING_HEADER, title=False):
    return {"台账": ([["2025年培训学法台账"]] if title else []) + [header, *rows]}


CASES = [
    # (id, sheets, expected flattened problems [(sheet, row, column, code)], expected cell of the first problem)
    ("missing_required_column", training([D(2025, 3, 1), "红旗区", "法治思想", "张三", 15, 2, None],
                                         header=["日期", "单位", "主题", "主讲人", "参加人数", "学时", "备注"]),
     [("台账", 1, "类别", "missing_column")], ""),
    ("unknown_unit", training(OK_ROW, [D(2025, 3, 2), "红旗区区", "党组中心组学法", "b", None, 1, None, None], title=True),
     [("台账", 4, "单位", "unknown_unit")], "B4"),
    ("unknown_category", training([D(2025, 3, 2), "红旗区", "读书会", "b", None, 1, None, None]),
     [("台账", 2, "类别", "unknown_choice")], "C2"),
    ("negative_count", training([D(2025, 3, 2), "红旗区", "全员法治培训", "b", None, -3, None, None]),
     [("台账", 2, "参加人数", "negative")], "F2"),
    ("non_numeric_count", training([D(2025, 3, 2), "红旗区", "全员法治培训", "b", None, "三十", None, None]),
     [("台账", 2, "参加人数", "not_a_number")], "F2"),
    ("fractional_count", training([D(2025, 3, 2), "红旗区", "全员法治培训", "b", None, 2.5, None, None]),
     [("台账", 2, "参加人数", "not_integer")], "F2"),
    ("impossible_date", training(["2025-02-30", "红旗区", "全员法治培训", "b", None, 3, None, None]),
     [("台账", 2, "日期", "impossible_date")], "A2"),
    ("month_13", training(["2025年13月1日", "红旗区", "全员法治培训", "b", None, 3, None, None]),
     [("台账", 2, "日期", "impossible_date")], "A2"),
    ("date_text", training(["三月初", "红旗区", "全员法治培训", "b", None, 3, None, None]),
     [("台账", 2, "日期", "bad_date")], "A2"),
    ("year_typo", training(["1925-03-01", "红旗区", "全员法治培训", "b", None, 3, None, None]),
     [("台账", 2, "日期", "date_out_of_range")], "A2"),
    ("empty_required_cells", training([D(2025, 3, 2), None, "全员法治培训", None, None, 3, None, None]),
     [("台账", 2, "主题", "required"), ("台账", 2, "单位", "required")], "B2"),
    ("certified_exceeds_staff", {"统计": [STAFF_HEADER, [D(2025, 6, 30), "红旗区", 6, 4, 5, 0, 0, 4, 4, None]]},
     [("统计", 2, "持证人数", "certified_exceeds_staff")], "E2"),
    ("reviewed_exceeds_certified", {"统计": [STAFF_HEADER, [D(2025, 6, 30), "红旗区", 6, 6, 5, 0, 0, 6, 6, None]]},
     [("统计", 2, "年审通过", "reviewed_exceeds_certified")], "H2"),
    ("trained_exceeds_staff", {"统计": [STAFF_HEADER, [D(2025, 6, 30), "红旗区", 6, 6, 5, 0, 0, 5, 9, None]]},
     [("统计", 2, "参训人数", "trained_exceeds_staff")], "I2"),
    ("future_date", training([(dt.date.today() + dt.timedelta(days=40)).isoformat(), "红旗区", "全员法治培训", "b", None, 3, None, None]),
     [("台账", 2, "日期", "future_date")], "A2"),
    ("duplicate_rows", training(OK_ROW, OK_ROW),
     [("台账", 3, "主题", "duplicate_row")], ""),
    ("every_problem_not_just_the_first", training(
        [D(2025, 3, 2), "火星区", "读书会", "a", None, -1, None, None],
        ["2025-02-29", "红旗区", "全员法治培训", "b", None, "x", None, None]),
     [("台账", 2, "单位", "unknown_unit"), ("台账", 2, "类别", "unknown_choice"), ("台账", 2, "参加人数", "negative"),
      ("台账", 3, "日期", "impossible_date"), ("台账", 3, "参加人数", "not_a_number")], "B2"),
    ("bad_sheet_beside_good_sheet", {"好": [GOVERNANCE_HEADER, [D(2025, 6, 20), "红旗区", "党组听取汇报", "汇报", None]],
                                     "坏": [PUBLICITY_HEADER, [D(2025, 3, 1), "红旗区", "进社区", "全民国防教肓月", "社区", "x", 10, 0, 0, None]]},
     [("坏", 2, "宣传节点", "unknown_choice")], "D2"),
    ("no_ledger_in_workbook", {"Sheet1": [["姓名", "电话"], ["张三", "123"]]}, [("", None, "", "no_ledger")], ""),
    ("header_without_rows", training(), [("", None, "", "no_rows")], ""),
]


@pytest.mark.parametrize("sheets,expected,first_cell", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_every_problem_and_nothing_stored(tmp_path, conn, sheets, expected, first_cell):
    path = write_xlsx(tmp_path / "ledger.xlsx", sheets)
    parsed = imports.parse_path(path)
    assert sorted(p.flat() for p in parsed.problems) == sorted(expected)
    assert parsed.problems[0].cell == first_cell
    assert all(p.file == "ledger.xlsx" and p.message and p.fix for p in parsed.problems)
    result = load(conn, path)
    assert not result.ok and result.batch_id is None
    assert sum(count(conn, t) for t in ("training", "publicity", "governance", "staff", "batch", "agg_day")) == 0


@pytest.mark.parametrize("name,data,code", [
    ("notes.txt", b"hello", "unsupported_type"),
    ("noext", b"hello", "unsupported_type"),
    ("empty.xlsx", b"", "empty_file"),
    ("fake.xlsx", b"this is not a workbook at all", "text_file"),  # named by its content since issue 10
    ("fake.xls", b"\xd0\xcf\x11\xe0 broken", "not_spreadsheet"),
    ("broken.xlsx", b"PK\x03\x04 truncated zip", "corrupt"),
    ("binary.csv", bytes(range(256)) * 4, "binary_content"),
])
def test_files_that_are_not_spreadsheets(name, data, code):
    parsed = imports.parse_file(data, name)
    assert [p.code for p in parsed.problems] == [code]
    assert "Traceback" not in parsed.problems[0].message


def test_oversized_file_is_refused_before_reading():
    parsed = imports.parse_file(b"x" * 2048, "big.xlsx", max_bytes=1024)
    assert [(p.code, p.value, p.extra) for p in parsed.problems] == [("too_large", "2 KB", "1 KB")]


def test_problem_message_names_value_and_fix(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", training([D(2025, 3, 2), "火星区", "全员法治培训", "b", None, 3, None, None]))
    (p,) = imports.parse_path(path).problems
    assert p.as_dict() == {"文件": "a.xlsx", "工作表": "台账", "行": 2, "列": "单位", "单元格": "B2", "值": "火星区",
                           "问题": "单位「火星区」不在单位名单中", "修改方法": MESSAGES["unknown_unit"][1]}


@pytest.mark.parametrize("cell,shown", [(dt.datetime(2015, 7, 2), "2015-07-02"), (D(2015, 7, 2), "2015-07-02"),
                                        (dt.datetime(2015, 7, 2, 9, 30), "2015-07-02 09:30:00")])
def test_a_date_cell_in_a_problem_reads_as_the_clerk_sees_it(tmp_path, cell, shown):
    # a date far from the title's year is refused; its value was shown as "2015-07-02 00:00:00"
    path = write_xlsx(tmp_path / "a.xlsx", {"台账": [["红旗区2025年学法台账"], TRAINING_HEADER,
                                                     [cell, "红旗区", "全员法治培训", "b", None, 3, None, None]]})
    (p,) = imports.parse_path(path).problems
    assert p.code == "far_year" and p.value == shown and f"日期「{shown}」的年份" in p.message


def test_every_problem_code_has_a_message_and_a_fix():
    for code, (message, fix) in MESSAGES.items():
        p = Problem(code, "f.xlsx", value="v", column="c", extra="e")
        assert p.message and p.fix, code


@pytest.mark.parametrize("in_place_max_xml", [8 << 20, 0], ids=["in-place", "streamed-copy"])
def test_annotated_workbook_marks_every_bad_cell_with_its_problem(tmp_path, monkeypatch, in_place_max_xml):
    from indicators import annotate as module
    from indicators.annotate import LIST_SHEET, annotate, annotated_name
    import io
    import openpyxl
    monkeypatch.setattr(module, "IN_PLACE_MAX_XML", in_place_max_xml)  # past it, a large file is copied, not loaded
    path = write_xlsx(tmp_path / "红旗区.xlsx", training(
        [D(2025, 3, 2), "火星区", "读书会", "a", None, "约30", None, None],
        ["2025-02-30", "红旗区", "全员法治培训", "b", None, 3, None, None], title=True))
    parsed = imports.parse_path(path)
    wb = openpyxl.load_workbook(io.BytesIO(annotate(parsed)))
    assert annotated_name(parsed.file) == "红旗区_问题标注.xlsx"
    assert wb.sheetnames == [LIST_SHEET, "台账"]
    ws = wb["台账"]
    for ref, text in [("B3", "单位「火星区」不在单位名单中"), ("C3", "类别「读书会」不是规定的选项"),
                      ("F3", "参加人数「约30」不是数字"), ("A4", "日期「2025-02-30」不存在")]:
        assert text in ws[ref].comment.text and ws[ref].fill.fgColor.rgb.endswith("FFC7CE"), ref
    assert ws["D3"].comment is None
    listing = list(wb[LIST_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(listing) == len(parsed.problems) == 4
    assert wb[LIST_SHEET]["A1"].value == "序号" and wb[LIST_SHEET].freeze_panes == "A2"
    assert ws["B3"].value == "火星区" and ws["D4"].value == "b"  # the cells themselves are all there


def test_streamed_copy_keeps_formula_looking_text_as_text(tmp_path, monkeypatch):
    from indicators import annotate as module
    import io
    import openpyxl
    monkeypatch.setattr(module, "IN_PLACE_MAX_XML", 0)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    for row in (TRAINING_HEADER, ["2025-06-20", "火星区", "全员法治培训", "=HYPERLINK(1)", None, 3, 2, None]):
        ws.append(row)
    ws["D2"].data_type = "s"  # the clerk typed text that starts with "=": a string in the file, not a formula
    wb.save(tmp_path / "f.xlsx")
    out = openpyxl.load_workbook(io.BytesIO(module.annotate(imports.parse_path(tmp_path / "f.xlsx"))))
    assert out["台账"]["D2"].value == "=HYPERLINK(1)" and out["台账"]["D2"].data_type == "s"
    assert "不在单位名单中" in out["台账"]["B2"].comment.text
    assert all(c.data_type != "f" for ws in out for row in ws.iter_rows() for c in row if c.value is not None)


def test_annotated_copy_of_a_csv(tmp_path):
    from indicators.annotate import annotate
    import io
    import openpyxl
    from conftest import write_csv
    path = write_csv(tmp_path / "a.csv", [TRAINING_HEADER, ["2025/6/20", "火星区", "全员法治培训", "=HYPERLINK(1)", "", "=1+1", "", ""]], "gbk")
    wb = openpyxl.load_workbook(io.BytesIO(annotate(imports.parse_path(path))))
    assert "不在单位名单中" in wb["a"]["B2"].comment.text and wb["a"]["A2"].value == "2025/6/20"
    assert "不是数字" in wb["a"]["F2"].comment.text
    # values from the file never become formulas, neither in the copy nor in the problem list
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert "=1+1" in [c.value for c in wb["问题清单"]["F"]]
