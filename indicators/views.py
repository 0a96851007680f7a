"""Tidy frames the dashboard pages draw: pace lines, monthly counts, grids, gaps and score breakdowns.

Pure shaping of what progress.py and store.py return, so pages stay thin and every figure a page
shows can be tested without a running app. Reads only the aggregates and snapshots (never the
ledgers), so the cost does not grow with the number of ledger rows.
"""
from __future__ import annotations

import datetime as dt
import math
import sqlite3

import pandas as pd

from . import chinese, store
from .config import Catalog, default_catalog
from .ledgers import LEDGERS
from .progress import (BEHIND, CITY_WIDE, DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE, Period,
                       expected_value)

LAG_STATUSES = BEHIND
TRAINING_CODES = ("T01", "T02", "T03", "T04", "T05")

# What one more person does to close a rate's gap (score breakdown: "还需 2 人持证").
_RATE_GAP_WORDS = {"certified": "人取得执法证", "reviewed": "人通过年审", "trained": "人参加培训", "staff": "名执法人员到岗"}


def label(code: str, name: str) -> str:
    """How an indicator is named on an axis: code and name."""
    return f"{code} {name}"


def unit_rows(frame: pd.DataFrame, unit: str | None = None) -> pd.DataFrame:
    """One unit's indicator rows, or the 全市 roll-up rows when `unit` is None."""
    return frame[frame.unit == (unit or CITY_WIDE)].reset_index(drop=True)


def scored_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows that carry a target and apply to the unit: what pace and completion are about."""
    return rows[rows.scored & rows.target.notna() & (rows.status != NOT_APPLICABLE)].reset_index(drop=True)


def overall_completion(rows: pd.DataFrame) -> float:
    """Mean of min(completion, 1) over the scored rows (0 when none)."""
    part = scored_rows(rows)
    return float(part.completion.fillna(0).clip(upper=1).mean()) if len(part) else 0.0


def lagging(frame: pd.DataFrame, unit: str | None = None, group: str | None = None) -> pd.DataFrame:
    """Unit x indicator rows lagging (进度滞后 or 未开展), units in catalog order; one unit's when given, one
    line of work's (its group code, T/P/G/E) when given."""
    part = frame[(frame.unit != CITY_WIDE) & frame.status.isin(LAG_STATUSES)]
    if unit:
        part = part[part.unit == unit]
    if group:
        part = part[part.group == group]
    cols = ["unit", "indicator", "name", "status", "value", "expected", "target", "measure"]
    return part[cols].reset_index(drop=True)


def lagging_by_unit(lag: pd.DataFrame) -> pd.DataFrame:
    """Per lagging unit: how many indicators are 进度滞后 and 未开展, and which (text), most first."""
    if lag.empty:
        return pd.DataFrame(columns=["unit", LAGGING, NOT_STARTED, "total", "indicators"])
    rows = []
    for unit, part in lag.groupby("unit", sort=False):
        rows.append({"unit": unit, LAGGING: int((part.status == LAGGING).sum()),
                     NOT_STARTED: int((part.status == NOT_STARTED).sum()), "total": len(part),
                     "indicators": "、".join(f"{c} {n}" for c, n in zip(part.indicator, part.name))})
    out = pd.DataFrame(rows)
    return out.sort_values("total", ascending=False, kind="stable").reset_index(drop=True)


