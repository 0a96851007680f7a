"""在线填报 under AppTest, the real app on a seeded SQLite database: rows typed into the grid (its edit state,
as the browser sends it), one bad row refused naming its row and column, fixed, submitted, the figures
moved and the undo; the table kept across a page switch; drafts; a clerk's unit fixed; a correction."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import TRAINING_HEADER, app_database, healthy, open_page
from indicators import entry, store
from test_pages_accounts import as_user, db as accounts_db  # noqa: F401 - the fixture, with its accounts

D = dt.date
PAGE = "ui/pages/entry.py"
GRID = "entry_grid_training_0"  # the editor's key: ledger and table generation (ui/pages/entry.py)


def grid(at) -> str:
    """The editor's key now: 检查 renumbers the rows, which makes a new editor (generation + 1)."""
    return f"entry_grid_training_{at.session_state['entry_gen_training'] if 'entry_gen_training' in at.session_state else 0}"


@pytest.fixture
def conn(tmp_path, monkeypatch):
    c = app_database(tmp_path, monkeypatch, {"台账": [TRAINING_HEADER,
                                                   [D(2025, 1, 5), "卫滨区", "全员法治培训", "种子", None, 5, 1, None]]})
    yield c
    c.close()


def typed(*rows, edited=None):
    """The grid's edit state as the browser sends it: rows added, cells edited by row position."""
    return {"edited_rows": edited or {}, "deleted_rows": [], "added_rows": list(rows)}


def training(day, title, people):
    return {"日期": f"2025-03-{day:02d}", "单位": "卫滨区", "类别": "执法人员培训", "主题": title, "参加人数": people}


def click(at, label: str):
    next(b for b in at.button if b.label.startswith(label)).click().run()
    healthy(at)
    return at


def participants(conn, unit="卫滨区"):
    return store.measure_totals(conn, D(2025, 1, 1), D(2025, 12, 31)).get((unit, "training:sum:participants"), 0)


def shown(at) -> str:
    """学法培训's 参学人次 as the page shows it now (全市, 2025年全年), then back to 在线填报."""
    at.switch_page("ui/pages/training.py").run()
    healthy(at)
    value = next(m.value for m in at.metric if m.label == "参学人次")
    at.switch_page(PAGE).run()
    return value


def errors(at):
    return [e.value for e in at.error]


def test_three_rows_one_bad_refused_then_fixed_submitted_and_undone(conn):
    at = open_page(PAGE)
    assert at.title[0].value == "在线填报"
    at.session_state[GRID] = typed(training(1, "行政处罚法", 25), training(2, "宪法", -3), training(3, "民法典", 7))
    at.run()
    click(at, "检查")
    assert errors(at) == ["发现 1 个问题，未保存任何数据。请按下表修改表格后重新检查。"]
    problems = next(d.value for d in at.dataframe if "问题" in d.value.columns)
    assert problems[["行", "列", "值", "问题"]].values.tolist() == [[2, "参加人数", "-3", "参加人数「-3」不能为负数"]]
    assert participants(conn) == 5

    assert at.data_editor[0].value["参加人数"].tolist() == [25, -3, 7]  # the rows kept, numbered as the problems say
    assert at.data_editor[0].value.index.tolist() == [1, 2, 3]
    at.session_state[grid(at)] = typed(edited={1: {"参加人数": 30}})  # the bad cell fixed where it stands
    at.run()
    click(at, "检查")
    assert not errors(at)
    assert [i.value for i in at.info] == ["检查通过：共 3 行，提交后将新增 3 行、更新 0 行。"]
    assert participants(conn) == 5  # checked, not stored
    click(at, "提交")
    assert [s.value for s in at.success][0].startswith("已提交培训学法台账 3 行（批次 2）")
    assert participants(conn) == 67
    assert store.batch(conn, 2)["source"] == "在线填报"
    assert len(at.data_editor[0].value) == 0  # a fresh table
    assert shown(at) == "67"  # the dashboard moved at once

    at.switch_page("ui/pages/overview.py").run()
    healthy(at)
    at.switch_page(PAGE).run()
    click(at, "撤销刚才的提交")
    assert participants(conn) == 5 and store.batch(conn, 2)["undone"]
    assert shown(at) == "5"


