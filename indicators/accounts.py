"""Accounts: who may log in, with which role and unit; logging in, lockout, sessions, passwords.

The login page, the 账号管理 and 修改密码 pages and `python -m indicators user ...` all call these
functions; each change is written to the audit log in the same transaction. Passwords are hashed
with Argon2id and never stored, logged, shown or written into the audit log in clear.

Raises IndicatorsError (a Chinese sentence for the user) for every refusal.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import secrets
import sqlite3
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import clients, roles
from .config import default_catalog
from .problems import IndicatorsError
from .roles import ADMIN, CLERK, ROLES, Actor
from .store import accounts as db
from .store import audit
from .store.connection import transaction

# Argon2id at OWASP's first recommended configuration (m = 19 MiB, t = 2, p = 1): about 60 ms per
# login on this 2-core server, and 16 offices logging in at the same minute need 16 x 19 MiB at
# most. Hashes made with weaker parameters are upgraded at the next successful login
# (check_needs_rehash), so raising these later needs no migration.
HASH_MEMORY_KIB = 19 * 1024
HASH_TIME_COST = 2
HASH_PARALLELISM = 1
_HASHER = PasswordHasher(time_cost=HASH_TIME_COST, memory_cost=HASH_MEMORY_KIB, parallelism=HASH_PARALLELISM)


@functools.cache
def _dummy_hash() -> str:
    """Verified against for a login name that has no account, so that both answers take the same time."""
    return _HASHER.hash(secrets.token_urlsafe(16))


LOCK_AFTER_FAILURES = 5  # wrong passwords in a row for one name from one client address
LOCK_MINUTES = 15
GLOBAL_LOCK_AFTER = 30  # wrong passwords for one name from all addresses together ...
GLOBAL_WINDOW_MINUTES = 60  # ... within this window: above what one address can send (5 per 15 minutes = 20)
MAX_LOGIN_LENGTH = 64  # a longer name is no account's; it is never looked up or stored
UNKNOWN_LOGIN = "未知登录名"  # how the audit log names a login name no account has (with its hash)
MIN_PASSWORD_LENGTH = 8
LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9_.@\-\u4e00-\u9fff]{2,40}$")


@dataclass(frozen=True)
class Setting:
    """A setting, declared once with its help text: where it is read from and its default."""

    key: str
    default: object
    help: str
    env: str | None = None  # read from this environment variable (server settings)


IDLE_HOURS = Setting(
    "idle_hours", 8.0, "登录后连续多少小时没有任何操作就须重新登录（默认 8 小时，可写小数）",
    env="INDICATORS_SESSION_IDLE_HOURS")
CLERKS_SEE_ALL_UNITS = Setting(
    "clerks_see_all_units", True,
    "填报员能否在看板中看到其他单位的数字（默认可以，与全市通报一致）；关闭后填报员只能看到本单位和全市合计")
SSO_LOGIN_CLAIM = Setting(
    "sso_login_claim", "preferred_username", "单点登录时作为登录名的声明（claim），没有时依次用 email、sub",
    env="INDICATORS_SSO_LOGIN_CLAIM")
SSO_ROLE_CLAIM = Setting(
    "sso_role_claim", "indicators_role", "单点登录时给出角色（管理员、领导或填报员）的声明；本系统已有同名账号时以账号为准",
    env="INDICATORS_SSO_ROLE_CLAIM")
SSO_UNIT_CLAIM = Setting(
    "sso_unit_claim", "indicators_unit", "单点登录时给出填报员本单位的声明", env="INDICATORS_SSO_UNIT_CLAIM")
SETTINGS = (IDLE_HOURS, CLERKS_SEE_ALL_UNITS, SSO_LOGIN_CLAIM, SSO_ROLE_CLAIM, SSO_UNIT_CLAIM)


def setting_value(setting: Setting) -> str:
    """A server setting: its environment variable when set, else its default."""
    return os.environ.get(setting.env or "") or str(setting.default)

# shown for a wrong name and a wrong password alike: the page never tells whether a name exists
WRONG = "登录名或密码不正确"


def idle_limit() -> dt.timedelta:
    """How long a session may be idle: $INDICATORS_SESSION_IDLE_HOURS hours, 8 by default."""
    raw = os.environ.get(IDLE_HOURS.env or "")
    try:
        hours = float(raw) if raw else float(IDLE_HOURS.default)
    except ValueError:
        raise IndicatorsError(f"环境变量 {IDLE_HOURS.env} 的值「{raw}」不是数字（{IDLE_HOURS.help}）") from None
    return dt.timedelta(hours=hours)


def clerks_see_all_units(conn: sqlite3.Connection) -> bool:
    value = db.setting(conn, CLERKS_SEE_ALL_UNITS.key)
    return bool(CLERKS_SEE_ALL_UNITS.default) if value is None else value == "1"


def set_clerks_see_all_units(conn: sqlite3.Connection, actor: Actor, allowed: bool, *, client: str | None = None,
                             now: dt.datetime | None = None) -> None:
    roles.require(actor, "manage_accounts")
    before = clerks_see_all_units(conn)
    with transaction(conn):
        db.save_setting(conn, CLERKS_SEE_ALL_UNITS.key, "1" if allowed else "0")
        audit.record(conn, actor, "setting", detail={"setting": CLERKS_SEE_ALL_UNITS.key, "before": before,
                                                     "after": allowed}, client=client, now=now)


# ------------------------------------------------------------------ reading

def has_accounts(conn: sqlite3.Connection) -> bool:
    """True once any account exists: from then on the app asks everyone to log in."""
    return db.account_count(conn) > 0


def list_accounts(conn: sqlite3.Connection) -> list[dict]:
    """Every account (login, name, role, unit, active, created, last_login, password_changed), never a hash:
    administrators, leaders, then clerks in the units' configured order."""
    order = {u: i for i, u in enumerate(default_catalog().unit_names)}
    return sorted(db.accounts(conn), key=lambda a: (ROLES.index(a["role"]) if a["role"] in ROLES else 9,
                                                    order.get(a["unit"], -1), a["login"]))


