"""What every export shares: the figures of one period and scope, the stamp, colours, Chinese formats.

`gather` computes the figures once (this period, the same period last year, scores); the slide,
workbook and text builders only arrange them, so the three files always agree with each other and
with the dashboard.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from .. import chinese, cycle, explanations, progress, store
from ..config import Catalog, default_catalog
from ..palette import STATUS_COLORS  # the dashboard's colours: one per status, everywhere
from ..problems import IndicatorsError
from ..progress import CITY_WIDE, DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE, Period

# Text on a status fill: white reads on every colour but the amber, the light violet and the light grey.
STATUS_TEXT_COLORS = {s: ("#212121" if s in (LAGGING, NOT_APPLICABLE, NOT_DUE) else "#FFFFFF") for s in STATUS_COLORS}
BEHIND = progress.BEHIND
# The core calls an indicator without a target 不适用; where it does apply to the unit (E05, shown
# but not scored) the exports say 不计分, which is what it is.
UNSCORED = "不计分"
PACE_COLOR = "#90A4AE"  # the 应完成 (time-progress) bars
LAST_YEAR_COLOR = "#B0BEC5"

ORG_NAME = "新乡市国防动员办公室"
CITY_SCOPE_NAME = "全市国防动员系统"
KIND_NAMES = {"pptx": "汇报材料", "xlsx": "督导平台数据", "docx": "工作情况文稿"}


# ---------------------------------------------------------------- Chinese formats (indicators/chinese.py)

cn_date, cn_month_day, cn_numeral = chinese.date, chinese.month_day, chinese.numeral
is_missing, num, value_text, is_whole, needed, expected_text, pct = (
    chinese.is_missing, chinese.num, chinese.value_text, chinese.is_whole, chinese.needed, chinese.expected_text,
    chinese.pct)


def expected_value(expected, measure: str):
    """The expected value as a number for a cell: counts rounded up (see chinese.expected_text)."""
    if is_missing(expected):
        return None
    return int(needed(expected)) if is_whole(measure) else round(float(expected), 1)


# ---------------------------------------------------------------- period words

def is_full_year(per: Period) -> bool:
    return per.as_of == dt.date(per.year, 12, 31)


def is_first_half(per: Period) -> bool:
    return per.as_of == dt.date(per.year, 6, 30)


def period_word(per: Period) -> str:
    """How a sentence names the period: 全年, 上半年, or 截至7月15日."""
    if is_full_year(per):
        return "全年"
    if is_first_half(per):
        return "上半年"
    return f"截至{cn_month_day(per.as_of)}"


def period_title(per: Period) -> str:
    """2025年全年 / 2025年上半年 / 2025年1月1日至7月15日."""
    return per.label


# ---------------------------------------------------------------- stamp and names

@dataclass(frozen=True)
class Stamp:
    """数据截至 date and data version printed in every export's footer, so figures can be traced."""

    as_of: dt.date
    version: str
    demo: bool
    review: str = ""  # 已审核 12/16 个单位

    def text(self) -> str:
        out = f"数据截至 {cn_date(self.as_of)} · 数据版本 {self.version}" + (f" · {self.review}" if self.review else "")
        return out + (" · 示例数据" if self.demo else "")


def stamp(conn: sqlite3.Connection, per: Period, today: dt.date | None = None) -> Stamp:
    """The stamp for a period: its cut-off date, never later than today (a year-end period asked
    for in July holds data to July, not to 31 December), and the database's data version."""
    today = today or dt.date.today()
    return Stamp(min(per.as_of, today), store.data_version(conn), store.showing_demo(conn), cycle.review_text(conn, per))


def scope_name(unit: str | None) -> str:
    return unit or CITY_WIDE


def file_name(per: Period, unit: str | None, fmt: str, version: str = "全市") -> str:
    """2025年上半年_全市_汇报材料.pptx; the city's 本级 report: 2025年全年_市本级_工作情况文稿.docx."""
    scope = "市本级" if unit is None and fmt == "docx" and version == "本级" else scope_name(unit)
    return f"{period_title(per)}_{scope}_{KIND_NAMES[fmt]}.{fmt}"


