"""The reporting cycle: the state machine as a table, deadlines and reopen exceptions, the locks on
imports and undos (refused whole, nothing stored), the audit trail, and what leaders see."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from conftest import TRAINING_HEADER, count, load, write_xlsx
from indicators import cycle, importing, imports, progress, store
from indicators.config import default_catalog
from indicators.problems import IndicatorsError
from indicators.roles import ADMIN, CLERK, LEADER, Actor

D = dt.date
T = dt.datetime
ADMIN_A = Actor("fgk", "孙法规", ADMIN)
LEADER_A = Actor("ld", "李主任", LEADER)
CLERK_A = Actor("hq", "王填报", CLERK, "红旗区")
OTHER_CLERK = Actor("wb", "赵填报", CLERK, "卫滨区")
ACTORS = {ADMIN: ADMIN_A, LEADER: LEADER_A, CLERK: CLERK_A}
BEFORE = T(2025, 7, 1, 9)  # before the 上半年 deadline set below
AFTER = T(2025, 8, 1, 9)  # after it
DEADLINE = D(2025, 7, 10)

ROW = [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]


def training(tmp_path, name, *rows):
    return write_xlsx(tmp_path / name, {"台账": [TRAINING_HEADER, *rows]})


def state(conn, unit="红旗区", half=1, when=BEFORE):
    return cycle.state_of(conn, unit, 2025, half, when.date()).state


def bring_to(conn, tmp_path, wanted: str) -> dt.datetime:
    """Put 红旗区's 2025 上半年 in the wanted state; returns the moment the test acts at."""
    if wanted == cycle.NOT_REPORTED:
        return BEFORE
    assert load(conn, training(tmp_path, "seed.xlsx", ROW)).ok
    if wanted == cycle.OVERDUE:
        cycle.set_deadline(conn, ADMIN_A, 2025, 1, DEADLINE)
        return AFTER
    if wanted in (cycle.SUBMITTED, cycle.APPROVED, cycle.RETURNED):
        cycle.transition(conn, CLERK_A, "submit", "红旗区", 2025, 1, now=BEFORE)
    if wanted == cycle.APPROVED:
        cycle.transition(conn, ADMIN_A, "approve", "红旗区", 2025, 1, now=BEFORE)
    if wanted == cycle.RETURNED:
        cycle.transition(conn, ADMIN_A, "return", "红旗区", 2025, 1, "培训签到表缺失", now=BEFORE)
    return BEFORE


# Written out by hand, not read from cycle.TRANSITIONS: (from state, move) -> {role: resulting state}.
# Every combination not listed must be refused and leave the state as it was.
ALLOWED = {
    (cycle.DRAFTING, "submit"): {ADMIN: cycle.SUBMITTED, CLERK: cycle.SUBMITTED},
    (cycle.RETURNED, "submit"): {ADMIN: cycle.SUBMITTED, CLERK: cycle.SUBMITTED},
    (cycle.OVERDUE, "submit"): {ADMIN: cycle.SUBMITTED},
    (cycle.SUBMITTED, "approve"): {ADMIN: cycle.APPROVED},
    (cycle.SUBMITTED, "return"): {ADMIN: cycle.RETURNED},
    (cycle.APPROVED, "reopen"): {ADMIN: cycle.DRAFTING},
    (cycle.OVERDUE, "reopen"): {ADMIN: cycle.DRAFTING},
}
CASES = [(s, m, r) for s, m, r in itertools.product(cycle.STATES, cycle.MOVES, (ADMIN, LEADER, CLERK))]


@pytest.mark.parametrize("start,move,role", CASES, ids=[f"{s}-{m}-{r}" for s, m, r in CASES])
def test_state_machine(conn, tmp_path, start, move, role):
    now = bring_to(conn, tmp_path, start)
    assert state(conn, when=now) == start
    events = len(store.cycle.events(conn))
    expected = ALLOWED.get((start, move), {}).get(role)
    if expected is None:
        with pytest.raises(IndicatorsError):
            cycle.transition(conn, ACTORS[role], move, "红旗区", 2025, 1, "原因", now=now)
        assert state(conn, when=now) == start and len(store.cycle.events(conn)) == events
    else:
        after = cycle.transition(conn, ACTORS[role], move, "红旗区", 2025, 1, "原因", now=now)
        assert after.state == expected == state(conn, when=now)
        assert store.cycle.events(conn)[0]["to_state"] == expected


def test_the_declared_table_is_the_one_tested():
    declared = {(s, m): {r for r in (ADMIN, LEADER, CLERK) if r in roles} for (m, s), (_, roles) in cycle.TRANSITIONS.items()}
    assert declared == {k: set(v) for k, v in ALLOWED.items()}


