#!/usr/bin/env python
"""Benchmark of the core: reading and importing a 100k-row ledger, and progress at 10k / 100k / 1M rows.

Run from the repo root:

    python bench/bench_core.py [--rows 100000] [--db-rows 1000000] [--repeat 3] [--out DIR]

Every time is a median of --repeat runs in this process, and every read/import figure is also given
as a ratio against pandas+openpyxl reading the same file in the same process, because the machine is
shared and absolute times are noisy (see /work/shared/PERF-NOTES.md). The summary is printed as
plain text and written to OUT/bench_core.json. Nothing is written inside the repository.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import os
import platform
import pstats
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import fastexcel  # noqa: E402
import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402

from indicators import containers, importing, imports, intake, progress, sheets, store, validation  # noqa: E402
from indicators.config import default_catalog  # noqa: E402
from indicators.ledgers import GOVERNANCE, LEDGERS, PUBLICITY, STAFF, TRAINING, Ledger  # noqa: E402

SEED = 20250630
FIRST_DAY, LAST_DAY = dt.date(2024, 1, 1), dt.date(2025, 12, 31)
DAYS = pl.date_range(FIRST_DAY, LAST_DAY, eager=True)  # 731 days across 2024-2025
DB_SIZES = (10_000, 100_000)  # plus --db-rows (1M by default)
CHUNK_ROWS = 200_000  # rows per synthetic import batch when building the progress databases

# ---------------------------------------------------------------- realistic Chinese text

LAWS = ["《中华人民共和国宪法》", "《中华人民共和国国防动员法》", "《中华人民共和国人民防空法》",
        "《中华人民共和国国防法》", "《中华人民共和国国防教育法》", "《中华人民共和国行政处罚法》",
        "《中华人民共和国行政许可法》", "《中华人民共和国行政复议法》", "《中华人民共和国行政诉讼法》",
        "《中华人民共和国民法典》", "《中华人民共和国保守国家秘密法》", "《中华人民共和国突发事件应对法》",
        "《中华人民共和国安全生产法》", "《中华人民共和国政府信息公开条例》", "《优化营商环境条例》",
        "《河南省实施〈中华人民共和国人民防空法〉办法》", "《法治政府建设实施纲要（2021—2025年）》", "习近平法治思想"]
TRAINING_FORMS = ["专题学习", "专题讲座", "集中学习", "学习研讨", "解读辅导", "专题培训", "以案释法", "知识测试"]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
GIVEN = ["建国", "志强", "海燕", "丽娟", "伟", "芳", "军", "静", "敏", "磊", "洋", "艳", "勇", "杰", "娜", "涛",
         "明", "超", "秀英", "华", "国庆", "红梅", "晓东", "建华", "文博", "子涵", "雨轩", "立新"]
TRAINING_NOTES = ["线上线下同步进行", "会后开展知识测试", "邀请法律顾问授课", "资料已存档", "结合典型案例讲解",
                  "采用视频会议形式", "党组书记主持"]
ACTIVITIES = ["人防知识进社区宣传", "防空防灾知识讲座", "国防动员法宣传咨询", "应急疏散演练", "人防宣传进校园",
              "防空警报试鸣宣传", "国防教育主题展览", "民防知识有奖问答", "线上法治宣传推送", "人防工程开放日",
              "法律明白人培训", "普法宣传集市"]
VENUES = [("社区", "平原路街道胜利社区"), ("社区", "人民路街道和平社区"), ("社区", "东街街道文化社区"),
          ("广场", "人民公园广场"), ("广场", "市民休闲广场"), ("学校", "新乡市第一中学"),
          ("学校", "河南科技学院"), ("学校", "实验小学"), ("企业", "化纤集团"), ("企业", "经开区企业服务中心"),
          ("机关", "市民之家"), ("机关", "人防指挥所"), ("网络媒体", "微信公众号"), ("网络媒体", "新乡日报客户端"),
          ("其他", "高铁东站")]
PUBLICITY_NOTES = ["联合街道办开展", "发放宣传折页", "现场答疑", "新乡日报刊发", "志愿者参与"]
GOVERNANCE_ITEMS = {"党组听取汇报": ["法治政府建设工作汇报", "依法行政工作情况汇报", "行政执法工作汇报"],
                    "办公会研究法治": ["研究推进依法行政工作", "研究合法性审查工作", "研究行政执法重大问题"],
                    "领导干部述法": ["领导干部年度述法", "主要负责人述法述职"],
                    "督导检查": ["法治建设动态督导", "行政执法案卷评查", "法治政府建设督导检查"]}


def _pick(rng: np.random.Generator, values, n: int, p=None) -> pl.Series:
    """n values drawn from `values` (optionally weighted)."""
    return pl.Series(values).gather(rng.choice(len(values), size=n, p=p))


def _maybe(rng: np.random.Generator, series: pl.Series, share_null: float) -> pl.Series:
    """The series with a random share of its values blanked (optional columns are often left empty)."""
    return pl.DataFrame({"v": series, "m": rng.random(len(series)) < share_null}).select(
        pl.when(pl.col("m")).then(None).otherwise(pl.col("v")).alias(series.name or "v")).to_series()


def _dates(rng: np.random.Generator, n: int) -> pl.Series:
    return DAYS.gather(rng.integers(0, len(DAYS), size=n))


def _seq_title(*parts: pl.Expr, suffix: str) -> pl.Expr:
    """Title text numbered per unit in date order ("…（第12期）"), so every row identity is unique."""
    seq = (pl.int_range(pl.len()).over("unit") + 1).cast(pl.String)
    return pl.concat_str([*parts, pl.lit("（第"), seq, pl.lit(suffix + "）")])


def training_frame(n: int, units: list[str], rng: np.random.Generator) -> pl.DataFrame:
    """n rows of 培训学法台账, sorted by date, typed as check_table returns them (without _row/_sheet)."""
    cats = TRAINING.column("category").choices
    df = pl.DataFrame({
        "date": _dates(rng, n), "unit": _pick(rng, units, n),
        "category": _pick(rng, cats, n, p=[0.12, 0.1, 0.2, 0.23, 0.35]),
        "law": _pick(rng, LAWS, n), "form": _pick(rng, TRAINING_FORMS, n),
        "speaker": _maybe(rng, _pick(rng, SURNAMES, n) + _pick(rng, GIVEN, n), 0.15),
        "participants": pl.Series(rng.integers(8, 121, size=n), dtype=pl.Int64),
        "hours": _maybe(rng, _pick(rng, [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0], n), 0.05),
        "note": _maybe(rng, _pick(rng, TRAINING_NOTES, n), 0.7),
    }).sort("date", "unit", maintain_order=True)
    df = df.with_columns(title=_seq_title(pl.col("law"), pl.col("form"), suffix="期"))
    return _typed(df, TRAINING)


def _node_for_date(date: pl.Expr, rng_col: pl.Expr) -> pl.Expr:
    """宣传节点 follows the calendar: activities near 3·1, 5·12, 9·18 and in September mostly belong to them."""
    m, d = date.dt.month(), date.dt.day()
    hit = rng_col < 0.85
    return (pl.when(hit & (((m == 2) & (d >= 25)) | ((m == 3) & (d <= 7)))).then(pl.lit("3·1民防日"))
            .when(hit & (m == 5) & d.is_between(6, 15)).then(pl.lit("5·12防灾减灾日"))
            .when(hit & (m == 9) & d.is_between(14, 20)).then(pl.lit("9·18警报鸣放"))
            .when(hit & (m == 9)).then(pl.lit("全民国防教育月"))
            .otherwise(pl.lit("其他")))


def publicity_frame(n: int, units: list[str], rng: np.random.Generator) -> pl.DataFrame:
    venue = rng.integers(0, len(VENUES), size=n)
    people = rng.integers(20, 1500, size=n)
    df = pl.DataFrame({
        "date": _dates(rng, n), "unit": _pick(rng, units, n), "r": rng.random(n),
        "activity": _pick(rng, ACTIVITIES, n),
        "venue_type": pl.Series([v[0] for v in VENUES]).gather(venue),
        "venue": pl.Series([v[1] for v in VENUES]).gather(venue),
        "people": pl.Series(people, dtype=pl.Int64),
        "materials": _maybe(rng, pl.Series((people * rng.uniform(0.3, 2.0, size=n)).astype(np.int64)), 0.2),
        "media": pl.Series(rng.choice([0, 0, 0, 1, 1, 2, 3], size=n), dtype=pl.Int64),
        "note": _maybe(rng, _pick(rng, PUBLICITY_NOTES, n), 0.8),
    }).sort("date", "unit", maintain_order=True)
    df = df.with_columns(node=_node_for_date(pl.col("date"), pl.col("r")))
    prefix = pl.when(pl.col("node") == "其他").then(pl.lit("")).otherwise(pl.col("node"))
    df = df.with_columns(title=_seq_title(prefix, pl.col("activity"), suffix="场"))
    return _typed(df, PUBLICITY)


def governance_frame(n: int, units: list[str], rng: np.random.Generator) -> pl.DataFrame:
    cats = GOVERNANCE.column("category").choices
    cat = _pick(rng, cats, n, p=[0.3, 0.3, 0.1, 0.3])
    item = pl.Series([GOVERNANCE_ITEMS[c][i % len(GOVERNANCE_ITEMS[c])]
                      for c, i in zip(cat.to_list(), rng.integers(0, 6, size=n).tolist())])
    df = pl.DataFrame({"date": _dates(rng, n), "unit": _pick(rng, units, n), "category": cat, "item": item,
                       "note": _maybe(rng, _pick(rng, ["会议纪要已存档", "形成整改清单", "印发通报"], n), 0.7)}
                      ).sort("date", "unit", maintain_order=True)
    half = pl.when(pl.col("date").dt.month() <= 6).then(pl.lit("年上半年")).otherwise(pl.lit("年下半年"))
    df = df.with_columns(title=_seq_title(pl.col("date").dt.year().cast(pl.String), half, pl.col("item"), suffix="次"))
    return _typed(df, GOVERNANCE)


def staff_frame(units: list[str], rng: np.random.Generator) -> pl.DataFrame:
    """One 执法人员统计表 row per unit per quarter end (2024-2025): 16 x 8 = 128 rows."""
    dates = [dt.date(y, m, d) for y in (2024, 2025) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))]
    rows = []
    for u in units:
        quota = int(rng.integers(6, 31))
        for i, d in enumerate(dates):
            staff = quota - int(rng.integers(0, 4))
            certified = staff - int(rng.integers(0, 2))
            q = i % 4 + 1  # year-to-date figures grow through the year
            rows.append({"date": d, "unit": u, "quota": quota, "staff": staff, "certified": certified,
                         "new_certs": int(rng.integers(0, 2)) * q, "renewals": int(rng.integers(0, 3)) * q // 2,
                         "reviewed": min(certified, certified * q // 4), "trained": min(staff, staff * q // 4),
                         "note": None})
    return _typed(pl.DataFrame(rows), STAFF)


def _typed(df: pl.DataFrame, ledger: Ledger) -> pl.DataFrame:
    """The ledger's fields in declared order with the dtypes validation.check_table casts to."""
    return df.select([pl.col(c.field).cast(validation._DTYPES[c.type]) for c in ledger.columns])


