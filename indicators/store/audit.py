"""The append-only audit log: who did what, when, from where. Nothing in the product deletes an entry."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the acting user, recorded by login and name; the roles' rules live above the store
    from ..roles import Actor


DDL = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, time TEXT NOT NULL, login TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
    unit TEXT, client TEXT, action TEXT NOT NULL, target_unit TEXT, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_time ON audit (time);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_replace BEFORE INSERT ON audit WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
"""
# audit_no_replace: INSERT OR REPLACE on an existing id is refused by any connection to the file, not only by ours
# (which also turn recursive_triggers on, so that REPLACE's delete meets audit_no_delete)


def record(conn: sqlite3.Connection, actor: Actor, action: str, *, unit: str | None = None,
           detail: dict | str | None = None, client: str | None = None, now: dt.datetime | None = None) -> None:
    """Append one entry. Inside the caller's transaction when there is one, so it stands or falls with the change."""
    text = detail if isinstance(detail, str) else json.dumps(detail or {}, ensure_ascii=False, default=str)
    conn.execute("INSERT INTO audit (time, login, name, role, unit, client, action, target_unit, detail) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 ((now or dt.datetime.now()).isoformat(timespec="seconds"), actor.login, actor.name, actor.role,
                  actor.unit, client, action, unit, text))


def entries(conn: sqlite3.Connection, *, login: str | None = None, unit: str | None = None, action: str | None = None,
            since: dt.date | None = None, until: dt.date | None = None, limit: int | None = None) -> list[dict]:
    """Entries newest first, filtered by user login, unit (the actor's or the one acted on), action and dates."""
    where, args = [], []
    if login is not None:
        where.append("login = ?"); args.append(login)
    if unit:
        where.append("(unit = ? OR target_unit = ?)"); args += [unit, unit]
    if action:
        where.append("action = ?"); args.append(action)
    if since:
        where.append("time >= ?"); args.append(since.isoformat())
    if until:
        where.append("time < ?"); args.append((until + dt.timedelta(days=1)).isoformat())
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [dict(r) for r in conn.execute(sql, args)]
