"""The database: ledgers, import batches, the aggregates progress reads, targets, the cycle's states,
evidence, accounts, kept answers and the audit log.

All the SQL of the project lives in this package and nothing else does: it knows no roles, no
reporting cycle and no audit wording. Who may do what, which periods are locked and what the audit
entry says are the rules one level up (indicators/importing.py, kept_answers.py, targets.py,
cycle.py, evidence.py, accounts.py), each calling the functions here inside one `transaction`.
One module per group of tables:

- dialect: every difference between SQLite and PostgreSQL (the connection wrappers, `?` as psycopg's %s,
  the few statements that differ as named fragments, the neutral error classes, the write lock, the
  bulk staging, the SQLite-only settings); the statements themselves are written in the subset both accept
- ddl: the schema's one declaration rendered for PostgreSQL (types, identity columns, collation, triggers)
- connection: where the database is (a SQLite path or a postgresql:// URL), opening it (never writing),
  transactions, what failures mean; files: the folder the originals and evidence files are kept in
- schema: every table's DDL (gathered from the modules below; ddl.py renders it for PostgreSQL), the
  fingerprint, migrations
- ledger_rows: one parsed file written as one batch (rows added, updated, unchanged; original kept)
- originals: the kept original of every import, all or nothing with its batch
- aggregates: measures per unit x measure x day and month, refreshed for the rows touched
- batches: the import history, the rows an undo changes and the undo itself, the data version
- reads: what progress, pages and exports read
- targets: yearly target and weight overrides
- audit: the append-only log of who did what
- cycle: reporting deadlines, each unit's state per period and its history, exceptions, settings
- evidence: evidence files kept once by checksum and their links to ledger rows or batches
- accounts: accounts, failed logins, login sessions, settings
- answers: the clerks' kept answers (column mappings per header layout, value aliases)
- explanations: the units' 情况说明 per lagging indicator (versions) and the reviewers' 已核实 marks on figures
- adoptions: indicators adopted from an annual report, numbered, with the sentence each cites
- migrate: a whole database copied to another (SQLite to PostgreSQL), verified
- notify: notification contacts, the once-a-day send claims and the record of every send

Functions take the connection first; a function that writes expects its caller to hold the
transaction. Callers use the names re-exported here (`store.connect`, `store.transaction`, ...).
"""
from . import accounts, adoptions, answers, audit, cycle, evidence, dialect, explanations, notify
from .aggregates import measures_sql
from .batches import (batch, batch_rows, batch_units, batches, created_label, data_version, has_data, original_file,
                      preview_undo, rolled_back, showing_demo, undo_batch, undo_blockers, undo_rows)
from .connection import (DB_ENV, DEFAULT_DB, SETTINGS, Connection, checkpoint, connect, db_label, db_path,
                         db_target, exists, is_postgres, is_readonly, store_error, transaction,
                         wait_for_checkpoints)
from .files import FILES_ENV, uploads_dir
from .dialect import DatabaseError, Error, IntegrityError, OperationalError
from .reads import count_unit_rows, latest_snapshots, ledger_frame, ledger_row, measure_totals, batch_wrote, staff_rows_by_unit, unit_rows
from .schema import FINGERPRINT
from .targets import replace_targets, target_overrides

_LAZY = {"BatchWrite", "KindResult", "find_batch_by_checksum", "write_batch"}


def __getattr__(name: str):
    """Storing a file needs polars and the readers; reading the database does not. ledger_rows (and
    with it polars, 0.1 s) is imported on first use of its names, so `batches` and `progress` start fast."""
    if name in _LAZY:
        from . import ledger_rows
        return getattr(ledger_rows, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "created_label", "exists", "accounts", "adoptions", "explanations", "notify", "answers", "audit", "cycle", "evidence", "batch_rows", "batch_units",
    "ledger_row", "DB_ENV", "DEFAULT_DB", "FINGERPRINT", "checkpoint", "BatchWrite", "write_batch",
    "is_readonly", "store_error", "KindResult", "batch", "batches", "connect", "preview_undo", "rolled_back",
    "dialect", "Connection", "DatabaseError", "Error", "IntegrityError", "OperationalError", "FILES_ENV",
    "SETTINGS", "db_label", "db_target", "is_postgres",
    "data_version", "db_path", "find_batch_by_checksum", "has_data", "latest_snapshots",
    "ledger_frame", "measure_totals", "measures_sql", "original_file", "replace_targets", "showing_demo",
    "count_unit_rows", "batch_wrote", "staff_rows_by_unit", "target_overrides", "unit_rows", "transaction", "undo_batch", "undo_blockers", "undo_rows", "uploads_dir",
    "wait_for_checkpoints",
]