def as_records(df: pl.DataFrame, ledger: Ledger, first_row: int = 3) -> pl.DataFrame:
    """Exactly the shape check_table returns: `_row`, the ledger fields (typed), `_sheet`."""
    return df.select(pl.int_range(first_row, first_row + df.height, dtype=pl.Int64).alias("_row"),
                     *[pl.col(c.field).cast(validation._DTYPES[c.type]) for c in ledger.columns],
                     pl.lit(ledger.name, dtype=pl.String).alias("_sheet"))


# ---------------------------------------------------------------- step 1: the 100k-row workbook

def write_training_xlsx(path: Path, df: pl.DataFrame) -> None:
    """A 培训学法台账 as a clerk hands it in: merged title row, canonical header row, one row per session.

    Written with xlsxwriter, which keeps text in the shared-string table as Excel itself saves it
    (openpyxl's write_only mode writes inline strings: a 44 MB sheet XML that makes the openpyxl
    baseline ~2.5x slower than on a real Excel file, and every ratio flattering).
    """
    import xlsxwriter

    header = [c.name for c in TRAINING.columns]
    assert header == ["日期", "单位", "类别", "主题", "主讲人", "参加人数", "学时", "备注"], header
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(TRAINING.name)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.merge_range(0, 0, 0, len(header) - 1, "新乡市国防动员系统培训学法台账（2024—2025年）")
    ws.write_row(1, 0, header)
    for r, row in enumerate(df.iter_rows(), 2):
        for c, v in enumerate(row):
            if v is None:
                continue
            if c == 0:
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date_fmt)
            else:
                ws.write(r, c, v)
    wb.close()


