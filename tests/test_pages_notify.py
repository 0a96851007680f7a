"""一键催报 on 报送情况 and the 通知渠道 page under AppTest, as an administrator, a leader and a clerk, with a
loopback robot receiving what is sent; the secrets never on a page."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT

from indicators import auditlog, notify, store
from notify_servers import robot_server
from test_pages_cycle import ADMIN_A, CLERK_A, LEADER_A, _logged_in, app, click, db, labels, words  # noqa: F401 (db: fixture)

KEY = "wecom-KEY-0123456789abcdef"
DING_SECRET = "SECpage-secret-98765"


@pytest.fixture
def robot(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("INDICATORS_NOTIFY_TIMEOUT", "1")
    monkeypatch.setenv("INDICATORS_NOTIFY_BACKOFF", "0.01")
    with robot_server() as r:
        yield r


def everything(at) -> str:
    """Every value the page shows: texts, tables, code blocks, inputs."""
    parts = [words(at)]
    parts += [at.dataframe[i].value.to_csv() for i in range(len(at.dataframe))]
    parts += [str(c.value) for c in at.code] + [str(t.value) for t in at.text]
    parts += [str(t.value) for t in at.text_input]
    return "\n".join(parts)


def test_admin_sees_what_will_be_sent_to_whom_then_sends_it_once(db, robot):
    notify.set_contact(db, ADMIN_A, "红旗区", "wecom", robot.at("/wecom", f"key={KEY}"))
    notify.set_contact(db, ADMIN_A, "卫滨区", "dingtalk", robot.at("/ding", "access_token=tok"), DING_SECRET)
    at = app("ui/pages/reporting.py", ADMIN_A)
    assert not [b for b in labels(at) if b.startswith("确认发送")]  # nothing planned until asked
    click(at, "预览催报")
    plan = next(d.value for d in at.dataframe if "地址（已遮蔽）" in d.value.columns)
    assert sorted(zip(plan["对象"], plan["渠道"])) == [("卫滨区", "钉钉"), ("红旗区", "企业微信")]
    assert "未设置通知渠道、收不到通知（14 个）：市国动办、凤泉区、" in words(at)
    assert any("【催报】红旗区2025年上半年" in str(t.value) for t in at.text)  # the text itself, before sending
    assert KEY not in everything(at) and DING_SECRET not in everything(at)
    assert not robot.hits
    click(at, "确认发送（2 条）")
    assert len(robot.to("/wecom")) == 1 and len(robot.to("/ding")) == 1
    assert "已发送 2 条，失败 0 条。" in words(at)
    log = next(d.value for d in at.dataframe if "尝试次数" in d.value.columns and "时间" in d.value.columns)
    assert sorted(log["对象"]) == ["卫滨区", "红旗区"] and set(log["结果"]) == {"成功"}
    click(at, "确认发送（2 条）")  # the same day again: nothing more goes out
    assert len(robot.to("/wecom")) == 1 and "已发送 0 条" in words(at)
    assert [e["detail"]["outcome"] for e in auditlog.records(db) if e["action"] == "notify_send"] == ["成功", "成功"]


def test_leader_sees_the_send_record_but_no_button_and_no_secret(db, robot):
    notify.set_contact(db, ADMIN_A, "红旗区", "wecom", robot.at("/wecom", f"key={KEY}"))
    notify.remind(db, ADMIN_A, 2025, 1)
    at = app("ui/pages/reporting.py", LEADER_A)
    assert not [b for b in labels(at) if b.startswith("确认发送")]
    assert "发送记录" in words(at) and KEY not in everything(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in a leader's navigation
        app("ui/pages/notify.py", LEADER_A)
    refused = AppTest.from_file(str(ROOT / "ui/pages/notify.py"), default_timeout=60)  # its file run by its URL
    refused.session_state["_login_token"] = _logged_in(LEADER_A)
    refused.run()
    assert [e.value for e in refused.error] == [f"{LEADER_A.label}无权使用「通知渠道」页面。如需办理，请联系市国动办法规科（管理员）。"]
    assert KEY not in everything(refused)


def test_clerk_sees_only_their_own_units_sends(db, robot):
    notify.set_contact(db, ADMIN_A, "红旗区", "wecom", robot.at("/wecom", f"key={KEY}"))
    notify.set_contact(db, ADMIN_A, "卫滨区", "wecom", robot.at("/wb"))
    notify.remind(db, ADMIN_A, 2025, 1)
    at = app("ui/pages/reporting.py", CLERK_A)
    log = next(d.value for d in at.dataframe if "尝试次数" in d.value.columns)
    assert list(log["对象"]) == ["红旗区"] and KEY not in everything(at)


def test_admin_sets_a_channel_and_the_smtp_server_on_the_page_and_sees_them_masked(db):
    at = app("ui/pages/notify.py", ADMIN_A)
    at.selectbox[0].select("卫滨区")
    at.selectbox[1].select("dingtalk")
    at.text_input[0].input(f"https://oapi.dingtalk.com/robot/send?access_token={KEY}")
    at.text_input[1].input(DING_SECRET)
    next(b for b in at.button if b.label == "保存通知渠道").click().run()
    assert "已设置「卫滨区」的钉钉。" in words(at)
    table = at.dataframe[0].value
    assert list(table["对象"]) == ["卫滨区"] and table["加签"].iloc[0] == "是"
    assert table["地址（已遮蔽）"].iloc[0] == "https://oapi.dingtalk.com/…cdef"
    assert store.notify.contacts(db)[0]["secret"] == DING_SECRET
    password = next(t for t in at.text_input if t.label.startswith("发信密码（授权码）"))
    password.input("smtp-secret-pw")
    next(t for t in at.text_input if t.label.startswith("发信服务器地址")).input("smtp.xx.gov.cn")
    next(b for b in at.button if b.label == "保存设置").click().run()
    assert "已保存通知设置。" in words(at) and notify.smtp(db).password == "smtp-secret-pw"
    page = everything(at)
    assert KEY not in page and DING_SECRET not in page and "smtp-secret-pw" not in page
    assert any(t.label.endswith("：已设置") for t in at.text_input)


def test_a_bad_address_on_the_page_is_said_and_nothing_saved(db):
    at = app("ui/pages/notify.py", ADMIN_A)
    at.text_input[0].input("qyapi.weixin.qq.com/no-scheme")
    next(b for b in at.button if b.label == "保存通知渠道").click().run()
    assert "企业微信的地址应是以 https:// 开头的 Webhook 地址" in words(at)
    assert notify.contacts(db) == []


def test_a_failed_send_is_said_with_its_reason_on_the_page_and_kept_in_the_record(db, robot, monkeypatch):
    monkeypatch.setenv("INDICATORS_NOTIFY_RETRIES", "1")
    robot.replies["/wecom"] = [(500, {}, 0)]
    notify.set_contact(db, ADMIN_A, "红旗区", "wecom", robot.at("/wecom", f"key={KEY}"))
    at = app("ui/pages/reporting.py", ADMIN_A)
    click(at, "预览催报")
    click(at, "确认发送（1 条）")
    assert "已发送 0 条，失败 1 条。" in words(at) and len(robot.to("/wecom")) == 2
    result = next(d.value for d in at.dataframe if "尝试次数" in d.value.columns and "时间" not in d.value.columns)
    assert result[["对象", "结果", "错误码", "原因", "尝试次数"]].values.tolist() == [
        ["红旗区", "失败", "500", "企业微信拒收了消息（HTTP 500）", 2]]
    log = next(d.value for d in at.dataframe if "尝试次数" in d.value.columns and "时间" in d.value.columns)
    assert log[["对象", "结果", "错误码"]].values.tolist() == [["红旗区", "失败", "500"]]
    assert KEY not in everything(at)
