"""催报 and 推送 with real parts on loopback: a local HTTP server standing for the 企业微信 and 钉钉 robots and
a generic webhook (checking the JSON shapes and the 钉钉 signature), aiosmtpd receiving the mails; both
databases; failures injected; the once-a-day rule, also between two processes; role refusals; and
the secrets kept out of the audit log, the pages and the exports."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, TRAINING_HEADER, db_env, load, write_xlsx
from indicators import auditlog, channels, cycle, notify, store
from indicators.problems import IndicatorsError
from indicators.roles import ADMIN, CLERK, LEADER, OPERATOR, Actor
from notify_servers import expected_sign, robot_server, smtp_server

D, T = dt.date, dt.datetime
ADMIN_A = Actor("fgk", "孙法规", ADMIN)
LEADER_A = Actor("ld", "李主任", LEADER)
CLERK_A = Actor("hq", "王填报", CLERK, "红旗区")
BEFORE, AFTER = T(2025, 7, 1, 9), T(2025, 7, 20, 9)  # before / after the deadline below
DEADLINE = D(2025, 7, 10)
WECOM_KEY = "3f2a9c1e-wecom-KEY-7d41"
DING_TOKEN = "a1b2c3-ding-TOKEN-d4e5"
DING_SECRET = "SEC8f0e1d2c3b4a5968776655443322110fedcba9876543210"
SMTP_PASSWORD = "smtp-Pa55-word"
HOOK_TOKEN = "hook-TOKEN-42x"
# aiosmtpd warns that AUTH without TLS is unsafe: the test server is on loopback only
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SECRETS = (WECOM_KEY, DING_TOKEN, DING_SECRET, SMTP_PASSWORD, HOOK_TOKEN)


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """Short timeouts and back-off: the failure cases retry for real, just not for seconds."""
    monkeypatch.setenv(channels.TIMEOUT_ENV, "0.5")
    monkeypatch.setenv(channels.RETRIES_ENV, "2")
    monkeypatch.setenv(channels.BACKOFF_ENV, "0.01")
    for s in channels.SETTINGS.values():
        monkeypatch.delenv(s.env, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")


@pytest.fixture
def robot():
    with robot_server() as r:
        yield r


@pytest.fixture
def mailbox():
    with smtp_server(password=SMTP_PASSWORD) as box:
        yield box


def seed(conn, tmp_path):
    """红旗区 has a training ledger (填报中, no evidence), everyone else nothing; the 上半年 deadline is set."""
    assert load(conn, write_xlsx(tmp_path / "seed.xlsx", {"台账": [
        TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]]})).ok
    cycle.set_deadline(conn, ADMIN_A, 2025, 1, DEADLINE)


def wire(conn, robot, mailbox=None):
    """The three robots for three units, mail for the 领导 group, the app's address and the SMTP server."""
    robot.secrets["/ding"] = DING_SECRET
    notify.set_contact(conn, ADMIN_A, "红旗区人防办", "wecom", robot.at("/wecom", f"key={WECOM_KEY}"))
    notify.set_contact(conn, ADMIN_A, "卫滨区", "dingtalk", robot.at("/ding", f"access_token={DING_TOKEN}"), DING_SECRET)
    notify.set_contact(conn, ADMIN_A, "凤泉区", "webhook", robot.at("/hook", f"token={HOOK_TOKEN}"))
    settings = {"public_url": "https://fzjs.example.gov.cn/"}
    if mailbox:
        settings |= {"smtp_host": mailbox.host, "smtp_port": str(mailbox.port), "smtp_security": "none",
                     "smtp_user": "notify@xx.gov.cn", "smtp_password": SMTP_PASSWORD}
    notify.save_settings(conn, ADMIN_A, settings)


def by_target(sends):
    return {(s.target, s.channel): s for s in sends}


# ---------------------------------------------------------------- what the platforms receive

def test_each_robot_gets_its_own_json_shape_naming_unit_period_deadline_missing_and_link(conn, tmp_path, robot):
    seed(conn, tmp_path)
    wire(conn, robot)
    sends = notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE)
    got = by_target(sends)
    assert {k: s.outcome for k, s in got.items() if s.channel} == {
        ("红旗区", "wecom"): "sent", ("卫滨区", "dingtalk"): "sent", ("凤泉区", "webhook"): "sent"}
    wecom, = robot.to("/wecom")
    assert wecom.query == {"key": WECOM_KEY} and set(wecom.body) == {"msgtype", "markdown"}
    assert wecom.body["msgtype"] == "markdown" and set(wecom.body["markdown"]) == {"content"}
    content = wecom.body["markdown"]["content"]
    for text in ("红旗区", "2025年上半年", "2025年7月10日（还有 9 天）", "填报中", "宣传活动台账、制度落实台账、执法人员统计表",
                 "尚无佐证材料**：培训学法台账 1 行", "[打开报送情况](https://fzjs.example.gov.cn/reporting)"):
        assert text in content, text
    assert "培训学法台账、" not in content.split("尚缺台账")[1].split("\n")[0]  # it has that one
    ding, = robot.to("/ding")
    assert ding.signature_ok is True and ding.query["access_token"] == DING_TOKEN
    assert ding.body["msgtype"] == "markdown" and set(ding.body["markdown"]) == {"title", "text"}
    assert ding.body["markdown"]["title"] == "【催报】卫滨区2025年上半年法治建设数据报送提醒"
    assert "未报送" in ding.body["markdown"]["text"] and "培训学法台账、宣传活动台账" in ding.body["markdown"]["text"]
    # each fact on its own line in 钉钉 too, which joins lines split by a bare newline
    assert "**报送期间**：2025年上半年  \n**填报截止**：2025年7月10日（还有 9 天）  \n" in ding.body["markdown"]["text"]
    hook, = robot.to("/hook")
    assert {k: hook.body[k] for k in ("kind", "unit", "year", "half", "deadline", "overdue", "link")} == {
        "kind": "remind", "unit": "凤泉区", "year": 2025, "half": 1, "deadline": "2025-07-10", "overdue": False,
        "link": "https://fzjs.example.gov.cn/reporting"}
    assert len(hook.body["missing_ledgers"]) == 4 and hook.body["text"].startswith("【催报】凤泉区")
    assert hook.raw.decode("utf-8").count("凤泉区") >= 2  # UTF-8 JSON, Chinese as it is


