"""在线填报 in the core, on SQLite and PostgreSQL: a typed table judged exactly as an upload (the same problem
records, named by the table's row), stored as one 在线填报 batch and undone; drafts per user; a stored row
corrected where it stands (undoable, audited, refused by role and lock); the row limit."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import TRAINING_HEADER, count, load, write_xlsx
from indicators import auditlog, cycle, entry, importing, imports, progress, store
from indicators.problems import IndicatorsError
from indicators.roles import ADMIN, CLERK, LEADER, OPERATOR, Actor

D = dt.date
ADMIN_A = Actor("fgk", "孙法规", ADMIN)
LEADER_A = Actor("ld", "李主任", LEADER)
CLERK_WB = Actor("wb", "赵填报", CLERK, "卫滨区")
CLERK_HQ = Actor("hq", "王填报", CLERK, "红旗区")


def row(date="2025-03-01", unit="卫滨区", category="执法人员培训", title="行政处罚法", people=25, **more):
    return {"日期": date, "单位": unit, "类别": category, "主题": title, "参加人数": people, **more}


def participants(conn, unit="卫滨区", year=2025):
    """What the dashboards read: the year's 参加人数 total of one unit, from the aggregates."""
    return store.measure_totals(conn, D(year, 1, 1), D(year, 12, 31)).get((unit, "training:sum:participants"), 0)


def people(conn, ref):
    return next(r["参加人数"] for r in entry.rows(conn, 2025) if r["ref"] == ref)


def flat(problems):
    return [(p.row, p.column, p.code) for p in problems]


# (rows typed, problems expected as (table row, column, code)): each refused, nothing stored
BAD = [
    ([row(title=None)], [(1, "主题", "required")]),
    ([row(date="2025-02-30")], [(1, "日期", "impossible_date")]),
    ([row(date="明天")], [(1, "日期", "bad_date")]),
    ([row(people=-3)], [(1, "参加人数", "negative")]),
    ([row(people=2.5)], [(1, "参加人数", "not_integer")]),
    ([row(people="abc")], [(1, "参加人数", "not_a_number")]),
    ([row(), row(people=None, title="宪法")], [(2, "参加人数", "required")]),
    ([row(unit="火星区")], [(1, "单位", "unknown_unit")]),
    ([row(category="读书会")], [(1, "类别", "unknown_choice")]),
    ([row(), row()], [(2, "主题", "duplicate_row")]),
    ([row(), {}, row(title="宪法", people="x")], [(3, "参加人数", "not_a_number")]),  # an empty row keeps numbering
    ([{}, {"主题": None, "参加人数": float("nan")}], [(None, "", "empty_entry")]),
    ([], [(None, "", "empty_entry")]),
]


@pytest.mark.parametrize("rows,expected", BAD)
def test_bad_input_is_refused_naming_the_table_row_and_column(conn, rows, expected):
    checked, result = entry.submit(conn, OPERATOR, "training", rows)
    assert result is None and not checked.ok
    assert flat(checked.problems) == expected
    assert count(conn, "training") == 0 and count(conn, "batch") == 0


def test_problems_are_the_uploads_own_records(conn, tmp_path):
    """The same rows in a workbook (header on row 1, so the table's row n is Excel's row n + 1) give the same
    codes, columns and Chinese messages and fixes."""
    rows = [row(date="2025-02-30", people=-3), row(title="宪法", people="三十"), row(title="民法典", people="")]
    checked = entry.check(conn, OPERATOR, "training", rows)
    book = write_xlsx(tmp_path / "same.xlsx", {"台账": [TRAINING_HEADER, *[[r.get(h) for h in TRAINING_HEADER] for r in rows]]})
    upload = imports.parse_path(book)
    assert [(p.row - 1, p.column, p.code, p.message, p.fix) for p in upload.problems] == \
           [(p.row, p.column, p.code, p.message, p.fix) for p in checked.problems]
    assert [p.code for p in checked.problems] == ["impossible_date", "negative", "not_a_number", "required"]


def test_a_duplicate_names_the_first_row_as_the_table_numbers_it(conn):
    checked = entry.check(conn, OPERATOR, "training", [row(title="宪法"), row(), row()])
    assert [(p.row, p.message) for p in checked.problems] == [(3, "与第 2 行重复（单位、日期、类别、名称均相同）")]


def test_a_row_already_stored_is_refused_pointing_to_correction(conn):
    assert entry.submit(conn, OPERATOR, "training", [row()])[1].batch_id
    checked, result = entry.submit(conn, OPERATOR, "training", [row(title="宪法"), row()])
    assert result is None and flat(checked.problems) == [(2, "主题", "duplicate_stored")]
    assert "卫滨区 · 2025-03-01 · 执法人员培训 · 行政处罚法" in checked.problems[0].message
    assert "修改已保存的行" in checked.problems[0].fix
    assert count(conn, "training") == 1


