"""报送情况 board and reminder; 指标与目标 edits: validation, storage, effect, copy to next year."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import STAFF_HEADER, TRAINING_HEADER, load, write_xlsx
from indicators import cycle, progress, reporting, targets
from indicators.config import default_catalog
from indicators.roles import OPERATOR

D = dt.date
CAT = default_catalog()


@pytest.fixture
def reported(tmp_path, conn):
    write_xlsx(tmp_path / "a.xlsx", {
        "培训": [TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "全员法治培训", "a", None, 10, 1, None],
                 [D(2025, 8, 1), "卫滨区", "全员法治培训", "b", None, 10, 1, None]],
        "统计": [STAFF_HEADER, [D(2025, 6, 30), "红旗区", 6, 6, 6, 0, 0, 6, 6, None]]})
    assert load(conn, tmp_path / "a.xlsx", now=dt.datetime(2026, 1, 5, 9, 30)).ok
    return conn


def test_board_shows_last_upload_rows_in_period_and_missing(reported):
    frame = reporting.board(reported, progress.period(2025, half=1))
    assert len(frame) == 16 * 4
    row = frame.set_index(["unit", "kind"])
    assert row.loc[("红旗区", "training"), "rows"] == 1 and not row.loc[("红旗区", "training"), "missing"]
    assert row.loc[("红旗区", "training"), "last_upload"] == "2026-01-05"  # the batch's day
    assert row.loc[("卫滨区", "training"), "rows"] == 0 and row.loc[("卫滨区", "training"), "missing"]  # August is outside H1
    assert row.loc[("红旗区", "staff"), "rows"] == 1
    assert pd.isna(row.loc[("牧野区", "publicity"), "last_upload"])


def test_reminder_names_units_ledgers_and_deadline(reported):
    # issue 11: the reminder is the reporting cycle's (it replaced reporting.reminder_text): the units that
    # have not submitted, each with its state and the ledgers it lacks, and the deadline the administrator set
    per = progress.period(2025, half=1)
    cycle.set_deadline(reported, OPERATOR, 2025, 1, D(2025, 7, 10))
    text = cycle.reminder_text(cycle.status(reported, 2025, 1, D(2025, 7, 3)), today=D(2025, 7, 3),
                               ledgers_missing=reporting.missing_by_unit(reporting.board(reported, per)))
    assert text.startswith("【提醒】关于报送2025年上半年法治建设工作数据的通知")
    assert "截至2025年7月3日" in text and "2025年7月10日前" in text
    assert "红旗区（填报中）：尚缺宣传活动台账、制度落实台账" in text
    assert "卫滨区（未报送）：尚缺培训学法台账、宣传活动台账、制度落实台账、执法人员统计表" in text
    # nobody has submitted: the fifteen it is sent to, numbered 1..15 in configuration order; the city
    # office sends it and is not among them (issue 22)
    assert "\n1. 红旗区（" in text and "\n15. 经开区（" in text and "16. " not in text and "市国动办（" not in text


def test_targets_table_has_report_sentence_and_defaults(conn):
    frame = targets.target_table(conn, 2025)
    t02 = frame.set_index("code").loc["T02"]
    assert (t02.target, t02.default_target, t02.source) == (2, 2, "全年举办 2 期领导班子参加的法治专题讲座")
    assert frame.groupby("group").weight.sum().round(6).to_dict() == {"学法培训": 25, "制度落实": 25, "宣传活动": 25, "执法队伍": 25}


@pytest.mark.parametrize("edit,problem", [
    ({"T02": {"target": -1}}, "T02 领导班子法治专题讲座：目标不能为负数（现为 -1）"),
    ({"T02": {"target": None}}, "T02 领导班子法治专题讲座：目标不能为空"),
    ({"T01": {"weight": 10}}, "学法培训（T01、T02、T03、T04、T05、T06）分值合计为 30.8333，应为 25"),
    ({"E01": {"weight": -5}}, "E01 行政执法人员持证率：分值不能为负数（现为 -5）"),
])
def test_bad_edits_are_refused_with_a_sentence_and_not_stored(conn, edit, problem):
    rows = targets.target_table(conn, 2025).to_dict("records")
    for r in rows:
        r.update(edit.get(r["code"], {}))
    assert problem in targets.save(conn, 2025, rows)
    assert conn.execute("SELECT COUNT(*) FROM target").fetchone()[0] == 0


def test_saved_targets_and_weights_change_status_and_score_at_once(reported):
    per = progress.period(2025, half=2)
    before_frame = progress.compute(reported, per)
    before = before_frame.set_index(["unit", "indicator"])
    assert before.loc[("红旗区", "T05"), "status"] == progress.LAGGING
    rows = targets.target_table(reported, 2025).to_dict("records")
    for r in rows:
        if r["code"] == "T05":
            r.update(target=1, weight=10)
        elif r["group"] == "学法培训":
            r["weight"] = 3
    assert targets.save(reported, 2025, rows) == []
    after_frame = progress.compute(reported, per)
    after = after_frame.set_index(["unit", "indicator"])
    assert after.loc[("红旗区", "T05"), "status"] == progress.DONE
    assert after.loc[("红旗区", "T05"), "weight"] == pytest.approx(10)
    score = lambda f: progress.scores(f).set_index("unit").loc["红旗区", "score"]  # noqa: E731
    assert score(after_frame) > score(before_frame)


def test_next_year_starts_from_this_year(conn):
    rows = targets.target_table(conn, 2025).to_dict("records")
    for r in rows:
        if r["code"] == "P01":
            r["target"] = 12
    assert targets.save(conn, 2025, rows) == []
    targets.copy_year(conn, 2025, 2026)
    assert targets.target_table(conn, 2026).set_index("code").loc["P01", "target"] == 12