def test_the_dingtalk_signature_is_the_documented_hmac():
    # 钉钉's documented computation, done independently in the test server
    url = channels.signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", 1700000000000)
    sign = url.split("&sign=")[1]
    import urllib.parse
    assert urllib.parse.unquote_plus(sign) == expected_sign("SECabc", "1700000000000")
    assert "&timestamp=1700000000000&" in url


def test_a_wrong_dingtalk_secret_is_refused_by_the_robot_as_310000_and_recorded(conn, tmp_path, robot):
    seed(conn, tmp_path)
    robot.secrets["/ding"] = DING_SECRET
    notify.set_contact(conn, ADMIN_A, "卫滨区", "dingtalk", robot.at("/ding", "access_token=t"), "SECwrong")
    s, = [s for s in notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE) if s.channel]
    assert (s.outcome, s.errcode, s.attempts) == ("failed", "310000", 3)
    assert "加签密钥" in s.reason and len(robot.to("/ding")) == 3


def test_mail_has_a_text_and_an_html_part_in_chinese(conn, tmp_path, robot, mailbox):
    seed(conn, tmp_path)
    wire(conn, robot, mailbox)
    notify.set_contact(conn, ADMIN_A, "红旗区", "email", "hq@xx.gov.cn，boss@xx.gov.cn")
    sends = notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE)
    assert by_target(sends)[("红旗区", "email")].outcome == "sent"
    (to, mail), = mailbox.mails
    assert sorted(to) == ["boss@xx.gov.cn", "hq@xx.gov.cn"] and mailbox.logins == ["notify@xx.gov.cn"]
    assert mail["Subject"] == "【催报】红旗区2025年上半年法治建设数据报送提醒"
    # the headers a mail server or spam filter expects; smtplib adds neither
    assert mail["Date"] and mail["Message-ID"].endswith("@xx.gov.cn>")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    page = mail.get_body(("html",)).get_content()
    assert "填报截止：2025年7月10日" in text and "https://fzjs.example.gov.cn/reporting" in text
    assert "<th align='left'>尚缺台账</th>" in page and 'href="https://fzjs.example.gov.cn/reporting"' in page


def test_after_the_deadline_units_are_told_overdue_and_the_administrators_get_the_list(conn, tmp_path, robot, mailbox):
    seed(conn, tmp_path)
    wire(conn, robot, mailbox)
    notify.set_contact(conn, ADMIN_A, "管理员", "email", "fgk@xx.gov.cn")
    cycle.transition(conn, ADMIN_A, "submit", "红旗区", 2025, 1, now=BEFORE)
    sends = notify.remind(conn, ADMIN_A, 2025, 1, now=AFTER)
    assert ("红旗区", "wecom") not in by_target(sends)  # submitted: not reminded
    text = robot.to("/ding")[0].body["markdown"]["text"]
    assert "【已逾期】卫滨区" in text and "已逾期 10 天" in text and "联系市国动办法规科重新开放" in text
    (to, mail), = mailbox.mails
    assert to == ["fgk@xx.gov.cn"] and mail["Subject"].startswith("【逾期名单】2025年上半年")
    body = mail.get_body(("plain",)).get_content()
    assert "以下 15 个单位尚未提交" in body and "卫滨区（逾期）" in body and "红旗区" not in body


def test_a_return_reason_is_escaped_for_markdown_and_html(conn, tmp_path, robot, mailbox):
    seed(conn, tmp_path)
    wire(conn, robot, mailbox)
    notify.set_contact(conn, ADMIN_A, "红旗区", "email", "hq@xx.gov.cn")
    cycle.transition(conn, ADMIN_A, "submit", "红旗区", 2025, 1, now=BEFORE)
    reason = "签到表缺失 **加急** [点此补报](http://evil.example/x) <script>alert(1)</script>\n# 标题"
    cycle.transition(conn, ADMIN_A, "return", "红旗区", 2025, 1, reason, now=BEFORE)
    notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE)
    content = robot.to("/wecom")[0].body["markdown"]["content"]
    line = next(x for x in content.splitlines() if x.startswith("**退回原因**"))
    assert "＊＊加急＊＊ ［点此补报］（http://evil.example/x） ＜script＞alert（1）＜/script＞ ＃ 标题" in line
    assert content.count("](") == 1 and "<script>" not in content and "# 标题" not in content  # the one link is ours
    page = mailbox.mails[0][1].get_body(("html",)).get_content()
    assert "<script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("units_long", [False, True])