def year_comparison(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Completion (%) per scored indicator this period and the same period last year (NaN: not applicable)."""
    cur = scored_rows(current)
    last = {c: (v * 100 if s != NOT_APPLICABLE and not pd.isna(v) else math.nan)
            for c, v, s in zip(previous.indicator, previous.completion, previous.status)}
    out = pd.DataFrame({"indicator": cur.indicator, "label": [label(c, n) for c, n in zip(cur.indicator, cur.name)],
                        "current": cur.completion * 100,
                        "previous": [last.get(c, math.nan) for c in cur.indicator]})
    return out.reset_index(drop=True)


def status_grid(frame: pd.DataFrame, catalog: Catalog | None = None) -> pd.DataFrame:
    """Unit x indicator cells for the heat map: row (unit), column (code), status, text, hover."""
    catalog = catalog or default_catalog()
    part = frame[frame.unit != CITY_WIDE]
    text = [("—" if s == NOT_APPLICABLE or pd.isna(c) else f"{c:.0%}") for s, c in zip(part.status, part.completion)]
    hover = [f"{u} · {label(i, n)}<br>{amount(v, m)} / 目标 {amount(t, m)}，应完成 {due_amount(e, m)}<br>{s}"
             for u, i, n, v, t, e, m, s in zip(part.unit, part.indicator, part.name, part.value, part.target,
                                               part.expected, part.measure, part.status)]
    return pd.DataFrame({"row": part.unit.to_numpy(), "column": part.indicator.to_numpy(),
                         "status": part.status.to_numpy(), "text": text, "hover": hover})


amount, due_amount = chinese.amount, chinese.due_amount  # how figures read on the pages (indicators/chinese.py)


# ---------------------------------------------------------------- monthly counts from the aggregates

def month_starts(year: int, as_of: dt.date) -> list[dt.date]:
    """First day of every month of `year` up to the month of `as_of`."""
    last = as_of.month if as_of.year == year else 12
    return [dt.date(year, m, 1) for m in range(1, last + 1)]


def _month_end(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def monthly_measures(conn: sqlite3.Connection, per: Period) -> pd.DataFrame:
    """Every unit's measure totals per month of the period: month (first day), unit, measure, value.

    Takes an open database and a Period; the month of the as-of date counts up to that date.
    Reads the per-month and per-day aggregates only.
    """
    rows = []
    for start in month_starts(per.year, per.as_of):
        end = min(_month_end(start), per.as_of)
        for (unit, measure), value in store.measure_totals(conn, start, end).items():
            rows.append((pd.Timestamp(start), unit, measure, float(value)))
    return pd.DataFrame(rows, columns=["month", "unit", "measure", "value"])


def for_unit(monthly: pd.DataFrame, unit: str | None = None) -> pd.DataFrame:
    """Monthly measures of one unit, or summed over all units (全市): month, measure, value."""
    part = monthly[monthly.unit == unit] if unit else monthly
    return part.groupby(["month", "measure"], as_index=False)["value"].sum()


def by_choice(monthly: pd.DataFrame, kind: str, field: str, months: list[dt.date] | None = None) -> pd.DataFrame:
    """Counts per month and choice of a ledger column: month, category, count (every choice, zeros kept)."""
    choices = LEDGERS[kind].column(field).choices
    prefix = f"{kind}:n:{field}="
    part = monthly[monthly.measure.str.startswith(prefix)]
    counts = {(m, meas[len(prefix):]): v for m, meas, v in zip(part.month, part.measure, part.value)}
    months = [pd.Timestamp(m) for m in months] if months is not None else sorted(set(part.month))
    return pd.DataFrame([(m, c, counts.get((m, c), 0.0)) for m in months for c in choices],
                        columns=["month", "category", "count"])


def measure_series(monthly: pd.DataFrame, measure: str, months: list[dt.date]) -> pd.DataFrame:
    """One measure per month (zeros kept): month, value."""
    part = monthly[monthly.measure == measure].set_index("month")["value"]
    return pd.DataFrame({"month": [pd.Timestamp(m) for m in months],
                         "value": [float(part.get(pd.Timestamp(m), 0.0)) for m in months]})


def cumulative(series: pd.DataFrame, per: Period) -> pd.DataFrame:
    """Running total at each month's end (the last one at the as-of date), from 0 on 1 January."""
    dates = [pd.Timestamp(per.start)]
    values = [0.0]
    total = 0.0
    for m, v in zip(series.month, series.value):
        total += v
        dates.append(pd.Timestamp(min(_month_end(m.date()), per.as_of)))
        values.append(total)
    return pd.DataFrame({"date": dates, "value": values})


def category_totals(totals: dict, kind: str, field: str, unit: str | None = None) -> pd.DataFrame:
    """Year-to-date count per choice of a ledger column for one unit or all: category, count."""
    prefix = f"{kind}:n:{field}="
    out = {c: 0.0 for c in LEDGERS[kind].column(field).choices}
    for (u, m), v in totals.items():
        if m.startswith(prefix) and (unit is None or u == unit) and m[len(prefix):] in out:
            out[m[len(prefix):]] += v
    return pd.DataFrame({"category": list(out), "count": list(out.values())})


def per_unit(totals: dict, measure: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """Year-to-date total of one measure per unit, every unit in catalog order: unit, value."""
    catalog = catalog or default_catalog()
    return pd.DataFrame({"unit": catalog.unit_names,
                         "value": [float(totals.get((u, measure), 0.0)) for u in catalog.unit_names]})


def per_unit_choice(totals: dict, kind: str, field: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """Year-to-date count per unit and choice: unit, category, count (every pair, zeros kept)."""
    catalog = catalog or default_catalog()
    choices = LEDGERS[kind].column(field).choices
    return pd.DataFrame([(u, c, float(totals.get((u, f"{kind}:n:{field}={c}"), 0.0)))
                         for u in catalog.unit_names for c in choices], columns=["unit", "category", "count"])


# ---------------------------------------------------------------- pace

def pace_line(rows: pd.DataFrame, codes, per: Period, catalog: Catalog | None = None) -> pd.DataFrame:
    """Expected cumulative total of the given indicators on every day of the year: date, expected.

    Takes one unit's (or 全市) progress rows; indicators not applying or without a target add nothing.
    """
    catalog = catalog or default_catalog()
    part = rows[rows.indicator.isin(list(codes)) & rows.target.notna() & (rows.status != NOT_APPLICABLE)]
    inds = [(catalog.indicator(c), t) for c, t in zip(part.indicator, part.target)]
    days = pd.date_range(per.start, dt.date(per.year, 12, 31), freq="D")
    expected = [sum(expected_value(ind, t, d.date(), per.year, catalog) or 0.0 for ind, t in inds) for d in days]
    return pd.DataFrame({"date": days, "expected": expected})


def target_total(rows: pd.DataFrame, codes) -> float:
    """Sum of the yearly targets of the given indicators (that apply) in one unit's or 全市 rows."""
    part = rows[rows.indicator.isin(list(codes)) & (rows.status != NOT_APPLICABLE)]
    return float(part.target.fillna(0).sum())


# ---------------------------------------------------------------- publicity

def key_dates(totals: dict, per: Period, unit: str | None = None, catalog: Catalog | None = None) -> pd.DataFrame:
    """Activities per key date (宣传节点) so far: node, count, due (date), state (a status).

    已完成 when held; 未开展 when its date has passed without one; 未到期 while not yet due.
    """
    catalog = catalog or default_catalog()
    counts = category_totals(totals, "publicity", "node", unit).set_index("category")["count"]
    rows = []
    for node, _ in catalog.key_dates.items():
        due = catalog.key_date(node, per.year)
        n = float(counts.get(node, 0.0))
        state = DONE if n > 0 else (NOT_STARTED if per.as_of >= due else NOT_DUE)
        rows.append({"node": node, "count": n, "due": due, "state": state})
    return pd.DataFrame(rows, columns=["node", "count", "due", "state"])


def unit_status(frame: pd.DataFrame, code: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """Every unit's value and status on one indicator, catalog order: unit, value, target, status."""
    catalog = catalog or default_catalog()
    part = frame[(frame.indicator == code) & (frame.unit != CITY_WIDE)].set_index("unit")
    part = part.reindex(catalog.unit_names)
    return pd.DataFrame({"unit": catalog.unit_names, "value": part.value.fillna(0).to_numpy(),
                         "target": part.target.to_numpy(), "status": part.status.fillna(NOT_APPLICABLE).to_numpy()})


# ---------------------------------------------------------------- governance

GOVERNANCE_ITEMS = (  # (indicator, category, half): a cell of the done-or-due grid; half 0 = the whole year
    ("G01", "党组听取汇报", 1), ("G01", "党组听取汇报", 2), ("G02", "办公会研究法治", 1), ("G02", "办公会研究法治", 2),
    ("G03", "领导干部述法", 0), ("G04", "督导检查", 1), ("G04", "督导检查", 2),
)
_HALF_NAMES = {0: "全年", 1: "上半年", 2: "下半年"}


def governance_column(category: str, half: int) -> str:
    return f"{category}（{_HALF_NAMES[half]}）"


def governance_grid(h1: dict, h2: dict, per: Period, catalog: Catalog | None = None) -> pd.DataFrame:
    """Done or due per unit and governance duty: row (unit), column, status, text, hover.

    `h1` and `h2` are measure totals of the first and second half-year up to the as-of date. A cell
    is 已完成 when done in its half, 未开展 once its half has ended without it, 未到期 before that,
    不适用 where the indicator does not apply.
    """
    catalog = catalog or default_catalog()
    rows = []
    for unit in catalog.units:
        for code, category, half in GOVERNANCE_ITEMS:
            ind = catalog.indicator(code)
            measure = f"governance:n:category={category}"
            n = (h1.get((unit.name, measure), 0) if half in (0, 1) else 0) + \
                (h2.get((unit.name, measure), 0) if half in (0, 2) else 0)
            due = dt.date(per.year, 6, 30) if half == 1 else dt.date(per.year, 12, 31)
            if not ind.applies(unit):
                status, text = NOT_APPLICABLE, "—"
            elif n > 0:
                status, text = DONE, f"已开展 {n:.0f} 次"
            elif per.as_of >= due:
                status, text = NOT_STARTED, "未开展"
            else:
                status, text = NOT_DUE, NOT_DUE
            col = governance_column(category, half)
            rows.append({"row": unit.name, "column": col, "status": status, "text": text,
                         "hover": f"{unit.name} · {col}<br>{text}（应于 {due.month}月{due.day}日前完成）"})
    return pd.DataFrame(rows, columns=["row", "column", "status", "text", "hover"])


def governance_columns() -> list[str]:
    return [governance_column(c, h) for _, c, h in GOVERNANCE_ITEMS]


def half_ranges(per: Period) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date] | None]:
    """(first half up to as-of, second half up to as-of or None when it has not begun)."""
    h1 = (per.start, min(per.as_of, dt.date(per.year, 6, 30)))
    h2 = (dt.date(per.year, 7, 1), per.as_of) if per.as_of >= dt.date(per.year, 7, 1) else None
    return h1, h2


# ---------------------------------------------------------------- enforcement staff

def staff_frame(snaps: dict, catalog: Catalog | None = None) -> pd.DataFrame:
    """Latest 执法人员统计表 per unit (catalog order) with gaps and rates (%); NaN where none reported."""
    catalog = catalog or default_catalog()
    cols = ["quota", "staff", "certified", "reviewed", "trained", "new_certs", "renewals"]
    rows = []
    for u in catalog.unit_names:
        s = snaps.get(u)
        row = {"unit": u, "date": s["date"] if s else None, "reported": s is not None}
        row.update({c: (float(s[c]) if s and s.get(c) is not None else math.nan) for c in cols})
        rows.append(row)
    out = pd.DataFrame(rows)
    out["vacancy"] = (out.quota - out.staff).clip(lower=0)
    out["uncertified"] = (out.staff - out.certified).clip(lower=0)
    out["持证率"] = _rate(out.certified, out.staff)
    out["年审完成率"] = _rate(out.reviewed, out.certified)
    out["培训覆盖率"] = _rate(out.trained, out.staff)
    out["配备率"] = _rate(out.staff, out.quota)
    return out


RATE_COLUMNS = ("持证率", "年审完成率", "培训覆盖率", "配备率")


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    return (100.0 * num / den.where(den > 0)).where(den.notna())


def staff_totals(staff: pd.DataFrame, unit: str | None = None) -> pd.DataFrame:
    """One unit's row, or the sum over reporting units as 全市 (rates from the sums)."""
    if unit:
        return staff[staff.unit == unit].reset_index(drop=True)
    part = staff[staff.reported]
    sums = {c: float(part[c].sum())
            for c in ("quota", "staff", "certified", "reviewed", "trained", "new_certs", "renewals")}
    row = pd.DataFrame([{"unit": CITY_WIDE, "date": part.date.max() if len(part) else None, "reported": bool(len(part)),
                         **sums}])
    row["vacancy"] = max(sums["quota"] - sums["staff"], 0)
    row["uncertified"] = max(sums["staff"] - sums["certified"], 0)
    for name, (n, d) in zip(RATE_COLUMNS, (("certified", "staff"), ("reviewed", "certified"), ("trained", "staff"),
                                           ("staff", "quota"))):
        row[name] = 100.0 * sums[n] / sums[d] if sums[d] else math.nan
    return row


def shortages(staff: pd.DataFrame) -> pd.DataFrame:
    """Reporting units short of staff or of certified staff, largest shortage first."""
    part = staff[staff.reported & ((staff.vacancy > 0) | (staff.uncertified > 0))]
    return part.sort_values(["vacancy", "uncertified"], ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- 督导平台 scorecard

def group_points(frame: pd.DataFrame, catalog: Catalog | None = None) -> pd.DataFrame:
    """Points per unit and group (T, G, P, E): unit, group, group_name, points (against the full-year
    target), pace_points (against the value expected at the date), possible."""
    catalog = catalog or default_catalog()
    part = frame[frame.unit != CITY_WIDE]
    out = part.groupby(["unit", "group"], sort=False, as_index=False).agg(
        points=("points", "sum"), pace_points=("pace_points", "sum"), possible=("weight", "sum"))
    out["group_name"] = [catalog.groups[g]["name"] for g in out.group]
    return out


def score_summary(ranking: pd.DataFrame, unit: str | None = None) -> dict:
    """The two scores of one unit (and its rank), or for 全市 (None) the mean over the units (no rank):
    {"score", "pace_score", "rank"} from progress.scores."""
    if unit:
        row = ranking[ranking.unit == unit].iloc[0]
        return {"score": float(row.score), "pace_score": float(row.pace_score),
                "rank": None if pd.isna(row["rank"]) else int(row["rank"]), "rank_text": row.rank_text}
    return {"score": round(float(ranking.score.mean()), 1), "pace_score": round(float(ranking.pace_score.mean()), 1),
            "rank": None, "rank_text": ""}


def score_breakdown(frame: pd.DataFrame, unit: str, snaps: dict | None = None, catalog: Catalog | None = None,
                    basis: str = "score") -> pd.DataFrame:
    """One unit's scored indicators, on the score that ranks (`basis`: "score" or "pace_score").

    Columns indicator, label, group, points (on the basis), weight, lost, value, expected, target,
    measure, status, need (what full points on the basis take: '还需 1 期', '还需 2 人取得执法证'; '' when
    full), year_points and need_year (the same against the full-year target).
    """
    catalog = catalog or default_catalog()
    part = frame[(frame.unit == unit) & frame.scored].reset_index(drop=True)
    snap = (snaps or {}).get(unit)
    inds = [catalog.indicator(c) for c in part.indicator]
    need_year = [_need(i, v, t, m, snap) for i, v, t, m in zip(inds, part.value, part.target, part.measure)]
    if basis == "pace_score":  # an indicator not yet due weighs nothing on this score (progress._pace_weights)
        points, weight = part.pace_points, part.pace_weight
        need = [NOT_DUE if s == NOT_DUE else _need(i, v, e, m, snap)
                for i, v, e, m, s in zip(inds, part.value, part.expected, part.measure, part.status)]
    else:
        points, weight, need = part.points, part.weight, need_year
    return pd.DataFrame({
        "indicator": part.indicator, "label": [label(c, n) for c, n in zip(part.indicator, part.name)],
        "group": part.group, "points": points, "weight": weight,
        "lost": (weight - points).clip(lower=0), "value": part.value, "expected": part.expected,
        "target": part.target, "measure": part.measure, "status": part.status, "need": need,
        "year_points": part.points, "need_year": need_year})


def _need(ind, value, target, measure: str, snap: dict | None) -> str:
    """What reaching `target` (the full-year target, or the value expected at the date) takes, in words."""
    value = 0.0 if value is None or pd.isna(value) else float(value)
    if target is None or pd.isna(target) or value >= target - 1e-9:
        return ""
    if ind.rule["kind"] == "ratio":
        if not snap:
            return "尚未报送执法人员统计表"
        num, den = ind.rule["numerator"], ind.rule["denominator"]
        have, base = snap.get(num) or 0, snap.get(den) or 0
        people = math.ceil(base * target / 100 - have - 1e-9)
        gap = f"还差 {target - value:.1f} 个百分点"
        return f"{gap}（还需 {people} {_RATE_GAP_WORDS.get(num, '人')}）" if people > 0 else gap
    gap = math.ceil(target - value - 1e-9)  # counts come whole: 0.99 due means one more
    return f"还需 {gap:,.0f} {measure}"


# ---------------------------------------------------------------- what the sidebar offers

def data_years(conn: sqlite3.Connection) -> list[int]:
    """Years covered by the active imports, newest first."""
    years: set[int] = set()
    for b in store.batches(conn, include_undone=False):
        if b["period_start"] and b["period_end"]:
            years.update(range(int(b["period_start"][:4]), int(b["period_end"][:4]) + 1))
    return sorted(years, reverse=True)


def units_reported(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> set[str]:
    """Units with any ledger row (or 执法人员统计表) dated from `start` to `end`."""
    totals = store.measure_totals(conn, start, end)
    return {u for (u, _), v in totals.items() if v} | set(store.latest_snapshots(conn, start, end))


def default_year(conn: sqlite3.Connection, today: dt.date, catalog: Catalog | None = None) -> int:
    """The year the dashboard opens on: the latest year that most units have reported (one county's
    early rows of a new year do not move everyone there); when no year has that, the latest year
    with any data (the caption then says how few reported: `reported_text`); with none, this year."""
    catalog = catalog or default_catalog()
    years = data_years(conn)
    for year in years:
        end = min(dt.date(year, 12, 31), max(today, dt.date(year, 1, 1)))
        if 2 * len(units_reported(conn, dt.date(year, 1, 1), end) & set(catalog.unit_names)) > len(catalog.unit_names):
            return year
    return years[0] if years else today.year


def reported_text(reported: set[str], catalog: Catalog | None = None) -> str:
    """已报送 1/16 个单位 while not every unit has data in the period; '' once all have."""
    catalog = catalog or default_catalog()
    n, total = len(reported & set(catalog.unit_names)), len(catalog.unit_names)
    return "" if n >= total else f"已报送 {n}/{total} 个单位"


def has_any(totals: dict, snaps: dict, unit: str | None = None, kind: str | None = None) -> bool:
    """Whether any ledger row (of `kind`, of `unit`) falls in the period the totals cover."""
    if kind == "staff":
        return bool(snaps) if unit is None else unit in snaps
    prefixes = [f"{k}:n" for k in ([kind] if kind else [k for k in LEDGERS if k != "staff"])]
    found = any(v > 0 and m in prefixes and (unit is None or u == unit) for (u, m), v in totals.items())
    return found or (kind is None and (bool(snaps) if unit is None else unit in snaps))