def actor_of(row: dict) -> Actor:
    return Actor(login=row["login"], name=row["name"], role=row["role"], unit=row["unit"])


def actor_for(conn: sqlite3.Connection, login: str) -> Actor:
    """The acting user for `--user LOGIN`: the active account's rights. Raises IndicatorsError otherwise."""
    row = db.account(conn, login)
    if row is None:
        raise IndicatorsError(f"没有登录名为「{login}」的账号（可用 `python -m indicators user list` 查看）")
    if not row["active"]:
        raise IndicatorsError(f"账号「{login}」已停用，不能以它的身份操作")
    return actor_of(row)


# ------------------------------------------------------------------ checks

def _stamp(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now()).isoformat(timespec="seconds")


def check_password(password: str, login: str) -> None:
    """Raise IndicatorsError unless the password is long enough and is not the login name."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise IndicatorsError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if password.strip().casefold() == login.strip().casefold():
        raise IndicatorsError("密码不能与登录名相同")


def _resolve(role: str, unit: str | None) -> str | None:
    if role not in ROLES:
        raise IndicatorsError(f"角色「{role}」不存在；可选：{'、'.join(ROLES)}")
    if role != CLERK:
        if unit:
            raise IndicatorsError(f"{role}账号不属于某个单位，请不要填写单位（只有填报员需要单位）")
        return None
    if not unit:
        raise IndicatorsError("填报员账号必须指定本单位（如 红旗区、市国动办）")
    catalog = default_catalog()
    canonical = catalog.resolve_unit(unit)
    if canonical is None:
        raise IndicatorsError(f"单位「{unit}」不在单位名单中；可选：{'、'.join(catalog.unit_names)}")
    return canonical


def _existing(conn: sqlite3.Connection, login: str) -> dict:
    row = db.account(conn, login)
    if row is None:
        raise IndicatorsError(f"没有登录名为「{login}」的账号")
    return row


# ------------------------------------------------------------------ administration

def create(conn: sqlite3.Connection, actor: Actor, login: str, password: str, role: str, unit: str | None = None,
           name: str | None = None, *, client: str | None = None, now: dt.datetime | None = None) -> Actor:
    """Create an account (administrators only; the machine's operator may create the first one).

    Returns the new account's Actor. Raises IndicatorsError for a taken or malformed login name, an
    unknown role or unit, a clerk without a unit, or a password that is too short or equals the login.
    """
    roles.require(actor, "manage_accounts")
    login = (login or "").strip()
    if not LOGIN_PATTERN.match(login):
        raise IndicatorsError("登录名须为 2 到 40 个字符，只用字母、数字、汉字和 _ . @ -，不含空格")
    unit = _resolve(role, unit)
    check_password(password, login)
    if db.account(conn, login):
        raise IndicatorsError(f"登录名「{login}」已被使用")
    name = (name or "").strip() or (f"{unit}填报员" if unit else login)
    stamp = _stamp(now)
    with transaction(conn):
        db.insert_account(conn, login, name, role, unit, _HASHER.hash(password), stamp)
        audit.record(conn, actor, "account_create", unit=unit,
                     detail={"login": login, "name": name, "role": role, "unit": unit}, client=client, now=now)
    return Actor(login, name, role, unit)


# ------------------------------------------------------------------ the first administrator from the web

SETUP_CODE_LENGTH = 8


@functools.cache
def setup_code() -> str:
    """This server process's one-time set-up code (printed in its console, never shown on a page): whoever
    creates the first administrator from the web must type it, so that reaching the page is not enough."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a console and typed
    return "".join(secrets.choice(alphabet) for _ in range(SETUP_CODE_LENGTH))


def create_first_admin(conn: sqlite3.Connection, login: str, password: str, name: str | None, code: str, *,
                       client: str | None = None, now: dt.datetime | None = None) -> Actor:
    """Create the first administrator from the web: only while no account exists, and only with this
    process's set-up code (setup_code(); the command line's `user add --role 管理员` needs none: a shell on the
    server is the operator). Raises IndicatorsError, nothing created, otherwise."""
    if has_accounts(conn):
        raise IndicatorsError("管理员账号已经存在：请用已有账号登录，其他账号由管理员在「账号管理」页面创建")
    typed = "".join((code or "").split()).upper()
    if not secrets.compare_digest(typed.encode(), setup_code().encode()):
        with transaction(conn):
            audit.record(conn, roles.OPERATOR, "setup_code_refused", client=client, now=now)
        raise IndicatorsError("设置码不正确，未创建账号。设置码在启动本系统的服务器控制台（日志）中，"
                              "形如「首次设置码：ABCD2345」；也可在服务器上用命令行创建管理员")
    return create(conn, roles.OPERATOR, login, password, ADMIN, name=name, client=client, now=now)


def _last_admin_guard(conn: sqlite3.Connection, row: dict, what: str) -> None:
    if row["role"] == ADMIN and row["active"] and db.active_admins(conn) == [row["login"]]:
        raise IndicatorsError(f"「{row['login']}」是最后一个在用的管理员账号，不能{what}；请先创建或启用另一个管理员")


def disable(conn: sqlite3.Connection, actor: Actor, login: str, *, client: str | None = None,
            now: dt.datetime | None = None) -> None:
    """Disable an account and end its sessions. The last active administrator cannot be disabled."""
    roles.require(actor, "manage_accounts")
    row = _existing(conn, login)
    if not row["active"]:
        raise IndicatorsError(f"账号「{row['login']}」已是停用状态")
    _last_admin_guard(conn, row, "停用")
    with transaction(conn):
        db.update_account(conn, row["login"], active=0)
        ended = db.end_sessions_of(conn, row["login"], _stamp(now), "disabled")
        audit.record(conn, actor, "account_disable", unit=row["unit"],
                     detail={"login": row["login"], "sessions_ended": ended}, client=client, now=now)


def enable(conn: sqlite3.Connection, actor: Actor, login: str, *, client: str | None = None,
           now: dt.datetime | None = None) -> None:
    """Enable a disabled account (its failed attempts are forgotten)."""
    roles.require(actor, "manage_accounts")
    row = _existing(conn, login)
    if row["active"]:
        raise IndicatorsError(f"账号「{row['login']}」已是启用状态")
    with transaction(conn):
        db.update_account(conn, row["login"], active=1)
        db.clear_attempts(conn, row["login"])
        audit.record(conn, actor, "account_enable", unit=row["unit"], detail={"login": row["login"]}, client=client,
                     now=now)


def reset_password(conn: sqlite3.Connection, actor: Actor, login: str, password: str, *, client: str | None = None,
                   now: dt.datetime | None = None) -> None:
    """Set a new password for someone's account, lift its lockout and end its sessions."""
    roles.require(actor, "manage_accounts")
    row = _existing(conn, login)
    check_password(password, row["login"])
    stamp = _stamp(now)
    with transaction(conn):
        db.update_account(conn, row["login"], password_hash=_HASHER.hash(password), password_changed=stamp)
        db.clear_attempts(conn, row["login"])
        ended = db.end_sessions_of(conn, row["login"], stamp, "password_reset")
        audit.record(conn, actor, "account_reset", unit=row["unit"],
                     detail={"login": row["login"], "sessions_ended": ended}, client=client, now=now)


def set_role(conn: sqlite3.Connection, actor: Actor, login: str, role: str, unit: str | None = None, *,
             client: str | None = None, now: dt.datetime | None = None) -> None:
    """Change an account's role (and unit). The last active administrator cannot be demoted."""
    roles.require(actor, "manage_accounts")
    row = _existing(conn, login)
    unit = _resolve(role, unit)
    if role != ADMIN:
        _last_admin_guard(conn, row, f"改为{role}")
    with transaction(conn):
        db.update_account(conn, row["login"], role=role, unit=unit)
        ended = db.end_sessions_of(conn, row["login"], _stamp(now), "role_changed")
        audit.record(conn, actor, "account_role", unit=unit or row["unit"],
                     detail={"login": row["login"], "before": {"role": row["role"], "unit": row["unit"]},
                             "after": {"role": role, "unit": unit}, "sessions_ended": ended}, client=client, now=now)


def rename(conn: sqlite3.Connection, actor: Actor, login: str, name: str, *, client: str | None = None,
           now: dt.datetime | None = None) -> None:
    """Change an account's display name."""
    roles.require(actor, "manage_accounts")
    row = _existing(conn, login)
    name = (name or "").strip()
    if not name:
        raise IndicatorsError("显示名不能为空")
    with transaction(conn):
        db.update_account(conn, row["login"], name=name)
        audit.record(conn, actor, "account_rename", unit=row["unit"],
                     detail={"login": row["login"], "before": row["name"], "after": name}, client=client, now=now)


# ------------------------------------------------------------------ logging in

@dataclass(frozen=True)
class Session:
    """A successful login: the token the browser session keeps, and who it is."""

    token: str
    actor: Actor


def _lock_message(until: str) -> str:
    return (f"登录失败次数过多，该登录名已暂停登录 {LOCK_MINUTES} 分钟（至 {until.replace('T', ' ')[:16]}），"
            "请稍后再试；忘记密码请联系管理员重置")


def name_key(name: str, row: dict | None) -> str:
    """What failures of a login name are counted under: the account's login, or for a name no account has
    only a short hash of it (a password typed into the name box is never stored)."""
    return row["login"] if row else "#" + hashlib.sha256(name.casefold().encode()).hexdigest()[:16]


def _tried(name: str, row: dict | None) -> Actor:
    """Who an attempt is audited as: the account, or an unknown name as its marker, never as typed."""
    if row:
        return Actor(row["login"], row["name"], row["role"], row["unit"])
    marker = UNKNOWN_LOGIN + name_key(name, None)
    return Actor(marker, marker, "")


def _lock_until(states: tuple[dict, dict], stamp: str) -> str | None:
    """The later lock in force (of this client's count or of the count over all clients), or None."""
    locks = [s["locked_until"] for s in states if _locked(s, stamp)]
    return max(locks) if locks else None


def _count_failure(conn, key: str, client: str, now: dt.datetime) -> tuple[int, str | None]:
    """One more failure of `key` from `client`, inside the caller's transaction: (failures from this client in
    a row, the lock it sets or None). LOCK_AFTER_FAILURES in a row from one address lock the name for that
    address; GLOBAL_LOCK_AFTER within GLOBAL_WINDOW_MINUTES from all addresses together lock it for all."""
    stamp = _stamp(now)
    mine = db.attempts(conn, key, client)
    failures = (0 if mine["locked_until"] else mine["failures"]) + 1  # a lock that ended starts a new count
    until = (now + dt.timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
    locked = until if failures >= LOCK_AFTER_FAILURES else None
    db.save_attempts(conn, key, client, failures, mine["window_start"] or stamp, stamp, locked)
    every = db.attempts(conn, key)
    fresh = every["window_start"] is None or every["locked_until"] or \
        now - dt.datetime.fromisoformat(every["window_start"]) > dt.timedelta(minutes=GLOBAL_WINDOW_MINUTES)
    total = 1 if fresh else every["failures"] + 1
    everywhere = until if total >= GLOBAL_LOCK_AFTER else None
    db.save_attempts(conn, key, db.ALL_CLIENTS, total, stamp if fresh else every["window_start"], stamp, everywhere)
    return failures, locked or everywhere


def login(conn: sqlite3.Connection, login_name: str, password: str, *, client: str | None = None,
          now: dt.datetime | None = None) -> Session:
    """Check a login name and password; on success open a session (kept in the database).

    After LOCK_AFTER_FAILURES failures in a row from one client address a name is locked for that address
    for LOCK_MINUTES minutes, and after GLOBAL_LOCK_AFTER failures within GLOBAL_WINDOW_MINUTES from all
    addresses together for everyone (OWASP: a stranger at one address cannot keep the owner out), whether
    or not an account has that name, so that the answer never tells which names exist. A name longer than
    MAX_LOGIN_LENGTH is no account's. Raises IndicatorsError (wrong name or password, locked, disabled).
    Every attempt is audited; a name no account has only as a hash marker.
    """
    now = now or dt.datetime.now()
    stamp = _stamp(now)
    name = (login_name or "").strip()
    row = db.account(conn, name) if name and len(name) <= MAX_LOGIN_LENGTH else None
    key, where = name_key(name, row), clients.lockout_key(client)
    tried = _tried(name, row)
    ahead = _lock_until((db.attempts(conn, key, where), db.attempts(conn, key)), stamp)
    if ahead:  # a quick look first: a locked name costs no hashing
        with transaction(conn):
            audit.record(conn, tried, "login_failed", detail={"reason": "locked"}, client=client, now=now)
        raise IndicatorsError(_lock_message(ahead))
    # the Argon2 check (~50 ms) runs outside any write transaction, so that logins never queue behind it;
    # what it decides is then written against the attempt state read again inside the write transaction
    # (one writer at a time on both databases), so that two servers never both read 4 failures and write 5
    ok = _verify(row["password_hash"] if row else _dummy_hash(), password or "") and row is not None
    if not ok:
        with transaction(conn):
            locked = _lock_until((db.attempts(conn, key, where), db.attempts(conn, key)), stamp)
            if locked:  # another server's failure locked the name meanwhile: this one is not counted
                failures = None
                audit.record(conn, tried, "login_failed", detail={"reason": "locked"}, client=client, now=now)
            else:
                failures, locked = _count_failure(conn, key, where, now)
                audit.record(conn, tried, "login_failed",
                             detail={"reason": "wrong_password" if row else "unknown_login", "failures": failures,
                                     "locked": bool(locked)}, client=client, now=now)
        if locked:
            raise IndicatorsError(_lock_message(locked))
        left = LOCK_AFTER_FAILURES - failures
        raise IndicatorsError(f"{WRONG}（再错 {left} 次将暂停登录 {LOCK_MINUTES} 分钟）" if left <= 2 else WRONG)
    if not row["active"]:
        with transaction(conn):
            audit.record(conn, tried, "login_failed", detail={"reason": "disabled"}, client=client, now=now)
        raise IndicatorsError("该账号已停用，请联系市国动办法规科（管理员）")
    token = secrets.token_urlsafe(32)
    actor = actor_of(row)
    rehashed = _HASHER.hash(password) if _HASHER.check_needs_rehash(row["password_hash"]) else None
    with transaction(conn):
        locked = _lock_until((db.attempts(conn, key, where), db.attempts(conn, key)), stamp)
        if locked:  # locked by another server's failures while this password was being checked
            audit.record(conn, tried, "login_failed", detail={"reason": "locked"}, client=client, now=now)
        else:
            db.clear_attempts(conn, key, where)
            db.update_account(conn, row["login"], last_login=stamp)
            if rehashed:
                db.update_account(conn, row["login"], password_hash=rehashed)
            db.insert_session(conn, token, row["login"], stamp, client)
            audit.record(conn, actor, "login", unit=actor.unit, client=client, now=now)
    if locked:
        raise IndicatorsError(_lock_message(locked))
    return Session(token, actor)


def _locked(state: dict, stamp: str) -> bool:
    return bool(state["locked_until"]) and state["locked_until"] > stamp


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def resume(conn: sqlite3.Connection, token: str, *, client: str | None = None, now: dt.datetime | None = None,
           idle: dt.timedelta | None = None) -> Actor | None:
    """The account of an open session, with its current role and unit, or None when the session has ended,
    been idle longer than `idle` (idle_limit()), or its account was disabled. Marks the session active."""
    now = now or dt.datetime.now()
    s = db.session(conn, token) if token else None
    if s is None or s["ended"]:
        return None
    row = db.account(conn, s["login"])
    if row is None or not row["active"]:
        return None
    limit = idle if idle is not None else idle_limit()
    if now - dt.datetime.fromisoformat(s["last_seen"]) > limit:
        with transaction(conn):
            db.end_session(conn, token, _stamp(now), "idle")
            audit.record(conn, actor_of(row), "session_expired", unit=row["unit"],
                         detail={"idle_since": s["last_seen"], "limit_hours": limit.total_seconds() / 3600},
                         client=client, now=now)
        return None
    # at most one write a minute per session: reruns are frequent, the idle limit is hours
    if now - dt.datetime.fromisoformat(s["last_seen"]) >= dt.timedelta(minutes=1):
        db.touch_session(conn, token, _stamp(now))
    return actor_of(row)


def sso_login(conn: sqlite3.Connection, claims: dict, *, client: str | None = None,
              now: dt.datetime | None = None) -> Session:
    """Open a session for someone the identity provider vouched for (st.login, OIDC).

    The login name is the SSO_LOGIN_CLAIM claim (else email, else sub). When an account of that name
    exists, its role and unit apply (the administrator's word wins); otherwise the role and unit
    claims create the account (with no usable password). Raises IndicatorsError for a disabled
    account or when neither says a valid role and unit. Audited like a password login.
    """
    now = now or dt.datetime.now()
    login_name = str(claims.get(setting_value(SSO_LOGIN_CLAIM)) or claims.get("email") or claims.get("sub") or "").strip()
    if not login_name:
        raise IndicatorsError("单点登录没有给出登录名，请联系管理员")
    row = db.account(conn, login_name)
    if row is None:
        role = str(claims.get(setting_value(SSO_ROLE_CLAIM)) or "")
        unit = claims.get(setting_value(SSO_UNIT_CLAIM)) or None
        try:
            unit = _resolve(role, unit)
        except IndicatorsError as e:
            with transaction(conn):
                audit.record(conn, Actor(login_name, str(claims.get("name") or login_name), role), "login_failed",
                             detail={"reason": "sso_no_account", "via": "sso"}, client=client, now=now)
            raise IndicatorsError(f"「{login_name}」在本系统还没有账号，单点登录也未给出有效的角色和单位（{e}）；"
                                  "请联系市国动办法规科（管理员）开通") from None
        name = str(claims.get("name") or "").strip() or (f"{unit}填报员" if unit else login_name)
        made = Actor(login_name, name, role, unit)
        with transaction(conn):
            db.insert_account(conn, login_name, name, role, unit, _HASHER.hash(secrets.token_urlsafe(32)), _stamp(now))
            audit.record(conn, made, "account_create", unit=unit, client=client, now=now,
                         detail={"login": login_name, "name": name, "role": role, "unit": unit, "via": "sso"})
        row = db.account(conn, login_name)
    if not row["active"]:
        with transaction(conn):
            audit.record(conn, actor_of(row), "login_failed", detail={"reason": "disabled", "via": "sso"}, client=client,
                         now=now)
        raise IndicatorsError("该账号已停用，请联系市国动办法规科（管理员）")
    token = secrets.token_urlsafe(32)
    actor = actor_of(row)
    stamp = _stamp(now)
    with transaction(conn):
        db.update_account(conn, row["login"], last_login=stamp)
        db.insert_session(conn, token, row["login"], stamp, client)
        audit.record(conn, actor, "login", unit=actor.unit, detail={"via": "sso"}, client=client, now=now)
    return Session(token, actor)


def session_ended_reason(conn: sqlite3.Connection, token: str) -> str | None:
    """Why a session is no longer open ('idle', 'logout', 'disabled', ...), for the login page's notice."""
    s = db.session(conn, token) if token else None
    return s["end_reason"] if s else None


def logout(conn: sqlite3.Connection, token: str, *, client: str | None = None, now: dt.datetime | None = None) -> None:
    s = db.session(conn, token) if token else None
    if s is None or s["ended"]:
        return
    row = db.account(conn, s["login"])
    with transaction(conn):
        db.end_session(conn, token, _stamp(now), "logout")
        if row:
            audit.record(conn, actor_of(row), "logout", unit=row["unit"], client=client, now=now)


def change_password(conn: sqlite3.Connection, actor: Actor, old: str, new: str, *, token: str | None = None,
                    client: str | None = None, now: dt.datetime | None = None) -> None:
    """The logged-in user changes their own password: the old one must be right, the new one at least
    MIN_PASSWORD_LENGTH long, not the login name and not the old one. Other sessions of the account end."""
    row = db.account(conn, actor.login) if actor.login else None
    if row is None:
        raise IndicatorsError("本机操作员没有账号密码；请先创建账号并登录")
    if not _verify(row["password_hash"], old or ""):
        with transaction(conn):
            audit.record(conn, actor, "password_change_failed", unit=actor.unit, detail={"reason": "wrong_password"},
                         client=client, now=now)
        raise IndicatorsError("原密码不正确")
    check_password(new, row["login"])
    if new == old:
        raise IndicatorsError("新密码不能与原密码相同")
    stamp = _stamp(now)
    with transaction(conn):
        db.update_account(conn, row["login"], password_hash=_HASHER.hash(new), password_changed=stamp)
        ended = db.end_sessions_of(conn, row["login"], stamp, "password_changed", keep=token)
        audit.record(conn, actor, "password_change", unit=actor.unit, detail={"other_sessions_ended": ended},
                     client=client, now=now)


# ------------------------------------------------------------------ many accounts from a workbook

# header -> field; the first sheet's first row that names 登录名 is the header
SHEET_COLUMNS = {"登录名": "login", "显示名": "name", "姓名": "name", "角色": "role", "单位": "unit", "初始密码": "password",
                 "密码": "password"}


def read_accounts_xlsx(data: bytes) -> list[dict]:
    """The accounts listed in an .xlsx (columns 登录名, 显示名 or 姓名, 角色, 单位, 初始密码), one dict per
    filled row with its Excel row number as `row`. Raises IndicatorsError for a file that is no such list."""
    import io

    from openpyxl import load_workbook
    try:
        ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise IndicatorsError(f"无法读取账号清单（{type(e).__name__}）：请提供 .xlsx 工作簿") from None
    header, out = None, []
    for number, values in enumerate(ws.iter_rows(values_only=True), 1):
        cells = ["" if v is None else str(v).strip() for v in values]
        if header is None:
            if "登录名" in cells:
                header = {i: SHEET_COLUMNS[c] for i, c in enumerate(cells) if c in SHEET_COLUMNS}
            continue
        row = {f: cells[i] for i, f in header.items() if i < len(cells)}
        if any(row.values()):
            out.append({**row, "row": number})
    if header is None:
        raise IndicatorsError("账号清单中没有找到表头：第一个工作表须有“登录名、显示名、角色、单位、初始密码”列")
    if "password" not in header.values():
        raise IndicatorsError("账号清单缺少“初始密码”列")
    return out


def create_many(conn: sqlite3.Connection, actor: Actor, rows: list[dict], *, client: str | None = None,
                now: dt.datetime | None = None) -> list[Actor]:
    """Create every account listed (read_accounts_xlsx), or none: every row is checked first and all
    problems are said at once (row number and reason, never a password). Returns the new accounts."""
    roles.require(actor, "manage_accounts")
    problems, seen = [], set()
    for r in rows:
        login_name = (r.get("login") or "").strip()
        try:
            if not LOGIN_PATTERN.match(login_name):
                raise IndicatorsError("登录名须为 2 到 40 个字符，只用字母、数字、汉字和 _ . @ -，不含空格")
            if login_name.casefold() in seen or db.account(conn, login_name):
                raise IndicatorsError(f"登录名「{login_name}」已被使用")
            _resolve(r.get("role") or "", r.get("unit") or None)
            check_password(r.get("password") or "", login_name)
        except IndicatorsError as e:
            problems.append(f"第 {r['row']} 行：{e}")
        seen.add(login_name.casefold())
    if problems:
        raise IndicatorsError("账号清单有问题，未创建任何账号：\n" + "\n".join(problems))
    if not rows:
        raise IndicatorsError("账号清单中没有任何账号")
    return [create(conn, actor, r["login"], r["password"], r["role"], r.get("unit") or None, r.get("name") or None,
                   client=client, now=now) for r in rows]
