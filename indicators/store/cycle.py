"""The reporting cycle's tables: deadlines per year and half, each unit's state per period with every
transition kept, the exceptions that reopen a unit after the deadline, and the admin settings.

The rules (who may move what from which state, what a lock refuses) live in indicators/cycle.py;
this module only reads and writes.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the acting user, recorded by login and name; the roles' rules live above the store
    from ..roles import Actor


DDL = """
CREATE TABLE IF NOT EXISTS cycle_deadline (
    year INTEGER NOT NULL, half INTEGER NOT NULL, deadline TEXT NOT NULL, login TEXT, name TEXT, at TEXT,
    PRIMARY KEY (year, half));
CREATE TABLE IF NOT EXISTS cycle_state (
    unit TEXT NOT NULL, year INTEGER NOT NULL, half INTEGER NOT NULL, state TEXT NOT NULL,
    login TEXT, name TEXT, role TEXT, at TEXT NOT NULL, reason TEXT, PRIMARY KEY (unit, year, half));
CREATE TABLE IF NOT EXISTS cycle_event (
    id INTEGER PRIMARY KEY, unit TEXT NOT NULL, year INTEGER NOT NULL, half INTEGER NOT NULL, action TEXT NOT NULL,
    from_state TEXT NOT NULL, to_state TEXT NOT NULL, login TEXT, name TEXT, role TEXT, at TEXT NOT NULL, reason TEXT);
CREATE INDEX IF NOT EXISTS cycle_event_unit ON cycle_event (unit, year, half);
CREATE TABLE IF NOT EXISTS cycle_exception (
    id INTEGER PRIMARY KEY, unit TEXT NOT NULL, year INTEGER NOT NULL, half INTEGER NOT NULL,
    login TEXT, name TEXT, at TEXT NOT NULL, reason TEXT NOT NULL, closed TEXT);
CREATE TABLE IF NOT EXISTS setting (key TEXT PRIMARY KEY, value TEXT NOT NULL, login TEXT, at TEXT);
"""


def _now(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now()).isoformat(timespec="seconds")


def deadlines(conn: sqlite3.Connection, year: int | None = None) -> dict[tuple[int, int], dt.date]:
    """{(year, half): deadline} as set by an administrator."""
    sql = "SELECT year, half, deadline FROM cycle_deadline" + (" WHERE year = ?" if year is not None else "")
    return {(y, h): dt.date.fromisoformat(d) for y, h, d in conn.execute(sql, () if year is None else (year,))}


def set_deadline(conn: sqlite3.Connection, actor: Actor, year: int, half: int, deadline: dt.date,
                 now: dt.datetime | None = None) -> None:
    conn.execute("INSERT INTO cycle_deadline VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (year, half) DO UPDATE SET "
                 "deadline = excluded.deadline, login = excluded.login, name = excluded.name, at = excluded.at",
                 (year, half, deadline.isoformat(), actor.login, actor.name, _now(now)))


def states(conn: sqlite3.Connection, year: int | None = None, half: int | None = None) -> dict[tuple[str, int, int], dict]:
    """{(unit, year, half): the stored state row}; units never moved have none."""
    where, args = [], []
    if year is not None:
        where.append("year = ?"); args.append(year)
    if half is not None:
        where.append("half = ?"); args.append(half)
    sql = "SELECT * FROM cycle_state" + (" WHERE " + " AND ".join(where) if where else "")
    return {(r["unit"], r["year"], r["half"]): dict(r) for r in conn.execute(sql, args)}


def open_exceptions(conn: sqlite3.Connection) -> dict[tuple[str, int, int], dict]:
    """{(unit, year, half): the exception that lets the unit change data after the deadline}."""
    rows = conn.execute("SELECT * FROM cycle_exception WHERE closed IS NULL ORDER BY id")
    return {(r["unit"], r["year"], r["half"]): dict(r) for r in rows}


def move(conn: sqlite3.Connection, actor: Actor, unit: str, year: int, half: int, action: str, before: str,
         after: str, reason: str | None, *, open_exception: bool, close_exception: bool,
         now: dt.datetime | None = None) -> None:
    """Store one transition: the new state, the event, and the exception opened or closed (caller's transaction)."""
    at = _now(now)
    conn.execute("INSERT INTO cycle_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit, year, half) DO UPDATE SET "
                 "state = excluded.state, login = excluded.login, name = excluded.name, role = excluded.role, "
                 "at = excluded.at, reason = excluded.reason",
                 (unit, year, half, after, actor.login, actor.name, actor.role, at, reason))
    conn.execute("INSERT INTO cycle_event (unit, year, half, action, from_state, to_state, login, name, role, at, reason) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (unit, year, half, action, before, after, actor.login, actor.name, actor.role, at, reason))
    if close_exception or open_exception:
        conn.execute("UPDATE cycle_exception SET closed = ? WHERE unit = ? AND year = ? AND half = ? AND closed IS NULL",
                     (at, unit, year, half))
    if open_exception:
        conn.execute("INSERT INTO cycle_exception (unit, year, half, login, name, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (unit, year, half, actor.login, actor.name, at, reason or ""))


def events(conn: sqlite3.Connection, unit: str | None = None, year: int | None = None) -> list[dict]:
    """Every transition, newest first."""
    where, args = [], []
    if unit:
        where.append("unit = ?"); args.append(unit)
    if year is not None:
        where.append("year = ?"); args.append(year)
    sql = "SELECT * FROM cycle_event" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
    return [dict(r) for r in conn.execute(sql, args)]


def setting(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_setting(conn: sqlite3.Connection, actor: Actor, key: str, value: str, now: dt.datetime | None = None) -> None:
    conn.execute("INSERT INTO setting VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                 "login = excluded.login, at = excluded.at", (key, value, actor.login, _now(now)))