def test_more_rows_than_the_limit_are_refused_stating_the_limit(conn):
    rows = [row(title=f"第{i}次") for i in range(entry.MAX_ROWS + 1)]
    checked, result = entry.submit(conn, OPERATOR, "training", rows)
    assert result is None and [p.code for p in checked.problems] == ["too_many_entry_rows"]
    assert f"最多 {entry.MAX_ROWS} 行，这次有 {entry.MAX_ROWS + 1} 行" in checked.problems[0].message
    assert count(conn, "training") == 0
    assert entry.submit(conn, OPERATOR, "training", rows[:entry.MAX_ROWS])[1].added == entry.MAX_ROWS


def test_submit_stores_one_batch_of_kind_entry_that_moves_the_figures_and_undoes(conn):
    rows = [row(date=D(2025, 3, 1), people=25.0, 学时=2.5), row(title="宪法", people=30), row(title="民法典", people=7)]
    checked, result = entry.submit(conn, CLERK_WB, "training", rows, client="127.0.0.1")
    assert checked.ok and result.added == 3
    b = store.batch(conn, result.batch_id)
    assert (b["source"], b["rows"], b["login"], b["units"]) == (entry.ENTRY, 3, "wb", "卫滨区")
    assert entry.source_name(b) == "在线填报"
    assert participants(conn) == 62
    assert store.original_file(conn, result.batch_id).read_bytes().decode("utf-8-sig").startswith("日期,单位,类别,主题")
    last = auditlog.records(conn)[0]
    assert (last["action"], last["user"], last["detail"]["rows"]) == ("import", "wb", 3)
    importing.undo(conn, result.batch_id, actor=CLERK_WB)
    assert participants(conn) == 0 and count(conn, "training") == 0


def test_html_and_formulas_are_stored_as_the_text_typed(conn):
    typed = ["<script>alert(1)</script>", "=HYPERLINK(\"http://x\",\"点我\")", "**粗体** [链接](http://x)"]
    rows = [row(title=t, 备注=t) for t in typed]
    assert entry.submit(conn, OPERATOR, "training", rows)[1].added == 3
    stored = sorted((r["主题"], r["备注"]) for r in entry.rows(conn, 2025, "卫滨区"))
    assert stored == sorted((t, t) for t in typed)


@pytest.mark.parametrize("actor,rows,message", [
    (LEADER_A, [row()], "领导账号无权导入台账"),
])
def test_a_leader_enters_nothing(conn, actor, rows, message):
    with pytest.raises(IndicatorsError, match=message):
        entry.check(conn, actor, "training", rows)
    with pytest.raises(IndicatorsError, match=message):
        entry.submit(conn, actor, "training", rows)
    with pytest.raises(IndicatorsError, match=message):
        entry.save_draft(conn, actor, "training", rows)
    assert count(conn, "training") == 0


def test_a_clerk_cannot_enter_another_units_rows(conn):
    checked, result = entry.submit(conn, CLERK_HQ, "training", [row(unit="红旗区"), row(unit="卫滨区", title="宪法")])
    assert result is None and flat(checked.problems) == [(2, "单位", "other_unit")]
    assert "不是本账号的单位「红旗区」" in checked.problems[0].message
    # the core refuses too when the check is bypassed (a crafted request straight to import)
    parsed = imports.parse_file(entry._table_csv(entry.LEDGERS["training"], [row()]), "x.csv")
    with pytest.raises(IndicatorsError, match="只能导入本单位（红旗区）的台账"):
        importing.import_parsed(conn, parsed, actor=CLERK_HQ)
    assert count(conn, "training") == 0


def approve(conn):
    cycle.transition(conn, ADMIN_A, "submit", "卫滨区", 2025, 1, now=dt.datetime(2025, 7, 1, 9))
    cycle.transition(conn, ADMIN_A, "approve", "卫滨区", 2025, 1, now=dt.datetime(2025, 7, 1, 9))


def past_deadline(conn):
    cycle.set_deadline(conn, ADMIN_A, 2025, 1, D(2025, 7, 10))


# (how 上半年 is closed to a clerk, what the refusal says, whether 法规科 may still enter); the clerk acts on
# 2025-07-20, after the deadline; approved figures move for nobody until 法规科 reopens them
LOCKS = [(approve, "审核通过并锁定", False), (past_deadline, "2025年上半年填报已于 2025年7月10日 截止", True)]
AFTER_DEADLINE = dt.datetime(2025, 7, 20, 9)


