"""报送情况 as the data grows (issue 22): the board's 最近上传 read from the rows of the period, and a reviewer's
page of one unit's rows, against the board as it was (every batch's unit and ledger lists) in the same process.

usage (from the project root):
    python bench/bench_board.py [--rows 10000 1000000] [--repeat 7]

Takes the databases bench/bench_dashboard.py builds (cached under bench/out/, which git ignores; built on
first use through the real import). Prints, per size, the median of each and the ratios new / old.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_dashboard import build  # noqa: E402

from indicators import progress, reporting, store  # noqa: E402
from indicators.config import default_catalog  # noqa: E402
from indicators.ledgers import LEDGERS  # noqa: E402
from indicators.roles import OPERATOR  # noqa: E402
from bench_core import median_seconds  # noqa: E402


def board_before(conn, per):
    """The board before issue 22: 最近上传 from every active batch's unit and ledger lists, whatever their dates."""
    totals = store.measure_totals(conn, per.start, per.end)
    staff_rows = store.staff_rows_by_unit(conn, per.start, per.end)
    last = {}
    for b in store.batches(conn, include_undone=False):
        for unit in filter(None, b["units"].split(",")):
            for kind in filter(None, b["kinds"].split(",")):
                last.setdefault((unit, kind), b["created"][:10])
    rows = []
    for u in default_catalog().units:
        for kind, ledger in LEDGERS.items():
            n = staff_rows.get(u.name, 0) if kind == "staff" else int(totals.get((u.name, f"{kind}:n"), 0))
            rows.append((u.name, kind, last.get((u.name, kind)), n))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    per = progress.period(2025, half=1)
    for rows in args.rows:
        conn = store.connect(build(out / f"dashboard_{rows}.db", rows))
        old = median_seconds(lambda: board_before(conn, per), args.repeat)
        new = median_seconds(lambda: reporting.board(conn, per), args.repeat)
        first = median_seconds(lambda: reporting.review_material(conn, OPERATOR, "红旗区", 2025, 1), args.repeat)
        last = median_seconds(lambda: reporting.review_material(conn, OPERATOR, "红旗区", 2025, 1, {k: 10_000 for k in LEDGERS}),
                      args.repeat)
        print(f"{rows:>9,} rows: board before {old * 1000:7.1f} ms, now {new * 1000:7.1f} ms (×{new / old:.2f}); "
              f"review page 1 {first * 1000:6.1f} ms, last page {last * 1000:6.1f} ms (×{last / first:.2f} of page 1)")
        conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