def test_no_robot_message_exceeds_the_wecom_limit(conn, tmp_path, robot, units_long):
    seed(conn, tmp_path)
    notify.set_contact(conn, ADMIN_A, "管理员", "wecom", robot.at("/admins"))
    rs = notify.reminders(conn, 2025, 1, AFTER.date())
    if units_long:  # units named at length (configuration may): the list is cut with a "more" line
        rs = [notify.Reminder(r.unit * 40, *[getattr(r, f) for f in ("year", "half", "state", "deadline", "overdue")],
                              r.missing * 30, r.no_evidence, r.reason, r.link) for r in rs]
    msg = notify.overdue_message(rs, 2025, 1, AFTER.date(), "https://x.example")
    assert channels.utf8_len(msg.markdown) <= 4096
    assert ("另有" in msg.markdown) is units_long
    assert all(channels.utf8_len(notify.reminder_message(r, AFTER.date()).markdown) <= 4096 for r in rs)


@pytest.mark.parametrize("head,items,tail,limit,expected", [
    (["h"], ["a", "b"], ["t"], 100, ["h", "a", "b", "t"]),
    (["h"], ["aaaa", "bbbb", "cccc"], ["t"], 16, ["h", "aaaa", "…2", "t"]),
    (["h"], ["aaaa", "bbbb"], ["t"], 5, ["h", "…2", "t"]),
])
def test_fit_keeps_what_fits_and_says_how_many_more(head, items, tail, limit, expected):
    assert channels.fit(head, items, tail, limit, "…{n}") == expected


# ---------------------------------------------------------------- faults

def fail_robot(robot, how: str):
    """Script /wecom to fail every time as `how` says."""
    robot.replies["/wecom"] = {"timeout": [(200, {"errcode": 0}, 2.0)], "500": [(500, {}, 0)],
                               "310000": [(200, {"errcode": 310000, "errmsg": "keywords not in content"}, 0)]}[how]


@pytest.mark.parametrize("how,errcode,reason", [
    ("timeout", None, "企业微信在 0.5 秒内没有应答"),
    ("500", "500", "企业微信拒收了消息（HTTP 500）"),
    ("310000", "310000", "企业微信拒收了消息（错误码 310000）"),
    ("smtp_login", "535", "邮件服务器拒绝登录（535）"),
])
def test_a_failing_channel_is_retried_then_recorded_failed_and_the_others_still_go(conn, tmp_path, robot, mailbox,
                                                                                   how, errcode, reason):
    seed(conn, tmp_path)
    wire(conn, robot, mailbox)
    if how == "smtp_login":
        notify.save_settings(conn, ADMIN_A, {"smtp_password": "wrong"})
        notify.set_contact(conn, ADMIN_A, "红旗区", "email", "hq@xx.gov.cn")
        notify.remove_contact(conn, ADMIN_A, "红旗区", "wecom")
    else:
        fail_robot(robot, how)
    sends = notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE)
    failed = [s for s in sends if s.outcome == "failed"]
    assert [(s.target, s.errcode, s.attempts) for s in failed] == [("红旗区", errcode, 3)]
    assert failed[0].reason.startswith(reason)
    assert {s.target for s in sends if s.outcome == "sent"} == {"卫滨区", "凤泉区"}
    if how == "smtp_login":
        # smtplib tries each mechanism the server offers (PLAIN, LOGIN), so two refusals per attempt
        assert mailbox.logins == ["notify@xx.gov.cn"] * 6 and not mailbox.mails
    else:
        assert len(robot.to("/wecom")) == 3
    log = notify.send_log(conn, 2025, 1)
    assert [(r["对象"], r["结果"], r["错误码"], r["尝试次数"]) for r in log if r["结果"] == "失败"] == [("红旗区", "失败", errcode or "", 3)]
    entry = next(e for e in auditlog.records(conn) if e["action"] == "notify_send" and e["unit"] == "红旗区")
    assert entry["detail"]["outcome"] == "失败" and entry["detail"]["reason"].startswith(reason)


@pytest.mark.parametrize("how,code,reason,attempts", [
    # saved by an earlier version that checked less: a port that is no number, a broken IPv6 host
    ("port", None, "通用接口的地址无法使用（格式不对）", 1),
    ("ipv6", None, "通用接口的地址无法使用（格式不对）", 1),
    # a server that answers something that is not HTTP
    ("garbage", None, "通用接口的应答无法识别", 3),
])
def test_an_address_that_cannot_be_opened_fails_that_unit_only_and_leaves_it_to_try_again(conn, tmp_path, robot,
                                                                                           how, code, reason, attempts):
    seed(conn, tmp_path)
    wire(conn, robot)
    address = {"port": robot.url + ":abc/hook", "ipv6": "http://[::1/hook", "garbage": robot.at("/hook")}[how]
    robot.replies["/hook"] = [(None, b"garbage\r\n\r\n", 0)]
    with store.transaction(conn):
        store.notify.set_contact(conn, "fgk", "凤泉区", "webhook", address, None)
    sends = by_target(notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE))
    bad = sends[("凤泉区", "webhook")]
    assert (bad.outcome, bad.errcode, bad.attempts, bad.reason.startswith(reason)) == ("failed", code, attempts, True)
    assert (sends[("红旗区", "wecom")].outcome, sends[("卫滨区", "dingtalk")].outcome) == ("sent", "sent")
    log = {r["对象"]: r["结果"] for r in notify.send_log(conn, 2025, 1)}
    assert log == {"红旗区": "成功", "卫滨区": "成功", "凤泉区": "失败"}
    later = by_target(notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE.replace(hour=11)))
    assert later[("凤泉区", "webhook")].outcome == "failed" and later[("红旗区", "wecom")].outcome == "skipped"


