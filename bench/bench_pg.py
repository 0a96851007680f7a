#!/usr/bin/env python
"""PostgreSQL beside SQLite, in one run (issue 12): the 100k-row ledger's import into a fresh database
and into databases of 1M ledger rows (other years; the same days), and one full progress computation
at 1M ledger rows. Run from the repo root:

    python bench/bench_pg.py [--rows 100000] [--db-rows 1000000] [--repeat 3] [--out DIR]

The ledger is bench_core's (xlsxwriter, shared strings, 16 units, 2024-2025); the PostgreSQL server is a
throwaway one from Debian's package (tests/pg_server.py) with fsync on, on a Unix socket. The file is
parsed once per repeat; `import_parsed` runs into a fresh database each time (a new SQLite file, a new
PostgreSQL schema). Every figure is a median of --repeat runs; ratios are PostgreSQL / SQLite measured
in this process. Target: the whole import (parse + store) on PostgreSQL within x1.5 of SQLite's.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

import bench_core as bc  # noqa: E402
import pg_server  # noqa: E402
from indicators import importing, imports, progress, store  # noqa: E402
from indicators.config import default_catalog  # noqa: E402
from indicators.ledgers import LEDGERS  # noqa: E402


def fresh(kind: str, base_url: str, folder: Path, name: str) -> str:
    if kind == "sqlite":
        shutil.rmtree(folder / name, ignore_errors=True)
        return str(folder / name / "bench.db")
    return pg_server.fresh_schema(base_url)


def timed_import(target: str, data: bytes, name: str, files: Path):
    """(parse seconds, store seconds, ImportResult) of one whole import of `data` into `target`; the
    background WAL fold it starts is waited for, untimed, before the connection closes."""
    conn = store.connect(target, files_dir=files)
    t0 = time.perf_counter()
    parsed = imports.parse_file(data, name)
    t1 = time.perf_counter()
    res = importing.import_parsed(conn, parsed)
    t2 = time.perf_counter()
    store.wait_for_checkpoints()
    conn.close()
    return t1 - t0, t2 - t1, res


def bench_import(args, url: str, out: Path, summary: list, result: dict) -> None:
    units = default_catalog().unit_names
    df = bc.training_frame(args.rows, units, np.random.default_rng(bc.SEED))
    path = out / f"培训学法台账_{args.rows}.xlsx"
    bc.write_training_xlsx(path, df)
    data = path.read_bytes()
    print(f"[1] import of {path.name} ({args.rows:,} rows), median of {args.repeat}")
    runs = {k: ([], []) for k in ("sqlite", "postgresql")}
    for i in range(args.repeat):  # the two databases in turn: the machine's load changes from minute to minute
        for kind in ("sqlite", "postgresql"):
            parse_s, store_s, res = timed_import(fresh(kind, url, out, f"imp_{i}"), data, path.name, out / "uploads")
            if res.added != args.rows:
                raise SystemExit(f"ERROR: {kind} import added {res.added} of {args.rows}")
            shutil.rmtree(out / "uploads", ignore_errors=True)
            runs[kind][0].append(parse_s)
            runs[kind][1].append(store_s)
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    fig = {}
    for kind, (parse_runs, store_runs) in runs.items():
        fig[kind] = {"parse": med(parse_runs), "store": med(store_runs),
                     "whole": med([a + b for a, b in zip(parse_runs, store_runs)]), "store_runs": store_runs}
        print(f"  {kind:<10} parse {fig[kind]['parse']:.2f} s  store {fig[kind]['store']:.2f} s  "
              f"(runs {', '.join(f'{r:.2f}' for r in store_runs)})  whole {fig[kind]['whole']:.2f} s")
    s, p = fig["sqlite"], fig["postgresql"]
    result["import"] = fig
    summary.append(f"import {args.rows:,} rows, store only   SQLite {s['store']:.2f} s   PostgreSQL {p['store']:.2f} s   "
                   f"x{p['store'] / s['store']:.2f}")
    summary.append(f"import {args.rows:,} rows, whole (parse+store)   SQLite {s['whole']:.2f} s   PostgreSQL "
                   f"{p['whole']:.2f} s   x{p['whole'] / s['whole']:.2f}  (target <= x1.5)")


def build(target: str, frames: dict, files: Path, days: pl.Series = bc.DAYS) -> float:
    """The mixed ledgers imported in date-ordered batches of ~200k rows (as bench_core.build_db)."""
    total = sum(f.height for f in frames.values())
    chunks = max(1, -(-total // bc.CHUNK_ROWS))
    edges = [days[round(i * (len(days) - 1) / chunks)] for i in range(chunks)] + [days[-1] + dt.timedelta(days=1)]
    conn = store.connect(target, files_dir=files)
    t0 = time.perf_counter()
    for i in range(chunks):
        records = {k: bc.as_records(part, LEDGERS[k]) for k, df in frames.items()
                   if (part := df.filter((pl.col("date") >= edges[i]) & (pl.col("date") < edges[i + 1]))).height}
        blob = f"bench_pg synthetic batch {total} {i}".encode()
        parsed = imports.Parsed(f"bench_{i:02d}.xlsx", imports.checksum(blob), blob, records=records,
                                sheets={LEDGERS[k].name: LEDGERS[k].name for k in records})
        res = importing.import_parsed(conn, parsed)
        if res.added != parsed.rows:
            raise SystemExit(f"ERROR: batch {i} added {res.added} of {parsed.rows}")
    conn.close()
    return time.perf_counter() - t0


def copy_pg(source: str, target: str) -> None:
    """Every table of the database at `source` (a schema set up by store.connect) into the one at `target`
    (set up too), then VACUUM ANALYZE and CHECKPOINT, as a database that has been in use."""
    conn = store.connect(target, files_dir=Path(tempfile.gettempdir()))
    src = source.split("search_path%3D")[-1]
    for table in conn.tables():
        conn.execute(f"INSERT INTO {table} SELECT * FROM {src}.{table} ON CONFLICT DO NOTHING")
        conn.reset_identity(table)
    # as a database in use: vacuumed (hint bits, visibility map), analysed, its pages written out
    conn.execute("VACUUM ANALYZE")
    conn.execute("CHECKPOINT")
    conn.close()


def bench_grown(args, url: str, out: Path, summary: list, result: dict) -> None:
    """The 100k-row file imported into a database that already holds --db-rows ledger rows: of other
    years (2020-2023: the file brings new days, the usual case) and of the same 2024-2025 days (every
    new row lands among stored ones). A copy of the built database for each run: a file copy for
    SQLite, an INSERT ... SELECT into a new schema for PostgreSQL."""
    units = default_catalog().unit_names
    path = out / f"培训学法台账_{args.rows}.xlsx"
    data = path.read_bytes()
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    result["grown"] = {}
    for label, years_back in (("other years", 4), ("same days", 0)):
        frames = bc.mixed_frames(args.db_rows, units, np.random.default_rng(bc.SEED + 1))
        days = bc.DAYS
        if years_back:
            frames = {k: f.with_columns(pl.col("date").dt.offset_by(f"-{years_back}y")) for k, f in frames.items()}
            days = bc.DAYS.dt.offset_by(f"-{years_back}y")
        built = {"sqlite": fresh("sqlite", url, out, f"grown_{years_back}"), "postgresql": fresh("postgresql", url, out, "")}
        for kind, target in built.items():
            t = build(target, frames, out / "uploads", days)
            print(f"[3] built a {args.db_rows:,}-row {kind} database ({label}) in {t:.1f} s")
        store.wait_for_checkpoints()
        runs = {k: ([], []) for k in built}
        for i in range(args.repeat):
            for kind, source in built.items():
                if kind == "sqlite":
                    folder = out / "grown_run"
                    shutil.rmtree(folder, ignore_errors=True)
                    folder.mkdir()
                    bc.copy_sqlite(Path(source), folder / "bench.db")
                    target = str(folder / "bench.db")
                else:
                    target = pg_server.fresh_schema(url)
                    copy_pg(source, target)
                parse_s, store_s, res = timed_import(target, data, path.name, out / "uploads")
                if res.added + res.updated + res.unchanged != args.rows:
                    raise SystemExit(f"ERROR: {kind} import into the grown database: {res.summary()}")
                runs[kind][0].append(parse_s)
                runs[kind][1].append(store_s)
        fig = {}
        for kind, (parse_runs, store_runs) in runs.items():
            fig[kind] = {"parse": med(parse_runs), "store": med(store_runs),
                         "whole": med([a + b for a, b in zip(parse_runs, store_runs)]), "store_runs": store_runs}
            print(f"  {kind:<10} ({label}) parse {fig[kind]['parse']:.2f} s  store {fig[kind]['store']:.2f} s  "
                  f"(runs {', '.join(f'{r:.2f}' for r in store_runs)})  whole {fig[kind]['whole']:.2f} s")
        result["grown"][label] = fig
        s, p = fig["sqlite"], fig["postgresql"]
        summary.append(f"import {args.rows:,} rows into {args.db_rows:,} ({label}), store only   SQLite {s['store']:.2f} s   "
                       f"PostgreSQL {p['store']:.2f} s   x{p['store'] / s['store']:.2f}")
        summary.append(f"import {args.rows:,} rows into {args.db_rows:,} ({label}), whole   SQLite {s['whole']:.2f} s   "
                       f"PostgreSQL {p['whole']:.2f} s   x{p['whole'] / s['whole']:.2f}  (target <= x1.5)")
        shutil.rmtree(Path(built["sqlite"]).parent, ignore_errors=True)


def bench_progress(args, url: str, out: Path, summary: list, result: dict) -> None:
    units = default_catalog().unit_names
    frames = bc.mixed_frames(args.db_rows, units, np.random.default_rng(bc.SEED + 1))
    per = progress.period(2025, half=1)
    print(f"[2] progress.compute(period(2025, half=1)) at {args.db_rows:,} ledger rows, median of {args.repeat}")
    fig = {}
    for kind in ("sqlite", "postgresql"):
        target = fresh(kind, url, out, "progress")
        built = build(target, frames, out / "uploads")
        conn = store.connect(target, files_dir=out / "uploads")
        reference = progress.compute(conn, per)  # warm-up
        s, runs, frame = bc.median_time(lambda: progress.compute(conn, per), args.repeat)
        fig[kind] = {"build_seconds": built, "compute_seconds": s, "runs": runs}
        fig[kind]["frame"] = frame
        print(f"  {kind:<10} built in {built:.1f} s; compute {s * 1000:.1f} ms (runs {', '.join(f'{r * 1000:.1f}' for r in runs)})")
        conn.close()
        del reference
    a, b = fig["sqlite"].pop("frame"), fig["postgresql"].pop("frame")
    same = a[["unit", "indicator", "status"]].equals(b[["unit", "indicator", "status"]])
    result["progress"] = fig
    s, p = fig["sqlite"], fig["postgresql"]
    summary.append(f"progress.compute at {args.db_rows:,} rows   SQLite {s['compute_seconds'] * 1000:.1f} ms   PostgreSQL "
                   f"{p['compute_seconds'] * 1000:.1f} ms   x{p['compute_seconds'] / s['compute_seconds']:.2f}   "
                   f"(same statuses: {same})")
    summary.append(f"building that database (import in ~200k-row batches)   SQLite {s['build_seconds']:.1f} s   "
                   f"PostgreSQL {p['build_seconds']:.1f} s   x{p['build_seconds'] / s['build_seconds']:.2f}")


def bench_durability(args, url: str, out: Path, summary: list, result: dict) -> None:
    """The cost of a durable COMMIT on PostgreSQL (issue 21): the 100k-row import as the store runs it
    (synchronous_commit = on, set by every connection) against the same import with the session set to
    off (COMMIT returns before the WAL is flushed), alternated run by run in this process, fsync on."""
    units = default_catalog().unit_names
    path = out / f"培训学法台账_{args.rows}.xlsx"
    if not path.exists():
        bc.write_training_xlsx(path, bc.training_frame(args.rows, units, np.random.default_rng(bc.SEED)))
    parsed = imports.parse_file(path.read_bytes(), path.name)
    runs: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(args.repeat):
        for mode in ("off", "on"):
            conn = store.connect(pg_server.fresh_schema(url), files_dir=out / "files")
            if mode == "off":
                conn.execute("SET synchronous_commit = off")
            assert conn.execute("SHOW synchronous_commit").fetchone()[0] == mode
            t0 = time.perf_counter()
            res = importing.import_parsed(conn, parsed)
            runs[mode].append(time.perf_counter() - t0)
            assert res.ok and res.added == args.rows, res.summary()
            conn.close()
    on, off = (float(np.median(runs[m])) for m in ("on", "off"))
    print(f"durable COMMIT on PostgreSQL: {on:.2f} s (on) against {off:.2f} s (off): x{on / off:.2f}  "
          f"runs on {', '.join(f'{r:.2f}' for r in runs['on'])}; off {', '.join(f'{r:.2f}' for r in runs['off'])}")
    result["durability"] = {"on_seconds": on, "off_seconds": off, "on_runs": runs["on"], "off_runs": runs["off"],
                            "ratio_on_vs_off": on / off}
    summary.append(f"durable COMMIT: import_parsed of {args.rows:,} rows on PostgreSQL {on:.2f} s with "
                   f"synchronous_commit=on against {off:.2f} s with off (x{on / off:.2f})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db-rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--skip-progress", action="store_true")
    ap.add_argument("--skip-grown", action="store_true", help="skip the imports into --db-rows databases")
    ap.add_argument("--only-durability", action="store_true",
                    help="only the cost of a durable COMMIT: synchronous_commit on against off (issue 21)")
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_pg-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"output: {out}")
    summary, result = [], {}
    with pg_server.server(durable=True, database="bench") as url:
        if args.only_durability:
            bench_durability(args, url, out, summary, result)
            args.skip_grown = args.skip_progress = True
        else:
            bench_import(args, url, out, summary, result)
        if not args.skip_grown:
            bench_grown(args, url, out, summary, result)
        if not args.skip_progress:
            bench_progress(args, url, out, summary, result)
    print("\nsummary")
    for line in summary:
        print("  " + line)
    (out / "bench_pg.json").write_text(json.dumps({"summary": summary, **result}, ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
