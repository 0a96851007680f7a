"""Where the database is, opening it, and the one transaction helper.

Functions of the store take the connection first; an import or an undo is one transaction.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from ..config import DATA_DIR
from .schema import create

DEFAULT_DB = DATA_DIR / "indicators.db"
DB_ENV = "INDICATORS_DB"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database path: the explicit one, else $INDICATORS_DB, else data/indicators.db."""
    return Path(explicit or os.environ.get(DB_ENV) or DEFAULT_DB)


def uploads_dir(conn: sqlite3.Connection) -> Path:
    """Originals are kept beside the database, named by checksum."""
    main = conn.execute("PRAGMA database_list").fetchone()[2]
    return Path(main).parent / "uploads" if main else Path(DATA_DIR) / "uploads"


def connect(path: str | os.PathLike | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the database and bring its schema up to date."""
    p = db_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(p, isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    # staging tables of an import live in memory; a big import does not spill pages mid-transaction
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-65536")
    create(conn)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


