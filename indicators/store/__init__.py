"""The database: ledgers, import batches with undo, the aggregates progress reads, and targets.

All SQL of the project lives in this package, one module per group of tables:

- dialect: every difference between SQLite and PostgreSQL (the connection wrappers, the translation
  of SQLite's SQL, the neutral error classes, the write lock)
- connection: where the database is (a SQLite path or a postgresql:// URL), opening it, transactions
- migrate: a whole database copied to another (SQLite to PostgreSQL), verified
- schema: every table's DDL
- ledger_rows: one parsed file stored as one batch (rows added, updated, unchanged; originals kept)
- aggregates: measures per unit x measure x day and month, refreshed for the rows touched
- batches: the import history, undo and its preview, the data version
- reads: what progress, pages and exports read
- targets: yearly target and weight edits
- audit: the append-only log of who did what

Functions take the connection first. One import is one transaction: a file is stored whole or not
at all. Callers use the names re-exported here (`store.connect`, `store.import_parsed`, ...).
"""
from . import audit, dialect
from .aggregates import measures_sql
from .batches import (as_if_undone, batch, batches, data_version, has_data, original_file, showing_demo, undo,
                      undo_blockers)
from .connection import (DB_ENV, DEFAULT_DB, FILES_ENV, SETTINGS, Connection, connect, db_label, db_path, db_target,
                         is_postgres, transaction, uploads_dir)
from .dialect import DatabaseError, Error, IntegrityError, OperationalError
from .ledger_rows import ImportResult, KindResult, find_batch_by_checksum, import_parsed
from .reads import latest_snapshots, ledger_frame, measure_totals, staff_rows_by_unit
from .schema import SCHEMA_VERSION
from .targets import save_targets, target_overrides

__all__ = [
    "audit", "dialect", "Connection", "DatabaseError", "Error", "IntegrityError", "OperationalError", "FILES_ENV",
    "SETTINGS", "db_label", "db_target", "is_postgres", "DB_ENV", "DEFAULT_DB", "SCHEMA_VERSION", "ImportResult", "KindResult", "as_if_undone", "batch", "batches", "connect",
    "data_version", "db_path", "find_batch_by_checksum", "has_data", "import_parsed", "latest_snapshots",
    "ledger_frame", "measure_totals", "measures_sql", "original_file", "save_targets", "showing_demo",
    "staff_rows_by_unit", "target_overrides", "transaction", "undo", "undo_blockers", "uploads_dir",
]
