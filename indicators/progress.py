"""Pace and status: for a year and an as-of date, where every unit stands on every indicator.

"时间过半、任务过半": the expected value at a date follows each indicator's rhythm (DOMAIN.md), and
the status compares the year-to-date value with it. Reads only the aggregates store.py keeps, so
the cost does not grow with the number of ledger rows.
"""
from __future__ import annotations

import datetime as dt
import math
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import chinese, store
from .config import Catalog, Indicator, Unit, default_catalog

if TYPE_CHECKING:  # pandas (0.3 s to import) is loaded by the functions that build frames, not by the CLI
    import pandas as pd

DONE, ON_PACE, LAGGING, NOT_STARTED, NOT_APPLICABLE = "已完成", "进度正常", "进度滞后", "未开展", "不适用"
NOT_DUE = "未到期"  # nothing due yet and nothing done: neither on pace (full points) nor behind
STATUSES = (DONE, ON_PACE, NOT_DUE, LAGGING, NOT_STARTED, NOT_APPLICABLE)
BEHIND = (LAGGING, NOT_STARTED)  # what a warning lists, whatever the period calls it (status_name)
UNFINISHED = "未完成"  # how 进度滞后 reads once the year is over: nothing is "behind pace" any more
CITY_WIDE = "全市"


@dataclass(frozen=True)
class Period:
    """Year-to-date window: 1 Jan of `year` to `as_of`, with a Chinese label."""

    year: int
    as_of: dt.date
    label: str

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        return self.as_of

    def last_year(self) -> "Period":
        as_of = self.as_of.replace(year=self.year - 1) if not (self.as_of.month == 2 and self.as_of.day == 29) \
            else dt.date(self.year - 1, 2, 28)
        return Period(self.year - 1, as_of, self.label.replace(str(self.year), str(self.year - 1)))


def period(year: int, half: int | None = None, as_of: dt.date | None = None, today: dt.date | None = None) -> Period:
    """The period asked for: `half` 1 -> as of 30 June, 2 -> 31 December; else `as_of`; else today
    when `year` is the current year and 31 December otherwise."""
    if as_of is not None:
        if as_of.year != year:
            raise ValueError(f"截至日期 {as_of} 不在 {year} 年内")
        return Period(year, as_of, f"{year}年1月1日至{chinese.month_day(as_of)}")
    if half == 1:
        return Period(year, dt.date(year, 6, 30), f"{year}年上半年")
    if half == 2:
        return Period(year, dt.date(year, 12, 31), f"{year}年全年")
    today = today or dt.date.today()
    if today.year == year:
        return Period(year, today, f"{year}年1月1日至{chinese.month_day(today)}")
    return Period(year, dt.date(year, 12, 31), f"{year}年全年")


def time_progress(as_of: dt.date, year: int | None = None) -> float:
    """Days elapsed in the year (as_of included) / days in the year, clamped to [0, 1]."""
    year = year or as_of.year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 1.0
    return ((as_of - start).days + 1) / ((end - start).days + 1)


def _periods_ended(as_of: dt.date, year: int, months: int) -> int:
    """Quarters (months=3) or half-years (6) of `year` ended by `as_of` (its last day included)."""
    ended = 0
    for m in range(months, 13, months):
        last = dt.date(year, m, 1) + dt.timedelta(days=31)
        last = last.replace(day=1) - dt.timedelta(days=1)
        ended += as_of >= last
    return ended


def expected_value(ind: Indicator, target: float | None, as_of: dt.date, year: int, catalog: Catalog) -> float | None:
    """What should be done by `as_of` under the indicator's rhythm (DOMAIN.md, Periods)."""
    if target is None:
        return None
    r = ind.rhythm
    if r == "rate":
        return target
    if r == "yearly":
        return target * time_progress(as_of, year)
    if r == "quarter":
        return target / 4 * _periods_ended(as_of, year, 3)
    if r == "half-year":
        return target / 2 * _periods_ended(as_of, year, 6)
    if r == "second-half":
        return target if as_of >= dt.date(year, 12, 31) else 0.0
    if r == "september":
        return target if as_of >= dt.date(year, 9, 30) else 0.0
    if r == "key-dates":
        dates = [catalog.key_date(n, year) for n in catalog.key_dates]
        return target * sum(as_of >= d for d in dates) / len(dates) if dates else target
    raise ValueError(ind.rhythm)


