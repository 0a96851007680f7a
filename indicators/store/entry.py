"""在线填报's tables: each user's unsaved tables (drafts), and the corrections of stored rows (which row,
the old and new values, the reason; a row whose identity changed is kept here so that undo restores it).

SQL only, in the subset SQLite and PostgreSQL share; the rules (who may, locks, audit) are in
indicators/entry.py.
"""
from __future__ import annotations

import json
from sqlite3 import Connection  # the type only (PostgreSQL's wrapper has its surface); connection imports this module's DDL

from ..ledgers import LEDGERS
from .aggregates import refresh_aggregates, reset_touched

DDL = """
CREATE TABLE IF NOT EXISTS entry_draft (
    login TEXT NOT NULL, kind TEXT NOT NULL, saved TEXT NOT NULL, rows TEXT NOT NULL, PRIMARY KEY (login, kind));
CREATE TABLE IF NOT EXISTS row_correction (
    batch_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, new_ref TEXT NOT NULL,
    changes TEXT NOT NULL, reason TEXT NOT NULL, removed TEXT);
"""


# ---------------------------------------------------------------- drafts

def save_draft(conn: Connection, login: str, kind: str, rows: list[dict], saved: str) -> None:
    conn.execute("INSERT INTO entry_draft (login, kind, saved, rows) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (login, kind) DO UPDATE SET saved = excluded.saved, rows = excluded.rows",
                 (login, kind, saved, json.dumps(rows, ensure_ascii=False)))


def draft(conn: Connection, login: str, kind: str) -> tuple[list[dict], str] | None:
    """(rows, when saved) of `login`'s draft of ledger `kind`, or None."""
    row = conn.execute("SELECT rows, saved FROM entry_draft WHERE login = ? AND kind = ?", (login, kind)).fetchone()
    return (json.loads(row[0]), row[1]) if row else None


def drop_draft(conn: Connection, login: str, kind: str) -> None:
    conn.execute("DELETE FROM entry_draft WHERE login = ? AND kind = ?", (login, kind))


def keys_in_span(conn: Connection, kind: str, units: list[str], lo: str, hi: str) -> list[tuple]:
    """The identities (ledger key tuples) of the rows of `units` dated in [lo, hi]."""
    key = LEDGERS[kind].key
    marks = ", ".join("?" for _ in units)
    return [tuple(r) for r in conn.execute(f"SELECT {', '.join(key)} FROM {kind} WHERE unit IN ({marks}) "
                                           "AND date BETWEEN ? AND ?", (*units, lo, hi))]


# ---------------------------------------------------------------- corrections

def insert_batch(conn: Connection, *, created: str, file_name: str, checksum: str, kind: str, units: list[str],
                 added: int, updated: int, period: tuple[str, str], login: str, user_name: str, source: str) -> int:
    """A batch row for a change made without a file (a correction); returns its id."""
    row = conn.execute(
        "INSERT INTO batch (created, file_name, checksum, size, kinds, units, rows, added, updated, unchanged, "
        "period_start, period_end, demo, login, user_name, source) VALUES (?, ?, ?, 0, ?, ?, 1, ?, ?, 0, ?, ?, 0, ?, ?, ?) "
        "RETURNING id",
        (created, file_name, checksum, kind, ",".join(units), added, updated, period[0], period[1], login, user_name,
         source)).fetchone()
    return int(row[0])


def set_source(conn: Connection, batch_id: int, source: str) -> None:
    conn.execute("UPDATE batch SET source = ? WHERE id = ?", (source, batch_id))


def _json_value(v):
    return v if v is None or isinstance(v, (int, float, str)) else str(v)


