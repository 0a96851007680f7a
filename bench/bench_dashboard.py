"""How the overview page's rerun scales with the data: a 10k-row against a 1M-row database.

usage (from the project root):
    python bench/bench_dashboard.py [--rows 10000 1000000] [--reruns 15] [--db PATH ...] [--out DIR]

Builds (once, cached under bench/out/, which git ignores) a database per size with ledger rows
spread over 2024-2025 and all 16 units, stored through the core's real import path
(importing.import_parsed), or takes existing databases with --db. Then, per database, runs the app
under streamlit.testing AppTest on the overview page and times reruns that change the unit in the
sidebar (全市 -> 红旗区 -> 卫滨区 -> ...). Prints the median of each, the ratio (aim: <= 1.5: the cost
must not grow with the data), and for information the first (cold-cache) run.
Self-contained on purpose: it imports only the app's own packages.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators import importing, store  # noqa: E402
from indicators.config import default_catalog  # noqa: E402
from indicators.imports import Parsed  # noqa: E402
from indicators.ledgers import LEDGERS  # noqa: E402

UNITS_CYCLE = ["红旗区", "卫滨区", "全市", "原阳县", "市国动办", "长垣市"]
SHARES = {"training": 0.5, "publicity": 0.35, "governance": 0.15}


def _dates(rng: np.random.Generator, n: int) -> pl.Series:
    start = dt.date(2024, 1, 1)
    days = rng.integers(0, (dt.date(2025, 12, 31) - start).days + 1, n)
    return pl.Series("date", np.datetime64(start) + days.astype("timedelta64[D]")).cast(pl.Date)


def ledger_frames(rows: int, seed: int = 7) -> dict[str, pl.DataFrame]:
    """Ledger records shaped as the core's reader returns them, `rows` in all (plus staff snapshots)."""
    rng = np.random.default_rng(seed)
    units = np.array(default_catalog().unit_names)
    out = {}
    for kind, share in SHARES.items():
        n = int(rows * share)
        ledger = LEDGERS[kind]
        cols = {"_row": pl.Series(np.arange(4, n + 4)), "date": _dates(rng, n),
                "unit": pl.Series(units[rng.integers(0, len(units), n)])}
        for c in ledger.columns:
            if c.field in cols:
                continue
            if c.choices:
                cols[c.field] = pl.Series(np.array(c.choices)[rng.integers(0, len(c.choices), n)])
            elif c.type == "int":
                cols[c.field] = pl.Series(rng.integers(0, 300, n))
            elif c.type == "number":
                cols[c.field] = pl.Series(rng.integers(1, 7, n) / 2.0)
            elif c.field == "title":  # unique, so that every row is its own ledger entry
                cols[c.field] = pl.Series([f"基准测试事项{i}" for i in range(n)])
            else:
                cols[c.field] = pl.Series(["基准"] * n)
        out[kind] = pl.DataFrame(cols).with_columns(pl.lit("基准").alias("_sheet"))
    snaps = [(dt.date(y, m, d), u) for y in (2024, 2025) for m, d in ((6, 30), (12, 31)) for u in units]
    n = len(snaps)
    out["staff"] = pl.DataFrame({
        "_row": np.arange(4, n + 4), "date": [d for d, _ in snaps], "unit": [u for _, u in snaps],
        "quota": [8] * n, "staff": [7] * n, "certified": [6] * n, "new_certs": [1] * n, "renewals": [1] * n,
        "reviewed": [5] * n, "trained": [6] * n, "note": ["基准"] * n, "_sheet": ["基准"] * n})
    return out


def build(path: Path, rows: int) -> Path:
    """A database holding `rows` ledger rows, imported as one batch through importing.import_parsed."""
    if path.exists():
        return path
    tmp = path.with_suffix(".part.db")
    for p in tmp.parent.glob(tmp.name + "*"):
        p.unlink()
    started = time.perf_counter()
    conn = store.connect(tmp)
    records = ledger_frames(rows)
    parsed = Parsed(f"基准测试_{rows}行.xlsx", hashlib.sha256(f"bench-{rows}".encode()).hexdigest(), b"", records=records)
    result = importing.import_parsed(conn, parsed)
    assert result.batch_id, "benchmark import failed"
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    tmp.replace(path)
    rows_built = sum(f.height for f in records.values())
    print(f"built {path.name}: {rows_built:,} rows in {time.perf_counter() - started:.1f} s")
    return path


def time_reruns(db: Path, reruns: int) -> tuple[float, list[float], list[float]]:
    """(first run s, unit-change rerun times s, the same with the caches emptied first) of the
    overview page on `db`."""
    from streamlit.testing.v1 import AppTest

    os.environ[store.DB_ENV] = str(db)
    _clear_caches()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    for unit in UNITS_CYCLE:  # warm-up: the period's cache entries
        at.selectbox(key="unit").set_value(unit).run()
    warm, cold = [], []
    for i in range(2 * reruns):
        box = at.selectbox(key="unit").set_value(UNITS_CYCLE[i % len(UNITS_CYCLE)])
        if i >= reruns:
            _clear_caches()  # as after an import: everything recomputed from the database
        started = time.perf_counter()
        box.run()
        (warm if i < reruns else cold).append(time.perf_counter() - started)
        assert len(at.get("plotly_chart")) >= 5 and not at.exception  # 全市 adds the lagging-units chart
    return first, warm, cold


def _clear_caches() -> None:
    import streamlit as st

    logging.disable(logging.WARNING)  # outside a script run, clear() warns that there is no runtime
    try:
        st.cache_data.clear()
    finally:
        logging.disable(logging.NOTSET)


def _warm_up(db: Path) -> None:
    """Import everything a run needs once, so the first database's 'first run' is not charged for it."""
    time_reruns(db, 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs=2, default=[10_000, 1_000_000], metavar=("SMALL", "LARGE"))
    ap.add_argument("--db", nargs=2, type=Path, metavar=("SMALL_DB", "LARGE_DB"), help="existing databases to compare")
    ap.add_argument("--reruns", type=int, default=15)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    dbs = args.db or [build(args.out / f"dashboard_{n}.db", n) for n in args.rows]
    _warm_up(dbs[0])
    results = []
    for db in dbs:
        first, warm, cold = time_reruns(db, args.reruns)
        results.append((statistics.median(warm), statistics.median(cold)))
        print(f"{db.name}: rerun on unit change median {statistics.median(warm) * 1000:.0f} ms "
              f"(min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f}, n={len(warm)}); "
              f"with caches emptied {statistics.median(cold) * 1000:.0f} ms; first run {first:.2f} s")
    ratio = results[1][0] / results[0][0]
    print(f"ratio large/small: {ratio:.2f} (aim <= 1.5); with caches emptied {results[1][1] / results[0][1]:.2f}")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
