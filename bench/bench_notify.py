"""What 催报 costs beyond the work it cannot avoid, as ratios against baselines run in the same process.

usage (from the project root): python bench/bench_notify.py [--repeat 5] [--rows 100000] [--out DIR]

On the demo database (every unit 2024-2025, loaded into a throwaway folder) with a 企业微信 robot per
unit on a loopback HTTP server (tests/notify_servers.py):

1. `notify.plan_reminders` (what will be sent to whom: states, missing ledgers, rows without evidence,
   the messages) against `cycle.status` alone, what the 报送情况 page computes anyway;
2. `notify.remind` sending to the 16 units (claim, send, record and audit each) against 16 bare
   urllib POSTs of the same bodies to the same server: the bookkeeping's share of a run.

3. with --rows N, step 1 again on a database of N ledger rows (bench_dashboard.build): the plan reads
   every row of the period for its evidence count, so it grows with the data where cycle.status
   (aggregates) does not; this is why 报送情况 plans only when 预览催报 is pressed.

Medians of --repeat runs; compare ratios, not seconds (the machine is shared).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from indicators import channels, cycle, notify, store  # noqa: E402
from indicators.config import default_catalog  # noqa: E402
from indicators.demo import load_demo  # noqa: E402
from indicators.roles import OPERATOR  # noqa: E402
from notify_servers import robot_server  # noqa: E402
from bench_core import median_seconds  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rows", type=int, default=0, help="also plan on a database of this many ledger rows")
    ap.add_argument("--out", default=tempfile.mkdtemp(prefix="bench-notify-"))
    args = ap.parse_args()
    print(f"output: {args.out}")
    conn = store.connect(Path(args.out) / "bench.db")
    load_demo(conn, actor=OPERATOR)
    cycle.set_deadline(conn, OPERATOR, 2025, 1, dt.date(2025, 7, 10))
    units = default_catalog().unit_names
    with robot_server() as robot:
        for u in units:
            notify.set_contact(conn, OPERATOR, u, "wecom", robot.at(f"/{units.index(u)}", "key=k"))
        today = dt.date(2025, 7, 1)
        base = median_seconds(lambda: cycle.status(conn, 2025, 1, today), args.repeat)
        plan = median_seconds(lambda: notify.plan_reminders(conn, 2025, 1, today), args.repeat)
        print(f"1. cycle.status {base * 1000:.1f} ms; plan_reminders {plan * 1000:.1f} ms: x{plan / base:.2f} of the baseline")
        bodies = [channels.wecom_body(s.message) for s in notify.plan_reminders(conn, 2025, 1, today)]

        def bare():
            for i, body in enumerate(bodies):
                req = urllib.request.Request(robot.at(f"/{i}"), data=json.dumps(body, ensure_ascii=False).encode(),
                                             headers={"Content-Type": "application/json"}, method="POST")
                with urllib.request.urlopen(req, timeout=10) as r:
                    r.read()

        runs = iter(range(10_000))

        def ours():  # a new day each run, so that every unit is due again
            sends = notify.remind(conn, OPERATOR, 2025, 1, now=dt.datetime(2025, 7, 1, 9) + dt.timedelta(days=next(runs)))
            assert sum(s.outcome == "sent" for s in sends) == len(units), [s.outcome for s in sends]

        posts = median_seconds(bare, args.repeat)
        sent = median_seconds(ours, args.repeat)
        print(f"2. {len(bodies)} bare POSTs {posts * 1000:.0f} ms; remind (plan, claim, send, record, audit) "
              f"{sent * 1000:.0f} ms: x{sent / posts:.2f} of the baseline")
    conn.close()
    if args.rows:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_dashboard import build
        path = build(Path(args.out) / f"rows{args.rows}.db", args.rows)
        store.wait_for_checkpoints()  # build renames the file its import's background checkpoint may still hold
        big = store.connect(path)
        cycle.set_deadline(big, OPERATOR, 2025, 1, dt.date(2025, 7, 10))
        today = dt.date(2025, 7, 1)
        base = median_seconds(lambda: cycle.status(big, 2025, 1, today), args.repeat)
        plan = median_seconds(lambda: notify.plan_reminders(big, 2025, 1, today), args.repeat)
        print(f"3. {args.rows:,} rows: cycle.status {base * 1000:.1f} ms; plan_reminders {plan * 1000:.0f} ms: "
              f"x{plan / base:.0f} of the baseline")
        big.close()


if __name__ == "__main__":
    main()