# ---------------------------------------------------------------- timing helpers

def median_time(fn, repeat: int, setup=None) -> tuple[float, list[float], object]:
    """(median seconds, all runs, last result) of fn() over `repeat` runs, setup() untimed before each."""
    runs, result = [], None
    for _ in range(repeat):
        if setup:
            setup()
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), runs, result


def median_seconds(fn, repeat: int) -> float:
    """Median seconds of fn() over `repeat` runs, after one untimed run (the first read pages the data in)."""
    fn()
    return median_time(fn, repeat)[0]


class TimedConnection:
    """Passes execute/executemany through to a sqlite3 connection, adding up the time per statement."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self.seconds: dict[str, float] = defaultdict(float)

    @staticmethod
    def label(sql: str, many: bool) -> str:
        s = re.sub(r"\s+", " ", sql).strip()
        if re.match(r"INSERT INTO \w+ \(.*\bcreated_batch\) SELECT", s):  # a ledger's rows
            s = s.split(" (")[0] + " SELECT FROM stage.rows_* (" + ("upsert)" if "ON CONFLICT" in s else "plain insert)")
        elif s.startswith(("INSERT INTO agg_day", "INSERT INTO agg_month")):
            s = s.split(" (")[0] + (" VALUES (less the overwritten rows)" if many else
                                    " SELECT FROM stage (measures computed in polars, added)")
        elif s.startswith("INSERT INTO change"):
            s = "INSERT INTO change (old values of updated rows)"
        elif s.startswith("INSERT INTO incoming_"):
            s = "INSERT INTO incoming_* (staging, non-empty ledger)"
        else:
            s = s[:60]
        return ("executemany " if many else "") + s

    def execute(self, sql, *args):
        t0 = time.perf_counter()
        try:
            return self._conn.execute(sql, *args)
        finally:
            self.seconds[self.label(sql, False)] += time.perf_counter() - t0

    def executemany(self, sql, *args):
        t0 = time.perf_counter()
        try:
            return self._conn.executemany(sql, *args)
        finally:
            self.seconds[self.label(sql, True)] += time.perf_counter() - t0

    def __getattr__(self, name):
        return getattr(self._conn, name)


def fresh_db(folder: Path) -> sqlite3.Connection:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return store.connect(folder / "bench.db")


def profile(fn) -> pstats.Stats:
    """cProfile statistics of one fn() run."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    return pstats.Stats(prof)


def profile_top(stats: pstats.Stats, n: int = 5, only: str | None = None, sort: str = "tottime") -> list[dict]:
    """Top n functions by `sort` (tottime = own time, cumtime = with callees), optionally only those
    whose file path contains `only`."""
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        if only and only not in file:
            continue
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if file != "~" else "builtin"
        rows.append({"function": f"{func} ({where})", "calls": nc, "tottime": tt, "cumtime": ct})
    rows.sort(key=lambda r: r[sort], reverse=True)
    return rows[:n]


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>12,.0f} rows/s" if seconds > 0 else "           - rows/s"


# ---------------------------------------------------------------- step 2: reading and importing the file