def test_a_failed_send_may_be_tried_again_the_same_day_and_only_it(conn, tmp_path, robot):
    seed(conn, tmp_path)
    wire(conn, robot)
    robot.replies["/wecom"] = [(500, {}, 0)] * 3 + [(200, {"errcode": 0}, 0)]
    first = by_target(notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE))
    assert first[("红旗区", "wecom")].outcome == "failed"
    second = by_target(notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE.replace(hour=10)))
    assert second[("红旗区", "wecom")].outcome == "sent"
    assert second[("卫滨区", "dingtalk")].outcome == "skipped"
    assert (len(robot.to("/wecom")), len(robot.to("/ding"))) == (4, 1)


# ---------------------------------------------------------------- once a day

def test_once_a_day_per_unit_unless_again_and_again_the_next_day(conn, tmp_path, robot):
    seed(conn, tmp_path)
    wire(conn, robot)
    outcomes = []
    for when, again in ((BEFORE, False), (BEFORE.replace(hour=17), False), (BEFORE.replace(hour=18), True),
                        (BEFORE + dt.timedelta(days=1), False)):
        outcomes.append(by_target(notify.remind(conn, ADMIN_A, 2025, 1, again=again, now=when))[("红旗区", "wecom")].outcome)
    assert outcomes == ["sent", "skipped", "sent", "sent"]
    assert len(robot.to("/wecom")) == 3
    assert len([r for r in notify.send_log(conn, 2025, 1) if r["对象"] == "红旗区"]) == 3


def test_dry_run_sends_nothing_and_claims_nothing(conn, tmp_path, robot):
    seed(conn, tmp_path)
    wire(conn, robot)
    planned = notify.remind(conn, ADMIN_A, 2025, 1, dry_run=True, now=BEFORE)
    assert {s.outcome for s in planned} == {"dry_run", "no_contact"} and not robot.hits
    assert by_target(notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE))[("红旗区", "wecom")].outcome == "sent"


