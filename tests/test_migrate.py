"""`migrate`: a SQLite database with everything in it, copied into PostgreSQL and checked by its figures."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from conftest import ROOT, TRAINING_HEADER, STAFF_HEADER, count, load, write_xlsx
from indicators import importing, progress, roles, store, targets
from indicators.migration import migrate
from indicators.problems import IndicatorsError

import pg_server

D = dt.date
ROW_A = [D(2025, 3, 25), "红旗区", "主任办公会学法", "一季度", None, 9, 1, None]
ROW_B = [D(2025, 5, 10), "卫滨区", "领导班子法治讲座", "行政处罚法", None, 12, 2.5, None]
ROW_C = [D(2025, 6, 20), "红旗区", "主任办公会学法", "二季度", None, 9, 1, None]


@pytest.fixture
def source(tmp_path):
    """A SQLite database that has seen imports, an update, an undo, target edits and audit entries."""
    path = tmp_path / "src" / "indicators.db"
    conn = store.connect(path)
    assert load(conn, write_xlsx(tmp_path / "a.xlsx", {"台账": [["培训台账"], TRAINING_HEADER, ROW_A, ROW_B]})).ok
    assert load(conn, write_xlsx(tmp_path / "b.xlsx", {
        "培训": [TRAINING_HEADER, ROW_B[:5] + [15] + ROW_B[6:], ROW_C],
        "统计": [STAFF_HEADER, [D(2025, 6, 30), "红旗区", 8, 6, 3, 1, 0, 3, 6, None]]})).ok
    third = load(conn, write_xlsx(tmp_path / "c.xlsx", {"台账": [TRAINING_HEADER, ROW_A[:3] + ["三季度"] + ROW_A[4:]]}))
    importing.undo(conn, third.batch_id)
    targets.store_targets(conn, 2025, [{"code": "T02", "target": 3, "weight": 2}])
    store.audit.record(conn, roles.OPERATOR, "import", unit="红旗区", detail={"file": "a.xlsx"})
    conn.close()
    return path


@pytest.fixture
def target(request, tmp_path):
    return pg_server.fresh_schema(request.getfixturevalue("pg_url")), tmp_path / "shared"


def test_everything_is_copied_and_checked(source, target):
    url, files = target
    result = migrate(source, url, files)
    src, dst = store.connect(source), store.connect(url, files_dir=files)
    assert {t.table for t in result.tables} == set(src.tables())
    assert {t: count(dst, t) for t in src.tables()} == {t: count(src, t) for t in src.tables()}
    assert all(count(dst, t) > 0 for t in ("batch", "change", "training", "staff", "agg_day", "agg_month", "target",
                                           "audit", "meta"))
    assert store.data_version(dst) == store.data_version(src) == "v3.1"
    assert result.originals_checked == 3 and result.files_copied == 3 and result.years == [2025]
    assert result.figures_checked > 100
    assert store.original_file(dst, 1).read_bytes() == store.original_file(src, 1).read_bytes()
    assert store.target_overrides(dst, 2025)["T02"]["target"] == 3
    assert store.audit.entries(dst) == store.audit.entries(src)


def test_running_it_twice_changes_nothing(source, target):
    url, files = target
    first = migrate(source, url, files)
    assert first.added > 0
    second = migrate(source, url, files)
    assert second.added == 0 and second.files_copied == 0 and "未作任何改动" in second.summary()
    assert [(t.table, t.target) for t in second.tables] == [(t.table, t.target) for t in first.tables]


def test_after_moving_over_the_store_carries_on_on_postgresql(source, target, tmp_path):
    url, files = target
    migrate(source, url, files)
    src, dst = store.connect(source), store.connect(url, files_dir=files)
    # undo of a batch that was made on SQLite: its kept old values are read back on PostgreSQL
    for conn in (src, dst):
        importing.undo(conn, 2)
    per = progress.period(2025, half=1)
    assert progress.compute(dst, per).equals(progress.compute(src, per))
    # new batches and audit entries continue the numbering
    later = load(dst, write_xlsx(tmp_path / "d.xlsx", {"台账": [TRAINING_HEADER, ROW_A[:3] + ["四季度"] + ROW_A[4:]]}))
    assert later.batch_id == 4
    # (main audits imports and undos itself: the source's entries, the undo and the import above, then this one)
    copied = max(e["id"] for e in store.audit.entries(src)) - 1  # src's own undo above was not migrated
    store.audit.record(dst, roles.OPERATOR, "undo", detail={})
    assert store.audit.entries(dst, limit=1)[0]["id"] == copied + 3


def test_a_target_with_other_data_is_refused_and_left_alone(source, target, tmp_path):
    url, files = target
    dst = store.connect(url, files_dir=files)
    assert load(dst, write_xlsx(tmp_path / "other.xlsx", {"台账": [TRAINING_HEADER, ROW_C]})).ok
    before = {t: count(dst, t) for t in dst.tables()}
    with pytest.raises(IndicatorsError, match="目标数据库中已有源数据库没有的数据"):
        migrate(source, url, files)
    assert {t: count(dst, t) for t in dst.tables()} == before


def test_command_line(source, target):
    url, files = target
    cmd = [sys.executable, "-m", "indicators", "migrate", "--db", str(source), "--to", url, "--files-dir", str(files)]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "迁移完成" in r.stdout and "batch" in r.stdout and "两边一致" in r.stdout
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "未作任何改动" in again.stdout
    bad = subprocess.run([*cmd[:6], "--to", str(source)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "须是 PostgreSQL 地址" in bad.stderr and "Traceback" not in bad.stderr