def bench_file(args, out: Path, units: list[str], summary: list, result: dict) -> None:
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    df = training_frame(args.rows, units, rng)
    gen_s = time.perf_counter() - t0
    path = out / f"培训学法台账_{args.rows}.xlsx"
    t0 = time.perf_counter()
    write_training_xlsx(path, df)
    write_s = time.perf_counter() - t0
    size = path.stat().st_size
    print(f"\n[1] wrote {path} ({args.rows:,} rows, {size / 1e6:.1f} MB): generated in {gen_s:.2f} s, "
          f"xlsxwriter in {write_s:.1f} s")
    dup = df.select(TRAINING.key).is_duplicated().sum()
    if dup:
        print(f"ERROR: generated {dup} duplicate row identities", file=sys.stderr)
        sys.exit(1)
    result["file"] = {"path": str(path), "rows": args.rows, "bytes": size, "write_seconds": write_s}
    del df
    gc.collect()

    print(f"\n[2] reading and importing that file, median of {args.repeat}")
    name = path.name
    read_bytes = path.read_bytes  # our entry point takes bytes: reading them is inside our timings

    def pandas_read(engine):
        frame = pd.read_excel(path, sheet_name=0, header=1, engine=engine)
        if len(frame) != args.rows:
            raise SystemExit(f"ERROR: pandas/{engine} read {len(frame)} rows, expected {args.rows}")
        return frame

    figures = {}
    base, runs, _ = median_time(lambda: pandas_read("openpyxl"), args.repeat)
    figures["pandas_openpyxl"] = (base, runs, "pd.read_excel(engine='openpyxl')  [baseline]")
    print(f"  (a) pandas+openpyxl   {base:7.2f} s  runs {', '.join(f'{r:.2f}' for r in runs)}")
    s, runs, _ = median_time(lambda: pandas_read("calamine"), args.repeat)
    figures["pandas_calamine"] = (s, runs, "pd.read_excel(engine='calamine')")
    print(f"  (b) pandas+calamine   {s:7.2f} s  runs {', '.join(f'{r:.2f}' for r in runs)}")

    def parse():
        parsed = imports.parse_file(read_bytes(), name)
        if not parsed.ok or parsed.rows != args.rows:
            for p in parsed.problems[:10]:
                print("  problem:", p, file=sys.stderr)
            print(f"ERROR: parse_file: {len(parsed.problems)} problems, {parsed.rows} rows "
                  f"(expected 0 problems, {args.rows} rows)", file=sys.stderr)
            sys.exit(1)
        return parsed

    s, runs, parsed = median_time(parse, args.repeat)
    figures["parse_file"] = (s, runs, "imports.parse_file(bytes, name)")
    print(f"  (c) parse_file        {s:7.2f} s  runs {', '.join(f'{r:.2f}' for r in runs)}")
    del parsed

    split = {"parse": [], "store": []}
    imports_dir = out / "import_db"
    state = {}

    def setup():
        if "conn" in state:
            store.wait_for_checkpoints()  # the previous import's WAL fold (a background thread), untimed
            state["conn"].close()
        state["conn"] = fresh_db(imports_dir)

    def whole_import():
        t0 = time.perf_counter()
        parsed = imports.parse_file(read_bytes(), name)
        t1 = time.perf_counter()
        res = importing.import_parsed(state["conn"], parsed)
        t2 = time.perf_counter()
        split["parse"].append(t1 - t0)
        split["store"].append(t2 - t1)
        if not res.ok or res.added != args.rows or res.batch_id is None:
            print(f"ERROR: import reported {res.added} rows added (expected {args.rows}); "
                  f"problems: {len(parsed.problems)}; {res.summary()}", file=sys.stderr)
            sys.exit(1)
        return res

    s, runs, res = median_time(whole_import, args.repeat, setup)
    figures["import"] = (s, runs, "parse_file + importing.import_parsed (fresh db)")
    state["conn"].close()
    parse_med, store_med = statistics.median(split["parse"]), statistics.median(split["store"])
    print(f"  (d) whole import      {s:7.2f} s  runs {', '.join(f'{r:.2f}' for r in runs)}  "
          f"(parse {parse_med:.2f} s + store {store_med:.2f} s; {res.added:,} rows added)")

    result["read_import"] = {}
    for key, (sec, runs, label) in figures.items():
        ratio = base / sec
        result["read_import"][key] = {"label": label, "seconds": sec, "runs": runs, "rows_per_s": args.rows / sec,
                                      "x_vs_pandas_openpyxl": ratio}
        summary.append(f"read/import {args.rows:,} rows  {label:<45} {sec:7.2f} s {rate(args.rows, sec)}  "
                       f"x{ratio:5.1f} vs pandas+openpyxl")
    result["read_import"]["import"].update(parse_seconds=parse_med, store_seconds=store_med,
                                           store_share=store_med / (parse_med + store_med))
    summary.append(f"  import split: parse {parse_med:.2f} s ({100 * parse_med / (parse_med + store_med):.0f}%)"
                   f" + store {store_med:.2f} s ({100 * store_med / (parse_med + store_med):.0f}%)")

    durability_cost(args, read_bytes, name, imports_dir, result, summary)
    if args.only_import:
        shutil.rmtree(imports_dir, ignore_errors=True)
        return
    breakdown_parse(path, args, result, summary)
    breakdown_store(path, out, args, result, summary)
    shutil.rmtree(imports_dir, ignore_errors=True)


def durability_cost(args, read_bytes, name: str, folder: Path, result: dict, summary: list) -> None:
    """The cost of a durable COMMIT: the whole import as the store runs it (synchronous=FULL, the WAL on disk
    at COMMIT) against the same import with synchronous=NORMAL (the setting before issue 21: the WAL synced
    only at the later fold), alternated run by run in this process so that the machine's load hits both."""
    parsed = imports.parse_file(read_bytes(), name)  # the store's share is what the setting changes
    runs: dict[str, list[float]] = {"FULL": [], "NORMAL": []}
    for _ in range(args.repeat):
        for mode in ("NORMAL", "FULL"):
            store.wait_for_checkpoints()
            conn = fresh_db(folder)
            conn.execute(f"PRAGMA synchronous={mode}")
            gc.collect()
            t0 = time.perf_counter()
            res = importing.import_parsed(conn, parsed)
            runs[mode].append(time.perf_counter() - t0)
            assert res.ok and res.added == args.rows, res.summary()
            store.wait_for_checkpoints()
            conn.close()
    full, normal = statistics.median(runs["FULL"]), statistics.median(runs["NORMAL"])
    print(f"  (e) store, durable    {full:7.2f} s  runs {', '.join(f'{r:.2f}' for r in runs['FULL'])}  "
          f"(synchronous=FULL) against {normal:.2f} s (NORMAL): x{full / normal:.2f}")
    result["durability"] = {"full_seconds": full, "normal_seconds": normal, "full_runs": runs["FULL"],
                            "normal_runs": runs["NORMAL"], "ratio_full_vs_normal": full / normal}
    summary.append(f"durable COMMIT: importing.import_parsed of {args.rows:,} rows {full:.2f} s with synchronous=FULL "
                   f"against {normal:.2f} s with NORMAL (x{full / normal:.2f})")


