"""Storing a parsed file as one batch: rows added, updated or unchanged, the old values kept for undo,
the original file kept by checksum.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from ..imports import Parsed
from ..ledgers import LEDGERS, Ledger
from ..problems import IndicatorsError
from .aggregates import refresh_aggregates, reset_touched
from .connection import Connection, uploads_dir
from .dialect import OperationalError, upsert, upsert_params


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
    return " OR ".join(f"{a}.{f} IS NOT {b}.{f}" for f in others) or "1 = 0"  # a boolean on PostgreSQL too


def _apply(conn: Connection, ledger: Ledger, records: pl.DataFrame, batch_id: int) -> KindResult:
    k = ledger.kind
    fields = [c.field for c in ledger.columns]
    key = list(ledger.key)
    # rows in primary-key order: the B-tree inserts become appends (0.15 s instead of 0.53 s per 100k)
    frame = records.select(fields).with_columns(pl.col("date").dt.to_string("%Y-%m-%d")).sort(key)
    conn.execute(f"DROP TABLE IF EXISTS temp.incoming_{k}")
    conn.execute(f"CREATE TEMP TABLE incoming_{k} AS SELECT {', '.join(fields)} FROM main.{k} WHERE 0")
    conn.insert_rows(f"incoming_{k}", fields, frame)  # COPY on PostgreSQL
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
    reset_touched(conn)
    conn.execute(f"INSERT OR IGNORE INTO touched SELECT i.unit, i.date FROM incoming_{k} i "
                 f"LEFT JOIN main.{k} m ON {on} WHERE m.unit IS NULL OR {differ}")
    # new rows get this batch as batch_id and created_batch; changed rows this batch as batch_id
    statements = upsert(conn, k, f"incoming_{k}", key, others, ["batch_id", "created_batch"], ["batch_id"])
    for sql, params in zip(statements, upsert_params(statements, (batch_id, batch_id), (batch_id,))):
        conn.execute(sql, params)
    refresh_aggregates(conn, ledger)
    units = frame.group_by("unit").len().sort("unit")
    result.units = dict(zip(units["unit"].to_list(), units["len"].to_list()))
    result.period = (frame["date"].min(), frame["date"].max())
    conn.execute(f"DROP TABLE temp.incoming_{k}")
    return result


def find_batch_by_checksum(conn: Connection, digest: str) -> dict | None:
    row = conn.execute("SELECT * FROM batch WHERE checksum = ? AND undone IS NULL ORDER BY id DESC LIMIT 1",
                       (digest,)).fetchone()
    return dict(row) if row else None


def import_parsed(conn: Connection, parsed: Parsed, *, dry_run: bool = False, demo: bool = False,
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
    conn.execute("BEGIN IMMEDIATE")  # the one writer: on PostgreSQL an advisory lock (dialect.py says why)
    try:
        # again, now that no other import can run: the same file sent twice at once is one batch
        result.already = find_batch_by_checksum(conn, parsed.checksum)
        if result.already:
            conn.execute("ROLLBACK")
            return result
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
    except (OSError, OperationalError) as e:  # disk full, folder not writable, database locked
        conn.execute("ROLLBACK")
        raise IndicatorsError(f"保存失败（{getattr(e, 'strerror', None) or e}），本文件未导入任何数据，请稍后重试或联系管理员") from e
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    result.batch_id = batch_id
    return result


def _keep_original(conn: Connection, parsed: Parsed) -> str:
    folder = uploads_dir(conn)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{parsed.checksum}.{parsed.suffix}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(parsed.data)
        tmp.replace(path)
    return path.name


