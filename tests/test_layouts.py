"""Any layout a clerk makes of a ledger reads as the clean ledger: the same figures, or a question to the clerk.

Metamorphic tests on generated layouts (tests/layouts.py, hypothesis): a clean 培训学法台账 of known
figures, laid out with a random combination of the habits in layouts.HABITS and written as .xlsx, .xls,
UTF-8/GBK CSV or UTF-16 text, must give back exactly its figures, or ask the clerk a question about an
entry's own value; never a refusal, never "damaged". Every failure names the layout's flags and seed
(rebuild it with `python -m tests.layouts '<flags>' SEED DIR`). bench/soak_layouts.py runs thousands.
Below them, tables of cases for each part of the table model: group headers, description rows,
sections, totals, our own names.
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import layouts
from conftest import TRAINING_HEADER, load, write_csv, write_xlsx
from indicators import imports

D = dt.date
EXAMPLES = 300  # the normal run; bench/soak_layouts.py runs thousands

flags = st.fixed_dictionaries({k: st.integers(0, n) for k, n in layouts.HABITS.items()})
seeds = st.integers(0, 2 ** 31 - 1)


def _check(f: dict, seed: int) -> None:
    lay = layouts.build(f, seed)
    with tempfile.TemporaryDirectory(prefix="layout-") as d:
        path = layouts.write(lay, Path(d))
        parsed = imports.parse_path(path)
        why = layouts.judge(lay, parsed)
    assert not why, f"{lay.describe()}\n  rebuild: python -m tests.layouts '{json.dumps(f)}' {seed} /tmp/layout\n  {why}"


@pytest.mark.timeout(1200)  # hundreds of files: minutes on a machine shared by many (pytest.ini allows 300 s a test)
@settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(flags, seeds)
def test_any_layout_reads_as_the_clean_ledger(f, seed):
    _check(f, seed)


@pytest.mark.timeout(1200)
@settings(max_examples=EXAMPLES // 3, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(flags, seeds, st.sampled_from(["abc", "约200人", "-5", "12.5"]))
def test_a_bad_count_in_any_layout_is_refused_at_its_cell(f, seed, bad):
    """Still strict in every layout: one entry's count made bad is the one problem, at the cell the clerk sees."""
    lay = layouts.build(f, seed)
    if lay.kind == "governance":
        f = dict(f, ledger=seed % 2)  # a log of meetings has no count to make bad
        lay = layouts.build(f, seed)
    sheet = next(s for s in lay.sheets if s.get("entries"))
    row = sheet["entries"][seed % len(sheet["entries"])]
    col = sheet["lead"] + sheet["count_col"]
    sheet["rows"][row - 1][col] = bad
    with tempfile.TemporaryDirectory(prefix="layout-") as d:
        parsed = imports.parse_path(layouts.write(lay, Path(d)))
    code = {"abc": "not_a_number", "约200人": "not_a_number", "-5": "negative", "12.5": "not_integer"}[bad]
    letter = "".join(chr(65 + n) for n in [col] if col < 26) or "A" + chr(65 + col - 26)
    assert [(p.sheet, p.row, p.cell, p.code) for p in parsed.problems] == [(sheet["name"], row, f"{letter}{row}", code)], \
        f"{lay.describe()} ({bad!r} at {letter}{row})"


@pytest.mark.parametrize("habit", sorted(layouts.HABITS))
def test_each_habit_alone_in_every_form(habit):
    """Each habit on its own, in each of its forms, for two ledgers: the failure then names one habit."""
    for form in range(1, layouts.HABITS[habit] + 1):
        for seed in (1, 2):
            _check({habit: form}, seed)


def test_there_are_at_least_25_habits_and_every_format():
    assert len(layouts.HABITS) - 1 >= 25
    assert layouts.HABITS["format"] + 1 == len(layouts.FORMATS)


