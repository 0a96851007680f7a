"""The measures kept per unit x measure x day and month, refreshed for the rows an import or undo touched.

Progress reads these, never the ledgers, so its cost does not grow with the data.
"""
from __future__ import annotations

import sqlite3

from ..ledgers import CHOICE, INT, NUMBER, Ledger


def _choice_fields(ledger: Ledger) -> list[str]:
    return [c.field for c in ledger.columns if c.type == CHOICE]


def _sum_fields(ledger: Ledger) -> list[str]:
    return [c.field for c in ledger.columns if c.type in (INT, NUMBER)]


def measures_sql(ledger: Ledger) -> str:
    """The measures of one ledger kind, from temp table `grouped` (rows counted per unit, day and
    choice values): row count, count per choice value, sum per number column.

    Measure names: '<kind>:n', '<kind>:n:<field>=<value>', '<kind>:sum:<field>' (progress.measure_name).
    """
    k = ledger.kind
    parts = [f"SELECT unit, date, '{k}:n', SUM(n) FROM grouped GROUP BY unit, date"]
    for f in _choice_fields(ledger):
        parts.append(f"SELECT unit, date, '{k}:n:{f}=' || {f}, SUM(n) FROM grouped WHERE {f} IS NOT NULL "
                     f"GROUP BY unit, date, {f}")
    for f in _sum_fields(ledger):
        parts.append(f"SELECT unit, date, '{k}:sum:{f}', SUM(s_{f}) FROM grouped GROUP BY unit, date")
    return " UNION ALL ".join(parts)


def refresh_aggregates(conn: sqlite3.Connection, ledger: Ledger) -> None:
    """Recompute the aggregates of the (unit, date) pairs in temp table `touched`.

    One scan of the touched ledger rows (in primary-key order) into a small grouped table, then the
    measures from that; the cost follows the rows touched, not the size of the ledger.
    """
    if ledger.kind == "staff":
        return  # snapshots are read directly: one row per unit and date
    k = ledger.kind
    lo, hi = f"{k}:", f"{k};"
    choices, sums = _choice_fields(ledger), _sum_fields(ledger)
    conn.execute("DROP TABLE IF EXISTS temp.grouped")
    conn.execute(f"CREATE TEMP TABLE grouped AS SELECT t.unit, t.date, {''.join(f't.{f}, ' for f in choices)}COUNT(*) AS n"
                 f"{''.join(f', TOTAL(t.{f}) AS s_{f}' for f in sums)} FROM touched JOIN {k} t USING (unit, date) "
                 f"GROUP BY t.unit, t.date{''.join(f', t.{f}' for f in choices)}")
    conn.execute("DELETE FROM agg_day WHERE (date, unit) IN (SELECT date, unit FROM touched) "
                 "AND measure >= ? AND measure < ?", (lo, hi))
    # in primary-key order, so the B-tree is appended to rather than split at random
    conn.execute(f"INSERT INTO agg_day (unit, date, measure, value) SELECT * FROM ({measures_sql(ledger)}) ORDER BY 2, 1, 3")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched_month (unit TEXT, month TEXT, PRIMARY KEY (month, unit))")
    conn.execute("DELETE FROM touched_month")
    conn.execute("INSERT OR IGNORE INTO touched_month SELECT unit, substr(date, 1, 7) FROM touched")
    conn.execute("DELETE FROM agg_month WHERE (month, unit) IN (SELECT month, unit FROM touched_month) "
                 "AND measure >= ? AND measure < ?", (lo, hi))
    # one pass over the touched date range, not one per month
    conn.execute("INSERT INTO agg_month (month, unit, measure, value) "
                 "SELECT substr(a.date, 1, 7) AS month, a.unit, a.measure, SUM(a.value) FROM agg_day a "
                 "WHERE a.date BETWEEN (SELECT MIN(month) FROM touched_month) || '-01' "
                 "AND (SELECT MAX(month) FROM touched_month) || '-31' "
                 "AND (substr(a.date, 1, 7), a.unit) IN (SELECT month, unit FROM touched_month) "
                 "AND a.measure >= ? AND a.measure < ? GROUP BY 1, 2, 3", (lo, hi))


def reset_touched(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (unit TEXT, date TEXT, PRIMARY KEY (unit, date))")
    conn.execute("DELETE FROM touched")


