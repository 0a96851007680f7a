"""指标与目标 → 从年度报告提取指标 under AppTest: a report uploaded, the proposals beside the catalogue, an
edit, the adoption; a leader sees and cannot adopt; a wrong file is one plain Chinese message."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import GOVERNANCE_HEADER, app_database, count, healthy, open_page
from indicators import roles

from test_pages_accounts import PASSWORD, as_user
from test_propose import PLAN_FIRST, REPORT_2025


@pytest.fixture
def db(tmp_path, monkeypatch):
    conn = app_database(tmp_path, monkeypatch,
                        {"制度": [GOVERNANCE_HEADER, [dt.date(2025, 6, 20), "市国动办", "党组听取汇报", "上半年汇报", None]]})
    yield conn
    conn.close()


def upload(at, name: str, data: bytes, mime: str = "text/plain", year: int | None = None):
    at.run()
    at.file_uploader(key="report_upload").set_value((name, data, mime)).run()
    healthy(at)
    if year:  # the administrator picks the year to adopt for (the report's own plan year is the default)
        next(s for s in at.selectbox if s.label == "采纳用于").set_value(year).run()
        healthy(at)
    return at


def proposals_editor(at):
    return next(e for e in at.data_editor if e.key and e.key.startswith("proposals_"))


def test_a_report_is_proposed_beside_the_catalogue_and_adopted(db):
    at = upload(open_page("ui/pages/targets.py"), "卫辉市工作要点.txt", PLAN_FIRST.encode("gbk"), year=2025)
    frame = proposals_editor(at).value.set_index("matches")
    assert (frame.loc["T04", "status"], frame.loc["T04", "target"], frame.loc["T04", "differs"]) == \
        ("有变化", 3, "目标：目录 2 → 报告 3")
    assert frame.loc["T04", "sentence"] == "全年举办三期执法人员法治专题培训班"
    assert "共 9 条指标提议" in " ".join(m.value for m in at.markdown)
    assert count(db, "target") == 0  # shown, not stored
    editor = proposals_editor(at)
    position = list(editor.value["matches"]).index("T04")
    at.session_state[editor.key] = {"edited_rows": {position: {"target": 5}}, "added_rows": [], "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label.startswith("采纳选中的")).click().run()
    healthy(at)
    assert db.execute("SELECT target FROM target WHERE year = 2025 AND code = 'T04'").fetchone()[0] == 5
    assert db.execute("SELECT source FROM adopted_indicator WHERE code = 'T04'").fetchone()[0] == "全年举办三期执法人员法治专题培训班"
    assert any("已采纳 9 条提议用于2025年" in s.value for s in at.success)
    assert at.data_editor[0].value.set_index("code").loc["T04", "source"] == "全年举办三期执法人员法治专题培训班"


def test_an_unticked_proposal_is_not_adopted(db):
    at = upload(open_page("ui/pages/targets.py"), "r.md", REPORT_2025.read_bytes(), "text/markdown", year=2025)
    editor = proposals_editor(at)
    ticks = {i: {"adopt": False} for i in range(len(editor.value)) if editor.value["matches"][i] != "P01"}
    at.session_state[editor.key] = {"edited_rows": ticks, "added_rows": [], "deleted_rows": []}
    at.run()
    button = next(b for b in at.button if b.label.startswith("采纳选中的"))
    assert button.label == "采纳选中的 1 条，用于2025年"
    button.click().run()
    healthy(at)
    assert [r[0] for r in db.execute("SELECT code FROM adopted_indicator")] == ["P01"]


@pytest.mark.parametrize("name,data,shown", [
    ("扫描件.pdf", b"", "文件是空的"),
    ("报告.docx", "一、完成情况\n全年举办 2 期讲座。".encode(), "这是文本文件，不是 Word 文档"),
])
def test_a_wrong_file_is_one_plain_message_and_nothing_is_proposed(db, name, data, shown):
    at = upload(open_page("ui/pages/targets.py"), name, data)
    assert any("无法读取这份报告" in e.value for e in at.error)
    assert any(shown in t.value and t.value.startswith(name) for t in at.text)  # the file name as plain text
    assert not [e for e in at.data_editor if e.key and e.key.startswith("proposals_")]


def test_a_report_without_numbers_shows_its_qualitative_items(db):
    at = upload(open_page("ui/pages/targets.py"), "plan.txt", "三、明年工作计划\n一是持续压实领导责任。".encode())
    assert any("没有找到可以作为指标" in w.value for w in at.warning)
    assert at.dataframe[-1].value["表述"].tolist() == ["持续压实领导责任"]


def test_a_leader_sees_the_proposals_and_cannot_adopt(db):
    from indicators import accounts
    admin = accounts.create(db, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN, name="法规科")
    accounts.create(db, admin, "boss", PASSWORD["boss"], roles.LEADER, name="主任")
    at = as_user(db, "boss", "ui/pages/targets.py")
    upload(at, "卫辉市工作要点.txt", PLAN_FIRST.encode())
    assert proposals_editor(at).value["matches"].tolist()[:2] == ["T01", "T04"]
    assert not [b for b in at.button if b.label.startswith("采纳选中的")]
    assert any("只有管理员" in i.value and "采纳" in i.value for i in at.info)


def test_after_adopting_the_proposals_are_compared_with_the_new_targets(db):
    at = upload(open_page("ui/pages/targets.py"), "卫辉市工作要点.txt", PLAN_FIRST.encode())
    assert proposals_editor(at).value.set_index("matches").loc["T04", "status"] == "有变化"
    next(b for b in at.button if b.label.startswith("采纳选中的")).click().run()
    healthy(at)
    frame = proposals_editor(at).value.set_index("matches")
    assert (frame.loc["T04", "status"], frame.loc["P01", "status"]) == ("无变化", "无变化")


def test_a_years_report_is_adopted_for_the_year_its_plan_is_for_by_default(db):
    """The 2025 report's plan is for 2026: with the sidebar on 2025 (the year with data), adopting must not
    rewrite 2025's targets halfway through its review."""
    at = upload(open_page("ui/pages/targets.py"), "2025年度报告.md", REPORT_2025.read_bytes(), "text/markdown")
    choice = next(s for s in at.selectbox if s.label == "采纳用于")
    assert choice.value == 2026 and "2025年" in choice.options
    button = next(b for b in at.button if b.label.startswith("采纳选中的"))
    assert button.label == "采纳选中的 9 条，用于2026年"
    button.click().run()
    healthy(at)
    assert count(db, "target") > 0
    assert db.execute("SELECT COUNT(*) FROM target WHERE year = 2025").fetchone()[0] == 0
    assert [r[0] for r in db.execute("SELECT DISTINCT year FROM adopted_indicator")] == [2026]
    assert any("已采纳 9 条提议用于2026年" in s.value for s in at.success)
