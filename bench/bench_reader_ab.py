#!/usr/bin/env python
"""The reader of several commits side by side: parse and whole import of one 100k-row ledger, in CPU time.

Run from the repo root:

    python bench/bench_reader_ab.py c1ccc3b 06c4007 HEAD [--rounds 4] [--repeat 3] [--rows 100000]

Each revision is checked out (git archive) into a temporary folder; the workbook is written once by
bench_core.py's writer. Then, round after round, one process per revision times in its own process
`pd.read_excel(engine="openpyxl")` (the baseline), `imports.parse_file` and the whole import into a fresh
SQLite file, each the median of --repeat runs. On a machine shared by many, wall time swings by half
between runs; the process's CPU time (time.process_time, all its threads) swings far less, so that is
what is compared: the median over rounds of each revision's parse and import, and of its ratio to its own
pandas baseline. Writes nothing inside the repository.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE_RUN = r"""
import gc, json, statistics, sys, tempfile, time
from pathlib import Path
tree, wb, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, tree)
import pandas as pd
from indicators import importing, imports, store
def cpu(fn):
    runs = []
    for _ in range(repeat):
        gc.collect(); c = time.process_time(); fn(); runs.append(time.process_time() - c)
    return statistics.median(runs)
def parse():
    assert imports.parse_file(wb.read_bytes(), wb.name).ok
folder, n = Path(tempfile.mkdtemp(prefix="ab-")), [0]
def whole():
    n[0] += 1
    conn = store.connect(folder / f"{n[0]}.db")
    assert importing.import_parsed(conn, imports.parse_file(wb.read_bytes(), wb.name)).ok
    store.wait_for_checkpoints(); conn.close()
print(json.dumps({"pandas": cpu(lambda: pd.read_excel(wb, sheet_name=0, header=1, engine="openpyxl")),
                  "parse": cpu(parse), "import": cpu(whole)}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("revisions", nargs="+", help="git revisions to compare (the first is the baseline)")
    ap.add_argument("--rounds", type=int, default=4, help="rounds over all revisions (default 4)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure in a process (default 3)")
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the ledger (default 100000)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_reader_ab_"))
    trees = {}
    for rev in args.revisions:
        tree = tmp / rev.replace("/", "_")
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        trees[rev] = tree
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import numpy as np

    import bench_core
    from indicators.config import default_catalog
    workbook = tmp / "ledger.xlsx"
    bench_core.write_training_xlsx(workbook, bench_core.training_frame(args.rows, default_catalog().unit_names,
                                                                       np.random.default_rng(bench_core.SEED)))
    runs: dict[str, list[dict]] = {rev: [] for rev in args.revisions}
    for r in range(args.rounds):
        for rev, tree in trees.items():
            out = subprocess.run([sys.executable, "-c", ONE_RUN, str(tree), str(workbook), str(args.repeat)],
                                 check=True, capture_output=True, text=True).stdout
            runs[rev].append(json.loads(out.strip().splitlines()[-1]))
            f = runs[rev][-1]
            print(f"  round {r + 1} {rev:>10}: pandas {f['pandas']:.2f} s, parse {f['parse']:.3f} s, import {f['import']:.3f} s (CPU)",
                  flush=True)
    base = args.revisions[0]
    med = {rev: {k: statistics.median(f[k] for f in fs) for k in ("parse", "import")} for rev, fs in runs.items()}
    ratio = {rev: {k: statistics.median(f["pandas"] / f[k] for f in fs) for k in ("parse", "import")} for rev, fs in runs.items()}
    print(f"{args.rows:,}-row 培训学法台账, CPU time, medians of {args.rounds} rounds x {args.repeat} runs:")
    for rev in args.revisions:
        change = {k: 100 * (med[rev][k] / med[base][k] - 1) for k in ("parse", "import")}
        print(f"  {rev:>10}: parse {med[rev]['parse']:.3f} s ({change['parse']:+.1f} %, x{ratio[rev]['parse']:.2f} of pandas)  "
              f"import {med[rev]['import']:.3f} s ({change['import']:+.1f} %, x{ratio[rev]['import']:.2f} of pandas)")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
