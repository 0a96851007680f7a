"""The SQLite database: ledgers, import batches with undo, and the aggregates progress reads.

All SQL of the project lives here. Functions take the connection first. One import is one
transaction: a file is stored whole or not at all. Aggregates per unit x measure x day (and month)
are kept up to date at import and undo, so progress never scans the ledgers.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .config import DATA_DIR
from .imports import Parsed
from .ledgers import CHOICE, INT, LEDGERS, NUMBER, Ledger
from .problems import IndicatorsError

DEFAULT_DB = DATA_DIR / "indicators.db"
DB_ENV = "INDICATORS_DB"
SCHEMA_VERSION = 1

_SQL_TYPES = {"date": "TEXT", "int": "INTEGER", "number": "REAL"}


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
    _create(conn)
    return conn


def _ledger_ddl(ledger: Ledger) -> str:
    cols = ", ".join(f"{c.field} {_SQL_TYPES.get(c.type, 'TEXT')}" for c in ledger.columns)
    return (f"CREATE TABLE IF NOT EXISTS {ledger.kind} ({cols}, batch_id INTEGER NOT NULL, "
            f"created_batch INTEGER NOT NULL, PRIMARY KEY ({', '.join(ledger.key)})) WITHOUT ROWID")


def _create(conn: sqlite3.Connection) -> None:
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
    for ledger in LEDGERS.values():
        conn.execute(_ledger_ddl(ledger))
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


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


# ---------------------------------------------------------------- measures kept per unit and day

def _choice_fields(ledger: Ledger) -> list[str]:
    return [c.field for c in ledger.columns if c.type == CHOICE]


def _sum_fields(ledger: Ledger) -> list[str]:
    return [c.field for c in ledger.columns if c.type in (INT, NUMBER)]


def measures_sql(ledger: Ledger) -> str:
    """The measures of one ledger kind, from temp table `grouped` (rows counted per unit, day and
    choice values): row count, count per choice value, sum per number column.

    Measure names: '<kind>:n', '<kind>:n:<field>=<value>', '<kind>:sum:<field>' (progress.measure_name).
    """
    k = ledger.kind
    parts = [f"SELECT unit, date, '{k}:n', SUM(n) FROM grouped GROUP BY unit, date"]
    for f in _choice_fields(ledger):
        parts.append(f"SELECT unit, date, '{k}:n:{f}=' || {f}, SUM(n) FROM grouped WHERE {f} IS NOT NULL "
                     f"GROUP BY unit, date, {f}")
    for f in _sum_fields(ledger):
        parts.append(f"SELECT unit, date, '{k}:sum:{f}', SUM(s_{f}) FROM grouped GROUP BY unit, date")
    return " UNION ALL ".join(parts)


def _refresh_aggregates(conn: sqlite3.Connection, ledger: Ledger) -> None:
    """Recompute the aggregates of the (unit, date) pairs in temp table `touched`.

    One scan of the touched ledger rows (in primary-key order) into a small grouped table, then the
    measures from that; the cost follows the rows touched, not the size of the ledger.
    """
    if ledger.kind == "staff":
        return  # snapshots are read directly: one row per unit and date
    k = ledger.kind
    lo, hi = f"{k}:", f"{k};"
    choices, sums = _choice_fields(ledger), _sum_fields(ledger)
    conn.execute("DROP TABLE IF EXISTS temp.grouped")
    conn.execute(f"CREATE TEMP TABLE grouped AS SELECT t.unit, t.date, {''.join(f't.{f}, ' for f in choices)}COUNT(*) AS n"
                 f"{''.join(f', TOTAL(t.{f}) AS s_{f}' for f in sums)} FROM touched JOIN {k} t USING (unit, date) "
                 f"GROUP BY t.unit, t.date{''.join(f', t.{f}' for f in choices)}")
    conn.execute("DELETE FROM agg_day WHERE (date, unit) IN (SELECT date, unit FROM touched) "
                 "AND measure >= ? AND measure < ?", (lo, hi))
    # in primary-key order, so the B-tree is appended to rather than split at random
    conn.execute(f"INSERT INTO agg_day (unit, date, measure, value) SELECT * FROM ({measures_sql(ledger)}) ORDER BY 2, 1, 3")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched_month (unit TEXT, month TEXT, PRIMARY KEY (month, unit))")
    conn.execute("DELETE FROM touched_month")
    conn.execute("INSERT OR IGNORE INTO touched_month SELECT unit, substr(date, 1, 7) FROM touched")
    conn.execute("DELETE FROM agg_month WHERE (month, unit) IN (SELECT month, unit FROM touched_month) "
                 "AND measure >= ? AND measure < ?", (lo, hi))
    # one pass over the touched date range, not one per month
    conn.execute("INSERT INTO agg_month (month, unit, measure, value) "
                 "SELECT substr(a.date, 1, 7) AS month, a.unit, a.measure, SUM(a.value) FROM agg_day a "
                 "WHERE a.date BETWEEN (SELECT MIN(month) FROM touched_month) || '-01' "
                 "AND (SELECT MAX(month) FROM touched_month) || '-31' "
                 "AND (substr(a.date, 1, 7), a.unit) IN (SELECT month, unit FROM touched_month) "
                 "AND a.measure >= ? AND a.measure < ? GROUP BY 1, 2, 3", (lo, hi))


def _reset_touched(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (unit TEXT, date TEXT, PRIMARY KEY (unit, date))")
    conn.execute("DELETE FROM touched")


# ---------------------------------------------------------------- import

@dataclass
class KindResult:
    kind: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    units: dict[str, int] = field(default_factory=dict)
    period: tuple[str, str] | None = None


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    parsed: Parsed
    batch_id: int | None = None
    already: dict | None = None  # the earlier batch holding the very same file
    kinds: dict[str, KindResult] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.parsed.ok

    @property
    def added(self) -> int:
        return sum(k.added for k in self.kinds.values())

    @property
    def updated(self) -> int:
        return sum(k.updated for k in self.kinds.values())

    @property
    def unchanged(self) -> int:
        return sum(k.unchanged for k in self.kinds.values())

    def summary(self) -> str:
        """One Chinese sentence for the user."""
        name = self.parsed.file
        if not self.ok:
            return f"{name}：发现 {len(self.parsed.problems)} 个问题，未导入任何数据"
        if self.already:
            return f"{name}：该文件已于 {self.already['created'][:16]} 导入（批次 {self.already['id']}），本次未作任何改动"
        verb = "将" if self.dry_run else "已"
        parts = [f"{LEDGERS[k].name} {r.rows} 行（新增 {r.added}、更新 {r.updated}、未变 {r.unchanged}）"
                 for k, r in self.kinds.items()]
        return f"{name}：{verb}导入 " + "；".join(parts)


def _values_differ(ledger: Ledger, a: str, b: str) -> str:
    others = [c.field for c in ledger.columns if c.field not in ledger.key]
    return " OR ".join(f"{a}.{f} IS NOT {b}.{f}" for f in others) or "0"


def _apply(conn: sqlite3.Connection, ledger: Ledger, records: pl.DataFrame, batch_id: int) -> KindResult:
    k = ledger.kind
    fields = [c.field for c in ledger.columns]
    key = list(ledger.key)
    # rows in primary-key order: the B-tree inserts become appends (0.15 s instead of 0.53 s per 100k)
    frame = records.select(fields).with_columns(pl.col("date").dt.to_string("%Y-%m-%d")).sort(key)
    conn.execute(f"DROP TABLE IF EXISTS temp.incoming_{k}")
    conn.execute(f"CREATE TEMP TABLE incoming_{k} AS SELECT {', '.join(fields)} FROM main.{k} WHERE 0")
    conn.executemany(f"INSERT INTO incoming_{k} VALUES ({', '.join('?' * len(fields))})", frame.iter_rows())
    on = " AND ".join(f"m.{f} = i.{f}" for f in key)
    differ = _values_differ(ledger, "m", "i")
    existing = conn.execute(f"SELECT COUNT(*), TOTAL({differ}) FROM incoming_{k} i JOIN main.{k} m ON {on}").fetchone()
    result = KindResult(k, rows=frame.height, updated=int(existing[1]))
    result.added = frame.height - existing[0]
    result.unchanged = existing[0] - result.updated
    others = [f for f in fields if f not in key]
    old = "json_object(" + ", ".join(f"'{f}', m.{f}" for f in others + ["batch_id", "created_batch"]) + ")"
    kcols = ", ".join(f"m.{f}" for f in key) + ", NULL" * (4 - len(key))
    conn.execute(f"INSERT INTO change SELECT ?, '{k}', {kcols}, {old} FROM incoming_{k} i JOIN main.{k} m ON {on} "
                 f"WHERE {differ}", (batch_id,))
    _reset_touched(conn)
    conn.execute(f"INSERT OR IGNORE INTO touched SELECT i.unit, i.date FROM incoming_{k} i "
                 f"LEFT JOIN main.{k} m ON {on} WHERE m.unit IS NULL OR {differ}")
    sets = ", ".join(f"{f} = excluded.{f}" for f in others) + ", batch_id = excluded.batch_id"
    conn.execute(f"INSERT INTO main.{k} ({', '.join(fields)}, batch_id, created_batch) "
                 f"SELECT {', '.join(fields)}, ?, ? FROM incoming_{k} WHERE 1 "
                 f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets} WHERE {_values_differ(ledger, k, 'excluded')}",
                 (batch_id, batch_id))
    _refresh_aggregates(conn, ledger)
    units = frame.group_by("unit").len().sort("unit")
    result.units = dict(zip(units["unit"].to_list(), units["len"].to_list()))
    result.period = (frame["date"].min(), frame["date"].max())
    conn.execute(f"DROP TABLE temp.incoming_{k}")
    return result


def find_batch_by_checksum(conn: sqlite3.Connection, digest: str) -> dict | None:
    row = conn.execute("SELECT * FROM batch WHERE checksum = ? AND undone IS NULL ORDER BY id DESC LIMIT 1",
                       (digest,)).fetchone()
    return dict(row) if row else None


def import_parsed(conn: sqlite3.Connection, parsed: Parsed, *, dry_run: bool = False, demo: bool = False,
                  now: dt.datetime | None = None) -> ImportResult:
    """Store a parsed file as one batch, in one transaction.

    Takes a `Parsed` from imports.parse_file. Returns an ImportResult: nothing is stored when the
    file has problems, when the same file (same checksum) is already imported, or for a dry run
    (which still reports what would be added and updated).
    """
    result = ImportResult(parsed, dry_run=dry_run)
    if not parsed.ok:
        return result
    result.already = find_batch_by_checksum(conn, parsed.checksum)
    if result.already:
        return result
    now = now or dt.datetime.now()
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.execute(
            "INSERT INTO batch (created, file_name, checksum, size, kinds, units, rows, added, updated, unchanged, demo) "
            "VALUES (?, ?, ?, ?, '', '', 0, 0, 0, 0, ?)",
            (now.isoformat(timespec="seconds"), parsed.file, parsed.checksum, len(parsed.data), int(demo)))
        batch_id = cur.lastrowid
        for kind, records in parsed.records.items():
            result.kinds[kind] = _apply(conn, LEDGERS[kind], records, batch_id)
        if dry_run:
            conn.execute("ROLLBACK")
            return result
        stored = _keep_original(conn, parsed)
        units = sorted({u for r in result.kinds.values() for u in r.units})
        periods = [r.period for r in result.kinds.values() if r.period]
        conn.execute(
            "UPDATE batch SET kinds = ?, units = ?, rows = ?, added = ?, updated = ?, unchanged = ?, "
            "period_start = ?, period_end = ?, stored_path = ? WHERE id = ?",
            (",".join(result.kinds), ",".join(units), parsed.rows, result.added, result.updated, result.unchanged,
             min(p[0] for p in periods), max(p[1] for p in periods), stored, batch_id))
        conn.execute("COMMIT")
    except (OSError, sqlite3.OperationalError) as e:  # disk full, folder not writable, database locked
        conn.execute("ROLLBACK")
        raise IndicatorsError(f"保存失败（{getattr(e, 'strerror', None) or e}），本文件未导入任何数据，请稍后重试或联系管理员") from e
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    result.batch_id = batch_id
    return result


def _keep_original(conn: sqlite3.Connection, parsed: Parsed) -> str:
    folder = uploads_dir(conn)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{parsed.checksum}.{parsed.suffix}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(parsed.data)
        tmp.replace(path)
    return path.name


# ---------------------------------------------------------------- batches and undo

def batches(conn: sqlite3.Connection, include_undone: bool = True) -> list[dict]:
    """Every import, newest first."""
    sql = "SELECT * FROM batch" + ("" if include_undone else " WHERE undone IS NULL") + " ORDER BY id DESC"
    return [dict(r) for r in conn.execute(sql)]


def batch(conn: sqlite3.Connection, batch_id: int) -> dict:
    row = conn.execute("SELECT * FROM batch WHERE id = ?", (batch_id,)).fetchone()
    if row is None:
        raise IndicatorsError(f"没有编号为 {batch_id} 的导入批次")
    return dict(row)


def original_file(conn: sqlite3.Connection, batch_id: int) -> Path:
    b = batch(conn, batch_id)
    path = uploads_dir(conn) / (b["stored_path"] or "")
    if not b["stored_path"] or not path.exists():
        raise IndicatorsError(f"批次 {batch_id} 的原始文件已不在存储目录中")
    return path


def undo_blockers(conn: sqlite3.Connection, batch_id: int) -> list[int]:
    """Later batches that changed rows this batch wrote: they must be undone first."""
    later: set[int] = set()
    for ledger in LEDGERS.values():
        k = ledger.kind
        later |= {r[0] for r in conn.execute(f"SELECT DISTINCT batch_id FROM {k} WHERE created_batch = ? AND batch_id != ?",
                                             (batch_id, batch_id))}
        on = " AND ".join(f"c.k{i + 1} = t.{f}" for i, f in enumerate(ledger.key))
        later |= {r[0] for r in conn.execute(
            f"SELECT DISTINCT t.batch_id FROM change c JOIN {k} t ON {on} WHERE c.batch_id = ? AND c.kind = ? "
            f"AND t.batch_id != ?", (batch_id, k, batch_id))}
    return sorted(later)


def _check_undoable(conn: sqlite3.Connection, batch_id: int) -> dict:
    b = batch(conn, batch_id)
    if b["undone"]:
        raise IndicatorsError(f"批次 {batch_id}（{b['file_name']}）已于 {b['undone'][:16]} 撤销过")
    blockers = undo_blockers(conn, batch_id)
    if blockers:
        raise IndicatorsError(f"批次 {batch_id} 导入的部分行已被其后的批次 {'、'.join(map(str, blockers))} 修改，请先撤销这些批次")
    return b


def _undo_rows(conn: sqlite3.Connection, batch_id: int) -> None:
    for ledger in LEDGERS.values():
        k = ledger.kind
        _reset_touched(conn)
        conn.execute(f"INSERT OR IGNORE INTO touched SELECT unit, date FROM {k} WHERE created_batch = ?", (batch_id,))
        conn.execute(f"DELETE FROM {k} WHERE created_batch = ?", (batch_id,))
        others = [c.field for c in ledger.columns if c.field not in ledger.key] + ["batch_id", "created_batch"]
        on = " AND ".join(f"c.k{i + 1} = {k}.{f}" for i, f in enumerate(ledger.key))
        sets = ", ".join(f"{f} = json_extract(c.old, '$.{f}')" for f in others)
        # every ledger key starts with (unit, date), so k1, k2 name the day to recompute
        conn.execute("INSERT OR IGNORE INTO touched SELECT k1, k2 FROM change WHERE batch_id = ? AND kind = ?",
                     (batch_id, k))
        conn.execute(f"UPDATE {k} SET {sets} FROM change c WHERE c.batch_id = ? AND c.kind = ? AND {on}", (batch_id, k))
        _refresh_aggregates(conn, ledger)


def undo(conn: sqlite3.Connection, batch_id: int, now: dt.datetime | None = None) -> dict:
    """Undo one import: remove the rows it added and restore the rows it updated, in one transaction.

    Returns the batch record. Raises IndicatorsError when the batch does not exist, is already
    undone, or later imports changed the same rows (those must be undone first).
    """
    _check_undoable(conn, batch_id)
    with transaction(conn):
        _undo_rows(conn, batch_id)
        conn.execute("DELETE FROM change WHERE batch_id = ?", (batch_id,))
        conn.execute("UPDATE batch SET undone = ? WHERE id = ?",
                     ((now or dt.datetime.now()).isoformat(timespec="seconds"), batch_id))
    return batch(conn, batch_id)


@contextmanager
def as_if_undone(conn: sqlite3.Connection, batch_id: int):
    """Inside the block the database reads as if `batch_id` were undone; nothing is kept afterwards.

    For the confirmation that says which figures an undo will change. Raises IndicatorsError like `undo`.
    """
    _check_undoable(conn, batch_id)
    conn.execute("BEGIN IMMEDIATE")
    try:
        _undo_rows(conn, batch_id)
        conn.execute("UPDATE batch SET undone = 'preview' WHERE id = ?", (batch_id,))
        yield conn
    finally:
        conn.execute("ROLLBACK")


def data_version(conn: sqlite3.Connection) -> str:
    """Changes whenever an import is added or undone: stamps exports and keys caches."""
    row = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0), COUNT(undone) FROM batch").fetchone()
    return f"v{row[1]}.{row[2]}"


def has_data(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM batch WHERE undone IS NULL LIMIT 1").fetchone() is not None


def showing_demo(conn: sqlite3.Connection) -> bool:
    """True while any active batch is demo data: every page says so."""
    return conn.execute("SELECT 1 FROM batch WHERE demo = 1 AND undone IS NULL LIMIT 1").fetchone() is not None


# ---------------------------------------------------------------- reads for progress and pages

def measure_totals(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[tuple[str, str], float]:
    """{(unit, measure): total} over [start, end], from whole months plus the days at either edge."""
    first_full = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after = end + dt.timedelta(days=1)
    last_full_end = after.replace(day=1) - dt.timedelta(days=1) if after.day != 1 else end
    out: dict[tuple[str, str], float] = {}
    if first_full <= last_full_end:
        rows = conn.execute("SELECT unit, measure, SUM(value) FROM agg_month WHERE month BETWEEN ? AND ? GROUP BY unit, measure",
                            (first_full.isoformat()[:7], last_full_end.isoformat()[:7]))
        for u, m, v in rows:
            out[(u, m)] = out.get((u, m), 0) + v
        ranges = [(start, first_full - dt.timedelta(days=1)), (last_full_end + dt.timedelta(days=1), end)]
    else:
        ranges = [(start, end)]
    for lo, hi in ranges:
        if lo > hi:
            continue
        for u, m, v in conn.execute("SELECT unit, measure, SUM(value) FROM agg_day WHERE date BETWEEN ? AND ? "
                                    "GROUP BY unit, measure", (lo.isoformat(), hi.isoformat())):
            out[(u, m)] = out.get((u, m), 0) + v
    return out


def latest_snapshots(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[str, dict]:
    """Each unit's latest 执法人员统计表 row dated inside [start, end]."""
    rows = conn.execute("SELECT s.* FROM staff s JOIN (SELECT unit, MAX(date) AS date FROM staff WHERE date BETWEEN ? AND ? "
                        "GROUP BY unit) l USING (unit, date)", (start.isoformat(), end.isoformat()))
    return {r["unit"]: dict(r) for r in rows}


