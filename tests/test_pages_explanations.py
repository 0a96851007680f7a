"""情况说明 and 需核实 on the pages, under AppTest as a clerk, an administrator and a leader: writing an
explanation on 报送情况, seeing it where the lag is shown (总览, the line-of-work page, 督导评分), marking a
figure 已核实; text from a unit never rendered as markdown."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import GOVERNANCE_HEADER, PUBLICITY_HEADER, TRAINING_HEADER, healthy, load, write_xlsx
from indicators import explanations, outliers, store
from indicators.roles import OPERATOR
from test_pages_cycle import ADMIN_A, LEADER_A, app, click, words
from indicators.roles import CLERK, Actor

D = dt.date
CLERK_YY = Actor("yy", "原阳县填报员", CLERK, "原阳县")
PHISH = "![x](http://evil.example/a.png) [会话已过期，请点此重新登录](http://evil.example/login)"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "app.db"
    monkeypatch.setenv(store.DB_ENV, str(path))
    conn = store.connect(path)
    publicity = [PUBLICITY_HEADER] + [
        [D(2025, 3, i + 1), "卫滨区", f"社区宣讲{i}", "其他", "社区", "社区", p, 100, 1, None]
        for i, p in enumerate([30, 45, 50, 60, 65, 72, 80, 5000])]
    seed = write_xlsx(tmp_path / "seed.xlsx", {
        "培训": [TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None]],
        "制度": [GOVERNANCE_HEADER, [D(2025, 5, 1), "原阳县", "党组听取汇报", "听取法治建设汇报", None]],
        "宣传": publicity})
    assert load(conn, seed).ok
    yield conn
    conn.close()


def submit(at, label: str):
    """Press a form's button: the values typed into the form go with it (no run in between)."""
    next(b for b in at.button if b.label == label).click().run()
    healthy(at)


def _markdown_texts(at) -> list[str]:
    return [str(e.value) for kind in ("markdown", "caption", "info", "warning", "success", "error")
            for e in getattr(at, kind)]


def _frames(at) -> list:
    return [d.value for d in at.dataframe]


def test_a_clerk_explains_a_lag_on_reporting_and_it_is_counted(db):
    at = app("ui/pages/reporting.py", CLERK_YY)
    assert "已说明 0 / " in words(at)
    next(t for t in at.text_area if t.label == "原因（必填）").input("上半年人员调整，学习推迟到三季度")
    next(t for t in at.text_area if t.label == "整改措施").input("7月补开党组中心组学法")
    submit(at, "保存情况说明")
    assert "已保存原阳县 T01 的情况说明（第 1 版）" in words(at)
    assert "已说明 1 / " in words(at)
    (e,) = explanations.listing(db, 2025, 1)
    assert (e.unit, e.indicator, e.name, e.measure) == ("原阳县", "T01", "原阳县填报员", "7月补开党组中心组学法")
    table = next(f for f in _frames(at) if "情况说明" in f.columns and "填写人" in f.columns)
    assert table.loc[table.指标.str.startswith("T01"), "情况说明"].item().startswith("原因：上半年人员调整")


def test_an_empty_reason_is_refused_on_the_page_and_nothing_stored(db):
    at = app("ui/pages/reporting.py", CLERK_YY)
    submit(at, "保存情况说明")
    assert any("「原因」为必填项" in e.value for e in at.error)
    assert explanations.listing(db, 2025, 1) == []


def test_a_leader_reads_explanations_but_has_no_form(db):
    explanations.write(db, OPERATOR, "原阳县", "T01", 2025, 1, "人员调整", today=D(2025, 7, 1))
    at = app("ui/pages/reporting.py", LEADER_A)
    assert "保存情况说明" not in [b.label for b in at.button]
    assert any("情况说明" in f.columns and f["情况说明"].str.contains("人员调整").any() for f in _frames(at))


def test_the_explanation_stands_beside_the_lag_on_overview_work_page_and_scorecard(db):
    explanations.write(db, OPERATOR, "原阳县", "T01", 2025, 1, "人员调整，学习推迟", today=D(2025, 7, 1))
    at = app("ui/pages/overview.py", ADMIN_A)
    lag = next(f for f in _frames(at) if "情况说明" in f.columns)
    row = lag[(lag.单位 == "原阳县") & (lag.编码 == "T01")]
    assert row.情况说明.item() == "人员调整，学习推迟"  # in a few words beside the lag
    assert (lag[(lag.单位 == "原阳县") & (lag.编码 == "T02")].情况说明 == "未说明").all()
    at = app("ui/pages/training.py", ADMIN_A)
    work = next(f for f in _frames(at) if "情况说明" in f.columns)
    assert work[work.单位 == "原阳县"].情况说明.str.startswith("原因：人员调整").any()
    at = app("ui/pages/scorecard.py", ADMIN_A, unit="原阳县")
    detail = next(f for f in _frames(at) if "情况说明" in f.columns)
    assert detail.情况说明.str.startswith("原因：人员调整").any() and (detail.情况说明 == "未说明").any()


def test_a_reviewer_marks_a_figure_checked(db):
    at = app("ui/pages/reporting.py", ADMIN_A)
    flags = next(f for f in _frames(at) if "为何需核实" in f.columns)
    assert flags.数值.tolist() == [5000] and flags.核实.tolist() == ["待核实"]
    click(at, "已核实")
    assert outliers.find(db, 2025, 1) == []
    flags = next(f for f in _frames(at) if "为何需核实" in f.columns)
    assert flags.核实.item().startswith("已核实（孙法规")


def test_text_from_a_unit_is_never_markdown(db):
    explanations.write(db, OPERATOR, "原阳县", "T01", 2025, 1, PHISH, measure=PHISH, today=D(2025, 7, 1))
    for page, unit in (("ui/pages/reporting.py", None), ("ui/pages/overview.py", "原阳县"),
                       ("ui/pages/overview.py", None), ("ui/pages/training.py", None)):
        at = app(page, ADMIN_A, unit=unit)
        healthy(at)
        assert not [t for t in _markdown_texts(at) if "](http" in t], page
