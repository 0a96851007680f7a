"""Database access for the pages: connections from one pool per process, cached loaders.

A run of the script borrows a connection from the process's pool for its duration (shell.run_app) and
gives it back at its end, so that an idle browser session holds none: hundreds of open sessions need
only as many connections as scripts run at the same moment (INDICATORS_POOL_SIZE). When every one is in
use a run waits up to INDICATORS_POOL_WAIT_SECONDS, then says in Chinese that the dashboard is busy.

Every cached loader is keyed by the database (path or URL) and the data version (plus the year's
target edits), so any import, undo or target change shows at once; all results are small aggregates,
kept with st.cache_data, except the frames every dashboard page starts from (progress, months, 报送情况):
those are kept by ui/memo.loader, whose hits are shared frames known by their key rather than unpickled
copies the page's shared charts and views would fingerprint again. The data
version is read from the database at every run, so with several app servers on one PostgreSQL a page
on server B shows an import made through server A at its next rerun.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from indicators import chinese, cycle, progress, reporting, roles, store, views
# demo, exports and templates (python-pptx, python-docx, openpyxl: a second of start-up) are imported by the
# functions that use them, so that a leader's first page does not wait for them
from indicators.config import default_catalog
from indicators.problems import IndicatorsError
from indicators.store.connection import rollback
from ui import memo

_CONNECTIONS = "_db_connections"
_SCOPE = "_unit_scope"
HIDDEN_KEY = "_hidden_units"  # set by the shell each run: units a leader does not see (cycle.hidden_units)


def _hidden() -> tuple[str, ...]:
    return st.session_state.get(HIDDEN_KEY, ())


def _catalog(hidden: tuple[str, ...]):
    return cycle.restrict(default_catalog(), list(hidden))


def _export_catalog(hidden: tuple[str, ...]):
    """The catalog an export covers; an export of no unit at all is refused with the reason."""
    catalog = _catalog(hidden)
    if not catalog.units:
        raise IndicatorsError("本期还没有通过审核的单位：只看已审核数据时，暂无可生成的汇报材料")
    return catalog


@dataclass(frozen=True)
class Source:
    """The database this run reads: its connection, path and data version."""

    conn: store.Connection
    path: str
    version: str


POOL_ENV, POOL_WAIT_ENV = "INDICATORS_POOL_SIZE", "INDICATORS_POOL_WAIT_SECONDS"
SETTINGS = {
    POOL_ENV: "每个应用服务器进程最多同时打开的数据库连接数（默认 8）：同一时刻运行的页面脚本各借用一个，用完即还；"
              "PostgreSQL 的 max_connections 须大于各服务器此值之和",
    POOL_WAIT_ENV: "连接全部占用时，一次页面刷新最多等待的秒数（默认 15），超时则提示稍后再试",
}


def _setting(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


class Busy(IndicatorsError):
    """Every connection of the pool stayed in use for the whole wait."""


class Pool:
    """A bounded set of connections to one database, shared by the sessions of this process."""

    def __init__(self, path: str, size: int):
        self.path, self.size = path, max(1, size)
        self._idle: list[store.Connection] = []
        self._open = 0
        self._cond = threading.Condition()

    def borrow(self, wait: float) -> store.Connection:
        deadline = time.monotonic() + wait
        with self._cond:
            while not self._idle and self._open >= self.size:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Busy(f"当前同时打开看板的人较多（{self.size} 个数据库连接都在使用中），请稍候几秒再刷新页面。")
                self._cond.wait(left)
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return store.connect(self.path)
        except BaseException:
            self._forget()
            raise

    def give_back(self, conn: store.Connection) -> None:
        try:
            rollback(conn)  # a run stopped inside a transaction (st.stop, an error) leaves none open
        except Exception:  # noqa: BLE001 - a connection that cannot even roll back is dropped, not reused
            self.discard(conn)
            return
        with self._cond:
            self._idle.append(conn)
            self._cond.notify()

    def discard(self, conn: store.Connection) -> None:
        with contextlib.suppress(Exception):
            conn.close()
        self._forget()

    def _forget(self) -> None:
        with self._cond:
            self._open -= 1
            self._cond.notify()

    @property
    def in_use(self) -> int:
        with self._cond:
            return self._open - len(self._idle)


_POOLS: dict[str, Pool] = {}
_POOLS_LOCK = threading.Lock()
_RUN = threading.local()  # the connection the script run on this thread has borrowed


def _path() -> str:
    target = store.db_target()
    return target if store.is_postgres(target) else str(Path(target).resolve())


def pool(path: str | None = None) -> Pool:
    """The process's pool for the configured database (made on first use, sized by INDICATORS_POOL_SIZE)."""
    path = path or _path()
    with _POOLS_LOCK:
        if path not in _POOLS:
            _POOLS[path] = Pool(path, int(_setting(POOL_ENV, 8)))
        return _POOLS[path]


