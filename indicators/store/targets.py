"""Targets and weights edited per year, which override data/indicators.toml."""
from __future__ import annotations

import sqlite3

from .connection import transaction


def target_overrides(conn: sqlite3.Connection, year: int) -> dict[str, dict]:
    return {r["code"]: dict(r) for r in conn.execute("SELECT * FROM target WHERE year = ?", (year,))}


def save_targets(conn: sqlite3.Connection, year: int, rows: list[dict]) -> None:
    """Store edited targets and weights for a year (the page validates before calling)."""
    with transaction(conn):
        conn.execute("DELETE FROM target WHERE year = ?", (year,))
        conn.executemany("INSERT INTO target (year, code, target, weight) VALUES (?, ?, ?, ?)",
                         [(year, r["code"], r.get("target"), r.get("weight")) for r in rows])
