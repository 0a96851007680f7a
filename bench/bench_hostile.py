"""Time and peak extra RSS of each hostile-file class (tests/hostile_files.py), each in a fresh process.

    .venv/bin/python bench/bench_hostile.py [--root DIR] [CLASS ...]

`--root` points at another checkout (e.g. the code before a change, from `git archive`) to compare.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile_files  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(ROOT))
    ap.add_argument("--timeout", type=float, default=90)
    ap.add_argument("classes", nargs="*")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for cid, build, expected in hostile_files.CLASSES:
            if args.classes and cid not in args.classes:
                continue
            folder = Path(tmp) / cid
            folder.mkdir()
            path = build(folder)
            r = hostile_files.measure(path, Path(args.root), timeout=args.timeout)
            outcome = "ok" if r["ok"] else (",".join(r["codes"]) or f"CRASH {r.get('crash')}")
            msg = (r.get("messages") or [""])[0][:90]
            print(f"{cid:24} {r['seconds']:7.2f} s {r['extra_mb']:8.0f} MB  expect {expected:18} got {outcome:30} {msg}",
                  flush=True)


if __name__ == "__main__":
    main()
