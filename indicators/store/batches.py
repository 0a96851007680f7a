"""The import history: batches, their originals, the rows an undo changes and the undo itself, the
data version.

SQL only: who may undo which batch, the cycle's locks and the audit entry are the rules of
indicators/importing.py, which runs them and `undo_batch` in one transaction.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from ..ledgers import LEDGERS
from ..problems import IndicatorsError
from . import entry
from . import originals
from .aggregates import refresh_aggregates, reset_touched
from .connection import Connection, rollback, store_error
from .dialect import Error, json_field
from .schema import column_types


def created_label(b: dict) -> str:
    """When a batch was imported, as people read it: 2025-07-01 09:30 (stored as ISO, with a T)."""
    return str(b["created"]).replace("T", " ")[:16]


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
    path = originals.recover(conn, b["stored_path"]) if b["stored_path"] else None
    if path is None or not path.exists():
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
    later |= set(entry.removed_blockers(conn, batch_id))  # a row a correction renamed, stored again since
    return sorted(later)


def batch_units(b: dict) -> list[str]:
    return [u for u in (b["units"] or "").split(",") if u]


def undo_rows(conn: Connection, batch_id: int) -> None:
    """The ledger rows as they were before `batch_id`, with their aggregates."""
    for ledger in LEDGERS.values():
        k = ledger.kind
        reset_touched(conn)
        conn.execute(f"INSERT INTO touched SELECT unit, date FROM {k} WHERE created_batch = ? ON CONFLICT DO NOTHING",
                     (batch_id,))
        conn.execute(f"DELETE FROM {k} WHERE created_batch = ?", (batch_id,))
        others = [c.field for c in ledger.columns if c.field not in ledger.key] + ["batch_id", "created_batch"]
        on = " AND ".join(f"c.k{i + 1} = {k}.{f}" for i, f in enumerate(ledger.key))
        types = column_types(ledger)
        sets = ", ".join(f"{f} = {json_field(conn.dialect, 'c.old', f, types[f])}" for f in others)
        # every ledger key starts with (unit, date), so k1, k2 name the day to recompute
        conn.execute("INSERT INTO touched SELECT k1, k2 FROM change WHERE batch_id = ? AND kind = ? ON CONFLICT DO NOTHING",
                     (batch_id, k))
        conn.execute(f"UPDATE {k} SET {sets} FROM change c WHERE c.batch_id = ? AND c.kind = ? AND {on}", (batch_id, k))
        refresh_aggregates(conn, ledger)
    entry.restore_removed(conn, batch_id)  # a correction that changed a row's identity: the old row back


def undo_batch(conn: Connection, batch_id: int, undone: str, login: str | None) -> None:
    """Remove the rows `batch_id` added, restore those it updated (their aggregates recomputed), and
    mark it undone at `undone` (ISO time) by `login`. The caller holds the write transaction."""
    undo_rows(conn, batch_id)
    conn.execute("DELETE FROM change WHERE batch_id = ?", (batch_id,))
    conn.execute("UPDATE batch SET undone = ?, undone_by = ? WHERE id = ?", (undone, login, batch_id))


def preview_undo(conn: Connection, batch_id: int) -> None:
    """The rows and aggregates as `undo_batch` would leave them, the batch marked 'preview': inside
    `rolled_back`, for reading only."""
    try:
        undo_rows(conn, batch_id)
        conn.execute("UPDATE batch SET undone = 'preview' WHERE id = ?", (batch_id,))
    except Error as e:
        raise store_error(e) from e


@contextmanager
def rolled_back(conn: Connection):
    """A write transaction whose every change is rolled back at the end of the block: for reading
    the database as it would be after a change (an undo's preview). Raises IndicatorsError when
    the database is busy past the wait."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except Error as e:
        raise store_error(e) from e
    try:
        yield conn
    finally:
        rollback(conn)


def data_version(conn: Connection) -> str:
    """Changes whenever an import is added or undone: stamps exports and keys caches."""
    row = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0), COUNT(undone) FROM batch").fetchone()
    return f"v{row[1]}.{row[2]}"


def has_data(conn: Connection) -> bool:
    return conn.execute("SELECT 1 FROM batch WHERE undone IS NULL LIMIT 1").fetchone() is not None


def showing_demo(conn: Connection) -> bool:
    """True while any active batch is demo data: every page says so."""
    return conn.execute("SELECT 1 FROM batch WHERE demo = 1 AND undone IS NULL LIMIT 1").fetchone() is not None




def batch_rows(conn: Connection, batch_id: int) -> list[dict]:
    """The ledger rows an undo of `batch_id` would change: those it added (deleted by the undo) and
    those it updated (restored), each as {kind, unit, date, key}."""
    out = []
    for ledger in LEDGERS.values():
        k, cols = ledger.kind, ", ".join(ledger.key)
        out += [{"kind": k, "unit": r[0], "date": r[1], "key": tuple(r)}
                for r in conn.execute(f"SELECT {cols} FROM {k} WHERE created_batch = ?", (batch_id,))]
        ks = ", ".join(f"k{i + 1}" for i in range(len(ledger.key)))
        out += [{"kind": k, "unit": r[0], "date": r[1], "key": tuple(r)}
                for r in conn.execute(f"SELECT {ks} FROM change WHERE batch_id = ? AND kind = ?", (batch_id, k))]
    if removed := entry.removed_row(conn, batch_id):
        kind, row = removed
        out.append({"kind": kind, "unit": row["unit"], "date": row["date"], "key": tuple(row[f] for f in LEDGERS[kind].key)})
    return out
