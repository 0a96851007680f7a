"""Who has reported (报送情况): per unit and ledger, the last upload and the rows in the period,
and the reminder a leader pastes into the work group for the units still missing."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd

from . import store
from .config import Catalog, default_catalog
from .ledgers import LEDGERS
from .progress import Period

BOARD_COLUMNS = ["unit", "level", "kind", "ledger", "last_upload", "rows", "missing"]


def board(conn: sqlite3.Connection, per: Period, catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per unit and ledger kind: last upload (active batches), rows dated in the period, missing."""
    catalog = catalog or default_catalog()
    totals = store.measure_totals(conn, per.start, per.end)
    staff_rows = store.staff_rows_by_unit(conn, per.start, per.end)
    last: dict[tuple[str, str], str] = {}
    for b in store.batches(conn, include_undone=False):
        for unit in filter(None, b["units"].split(",")):
            for kind in filter(None, b["kinds"].split(",")):
                last.setdefault((unit, kind), b["created"][:10])  # batches come newest first
    rows = []
    for u in catalog.units:
        for kind, ledger in LEDGERS.items():
            n = staff_rows.get(u.name, 0) if kind == "staff" else int(totals.get((u.name, f"{kind}:n"), 0))
            rows.append({"unit": u.name, "level": u.level, "kind": kind, "ledger": ledger.name,
                         "last_upload": last.get((u.name, kind)), "rows": n, "missing": n == 0})
    return pd.DataFrame(rows, columns=BOARD_COLUMNS)


def missing_by_unit(frame: pd.DataFrame) -> dict[str, list[str]]:
    """{unit: [ledger names with no row in the period]}, units in configuration order."""
    out: dict[str, list[str]] = {}
    for r in frame[frame.missing].itertuples():
        out.setdefault(r.unit, []).append(r.ledger)
    return out


def reminder_text(frame: pd.DataFrame, per: Period, deadline: dt.date, today: dt.date | None = None,
                  sender: str = "市国动办法规科") -> str:
    """The notice naming units and ledgers missing and the deadline, in the form such notices take."""
    today = today or dt.date.today()
    missing = missing_by_unit(frame)
    head = f"【提醒】关于报送{per.label}法治建设工作台账的通知"
    if not missing:
        return f"{head}\n\n截至{today.year}年{today.month}月{today.day}日，各单位{per.label}台账均已报送，感谢大家的支持！\n\n{sender}"
    lines = [head, "", "各县（市、区）、功能区国动办（人防办）：", "",
             f"截至{today.year}年{today.month}月{today.day}日，以下单位尚未报送{per.label}台账：", ""]
    for i, (unit, ledgers) in enumerate(missing.items(), 1):
        lines.append(f"{i}. {unit}：{'、'.join(ledgers)}")
    lines += ["", f"请上述单位于{deadline.year}年{deadline.month}月{deadline.day}日前，通过“法治建设指标看板”数据填报页面"
              "上传台账（模板可在该页面下载）。逾期未报送的，将在法治建设督导平台中如实反映。", "",
              f"{sender}", f"{today.year}年{today.month}月{today.day}日"]
    return "\n".join(lines)
