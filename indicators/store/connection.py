"""Where the database is, opening it, and the one transaction helper.

Functions of the store take the connection first; an import or an undo is one transaction.
The database is SQLite (a file, the default) or PostgreSQL (a `postgresql://` URL); dialect.py
holds every difference between the two.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from ..config import DATA_DIR
from ..problems import IndicatorsError
from . import dialect
from .schema import create

DEFAULT_DB = DATA_DIR / "indicators.db"
DB_ENV = "INDICATORS_DB"
FILES_ENV = "INDICATORS_FILES_DIR"

# The settings of where data lives, declared once with their help (the CLI's --help shows them).
SETTINGS = {
    DB_ENV: "数据库：SQLite 文件路径（默认 data/indicators.db），或 PostgreSQL 地址 postgresql://用户@主机/库名",
    FILES_ENV: "上传原件的存放目录（每台应用服务器挂载的同一共享目录）；SQLite 时默认为数据库旁的 uploads/，"
               "PostgreSQL 时必须设置",
}

Connection = dialect.SQLiteConnection | dialect.PGConnection


def db_target(explicit: str | os.PathLike | None = None) -> str:
    """The database: the explicit one, else $INDICATORS_DB, else data/indicators.db; a URL or a path."""
    raw = str(explicit or os.environ.get(DB_ENV) or DEFAULT_DB)
    return raw if dialect.is_postgres_url(raw) else str(Path(raw))


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The SQLite database path: the explicit one, else $INDICATORS_DB, else data/indicators.db."""
    return Path(db_target(explicit))


def db_label(explicit: str | os.PathLike | None = None) -> str:
    """The database as it may be shown to a user (no password)."""
    return dialect.safe_label(db_target(explicit))


def is_postgres(explicit: str | os.PathLike | None = None) -> bool:
    return dialect.is_postgres_url(db_target(explicit))


def uploads_dir(conn: Connection) -> Path:
    """The folder originals are kept in, named by checksum (shared by every app server).

    Raises IndicatorsError on PostgreSQL when INDICATORS_FILES_DIR is not set.
    """
    if conn.files_dir is None:
        raise IndicatorsError(f"使用 PostgreSQL 数据库时须设置环境变量 {FILES_ENV}（各应用服务器共同挂载的原件目录），"
                              "本操作未执行；请联系系统管理员")
    return conn.files_dir


def connect(target: str | os.PathLike | None = None, *, files_dir: str | os.PathLike | None = None) -> Connection:
    """Open (creating if needed) the database and bring its schema up to date.

    `target`: a SQLite path or a postgresql:// URL (default: $INDICATORS_DB, else data/indicators.db).
    `files_dir`: where originals are kept (default: $INDICATORS_FILES_DIR, else for SQLite `uploads/`
    beside the database; for PostgreSQL there is no default). Raises sqlite3-class errors
    (store.OperationalError) when the database cannot be reached.
    """
    spec = db_target(target)
    files = files_dir or os.environ.get(FILES_ENV)
    if dialect.is_postgres_url(spec):
        conn = dialect.connect_postgres(spec)
        conn.files_dir = Path(files) if files else None
        conn.execute("BEGIN")
        try:
            conn.schema_lock()  # several servers starting at once: one creates the tables, the others wait
            conn.setup()
            create(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        conn.execute("COMMIT")
        return conn
    p = Path(spec)
    p.parent.mkdir(parents=True, exist_ok=True)
    conn = dialect.connect_sqlite(p)
    conn.files_dir = Path(files) if files else p.parent / "uploads"
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    # staging tables of an import live in memory; a big import does not spill pages mid-transaction
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-65536")
    create(conn)
    return conn


@contextmanager
def transaction(conn: Connection):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: all or nothing, one writer at a time."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
