"""The tidy frames the pages draw, on the seeded database (tests/dashboard_support.py: SEED)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import dashboard_support as ds
from indicators import progress, store, views
from indicators.progress import DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE

H1 = progress.period(2025, half=1)
YEAR = progress.period(2025, half=2)


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    c = store.connect(ds.seed_database(tmp_path_factory.mktemp("views")))
    yield c
    c.close()


@pytest.fixture(scope="module")
def frame(conn):
    return progress.compute(conn, H1)


@pytest.mark.parametrize("day,expected", [
    (dt.date(2025, 1, 1), 2 / 365),  # T02 alone: 2 x 1/365
    (dt.date(2025, 6, 29), 2 * 180 / 365),  # the half-year study is due only once June has ended
    (dt.date(2025, 6, 30), 1 + 2 * 181 / 365),
    (dt.date(2025, 12, 31), 4.0),
])
def test_pace_line_follows_each_rhythm(frame, day, expected):
    rows = views.unit_rows(frame, "红旗区")
    pace = views.pace_line(rows, ["T01", "T02"], H1).set_index("date")["expected"]
    assert len(pace) == 365
    assert pace[pd.Timestamp(day)] == pytest.approx(expected)


def test_pace_line_for_city_counts_every_unit_it_applies_to(frame):
    pace = views.pace_line(views.unit_rows(frame), ["G04", "T02"], YEAR).set_index("date")["expected"]
    assert pace[pd.Timestamp(2025, 12, 31)] == pytest.approx(2 + 2 * 16)  # G04 city only, T02 all 16 units


def test_monthly_measures_and_running_total(conn):
    monthly = views.for_unit(views.monthly_measures(conn, H1), "红旗区")
    months = views.month_starts(2025, H1.as_of)
    assert len(months) == 6
    sessions = views.measure_series(monthly, "training:n", months)
    assert list(sessions.value) == [0, 0, 1, 1, 1, 0]
    running = views.cumulative(sessions, H1)
    assert list(running.date) == [pd.Timestamp(2025, 1, 1)] + [pd.Timestamp(d) for d in (
        "2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30")]
    assert list(running.value) == [0, 0, 0, 1, 2, 3, 3]
    kinds = views.by_choice(monthly, "training", "category", months)
    assert kinds[(kinds.month == pd.Timestamp(2025, 5, 1)) & (kinds.category == "领导班子法治讲座")]["count"].item() == 1
    assert len(kinds) == 6 * 5  # every month and category, zeros kept


def test_month_ending_mid_month_counts_up_to_the_date(conn):
    per = progress.period(2025, as_of=dt.date(2025, 5, 15))
    monthly = views.for_unit(views.monthly_measures(conn, per), "红旗区")
    assert views.measure_series(monthly, "training:n", views.month_starts(2025, per.as_of)).value.sum() == 2


@pytest.mark.parametrize("as_of,states", [
    (dt.date(2025, 2, 28), {"3·1民防日": NOT_DUE, "5·12防灾减灾日": NOT_DUE}),  # not yet due: 未到期 (issue 22)
    (dt.date(2025, 6, 30), {"3·1民防日": DONE, "5·12防灾减灾日": DONE, "9·18警报鸣放": NOT_DUE}),
    (dt.date(2025, 12, 31), {"9·18警报鸣放": NOT_STARTED, "全民国防教育月": NOT_STARTED}),
])
def test_key_dates_done_due_or_not_yet(conn, as_of, states):
    per = progress.period(2025, as_of=as_of)
    nodes = views.key_dates(store.measure_totals(conn, per.start, per.end), per, "红旗区").set_index("node")
    for node, state in states.items():
        assert nodes.state[node] == state


def test_governance_grid(conn):
    (h1_start, h1_end), h2 = views.half_ranges(YEAR)
    grid = views.governance_grid(store.measure_totals(conn, h1_start, h1_end), store.measure_totals(conn, *h2), YEAR)
    cells = grid.set_index(["row", "column"])
    assert cells.status[("红旗区", "党组听取汇报（上半年）")] == DONE
    assert cells.status[("红旗区", "党组听取汇报（下半年）")] == NOT_STARTED
    assert cells.status[("红旗区", "领导干部述法（全年）")] == NOT_STARTED
    assert cells.status[("红旗区", "督导检查（上半年）")] == NOT_APPLICABLE
    assert cells.status[("市国动办", "督导检查（上半年）")] == DONE
    assert len(grid) == 16 * 7


def test_half_ranges():
    assert views.half_ranges(H1) == ((dt.date(2025, 1, 1), dt.date(2025, 6, 30)), None)
    assert views.half_ranges(YEAR)[1] == (dt.date(2025, 7, 1), dt.date(2025, 12, 31))


def test_staff_gaps_and_rates(conn):
    staff = views.staff_frame(store.latest_snapshots(conn, H1.start, H1.end)).set_index("unit")
    assert staff.vacancy["延津县"] == 3 and staff.uncertified["延津县"] == 2
    assert staff["持证率"]["延津县"] == pytest.approx(60.0) and staff["配备率"]["延津县"] == pytest.approx(62.5)
    assert not staff.reported["卫滨区"] and pd.isna(staff["持证率"]["卫滨区"])
    city = views.staff_totals(staff.reset_index()).iloc[0]
    assert (city.quota, city.staff, city.certified) == (14, 11, 9)
    assert city["持证率"] == pytest.approx(100 * 9 / 11)
    assert list(views.shortages(staff.reset_index()).unit) == ["延津县"]


@pytest.mark.parametrize("code,need", [
    ("T02", "还需 1 期"),
    ("P03", "还需 1,500 人次"),  # 500 of 2000 people reached
    ("E01", ""),  # 6 of 6 certified
    ("G02", "还需 2 次"),
])
def test_what_full_marks_need(conn, frame, code, need):
    snaps = store.latest_snapshots(conn, H1.start, H1.end)
    rows = views.score_breakdown(frame, "红旗区", snaps).set_index("indicator")
    assert rows.need[code] == need


@pytest.mark.parametrize("code,need,need_year", [
    ("T02", "", "还需 1 期"),  # 1 held, 2 x 181/365 = 0.99 due by 30 June: on pace
    ("T03", "还需 1 次", "还需 3 次"),  # quarterly: 2 due, 1 held
    ("T04", "还需 1 期", "还需 2 期"),  # 0.99 due: one whole session
    ("G03", "未到期", "还需 1 次"),  # due in the second half: nothing due yet, neither full points nor lost
    ("P03", "还需 492 人次", "还需 1,500 人次"),  # 2000 x 181/365 = 991.8 due, 500 reached
])
def test_what_the_pace_needs_beside_the_full_year(conn, frame, code, need, need_year):
    snaps = store.latest_snapshots(conn, H1.start, H1.end)
    rows = views.score_breakdown(frame, "红旗区", snaps, basis="pace_score").set_index("indicator")
    assert (rows.need[code], rows.need_year[code]) == (need, need_year)
    # 按时序进度得分, as on the page: the 71.655 points earned on what is due once G03 and P04 (not due by
    # 30 June, 25/3 + 6.25 points) no longer count as full marks, on the 85.4 points that are due, out of 100
    assert rows.points.sum() == pytest.approx((71.655 - 25 / 3 - 6.25) * 100 / (100 - 25 / 3 - 6.25), abs=0.01)
    assert rows.weight.sum() == pytest.approx(100) and rows.weight["G03"] == 0
    assert rows.year_points.sum() == pytest.approx(41.0, abs=0.05)


# 全市's pace score: the three units with data (红旗区 66.8, 延津县 22.1, 市国动办 7.1) and thirteen with none,
# which score 0 now that nothing not yet due counts as done
PACE_MEAN = round((66.8 + 22.1 + 7.1) / 16, 1)


@pytest.mark.parametrize("unit,expected", [
    ("红旗区", {"score": 41.0, "pace_score": 66.8, "rank": 1, "rank_text": "第 1 名"}),
    (None, {"score": 3.9, "pace_score": PACE_MEAN, "rank": None, "rank_text": ""}),  # 全市: the mean over the 16 units
])
def test_score_summary(frame, unit, expected):
    assert views.score_summary(progress.scores(frame, H1), unit) == pytest.approx(expected)


def test_rate_gap_in_people(conn, frame):
    snaps = store.latest_snapshots(conn, H1.start, H1.end)
    rows = views.score_breakdown(frame, "延津县", snaps).set_index("indicator")
    assert rows.need["E01"] == "还差 40.0 个百分点（还需 2 人取得执法证）"
    assert rows.need["E04"] == "还差 37.5 个百分点（还需 3 名执法人员到岗）"
    assert rows.weight.sum() == pytest.approx(100)


def test_lagging_lists_units_and_indicators(frame):
    lag = views.lagging(frame, "红旗区")
    assert set(lag.indicator) >= {"T03", "T04"} and "T02" not in set(lag.indicator)
    by_unit = views.lagging_by_unit(views.lagging(frame))
    red = by_unit.set_index("unit").loc["红旗区"]
    assert red.total == red[LAGGING] + red[NOT_STARTED] and "T03 主任办公会议学法" in red.indicators
    every = views.lagging(frame)
    training = views.lagging(frame, group="T")  # one line of work's lags (学法培训's page)
    assert len(training) == every.indicator.str.startswith("T").sum() > 0
    assert training.indicator.str.startswith("T").all()
    assert set(views.lagging(frame, "红旗区", "T").indicator) == {i for i in lag.indicator if i.startswith("T")}
    assert views.lagging(frame, "红旗区", "P").indicator.str.startswith("P").all()


def test_year_comparison_uses_same_period_last_year(conn, frame):
    last = progress.compute(conn, H1.last_year())
    comp = views.year_comparison(views.unit_rows(frame, "红旗区"), views.unit_rows(last, "红旗区")).set_index("indicator")
    assert comp.current["T02"] == pytest.approx(50) and comp.previous["T02"] == pytest.approx(50)
    assert comp.previous["T01"] == 0


def test_data_years_and_has_any(conn):
    assert views.data_years(conn) == [2025, 2024]
    totals = store.measure_totals(conn, H1.start, H1.end)
    assert views.has_any(totals, {}, "红旗区", "training")
    assert not views.has_any(totals, {}, "卫滨区", "training")  # its session is in August
    assert views.has_any({}, {"延津县": {}}, "延津县", "staff") and not views.has_any({}, {}, None, "staff")