def run_cli(*args, env):
    return subprocess.run([sys.executable, "-m", "indicators", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_two_servers_running_remind_at_once_send_once(cli_db, tmp_path, robot, monkeypatch):
    conn = store.connect(cli_db, files_dir=tmp_path / "shared")
    seed(conn, tmp_path)
    wire(conn, robot)
    conn.close()
    for path in ("/wecom", "/ding", "/hook"):  # slow robots: both runs are sending at the same time
        robot.replies[path] = [(200, {"errcode": 0}, 0.3)]
    env = db_env(cli_db, tmp_path / "shared")
    procs = [subprocess.Popen([sys.executable, "-m", "indicators", "remind", "--year", "2025", "--half", "1", "--json"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    assert sorted(len(robot.to(p)) for p in ("/wecom", "/ding", "/hook")) == [1, 1, 1]
    results = [json.loads(o[0]) for o in outs]
    sent = [r["target"] for rs in results for r in rs if r["outcome"] == "sent"]
    skipped = [r["target"] for rs in results for r in rs if r["outcome"] == "skipped"]
    assert sorted(sent) == sorted(["红旗区", "卫滨区", "凤泉区"]) and sorted(skipped) == sorted(sent)


# ---------------------------------------------------------------- the command line

def in_process(db, capsys, *args) -> tuple[int, str]:
    """`python -m indicators ARGS --db DB` run in this process (the refusals, quicker than a process each)."""
    from indicators import cli
    try:
        code = cli.main([*map(str, args), "--db", str(db)])
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize("args,code,text", [
    (("contact", "set", "--unit", "火星区", "--email", "a@b.cn"), 1, "「火星区」既不是单位名单中的单位"),
    (("contact", "set", "--unit", "红旗区", "--email", "not-an-address"), 1, "不是有效的电子邮件地址"),
    (("contact", "set", "--unit", "红旗区", "--wecom", "ftp://x"), 1, "https://"),
    (("contact", "set", "--unit", "红旗区", "--email", "a@b.cn", "--secret", "x"), 2, "只用于 --dingtalk"),
    (("contact", "set", "--unit", "红旗区"), 2, "参数有误：以下参数须写其中一个：--wecom --dingtalk --webhook --email"),
    (("contact", "set", "--unit", "红旗区", "--wecom"), 2, "参数有误：参数 --wecom：后面要写一个值"),
    (("contact", "set", "--unit", "红旗区", "--group", "领导", "--email", "a@b.cn"), 2, "参数 --group：不能与 --unit 同时使用"),
    (("contact", "set", "--group", "群众", "--email", "a@b.cn"), 2, "参数 --group：取值 '群众' 无效（可选：'领导', '管理员'）"),
    (("contact", "remove", "--unit", "凤泉区", "--wecom"), 1, "没有设置企业微信"),
    (("contact", "set", "--unit", "凤泉区", "--webhook", "http://[::1/x"), 1, "主机名、端口无误"),
    (("contact", "set", "--unit", "凤泉区", "--webhook", "http://10.0.0.8:80x/hook"), 1, "主机名、端口无误"),
    (("remind", "--year", "2025"), 2, "参数有误：缺少必填参数：--half"),
    (("remind", "--year", "2025", "--half", "3"), 2, "参数 --half：取值 3 无效（可选：1, 2）"),
    (("remind", "--year", "2025", "--half", "1", "--bogus"), 2, "参数有误：无法识别的参数：--bogus"),
    (("remind", "--year", "0", "--half", "1"), 2, "年份应是 2000–2100 之间的数字，不能是「0」"),
    (("remind", "--year", "99999", "--half", "1", "--dry-run"), 2, "年份应是 2000–2100"),
    (("deliver", "--to", "领导", "--format", "pptx", "--year", "-5", "--half", "1"), 2, "年份应是 2000–2100"),
    (("deliver", "--to", "领导", "--format", "pdf", "--year", "2025", "--half", "1"), 2, "格式只能是"),
    (("deliver", "--to", "火星区", "--format", "pptx", "--year", "2025", "--half", "1"), 1, "「火星区」既不是"),
])
def test_cli_refusals_and_usage_errors(cli_db, capsys, args, code, text):
    got, err = in_process(cli_db, capsys, *args)
    assert (got, text in err, "Traceback" in err) == (code, True, False), err
    assert ("参数有误：" in err) is (code == 2)
    assert not re.search(r"usage|argument|required|invalid|expected", err), err  # argparse's English, said in Chinese


@pytest.mark.parametrize("command", [("contact", "set"), ("contact", "list"), ("remind",), ("deliver",)])
def test_cli_help_is_in_chinese(capsys, command):
    from indicators import cli
    with pytest.raises(SystemExit) as done:
        cli.main([*command, "-h"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith("用法：python -m indicators ") and "显示本帮助并退出" in out
    assert not re.search(r"usage|options|show this help|positional", out), out


def test_cli_contact_remind_and_exit_codes(cli_db, tmp_path, robot):
    env = db_env(cli_db, tmp_path / "shared")
    conn = store.connect(cli_db, files_dir=tmp_path / "shared")
    seed(conn, tmp_path)
    conn.close()
    r = run_cli("contact", "set", "--unit", "红旗区", "--wecom", robot.at("/wecom", f"key={WECOM_KEY}"), env=env)
    assert (r.returncode, r.stdout.strip()) == (0, "已设置「红旗区」的企业微信"), r.stderr
    assert run_cli("contact", "set", "--unit", "卫滨区", "--dingtalk", robot.at("/ding", f"access_token={DING_TOKEN}"),
                   "--secret", DING_SECRET, env=env).returncode == 0
    assert run_cli("contact", "set", "--group", "领导", "--email", "leader@x.cn", env=env).returncode == 0
    listed = run_cli("contact", "list", "--json", env=env)
    rows = json.loads(listed.stdout)
    assert {(x["target"], x["channel"], x["signed"]) for x in rows} == {
        ("红旗区", "wecom", False), ("卫滨区", "dingtalk", True), ("领导", "email", False)}
    assert not any(s in listed.stdout + run_cli("contact", "list", env=env).stdout for s in SECRETS)
    dry = run_cli("remind", "--year", "2025", "--half", "1", "--dry-run", "--json", env=env)
    assert dry.returncode == 0 and not robot.hits
    assert "尚未设置看板访问地址" in dry.stderr  # the messages would carry no link: said, beside the JSON
    planned = json.loads(dry.stdout)
    assert {"kind", "target", "channel", "address", "outcome", "errcode", "reason", "attempts", "title", "text"} <= set(planned[0])
    assert not any(s in dry.stdout for s in SECRETS)
    robot.replies["/ding"] = [(500, {}, 0)]
    env["INDICATORS_PUBLIC_URL"] = "https://fzjs.example.gov.cn"
    r = run_cli("remind", "--year", "2025", "--half", "1", env=env)
    assert "看板访问地址" not in r.stderr and "https://fzjs.example.gov.cn/reporting" in robot.to("/wecom")[0].body["markdown"]["content"]
    assert r.returncode == 1 and "卫滨区" in r.stdout and "失败" in r.stdout and "HTTP 500" in r.stdout
    again = run_cli("remind", "--year", "2025", "--half", "1", "--json", env=env)  # 红旗区 sent today; 卫滨区 failed
    outcome = {(x["target"], x["channel"]): x["outcome"] for x in json.loads(again.stdout)}
    assert outcome[("红旗区", "wecom")] == "skipped" and outcome[("卫滨区", "dingtalk")] == "failed"
    leaders = run_cli("deliver", "--to", "领导", "--format", "pptx,docx", "--year", "2025", "--half", "1", "--dry-run",
                      "--json", env=env)
    planned, = json.loads(leaders.stdout)
    assert (leaders.returncode, planned["channel"], planned["outcome"], planned["address"]) == (0, "email", "dry_run", "leader@x.cn")
    assert planned["title"] == "【汇报材料】2025年上半年法治建设指标完成情况"
    assert run_cli("contact", "remove", "--unit", "红旗区", "--wecom", env=env).returncode == 0
    assert all(x["target"] != "红旗区" for x in json.loads(run_cli("contact", "list", "--json", env=env).stdout))


def test_cli_refuses_a_leader_account_with_exit_1(cli_db, tmp_path, robot):
    from indicators import accounts
    env = db_env(cli_db, tmp_path / "shared")
    conn = store.connect(cli_db, files_dir=tmp_path / "shared")
    accounts.create(conn, OPERATOR, "ld", "Leader-pass-2025", LEADER)
    conn.close()
    for args in (("contact", "set", "--unit", "红旗区", "--wecom", robot.at("/wecom"), "--user", "ld"),
                 ("remind", "--year", "2025", "--half", "1", "--user", "ld"),
                 ("deliver", "--to", "领导", "--format", "pptx", "--year", "2025", "--half", "1", "--user", "ld")):
        r = run_cli(*args, env=env)
        assert r.returncode == 1 and "领导账号无权" in r.stderr, (args, r.stderr)
    assert not robot.hits


# ---------------------------------------------------------------- roles and secrets

@pytest.mark.parametrize("actor", [LEADER_A, CLERK_A])
@pytest.mark.parametrize("call", [
    lambda conn, a, url: notify.set_contact(conn, a, "红旗区", "wecom", url),
    lambda conn, a, url: notify.remove_contact(conn, a, "红旗区", "dingtalk"),
    lambda conn, a, url: notify.save_settings(conn, a, {"public_url": "https://evil.example"}),
    lambda conn, a, url: notify.remind(conn, a, 2025, 1, now=BEFORE),
    lambda conn, a, url: notify.deliver(conn, a, "领导", ["pptx"], 2025, 1, now=BEFORE),
], ids=["set_contact", "remove_contact", "save_settings", "remind", "deliver"])
def test_only_an_administrator_may_set_channels_or_send(conn, tmp_path, robot, actor, call):
    seed(conn, tmp_path)
    notify.set_contact(conn, ADMIN_A, "红旗区", "dingtalk", robot.at("/ding"))
    before = (notify.contacts(conn), notify.settings_view(conn), len(store.audit.entries(conn)))
    with pytest.raises(IndicatorsError, match="无权"):
        call(conn, actor, robot.at("/wecom"))
    assert (notify.contacts(conn), notify.settings_view(conn), len(store.audit.entries(conn))) == before
    assert not robot.hits


def test_secrets_never_reach_the_audit_log_the_send_record_or_an_export(conn, tmp_path, robot, mailbox):
    from indicators import exports, progress
    seed(conn, tmp_path)
    wire(conn, robot, mailbox)
    notify.set_contact(conn, ADMIN_A, "领导", "email", "leader@xx.gov.cn")
    robot.replies["/ding"] = [(500, {}, 0)]
    notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE)
    notify.deliver(conn, ADMIN_A, "领导", ["pptx", "docx"], 2025, 1, now=BEFORE)
    log = json.dumps(auditlog.records(conn), ensure_ascii=False)
    assert "notify_send" in log and "contact_set" in log and "notify_settings" in log
    table = auditlog.frame(conn, ADMIN_A)
    shown = [log, table.to_csv(), json.dumps(notify.send_log(conn), ensure_ascii=False),
             json.dumps(notify.contacts(conn), ensure_ascii=False), json.dumps(notify.settings_view(conn), ensure_ascii=False)]
    per = progress.period(2025, 1)
    for fmt in ("pptx", "docx", "xlsx"):
        with zipfile.ZipFile(io.BytesIO(exports.build(fmt, conn, per))) as z:
            shown.append("".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()))
    with zipfile.ZipFile(io.BytesIO(auditlog.to_xlsx(table))) as z:
        shown.append("".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()))
    for text in shown:
        for secret in SECRETS:
            assert secret not in text
    assert "已修改" in log  # the SMTP password change is logged as a change, without its value


def test_deliver_mails_the_files_and_tells_the_robots_the_figures_once_a_day(conn, tmp_path, robot, mailbox):
    seed(conn, tmp_path)
    wire(conn, robot, mailbox)
    notify.set_contact(conn, ADMIN_A, "领导", "email", "leader@xx.gov.cn")
    notify.set_contact(conn, ADMIN_A, "领导", "wecom", robot.at("/leaders"))
    sends = notify.deliver(conn, ADMIN_A, "领导", ["pptx", "docx"], 2025, 1, now=BEFORE)
    assert sorted((s.channel, s.outcome) for s in sends) == [("email", "sent"), ("wecom", "sent")]
    (to, mail), = mailbox.mails
    files = {p.get_filename(): p.get_content() for p in mail.iter_attachments()}
    assert len(files) == 2 and {n.rsplit(".", 1)[1] for n in files} == {"pptx", "docx"}
    assert all(zipfile.is_zipfile(io.BytesIO(data)) for data in files.values())
    content = robot.to("/leaders")[0].body["markdown"]["content"]
    assert "【汇报材料】2025年上半年" in content and "审核进度**：已审核 0/16 个单位" in content
    assert "[打开汇报材料](https://fzjs.example.gov.cn/exports)" in content
    again = notify.deliver(conn, ADMIN_A, "领导", ["pptx", "docx"], 2025, 1, now=BEFORE.replace(hour=15))
    assert {s.outcome for s in again} == {"skipped"} and len(mailbox.mails) == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "impostor"])
def test_smtp_over_tls_sends_only_to_a_server_whose_certificate_checks_out(tmp_path, monkeypatch, security, trusted):
    import ssl

    import trustme
    ca = trustme.CA()  # a private CA, as an office's own mail server may have
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(served)
    if trusted:  # the operator trusts the office's CA (SSL_CERT_FILE); otherwise it is a stranger's certificate
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    msg = channels.Message("【催报】红旗区", "md", "报送期间：2025年上半年", "<p>报送期间</p>")
    with smtp_server(password=SMTP_PASSWORD, tls=security, context=served) as box:
        out = channels.send("email", "hq@xx.gov.cn", None, msg, channels.Smtp(
            "127.0.0.1", box.port, security, "notify@xx.gov.cn", SMTP_PASSWORD, "notify@xx.gov.cn"))
    if trusted:
        assert (out.ok, len(box.mails), box.logins) == (True, 1, ["notify@xx.gov.cn"])
        assert box.mails[0][1]["Subject"] == "【催报】红旗区"
    else:  # refused before the login: the password never reaches whoever answered
        assert (out.ok, box.logins, box.mails) == (False, [], [])
        assert out.reason == "与电子邮件建立加密连接失败（对方的证书无法验证：证书不是受信任的机构签发、已过期或与地址不符）"


def test_an_smtp_host_from_the_environment_no_lookup_can_take_is_a_failure_of_the_mails_only(conn, tmp_path, robot,
                                                                                            monkeypatch):
    seed(conn, tmp_path)
    wire(conn, robot)
    monkeypatch.setenv("INDICATORS_SMTP_HOST", "smtp..xx.gov.cn")  # a typo: an empty label
    notify.set_contact(conn, ADMIN_A, "红旗区", "email", "hq@xx.gov.cn")
    sends = by_target(notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE))
    mail = sends[("红旗区", "email")]
    assert (mail.outcome, mail.reason) == ("failed", "无法连接电子邮件（域名无法解析），请检查服务器能否访问外网、地址是否正确")
    assert sends[("卫滨区", "dingtalk")].outcome == "sent"


@pytest.mark.parametrize("port", ["99999", "25x", "0"])
def test_an_smtp_port_from_the_environment_that_cannot_be_is_a_failure_of_the_mails_only(conn, tmp_path, robot,
                                                                                       mailbox, monkeypatch, port):
    seed(conn, tmp_path)
    wire(conn, robot)
    monkeypatch.setenv("INDICATORS_SMTP_HOST", mailbox.host)
    monkeypatch.setenv("INDICATORS_SMTP_PORT", port)
    notify.set_contact(conn, ADMIN_A, "红旗区", "email", "hq@xx.gov.cn")
    sends = by_target(notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE))
    mail = sends[("红旗区", "email")]
    assert (mail.outcome, mail.attempts, mail.reason) == ("failed", 1, "发信服务器端口设置无效（应为 1–65535 的数字），请在“通知渠道”页面或环境变量中改正")
    assert {s.outcome for k, s in sends.items() if k[1] in ("wecom", "dingtalk", "webhook")} == {"sent"}
    assert [r["结果"] for r in notify.send_log(conn, 2025, 1) if r["渠道"] == "电子邮件"] == ["失败"]


