"""The one place where SQLite and PostgreSQL differ.

The store writes its statements in the subset SQLite 3.40 and PostgreSQL 15 both accept (`?`
placeholders, COALESCE(SUM(x), 0), ON CONFLICT ... DO UPDATE / DO NOTHING, RETURNING, IS DISTINCT
FROM, FILTER, window functions, timestamps passed as parameters, booleans as INTEGER 0/1), against a
connection with sqlite3's surface: `execute` returning a cursor (fetchone / fetchall / iteration),
`executemany`, `executescript`, rows readable by index and by column name and convertible with `dict(row)`.

- SQLite: `SQLiteConnection` is a sqlite3.Connection with the few extras below.
- PostgreSQL: `PGConnection` wraps psycopg 3 (chosen by measurement, bench/bench_pg_drivers.py: COPY
  loads 100k rows at 1.2x SQLite's executemany; SQLAlchemy Core costs 6x). A statement is changed in
  one way only: `?` becomes psycopg's %s (`pg_sql`). DDL (CREATE, ALTER) is rendered for PostgreSQL by
  ddl.py from the one declaration the schema writes. The statements that really differ are named
  fragments here: `json_field` and `json_text`, the write lock (`WRITE_BEGIN`, `begin_write`), the
  staging of an import (`stage_name`, `stage_order`, `stage_pg`), and the SQLite-only settings.

Extras both connections have: `dialect` ('sqlite' | 'postgresql'), `files_dir` (where originals
are kept), `insert_rows(table, columns, rows)` (bulk staging: executemany / COPY FROM STDIN),
`tables()`, `columns(table)`, `primary_key(table)`, `reset_identity(table)`.

Errors: a PostgreSQL error is raised as the sqlite3 class of its PEP 249 category (IntegrityError,
OperationalError, ...) with the psycopg error as its cause and `.sqlstate` set, so the store catches
one neutral set (`Error`, `DatabaseError`, `OperationalError`, `IntegrityError`, re-exported by
store) whichever database it runs on. As in SQLite, a syntax error or a missing table is an
OperationalError; a serialization failure or deadlock is an OperationalError like "database is locked".

Concurrent writers: BEGIN IMMEDIATE on PostgreSQL is BEGIN plus `pg_advisory_xact_lock` on one key,
so writes (imports, undo, target edits) are serialised exactly as SQLite's BEGIN IMMEDIATE serialises
them, and released at COMMIT/ROLLBACK. As SQLite's busy timeout, `lock_timeout` bounds the wait
($INDICATORS_BUSY_SECONDS; SQLSTATE 55P03, "数据库正忙"), and a BEGIN IMMEDIATE refused so leaves no
transaction open. Chosen over SERIALIZABLE with retries: an import is one long
transaction of up to 100k rows whose aggregate rows overlap with any other import of the same units
and days, so under SERIALIZABLE concurrent imports would routinely be aborted at commit and redone
(the whole work again, with a retry bound that can still be exhausted), and the duplicate-file check
(same checksum -> the earlier batch) needs the writer alone anyway. Imports are a few a day; waiting
a second for another server's import is invisible, and readers never wait (MVCC).

Parameters go as sqlite3 passes them (date / datetime as ISO text, bool as 0/1), and SUM of integers
comes back as int. Not papered over (write it portably): a failed statement aborts a PostgreSQL
transaction, so do not carry on after catching a database error inside one (roll back); SQLite's own
functions and forms (total(), group_concat, ifnull, INSERT OR REPLACE / IGNORE, datetime('now'), rowid,
sqlite_master, sum of a comparison, WHERE on an integer as a boolean, PRAGMA); `lastrowid` (write
RETURNING id); LIKE is case-sensitive on PostgreSQL.
"""
from __future__ import annotations

import re
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from . import ddl

SQLITE, POSTGRESQL = "sqlite", "postgresql"

# The neutral error set (PEP 249), the same classes on both databases.
Error = sqlite3.Error
DatabaseError = sqlite3.DatabaseError
OperationalError = sqlite3.OperationalError
IntegrityError = sqlite3.IntegrityError
ProgrammingError = sqlite3.ProgrammingError
DataError = sqlite3.DataError

