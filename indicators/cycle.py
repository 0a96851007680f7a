"""The half-year reporting cycle: deadlines, submit, review, and the locks that keep reported figures still.

Twice a year (上半年, 全年) each unit's data goes 填报中 -> 已提交 -> 已审核 (or 已退回 with a
reason, then back to 已提交). The moves are declared once in TRANSITIONS: who may make which move
from which state. What the states lock:

- 已审核 data is locked for everyone: an import, an undo or an evidence change that would touch a
  row of that unit dated in the period is refused whole, naming the rows, the period and who approved;
- 已提交 data is locked for clerks while it is under review (the administrator may correct it);
- after a period's deadline clerks can no longer change that period, unless an administrator
  reopens it for their unit (an exception, kept with its reason). Returning a unit's data opens it
  the same way, so the clerk can fix what they were asked to.

Every move is kept (cycle_event) and written to the audit log with user, time and reason.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING


from . import chinese, store
from .config import Catalog, default_catalog
from .ledgers import LEDGERS
from .problems import IndicatorsError
from .progress import Period
from .roles import ADMIN, CLERK, LEADER, Actor, require
from .store import audit
from .store import cycle as db

if TYPE_CHECKING:  # the records refuse_locked reads; polars itself is imported there
    import polars as pl

NOT_REPORTED, DRAFTING, SUBMITTED, APPROVED, RETURNED, OVERDUE = "未报送", "填报中", "已提交", "已审核", "已退回", "逾期"
STATES = (NOT_REPORTED, DRAFTING, SUBMITTED, APPROVED, RETURNED, OVERDUE)
HALVES = {1: "上半年", 2: "全年"}


@dataclass(frozen=True)
class Move:
    """One kind of move: its Chinese name, the permission it needs, whether it needs a reason, and
    whether it opens the unit for changes after the deadline (returning and reopening do)."""

    name: str
    permission: str
    needs_reason: bool = False
    opens: bool = False


MOVES = {
    "submit": Move("提交", "submit"),
    "approve": Move("审核通过", "review"),
    "return": Move("退回", "review", needs_reason=True, opens=True),
    "reopen": Move("重新开放", "review", needs_reason=True, opens=True),
}

# (move, state it starts from) -> (state it ends in, roles that may make it). Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    ("submit", DRAFTING): (SUBMITTED, frozenset({ADMIN, CLERK})),
    ("submit", RETURNED): (SUBMITTED, frozenset({ADMIN, CLERK})),
    ("submit", OVERDUE): (SUBMITTED, frozenset({ADMIN})),  # a clerk past the deadline needs the unit reopened first
    ("approve", SUBMITTED): (APPROVED, frozenset({ADMIN})),
    ("return", SUBMITTED): (RETURNED, frozenset({ADMIN})),
    ("reopen", APPROVED): (DRAFTING, frozenset({ADMIN})),
    ("reopen", OVERDUE): (DRAFTING, frozenset({ADMIN})),
}

LEADERS_APPROVED_ONLY = "leaders_approved_only"
SETTING_HELP = {LEADERS_APPROVED_ONLY: "开启后，领导账号在看板和汇报材料中只看到已审核单位的数据，其余单位注明“未审核，已隐藏”"}


# ---------------------------------------------------------------- periods

def half_range(year: int, half: int) -> tuple[dt.date, dt.date]:
    """上半年: 1 Jan - 30 Jun; 全年: 1 Jan - 31 Dec."""
    _check_half(half)
    return dt.date(year, 1, 1), dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)


def period_label(year: int, half: int) -> str:
    return f"{year}年{HALVES[half]}"


def half_of(per: Period) -> int:
    """The reporting period a dashboard period falls in: up to 30 June 上半年, after it 全年."""
    return 1 if per.as_of <= dt.date(per.year, 6, 30) else 2


def due_period(today: dt.date) -> tuple[int, int]:
    """(year, half) of the latest reporting period that has ended by `today`: the one a clerk reports now
    (in December 2026 that is 2026上半年, not the year that has not ended)."""
    if today >= dt.date(today.year, 12, 31):
        return today.year, 2
    if today >= dt.date(today.year, 6, 30):
        return today.year, 1
    return today.year - 1, 2


def period_to_report(year: int, half: int, today: dt.date) -> tuple[int, int]:
    """The period a clerk is offered to submit when looking at (year, half): that one once it has
    ended, else the one due now (never a period that has not ended)."""
    return (year, half) if today >= half_range(year, half)[1] else due_period(today)


def returned(conn: sqlite3.Connection, unit: str, today: dt.date | None = None) -> list[UnitState]:
    """The unit's reports returned by the administrator in the period due and the one before it, newest
    first: what a clerk must see first."""
    today = today or dt.date.today()
    year, half = due_period(today)
    before = (year, 1) if half == 2 else (year - 1, 2)
    states = [state_of(conn, unit, y, h, today) for y, h in ((year, half), before)]
    return [s for s in states if s.state == RETURNED]


def _check_half(half: int) -> None:
    if half not in HALVES:
        raise IndicatorsError(f"报送期间只能是 1（上半年）或 2（全年），不能是「{half}」")


def _when(at: str | None) -> str:
    return (at or "").replace("T", " ")[:16]


cn_date = chinese.date  # the one Chinese date (indicators/chinese.py)


# ---------------------------------------------------------------- states

@dataclass(frozen=True)
class UnitState:
    """Where one unit stands in one period, as the 报送情况 page and `cycle status` show it."""

    unit: str
    year: int
    half: int
    state: str
    deadline: dt.date | None
    by: str | None  # who made the last move
    at: str | None
    reason: str | None  # of the last move (the clerk sees why the data was returned)
    rows: int  # ledger rows of the unit dated in the period
    open_after_deadline: bool  # an administrator reopened the unit after the deadline

    @property
    def period(self) -> str:
        return period_label(self.year, self.half)

    def as_dict(self) -> dict:
        return {"unit": self.unit, "year": self.year, "half": self.half, "period": self.period, "state": self.state,
                "deadline": self.deadline.isoformat() if self.deadline else None, "by": self.by,
                "at": self.at, "reason": self.reason, "rows": self.rows}


def _display(stored: str | None, rows: int, deadline: dt.date | None, excepted: bool, today: dt.date) -> str:
    if stored in (SUBMITTED, APPROVED, RETURNED):
        return stored
    if deadline and today > deadline and not excepted:
        return OVERDUE
    return DRAFTING if stored == DRAFTING or rows else NOT_REPORTED


def status(conn: sqlite3.Connection, year: int, half: int | None = None, today: dt.date | None = None,
           catalog: Catalog | None = None) -> list[UnitState]:
    """Every unit's state in the year's periods (or the one `half`), units in configuration order.

    Takes an open database, the year and optionally 1 or 2. Returns UnitStates; raises
    IndicatorsError for a half other than 1 or 2.
    """
    catalog = catalog or default_catalog()
    today = today or dt.date.today()
    halves = [half] if half is not None else list(HALVES)
    for h in halves:
        _check_half(h)
    stored, dls, excepted = db.states(conn, year), db.deadlines(conn, year), db.open_exceptions(conn)
    out = []
    for h in halves:
        rows = _rows_in_period(conn, *half_range(year, h))
        for u in catalog.unit_names:
            s = stored.get((u, year, h)) or {}
            n = rows.get(u, 0)
            out.append(UnitState(u, year, h, _display(s.get("state"), n, dls.get((year, h)), (u, year, h) in excepted, today),
                                 dls.get((year, h)), s.get("name"), s.get("at"), s.get("reason"), n,
                                 (u, year, h) in excepted))
    return out


def _rows_in_period(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[str, int]:
    """Ledger rows per unit dated in [start, end], every kind together, from the aggregates (not the ledgers)."""
    out = dict(store.staff_rows_by_unit(conn, start, end))
    for (unit, measure), v in store.measure_totals(conn, start, end).items():
        if measure.count(":") == 1 and measure.endswith(":n"):
            out[unit] = out.get(unit, 0) + int(v)
    return out


def state_of(conn: sqlite3.Connection, unit: str, year: int, half: int, today: dt.date | None = None) -> UnitState:
    catalog = default_catalog()
    if unit not in catalog.unit_names:
        raise IndicatorsError(f"单位「{unit}」不在单位名单中；可选：{'、'.join(catalog.unit_names)}")
    return next(s for s in status(conn, year, half, today, catalog) if s.unit == unit)


def transition(conn: sqlite3.Connection, actor: Actor, action: str, unit: str, year: int, half: int,
               reason: str | None = None, now: dt.datetime | None = None) -> UnitState:
    """Make one move (submit, approve, return, reopen) for a unit and period, in one transaction with its audit entry.

    Returns the unit's state afterwards. Raises IndicatorsError (nothing stored) when the actor may
    not make the move, the move is not possible from the unit's state (TRANSITIONS), a return or
    reopen has no reason, or a submission has no ledger row in the period.
    """
    if action not in MOVES:
        raise IndicatorsError(f"没有「{action}」这一操作；可选：{'、'.join(MOVES)}")
    move = MOVES[action]
    _check_half(half)
    require(actor, move.permission, unit)
    reason = (reason or "").strip() or None
    if move.needs_reason and not reason:
        raise IndicatorsError(f"{move.name}必须填写原因（将告知填报单位并记入操作日志）")
    now = now or dt.datetime.now()
    with store.transaction(conn):
        cur = state_of(conn, unit, year, half, now.date())
        label = f"{unit}{period_label(year, half)}"
        if (action, cur.state) not in TRANSITIONS:
            starts = "、".join(f"「{s}」" for a, s in TRANSITIONS if a == action)
            raise IndicatorsError(f"{label}当前为「{cur.state}」，不能{move.name}（只有{starts}时可以{move.name}）")
        after, roles = TRANSITIONS[(action, cur.state)]
        if actor.role not in roles:
            raise IndicatorsError(f"{label}已过填报截止日期（{cn_date(cur.deadline)}），填报员不能再{move.name}；"
                                  "请联系市国动办法规科（管理员）为本单位重新开放" if cur.state == OVERDUE else
                                  f"{actor.role}不能在「{cur.state}」时{move.name}{label}的数据")
        if action == "submit" and now.date() < half_range(year, half)[1]:
            raise IndicatorsError(f"{label}要到{cn_date(half_range(year, half)[1])}期满后才能提交；"
                                  f"现在应报送的是{period_label(*due_period(now.date()))}")
        if action == "submit" and not cur.rows:
            raise IndicatorsError(f"{label}还没有任何台账数据，不能提交；请先在数据填报页面上传本期台账")
        db.move(conn, actor, unit, year, half, action, cur.state, after, reason,
                open_exception=move.opens, close_exception=action == "submit", now=now)
        audit.record(conn, actor, f"cycle_{action}", unit=unit, now=now,
                     detail={"year": year, "half": half, "period": period_label(year, half), "from": cur.state,
                             "to": after, "reason": reason})
    return state_of(conn, unit, year, half, now.date())


def set_deadline(conn: sqlite3.Connection, actor: Actor, year: int, half: int, deadline: dt.date,
                 now: dt.datetime | None = None) -> None:
    """Set a period's 填报截止 date (administrators only). Raises IndicatorsError for a date before the period ends."""
    require(actor, "set_deadline")
    start, end = half_range(year, half)
    if deadline < end:
        raise IndicatorsError(f"{period_label(year, half)}的填报截止日期不能早于期间结束日（{cn_date(end)}）")
    with store.transaction(conn):
        db.set_deadline(conn, actor, year, half, deadline, now)
        audit.record(conn, actor, "cycle_deadline", now=now,
                     detail={"year": year, "half": half, "period": period_label(year, half), "deadline": deadline})


