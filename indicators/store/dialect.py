"""The one place where SQLite and PostgreSQL differ.

The store writes SQLite's SQL (`?` placeholders, INSERT OR IGNORE, WITHOUT ROWID, TOTAL(), null-safe
IS / IS NOT, temp./main. prefixes, BEGIN IMMEDIATE, PRAGMAs) against a connection with sqlite3's
surface: `execute` returning a cursor (fetchone / fetchall / iteration, `lastrowid`), `executemany`,
`executescript`, rows readable by index and by column name and convertible with `dict(row)`.

- SQLite: `SQLiteConnection` is a sqlite3.Connection with the few extras below; SQL runs as written.
- PostgreSQL: `PGConnection` wraps psycopg 3 (chosen by measurement, bench/bench_pg_drivers.py: COPY
  loads 100k rows at 1.2x SQLite's executemany; SQLAlchemy Core costs 6x) and translates each
  statement once (cached): mechanical forms are rewritten on tokens (never inside string literals),
  statements that really differ come from explicit per-dialect fragments here (`json_field`,
  `refuse_changes`, `write_lock`, the compatibility functions of `PG_SETUP`).

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

What translates (tests/test_dialect.py runs each on both databases):
- mechanically, on tokens: `?` -> %s; INSERT OR IGNORE -> ON CONFLICT DO NOTHING; INSERT OR REPLACE /
  REPLACE INTO -> ON CONFLICT (primary key) DO UPDATE; `a IS NOT b` / `a IS b` -> IS [NOT] DISTINCT FROM;
  temp./main. prefixes; WITHOUT ROWID, AUTOINCREMENT dropped; in CREATE TABLE / ADD COLUMN: INTEGER
  PRIMARY KEY -> identity, INTEGER -> BIGINT, REAL -> DOUBLE PRECISION, BLOB -> BYTEA, TEXT -> TEXT
  COLLATE "C" (SQLite's byte order); WHERE 0/1; json_object / json_extract('$.a'); IFNULL; scalar
  MAX(a, b) / MIN(a, b); datetime('now'[, modifier]), date('now'), strftime('%s', 'now'), unixepoch();
  CREATE VIEW IF NOT EXISTS; a subquery in FROM without an alias; tuning PRAGMAs (no-ops) and
  PRAGMA table_info; refusing triggers (BEFORE ... SELECT RAISE(ABORT, 'msg')).
- by definitions in PostgreSQL (PG_SETUP): TOTAL(), SUM() of comparisons, instr(), group_concat(),
  COLLATE NOCASE, a sqlite_master view.
- parameters as sqlite3 passes them: date / datetime as ISO text, bool as 0/1; SUM of integers as int.

Not papered over (write it portably): a failed statement aborts a PostgreSQL transaction, so do not
carry on after catching a database error inside one (roll back); an integer column used as a boolean
(`WHERE locked`: write `locked = 1`); PRAGMA user_version (keep versions in the meta table);
conn.create_function, changes(), lastrowid after executemany; LIKE is case-sensitive on PostgreSQL.
"""
from __future__ import annotations

import re
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

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
    return f"CAST(({doc})::json ->> '{key}' AS {_PG_TYPES.get(sql_type.upper(), sql_type)})"


def upsert(conn, table: str, source: str, key: Sequence[str], others: Sequence[str],
           stamp_new: Sequence[str], stamp_changed: Sequence[str]) -> list[str]:
    """Rows of `source` into `table`: a new key is inserted (with the `stamp_new` columns set from
    parameters), a known key whose `others` differ (null-safe) is updated (with `stamp_changed` set
    from parameters), an identical row is left alone. Parameters: stamp_new's, then stamp_changed's
    (`upsert_params`). Call with the write lock held.

    One INSERT ... ON CONFLICT DO UPDATE, an index probe per incoming row on both databases. On
    PostgreSQL, into an empty table (the first import of a ledger), a plain INSERT: nothing can
    conflict, and PostgreSQL's speculative insertion costs 2x a plain insert (2.3 s vs 1.0 s for 100k
    rows). An UPDATE of the changed rows followed by INSERT ... WHERE NOT EXISTS was measured too: as
    fast into an empty table, but two hash joins over the whole ledger when it is not (8.8-11.8 s vs
    6.9-10.6 s adding 100k rows to 600k).
    """
    cols = [*key, *others]
    differ = " OR ".join(f"{table}.{f} IS NOT excluded.{f}" for f in others) or "1 = 0"
    insert = (f"INSERT INTO main.{table} ({', '.join(cols + list(stamp_new))}) SELECT {', '.join(cols)}"
              f"{''.join(', ?' for _ in stamp_new)} FROM {source} WHERE 1")
    if conn.dialect == POSTGRESQL and conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None:
        return [insert]
    sets = ", ".join([f"{f} = excluded.{f}" for f in others] + [f"{f} = ?" for f in stamp_changed])
    return [f"{insert} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets} WHERE {differ}"]


