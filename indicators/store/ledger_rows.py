"""Storing a parsed file as one batch: rows added, updated or unchanged, the old values kept for undo,
the original file kept by checksum.

SQL only: who may import which rows, the reporting cycle's locks and the audit entry are the rules
of indicators/importing.py, which runs them and this module's `write_batch` in one transaction.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ..ledgers import LEDGERS, Ledger
from ..problems import IndicatorsError
from . import originals
from .aggregates import add_to_aggregates, aggregate_frames
from .connection import Connection, checkpoint, transaction
from .dialect import POSTGRESQL, Error, bulk_write, json_text, stage_name, stage_order, stage_pg, unstage_pg

if TYPE_CHECKING:
    from ..imports import Parsed


@dataclass
class KindResult:
    kind: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    units: dict[str, int] = field(default_factory=dict)
    period: tuple[str, str] | None = None


def _values_differ(ledger: Ledger, a: str, b: str) -> str:
    others = [c.field for c in ledger.columns if c.field not in ledger.key]
    return " OR ".join(f"{a}.{f} IS DISTINCT FROM {b}.{f}" for f in others) or "1 = 0"  # a boolean on PostgreSQL too


def _apply(conn: Connection, ledger: Ledger, frame: pl.DataFrame, batch_id: int, stage) -> KindResult:
    k = ledger.kind
    fields = [c.field for c in ledger.columns]
    cols = ", ".join(fields)
    result = KindResult(k, rows=frame.height, added=frame.height)
    staged = {"day": stage_name(conn, f"day_{k}"), "month": stage_name(conn, f"month_{k}")}
    rows, order = stage_name(conn, f"rows_{k}"), stage_order(conn)
    spans = frame.group_by("unit").agg(pl.len(), pl.col("date").min().alias("lo"), pl.col("date").max().alias("hi"))
    spans = spans.sort("unit")
    result.units = dict(zip(spans["unit"].to_list(), spans["len"].to_list()))
    result.period = (spans["lo"].min(), spans["hi"].max())
    if not _shares_days(conn, k, spans):
        # no stored row of these units within the days the file spans (an empty ledger, or a file of new
        # days): every row is new, so no comparison, no change rows, no conflict to check, and no
        # aggregate row of these days either (they follow the rows)
        if conn.dialect == POSTGRESQL:  # straight into the ledger and agg_day by COPY, no temp table between
            conn.insert_rows(k, [*fields, "batch_id", "created_batch"],
                             frame.with_columns(batch_id=pl.lit(batch_id), created_batch=pl.lit(batch_id)), analyze=False)
            if k != "staff":
                conn.insert_rows("agg_day", ["date", "unit", "measure", "value"], stage.frame(f"day_{k}"),
                                 analyze=False)
                stage.stage(conn, f"month_{k}")
            add_to_aggregates(conn, ledger, staged, days=False)
        else:
            conn.execute(f"INSERT INTO {k} ({cols}, batch_id, created_batch) "
                         f"SELECT {cols}, ?, ? FROM {rows} {order}", (batch_id, batch_id))
            add_to_aggregates(conn, ledger, staged, new_days=True)
    else:
        if conn.dialect == POSTGRESQL:
            stage.stage(conn, f"rows_{k}", *([] if k == "staff" else [f"day_{k}", f"month_{k}"]))
        _merge(conn, ledger, frame.height, batch_id, result, staged)
    return result


def _shares_days(conn: Connection, kind: str, spans: pl.DataFrame) -> bool:
    """Whether the ledger holds a row of one of the file's units dated within the days that unit's rows
    span: one primary-key range probe per unit (the key starts with unit, date)."""
    return any(conn.execute(f"SELECT 1 FROM {kind} WHERE unit = ? AND date BETWEEN ? AND ? LIMIT 1",
                            (unit, lo, hi)).fetchone() is not None
               for unit, lo, hi in spans.select("unit", "lo", "hi").iter_rows())


def _merge(conn: Connection, ledger: Ledger, rows: int, batch_id: int, result: KindResult,
           staged: dict[str, str]) -> None:
    """Rows into a ledger that holds some of the same days: compared by identity, old values kept for undo.

    The new identities go in first, in one pass that probes the primary key once per incoming row
    (ON CONFLICT DO NOTHING); the rows it left out are the known identities. Only when there are
    some (a re-import, a correction) are they joined with the stored rows, once, into the temp table known
    (old values, new values, whether they differ), from which come the counts, the change rows for
    undo, the old values the aggregates subtract, and the update of the rows that differ.
    """
    k = ledger.kind
    fields = [c.field for c in ledger.columns]
    key = list(ledger.key)
    others = [f for f in fields if f not in key]
    cols = ", ".join(fields)
    staged_rows, order = stage_name(conn, f"rows_{k}"), stage_order(conn)
    cur = conn.execute(f"INSERT INTO {k} ({cols}, batch_id, created_batch) SELECT {cols}, ?, ? "
                       f"FROM {staged_rows} {order} ON CONFLICT ({', '.join(key)}) DO NOTHING", (batch_id, batch_id))
    result.added = cur.rowcount
    existing = rows - result.added
    if not existing:
        add_to_aggregates(conn, ledger, staged)
        return
    on = " AND ".join(f"m.{f} = i.{f}" for f in key)
    new = "".join(f", i.{f} AS new_{f}" for f in others)
    conn.execute("DROP TABLE IF EXISTS known")
    # the batch id written into the statement: PostgreSQL takes no parameters in CREATE TABLE AS
    conn.execute(f"CREATE TEMP TABLE known AS SELECT {', '.join(f'm.{f}' for f in fields)}, m.batch_id, m.created_batch"
                 f"{new}, CASE WHEN {_values_differ(ledger, 'm', 'i')} THEN 1 ELSE 0 END AS differs "
                 f"FROM {staged_rows} i JOIN {k} m ON {on} WHERE m.created_batch <> {int(batch_id)}")
    updated = conn.execute("SELECT COALESCE(SUM(differs), 0) FROM known").fetchone()[0]
    result.updated = int(updated)
    result.unchanged = existing - result.updated
    if result.updated:
        old = json_text(conn.dialect, others + ["batch_id", "created_batch"])
        kcols = ", ".join(key) + ", NULL" * (4 - len(key))
        conn.execute(f"INSERT INTO change SELECT ?, '{k}', {kcols}, {old} FROM known WHERE differs = 1",
                     (batch_id,))
    # the stored values of the known identities are subtracted, the whole file's added
    add_to_aggregates(conn, ledger, staged, "FROM known m")
    if result.updated:
        sets = ", ".join(f"{f} = excluded.{f}" for f in others) + ", batch_id = excluded.batch_id"
        conn.execute(f"INSERT INTO {k} ({', '.join(key + others)}, batch_id, created_batch) SELECT "
                     f"{', '.join(key + [f'new_{f}' for f in others])}, ?, created_batch FROM known "
                     f"WHERE differs = 1 ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}", (batch_id,))
    conn.execute("DROP TABLE known")


def _incoming(ledger: Ledger, records: pl.DataFrame) -> pl.DataFrame:
    """The ledger fields, dates as text, in primary-key order: the B-tree inserts become appends
    (0.15 s instead of 0.53 s per 100k)."""
    # sorted while the date is still a date (ISO text sorts the same): cheaper than sorting text
    return records.select(c.field for c in ledger.columns).sort(list(ledger.key)).with_columns(
        pl.col("date").dt.to_string("%Y-%m-%d"))


def _stage(conn: Connection, parsed: Parsed) -> tuple[dict[str, pl.DataFrame], str]:
    """Write a file's rows, and what they add to the aggregates, to a scratch database attached as
    `stage` (before the transaction: SQLite attaches outside one). Returns (frames per kind, its path).

    The scratch tables are written from Arrow by the ADBC SQLite driver when it is installed (0.07 s
    for 100k rows, against 0.24 s for `executemany` from Python tuples), else by `executemany`. The
    scratch database is no part of the import: the transaction copies from it, and it is deleted after.
    The aggregates are computed in a thread while the rows are written (polars, the ADBC driver and
    psycopg's COPY all release the GIL), and written after them.
    """
    frames = {kind: _incoming(LEDGERS[kind], records) for kind, records in parsed.records.items()}
    # from the parsed records (dates still dates, cheaper to group than text), while this thread writes
    # the rows (started after the sort: both at once held ~20 MB more at the peak, for no time gained)
    aggregates = _Background(lambda: {f"{t}_{kind}": f for kind, records in parsed.records.items()
                                      for t, f in aggregate_frames(LEDGERS[kind], records).items()})

    def tables():
        yield from ((f"rows_{kind}", frame) for kind, frame in frames.items())
        yield from aggregates.result().items()

    if conn.dialect == POSTGRESQL:  # no file to attach: copied inside the transaction, where and when needed
        return frames, _PGStage(frames, aggregates)
    try:
        fd, path = tempfile.mkstemp(prefix="indicators-stage-", suffix=".db")
        os.close(fd)
    except OSError as e:  # no room or no right to write in the temp folder
        aggregates.join()
        raise _not_saved(e) from e
    try:
        _write_tables(path, tables())
        conn.execute("ATTACH DATABASE ? AS stage", (path,))
    except (OSError, Error) as e:
        aggregates.join()
        Path(path).unlink(missing_ok=True)
        raise _not_saved(e) from e
    except BaseException:
        aggregates.join()
        Path(path).unlink(missing_ok=True)
        raise
    return frames, path


class _PGStage:
    """PostgreSQL: an import's frames, copied inside its transaction where each is needed. Rows of new
    days go straight into the ledger and agg_day (`frame`); temp tables stage_<name> by COPY
    (dialect.stage_pg) only for what SQL must join or upsert (`stage`). Temp tables made inside the
    transaction go with its rollback; `names` are dropped after it."""

    def __init__(self, frames: dict[str, pl.DataFrame], aggregates: "_Background"):
        self.frames, self.aggregates, self.names = frames, aggregates, []

    def frame(self, name: str) -> pl.DataFrame:
        what, kind = name.split("_", 1)
        return self.frames[kind] if what == "rows" else self.aggregates.result()[name]

    def stage(self, conn: Connection, *names: str) -> None:
        for name in names:
            self.names.append(name)
            # the planner needs the row counts only where the staged rows are joined with the ledger
            stage_pg(conn, [(name, self.frame(name))], analyze=name.startswith("rows_"))


class _Background(threading.Thread):
    """fn() run in a thread; `result()` waits for it and returns its value or raises its error."""

    def __init__(self, fn):
        super().__init__(daemon=True, name="import aggregates")
        self._fn, self._value, self._error = fn, None, None
        self.start()

    def run(self):
        try:
            self._value = self._fn()
        except BaseException as e:  # handed to the caller by result()
            self._error = e

    def result(self):
        self.join()
        if self._error is not None:
            raise self._error
        return self._value


# The scratch database is thrown away after the import: it needs no journal and no fsync (which, on a
# busy disk, cost more than writing it).
_SCRATCH_PRAGMAS = ("PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF")


def _write_tables(path: str, tables) -> None:
    """(name, frame) pairs of `tables` (an iterable) as tables of the scratch file at `path`."""
    try:  # the driver's low-level API: its DB-API module imports pandas and pyarrow.dataset (0.5 s)
        import adbc_driver_manager as adbc
        import adbc_driver_sqlite
    except ImportError:
        adbc = None
    if adbc is not None:
        try:
            with adbc_driver_sqlite.connect(path) as db, adbc.AdbcConnection(db) as scratch:
                for pragma in _SCRATCH_PRAGMAS:
                    with adbc.AdbcStatement(scratch) as st:
                        st.set_sql_query(pragma)
                        st.execute_update()
                for name, frame in tables:
                    with adbc.AdbcStatement(scratch) as st:
                        st.set_options(**{adbc.INGEST_OPTION_TARGET_TABLE: name,
                                          adbc.INGEST_OPTION_MODE: adbc.INGEST_OPTION_MODE_CREATE})
                        st.bind_stream(frame.__arrow_c_stream__())  # Arrow C stream: no pyarrow, no Python per row
                        st.execute_update()
        except adbc.Error as e:  # the scratch file could not be written (disk full): said like any save failure
            raise OSError(str(e).splitlines()[0]) from e
        return
    scratch = sqlite3.connect(path)
    try:
        for pragma in _SCRATCH_PRAGMAS:
            scratch.execute(pragma)
        for name, frame in tables:
            scratch.execute(f"CREATE TABLE {name} ({', '.join(frame.columns)})")
            scratch.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * frame.width)})", frame.iter_rows())
        scratch.commit()
    finally:
        scratch.close()


def _unstage(conn: Connection, path) -> None:
    if conn.dialect == POSTGRESQL:
        path.aggregates.join()
        unstage_pg(conn, path.names)
        return
    conn.execute("DETACH DATABASE stage")
    Path(path).unlink(missing_ok=True)


def find_batch_by_checksum(conn: Connection, digest: str) -> dict | None:
    row = conn.execute("SELECT * FROM batch WHERE checksum = ? AND undone IS NULL ORDER BY id DESC LIMIT 1",
                       (digest,)).fetchone()
    return dict(row) if row else None


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it rolls back everything it did."""


class BatchWrite:
    """One file being stored as one batch, inside the transaction `write_batch` holds."""

    def __init__(self, conn: Connection, parsed: Parsed, frames: dict[str, pl.DataFrame], staged):
        self.conn, self.parsed, self.frames, self.staged = conn, parsed, frames, staged
        self.batch_id: int | None = None
        self.kinds: dict[str, KindResult] = {}
        self.part: Path | None = None
        self.kept = self.dry_run = False

    def earlier(self) -> dict | None:
        """The batch already holding this very file (looked up inside the write transaction, so that
        two imports of one file at once make exactly one batch)."""
        return find_batch_by_checksum(self.conn, self.parsed.checksum)

    def add(self, *, now: dt.datetime, demo: bool, login: str, user_name: str) -> dict[str, KindResult]:
        """The batch record and every ledger's rows (added, updated, unchanged; old values kept for undo)."""
        p = self.parsed
        cur = self.conn.execute(
            "INSERT INTO batch (created, file_name, checksum, size, kinds, units, rows, added, updated, unchanged, demo, "
            "login, user_name) VALUES (?, ?, ?, ?, '', '', 0, 0, 0, 0, ?, ?, ?) RETURNING id",
            (now.isoformat(timespec="seconds"), p.file, p.checksum, len(p.data), int(demo), login, user_name))
        self.batch_id = cur.fetchall()[0][0]  # read to its end: the statement is then done
        for kind, frame in self.frames.items():
            self.kinds[kind] = _apply(self.conn, LEDGERS[kind], frame, self.batch_id, self.staged)
        return self.kinds

    def roll_back(self) -> None:
        """A dry run: everything written is rolled back when the block ends."""
        self.dry_run = True

    def keep(self) -> list[str]:
        """The original kept (as a part file, named after COMMIT) and the batch record completed with
        its counts, units and period. Returns the units the file holds."""
        conn, p, kinds = self.conn, self.parsed, self.kinds.values()
        originals.sweep(conn)
        self.part = originals.write_part(conn, p.checksum, p.suffix, p.data)
        units = sorted({u for r in kinds for u in r.units})
        periods = [r.period for r in kinds if r.period]
        conn.execute(
            "UPDATE batch SET kinds = ?, units = ?, rows = ?, added = ?, updated = ?, unchanged = ?, "
            "period_start = ?, period_end = ?, stored_path = ? WHERE id = ?",
            (",".join(self.kinds), ",".join(units), p.rows, sum(r.added for r in kinds), sum(r.updated for r in kinds),
             sum(r.unchanged for r in kinds), min(x[0] for x in periods), max(x[1] for x in periods),
             originals.final_name(p.checksum, p.suffix), self.batch_id))
        self.kept = True
        return units


@contextmanager
def write_batch(conn: Connection, parsed: Parsed):
    """One write transaction storing `parsed` (a file without problems) as one batch: yields a BatchWrite.

    The rows are staged before the transaction (SQLite attaches only outside one) and dropped after
    it. The block rolls back whatever it raises; after `roll_back()` it rolls back at its end. After
    `keep()` the original, written before COMMIT, takes its final name after it (store/originals.py
    says why), and the WAL is folded in the background. Raises IndicatorsError, storing nothing,
    when the database is busy past the wait, read-only, or the disk is full at any step, COMMIT
    included; the database is then as it was and no original or part file is left behind.
    """
    frames, staged = _stage(conn, parsed)
    write = BatchWrite(conn, parsed, frames, staged)
    bulk_write(conn, True)  # the COMMIT writes the WAL only; the fold into the database follows in the background
    try:
        with transaction(conn):
            yield write
            if write.dry_run:
                raise _DryRun
    except _DryRun:
        return
    except BaseException:
        originals.discard(write.part)  # COMMIT (or anything before it) failed: no original without its batch
        raise
    finally:
        bulk_write(conn, False)
        _unstage(conn, staged)
    if write.kept:
        originals.publish(write.part)
        checkpoint(conn, background=True)


def _not_saved(e: Exception) -> IndicatorsError:
    return IndicatorsError(f"保存失败（{getattr(e, 'strerror', None) or e}），本文件未导入任何数据，请稍后重试或联系管理员")