def status_of(value: float | None, target: float | None, expected: float | None, applies: bool = True) -> str:
    """已完成 · 未到期 · 进度正常 · 进度滞后 · 未开展 · 不适用, in that order of precedence.

    未到期: nothing is expected by the date (G03 before 31 December, P04 before September) and
    nothing is done yet; something done ahead of its date is 进度正常 (or 已完成)."""
    if not applies or target is None:
        return NOT_APPLICABLE
    value = value or 0.0
    eps = 1e-9
    if value >= target - eps:
        return DONE
    if (expected or 0.0) <= eps and value <= eps:
        return NOT_DUE
    if value >= (expected or 0.0) - eps:
        return ON_PACE
    return LAGGING if value > 0 else NOT_STARTED


def is_final(per: Period) -> bool:
    """Whether the period is the whole year (as of 31 December): targets are then judged, not paces."""
    return per.as_of >= dt.date(per.year, 12, 31)


def status_name(status: str, per: Period | None) -> str:
    """The status as every page, export and the command line's table name it for the period: at year
    end 进度滞后 reads 未完成 (the status value, its colour and its counts are unchanged)."""
    return UNFINISHED if status == LAGGING and per is not None and is_final(per) else status


def measure_name(ind: Indicator, value: str | None = None) -> str:
    """The aggregate measure an indicator reads (store.measures_sql names them)."""
    rule = ind.rule
    if rule["kind"] == "sum":
        return f"{ind.ledger}:sum:{rule['column']}"
    if rule["kind"] == "distinct":
        return f"{ind.ledger}:n:{rule['column']}={value}"
    where = rule.get("where") or {}
    if where:
        (col, val), = where.items()
        return f"{ind.ledger}:n:{col}={val}"
    return f"{ind.ledger}:n"


def _value(ind: Indicator, unit: str, totals: dict, snaps: dict) -> tuple[float | None, bool]:
    """(value, reported): the year-to-date value of one unit; rates in percent."""
    kind = ind.rule["kind"]
    if kind in ("count", "sum"):
        return float(totals.get((unit, measure_name(ind)), 0.0)), True
    if kind == "distinct":
        return float(sum(totals.get((unit, measure_name(ind, v)), 0) > 0 for v in ind.rule["values"])), True
    snap = snaps.get(unit)
    if snap is None:
        return None, False
    if kind == "ratio":
        num, den = snap.get(ind.rule["numerator"]), snap.get(ind.rule["denominator"])
        return (100.0 * num / den if num is not None and den else 0.0), True
    if kind == "latest":
        return float(sum(snap.get(c) or 0 for c in ind.rule["columns"])), True
    raise ValueError(kind)


def targets_for(conn: sqlite3.Connection, catalog: Catalog, year: int) -> dict[str, tuple[float | None, float | None]]:
    """{code: (target, weight)} for a year: the database's edits over the configuration file's values."""
    overrides = store.target_overrides(conn, year)
    out = {}
    for ind in catalog.indicators:
        o = overrides.get(ind.code)
        target = o["target"] if o else ind.target(year)
        weight = o["weight"] if o and o["weight"] is not None else ind.weight
        out[ind.code] = (target, weight)
    return out


