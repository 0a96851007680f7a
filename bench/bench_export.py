#!/usr/bin/env python
"""Benchmark of the exports: is building the 全市 deck no slower than ten reruns of the overview page?

Run from the repo root:

    python bench/bench_export.py [--repeat 5] [--year 2025] [--half 1|2]

The demo data is loaded into a throwaway database. The baseline stands in for ten reruns of the
overview page: each rerun is what the page computes (progress.compute, the pace/completion table,
status counts, scores), without drawing. (The dashboard branch will replace it with AppTest reruns
of the real page, which only makes the baseline slower.) Every time is the median of --repeat runs in
this process, baseline and deck interleaved pair by pair so that both see the same load; the ratio
is the median of the per-pair ratios, in wall time and in this process's CPU time (the machine is
shared: CPU time does not count the time other processes hold the cores). The other exports are
timed too, for the record. Nothing is written in the repository.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indicators import demo, exports, progress, store  # noqa: E402
from indicators.exports.common import overview  # noqa: E402

RERUNS = 10


def overview_rerun(conn, per) -> None:
    """What one rerun of the overview page computes (its data, not its drawing)."""
    frame = progress.compute(conn, per)
    overview(frame, per)
    progress.status_counts(frame)
    progress.scores(frame)


def timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def median_time(fn, repeat: int) -> tuple[float, float]:
    runs = [timed(fn) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def paired(baseline, candidate, repeat: int) -> dict:
    """Interleaved runs: medians of each and of the per-pair ratios, wall and CPU."""
    pairs = [(timed(baseline), timed(candidate)) for _ in range(repeat)]
    out = {}
    for k, name in ((0, "wall"), (1, "cpu")):
        out[name] = (statistics.median(b[k] for b, _ in pairs), statistics.median(c[k] for _, c in pairs),
                     statistics.median(c[k] / b[k] for b, c in pairs))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--half", type=int, choices=(1, 2))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_export_"))
    try:
        conn = store.connect(tmp / "demo.db")
        demo.load_demo(conn)
        per = progress.period(args.year, args.half)
        exports.build_deck(conn, per)  # warm: imports, first-use caches
        overview_rerun(conn, per)

        reruns = lambda: [overview_rerun(conn, per) for _ in range(RERUNS)]  # noqa: E731
        result = paired(reruns, lambda: exports.build_deck(conn, per), args.repeat)
        others = {
            "汇报材料 pptx（单位：原阳县）": lambda: exports.build_deck(conn, per, "原阳县"),
            "督导平台数据 xlsx（全市）": lambda: exports.build_workbook(conn, per),
            "工作情况文稿 docx（全市）": lambda: exports.build_document(conn, per),
            "工作情况文稿 docx（市国动办）": lambda: exports.build_document(conn, per, "市国动办"),
        }
        print(f"{per.label}，示例数据，{args.repeat} 组交替运行的中位数")
        for name, label in (("wall", "墙钟时间"), ("cpu", "CPU 时间")):
            base, deck, ratio = result[name]
            print(f"  {label}：基线（概览页数据准备 × {RERUNS} 次）{base * 1000:7.1f} ms，"
                  f"全市汇报材料 {deck * 1000:7.1f} ms，比值 {ratio:.2f}")
        verdict = "达标" if result["cpu"][2] <= 1 else "未达标"
        print(f"  结论：生成全市汇报材料用时为十次概览页重算的 {result['cpu'][2]:.2f} 倍（CPU 时间），{verdict}（要求 ≤ 1）")
        # the real page: ten AppTest reruns of 总览 changing the unit (bench_dashboard.time_reruns)
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_dashboard import time_reruns

        conn.commit()
        _, warm, cold = time_reruns(tmp / "demo.db", RERUNS)
        deck_s = median_time(lambda: exports.build_deck(conn, per), args.repeat)[0]
        print(f"  真实页面：概览页 {RERUNS} 次重跑（AppTest，切换单位）合计 {sum(warm) * 1000:.0f} ms"
              f"（清空缓存后 {sum(cold) * 1000:.0f} ms），全市汇报材料 {deck_s * 1000:.0f} ms，"
              f"比值 {deck_s / sum(warm):.2f}（对清空缓存的重跑 {deck_s / sum(cold):.2f}）")
        base = result["cpu"][0]
        for name, fn in others.items():
            wall, cpu = median_time(fn, args.repeat)
            print(f"  {name}：{wall * 1000:.1f} ms（CPU {cpu * 1000:.1f} ms，为基线的 {cpu / base:.2f} 倍）")
        conn.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