def deadline(conn: sqlite3.Connection, year: int, half: int) -> dt.date | None:
    return db.deadlines(conn, year).get((year, half))


CITY_LEVEL = "市本级"  # the level of the office that sends the reminder (data/units.toml)


def review_first(states: list[UnitState], unit: str | None = None) -> str | None:
    """The unit a review opens on: the one asked for, else the first waiting for review (已提交), else
    the first unit."""
    if unit and any(s.unit == unit for s in states):
        return unit
    return next((s.unit for s in states if s.state == SUBMITTED), states[0].unit if states else None)


def missing_units(states: list[UnitState]) -> list[str]:
    """Units that have not submitted (nor been approved) in the period: the reminder names them."""
    return [s.unit for s in states if s.state not in (SUBMITTED, APPROVED)]


def reminder_text(states: list[UnitState], today: dt.date | None = None, sender: str = "市国动办法规科",
                  ledgers_missing: dict[str, list[str]] | None = None, catalog: Catalog | None = None) -> str:
    """The notice to 各县（市、区）、功能区 naming those that have not submitted (with the ledgers they
    lack, from reporting.missing_by_unit) and the period's deadline. The city's own office (市本级)
    sends it, so it is not listed among those reminded."""
    today = today or dt.date.today()
    if not states:
        return ""
    first = states[0]
    label, dl = first.period, first.deadline
    head = f"【提醒】关于报送{label}法治建设工作数据的通知"
    own = {u.name for u in (catalog or default_catalog()).units if u.level == CITY_LEVEL}
    missing = [s for s in states if s.state not in (SUBMITTED, APPROVED) and s.unit not in own]
    if not missing:
        return f"{head}\n\n截至{cn_date(today)}，各单位{label}数据均已提交，感谢大家的支持！\n\n{sender}"
    when = f"填报截止日期为{cn_date(dl)}" if dl else "填报截止日期另行通知"
    lines = [head, "", "各县（市、区）、功能区国动办（人防办）：", "",
             f"{label}法治建设工作数据{when}。截至{cn_date(today)}，以下 {len(missing)} 个单位尚未提交：", ""]
    lacks = ledgers_missing or {}
    lines += [f"{i}. {s.unit}（{s.state}）" + (f"：尚缺{'、'.join(lacks[s.unit])}" if lacks.get(s.unit) else "")
              + (f"；退回原因：{s.reason}" if s.state == RETURNED and s.reason else "")
              for i, s in enumerate(missing, 1)]
    tail = (f"请上述单位于{cn_date(dl)}前" if dl and today <= dl else "请上述单位尽快") + \
        "在“法治建设指标看板”上传台账、补充佐证材料并提交。逾期未提交的，将在法治建设督导平台中如实反映。"
    lines += ["", tail, "", sender, cn_date(today)]
    return "\n".join(lines)


