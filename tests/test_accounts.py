"""Accounts and the core's refusals, called directly: hashing, lockout and its end, idle expiry,
passwords, administration, the last administrator, and every import / undo / target edit refused
or audited by who did it. A real database on disk; the clock is passed in, never slept."""
from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import threading

import openpyxl
import pytest

from conftest import TRAINING_HEADER, count, write_xlsx
from indicators import accounts, annotate, auditlog, importing, imports, intake, roles, store, targets
from indicators.problems import IndicatorsError

D = dt.date
T0 = dt.datetime(2025, 7, 1, 9, 0, 0)
PASSWORDS = {"fgk": "Fagui-2025!", "boss": "Lingdao#2025", "hq": "Hongqi-2025", "wb": "Weibin-2025"}


@pytest.fixture
def people(conn):
    """An administrator, a leader and two clerks, created by the machine's operator and the administrator."""
    admin = accounts.create(conn, roles.OPERATOR, "fgk", PASSWORDS["fgk"], roles.ADMIN, name="法规科", now=T0)
    leader = accounts.create(conn, admin, "boss", PASSWORDS["boss"], roles.LEADER, name="主任", now=T0)
    hq = accounts.create(conn, admin, "hq", PASSWORDS["hq"], roles.CLERK, "红旗区人防办", now=T0)
    wb = accounts.create(conn, admin, "wb", PASSWORDS["wb"], roles.CLERK, "卫滨区", now=T0)
    return {"admin": admin, "leader": leader, "hq": hq, "wb": wb}


def training(tmp_path, name, *rows):
    return imports.parse_path(write_xlsx(tmp_path / name, {"台账": [["2025年培训学法台账"], TRAINING_HEADER, *rows]}))


def row(unit, day=1, title="法治思想"):
    return [D(2025, 3, day), unit, "党组中心组学法", title, "张三", 15, 2, None]


def everything_stored(conn) -> str:
    """Every text of every table (for the never-a-password checks)."""
    out = []
    for table in conn.tables():
        if table == "account":  # the one place a hash belongs
            continue
        out += [repr(tuple(r)) for r in conn.execute(f"SELECT * FROM {table}")]
    return "\n".join(out)


# ------------------------------------------------------------------ accounts

