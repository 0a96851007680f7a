"""Where the database is, opening it, the one transaction helper, and what SQLite's failures mean.

Functions of the store take the connection first; an import or an undo is one transaction.

The database is SQLite (a file, the default) or PostgreSQL (a `postgresql://` URL); dialect.py
holds every difference between the two (here: which of the SQLite-only settings apply).

- Connecting never writes. The schema is set up (and on SQLite WAL mode switched on) only when the
  stored fingerprint differs from schema.FINGERPRINT, once, in its own transaction.
- In WAL mode reads never wait for a writer; a SQLite database that cannot be written (read-only file,
  folder or disk) is opened read-only and can still be read.
- A write waits for another writer at most $INDICATORS_BUSY_SECONDS (20 s), then is refused in Chinese.
- Every database or disk failure becomes one IndicatorsError saying what happened and what to do.
- After each write the SQLite WAL is checkpointed, and `journal_size_limit` truncates it, so that it
  cannot grow without bound; after an import, in a background thread (the import returns at COMMIT).
"""
from __future__ import annotations

import errno
import os
import re
from contextlib import contextmanager
from pathlib import Path

from ..config import DATA_DIR
from ..problems import IndicatorsError
from . import dialect, schema
from .dialect import Error
from .files import FILES_ENV, uploads_dir  # noqa: F401 (uploads_dir: re-exported, store.uploads_dir)

# "host=db dbname=x password=…": a libpq conninfo, which would otherwise become a SQLite file named after it
_CONNINFO = re.compile(r"(?:^|\s)(?:host|hostaddr|dbname|user|password|port|sslmode|service)\s*=", re.IGNORECASE)

DEFAULT_DB = DATA_DIR / "indicators.db"
DB_ENV = "INDICATORS_DB"
BUSY_ENV = "INDICATORS_BUSY_SECONDS"
DEFAULT_BUSY_SECONDS = 20

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


def busy_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(BUSY_ENV) or DEFAULT_BUSY_SECONDS))
    except ValueError:
        return DEFAULT_BUSY_SECONDS


def db_label(explicit: str | os.PathLike | None = None) -> str:
    """The database as it may be shown to a user (no password)."""
    return dialect.safe_label(db_target(explicit))


def is_postgres(explicit: str | os.PathLike | None = None) -> bool:
    return dialect.is_postgres_url(db_target(explicit))


def is_readonly(conn: Connection) -> bool:
    return bool(getattr(conn, "readonly", False))


def exists(target: str | os.PathLike | None = None) -> bool:
    """Whether the database has been made: the SQLite file is there, or the PostgreSQL schema has the
    tables (asked without connect(), which would create them). Raises IndicatorsError when a PostgreSQL
    server cannot be reached."""
    spec = db_target(target)
    if not dialect.is_postgres_url(spec):
        return Path(spec).exists()
    try:
        conn = dialect.connect_postgres(spec)
    except Error as e:
        raise store_error(e, dialect.safe_label(spec)) from e
    try:
        return "meta" in conn.tables()
    finally:
        conn.close()


