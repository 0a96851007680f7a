"""Accounts, failed login attempts and login sessions, and the few settings an administrator changes.

Everything about a login lives in the database, not in a server's memory, so that several app
servers behind one address can later share the same accounts, lockouts and sessions. Session
tokens are stored only as their SHA-256, password hashes only as Argon2id strings.
"""
from __future__ import annotations

import hashlib
import sqlite3

DDL = """
CREATE TABLE IF NOT EXISTS account (
    login TEXT PRIMARY KEY COLLATE NOCASE, name TEXT NOT NULL, role TEXT NOT NULL, unit TEXT,
    active INTEGER NOT NULL DEFAULT 1, created TEXT NOT NULL, last_login TEXT, password_hash TEXT NOT NULL,
    password_changed TEXT);
CREATE TABLE IF NOT EXISTS login_attempt (
    login TEXT PRIMARY KEY COLLATE NOCASE, failures INTEGER NOT NULL DEFAULT 0, last_failure TEXT, locked_until TEXT);
CREATE TABLE IF NOT EXISTS login_failure (
    login TEXT NOT NULL, client TEXT NOT NULL, failures INTEGER NOT NULL, window_start TEXT NOT NULL,
    last_failure TEXT NOT NULL, locked_until TEXT, PRIMARY KEY (login, client));
CREATE TABLE IF NOT EXISTS login_session (
    token_hash TEXT PRIMARY KEY, login TEXT NOT NULL COLLATE NOCASE, created TEXT NOT NULL, last_seen TEXT NOT NULL,
    client TEXT, ended TEXT, end_reason TEXT);
CREATE INDEX IF NOT EXISTS login_session_login ON login_session (login);
CREATE TABLE IF NOT EXISTS setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# what a listing of accounts shows: never the hash
PUBLIC_COLUMNS = ("login", "name", "role", "unit", "active", "created", "last_login", "password_changed")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------ accounts

def account_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM account").fetchone()[0]


def account(conn: sqlite3.Connection, login: str) -> dict | None:
    """The account with its hash (for authentication), or None."""
    row = conn.execute("SELECT * FROM account WHERE login = ?", (login,)).fetchone()
    return dict(row) if row else None


def accounts(conn: sqlite3.Connection) -> list[dict]:
    """Every account without its hash: administrators first, then by unit and login."""
    cols = ", ".join(PUBLIC_COLUMNS)
    return [dict(r) for r in conn.execute(
        f"SELECT {cols} FROM account ORDER BY CASE role WHEN '管理员' THEN 0 WHEN '领导' THEN 1 ELSE 2 END, "
        "COALESCE(unit, ''), login")]


def insert_account(conn: sqlite3.Connection, login: str, name: str, role: str, unit: str | None,
                   password_hash: str, now: str) -> None:
    conn.execute("INSERT INTO account (login, name, role, unit, active, created, password_hash, password_changed) "
                 "VALUES (?, ?, ?, ?, 1, ?, ?, ?)", (login, name, role, unit, now, password_hash, now))


def update_account(conn: sqlite3.Connection, login: str, **fields) -> None:
    allowed = {"name", "role", "unit", "active", "last_login", "password_hash", "password_changed"}
    assert fields and set(fields) <= allowed, fields
    sets = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(f"UPDATE account SET {sets} WHERE login = ?", (*fields.values(), login))


def active_admins(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT login FROM account WHERE role = '管理员' AND active = 1")]


# ------------------------------------------------------------------ failed attempts (any name, known or not)
# One row per (name key, client address) and one per name key under the client ALL_CLIENTS; the rule of
# what they count is accounts.login's. login_attempt (one row per name) is no longer written.

ALL_CLIENTS = "*"


def attempts(conn: sqlite3.Connection, login: str, client: str = ALL_CLIENTS) -> dict:
    row = conn.execute("SELECT * FROM login_failure WHERE login = ? AND client = ?", (login, client)).fetchone()
    return dict(row) if row else {"login": login, "client": client, "failures": 0, "window_start": None,
                                  "last_failure": None, "locked_until": None}


def save_attempts(conn: sqlite3.Connection, login: str, client: str, failures: int, window_start: str,
                  last_failure: str, locked_until: str | None) -> None:
    conn.execute("INSERT INTO login_failure (login, client, failures, window_start, last_failure, locked_until) "
                 "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (login, client) DO UPDATE SET failures = excluded.failures, "
                 "window_start = excluded.window_start, last_failure = excluded.last_failure, "
                 "locked_until = excluded.locked_until", (login, client, failures, window_start, last_failure, locked_until))


def clear_attempts(conn: sqlite3.Connection, login: str, client: str | None = None) -> None:
    """Forget the failures of `login` from `client` and its count over all clients; every row of it when None."""
    if client is None:
        conn.execute("DELETE FROM login_failure WHERE login = ?", (login,))
    else:
        conn.execute("DELETE FROM login_failure WHERE login = ? AND client IN (?, ?)", (login, client, ALL_CLIENTS))


# ------------------------------------------------------------------ sessions

def insert_session(conn: sqlite3.Connection, token: str, login: str, now: str, client: str | None) -> None:
    conn.execute("INSERT INTO login_session (token_hash, login, created, last_seen, client) VALUES (?, ?, ?, ?, ?)",
                 (token_hash(token), login, now, now, client))


def session(conn: sqlite3.Connection, token: str) -> dict | None:
    row = conn.execute("SELECT * FROM login_session WHERE token_hash = ?", (token_hash(token),)).fetchone()
    return dict(row) if row else None


def touch_session(conn: sqlite3.Connection, token: str, now: str) -> None:
    conn.execute("UPDATE login_session SET last_seen = ? WHERE token_hash = ? AND ended IS NULL", (now, token_hash(token)))


def end_session(conn: sqlite3.Connection, token: str, now: str, reason: str) -> None:
    conn.execute("UPDATE login_session SET ended = ?, end_reason = ? WHERE token_hash = ? AND ended IS NULL",
                 (now, reason, token_hash(token)))


def end_sessions_of(conn: sqlite3.Connection, login: str, now: str, reason: str, keep: str | None = None) -> int:
    """End every open session of an account (disabled, password reset, role changed) except the one whose
    token is `keep`; returns how many ended."""
    return conn.execute("UPDATE login_session SET ended = ?, end_reason = ? WHERE login = ? AND ended IS NULL "
                        "AND token_hash != ?", (now, reason, login, token_hash(keep or ""))).rowcount


# ------------------------------------------------------------------ settings

def setting(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def save_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (key, value))