def test_passwords_are_argon2id_with_at_least_the_owasp_parameters(conn, people):
    hashed = conn.execute("SELECT password_hash FROM account WHERE login = 'hq'").fetchone()[0]
    assert hashed.startswith("$argon2id$v=19$")
    params = dict(p.split("=") for p in hashed.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2 and int(params["p"]) >= 1
    assert PASSWORDS["hq"] not in hashed


def test_listing_never_shows_a_hash(conn, people):
    rows = accounts.list_accounts(conn)
    assert [r["login"] for r in rows] == ["fgk", "boss", "hq", "wb"]
    assert rows[2]["unit"] == "红旗区" and rows[2]["name"] == "红旗区填报员"
    assert all("password_hash" not in r and not any("$argon2" in str(v) for v in r.values()) for r in rows)


@pytest.mark.parametrize("login,password,role,unit,message", [
    ("hq", "Another-pass1", roles.CLERK, "红旗区", "已被使用"),
    ("HQ", "Another-pass1", roles.CLERK, "红旗区", "已被使用"),  # logins are case-insensitive
    ("new", "short", roles.LEADER, None, "至少 8 位"),
    ("longname1", "LONGNAME1", roles.LEADER, None, "不能与登录名相同"),
    ("new", "Another-pass1", roles.CLERK, None, "必须指定本单位"),
    ("new", "Another-pass1", roles.CLERK, "火星区", "不在单位名单中"),
    ("new", "Another-pass1", roles.LEADER, "红旗区", "不属于某个单位"),
    ("new", "Another-pass1", "科长", None, "角色「科长」不存在"),
    ("a b", "Another-pass1", roles.LEADER, None, "不含空格"),
])
def test_create_refusals(conn, people, login, password, role, unit, message):
    before = count(conn, "account")
    with pytest.raises(IndicatorsError, match=message):
        accounts.create(conn, people["admin"], login, password, role, unit)
    assert count(conn, "account") == before


@pytest.mark.parametrize("who", ["leader", "hq"])
def test_only_administrators_manage_accounts(conn, people, who):
    actor = people[who]
    for call in (lambda: accounts.create(conn, actor, "x1", "Another-pass1", roles.LEADER),
                 lambda: accounts.disable(conn, actor, "wb"),
                 lambda: accounts.reset_password(conn, actor, "wb", "Another-pass1"),
                 lambda: accounts.set_role(conn, actor, "wb", roles.ADMIN),
                 lambda: accounts.set_clerks_see_all_units(conn, actor, False)):
        with pytest.raises(IndicatorsError, match="无权管理账号"):
            call()
    assert count(conn, "account") == 4 and accounts.actor_for(conn, "wb").role == roles.CLERK


def test_login_records_last_login_and_a_session_in_the_database(conn, people):
    s = accounts.login(conn, "HQ", PASSWORDS["hq"], client="10.0.0.5", now=T0)
    assert s.actor == people["hq"]
    assert accounts.list_accounts(conn)[2]["last_login"] == T0.isoformat()
    stored = conn.execute("SELECT * FROM login_session").fetchone()
    assert stored["login"] == "hq" and stored["client"] == "10.0.0.5" and s.token not in repr(tuple(stored))
    assert accounts.resume(conn, s.token, now=T0 + dt.timedelta(hours=1)) == people["hq"]
    entry = store.audit.entries(conn, action="login")[0]
    assert (entry["login"], entry["client"]) == ("hq", "10.0.0.5")


@pytest.mark.parametrize("name", ["hq", "nobody"])
def test_five_failures_lock_a_name_for_15_minutes_whether_or_not_it_exists(conn, people, name):
    messages = []
    for i in range(5):
        with pytest.raises(IndicatorsError) as e:
            accounts.login(conn, name, "wrong-password", now=T0 + dt.timedelta(seconds=i))
        messages.append(str(e.value))
    assert messages[0] == accounts.WRONG and "再错 1 次" in messages[3]
    assert "暂停登录 15 分钟" in messages[4] and "09:15" in messages[4]
    # locked: even the right password is refused, with the same words for a known and an unknown name
    with pytest.raises(IndicatorsError, match="暂停登录"):
        accounts.login(conn, name, PASSWORDS.get(name, "x"), now=T0 + dt.timedelta(minutes=14, seconds=59))
    if name == "hq":  # the lock ends by itself after 15 minutes
        assert accounts.login(conn, name, PASSWORDS[name], now=T0 + dt.timedelta(minutes=15, seconds=5)).actor.login == "hq"
    failed = store.audit.entries(conn, action="login_failed")
    assert len(failed) == 6 and all(r["login"] == name for r in failed)


def test_messages_do_not_tell_which_names_exist(conn, people):
    said = {}
    for name in ("hq", "nobody"):
        with pytest.raises(IndicatorsError) as e:
            accounts.login(conn, name, "wrong-password", now=T0)
        said[name] = str(e.value)
    assert said["hq"] == said["nobody"] == accounts.WRONG


def test_a_success_forgets_earlier_failures(conn, people):
    for i in range(4):
        with pytest.raises(IndicatorsError):
            accounts.login(conn, "hq", "wrong-password", now=T0)
    accounts.login(conn, "hq", PASSWORDS["hq"], now=T0)
    with pytest.raises(IndicatorsError) as e:
        accounts.login(conn, "hq", "wrong-password", now=T0)
    assert str(e.value) == accounts.WRONG  # counting starts again


@pytest.mark.parametrize("env,idle,alive", [
    (None, dt.timedelta(hours=7, minutes=59), True),
    (None, dt.timedelta(hours=8, seconds=1), False),
    ("1.5", dt.timedelta(hours=1, minutes=29), True),
    ("1.5", dt.timedelta(hours=1, minutes=31), False),
])
def test_a_session_idle_too_long_must_log_in_again(conn, people, monkeypatch, env, idle, alive):
    if env:
        monkeypatch.setenv(accounts.IDLE_HOURS.env, env)
    else:
        monkeypatch.delenv(accounts.IDLE_HOURS.env, raising=False)
    s = accounts.login(conn, "hq", PASSWORDS["hq"], now=T0)
    assert (accounts.resume(conn, s.token, now=T0 + idle) is not None) is alive
    if not alive:
        assert accounts.session_ended_reason(conn, s.token) == "idle"
        assert accounts.resume(conn, s.token, now=T0 + idle) is None  # ended for good
        assert store.audit.entries(conn, action="session_expired")[0]["login"] == "hq"


def test_activity_keeps_a_session_alive(conn, people):
    s = accounts.login(conn, "hq", PASSWORDS["hq"], now=T0)
    for hours in (6, 12, 18):
        assert accounts.resume(conn, s.token, now=T0 + dt.timedelta(hours=hours)) is not None


def test_idle_setting_must_be_a_number(monkeypatch):
    monkeypatch.setenv(accounts.IDLE_HOURS.env, "eight")
    with pytest.raises(IndicatorsError, match="不是数字"):
        accounts.idle_limit()


def test_logout_ends_the_session(conn, people):
    s = accounts.login(conn, "hq", PASSWORDS["hq"], now=T0)
    accounts.logout(conn, s.token, now=T0)
    assert accounts.resume(conn, s.token, now=T0) is None
    assert store.audit.entries(conn, action="logout")[0]["login"] == "hq"


@pytest.mark.parametrize("old,new,message", [
    ("wrong-old-pass", "Brand-new-2025", "原密码不正确"),
    (PASSWORDS["hq"], "short", "至少 8 位"),
    (PASSWORDS["hq"], "hq", "至少 8 位"),
    (PASSWORDS["hq"], PASSWORDS["hq"], "不能与原密码相同"),
])
def test_change_own_password_refusals(conn, people, old, new, message):
    with pytest.raises(IndicatorsError, match=message):
        accounts.change_password(conn, people["hq"], old, new)
    assert accounts.login(conn, "hq", PASSWORDS["hq"]).actor.login == "hq"


def test_change_own_password(conn, people):
    here = accounts.login(conn, "hq", PASSWORDS["hq"], now=T0)
    elsewhere = accounts.login(conn, "hq", PASSWORDS["hq"], now=T0)
    accounts.change_password(conn, people["hq"], PASSWORDS["hq"], "Brand-new-2025", token=here.token, now=T0)
    assert accounts.resume(conn, here.token, now=T0) is not None
    assert accounts.resume(conn, elsewhere.token, now=T0) is None  # the other browser must log in again
    with pytest.raises(IndicatorsError):
        accounts.login(conn, "hq", PASSWORDS["hq"])
    assert accounts.login(conn, "hq", "Brand-new-2025").actor.login == "hq"


def test_login_name_as_password_is_refused_whatever_its_case(conn, people):
    with pytest.raises(IndicatorsError, match="不能与登录名相同"):
        accounts.create(conn, people["admin"], "hongqi01", "HONGQI01", roles.LEADER)


def test_disable_enable_reset_role(conn, people):
    admin = people["admin"]
    s = accounts.login(conn, "wb", PASSWORDS["wb"], now=T0)
    accounts.disable(conn, admin, "wb", now=T0)
    assert accounts.resume(conn, s.token, now=T0) is None
    with pytest.raises(IndicatorsError, match="已停用"):
        accounts.login(conn, "wb", PASSWORDS["wb"])
    with pytest.raises(IndicatorsError, match="已停用"):
        accounts.actor_for(conn, "wb")
    accounts.enable(conn, admin, "wb")
    accounts.reset_password(conn, admin, "wb", "Reset-pass-2025")
    assert accounts.login(conn, "wb", "Reset-pass-2025").actor.unit == "卫滨区"
    accounts.set_role(conn, admin, "wb", roles.CLERK, "获嘉县")
    assert accounts.actor_for(conn, "wb").unit == "获嘉县"
    accounts.set_role(conn, admin, "boss", roles.ADMIN)
    assert accounts.actor_for(conn, "boss") == roles.Actor("boss", "主任", roles.ADMIN, None)
    actions = [e["action"] for e in store.audit.entries(conn, login="fgk")]
    assert actions[:5] == ["account_role", "account_role", "account_reset", "account_enable", "account_disable"]
    role_change = auditlog.records(conn, login="fgk")[1]
    assert role_change["detail"]["before"] == {"role": "填报员", "unit": "卫滨区"}
    assert role_change["detail"]["after"] == {"role": "填报员", "unit": "获嘉县"}


def test_a_reset_lifts_a_lockout(conn, people):
    for _ in range(5):
        with pytest.raises(IndicatorsError):
            accounts.login(conn, "wb", "wrong-password", now=T0)
    accounts.reset_password(conn, people["admin"], "wb", "Reset-pass-2025")
    assert accounts.login(conn, "wb", "Reset-pass-2025", now=T0).actor.login == "wb"


# ------------------------------------------------------------------ several app servers on one database

def servers(database, tmp_path, n: int) -> list:
    """`n` connections of their own, as `n` app servers (or processes) would hold."""
    return [store.connect(database, files_dir=tmp_path / "uploads") for _ in range(n)]


@pytest.mark.parametrize("name,tries", [("hq", 4), ("hq", 7), ("nobody", 7)])
def test_failures_at_the_same_moment_on_several_servers_are_each_counted_once(conn, database, tmp_path, people,
                                                                               name, tries):
    """Wrong passwords for one name sent at once through `tries` servers: none is lost, none counted twice
    (each server's count is read inside its write transaction), the 5th locks, the rest find the lock."""
    conns = servers(database, tmp_path, tries)
    start = threading.Barrier(tries)
    said: list[str | None] = [None] * tries

    def attempt(i: int) -> None:
        start.wait()
        try:
            accounts.login(conns[i], name, "wrong-password", now=T0)
        except IndicatorsError as e:
            said[i] = str(e)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for c in conns:
        c.close()
    assert all(said), said  # every attempt was refused
    counted = min(tries, accounts.LOCK_AFTER_FAILURES)
    failures, locked_until = conn.execute("SELECT failures, locked_until FROM login_attempt WHERE login = ?",
                                          (name,)).fetchone()
    assert failures == counted
    entries = [json.loads(e["detail"]) for e in store.audit.entries(conn, action="login_failed")]
    assert len(entries) == tries
    assert sorted(e["failures"] for e in entries if "failures" in e) == list(range(1, counted + 1))
    assert sum(e["reason"] == "locked" for e in entries) == tries - counted
    if tries < accounts.LOCK_AFTER_FAILURES:
        assert locked_until is None and sum("已暂停登录" in m for m in said) == 0
        if name in PASSWORDS:
            assert accounts.login(conn, name, PASSWORDS[name], now=T0).actor.login == name
        return
    assert locked_until == (T0 + dt.timedelta(minutes=accounts.LOCK_MINUTES)).isoformat()
    assert sum("已暂停登录" in m for m in said) == tries - accounts.LOCK_AFTER_FAILURES + 1
    assert [e["locked"] for e in entries if "failures" in e and e["failures"] == counted] == [True]
    # locked on every server: even the right password is refused
    other, = servers(database, tmp_path, 1)
    with pytest.raises(IndicatorsError, match="暂停登录"):
        accounts.login(other, name, PASSWORDS.get(name, "x"), now=T0 + dt.timedelta(minutes=1))
    other.close()


def test_sessions_and_lockouts_live_in_the_database_not_in_a_server(conn, database, tmp_path, people):
    a, b = servers(database, tmp_path, 2)
    s = accounts.login(a, "hq", PASSWORDS["hq"], now=T0)
    assert accounts.resume(b, s.token, now=T0 + dt.timedelta(hours=1)).login == "hq"  # the other server knows it
    accounts.logout(b, s.token, now=T0 + dt.timedelta(hours=1))
    assert accounts.resume(a, s.token, now=T0 + dt.timedelta(hours=1)) is None  # ended there, ended here
    for i in range(accounts.LOCK_AFTER_FAILURES):  # failures alternating between the servers add up
        with pytest.raises(IndicatorsError):
            accounts.login((a, b)[i % 2], "wb", "wrong-password", now=T0)
    for server in (a, b):
        with pytest.raises(IndicatorsError, match="暂停登录"):
            accounts.login(server, "wb", PASSWORDS["wb"], now=T0 + dt.timedelta(minutes=1))
    accounts.reset_password(a, people["admin"], "wb", "Reset-pass-2025")  # lifted on one, lifted on both
    assert accounts.login(b, "wb", "Reset-pass-2025", now=T0 + dt.timedelta(minutes=2)).actor.login == "wb"
    a.close()
    b.close()


def test_the_last_active_administrator_stays(conn, people):
    admin = people["admin"]
    with pytest.raises(IndicatorsError, match="最后一个在用的管理员"):
        accounts.disable(conn, admin, "fgk")
    with pytest.raises(IndicatorsError, match="最后一个在用的管理员"):
        accounts.set_role(conn, admin, "fgk", roles.LEADER)
    accounts.set_role(conn, admin, "boss", roles.ADMIN)
    accounts.disable(conn, admin, "fgk")  # another administrator is there now
    with pytest.raises(IndicatorsError, match="最后一个在用的管理员"):
        accounts.disable(conn, accounts.actor_for(conn, "boss"), "boss")
    assert accounts.actor_for(conn, "boss").role == roles.ADMIN


def test_actor_for_unknown_login(conn, people):
    with pytest.raises(IndicatorsError, match="没有登录名为「ghost」的账号"):
        accounts.actor_for(conn, "ghost")


def test_clerks_see_all_units_is_a_setting_default_yes(conn, people):
    assert accounts.clerks_see_all_units(conn) is True
    accounts.set_clerks_see_all_units(conn, people["admin"], False)
    assert accounts.clerks_see_all_units(conn) is False
    assert store.audit.entries(conn, action="setting")[0]["detail"].count("false") == 1


def test_accounts_from_a_workbook_all_or_none(conn, people, tmp_path):
    def sheet(*rows):
        wb = openpyxl.Workbook()
        wb.active.append(["登录名", "显示名", "角色", "单位", "初始密码"])
        for r in rows:
            wb.active.append(list(r))
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    bad = sheet(("hj", "获嘉县填报员", "填报员", "获嘉县", "Huojia-2025"), ("yy", "", "填报员", "火星区", "Yuanyang-2025"),
                ("hq", "", "填报员", "红旗区", "short"))
    with pytest.raises(IndicatorsError) as e:
        accounts.create_many(conn, people["admin"], accounts.read_accounts_xlsx(bad))
    assert "第 3 行：单位「火星区」不在单位名单中" in str(e.value) and "第 4 行：登录名「hq」已被使用" in str(e.value)
    assert "Huojia-2025" not in str(e.value) and count(conn, "account") == 4
    good = sheet(("hj", "获嘉县填报员", "填报员", "获嘉县人防办", "Huojia-2025"), ("dd", "督导组", "领导", None, "Dudao-2025"))
    made = accounts.create_many(conn, people["admin"], accounts.read_accounts_xlsx(good))
    assert [(a.login, a.role, a.unit) for a in made] == [("hj", "填报员", "获嘉县"), ("dd", "领导", None)]


def test_no_password_in_the_audit_log_or_any_table(conn, people):
    s = accounts.login(conn, "hq", PASSWORDS["hq"])
    with pytest.raises(IndicatorsError):
        accounts.login(conn, "hq", "a-wrong-guess-1")
    accounts.change_password(conn, people["hq"], PASSWORDS["hq"], "Brand-new-2025", token=s.token)
    accounts.reset_password(conn, people["admin"], "wb", "Reset-pass-2025")
    stored = everything_stored(conn)
    for secret in [*PASSWORDS.values(), "Brand-new-2025", "Reset-pass-2025", "a-wrong-guess-1", s.token, "$argon2"]:
        assert secret not in stored
    table = auditlog.frame(conn, people["admin"])
    assert not any(secret in " ".join(map(str, r)) for r in table.itertuples() for secret in PASSWORDS.values())


# ------------------------------------------------------------------ the core refuses what a role may not do

def test_clerk_file_with_another_units_rows_is_refused_whole_naming_rows_and_unit(conn, people, tmp_path):
    parsed = training(tmp_path, "混合.xlsx", row("红旗区"), row("卫滨区", 2), row("卫滨区", 3), row("获嘉县", 4))
    with pytest.raises(IndicatorsError) as e:
        importing.import_parsed(conn, parsed, actor=people["hq"])
    text = str(e.value)
    assert "只能导入本单位（红旗区）" in text and "3 行属于其他单位（卫滨区、获嘉县）" in text
    assert "第 4-5 行（卫滨区）" in text and "第 6 行（获嘉县）" in text
    assert count(conn, "batch") == 0 and count(conn, "training") == 0
    refused = store.audit.entries(conn, action="import_refused")[0]
    assert refused["login"] == "hq" and "混合.xlsx" in refused["detail"]


def test_clerk_own_unit_file_is_imported_and_the_batch_says_who(conn, people, tmp_path):
    result = importing.import_parsed(conn, training(tmp_path, "红旗区.xlsx", row("红旗区人防办")), actor=people["hq"],
                                 client="10.0.0.5")
    b = store.batch(conn, result.batch_id)
    assert (b["login"], b["user_name"]) == ("hq", "红旗区填报员")
    entry = store.audit.entries(conn, action="import")[0]
    assert (entry["login"], entry["target_unit"], entry["client"]) == ("hq", "红旗区", "10.0.0.5")
    assert '"batch": 1' in entry["detail"] and '"added": 1' in entry["detail"]


def test_a_leader_imports_nothing(conn, people, tmp_path):
    with pytest.raises(IndicatorsError, match="领导账号无权导入台账"):
        importing.import_parsed(conn, training(tmp_path, "a.xlsx", row("红旗区")), actor=people["leader"])
    with pytest.raises(IndicatorsError, match="领导账号无权导入台账"):
        importing.import_parsed(conn, training(tmp_path, "a.xlsx", row("红旗区")), actor=people["leader"], dry_run=True)
    assert count(conn, "batch") == 0


def test_without_an_actor_the_machines_operator_acts(conn, tmp_path):
    result = importing.import_parsed(conn, training(tmp_path, "a.xlsx", row("红旗区"), row("卫滨区")))
    assert result.batch_id and store.batch(conn, result.batch_id)["user_name"] == "本机操作员"
    assert store.audit.entries(conn)[0]["name"] == "本机操作员"


def test_a_file_with_problems_is_audited_as_refused(conn, tmp_path):
    parsed = training(tmp_path, "bad.xlsx", row("火星区"))
    assert not importing.import_parsed(conn, parsed).ok
    entry = auditlog.records(conn)[0]
    assert entry["action"] == "import_refused" and entry["detail"]["codes"] == ["unknown_unit"]


@pytest.fixture
def two_batches(conn, people, tmp_path):
    """One batch of 红旗区 by its clerk, one of 卫滨区 by its clerk, one of both by the administrator."""
    hq = importing.import_parsed(conn, training(tmp_path, "hq.xlsx", row("红旗区")), actor=people["hq"]).batch_id
    wb = importing.import_parsed(conn, training(tmp_path, "wb.xlsx", row("卫滨区", 5, "卫滨区内部讲座")), actor=people["wb"]).batch_id
    both = importing.import_parsed(conn, training(tmp_path, "both.xlsx", row("红旗区", 9), row("卫滨区", 9)),
                               actor=people["admin"]).batch_id
    return {"hq": hq, "wb": wb, "both": both}


@pytest.mark.parametrize("who,batch,message", [
    ("hq", "wb", "只能撤销本单位（红旗区）的导入批次"),
    ("hq", "both", "含有「卫滨区」的数据"),
    ("leader", "hq", "领导账号无权撤销导入"),
])
def test_undo_refusals(conn, people, two_batches, who, batch, message):
    batch_id = two_batches[batch]
    with pytest.raises(IndicatorsError, match=message):
        importing.undo(conn, batch_id, actor=people[who])
    with pytest.raises(IndicatorsError, match=message):
        with importing.as_if_undone(conn, batch_id, actor=people[who]):
            pass
    with pytest.raises(IndicatorsError, match=message):
        intake.undo_effect(conn, batch_id, actor=people[who])
    assert not store.batch(conn, batch_id)["undone"] and count(conn, "training") == 4
    assert store.audit.entries(conn, action="undo_refused")[0]["login"] == people[who].login


def test_clerk_undoes_own_batch_and_the_administrator_any(conn, people, two_batches):
    importing.undo(conn, two_batches["both"], actor=people["admin"])
    importing.undo(conn, two_batches["hq"], actor=people["hq"])
    undone = store.audit.entries(conn, action="undo")
    assert [(e["login"], e["target_unit"]) for e in undone] == [("hq", "红旗区"), ("fgk", None)]
    assert store.batch(conn, two_batches["hq"])["undone_by"] == "hq"


def test_clerk_history_never_shows_another_units_batch(conn, people, two_batches):
    assert list(intake.history_frame(conn, people["hq"])["批次"]) == [two_batches["hq"]]
    assert list(intake.history_frame(conn, people["admin"])["批次"]) == [3, 2, 1]
    assert list(intake.history_frame(conn, people["leader"])["导入人"]) == ["法规科", "卫滨区填报员", "红旗区填报员"]


def test_clerk_check_marks_the_other_units_rows_and_the_annotated_workbook_holds_only_the_file(conn, people, two_batches,
                                                                                              tmp_path):
    path = write_xlsx(tmp_path / "mine.xlsx", {"台账": [["台账"], TRAINING_HEADER, row("红旗区", 20), row("获嘉县", 21)]})
    checked = intake.check_upload(conn, path.read_bytes(), "mine.xlsx", actor=people["hq"])
    assert not checked.ok and [p.flat() for p in checked.parsed.problems] == [("台账", 4, "单位", "other_unit")]
    assert checked.parsed.problems[0].cell == "B4" and "获嘉县" in checked.parsed.problems[0].message
    book = openpyxl.load_workbook(io.BytesIO(annotate.annotate(checked.parsed)))
    cells = {str(c.value) for ws in book for r in ws.iter_rows() for c in r if c.value is not None}
    assert "卫滨区内部讲座" not in " ".join(cells) and "卫滨区" not in " ".join(cells)  # nothing from the database
    assert book["台账"]["B4"].comment and "不是本账号的单位「红旗区」" in book["台账"]["B4"].comment.text
    assert store.audit.entries(conn, action="import_refused")[0]["login"] == "hq"


def test_a_leader_cannot_even_check_an_upload(conn, people):
    with pytest.raises(IndicatorsError, match="无权导入台账"):
        intake.check_upload(conn, b"x", "a.xlsx", actor=people["leader"])


@pytest.mark.parametrize("who", ["leader", "hq"])
def test_only_administrators_edit_targets(conn, people, who):
    rows = targets.target_table(conn, 2025).to_dict("records")
    with pytest.raises(IndicatorsError, match="无权修改指标与目标"):
        targets.save(conn, 2025, rows, actor=people[who])
    with pytest.raises(IndicatorsError, match="无权修改指标与目标"):
        targets.copy_year(conn, 2025, 2026, actor=people[who])
    with pytest.raises(IndicatorsError, match="无权修改指标与目标"):
        targets.store_targets(conn, 2025, [{"code": "T02", "target": 3, "weight": None}], actor=people[who])
    assert count(conn, "target") == 0


def test_target_edit_is_audited_with_before_and_after(conn, people):
    rows = targets.target_table(conn, 2025).to_dict("records")
    for r in rows:
        if r["code"] == "T02":
            r["target"] = 3
    assert targets.save(conn, 2025, rows, actor=people["admin"]) == []
    detail = auditlog.records(conn, login="fgk")[0]["detail"]
    assert detail["year"] == 2025 and detail["changes"]["T02"]["after"]["target"] == 3
    assert detail["changes"]["T02"]["before"]["target"] is None  # no edit before: the file's target applied


# ------------------------------------------------------------------ the schema

def test_an_older_database_gets_the_new_columns_once(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE batch (id INTEGER PRIMARY KEY, created TEXT NOT NULL, file_name TEXT NOT NULL, "
                      "checksum TEXT NOT NULL, size INTEGER NOT NULL, kinds TEXT NOT NULL, units TEXT NOT NULL, "
                      "rows INTEGER NOT NULL, added INTEGER NOT NULL, updated INTEGER NOT NULL, unchanged INTEGER NOT NULL, "
                      "period_start TEXT, period_end TEXT, stored_path TEXT, demo INTEGER NOT NULL DEFAULT 0, undone TEXT);"
                      "INSERT INTO batch VALUES (1, '2025-01-01', 'a.xlsx', 'x', 1, 'training', '红旗区', 1, 1, 0, 0, "
                      "NULL, NULL, NULL, 0, NULL);")
    old.close()
    for _ in range(2):  # idempotent
        conn = store.connect(path)
        cols = {r[1] for r in conn.execute("PRAGMA table_info(batch)")}
        assert {"login", "user_name", "undone_by"} <= cols
        assert store.batch(conn, 1)["file_name"] == "a.xlsx" and store.batch(conn, 1)["login"] is None
        conn.close()
    assert list(intake.history_frame(store.connect(path))["导入人"]) == ["本机操作员"]


def test_audit_log_page_table_filters_and_exports(conn, people, two_batches):
    with pytest.raises(IndicatorsError, match="无权查看操作日志"):
        auditlog.frame(conn, people["leader"])
    table = auditlog.frame(conn, people["admin"], kinds=["数据"])
    assert set(table["操作"]) == {"导入台账"} and list(table["登录名"]) == ["fgk", "wb", "hq"]
    by_unit = auditlog.frame(conn, people["admin"], unit="卫滨区")
    assert list(zip(by_unit["登录名"], by_unit["操作"])) == [("fgk", "导入台账"), ("wb", "导入台账"), ("fgk", "创建账号")]
    assert set(auditlog.frame(conn, people["admin"], login="fgk")["操作"]) == {"导入台账", "创建账号"}
    book = openpyxl.load_workbook(io.BytesIO(auditlog.to_xlsx(table)))
    assert [c.value for c in book.active[1]] == auditlog.COLUMNS and book.active.max_row == 4


# ------------------------------------------------------------------ single sign-on (the claims st.user gives)

def test_sso_uses_the_account_of_the_same_login_before_the_claims(conn, people):
    s = accounts.sso_login(conn, {"sub": "x1", "preferred_username": "hq", "indicators_role": "管理员"}, now=T0)
    assert s.actor == people["hq"]  # the administrator's account wins over a claim
    assert accounts.resume(conn, s.token, now=T0) == people["hq"]
    assert auditlog.records(conn)[0]["detail"] == {"via": "sso"}


def test_sso_creates_the_account_from_the_claims(conn, people):
    claims = {"sub": "x2", "email": "hj@example.org", "name": "获嘉县小王", "indicators_role": "填报员",
              "indicators_unit": "获嘉县人防办"}
    s = accounts.sso_login(conn, claims, now=T0)
    assert s.actor == roles.Actor("hj@example.org", "获嘉县小王", roles.CLERK, "获嘉县")
    with pytest.raises(IndicatorsError):  # no usable password
        accounts.login(conn, "hj@example.org", "")
    accounts.disable(conn, people["admin"], "hj@example.org")
    with pytest.raises(IndicatorsError, match="已停用"):
        accounts.sso_login(conn, claims)


@pytest.mark.parametrize("claims", [{"sub": "x3"}, {"sub": "x3", "indicators_role": "填报员"},
                                    {"sub": "x3", "indicators_role": "科长"}])
def test_sso_without_account_or_valid_claims_is_refused(conn, people, claims):
    with pytest.raises(IndicatorsError, match="还没有账号"):
        accounts.sso_login(conn, claims)
    assert count(conn, "account") == 4
    assert store.audit.entries(conn)[0]["action"] == "login_failed"
