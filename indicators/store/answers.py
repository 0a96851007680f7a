"""Kept answers: the clerk's column mappings (for one header layout) and value aliases, each with who
made it and when.

SQL only: who may keep or remove an answer, and the audit entry, are the rules of
indicators/kept_answers.py, which runs them and these writes in one transaction.
"""
from __future__ import annotations

import sqlite3

DDL = """
CREATE TABLE IF NOT EXISTS answer_column (
    id INTEGER PRIMARY KEY, ledger TEXT NOT NULL, layout TEXT NOT NULL, header TEXT NOT NULL,
    written TEXT NOT NULL, column_name TEXT NOT NULL, login TEXT NOT NULL, name TEXT NOT NULL,
    unit TEXT, created TEXT NOT NULL, UNIQUE (ledger, layout, header));
CREATE TABLE IF NOT EXISTS answer_value (
    id INTEGER PRIMARY KEY, column_name TEXT NOT NULL, raw TEXT NOT NULL, written TEXT NOT NULL,
    value TEXT NOT NULL, login TEXT NOT NULL, name TEXT NOT NULL, unit TEXT, created TEXT NOT NULL,
    UNIQUE (column_name, raw));
CREATE TABLE IF NOT EXISTS kept_column (
    id INTEGER PRIMARY KEY, scope TEXT NOT NULL, ledger TEXT NOT NULL, layout TEXT NOT NULL, header TEXT NOT NULL,
    written TEXT NOT NULL, column_name TEXT NOT NULL, login TEXT NOT NULL, name TEXT NOT NULL,
    unit TEXT, created TEXT NOT NULL, UNIQUE (scope, ledger, layout, header));
CREATE TABLE IF NOT EXISTS kept_value (
    id INTEGER PRIMARY KEY, scope TEXT NOT NULL, column_name TEXT NOT NULL, raw TEXT NOT NULL, written TEXT NOT NULL,
    value TEXT NOT NULL, login TEXT NOT NULL, name TEXT NOT NULL, unit TEXT, created TEXT NOT NULL,
    UNIQUE (scope, column_name, raw));
"""
# answer_column / answer_value held every answer for everyone (before issue 21); MIGRATION copies them once into
# the scoped tables, each under its maker's unit ('' for an administrator's: everyone's), and nothing reads them since.
MIGRATION = ("kept_answers_scoped", """
INSERT INTO kept_column (scope, ledger, layout, header, written, column_name, login, name, unit, created)
    SELECT COALESCE(unit, ''), ledger, layout, header, written, column_name, login, name, unit, created FROM answer_column;
INSERT INTO kept_value (scope, column_name, raw, written, value, login, name, unit, created)
    SELECT COALESCE(unit, ''), column_name, raw, written, value, login, name, unit, created FROM answer_value;
""")
KINDS = {"column": "kept_column", "value": "kept_value"}
EVERYONE = ""  # the scope of an administrator's answer: every upload's


def _scoped(sql: str, scopes: list[str] | None) -> tuple[str, tuple]:
    if scopes is None:
        return sql, ()
    return sql + f" WHERE scope IN ({', '.join('?' * len(scopes))})", tuple(scopes)


def columns(conn: sqlite3.Connection, scopes: list[str] | None = None) -> list[dict]:
    """Kept column mappings (of `scopes`, every one when None): scope, ledger, layout, header (normalised),
    written, column_name, who, when."""
    return [dict(r) for r in conn.execute(*_scoped("SELECT * FROM kept_column", scopes))]


def values(conn: sqlite3.Connection, scopes: list[str] | None = None) -> list[dict]:
    """Kept value aliases (of `scopes`, every one when None): scope, column_name, raw (normalised), written,
    value, who, when."""
    return [dict(r) for r in conn.execute(*_scoped("SELECT * FROM kept_value", scopes))]


def column_answer(conn: sqlite3.Connection, scope: str, ledger: str, layout: str, header: str) -> dict | None:
    row = conn.execute("SELECT * FROM kept_column WHERE scope = ? AND ledger = ? AND layout = ? AND header = ?",
                       (scope, ledger, layout, header)).fetchone()
    return dict(row) if row else None


def value_answer(conn: sqlite3.Connection, scope: str, column_name: str, raw: str) -> dict | None:
    row = conn.execute("SELECT * FROM kept_value WHERE scope = ? AND column_name = ? AND raw = ?",
                       (scope, column_name, raw)).fetchone()
    return dict(row) if row else None


def save_column(conn: sqlite3.Connection, scope: str, ledger: str, layout: str, header: str, written: str,
                column_name: str, login: str, name: str, unit: str | None, created: str) -> None:
    """Keep one column mapping in `scope`, replacing an earlier answer for the same scope, ledger, layout, header."""
    conn.execute(
        "INSERT INTO kept_column (scope, ledger, layout, header, written, column_name, login, name, unit, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, ledger, layout, header) DO UPDATE SET "
        "written = excluded.written, column_name = excluded.column_name, login = excluded.login, "
        "name = excluded.name, unit = excluded.unit, created = excluded.created",
        (scope, ledger, layout, header, written, column_name, login, name, unit, created))


def save_value(conn: sqlite3.Connection, scope: str, column_name: str, raw: str, written: str, value: str, login: str,
               name: str, unit: str | None, created: str) -> None:
    """Keep one value alias in `scope`, replacing an earlier answer for the same scope, column and raw value."""
    conn.execute(
        "INSERT INTO kept_value (scope, column_name, raw, written, value, login, name, unit, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, column_name, raw) DO UPDATE SET "
        "written = excluded.written, value = excluded.value, login = excluded.login, "
        "name = excluded.name, unit = excluded.unit, created = excluded.created",
        (scope, column_name, raw, written, value, login, name, unit, created))


def one(conn: sqlite3.Connection, kind: str, answer_id: int) -> dict | None:
    """One kept answer of `kind` (column | value) by id, or None."""
    row = conn.execute(f"SELECT * FROM {KINDS[kind]} WHERE id = ?", (answer_id,)).fetchone()
    return dict(row) if row else None


def delete(conn: sqlite3.Connection, kind: str, answer_id: int) -> None:
    conn.execute(f"DELETE FROM {KINDS[kind]} WHERE id = ?", (answer_id,))


def version(conn: sqlite3.Connection) -> tuple:
    """Changes whenever an answer is kept or removed (a page's cached check must then be redone)."""
    return tuple(conn.execute(f"SELECT COUNT(*), MAX(id), MAX(created) FROM {t}").fetchone()[:] for t in KINDS.values())
