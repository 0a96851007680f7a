"""The app with accounts, under AppTest: the login page, each role's pages and refusals, a page
reached by its URL that the role may not use, idle expiry, the clerk's own-unit upload and
history, the administrator's pages (账号管理, 操作日志), 修改密码, and no password on any page."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, TRAINING_HEADER, count, load, write_xlsx
from dashboard_support import figures, texts
from indicators import accounts, charts, roles, store
from indicators.problems import IndicatorsError
from ui import auth, navigation

D = dt.date
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = {"fgk": "Fagui-2025!x", "boss": "Lingdao-2025x", "hq": "Hongqi-2025x"}
TESTED_PAGES = ["ui/pages/accounts.py", "ui/pages/password.py", "ui/pages/audit.py", "ui/pages/first_admin.py"]


def workbook(*rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(TRAINING_HEADER)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def training_row(unit, day, title="法治思想"):
    return [D(2025, 3, day), unit, "党组中心组学法", title, "张三", 15, 2, None]


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A database with one 卫滨区 import by the operator, and an administrator, a leader and a 红旗区 clerk."""
    path = tmp_path / "app.db"
    monkeypatch.setenv(store.DB_ENV, str(path))
    conn = store.connect(path)
    write_xlsx(tmp_path / "seed.xlsx", {"台账": [TRAINING_HEADER, training_row("卫滨区", 5, "卫滨区内部讲座")]})
    assert load(conn, tmp_path / "seed.xlsx").ok
    admin = accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN, name="法规科")
    accounts.create(conn, admin, "boss", PASSWORD["boss"], roles.LEADER, name="主任")
    accounts.create(conn, admin, "hq", PASSWORD["hq"], roles.CLERK, "红旗区")
    yield conn
    conn.close()


def healthy(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "页面出错了" in e.value or "无法读取数据库" in e.value]


def as_user(conn, login: str | None, page: str | None = None, now: dt.datetime | None = None,
            direct: bool = False) -> AppTest:
    """The app with `login` logged in (a session opened through accounts.login, as the form does), on `page`.
    `direct`: the page file run by itself, as Streamlit runs a URL of pages/ it serves without app.py."""
    at = AppTest.from_file(str(ROOT / (page if direct else "app.py")), default_timeout=60)
    if login:
        at.session_state["_login_token"] = accounts.login(conn, login, PASSWORD[login], now=now).token
    at.run()
    if page and not direct:
        at.switch_page(page).run()
    healthy(at)
    return at


def settle(at) -> None:
    at.run()
    healthy(at)


def click(at, label: str):
    settle(at)
    next(b for b in at.button if b.label == label).click().run()
    healthy(at)


def submit(at, label: str):
    """A form's submit button, right after its fields were filled (an extra run in between would lose them)."""
    next(b for b in at.button if b.label == label).click().run()
    healthy(at)


def everything_shown(at) -> str:
    parts = [texts(at)] + [str(e.value) for kind in ("text_input", "code") for e in getattr(at, kind)]
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(parts)


# ------------------------------------------------------------------ logging in

@pytest.mark.parametrize("page", ["ui/pages/overview.py", "ui/pages/upload.py", "ui/pages/accounts.py", "ui/pages/audit.py"])
def test_nothing_is_reachable_before_logging_in(db, page):
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # every URL answers with the login form
        as_user(db, None, page)
    at = as_user(db, None, page, direct=True)
    assert [t.value for t in at.title] == ["法治建设指标看板"]
    assert [t.label for t in at.text_input] == ["登录名", "密码"]
    # the login page's hidden warm-up (ui/auth._warm_charts) holds no data: 总览's six charts from made-up
    # numbers (their data revision is that of warm_figures', which reads no database) and one empty table
    made_up = [charts.for_browser(f)["layout"] for f in auth.warm_figures()]
    assert [f["layout"]["datarevision"] for f in figures(at)] == [m["datarevision"] for m in made_up]
    assert [f["name"] for f in figures(at)] == [m["meta"] for m in made_up] and len(made_up) == 6
    assert [len(d.value) for d in at.dataframe] == [0]
    assert not at.file_uploader