def breakdown_parse(path: Path, args, result: dict, summary: list) -> None:
    """parse_file's steps, timed one by one through the same internal functions it calls."""
    data, name = path.read_bytes(), path.name
    catalog = default_catalog()
    steps: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeat):
        gc.collect()
        t = time.perf_counter()
        imports.checksum(data)
        steps["sha256 checksum"].append(time.perf_counter() - t)
        t = time.perf_counter()
        reader = fastexcel.read_excel(data)
        sheet = reader.load_sheet(reader.sheet_names[0], header_row=None, dtypes="string", skip_rows=0)
        frame = sheet.to_polars()
        steps["fastexcel load_sheet + to_polars"].append(time.perf_counter() - t)
        t = time.perf_counter()
        infos = containers.inspect_xlsx(data)  # sizes, real extent, shared text, marks, merges (issue 10)
        steps["containers.inspect_xlsx (streams the sheet XML)"].append(time.perf_counter() - t)
        frame = frame.cast({c: pl.String for c in frame.columns})
        col_index = [c.absolute_index for c in sheet.selected_columns]
        t = time.perf_counter()
        sheets._fill_merged(frame, col_index, infos[0].merges)
        steps["sheets._fill_merged (1 merged title row)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        raws = sheets.read_workbook(data, name)
        steps["= sheets.read_workbook total"].append(time.perf_counter() - t)
        t = time.perf_counter()
        table = sheets.recognise(raws[0], name)
        steps["sheets.recognise"].append(time.perf_counter() - t)
        t = time.perf_counter()
        records, problems = validation.check_table(table, catalog, name)
        steps["validation.check_table"].append(time.perf_counter() - t)
        t = time.perf_counter()
        validation.duplicate_problems(records, TRAINING, name)
        steps["validation.duplicate_problems"].append(time.perf_counter() - t)
        # two pieces of check_table, timed alone because they dominate it (see README)
        cols = {f: m.source for f, m in table.columns.items()}
        t = time.perf_counter()
        cleaned = table.data.select(*[validation._clean(src).alias(f) for f, src in cols.items()])
        steps["  of which validation._clean (NFKC, 8 columns)"].append(time.perf_counter() - t)
        date, code = validation._parse_date(pl.col("date"))
        t = time.perf_counter()
        cleaned.select(date, code)
        steps["  of which validation._parse_date (date column)"].append(time.perf_counter() - t)
    print("\n  parse_file step by step (median s):")
    result["parse_steps"] = {}
    for k, v in steps.items():
        med = statistics.median(v)
        result["parse_steps"][k] = med
        print(f"    {k:<48} {med:7.3f}")
        summary.append(f"  parse step  {k:<48} {med:7.3f} s")
    if args.profile:
        stats = profile(lambda: imports.parse_file(data, name))
        top = profile_top(stats, 5)
        ours = profile_top(stats, 8, only=str(ROOT / "indicators"), sort="cumtime")
        result["parse_profile_top5_tottime"] = top
        result["parse_profile_indicators_cumtime"] = ours
        print("  cProfile of one parse_file, top 5 by own time:")
        for r in top:
            print(f"    {r['tottime']:6.3f} s own  {r['cumtime']:6.3f} s cum  {r['calls']:>7} calls  {r['function']}")
            summary.append(f"  parse profile  {r['tottime']:6.3f} s own  {r['function']}")
        print("  ... and our functions (indicators/) by time including callees:")
        for r in ours:
            print(f"    {r['cumtime']:6.3f} s cum  {r['tottime']:6.3f} s own  {r['calls']:>7} calls  {r['function']}")


def breakdown_store(path: Path, out: Path, args, result: dict, summary: list) -> None:
    """importing.import_parsed's SQL statements, timed through a pass-through connection (one run)."""
    parsed = imports.parse_file(path.read_bytes(), path.name)
    folder = out / "import_db_breakdown"
    conn = fresh_db(folder)
    timed = TimedConnection(conn)
    gc.collect()
    t0 = time.perf_counter()
    importing.import_parsed(timed, parsed)
    total = time.perf_counter() - t0
    conn.close()
    shutil.rmtree(folder, ignore_errors=True)
    print(f"\n  importing.import_parsed statement by statement (one run, {total:.2f} s in all):")
    result["store_steps"] = {"total": total}
    top = sorted(timed.seconds.items(), key=lambda kv: kv[1], reverse=True)
    sql_total = sum(timed.seconds.values())
    for label, sec in top[:8]:
        print(f"    {sec:7.3f} s  {label}")
        result["store_steps"][label] = sec
        summary.append(f"  store step  {sec:7.3f} s  {label}")
    other = total - sql_total
    print(f"    {other:7.3f} s  (outside SQL: sorting, aggregates in polars, the ADBC scratch database, the original file)")
    result["store_steps"]["outside SQL"] = other
    summary.append(f"  store step  {other:7.3f} s  (outside SQL)")


# ---------------------------------------------------------------- step 2b: the issue-15 figures, one run

def _run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, str]:
    """(wall seconds, stderr) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"ERROR: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return wall, proc.stderr.decode()


# Runs `-m module args` or `-c code` and reports the process's own peak RSS (VmHWM) at exit. A
# child's rusage is no good here: the kernel folds the parent's RSS at fork/vfork into its maxrss.
_HWM = """
import atexit, runpy, sys
def _hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            sys.stderr.write('VMHWM_KB ' + line.split()[1] + chr(10))
atexit.register(_hwm)
args = sys.argv[1:]
if args[0] == '-m':
    sys.argv = [args[1], *args[2:]]
    runpy.run_module(args[1], run_name='__main__', alter_sys=True)
else:
    sys.argv = ['-c']
    exec(compile(args[1], '<bench>', 'exec'), {'__name__': '__main__'})
"""


def _peak_rss_mb(args: list[str], env: dict | None = None) -> float:
    """Peak RSS (MB) of `python <args>` in a child process, as the child itself reports it."""
    _, err = _run_measured([sys.executable, "-c", _HWM, *args], env)
    return int(re.findall(r"VMHWM_KB (\d+)", err)[-1]) / 1024


def _import_seconds(stderr: str) -> tuple[float, set[str]]:
    """Total import time (top-level modules' cumulative µs) and module names from -X importtime output."""
    total, mods = 0, set()
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)", line)
        if m:
            mods.add(m.group(4))
            if len(m.group(3)) == 1:
                total += int(m.group(2))
    return total / 1e6, mods


def _sheet_xml_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/sheet"))