# ---------------------------------------------------------------- what leaders see

def review_counts(conn: sqlite3.Connection, year: int, half: int, catalog: Catalog | None = None) -> tuple[int, int]:
    """(units approved, units) in a period."""
    catalog = catalog or default_catalog()
    stored = db.states(conn, year, half)
    approved = sum(1 for u in catalog.unit_names if (stored.get((u, year, half)) or {}).get("state") == APPROVED)
    return approved, len(catalog.unit_names)


def review_text(conn: sqlite3.Connection, per: Period, catalog: Catalog | None = None) -> str:
    """已审核 12/16 个单位: how much of what a dashboard or export shows is approved."""
    a, n = review_counts(conn, per.year, half_of(per), catalog)
    return f"已审核 {a}/{n} 个单位"


def states_by_unit(conn: sqlite3.Connection, per: Period, today: dt.date | None = None) -> dict[str, str]:
    """{unit: state word} in the reporting period a dashboard period falls in (the exports' 审核状态)."""
    return {s.unit: s.state for s in status(conn, per.year, half_of(per), today)}


def leaders_approved_only(conn: sqlite3.Connection) -> bool:
    return db.setting(conn, LEADERS_APPROVED_ONLY) == "1"


def set_leaders_approved_only(conn: sqlite3.Connection, actor: Actor, on: bool, now: dt.datetime | None = None) -> None:
    """The administrator setting: leaders see approved units' figures only."""
    require(actor, "cycle_settings")
    with store.transaction(conn):
        db.set_setting(conn, actor, LEADERS_APPROVED_ONLY, "1" if on else "0", now)
        audit.record(conn, actor, "setting", now=now, detail={"key": LEADERS_APPROVED_ONLY, "value": on})


