"""情况说明: a unit's explanation of an indicator it lags on (原因, 整改措施, 预计完成时间), kept per
(unit, indicator, period) with every edit as a version, and locked with the period on approval.

A clerk writes for their own unit, an administrator for any; a leader writes none. An explanation
of an indicator that is not lagging is allowed (the unit may explain ahead) but marked as such.
Where the lags are shown (总览's 滞后预警, the line-of-work pages, 督导评分, 报送情况, the exports), the
latest version stands beside the lag, and a lag with none is 未说明.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass

from . import chinese, progress, store
from .config import Catalog, default_catalog
from .problems import IndicatorsError
from .roles import Actor, require
from .store import audit
from .store import cycle as cycle_db
from .store import explanations as db

HALVES = {1: "上半年", 2: "全年"}
APPROVED = "已审核"  # the cycle's state that locks a period (indicators/cycle.py names it too)
BEHIND = progress.BEHIND  # what lags: the core names it once
UNEXPLAINED = "未说明"

# What a unit may write, declared once: (label, limit in characters, help). Over a limit is refused, not cut.
FIELDS = {
    "reason": ("原因", 1000, "必填：该指标进度滞后或未开展的主要原因，写明客观情况"),
    "measure": ("整改措施", 1000, "选填：下一步将采取的措施"),
    "due": ("预计完成时间", None, "选填：预计补齐的日期，不能早于今天"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Explanation:
    """One version of a unit's explanation of one indicator in one period."""

    unit: str
    indicator: str
    year: int
    half: int
    version: int
    reason: str
    measure: str | None
    due: dt.date | None
    evidence: tuple[int, ...]
    status: str  # the indicator's status for the unit when this version was written
    login: str
    name: str
    at: str

    @property
    def period(self) -> str:
        return f"{self.year}年{HALVES[self.half]}"

    @property
    def was_lagging(self) -> bool:
        """False when the indicator was not lagging as it was written (allowed, but marked)."""
        return self.status in BEHIND

    def brief(self, limit: int = 30) -> str:
        """原因 in a few words (the deck's 未完成预警 box): its first clauses, at least six characters
        where there are, cut at `limit` characters."""
        words = ""
        for clause in re.split(r"[。；;，,\n]", self.reason.strip()):
            words = f"{words}，{clause.strip()}" if words else clause.strip()
            if len(words) >= 6:
                break
        words = words or self.reason.strip()
        return words if len(words) <= limit else words[:limit - 1] + "…"

    def text(self) -> str:
        """The whole explanation as one line of plain text."""
        out = f"原因：{_end(self.reason)}"
        if self.measure:
            out += f"；整改措施：{_end(self.measure)}"
        if self.due:
            out += f"；预计完成时间：{chinese.date(self.due)}"
        return out

    def as_dict(self) -> dict:
        return {"unit": self.unit, "indicator": self.indicator, "year": self.year, "half": self.half,
                "period": self.period, "version": self.version, "reason": self.reason, "measure": self.measure,
                "due": self.due.isoformat() if self.due else None, "evidence": list(self.evidence),
                "status_when_written": self.status, "lagging_when_written": self.was_lagging,
                "by": self.name, "login": self.login, "at": self.at}


def _end(text: str) -> str:
    return text.rstrip("。；;，, ")


def _from_row(r: dict) -> Explanation:
    return Explanation(r["unit"], r["indicator"], int(r["year"]), int(r["half"]), int(r["version"]), r["reason"],
                       r["measure"], dt.date.fromisoformat(r["due"]) if r["due"] else None,
                       tuple(int(x) for x in (r["evidence"] or "").split(",") if x), r["status"] or "",
                       r["login"] or "", r["name"] or "", (r["at"] or "").replace("T", " ")[:16])


def period_for(year: int, half: int, today: dt.date | None = None) -> progress.Period:
    """The dashboard period a reporting period is judged at: its end, or today while it runs."""
    if half not in HALVES:
        raise IndicatorsError(f"报送期间只能是 1（上半年）或 2（全年），不能是「{half}」")
    today = today or dt.date.today()
    end = dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
    if today.year == year and today < end:
        return progress.period(year, as_of=today)
    return progress.period(year, half)


def _clean(text: str | None, key: str) -> str | None:
    label, limit, _ = FIELDS[key]
    text = _CONTROL.sub("", (text or "")).strip()
    if limit and len(text) > limit:
        raise IndicatorsError(f"「{label}」不能超过 {limit} 个字（现有 {len(text)} 个字），请精简后再保存")
    return text or None


def _check_scope(catalog: Catalog, unit: str, indicator: str) -> None:
    if unit not in catalog.unit_names:
        raise IndicatorsError(f"单位「{unit}」不在单位名单中；可选：{'、'.join(catalog.unit_names)}")
    codes = {i.code: i for i in catalog.indicators}
    if indicator not in codes:
        raise IndicatorsError(f"没有编码为「{indicator}」的指标；可选：{'、'.join(codes)}")
    if not codes[indicator].applies(catalog.unit(unit)):
        raise IndicatorsError(f"指标 {indicator} {codes[indicator].name} 不适用于{unit}，无需情况说明")