@pytest.mark.parametrize("security,reason", [
    # the environment's spelling of a valid way is taken: the plain server offers no STARTTLS, so no login
    ("STARTTLS", "邮件服务器不支持所配置的加密方式或登录方式，请核对加密方式和端口"),
    # a way that does not exist is refused before connecting
    ("tls", "发信服务器的加密方式「tls」无效（应为 starttls、ssl 或 none），未发送，以免密码明文传输"),
])
def test_an_smtp_security_set_in_the_environment_never_sends_the_password_in_the_clear(conn, tmp_path, mailbox,
                                                                                       monkeypatch, security, reason):
    seed(conn, tmp_path)
    for key, value in {"HOST": mailbox.host, "PORT": str(mailbox.port), "SECURITY": security,
                       "USER": "notify@xx.gov.cn", "PASSWORD": SMTP_PASSWORD}.items():
        monkeypatch.setenv(f"INDICATORS_SMTP_{key}", value)
    notify.set_contact(conn, ADMIN_A, "红旗区", "email", "hq@xx.gov.cn")
    s, = [s for s in notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE) if s.channel]
    assert (s.outcome, s.reason, mailbox.logins, mailbox.mails) == ("failed", reason, [], [])


def test_smtp_not_configured_is_a_failure_with_a_chinese_reason_not_a_crash(conn, tmp_path):
    seed(conn, tmp_path)
    notify.set_contact(conn, ADMIN_A, "红旗区", "email", "hq@xx.gov.cn")
    s, = [s for s in notify.remind(conn, ADMIN_A, 2025, 1, now=BEFORE) if s.channel]
    assert (s.outcome, s.attempts) == ("failed", 1) and "尚未配置发信服务器" in s.reason


