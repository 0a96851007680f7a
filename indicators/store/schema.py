"""Every table of the database, created where missing, and the fingerprint that says when to.

One group of tables per store module; their DDL is gathered here so that a new database, and an
old one brought up to date, get the same schema. It is written once, in SQLite's words; ddl.py renders
it for PostgreSQL. `connect` compares FINGERPRINT (the SHA-256 of
all the DDL below) with the one stored in `meta`: only when they differ does it run `create`, once,
in its own write transaction. Adding a table or an index is therefore only adding its DDL here; no
number to bump. A change that CREATE ... IF NOT EXISTS cannot make (a new column) goes into
MIGRATIONS, each applied once and remembered in `meta`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3

from ..ledgers import LEDGERS, Ledger
from . import accounts, adoptions, answers, audit, cycle, entry, evidence, explanations, notify

# Columns added after a table was first released: (table, column, declaration). A database made
# before gets them on its next start; the ALTER is skipped where the column is already there.
ADDED_COLUMNS = [
    ("batch", "login", "TEXT"),  # who imported the batch (account login; '' for the machine's operator)
    ("batch", "user_name", "TEXT"),  # their display name at the time
    ("batch", "undone_by", "TEXT"),  # login of whoever undid it
    ("batch", "source", "TEXT"),  # how the rows came: NULL an uploaded file, 在线填报, 更正 (indicators/entry.py)
]

_SQL_TYPES = {"date": "TEXT", "int": "INTEGER", "number": "REAL"}

BASE_DDL = """
CREATE TABLE IF NOT EXISTS batch (
    id INTEGER PRIMARY KEY, created TEXT NOT NULL, file_name TEXT NOT NULL, checksum TEXT NOT NULL,
    size INTEGER NOT NULL, kinds TEXT NOT NULL, units TEXT NOT NULL, rows INTEGER NOT NULL,
    added INTEGER NOT NULL, updated INTEGER NOT NULL, unchanged INTEGER NOT NULL,
    period_start TEXT, period_end TEXT, stored_path TEXT, demo INTEGER NOT NULL DEFAULT 0,
    undone TEXT);
CREATE INDEX IF NOT EXISTS batch_checksum ON batch (checksum);
CREATE TABLE IF NOT EXISTS change (
    batch_id INTEGER NOT NULL, kind TEXT NOT NULL, k1 TEXT, k2 TEXT, k3 TEXT, k4 TEXT, old TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS change_batch ON change (batch_id);
CREATE TABLE IF NOT EXISTS agg_day (
    date TEXT NOT NULL, unit TEXT NOT NULL, measure TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (date, unit, measure)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agg_month (
    month TEXT NOT NULL, unit TEXT NOT NULL, measure TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (month, unit, measure)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS target (
    year INTEGER NOT NULL, code TEXT NOT NULL, target REAL, weight REAL, PRIMARY KEY (year, code));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

# (name, SQL): changes to tables that already exist, applied once each, in order, never edited afterwards.
MIGRATIONS: list[tuple[str, str]] = []


def column_types(ledger: Ledger) -> dict[str, str]:
    """Every stored column of a ledger table with its SQL type."""
    return {**{c.field: _SQL_TYPES.get(c.type, "TEXT") for c in ledger.columns}, "batch_id": "INTEGER",
            "created_batch": "INTEGER"}


def _ledger_ddl(ledger: Ledger) -> str:
    cols = ", ".join(f"{c.field} {_SQL_TYPES.get(c.type, 'TEXT')}" for c in ledger.columns)
    return (f"CREATE TABLE IF NOT EXISTS {ledger.kind} ({cols}, batch_id INTEGER NOT NULL, "
            f"created_batch INTEGER NOT NULL, PRIMARY KEY ({', '.join(ledger.key)})) WITHOUT ROWID;")


def statements(script: str) -> list[str]:
    """A script as single statements (triggers kept whole), for running inside one transaction;
    `executescript` would commit first."""
    out, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                out.append(pending.strip())
            pending = ""
    return out


STATEMENTS = (statements(BASE_DDL) + statements(audit.DDL) + statements(cycle.DDL) + statements(evidence.DDL) +
              statements(accounts.DDL) + statements(answers.DDL) + statements(explanations.DDL) + statements(notify.DDL) +
              statements(adoptions.DDL) + statements(entry.DDL) +
              [_ledger_ddl(l) for l in LEDGERS.values()])
FINGERPRINT = hashlib.sha256("\n".join(STATEMENTS + [f"{n}:{sql}" for n, sql in MIGRATIONS]
                                        + [" ".join(c) for c in ADDED_COLUMNS]).encode()).hexdigest()
FINGERPRINT_KEY = "schema_sha256"


def is_current(conn: sqlite3.Connection) -> bool:
    """True when the database already has this schema (a read: no lock taken beyond a read snapshot)."""
    if getattr(conn, "dialect", "sqlite") != "sqlite" and "meta" not in conn.tables():
        return False  # PostgreSQL: a failed statement would abort the transaction this may run in
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (FINGERPRINT_KEY,)).fetchone()
    except sqlite3.OperationalError:  # no meta table: a new database
        return False
    return row is not None and row[0] == FINGERPRINT


def create(conn: sqlite3.Connection) -> None:
    """Every table and index where missing, pending migrations, and the new fingerprint. The caller holds
    the write transaction."""
    for sql in STATEMENTS:
        conn.execute(sql)
    done = {r[0] for r in conn.execute("SELECT key FROM meta WHERE key LIKE 'migration:%'")}
    for name, sql in MIGRATIONS:
        if f"migration:{name}" not in done:
            for stmt in statements(sql):
                conn.execute(stmt)
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)",
                         (f"migration:{name}", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")))
    for table, column, decl in ADDED_COLUMNS:
        add_column(conn, table, column, decl)
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (FINGERPRINT_KEY, FINGERPRINT))


def add_column(conn: sqlite3.Connection, table: str, column: str, decl: str) -> bool:
    """ALTER TABLE ... ADD COLUMN unless the column exists; True when it was added. Safe to run again."""
    if column in conn.columns(table):
        return False
    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
    return True
