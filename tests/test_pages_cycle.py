"""报送情况 and 佐证材料 under AppTest, as a clerk, an administrator and a leader (the acting user set
in st.session_state["actor"] as the accounts' login will); real workbooks, a real database on disk."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from conftest import ROOT, TRAINING_HEADER, healthy, load, write_xlsx
from indicators import accounts, cycle, evidence, store
from indicators.problems import IndicatorsError
from indicators.roles import ADMIN, CLERK, LEADER, OPERATOR, Actor

D = dt.date
ADMIN_A = Actor("fgk", "孙法规", ADMIN)
CLERK_A = Actor("hq", "王填报", CLERK, "红旗区")
LEADER_A = Actor("ld", "李主任", LEADER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "app.db"
    monkeypatch.setenv(store.DB_ENV, str(path))
    conn = store.connect(path)
    seed = write_xlsx(tmp_path / "seed.xlsx", {"台账": [TRAINING_HEADER,
                                                         [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None],
                                                         [D(2025, 4, 2), "卫滨区", "领导班子法治讲座", "行政处罚法", None, 30, 2, None]]})
    assert load(conn, seed).ok
    yield conn
    conn.close()


PASSWORD = "Cycle-test-2025"


def _logged_in(actor: Actor) -> str:
    """A real account for `actor` (made once) and a login session for it, as the login form opens one."""
    conn = store.connect()
    if actor.login not in {a["login"] for a in accounts.list_accounts(conn)}:
        # the first account must be an administrator; the others are made by it
        if not accounts.list_accounts(conn):
            accounts.create(conn, OPERATOR, ADMIN_A.login, PASSWORD, ADMIN, None, ADMIN_A.name)
        if actor.login != ADMIN_A.login:
            accounts.create(conn, accounts.actor_for(conn, ADMIN_A.login), actor.login, PASSWORD, actor.role, actor.unit,
                            actor.name)
    return accounts.login(conn, actor.login, PASSWORD).token


def app(page: str, actor: Actor, unit: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["_login_token"] = _logged_in(actor)
    at.session_state["year"] = 2025
    at.session_state["period_mode"] = "上半年"
    if unit:
        at.session_state["unit"] = unit
    at.run()
    at.switch_page(page).run()
    healthy(at)
    return at


def words(at) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader", "text")
             for e in getattr(at, kind)]
    return "\n".join(parts + [f"{m.label} {m.value}" for m in at.metric])


def click(at, label: str):
    at.run()  # settle after a rerun, as tests/test_pages_data.py does
    healthy(at)
    next(b for b in at.button if b.label == label).click().run()
    healthy(at)


def labels(at) -> list[str]:
    return [b.label for b in at.button]


def state_column(at) -> dict[str, str]:
    table = at.dataframe[0].value
    return dict(zip(table["单位"], table["状态"]))


def test_clerk_submits_own_unit_and_sees_no_review_buttons(db):
    at = app("ui/pages/reporting.py", CLERK_A)
    assert "本单位（红旗区）应报送：2025年上半年，当前填报中" in words(at)
    assert "提交本单位2025年上半年数据" in labels(at)
    assert not {"审核通过", "退回", "重新开放", "保存截止日期"} & set(labels(at))
    assert dict(state_column(at)) == {"红旗区": "填报中"}  # a clerk's 报送情况 holds their own unit only
    click(at, "提交本单位2025年上半年数据")
    click(at, "确认提交")  # issue 22: after the summary of what is handed in
    assert "红旗区2025年上半年：提交完成，当前为「已提交」。" in [s.value for s in at.success]
    assert cycle.state_of(db, "红旗区", 2025, 1).state == cycle.SUBMITTED
    assert "提交本单位2025年上半年数据" not in labels(at) and "正在审核" not in words(at)
    assert store.audit.entries(db, action="cycle_submit")[0]["login"] == "hq"


def test_admin_returns_with_a_reason_then_approves(db):
    cycle.transition(db, CLERK_A, "submit", "红旗区", 2025, 1)
    at = app("ui/pages/reporting.py", ADMIN_A, unit="红旗区")
    assert at.selectbox(key="review_unit").value == "红旗区"
    click(at, "退回")
    assert "退回必须填写原因" in words(at) and cycle.state_of(db, "红旗区", 2025, 1).state == cycle.SUBMITTED
    at.text_input(key="review_reason").set_value("缺少培训签到表")
    click(at, "退回")
    assert cycle.state_of(db, "红旗区", 2025, 1).state == cycle.RETURNED

    clerk = app("ui/pages/reporting.py", CLERK_A)
    assert "退回原因：缺少培训签到表（孙法规" in words(clerk)
    click(clerk, "提交本单位2025年上半年数据")
    click(clerk, "确认提交")

    at = app("ui/pages/reporting.py", ADMIN_A, unit="红旗区")
    assert at.button(key="move_approve").disabled is False and at.button(key="move_reopen").disabled is True
    click(at, "审核通过")
    assert cycle.state_of(db, "红旗区", 2025, 1).state == cycle.APPROVED
    at = app("ui/pages/reporting.py", ADMIN_A)
    assert "已审核 1 个" in words(at) and "已审核 1/16 个单位" in words(at)
    assert "尚未提交：市国动办" in words(at) and "红旗区、" not in words(at).split("尚未提交：")[1]


def test_clerk_reporting_page_is_headed_with_their_own_unit_even_when_they_may_see_all(db):
    assert accounts.clerks_see_all_units(db)  # the default: the sidebar offers 全市 to a clerk too
    at = app("ui/pages/reporting.py", CLERK_A)
    at.selectbox(key="unit").set_value("全市").run()
    healthy(at)
    assert at.caption[0].value.startswith("红旗区 · 2025年上半年")
    assert "全市" not in at.caption[0].value and dict(state_column(at)) == {"红旗区": "填报中"}


def test_review_unit_follows_the_sidebar_unit(db):
    at = app("ui/pages/reporting.py", ADMIN_A, unit="红旗区")
    assert at.selectbox(key="review_unit").value == "红旗区"
    at.selectbox(key="unit").set_value("卫滨区").run()
    healthy(at)
    assert at.selectbox(key="review_unit").value == "卫滨区"
    at.selectbox(key="review_unit").set_value("封丘县").run()  # a choice in the box itself stays
    at.run()
    assert at.selectbox(key="review_unit").value == "封丘县"


def test_admin_sets_the_deadline_and_units_are_overdue_after_it(db):
    at = app("ui/pages/reporting.py", ADMIN_A)
    assert "尚未设置本期填报截止日期（管理员可在下方设置）" in words(at)
    at.date_input(key="deadline_2025_1").set_value(D(2025, 7, 10))
    click(at, "保存截止日期")
    assert cycle.deadline(db, 2025, 1) == D(2025, 7, 10)
    assert "填报截止：2025年7月10日（已截止" in words(at)
    assert state_column(at)["红旗区"] == "逾期" and "逾期 16 个" in words(at)
    click(at, "生成催报通知")
    text = at.code[0].value
    # the notice goes to 各县（市、区）、功能区: the city office sends it and is not listed (issue 22)
    assert "填报截止日期为2025年7月10日" in text and "1. 红旗区（逾期）" in text and "市国动办（" not in text
    clerk = app("ui/pages/reporting.py", CLERK_A)
    assert "已过填报截止日期（2025年7月10日），本单位不能再修改或提交" in words(clerk)
    assert "提交本单位2025年上半年数据" not in labels(clerk)


def test_leader_reads_only_and_sees_approved_units_when_the_admin_says_so(db):
    for action in ("submit", "approve"):
        cycle.transition(db, ADMIN_A, action, "红旗区", 2025, 1)
    at = app("ui/pages/reporting.py", LEADER_A)
    assert not {"审核通过", "提交本单位2025年上半年数据", "保存截止日期"} & set(labels(at))
    admin = app("ui/pages/reporting.py", ADMIN_A)
    admin.toggle(key="approved_only").set_value(True).run()
    healthy(admin)
    assert cycle.leaders_approved_only(db)
    overview = app("ui/pages/overview.py", LEADER_A)
    shown = words(overview)
    assert "仅显示已审核单位的数据；未审核、已隐藏 15 个单位：市国动办、卫滨区" in shown
    assert "已审核 1/16 个单位" in shown
    captions = [f["layout"]["annotations"][-1]["text"] for f in figures(overview)]
    assert captions and all("已审核 1/16 个单位" in c for c in captions)
    hidden_unit = app("ui/pages/overview.py", LEADER_A, unit="卫滨区")
    assert "卫滨区2025年上半年的数据尚未审核，暂不显示。" in words(hidden_unit) and not hidden_unit.get("plotly_chart")
    assert "已隐藏" not in words(app("ui/pages/overview.py", ADMIN_A))  # the administrator sees every unit


def figures(at) -> list[dict]:
    import json
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), "orange").save(buf, "JPEG")
    return buf.getvalue()


def test_clerk_attaches_evidence_to_a_row_and_finds_rows_without(db):
    at = app("ui/pages/evidence.py", CLERK_A)
    cov = at.dataframe[0].value.set_index("指标")
    assert cov.loc["T01", "情况"] == "有佐证 0 / 1" and "T02" not in cov.index  # 卫滨区's lecture is not the clerk's
    assert at.selectbox(key="evidence_row").options == ["红旗区 · 2025-03-01 · 培训学法台账 · 党组中心组学法 法治思想"]
    at.file_uploader[0].set_value([("签到表.jpg", jpeg(), "image/jpeg")]).run()
    healthy(at)
    click(at, "上传并挂接")
    assert any("已上传 1 个文件到「培训学法台账 · 红旗区 · 2025-03-01" in s.value for s in at.success)
    assert [e["file_name"] for e in evidence.listing(db)] == ["签到表.jpg"]
    at.run()
    assert at.dataframe[0].value.set_index("指标").loc["T01", "情况"] == "有佐证 1 / 1"
    assert "没有符合条件的台账行。" in words(at)  # the only row now has evidence
    assert len(at.get("image")) == 1  # the thumbnail is drawn
    downloads = [d for d in at.get("download_button") if d.proto.label == "下载"]
    assert downloads


def test_refused_evidence_is_said_and_nothing_stored(db):
    at = app("ui/pages/evidence.py", CLERK_A)
    at.file_uploader[0].set_value([("通知.pdf", b"<html><script>x</script></html>", "application/pdf")]).run()
    click(at, "上传并挂接")
    assert "「通知.pdf」的内容是网页或 XML 文件（HTML/SVG）" in words(at)
    assert evidence.listing(db) == []


def test_clerk_upload_into_an_approved_period_is_refused_at_the_check(db):
    for action in ("submit", "approve"):
        cycle.transition(db, ADMIN_A, action, "红旗区", 2025, 1)
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(TRAINING_HEADER)
    wb.active.append([D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 20, 2, None])
    buf = io.BytesIO()
    wb.save(buf)
    at = app("ui/pages/upload.py", CLERK_A)
    at.file_uploader[0].set_value([("更正.xlsx", buf.getvalue(), XLSX)]).run()
    healthy(at)
    assert "红旗区2025年上半年的数据已于" in words(at) and "审核通过并锁定" in words(at)
    assert "确认导入" not in labels(at)


@pytest.mark.parametrize("page", ["ui/pages/overview.py", "ui/pages/training.py", "ui/pages/scorecard.py", "ui/pages/exports.py",
                                  "ui/pages/reporting.py"])
def test_leader_with_no_unit_approved_gets_words_not_a_broken_page(db, page):
    cycle.set_leaders_approved_only(db, ADMIN_A, True)
    at = app(page, LEADER_A)
    assert "未审核、已隐藏 16 个单位" in words(at)
    assert [e.value for e in at.error] in ([], ["本期还没有通过审核的单位：只看已审核数据时，暂无可生成的汇报材料"])


def test_review_opens_on_a_unit_waiting_and_starts_empty_after_a_move(db):
    """Issue 22: at 全市 the review box opens on the first unit waiting for review (not on 市国动办
    未报送 with every button grey); after 退回 the box says the new state and the reason field is empty."""
    cycle.transition(db, CLERK_A, "submit", "红旗区", 2025, 1)
    at = app("ui/pages/reporting.py", ADMIN_A)
    box = at.selectbox(key="review_unit")
    assert box.value == "红旗区" and box.format_func(box.value) == "红旗区（已提交）"
    assert at.button(key="move_approve").disabled is False
    at.text_input(key="review_reason").set_value("缺少培训签到表")
    click(at, "退回")
    assert cycle.state_of(db, "红旗区", 2025, 1).state == cycle.RETURNED
    box = at.selectbox(key="review_unit")
    assert box.format_func(box.value) == "红旗区（已退回）" and at.text_input(key="review_reason").value == ""
    assert "红旗区2025年上半年：退回完成，当前为「已退回」" in words(at)


def test_a_returned_reason_is_shown_as_text_never_markdown(db):
    cycle.transition(db, CLERK_A, "submit", "红旗区", 2025, 1)
    cycle.transition(db, ADMIN_A, "return", "红旗区", 2025, 1, "**签到表**缺失 <b>请补</b>")
    clerk = app("ui/pages/reporting.py", CLERK_A)
    assert "退回原因：**签到表**缺失 <b>请补</b>（孙法规" in [t.value[:len("退回原因：**签到表**缺失 <b>请补</b>（孙法规")]
                                                      for t in clerk.text]


@pytest.mark.parametrize("actor,link,listed", [
    # a leader cannot upload: who has not reported, and where to follow it up; never a command line
    (LEADER_A, "查看各单位报送情况", True),
    (ADMIN_A, "去「数据填报」上传台账", False),  # whoever may upload: the link to do it
])
def test_an_empty_page_says_what_the_viewer_can_do(db, actor, link, listed):
    at = app("ui/pages/staff.py", actor, unit="凤泉区")  # no 执法人员统计表 anywhere
    text = words(at)
    assert "凤泉区在2025年上半年还没有执法人员统计表" in text
    assert "命令行" not in text and "python" not in text
    assert [p.label for p in at.get("page_link")] == [link]
    assert ("本期尚未报送任何台账的单位（14 个）：市国动办、凤泉区" in text) == listed


def test_a_clerk_submits_after_a_summary_and_a_confirm(db):
    """Issue 22: 提交 shows what will be handed in (rows, evidence) and what is missing, then asks."""
    at = app("ui/pages/reporting.py", CLERK_A)  # the sidebar at 2025上半年, which has ended
    assert "本单位（红旗区）应报送：2025年上半年" in words(at)
    click(at, "提交本单位2025年上半年数据")
    text = words(at)
    assert cycle.state_of(db, "红旗区", 2025, 1).state != cycle.SUBMITTED  # not yet: asked first
    assert "培训学法台账 1 行，其中有佐证材料 0 行" in text and "本期没有数据的台账：宣传活动台账" in text
    assert "1 行台账还没有佐证材料" in text
    click(at, "确认提交")
    assert cycle.state_of(db, "红旗区", 2025, 1).state == cycle.SUBMITTED


@pytest.mark.parametrize("today,due", [
    (D(2026, 12, 7), (2026, 1)), (D(2026, 12, 31), (2026, 2)), (D(2026, 6, 30), (2026, 1)), (D(2026, 3, 1), (2025, 2)),
])
def test_the_period_due_is_the_latest_that_has_ended(today, due):
    assert cycle.due_period(today) == due
    assert cycle.period_to_report(today.year, 2, today) == (due if today < D(today.year, 12, 31) else (today.year, 2))
    assert cycle.period_to_report(2024, 2, today) == (2024, 2)  # an ended period is offered as chosen


def test_a_period_not_yet_ended_cannot_be_submitted(db):
    with pytest.raises(IndicatorsError, match="要到2025年12月31日期满后才能提交"):
        cycle.transition(db, CLERK_A, "submit", "红旗区", 2025, 2, now=dt.datetime(2025, 12, 7, 9))
    assert cycle.state_of(db, "红旗区", 2025, 2).state != cycle.SUBMITTED


def test_a_returned_report_comes_first_on_every_page_of_the_clerk(db, tmp_path):
    year, half = cycle.due_period(dt.date.today())
    start = cycle.half_range(year, half)[0]
    assert load(db, write_xlsx(tmp_path / "due.xlsx", {"台账": [
        TRAINING_HEADER, [start, "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]]})).ok
    cycle.transition(db, CLERK_A, "submit", "红旗区", year, half)
    cycle.transition(db, ADMIN_A, "return", "红旗区", year, half, "签到表缺失 **请补**")
    at = app("ui/pages/overview.py", CLERK_A)
    assert f"红旗区{cycle.period_label(year, half)}的数据已被退回，请按原因修改后重新提交。" in words(at)
    assert any(t.value.startswith("退回原因：签到表缺失 **请补**（") for t in at.text)  # as text, not markdown
    leader = app("ui/pages/overview.py", LEADER_A)
    assert "已被退回" not in words(leader)