@contextlib.contextmanager
def borrowed():
    """The script run (or callback) on this thread takes its connection from the pool at its first
    `source()` and gives it back when it ends, however it ends (st.stop, st.rerun, an error)."""
    if getattr(_RUN, "active", False):  # nested: the run's own
        yield
        return
    _RUN.active, _RUN.conn = True, None
    try:
        yield
    finally:
        conn, _RUN.active, _RUN.conn = _RUN.conn, False, None
        if conn is not None:
            pool().give_back(conn)


def _run_connection() -> store.Connection:
    if _RUN.conn is None:
        p = pool()
        conn = p.borrow(_setting(POOL_WAIT_ENV, 15))
        try:
            store.data_version(conn)  # a connection the server dropped (restart, failover) is replaced, once
        except store.Error:
            p.discard(conn)
            conn = p.borrow(_setting(POOL_WAIT_ENV, 15))
        _RUN.conn = conn
    return _RUN.conn


def source() -> Source:
    """This run's connection to the configured database, with its path and data version.

    Inside a run (shell.run_app) it is the connection the run borrowed from the pool; a page file run on
    its own (AppTest without app.py) keeps one for its session, as before the pool.
    """
    path = _path()
    if getattr(_RUN, "active", False):
        conn = _run_connection()
    else:
        conns = st.session_state.setdefault(_CONNECTIONS, {})
        if path not in conns:
            conns[path] = store.connect(path)
        conn = conns[path]
    return Source(conn, path, store.data_version(conn))


def load_demo_if_new(src: Source) -> bool:
    """A database that has never had an import gets the demo data; True when it was loaded."""
    if store.batches(src.conn):
        return False
    with st.spinner("首次启动：正在载入示例数据……"):
        from indicators import demo
        demo.load_demo(src.conn)
    return True


def load_demo(actor: roles.Actor, client: str | None = None) -> None:
    """Load the demo data into this session's database as `actor` (refused in the core unless an administrator)."""
    with borrowed():
        from indicators import demo
        demo.load_demo(source().conn, actor=actor, client=client)


def _targets_key(conn: store.Connection, year: int) -> str:
    return repr(sorted((k, tuple(sorted(v.items()))) for k, v in store.target_overrides(conn, year).items()))


def set_unit_scope(actor: roles.Actor, clerks_see_all: bool) -> None:
    """A clerk sees only their own unit's figures when the setting says so (accounts.CLERKS_SEE_ALL_UNITS)."""
    st.session_state[_SCOPE] = actor.unit if actor.role == roles.CLERK and not clerks_see_all else None


def unit_scope() -> str | None:
    """The one unit whose figures this session may see, or None for every unit."""
    return st.session_state.get(_SCOPE)


def _in_scope(frame: pd.DataFrame) -> pd.DataFrame:
    scope = unit_scope()
    return frame if scope is None else frame[frame.unit.isin([scope, progress.CITY_WIDE])].reset_index(drop=True)


def _keys_in_scope(mapping: dict) -> dict:
    scope = unit_scope()
    if scope is None:
        return mapping
    return {k: v for k, v in mapping.items() if (k[0] if isinstance(k, tuple) else k) == scope}


@memo.loader(max_entries=64)
def _progress(_conn, path: str, version: str, targets: str, year: int, as_of: dt.date, label: str,
              hidden: tuple[str, ...] = ()) -> pd.DataFrame:
    return progress.compute(_conn, progress.Period(year, as_of, label), catalog=_catalog(hidden))


def progress_frame(src: Source, per: progress.Period) -> pd.DataFrame:
    """progress.compute for every unit (with the 全市 roll-up) in the period, without the units hidden from a
    leader, and only the units a clerk may see where the setting says so."""
    return _in_scope(_progress(src.conn, src.path, src.version, _targets_key(src.conn, per.year), per.year, per.as_of,
                               per.label, _hidden()))