def hidden_units(conn: sqlite3.Connection, actor: Actor, per: Period, catalog: Catalog | None = None) -> list[str]:
    """Units whose figures `actor` does not see in `per`: for a leader while the setting is on, every
    unit not approved (approved figures are whole unit x period, so hiding follows units)."""
    if actor.role != LEADER or not leaders_approved_only(conn):
        return []
    catalog = catalog or default_catalog()
    stored = db.states(conn, per.year, half_of(per))
    return [u for u in catalog.unit_names if (stored.get((u, per.year, half_of(per))) or {}).get("state") != APPROVED]


def restrict(catalog: Catalog, hidden: list[str]) -> Catalog:
    """The catalog without the hidden units: progress, roll-up and exports then cover the others only."""
    return replace(catalog, units=tuple(u for u in catalog.units if u.name not in set(hidden))) if hidden else catalog


def hidden_note(hidden: list[str]) -> str:
    return f"仅显示已审核单位的数据；未审核、已隐藏 {len(hidden)} 个单位：{'、'.join(hidden)}" if hidden else ""


# ---------------------------------------------------------------- locks

@dataclass(frozen=True)
class Lock:
    """Why a unit's rows in a period may not change for the acting user."""

    unit: str
    year: int
    half: int
    why: str  # APPROVED, SUBMITTED or OVERDUE (past the deadline)
    by: str | None = None
    at: str | None = None
    deadline: dt.date | None = None

    @property
    def span(self) -> tuple[str, str]:
        start, end = half_range(self.year, self.half)
        return start.isoformat(), end.isoformat()

    def text(self) -> str:
        label = f"{self.unit}{period_label(self.year, self.half)}"
        if self.why == APPROVED:
            return f"{label}的数据已于 {_when(self.at)} 由{self.by}审核通过并锁定，如需修改请管理员重新开放"
        if self.why == SUBMITTED:
            return f"{label}的数据已于 {_when(self.at)} 由{self.by}提交、正在审核，如需修改请管理员退回"
        return f"{period_label(self.year, self.half)}填报已于 {cn_date(self.deadline)} 截止，如需修改{self.unit}的数据请管理员重新开放"


