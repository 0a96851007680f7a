"""The units' 情况说明 (why an indicator lags, what they will do, by when), every edit kept as a version,
and the reviewers' 已核实 marks on figures that stand out.

The rules (who may write, the lock on approval, the limits, what stands out) live in
indicators/explanations.py and indicators/outliers.py; this module only reads and writes.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the acting user, recorded by login and name; the roles' rules live above the store
    from ..roles import Actor

DDL = """
CREATE TABLE IF NOT EXISTS explanation (
    id INTEGER PRIMARY KEY, unit TEXT NOT NULL, indicator TEXT NOT NULL, year INTEGER NOT NULL, half INTEGER NOT NULL,
    version INTEGER NOT NULL, reason TEXT NOT NULL, measure TEXT, due TEXT, evidence TEXT, status TEXT,
    login TEXT, name TEXT, role TEXT, at TEXT NOT NULL, UNIQUE (unit, indicator, year, half, version));
CREATE INDEX IF NOT EXISTS explanation_period ON explanation (year, half);
CREATE TABLE IF NOT EXISTS figure_check (
    kind TEXT NOT NULL, ref TEXT NOT NULL, field TEXT NOT NULL, value REAL NOT NULL, login TEXT, name TEXT,
    at TEXT NOT NULL, PRIMARY KEY (kind, ref, field));
"""

_COLUMNS = ("unit", "indicator", "year", "half", "version", "reason", "measure", "due", "evidence", "status",
            "login", "name", "role", "at")


def add_version(conn: sqlite3.Connection, actor: Actor, unit: str, indicator: str, year: int, half: int, *,
                reason: str, measure: str | None, due: dt.date | None, evidence: tuple[int, ...], status: str,
                now: dt.datetime) -> int:
    """Store the next version of one explanation (caller's transaction); returns its version number."""
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM explanation WHERE unit = ? AND indicator = ? "
                       "AND year = ? AND half = ?", (unit, indicator, year, half)).fetchone()
    version = int(row[0]) + 1
    conn.execute(f"INSERT INTO explanation ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                 (unit, indicator, year, half, version, reason, measure, due.isoformat() if due else None,
                  ",".join(map(str, evidence)) or None, status, actor.login, actor.name, actor.role,
                  now.isoformat(timespec="seconds")))
    return version


def latest(conn: sqlite3.Connection, year: int, half: int, unit: str | None = None) -> list[dict]:
    """The latest version of every explanation of a period (of one unit, or all)."""
    sql = ("SELECT e.* FROM explanation e WHERE e.year = ? AND e.half = ?" + (" AND e.unit = ?" if unit else "") +
           " AND e.version = (SELECT MAX(v.version) FROM explanation v WHERE v.unit = e.unit AND "
           "v.indicator = e.indicator AND v.year = e.year AND v.half = e.half) ORDER BY e.unit, e.indicator")
    return [dict(r) for r in conn.execute(sql, (year, half) + ((unit,) if unit else ()))]


def versions(conn: sqlite3.Connection, unit: str, indicator: str, year: int, half: int) -> list[dict]:
    """Every version of one explanation, newest first."""
    return [dict(r) for r in conn.execute(
        "SELECT * FROM explanation WHERE unit = ? AND indicator = ? AND year = ? AND half = ? ORDER BY version DESC",
        (unit, indicator, year, half))]


def checks(conn: sqlite3.Connection) -> dict[tuple[str, str, str], dict]:
    """{(kind, ref, field): the reviewer's 已核实 mark} (with the value it was given for)."""
    return {(r["kind"], r["ref"], r["field"]): dict(r) for r in conn.execute("SELECT * FROM figure_check")}


def mark_checked(conn: sqlite3.Connection, actor: Actor, kind: str, ref: str, field: str, value: float,
                 now: dt.datetime) -> None:
    """Keep a reviewer's 已核实 for one figure at its value (caller's transaction)."""
    conn.execute("INSERT INTO figure_check (kind, ref, field, value, login, name, at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (kind, ref, field) DO UPDATE SET value = excluded.value, login = excluded.login, "
                 "name = excluded.name, at = excluded.at",
                 (kind, ref, field, float(value), actor.login, actor.name, now.isoformat(timespec="seconds")))