@memo.loader(max_entries=32)
def _monthly(_conn, path: str, version: str, year: int, as_of: dt.date, label: str,
             hidden: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = views.monthly_measures(_conn, progress.Period(year, as_of, label))
    return frame[~frame.unit.isin(hidden)].reset_index(drop=True) if hidden else frame


def monthly(src: Source, per: progress.Period) -> pd.DataFrame:
    """Every unit's measures per month of the period (views.monthly_measures)."""
    return _in_scope(_monthly(src.conn, src.path, src.version, per.year, per.as_of, per.label, _hidden()))


@st.cache_data(show_spinner=False, max_entries=64)
def _totals(_conn, path: str, version: str, start: dt.date, end: dt.date, hidden: tuple[str, ...] = ()) -> dict:
    return {k: v for k, v in store.measure_totals(_conn, start, end).items() if k[0] not in hidden}


def totals(src: Source, start: dt.date, end: dt.date) -> dict:
    """{(unit, measure): total} over [start, end]."""
    return _keys_in_scope(_totals(src.conn, src.path, src.version, start, end, _hidden()))


@st.cache_data(show_spinner=False, max_entries=64)
def _snapshots(_conn, path: str, version: str, start: dt.date, end: dt.date, hidden: tuple[str, ...] = ()) -> dict:
    return {u: r for u, r in store.latest_snapshots(_conn, start, end).items() if u not in hidden}


def snapshots(src: Source, start: dt.date, end: dt.date) -> dict:
    """Each unit's latest 执法人员统计表 row in [start, end]."""
    return _keys_in_scope(_snapshots(src.conn, src.path, src.version, start, end, _hidden()))


@st.cache_data(show_spinner=False, max_entries=16)
def _years(_conn, path: str, version: str) -> list[int]:
    return views.data_years(_conn)


def data_years(src: Source) -> list[int]:
    return _years(src.conn, src.path, src.version)


@st.cache_data(show_spinner=False, max_entries=16)
def _default_year(_conn, path: str, version: str, today: dt.date) -> int:
    return views.default_year(_conn, today)


def default_year(src: Source) -> int:
    """The year a session opens on (views.default_year)."""
    return _default_year(src.conn, src.path, src.version, dt.date.today())


@st.cache_data(show_spinner=False, max_entries=32)
def _reported(_conn, path: str, version: str, start: dt.date, end: dt.date) -> str:
    return views.reported_text(views.units_reported(_conn, start, end))


@st.cache_data(show_spinner=False, max_entries=32)
def _missing(_conn, path: str, version: str, start: dt.date, end: dt.date) -> list[str]:
    reported = views.units_reported(_conn, start, end)
    return [u for u in default_catalog().unit_names if u not in reported]


def units_missing(src: Source, per: progress.Period) -> list[str]:
    """Units with no ledger row at all in the period, in the configured order."""
    return _missing(src.conn, src.path, src.version, per.start, per.end)


def reported_text(src: Source, per: progress.Period) -> str:
    """已报送 3/16 个单位 while not all units have data in the period, else ''."""
    return _reported(src.conn, src.path, src.version, per.start, per.end)


@st.cache_data(show_spinner=False, max_entries=16)
def _demo(_conn, path: str, version: str) -> tuple[bool, bool]:
    return store.has_data(_conn), store.showing_demo(_conn)


def data_state(src: Source) -> tuple[bool, bool]:
    """(has any active import, shows demo data)."""
    return _demo(src.conn, src.path, src.version)


@st.cache_data(show_spinner=False, max_entries=40)
def template(kind: str, unit: str | None) -> bytes:
    """A template workbook (templates.template_bytes), built once per kind and unit."""
    from indicators import templates
    return templates.template_bytes(kind, unit)


@memo.loader(max_entries=32)
def _board(_conn, path: str, version: str, year: int, as_of: dt.date, label: str):
    return reporting.board(_conn, progress.Period(year, as_of, label))


def reporting_board(src: Source, per: progress.Period):
    """Who has reported what in the period (reporting.board)."""
    return _in_scope(_board(src.conn, src.path, src.version, per.year, per.as_of, per.label))


def export_key(sel) -> tuple:
    """What an export depends on: database, data version, review state, period and unit."""
    return (sel.src.path, sel.src.version, sel.review, sel.hidden, sel.period.year, sel.period.as_of, sel.unit)


def _figures(sel):
    """The export's figures without the units hidden from a leader (None: exports compute them as usual)."""
    from indicators import exports
    return exports.gather(sel.src.conn, sel.period, sel.unit, catalog=_export_catalog(sel.hidden)) if sel.hidden else None


def export(sel, fmt: str, draft: str = "全市") -> bytes:
    """One export (exports.build) for the sidebar's period and unit; `draft` = the report's version
    for the city (全市 汇总 / 本级 报告)."""
    from indicators import exports
    if fmt == "evidence":
        return exports.build_evidence_zip(sel.src.conn, sel.period, sel.unit, actor=st.session_state.get("actor"))
    return exports.build(fmt, sel.src.conn, sel.period, sel.unit, figures=_figures(sel), version=draft)


@st.cache_data(show_spinner=False, max_entries=32)
def _draft(_conn, path: str, version: str, targets: str, year: int, as_of: dt.date, label: str, unit: str | None,
           review: str = "", hidden: tuple[str, ...] = (), draft: str = "全市") -> str:
    from indicators import exports
    per = progress.Period(year, as_of, label)
    figures = exports.gather(_conn, per, unit, catalog=_export_catalog(hidden)) if hidden else None
    return exports.draft_text(_conn, per, unit, figures=figures, version=draft)


def draft(sel, version: str = "全市") -> str:
    """The drafted text shown for copying (the same as the .docx)."""
    per = sel.period
    return _draft(sel.src.conn, sel.src.path, sel.src.version, _targets_key(sel.src.conn, per.year), per.year,
                  per.as_of, per.label, sel.unit, sel.review, sel.hidden, version)


def stamp_date(sel) -> str:
    """数据截至 as the exports print it: the period's end, never later than today."""
    return chinese.date(min(sel.period.as_of, dt.date.today()))