class Locks:
    """The locks that bind one actor now: held per unit, and the deadlines passed for units without an exception."""

    def __init__(self, held: dict[str, list[Lock]], closed: list[tuple[int, int, dt.date]], excepted: set):
        self.held, self.closed, self.excepted = held, closed, excepted

    def __bool__(self) -> bool:
        return bool(self.held or self.closed)

    def hit(self, unit: str, lo: str, hi: str | None = None) -> Lock | None:
        """The lock on `unit` covering the date `lo` (or overlapping [lo, hi]), dates as ISO text."""
        hi = hi or lo
        for lock in self.held.get(unit, ()):
            start, end = lock.span
            if lo <= end and hi >= start:
                return lock
        for year, half, dl in self.closed:
            start, end = (d.isoformat() for d in half_range(year, half))
            if lo <= end and hi >= start and (unit, year, half) not in self.excepted:
                return Lock(unit, year, half, OVERDUE, deadline=dl)
        return None


def locks_for(conn: sqlite3.Connection, actor: Actor, today: dt.date | None = None) -> Locks:
    today = today or dt.date.today()
    held: dict[str, list[Lock]] = {}
    for (unit, year, half), s in db.states(conn).items():
        if s["state"] == APPROVED or (s["state"] == SUBMITTED and actor.role != ADMIN):
            by = f"{s['name']}（{s['role']}）" if s.get("role") else s["name"]
            held.setdefault(unit, []).append(Lock(unit, year, half, s["state"], by, s["at"]))
    for locks in held.values():  # approved first: the stronger reason is the one named
        locks.sort(key=lambda lk: lk.why != APPROVED)
    closed = [] if actor.role == ADMIN else [(y, h, d) for (y, h), d in db.deadlines(conn).items() if today > d]
    return Locks(held, closed, set(db.open_exceptions(conn)) if closed else set())


