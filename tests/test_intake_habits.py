"""Ledgers as clerks really write them: headers and values read by meaning, the unit from the sheet's
context, pasted pages, date forms; the clerk asked where nothing decides; every reading shown with its
row count; typos and ambiguities still refused, naming the nearest choices. Real files, written here."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import PUBLICITY_HEADER, TRAINING_HEADER, write_csv, write_xlsx
from indicators import imports
from indicators.interpret import IGNORE, Answers

D = dt.date


def parse(tmp_path, rows, name="台账.xlsx", answers=None, sheet="台账"):
    path = tmp_path / name
    if name.endswith(".csv"):
        write_csv(path, [["" if v is None else v for v in r] for r in rows], "gb18030")
    else:
        write_xlsx(path, {sheet: rows})
    return imports.parse_path(path, answers=answers)


def readings(parsed) -> list[tuple[str, int]]:
    return [(r.text, r.rows) for r in parsed.interpretations]


def record(parsed, kind="training") -> dict:
    return parsed.records[kind].row(0, named=True)


# ------------------------------------------------------------------ headers by key word

HEADER_CASES = [
    # (id, header, row, {field: value read}, readings expected (substring, rows), notes expected)
    ("clerks_own_headers",
     ["开展时间", "单位", "组织形式", "讲座题目", "主讲人", "到会人数"],
     [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15],
     {"date": D(2025, 3, 1), "category": "党组中心组学法", "title": "法治思想", "participants": 15},
     [("列「开展时间」（A列）按「日期」读取（表头以“时间”结尾）", 1), ("列「组织形式」（C列）按「类别」读取（表头以“形式”结尾）", 1),
      ("列「讲座题目」（D列）按「主题」读取（表头以“题目”结尾）", 1), ("列「到会人数」（F列）按「参加人数」读取（表头以“人数”结尾）", 1)], []),
    ("meeting_type_is_the_category",
     ["日期", "单位", "会议类型", "学习内容", "参会人数"],
     [D(2025, 3, 1), "红旗区", "主任办公会学法", "一季度学法", 9],
     {"category": "主任办公会学法", "participants": 9}, [("列「会议类型」（C列）按「类别」读取（表头以“类型”结尾）", 1)], []),
    ("the_exact_one_wins_the_others_ignored_with_a_note",
     ["日期", "单位", "类别", "主题", "应到人数", "实到人数", "参加人数"],
     [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", 20, 18, 18],
     {"participants": 18}, [],
     ["列「应到人数」（E列）也像是「参加人数」，已按「参加人数」（G列）读取，此列未导入",
      "列「实到人数」（F列）也像是「参加人数」，已按「参加人数」（G列）读取，此列未导入"]),
    ("the_columns_own_name_beats_a_listed_spelling",
     ["日期", "时间", "单位", "类别", "主题", "参加人数"],
     [D(2025, 3, 1), "9:00-11:00", "红旗区", "党组中心组学法", "法治思想", 15],
     {"date": D(2025, 3, 1)}, [], ["列「时间」（B列）也像是「日期」，已按「日期」（A列）读取，此列未导入"]),
    ("a_listed_spelling_beats_a_partial_one",
     ["日期", "单位", "类别", "主题", "到会人数", "参训人数"],
     [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", 20, 17],
     {"participants": 17}, [], ["列「到会人数」（E列）也像是「参加人数」，已按「参训人数」（F列）读取，此列未导入"]),
    ("ends_with_beats_contains_and_no_column_takes_two_fields",
     ["活动时间", "单位", "活动名称", "宣传节点", "活动地点类型", "活动地点", "参与人数"],
     [D(2025, 3, 1), "红旗区", "进社区", "3·1民防日", "社区", "幸福社区", 100],
     {"venue_type": "社区", "venue": "幸福社区", "people": 100},
     [("列「活动地点类型」（E列）按「地点类型」读取（表头以“地点类型”结尾）", 1)], []),
    ("an_optional_number_column_that_does_not_read_is_left_out_not_refused",
     ["日期", "单位", "活动名称", "宣传节点", "参与人数", "新闻报道"],
     [D(2025, 3, 1), "红旗区", "进社区", "3·1民防日", 100, "新乡日报"],
     {"people": 100, "media": None}, [], ["列「新闻报道」（F列）像是「媒体报道(篇)」，但其中有不能按此列读取的内容，此列未导入"]),
    ("more_clerks_headers",
     ["学习时间", "所在县区", "学习分类", "学习内容", "参学人员数"],
     [D(2025, 3, 1), "红旗区", "全员法治培训", "民法典", 40],
     {"unit": "红旗区", "category": "全员法治培训", "participants": 40},
     [("列「所在县区」（B列）按「单位」读取（表头以“县区”结尾）", 1), ("列「学习分类」（C列）按「类别」读取（表头以“分类”结尾）", 1)], []),
    ("publicity_day_and_materials",
     ["日期", "单位", "宣传主题", "宣传日", "受众人数", "发放材料（份）"],
     [D(2025, 3, 1), "红旗区", "进社区", "3·1", 100, "200份"],
     {"title": "进社区", "node": "3·1民防日", "materials": 200},
     [("列「宣传日」（D列）按「宣传节点」读取（表头以“宣传日”结尾）", 1), ("列「发放材料（份）」（F列）按「发放资料(份)」读取", 1)], []),
    ("staff_headers",
     ["统计时间", "单位", "核定编制数", "在岗执法人员数", "持执法证人数", "新申领", "换证", "年审通过", "参训人数"],
     [D(2025, 6, 30), "红旗区", 6, 5, 5, 1, 0, 5, 5],
     {"quota": 6, "staff": 5, "certified": 5}, [("列「持执法证人数」（E列）按「持证人数」读取", 1)], []),
    ("row_numbers_are_left_out_without_a_note",
     ["序 号", "日期", "单位", "活动名称", "宣传节点", "参与人数", "联系人"],
     [1, D(2025, 3, 1), "红旗区", "进社区", "3·1民防日", 100, "张三"],
     {"people": 100}, [], ["列 联系人 不属于宣传活动台账，已忽略"]),
    ("a_link_column_is_no_count",
     ["日期", "单位", "活动名称", "宣传节点", "参与人数", "报道链接"],
     [D(2025, 3, 1), "红旗区", "进社区", "3·1民防日", 100, "http://x.cn/1"],
     {"people": 100, "media": None}, [], ["报道链接 不属于宣传活动台账，已忽略"]),
]


@pytest.mark.parametrize("header,row,values,expected_readings,notes", [c[1:] for c in HEADER_CASES],
                         ids=[c[0] for c in HEADER_CASES])
def test_headers_by_key_word(tmp_path, header, row, values, expected_readings, notes):
    parsed = parse(tmp_path, [header, row])
    assert parsed.ok, [p.message for p in parsed.problems]
    kind = next(iter(parsed.records))
    got = record(parsed, kind)
    assert {f: got[f] for f in values} == values
    for text, rows in expected_readings:
        assert any(text in t and n == rows for t, n in readings(parsed)), readings(parsed)
    for note in notes:
        assert any(note in n for n in parsed.notes), parsed.notes


def test_the_same_header_twice_is_still_refused(tmp_path):
    parsed = parse(tmp_path, [["日期", "日期", "单位", "类别", "主题", "参加人数"],
                              [D(2025, 3, 1), D(2025, 3, 2), "红旗区", "党组中心组学法", "法治思想", 15]])
    assert [(p.flat(), p.extra) for p in parsed.problems] == [(("台账", 1, "日期", "duplicate_column"), "A、B")]


def test_template_headers_read_as_before_with_no_interpretation(tmp_path):
    parsed = parse(tmp_path, [TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]])
    assert parsed.ok and parsed.interpretations == [] and parsed.questions == []


# ------------------------------------------------------------------ asked where nothing decides

ASK_CASES = [
    # (id, header, row, expected problems, questions (subject, suggestions), answer (header, column), value read)
    ("two_partial_counts_tie",
     ["日期", "单位", "类别", "主题", "应到人数", "实到人数"], [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", 20, 18],
     [("台账", 1, "参加人数", "ambiguous_column")], [("应到人数", ("参加人数",)), ("实到人数", ("参加人数",))],
     ("实到人数", "参加人数"), ("participants", 18)),
    ("no_header_names_the_category",
     ["日期", "单位", "项目", "主题", "参加人数"], [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", 15],
     [("台账", 1, "类别", "missing_column")], [("项目", ())], ("项目", "类别"), ("category", "党组中心组学法")),
]


@pytest.mark.parametrize("header,row,problems,questions,answer,read", [c[1:] for c in ASK_CASES],
                         ids=[c[0] for c in ASK_CASES])
def test_undecided_headers_are_asked_and_the_answer_decides(tmp_path, header, row, problems, questions, answer, read):
    refused = parse(tmp_path, [header, row])
    assert [p.flat() for p in refused.problems] == problems
    asked = [(q.subject, q.suggestions) for q in refused.questions if q.kind == "column"]
    for q in questions:
        assert q in asked
    column_question = next(q for q in refused.questions if q.subject == answer[0])
    assert answer[1] in column_question.options and IGNORE in column_question.options

    given = Answers()
    given.add_column(*answer)
    parsed = parse(tmp_path, [header, row], name="again.xlsx", answers=given)
    assert parsed.ok, [p.message for p in parsed.problems]
    assert record(parsed)[read[0]] == read[1]
    assert (f"列「{answer[0]}」", 1) in [(t.split("（")[0], n) for t, n in readings(parsed)]
    assert [(u.kind, u.subject, u.target) for u in parsed.used] == [("column", answer[0], answer[1])]


def test_a_column_answered_not_to_be_imported_is_left_out(tmp_path):
    header = ["日期", "单位", "类别", "主题", "应到人数", "实到人数"]
    given = Answers()
    given.add_column("应到人数", IGNORE)
    parsed = parse(tmp_path, [header, [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", 20, 18]], answers=given)
    assert parsed.ok and record(parsed)["participants"] == 18


# ------------------------------------------------------------------ values by meaning

VALUE_CASES = [
    # (id, column, cell, value read, how the preview says it was read (None: no reading))
    ("node_by_date_alone", "node", "9·18", "9·18警报鸣放", "常用写法"),
    ("node_by_date_with_a_dot", "node", "3.1", "3·1民防日", "常用写法"),
    ("node_by_chinese_date", "node", "5月12日", "5·12防灾减灾日", "常用写法"),
    ("node_excel_made_a_date", "node", dt.datetime(2025, 9, 18), "9·18警报鸣放", "按日期“9·18”"),
    ("node_by_short_name", "node", "民防日", "3·1民防日", "常用写法"),
    ("node_with_a_suffix", "node", "3·1民防日宣传活动", "3·1民防日", "含“31民防日”"),
    ("node_with_year_in_front", "node", "2025年全民国防教育月", "全民国防教育月", "含“全民国防教育月”"),
    ("node_canonical_other_punctuation", "node", "3•1 民防日", "3·1民防日", None),
    ("category_short_name", "category", "中心组", "党组中心组学法", "简称"),
    ("category_with_a_prefix", "category", "开展党组中心组学法", "党组中心组学法", "含“党组中心组学法”"),
    ("category_with_a_bracketed_suffix", "category", "党组中心组学法（第一季度）", "党组中心组学法", "去掉括号中的文字"),
    ("category_listed_alias", "category", "法治专题讲座", "领导班子法治讲座", "常用写法"),
    ("unit_city_in_front", "unit", "新乡市辉县市人防办", "辉县市", "去掉前面的“新乡市”"),
    ("unit_province_and_city_in_front", "unit", "河南省新乡市卫辉市人民防空办公室", "卫辉市", "去掉前面的“河南省新乡市”"),
    ("unit_city_in_front_of_xinxiang_county", "unit", "新乡市新乡县国动办", "新乡县", "去掉前面的“新乡市”"),
    ("xinxiang_county_keeps_its_name", "unit", "新乡县人防办", "新乡县", None),
    ("xinxiang_county_plain", "unit", "新乡县", "新乡县", None),
    ("city_office_itself", "unit", "新乡市人防办", "市国动办", None),
    ("unit_short_name", "unit", "辉县", "辉县市", "简称"),
    ("unit_bracketed_office", "unit", "红旗区（国动办）", "红旗区", "去掉括号中的文字"),
    ("unit_a_section_of_the_office", "unit", "市国动办法规科", "市国动办", "去掉后面的“法规科”"),
    ("unit_section_with_city_in_front", "unit", "新乡市辉县市人防办综合科", "辉县市", "去掉后面的“综合科”"),
    ("unit_former_name_listed", "unit", "长垣县人防办", "长垣市", None),
    ("category_numbered", "category", "1.党组中心组学法", "党组中心组学法", "含“党组中心组学法”"),
    # a publicity day none of the four, and near none: the 其他 the list keeps for it
    ("node_another_day", "node", "4·15国家安全教育日", "其他", "不是所列的宣传节点"),
    ("node_a_week", "node", "宪法宣传周", "其他", "不是所列的宣传节点"),
    ("node_a_listed_node_misdated", "node", "9·19警报鸣放", "9·18警报鸣放", "含“警报鸣放”"),
    ("venue_type_another_place", "venue_type", "农村", "其他", "不是所列的地点类型"),
]


def _one_row(column: str, cell):
    if column in ("node", "venue_type"):
        row = [D(2025, 3, 1), "红旗区", "活动", "3·1民防日", "社区", None, 100, None, None, None]
        row[{"node": 3, "venue_type": 4}[column]] = cell
        return [PUBLICITY_HEADER, row], "publicity"
    row = [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]
    row[{"unit": 1, "category": 2}[column]] = cell
    return [TRAINING_HEADER, row], "training"


@pytest.mark.parametrize("column,cell,value,how", [c[1:] for c in VALUE_CASES], ids=[c[0] for c in VALUE_CASES])
def test_values_by_meaning(tmp_path, column, cell, value, how):
    rows, kind = _one_row(column, cell)
    second = list(rows[1])  # two rows with the same value: the reading counts both
    second[0], second[2 if kind == "publicity" else 3] = D(2025, 3, 2), "另一次"
    rows.append(second)
    parsed = parse(tmp_path, rows)
    assert parsed.ok, [(p.message, p.fix) for p in parsed.problems]
    assert parsed.records[kind][column].to_list() == [value, value]
    values_read = [(t, n) for t, n in readings(parsed) if "读取（" in t and not t.startswith("列")]
    if how is None:
        assert values_read == []
    else:
        assert len(values_read) == 1 and values_read[0][1] == 2
        assert values_read[0][0].endswith(f"按「{value}」读取（{how}）"), values_read


TYPO_CASES = [
    # (id, column, cell, code, nearest choices named in the refusal)
    ("category_typo", "category", "法治讲坐", "unknown_choice", ("领导班子法治讲座",)),
    ("category_fits_two", "category", "培训", "unknown_choice", ("执法人员培训", "全员法治培训")),
    ("category_unknown", "category", "读书会", "unknown_choice", ()),
    ("node_names_two", "node", "国防教育月暨9·18", "unknown_choice", ("9·18警报鸣放", "全民国防教育月")),
    ("node_misspelt_is_not_other", "node", "全民国防教肓月", "unknown_choice", ("全民国防教育月",)),
    ("node_a_sign_is_not_other", "node", "？", "unknown_choice", ()),
    ("unit_typo", "unit", "卫宾区", "unknown_unit", ("卫滨区",)),
    ("unit_doubled", "unit", "红旗区区", "unknown_unit", ("红旗区",)),
    ("unit_city_alone_fits_several", "unit", "新乡", "unknown_unit", ("市国动办", "新乡县", "高新区", "经开区")),
    ("unit_unknown", "unit", "火星区", "unknown_unit", ()),
]


@pytest.mark.parametrize("column,cell,code,near", [c[1:] for c in TYPO_CASES], ids=[c[0] for c in TYPO_CASES])
def test_typos_and_ambiguities_are_refused_naming_the_nearest(tmp_path, column, cell, code, near):
    rows, _ = _one_row(column, cell)
    parsed = parse(tmp_path, rows)
    assert [p.code for p in parsed.problems] == [code]
    problem = parsed.problems[0]
    assert problem.near == near and problem.cell and problem.row == 2 and problem.value == cell
    if near:
        assert problem.fix.startswith("是否为" + "或".join(f"「{n}」" for n in near) + "？")
    asked = [q for q in parsed.questions if q.kind == "value"]
    assert [(q.subject, q.suggestions, q.rows) for q in asked] == [(cell, near, 1)]
    assert set(near) <= set(asked[0].options)


def test_a_value_answer_is_applied_and_reported(tmp_path):
    rows, _ = _one_row("category", "法治讲坐")
    given = Answers()
    given.add_value("类别", "法治讲坐", "领导班子法治讲座")
    parsed = parse(tmp_path, rows, answers=given)
    assert parsed.ok and record(parsed)["category"] == "领导班子法治讲座"
    assert ("类别「法治讲坐」按「领导班子法治讲座」读取（本次回答）", 1) in readings(parsed)
    assert [(u.kind, u.column, u.subject, u.target) for u in parsed.used] == [("value", "类别", "法治讲坐", "领导班子法治讲座")]


def test_an_answer_naming_no_allowed_value_is_not_taken(tmp_path):
    rows, _ = _one_row("category", "读书会")
    given = Answers()
    given.add_value("类别", "读书会", "读书")
    assert [p.code for p in parse(tmp_path, rows, answers=given).problems] == ["unknown_choice"]


# ------------------------------------------------------------------ the unit from the sheet's context

NO_UNIT_HEADER = ["日期", "类别", "主题", "参加人数"]
NO_UNIT_ROWS = [[D(2025, 3, 1), "党组中心组学法", "法治思想", 15], [D(2025, 4, 1), "全员法治培训", "民法典", 40]]

CONTEXT_CASES = [
    # (id, rows above the header, file name, unit taken or None, where it came from / the refusal's hint)
    ("stamp_line", [["2025年培训学法台账"], ["填报单位（盖章）：卫辉市人防办", None, "填报日期：2025年7月1日"]], "台账.xlsx",
     "卫辉市", "表头上方的“填报单位（盖章）：卫辉市人防办”"),
    ("stamp_line_one_cell_with_date", [["填报单位（盖章）：新乡市获嘉县国动办      填报日期：2025年7月1日"]], "台账.xlsx",
     "获嘉县", "表头上方的“填报单位（盖章）：新乡市获嘉县国动办”"),
    ("stamp_line_value_in_the_next_cell", [["填报单位：", "原阳县人防办"]], "台账.xlsx", "原阳县", "表头上方的“填报单位："),
    ("title", [["新乡市红旗区人防办2025年培训学法台账"]], "台账.xlsx", "红旗区", "标题“新乡市红旗区人防办2025年培训学法台账”"),
    ("file_name", [["2025年培训学法台账"]], "延津县2025年学法台账.xlsx", "延津县", "文件名“延津县2025年学法台账”"),
    ("file_name_csv", [], "封丘县学法台账.csv", "封丘县", "文件名“封丘县学法台账”"),
    ("title_and_file_name_agree", [["长垣市培训学法台账"]], "长垣市.xlsx", "长垣市", "标题“长垣市培训学法台账”、文件名“长垣市”"),
    ("none", [["2025年培训学法台账"]], "台账.xlsx", None, "表中没有「单位」列，表头上方、标题和文件名中也没有写明单位"),
    ("the_city_in_a_title_is_a_place_not_the_city_office", [["新乡市2025年度培训学法台账"]], "牧野区.xlsx", "牧野区",
     "文件名“牧野区”"),
    ("several_in_the_title", [["红旗区、卫滨区培训学法台账"]], "台账.xlsx", None, "写了不止一个单位（红旗区、卫滨区）"),
    ("title_and_file_name_disagree", [["红旗区培训学法台账"]], "卫滨区.xlsx", None, "写了不止一个单位（红旗区、卫滨区）"),
]


@pytest.mark.parametrize("above,name,unit,where", [c[1:] for c in CONTEXT_CASES], ids=[c[0] for c in CONTEXT_CASES])
def test_unit_from_the_sheets_context(tmp_path, above, name, unit, where):
    parsed = parse(tmp_path, [*above, NO_UNIT_HEADER, *NO_UNIT_ROWS], name=name)
    if unit:
        assert parsed.ok, [(p.message, p.fix) for p in parsed.problems]
        assert parsed.records["training"]["unit"].to_list() == [unit, unit]
        (text, rows), = [(t, n) for t, n in readings(parsed) if "单位" in t]
        assert text.startswith(f"表中没有「单位」列，各行单位取自{where}") and text.endswith(f"：{unit}") and rows == 2
    else:
        assert [p.flat() for p in parsed.problems] == [("台账" if not name.endswith(".csv") else name[:-4],
                                                        len(above) + 1, "单位", "missing_column")]
        assert where in parsed.problems[0].fix and "填报单位：某某县国动办" in parsed.problems[0].fix


def test_an_empty_unit_column_takes_the_unit_written_above(tmp_path):
    rows = [["填报单位（盖章）：获嘉县人防办"], ["日期", "单位", "类别", "主题", "参加人数"],
            [D(2025, 3, 1), None, "党组中心组学法", "法治思想", 15], [D(2025, 3, 2), None, "全员法治培训", "民法典", 30]]
    parsed = parse(tmp_path, rows)
    assert parsed.ok and parsed.records["training"]["unit"].to_list() == ["获嘉县", "获嘉县"]
    assert ("「单位」列没有填写，各行单位取自表头上方的“填报单位（盖章）：获嘉县人防办”：获嘉县", 2) in readings(parsed)
    assert not any("单位" in n for n in parsed.notes)
    half = parse(tmp_path, [*rows[:3], [D(2025, 3, 2), "获嘉县", "全员法治培训", "民法典", 30]], name="half.xlsx")
    assert [p.flat() for p in half.problems] == [("台账", 3, "单位", "required")]  # partly filled: each row says


def test_a_unit_taken_from_context_is_still_checked_row_by_row(tmp_path):
    # the 填报单位 unit fills the rows; a bad cell elsewhere still refuses the file with its precise record
    rows = [["填报单位：红旗区国动办"], NO_UNIT_HEADER, NO_UNIT_ROWS[0], ["2025-02-30", "全员法治培训", "民法典", 40]]
    parsed = parse(tmp_path, rows)
    assert [(p.flat(), p.cell) for p in parsed.problems] == [(("台账", 4, "日期", "impossible_date"), "A4")]


# ------------------------------------------------------------------ pasted pages

def test_pages_pasted_together_are_read_and_the_repeats_noted(tmp_path):
    title = "红旗区2025年培训学法台账"
    rows = [[title], TRAINING_HEADER,
            [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None],
            [title], TRAINING_HEADER,  # page 2 pasted with its title and header
            [D(2025, 4, 1), "红旗区", "主任办公会学法", "一季度", "李四", 9, 1, None],
            TRAINING_HEADER,  # a row that only repeats the header
            ["续表"],
            [D(2025, 5, 1), "红旗区", "全员法治培训", "民法典", "王五", 40, 2, None],
            ["培训学法台账（续）"],  # a later page's own title
            [D(2025, 6, 1), "红旗区", "执法人员培训", "行政处罚法", "赵六", 20, 3, None],
            ["- 3 -"], ["以下空白"]]
    path = write_xlsx(tmp_path / "粘贴.xlsx", {"台账": rows}, {"台账": ["A1:H1", "A4:H4"]})
    parsed = imports.parse_path(path)
    assert parsed.ok, [p.message for p in parsed.problems]
    assert parsed.records["training"]["_row"].to_list() == [3, 6, 9, 11]
    assert ("第 4、5、7、10 行只是重复的标题或表头（分页粘贴），已跳过", 4) in readings(parsed)


def test_a_pasted_page_with_a_bad_row_is_still_refused_precisely(tmp_path):
    rows = [TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None],
            TRAINING_HEADER, [D(2025, 4, 1), "火星区", "主任办公会学法", "一季度", "李四", 9, 1, None]]
    parsed = parse(tmp_path, rows)
    assert [(p.flat(), p.cell) for p in parsed.problems] == [(("台账", 4, "单位", "unknown_unit"), "B4")]


# ------------------------------------------------------------------ date forms

DATE_CASES = [
    ("eight_digits", "20250301", D(2025, 3, 1)),
    ("eight_digits_as_number", 20250302, D(2025, 3, 2)),
    ("eight_digits_with_time", "20250303 09:30", D(2025, 3, 3)),
    ("iso_with_time", "2025-03-04 09:30:00", D(2025, 3, 4)),
    ("excel_datetime", dt.datetime(2025, 3, 5, 14, 30), D(2025, 3, 5)),
    ("zero_padded_chinese", "2025年03月06日", D(2025, 3, 6)),
    ("zero_padded_dots", "2025.03.07", D(2025, 3, 7)),
    ("chinese_time_of_day", "2025年3月8日上午9:30", D(2025, 3, 8)),
    ("chinese_hour", "2025年3月9日14时30分", D(2025, 3, 9)),
    ("weekday_in_brackets", "2025年3月10日（星期一）", D(2025, 3, 10)),
    ("slashes_with_time", "2025/3/11 9:00", D(2025, 3, 11)),
    ("serial_with_time_of_day", "45728.5", D(2025, 3, 12)),
    ("half_day", "2025.3.13 上午", D(2025, 3, 13)),
    ("time_span", "2025-03-14 9:00-11:30", D(2025, 3, 14)),
    ("chinese_time_span", "2025年3月15日下午2:30—4:30", D(2025, 3, 15)),
]


@pytest.mark.parametrize("cell,date", [c[1:] for c in DATE_CASES], ids=[c[0] for c in DATE_CASES])
def test_date_forms(tmp_path, cell, date):
    parsed = parse(tmp_path, [TRAINING_HEADER, [cell, "红旗区", "全员法治培训", "a", None, 10, None, None]])
    assert parsed.ok, [p.message for p in parsed.problems]
    assert record(parsed)["date"] == date


@pytest.mark.parametrize("cell,code", [("20251301", "impossible_date"), ("2025-02-30 10:00", "impossible_date"),
                                       ("2025.3.1-", "bad_date"), ("2025.3.1-3.32", "bad_date"),
                                       ("2025年3月", "bad_date"), ("三月初", "bad_date")])
def test_impossible_and_unreadable_dates_still_refused(tmp_path, cell, code):
    parsed = parse(tmp_path, [TRAINING_HEADER, [cell, "红旗区", "全员法治培训", "a", None, 10, None, None]])
    assert [p.code for p in parsed.problems] == [code]


def test_a_summary_table_beside_the_ledger_is_no_ledger(tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {
        "台账": [TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]],
        "汇总": [["单位", "开展次数", "参加人次", "报道篇数"], ["红旗区", 1, 15, 0]]})
    parsed = imports.parse_path(path)
    assert parsed.ok and parsed.sheets == {"台账": "培训学法台账"}
    assert "工作表「汇总」不是台账（如填表说明），已跳过" in parsed.notes


@pytest.mark.parametrize("title,name,ok", [
    ("2025年培训学法台账", "台账.xlsx", True),
    ("培训学法台账", "红旗区2025年学法台账.xlsx", True),
    ("培训学法台账", "台账.xlsx", False),  # no year anywhere: refused as before
    ("2024—2025年培训学法台账", "台账.xlsx", False),  # two years: never guessed
], ids=["year_in_title", "year_in_file_name", "no_year", "two_years"])
def test_month_and_day_only_take_the_year_of_the_title(tmp_path, title, name, ok):
    rows = [[title], TRAINING_HEADER, ["3月1日", "红旗区", "全员法治培训", "a", None, 10, None, None],
            ["3月2日下午", "红旗区", "全员法治培训", "b", None, 10, None, None]]
    parsed = parse(tmp_path, rows, name=name)
    if ok:
        assert parsed.ok and parsed.records["training"]["date"].to_list() == [D(2025, 3, 1), D(2025, 3, 2)]
        (text, rows_), = [(t, n) for t, n in readings(parsed) if "只写了月、日" in t]
        assert text.endswith("：2025年") and rows_ == 2
    else:
        assert [p.code for p in parsed.problems] == ["bad_date", "bad_date"]


def test_a_dotted_month_day_is_never_completed(tmp_path):
    # 3.1 may be the number Excel made of 3.10: refused even with the year in the title
    parsed = parse(tmp_path, [["2025年培训学法台账"], TRAINING_HEADER, ["3.1", "红旗区", "全员法治培训", "a", None, 10, None, None]])
    assert [p.code for p in parsed.problems] == ["bad_date"]


# ------------------------------------------------------------------ habits of county ledgers (QA pass)

SEQ_HEADER = ["序号", *TRAINING_HEADER]


def _seq_rows(*extra):
    return [SEQ_HEADER, [1, D(2025, 3, 1), "红旗区", "全员法治培训", "a", None, 10, 2, None],
            [2, D(2025, 3, 2), "红旗区", "全员法治培训", "b", None, 12, 2, None], *extra]


NOT_A_RECORD = [
    # (id, the row under the table): totals and signatures, mostly in the 序号 column no field takes
    ("total_in_the_seq_column", ["合计", None, None, None, None, None, 22, 4, None]),
    ("total_spaced_with_a_unit_filled", ["合  计", None, "红旗区", None, None, None, 22, 4, None]),
    ("subtotal_of_a_quarter", ["一季度小计", None, None, None, None, None, 22, None, None]),
    ("half_year_total", ["上半年合计", None, None, None, None, None, 22, None, None]),
    ("page_subtotal_in_the_date_column", [None, "本页小计", None, None, None, None, 22, None, None]),
    ("yearly_running_total", ["本年累计：", None, None, None, None, None, 22, None, None]),
    ("report_date_line", [None, "填报日期：2025年7月1日", None, None, None, None, None, None, None]),
    ("head_of_unit_line", [None, "单位负责人：张三", None, "填表：李四", None, None, None, None, None]),
    ("checked_by_line", [None, "审核：王五", None, None, None, None, None, None, None]),
    ("leader_signature_line", [None, "分管领导签字：", None, None, None, None, None, None, None]),
    ("phone_line", [None, "联系电话：0373-1234567", None, None, None, None, None, None, None]),
    ("seal_line", [None, "（盖章）", None, None, None, None, None, None, None]),
]


@pytest.mark.parametrize("row", [c[1] for c in NOT_A_RECORD], ids=[c[0] for c in NOT_A_RECORD])
def test_totals_and_signature_rows_are_not_records(tmp_path, row):
    parsed = parse(tmp_path, _seq_rows([None] * 9, row))
    assert parsed.ok, [p.message for p in parsed.problems]
    assert parsed.records["training"]["participants"].to_list() == [10, 12]


def test_a_total_in_the_seq_column_of_monthly_sheets_checked_together(tmp_path):
    # sheets laid out alike are checked as one frame (imports._check_together): the 序号 column goes with them
    total = ["合计", None, None, None, None, None, 22, 4, None]
    path = write_xlsx(tmp_path / "台账.xlsx", {"1月": _seq_rows(total), "2月": [SEQ_HEADER,
                      [1, D(2025, 2, 1), "红旗区", "全员法治培训", "c", None, 8, 2, None], total]})
    parsed = imports.parse_path(path)
    assert parsed.ok, [p.message for p in parsed.problems]
    assert sorted(parsed.records["training"]["participants"].to_list()) == [8, 10, 12]


def test_a_total_with_a_formula_and_its_saved_result_is_skipped(tmp_path):
    import xlsxwriter

    path = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    ws.merge_range(0, 0, 0, 8, "红旗区2025年培训学法台账")
    for r, row in enumerate(_seq_rows()[0:], 1):
        ws.write_row(r, 0, [v.isoformat() if isinstance(v, dt.date) else v for v in row])
    ws.write(4, 0, "合计")
    ws.write_formula(4, 6, "=SUM(G3:G4)", None, 22)
    wb.close()
    parsed = imports.parse_path(path)
    assert parsed.ok, [p.message for p in parsed.problems]
    assert parsed.records["training"].height == 2


@pytest.mark.parametrize("row,problem", [
    # a row with a 序号 and a figure but no date is still a record with its date missing
    ([3, None, "红旗区", "全员法治培训", "c", None, 9, None, None], ("台账", 4, "日期", "required")),
    # a sentence that merely contains 合计 is data, not a total
    ([3, "2025年3月3日", "红旗区", "全员法治培训", "c", None, "合计9人", None, None], ("台账", 4, "参加人数", "not_a_number")),
], ids=["numbered_row_without_date", "total_word_inside_a_value"])
def test_rows_that_only_look_like_totals_are_still_checked(tmp_path, row, problem):
    parsed = parse(tmp_path, _seq_rows(row))
    assert [p.flat() for p in parsed.problems] == [problem]


MORE_DATE_CASES = [
    # (id, cell, date, reading expected or "")
    ("range_with_month", "2025年3月1日-3月2日", D(2025, 3, 1), "起止日期"),
    ("range_day_only", "2025年5月6日至7日", D(2025, 5, 6), "起止日期"),
    ("range_dotted", "2025.6.1-6.2", D(2025, 6, 1), "起止日期"),
    ("range_full", "2025-06-03~2025-06-04", D(2025, 6, 3), "起止日期"),
    ("as_of", "截至2025年6月30日", D(2025, 6, 30), ""),
    ("until", "2025年6月29日止", D(2025, 6, 29), ""),
    ("chinese_numerals", "二〇二五年三月一日", D(2025, 3, 1), ""),
    ("chinese_numerals_tens", "二〇二五年十一月二十一日", D(2025, 11, 21), ""),
    ("chinese_numerals_letter_o", "二O二五年十二月三十日", D(2025, 12, 30), ""),
]


@pytest.mark.parametrize("cell,date,reading", [c[1:] for c in MORE_DATE_CASES], ids=[c[0] for c in MORE_DATE_CASES])
def test_more_date_forms(tmp_path, cell, date, reading):
    parsed = parse(tmp_path, [TRAINING_HEADER, [cell, "红旗区", "全员法治培训", "a", None, 10, None, None]])
    assert parsed.ok, [p.message for p in parsed.problems]
    assert record(parsed)["date"] == date
    read = [(t, n) for t, n in readings(parsed) if "日期" in t]
    assert read == ([(f"「日期」写的是起止日期（如「{cell}」），按开始的日期读取", 1)] if reading else [])


def test_a_range_of_month_and_day_takes_the_year_of_the_title(tmp_path):
    parsed = parse(tmp_path, [["2025年培训学法台账"], TRAINING_HEADER,
                              ["3月1日-3月2日", "红旗区", "执法人员培训", "a", None, 10, None, None]])
    assert parsed.ok and record(parsed)["date"] == D(2025, 3, 1)


COUNT_CASES = [
    # (id, ledger, column index in its header, cell, value read): an optional count with nothing to count
    ("hours_slash", "training", 6, "/", None),
    ("hours_dash", "training", 6, "—", None),
    ("hours_none", "training", 6, "无", None),
    ("media_hyphen", "publicity", 8, "-", None),
    ("materials_none", "publicity", 7, "无", None),
]


@pytest.mark.parametrize("kind,j,cell,value", [c[1:] for c in COUNT_CASES], ids=[c[0] for c in COUNT_CASES])
def test_a_placeholder_in_an_optional_count_is_empty(tmp_path, kind, j, cell, value):
    if kind == "training":
        row = [D(2025, 3, 1), "红旗区", "全员法治培训", "a", None, 10, 2, None]
        header = TRAINING_HEADER
    else:
        row = [D(2025, 3, 1), "红旗区", "宣传", "3·1民防日", "社区", "某社区", 100, 50, 1, None]
        header = PUBLICITY_HEADER
    row[j] = cell
    parsed = parse(tmp_path, [header, row])
    assert parsed.ok, [p.message for p in parsed.problems]
    field = {"training": {5: "participants", 6: "hours"}, "publicity": {6: "people", 7: "materials", 8: "media"}}[kind][j]
    assert record(parsed, kind)[field] == value and not readings(parsed)


@pytest.mark.parametrize("cell", ["/", "—", "无", "若干", "约200人", "30多人"])
def test_a_required_count_with_no_number_is_still_refused(tmp_path, cell):
    # an approximate count is no figure: the ledger's count is what the 签到表 shows
    parsed = parse(tmp_path, [TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "全员法治培训", "a", None, cell, 2, None]])
    assert [(p.flat(), p.value) for p in parsed.problems] == [(("台账", 2, "参加人数", "not_a_number"), cell)]


@pytest.mark.parametrize("cell", ["300余份", "约500", "若干"])
def test_an_optional_count_with_words_is_still_refused(tmp_path, cell):
    row = [D(2025, 3, 1), "红旗区", "宣传", "3·1民防日", "社区", "某社区", 100, cell, 1, None]
    parsed = parse(tmp_path, [PUBLICITY_HEADER, row])
    assert [(p.flat(), p.value) for p in parsed.problems] == [(("台账", 2, "发放资料(份)", "not_a_number"), cell)]


LINE_ABOVE_CASES = [
    # (id, line above a header that has a 序号 column and no 单位 column)
    ("label_and_value_in_one_cell", ["填报单位：新乡县人防办"]),
    ("label_and_value_in_two_cells", ["填报单位：", "新乡县人防办"]),
    ("with_report_date", ["填报单位（盖章）：新乡县人防办", None, None, "填报时间：2025年7月2日"]),
]


@pytest.mark.parametrize("line", [c[1] for c in LINE_ABOVE_CASES], ids=[c[0] for c in LINE_ABOVE_CASES])
def test_a_line_above_the_header_is_no_header_row(tmp_path, line):
    header = ["序号", "时间", "类别", "事项", "备注"]
    parsed = parse(tmp_path, [["2025年制度落实台账"], line, header,
                              [1, "2025年1月10日", "党组听取汇报", "听取汇报", None],
                              [2, "2025年6月20日", "办公会研究法治", "研究重大问题", None]])
    assert parsed.ok, [p.message for p in parsed.problems]
    assert parsed.records["governance"]["unit"].to_list() == ["新乡县", "新乡县"]


def test_a_column_under_a_group_cell_is_read_with_it(tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {"S": [
        ["凤泉区宣传活动台账"] + [None] * 8,
        ["活动时间", "活动名称", "宣传节点", "活动地点", None, "参与人数", "宣传成效", None, "备注"],
        [None, None, None, "类型", "具体地点", None, "发放资料", "媒体报道", None],
        ["2025年3月1日", "民防日宣传", "3·1民防日", "广场", "人民广场", 500, 800, 2, None]]},
        merges={"S": ["A1:I1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3", "G2:H2", "I2:I3"]})
    parsed = imports.parse_path(path)
    assert parsed.ok, [p.message for p in parsed.problems]
    rec = record(parsed, "publicity")
    assert (rec["venue_type"], rec["venue"], rec["materials"], rec["media"], rec["unit"]) == ("广场", "人民广场", 800, 2, "凤泉区")
    assert ("列「类型」（D列）按「地点类型」读取（表头以“地点类型”结尾）", 1) in readings(parsed)
    assert any("单位取自标题“凤泉区宣传活动台账”" in t for t, _ in readings(parsed))


STAFF_SUMMARY = ["序号", "单位", "编制人数", "实有执法人员", "持证人数", "新申领", "换证", "年审通过", "参训人数"]


@pytest.mark.parametrize("title,name,date,where", [
    ("新乡市人防系统行政执法人员统计表（截至2025年6月30日）", "统计表.xlsx", D(2025, 6, 30), "标题"),
    ("执法人员统计表", "执法人员统计表（截止2025年12月31日）.xlsx", D(2025, 12, 31), "文件名"),
    ("统计日期：2025-06-30", "统计表.xlsx", D(2025, 6, 30), "标题"),
    ("执法人员统计表（截至2025年6月30日，截至2025年12月31日）", "统计表.xlsx", None, ""),  # two dates: never guessed
    ("2025年上半年执法人员统计表", "统计表.xlsx", None, ""),  # no day: refused as before
], ids=["as_of_in_title", "as_of_in_file_name", "date_line", "two_dates", "no_date"])
def test_a_staff_snapshot_takes_its_date_from_the_title(tmp_path, title, name, date, where):
    parsed = parse(tmp_path, [[title], STAFF_SUMMARY, [1, "红旗区", 5, 4, 4, 0, 1, 4, 4], [2, "卫滨区", 4, 3, 3, 1, 0, 3, 3],
                              ["合计", None, 9, 7, 7, 1, 1, 7, 7]], name=name)
    if date is None:
        assert [(p.flat(), p.code) for p in parsed.problems] == [(("台账", 2, "统计日期", "missing_column"), "missing_column")]
        return
    assert parsed.ok, [p.message for p in parsed.problems]
    staff = parsed.records["staff"]
    assert staff["date"].to_list() == [date, date] and staff["unit"].to_list() == ["红旗区", "卫滨区"]
    (text, n), = [(t, n) for t, n in readings(parsed) if "统计日期取自" in t]
    assert text.startswith(f"表中没有「统计日期」列，各行统计日期取自{where}“") and text.endswith(date.isoformat()) and n == 2


@pytest.mark.parametrize("cells,above,unit,problems", [
    (["本单位", "本单位"], "红旗区人防办2025年培训学法台账", "红旗区", []),
    (["本办", None], "填报单位：卫滨区国动办", "卫滨区", []),
    (["本单位", "本单位"], "2025年培训学法台账", None, [("台账", 3, "单位", "unknown_unit"), ("台账", 4, "单位", "unknown_unit")]),
    (["本单位", "红旗区"], "红旗区2025年培训学法台账", None, [("台账", 3, "单位", "unknown_unit")]),  # mixed: never guessed
], ids=["this_office_with_the_title", "this_office_with_the_unit_line", "no_unit_named_anywhere", "mixed_with_names"])
def test_this_office_in_the_unit_column_takes_the_unit_named_above(tmp_path, cells, above, unit, problems):
    rows = [[above], TRAINING_HEADER] + [[D(2025, 3, k + 1), c, "全员法治培训", f"t{k}", None, 10, None, None] for k, c in enumerate(cells)]
    parsed = parse(tmp_path, rows)
    assert [p.flat() for p in parsed.problems] == problems
    if unit:
        assert parsed.records["training"]["unit"].to_list() == [unit, unit]
        assert any(t.startswith("「单位」列写的是“本单位”，各行单位取自") and n == 2 for t, n in readings(parsed))


WRITTEN_LONG_CASES = [
    # (id, ledger, cell as written, value): habitual long and local forms of a category, node or place
    ("reported_to_the_party_group", "governance", "党组会听取法治建设工作汇报", "党组听取汇报"),
    ("heard_the_rule_of_law_report", "governance", "听取法治建设汇报", "党组听取汇报"),
    ("nine_one_eight_in_characters", "publicity", "九一八", "9·18警报鸣放"),
    ("nine_one_eight_dotted_characters", "publicity", "九·一八警报试鸣", "9·18警报鸣放"),
    ("siren_test_day", "publicity", "防空警报试鸣日", "9·18警报鸣放"),
    ("five_one_two_in_characters", "publicity", "五·一二", "5·12防灾减灾日"),
    ("middle_school", "venue_type", "中学", "学校"),
    ("named_primary_school", "venue_type", "实验小学", "学校"),
    ("street_office", "venue_type", "街道", "社区"),
    ("company", "venue_type", "某某公司", "企业"),
    ("wechat_account", "venue_type", "微信公众号", "网络媒体"),
]


@pytest.mark.parametrize("kind,cell,value", [c[1:] for c in WRITTEN_LONG_CASES], ids=[c[0] for c in WRITTEN_LONG_CASES])
def test_long_and_local_forms_of_a_choice(tmp_path, kind, cell, value):
    from conftest import GOVERNANCE_HEADER
    if kind == "governance":
        rows, field, ledger = [GOVERNANCE_HEADER, [D(2025, 1, 10), "红旗区", cell, "汇报", None]], "category", "governance"
    else:
        row = [D(2025, 9, 18), "红旗区", "宣传", "其他", "社区", "某地", 100, 50, 1, None]
        row[3 if kind == "publicity" else 4] = cell
        rows, field, ledger = [PUBLICITY_HEADER, row], "node" if kind == "publicity" else "venue_type", "publicity"
    parsed = parse(tmp_path, rows)
    assert parsed.ok, [p.message for p in parsed.problems]
    assert record(parsed, ledger)[field] == value
    assert any(f"「{cell}」按「{value}」读取" in t for t, _ in readings(parsed))