def bench_targets(args, out: Path, units: list[str], summary: list, result: dict) -> None:
    """Every figure issue 15 asks for, as ratios against baselines measured here and now."""
    path = Path(result["file"]["path"])
    base = result["read_import"]["pandas_openpyxl"]["seconds"]
    name, n_rows = path.name, args.rows
    py = sys.executable
    figures = result.setdefault("targets", {})
    lines = []

    def add(key, text, value, target=None, ok=None):
        figures[key] = {"text": text, "value": value, "target": target, "met": ok}
        mark = "" if ok is None else ("  [met]" if ok else "  [NOT met]")
        lines.append(f"{text}{f'   (target {target})' if target else ''}{mark}")

    # (1) the whole import into a database that already holds --db-rows rows: a history of other years
    # (the usual case: a file brings new days), and the same two years (every one of its days shared)
    print(f"\n[2b] issue-15 figures (baseline pandas+openpyxl {base:.2f} s, measured above in this run)")
    s_fresh = result["read_import"]["import"]["seconds"]
    runs_fresh = result["read_import"]["import"]["runs"]
    add("import_fresh_x", f"whole import in-process, empty db{'':>17} {s_fresh:6.2f} s (runs {', '.join(f'{r:.2f}' for r in runs_fresh)})"
        f"  x{base / s_fresh:4.1f} vs pandas+openpyxl", base / s_fresh, ">= x8", base / s_fresh >= 8)
    run_dir = out / "import_big"
    for label, years_back in (("2020-2023 history", 4), ("same 2024-2025 days", 0)):
        big = out / f"db_{args.db_rows}" / "bench.db" if not years_back else out / f"db_{args.db_rows}_history" / "bench.db"
        info = build_db(big, args.db_rows, units, np.random.default_rng(SEED + 1), years_back)
        if not years_back:
            result["_big_db_info"] = info  # step 3 reads this database too
        print(f"  built a {info['rows']:,}-row database ({label}) in {info['import_seconds']:.1f} s ({info['bytes'] / 1e6:.0f} MB)")
        state = {}

        def setup():
            if "conn" in state:
                store.wait_for_checkpoints()  # the previous import's WAL fold (a background thread), untimed
                state["conn"].close()
            shutil.rmtree(run_dir, ignore_errors=True)
            run_dir.mkdir(parents=True)
            copy_sqlite(big, run_dir / "bench.db")
            state["conn"] = store.connect(run_dir / "bench.db")

        def into_big():
            parsed = imports.parse_file(path.read_bytes(), name)
            res = importing.import_parsed(state["conn"], parsed)
            if not res.ok or res.added + res.updated + res.unchanged != n_rows or res.batch_id is None:
                raise SystemExit(f"ERROR: import into the big database: {res.summary()}")
            return res

        s_big, runs_big, res = median_time(into_big, args.repeat, setup)
        state["conn"].close()
        key = "import_big_history_x" if years_back else "import_big_same_days_x"
        add(key, f"whole import in-process, {info['rows']:,}-row db, {label:<19} {s_big:6.2f} s (runs "
            f"{', '.join(f'{r:.2f}' for r in runs_big)})  x{base / s_big:4.1f} vs pandas+openpyxl", base / s_big, ">= x8",
            base / s_big >= 8)
        if years_back:
            shutil.rmtree(big.parent, ignore_errors=True)

    # (2) the upload check of a typical 300-row ledger, bytes to preview, in an empty and in the big db
    small = out / "培训学法台账_300.xlsx"
    write_training_xlsx(small, training_frame(300, units, np.random.default_rng(SEED + 3)))
    small_data = small.read_bytes()
    for label, db in (("empty db", None), (f"{info['rows']:,}-row db", run_dir / "bench.db")):
        folder = out / "check_empty"
        if db is None:
            conn = fresh_db(folder)
        else:
            conn = store.connect(db)

        def check():
            c = intake.check_upload(conn, small_data, small.name)
            if not c.ok or c.plan is None:
                raise SystemExit("ERROR: the 300-row ledger did not pass the check")
            intake.plan_frame(c.plan)
            intake.units_frame(c.plan)
            return c

        check()  # warm-up: the catalog, the page cache
        s, runs, _ = median_time(check, max(5, 3 * args.repeat))
        conn.close()
        shutil.rmtree(folder, ignore_errors=True)
        add(f"upload_check_300_{'empty' if db is None else 'big'}",
            f"upload check, 300-row ledger, {label:<16} {s * 1000:6.1f} ms (spread {min(runs) * 1000:.0f}-{max(runs) * 1000:.0f})"
            f"  bytes -> preview (check_upload + plan + units)", s, "< 200 ms", s < 0.2)
    shutil.rmtree(run_dir, ignore_errors=True)

    # (3) whole processes: the command against a process that only does the pandas read
    cli_runs, rss_runs = [], []
    for i in range(args.repeat):
        folder = out / "cli_db"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        argv = ["-m", "indicators", "import", str(path), "--db", str(folder / "cli.db")]
        if i == 0:  # one run for the memory figure (through the reporting wrapper), not timed
            rss_runs.append(_peak_rss_mb(argv))
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        cli_runs.append(_run_measured([py, *argv])[0])
    shutil.rmtree(out / "cli_db", ignore_errors=True)
    pandas_code = (f"import pandas as pd; f = pd.read_excel({str(path)!r}, sheet_name=0, header=1, engine='openpyxl'); "
                   f"assert len(f) == {n_rows}")
    pandas_runs, pandas_rss = [], []
    pandas_rss.append(_peak_rss_mb(["-c", pandas_code]))
    for _ in range(args.repeat):
        pandas_runs.append(_run_measured([py, "-c", pandas_code])[0])
    cli_s, pandas_s = statistics.median(cli_runs), statistics.median(pandas_runs)
    add("process_x", f"`python -m indicators import` process  {cli_s:6.2f} s (runs {', '.join(f'{r:.2f}' for r in cli_runs)})"
        f"  x{pandas_s / cli_s:4.1f} vs a pandas-read process {pandas_s:.2f} s (runs {', '.join(f'{r:.2f}' for r in pandas_runs)})",
        pandas_s / cli_s, ">= x5", pandas_s / cli_s >= 5)

    # (4) memory: the import process's peak RSS beside the file and its sheet XML
    xml = _sheet_xml_bytes(path)
    rss = max(rss_runs)
    add("peak_rss", f"peak RSS of the import process           {rss:6.0f} MB  for a {path.stat().st_size / 1e6:.1f} MB file, "
        f"{xml / 1e6:.1f} MB sheet XML uncompressed: x{rss * 1024 * 1024 / xml:.1f} the XML"
        f" (pandas-read process {max(pandas_rss):.0f} MB)", rss * 1024 * 1024 / xml, "< x10 the XML", rss * 1024 * 1024 / xml < 10)

    # (5) start-up: import time of `batches` and `progress`, against the libraries the CLI used to load
    empty = out / "startup_db"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir(parents=True)
    env = {store.DB_ENV: str(empty / "empty.db")}
    ref = [_import_seconds(_run_measured([py, "-X", "importtime", "-c", "import pandas, polars, fastexcel, python_calamine"])[1])[0]
           for _ in range(5)]
    ref_s = statistics.median(ref)
    add("startup_reference", f"reference: importing pandas, polars, fastexcel, python_calamine  {ref_s * 1000:5.0f} ms "
        f"(what `import indicators.cli` loaded before issue 15; it took 0.44 s in all)", ref_s)
    for cmd in (["batches"], ["progress", "--year", "2025", "--half", "1"]):
        walls, imps, mods = [], [], set()
        for _ in range(5):
            wall, err = _run_measured([py, "-X", "importtime", "-m", "indicators", *cmd], env)
            t, mods = _import_seconds(err)
            walls.append(wall)
            imps.append(t)
        imp, wall = statistics.median(imps), statistics.median(walls)
        heavy = [m for m in ("pandas", "polars", "fastexcel", "openpyxl") if m in mods] or ["none of pandas/polars"]
        # judged against the reference measured now (the machine is shared): under half of it is under
        # half of the old start-up, which imported all of the reference and the project's modules besides
        add(f"startup_{cmd[0]}", f"start-up of `{cmd[0]}`: imports {imp * 1000:5.0f} ms (x{imp / ref_s:.2f} the reference; "
            f"process {wall * 1000:.0f} ms in all); loads {', '.join(heavy)}", imp / ref_s, "< x0.5 the reference",
            imp / ref_s < 0.5)
    shutil.rmtree(empty, ignore_errors=True)
    print("\n".join("  " + line for line in lines))
    summary.append("issue-15 figures (ratios against baselines measured in this run):")
    summary.extend("  " + line for line in lines)