def test_the_generator_is_checked_itself():
    """The judge fails a layout read wrongly: a clean ledger whose figure was changed after laying it out."""
    lay = layouts.build({"title": 1, "total": 1}, 7)
    lay.sheets[0]["rows"][lay.sheets[0]["entries"][0] - 1][5] += 1  # 参加人数 of the first entry
    with tempfile.TemporaryDirectory() as d:
        assert "figures differ" in layouts.judge(lay, imports.parse_path(layouts.write(lay, Path(d))))


@pytest.mark.parametrize("f,seed", [
    ({"group_count": 1, "split_date": 1, "column_numbers": 1, "units_row": 1, "sections": 1, "subtotals": 1, "total": 2,
      "blank_below": 1, "signatures": 2, "formatted_blank": 1, "offset_cols": 1, "catalogue_names": 1, "measures": 1}, 11),
    ({"group_count": 1, "sections": 1, "total": 1, "format": 3}, 12),
    ({"split_date": 1, "units_row": 1, "format": 1}, 13),
])
def test_a_generated_layout_stores_the_clean_figures(conn, tmp_path, f, seed):
    """Imported into the database (SQLite and PostgreSQL), a generated layout stores the clean ledger's rows."""
    lay = layouts.build(f, seed)
    result = load(conn, layouts.write(lay, tmp_path))
    assert result.ok, lay.describe()
    rows = conn.execute("SELECT date, unit, category, title, participants, hours FROM training").fetchall()
    stored = sorted((D.fromisoformat(str(r[0])[:10]), r[1], r[2], r[3].replace("\n", ""), r[4], float(r[5])) for r in rows)
    assert stored == sorted(lay.expected), lay.describe()


# ------------------------------------------------------------------ the parts of the table model, by example

def _parse(tmp_path, rows, merges=None, name="台账.xlsx"):
    path = tmp_path / name
    if name.endswith(".csv"):
        write_csv(path, [["" if v is None else v for v in r] for r in rows], "gb18030")
    else:
        write_xlsx(path, {"台账": rows}, {"台账": merges or []})
    return imports.parse_path(path)


ROW = [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]
ROW2 = [D(2025, 7, 2), "卫滨区", "全员法治培训", "民法典", "李四", 40, 1.5, None]


def _figures(parsed):
    return sorted(zip(parsed.records["training"]["unit"].to_list(), parsed.records["training"]["participants"].to_list()))