def test_login_form_wrong_then_right(db):
    at = as_user(db, None)
    at.text_input(key="login_name").input("hq")
    at.text_input(key="login_password").input("not-the-password")
    submit(at, "登录")
    assert at.error[0].value == accounts.WRONG
    at.text_input(key="login_name").input("hq")
    at.text_input(key="login_password").input(PASSWORD["hq"])
    submit(at, "登录")
    settle(at)
    assert at.session_state["actor"] == roles.Actor("hq", "红旗区填报员", roles.CLERK, "红旗区")
    assert "当前用户：**红旗区填报员（填报员·红旗区）**" in texts(at)
    assert PASSWORD["hq"] not in everything_shown(at)
    assert [e["action"] for e in store.audit.entries(db, login="hq")] == ["login", "login_failed"]


def test_lockout_is_said_on_the_login_page(db):
    at = as_user(db, None)
    for _ in range(accounts.LOCK_AFTER_FAILURES):
        at.text_input(key="login_name").input("boss")
        at.text_input(key="login_password").input("wrong-password")
        submit(at, "登录")
    assert "暂停登录 15 分钟" in at.error[0].value


def test_an_idle_session_must_log_in_again(db):
    at = as_user(db, "hq", now=dt.datetime.now() - dt.timedelta(hours=8, minutes=1))
    assert [t.label for t in at.text_input] == ["登录名", "密码"]
    assert "长时间没有操作（超过 8 小时）" in texts(at)
    assert store.audit.entries(db, action="session_expired")[0]["login"] == "hq"


def test_logout(db):
    at = as_user(db, "boss")
    click(at, "退出登录")
    settle(at)
    assert [t.label for t in at.text_input] == ["登录名", "密码"] and "您已退出登录" in texts(at)


# ------------------------------------------------------------------ each role's pages

@pytest.mark.parametrize("role,pages", [
    (roles.ADMIN, ["总览", "学法培训", "宣传活动", "制度落实", "执法队伍", "督导评分", "数据填报", "在线填报", "佐证材料", "导入记录",
                   "报送情况", "指标与目标", "已保存的回答", "汇报材料", "账号管理", "操作日志", "通知渠道", "修改密码"]),
    (roles.LEADER, ["总览", "学法培训", "宣传活动", "制度落实", "执法队伍", "督导评分", "佐证材料", "导入记录", "报送情况", "指标与目标",
                    "汇报材料", "修改密码"]),
    (roles.CLERK, ["总览", "学法培训", "宣传活动", "制度落实", "执法队伍", "督导评分", "数据填报", "在线填报", "佐证材料", "导入记录",
                   "报送情况", "指标与目标", "已保存的回答", "汇报材料", "修改密码"]),
])
def test_navigation_holds_only_the_permitted_pages(role, pages):
    actor = roles.Actor("x", "x", role, "红旗区" if role == roles.CLERK else None)
    assert [t for ps in navigation.visible(actor, True).values() for _, t, _ in ps] == pages


def test_without_accounts_the_operator_gets_the_first_admin_page_not_the_login_only_ones():
    titles = [t for ps in navigation.visible(roles.OPERATOR, False).values() for _, t, _ in ps]
    assert "创建管理员" in titles and "操作日志" in titles and "账号管理" not in titles and "修改密码" not in titles


@pytest.mark.parametrize("login,page,title", [
    ("boss", "ui/pages/upload.py", "数据填报"),
    ("boss", "ui/pages/accounts.py", "账号管理"),
    ("boss", "ui/pages/audit.py", "操作日志"),
    ("hq", "ui/pages/accounts.py", "账号管理"),
    ("hq", "ui/pages/audit.py", "操作日志"),
    ("fgk", "ui/pages/first_admin.py", "创建管理员"),
])
def test_a_forbidden_page_opened_by_its_url_refuses(db, login, page, title):
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in this role's navigation
        as_user(db, login, page)
    at = as_user(db, login, page, direct=True)  # and the file itself refuses when run by its URL
    assert [e.value for e in at.error] == [f"{accounts.actor_for(db, login).label}无权使用「{title}」页面。"
                                           "如需办理，请联系市国动办法规科（管理员）。"]
    assert not at.file_uploader and not at.dataframe and not at.text_input


ROLE_OF = {"fgk": roles.Actor("fgk", "", roles.ADMIN), "boss": roles.Actor("boss", "", roles.LEADER),
           "hq": roles.Actor("hq", "", roles.CLERK, "红旗区")}


@pytest.mark.parametrize("login,page", [(login, p) for login, actor in ROLE_OF.items()
                                        for p, _, _ in navigation.all_pages() if navigation.allowed(p, actor, True)])