def _norm(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return float(v)
    return str(v)


def _refusal(found: dict[Lock, list[str]], what: str) -> IndicatorsError:
    n = sum(len(rows) for rows in found.values())
    lines = [f"{what}：其中 {n} 行属于已锁定的期间，未作任何改动。"]
    for lock, rows in found.items():
        shown = "、".join(rows[:8]) + (f" 等共 {len(rows)} 行" if len(rows) > 8 else "")
        lines.append(f"· {lock.text()}。涉及：{shown}")
    return IndicatorsError("\n".join(lines))


def refuse_locked(conn: sqlite3.Connection, actor: Actor, records: dict[str, "pl.DataFrame"],
                  today: dt.date | None = None, what: str = "本文件未导入任何数据") -> None:
    """Refuse an import whole when it would add or change a row in a period locked for `actor`.

    Takes parsed records per ledger kind (imports.Parsed.records). A row identical to the stored
    one changes nothing and passes. Raises IndicatorsError naming the rows, the period and who
    approved (or the deadline); returns None when nothing locked would change.
    """
    import polars as pl  # the records are polars frames; the dashboards never load polars for the cycle

    locks = locks_for(conn, actor, today)
    if not locks:
        return
    found: dict[Lock, list[str]] = {}
    for kind, frame in records.items():
        ledger = LEDGERS[kind]
        pairs = frame.select("unit", pl.col("date").dt.to_string("%Y-%m-%d").alias("day")).unique()
        hits = {(u, d): lk for u, d in pairs.iter_rows() if (lk := locks.hit(u, d))}
        if not hits:
            continue
        others = [c.field for c in ledger.columns if c.field not in ledger.key]
        locked = pl.DataFrame({"unit": [u for u, _ in hits], "day": [d for _, d in hits]})
        rows = (frame.with_columns(pl.col("date").dt.to_string("%Y-%m-%d").alias("day"))
                .join(locked, on=["unit", "day"], how="semi"))  # only the rows in locked periods are compared
        for row in rows.iter_rows(named=True):
            lock = hits[(row["unit"], row["day"])]
            old = store.ledger_row(conn, kind, tuple(_norm(row[f]) for f in ledger.key))
            if old is not None and all(_norm(row[f]) == _norm(old[f]) for f in others):
                continue
            title = row.get("title") or ""
            where = f"工作表「{row['_sheet']}」第 {row['_row']} 行" if "_row" in row else ledger.name
            found.setdefault(lock, []).append(f"{where}（{row['date']:%Y-%m-%d} {title}）".replace(" ）", "）"))
    if found:
        raise _refusal(found, what)


def refuse_locked_undo(conn: sqlite3.Connection, actor: Actor, batch_id: int, today: dt.date | None = None) -> None:
    """Refuse an undo that would delete or restore a row in a period locked for `actor` (IndicatorsError)."""
    locks = locks_for(conn, actor, today)
    if not locks:
        return
    found: dict[Lock, list[str]] = {}
    for r in store.batch_rows(conn, batch_id):
        lock = locks.hit(r["unit"], r["date"])
        if lock:
            title = r["key"][3] if len(r["key"]) > 3 else ""
            found.setdefault(lock, []).append(f"{LEDGERS[r['kind']].name}（{r['date']} {title}）".replace(" ）", "）"))
    if found:
        raise _refusal(found, f"批次 {batch_id} 未撤销")


def refuse_locked_span(conn: sqlite3.Connection, actor: Actor, unit: str, lo: str, hi: str, what: str,
                       today: dt.date | None = None) -> None:
    """Refuse a change (e.g. evidence added or removed) to `unit`'s data dated in [lo, hi] that a lock covers."""
    lock = locks_for(conn, actor, today).hit(unit, lo, hi)
    if lock:
        raise IndicatorsError(f"{lock.text()}；{what}")