def staff_rows_by_unit(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[str, int]:
    """统计表 rows dated in [start, end], per unit."""
    return dict(conn.execute("SELECT unit, COUNT(*) FROM staff WHERE date BETWEEN ? AND ? GROUP BY unit",
                             (start.isoformat(), end.isoformat())).fetchall())


def ledger_frame(conn: sqlite3.Connection, kind: str, start: dt.date, end: dt.date, unit: str | None = None,
                 limit: int | None = None) -> list[dict]:
    """Ledger rows of one kind in a period (for pages and exports; bounded by `limit`)."""
    sql = f"SELECT * FROM {kind} WHERE date BETWEEN ? AND ?" + (" AND unit = ?" if unit else "") + " ORDER BY date, unit"
    if limit:
        sql += f" LIMIT {int(limit)}"
    args = (start.isoformat(), end.isoformat()) + ((unit,) if unit else ())
    return [dict(r) for r in conn.execute(sql, args)]


def target_overrides(conn: sqlite3.Connection, year: int) -> dict[str, dict]:
    return {r["code"]: dict(r) for r in conn.execute("SELECT * FROM target WHERE year = ?", (year,))}


def save_targets(conn: sqlite3.Connection, year: int, rows: list[dict]) -> None:
    """Store edited targets and weights for a year (the page validates before calling)."""
    with transaction(conn):
        conn.execute("DELETE FROM target WHERE year = ?", (year,))
        conn.executemany("INSERT INTO target (year, code, target, weight) VALUES (?, ?, ?, ?)",
                         [(year, r["code"], r.get("target"), r.get("weight")) for r in rows])