def resolve_unit(raw: str | None, catalog: Catalog | None = None) -> str | None:
    """Canonical unit for a user's spelling; None for 全市 or nothing. Raises IndicatorsError."""
    if raw is None or raw.strip() in ("", CITY_WIDE):
        return None
    catalog = catalog or default_catalog()
    unit = catalog.resolve_unit(raw)
    if unit is None:
        raise IndicatorsError(f"单位「{raw}」不在单位名单中；可选：{CITY_WIDE}、{'、'.join(catalog.unit_names)}")
    return unit


# ---------------------------------------------------------------- the figures

@dataclass(frozen=True)
class Figures:
    """Everything an export shows for one period and scope (a unit, or 全市 when unit is None)."""

    period: Period
    unit: str | None
    frame: pd.DataFrame  # progress.compute for every unit, with the 全市 roll-up
    last: pd.DataFrame  # the same for the same period last year
    scores: pd.DataFrame  # progress.scores(frame)
    stamp: Stamp
    catalog: Catalog
    has_last_year: bool  # any ledger row in last year's period (else comparisons are left out)
    made: dt.date  # the day the export is made: the drafted text's date, the files' properties
    # the units' 情况说明 of the reporting period the period falls in: {(unit, indicator): Explanation}
    explanations: dict = dataclasses.field(default_factory=dict)

    def note(self, unit: str, indicator: str, limit: int | None = None) -> str:
        """The explanation beside a lag (in a few words when `limit`), or 未说明."""
        return explanations.note(self.explanations, unit, indicator, limit)

    @property
    def basis(self) -> str:
        """Which score ranks the units (progress.ranking_basis): the pace score before year end."""
        return progress.ranking_basis(self.period)

    @property
    def scope(self) -> str:
        return scope_name(self.unit)

    @property
    def city_wide(self) -> bool:
        return self.unit is None

    def rows(self, last_year: bool = False) -> pd.DataFrame:
        """The scope's rows: one unit's indicators, or the 全市 roll-up."""
        f = self.last if last_year else self.frame
        return f[f.unit == self.scope].reset_index(drop=True)

    def unit_rows(self) -> pd.DataFrame:
        """Every unit's rows (no roll-up): what the workbook lists and the ranking reads."""
        f = self.frame[self.frame.unit != CITY_WIDE]
        return f if self.city_wide else f[f.unit == self.unit]

    def group_name(self, group: str) -> str:
        return self.catalog.groups[group]["name"]


def gather(conn: sqlite3.Connection, per: Period, unit: str | None = None, catalog: Catalog | None = None,
           today: dt.date | None = None) -> Figures:
    """Compute the figures of one period and scope once, for any export.

    Takes an open database, a Period and optionally a unit's canonical name (None = 全市). Returns
    Figures; raises IndicatorsError for an unknown unit.
    """
    catalog = catalog or default_catalog()
    if unit is not None and unit not in catalog.unit_names:
        raise IndicatorsError(f"单位「{unit}」不在单位名单中")
    frame = progress.compute(conn, per, catalog=catalog)
    prev = per.last_year()
    last = progress.compute(conn, prev, catalog=catalog)
    has_last = bool(store.measure_totals(conn, prev.start, prev.end)) or \
        bool(store.latest_snapshots(conn, prev.start, prev.end))
    today = today or dt.date.today()
    half = 1 if per.as_of <= dt.date(per.year, 6, 30) else 2
    return Figures(per, unit, frame, last, progress.scores(frame, per), stamp(conn, per, today), catalog, has_last,
                   today, explanations.current(conn, per.year, half))


