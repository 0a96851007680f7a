"""Targets and weights edited per year, which override data/indicators.toml. Who may edit them and the
audit entry: indicators/targets.py."""
from __future__ import annotations

import sqlite3


def target_overrides(conn: sqlite3.Connection, year: int) -> dict[str, dict]:
    return {r["code"]: dict(r) for r in conn.execute("SELECT * FROM target WHERE year = ?", (year,))}


def replace_targets(conn: sqlite3.Connection, year: int, rows: list[dict]) -> None:
    """The year's targets and weights replaced by `rows` ({code, target, weight}). The caller holds the
    write transaction."""
    conn.execute("DELETE FROM target WHERE year = ?", (year,))
    conn.executemany("INSERT INTO target (year, code, target, weight) VALUES (?, ?, ?, ?)",
                     [(year, r["code"], r.get("target"), r.get("weight")) for r in rows])
