"""Kept answers: a column mapping for a header layout and a value alias, each with who and when; used
on the next upload (core, command line, in-process, the 数据填报 page under AppTest); removable by whom the roles
allow; never changing stored rows; left alone by undo."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import GOVERNANCE_HEADER, ROOT, app_database, ledger_bytes, count, is_empty, open_page, run_cli
from indicators import importing, imports, intake, kept_answers, roles, store
from indicators.interpret import Answers
from indicators.problems import IndicatorsError

D = dt.date
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LAYOUT = ["日期", "单位", "项目", "主题", "参加人数"]  # 项目 names no column: the clerk says it is 类别
CLERK = roles.Actor("zhang", "张三", roles.CLERK, "红旗区")
OTHER_CLERK = roles.Actor("li", "李四", roles.CLERK, "卫滨区")
LEADER = roles.Actor("wang", "王五", roles.LEADER)


def ledger(*rows, header=LAYOUT) -> bytes:
    return ledger_bytes("红旗区2025年学法台账", header, rows)


FIRST = ledger([D(2025, 3, 1), "红旗区", "中心会", "法治思想", 15])
SECOND = ledger([D(2025, 6, 1), "红旗区", "中心会", "民法典", 20], [D(2025, 6, 2), "红旗区", "全员法治培训", "宪法", 30])


def answered() -> Answers:
    a = Answers()
    a.add_column("项目", "类别")
    a.add_value("类别", "中心会", "党组中心组学法")
    return a


def test_answers_used_by_an_import_are_kept_and_read_the_next_file(conn):
    assert not imports.parse_file(SECOND, "b.xlsx", answers=kept_answers.kept(conn)).ok
    c = intake.check_upload(conn, FIRST, "a.xlsx", answers=answered())
    assert c.ok and len(c.parsed.used) == 2
    before = dt.date.today().isoformat()
    intake.confirm_upload(conn, c.parsed, CLERK)
    after = dt.date.today().isoformat()
    kept = kept_answers.listing(conn)
    assert sorted((r["种类"], r["内容"], r["保存人"]) for r in kept) == [
        ("列名对应", "列「项目」是「类别」", "张三"), ("取值别名", "类别「中心会」按「党组中心组学法」读取", "张三")]
    assert all(before <= r["保存时间"][:10] <= after for r in kept)
    # the same clerk's next upload, nothing given now: the kept answers decide (issue 21: a clerk's answers
    # apply to their own unit's uploads only; test_security.py proves they reach no one else's)
    again = intake.check_upload(conn, SECOND, "b.xlsx", actor=CLERK)
    assert again.ok and again.parsed.questions == [] and again.parsed.used == []
    assert ("列「项目」（C列）按「类别」读取（已保存的回答）", 2) in [(r.text, r.rows) for r in again.parsed.interpretations]
    assert again.parsed.records["training"]["category"].to_list() == ["党组中心组学法", "全员法治培训"]
    # newest first: the import, then the two answers it used, kept by the clerk who confirmed
    assert [e["action"] for e in store.audit.entries(conn)] == ["keep_answer", "keep_answer", "import"]


def test_a_column_mapping_is_kept_for_its_header_layout_only(conn):
    kept_answers.keep(conn, CLERK, intake.check_upload(conn, FIRST, "a.xlsx", answers=answered()).parsed.used)
    other_layout = ledger([D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", 15, "x"], header=[*LAYOUT, "说明"])
    parsed = intake.check_upload(conn, other_layout, "c.xlsx", actor=CLERK).parsed
    assert [p.code for p in parsed.problems] == ["missing_column"]
    assert [q.subject for q in parsed.questions if q.kind == "column"] == ["项目"]


@pytest.mark.parametrize("actor,owner,allowed", [
    (CLERK, CLERK, True), (OTHER_CLERK, CLERK, False), (roles.OPERATOR, CLERK, True), (LEADER, CLERK, False)],
    ids=["clerk_own", "clerk_others", "admin_any", "leader_nothing"])
def test_who_may_remove_an_answer(conn, actor, owner, allowed):
    kept_answers.keep(conn, owner, intake.check_upload(conn, FIRST, "a.xlsx", answers=answered()).parsed.used)
    row = kept_answers.listing(conn)[0]
    before = len(store.audit.entries(conn))
    if allowed:
        kept_answers.remove(conn, actor, row["kind"], row["id"])
        assert len(kept_answers.listing(conn)) == 1
        entry = store.audit.entries(conn)[0]
        assert entry["action"] == "remove_answer" and entry["login"] == actor.login
    else:
        with pytest.raises(IndicatorsError):
            kept_answers.remove(conn, actor, row["kind"], row["id"])
        assert len(kept_answers.listing(conn)) == 2 and len(store.audit.entries(conn)) == before


def test_a_leader_keeps_no_answer(conn):
    with pytest.raises(IndicatorsError, match="领导账号无权保存列名对应和取值别名"):
        kept_answers.keep(conn, LEADER, intake.check_upload(conn, FIRST, "a.xlsx", answers=answered()).parsed.used)
    assert kept_answers.listing(conn) == [] and store.audit.entries(conn) == []


def test_kept_answers_never_change_stored_rows_and_undo_leaves_them(conn):
    c = intake.check_upload(conn, FIRST, "a.xlsx", answers=answered())
    result = intake.confirm_upload(conn, c.parsed, CLERK)
    stored = conn.execute("SELECT category FROM training").fetchall()
    # the alias now says 中心会 is another category: the stored row stays as it was read
    again = Answers()
    again.add_value("类别", "中心会", "全员法治培训")
    kept_answers.keep(conn, CLERK, intake.check_upload(conn, SECOND, "b.xlsx", answers=again).parsed.used)
    assert conn.execute("SELECT category FROM training").fetchall() == stored
    for row in kept_answers.listing(conn):
        kept_answers.remove(conn, CLERK, row["kind"], row["id"])
    assert [tuple(r) for r in conn.execute("SELECT category FROM training")] == [("党组中心组学法",)]
    kept_answers.keep(conn, CLERK, c.parsed.used)
    importing.undo(conn, result.batch_id)
    assert count(conn, "training") == 0 and len(kept_answers.listing(conn)) == 2


# ------------------------------------------------------------------ CLI

def run(*args):
    return run_cli(*args, cwd=ROOT)


def test_cli_answers_are_kept_on_import_and_used_next_time(tmp_path, cli_db):
    db = cli_db
    (tmp_path / "a.xlsx").write_bytes(FIRST)
    (tmp_path / "b.xlsx").write_bytes(SECOND)
    refused = run("check", tmp_path / "a.xlsx", "--db", db)
    assert refused.returncode == 1 and "--column 项目=<列名>" in refused.stderr and is_empty(db)
    checked = run("check", tmp_path / "a.xlsx", "--column", "项目=类别", "--value", "类别:中心会=党组中心组学法")
    assert checked.returncode == 0, checked.stderr
    assert "理解：工作表「台账」类别「中心会」按「党组中心组学法」读取（本次回答）（1 行）" in checked.stdout
    done = run("import", tmp_path / "a.xlsx", "--db", db, "--column", "项目=类别", "--value", "类别:中心会=党组中心组学法")
    assert done.returncode == 0, done.stderr
    assert "a.xlsx：已保存 2 条回答，以后导入相同表头的台账自动使用" in done.stdout
    assert run("check", tmp_path / "b.xlsx", "--db", db).returncode == 0
    nxt = run("import", tmp_path / "b.xlsx", "--db", db)
    assert nxt.returncode == 0, nxt.stderr
    assert "（已保存的回答）" in nxt.stdout and "已保存" not in nxt.stdout.splitlines()[-1]


@pytest.mark.parametrize("flag,value", [("--column", "项目"), ("--column", "项目=类型x"), ("--value", "类别=党组中心组学法"),
                                        ("--value", "类别:中心会")])
def test_cli_malformed_answers_are_argument_errors(tmp_path, flag, value):
    (tmp_path / "a.xlsx").write_bytes(FIRST)
    r = run("check", tmp_path / "a.xlsx", flag, value)
    assert r.returncode == 2 and "参数有误" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------ the 数据填报 page

@pytest.fixture
def db(tmp_path, monkeypatch):
    conn = app_database(tmp_path, monkeypatch, {"制度": [GOVERNANCE_HEADER, [D(2025, 6, 20), "市国动办", "党组听取汇报", "汇报", None]]})
    yield conn
    conn.close()


page = open_page


def asked(at, text: str):
    return next(s for s in at.selectbox if text in s.label)


def test_the_page_asks_applies_at_once_keeps_on_confirm_and_asks_no_more(db):
    at = page("ui/pages/upload.py")
    at.file_uploader[0].set_value([("红旗区台账.xlsx", FIRST, XLSX)]).run()
    assert any("有 1 处需要您确认" in w.value for w in at.warning)
    asked(at, "的列「项目」").set_value("类别").run()  # answered: checked again at once, nothing stored
    assert any("有 1 处需要您确认" in w.value for w in at.warning)  # now the value
    value = asked(at, "类别「中心会」")
    assert intake.DECLINE in value.options and value.placeholder == "是否为「党组中心组学法」？"
    value.set_value("党组中心组学法").run()
    assert not [w for w in at.warning if "尚未启用登录" not in w.value] and not at.exception  # no question left
    assert any("校验通过，共 1 行" in m.value for m in at.markdown)
    shown = at.dataframe[0].value  # the preview lists every interpretation with its row count
    assert list(shown.columns) == ["工作表", "解读", "涉及行数"]
    records = shown.to_dict("records")
    assert {"工作表": "台账", "解读": "列「项目」（C列）按「类别」读取（本次回答）", "涉及行数": 1} in records
    assert {"工作表": "台账", "解读": "类别「中心会」按「党组中心组学法」读取（本次回答）", "涉及行数": 1} in records
    assert count(db, "training") == 0 and kept_answers.listing(db) == []  # the check stored nothing
    next(b for b in at.button if b.label == "确认导入").click().run()
    assert any("已保存 2 条回答" in s.value for s in at.success)
    assert count(db, "training") == 1 and len(kept_answers.listing(db)) == 2

    fresh = page("ui/pages/upload.py")  # a new session: only the kept answers know
    fresh.file_uploader[0].set_value([("红旗区台账（二）.xlsx", SECOND, XLSX)]).run()
    assert not [w for w in fresh.warning if "尚未启用登录" not in w.value]
    assert not [s for s in fresh.selectbox if "此列是" in s.label]
    assert any("校验通过，共 2 行" in m.value for m in fresh.markdown)
    texts = fresh.dataframe[0].value["解读"].to_list()
    assert "列「项目」（C列）按「类别」读取（已保存的回答）" in texts
    assert "类别「中心会」按「党组中心组学法」读取（已保存的回答）" in texts


def test_declining_a_value_leaves_the_refusal_standing(db):
    at = page("ui/pages/upload.py")
    bad = ledger([D(2025, 3, 1), "卫宾区", "党组中心组学法", "法治思想", 15], header=["日期", "单位", "类别", "主题", "参加人数"])
    at.file_uploader[0].set_value([("x.xlsx", bad, XLSX)]).run()
    box = asked(at, "单位「卫宾区」")
    assert box.options[0] == "卫滨区" and box.placeholder == "是否为「卫滨区」？"
    box.set_value(intake.DECLINE).run()
    assert any("发现 1 个问题" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert problems["修改方法"][0].startswith("是否为「卫滨区」？")


def test_the_answers_page_lists_and_removes(db):
    kept_answers.keep(db, roles.OPERATOR, intake.check_upload(db, FIRST, "a.xlsx", answers=answered()).parsed.used)
    at = page("ui/pages/answers.py")
    listed = at.dataframe[0].value
    assert sorted(listed["内容"]) == ["列「项目」是「类别」", "类别「中心会」按「党组中心组学法」读取"]
    assert set(listed.columns) == {"种类", "台账", "内容", "适用", "保存人", "保存时间"}
    next(b for b in at.button if b.label == "删除").click().run()
    assert any("已删除" in s.value and "已导入的数据不变" in s.value for s in at.success)
    assert len(kept_answers.listing(db)) == 1
