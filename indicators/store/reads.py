"""Reads for progress, pages and exports: aggregate totals, staff snapshots, ledger rows."""
from __future__ import annotations

import datetime as dt
import sqlite3

from ..ledgers import LEDGERS


def measure_totals(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[tuple[str, str], float]:
    """{(unit, measure): total} over [start, end], from whole months plus the days at either edge."""
    first_full = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after = end + dt.timedelta(days=1)
    last_full_end = after.replace(day=1) - dt.timedelta(days=1) if after.day != 1 else end
    out: dict[tuple[str, str], float] = {}
    if first_full <= last_full_end:
        rows = conn.execute("SELECT unit, measure, SUM(value) FROM agg_month WHERE month BETWEEN ? AND ? GROUP BY unit, measure",
                            (first_full.isoformat()[:7], last_full_end.isoformat()[:7]))
        for u, m, v in rows:
            out[(u, m)] = out.get((u, m), 0) + v
        ranges = [(start, first_full - dt.timedelta(days=1)), (last_full_end + dt.timedelta(days=1), end)]
    else:
        ranges = [(start, end)]
    for lo, hi in ranges:
        if lo > hi:
            continue
        for u, m, v in conn.execute("SELECT unit, measure, SUM(value) FROM agg_day WHERE date BETWEEN ? AND ? "
                                    "GROUP BY unit, measure", (lo.isoformat(), hi.isoformat())):
            out[(u, m)] = out.get((u, m), 0) + v
    return out


def latest_snapshots(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[str, dict]:
    """Each unit's latest 执法人员统计表 row dated inside [start, end]."""
    rows = conn.execute("SELECT s.* FROM staff s JOIN (SELECT unit, MAX(date) AS date FROM staff WHERE date BETWEEN ? AND ? "
                        "GROUP BY unit) l USING (unit, date)", (start.isoformat(), end.isoformat()))
    return {r["unit"]: dict(r) for r in rows}


def staff_rows_by_unit(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[str, int]:
    """统计表 rows dated in [start, end], per unit."""
    return dict(conn.execute("SELECT unit, COUNT(*) FROM staff WHERE date BETWEEN ? AND ? GROUP BY unit",
                             (start.isoformat(), end.isoformat())).fetchall())


def ledger_frame(conn: sqlite3.Connection, kind: str, start: dt.date, end: dt.date, unit: str | None = None,
                 limit: int | None = None) -> list[dict]:
    """Ledger rows of one kind in a period (for pages and exports; bounded by `limit`)."""
    sql = f"SELECT * FROM {kind} WHERE date BETWEEN ? AND ?" + (" AND unit = ?" if unit else "") + " ORDER BY date, unit"
    if limit:
        sql += f" LIMIT {int(limit)}"
    args = (start.isoformat(), end.isoformat()) + ((unit,) if unit else ())
    return [dict(r) for r in conn.execute(sql, args)]


def ledger_row(conn: sqlite3.Connection, kind: str, key: tuple) -> dict | None:
    """One ledger row by its key (unit, date, ...), or None."""
    ledger = LEDGERS[kind]
    where = " AND ".join(f"{f} = ?" for f in ledger.key)
    row = conn.execute(f"SELECT * FROM {kind} WHERE {where}", tuple(key)).fetchone()
    return dict(row) if row else None


def batch_years(conn: sqlite3.Connection, kind: str, batch_id: int) -> list[int]:
    """The years of the rows of one ledger that a batch added or last updated."""
    rows = conn.execute(f"SELECT DISTINCT substr(date, 1, 4) FROM {kind} WHERE batch_id = ? OR created_batch = ?",
                        (batch_id, batch_id)).fetchall()
    return sorted(int(y) for (y,) in rows)


def batch_wrote(conn: sqlite3.Connection, kind: str, unit: str, batch_id: int, start: dt.date | None = None,
                end: dt.date | None = None) -> bool:
    """Whether a stored row of `unit` in one ledger (dated in [start, end] when given) was last written by
    `batch_id`; read along the ledger's key (unit, date, ...) and stopped at the first such row."""
    sql, args = f"SELECT 1 FROM {kind} WHERE unit = ? AND batch_id = ?", [unit, batch_id]
    if start and end:
        sql += " AND date BETWEEN ? AND ?"
        args += [start.isoformat(), end.isoformat()]
    return conn.execute(sql + " LIMIT 1", args).fetchone() is not None


def count_unit_rows(conn: sqlite3.Connection, kind: str, unit: str, start: dt.date, end: dt.date) -> int:
    """How many stored rows of `unit` in one ledger are dated in [start, end]."""
    return conn.execute(f"SELECT COUNT(*) FROM {kind} WHERE unit = ? AND date BETWEEN ? AND ?",
                        (unit, start.isoformat(), end.isoformat())).fetchone()[0]


def unit_rows(conn: sqlite3.Connection, kind: str, unit: str, start: dt.date, end: dt.date, limit: int,
              offset: int = 0) -> list[dict]:
    """One unit's stored rows of one ledger dated in [start, end], by date, with the batch that last wrote
    each (`batch_file`, `batch_created`), one page of `limit` rows from `offset`."""
    sql = (f"SELECT t.*, b.file_name AS batch_file, b.created AS batch_created FROM {kind} t "
           f"LEFT JOIN batch b ON b.id = t.batch_id WHERE t.unit = ? AND t.date BETWEEN ? AND ? "
           f"ORDER BY t.date, t.batch_id LIMIT {int(limit)} OFFSET {int(offset)}")
    return [dict(r) for r in conn.execute(sql, (unit, start.isoformat(), end.isoformat()))]