def overview(frame: pd.DataFrame, per: Period, unit: str | None = None) -> pd.DataFrame:
    """Pace against completion for the scope's scored indicators, in percent: columns indicator,
    name, group, measure, value, target, expected, pace, completion, status."""
    rows = frame[(frame.unit == scope_name(unit)) & frame.target.notna()]
    out = rows[["indicator", "name", "group", "measure", "value", "target", "expected", "status"]].copy()
    out["pace"] = (100 * rows.expected_completion).round(1)
    out["completion"] = (100 * rows.completion).round(1)
    return out.reset_index(drop=True)


def warnings(fig: Figures, limit: int | None = None, reasons: bool = False) -> list[str]:
    """滞后预警 lines: for a unit, its indicators behind pace; for 全市, the units most behind. With
    `reasons`, each line cites the unit's 情况说明 in a few words (or says 未说明)."""
    if fig.city_wide:
        behind = fig.scores[fig.scores.lagging > 0].sort_values(["lagging", fig.basis], ascending=[False, True])
        behind_word = "未完成或未开展" if is_full_year(fig.period) else "滞后或未开展"
        lines = [f"{r.unit}：{r.lagging}项{behind_word}，{progress.SCORE_LABELS[fig.basis]}{num(getattr(r, fig.basis))}"
                 + (f"；{_unit_reason(fig, r.unit)}" if reasons else "") for r in behind.itertuples()]
    else:
        rows = fig.rows()
        rows = rows[rows.status.isin(BEHIND)]
        due = "目标" if is_full_year(fig.period) else "应完成"
        lines = [(f"{r.name}：{value_text(r.value, r.measure)}，{due}"
                  f"{expected_text(r.target if due == '目标' else r.expected, r.measure)}"
                  if r.status == LAGGING else f"{r.name}：未开展")
                 + (f"（原因：{fig.note(fig.unit, r.indicator, 14)}）" if reasons and (fig.unit, r.indicator) in fig.explanations
                    else "（未说明）" if reasons else "") for r in rows.itertuples()]
    return lines[:limit] if limit else lines


def _unit_reason(fig: Figures, unit: str) -> str:
    """A unit's lags in a few words: the 原因 of its first explained lag, and how many are unexplained."""
    lags = fig.frame[(fig.frame.unit == unit) & fig.frame.status.isin(BEHIND)].indicator
    given = [fig.explanations[(unit, c)] for c in lags if (unit, c) in fig.explanations]
    if not given:
        return "未说明"
    rest = len(lags) - len(given)
    return f"原因：{given[0].brief(14)}" + (f"（{rest}项未说明）" if rest else "")


def group_ledger(catalog: Catalog, group: str) -> str:
    """The ledger a line of work is fed from (the one most of its indicators read)."""
    return Counter(i.ledger for i in catalog.indicators if i.group == group).most_common(1)[0][0]


_BEHIND_ORDER = (NOT_STARTED, LAGGING, ON_PACE, NOT_DUE, DONE)  # most behind first


def group_results(fig: Figures) -> pd.DataFrame:
    """Each unit's result in each line of work: columns group, unit, rate (points / possible, in
    percent), status (the most behind of its indicators); best first within a group."""
    f = fig.frame[(fig.frame.unit != CITY_WIDE) & (fig.frame.weight > 0)]
    rank = f.status.map({s: i for i, s in enumerate(_BEHIND_ORDER)}).fillna(len(_BEHIND_ORDER))
    out = f.assign(rank=rank).groupby(["group", "unit"], sort=False).agg(
        points=("points", "sum"), possible=("weight", "sum"), rank=("rank", "min")).reset_index()
    out["status"] = [(_BEHIND_ORDER[int(r)] if r < len(_BEHIND_ORDER) else NOT_APPLICABLE) for r in out["rank"]]
    out["rate"] = (100 * out.points / out.possible).round(1)
    # ties keep the configured order of units (市本级 first), as in progress.scores
    out = out.sort_values(["group", "rate"], ascending=[True, False], kind="stable")
    return out.reset_index(drop=True)
