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
"""
KINDS = {"column": "answer_column", "value": "answer_value"}


def columns(conn: sqlite3.Connection) -> list[dict]:
    """Every kept column mapping: ledger, layout, header (normalised), written, column_name, who, when."""
    return [dict(r) for r in conn.execute("SELECT * FROM answer_column")]


def values(conn: sqlite3.Connection) -> list[dict]:
    """Every kept value alias: column_name, raw (normalised), written, value, who, when."""
    return [dict(r) for r in conn.execute("SELECT * FROM answer_value")]


def save_column(conn: sqlite3.Connection, ledger: str, layout: str, header: str, written: str, column_name: str,
                login: str, name: str, unit: str | None, created: str) -> None:
    """Keep one column mapping, replacing an earlier answer for the same ledger, layout and header."""
    conn.execute(
        "INSERT INTO answer_column (ledger, layout, header, written, column_name, login, name, unit, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ledger, layout, header) DO UPDATE SET "
        "written = excluded.written, column_name = excluded.column_name, login = excluded.login, "
        "name = excluded.name, unit = excluded.unit, created = excluded.created",
        (ledger, layout, header, written, column_name, login, name, unit, created))


def save_value(conn: sqlite3.Connection, column_name: str, raw: str, written: str, value: str, login: str, name: str,
               unit: str | None, created: str) -> None:
    """Keep one value alias, replacing an earlier answer for the same column and raw value."""
    conn.execute(
        "INSERT INTO answer_value (column_name, raw, written, value, login, name, unit, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (column_name, raw) DO UPDATE SET "
        "written = excluded.written, value = excluded.value, login = excluded.login, "
        "name = excluded.name, unit = excluded.unit, created = excluded.created",
        (column_name, raw, written, value, login, name, unit, created))


def one(conn: sqlite3.Connection, kind: str, answer_id: int) -> dict | None:
    """One kept answer of `kind` (column | value) by id, or None."""
    row = conn.execute(f"SELECT * FROM {KINDS[kind]} WHERE id = ?", (answer_id,)).fetchone()
    return dict(row) if row else None


def delete(conn: sqlite3.Connection, kind: str, answer_id: int) -> None:
    conn.execute(f"DELETE FROM {KINDS[kind]} WHERE id = ?", (answer_id,))


def version(conn: sqlite3.Connection) -> tuple:
    """Changes whenever an answer is kept or removed (a page's cached check must then be redone)."""
    return tuple(conn.execute(f"SELECT COUNT(*), MAX(id), MAX(created) FROM {t}").fetchone()[:] for t in KINDS.values())
