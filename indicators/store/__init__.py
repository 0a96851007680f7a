"""The database: ledgers, import batches with undo, the aggregates progress reads, and targets.

All SQL of the project lives in this package, one module per group of tables:

- dialect: every difference between SQLite and PostgreSQL (the connection wrappers, the translation
  of SQLite's SQL, the neutral error classes, the write lock, the bulk staging, the SQLite-only settings)
- connection: where the database is (a SQLite path or a postgresql:// URL), opening it (never writing),
  transactions, what failures mean
- originals: the kept original of every import, all or nothing with its batch
- migrate: a whole database copied to another (SQLite to PostgreSQL), verified
- schema: every table's DDL
- ledger_rows: one parsed file stored as one batch (rows added, updated, unchanged; originals kept)
- aggregates: measures per unit x measure x day and month, refreshed for the rows touched
- batches: the import history, undo and its preview, the data version
- reads: what progress, pages and exports read
- targets: yearly target and weight edits
- audit: the append-only log of who did what
- cycle: reporting deadlines, each unit's state per period and its history, exceptions, settings
- evidence: evidence files kept once by checksum and their links to ledger rows or batches
- accounts: accounts, failed logins, login sessions, settings
- answers: the clerk's kept answers (column mappings per header layout, value aliases)
- notify: notification contacts, the once-a-day send claims and the record of every send

Functions take the connection first. One import is one transaction: a file is stored whole or not
at all. Callers use the names re-exported here (`store.connect`, `store.import_parsed`, ...).
"""
from . import accounts, answers, audit, cycle, evidence, dialect, notify
from .aggregates import measures_sql
from .batches import (as_if_undone, batch, batch_rows, batch_units, batches, check_undo_allowed, created_label,
                      data_version, has_data, original_file, showing_demo, undo, undo_blockers, visible_to)
from .connection import (DB_ENV, DEFAULT_DB, FILES_ENV, SETTINGS, Connection, checkpoint, connect, db_label, db_path,
                         db_target, exists, is_postgres, is_readonly, store_error, transaction, uploads_dir,
                         wait_for_checkpoints)
from .dialect import DatabaseError, Error, IntegrityError, OperationalError
from .reads import latest_snapshots, ledger_frame, ledger_row, measure_totals, staff_rows_by_unit
from .schema import FINGERPRINT
from .targets import save_targets, target_overrides

_LAZY = {"ImportResult", "KindResult", "check_allowed", "find_batch_by_checksum", "import_parsed"}


def __getattr__(name: str):
    """Storing a file needs polars and the readers; reading the database does not. ledger_rows (and
    with it polars, 0.1 s) is imported on first use of its names, so `batches` and `progress` start fast."""
    if name in _LAZY:
        from . import ledger_rows
        return getattr(ledger_rows, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "created_label", "exists", "notify", "accounts", "answers", "audit", "cycle", "evidence", "batch_rows", "batch_units", "check_allowed", "check_undo_allowed",
    "visible_to", "ledger_row", "DB_ENV", "DEFAULT_DB", "FINGERPRINT", "checkpoint",
    "is_readonly", "store_error", "ImportResult", "KindResult", "as_if_undone", "batch", "batches", "connect",
    "dialect", "Connection", "DatabaseError", "Error", "IntegrityError", "OperationalError", "FILES_ENV",
    "SETTINGS", "db_label", "db_target", "is_postgres",
    "data_version", "db_path", "find_batch_by_checksum", "has_data", "import_parsed", "latest_snapshots",
    "ledger_frame", "measure_totals", "measures_sql", "original_file", "save_targets", "showing_demo",
    "staff_rows_by_unit", "target_overrides", "transaction", "undo", "undo_blockers", "uploads_dir",
    "wait_for_checkpoints",
]