def upsert_params(statements: Sequence[str], new: Sequence, changed: Sequence) -> list[tuple]:
    """The parameters of the statement `upsert` returned."""
    return [tuple(new) + (tuple(changed) if "ON CONFLICT" in statements[0] else ())]


def refuse_changes(dialect: str, table: str, events: Sequence[str], message: str, name: str) -> list[str]:
    """Triggers that refuse the given events (UPDATE, DELETE) on `table` with `message`."""
    msg = message.replace("'", "''")  # a literal inside the statement
    if dialect == SQLITE:
        return [f"CREATE TRIGGER IF NOT EXISTS {name}_{e.lower()} BEFORE {e} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{msg}'); END" for e in events]
    fn = f"{name}_refuse"
    out = [f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
           f"RAISE EXCEPTION '{msg}' USING ERRCODE = 'integrity_constraint_violation'; END $fn$"]
    row_events = [e for e in events if e != "TRUNCATE"]
    if row_events:
        out.append(_if_no_trigger(name, table, f"CREATE TRIGGER {name} BEFORE {' OR '.join(row_events)} ON {table} "
                                                f"FOR EACH ROW EXECUTE FUNCTION {fn}()"))
    # TRUNCATE bypasses row triggers in PostgreSQL; SQLite has no TRUNCATE, so refuse it with the rest
    if "DELETE" in events or "TRUNCATE" in events:
        out.append(_if_no_trigger(f"{name}_truncate", table, f"CREATE TRIGGER {name}_truncate BEFORE TRUNCATE ON "
                                                             f"{table} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"))
    return out


def _if_no_trigger(name: str, table: str, create: str) -> str:
    # only when missing: creating a trigger locks its table against writers, and every connection
    # brings the schema up to date (a server starting during another's import must not wait for it)
    return (f"DO $tg$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{name}' AND "
            f"tgrelid = to_regclass('{table}')) THEN {create}; END IF; END $tg$")


# SQLite functions the store's SQL may use, defined in PostgreSQL so that the SQL needs no rewriting.
# TOTAL() is SUM() that gives 0.0 on no rows and also adds up booleans (SQLite's comparisons are 0/1).
PG_SETUP = [
    "CREATE OR REPLACE FUNCTION _total_bool(double precision, boolean) RETURNS double precision "
    "LANGUAGE sql IMMUTABLE STRICT AS 'SELECT $1 + $2::int'",
    "CREATE OR REPLACE AGGREGATE total(double precision) (SFUNC = float8pl, STYPE = double precision, INITCOND = '0')",
    "CREATE OR REPLACE AGGREGATE total(boolean) (SFUNC = _total_bool, STYPE = double precision, INITCOND = '0')",
    "CREATE OR REPLACE FUNCTION _sum_bool(bigint, boolean) RETURNS bigint LANGUAGE sql IMMUTABLE "
    "AS 'SELECT CASE WHEN $2 IS NULL THEN $1 ELSE COALESCE($1, 0) + $2::int END'",
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = _sum_bool, STYPE = bigint)",
    "CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT strpos($1, $2)'",
    "CREATE OR REPLACE FUNCTION group_concat_sfunc(text, text, text) RETURNS text LANGUAGE sql IMMUTABLE "
    "AS 'SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2 ELSE $1 || $3 || $2 END'",
    "CREATE OR REPLACE AGGREGATE group_concat(text, text) (SFUNC = group_concat_sfunc, STYPE = text)",
    "CREATE OR REPLACE FUNCTION group_concat_sfunc(text, text) RETURNS text LANGUAGE sql IMMUTABLE "
    "AS 'SELECT group_concat_sfunc($1, $2, '','')'",
    "CREATE OR REPLACE AGGREGATE group_concat(text) (SFUNC = group_concat_sfunc, STYPE = text)",
    # COLLATE NOCASE: equal and unique regardless of case (ICU, as Debian's PostgreSQL is built)
    "DO $$ BEGIN CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', "
    "deterministic = false); EXCEPTION WHEN OTHERS THEN NULL; END $$",
    # `SELECT name FROM sqlite_master WHERE type = 'table'` answers the same
    "CREATE OR REPLACE VIEW sqlite_master AS SELECT CASE c.relkind WHEN 'i' THEN 'index' WHEN 'v' THEN 'view' "
    "ELSE 'table' END::text AS type, c.relname::text AS name, COALESCE(t.relname, c.relname)::text AS tbl_name, "
    "NULL::text AS sql FROM pg_class c LEFT JOIN pg_index x ON x.indexrelid = c.oid LEFT JOIN pg_class t ON "
    "t.oid = x.indrelid WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'i', 'v') "
    "AND c.relname <> 'sqlite_master'",
]

