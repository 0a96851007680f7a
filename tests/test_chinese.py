"""The one place Chinese dates and figures are written (indicators/chinese.py): tables of cases."""
from __future__ import annotations

import datetime as dt
import math

import pytest

import dashboard_support as ds  # noqa: F401  (puts the project root on sys.path)
from indicators import chinese, progress


@pytest.mark.parametrize("d,text,short,weekday", [
    (dt.date(2025, 6, 30), "2025年6月30日", "6月30日", "2025年6月30日（星期一）"),
    (dt.date(2026, 1, 4), "2026年1月4日", "1月4日", "2026年1月4日（星期日）"),
])
def test_dates(d, text, short, weekday):
    assert (chinese.date(d), chinese.month_day(d), chinese.date_weekday(d)) == (text, short, weekday)


@pytest.mark.parametrize("v,measure,amount,due,value_text", [
    (1.0, "期", "1 期", "1 期", "1期"),
    (0.99, "期", "1 期", "1 期", "1期"),  # 2 x 181/365 due by 30 June: one whole lecture, never "1.0 期"
    (2.97, "篇", "3 篇", "3 篇", "3篇"),  # never "3.0 篇"
    (0.3, "期", "0.3 期", "1 期", "0.3期"),  # what is due is a whole lecture
    (2, "次", "2 次", "2 次", "2次"),
    (991.8, "人次", "992 人次", "992 人次", "991.8人次"),
    (1877, "人次", "1,877 人次", "1,877 人次", "1877人次"),
    (83.333, "%", "83.3%", "83.3%", "83.3%"),
    (None, "次", "—", "—", "—"),
    (math.nan, "%", "—", "—", "—"),
])
def test_figures(v, measure, amount, due, value_text):
    assert (chinese.amount(v, measure), chinese.due_amount(v, measure), chinese.value_text(v, measure)) == \
           (amount, due, value_text)


@pytest.mark.parametrize("v,text", [(25 / 6, "4.17"), (25 / 3, "8.33"), (6.25, "6.25"), (4.165, "4.17"), (None, "—")])
def test_points_read_the_same_everywhere(v, text):
    assert chinese.points(v) == text


@pytest.mark.parametrize("n,text", [(1, "一"), (10, "十"), (12, "十二"), (25, "二十五")])
def test_numerals(n, text):
    assert chinese.numeral(n) == text


def test_period_labels_use_the_one_date_format():
    assert progress.period(2025, as_of=dt.date(2025, 7, 15)).label == "2025年1月1日至7月15日"


def test_no_other_module_writes_a_chinese_date_itself():
    """年/月/日 put together from a date's parts lives in chinese.py only."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"\{[a-z_.]*\.year\}年\{[a-z_.]*\.month\}月")
    offenders = [str(p.relative_to(root)) for folder in ("indicators", "ui") for p in (root / folder).rglob("*.py")
                 if p.name != "chinese.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