@pytest.mark.parametrize("key,value,message", [
    ("public_url", "fzjs.example.gov.cn", "应以 http:// 或 https:// 开头"),
    ("smtp_port", "25x", "1–65535"),
    ("smtp_host", "smtp..xx.gov.cn", "不是有效的主机名"),
    ("smtp_host", "smtp://smtp.xx.gov.cn", "不是有效的主机名"),
    ("smtp_security", "tls", "只能是 starttls、ssl、none"),
    ("nonsense", "1", "没有「nonsense」这项设置"),
])
def test_settings_refuse_what_cannot_work(conn, key, value, message):
    with pytest.raises(IndicatorsError, match=message):
        notify.save_settings(conn, ADMIN_A, {key: value})
    assert notify.setting(conn, "public_url") == ""


def test_settings_come_from_the_page_else_the_environment(conn, monkeypatch):
    monkeypatch.setenv("INDICATORS_SMTP_HOST", "smtp.env.example")
    assert notify.setting(conn, "smtp_host") == "smtp.env.example"
    assert notify.setting(conn, "smtp_port") == "587"
    notify.save_settings(conn, ADMIN_A, {"smtp_host": "smtp.page.example", "smtp_password": "x"})
    notify.save_settings(conn, ADMIN_A, {"smtp_password": ""})  # left empty: the saved one is kept
    assert notify.setting(conn, "smtp_host") == "smtp.page.example" and notify.smtp(conn).password == "x"
    view = {v["key"]: v for v in notify.settings_view(conn)}
    assert view["smtp_password"]["value"] == "已设置" and view["smtp_host"]["source"] == "设置页面"


