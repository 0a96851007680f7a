"""What the test suite's mechanics cost, each against the way it replaced, in one process (issue 19):

- a CLI contract: `python -m indicators` as a process vs `cli.main` in-process (tests/conftest.run_cli);
- a hostile file: a fresh judging process per file (hostile_files.measure) vs one pre-started
  (hostile_files.Judge);
- a `conn` test's PostgreSQL database: a new schema whose tables store.connect makes vs a schema
  with the tables made, emptied after the test (pg_server.Schemas).

    .venv/bin/python bench/bench_tests.py [--rounds N]

Wall seconds and CPU seconds (this process and its waited-for children; the PostgreSQL server's own
work shows in the wall figure only). The ratios are what to read on a shared machine.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import conftest  # noqa: E402
import hostile_files as hf  # noqa: E402
import pg_server  # noqa: E402
from indicators import store  # noqa: E402


LIVE: list = []  # processes still running (the judge): their CPU so far is read from /proc


def cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    live = 0.0
    for proc in LIVE:
        if proc.proc is not None:
            with open(f"/proc/{proc.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            live += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + live


def timed(rounds: int, fn) -> tuple[float, float]:
    fn()  # warm
    w, c = time.perf_counter(), cpu()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - w) / rounds, (cpu() - c) / rounds


def report(name: str, before: tuple[float, float], after: tuple[float, float]) -> None:
    print(f"{name:38} before {before[0]:6.3f} s wall {before[1]:6.3f} s cpu | after {after[0]:6.3f} s wall "
          f"{after[1]:6.3f} s cpu | ×{before[0] / after[0]:.1f} wall ×{before[1] / max(after[1], 1e-9):.1f} cpu", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    n = ap.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ledger = conftest.write_xlsx(tmp / "a.xlsx", {"台账": [conftest.TRAINING_HEADER, hf.ROW]})
        db = tmp / "t.db"
        for args in (["import", ledger], ["progress", "--year", "2025", "--json"]):
            process = lambda: subprocess.run([sys.executable, "-m", "indicators", *map(str, args), "--db", str(db)],  # noqa: E731
                                             cwd=ROOT, capture_output=True, text=True, check=True)
            inproc = lambda: conftest.run_cli(*args, db=db, cwd=ROOT)  # noqa: E731
            report(f"CLI {args[0]}", timed(n, process), timed(n, inproc))

        judge = hf.Judge(ROOT, timeout=120, kill_rss=3 << 30)
        LIVE.append(judge)
        for cid in ("many_ledger_sheets", "csv_mixed_encodings", "xls_fat_cycle"):
            build = next(b for c, b, _ in hf.CLASSES if c == cid)
            folder = tmp / cid
            folder.mkdir()
            path = build(folder)
            report(f"hostile {cid}", timed(n, lambda: hf.measure(path, ROOT, timeout=120)), timed(n, lambda: judge.measure(path)))
        judge.close()

        if pg_server.available():
            with pg_server.server(durable=False, database="tests") as url:
                schemas = pg_server.Schemas(url, lambda u: store.connect(u).close())

                def fresh():
                    store.connect(pg_server.fresh_schema(url)).close()

                def pooled():
                    u = schemas.take()
                    store.connect(u).close()
                    schemas.give_back(u)
                report("PostgreSQL database of a conn test", timed(n, fresh), timed(n, pooled))
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