@pytest.mark.parametrize("actor,move,message", [
    (OTHER_CLERK, "submit", "只能提交本单位数据（限本单位：卫滨区）"),
    (LEADER_A, "submit", "领导账号无权提交本单位数据"),
    (CLERK_A, "approve", "填报员账号无权审核"),
    (ADMIN_A, "return", "退回必须填写原因"),
    (ADMIN_A, "reopen", "重新开放必须填写原因"),
    (ADMIN_A, "approve", "当前为「填报中」，不能审核通过（只有「已提交」时可以审核通过）"),
])
def test_refusals_say_why(conn, tmp_path, actor, move, message):
    bring_to(conn, tmp_path, cycle.DRAFTING)
    with pytest.raises(IndicatorsError, match=message.replace("（", r"\（").replace("）", r"\）")):
        cycle.transition(conn, actor, move, "红旗区", 2025, 1, now=BEFORE)


def test_submitting_nothing_is_refused(conn, tmp_path):
    cycle.set_deadline(conn, ADMIN_A, 2025, 1, DEADLINE)
    with pytest.raises(IndicatorsError, match="还没有任何台账数据"):
        cycle.transition(conn, ADMIN_A, "submit", "红旗区", 2025, 1, now=AFTER)


def test_every_move_is_audited_with_user_time_and_reason(conn, tmp_path):
    bring_to(conn, tmp_path, cycle.RETURNED)
    log = [(e["action"], e["login"], e["time"], e["target_unit"]) for e in store.audit.entries(conn, unit="红旗区")
           if e["action"].startswith("cycle_")]  # the imports that brought the data there are audited too
    assert log == [("cycle_return", "fgk", "2025-07-01T09:00:00", "红旗区"), ("cycle_submit", "hq", "2025-07-01T09:00:00", "红旗区")]
    assert "培训签到表缺失" in store.audit.entries(conn, action="cycle_return")[0]["detail"]
    s = cycle.state_of(conn, "红旗区", 2025, 1, BEFORE.date())
    assert (s.state, s.by, s.reason) == (cycle.RETURNED, "孙法规", "培训签到表缺失")  # the clerk sees why


# ---------------------------------------------------------------- deadlines and exceptions

@pytest.mark.parametrize("today,rows,expected", [
    (D(2025, 7, 10), 1, cycle.DRAFTING),  # the deadline day itself still counts
    (D(2025, 7, 11), 1, cycle.OVERDUE),
    (D(2025, 7, 11), 0, cycle.OVERDUE),
    (D(2025, 7, 1), 0, cycle.NOT_REPORTED),
])
def test_overdue_after_the_deadline(conn, tmp_path, today, rows, expected):
    if rows:
        load(conn, training(tmp_path, "a.xlsx", ROW))
    cycle.set_deadline(conn, ADMIN_A, 2025, 1, DEADLINE)
    assert state(conn, when=T.combine(today, dt.time())) == expected


def test_deadline_is_set_by_admin_only_and_not_before_the_period_ends(conn):
    with pytest.raises(IndicatorsError, match="无权设置填报截止日期"):
        cycle.set_deadline(conn, CLERK_A, 2025, 1, DEADLINE)
    with pytest.raises(IndicatorsError, match="不能早于期间结束日（2025年6月30日）"):
        cycle.set_deadline(conn, ADMIN_A, 2025, 1, D(2025, 6, 1))
    cycle.set_deadline(conn, ADMIN_A, 2025, 2, D(2026, 1, 10))
    assert cycle.deadline(conn, 2025, 2) == D(2026, 1, 10) and cycle.deadline(conn, 2025, 1) is None
    assert store.audit.entries(conn, action="cycle_deadline")[0]["login"] == "fgk"


def test_after_the_deadline_a_clerk_changes_nothing_until_reopened(conn, tmp_path):
    bring_to(conn, tmp_path, cycle.OVERDUE)
    late = imports.parse_path(training(tmp_path, "late.xlsx", [D(2025, 5, 1), "红旗区", "全员法治培训", "补报", None, 30, 2, None]))
    with pytest.raises(IndicatorsError, match="2025年上半年填报已于 2025年7月10日 截止，如需修改红旗区的数据请管理员重新开放"):
        importing.import_parsed(conn, late, actor=CLERK_A, now=AFTER)
    assert count(conn, "training") == 1 and count(conn, "batch") == 1
    # the second half is still open: a July row goes in
    july = imports.parse_path(training(tmp_path, "july.xlsx", [D(2025, 7, 20), "红旗区", "全员法治培训", "七月", None, 30, 2, None]))
    assert importing.import_parsed(conn, july, actor=CLERK_A, now=AFTER).batch_id
    cycle.transition(conn, ADMIN_A, "reopen", "红旗区", 2025, 1, "补报五月培训", now=AFTER)
    assert store.cycle.open_exceptions(conn)[("红旗区", 2025, 1)]["reason"] == "补报五月培训"
    assert state(conn, when=AFTER) == cycle.DRAFTING
    assert importing.import_parsed(conn, late, actor=CLERK_A, now=AFTER).batch_id
    cycle.transition(conn, CLERK_A, "submit", "红旗区", 2025, 1, now=AFTER)
    assert ("红旗区", 2025, 1) not in store.cycle.open_exceptions(conn)  # submitting closes the exception