@pytest.mark.parametrize("lock,says,admin_may", LOCKS, ids=["approved", "deadline"])
def test_a_locked_period_refuses_the_submission_whole(conn, tmp_path, lock, says, admin_may):
    assert load(conn, write_xlsx(tmp_path / "seed.xlsx", {"台账": [TRAINING_HEADER,
                                                                   [D(2025, 2, 1), "卫滨区", "全员法治培训", "种子", None, 5, 1, None]]})).ok
    lock(conn)
    with pytest.raises(IndicatorsError, match=rf"(?s)本次填报未保存任何数据.*{says}.*工作表「在线填报」第 2 行（2025-03-01 行政处罚法）"):
        entry.submit(conn, CLERK_WB, "training", [row(date="2025-08-01", title="八月"), row()], now=AFTER_DEADLINE)
    assert count(conn, "training") == 1 and participants(conn) == 5 and count(conn, "batch") == 1
    if admin_may:
        assert entry.submit(conn, ADMIN_A, "training", [row()], now=AFTER_DEADLINE)[1].added == 1
    else:
        with pytest.raises(IndicatorsError, match=says):
            entry.submit(conn, ADMIN_A, "training", [row()], now=AFTER_DEADLINE)

def test_drafts_are_kept_per_user_and_removed_on_submit(conn):
    assert entry.load_draft(conn, CLERK_WB, "training") is None
    saved = entry.save_draft(conn, CLERK_WB, "training", [row(date=D(2025, 3, 1), people=25.0)],
                             now=dt.datetime(2025, 3, 2, 9, 30))
    assert saved == "2025-03-02 09:30"
    rows, when = entry.load_draft(conn, CLERK_WB, "training")
    assert when == "2025-03-02 09:30"
    assert rows == [{"日期": "2025-03-01", "单位": "卫滨区", "类别": "执法人员培训", "主题": "行政处罚法", "主讲人": None,
                     "参加人数": "25", "学时": None, "备注": None}]
    assert entry.load_draft(conn, CLERK_HQ, "training") is None  # another user's drafts are their own
    assert entry.load_draft(conn, CLERK_WB, "publicity") is None
    entry.save_draft(conn, CLERK_WB, "training", rows + [row(title="宪法")])  # saved again: replaced
    assert len(entry.load_draft(conn, CLERK_WB, "training")[0]) == 2
    assert count(conn, "training") == 0  # a draft stores no ledger row
    assert entry.submit(conn, CLERK_WB, "training", entry.load_draft(conn, CLERK_WB, "training")[0])[1].added == 2
    assert entry.load_draft(conn, CLERK_WB, "training") is None


# ---------------------------------------------------------------- corrections

@pytest.fixture
def stored(conn):
    entry.submit(conn, OPERATOR, "training", [row(people=25), row(title="宪法", people=30)])
    return conn


REF = "training:卫滨区:2025-03-01:执法人员培训:行政处罚法"


def test_a_figure_corrected_moves_the_dashboard_and_undo_restores_it(stored):
    conn = stored
    done = entry.correct(conn, CLERK_WB, REF, {"参加人数": "52"}, "录入错误", client="127.0.0.1")
    assert done.changes == {"参加人数": (25, 52)} and done.new_ref == REF
    assert participants(conn) == 82
    b = store.batch(conn, done.batch_id)
    assert (b["source"], b["file_name"], b["updated"], b["added"]) == (
        "更正", "更正：培训学法台账 · 卫滨区 · 2025-03-01 · 执法人员培训 · 行政处罚法", 1, 0)
    c = entry.correction_of(conn, done.batch_id)
    assert (c["ref"], c["changes"], c["reason"]) == (REF, {"参加人数": [25, 52]}, "录入错误")
    last = auditlog.records(conn)[0]
    assert (last["action"], last["detail"]["changes"], last["detail"]["reason"]) == ("correct", {"参加人数": [25, 52]}, "录入错误")
    importing.undo(conn, done.batch_id, actor=CLERK_WB)
    assert participants(conn) == 55 and people(conn, REF) == 25


def test_a_title_corrected_changes_the_rows_identity_and_undo_brings_the_old_row_back(stored):
    conn = stored
    done = entry.correct(conn, OPERATOR, REF, {"主题": "行政处罚法专题", "参加人数": 26}, "标题写错")
    assert done.new_ref == "training:卫滨区:2025-03-01:执法人员培训:行政处罚法专题"
    assert sorted(r["ref"] for r in entry.rows(conn, 2025)) == sorted([done.new_ref, "training:卫滨区:2025-03-01:执法人员培训:宪法"])
    assert participants(conn) == 56
    with pytest.raises(IndicatorsError, match="没有这一行台账"):
        entry.correct(conn, OPERATOR, REF, {"参加人数": 1}, "x")
    importing.undo(conn, done.batch_id)
    assert sorted(r["ref"] for r in entry.rows(conn, 2025)) == sorted([REF, "training:卫滨区:2025-03-01:执法人员培训:宪法"])
    assert participants(conn) == 55
    assert progress.compute(conn, progress.period(2025)) is not None


