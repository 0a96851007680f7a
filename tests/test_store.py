"""Keeping data safely: one transaction per import, nothing counted twice, corrections update, undo."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import TRAINING_HEADER, count, load, write_xlsx
from indicators import importing, imports, progress, store
from indicators.problems import IndicatorsError

D = dt.date
ROW_A = [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]
ROW_B = [D(2025, 4, 1), "红旗区", "领导班子法治讲座", "行政处罚法", "李四", 20, 2, None]
ROW_C = [D(2025, 5, 1), "卫滨区", "执法人员培训", "行政复议法", "王五", 30, 3, None]


def ledger(tmp_path, name, *rows, title="培训台账"):
    return write_xlsx(tmp_path / name, {"台账": [[title], TRAINING_HEADER, *rows]})


def value(conn, unit, code, as_of=D(2025, 12, 31)):
    frame = progress.compute(conn, progress.period(as_of.year, as_of=as_of))
    return frame[(frame.unit == unit) & (frame.indicator == code)].value.item()


def test_same_file_twice_is_recognised_and_changes_nothing(tmp_path, conn):
    path = ledger(tmp_path, "a.xlsx", ROW_A, ROW_B)
    first = load(conn, path)
    assert (first.added, first.updated, first.batch_id) == (2, 0, 1)
    again = load(conn, path)
    assert again.already["id"] == 1 and again.batch_id is None
    assert "已于" in again.summary() and "未作任何改动" in again.summary()
    assert re.search(r"已于 \d{4}-\d\d-\d\d \d\d:\d\d 导入", again.summary()), again.summary()  # not an ISO T
    assert count(conn, "training") == 2 and count(conn, "batch") == 1


def test_same_rows_in_another_file_count_nothing_twice(tmp_path, conn):
    load(conn, ledger(tmp_path, "a.xlsx", ROW_A, ROW_B))
    second = load(conn, ledger(tmp_path, "b.xlsx", ROW_B, ROW_A, title="另一个标题"))
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert count(conn, "training") == 2
    assert value(conn, "红旗区", "T01") == 1


def test_corrected_ledger_updates_shared_rows_and_adds_new(tmp_path, conn):
    load(conn, ledger(tmp_path, "a.xlsx", ROW_A, ROW_B))
    fixed_b = ROW_B[:5] + [25] + ROW_B[6:]
    result = load(conn, ledger(tmp_path, "b.xlsx", ROW_A, fixed_b, ROW_C))
    assert (result.added, result.updated, result.unchanged) == (1, 1, 1)
    assert conn.execute("SELECT participants FROM training WHERE title = '行政处罚法'").fetchone()[0] == 25
    assert count(conn, "training") == 3


def test_undo_removes_added_rows_and_restores_updated_ones(tmp_path, conn):
    load(conn, ledger(tmp_path, "a.xlsx", ROW_A, ROW_B))
    fixed_b = ROW_B[:5] + [25] + ROW_B[6:]
    second = load(conn, ledger(tmp_path, "b.xlsx", fixed_b, ROW_C))
    assert value(conn, "卫滨区", "T04") == 1
    undone = importing.undo(conn, second.batch_id)
    assert undone["undone"]
    assert count(conn, "training") == 2
    assert conn.execute("SELECT participants, batch_id FROM training WHERE title = '行政处罚法'").fetchone()[:] == (20, 1)
    assert value(conn, "卫滨区", "T04") == 0  # aggregates follow the undo
    assert value(conn, "红旗区", "T02") == 1
    with pytest.raises(IndicatorsError, match="已于"):
        importing.undo(conn, second.batch_id)


def test_undo_of_first_import_waits_for_later_ones_that_changed_its_rows(tmp_path, conn):
    first = load(conn, ledger(tmp_path, "a.xlsx", ROW_A, ROW_B))
    second = load(conn, ledger(tmp_path, "b.xlsx", ROW_B[:5] + [25] + ROW_B[6:]))
    with pytest.raises(IndicatorsError, match=f"批次 {second.batch_id}"):
        importing.undo(conn, first.batch_id)
    importing.undo(conn, second.batch_id)
    importing.undo(conn, first.batch_id)
    assert count(conn, "training") == 0
    assert count(conn, "agg_day") == 0 and count(conn, "agg_month") == 0


def test_after_undo_the_same_file_can_be_imported_again(tmp_path, conn):
    path = ledger(tmp_path, "a.xlsx", ROW_A)
    importing.undo(conn, load(conn, path).batch_id)
    again = load(conn, path)
    assert again.batch_id == 2 and again.added == 1


def test_undo_unknown_batch_is_a_plain_message(conn):
    with pytest.raises(IndicatorsError, match="没有编号为 9 的导入批次"):
        importing.undo(conn, 9)


def test_batch_record_and_original_file_kept(tmp_path, conn):
    path = ledger(tmp_path, "红旗区培训台账.xlsx", ROW_A, ROW_C)
    result = load(conn, path)
    b = store.batch(conn, result.batch_id)
    assert (b["file_name"], b["kinds"], b["units"], b["rows"], b["added"]) == ("红旗区培训台账.xlsx", "training", "卫滨区,红旗区", 2, 2)
    assert (b["period_start"], b["period_end"]) == ("2025-03-01", "2025-05-01")
    kept = store.original_file(conn, result.batch_id)
    assert kept.name == f"{b['checksum']}.xlsx" and kept.read_bytes() == path.read_bytes()
    assert kept.parent == tmp_path / "uploads"


def test_dry_run_reports_changes_and_stores_nothing(tmp_path, conn):
    load(conn, ledger(tmp_path, "a.xlsx", ROW_A))
    parsed = imports.parse_path(ledger(tmp_path, "b.xlsx", ROW_A[:5] + [99] + ROW_A[6:], ROW_B))
    plan = importing.import_parsed(conn, parsed, dry_run=True)
    assert (plan.added, plan.updated) == (1, 1) and plan.summary().startswith("b.xlsx：将导入")
    assert count(conn, "training") == 1 and count(conn, "batch") == 1
    assert conn.execute("SELECT participants FROM training").fetchone()[0] == 15


def test_failure_inside_the_transaction_leaves_nothing(tmp_path, conn):
    """A failure after the rows were written (the originals folder cannot be created) rolls back everything."""
    (tmp_path / "uploads").write_text("a file where the folder should be")
    parsed = imports.parse_path(ledger(tmp_path, "a.xlsx", ROW_A, ROW_B))
    with pytest.raises(IndicatorsError, match="保存失败.*uploads.*没有保存任何内容"):
        importing.import_parsed(conn, parsed)
    assert sum(count(conn, t) for t in ("training", "batch", "change", "agg_day", "agg_month")) == 0


def test_database_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(store.DB_ENV, str(tmp_path / "x" / "env.db"))
    assert store.db_path() == tmp_path / "x" / "env.db"
    assert store.db_path(tmp_path / "cli.db") == tmp_path / "cli.db"
    store.connect().close()
    assert (tmp_path / "x" / "env.db").exists()


def test_data_version_changes_on_import_and_undo(tmp_path, conn):
    v0 = store.data_version(conn)
    r = load(conn, ledger(tmp_path, "a.xlsx", ROW_A))
    v1 = store.data_version(conn)
    importing.undo(conn, r.batch_id)
    assert len({v0, v1, store.data_version(conn)}) == 3


def test_indicators_an_accepted_file_moves(tmp_path):
    parsed = imports.parse_path(ledger(tmp_path, "a.xlsx", ROW_A, ROW_B, ROW_C))
    assert imports.indicators_moved(parsed) == [
        {"code": "T01", "name": "党组理论学习中心组法治专题学习", "rows": 1},
        {"code": "T02", "name": "领导班子法治专题讲座", "rows": 1},
        {"code": "T04", "name": "行政执法人员法治专题培训", "rows": 1}]


def test_undo_preview_names_the_figures_that_will_change_and_changes_nothing(tmp_path, conn):
    load(conn, ledger(tmp_path, "a.xlsx", ROW_A))
    second = load(conn, ledger(tmp_path, "b.xlsx", ROW_B, ROW_C))
    per = progress.period(2025, half=2)
    before = progress.compute(conn, per)
    with importing.as_if_undone(conn, second.batch_id):
        after = progress.compute(conn, per)
    diff = progress.differences(before, after)
    assert set(zip(diff.unit, diff.indicator)) == {("红旗区", "T02"), ("卫滨区", "T04"), ("全市", "T02"), ("全市", "T04")}
    row = diff[(diff.unit == "卫滨区")].iloc[0]
    assert (row.value_before, row.value_after, row.status_after) == (1, 0, "未开展")
    assert count(conn, "training") == 3 and store.batch(conn, second.batch_id)["undone"] is None
    assert progress.compute(conn, per).equals(before)