def replace_row(conn: Connection, kind: str, old: dict, new: dict, batch_id: int) -> None:
    """Row `old` (as stored) becomes `new` (ledger fields) as part of batch `batch_id`, undoable by store.undo.

    Same identity: the old values go to `change`, as an import's update keeps them. A new identity:
    the old row is deleted and kept whole in row_correction.removed, the new one inserted as the batch's.
    The day aggregates of both days are recomputed.
    """
    ledger = LEDGERS[kind]
    key = list(ledger.key)
    fields = [c.field for c in ledger.columns]
    others = [f for f in fields if f not in key]
    where = " AND ".join(f"{f} = ?" for f in key)
    old_key = tuple(old[f] for f in key)
    if all(old[f] == new[f] for f in key):
        kept = {f: _json_value(old[f]) for f in others + ["batch_id", "created_batch"]}
        conn.execute(f"INSERT INTO change (batch_id, kind, {', '.join(f'k{i + 1}' for i in range(len(key)))}, old) "
                     f"VALUES (?, ?, {', '.join('?' for _ in key)}, ?)",
                     (batch_id, kind, *old_key, json.dumps(kept, ensure_ascii=False)))
        sets = ", ".join(f"{f} = ?" for f in others)
        conn.execute(f"UPDATE {kind} SET {sets}, batch_id = ? WHERE {where}",
                     (*[new[f] for f in others], batch_id, *old_key))
    else:
        whole = {f: _json_value(old[f]) for f in fields + ["batch_id", "created_batch"]}
        conn.execute("UPDATE row_correction SET removed = ? WHERE batch_id = ?",
                     (json.dumps(whole, ensure_ascii=False), batch_id))
        conn.execute(f"DELETE FROM {kind} WHERE {where}", old_key)
        conn.execute(f"INSERT INTO {kind} ({', '.join(fields)}, batch_id, created_batch) "
                     f"VALUES ({', '.join('?' for _ in fields)}, ?, ?)", (*[new[f] for f in fields], batch_id, batch_id))
    _refresh(conn, kind, {(old["unit"], old["date"]), (new["unit"], new["date"])})


def _refresh(conn: Connection, kind: str, days: set[tuple[str, str]]) -> None:
    reset_touched(conn)
    for unit, day in sorted(days):
        conn.execute("INSERT INTO touched (unit, date) VALUES (?, ?) ON CONFLICT DO NOTHING", (unit, day))
    refresh_aggregates(conn, LEDGERS[kind])


def record_correction(conn: Connection, batch_id: int, kind: str, ref: str, new_ref: str, changes: dict,
                      reason: str) -> None:
    conn.execute("INSERT INTO row_correction (batch_id, kind, ref, new_ref, changes, reason) VALUES (?, ?, ?, ?, ?, ?)",
                 (batch_id, kind, ref, new_ref, json.dumps(changes, ensure_ascii=False), reason))


def correction(conn: Connection, batch_id: int) -> dict | None:
    row = conn.execute("SELECT * FROM row_correction WHERE batch_id = ?", (batch_id,)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out["changes"] = json.loads(out["changes"])
    return out


def removed_row(conn: Connection, batch_id: int) -> tuple[str, dict] | None:
    """(kind, the row as it was) that correction `batch_id` removed when it changed the row's identity."""
    row = conn.execute("SELECT kind, removed FROM row_correction WHERE batch_id = ? AND removed IS NOT NULL",
                       (batch_id,)).fetchone()
    return (row[0], json.loads(row[1])) if row else None


def restore_removed(conn: Connection, batch_id: int) -> None:
    """Undo's part for a correction that changed a row's identity: the removed row back (the new one is
    deleted by undo as the batch's own row), its day's aggregates recomputed."""
    found = removed_row(conn, batch_id)
    if found is None:
        return
    kind, row = found
    cols = [c.field for c in LEDGERS[kind].columns] + ["batch_id", "created_batch"]
    conn.execute(f"INSERT INTO {kind} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                 tuple(row[c] for c in cols))
    _refresh(conn, kind, {(row["unit"], row["date"])})


def removed_blockers(conn: Connection, batch_id: int) -> list[int]:
    """Batches that since stored a row with the identity correction `batch_id` removed: undo must wait for them."""
    found = removed_row(conn, batch_id)
    if found is None:
        return []
    kind, row = found
    key = LEDGERS[kind].key
    hit = conn.execute(f"SELECT batch_id FROM {kind} WHERE {' AND '.join(f'{f} = ?' for f in key)}",
                       tuple(row[f] for f in key)).fetchone()
    return [int(hit[0])] if hit else []