WRITE_LOCK_KEY = 0x1D1CA7012  # pg_advisory_xact_lock key of "one writer at a time" (any constant)
SCHEMA_LOCK_KEY = 0x1D1CA7013  # creating tables: concurrent CREATE TABLE IF NOT EXISTS can collide in PG


def is_postgres_url(target: str | None) -> bool:
    return bool(target) and str(target).startswith(("postgresql://", "postgres://"))


def safe_label(target: str) -> str:
    """A database name fit to show: a URL or conninfo without any password (redact.credentials)."""
    from .redact import credentials
    return credentials(str(target))


# ---------------------------------------------------------------- SQLite

class SQLiteConnection(sqlite3.Connection):
    """sqlite3.Connection plus the extras both dialects offer."""

    dialect = SQLITE
    files_dir: Path | None = None
    readonly = False  # opened read-only (the file, folder or disk cannot be written)

    def insert_rows(self, table: str, columns: Sequence[str], rows) -> None:
        """Rows (an iterable of sequences, or a polars DataFrame) appended to `table`."""
        if hasattr(rows, "iter_rows"):
            rows = rows.select(columns).iter_rows()
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)

    def tables(self) -> list[str]:
        return [r[0] for r in self.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.execute(f"PRAGMA table_info({table})")]

    def primary_key(self, table: str) -> list[str]:
        return [r[1] for r in sorted((r for r in self.execute(f"PRAGMA table_info({table})") if r[5]), key=lambda r: r[5])]

    def reset_identity(self, table: str) -> None:
        pass  # rowid tables take max(rowid) + 1 by themselves


# ---------------------------------------------------------------- SQLite-only settings, all here
# (PostgreSQL has no file to open read-only, no WAL to checkpoint, and waits on locks by itself)

WAL_LIMIT = 64 << 20  # bytes a checkpointed WAL is truncated to
CACHE_KIB = 64 << 10  # page cache of a connection
IMPORT_CACHE_KIB = 256 << 10  # page cache during an import's transaction (bulk_write)


def connect_sqlite(path: Path, writable: bool = True, busy_seconds: float = 30) -> SQLiteConnection:
    """A SQLite file, in autocommit mode; where it cannot be written (read-only file, folder or disk), read-only,
    and where even the WAL's shared-memory file cannot be made, immutable (nobody can be writing to a database
    nobody may write)."""
    if writable:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=busy_seconds,
                               factory=SQLiteConnection)
    else:
        conn = _open_sqlite_readonly(path, busy_seconds)
    conn.row_factory = sqlite3.Row
    # durable at COMMIT: in WAL mode FULL syncs the WAL at every COMMIT, so an import answered 已导入 survives
    # a power cut (NORMAL would sync only at the later checkpoint)
    conn.execute("PRAGMA synchronous=FULL")
    # REPLACE deletes the row it conflicts with; only with recursive_triggers do the append-only tables'
    # BEFORE DELETE triggers see that delete (an INSERT OR REPLACE would otherwise rewrite an audit entry)
    conn.execute("PRAGMA recursive_triggers=ON")
    # staging tables of an import live in memory; a big import does not spill pages mid-transaction
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
    return conn


def _open_sqlite_readonly(p: Path, busy_seconds: float) -> SQLiteConnection:
    import urllib.parse
    uri = "file:" + urllib.parse.quote(str(p.resolve()))
    last: sqlite3.Error | None = None
    for mode in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=busy_seconds, factory=SQLiteConnection)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            conn.readonly = True
            return conn
        except sqlite3.Error as e:
            last = e
    raise last


def journal_mode(conn) -> None:
    """SQLite: WAL (persistent, done once in the database's life), so that reads never wait for a writer."""
    if conn.dialect == SQLITE and conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        conn.execute("PRAGMA journal_mode=WAL")