@pytest.mark.parametrize("header,sub,merges,row", [
    # 参加人数 over 合计 / 其中：执法人员: 合计 is the count, 其中 a breakdown left out
    (["日期", "单位", "类别", "主题", "主讲人", "参加人数", None, "学时"], [None, None, None, None, None, "合计", "其中：执法人员", None],
     ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:G1", "H1:H2"], lambda r: r[:6] + [3] + [r[6]]),
    # the same with 小计 and 其中 written with a colon of its own
    (["日期", "单位", "类别", "主题", "主讲人", "参训人数", None, "学时"], [None, None, None, None, None, "小计", "其中:领导干部", None],
     ["F1:G1"], lambda r: r[:6] + [3] + [r[6]]),
])
def test_a_group_header_is_read_as_group_and_sub_column(tmp_path, header, sub, merges, row):
    parsed = _parse(tmp_path, [header, sub, row(ROW), row(ROW2)], merges)
    assert parsed.ok, [p.message for p in parsed.problems]
    assert _figures(parsed) == [("卫滨区", 40), ("红旗区", 15)]
    assert f"工作表「台账」中的列「{sub[6]}」（G列）是「{header[5]}」的分项，未导入" in parsed.notes


@pytest.mark.parametrize("title,parts,row,expected", [
    ("2025年培训学法台账", ["月", "日"], lambda r: [r[0].month, r[0].day] + r[1:], [D(2025, 3, 1), D(2025, 7, 2)]),
    ("培训学法台账", ["年", "月", "日"], lambda r: [r[0].year, r[0].month, r[0].day] + r[1:], [D(2025, 3, 1), D(2025, 7, 2)]),
])
def test_a_date_written_over_columns_is_one_date(tmp_path, title, parts, row, expected):
    n = len(parts)
    header = ["日期"] + [None] * (n - 1) + TRAINING_HEADER[1:]
    sub = parts + [None] * (len(TRAINING_HEADER) - 1)
    last = chr(ord("A") + n - 1)
    parsed = _parse(tmp_path, [[title], header, sub, row(ROW), row(ROW2)], [f"A2:{last}2"])
    assert parsed.ok, [p.message for p in parsed.problems]
    assert sorted(parsed.records["training"]["date"].to_list()) == expected
    assert any("分写在" in r.text and r.rows == 2 for r in parsed.interpretations)


def test_a_date_split_without_a_year_anywhere_is_refused_at_its_cell(tmp_path):
    header = ["日期", None] + TRAINING_HEADER[1:]
    parsed = _parse(tmp_path, [header, ["月", "日"], [3, 1] + ROW[1:]], ["A1:B1"])
    assert [(p.row, p.cell, p.code) for p in parsed.problems] == [(3, "A3", "bad_date")]


@pytest.mark.parametrize("described,what", [
    (["甲", "乙", "丙", "丁", "戊", "1", "2", "3"], "栏次行"),
    (["栏次", None, None, None, None, 1, 2, 3], "栏次行"),
    ([None, None, None, None, None, "（人）", "（学时）", None], "计量单位行"),
    ([None, None, None, None, None, "(人次)", "小时", None], "计量单位行"),
])
def test_rows_that_describe_the_columns_are_skipped_and_said(tmp_path, described, what):
    parsed = _parse(tmp_path, [TRAINING_HEADER, described, ROW, ROW2])
    assert parsed.ok, [p.message for p in parsed.problems]
    assert _figures(parsed) == [("卫滨区", 40), ("红旗区", 15)]
    assert (f"第 2 行是表头下的{what}，不是数据，已跳过", 1) in [(r.text, r.rows) for r in parsed.interpretations]


def test_a_row_of_figures_under_the_header_is_data_not_a_description(tmp_path):
    """A row of numbers in the count columns (not the sums of entries) is a row, refused for its blank required cells, not 栏次."""
    parsed = _parse(tmp_path, [TRAINING_HEADER, [None, None, None, None, None, 16, 2, None], ROW])
    assert [(p.row, p.code) for p in parsed.problems][:2] == [(2, "required"), (2, "required")]


@pytest.mark.parametrize("section,merged,name", [
    ("（一）上半年", True, "台账.xlsx"),
    ("一、上半年", False, "台账.xlsx"),
    ("（一）上半年", False, "台账.csv"),
    ("第一季度", False, "台账.csv"),
    ("红旗区开展情况", True, "台账.xlsx"),
])
def test_a_section_row_is_skipped_and_said(tmp_path, section, merged, name):
    rows = [TRAINING_HEADER, [section] + [None] * 7, ROW, [section.replace("一", "二").replace("上", "下")] + [None] * 7, ROW2]
    parsed = _parse(tmp_path, rows, ["A2:H2", "A4:H4"] if merged else [], name)
    assert parsed.ok, [p.message for p in parsed.problems]
    assert _figures(parsed) == [("卫滨区", 40), ("红旗区", 15)]
    assert any(r.text.startswith("第 2、4 行是分节标题") and r.rows == 2 for r in parsed.interpretations)


@pytest.mark.parametrize("value", ["（一）", "红旗区", "上半年学法", "1、"])
def test_an_entry_with_only_one_cell_is_still_refused(tmp_path, value):
    """One filled cell that opens no section (a heading not in the first column, or no heading), in a row of
    the table: still a row with blank required cells."""
    parsed = _parse(tmp_path, [TRAINING_HEADER, ROW, [None, None, None, value] + [None] * 4])
    assert parsed.problems and {p.row for p in parsed.problems} == {3}


@pytest.mark.parametrize("value,expected", [
    ("党组理论学习中心组法治专题学习", "党组中心组学法"),
    ("行政执法人员法治专题培训", "执法人员培训"),
    ("主任办公会议学法", "主任办公会学法"),
])
def test_the_catalogues_own_indicator_names_resolve(tmp_path, value, expected):
    parsed = _parse(tmp_path, [TRAINING_HEADER, ROW[:2] + [value] + ROW[3:]])
    assert parsed.ok and not parsed.questions
    assert parsed.records["training"]["category"].to_list() == [expected]


def test_a_formatted_blank_column_in_front_is_no_damage(tmp_path):
    import openpyxl
    from openpyxl.styles import PatternFill
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate([TRAINING_HEADER, ROW, ROW2], 1):
        ws.cell(r, 1).fill = PatternFill("solid", fgColor="FFFF00")  # column A: formatting only
        for c, v in enumerate(row, 2):
            if v is not None:
                ws.cell(r, c, v)
    wb.save(tmp_path / "f.xlsx")
    parsed = imports.parse_path(tmp_path / "f.xlsx")
    assert parsed.ok, [p.message for p in parsed.problems]
    ws.cell(3, 7, "abc")  # and a bad cell is still named where the clerk sees it
    wb.save(tmp_path / "g.xlsx")
    assert [(p.row, p.cell, p.code) for p in imports.parse_path(tmp_path / "g.xlsx").problems] == [(3, "G3", "not_a_number")]


ROW3 = [D(2025, 8, 9), "凤泉区", "执法人员培训", "行政处罚法", "王五", 25, 3, None]


@pytest.mark.parametrize("total,where", [
    ([None, None, None, None, None, 80, 6.5, None], "top"),  # no label at all, above the entries
    ([None, "全市", None, None, None, 80, 6.5, None], "top"),  # 全市 where the unit goes
    ([None, "全市", None, None, None, 80, 6.5, None], "bottom"),
    (["总数", None, None, None, None, 80, None, None], "bottom"),  # only some figures written
])
def test_a_totals_row_is_known_by_its_sums_whatever_its_label(tmp_path, total, where):
    rows = [TRAINING_HEADER, total, ROW, ROW2, ROW3] if where == "top" else [TRAINING_HEADER, ROW, ROW2, ROW3, total]
    parsed = _parse(tmp_path, rows)
    assert parsed.ok and not parsed.questions, [p.message for p in parsed.problems]
    assert _figures(parsed) == [("凤泉区", 25), ("卫滨区", 40), ("红旗区", 15)]
    r, span = (2, "3–5") if where == "top" else (5, "2–4")
    assert (f"第 {r} 行没有日期和主题，各数等于第 {span} 行各条记录之和，是合计行，不是数据，已跳过", 1) in \
        [(x.text, x.rows) for x in parsed.interpretations]


@pytest.mark.parametrize("row,code", [
    ([None, None, None, None, None, 81, 6.5, None], "required"),  # one more than the sum: an entry without its keys
    ([None, "全市", None, "全市汇总", None, 80, 6.5, None], "required"),  # a title of its own: an entry
    ([None, "红旗区", None, None, None, 80, 6.5, None], "required"),  # one of our units: an entry
])
def test_a_row_that_is_not_a_total_is_still_refused(tmp_path, row, code):
    parsed = _parse(tmp_path, [TRAINING_HEADER, ROW, ROW2, ROW3, row])
    assert not parsed.ok and code in [p.code for p in parsed.problems if p.row == 5]


def test_a_place_over_its_type_and_name_is_read_as_both(tmp_path):
    from conftest import PUBLICITY_HEADER
    header = PUBLICITY_HEADER[:4] + ["地点", None] + PUBLICITY_HEADER[6:]
    sub = [None] * 4 + ["场所类型", "名称"] + [None] * 4
    row = [D(2025, 3, 1), "红旗区", "民防日进社区", "3·1民防日", "社区", "胜利社区", 300, 500, 2, None]
    path = write_xlsx(tmp_path / "p.xlsx", {"台账": [header, sub, row]}, {"台账": ["E1:F1"]})
    parsed = imports.parse_path(path)
    assert parsed.ok, [p.message for p in parsed.problems]
    got = parsed.records["publicity"].row(0, named=True)
    assert (got["venue_type"], got["venue"], got["title"], got["people"]) == ("社区", "胜利社区", "民防日进社区", 300)
