"""Pace (时间过半、任务过半), status, roll-up and the supervision-platform score."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import GOVERNANCE_HEADER, PUBLICITY_HEADER, STAFF_HEADER, TRAINING_HEADER, load, write_xlsx
from indicators import progress
from indicators.config import default_catalog
from indicators.progress import DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE

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
    (0, 2, 0, True, NOT_DUE), (None, 1, 0.0, True, NOT_DUE), (1, 2, 0, True, ON_PACE), (1, 4, 2, True, LAGGING), (0, 2, 0.99, True, NOT_STARTED), (None, 100, 100, True, NOT_STARTED),
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
    ranked = scores["rank"].dropna()
    assert list(ranked)[:1] == [1] and ranked.is_monotonic_increasing
    assert set(scores[scores["rank"].isna()].index) == {"牧野区", "新乡县", "获嘉县", "原阳县", "延津县", "封丘县",
                                                         "卫辉市", "辉县市", "长垣市", "平原示范区", "高新区", "经开区",
                                                         "凤泉区"}  # no data in 2025: not ranked


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


# A county's 100 points: T01-T06 25/6 each, G01-G03 25/3 each, P01-P04 and E01-E04 6.25 each. An
# indicator with nothing due yet (G03 until 31 Dec, P04 until 30 Sep, ...) is 未到期: it earns no pace
# points and its weight is shared over the indicators that are due, so on pace everywhere is still 100.
# A unit with no data in the period is not ranked (rank None, 未报送).
@pytest.mark.parametrize("as_of,unit,score,pace_score,rank", [
    # nothing held yet by anyone: no unit has data, none is ranked, nothing not due counts as done
    (D(2025, 2, 28), "红旗区", 0.0, 0.0, None),
    # one study by the first quarter's end: T03 1/1 on pace; T01, G01-G03, P04 not due; 3·1 has passed unmarked
    (D(2025, 3, 31), "红旗区", round(25 / 6 * 0.25, 1), round(25 / 6 * 100 / (100 - 25 / 6 - 25 - 6.25), 1), 1),
    # 30 June: T02 1 of 2 x 181/365 due (on pace), T03 2/2; T01, G01, G02 due and not done; G03, P04 not due
    (D(2025, 6, 30), "红旗区", round(25 / 6 * (0.5 + 0.5), 1), round(25 / 6 * 2 * 100 / (100 - 25 / 3 - 6.25), 1), 1),
    (D(2025, 6, 30), "卫滨区", 0.0, 0.0, None),  # nothing at all: not ranked among those with data
    # at year end everything is due: the two scores agree, and the full-year score ranks
    (D(2025, 12, 31), "红旗区", round(25 / 6 * (0.5 + 0.5), 1), round(25 / 6 * (0.5 + 0.5), 1), 1),
    (D(2025, 12, 31), "卫滨区", 0.0, 0.0, None),
])
def test_both_scores_at_a_date(training_only, as_of, unit, score, pace_score, rank):
    per = progress.period(2025, as_of=as_of)
    ranked = progress.scores(progress.compute(training_only, per), per).set_index("unit")
    got_rank = ranked.loc[unit, "rank"]
    assert (ranked.loc[unit, "score"], ranked.loc[unit, "pace_score"], None if pd.isna(got_rank) else got_rank) == \
           (pytest.approx(score), pytest.approx(pace_score), rank)
    assert ranked.loc[unit, "rank_text"] == (progress.NOT_RANKED if rank is None else f"第 {rank} 名")
    assert set(ranked.basis) == {progress.ranking_basis(per)}


@pytest.mark.parametrize("as_of,status", [
    (D(2025, 6, 30), NOT_DUE), (D(2025, 12, 30), NOT_DUE), (D(2025, 12, 31), NOT_STARTED),
])
def test_g03_is_not_due_before_year_end_for_everyone(training_only, as_of, status):
    frame = progress.compute(training_only, progress.period(2025, as_of=as_of))
    assert set(frame[frame.indicator == "G03"].status) == {status}
    assert frame[(frame.indicator == "G03")].pace_points.sum() == 0


@pytest.fixture
def two_alike(tmp_path, conn):
    """红旗区 and 卫滨区 each hold the same two 主任办公会学法 by 30 June; 卫滨区 one more in July;
    凤泉区 the same two and a 领导班子法治讲座 on 10 May."""
    rows = [[D(2025, 3, 25), u, "主任办公会学法", "一季度", None, 9, 1, None] for u in ("红旗区", "卫滨区", "凤泉区")]
    rows += [[D(2025, 6, 20), u, "主任办公会学法", "二季度", None, 9, 1, None] for u in ("红旗区", "卫滨区", "凤泉区")]
    rows += [[D(2025, 7, 20), "卫滨区", "主任办公会学法", "三季度", None, 9, 1, None],
             [D(2025, 5, 10), "凤泉区", "领导班子法治讲座", "讲座", None, 12, 2, None]]
    write_xlsx(tmp_path / "t.xlsx", {"培训": [TRAINING_HEADER, *rows]})
    assert load(conn, tmp_path / "t.xlsx").ok
    return conn


@pytest.mark.parametrize("as_of,ranks", [
    # 30 June: 凤泉区 ahead on pace; 红旗区 and 卫滨区 equal on both scores: a tie, shown as one
    (D(2025, 6, 30), {"凤泉区": "第 1 名", "红旗区": "并列第 2 名", "卫滨区": "并列第 2 名", "牧野区": "未报送"}),
    # 31 July: equal pace (T03 due 2, both have it) but 卫滨区's third study lifts its full-year score
    (D(2025, 7, 31), {"凤泉区": "第 1 名", "卫滨区": "第 2 名", "红旗区": "第 3 名", "牧野区": "未报送"}),
])
def test_ranking_ties_and_units_without_data(two_alike, as_of, ranks):
    per = progress.period(2025, as_of=as_of)
    ranked = progress.scores(progress.compute(two_alike, per), per)
    got = dict(zip(ranked.unit, ranked.rank_text))
    assert {u: got[u] for u in ranks} == ranks
    assert list(ranked.unit[:3]) == [u for u in ranks if not ranks[u] == "未报送"][:3] or set(ranked.unit[:3]) == \
        {"凤泉区", "红旗区", "卫滨区"}
    assert set(ranked.unit[3:]) == set(ranked[ranked.rank_text == "未报送"].unit)  # the unranked come last


@pytest.mark.parametrize("status,as_of,name", [
    (LAGGING, D(2025, 6, 30), "进度滞后"), (LAGGING, D(2025, 12, 30), "进度滞后"), (LAGGING, D(2025, 12, 31), "未完成"),
    (NOT_STARTED, D(2025, 12, 31), "未开展"), (NOT_DUE, D(2025, 6, 30), "未到期"), (DONE, D(2025, 12, 31), "已完成"),
])
def test_status_name_of_the_period(status, as_of, name):
    assert progress.status_name(status, progress.period(2025, as_of=as_of)) == name


def _training_rows(year: int, units) -> list:
    return [[D(year, 3, 25), u, "主任办公会学法", "一季度", None, 9, 1, None] for u in units]


NINE = ["市国动办", "红旗区", "卫滨区", "凤泉区", "牧野区", "新乡县", "获嘉县", "原阳县", "延津县"]


@pytest.mark.parametrize("units_2025,units_2026,year,caption", [
    # one county's early rows of 2026 do not move everyone to 2026: most units reported 2025
    (NINE, ["获嘉县"], 2025, "已报送 9/16 个单位"),
    (NINE, NINE, 2026, "已报送 9/16 个单位"),  # most units have reported 2026 too
    ([], ["获嘉县"], 2026, "已报送 1/16 个单位"),  # no year with most units: the latest, and how few reported
    (["获嘉县", "原阳县"], [], 2025, "已报送 2/16 个单位"),
])
def test_default_year_is_the_latest_most_units_reported(tmp_path, conn, units_2025, units_2026, year, caption):
    from indicators import views
    rows = _training_rows(2025, units_2025) + _training_rows(2026, units_2026)
    write_xlsx(tmp_path / "t.xlsx", {"培训": [TRAINING_HEADER, *rows]})
    assert load(conn, tmp_path / "t.xlsx").ok
    assert views.default_year(conn, today=D(2026, 12, 7)) == year
    start, end = D(year, 1, 1), D(year, 12, 31)
    assert views.reported_text(views.units_reported(conn, start, end)) == caption


def test_default_year_without_data_is_this_year(conn):
    from indicators import views
    assert views.default_year(conn, today=D(2026, 12, 7)) == 2026