def test_a_return_after_the_deadline_lets_the_clerk_fix_and_resubmit(conn, tmp_path):
    bring_to(conn, tmp_path, cycle.SUBMITTED)
    cycle.set_deadline(conn, ADMIN_A, 2025, 1, DEADLINE)
    cycle.transition(conn, ADMIN_A, "return", "红旗区", 2025, 1, "人数有误", now=AFTER)
    fixed = imports.parse_path(training(tmp_path, "fixed.xlsx", ROW[:5] + [18, 2, None]))
    assert importing.import_parsed(conn, fixed, actor=CLERK_A, now=AFTER).updated == 1
    assert cycle.transition(conn, CLERK_A, "submit", "红旗区", 2025, 1, now=AFTER).state == cycle.SUBMITTED


# ---------------------------------------------------------------- locks

def snapshot(conn):
    return (count(conn, "batch"), conn.execute("SELECT * FROM training ORDER BY date").fetchall(),
            conn.execute("SELECT * FROM agg_day ORDER BY date, unit, measure").fetchall())


@pytest.mark.parametrize("actor", [ADMIN_A, CLERK_A], ids=["admin", "clerk"])
def test_approved_period_refuses_an_import_whole(conn, tmp_path, actor):
    bring_to(conn, tmp_path, cycle.APPROVED)
    before = snapshot(conn)
    changed = imports.parse_path(training(tmp_path, "changed.xlsx", ROW[:5] + [99, 2, None],
                                          [D(2025, 8, 1), "红旗区", "全员法治培训", "八月", None, 30, 2, None]))
    with pytest.raises(IndicatorsError) as e:
        importing.import_parsed(conn, changed, actor=actor, now=BEFORE)
    text = str(e.value)
    assert "本文件未导入任何数据" in text and "红旗区2025年上半年的数据已于 2025-07-01 09:00 由孙法规（管理员）审核通过并锁定" in text
    assert "工作表「台账」第 2 行（2025-03-01 法治思想）" in text and "八月" not in text  # the August row is not locked
    assert snapshot(conn) == before
    with pytest.raises(IndicatorsError):  # the check before confirming says the same
        importing.import_parsed(conn, changed, actor=actor, dry_run=True, now=BEFORE)


def test_an_unchanged_row_of_a_locked_period_passes(conn, tmp_path):
    bring_to(conn, tmp_path, cycle.APPROVED)
    again = imports.parse_path(training(tmp_path, "again.xlsx", ROW, [D(2025, 8, 1), "红旗区", "全员法治培训", "八月", None, 30, 2, None]))
    r = importing.import_parsed(conn, again, actor=CLERK_A, now=BEFORE)
    assert (r.added, r.updated, r.unchanged) == (1, 0, 1)


def test_other_units_are_not_locked(conn, tmp_path):
    bring_to(conn, tmp_path, cycle.APPROVED)
    other = imports.parse_path(training(tmp_path, "wb.xlsx", [D(2025, 3, 2), "卫滨区", "全员法治培训", "x", None, 3, 1, None]))
    assert importing.import_parsed(conn, other, actor=OTHER_CLERK, now=BEFORE).added == 1


def test_submitted_data_is_locked_for_clerks_not_for_the_admin(conn, tmp_path):
    bring_to(conn, tmp_path, cycle.SUBMITTED)
    fix = imports.parse_path(training(tmp_path, "fix.xlsx", ROW[:5] + [16, 2, None]))
    with pytest.raises(IndicatorsError, match="由王填报（填报员）提交、正在审核，如需修改请管理员退回"):
        importing.import_parsed(conn, fix, actor=CLERK_A, now=BEFORE)
    assert importing.import_parsed(conn, fix, actor=ADMIN_A, now=BEFORE).updated == 1


def test_full_year_approval_locks_the_whole_year(conn, tmp_path):
    load(conn, training(tmp_path, "h2.xlsx", [D(2025, 9, 1), "红旗区", "全员法治培训", "九月", None, 30, 2, None]))
    # the year can be submitted once it has ended (issue 22), then approved
    cycle.transition(conn, ADMIN_A, "submit", "红旗区", 2025, 2, now=T(2026, 1, 5, 9))
    cycle.transition(conn, ADMIN_A, "approve", "红旗区", 2025, 2, now=T(2026, 1, 5, 9))
    march = imports.parse_path(training(tmp_path, "mar.xlsx", ROW))
    with pytest.raises(IndicatorsError, match="红旗区2025年全年的数据"):
        importing.import_parsed(conn, march, actor=ADMIN_A, now=BEFORE)