def weights_for(catalog: Catalog, unit: Unit, targets: dict) -> dict[str, float]:
    """Platform points per indicator for one unit: each group's points shared over its scored
    indicators that apply to the unit, in proportion to their weights (even when none is set)."""
    out: dict[str, float] = {}
    for g, spec in catalog.groups.items():
        points = float(spec.get("points", 0))
        scored = [i for i in catalog.indicators if i.group == g and targets[i.code][0] is not None]
        share = {i.code: targets[i.code][1] if targets[i.code][1] is not None else points / len(scored) for i in scored}
        applicable = [i.code for i in scored if i.applies(unit)]
        total = sum(share[c] for c in applicable)
        out.update({c: points * share[c] / total for c in applicable} if total > 0 else {})
    return out


COLUMNS = ["unit", "level", "indicator", "name", "group", "measure", "value", "target", "expected", "completion",
           "expected_completion", "status", "weight", "points", "pace_weight", "pace_points", "reported", "scored", "source"]

# The two 督导平台 scores, named once: every page, deck and workbook uses these words.
SCORE_LABELS = {
    "score": "全年目标得分",       # completion against the full-year target, capped at 1, weighted
    "pace_score": "按时序进度得分",  # completion against the value expected at the date, capped at 1, weighted
}
SCORE_HELP = {
    "score": "各项指标完成值与全年目标相比（最高按 100% 计）加权合计，满分 100 分；年中约为一半属正常",
    "pace_score": "各项指标完成值与截至当日应完成值相比（最高按 100% 计）加权合计，满分 100 分；"
                  "达到时序进度即得满分，回答“时间过半、任务过半”",
}


def pace_ratio(value: float | None, expected: float | None) -> float:
    """Completion against the value expected at the date, capped at 1; nothing due yet counts as on pace."""
    if expected is None or expected <= 0:
        return 1.0
    return min((value or 0.0) / expected, 1.0)


def compute(conn: sqlite3.Connection, per: Period, unit: str | None = None, catalog: Catalog | None = None,
            roll_up: bool = True) -> pd.DataFrame:
    """Progress of every unit on every indicator for a period.

    Takes an open database, a Period (see `period`), optionally one unit's canonical name. Returns a
    DataFrame with one row per unit and indicator (COLUMNS), plus the city-wide roll-up rows (unit
    "全市") when `roll_up` and no single unit is asked for. Rates are in percent (0-100).
    """
    import pandas as pd

    return pd.DataFrame(compute_rows(conn, per, unit, catalog, roll_up), columns=COLUMNS)


def compute_rows(conn: sqlite3.Connection, per: Period, unit: str | None = None, catalog: Catalog | None = None,
                 roll_up: bool = True) -> list[dict]:
    """`compute` as a list of dicts (one per row, keys COLUMNS), without pandas: for the command line."""
    catalog = catalog or default_catalog()
    totals = store.measure_totals(conn, per.start, per.end)
    snaps = store.latest_snapshots(conn, per.start, per.end)
    targets = targets_for(conn, catalog, per.year)
    units = [catalog.unit(unit)] if unit else list(catalog.units)
    present = {u for (u, _), v in totals.items() if v} | set(snaps)
    rows = []
    for u in units:
        weights = weights_for(catalog, u, targets)
        part = [_row(ind, u.name, u.level, ind.applies(u), totals, snaps, targets, weights, per, catalog)
                for ind in catalog.indicators]
        _pace_weights(part, u.name in present)
        rows += part
    if roll_up and not unit:
        rows += _roll_up(rows, catalog, totals, snaps, per, targets)
    return rows


def _pace_weights(part: list[dict], reported: bool) -> None:
    """One unit's pace points: an indicator not yet due (未到期) earns none and weighs nothing, its
    points shared over the indicators that are due, so that a unit on pace everywhere still has the
    full 100 and nothing counts as done before it is due. `reported`: the unit has any data."""
    due = math.fsum(r["weight"] for r in part if r["status"] not in (NOT_DUE, NOT_APPLICABLE))
    possible = math.fsum(r["weight"] for r in part)
    for r in part:
        r["reported"] = r["reported"] and reported
        is_due = r["status"] not in (NOT_DUE, NOT_APPLICABLE) and due > 0
        r["pace_weight"] = r["weight"] * possible / due if is_due else 0.0
        r["pace_points"] = r["pace_weight"] * pace_ratio(r["value"], r["expected"]) if is_due else 0.0