def test_a_later_import_of_the_old_identity_blocks_the_undo_until_it_is_undone(stored):
    conn = stored
    done = entry.correct(conn, OPERATOR, REF, {"主题": "新标题"}, "改名")
    again = entry.submit(conn, OPERATOR, "training", [row(people=1)])[1]
    with pytest.raises(IndicatorsError, match=f"批次 {again.batch_id}"):
        importing.undo(conn, done.batch_id)
    importing.undo(conn, again.batch_id)
    importing.undo(conn, done.batch_id)
    assert participants(conn) == 55


@pytest.mark.parametrize("actor,changes,reason,message", [
    (OPERATOR, {"参加人数": "52"}, "  ", "请写明更正原因"),
    (OPERATOR, {"人数x": "52"}, "r", "「人数x」不是培训学法台账的列"),
    (OPERATOR, {"参加人数": "-1"}, "r", "参加人数「-1」不能为负数"),
    (OPERATOR, {"参加人数": "2.5"}, "r", "应为整数"),
    (OPERATOR, {"日期": "2025-02-30"}, "r", "日期「2025-02-30」不存在"),
    (OPERATOR, {"参加人数": "25"}, "r", "没有改动"),
    (OPERATOR, {"主题": "宪法"}, "r", "更正后与已保存的另一行重复"),
    (LEADER_A, {"参加人数": "52"}, "r", "领导账号无权更正台账"),
    (CLERK_HQ, {"参加人数": "52"}, "r", "只能更正台账（限本单位：红旗区）"),
    (CLERK_WB, {"单位": "红旗区"}, "r", "只能更正台账（限本单位：卫滨区），不能操作「红旗区」"),
])
def test_refused_corrections_change_nothing(stored, actor, changes, reason, message):
    conn = stored
    batches = count(conn, "batch")
    with pytest.raises(IndicatorsError, match=message):
        entry.correct(conn, actor, REF, changes, reason)
    assert count(conn, "batch") == batches and participants(conn) == 55
    assert people(conn, REF) == 25


def test_refusals_by_role_are_written_to_the_audit_log(stored):
    with pytest.raises(IndicatorsError):
        entry.correct(stored, CLERK_HQ, REF, {"参加人数": "52"}, "r")
    last = auditlog.records(stored)[0]
    assert (last["action"], last["user"], last["detail"]["row"]) == ("correct_refused", "hq", REF)


@pytest.mark.parametrize("lock,says,admin_may", LOCKS, ids=["approved", "deadline"])
def test_a_correction_in_a_locked_period_is_refused(stored, lock, says, admin_may):
    conn = stored
    lock(conn)
    with pytest.raises(IndicatorsError, match=says):
        entry.correct(conn, CLERK_WB, REF, {"参加人数": "52"}, "录入错误", now=AFTER_DEADLINE)
    with pytest.raises(IndicatorsError, match=says):  # nor moved out of it
        entry.correct(conn, CLERK_WB, REF, {"日期": "2025-08-01"}, "日期写错", now=AFTER_DEADLINE)
    assert participants(conn) == 55 and count(conn, "batch") == 1
    assert auditlog.records(conn)[0]["action"] == "correct_refused"


def test_a_formula_typed_as_a_title_is_exported_as_that_text(conn, tmp_path):
    """The evidence bundle's index workbook names the row by its 主题: the typed formula stays a text cell there."""
    import io
    import zipfile

    import openpyxl
    from PIL import Image

    from indicators import evidence
    from indicators.exports import build_evidence_zip
    formula = '=HYPERLINK("http://evil.example","点我")'
    assert entry.submit(conn, OPERATOR, "training", [row(title=formula)])[1].added == 1
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(picture, "PNG")
    evidence.attach(conn, OPERATOR, [("签到表.png", picture.getvalue())],
                    row=evidence.RowRef("training", ("卫滨区", "2025-03-01", "执法人员培训", formula)))
    bundle = zipfile.ZipFile(io.BytesIO(build_evidence_zip(conn, progress.period(2025))))
    index = openpyxl.load_workbook(io.BytesIO(bundle.read(next(n for n in bundle.namelist() if n.endswith(".xlsx")))))
    cells = [c for r in index["佐证材料清单"].iter_rows() for c in r if c.value == formula]
    assert cells and all(c.data_type == "s" for c in cells)
