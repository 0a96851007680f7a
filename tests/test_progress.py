"""Pace (时间过半、任务过半), status, roll-up and the supervision-platform score."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import GOVERNANCE_HEADER, PUBLICITY_HEADER, STAFF_HEADER, TRAINING_HEADER, load, write_xlsx
from indicators import progress
from indicators.config import default_catalog
from indicators.progress import DONE, LAGGING, NOT_APPLICABLE, NOT_STARTED, ON_PACE

D = dt.date
CAT = default_catalog()


@pytest.mark.parametrize("as_of,expected", [
    (D(2025, 1, 1), 1 / 365), (D(2025, 6, 30), 181 / 365), (D(2025, 12, 31), 1.0), (D(2024, 6, 30), 182 / 366),
    (D(2026, 3, 1), 1.0),
])
def test_time_progress(as_of, expected):
    assert progress.time_progress(as_of, 2025 if as_of.year != 2024 else 2024) == pytest.approx(expected)


@pytest.mark.parametrize("code,as_of,expected", [
    ("T03", D(2025, 3, 30), 0), ("T03", D(2025, 3, 31), 1), ("T03", D(2025, 6, 30), 2), ("T03", D(2025, 12, 31), 4),
    ("T01", D(2025, 6, 29), 0), ("T01", D(2025, 6, 30), 1), ("T01", D(2025, 12, 31), 2),
    ("T02", D(2025, 6, 30), 2 * 181 / 365), ("T02", D(2025, 12, 31), 2),
    ("G03", D(2025, 6, 30), 0), ("G03", D(2025, 12, 30), 0), ("G03", D(2025, 12, 31), 1),
    ("P04", D(2025, 9, 29), 0), ("P04", D(2025, 9, 30), 3),
    ("P02", D(2025, 2, 28), 0), ("P02", D(2025, 3, 1), 1), ("P02", D(2025, 6, 30), 2), ("P02", D(2025, 9, 18), 3),
    ("P02", D(2025, 10, 1), 4),
    ("E01", D(2025, 1, 5), 100), ("E01", D(2025, 6, 30), 100),
])
def test_expected_value_follows_the_rhythm(code, as_of, expected):
    ind = CAT.indicator(code)
    assert progress.expected_value(ind, ind.target(2025), as_of, 2025, CAT) == pytest.approx(expected)


@pytest.mark.parametrize("value,target,expected,applies,status", [
    (2, 2, 1, True, DONE), (3, 2, 1, True, DONE), (1, 2, 1, True, ON_PACE), (1, 2, 0.99, True, ON_PACE),
    (0, 2, 0, True, ON_PACE), (1, 4, 2, True, LAGGING), (0, 2, 0.99, True, NOT_STARTED), (None, 100, 100, True, NOT_STARTED),
    (95.0, 100, 100, True, LAGGING), (100.0, 100, 100, True, DONE), (5, 2, 1, False, NOT_APPLICABLE),
    (4, None, None, True, NOT_APPLICABLE),
])
def test_status(value, target, expected, applies, status):
    assert progress.status_of(value, target, expected, applies) == status


@pytest.mark.parametrize("half,as_of,label", [
    (1, D(2025, 6, 30), "2025年上半年"), (2, D(2025, 12, 31), "2025年全年"), (None, D(2025, 12, 31), "2025年全年"),
])
def test_period(half, as_of, label):
    p = progress.period(2025, half, today=D(2026, 11, 24))
    assert (p.as_of, p.label, p.start) == (as_of, label, D(2025, 1, 1))


def test_period_defaults_to_today_in_the_current_year():
    p = progress.period(2026, today=D(2026, 11, 24))
    assert p.as_of == D(2026, 11, 24) and p.label == "2026年1月1日至11月24日"
    assert p.last_year().as_of == D(2025, 11, 24)


@pytest.fixture
def seeded(tmp_path, conn):
    """红旗区 by 30 June 2025: two quarterly studies, no lecture; 卫滨区: one lecture, in one file."""
    write_xlsx(tmp_path / "t.xlsx", {
        "培训": [TRAINING_HEADER,
                 [D(2025, 3, 25), "红旗区", "主任办公会学法", "一季度", None, 9, 1, None],
                 [D(2025, 6, 20), "红旗区", "主任办公会学法", "二季度", None, 9, 1, None],
                 [D(2025, 5, 10), "卫滨区", "领导班子法治讲座", "行政处罚法", None, 12, 2, None],
                 [D(2025, 7, 10), "卫滨区", "领导班子法治讲座", "行政复议法", None, 12, 2, None]],
        "宣传": [PUBLICITY_HEADER,
                 [D(2025, 3, 1), "红旗区", "进社区", "3·1民防日", "社区", "x", 300, 100, 1, None],
                 [D(2025, 3, 1), "红旗区", "进广场", "3·1民防日", "广场", "y", 200, 100, 0, None],
                 [D(2025, 5, 12), "卫滨区", "进校园", "5·12防灾减灾日", "学校", "z", 150, 50, 2, None]],
        "制度": [GOVERNANCE_HEADER, [D(2025, 6, 20), "市国动办", "督导检查", "上半年督导", None]],
        "统计": [STAFF_HEADER,
                 [D(2025, 3, 31), "红旗区", 8, 8, 8, 0, 0, 8, 8, None],
                 [D(2025, 6, 30), "红旗区", 8, 6, 3, 1, 0, 3, 6, None],
                 [D(2025, 6, 30), "卫滨区", 6, 6, 6, 0, 2, 6, 6, None],
                 [D(2025, 12, 31), "卫滨区", 6, 6, 5, 0, 2, 5, 6, None]]})
    assert load(conn, tmp_path / "t.xlsx").ok
    return conn


def cell(frame, unit, code):
    return frame[(frame.unit == unit) & (frame.indicator == code)].iloc[0]


@pytest.mark.parametrize("unit,code,value,status", [
    ("红旗区", "T03", 2, ON_PACE),        # quarterly, 2 done by 30 June
    ("红旗区", "T02", 0, NOT_STARTED),    # yearly target 2, none done
    ("卫滨区", "T02", 1, ON_PACE),        # one lecture by 30 June: 1 >= 2 x 181/365
    ("红旗区", "P01", 2, LAGGING),        # 2 of 10 against ~4.96 expected
    ("红旗区", "P02", 1, LAGGING),        # one key date covered, two passed
    ("红旗区", "P03", 500, LAGGING),
    ("红旗区", "T06", 1, LAGGING),
    ("卫滨区", "T06", 2, LAGGING),
    ("红旗区", "E01", 50, LAGGING),       # latest snapshot in the period: 3 of 6
    ("红旗区", "E04", 75, LAGGING),
    ("卫滨区", "E01", 100, DONE),         # the December snapshot lies outside the period
    ("卫滨区", "E05", 2, NOT_APPLICABLE),  # shown, not scored
    ("红旗区", "G04", None, NOT_APPLICABLE),
    ("市国动办", "G04", 1, ON_PACE),
    ("牧野区", "E01", None, NOT_STARTED),  # no snapshot at all
])
def test_progress_at_30_june(seeded, unit, code, value, status):
    frame = progress.compute(seeded, progress.period(2025, half=1))
    row = cell(frame, unit, code)
    assert (row.value if row.value == row.value else None, row.status) == (value, status)


def test_progress_at_year_end_uses_later_rows_and_snapshots(seeded):
    frame = progress.compute(seeded, progress.period(2025, half=2))
    assert cell(frame, "卫滨区", "T02").status == DONE
    assert cell(frame, "卫滨区", "E01").value == pytest.approx(500 / 6)


def test_city_wide_roll_up(seeded):
    frame = progress.compute(seeded, progress.period(2025, half=1))
    p01 = cell(frame, "全市", "P01")
    assert (p01.value, p01.target) == (3, 160)  # 16 units x 10
    g04 = cell(frame, "全市", "G04")
    assert (g04.value, g04.target) == (1, 2)  # city office only
    e01 = cell(frame, "全市", "E01")
    assert e01.value == pytest.approx(100 * (3 + 6) / (6 + 6))
    assert cell(frame, "全市", "P02").value == 2  # key dates covered by any unit


def test_one_unit_only(seeded):
    frame = progress.compute(seeded, progress.period(2025, half=1), unit="红旗区")
    assert set(frame.unit) == {"红旗区"} and len(frame) == len(CAT.indicators)


def test_platform_score_weights_and_ranking(seeded):
    frame = progress.compute(seeded, progress.period(2025, half=2))
    hq = frame[frame.unit == "红旗区"]
    weights = dict(zip(hq.indicator, hq.weight))
    assert weights["T01"] == pytest.approx(25 / 6)
    assert weights["G01"] == pytest.approx(25 / 3)  # G04 does not apply to a county: three share 25
    assert weights["E05"] == 0 and weights["G04"] == 0
    assert hq.weight.sum() == pytest.approx(100)
    city = frame[frame.unit == "市国动办"]
    assert dict(zip(city.indicator, city.weight))["G04"] == pytest.approx(25 / 4)
    scores = progress.scores(frame).set_index("unit")
    # 红旗区: T03 2/4, P01 2/10, P02 1/4, P03 500/2000, T06 1/6, E01 50%, E02 100%, E03 100%, E04 75%
    expected = 25 / 6 * (0.5 + 1 / 6) + 25 / 4 * (0.2 + 0.25 + 0.25) + 25 / 4 * (0.5 + 1 + 1 + 0.75)
    assert scores.loc["红旗区", "score"] == pytest.approx(round(expected, 1))
    assert scores.loc["牧野区", "score"] == 0
    assert list(scores["rank"])[:1] == [1] and scores["rank"].is_monotonic_increasing


def test_edited_targets_override_the_file(seeded):
    from indicators import targets
    targets.store_targets(seeded, 2025, [{"code": "T03", "target": 2, "weight": None}])
    frame = progress.compute(seeded, progress.period(2025, half=1))
    assert cell(frame, "红旗区", "T03").status == DONE
    assert progress.compute(seeded, progress.period(2024, half=1)).query("indicator == 'T03'").target.iloc[0] == 4


def test_month_and_day_aggregates_agree_for_any_window(seeded):
    """measure_totals mixes whole months and edge days; every window must equal the day-by-day sum."""
    from indicators import store
    days = {}
    for d, u, m, v in seeded.execute("SELECT date, unit, measure, value FROM agg_day"):
        days.setdefault((u, m), []).append((d, v))
    for start, end in [(D(2025, 1, 1), D(2025, 6, 30)), (D(2025, 3, 1), D(2025, 3, 1)), (D(2025, 2, 15), D(2025, 5, 11)),
                       (D(2025, 3, 2), D(2025, 12, 31)), (D(2025, 5, 12), D(2025, 5, 31))]:
        got = store.measure_totals(seeded, start, end)
        want = {k: sum(v for d, v in rows if start.isoformat() <= d <= end.isoformat()) for k, rows in days.items()}
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}, (start, end)


@pytest.mark.parametrize("value,expected,ratio", [
    (1, 1, 1.0), (2, 1, 1.0), (0.5, 1, 0.5), (0, 1, 0.0), (None, 1, 0.0),
    (0, 0, 1.0), (None, None, 1.0), (95.0, 100.0, 0.95),
])
def test_pace_ratio(value, expected, ratio):
    assert progress.pace_ratio(value, expected) == pytest.approx(ratio)


@pytest.mark.parametrize("as_of,basis", [
    (dt.date(2025, 6, 30), "pace_score"), (dt.date(2025, 12, 30), "pace_score"), (dt.date(2025, 12, 31), "score"),
])
def test_ranking_basis(as_of, basis):
    assert progress.ranking_basis(progress.period(2025, as_of=as_of)) == basis


@pytest.fixture
def training_only(tmp_path, conn):
    """红旗区 alone has data: 主任办公会学法 on 25 March and 20 June, one 领导班子法治讲座 on 10 May."""
    write_xlsx(tmp_path / "t.xlsx", {"培训": [TRAINING_HEADER,
                                              [D(2025, 3, 25), "红旗区", "主任办公会学法", "一季度", None, 9, 1, None],
                                              [D(2025, 6, 20), "红旗区", "主任办公会学法", "二季度", None, 9, 1, None],
                                              [D(2025, 5, 10), "红旗区", "领导班子法治讲座", "讲座", None, 12, 2, None]]})
    assert load(conn, tmp_path / "t.xlsx").ok
    return conn


# A county's 100 points: T01-T06 25/6 each, G01-G03 25/3 each, P01-P04 and E01-E04 6.25 each. The pace
# score counts an indicator with nothing due yet as on pace (G03 until 31 Dec, P04 until 30 Sep, ...).
@pytest.mark.parametrize("as_of,unit,score,pace_score,rank", [
    # nothing held yet. T: T01 (half-year) and T03 (no quarter ended) not due; G: all three not due;
    # P: P02 (no key date passed) and P04 not due; E: rates are due from 1 January, none reported
    (D(2025, 2, 28), "红旗区", 0.0, round(25 / 6 * 2 + 25 + 6.25 * 2, 1), 1),
    # one study by the first quarter's end: T03 1/1 on pace, 1/4 of the year; 3·1 has passed unmarked
    (D(2025, 3, 31), "红旗区", round(25 / 6 * 0.25, 1), round(25 / 6 * 2 + 25 + 6.25, 1), 1),
    # 30 June: T02 1 of 2 x 181/365 due (on pace), T03 2/2; T01, G01, G02 due and not done; G03, P04 not due
    (D(2025, 6, 30), "红旗区", round(25 / 6 * (0.5 + 0.5), 1), round(25 / 6 * 2 + 25 / 3 + 6.25, 1), 1),
    (D(2025, 6, 30), "卫滨区", 0.0, round(25 / 3 + 6.25, 1), 2),  # nothing at all: only what is not yet due
    # at year end everything is due: the two scores agree, and the full-year score ranks
    (D(2025, 12, 31), "红旗区", round(25 / 6 * (0.5 + 0.5), 1), round(25 / 6 * (0.5 + 0.5), 1), 1),
    (D(2025, 12, 31), "卫滨区", 0.0, 0.0, 2),
])
def test_both_scores_at_a_date(training_only, as_of, unit, score, pace_score, rank):
    per = progress.period(2025, as_of=as_of)
    ranked = progress.scores(progress.compute(training_only, per), per).set_index("unit")
    assert (ranked.loc[unit, "score"], ranked.loc[unit, "pace_score"], ranked.loc[unit, "rank"]) == \
           (pytest.approx(score), pytest.approx(pace_score), rank)
    assert set(ranked.basis) == {progress.ranking_basis(per)}
