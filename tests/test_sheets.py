"""Every way DOMAIN.md says real ledgers deviate from the template is read right."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import (GOVERNANCE_HEADER, PUBLICITY_HEADER, STAFF_HEADER, TRAINING_HEADER, write_csv, write_xls,
                      write_xlsx)
from indicators import imports
from indicators.sheets import col_letter

D = dt.date


def _training_rows(tmp):
    return write_xlsx(tmp / "a.xlsx", {"台账": [TRAINING_HEADER,
                                              [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]]})


def _title_rows(tmp):
    return write_xlsx(tmp / "a.xlsx", {"Sheet1": [["新乡市红旗区人防办2025年培训学法台账"], ["填报单位：红旗区（盖章）"], [],
                                                  TRAINING_HEADER,
                                                  [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]]},
                      {"Sheet1": ["A1:H1"]})


def _two_row_header(tmp):
    rows = [["培训学法台账"], ["日期", "单位", "类别", "主题", "主讲人", "参训情况", None, "备注"],
            [None, None, None, None, None, "参加人数（人）", "学时\n（小时）", None],
            [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]]
    merges = ["A1:H1", "F2:G2"] + [f"{c}2:{c}3" for c in "ABCDEH"]
    return write_xlsx(tmp / "a.xlsx", {"培训": rows}, {"培训": merges})


def _two_row_header_unmerged(tmp):
    rows = [["日期", "单位", "类别", "主题", "主讲人", "参训情况", None, "备注"],
            [None, None, None, None, None, "参训人数", "课时", None],
            [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]]
    return write_xlsx(tmp / "a.xlsx", {"培训": rows})


def _merged_down(tmp):
    rows = [TRAINING_HEADER,
            [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None],
            [D(2025, 4, 1), None, "主任办公会学法", "一季度学法", "李四", 9, 1, None],
            [D(2025, 5, 1), None, "执法人员培训", "行政处罚法", "王五", 30, 3, None]]
    return write_xlsx(tmp / "a.xlsx", {"培训": rows}, {"培训": ["B2:B4"]})


def _blank_rows_and_columns(tmp):
    rows = [[], [], [None, None] + TRAINING_HEADER[:3] + [None] + TRAINING_HEADER[3:],
            [None, None, D(2025, 3, 1), "红旗区", "党组中心组学法", None, "法治思想", "张三", 15, 2, None],
            [], [None] * 11,
            [None, None, D(2025, 3, 2), "卫滨区", "全员法治培训", None, "民法典", "李四", 40, 2, None]]
    return write_xlsx(tmp / "a.xlsx", {"培训": rows})


def _totals(tmp):
    rows = [TRAINING_HEADER,
            [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None],
            ["小计", None, None, None, None, 15, 2, None],
            [D(2025, 3, 2), "卫滨区", "全员法治培训", "民法典", "李四", 40, 2, None],
            ["合  计", None, None, None, None, 55, 4, None],
            ["填表人：赵六", None, None, "审核人：钱七", None, None, None, None]]
    return write_xlsx(tmp / "a.xlsx", {"培训": rows})


def _date_forms(tmp):
    forms = [D(2025, 3, 1), "2025年3月2日", "2025.3.3", "2025/3/4", "2025-03-05", "２０２５年３月６日", "2025年03月07日 ", "20250308"]
    rows = [TRAINING_HEADER] + [[f, "红旗区", "全员法治培训", f"主题{i}", None, 10, None, None] for i, f in enumerate(forms)]
    return write_xlsx(tmp / "a.xlsx", {"培训": rows})


def _numbers_as_text(tmp):
    rows = [TRAINING_HEADER,
            [D(2025, 3, 1), "红旗区", "全员法治培训", "a", None, "１５", "２.５", None],
            [D(2025, 3, 2), "红旗区", "全员法治培训", "b", None, "30人", "2学时", None],
            [D(2025, 3, 3), "红旗区", "全员法治培训", "c", None, " 1,200 ", "3小时", None],
            [D(2025, 3, 4), "红旗区", "全员法治培训", "d", None, "12.0", None, None]]
    return write_xlsx(tmp / "a.xlsx", {"培训": rows})


def _choice_punctuation(tmp):
    rows = [PUBLICITY_HEADER] + [
        [D(2025, 3, 1), "红旗区", f"活动{i}", node, place, "社区", 100, 10, 1, None]
        for i, (node, place) in enumerate([("3·1民防日", "社区"), ("3.1民防日", "居民社区"), ("3•1 民防日", "广场"),
                                           ("5．12防灾减灾日", "学校"), ("9.18 警报鸣放", "网络媒体"), ("国防教育月", "企业"), ("其它", "机关")])]
    return write_xlsx(tmp / "a.xlsx", {"宣传": rows})


def _unit_spellings(tmp):
    spellings = ["红旗区", "红旗区人防办", "红旗区国动办", "红旗区国防动员办公室", "红旗区人民防空办公室", " 红旗区 ",
                 "新乡市国防动员办公室", "平原城乡一体化示范区", "新乡县人防办"]
    rows = [GOVERNANCE_HEADER] + [[D(2025, 6, 1), s, "督导检查", f"事项{i}", None] for i, s in enumerate(spellings)]
    return write_xlsx(tmp / "a.xlsx", {"制度": rows})


def _several_ledgers(tmp):
    return write_xlsx(tmp / "a.xlsx", {
        "填表说明": [["填表说明"], ["1. 日期写成 2025-03-01"], ["2. 单位从下拉选择"], ["列名", "说明"], ["日期", "活动日期"]],
        "培训": [TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]],
        "宣传": [PUBLICITY_HEADER, [D(2025, 3, 1), "红旗区", "进社区", "3·1民防日", "社区", "和平社区", 200, 300, 1, None]],
        "制度": [GOVERNANCE_HEADER, [D(2025, 6, 20), "红旗区", "党组听取汇报", "上半年汇报", None]],
        "统计": [STAFF_HEADER, [D(2025, 6, 30), "红旗区", 6, 6, 5, 1, 1, 5, 6, None]],
        "Sheet2": [], "Sheet3": []})


def _header_variants(tmp):
    rows = [["开展日期", "单位名称", "培训类别", "学习主题", "授课人", "参训人数\n（人）", "课时（小时）", "说明"],
            [D(2025, 3, 1), "红旗区", "中心组学法", "法治思想", "张三", 15, 2, None]]
    return write_xlsx(tmp / "a.xlsx", {"x": rows})


def _xls(tmp):
    rows = [["2025年宣传活动台账"], PUBLICITY_HEADER,
            [D(2025, 3, 1), "红旗区", "进社区", "3·1民防日", "社区", "和平社区", 200, 300, 1, None],
            [D(2025, 5, 12), None, "进校园", "5·12防灾减灾日", "学校", "一中", "150人", 100, 0, None]]
    return write_xls(tmp / "a.xls", {"宣传": rows}, {"宣传": [(0, 0, 0, 9), (2, 3, 1, 1)]})


def _csv_gbk(tmp):
    return write_csv(tmp / "a.csv", [["2025年制度落实台账"], GOVERNANCE_HEADER,
                                     ["2025/6/20", "红旗区", "党组听取汇报", "上半年汇报", ""],
                                     ["2025年12月18日", "红旗区", "领导干部述法", "年度述法", ""]], "gbk")


def _csv_utf8_bom(tmp):
    return write_csv(tmp / "a.csv", [STAFF_HEADER, ["2025-06-30", "红旗区", "６", "6人", "5", "1", "1", "5", "6", ""]], "utf-8-sig")


CASES = [
    # (id, builder, kind, fields compared, expected rows)
    ("canonical", _training_rows, "training", ("date", "unit", "category", "participants"),
     [(D(2025, 3, 1), "红旗区", "党组中心组学法", 15)]),
    ("title_rows", _title_rows, "training", ("date", "unit", "_row"), [(D(2025, 3, 1), "红旗区", 5)]),
    ("two_row_merged_header", _two_row_header, "training", ("unit", "participants", "hours", "_row"),
     [("红旗区", 15, 2.0, 4)]),
    ("two_row_header_unmerged", _two_row_header_unmerged, "training", ("participants", "hours"), [(15, 2.0)]),
    ("merged_down_unit", _merged_down, "training", ("unit", "category"),
     [("红旗区", "党组中心组学法"), ("红旗区", "主任办公会学法"), ("红旗区", "执法人员培训")]),
    ("blank_rows_and_columns", _blank_rows_and_columns, "training", ("unit", "title", "_row"),
     [("红旗区", "法治思想", 4), ("卫滨区", "民法典", 7)]),
    ("totals_and_signatures_skipped", _totals, "training", ("unit", "participants"), [("红旗区", 15), ("卫滨区", 40)]),
    ("date_forms", _date_forms, "training", ("date",), [(D(2025, 3, d),) for d in range(1, 9)]),
    ("numbers_as_text", _numbers_as_text, "training", ("participants", "hours"),
     [(15, 2.5), (30, 2.0), (1200, 3.0), (12, None)]),
    ("choice_punctuation", _choice_punctuation, "publicity", ("node", "venue_type"),
     [("3·1民防日", "社区"), ("3·1民防日", "社区"), ("3·1民防日", "广场"), ("5·12防灾减灾日", "学校"),
      ("9·18警报鸣放", "网络媒体"), ("全民国防教育月", "企业"), ("其他", "机关")]),
    ("unit_spellings", _unit_spellings, "governance", ("unit",),
     [("红旗区",)] * 6 + [("市国动办",), ("平原示范区",), ("新乡县",)]),
    ("header_variants", _header_variants, "training", ("date", "category", "participants", "hours", "speaker"),
     [(D(2025, 3, 1), "党组中心组学法", 15, 2.0, "张三")]),
    ("xls_with_merges", _xls, "publicity", ("unit", "node", "people", "_row"),
     [("红旗区", "3·1民防日", 200, 3), ("红旗区", "5·12防灾减灾日", 150, 4)]),
    ("csv_gbk", _csv_gbk, "governance", ("date", "category"),
     [(D(2025, 6, 20), "党组听取汇报"), (D(2025, 12, 18), "领导干部述法")]),
    ("csv_utf8_bom", _csv_utf8_bom, "staff", ("date", "quota", "staff", "certified"), [(D(2025, 6, 30), 6, 6, 5)]),
]


@pytest.mark.parametrize("build,kind,fields,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_variation_is_read_right(tmp_path, build, kind, fields, expected):
    parsed = imports.parse_path(build(tmp_path))
    assert [p.message for p in parsed.problems] == []
    assert list(parsed.records) == [kind]
    assert parsed.records[kind].select(fields).rows() == expected


def test_several_ledgers_in_one_workbook_beside_instructions(tmp_path):
    parsed = imports.parse_path(_several_ledgers(tmp_path))
    assert parsed.ok, [p.message for p in parsed.problems]
    assert {k: df.height for k, df in parsed.records.items()} == {"training": 1, "publicity": 1, "governance": 1, "staff": 1}
    assert parsed.sheets == {"培训": "培训学法台账", "宣传": "宣传活动台账", "制度": "制度落实台账", "统计": "执法人员统计表"}
    # the instructions sheet is skipped and the user is told; Excel's empty Sheet2/Sheet3 are not worth a word
    assert parsed.notes == ["工作表「填表说明」不是台账（如填表说明），已跳过"]


@pytest.mark.parametrize("index,letter", [(0, "A"), (7, "H"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(index, letter):
    assert col_letter(index) == letter


def test_merged_title_beside_dropdowns_does_not_spread_a_value(tmp_path):
    """Data validations (sqref="B3:B200") follow <mergeCells> in the XML; only mergeCell refs are merges."""
    from openpyxl import load_workbook
    from openpyxl.worksheet.datavalidation import DataValidation
    path = write_xlsx(tmp_path / "a.xlsx", {"台账": [["2025年培训学法台账"], TRAINING_HEADER] + [
        [D(2025, 3, i), u, "全员法治培训", f"t{i}", None, 10, None, None]
        for i, u in enumerate(["红旗区", "卫滨区", "凤泉区", "牧野区"], 1)]}, {"台账": ["A1:H1"]})
    wb = load_workbook(path)
    dv = DataValidation(type="list", formula1='"红旗区,卫滨区,凤泉区,牧野区"')
    dv.add("B3:B200")
    wb["台账"].add_data_validation(dv)
    wb.save(path)
    parsed = imports.parse_path(path)
    assert parsed.records["training"]["unit"].to_list() == ["红旗区", "卫滨区", "凤泉区", "牧野区"]
