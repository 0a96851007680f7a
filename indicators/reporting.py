"""Who has reported (报送情况): per unit and ledger, the last upload and the rows in the period, and
the ledgers each unit still lacks (the cycle's reminder, indicators.cycle.reminder_text, names them)."""
from __future__ import annotations

import sqlite3

import pandas as pd

from . import store
from .config import Catalog, default_catalog
from .cycle import half_range
from .ledgers import LEDGERS
from .progress import Period

BOARD_COLUMNS = ["unit", "level", "kind", "ledger", "last_upload", "rows", "missing"]


def board(conn: sqlite3.Connection, per: Period, catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per unit and ledger kind: last upload (active batches), rows dated in the period, missing."""
    catalog = catalog or default_catalog()
    totals = store.measure_totals(conn, per.start, per.end)
    staff_rows = store.staff_rows_by_unit(conn, per.start, per.end)
    last: dict[tuple[str, str], str] = {}
    for b in store.batches(conn, include_undone=False):
        for unit in filter(None, b["units"].split(",")):
            for kind in filter(None, b["kinds"].split(",")):
                last.setdefault((unit, kind), b["created"][:10])  # batches come newest first
    rows = []
    for u in catalog.units:
        for kind, ledger in LEDGERS.items():
            n = staff_rows.get(u.name, 0) if kind == "staff" else int(totals.get((u.name, f"{kind}:n"), 0))
            rows.append({"unit": u.name, "level": u.level, "kind": kind, "ledger": ledger.name,
                         "last_upload": last.get((u.name, kind)), "rows": n, "missing": n == 0})
    return pd.DataFrame(rows, columns=BOARD_COLUMNS)


def submission(conn: sqlite3.Connection, unit: str, year: int, half: int) -> dict:
    """What submitting a unit's period would hand in: per ledger its rows dated in the period and how
    many have evidence, and the ledgers with no row. {"ledgers": [{"ledger", "rows", "with_evidence"}],
    "missing": [ledger names], "rows", "with_evidence"}."""
    start, end = half_range(year, half)
    found = {k: store.evidence.rows_with_evidence(conn, k, start, end, unit) for k in LEDGERS}
    ledgers = [{"ledger": LEDGERS[k].name, "rows": len(rows), "with_evidence": sum(1 for r in rows if r["evidence"])}
               for k, rows in found.items() if rows]
    return {"ledgers": ledgers, "missing": [LEDGERS[k].name for k, rows in found.items() if not rows],
            "rows": sum(x["rows"] for x in ledgers), "with_evidence": sum(x["with_evidence"] for x in ledgers)}


def missing_by_unit(frame: pd.DataFrame) -> dict[str, list[str]]:
    """{unit: [ledger names with no row in the period]}, units in configuration order."""
    out: dict[str, list[str]] = {}
    for r in frame[frame.missing].itertuples():
        out.setdefault(r.unit, []).append(r.ledger)
    return out