def test_the_table_survives_a_page_switch_and_a_draft_a_new_session(conn):
    at = open_page(PAGE)
    at.session_state[GRID] = typed(training(1, "行政处罚法", 25), training(2, "宪法", 30))
    at.run()
    at.switch_page("ui/pages/scorecard.py").run()
    healthy(at)
    at.switch_page(PAGE).run()
    healthy(at)
    table = at.data_editor[0].value
    assert table["主题"].tolist() == ["行政处罚法", "宪法"] and table["参加人数"].tolist() == [25, 30]

    click(at, "保存草稿")
    assert [s.value for s in at.success][0].startswith("草稿已保存")
    later = open_page(PAGE)  # another session of the same user (no accounts: the machine's operator)
    assert "草稿（2 行）" in " ".join(c.value for c in later.caption)
    click(later, "载入草稿")
    assert later.data_editor[0].value["主题"].tolist() == ["行政处罚法", "宪法"]
    click(later, "检查")
    click(later, "提交")
    assert participants(conn) == 60
    assert entry.load_draft(conn, entry.OPERATOR, "training") is None
    assert not [b for b in later.button if b.label == "载入草稿"]


def test_text_typed_as_html_is_shown_as_text(conn):
    at = open_page(PAGE)
    at.session_state[GRID] = typed(training(1, "<b>粗体</b>", -1))
    at.run()
    click(at, "检查")
    problems = next(d.value for d in at.dataframe if "问题" in d.value.columns)
    assert problems["值"].tolist() == ["-1"]
    assert not [m for m in at.markdown if "<b>" in m.value]


def test_a_row_corrected_on_the_page_moves_the_figures(conn):
    at = open_page(PAGE)
    assert shown(at) == "5"
    at.selectbox(key="fix_row_training").set_value(next(o for o in at.selectbox(key="fix_row_training").options
                                                        if "卫滨区" in o and "种子" in o)).run()
    at.selectbox(key="fix_col_training").set_value("参加人数").run()
    at.text_input(key="fix_value_training_participants").set_value("50").run()
    click(at, "保存更正")
    assert errors(at) == ["请写明更正原因（如：录入错误，应为 52 人），原因将记入导入记录和操作日志"]
    assert participants(conn) == 5
    at.text_input(key="fix_reason_training").set_value("录入错误").run()
    click(at, "保存更正")
    assert [s.value for s in at.success][0].startswith("已更正（批次 2）：参加人数：5 → 50")
    assert participants(conn) == 50
    assert shown(at) == "50"  # the dashboard moved at once
    history = at.switch_page("ui/pages/history.py").run()
    healthy(history)
    assert history.dataframe[0].value[["批次", "方式"]].values.tolist() == [[2, "更正"], [1, "上传文件"]]
    assert history.dataframe[1].value.values.tolist() == [
        ["培训学法台账 · 卫滨区 · 2025-01-05 · 全员法治培训 · 种子", "参加人数", "5", "50", "录入错误"]]
    assert not [w for w in history.warning if "原始文件" in w.value]  # a correction has no file: not said as one lost
    assert "没有原始文件" in " ".join(c.value for c in history.caption)
    click(history, "撤销此批次")
    click(history, "确认撤销")
    assert participants(conn) == 5
    assert shown(history) == "5"