def test_every_permitted_page_runs_for_every_role(db, login, page):
    at = as_user(db, login, page)
    assert not at.error, [e.value for e in at.error]
    assert "尚未启用登录" not in texts(at)


def test_a_leader_changes_nothing_in_the_pages(db):
    at = as_user(db, "boss", "ui/pages/history.py")
    assert list(at.dataframe[0].value["批次"]) == [1]
    assert not [b for b in at.button if "撤销" in b.label] and "无权撤销导入" in texts(at)
    at = as_user(db, "boss", "ui/pages/targets.py")
    assert "只有管理员" in texts(at) and not [b for b in at.button if b.label == "保存"]
    at = as_user(db, "boss", "ui/pages/reporting.py")
    assert [b.label for b in at.button if b.label == "生成催报通知"] == ["生成催报通知"]


# ------------------------------------------------------------------ the clerk's own unit

def upload(at, *files):
    settle(at)
    at.file_uploader[0].set_value([(name, data, XLSX) for name, data in files]).run()
    healthy(at)


def test_clerk_template_is_their_unit_and_locked(db):
    at = as_user(db, "hq", "ui/pages/upload.py")
    unit = at.selectbox[1]
    assert unit.options == ["红旗区"] and unit.disabled
    assert "全部台账模板_红旗区" in at.get("download_button")[0].label


def test_clerk_upload_of_another_units_rows_is_refused_with_the_rows_marked(db):
    at = as_user(db, "hq", "ui/pages/upload.py")
    upload(at, ("混合.xlsx", workbook(training_row("红旗区", 1), training_row("获嘉县", 2))))
    table = at.dataframe[0].value
    assert list(zip(table["行"], table["单元格"], table["值"])) == [(3, "B3", "获嘉县")]
    assert "不是本账号的单位「红旗区」" in table["问题"][0]
    assert any("下载标注了问题的工作簿" in b.label for b in at.get("download_button"))
    assert not [b for b in at.button if b.label.startswith("确认导入")] and count(db, "batch") == 1
    assert store.audit.entries(db, action="import_refused")[0]["login"] == "hq"


def test_clerk_imports_and_undoes_their_own_and_sees_only_their_history(db):
    at = as_user(db, "hq", "ui/pages/upload.py")
    upload(at, ("红旗区.xlsx", workbook(training_row("红旗区人防办", 1))))
    click(at, "确认导入")
    assert count(db, "batch") == 2 and store.batches(db)[0]["login"] == "hq"
    at = as_user(db, "hq", "ui/pages/history.py")
    table = at.dataframe[0].value
    assert list(table["批次"]) == [2] and list(table["导入人"]) == ["红旗区填报员"]  # 卫滨区's batch 1 is not listed
    assert "卫滨区" not in everything_shown(at)
    click(at, "撤销此批次……")
    click(at, "确认撤销")
    assert store.batch(db, 2)["undone"] and store.audit.entries(db, action="undo")[0]["login"] == "hq"


def test_clerk_reporting_is_their_own_unit_without_the_reminder(db):
    at = as_user(db, "hq", "ui/pages/reporting.py")
    assert set(at.dataframe[0].value["单位"]) == {"红旗区"}
    assert not [b for b in at.button if b.label == "生成催报通知"]


@pytest.mark.parametrize("see_all", [True, False])
def test_whether_clerks_see_other_units_is_a_setting(db, see_all):
    accounts.set_clerks_see_all_units(db, accounts.actor_for(db, "fgk"), see_all)
    at = as_user(db, "hq", "ui/pages/overview.py")
    unit = at.selectbox(key="unit")
    assert (unit.options == ["红旗区"]) is (not see_all)
    for page in ("ui/pages/scorecard.py", "ui/pages/training.py", "ui/pages/reporting.py"):
        at.switch_page(page).run()
        healthy(at)
        assert not at.error
        shown = " ".join(str(f["data"]) for f in figures(at))
        # 报送情况 is the clerk's own unit whatever the setting
        assert ("卫滨区" in shown) is (see_all and page != "ui/pages/reporting.py"), page
    at.switch_page("ui/pages/exports.py").run()
    assert bool([b for b in at.button if b.label == "生成汇报幻灯片"]) is see_all  # the deck ranks every unit


# ------------------------------------------------------------------ the administrator's pages