# ---------------------------------------------------------------- step 3: progress at 10k / 100k / 1M rows

def mixed_frames(n: int, units: list[str], rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    """About n ledger rows: 128 staff rows, 5% governance, the rest split between training and publicity."""
    staff = staff_frame(units, rng)
    gov = n // 20
    train = (n - staff.height - gov) // 2
    pub = n - staff.height - gov - train
    return {"training": training_frame(train, units, rng), "publicity": publicity_frame(pub, units, rng),
            "governance": governance_frame(gov, units, rng), "staff": staff}


def copy_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite database through SQLite's backup API.

    Not shutil.copyfile: the database is in WAL mode and an import leaves a checkpoint thread folding
    the WAL into the main file after it returns (store.checkpoint(background=True)); a byte copy taken
    while that fold writes pages, or while committed pages are still only in the -wal file, is a torn
    file that SQLite reports as "database disk image is malformed". The backup reads one snapshot
    (main file and WAL together) under a read transaction, whatever other connections are doing."""
    dst.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def build_db(path: Path, n: int, units: list[str], rng: np.random.Generator, years_back: int = 0) -> dict:
    """A database of about n ledger rows, imported through importing.import_parsed in date-ordered chunks
    (each chunk is a batch, like a month's or a quarter's files; disjoint days keep the aggregate
    refresh linear). `years_back` dates every row that many years before 2024-2025 (a history that
    the benchmark file's days do not share)."""
    shutil.rmtree(path.parent, ignore_errors=True)
    path.parent.mkdir(parents=True)
    t0 = time.perf_counter()
    frames = mixed_frames(n, units, rng)
    days = DAYS
    if years_back:
        shift = pl.col("date").dt.offset_by(f"-{years_back}y")
        frames = {k: f.with_columns(shift) for k, f in frames.items()}
        days = DAYS.dt.offset_by(f"-{years_back}y")
    gen_s = time.perf_counter() - t0
    total = sum(f.height for f in frames.values())
    chunks = max(1, -(-total // CHUNK_ROWS))
    edges = [days[round(i * (len(days) - 1) / chunks)] for i in range(chunks)] + [days[-1] + dt.timedelta(days=1)]
    conn = store.connect(path)
    chunk_stats = []
    t0 = time.perf_counter()
    for i in range(chunks):
        lo, hi = edges[i], edges[i + 1]
        records = {}
        for kind, df in frames.items():
            part = df.filter((pl.col("date") >= lo) & (pl.col("date") < hi))
            if part.height:
                records[kind] = as_records(part, LEDGERS[kind])
        blob = f"bench_core synthetic batch {n} {i}".encode()
        parsed = imports.Parsed(f"bench_{n}_{i:02d}.xlsx", imports.checksum(blob), blob, records=records,
                                sheets={LEDGERS[k].name: LEDGERS[k].name for k in records})
        rows = parsed.rows
        t = time.perf_counter()
        res = importing.import_parsed(conn, parsed)
        sec = time.perf_counter() - t
        if res.added != rows:
            print(f"ERROR: building the {n:,}-row database: chunk {i} added {res.added} of {rows} rows", file=sys.stderr)
            sys.exit(1)
        chunk_stats.append({"rows": rows, "seconds": sec})
    build_s = time.perf_counter() - t0
    counts = {k: conn.execute(f"SELECT COUNT(*) FROM {k}").fetchone()[0] for k in LEDGERS}
    counts["agg_day"] = conn.execute("SELECT COUNT(*) FROM agg_day").fetchone()[0]
    counts["agg_month"] = conn.execute("SELECT COUNT(*) FROM agg_month").fetchone()[0]
    store.wait_for_checkpoints()  # the last chunk's background WAL fold, before anyone reads the file
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"rows": total, "generate_seconds": gen_s, "import_seconds": build_s, "chunks": chunk_stats,
            "counts": counts, "bytes": path.stat().st_size}


def bench_progress(args, out: Path, units: list[str], summary: list, result: dict) -> None:
    sizes = sorted({*DB_SIZES, args.db_rows})
    per = progress.period(2025, half=1)
    print(f"\n[3] progress.compute(conn, period(2025, half=1)) on databases of {', '.join(f'{s:,}' for s in sizes)} rows")
    result["progress"] = {}
    rng = np.random.default_rng(SEED + 1)
    for n in sizes:
        path = out / f"db_{n}" / "bench.db"
        reuse = result.pop("_big_db_info", None) if n == args.db_rows and path.exists() else None
        info = reuse or build_db(path, n, units, rng)
        c = info["counts"]
        first, last = info["chunks"][0], info["chunks"][-1]
        print(f"  {n:>9,} rows: built in {info['generate_seconds']:.1f} s generate + {info['import_seconds']:.1f} s "
              f"import ({rate(info['rows'], info['import_seconds']).strip()}; {len(info['chunks'])} batches, "
              f"first {first['rows'] / first['seconds']:,.0f} rows/s, last {last['rows'] / last['seconds']:,.0f} rows/s), "
              f"{info['bytes'] / 1e6:.0f} MB; agg_day {c['agg_day']:,} rows, agg_month {c['agg_month']:,}")
        conn = store.connect(path)
        frame = progress.compute(conn, per)  # warm-up: catalog, page cache
        s, runs, frame = median_time(lambda: progress.compute(conn, per), args.repeat)
        n_units = len(default_catalog().units)
        n_ind = len(default_catalog().indicators)
        if len(frame) != (n_units + 1) * n_ind:
            print(f"ERROR: progress.compute returned {len(frame)} rows, expected {(n_units + 1) * n_ind}", file=sys.stderr)
            sys.exit(1)
        print(f"             compute {s * 1000:8.1f} ms  runs {', '.join(f'{r * 1000:.1f}' for r in runs)}")
        info.update(compute_seconds=s, compute_runs=runs)
        if args.profile and n == sizes[-1]:
            top = profile_top(profile(lambda: progress.compute(conn, per)), 5)
            info["compute_profile_top5_tottime"] = top
            print(f"  cProfile of one compute at {n:,} rows, top 5 by own time:")
            for r in top:
                print(f"    {r['tottime'] * 1000:7.1f} ms own  {r['cumtime'] * 1000:7.1f} ms cum  {r['calls']:>6} calls  "
                      f"{r['function']}")
        conn.close()
        result["progress"][str(n)] = info
        summary.append(f"progress.compute H1-2025  {n:>9,} ledger rows   {s * 1000:8.1f} ms   "
                       f"(agg_day {c['agg_day']:,} rows; db built at {rate(info['rows'], info['import_seconds']).strip()})")
        if not args.keep:
            shutil.rmtree(path.parent, ignore_errors=True)
    small, big = result["progress"][str(sizes[0])], result["progress"][str(sizes[-1])]
    ratio = big["compute_seconds"] / small["compute_seconds"]
    result["progress_ratio"] = {"big": sizes[-1], "small": sizes[0], "ratio": ratio}
    summary.append(f"progress.compute ratio {sizes[-1]:,} / {sizes[0]:,} rows   x{ratio:.2f}  "
                   f"(ledger rows x{sizes[-1] // sizes[0]})")
    if top := big.get("compute_profile_top5_tottime"):
        for r in top:
            summary.append(f"  compute profile  {r['tottime'] * 1000:7.1f} ms own  {r['function']}")


# ---------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the 培训学法台账 workbook (default 100000)")
    ap.add_argument("--db-rows", type=int, default=1_000_000, help="largest progress database (default 1000000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is reported (default 3)")
    ap.add_argument("--out", type=Path, help="folder for the workbook, databases and bench_core.json "
                                             "(default: a new temp dir; never inside the repo)")
    ap.add_argument("--keep", action="store_true", help="keep the progress databases (they are deleted by default)")
    ap.add_argument("--no-profile", dest="profile", action="store_false", help="skip the cProfile runs")
    ap.add_argument("--only-import", action="store_true",
                    help="only the read/import figures and the cost of a durable COMMIT (no breakdowns, no progress)")
    args = ap.parse_args(argv)
    if args.rows < 1 or args.db_rows < 10_000 or args.repeat < 1:
        ap.error("--rows >= 1, --db-rows >= 10000, --repeat >= 1")
    out = (args.out or Path(tempfile.mkdtemp(prefix="bench_core_"))).resolve()
    if out == ROOT or ROOT in out.parents:
        ap.error(f"--out must be outside the repository ({ROOT})")
    out.mkdir(parents=True, exist_ok=True)

    units = default_catalog().unit_names
    if len(units) != 16:
        print(f"warning: data/units.toml has {len(units)} units, not the 16 of DOMAIN.md", file=sys.stderr)
    versions = {"python": platform.python_version(), "pandas": pd.__version__, "polars": pl.__version__,
                "openpyxl": openpyxl.__version__, "fastexcel": fastexcel.__version__,
                "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count()}
    print(f"bench_core: out={out}  rows={args.rows:,}  db-rows={args.db_rows:,}  repeat={args.repeat}")
    print("  " + "  ".join(f"{k} {v}" for k, v in versions.items()))
    result: dict = {"when": dt.datetime.now().isoformat(timespec="seconds"), "args": {
        "rows": args.rows, "db_rows": args.db_rows, "repeat": args.repeat, "out": str(out)}, "versions": versions}
    summary: list[str] = []
    t0 = time.perf_counter()
    bench_file(args, out, units, summary, result)
    if not args.only_import:
        bench_targets(args, out, units, summary, result)
        bench_progress(args, out, units, summary, result)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["wall_seconds"] = time.perf_counter() - t0
    result["summary"] = summary

    head = (f"bench_core {result['when']}  (medians of {args.repeat}; python {versions['python']}, pandas "
            f"{versions['pandas']}, polars {versions['polars']}, sqlite {versions['sqlite']}, {versions['cpus']} cpus; "
            f"peak RSS {result['peak_rss_mb']:.0f} MB)")
    f = result["file"]
    head2 = f"workbook: {f['rows']:,}-row 培训学法台账 .xlsx, {f['bytes'] / 1e6:.1f} MB (xlsxwriter: shared strings, as Excel saves)"
    print("\n" + "=" * 30 + " summary " + "=" * 30)
    for line in [head, head2, *summary]:
        print(line)
    json_path = out / "bench_core.json"
    json_path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), "utf-8")
    print(f"\nwritten {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