def checkpoint(conn, busy_seconds: float, background: bool = False) -> None:
    """SQLite: fold the WAL back into the database after a write. Passive (never waits for readers); when
    every frame is folded, the WAL is truncated too. What fails here is retried after the next write.
    PostgreSQL: nothing (its own checkpointer does this).

    `background`: on a connection of its own in a thread (sqlite3 releases the GIL while SQLite copies
    and syncs), so that the write that asked for it returns at once; `wait_for_checkpoints` waits for it.
    A process that exits waits for it too (the thread is not a daemon); one killed in the middle leaves
    the WAL as it was, which the next checkpoint folds (SQLite's checkpoint is restartable)."""
    if conn.dialect != SQLITE:
        return
    if not background:
        _fold(conn, busy_seconds)
        return
    try:
        path = conn.execute("PRAGMA database_list").fetchone()[2]
    except sqlite3.Error:
        return
    if not path:
        return
    with _FOLDS_LOCK:
        running = _FOLDS.get(path)
        if running is not None and running.is_alive():
            running.again = True  # it folds once more after the one it is doing
            return
        t = _FOLDS[path] = threading.Thread(target=_fold_in_thread, args=(path, busy_seconds),
                                            name=f"checkpoint {path}", daemon=False)
        t.again = False
        t.start()


def wait_for_checkpoints(timeout: float | None = None) -> None:
    """Wait until every background checkpoint of this process is done."""
    with _FOLDS_LOCK:
        threads = list(_FOLDS.values())
    for t in threads:
        t.join(timeout)


def bulk_write(conn, on: bool) -> None:
    """SQLite: the settings of an import's transaction (on) and of everything else (off).

    - No auto-checkpoint at COMMIT (SQLite folds the WAL itself at a COMMIT past 1000 pages): the
      COMMIT writes the WAL only, and the import folds it in the background after (`checkpoint`).
    - A page cache of IMPORT_CACHE_KIB instead of CACHE_KIB, so that the pages an import changes stay
      in memory until COMMIT: new rows among stored ones (a file of days the ledger holds already)
      change most of the ledger's pages, and a smaller cache spills them to the WAL mid-transaction
      and writes some twice. Set back after, which frees what the import took.
    PostgreSQL: nothing."""
    if conn.dialect != SQLITE:
        return
    try:
        conn.execute(f"PRAGMA wal_autocheckpoint={1000 if not on else 0}")
        conn.execute(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB if on else CACHE_KIB}")
    except sqlite3.Error:
        pass  # a connection that cannot run these cannot write either: the write says why


_FOLDS: dict[str, threading.Thread] = {}
_FOLDS_LOCK = threading.Lock()


def _fold(conn, busy_seconds: float) -> None:
    try:
        busy, log, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if not busy and log > 0 and done == log:
            conn.execute("PRAGMA busy_timeout=100")
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                conn.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
    except sqlite3.Error:
        pass  # the data is committed in the WAL and readable; a full disk here only postpones the fold


def _fold_in_thread(path: str, busy_seconds: float) -> None:
    me = threading.current_thread()
    try:
        c = sqlite3.connect(path, isolation_level=None, timeout=busy_seconds)
    except sqlite3.Error:
        return
    try:
        while True:
            me.again = False
            _fold(c, busy_seconds)
            with _FOLDS_LOCK:
                if not me.again:
                    if _FOLDS.get(path) is me:
                        del _FOLDS[path]
                    return
    finally:
        c.close()


# ---------------------------------------------------------------- an import's staging tables
# SQLite: a scratch SQLite file written from Arrow (ledger_rows._write_tables) and ATTACHed as `stage`
# before the transaction (SQLite attaches only outside one); its tables are `stage.<name>`, read in
# rowid (= primary-key) order so that the B-tree inserts become appends.
# PostgreSQL: no file to attach; session temp tables `stage_<name>` filled by COPY (insert_rows), read
# in any order (PostgreSQL's heap has no insertion-order B-tree to keep appending to).

_PG_STAGE_TYPES = {"String": "TEXT", "Utf8": "TEXT", "Float64": "DOUBLE PRECISION", "Float32": "DOUBLE PRECISION",
                   "Boolean": "BIGINT", "Date": "TEXT"}


def stage_name(conn, name: str) -> str:
    return f"stage.{name}" if conn.dialect == SQLITE else f"stage_{name}"


def stage_order(conn) -> str:
    """The ORDER BY a copy from a staging table takes."""
    return "ORDER BY rowid" if conn.dialect == SQLITE else ""