# synchronous_commit: durable at COMMIT whatever the server's or the database's default says (a COMMIT
# returns once its WAL is on disk), as SQLite's synchronous=FULL
SESSION_SETTINGS = ["SET temp_buffers = '128MB'", "SET work_mem = '64MB'", "SET synchronous_commit = on"]

_PG_TYPES = {"INTEGER": "BIGINT", "INT": "BIGINT", "REAL": "DOUBLE PRECISION", "FLOAT": "DOUBLE PRECISION",
             "DOUBLE": "DOUBLE PRECISION", "BLOB": "BYTEA", "TEXT": "TEXT"}


# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qident>"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\])
  | (?P<dollar>\$(?P<tag>\w*)\$.*?\$(?P=tag)\$)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<param>\?\d*)
  | (?P<op>.)
""", re.S | re.X)


class Tok:
    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str):
        self.kind, self.text = kind, text

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    def __repr__(self):
        return f"{self.kind}:{self.text}"


def tokens(sql: str) -> list[Tok]:
    out = []
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup if m.lastgroup != "tag" else "dollar"
        if kind == "qident" and m.group()[0] in "`[":
            out.append(Tok("qident", '"' + m.group()[1:-1] + '"'))
        else:
            out.append(Tok(kind, m.group()))
    return out


def split_statements(script: str) -> list[str]:
    """Statements of a script; a CREATE TRIGGER ... BEGIN ... END is one statement."""
    out, cur, depth_begin = [], [], 0
    toks = tokens(script)
    for i, t in enumerate(toks):
        cur.append(t)
        words = [x.up for x in cur if x.kind == "word"]
        if t.kind == "word" and t.up == "BEGIN" and words[:1] == ["CREATE"] and "TRIGGER" in words[:4]:
            depth_begin += 1
        elif t.kind == "word" and t.up == "END" and depth_begin:
            depth_begin -= 1
        elif t.kind == "op" and t.text == ";" and not depth_begin:
            text = "".join(x.text for x in cur[:-1]).strip()
            if text:
                out.append(text)
            cur = []
    text = "".join(x.text for x in cur).strip()
    if text and any(x.kind not in ("ws", "comment") for x in cur):
        out.append(text)
    return out


# ---------------------------------------------------------------- SQLite -> PostgreSQL

class Translation:
    """A statement as PostgreSQL runs it; `action`: 'lock' (take the write lock after it), 'noop',
    'script' (several statements, in `parts`)."""

    __slots__ = ("sql", "insert_table", "action", "parts")

    def __init__(self, sql: str, insert_table: str | None = None, action: str | None = None, parts=()):
        self.sql, self.insert_table, self.action, self.parts = sql, insert_table, action, tuple(parts)


def _sig(toks: list[Tok]) -> list[int]:
    """Indexes of the significant tokens (no whitespace or comments)."""
    return [i for i, t in enumerate(toks) if t.kind not in ("ws", "comment")]


def _match_paren(toks: list[Tok], open_at: int) -> int:
    depth = 0
    for j in range(open_at, len(toks)):
        if toks[j].kind == "op" and toks[j].text == "(":
            depth += 1
        elif toks[j].kind == "op" and toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced parentheses")


_IS_KEEP = {"NULL", "TRUE", "FALSE", "DISTINCT", "NOT", "UNKNOWN"}
_ALIAS_FOLLOWERS = {"AS", "WHERE", "GROUP", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "JOIN", "LEFT",
                    "RIGHT", "INNER", "CROSS", "FULL", "ON", "USING", "HAVING", "WINDOW", "OFFSET", "NATURAL"}


def translate(sql: str, catalog=None) -> Translation:
    """One SQLite statement as PostgreSQL. `catalog` answers primary_key(table) and columns(table)
    for INSERT OR REPLACE."""
    toks = tokens(sql)
    sig = _sig(toks)
    if not sig:
        return Translation(sql)
    first = toks[sig[0]].up
    words = [toks[i].up for i in sig[:6]]
    if first == "PRAGMA":
        return _pragma(toks, sig)
    if first == "BEGIN":
        mode = words[1] if len(words) > 1 else ""
        return Translation("BEGIN", action="lock" if mode in ("IMMEDIATE", "EXCLUSIVE") else None)
    if first in ("COMMIT", "END"):
        return Translation("COMMIT")
    if first == "CREATE" and "TRIGGER" in words[:4]:
        return Translation("", action="script", parts=[p.replace("%", "%%") for p in _trigger(toks, sig)])
    if first == "CREATE" and "INDEX" in words[:3] and words[words.index("INDEX") + 1: words.index("INDEX") + 4] == [
            "IF", "NOT", "EXISTS"]:
        # CREATE INDEX IF NOT EXISTS takes a share lock on the table even when the index exists: it would
        # wait for a running import. Ask the catalog first.
        at = words.index("INDEX") + 4
        name = toks[sig[at]].text
        rest = translate("".join(t.text for t in toks[sig[at]:]), catalog).sql
        create = " ".join(w for w in words[:words.index("INDEX") + 1])
        return Translation(f"DO $ix$ BEGIN IF to_regclass('{name}') IS NULL THEN {create} {rest}; END IF; END $ix$")
    create_table = first == "CREATE" and "TABLE" in words[:3] or first == "ALTER" and "ADD" in words
    ctas = create_table and any(toks[i].up == "AS" and toks[j].up in ("SELECT", "WITH") for i, j in zip(sig, sig[1:]))
    out: list[Tok] = list(toks)
    conflict_suffix = None
    insert_table = None

    def sig_at(k):
        return out[sig[k]] if 0 <= k < len(sig) else Tok("eof", "")

    # INSERT OR IGNORE / OR REPLACE / REPLACE INTO
    if first in ("INSERT", "REPLACE"):
        k = 1
        verb = "IGNORE" if first == "INSERT" and sig_at(1).up == "OR" and sig_at(2).up == "IGNORE" else None
        if first == "INSERT" and sig_at(1).up == "OR" and sig_at(2).up == "REPLACE" or first == "REPLACE":
            verb = "REPLACE"
        if verb and first == "INSERT":
            out[sig[1]] = Tok("ws", ""); out[sig[2]] = Tok("ws", "")
            k = 3
        elif first == "REPLACE":
            out[sig[0]] = Tok("word", "INSERT")
        # k now at INTO
        table_tok = sig_at(k + 1)
        table = table_tok.text.split(".")[-1]
        if sig_at(k + 2).text == ".":  # main.x
            table = sig_at(k + 3).text
        insert_table = table.lower()
        if verb == "IGNORE":
            conflict_suffix = " ON CONFLICT DO NOTHING"
        elif verb == "REPLACE":
            if catalog is None:
                raise ValueError("INSERT OR REPLACE needs the catalog")
            pk = catalog.primary_key(insert_table)
            # the column list, if given, follows the table name
            after = k + 2 if sig_at(k + 2).text != "." else k + 4
            if sig_at(after).text == "(" and sig_at(after + 1).up not in ("SELECT", "WITH"):
                close = _match_paren(out, sig[after])
                cols = [t.text.lower() for t in out[sig[after]:close] if t.kind == "word"]
            else:
                cols = catalog.columns(insert_table)
            others = [c for c in cols if c not in pk]
            conflict_suffix = (f" ON CONFLICT ({', '.join(pk)}) DO " +
                               (f"UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in others)}" if others else "NOTHING"))

    k = 0
    while k < len(sig):
        t = out[sig[k]]
        u = t.up
        if t.kind == "param":
            out[sig[k]] = Tok("param", "%s")
        elif t.kind == "word":
            nxt = sig_at(k + 1)
            if u in ("TEMP", "MAIN") and nxt.text == "." and sig_at(k - 1).text != ".":
                out[sig[k]] = Tok("word", "pg_temp" if u == "TEMP" else "")
                if u == "MAIN":
                    out[sig[k + 1]] = Tok("ws", "")
            elif u == "WITHOUT" and nxt.up == "ROWID":
                out[sig[k]] = Tok("ws", ""); out[sig[k + 1]] = Tok("ws", "")
            elif u == "AUTOINCREMENT":
                out[sig[k]] = Tok("ws", "")
            elif u == "IS" and nxt.up not in _IS_KEEP:
                out[sig[k]] = Tok("word", "IS NOT DISTINCT FROM")
            elif u == "IS" and nxt.up == "NOT" and sig_at(k + 2).up not in _IS_KEEP:
                out[sig[k]] = Tok("word", "IS DISTINCT FROM"); out[sig[k + 1]] = Tok("ws", "")
            elif u == "WHERE" and nxt.kind == "num" and nxt.text in ("0", "1") and sig_at(k + 2).text not in (
                    "=", "<", ">", "!", "+", "-", "*", "/"):
                out[sig[k + 1]] = Tok("word", "TRUE" if nxt.text == "1" else "FALSE")
            elif u == "IFNULL" and nxt.text == "(":
                out[sig[k]] = Tok("word", "COALESCE")
            elif u in ("MAX", "MIN") and nxt.text == "(" and _top_level_commas(out, sig[k + 1]):
                out[sig[k]] = Tok("word", "GREATEST" if u == "MAX" else "LEAST")  # SQLite's scalar max(a, b)
            elif u in ("DATETIME", "DATE", "STRFTIME", "UNIXEPOCH") and nxt.text == "(" and _now_call(out, sig, k):
                pass
            elif u == "VIEW" and sig_at(k - 1).up == "CREATE" and nxt.up == "IF":
                out[sig[k - 1]] = Tok("word", "CREATE OR REPLACE")
                for j in (1, 2, 3):
                    out[sig[k + j]] = Tok("ws", "")
            elif u == "JSON_OBJECT" and nxt.text == "(":
                close = _match_paren(out, sig[k + 1])
                out[sig[k]] = Tok("word", "CAST(json_build_object")
                out[close] = Tok("op", ") AS TEXT)")
            elif u == "JSON_EXTRACT" and nxt.text == "(":
                close = _match_paren(out, sig[k + 1])
                inner = [i for i in sig if sig[k + 1] < i < close]
                path = out[inner[-1]]
                if path.kind != "str" or not path.text.startswith("'$."):
                    raise ValueError("json_extract needs a literal '$.key' path")
                keys = path.text[3:-1].split(".")
                comma = inner[-2]
                out[sig[k]] = Tok("word", "")
                out[sig[k + 1]] = Tok("op", "((")
                out[comma] = Tok("op", ")::json #>> ")
                out[inner[-1]] = Tok("str", "'{" + ",".join(keys) + "}'")
                out[close] = Tok("op", ")")
            elif create_table and not ctas and u in _PG_TYPES and sig_at(k - 1).kind in ("word", "qident"):
                if u in ("INTEGER", "INT") and nxt.up == "PRIMARY" and sig_at(k + 2).up == "KEY":
                    out[sig[k]] = Tok("word", "BIGINT GENERATED BY DEFAULT AS IDENTITY")
                elif u == "TEXT" and not _collated(out, sig, k):
                    # byte order, as SQLite's BINARY: range scans on 'kind:' .. 'kind;' and sorting stay the same
                    out[sig[k]] = Tok("word", 'TEXT COLLATE "C"')
                else:
                    out[sig[k]] = Tok("word", _PG_TYPES[u])
            elif u in ("REAL", "BLOB") and sig_at(k - 1).up == "AS":  # CAST(x AS REAL)
                out[sig[k]] = Tok("word", _PG_TYPES[u])
            elif u == "FROM" and nxt.text == "(" and sig_at(k + 2).up in ("SELECT", "WITH", "VALUES"):
                close = _match_paren(out, sig[k + 1])
                after = next((i for i in sig if i > close), None)
                if after is None or (out[after].kind == "word" and out[after].up in _ALIAS_FOLLOWERS
                                     and out[after].up != "AS") or out[after].text in (")", ";", ","):
                    out[close] = Tok("op", f") AS _sub{k}")
        k += 1

    text = "".join(t.text.replace("%", "%%") if t.kind != "param" else t.text for t in out)
    if conflict_suffix:
        m = re.search(r"\sRETURNING\s", text, re.I)
        text = text[:m.start()] + conflict_suffix + text[m.start():] if m else text.rstrip().rstrip(";") + conflict_suffix
    single_values = first in ("INSERT", "REPLACE") and any(out[i].up == "VALUES" for i in sig) and \
        not any(out[i].up in ("SELECT", "RETURNING") for i in sig)
    return Translation(text, insert_table if single_values else None)


def _collated(toks: list[Tok], sig: list[int], k: int) -> bool:
    """Whether the column definition the type at sig[k] starts names its own COLLATE."""
    depth = 0
    for i in sig[k + 1:]:
        t = toks[i]
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            if depth == 0:
                return False
            depth -= 1
        elif t.text == "," and depth == 0:
            return False
        elif t.up == "COLLATE":
            return True
    return False


def _top_level_commas(toks: list[Tok], open_at: int) -> bool:
    depth = 0
    for j in range(open_at, _match_paren(toks, open_at)):
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
        elif toks[j].text == "," and depth == 1:
            return True
    return False


_NOW_FORMATS = {"DATETIME": "YYYY-MM-DD HH24:MI:SS", "DATE": "YYYY-MM-DD"}


def _now_call(toks: list[Tok], sig: list[int], k: int) -> bool:
    """datetime('now'[, '-15 minutes' ...]), date('now'), strftime('%s', 'now'), unixepoch(): the UTC clock
    as SQLite gives it. Rewrites in place and says whether it did."""
    close = _match_paren(toks, sig[k + 1])
    args = [toks[i] for i in sig if sig[k + 1] < i < close and toks[i].text != ","]
    name = toks[sig[k]].up
    if name == "UNIXEPOCH" and not args:
        text = "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)"
    elif name == "STRFTIME" and [a.text for a in args] == ["'%s'", "'now'"]:
        text = "CAST(CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) AS TEXT)"  # text, as SQLite's strftime
    elif name in _NOW_FORMATS and args and args[0].text.lower() == "'now'" and all(a.kind == "str" for a in args):
        shift = "".join(f" + interval {a.text}" for a in args[1:])
        text = f"to_char((now() AT TIME ZONE 'UTC'){shift}, '{_NOW_FORMATS[name]}')"
    else:
        return False
    for i in range(sig[k], close + 1):
        toks[i] = Tok("ws", "")
    toks[sig[k]] = Tok("word", text)
    return True


def _pragma(toks: list[Tok], sig: list[int]) -> Translation:
    name = toks[sig[1]].up if len(sig) > 1 else ""
    if name == "TABLE_INFO":
        table = next(t.text.strip("'\"") for t in (toks[i] for i in sig[2:]) if t.kind in ("word", "str", "qident"))
        return Translation(
            "SELECT c.ordinal_position - 1 AS cid, c.column_name AS name, upper(c.data_type) AS type, "
            "CASE WHEN c.is_nullable = 'NO' THEN 1 ELSE 0 END AS notnull, c.column_default AS dflt_value, "
            "COALESCE(k.position, 0) AS pk FROM information_schema.columns c LEFT JOIN ("
            "SELECT kcu.column_name, kcu.ordinal_position AS position FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name) "
            "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() "
            f"AND tc.table_name = '{table.lower()}') k USING (column_name) "
            f"WHERE c.table_schema = current_schema() AND c.table_name = '{table.lower()}' ORDER BY c.ordinal_position")
    return Translation("", action="noop")  # tuning PRAGMAs mean nothing to PostgreSQL


_TRIGGER = re.compile(r"CREATE\s+(?:TEMP\w*\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+BEFORE\s+"
                      r"((?:INSERT|UPDATE|DELETE)(?:\s+OR\s+(?:INSERT|UPDATE|DELETE))*)\s+ON\s+(\w+)\s+"
                      r"(?:FOR\s+EACH\s+ROW\s+)?BEGIN\s+SELECT\s+RAISE\s*\(\s*(?:ABORT|FAIL|ROLLBACK)\s*,\s*"
                      r"'((?:[^']|'')*)'\s*\)\s*;?\s*END\s*;?\s*$", re.I | re.S)


def _trigger(toks, sig) -> list[str]:
    """SQLite's refusing trigger (BEFORE ... BEGIN SELECT RAISE(ABORT, 'msg'); END) as PostgreSQL's."""
    sql = "".join(t.text for t in toks)
    m = _TRIGGER.match(sql.strip())
    if not m:
        raise ValueError("only refusing triggers (SELECT RAISE(ABORT, ...)) translate; "
                         "write the PostgreSQL version with dialect.refuse_changes or a fragment here: " + sql[:80])
    name, events, table, msg = m.groups()
    events = [e.upper() for e in re.split(r"\s+OR\s+", events, flags=re.I)]
    return refuse_changes(POSTGRESQL, table, events, msg.replace("''", "'"), name)


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
    """The cursor of a statement PostgreSQL has no use for (tuning PRAGMAs)."""

    rowcount, lastrowid, description = -1, None, None

    def fetchone(self):
        return None

    def fetchall(self):
        return []

    def fetchmany(self, size=None):
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
        self._translated: dict[str, Translation] = {}
        self._identity: dict[str, str] | None = None

    # -- the sqlite3 surface

    def execute(self, sql: str, params: Sequence | None = None):
        tr = self._translate(sql)
        if tr.action == "noop":
            return _Empty()
        if tr.action == "script":
            for part in tr.parts:
                self._run(part, ())
            self._identity = None
            return _Empty()
        sql = tr.sql
        id_col = self._identity_of(tr.insert_table) if tr.insert_table else None
        if id_col:
            sql += f" RETURNING {id_col}"
        cur = self._run(sql, params or ())
        if tr.action == "lock":
            try:
                self._run("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            except BaseException:
                # as SQLite's BEGIN IMMEDIATE, one that fails (busy past lock_timeout) leaves no transaction open
                if self.in_transaction:
                    self._run("ROLLBACK", ())
                raise
        if id_col:
            row = cur.fetchone()
            cur.lastrowid = row[0] if row else None
        if sql.lstrip()[:6].upper() in ("CREATE", "ALTER ", "DROP T"):
            self._identity = None
        return cur

    def executemany(self, sql: str, seq: Iterable[Sequence]):
        tr = self._translate(sql)
        try:
            cur = self._pg.cursor()
            cur.executemany(tr.sql, list(seq))
            return cur
        except Exception as e:
            import psycopg
            if isinstance(e, psycopg.Error):
                raise _error(e) from e
            raise

    def executescript(self, script: str):
        for stmt in split_statements(script):
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
        return [r[1] for r in self.execute(f"PRAGMA table_info({table})")]

    def primary_key(self, table: str) -> list[str]:
        return [r[1] for r in sorted((r for r in self.execute(f"PRAGMA table_info({table})") if r[5]), key=lambda r: r[5])]

    def reset_identity(self, table: str) -> None:
        col = self._identity_of(table)
        if col:
            self._run(f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), "
                      f"COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)", ())

    def setup(self) -> None:
        """The compatibility functions (PG_SETUP); call inside the schema lock."""
        for stmt in PG_SETUP:
            self._run(stmt, ())

    def schema_lock(self) -> None:
        self._run("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))

    # -- inside

    def _translate(self, sql: str) -> Translation:
        tr = self._translated.get(sql)
        if tr is None:
            if len(self._translated) > 4096:  # statements with values written into them: keep the cache bounded
                self._translated.clear()
            # one statement may end in ';' (schema.statements keeps it): PostgreSQL's DO blocks do not take it
            one = sql.rstrip().rstrip(";") if not sql.rstrip().upper().endswith("END;") else sql
            tr = self._translated[sql] = translate(one, self)
        return tr

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
