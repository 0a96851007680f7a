"""Every table of the database, created where missing.

One group of tables per store module; their DDL is gathered here so that a new database, and an
old one brought up to date, get the same schema.
"""
from __future__ import annotations

from ..ledgers import LEDGERS, Ledger
from . import audit

SCHEMA_VERSION = 1

_SQL_TYPES = {"date": "TEXT", "int": "INTEGER", "number": "REAL"}


def column_types(ledger: Ledger) -> dict[str, str]:
    """Every stored column of a ledger table with its SQL type."""
    return {**{c.field: _SQL_TYPES.get(c.type, "TEXT") for c in ledger.columns}, "batch_id": "INTEGER",
            "created_batch": "INTEGER"}


def _ledger_ddl(ledger: Ledger) -> str:
    cols = ", ".join(f"{c.field} {_SQL_TYPES.get(c.type, 'TEXT')}" for c in ledger.columns)
    return (f"CREATE TABLE IF NOT EXISTS {ledger.kind} ({cols}, batch_id INTEGER NOT NULL, "
            f"created_batch INTEGER NOT NULL, PRIMARY KEY ({', '.join(ledger.key)})) WITHOUT ROWID")


def create(conn) -> None:
    conn.executescript(
        """
        CREATE TABLE IF NOT EXISTS batch (
            id INTEGER PRIMARY KEY, created TEXT NOT NULL, file_name TEXT NOT NULL, checksum TEXT NOT NULL,
            size INTEGER NOT NULL, kinds TEXT NOT NULL, units TEXT NOT NULL, rows INTEGER NOT NULL,
            added INTEGER NOT NULL, updated INTEGER NOT NULL, unchanged INTEGER NOT NULL,
            period_start TEXT, period_end TEXT, stored_path TEXT, demo INTEGER NOT NULL DEFAULT 0,
            undone TEXT);
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
        """)
    conn.executescript(audit.DDL)
    for ledger in LEDGERS.values():
        conn.execute(_ledger_ddl(ledger))
    # written only when missing: a write here would queue every new connection behind a running import
    if conn.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone() is None:
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