def _row(ind, unit, level, applies, totals, snaps, targets, weights, per, catalog) -> dict:
    target = targets[ind.code][0]
    value, reported = _value(ind, unit, totals, snaps) if applies else (None, False)
    expected = expected_value(ind, target, per.as_of, per.year, catalog) if applies else None
    completion = (value or 0.0) / target if applies and target else None
    weight = weights.get(ind.code, 0.0) if applies else 0.0
    return {
        "unit": unit, "level": level, "indicator": ind.code, "name": ind.name, "group": ind.group, "measure": ind.measure,
        "value": value if applies else None, "target": target if applies else None, "expected": expected,
        "completion": completion,
        "expected_completion": (expected / target if expected is not None and target else None),
        "status": status_of(value, target, expected, applies), "weight": weight,
        "points": weight * min(completion or 0.0, 1.0), "pace_weight": 0.0, "pace_points": 0.0,  # _pace_weights
        "reported": reported, "scored": ind.scored and applies,
        "source": ind.source,
    }


def _roll_up(unit_rows: list[dict], catalog: Catalog, totals: dict, snaps: dict, per: Period, targets: dict) -> list[dict]:
    """全市: counts and sums added up over the units each indicator applies to; rates from the summed
    snapshot figures; distinct key dates covered by any unit."""
    rows = []
    for ind in catalog.indicators:
        part = [r for r in unit_rows if r["indicator"] == ind.code and not _missing(r["value"])]
        applicable = [u for u in catalog.units if ind.applies(u)]
        kind = ind.rule["kind"]
        unit_target = targets[ind.code][0]
        if kind == "ratio":
            num = sum(snaps[u.name].get(ind.rule["numerator"]) or 0 for u in applicable if u.name in snaps)
            den = sum(snaps[u.name].get(ind.rule["denominator"]) or 0 for u in applicable if u.name in snaps)
            value, target = (100.0 * num / den if den else 0.0), unit_target
        elif kind == "distinct":
            names = {u.name for u in applicable}
            value = float(sum(any(totals.get((u, measure_name(ind, v)), 0) > 0 for u in names) for v in ind.rule["values"]))
            target = unit_target
        else:
            value = float(sum(r["value"] for r in part))
            target = unit_target * len(applicable) if unit_target is not None else None
        expected = expected_value(ind, target, per.as_of, per.year, catalog)
        completion = value / target if target else None
        rows.append({
            "unit": CITY_WIDE, "level": "全市", "indicator": ind.code, "name": ind.name, "group": ind.group,
            "measure": ind.measure, "value": value, "target": target, "expected": expected, "completion": completion,
            "expected_completion": (expected / target if expected is not None and target else None),
            "status": status_of(value, target, expected), "weight": 0.0, "points": 0.0, "pace_weight": 0.0,
            "pace_points": 0.0,
            "reported": any(r["reported"] for r in part), "scored": ind.scored, "source": ind.source})
    return rows


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def ranking_basis(per: Period | None) -> str:
    """Which score ranks the units: the pace score before year end, the full-year score at year end."""
    if per is None or per.as_of >= dt.date(per.year, 12, 31):
        return "score"
    return "pace_score"


def scores(frame: pd.DataFrame, per: Period | None = None) -> pd.DataFrame:
    """督导平台 scores per unit on 100 points, ranked.

    Columns unit, level, score (against the full-year target), pace_score (against the value expected
    at the date), possible, lagging, basis (which of the two ranks: see `ranking_basis`), reported
    (the unit has any data in the period), rank (None for a unit with no data: not ranked among those
    with data), tied (another unit has the same rank) and rank_text (第 2 名, 并列第 1 名, 未报送).
    Without `per` the full-year score ranks, as at year end.
    """
    import pandas as pd

    cols = ["unit", "level", "points", "pace_points", "weight", "status", "reported"]
    rows = score_rows(frame[cols].to_dict("records"), per)
    out = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    out["rank"] = pd.array([r["rank"] for r in rows], dtype="Int64")  # <NA>: not ranked
    return out


