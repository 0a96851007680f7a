"""The import history: batches, their originals, undo and its preview, the data version."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

from .. import roles
from ..ledgers import LEDGERS
from ..problems import IndicatorsError
from ..roles import OPERATOR, Actor
from . import audit, entry
from .aggregates import refresh_aggregates, reset_touched
from . import originals
from .connection import Connection, checkpoint, rollback, store_error, transaction
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


def visible_to(b: dict, actor: Actor) -> bool:
    """Whether `actor` may see this batch in the history: a clerk only batches wholly of their own unit
    (a batch holding other units' rows would show them in its original file)."""
    if not roles.may(actor, "history"):
        return False
    if actor.role != roles.CLERK:
        return True
    units = batch_units(b)
    return bool(units) and all(u == actor.unit for u in units)


def check_undo_allowed(b: dict, actor: Actor) -> None:
    """Raise IndicatorsError unless `actor` may undo batch `b`: never a 领导, a clerk only a batch of
    their own unit alone."""
    roles.require(actor, "undo")
    for u in batch_units(b) or [None]:
        if actor.role == roles.CLERK and u != actor.unit:
            if u is None:
                raise IndicatorsError(f"{actor.label}只能撤销本单位（{actor.unit}）的导入批次")
            raise IndicatorsError(f"{actor.label}只能撤销本单位（{actor.unit}）的导入批次；批次 {b['id']}"
                                  f"（{b['file_name']}）含有「{u}」的数据，不能撤销，请联系管理员")


def _check_undoable(conn: Connection, batch_id: int, actor: Actor = OPERATOR) -> dict:
    b = batch(conn, batch_id)
    check_undo_allowed(b, actor)
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
    entry.restore_removed(conn, batch_id)  # a correction that changed a row's identity: the old row back


def undo(conn: Connection, batch_id: int, now: dt.datetime | None = None, *, actor: Actor = OPERATOR,
         client: str | None = None) -> dict:
    """Undo one import as `actor`: remove the rows it added and restore the rows it updated, in one transaction.

    Returns the batch record. Raises IndicatorsError when the actor may not undo it (a 领导; a clerk
    and another unit's batch), the batch does not exist, is already undone, later imports changed
    the same rows (those must be undone first), or a row it would change is in a period locked for
    `actor` (indicators.cycle). The undo, or its refusal, is written to the audit log.
    """
    refused = None
    try:
        with transaction(conn):  # checked inside: an import over the same rows cannot slip in between
            try:
                b = _check_undoable(conn, batch_id, actor)
                _refuse_locked(conn, actor, batch_id, now)
            except IndicatorsError as e:
                refused = e
                raise
            units = batch_units(b)
            _undo_rows(conn, batch_id)
            conn.execute("DELETE FROM change WHERE batch_id = ?", (batch_id,))
            conn.execute("UPDATE batch SET undone = ?, undone_by = ? WHERE id = ?",
                         ((now or dt.datetime.now()).isoformat(timespec="seconds"), actor.login, batch_id))
            audit.record(conn, actor, "undo", unit=units[0] if len(units) == 1 else None, client=client, now=now,
                         detail={"batch": batch_id, "file": b["file_name"], "removed": b["added"], "restored": b["updated"],
                                 "units": units, "imported_by": b.get("user_name") or b.get("login") or ""})
    except IndicatorsError:
        if refused is not None:  # recorded after the rollback, so that the refusal itself is kept
            audit.record(conn, actor, "undo_refused", unit=actor.unit, detail={"batch": batch_id, "reason": str(refused)},
                         client=client, now=now)
        raise
    checkpoint(conn)
    return batch(conn, batch_id)


@contextmanager
def as_if_undone(conn: Connection, batch_id: int, *, actor: Actor = OPERATOR):
    """Inside the block the database reads as if `batch_id` were undone; nothing is kept afterwards.

    For the confirmation that says which figures an undo will change. Raises IndicatorsError like `undo`
    (including when `actor` may not undo it).
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except Error as e:
        raise store_error(e) from e
    try:
        _check_undoable(conn, batch_id, actor)
        _refuse_locked(conn, actor, batch_id, None)
        try:
            _undo_rows(conn, batch_id)
            conn.execute("UPDATE batch SET undone = 'preview' WHERE id = ?", (batch_id,))
        except Error as e:
            raise store_error(e) from e
        yield conn
    finally:
        rollback(conn)


def _refuse_locked(conn: Connection, actor: Actor, batch_id: int, now: dt.datetime | None) -> None:
    from .. import cycle as cycle_locks  # the cycle's rules read the store: imported when first needed
    cycle_locks.refuse_locked_undo(conn, actor, batch_id, today=(now or dt.datetime.now()).date())


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
