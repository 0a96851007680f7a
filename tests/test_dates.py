"""The 截至日期 choice in Chinese (ui/dates.py): the quick choices, and the 月/日 pills under AppTest."""
from __future__ import annotations

import datetime as dt
import re

import pytest

import dashboard_support as ds
from dashboard_support import app, problems
from indicators import store
from ui import dates

D = dt.date


@pytest.mark.parametrize("year,today,expected", [
    (2026, D(2026, 12, 1), {"今天": D(2026, 12, 1), "本月底": D(2026, 12, 31), "上季度末": D(2026, 9, 30),
                            "上半年末": D(2026, 6, 30)}),
    (2026, D(2026, 2, 10), {"今天": D(2026, 2, 10), "本月底": D(2026, 2, 28), "上半年末": D(2026, 6, 30)}),  # no quarter ended
    (2028, D(2028, 2, 10), {"今天": D(2028, 2, 10), "本月底": D(2028, 2, 29), "上半年末": D(2028, 6, 30)}),  # leap year
    (2026, D(2026, 4, 1), {"今天": D(2026, 4, 1), "本月底": D(2026, 4, 30), "上季度末": D(2026, 3, 31),
                           "上半年末": D(2026, 6, 30)}),
    (2025, D(2026, 12, 1), {"一季度末": D(2025, 3, 31), "上半年末": D(2025, 6, 30), "三季度末": D(2025, 9, 30),
                            "年底": D(2025, 12, 31)}),  # a past year: its quarter ends
])
def test_quick_choices(year, today, expected):
    assert dates.quick_dates(year, today) == expected


@pytest.mark.parametrize("day,text", [
    (D(2025, 6, 30), "2025年6月30日（星期一）"), (D(2025, 3, 1), "2025年3月1日（星期六）"), (D(2026, 12, 6), "2026年12月6日（星期日）"),
])
def test_chinese_date(day, text):
    assert dates.chinese(day) == text


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv(store.DB_ENV, str(ds.seed_database(tmp_path)))


def title_period(at) -> str:
    """The period the page heading names (charts may be absent: no data before March)."""
    return re.search(r"全市 · (\S+) · 数据截至", " ".join(c.value for c in at.caption)).group(1)


# Each case: the taps (widget key suffix, value) after choosing 截至日期, then the period shown. Any date
# of the year is two taps (a month, a day); a quick choice is one.
@pytest.mark.parametrize("taps,period", [
    ([], "2025年1月1日至12月31日"),  # a past year starts at its end
    ([("quick", "上半年末")], "2025年1月1日至6月30日"),
    ([("month", 3), ("day", 31)], "2025年1月1日至3月31日"),
    ([("month", 2)], "2025年1月1日至2月28日"),  # 31 December's day does not exist in February: its last day
    ([("month", 1), ("day", 31), ("month", 4)], "2025年1月1日至4月30日"),
    ([("quick", "一季度末"), ("day", 15)], "2025年1月1日至3月15日"),  # a quick choice, then a day of its month
    ([("month", 5), ("month", None)], "2025年1月1日至5月31日"),  # tapping the chosen month again keeps it
])
def test_the_as_of_date_in_taps(db, taps, period):
    at = app("ui/pages/overview.py", period="截至日期")
    assert not at.date_input  # streamlit's date picker, with English month names, is gone
    for widget, value in taps:
        at.pills(key=f"as_of_{widget}_2025").set_value(value).run()
        assert problems(at) == []
    assert title_period(at) == period
    chosen = re.search(r"截至日期：(\S+)", " ".join(c.value for c in at.caption)).group(1)
    assert chosen.startswith("2025年" + period.split("至")[1])  # said in words, with its weekday
    assert at.pills(key="as_of_month_2025").options == [f"{m}月" for m in range(1, 13)]
    labels = [o for p in at.pills for o in p.options]
    assert all(re.fullmatch(r"[\u4e00-\u9fff0-9]+", o) for o in labels)  # nothing but Chinese and digits
