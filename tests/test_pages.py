"""Every page under AppTest against a database seeded through the real import: the charts it shows
and the figures of the seeded case (tests/dashboard_support.py: SEED)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import dashboard_support as ds
from dashboard_support import app, bar_value, figure, figures, problems, texts, values
from indicators import demo, importing, roles, store
from indicators.config import default_catalog
from ui import navigation

# Charts each page shows for 全市 and for one unit (per-unit views leave out the unit-by-unit charts).
EXPECTED = {
    "ui/pages/overview.py": (["时间进度与总体完成率", "指标状态分布", "各项指标完成进度", "各单位滞后指标数", "各单位指标状态",
                           "与上年同期对比"], "各单位滞后指标数"),
    "ui/pages/training.py": (["学法培训完成情况（对照节奏）", "各月学法培训场次（按类别）", "学法培训累计场次与进度线",
                           "各月参学人次与学时", "各单位学法培训场次（按类别）"], "各单位学法培训场次（按类别）"),
    "ui/pages/publicity.py": (["重要节点宣传活动", "宣传活动地点类型", "宣传活动累计次数与全年目标", "宣传活动累计参与人数",
                            "各单位宣传活动次数"], "各单位宣传活动次数"),
    "ui/pages/governance.py": (["制度落实完成情况（对照节奏）", "各单位制度落实情况（已完成或到期未完成）"], None),
    "ui/pages/staff.py": (["执法人员编制、在岗与持证", "执法队伍各项比率", "各单位执法队伍比率（目标 100%）"],
                       "各单位执法队伍比率（目标 100%）"),
    "ui/pages/scorecard.py": (["督导平台得分排名", "指标得分明细"], None),
    # the data pages draw tables and forms; tests/test_pages_data.py drives them
    "ui/pages/upload.py": ([], None),
    "ui/pages/entry.py": ([], None),  # tests/test_pages_entry.py drives it
    "ui/pages/evidence.py": ([], None),
    "ui/pages/history.py": ([], None),
    "ui/pages/reporting.py": (["各单位台账报送情况"], None),
    "ui/pages/targets.py": ([], None),
    "ui/pages/answers.py": ([], None),
    "ui/pages/exports.py": ([], None),
    "ui/pages/audit.py": ([], None),
    "ui/pages/notify.py": ([], None),
    "ui/pages/first_admin.py": ([], None),
}
# the pages of a database without accounts (the machine's operator); the pages shown only once
# accounts exist (账号管理, 修改密码) are driven by tests/test_pages_accounts.py
PAGE_FILES = [path for pages in navigation.visible(roles.OPERATOR, False).values() for path, _, _ in pages]
LOGIN_PAGES = sorted(navigation.LOGIN_ONLY)
DASHBOARD_PAGES = [path for path, _, _ in navigation.PAGES["指标看板"]]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    return ds.seed_database(tmp_path_factory.mktemp("seeded"))


@pytest.fixture
def db(seeded, monkeypatch) -> Path:
    monkeypatch.setenv(store.DB_ENV, str(seeded))
    return seeded


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """A database that started empty: the app loads the demo data into it on the first run."""
    return tmp_path_factory.mktemp("demo") / "empty.db"


def test_every_page_has_a_test():
    import test_pages_accounts
    assert sorted(EXPECTED) == sorted(PAGE_FILES)
    assert sorted(PAGE_FILES + LOGIN_PAGES) == sorted(path for path, _, _ in navigation.all_pages())
    assert set(LOGIN_PAGES) <= set(test_pages_accounts.TESTED_PAGES)


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize("unit", [None, "红旗区"])
def test_page_shows_its_charts(db, page, unit):
    at = app(page, unit=unit, period="上半年")
    assert problems(at) == []
    names, city_only = EXPECTED[page]
    expected = [n for n in names if unit is None or n != city_only]
    shown = figures(at)
    assert [f["name"] for f in shown] == expected
    for f in shown:
        scope, period = re.search(r"<br>([^<>]+) · ([^<>]+)$", f["title"]).groups()
        assert period == "2025年上半年"
        if f["name"] == "指标得分明细" and unit is None:  # one unit's breakdown, chosen on the page
            assert scope in default_catalog().unit_names
        else:
            assert scope in ("全市" if unit is None else unit, "全市各单位")
        assert f["name"] in f["title"]
        assert f["config"]["toImageButtonOptions"] == {"format": "png", "scale": 2,
                                                       "filename": f"{f['name']}_{scope}_2025年上半年"}
        assert f["config"]["displaylogo"] is False
        assert "数据截至 2025年6月30日" in f["layout"]["annotations"][-1]["text"]


def test_sidebar_drives_the_page(db):
    at = app("ui/pages/overview.py")
    assert at.selectbox(key="year").value == 2025  # the latest year with data
    assert at.radio(key="period_mode").value == "全年"  # a past year: the whole of it
    assert "全市 · 2025年全年" in at.caption[0].value
    at.radio(key="period_mode").set_value("上半年").run()
    at.selectbox(key="unit").set_value("红旗区").run()
    assert problems(at) == []
    assert "红旗区 · 2025年上半年 · 数据截至 2025年6月30日" in at.caption[0].value
    assert "红旗区 · 2025年上半年" in figure(at, "各项指标完成进度")["title"]
    at.radio(key="period_mode").set_value("截至日期").run()
    at.pills(key="as_of_month_2025").set_value(3).run()  # the 截至日期 in two taps: 3月, then 31日
    at.pills(key="as_of_day_2025").set_value(31).run()
    assert "2025年1月1日至3月31日" in figure(at, "各项指标完成进度")["title"]
    at.toggle(key="report_mode").set_value(True).run()
    assert "# 红旗区 · 2025年1月1日至3月31日 · 总览" in [m.value for m in at.markdown]


def test_overview_lecture_by_june_is_on_pace(db):
    # 红旗区 held one 领导班子法治讲座 (target 2 a year) on 20 May: by 30 June 2 x 181/365 = 0.99 is due.
    at = app("ui/pages/overview.py", unit="红旗区", period="上半年")
    pace = figure(at, "各项指标完成进度")
    assert bar_value(pace, "T02 领导班子法治专题讲座") == ("进度正常", 50.0)
    assert bar_value(pace, "T01 党组理论学习中心组法治专题学习") == ("进度正常", 50.0)  # 1 of 2, one half-year ended
    assert bar_value(pace, "T03 主任办公会议学法") == ("进度滞后", 25.0)  # 1 of 4, two quarters ended
    assert bar_value(pace, "T04 行政执法人员法治专题培训") == ("未开展", 0.0)
    words = texts(at)
    assert "时间进度 49.6%" in words.replace("\n", " ")
    # 滞后预警 for one unit: the list itself (beside the notice that login is not enabled)
    warning = next(w.value for w in at.warning if "尚未启用登录" not in w.value)
    assert "T03 主任办公会议学法（进度滞后：已完成 1 次，应完成 2 次）" in warning
    assert "T04 行政执法人员法治专题培训（未开展" in warning and "T02" not in warning


@pytest.mark.parametrize("unit,period,shown", [
    # the same two scores as 督导评分 (test_scorecard_ranks_by_pace_before_year_end_beside_the_full_year_score)
    ("红旗区", "上半年", [("按时序进度得分", "66.8 分", "第 1 名"), ("全年目标得分", "41.0 分", "")]),
    # 全市: the units' mean, (66.8 + 22.1 + 7.1 + 13 x 0) / 16 = 6.0 and (41.0 + 18.9 + 3.1) / 16 = 3.9 (issue 22:
    # what is not yet due no longer counts as full marks, so a unit with no data scores 0, not 14.6)
    (None, "上半年", [("按时序进度得分", "6.0 分", ""), ("全年目标得分", "3.9 分", "")]),
    ("红旗区", "全年", [("全年目标得分", "41.0 分", "第 1 名")]),  # at year end the two agree: one is shown
])
def test_overview_shows_both_scores_in_the_same_words(db, unit, period, shown):
    at = app("ui/pages/overview.py", unit=unit, period=period)
    assert [(m.label, m.value, m.delta) for m in at.metric if "得分" in m.label] == shown


def test_overview_city_lists_lagging_units(db):
    at = app("ui/pages/overview.py", period="上半年")
    lag = at.dataframe[0].value
    assert {"红旗区", "卫滨区", "原阳县"} <= set(lag["单位"])
    assert "T02" not in set(lag[lag["单位"] == "红旗区"]["编码"])
    units = figure(at, "各单位滞后指标数")
    assert bar_value(units, "红旗区")[0] in ("未开展", "进度滞后")


def test_overview_city_heat_map_and_last_year(db):
    at = app("ui/pages/overview.py", period="上半年")
    heat = figure(at, "各单位指标状态")
    grid = heat["data"][0]
    rows, cols = values(grid["y"]), values(grid["x"])
    text = grid["text"]
    assert text[rows.index("红旗区")][cols.index("T02")] == "50%"
    assert text[rows.index("卫滨区")][cols.index("T02")] == "0%"
    assert "E05" not in cols  # shown elsewhere, not scored
    comparison = figure(at, "与上年同期对比")
    names = {t["name"]: t.get("legendrank") for t in comparison["data"]}
    assert names == {"2025年上半年": 1, "2024年上半年（同期）": 2}  # this year first in the legend
    # 全市 T02: 1 lecture of 32 units x 2 in the first half of both years
    assert bar_value(comparison, "T02 领导班子法治专题讲座") == ("2024年上半年（同期）", pytest.approx(3.1, abs=0.05))
    current = next(t for t in comparison["data"] if t["name"] == "2025年上半年")
    assert values(current["x"])[values(current["y"]).index("T01 党组理论学习中心组法治专题学习")] == pytest.approx(3.1, abs=0.05)


def test_training_months_and_pace(db):
    at = app("ui/pages/training.py", unit="红旗区", period="上半年")
    months = figure(at, "各月学法培训场次（按类别）")
    lectures = next(t for t in months["data"] if t.get("name") == "领导班子法治讲座")
    assert [x[:7] for x, y in zip(values(lectures["x"]), values(lectures["y"])) if y] == ["2025-05"]
    cumulative = figure(at, "学法培训累计场次与进度线")
    actual = next(t for t in cumulative["data"] if t["name"] == "实际累计")
    assert values(actual["y"])[-1] == 3  # three sessions by 30 June
    assert "参学人次 51" in texts(at)  # 12 + 9 + 30


def test_publicity_key_dates_and_units_without_activities(db):
    at = app("ui/pages/publicity.py", period="上半年")
    nodes = figure(at, "重要节点宣传活动")
    assert bar_value(nodes, "3·1民防日", axis="x") == ("已完成", 1)
    assert bar_value(nodes, "9·18警报鸣放", axis="x") == ("未到期", 0)  # not yet due by 30 June
    warning = " ".join(str(w.value) for w in at.warning)
    assert "卫滨区" in warning and "红旗区" not in warning.split("：", 1)[1]
    per_unit = figure(at, "各单位宣传活动次数")
    assert bar_value(per_unit, "红旗区") == ("进度滞后", 2)  # 2 of 10 by June, 10 x 181/365 = 4.96 due
    assert bar_value(per_unit, "卫滨区") == ("未开展", 0)


def test_governance_grid_done_and_due(db):
    at = app("ui/pages/governance.py", period="全年")
    grid = figure(at, "各单位制度落实情况（已完成或到期未完成）")["data"][0]
    rows, cols = values(grid["y"]), values(grid["x"])
    cell = lambda unit, col: grid["text"][rows.index(unit)][cols.index(col)]  # noqa: E731
    assert cell("红旗区", "党组听取汇报（上半年）") == "已开展 1 次"
    assert cell("红旗区", "党组听取汇报（下半年）") == "未开展"
    assert cell("红旗区", "督导检查（上半年）") == "—"  # city only
    assert cell("市国动办", "督导检查（上半年）") == "已开展 1 次"


def test_governance_second_half_not_yet_due_in_june(db):
    at = app("ui/pages/governance.py", period="上半年")
    grid = figure(at, "各单位制度落实情况（已完成或到期未完成）")["data"][0]
    rows, cols = values(grid["y"]), values(grid["x"])
    assert grid["text"][rows.index("红旗区")][cols.index("党组听取汇报（下半年）")] == "未到期"


def test_staff_gap_is_spelled_out(db):
    at = app("ui/pages/staff.py", period="上半年")
    bars = figure(at, "执法人员编制、在岗与持证")
    gaps = next(t for t in bars["data"] if t.get("mode") == "text")
    labels = dict(zip(values(gaps["y"]), gaps["text"]))
    assert labels["延津县"] == "编制 8 · 在岗 5 · 持证 3　缺编 3 人，未持证 2 人"
    assert labels["红旗区"].endswith("满编、全员持证")
    assert "延津县（编制 8、实有 5、持证 3）" in texts(at)
    rates = figure(at, "执法队伍各项比率")  # 全市: 9 certified of 11 staff
    assert bar_value(rates, "E01 行政执法人员持证率") == ("进度滞后", pytest.approx(81.8, abs=0.05))


def test_scorecard_ranks_by_pace_before_year_end_beside_the_full_year_score(db):
    # This test used to read the full-year score as the ranking at 30 June; issue 14 ranks by the pace.
    at = app("ui/pages/scorecard.py", unit="红旗区", period="上半年")
    ranking = figure(at, "督导平台得分排名")
    totals = next(t for t in ranking["data"] if t.get("mode") == "text")
    labels = dict(zip(values(totals["y"]), totals["text"]))
    # 红旗区 against what is due by 30 June (time progress 181/365 = 0.4959):
    # T: 25/6 x (T01 1/1 + T02 1/0.99 capped 1 + T03 1/2 + T04 0 + T05 0 + T06 1/2.98) = 25/6 x 2.836 = 11.82
    # G: 25/3 x (G01 1/1 + G02 0/1) = 8.33; G03 nothing due (未到期): no points, and its 8.33 not counted
    # P: 6.25 x (P01 2/4.96 + P02 2/2 + P03 500/991.8) = 6.25 x 1.907 = 11.92; P04 not due, not counted
    # E: all four rates at 100 % = 25: 57.07 of the 100 - 8.33 - 6.25 = 85.42 points due -> 66.8 on 100
    assert labels["红旗区"] == "66.8 分（第 1 名）"
    # 延津县: E 6.25 x (3/5 + 3/3 + 4/5 + 5/8) = 18.91 of 85.42 due -> 22.1
    assert labels["延津县"] == "22.1 分（第 2 名）"
    # 市国动办: G04 1/1 6.25 of 100 - 6.25 (G03) - 6.25 (P04) due -> 7.1; a unit with no data is not ranked
    assert labels["市国动办"] == "7.1 分（第 3 名）" and labels["卫滨区"] == "0.0 分（未报送）"
    year = next(t for t in ranking["data"] if t.get("name") == "全年目标得分")  # the full-year score beside it
    full = dict(zip(values(year["y"]), values(year["x"])))
    # full year: T 25/6 x (0.5 + 0.5 + 0.25 + 1/6) = 5.90; G 25/3 x 0.5 = 4.17; P 6.25 x (0.2 + 0.5 + 0.25) = 5.94; E 25
    assert full["红旗区"] == pytest.approx(41.0) and full["延津县"] == pytest.approx(18.9)
    assert "按时序进度得分（满分 100 分）" == ranking["layout"]["xaxis"]["title"]["text"]
    breakdown = figure(at, "指标得分明细")
    needs = dict(zip(values(breakdown["data"][-1]["y"]), breakdown["data"][-1]["text"]))
    assert needs["T02 领导班子法治专题讲座"] == "满分"  # on pace, though one lecture short of the year
    assert needs["T03 主任办公会议学法"] == "还需 1 次"  # 2 due by 30 June, 1 held
    assert needs["T04 行政执法人员法治专题培训"] == "还需 1 期"  # 0.99 due: one whole session
    assert needs["P03 宣传活动参与人数"] == "还需 492 人次"  # 991.8 due, 500 reached
    table = at.dataframe[0].value.set_index("指标")
    assert table.loc["T02 领导班子法治专题讲座", "完成全年目标还需"] == "还需 1 期"
    assert table.loc["T03 主任办公会议学法", "达到时序进度还需"] == "还需 1 次"
    words = texts(at)
    assert "按时序进度得分 66.8 分" in words and "全年目标得分 41.0 分" in words and "排名 第 1 名 / 3" in words
    assert "（排名依据）" in words


def test_scorecard_ranks_by_the_full_year_score_at_year_end(db):
    at = app("ui/pages/scorecard.py", unit="红旗区", period="全年")
    ranking = figure(at, "督导平台得分排名")
    assert all(t.get("name") != "全年目标得分" for t in ranking["data"])  # one score: the two agree at year end
    assert ranking["layout"]["xaxis"]["title"]["text"] == "全年目标得分（满分 100 分）"
    assert "按时序进度得分" not in texts(at) and "全年目标得分" in texts(at)


def test_unit_without_data_says_what_to_do(db):
    at = app("ui/pages/training.py", unit="原阳县", period="上半年")
    assert problems(at) == [] and figures(at) == []
    words = texts(at)
    assert "原阳县在2025年上半年还没有培训学法台账记录" in words
    assert "去「数据填报」上传台账" in [link.label for link in at.get("page_link")]
    assert not any(b.label == "载入示例数据" for b in at.button)  # real data exists: no demo offered


@pytest.mark.parametrize("page", DASHBOARD_PAGES)
def test_year_without_data_has_an_empty_state(db, page):
    at = app(page, year=dt.date.today().year)  # always offered; the seeded data is 2024-2025
    assert problems(at) == [] and figures(at) == []
    assert "还没有" in texts(at)


def test_report_mode_hides_controls_and_names_unit_and_period(db):
    at = app("ui/pages/overview.py", unit="红旗区", period="上半年", report=True)
    assert problems(at) == []
    assert "# 红旗区 · 2025年上半年 · 总览" in [m.value for m in at.markdown]
    assert not at.metric and not at.dataframe  # charts only
    assert len(figures(at)) == 5 and at.warning  # the unit's lagging list stays, as text
    assert all(f["layout"]["height"] >= 640 for f in figures(at))
    assert any('[data-testid="stSidebar"]' in str(h.proto.body) for h in at.get("html"))
    next(b for b in at.button if b.label == "退出汇报模式").click().run()
    assert at.toggle(key="report_mode").value is False and at.metric


def test_new_import_shows_at_once(db, tmp_path, monkeypatch):
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(db).read_bytes())
    monkeypatch.setenv(store.DB_ENV, str(copy))
    at = app("ui/pages/overview.py", unit="红旗区", period="上半年")
    assert bar_value(figure(at, "各项指标完成进度"), "T04 行政执法人员法治专题培训") == ("未开展", 0.0)
    conn = store.connect(copy)
    ds.import_rows(conn, tmp_path / "补充.xlsx", {"training": [
        {"date": ds.D(2025, 6, 2), "unit": "红旗区", "category": "执法人员培训", "title": "执法人员法治专题培训班",
         "participants": 20}]})
    conn.close()
    at.run()
    assert bar_value(figure(at, "各项指标完成进度"), "T04 行政执法人员法治专题培训") == ("进度正常", 50.0)


@pytest.mark.parametrize("page", PAGE_FILES)
def test_empty_database_gets_demo_data_and_says_so(demo_db, monkeypatch, page):
    monkeypatch.setenv(store.DB_ENV, str(demo_db))
    at = app(page)
    assert problems(at) == []
    # one notice says it (a warning when it also says that login is not enabled, as here: no account)
    assert any("示例数据" in str(i.value) for i in [*at.info, *at.warning])
    shown = figures(at)
    assert bool(shown) == bool(EXPECTED[page][0])
    assert all("示例数据" in f["layout"]["annotations"][-1]["text"] for f in shown)


def test_demo_undone_offers_it_again(tmp_path, monkeypatch):
    conn = store.connect(tmp_path / "undone.db")
    for result in demo.load_demo(conn):
        importing.undo(conn, result.batch_id)
    conn.close()
    monkeypatch.setenv(store.DB_ENV, str(tmp_path / "undone.db"))
    at = app()
    assert problems(at) == [] and figures(at) == []  # undone on purpose: not silently reloaded
    assert "全市在" in texts(at) and "还没有任何台账数据" in texts(at)
    next(b for b in at.button if b.label == "载入示例数据").click().run()
    assert problems(at) == [] and len(figures(at)) == 6


def test_unusable_database_is_a_chinese_message(tmp_path, monkeypatch):
    monkeypatch.setenv(store.DB_ENV, str(tmp_path))  # a folder, not a database file
    at = app()
    assert not at.exception
    assert [e.value for e in at.error] and "无法读取数据库" in at.error[0].value
    assert "unable" not in at.error[0].value  # sqlite's English goes to the log, not to the user


@pytest.mark.parametrize("agent,phone", [
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
     "Mobile/15E148 Safari/604.1", True),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile "
     "Safari/537.36", True),
    ("Mozilla/5.0 (Linux; U; Android 13; zh-cn; V2219A Build/TP1A) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Version/4.0 Chrome/87.0 Mobile Safari/537.36 MicroMessenger/8.0.47", True),  # a link opened inside WeChat
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
     "Safari/537.36", False),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
     "Safari/605.1.15", False),  # also what an iPad sends: a screen wide enough for the desktop layout
    ("", False),
])
def test_a_phone_is_known_by_its_user_agent(agent, phone):
    from ui import shell
    assert shell.is_phone(agent) is phone


def test_no_pages_folder_beside_app_py():
    # A pages/ folder next to app.py makes Streamlit run a process's first session through its MPA-v1
    # discovery instead of app.py (PagesManager.uses_pages_directory): a page's own URL opened first
    # after a restart then lost its first click or upload. The pages live in ui/pages/.
    assert not (ds.ROOT / "pages").exists()
    assert all(path.startswith("ui/pages/") and (ds.ROOT / path).is_file() for path in PAGE_FILES)


def test_production_settings_hide_deploy_and_error_details():
    import tomllib

    config = tomllib.loads((ds.ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["toolbarMode"] == "minimal"  # no Deploy button
    assert config["client"]["showErrorDetails"] == "none"
    assert config["theme"]["base"] == "light"