def stage_pg(conn, tables, analyze: bool = True) -> None:
    """PostgreSQL: each (name, polars frame) of `tables` (an iterable) as the temp table stage_<name>, by COPY
    (`analyze`: then ANALYZE, for a planner that joins it)."""
    for name, frame in tables:
        table = stage_name(conn, name)
        cols = ", ".join(f"{c} {_PG_STAGE_TYPES.get(str(t).split('(')[0], 'BIGINT' if t.is_integer() else 'TEXT')}"
                         for c, t in frame.schema.items())
        conn._run(f"DROP TABLE IF EXISTS pg_temp.{table}", ())
        conn._run(f"CREATE TEMP TABLE {table} ({cols})", ())
        conn.insert_rows(table, list(frame.columns), frame, analyze=analyze)


def unstage_pg(conn, names) -> None:
    for name in names:
        conn._run(f"DROP TABLE IF EXISTS pg_temp.{stage_name(conn, name)}", ())


# ---------------------------------------------------------------- explicit per-dialect fragments

def json_field(dialect: str, doc: str, key: str, sql_type: str) -> str:
    """The value of `key` in the JSON text `doc`, as a value of `sql_type` (INTEGER, REAL, TEXT)."""
    if dialect == SQLITE:
        return f"json_extract({doc}, '$.{key}')"
    return f"CAST(({doc})::json ->> '{key}' AS {ddl.PG_TYPES.get(sql_type.upper(), sql_type)})"


def json_text(dialect: str, fields: Sequence[str]) -> str:
    """The columns `fields` as one JSON object in text, {"field": value, ...}: read back by json_field."""
    pairs = ", ".join(f"'{f}', {f}" for f in fields)
    return f"json_object({pairs})" if dialect == SQLITE else f"CAST(json_build_object({pairs}) AS TEXT)"


# What the schema needs in PostgreSQL before its tables: COLLATE NOCASE (account logins), equal and unique
# regardless of case (ICU, as Debian's PostgreSQL is built).
PG_SETUP = [
    "DO $$ BEGIN CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', "
    "deterministic = false); EXCEPTION WHEN OTHERS THEN NULL; END $$",
]

# synchronous_commit: durable at COMMIT whatever the server's or the database's default says (a COMMIT
# returns once its WAL is on disk), as SQLite's synchronous=FULL
SESSION_SETTINGS = ["SET temp_buffers = '128MB'", "SET work_mem = '64MB'", "SET synchronous_commit = on"]



# ---------------------------------------------------------------- the one placeholder style

WRITE_BEGIN = "BEGIN IMMEDIATE"  # the one statement that differs: on PostgreSQL, BEGIN plus the write lock

# where a `?` is no placeholder: string literals, quoted names, dollar quotes, comments
_PASS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$(\w*)\$.*?\$\1\$|--[^\n]*|/\*.*?\*/|\?", re.S)


@lru_cache(maxsize=4096)
def pg_sql(sql: str) -> str:
    """A statement as psycopg takes it: each `?` placeholder as %s (not inside string literals, quoted
    names or comments), and every literal % as %% (psycopg reads % anywhere in the text). Nothing else
    changes: the statements are written in the subset both databases accept."""
    return _PASS.sub(lambda m: "%s" if m.group() == "?" else m.group(), sql.replace("%", "%%"))


# ---------------------------------------------------------------- PostgreSQL connection

def _error(e):
    """The psycopg error as the sqlite3 class of its PEP 249 category."""
    import psycopg
    for pg_cls, cls in ((psycopg.IntegrityError, IntegrityError), (psycopg.OperationalError, OperationalError),
                        (psycopg.ProgrammingError, OperationalError), (psycopg.DataError, DataError),
                        (psycopg.InternalError, sqlite3.InternalError), (psycopg.NotSupportedError, sqlite3.NotSupportedError),
                        (psycopg.InterfaceError, sqlite3.InterfaceError), (psycopg.DatabaseError, DatabaseError)):
        if isinstance(e, pg_cls):
            break
    else:
        cls = Error
    out = cls(str(e).strip())
    out.sqlstate = getattr(e, "sqlstate", None)
    return out


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]):
    index = {n.lower(): i for i, n in reversed(list(enumerate(names)))}

    class Row(tuple):
        """A result row as sqlite3.Row: by index, by (case-insensitive) column name, keys(), dict(row)."""

        __slots__ = ()

        def __getitem__(self, key):
            if isinstance(key, str):
                try:
                    key = index[key.lower()]
                except KeyError:
                    raise IndexError(f"No item with that key: {key}") from None
            return tuple.__getitem__(self, key)

        def keys(self):
            return list(names)

    return Row