def status_now(conn: sqlite3.Connection, unit: str, indicator: str, year: int, half: int,
               today: dt.date | None = None, catalog: Catalog | None = None) -> str:
    """The indicator's status for the unit in the reporting period, as judged today."""
    per = period_for(year, half, today)
    rows = progress.compute_rows(conn, per, unit, catalog or default_catalog(), roll_up=False)
    return next(r["status"] for r in rows if r["indicator"] == indicator)


def write(conn: sqlite3.Connection, actor: Actor, unit: str, indicator: str, year: int, half: int, reason: str, *,
          measure: str | None = None, due: dt.date | None = None, evidence: tuple[int, ...] = (),
          today: dt.date | None = None, now: dt.datetime | None = None, client: str | None = None,
          catalog: Catalog | None = None) -> Explanation:
    """Store a new version of the unit's explanation of one indicator for a period, with its audit entry.

    Takes the acting user, the unit's canonical name, the indicator code, the year and half (1
    上半年, 2 全年), the 原因 (required) and optionally 整改措施, 预计完成时间 and evidence file ids of
    the unit. Returns the stored Explanation. Raises IndicatorsError (nothing stored) when the actor
    may not write for the unit, the unit or indicator is unknown, the 原因 is empty, a text is over
    its limit, the date is in the past, an evidence file is not the unit's, or the period is approved.
    """
    catalog = catalog or default_catalog()
    require(actor, "explain", unit)
    _check_scope(catalog, unit, indicator)
    period_for(year, half)  # checks the half
    reason_text = _clean(reason, "reason")
    if not reason_text:
        raise IndicatorsError("「原因」为必填项：请写明该指标进度滞后或未开展的主要原因")
    measure_text = _clean(measure, "measure")
    now = now or dt.datetime.now()
    today = today or now.date()
    if due is not None and due < today:
        raise IndicatorsError(f"「预计完成时间」{chinese.date(due)}已经过去，请填写今天或以后的日期")
    files = tuple(dict.fromkeys(int(e) for e in evidence))
    for e in files:
        found = store.evidence.one(conn, e)
        if not found or found.get("removed") or found.get("unit") != unit:
            raise IndicatorsError(f"佐证材料 {e} 不存在或不属于{unit}，不能附在情况说明上")
    with store.transaction(conn):
        state = cycle_db.states(conn, year, half).get((unit, year, half)) or {}
        if state.get("state") == APPROVED:
            raise IndicatorsError(f"{unit}{year}年{HALVES[half]}的数据已于 {(state.get('at') or '')[:16].replace('T', ' ')} "
                                  f"由{state.get('name') or '管理员'}审核通过并锁定，情况说明不能再修改；如需修改请管理员重新开放")
        status = status_now(conn, unit, indicator, year, half, today, catalog)
        version = db.add_version(conn, actor, unit, indicator, year, half, reason=reason_text, measure=measure_text,
                                 due=due, evidence=files, status=status, now=now)
        audit.record(conn, actor, "explain", unit=unit, client=client, now=now,
                     detail={"year": year, "half": half, "period": f"{year}年{HALVES[half]}", "indicator": indicator,
                             "version": version, "status": status})
    return history(conn, unit, indicator, year, half)[0]


def current(conn: sqlite3.Connection, year: int, half: int, unit: str | None = None) -> dict[tuple[str, str], Explanation]:
    """{(unit, indicator): the latest explanation} of a period (of one unit, or all)."""
    return {(r["unit"], r["indicator"]): _from_row(r) for r in db.latest(conn, year, half, unit)}


def history(conn: sqlite3.Connection, unit: str, indicator: str, year: int, half: int) -> list[Explanation]:
    """Every version of one explanation, newest first."""
    return [_from_row(r) for r in db.versions(conn, unit, indicator, year, half)]


def listing(conn: sqlite3.Connection, year: int, half: int | None = None, unit: str | None = None) -> list[Explanation]:
    """The latest explanations of a year (or one period), by unit and indicator."""
    halves = [half] if half is not None else list(HALVES)
    out = []
    for h in halves:
        out += current(conn, year, h, unit).values()
    return out


@dataclass(frozen=True)
class Coverage:
    """How many of a period's lags are explained: n of m, and the ones that are not."""

    explained: int
    lags: int
    unexplained: tuple[tuple[str, str], ...]  # (unit, indicator)

    def text(self) -> str:
        return f"已说明 {self.explained} / {self.lags} 项滞后" if self.lags else "没有滞后的指标"


def coverage(lags: list[tuple[str, str]], given: dict[tuple[str, str], Explanation]) -> Coverage:
    """Which of the lags (unit, indicator) have an explanation."""
    missing = tuple(k for k in lags if k not in given)
    return Coverage(len(lags) - len(missing), len(lags), missing)


def lags_of(rows) -> list[tuple[str, str]]:
    """(unit, indicator) of every unit row that is 进度滞后 or 未开展 (rows from progress.compute_rows,
    or a progress frame's records); the 全市 roll-up is no unit's lag."""
    return [(r["unit"], r["indicator"]) for r in rows if r["unit"] != progress.CITY_WIDE and r["status"] in BEHIND]


def note(given: dict[tuple[str, str], Explanation], unit: str, indicator: str, limit: int | None = None) -> str:
    """What stands beside a lag: the explanation in one line (or in a few words), else 未说明."""
    e = given.get((unit, indicator))
    if e is None:
        return UNEXPLAINED
    return e.brief(limit) if limit else e.text()
