"""Targets and weights edited per year, which override data/indicators.toml."""
from __future__ import annotations

import sqlite3

from .. import roles
from ..roles import OPERATOR, Actor
from . import audit
from .connection import transaction


def target_overrides(conn: sqlite3.Connection, year: int) -> dict[str, dict]:
    return {r["code"]: dict(r) for r in conn.execute("SELECT * FROM target WHERE year = ?", (year,))}


def save_targets(conn: sqlite3.Connection, year: int, rows: list[dict], *, actor: Actor = OPERATOR,
                 client: str | None = None) -> None:
    """Store edited targets and weights for a year as `actor` (the page validates before calling).

    Raises IndicatorsError, storing nothing, unless the actor may edit targets (administrators). The
    edit is audited with each changed indicator's target and weight before and after.
    """
    roles.require(actor, "edit_targets")
    with transaction(conn):
        write_targets(conn, year, rows, actor=actor, client=client)


def write_targets(conn: sqlite3.Connection, year: int, rows: list[dict], *, actor: Actor = OPERATOR,
                  client: str | None = None) -> None:
    """save_targets' writes inside the caller's transaction (an adoption stores its targets with the rest)."""
    roles.require(actor, "edit_targets")
    before = target_overrides(conn, year)
    changes = {}
    for r in rows:
        old = before.get(r["code"], {})
        was = {"target": old.get("target"), "weight": old.get("weight")}
        now = {"target": r.get("target"), "weight": r.get("weight")}
        if was != now:
            changes[r["code"]] = {"before": was, "after": now}
    conn.execute("DELETE FROM target WHERE year = ?", (year,))
    conn.executemany("INSERT INTO target (year, code, target, weight) VALUES (?, ?, ?, ?)",
                     [(year, r["code"], r.get("target"), r.get("weight")) for r in rows])
    audit.record(conn, actor, "edit_targets", client=client, detail={"year": year, "changes": changes})
