"""The 截至日期 choice in Chinese: quick choices (今天, 本月底, 上季度末, 上半年末) and a month and a day
chosen from Chinese pills, so that no English month or weekday name is ever on screen
(st.date_input has no locale: streamlit#12699) and any date of the year takes two taps."""
from __future__ import annotations

import calendar
import datetime as dt

import streamlit as st

from indicators import chinese as cnfmt



def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def quick_dates(year: int, today: dt.date) -> dict[str, dt.date]:
    """The one-tap choices for a year: relative to today in the current year, the quarter ends otherwise."""
    if year != today.year:
        return {"一季度末": dt.date(year, 3, 31), "上半年末": dt.date(year, 6, 30), "三季度末": dt.date(year, 9, 30),
                "年底": dt.date(year, 12, 31)}
    out = {"今天": today, "本月底": month_end(year, today.month)}
    quarter = (today.month - 1) // 3  # quarters ended before this one
    if quarter:
        out["上季度末"] = month_end(year, quarter * 3)
    out["上半年末"] = dt.date(year, 6, 30)
    return out


chinese = cnfmt.date_weekday  # 2025年6月30日（星期一）: the one Chinese date (indicators/chinese.py)


def _keys(year: int) -> tuple[str, str, str, str]:
    return f"as_of_{year}", f"as_of_quick_{year}", f"as_of_month_{year}", f"as_of_day_{year}"


def _set(year: int, d: dt.date, quick: str | None) -> None:
    key, quick_key, month_key, day_key = _keys(year)
    st.session_state[key] = d
    st.session_state[quick_key] = quick
    st.session_state[month_key] = d.month
    st.session_state[day_key] = d.day


def _on_quick(year: int, choices: dict[str, dt.date]) -> None:
    key, quick_key, _, _ = _keys(year)
    picked = st.session_state.get(quick_key)
    _set(year, choices[picked] if picked in choices else st.session_state[key], picked if picked in choices else None)


def _on_month(year: int) -> None:
    key, _, month_key, _ = _keys(year)
    old = st.session_state[key]
    month = st.session_state.get(month_key) or old.month  # tapping the chosen month again keeps it
    _set(year, dt.date(year, month, min(old.day, calendar.monthrange(year, month)[1])), None)


def _on_day(year: int) -> None:
    key, _, _, day_key = _keys(year)
    old = st.session_state[key]
    _set(year, old.replace(day=st.session_state.get(day_key) or old.day), None)


def picker(year: int, default: dt.date, today: dt.date | None = None) -> dt.date:
    """Quick choices, then 月 and 日 pills; returns the chosen date (kept per year in the session)."""
    today = today or dt.date.today()
    key, quick_key, month_key, day_key = _keys(year)
    if not isinstance(st.session_state.get(key), dt.date) or st.session_state[key].year != year:
        _set(year, default, "今天" if default == today else None)
    else:  # the pills are told the one date on every run, wherever they are drawn (ui/shell._hold_scope)
        _set(year, st.session_state[key], st.session_state.get(quick_key))
    choices = quick_dates(year, today)
    st.pills("快捷选择", list(choices), key=quick_key, on_change=_on_quick, args=(year, choices),
             help="点一下即选定；也可在下面按月、日选择")
    st.pills("月", list(range(1, 13)), key=month_key, format_func=lambda m: f"{m}月", on_change=_on_month,
             args=(year,))
    days = calendar.monthrange(year, st.session_state[key].month)[1]
    st.pills("日", list(range(1, days + 1)), key=day_key, format_func=lambda d: f"{d}日", on_change=_on_day,
             args=(year,))
    chosen = st.session_state[key]
    st.caption(f"截至日期：{chinese(chosen)}")
    return chosen
