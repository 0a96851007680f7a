"""Notification contacts, the once-a-day claims and the record of every send (催报 and 推送).

- notify_contact: one address per target (a unit or a group such as 领导) and channel, with the
  robot's signing secret where it has one;
- notify_claim: the lock that makes a scheduled run send once a day. A run first claims
  (kind, year, half, target, channel, day) in a short write transaction; only the run whose INSERT
  took the row (or turned a failed claim into its own) sends. Two servers firing at once meet at
  the primary key, so the record is the lock;
- notify_send: every send, successful or not, with the platform's error code and the reason.

Portable SQL only (the subset SQLite 3.40 and PostgreSQL 15 share), `?` placeholders.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

DDL = """
CREATE TABLE IF NOT EXISTS notify_contact (
    target TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL, secret TEXT,
    login TEXT, at TEXT NOT NULL, PRIMARY KEY (target, channel));
CREATE TABLE IF NOT EXISTS notify_claim (
    kind TEXT NOT NULL, year INTEGER NOT NULL, half INTEGER NOT NULL, target TEXT NOT NULL, channel TEXT NOT NULL,
    day TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (kind, year, half, target, channel, day));
CREATE TABLE IF NOT EXISTS notify_send (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, year INTEGER NOT NULL, half INTEGER NOT NULL,
    target TEXT NOT NULL, channel TEXT NOT NULL, outcome TEXT NOT NULL, errcode TEXT, reason TEXT,
    attempts INTEGER NOT NULL, login TEXT, name TEXT);
CREATE INDEX IF NOT EXISTS notify_send_period ON notify_send (year, half);
"""

SENDING, SENT, FAILED = "sending", "sent", "failed"


def _at(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now()).isoformat(timespec="seconds")


def contacts(conn: sqlite3.Connection) -> list[dict]:
    """Every contact row (secrets included: the caller masks them), by target and channel."""
    return [dict(r) for r in conn.execute("SELECT target, channel, address, secret, login, at FROM notify_contact "
                                          "ORDER BY target, channel")]


def set_contact(conn: sqlite3.Connection, login: str, target: str, channel: str, address: str, secret: str | None,
                now: dt.datetime | None = None) -> None:
    conn.execute("INSERT INTO notify_contact (target, channel, address, secret, login, at) VALUES (?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (target, channel) DO UPDATE SET address = excluded.address, secret = excluded.secret, "
                 "login = excluded.login, at = excluded.at", (target, channel, address, secret, login, _at(now)))


def remove_contact(conn: sqlite3.Connection, target: str, channel: str) -> int:
    """Rows removed (0 when there was none)."""
    return conn.execute("DELETE FROM notify_contact WHERE target = ? AND channel = ?", (target, channel)).rowcount


def claim(conn: sqlite3.Connection, kind: str, year: int, half: int, target: str, channel: str, day: dt.date,
          now: dt.datetime | None = None, again: bool = False) -> bool:
    """Take the day's claim for one send; True when this caller took it (and so sends). A claim another
    run holds or already sent is refused unless `again`; a failed one may be taken again. Caller's
    write transaction."""
    cur = conn.execute(
        "INSERT INTO notify_claim (kind, year, half, target, channel, day, state, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (kind, year, half, target, channel, day) DO UPDATE SET state = excluded.state, at = excluded.at "
        "WHERE notify_claim.state = ? OR ? = 1",
        (kind, year, half, target, channel, day.isoformat(), SENDING, _at(now), FAILED, 1 if again else 0))
    return cur.rowcount == 1


def record_send(conn: sqlite3.Connection, *, kind: str, year: int, half: int, target: str, channel: str, day: dt.date,
                ok: bool, errcode: str | None, reason: str | None, attempts: int, login: str, name: str,
                now: dt.datetime | None = None) -> None:
    """One send's outcome, and its claim marked sent or failed. Caller's write transaction."""
    at = _at(now)
    conn.execute("INSERT INTO notify_send (at, kind, year, half, target, channel, outcome, errcode, reason, attempts, "
                 "login, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (at, kind, year, half, target, channel, SENT if ok else FAILED, errcode, reason, attempts, login, name))
    conn.execute("UPDATE notify_claim SET state = ?, at = ? WHERE kind = ? AND year = ? AND half = ? AND target = ? "
                 "AND channel = ? AND day = ?",
                 (SENT if ok else FAILED, at, kind, year, half, target, channel, day.isoformat()))


def sends(conn: sqlite3.Connection, year: int | None = None, half: int | None = None,
          target: str | None = None, limit: int = 500) -> list[dict]:
    """The record of sends, newest first."""
    where, args = [], []
    for col, v in (("year", year), ("half", half), ("target", target)):
        if v is not None:
            where.append(f"{col} = ?"); args.append(v)
    sql = ("SELECT id, at, kind, year, half, target, channel, outcome, errcode, reason, attempts, login, name "
           "FROM notify_send" + (" WHERE " + " AND ".join(where) if where else "") +
           f" ORDER BY id DESC LIMIT {int(limit)}")
    return [dict(r) for r in conn.execute(sql, args)]