def test_undo_into_a_locked_period_is_refused_with_nothing_changed(conn, tmp_path):
    bring_to(conn, tmp_path, cycle.APPROVED)
    before = snapshot(conn)
    with pytest.raises(IndicatorsError, match=r"(?s)批次 1 未撤销：其中 1 行.*培训学法台账（2025-03-01 法治思想）"):
        importing.undo(conn, 1, actor=ADMIN_A)
    with pytest.raises(IndicatorsError, match="审核通过并锁定"):
        with importing.as_if_undone(conn, 1, actor=ADMIN_A):
            pass
    assert snapshot(conn) == before and store.batch(conn, 1)["undone"] is None
    cycle.transition(conn, ADMIN_A, "reopen", "红旗区", 2025, 1, "撤销错误批次", now=BEFORE)
    assert importing.undo(conn, 1, actor=ADMIN_A)["undone"]


# ---------------------------------------------------------------- what leaders see

def approve(conn, tmp_path, *units):
    for i, u in enumerate(units):
        load(conn, training(tmp_path, f"{i}.xlsx", [D(2025, 3, 1), u, "党组中心组学法", "学习", None, 10, 2, None]))
        cycle.transition(conn, ADMIN_A, "submit", u, 2025, 1, now=BEFORE)
        cycle.transition(conn, ADMIN_A, "approve", u, 2025, 1, now=BEFORE)


def test_review_text_counts_approved_units(conn, tmp_path):
    approve(conn, tmp_path, "红旗区", "卫滨区")
    assert cycle.review_text(conn, progress.period(2025, 1)) == "已审核 2/16 个单位"
    assert cycle.review_text(conn, progress.period(2025, 2)) == "已审核 0/16 个单位"
    assert cycle.review_text(conn, progress.period(2025, as_of=D(2025, 5, 1))) == "已审核 2/16 个单位"


@pytest.mark.parametrize("actor,setting,hidden", [
    (LEADER_A, True, 14), (LEADER_A, False, 0), (ADMIN_A, True, 0), (CLERK_A, True, 0)])
def test_leaders_see_approved_units_only_when_the_admin_says_so(conn, tmp_path, actor, setting, hidden):
    approve(conn, tmp_path, "红旗区", "卫滨区")
    load(conn, training(tmp_path, "x.xlsx", [D(2025, 3, 1), "凤泉区", "党组中心组学法", "未审", None, 10, 2, None]))
    cycle.set_leaders_approved_only(conn, ADMIN_A, setting)
    per = progress.period(2025, 1)
    hide = cycle.hidden_units(conn, actor, per)
    assert len(hide) == hidden and ("红旗区" not in hide)
    frame = progress.compute(conn, per, catalog=cycle.restrict(default_catalog(), hide))
    t01 = frame[(frame.indicator == "T01") & (frame.unit == "全市")].value.item()
    assert t01 == (2 if hidden else 3)  # 凤泉区's unapproved session is left out of the 全市 figure
    assert set(frame.unit) == {"全市", *(u for u in default_catalog().unit_names if u not in hide)}


def test_only_the_admin_changes_the_leader_setting(conn):
    with pytest.raises(IndicatorsError, match="无权设置领导查看范围"):
        cycle.set_leaders_approved_only(conn, LEADER_A, False)
    cycle.set_leaders_approved_only(conn, ADMIN_A, True)
    assert cycle.leaders_approved_only(conn) and store.audit.entries(conn, action="setting")


def test_reminder_names_missing_units_and_the_deadline(conn, tmp_path):
    approve(conn, tmp_path, "红旗区")
    cycle.set_deadline(conn, ADMIN_A, 2025, 1, DEADLINE)
    text = cycle.reminder_text(cycle.status(conn, 2025, 1, D(2025, 7, 5)), today=D(2025, 7, 5))
    # issue 22: the notice goes from the city office to 各县（市、区）、功能区: it does not list the office itself
    assert "填报截止日期为2025年7月10日" in text and "以下 14 个单位尚未提交" in text
    assert "1. 卫滨区（未报送）" in text and "红旗区" not in text and "市国动办（" not in text
    assert "请上述单位于2025年7月10日前" in text
    late = cycle.reminder_text(cycle.status(conn, 2025, 1, D(2025, 7, 20)), today=D(2025, 7, 20))
    assert "卫滨区（逾期）" in late and "市国动办（" not in late and "请上述单位尽快" in late
