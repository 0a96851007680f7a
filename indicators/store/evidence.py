"""Evidence (佐证材料): each file kept once by checksum in the evidence folder beside the originals,
and its links to a ledger row (by the row's key) or to a whole import batch, per unit.

The checks (type from content, size, who may attach, locks) live in indicators/evidence.py.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from ..ledgers import LEDGERS
from .files import uploads_dir

if TYPE_CHECKING:  # the acting user, recorded by login and name; the roles' rules live above the store
    from ..roles import Actor

DDL = """
CREATE TABLE IF NOT EXISTS evidence_file (
    checksum TEXT PRIMARY KEY, type TEXT NOT NULL, size INTEGER NOT NULL, stored_path TEXT NOT NULL, thumb_path TEXT);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY, checksum TEXT NOT NULL, file_name TEXT NOT NULL, unit TEXT NOT NULL,
    kind TEXT, k1 TEXT, k2 TEXT, k3 TEXT, k4 TEXT, batch_id INTEGER, date_from TEXT NOT NULL, date_to TEXT NOT NULL,
    added TEXT NOT NULL, login TEXT, name TEXT, removed TEXT, removed_by TEXT);
CREATE INDEX IF NOT EXISTS evidence_row ON evidence (kind, k1, k2);
CREATE INDEX IF NOT EXISTS evidence_batch ON evidence (batch_id);
"""


def evidence_dir(conn: sqlite3.Connection) -> Path:
    """Evidence files live in uploads/evidence/, named by checksum, beside the imported originals."""
    return uploads_dir(conn) / "evidence"


def keep_file(conn: sqlite3.Connection, checksum: str, ext: str, data: bytes, thumb: bytes | None) -> None:
    """Write the file (and its thumbnail) once; a second copy of the same content stores nothing new."""
    folder = evidence_dir(conn)
    folder.mkdir(parents=True, exist_ok=True)
    name, thumb_name = f"{checksum}.{ext}", (f"{checksum}.thumb.png" if thumb else None)
    for file, content in ((name, data), (thumb_name, thumb)):
        path = folder / file if file else None
        if path and not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(content)
            tmp.replace(path)
    conn.execute("INSERT INTO evidence_file VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                 (checksum, ext, len(data), name, thumb_name))


def link(conn: sqlite3.Connection, actor: Actor, checksum: str, file_name: str, unit: str, date_from: str,
         date_to: str, *, kind: str | None = None, key: tuple = (), batch_id: int | None = None,
         now: dt.datetime | None = None) -> int:
    ks = list(key) + [None] * (4 - len(key))
    cur = conn.execute(
        "INSERT INTO evidence (checksum, file_name, unit, kind, k1, k2, k3, k4, batch_id, date_from, date_to, added, "
        "login, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (checksum, file_name, unit, kind, *ks, batch_id, date_from, date_to,
         (now or dt.datetime.now()).isoformat(timespec="seconds"), actor.login, actor.name))
    return cur.fetchall()[0][0]  # read to its end: the statement is then done


def remove(conn: sqlite3.Connection, actor: Actor, evidence_id: int, now: dt.datetime | None = None) -> None:
    """Mark a link removed (the file and the record stay, for the audit)."""
    conn.execute("UPDATE evidence SET removed = ?, removed_by = ? WHERE id = ?",
                 ((now or dt.datetime.now()).isoformat(timespec="seconds"), actor.label, evidence_id))


def one(conn: sqlite3.Connection, evidence_id: int) -> dict | None:
    row = conn.execute("SELECT e.*, f.type, f.size, f.stored_path, f.thumb_path FROM evidence e "
                       "JOIN evidence_file f USING (checksum) WHERE e.id = ?", (evidence_id,)).fetchone()
    return dict(row) if row else None


def links(conn: sqlite3.Connection, unit: str | None = None, start: dt.date | None = None,
          end: dt.date | None = None) -> list[dict]:
    """Links not removed, with their file's type and size, oldest first; filtered by unit and by
    overlap with [start, end]."""
    where, args = ["e.removed IS NULL"], []
    if unit:
        where.append("e.unit = ?"); args.append(unit)
    if start:
        where.append("e.date_to >= ?"); args.append(start.isoformat())
    if end:
        where.append("e.date_from <= ?"); args.append(end.isoformat())
    sql = ("SELECT e.*, f.type, f.size, f.stored_path, f.thumb_path FROM evidence e JOIN evidence_file f USING (checksum) "
           f"WHERE {' AND '.join(where)} ORDER BY e.unit, e.date_from, e.id")
    return [dict(r) for r in conn.execute(sql, args)]


def rows_with_evidence(conn: sqlite3.Connection, kind: str, start: dt.date, end: dt.date,
                       unit: str | None = None) -> list[dict]:
    """Ledger rows of one kind dated in [start, end], each with `evidence`: files linked to the row
    itself or to the batch that wrote it."""
    sql = (f"SELECT t.*, (SELECT COUNT(*) FROM evidence e WHERE {_backs_row(kind)}) AS evidence "
           f"FROM {kind} t WHERE t.date BETWEEN ? AND ?" + (" AND t.unit = ?" if unit else "") + " ORDER BY t.unit, t.date")
    args = (start.isoformat(), end.isoformat()) + ((unit,) if unit else ())
    return [dict(r) for r in conn.execute(sql, args)]


def _backs_row(kind: str) -> str:
    """The condition that evidence `e` backs ledger row `t` of `kind`: linked to the row, or to the batch that wrote it."""
    on = " AND ".join(f"e.k{i + 1} = t.{f}" for i, f in enumerate(LEDGERS[kind].key))
    return (f"e.removed IS NULL AND e.unit = t.unit AND "
            f"((e.kind = '{kind}' AND {on}) OR e.batch_id IN (t.batch_id, t.created_batch))")


def rows_without_evidence(conn: sqlite3.Connection, kind: str, start: dt.date, end: dt.date) -> dict[str, int]:
    """{unit: ledger rows of one kind dated in [start, end] that no evidence backs}, counted in SQL (the
    reminders name them; rows_with_evidence reads every row)."""
    sql = (f"SELECT t.unit, COUNT(*) FROM {kind} t WHERE t.date BETWEEN ? AND ? AND NOT EXISTS "
           f"(SELECT 1 FROM evidence e WHERE {_backs_row(kind)}) GROUP BY t.unit")
    return {u: n for u, n in conn.execute(sql, (start.isoformat(), end.isoformat()))}
