"""需核实: stored figures that stand out, put before a reviewer (flagged, never refused).

A figure (people at an event, materials handed out, a staffing count) stands out when it is above
its fixed sanity bound (ledgers.REVIEW_BOUNDS, e.g. people at one 社区 talk), or far above what the
same unit usually reports in that ledger and column. "Far above" is judged by the median and the
median absolute deviation (MAD), which one wild figure cannot drag along as it drags a mean, on the
logarithm of the figures: event sizes vary by ratios (30 or 80 people, 300 or 800), so a figure is
compared by how many times the usual it is, and must be at least MIN_RATIO times the median besides.
A unit with too few rows of its own is judged against every unit's. Small counts (at or below the
column's floor) are never flagged by comparison. A reviewer may mark a flag 已核实; it then no longer
counts, until the figure changes.
"""
from __future__ import annotations

import datetime as dt
import math
import sqlite3
import statistics
from dataclasses import dataclass

from . import store
from .ledgers import LEDGERS, REVIEW_BOUNDS, ReviewBound
from .problems import IndicatorsError
from .roles import Actor, require
from .store import audit
from .store import explanations as db

K = 3.5  # how many robust spreads above the usual value a figure must be: the usual cut of the MAD rule
MIN_RATIO = 3.0  # and how many times the median at least, however alike the unit's other figures are
MIN_OWN = 5  # a unit's own other rows needed to judge it against itself; else against every unit
MIN_PEERS = 8  # rows needed at all for a comparison
MAD_SCALE = 1.4826  # the MAD of a normal sample times this estimates its standard deviation
HALVES = {1: "上半年", 2: "全年"}


@dataclass(frozen=True)
class Flag:
    """One figure that stands out: where it is, its value, why, and what the unit usually reports."""

    kind: str
    ref: str  # the row reference the evidence and correction commands use
    unit: str
    date: str
    title: str
    field: str
    column: str  # the column's Chinese name
    value: float
    why: str
    usual: str  # e.g. 30–80（中位数 55，本单位 12 条）
    checked_by: str | None = None
    checked_at: str | None = None
    where: str = ""  # in an upload's preview: 工作表「…」第 n 行

    @property
    def ledger(self) -> str:
        return LEDGERS[self.kind].name

    def as_dict(self) -> dict:
        return {"ref": self.ref, "ledger": self.ledger, "unit": self.unit, "date": self.date, "title": self.title,
                "column": self.column, "value": _num(self.value), "why": self.why, "usual": self.usual,
                "checked_by": self.checked_by, "checked_at": self.checked_at}


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() else round(v, 2)


def _ref(kind: str, row: dict) -> str:
    return ":".join([kind, *(row[f].isoformat() if isinstance(row[f], dt.date) else str(row[f])
                             for f in LEDGERS[kind].key)])


def _values(rows: list[dict], field: str) -> list[float]:
    out = []
    for r in rows:
        v = r.get(field)
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            out.append(float(v))
    return out


def usual_range(sample: list[float]) -> tuple[float, float, float, float]:
    """(median, robust spread of log(1 + x), lowest and highest usual value) of a sample: the usual
    values are those within K spreads of the median, so one wild figure does not widen the range."""
    logs = [math.log1p(max(x, 0.0)) for x in sample]
    m = statistics.median(logs)
    spread = MAD_SCALE * statistics.median(abs(x - m) for x in logs)
    inliers = [x for x, lx in zip(sample, logs) if abs(lx - m) <= K * max(spread, math.log(MIN_RATIO) / K)]
    return statistics.median(sample), spread, min(inliers or sample), max(inliers or sample)


def upper_limit(median: float, spread: float) -> float:
    """The figure above which a value stands out from a sample of this median and (log) spread."""
    return max(math.expm1(math.log1p(median) + K * spread), MIN_RATIO * median)


@dataclass(frozen=True)
class Usual:
    """What a set of figures usually is: median, robust spread, lowest and highest usual value, how many."""

    median: float
    spread: float
    lo: float
    hi: float
    n: int
    basis: str  # 本单位 or 各单位

    @classmethod
    def of(cls, sample: list[float], basis: str) -> "Usual | None":
        return cls(*usual_range(sample), len(sample), basis) if sample else None

    def text(self) -> str:
        return f"{_num(self.lo)}–{_num(self.hi)}（中位数 {_num(self.median)}，{self.basis} {self.n} 条）"


def judge(value: float, row: dict, bound: ReviewBound, own: Usual | None, peers: Usual | None,
          column: str) -> tuple[str, str] | None:
    """(why, usual) when the figure stands out, else None. `own`: what the unit's figures of the column
    usually are; `peers`: every unit's. The row itself may be among them: the median and the MAD
    barely move for one figure, however wild, so the rows need not be judged one without each."""
    most = bound.most_for(row)
    basis = own if own is not None and own.n - 1 >= MIN_OWN else peers
    usual = ""
    if basis is not None and basis.n - 1 >= (MIN_OWN if basis is own else MIN_PEERS):
        usual = basis.text()
        if value > bound.floor and value > upper_limit(basis.median, basis.spread):
            return (f"{column} {_num(value)} 远高于{basis.basis}同类记录（通常 {_num(basis.lo)}–{_num(basis.hi)}）",
                    usual)
    if value > most:
        where = f"（{row.get(bound.by)}）" if bound.by and row.get(bound.by) in bound.most_by else ""
        return f"{column} {_num(value)} 超过合理上限{where} {_num(most)}：{bound.help}", usual or "—"
    return None


