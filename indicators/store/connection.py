"""Where the database is, opening it, the one transaction helper, and what SQLite's failures mean.

Functions of the store take the connection first; an import or an undo is one transaction.

- Connecting never writes. The schema is set up (and WAL mode switched on) only when the stored
  fingerprint differs from schema.FINGERPRINT, once, in its own transaction.
- In WAL mode reads never wait for a writer; a database that cannot be written (read-only file,
  folder or disk) is opened read-only and can still be read.
- A write waits for another writer at most $INDICATORS_BUSY_SECONDS (20 s), then is refused in Chinese.
- Every SQLite or disk failure becomes one IndicatorsError saying what happened and what to do.
- After each write the WAL is checkpointed, and `journal_size_limit` truncates it, so that it cannot
  grow without bound.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from ..config import DATA_DIR
from ..problems import IndicatorsError
from . import schema

DEFAULT_DB = DATA_DIR / "indicators.db"
DB_ENV = "INDICATORS_DB"
BUSY_ENV = "INDICATORS_BUSY_SECONDS"
DEFAULT_BUSY_SECONDS = 20
WAL_LIMIT = 64 << 20  # bytes a checkpointed WAL is truncated to


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database path: the explicit one, else $INDICATORS_DB, else data/indicators.db."""
    return Path(explicit or os.environ.get(DB_ENV) or DEFAULT_DB)


def busy_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(BUSY_ENV) or DEFAULT_BUSY_SECONDS))
    except ValueError:
        return DEFAULT_BUSY_SECONDS


def uploads_dir(conn: sqlite3.Connection) -> Path:
    """Originals are kept beside the database, named by checksum."""
    main = conn.execute("PRAGMA database_list").fetchone()[2]
    return Path(main).parent / "uploads" if main else Path(DATA_DIR) / "uploads"


class Connection(sqlite3.Connection):
    """sqlite3's connection, saying whether it was opened read-only."""

    readonly = False


def is_readonly(conn: sqlite3.Connection) -> bool:
    return bool(getattr(conn, "readonly", False))


def connect(path: str | os.PathLike | None = None) -> sqlite3.Connection:
    """Open the database (creating it if needed) and bring its schema up to date when it is not.

    Returns a connection in autocommit mode (transactions are explicit). Raises IndicatorsError, in
    Chinese, when the database cannot be opened or set up.
    """
    p = db_path(path)
    if not p.exists():
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise disk_error(e, f"无法创建数据库目录 {p.parent}") from e
    writable = os.access(p if p.exists() else p.parent, os.W_OK) and os.access(p.parent, os.W_OK)
    try:
        conn = _open(p, writable)
        if writable and not schema.is_current(conn):
            _set_up(conn)
    except sqlite3.Error as e:
        raise store_error(e, p) from e
    return conn


def _open(p: Path, writable: bool) -> sqlite3.Connection:
    if writable:
        conn = sqlite3.connect(p, isolation_level=None, check_same_thread=False, timeout=busy_seconds(),
                               factory=Connection)
    else:
        conn = _open_readonly(p)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA synchronous=NORMAL")
    # staging tables of an import live in memory; a big import does not spill pages mid-transaction
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
    return conn


def _open_readonly(p: Path) -> sqlite3.Connection:
    """Read-only; where even the WAL's shared-memory file cannot be made (a read-only folder or disk),
    immutable: nobody can be writing to a database nobody may write."""
    uri = "file:" + urllib.parse.quote(str(p.resolve()))
    last: sqlite3.Error | None = None
    for mode in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=busy_seconds(), factory=Connection)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            conn.readonly = True
            return conn
        except sqlite3.Error as e:
            last = e
    raise last


