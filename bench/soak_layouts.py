#!/usr/bin/env python
"""Soak of the layout invariant: thousands of generated ledger layouts, each read as its clean ledger or a question.

Run from the repo root:

    python bench/soak_layouts.py [--examples 3000] [--seed 0] [--habit-rate 0.35]

Each example draws every habit of tests/layouts.py on with probability --habit-rate (in one of its
forms) and a format, writes the file to a temporary folder, reads it with imports.parse_path and
judges it (tests/layouts.judge). Prints the failures with their flags and seed (rebuild one with
`python -m tests.layouts '<flags>' SEED DIR`), the rate of each habit among failures, how many
layouts ended in a question rather than figures, and the reading time per layout. Exit 1 on any
failure. Nothing is written inside the repository.
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import layouts  # noqa: E402
from indicators import imports  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=3000, help="layouts to read (default 3000)")
    ap.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--habit-rate", type=float, default=0.35, help="chance each habit is on (default 0.35)")
    args = ap.parse_args()
    failures, asked, on, bad_on = [], 0, collections.Counter(), collections.Counter()
    formats = collections.Counter()
    read_time = 0.0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="soak-layouts-") as tmp:
        for i in range(args.examples):
            seed = args.seed + i
            rng = random.Random(seed)
            flags = {k: (rng.randint(1, n) if rng.random() < args.habit_rate else 0) for k, n in layouts.HABITS.items()}
            flags["format"] = rng.randint(0, layouts.HABITS["format"])
            flags["ledger"] = rng.randint(0, layouts.HABITS["ledger"])
            lay = layouts.build(flags, seed)
            folder = Path(tmp) / str(i)
            folder.mkdir()
            path = layouts.write(lay, folder)
            t = time.perf_counter()
            parsed = imports.parse_path(path)
            read_time += time.perf_counter() - t
            why = layouts.judge(lay, parsed)
            used = [k for k, v in lay.flags.items() if v]
            on.update(used)
            formats[lay.format] += 1
            if why:
                failures.append((lay, why))
                bad_on.update(used)
            elif not parsed.ok:
                asked += 1
            if (i + 1) % 250 == 0:
                print(f"  {i + 1} layouts, {len(failures)} failed, {asked} asked, {time.perf_counter() - start:.0f} s", flush=True)
            for p in folder.iterdir():
                p.unlink()
            folder.rmdir()
    wall = time.perf_counter() - start
    n = args.examples
    print(f"{n} layouts (seeds {args.seed}..{args.seed + n - 1}, habit rate {args.habit_rate}) in {wall:.0f} s; "
          f"reading {1000 * read_time / n:.1f} ms a layout")
    print(f"  read as the clean ledger: {n - len(failures) - asked}   a question to the clerk: {asked}   "
          f"failed: {len(failures)}")
    print("  formats: " + ", ".join(f"{k} {v}" for k, v in sorted(formats.items())))
    print(f"  habits on per layout: {sum(on.values()) / n:.1f} on average")
    for lay, why in failures[:20]:
        print(f"--- {lay.describe()}\n    rebuild: python -m tests.layouts '{json.dumps(lay.flags)}' {lay.seed} /tmp/layout\n    {why}")
    if failures:
        print("habits among failures: " + ", ".join(f"{k} {bad_on[k]}/{on[k]}" for k in layouts.HABITS if bad_on[k]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