def connect(target: str | os.PathLike | None = None, *, files_dir: str | os.PathLike | None = None) -> Connection:
    """Open the database (creating it if needed) and bring its schema up to date when it is not.

    `target`: a SQLite path or a postgresql:// URL (default: $INDICATORS_DB, else data/indicators.db).
    `files_dir`: where originals are kept (default: $INDICATORS_FILES_DIR, else for SQLite `uploads/`
    beside the database; for PostgreSQL there is no default). Returns a connection in autocommit mode
    (transactions are explicit). Raises IndicatorsError, in Chinese, when the database cannot be opened
    or set up.
    """
    spec = db_target(target)
    files = files_dir or os.environ.get(FILES_ENV)
    if dialect.is_postgres_url(spec):
        try:
            conn = dialect.connect_postgres(spec, busy_seconds())
        except Error as e:
            raise store_error(e, dialect.safe_label(spec)) from e
        conn.files_dir = Path(files) if files else None
        try:
            if not schema.is_current(conn):
                _set_up(conn)
        except BaseException:
            conn.close()
            raise
        return conn
    p = Path(spec)
    if not p.exists() and _CONNINFO.search(str(spec)):
        raise IndicatorsError(f"数据库地址「{dialect.safe_label(spec)}」是 PostgreSQL 的连接参数写法，本系统不按文件路径创建它：请写成 "
                              "postgresql://用户@主机/库名 的形式（密码放在 ~/.pgpass），未创建任何文件")
    if not p.exists():
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise disk_error(e, f"无法创建数据库目录 {p.parent}") from e
    writable = os.access(p if p.exists() else p.parent, os.W_OK) and os.access(p.parent, os.W_OK)
    try:
        conn = dialect.connect_sqlite(p, writable, busy_seconds())
        if files:
            conn.files_dir = Path(files)
        if writable and not schema.is_current(conn):
            _set_up(conn)
    except Error as e:
        raise store_error(e, p) from e
    return conn


def _set_up(conn: Connection) -> None:
    """The schema, once, in its own write transaction (re-checked inside: another process may have just done it)."""
    dialect.journal_mode(conn)
    with transaction(conn):
        if conn.dialect == dialect.POSTGRESQL:
            conn.schema_lock()  # several servers starting at once: one creates the tables, the others wait
            conn.setup()
        if not schema.is_current(conn):
            schema.create(conn)
@contextmanager
def transaction(conn: Connection):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: all or nothing, one writer at a time.

    BEGIN itself is inside the error handling; database and disk failures (busy past the wait, disk
    full at any statement or at COMMIT, read-only) come out as one IndicatorsError in Chinese.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except Error as e:
        raise store_error(e) from e
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as e:
        rollback(conn)
        if isinstance(e, Error):
            raise store_error(e) from e
        if isinstance(e, OSError):
            raise disk_error(e) from e
        raise


def rollback(conn: Connection) -> None:
    """Roll back what is still open. SQLite may already have rolled back itself (a full disk at COMMIT):
    a second ROLLBACK would only hide the real failure behind "no transaction is active"."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except Error:
            pass


def checkpoint(conn: Connection, background: bool = False) -> None:
    """After a write: on SQLite the WAL folded back (dialect.checkpoint; `background`: in a thread, the
    caller does not wait), on PostgreSQL nothing."""
    dialect.checkpoint(conn, busy_seconds(), background)


def wait_for_checkpoints(timeout: float | None = None) -> None:
    """Wait for the background checkpoints of this process (dialect.wait_for_checkpoints)."""
    dialect.wait_for_checkpoints(timeout)


_FULL = "磁盘空间已满，本次操作没有保存任何内容，数据库保持原样。请清理数据库所在磁盘的空间（或联系管理员）后重试"


def store_error(e: Error, path: Path | None = None) -> IndicatorsError:
    """What a SQLite failure means for the user, in Chinese with what to do."""
    name = (getattr(e, "sqlite_errorname", "") or "").upper()
    text = str(e).lower()
    where = f"（{path}）" if path else ""
    state = getattr(e, "sqlstate", None) or ""
    if state.startswith(("08", "28", "3D")) or (getattr(e, "sqlstate", None) is None and "connection" in text
                                                 and getattr(e, "__cause__", None) is not None):
        # PostgreSQL: the server cannot be reached, refuses the login, or has no such database
        return IndicatorsError(f"无法读取或写入数据库{where}：数据库服务器连接失败（{dialect.safe_label(str(e))}）。"
                               "请确认数据库服务器已启动、地址和账号正确，或联系管理员")
    if state in ("55P03", "40P01", "40001"):  # PostgreSQL: lock wait past lock_timeout, deadlock, serialization
        name = "BUSY"
    elif state == "53100":  # PostgreSQL: the server's disk is full
        name = "FULL"
    elif state in ("25006", "42501"):  # PostgreSQL: a read-only server (hot standby) or a user without the right
        name = "READONLY" if state == "25006" else "PERM"
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