@pytest.mark.parametrize("channel,address,shown", [
    ("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "https://qyapi.weixin.qq.com/…7d41"),
    ("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}", "https://oapi.dingtalk.com/…d4e5"),
    ("webhook", "http://10.0.0.8:8080/hook", "http://10.0.0.8/…hook"),
    ("webhook", "http://a.b", "••••"),
    ("webhook", "http://[::1/hook-KEY-99x", "http://?/…-99x"),
    ("email", "a@b.cn;c@d.cn", "a@b.cn、c@d.cn"),
])
def test_addresses_are_shown_masked(channel, address, shown):
    assert channels.mask(channel, address) == shown


@pytest.mark.parametrize("channel,address,problem", [
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", None),
    ("wecom", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", "以 https:// 开头"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=a b", "以 https:// 开头"),
    ("webhook", "javascript:alert(1)", "以 https:// 开头"),
    ("webhook", "http://10.0.0.8:abc/hook", "主机名、端口无误"),
    ("webhook", "http://10.0.0.8:70000/hook", "主机名、端口无误"),
    ("wecom", "https://[::1/cgi-bin/webhook/send", "主机名、端口无误"),
    ("wecom", "https://:443/cgi-bin/webhook/send", "主机名、端口无误"),
    ("wecom", "https://qyapi..weixin.qq.com/cgi-bin/webhook/send?key=1", "主机名、端口无误"),
    ("webhook", "http://[::1]:8080/hook", None),
    ("email", "a@b.cn, c@d.gov.cn", None),
    ("email", "a@b", "不是有效的电子邮件地址"),
    ("email", " ,", "至少一个电子邮件地址"),
])
def test_addresses_are_checked(channel, address, problem):
    got = channels.check_address(channel, address)
    assert (got is None) if problem is None else (problem in got)


@pytest.mark.parametrize("raw,escaped", [
    ("签到表缺失", "签到表缺失"),
    ("**粗体** _斜体_ `代码`", "＊＊粗体＊＊ ＿斜体＿ ｀代码｀"),
    ("[链接](http://x)", "［链接］（http://x）"),
    ("第一行\n# 标题\n> 引用", "第一行 ＃ 标题 ＞ 引用"),
    ("<font color=\"red\">红</font>", "＜font color=\"red\"＞红＜/font＞"),
])
def test_user_text_is_inert_in_robot_markdown(raw, escaped):
    assert channels.md_escape(raw) == escaped


def test_rows_without_evidence_are_counted_by_the_rule_the_evidence_page_uses(conn, tmp_path):
    from indicators import evidence, progress
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    assert load(conn, write_xlsx(tmp_path / "hq.xlsx", {"台账": [TRAINING_HEADER, *[
        [D(2025, 3, d), "红旗区", "党组中心组学法", f"专题{d}", None, 15, 2, None] for d in (1, 2, 3)]]})).ok
    assert load(conn, write_xlsx(tmp_path / "wb.xlsx", {"台账": [TRAINING_HEADER,
                                                                 [D(2025, 4, 2), "卫滨区", "全员法治培训", "宪法", None, 30, 2, None]]})).ok
    evidence.attach(conn, ADMIN_A, [("签到表.pdf", pdf)],
                    row=evidence.RowRef("training", ("红旗区", "2025-03-02", "党组中心组学法", "专题2")))
    evidence.attach(conn, ADMIN_A, [("照片.pdf", pdf)], batch=2)  # 卫滨区's whole batch
    got = {r.unit: dict(r.no_evidence) for r in notify.reminders(conn, 2025, 1, BEFORE.date())}
    assert got["红旗区"] == {"培训学法台账": 2} and got["卫滨区"] == {} and got["凤泉区"] == {}
    rows = evidence.rows_of_period(conn, progress.period(2025, 1))["training"]
    assert sorted(r["unit"] for r in rows if not r["evidence"]) == ["红旗区", "红旗区"]


def test_the_readme_schedule_runs_when_it_says():
    """The cron lines: cron runs a line whose day of month and day of week are both restricted when either
    matches, so the weekday is tested in the command; each command is valid shell once cron's \\% is %."""
    import re as re_
    import shutil
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [x for x in re_.search(r"```cron\n(.*?)```", readme, re_.S)[1].splitlines() if x.strip()]
    assert [x.split()[6] for x in lines] == ["[", "cd"] and "remind" in lines[0] and "deliver" in lines[1]
    for line in lines:
        minute, hour, dom, month, dow, user, command = line.split(None, 6)
        assert (dom == "*" or dow == "*", month, user) == (True, "1,7", "indicators"), line
        assert subprocess.run(["sh", "-n", "-c", command.replace("\\%", "%")]).returncode == 0, line
    calendars = re_.findall(r"^OnCalendar=(.+)$", readme, re_.M)
    assert calendars == ["Mon..Fri *-01,07-01..15 09:00:00", "*-01,07-05 08:30:00"]
    if shutil.which("systemd-analyze"):
        for spec in calendars:
            assert subprocess.run(["systemd-analyze", "calendar", spec], capture_output=True).returncode == 0, spec
