#!/usr/bin/env python
"""Benchmark of 在线填报: checking a typed table and correcting a row, against the upload path in the same process.

Run from the repo root:

    python bench/bench_entry.py [--rows 500] [--repeat 5]

Figures (medians of --repeat runs, in this process, ratios because the machine is shared and absolute
times are noisy):
- check: entry.check of a table of --rows rows (written as CSV, read and judged by imports.parse_file,
  each row's identity looked up among the stored rows), against imports.parse_file of the same rows
  as an .xlsx upload (the clerk's other way in);
- submit: entry.submit of the table into an empty database, against importing.import_parsed of the
  upload into another;
- correct: entry.correct of one figure, against importing.import_parsed of a one-row file updating it;
- paste: what the page's grid costs a run while --rows pasted rows sit in its edit state (Streamlit's data
  editor adds them to the table one at a time, on every run), against entry.check of the same rows; the page
  takes a paste of REBASE_AFTER rows or more as the editor's new start once, after which a run adds none.
Nothing is written inside the repository.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from indicators import entry, importing, imports, store  # noqa: E402
from indicators.roles import OPERATOR  # noqa: E402
from bench_core import median_seconds  # noqa: E402

HEADER = ["日期", "单位", "类别", "主题", "主讲人", "参加人数", "学时", "备注"]
UNITS = ["红旗区", "卫滨区", "凤泉区", "牧野区", "新乡县", "获嘉县", "原阳县", "延津县"]


def table(n: int) -> list[dict]:
    return [{"日期": dt.date(2025, 1, 1) + dt.timedelta(days=i % 360), "单位": UNITS[i % len(UNITS)],
             "类别": "全员法治培训", "主题": f"第{i}次法治培训", "参加人数": 10 + i % 50, "学时": 2.0} for i in range(n)]


def xlsx(rows: list[dict]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append([r.get(h) for h in HEADER])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def grid_run_seconds(rows: list[dict], pending: int, repeat: int) -> float:
    """One run of the grid's data editor applying `pending` of `rows` still in its edit state as added rows (the
    rest already its start table): Streamlit's own row additions, as st.data_editor runs them."""
    import pandas as pd
    import pyarrow as pa
    from streamlit.elements.widgets import data_editor as de

    def start():
        typed = [{k: entry.cell_text(v) for k, v in r.items()} for r in rows[:len(rows) - pending]]
        f = pd.DataFrame({h: pd.Series([r.get(h) for r in typed],
                                       dtype="Float64" if h in ("参加人数", "学时") else "object") for h in HEADER})
        f.index = pd.RangeIndex(1, len(f) + 1)
        return f
    added = [{k: entry.cell_text(v) for k, v in r.items()} for r in rows[len(rows) - pending:]]
    times = []
    for _ in range(repeat):
        df = start()
        schema = de.determine_dataframe_schema(df, pa.Schema.from_pandas(df))
        t = time.perf_counter()
        de._apply_row_additions(df, added, schema)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=entry.MAX_ROWS)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = table(args.rows)
    book = xlsx(rows)
    with tempfile.TemporaryDirectory() as tmp:
        conn = store.connect(Path(tmp) / "check.db")
        upload = median_seconds(lambda: imports.parse_file(book, "台账.xlsx"), args.repeat)
        typed = median_seconds(lambda: entry.check(conn, OPERATOR, "training", rows), args.repeat)
        n = iter(range(10 ** 6))

        def fresh():
            return store.connect(Path(tmp) / f"db{next(n)}.db")
        dbs = [fresh() for _ in range(2 * args.repeat)]
        parsed = imports.parse_file(book, "台账.xlsx")
        up_times, sub_times = [], []
        for i in range(args.repeat):
            t = time.perf_counter()
            importing.import_parsed(dbs[2 * i], parsed)
            up_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            entry.submit(dbs[2 * i + 1], OPERATOR, "training", rows)
            sub_times.append(time.perf_counter() - t)
        one = rows[0]
        ref = f"training:{one['单位']}:{one['日期']:%Y-%m-%d}:全员法治培训:{one['主题']}"
        fix_times, file_times = [], []
        for i in range(args.repeat):
            t = time.perf_counter()
            entry.correct(dbs[2 * i + 1], OPERATOR, ref, {"参加人数": str(100 + i)}, "基准测试")
            fix_times.append(time.perf_counter() - t)
            fixed = imports.parse_file(xlsx([{**one, "参加人数": 200 + i}]), f"更正{i}.xlsx")
            t = time.perf_counter()
            importing.import_parsed(dbs[2 * i], fixed)
            file_times.append(time.perf_counter() - t)
        for c in dbs + [conn]:
            c.close()
        store.wait_for_checkpoints()
    sub, up = statistics.median(sub_times), statistics.median(up_times)
    fix, by_file = statistics.median(fix_times), statistics.median(file_times)
    print(f"{args.rows} rows, medians of {args.repeat}")
    print(f"check:   entry.check {typed * 1000:.1f} ms   upload parse_file {upload * 1000:.1f} ms   ratio x{typed / upload:.2f}")
    print(f"submit:  entry.submit {sub * 1000:.1f} ms   import_parsed {up * 1000:.1f} ms   ratio x{sub / up:.2f}")
    print(f"correct: entry.correct {fix * 1000:.1f} ms   one-row file import {by_file * 1000:.1f} ms   ratio x{fix / by_file:.2f}")
    pending = grid_run_seconds(rows, len(rows), min(args.repeat, 3))
    taken = grid_run_seconds(rows, 0, args.repeat)
    print(f"paste:   a grid run with {args.rows} pasted rows pending {pending * 1000:.0f} ms (x{pending / typed:.1f} entry.check), "
          f"after the page takes them in {taken * 1000:.2f} ms")


if __name__ == "__main__":
    main()