def test_a_clerks_unit_is_fixed_and_a_leader_may_not_open_the_page(accounts_db):
    at = as_user(accounts_db, "hq", PAGE)
    assert "本账号只能填报红旗区的台账" in " ".join(c.value for c in at.caption)
    assert "粘贴的行不论原来写的哪个单位，都记为红旗区" in " ".join(c.value for c in at.caption)  # the grid relabels them
    at.session_state[GRID] = typed({"日期": "2025-03-01", "单位": "卫滨区", "类别": "执法人员培训", "主题": "x",
                                    "参加人数": 3})
    at.run()
    click(at, "检查")
    problems = next(d.value for d in at.dataframe if "问题" in d.value.columns)
    assert problems[["行", "列"]].values.tolist() == [[1, "单位"]]
    leader = as_user(accounts_db, "boss", PAGE, direct=True)  # by its URL: the page file refuses itself
    assert errors(leader) == ["主任（领导）无权使用「在线填报」页面。如需办理，请联系市国动办法规科（管理员）。"]


def test_ten_thousand_pasted_rows_are_refused_stating_the_limit(conn):
    """Refused as the grid would take them in (not minutes later), the table as it was before the paste."""
    at = open_page(PAGE)
    at.session_state[GRID] = typed(training(1, "行政处罚法", 25))
    at.run()
    at.session_state[GRID] = typed(training(1, "行政处罚法", 25),
                                   *[training(1 + i % 28, f"第{i + 1}次", 10) for i in range(10_000)])
    at.run()
    healthy(at)
    assert errors(at) == [f"在线填报一次最多 {entry.MAX_ROWS} 行，这次有 10001 行，这些行没有加入表格，未保存任何数据。"
                          "请分几次填报，或把台账填在 Excel 模板里，在“数据填报”页上传文件。"]
    click(at, "检查")
    assert [i.value for i in at.info] == ["检查通过：共 1 行，提交后将新增 1 行、更新 0 行。"]  # the table before the paste
    assert participants(conn) == 5 and len(store.batches(conn)) == 1

    at = open_page(PAGE)  # up to the limit the grid takes them in: the limit is the table's length
    at.session_state[GRID] = typed(training(1, "行政处罚法", 25),
                                   *[training(2, f"第{i + 1}次", 10) for i in range(entry.MAX_ROWS - 1)])
    at.run()
    assert not errors(at)
    click(at, "检查")
    assert [i.value for i in at.info] == [f"检查通过：共 {entry.MAX_ROWS} 行，提交后将新增 {entry.MAX_ROWS} 行、更新 0 行。"]


def test_text_typed_in_a_correction_is_shown_as_typed(conn):
    """The 备注 typed is quoted in the success message: an emoji code, a bare address or emphasis there stays
    the characters typed (escaped for the message's markdown), never a picture, a link or bold text."""
    at = open_page(PAGE)
    at.selectbox(key="fix_col_training").set_value("备注").run()
    at.text_input(key="fix_value_training_note").set_value(":100: www.example.com **粗**").run()
    at.text_input(key="fix_reason_training").set_value("补备注").run()
    click(at, "保存更正")
    body = at.success[0].value
    assert body.startswith("已更正（批次 2）：备注：")
    for markup in (":100:", "www.example.com", "**粗**"):
        assert markup not in body  # each escaped: shown as typed
    assert entry.rows(conn, 2025)[0]["备注"] == ":100: www.example.com **粗**"


def test_a_pasted_block_is_taken_in_once_and_numbered(conn):
    """After a paste of many rows the table is the editor's new start: its rows numbered 1..n as the problems
    name them (and not added again, one at a time, on every later run)."""
    at = open_page(PAGE)
    at.session_state[GRID] = typed(*[training(1 + i % 28, f"第{i + 1}次", 10) for i in range(120)])
    at.run()
    healthy(at)
    table = at.data_editor[0].value
    assert table.index.tolist() == list(range(1, 121)) and table["主题"].iloc[-1] == "第120次"
    click(at, "检查")
    assert [i.value for i in at.info] == ["检查通过：共 120 行，提交后将新增 120 行、更新 0 行。"]
