"""Database access for the pages: one connection per browser session, cached loaders.

Every cached loader is keyed by the database (path or URL) and the data version (plus the year's
target edits), so any import, undo or target change shows at once; all results are small aggregates,
kept with st.cache_data (PERF-NOTES: a cache hit on a small frame costs next to nothing). The data
version is read from the database at every run, so with several app servers on one PostgreSQL a page
on server B shows an import made through server A at its next rerun.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from indicators import annotate, demo, exports, progress, reporting, store, templates, views

_CONNECTIONS = "_db_connections"


@dataclass(frozen=True)
class Source:
    """The database this run reads: its connection, path and data version."""

    conn: store.Connection
    path: str
    version: str


def source() -> Source:
    """This session's connection to the configured database (opened once per session and path)."""
    target = store.db_target()
    path = target if store.is_postgres(target) else str(Path(target).resolve())
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
        demo.load_demo(src.conn)
    return True


def load_demo() -> None:
    """Button callback: load the demo data into this session's database."""
    demo.load_demo(source().conn)


def _targets_key(conn: store.Connection, year: int) -> str:
    return repr(sorted((k, tuple(sorted(v.items()))) for k, v in store.target_overrides(conn, year).items()))


@st.cache_data(show_spinner=False, max_entries=64)
def _progress(_conn, path: str, version: str, targets: str, year: int, as_of: dt.date, label: str) -> pd.DataFrame:
    return progress.compute(_conn, progress.Period(year, as_of, label))


def progress_frame(src: Source, per: progress.Period) -> pd.DataFrame:
    """progress.compute for every unit (with the 全市 roll-up) in the period."""
    return _progress(src.conn, src.path, src.version, _targets_key(src.conn, per.year), per.year, per.as_of, per.label)


@st.cache_data(show_spinner=False, max_entries=32)
def _monthly(_conn, path: str, version: str, year: int, as_of: dt.date, label: str) -> pd.DataFrame:
    return views.monthly_measures(_conn, progress.Period(year, as_of, label))


def monthly(src: Source, per: progress.Period) -> pd.DataFrame:
    """Every unit's measures per month of the period (views.monthly_measures)."""
    return _monthly(src.conn, src.path, src.version, per.year, per.as_of, per.label)


@st.cache_data(show_spinner=False, max_entries=64)
def _totals(_conn, path: str, version: str, start: dt.date, end: dt.date) -> dict:
    return store.measure_totals(_conn, start, end)


def totals(src: Source, start: dt.date, end: dt.date) -> dict:
    """{(unit, measure): total} over [start, end]."""
    return _totals(src.conn, src.path, src.version, start, end)


@st.cache_data(show_spinner=False, max_entries=64)
def _snapshots(_conn, path: str, version: str, start: dt.date, end: dt.date) -> dict:
    return store.latest_snapshots(_conn, start, end)


def snapshots(src: Source, start: dt.date, end: dt.date) -> dict:
    """Each unit's latest 执法人员统计表 row in [start, end]."""
    return _snapshots(src.conn, src.path, src.version, start, end)


@st.cache_data(show_spinner=False, max_entries=16)
def _years(_conn, path: str, version: str) -> list[int]:
    return views.data_years(_conn)


def data_years(src: Source) -> list[int]:
    return _years(src.conn, src.path, src.version)


@st.cache_data(show_spinner=False, max_entries=16)
def _demo(_conn, path: str, version: str) -> tuple[bool, bool]:
    return store.has_data(_conn), store.showing_demo(_conn)


def data_state(src: Source) -> tuple[bool, bool]:
    """(has any active import, shows demo data)."""
    return _demo(src.conn, src.path, src.version)


@st.cache_data(show_spinner=False, max_entries=40)
def template(kind: str, unit: str | None) -> bytes:
    """A template workbook (templates.template_bytes), built once per kind and unit."""
    return templates.template_bytes(kind, unit)


def annotated(parsed) -> bytes:
    """The refused file with its problems marked, built once per file (kept in the session)."""
    cache = st.session_state.setdefault("_annotated", {})
    if parsed.checksum not in cache:
        cache[parsed.checksum] = annotate.annotate(parsed)
    return cache[parsed.checksum]


@st.cache_data(show_spinner=False, max_entries=32)
def _board(_conn, path: str, version: str, year: int, as_of: dt.date, label: str):
    return reporting.board(_conn, progress.Period(year, as_of, label))


def reporting_board(src: Source, per: progress.Period):
    """Who has reported what in the period (reporting.board)."""
    return _board(src.conn, src.path, src.version, per.year, per.as_of, per.label)


def export_key(sel) -> tuple:
    """What an export depends on: database, data version, period and unit."""
    return (sel.src.path, sel.src.version, sel.period.year, sel.period.as_of, sel.unit)


def export(sel, fmt: str) -> bytes:
    """One export (exports.build) for the sidebar's period and unit."""
    return exports.build(fmt, sel.src.conn, sel.period, sel.unit)


@st.cache_data(show_spinner=False, max_entries=32)
def _draft(_conn, path: str, version: str, targets: str, year: int, as_of: dt.date, label: str, unit: str | None) -> str:
    return exports.draft_text(_conn, progress.Period(year, as_of, label), unit)


def draft(sel) -> str:
    """The drafted text shown for copying (the same as the .docx)."""
    per = sel.period
    return _draft(sel.src.conn, sel.src.path, sel.src.version, _targets_key(sel.src.conn, per.year), per.year,
                  per.as_of, per.label, sel.unit)


def stamp_date(sel) -> str:
    """数据截至 as the exports print it: the period's end, never later than today."""
    d = min(sel.period.as_of, dt.date.today())
    return f"{d.year}年{d.month}月{d.day}日"
