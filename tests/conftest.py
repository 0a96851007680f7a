"""Shared fixtures: real workbooks written by the tests, a real SQLite database on disk."""
from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators import imports, store  # noqa: E402

TRAINING_HEADER = ["日期", "单位", "类别", "主题", "主讲人", "参加人数", "学时", "备注"]
PUBLICITY_HEADER = ["日期", "单位", "活动名称", "宣传节点", "地点类型", "地点", "参与人数", "发放资料(份)", "媒体报道(篇)", "备注"]
GOVERNANCE_HEADER = ["日期", "单位", "类别", "事项", "备注"]
STAFF_HEADER = ["统计日期", "单位", "编制人数", "实有执法人员", "持证人数", "新申领", "换证", "年审通过", "参训人数", "备注"]


def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> Path:
    """A workbook with the given rows per sheet (None = empty cell) and merged ranges."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(r, c, v)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[tuple]] | None = None) -> Path:
    """An old-format .xls workbook (xlwt); merges as (r0, r1, c0, c1) 0-based inclusive."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        merged = {(m[0], m[2]): m for m in (merges or {}).get(name, [])}
        covered = {(r, c) for m in merged.values() for r in range(m[0], m[1] + 1) for c in range(m[2], m[3] + 1)}
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if (r, c) in merged:
                    m = merged[(r, c)]
                    ws.write_merge(m[0], m[1], m[2], m[3], v)
                elif (r, c) in covered or v is None:
                    continue
                elif isinstance(v, dt.date):
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))
    return path


def write_csv(path: Path, rows: list[list], encoding: str) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture
def conn(tmp_path):
    c = store.connect(tmp_path / "test.db")
    yield c
    c.close()


def load(conn, path: Path):
    """Import a file the way users do; returns the ImportResult."""
    return store.import_parsed(conn, imports.parse_path(path))


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