def _set_up(conn: sqlite3.Connection) -> None:
    """The schema, once, in its own write transaction (re-checked inside: another process may have just done it)."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        conn.execute("PRAGMA journal_mode=WAL")  # persistent: done once in the database's life
    with transaction(conn):
        if not schema.is_current(conn):
            schema.create(conn)


@contextmanager
def transaction(conn: sqlite3.Connection):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: all or nothing.

    BEGIN itself is inside the error handling; SQLite and disk failures (busy past the wait, disk
    full at any statement or at COMMIT, read-only) come out as one IndicatorsError in Chinese.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as e:
        raise store_error(e) from e
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as e:
        rollback(conn)
        if isinstance(e, sqlite3.Error):
            raise store_error(e) from e
        if isinstance(e, OSError):
            raise disk_error(e) from e
        raise


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is still open. SQLite may already have rolled back itself (a full disk at COMMIT):
    a second ROLLBACK would only hide the real failure behind "no transaction is active"."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def checkpoint(conn: sqlite3.Connection) -> None:
    """Fold the WAL back into the database after a write. Passive (never waits for readers); when every
    frame is folded, the WAL is truncated too. What fails here is retried after the next write."""
    try:
        busy, log, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if not busy and log > 0 and done == log:
            conn.execute("PRAGMA busy_timeout=100")
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                conn.execute(f"PRAGMA busy_timeout={int(busy_seconds() * 1000)}")
    except sqlite3.Error:
        pass  # the data is committed in the WAL and readable; a full disk here only postpones the fold


_FULL = "磁盘空间已满，本次操作没有保存任何内容，数据库保持原样。请清理数据库所在磁盘的空间（或联系管理员）后重试"


def store_error(e: sqlite3.Error, path: Path | None = None) -> IndicatorsError:
    """What a SQLite failure means for the user, in Chinese with what to do."""
    name = (getattr(e, "sqlite_errorname", "") or "").upper()
    text = str(e).lower()
    where = f"（{path}）" if path else ""
    if "BUSY" in name or "LOCKED" in name or "locked" in text or "busy" in text:
        msg = (f"数据库正忙：另一项导入或撤销正在进行，等待 {busy_seconds():.0f} 秒后仍未完成，本次没有作任何改动。"
               "请稍后重试")
    elif "FULL" in name or "disk is full" in text:
        msg = _FULL
    elif "READONLY" in name or "readonly" in text or "read-only" in text:
        msg = f"数据库是只读的{where}（文件、目录或磁盘不可写），只能查看，不能导入、撤销或修改。请联系管理员开放写入权限"
    elif "CORRUPT" in name or "NOTADB" in name or "malformed" in text or "not a database" in text:
        msg = f"无法读取数据库{where}：文件已损坏或不是本系统的数据库。请联系管理员用备份恢复，或指定正确的数据库路径"
    elif "CANTOPEN" in name or "unable to open" in text:
        msg = (f"无法读取数据库{where}：文件打不开。请确认该路径是数据库文件（不是文件夹）、所在目录存在且可读写"
               f"（或检查环境变量 {DB_ENV} 所指的路径）")
    elif "IOERR" in name or "disk i/o" in text:
        msg = "读写数据库时磁盘出错，本次没有作任何改动。请检查磁盘（空间、连接）后重试，或联系管理员"
    elif "PERM" in name or "AUTH" in name:
        msg = f"没有访问数据库的权限{where}。请联系管理员"
    else:
        msg = f"数据库操作失败（{name or type(e).__name__}），本次没有作任何改动。请重试；仍不行请联系管理员"
    return IndicatorsError(msg)


def disk_error(e: OSError, what: str = "保存失败") -> IndicatorsError:
    """What a failed file operation (the kept original, a folder) means, in Chinese."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return IndicatorsError(_FULL)
    if e.errno in (errno.EEXIST, errno.ENOTDIR):
        return IndicatorsError(f"{what}：保存原始文件的目录（uploads）被同名的文件占用，本次没有保存任何内容。"
                               "请联系管理员移走该文件后重试")
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return IndicatorsError(f"{what}：存储目录只读或没有写入权限，本次没有保存任何内容。请联系管理员开放写入权限")
    return IndicatorsError(f"{what}（系统错误 {errno.errorcode.get(e.errno, e.errno)}），本次没有保存任何内容。请检查磁盘后重试")
