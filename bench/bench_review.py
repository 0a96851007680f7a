#!/usr/bin/env python
"""Benchmark of issues 26 and 27's readers, each against a baseline timed in the same process:

- 需核实 (outliers.find for a year, all units) against progress.compute of the same year: what 报送情况
  pays for its list of flags beside what every dashboard page already computes;
- propose on the 2025 report (.md) and on a county report as .docx and as PDF, against read_report
  alone (the file's parsing): what the reading of sentences and the comparison with the catalogue add.

Run from the repo root:

    python bench/bench_review.py [--repeat 7]

The demo data is loaded into a throwaway database; the county report is written here (python-docx) and
printed to PDF by LibreOffice when soffice is installed. Times are medians of --repeat runs, baseline and
subject interleaved pair by pair; the ratio is the median of the per-pair ratios in this process's CPU
time (the machine is shared). Nothing is written in the repository.
"""
from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indicators import demo, outliers, progress, proposals, reportfile, store  # noqa: E402

REPORT_2025 = ROOT.parent / "shared" / "report-2025.md"
if not REPORT_2025.exists():
    REPORT_2025 = Path("/work/shared/report-2025.md")

COUNTY = """原阳县人民防空办公室关于2025年度法治政府建设工作情况的报告
一、主要工作及成效
（一）加强组织领导。全年召开法治建设专题会议3次。党组会议每半年专题听取一次法治建设情况汇报。主要负责人年底前进行了述法。
（二）抓好学法用法。全年开展中心组专题学法4次；组织领导干部参加法治讲座两期；举办全员法治培训3场次，参训干部职工累计达120人次。
（三）广泛开展普法宣传。围绕“3·1”国际民防日、“5·12”防灾减灾日、“9·18”防空警报试鸣日等时间节点，开展人防法治宣传活动15场次，发放宣传资料6000余份，受教育群众2.3万人次。
（四）规范行政执法行为。全办现有执法人员8名，持证率达到100%。按时完成执法证件年审工作，年审率100%。
二、存在的问题
一是学法形式较为单一。二是执法人员数量不足。
三、2026年工作打算
（一）全年组织党组理论学习中心组专题学法不少于4次，每季度至少召开1次主任办公会议学法。
（二）举办领导干部法治专题讲座2期，执法人员法治培训班不少于2期，实现执法人员培训全覆盖。
（三）利用重要宣传节点开展法治宣传活动不少于12次，全年在各类媒体发布宣传信息不少于10篇。
（四）持续推进行政执法“三项制度”，确保执法人员持证率保持100%。
"""


def cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def pairs(base, subject, repeat: int) -> tuple[float, float, float]:
    """(baseline median, subject median, median ratio) in CPU seconds, interleaved."""
    b, s = [], []
    for _ in range(repeat):
        b.append(cpu(base))
        s.append(cpu(subject))
    return statistics.median(b), statistics.median(s), statistics.median(x / y for x, y in zip(s, b))


def county_files(tmp: Path) -> dict[str, bytes]:
    import docx
    d = docx.Document()
    for line in COUNTY.splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    out = {"county.docx": buf.getvalue()}
    if shutil.which("soffice"):
        (tmp / "county.docx").write_bytes(buf.getvalue())
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(tmp / "county.docx")],
                       capture_output=True, timeout=180, check=True)
        out["county.pdf"] = (tmp / "county.pdf").read_bytes()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_review_"))
    try:
        conn = store.connect(tmp / "demo.db")
        demo.load_demo(conn)
        per = progress.period(2025, 2)
        rows = conn.execute("SELECT COUNT(*) FROM publicity").fetchone()[0] + \
            conn.execute("SELECT COUNT(*) FROM training").fetchone()[0]
        b, s, r = pairs(lambda: progress.compute(conn, per), lambda: outliers.find(conn, 2025), args.repeat)
        print(f"需核实 outliers.find(2025), {rows} ledger rows: {s * 1000:.1f} ms CPU; progress.compute 2025年全年 "
              f"{b * 1000:.1f} ms; ratio x{r:.2f}")
        files = {"report-2025.md": REPORT_2025.read_bytes(), "county.txt": COUNTY.encode("gbk")} | county_files(tmp)
        for name, data in files.items():
            b, s, r = pairs(lambda: reportfile.read_report(data, name), lambda: proposals.propose(data, name),
                            args.repeat)
            n = len(proposals.propose(data, name).proposals)
            print(f"propose {name} ({len(data):,} bytes, {n} proposals): {s * 1000:.1f} ms CPU; read_report alone "
                  f"{b * 1000:.1f} ms; ratio x{r:.2f}")
        conn.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
