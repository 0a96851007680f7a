"""The import history: batches, their originals, undo and its preview, the data version."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

from ..ledgers import LEDGERS
from ..problems import IndicatorsError
from .aggregates import refresh_aggregates, reset_touched
from .connection import Connection, transaction, uploads_dir
from .dialect import json_field
from .schema import column_types


def batches(conn: Connection, include_undone: bool = True) -> list[dict]:
    """Every import, newest first."""
    sql = "SELECT * FROM batch" + ("" if include_undone else " WHERE undone IS NULL") + " ORDER BY id DESC"
    return [dict(r) for r in conn.execute(sql)]


def batch(conn: Connection, batch_id: int) -> dict:
    row = conn.execute("SELECT * FROM batch WHERE id = ?", (batch_id,)).fetchone()
    if row is None:
        raise IndicatorsError(f"没有编号为 {batch_id} 的导入批次")
    return dict(row)


def original_file(conn: Connection, batch_id: int) -> Path:
    b = batch(conn, batch_id)
    path = uploads_dir(conn) / (b["stored_path"] or "")
    if not b["stored_path"] or not path.exists():
        raise IndicatorsError(f"批次 {batch_id} 的原始文件已不在存储目录中")
    return path


def undo_blockers(conn: Connection, batch_id: int) -> list[int]:
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


def _check_undoable(conn: Connection, batch_id: int) -> dict:
    b = batch(conn, batch_id)
    if b["undone"]:
        raise IndicatorsError(f"批次 {batch_id}（{b['file_name']}）已于 {b['undone'][:16]} 撤销过")
    blockers = undo_blockers(conn, batch_id)
    if blockers:
        raise IndicatorsError(f"批次 {batch_id} 导入的部分行已被其后的批次 {'、'.join(map(str, blockers))} 修改，请先撤销这些批次")
    return b


def _undo_rows(conn: Connection, batch_id: int) -> None:
    for ledger in LEDGERS.values():
        k = ledger.kind
        reset_touched(conn)
        conn.execute(f"INSERT OR IGNORE INTO touched SELECT unit, date FROM {k} WHERE created_batch = ?", (batch_id,))
        conn.execute(f"DELETE FROM {k} WHERE created_batch = ?", (batch_id,))
        others = [c.field for c in ledger.columns if c.field not in ledger.key] + ["batch_id", "created_batch"]
        on = " AND ".join(f"c.k{i + 1} = {k}.{f}" for i, f in enumerate(ledger.key))
        types = column_types(ledger)
        sets = ", ".join(f"{f} = {json_field(conn.dialect, 'c.old', f, types[f])}" for f in others)
        # every ledger key starts with (unit, date), so k1, k2 name the day to recompute
        conn.execute("INSERT OR IGNORE INTO touched SELECT k1, k2 FROM change WHERE batch_id = ? AND kind = ?",
                     (batch_id, k))
        conn.execute(f"UPDATE {k} SET {sets} FROM change c WHERE c.batch_id = ? AND c.kind = ? AND {on}", (batch_id, k))
        refresh_aggregates(conn, ledger)


def undo(conn: Connection, batch_id: int, now: dt.datetime | None = None) -> dict:
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
def as_if_undone(conn: Connection, batch_id: int):
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


def data_version(conn: Connection) -> str:
    """Changes whenever an import is added or undone: stamps exports and keys caches."""
    row = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0), COUNT(undone) FROM batch").fetchone()
    return f"v{row[1]}.{row[2]}"


def has_data(conn: Connection) -> bool:
    return conn.execute("SELECT 1 FROM batch WHERE undone IS NULL LIMIT 1").fetchone() is not None


def showing_demo(conn: Connection) -> bool:
    """True while any active batch is demo data: every page says so."""
    return conn.execute("SELECT 1 FROM batch WHERE demo = 1 AND undone IS NULL LIMIT 1").fetchone() is not None