def test_first_administrator_is_created_on_its_page_then_login_is_required(tmp_path, monkeypatch):
    monkeypatch.setenv(store.DB_ENV, str(tmp_path / "new.db"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    healthy(at)
    assert "尚未启用登录" in at.warning[0].value and figures(at)  # the demo dashboard at once
    at.switch_page("ui/pages/first_admin.py").run()
    assert "尚未启用登录" in texts(at)
    # issue 21: the server console's one-time set-up code (this process's, as AppTest runs the app here)
    for label, value in (("设置码", accounts.setup_code()), ("登录名", "fgk"), ("密码", PASSWORD["fgk"]),
                         ("再次输入密码", PASSWORD["fgk"])):
        next(t for t in at.text_input if t.label == label).input(value)
    submit(at, "创建管理员并登录")
    settle(at)
    assert at.session_state["actor"].login == "fgk" and at.session_state["actor"].role == roles.ADMIN
    assert "尚未启用登录" not in texts(at)
    conn = store.connect(tmp_path / "new.db")
    assert [a["login"] for a in accounts.list_accounts(conn)] == ["fgk"]
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    fresh.run()
    assert [t.label for t in fresh.text_input] == ["登录名", "密码"]  # another browser must log in


def test_accounts_page_creates_disables_and_refuses_the_last_admin(db):
    at = as_user(db, "fgk", "ui/pages/accounts.py")
    assert list(at.dataframe[0].value["登录名"]) == ["fgk", "boss", "hq"]
    fields = {"登录名": "hj", "显示名": "获嘉县填报员", "初始密码": "Huojia-2025x", "再次输入初始密码": "Huojia-2025x"}
    for label, value in fields.items():
        next(t for t in at.text_input if t.label == label).input(value)
    next(s for s in at.selectbox if s.label == "单位（填报员必填）").set_value("获嘉县")
    submit(at, "创建账号")
    assert "已创建账号 hj：获嘉县填报员（填报员·获嘉县）" in at.success[0].value
    assert accounts.actor_for(db, "hj").unit == "获嘉县"
    settle(at)
    choose = next(s for s in at.selectbox if s.label == "选择账号")
    assert choose.options[0].startswith("fgk")
    click(at, "停用此账号")
    assert "最后一个在用的管理员" in at.error[0].value
    settle(at)
    next(s for s in at.selectbox if s.label == "选择账号").set_value(choose.options[1]).run()
    click(at, "停用此账号")
    assert "已停用账号 boss" in at.success[0].value
    assert "$argon2" not in everything_shown(at) and "Huojia-2025x" not in everything_shown(at)


def test_audit_page_lists_filters_and_exports(db):
    with pytest.raises(IndicatorsError):
        accounts.login(db, "hq", "a-wrong-password-1")
    at = as_user(db, "fgk", "ui/pages/audit.py")
    table = at.dataframe[0].value
    assert list(table.columns) == ["时间", "登录名", "姓名", "角色", "所属单位", "操作", "类别", "涉及单位", "客户端地址", "详情"]
    assert {"登录", "登录失败", "创建账号", "导入台账"} <= set(table["操作"])
    next(s for s in at.selectbox if s.label == "用户").set_value("hq").run()
    assert set(at.dataframe[0].value["登录名"]) == {"hq"}
    at.multiselect[0].set_value(["数据"]).run()
    assert at.dataframe[0].value.empty
    assert "a-wrong-password-1" not in everything_shown(at)
    assert at.get("download_button")[0].label == "导出为 Excel（.xlsx）"


def test_change_own_password_page(db):
    at = as_user(db, "hq", "ui/pages/password.py")
    for label, value in (("原密码", PASSWORD["hq"]), ("新密码", "hq"), ("再次输入新密码", "hq")):
        next(t for t in at.text_input if t.label == label).input(value)
    submit(at, "修改密码")
    assert "至少 8 位" in at.error[0].value
    for label, value in (("原密码", PASSWORD["hq"]), ("新密码", "Brand-new-2025"), ("再次输入新密码", "Brand-new-2025")):
        next(t for t in at.text_input if t.label == label).input(value)
    submit(at, "修改密码")
    assert at.success[0].value == "密码已修改。"
    assert accounts.login(db, "hq", "Brand-new-2025").actor.login == "hq"
    assert "Brand-new-2025" not in everything_shown(at)