SCORE_COLUMNS = ["unit", "level", "score", "pace_score", "possible", "lagging", "basis", "reported", "rank", "tied",
                 "rank_text"]
NOT_RANKED = "未报送"


def score_rows(rows: list[dict], per: Period | None = None) -> list[dict]:
    """`scores` from the rows of `compute_rows`, without pandas: a dict per unit, best first.

    Ranked on the basis score to one decimal (what the pages show), ties broken by the other score;
    units equal on both share a rank (并列). Units with no data come last, unranked."""
    units: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r["unit"] != CITY_WIDE:
            units.setdefault((r["unit"], r["level"]), []).append(r)
    basis = ranking_basis(per)
    other = "score" if basis == "pace_score" else "pace_score"
    out = [{"unit": u, "level": level, "score": round(math.fsum(r["points"] for r in part), 1),
            "pace_score": round(math.fsum(r["pace_points"] for r in part), 1),
            "possible": math.fsum(r["weight"] for r in part),
            "lagging": sum(r["status"] in BEHIND for r in part), "basis": basis,
            "reported": any(r.get("reported", True) for r in part)}
           for (u, level), part in units.items()]
    key = (lambda r: (r[basis], r[other]))
    ranked = [r for r in out if r["reported"]]
    for r in out:
        if r["reported"]:
            r["rank"] = 1 + sum(key(o) > key(r) for o in ranked)
            r["tied"] = sum(key(o) == key(r) for o in ranked) > 1
        else:
            r["rank"], r["tied"] = None, False
        r["rank_text"] = rank_text(r["rank"], r["tied"])
    # ties keep the configured order of units (市本级 first), as official lists do
    out.sort(key=lambda r: (not r["reported"], -r[basis], -r[other]))
    return out


def rank_among(row, ranking) -> str:
    """How a sentence places one unit: 排名第2/14, 并列第1/14 (out of the units ranked), or 未报送，不参与排名.
    `row`: one unit's entry of `scores`/`score_rows`; `ranking`: all of them."""
    if not is_ranked(row):
        return "未报送，不参与排名"
    ranked = [r for r in (ranking.to_dict("records") if hasattr(ranking, "to_dict") else ranking) if r["reported"]]
    return f"{'并列' if row['tied'] else '排名'}第{int(row['rank'])}/{len(ranked)}"


def is_ranked(row) -> bool:
    """Whether a unit's entry of `scores` has a rank (a unit with no data has none: None or <NA>)."""
    rank = row["rank"]
    return not (rank is None or str(rank) == "<NA>" or rank != rank)


def rank_text(rank: int | None, tied: bool = False) -> str:
    """第 2 名, 并列第 1 名, or 未报送 for a unit not ranked."""
    if rank is None:
        return NOT_RANKED
    return f"{'并列' if tied else ''}第 {rank} 名"


def status_counts(frame: pd.DataFrame, unit: str | None = None) -> dict[str, int]:
    """How many unit x indicator cells are in each status (or one unit's indicators)."""
    part = frame[frame.unit == unit] if unit else frame[frame.unit != CITY_WIDE]
    counts = part.status.value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def differences(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Unit x indicator cells whose value or status differ between two computations of the same period:
    unit, indicator, name, value_before, value_after, status_before, status_after."""
    keys = ["unit", "indicator"]
    merged = before[keys + ["name", "value", "status"]].merge(after[keys + ["value", "status"]], on=keys,
                                                              suffixes=("_before", "_after"))
    vb, va = merged.value_before.fillna(0.0), merged.value_after.fillna(0.0)
    changed = ((vb - va).abs() > 1e-9) | (merged.status_before != merged.status_after)
    return merged[changed].reset_index(drop=True)
