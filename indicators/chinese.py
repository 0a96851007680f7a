"""Chinese dates and numbers, written one way for every page, chart, export and the command line.

Dates as 2025年6月30日; figures as people write them (12, not 12.0; 15.9; 82.5%); an expected count
rounded up to the whole number that must be reached (0.99 期 due is 1 期: nobody holds a fraction
of a lecture). Two spacings of one figure: `value_text` sets a measure as running Chinese text does
("12次", exports' sentences and cells), `amount` with a space and thousands separators as the
dashboard's labels and tables do ("1,877 人次").
"""
from __future__ import annotations

import datetime as dt
import math

WEEKDAYS = "一二三四五六日"
_DIGITS = "零一二三四五六七八九"


def date(d: dt.date) -> str:
    """2025年6月30日."""
    return f"{d.year}年{d.month}月{d.day}日"


def month_day(d: dt.date) -> str:
    """6月30日."""
    return f"{d.month}月{d.day}日"


def date_weekday(d: dt.date) -> str:
    """2025年6月30日（星期一）."""
    return f"{date(d)}（星期{WEEKDAYS[d.weekday()]}）"


def numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 25 -> 二十五 (1..99, for 一、 and （一） headings)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def is_missing(v) -> bool:
    """None, NaN or pandas' <NA>."""
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v) == "<NA>"


def num(v, digits: int = 1) -> str:
    """12.0 -> 12, 15.868 -> 15.9, None/NaN -> —: figures as people write them."""
    if is_missing(v):
        return "—"
    r = round(float(v), digits)
    return str(int(r)) if r == int(r) else f"{r:.{digits}f}"


def is_whole(measure: str) -> bool:
    """Counts (次, 期, 人次, 件 ...) are whole numbers; only rates have fractions."""
    return measure != "%"


def needed(expected) -> str:
    """What a count must reach to be on pace, as a whole number: 4.3 expected -> 5 (not '4', which
    a unit with 4 done would read as met)."""
    return "—" if is_missing(expected) else str(math.ceil(float(expected) - 1e-9))


def value_text(v, measure: str) -> str:
    """A value with its measure in running text: '12次', '96%' (rates are stored in percent)."""
    if is_missing(v):
        return "—"
    return f"{num(v)}%" if measure == "%" else f"{num(v)}{measure}"


def expected_text(expected, measure: str) -> str:
    """An expected value in running text: a count rounded up ('0.99' -> '1期'), a rate as it is."""
    if is_missing(expected):
        return "—"
    return f"{needed(expected)}{measure}" if is_whole(measure) else value_text(expected, measure)


def pct(ratio, digits: int = 1) -> str:
    """0.825 -> 82.5%."""
    return "—" if is_missing(ratio) else f"{num(100 * float(ratio), digits)}%"


def amount(v, measure: str) -> str:
    """A value with its measure on a label or in a table: '1 期', '83.3%', '1,877 人次', '—'."""
    if is_missing(v):
        return "—"
    if measure == "%":
        return f"{float(v):.1f}%"
    r = round(float(v), 1)
    return f"{r:,.0f} {measure}" if r.is_integer() or abs(r) >= 100 else f"{r:.1f} {measure}"


def due_amount(expected, measure: str) -> str:
    """What is due by the date on a label or in a table: a count rounded up to a whole ('1 期', never
    '1.0 期' or '0.99 期'), a rate as it is."""
    if is_missing(expected) or not is_whole(measure):
        return amount(expected, measure)
    return f"{int(needed(expected)):,} {measure}"


def points(v) -> str:
    """督导平台 points, to two decimals everywhere they are listed (25/6 -> 4.17)."""
    return "—" if is_missing(v) else f"{round(float(v) + 1e-9, 2):.2f}"