def _row_factory(cursor):
    desc = cursor.description
    if desc is None:
        return tuple
    cls = _row_class(tuple(d.name for d in desc))
    return cls


class _Empty:
    """The cursor of a statement that returns nothing (BEGIN IMMEDIATE, a script)."""

    rowcount, lastrowid, description = -1, None, None

    def fetchone(self):
        return None

    def fetchall(self):
        return []

    def __iter__(self):
        return iter(())

    def close(self):
        pass


class PGConnection:
    """A psycopg 3 connection with the sqlite3 surface the store uses (see the module docstring)."""

    dialect = POSTGRESQL

    def __init__(self, url: str):
        import psycopg

        class Cursor(psycopg.ClientCursor):
            lastrowid = None

        # client-side binding: parameters become literals, so that `? IS NULL` and untyped values work
        # as in SQLite (server-side binding cannot type a NULL parameter); measured at the same speed.
        try:
            self._pg = psycopg.connect(url, autocommit=True, cursor_factory=Cursor)
        except psycopg.Error as e:
            raise _error(e) from e
        self._pg.cursor_factory = Cursor
        self._pg.row_factory = _row_factory
        self._pg.adapters.register_loader("numeric", _numeric_loader())
        for cls, dumper in _sqlite_dumpers().items():  # parameters as sqlite3 passes them
            self._pg.adapters.register_dumper(cls, dumper)
        # what SQLite's temp_store=MEMORY and cache_size do for an import: the staging tables (temp_buffers,
        # 8 MB by default: a 100k-row file is ~20 MB) and the grouping of the aggregates (work_mem, 4 MB)
        # stay in memory instead of spilling to disk
        for setting in SESSION_SETTINGS:
            self._run(setting, ())
        self.url = url
        self.files_dir: Path | None = None
        self._identity: dict[str, str] | None = None

    # -- the sqlite3 surface

    def execute(self, sql: str, params: Sequence | None = None):
        if " ".join(sql.split()).upper() == WRITE_BEGIN:
            self.begin_write()
            return _Empty()
        if sql.lstrip()[:6].upper() in ("CREATE", "ALTER "):  # DDL, rendered for PostgreSQL (ddl.py)
            self._identity = None
            parts = ddl.render(POSTGRESQL, sql)
            if not parts:  # a statement PostgreSQL does without (ddl.py: the guard against REPLACE)
                return _Empty()
            for part in parts[:-1]:
                self._run(pg_sql(part), ())
            sql = parts[-1]
        return self._run(pg_sql(sql), params or ())

    def begin_write(self) -> None:
        """BEGIN and the write lock (`pg_advisory_xact_lock` on one key), released at COMMIT / ROLLBACK: one
        writer at a time, as SQLite's BEGIN IMMEDIATE. One refused (busy past lock_timeout) leaves no
        transaction open, as SQLite's."""
        self._run("BEGIN", ())
        try:
            self._run("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        except BaseException:
            if self.in_transaction:
                self._run("ROLLBACK", ())
            raise

    def executemany(self, sql: str, seq: Iterable[Sequence]):
        try:
            cur = self._pg.cursor()
            cur.executemany(pg_sql(sql), list(seq))
            return cur
        except Exception as e:
            import psycopg
            if isinstance(e, psycopg.Error):
                raise _error(e) from e
            raise

    def executescript(self, script: str):
        for stmt in ddl.split_statements(script):
            self.execute(stmt)
        return _Empty()

    def commit(self):
        if self.in_transaction:
            self._run("COMMIT", ())

    def rollback(self):
        if self.in_transaction:
            self._run("ROLLBACK", ())

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus
        return self._pg.info.transaction_status != TransactionStatus.IDLE

    @property
    def total_changes(self):
        raise NotImplementedError("total_changes is SQLite's; use cursor.rowcount")

    def close(self):
        self._pg.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        (self.rollback if exc_type else self.commit)()
        return False

    # -- the extras

    def insert_rows(self, table: str, columns: Sequence[str], rows, analyze: bool = True) -> None:
        """COPY FROM STDIN: the bulk staging of an import (bench: x1.2 of SQLite's executemany; executemany x5.3).

        A polars DataFrame goes as CSV written by polars (no Python loop per row; CSV keeps NULL, an
        unquoted empty field, apart from '', a quoted one); other rows one by one.
        """
        table = "pg_temp." + table[5:] if table.startswith("temp.") else table.removeprefix("main.")
        try:
            with self._pg.cursor() as cur:
                if hasattr(rows, "write_csv"):
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as cp:
                        cp.write(rows.select(columns).write_csv(include_header=False))
                else:
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                        for row in rows:
                            cp.write_row(row)
                if analyze:  # autovacuum never sees temp tables, and not at once the others: give the planner row counts
                    cur.execute(f"ANALYZE {table}")
        except Exception as e:
            import psycopg
            if isinstance(e, psycopg.Error):
                raise _error(e) from e
            raise

    def tables(self) -> list[str]:
        return [r[0] for r in self._run("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                        "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name", ())]

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self._run(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position", (table.lower(),))]

    def primary_key(self, table: str) -> list[str]:
        return [r[0] for r in self._run(
            "SELECT kcu.column_name FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage "
            "kcu USING (constraint_schema, constraint_name) WHERE tc.constraint_type = 'PRIMARY KEY' AND "
            "tc.table_schema = current_schema() AND tc.table_name = %s ORDER BY kcu.ordinal_position", (table.lower(),))]

    def reset_identity(self, table: str) -> None:
        col = self._identity_of(table)
        if col:
            self._run(f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), "
                      f"COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)", ())

    def setup(self) -> None:
        """What the schema needs first (PG_SETUP); call inside the schema lock."""
        for stmt in PG_SETUP:
            self._run(stmt, ())

    def schema_lock(self) -> None:
        self._run("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))

    # -- inside

    def _run(self, sql: str, params):
        import psycopg
        try:
            return self._pg.execute(sql, params)
        except psycopg.Error as e:
            raise _error(e) from e

    def _identity_of(self, table: str) -> str | None:
        if self._identity is None:
            self._identity = {r[0]: r[1] for r in self._run(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND is_identity = 'YES'", ())}
        return self._identity.get(table)


def _sqlite_dumpers() -> dict:
    """date and datetime as ISO text (sqlite3's adapters: the store keeps dates as TEXT), bool as 0/1."""
    import datetime as dt

    from psycopg.types.numeric import IntDumper
    from psycopg.types.string import StrDumperUnknown

    class DateText(StrDumperUnknown):
        def dump(self, obj):
            return super().dump(obj.isoformat())

    class DateTimeText(StrDumperUnknown):
        def dump(self, obj):
            return super().dump(obj.isoformat(" "))

    class BoolInt(IntDumper):
        def dump(self, obj):
            return super().dump(int(obj))

        def quote(self, obj):
            return super().quote(int(obj))

    return {dt.date: DateText, dt.datetime: DateTimeText, bool: BoolInt}


def _numeric_loader():
    """numeric (what SUM of a BIGINT gives) as int when whole, else float: what SQLite returns."""
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        def load(self, data):
            s = bytes(data)
            if b"." in s or b"e" in s or b"N" in s:
                return float(s)
            return int(s)

    return NumericLoader


def connect_postgres(url: str, busy_seconds: float | None = None) -> PGConnection:
    """A PostgreSQL connection. `busy_seconds`: how long a statement waits for a lock (another writer's
    advisory write lock above all) before it fails with SQLSTATE 55P03, as SQLite's busy timeout does;
    None waits as long as it takes."""
    conn = PGConnection(url)
    if busy_seconds is not None:
        conn._run(f"SET lock_timeout = {max(1, int(busy_seconds * 1000))}", ())
    return conn