def _period_rows(conn: sqlite3.Connection, kind: str, year: int) -> list[dict]:
    return store.ledger_frame(conn, kind, dt.date(year, 1, 1), dt.date(year, 12, 31))


def _flags_of(rows: list[dict], candidates: list[dict], kind: str, checks: dict, where=None) -> list[Flag]:
    """Judge each candidate row against `rows` (the year's rows of that ledger, the candidates among them)."""
    out = []
    by_unit: dict[str, list[dict]] = {}
    for r in rows:
        by_unit.setdefault(r["unit"], []).append(r)
    for (k, field), bound in REVIEW_BOUNDS.items():
        if k != kind:
            continue
        column = LEDGERS[kind].column(field).name
        peers = Usual.of(_values(rows, field), "各单位")
        own = {u: Usual.of(_values(rs, field), "本单位") for u, rs in by_unit.items()}
        for r in candidates:
            v = r.get(field)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            found = judge(float(v), r, bound, own.get(r["unit"]), peers, column)
            if not found:
                continue
            ref = _ref(kind, r)
            check = checks.get((kind, ref, field))
            ok = check is not None and abs(float(check["value"]) - float(v)) < 1e-9
            date = r["date"].isoformat() if isinstance(r["date"], dt.date) else str(r["date"])
            out.append(Flag(kind, ref, r["unit"], date, str(r.get("title") or ""), field, column, float(v), *found,
                            checked_by=check["name"] if ok else None,
                            checked_at=(check["at"] or "").replace("T", " ")[:16] if ok else None,
                            where=where(r) if where else ""))
    return out


def find(conn: sqlite3.Connection, year: int, half: int | None = None, unit: str | None = None, *,
         include_checked: bool = False) -> list[Flag]:
    """The stored figures of a year (or of 上半年 / 全年) that stand out, of one unit or all.

    Each is judged against the whole year's rows of its ledger. Marked 已核实 (at the same value) they
    are left out unless `include_checked`. Raises IndicatorsError for a half other than 1 or 2.
    """
    if half is not None and half not in HALVES:
        raise IndicatorsError(f"报送期间只能是 1（上半年）或 2（全年），不能是「{half}」")
    end = dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
    checks = db.checks(conn)
    out: list[Flag] = []
    for kind in LEDGERS:
        if not any(k == kind for k, _ in REVIEW_BOUNDS):
            continue
        rows = _period_rows(conn, kind, year)
        candidates = [r for r in rows if (unit is None or r["unit"] == unit) and str(r["date"]) <= end.isoformat()]
        out += _flags_of(rows, candidates, kind, checks)
    out = [f for f in out if include_checked or not f.checked_by]
    return sorted(out, key=lambda f: (f.unit, f.date, f.kind, f.field))


def of_batch(conn: sqlite3.Connection, batch_id: int) -> list[Flag]:
    """The flags among the rows one import batch wrote (导入记录 marks them), 已核实 ones included."""
    out = []
    checks = db.checks(conn)
    for kind in LEDGERS:
        if not any(k == kind for k, _ in REVIEW_BOUNDS):
            continue
        for year in store.reads.batch_years(conn, kind, batch_id):
            rows = _period_rows(conn, kind, year)
            candidates = [r for r in rows if batch_id in (r.get("batch_id"), r.get("created_batch"))]
            out += _flags_of(rows, candidates, kind, checks)
    return sorted(out, key=lambda f: (f.unit, f.date, f.kind, f.field))


def preview(conn: sqlite3.Connection, records: dict) -> list[Flag]:
    """提示 for an upload before it is stored: its rows judged against the stored rows of their year and
    the file's other rows (a row it updates is judged by its new figure). Never a refusal."""
    out: list[Flag] = []
    checks = db.checks(conn)
    for kind, frame in records.items():
        if not any(k == kind for k, _ in REVIEW_BOUNDS) or frame is None or not len(frame):
            continue
        new = list(frame.iter_rows(named=True))
        refs = {_ref(kind, r) for r in new}
        for year in sorted({r["date"].year for r in new if r.get("date")}):
            stored = [r for r in _period_rows(conn, kind, year) if _ref(kind, r) not in refs]
            mine = [r for r in new if r.get("date") and r["date"].year == year]
            out += _flags_of(stored + mine, mine, kind, checks,
                             where=lambda r: f"工作表「{r['_sheet']}」第 {r['_row']} 行" if "_row" in r else "")
    return out


def verify(conn: sqlite3.Connection, actor: Actor, ref: str, field: str, *, now: dt.datetime | None = None,
           client: str | None = None) -> None:
    """Mark one flagged figure 已核实 at its current value (reviewers only), with its audit entry.

    Raises IndicatorsError when the actor may not, or the row or column does not exist.
    """
    require(actor, "verify_figure")
    kind, _, rest = ref.partition(":")
    if kind not in LEDGERS or (kind, field) not in REVIEW_BOUNDS:
        raise IndicatorsError(f"「{ref}」的「{field}」不是需核实的数字")
    key = tuple(rest.split(":", len(LEDGERS[kind].key) - 1))
    row = store.ledger_row(conn, kind, key)
    if row is None or row.get(field) is None:
        raise IndicatorsError(f"没有这一行台账：{ref}")
    now = now or dt.datetime.now()
    column = LEDGERS[kind].column(field).name
    with store.transaction(conn):
        db.mark_checked(conn, actor, kind, ref, field, float(row[field]), now)
        audit.record(conn, actor, "verify_figure", unit=row["unit"], client=client, now=now,
                     detail={"row": ref, "column": column, "value": row[field]})
