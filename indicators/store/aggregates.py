"""The measures kept per unit x measure x day and month, refreshed for the rows an import or undo touched.

Progress reads these, never the ledgers, so its cost does not grow with the data.
"""
from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from .dialect import stage_order
from ..ledgers import CHOICE, INT, NUMBER, Ledger

if TYPE_CHECKING:  # polars is imported by the functions that use it: undo and reads do not need it
    import polars as pl

_EPS = 1e-9  # an aggregate closer to zero than this is zero (float sums that cancel out)


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
    conn.execute("DROP TABLE IF EXISTS grouped")
    conn.execute(f"CREATE TEMP TABLE grouped AS SELECT t.unit, t.date, {''.join(f't.{f}, ' for f in choices)}COUNT(*) AS n"
                 f"{''.join(f', COALESCE(SUM(t.{f}), 0) AS s_{f}' for f in sums)} FROM touched JOIN {k} t USING (unit, date) "
                 f"GROUP BY t.unit, t.date{''.join(f', t.{f}' for f in choices)}")
    conn.execute("DELETE FROM agg_day WHERE (date, unit) IN (SELECT date, unit FROM touched) "
                 "AND measure >= ? AND measure < ?", (lo, hi))
    # in primary-key order, so the B-tree is appended to rather than split at random
    conn.execute(f"INSERT INTO agg_day (unit, date, measure, value) SELECT * FROM ({measures_sql(ledger)}) AS m ORDER BY 2, 1, 3")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched_month (unit TEXT, month TEXT, PRIMARY KEY (month, unit))")
    conn.execute("DELETE FROM touched_month")
    # WHERE true: SQLite reads an ON after FROM as a join's unless the SELECT has a WHERE
    conn.execute("INSERT INTO touched_month SELECT unit, substr(date, 1, 7) FROM touched WHERE true ON CONFLICT DO NOTHING")
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


def _grouped_frame(ledger: Ledger, frame: pl.DataFrame) -> pl.DataFrame:
    """Incoming ledger rows grouped like `grouped`: unit, date, choice fields, n, s_<field>."""
    import polars as pl

    return frame.group_by("unit", "date", *_choice_fields(ledger)).agg(
        pl.len().cast(pl.Int64).alias("n"), *[pl.col(f).cast(pl.Float64).sum().alias(f"s_{f}") for f in _sum_fields(ledger)])


def _old_grouped(conn: sqlite3.Connection, ledger: Ledger, matched_sql: str) -> pl.DataFrame:
    """The stored rows an import overwrites, grouped like `grouped` with negative counts and sums."""
    import polars as pl

    choices, sums = _choice_fields(ledger), _sum_fields(ledger)
    cols = ["unit", "date", *choices]
    sql = (f"SELECT {', '.join(f'm.{c}' for c in cols)}, -COUNT(*){''.join(f', -COALESCE(SUM(m.{f}), 0)' for f in sums)} "
           f"{matched_sql} GROUP BY {', '.join(f'm.{c}' for c in cols)}")
    schema = {c: pl.String for c in cols} | {"n": pl.Int64} | {f"s_{f}": pl.Float64 for f in sums}
    return pl.DataFrame(conn.execute(sql).fetchall(), schema=schema, orient="row")


def _measures(ledger: Ledger, grouped: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(day, month) frames of date|month, unit, measure, value from a `grouped` frame (dates as dates or
    as ISO text; text out): the measures measures_sql names, summed, zeros left out, in primary-key
    order (B-tree appends). Eager: one lazy plan run with collect_all held ~25 MB more at the peak."""
    import polars as pl

    k = ledger.kind
    key = ["date", "unit"]
    parts = [grouped.group_by(key).agg(pl.lit(f"{k}:n").alias("measure"), pl.col("n").sum().cast(pl.Float64).alias("value"))]
    for f in _choice_fields(ledger):
        parts.append(grouped.filter(pl.col(f).is_not_null()).group_by(*key, f).agg(pl.col("n").sum().cast(pl.Float64).alias("value"))
                     .select(*key, pl.concat_str(pl.lit(f"{k}:n:{f}="), pl.col(f)).alias("measure"), "value"))
    for f in _sum_fields(ledger):
        parts.append(grouped.group_by(key).agg(pl.lit(f"{k}:sum:{f}").alias("measure"), pl.col(f"s_{f}").sum().alias("value")))
    # each part holds other measures, so (date, unit, measure) is unique without another group_by
    day = pl.concat([p.select(*key, "measure", "value") for p in parts]).filter(pl.col("value").abs() > _EPS)
    dates = grouped.schema["date"] == pl.Date  # ISO text sorts as the dates do
    month_of = pl.col("date").dt.to_string("%Y-%m") if dates else pl.col("date").str.slice(0, 7)
    month = (day.group_by(month_of.alias("month"), "unit", "measure").agg(pl.col("value").sum())
             .filter(pl.col("value").abs() > _EPS))
    day = day.sort(key[0], "unit", "measure")
    if dates:
        day = day.with_columns(pl.col("date").dt.to_string("%Y-%m-%d"))
    return day, month.sort("month", "unit", "measure")


def aggregate_frames(ledger: Ledger, incoming: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """{"day": ..., "month": ...}: what an import's rows add to the aggregates (nothing for staff).

    `incoming` holds the ledger fields (other columns are left alone), dates as dates or as ISO text.
    Computed in polars before the transaction; `add_to_aggregates` adds them inside it."""
    if ledger.kind == "staff":
        return {}
    day, month = _measures(ledger, _grouped_frame(ledger, incoming))
    return {"day": day, "month": month}


def add_to_aggregates(conn: sqlite3.Connection, ledger: Ledger, staged: dict[str, str], matched_sql: str | None = None,
                      *, new_days: bool = False, days: bool = True) -> None:
    """Add an import's rows to the day and month aggregates, less the stored rows they overwrite.

    `staged` names the tables holding `aggregate_frames` ({"day": "stage.day_training", ...});
    `matched_sql` is the FROM/JOIN clause (alias `m` for the stored rows) that finds the stored rows
    with the same identities, or None when there are none. Counts and sums are additive, so the
    cost follows the rows imported, not the rows already stored for the same days: an import into a
    full database costs what one into an empty database does. Undo recomputes instead
    (`refresh_aggregates`); both give the same values (tests/test_aggregates_exact.py).

    `new_days`: the ledger holds no row of the file's units on the file's days, so agg_day holds none
    either (it follows the rows) and takes a plain INSERT; a month may still hold other days.
    `days=False`: agg_day is done already (PostgreSQL copies the day aggregates of new days into it).
    """
    if ledger.kind == "staff":
        return
    for table, first in (("agg_day", "date"), ("agg_month", "month")):
        if table == "agg_day" and not days:
            continue
        add = "" if table == "agg_day" and new_days else \
            f" ON CONFLICT ({first}, unit, measure) DO UPDATE SET value = {table}.value + excluded.value"
        # staged in primary-key order, so the B-tree is appended to rather than split at random
        conn.execute(f"INSERT INTO {table} ({first}, unit, measure, value) SELECT {first}, unit, measure, value "
                     f"FROM {staged['day' if first == 'date' else 'month']} {stage_order(conn)}{add}")
    if not matched_sql:
        return
    for (table, first), frame in zip((("agg_day", "date"), ("agg_month", "month")),
                                     _measures(ledger, _old_grouped(conn, ledger, matched_sql))):
        conn.executemany(f"INSERT INTO {table} ({first}, unit, measure, value) VALUES (?, ?, ?, ?) "
                         f"ON CONFLICT ({first}, unit, measure) DO UPDATE SET value = {table}.value + excluded.value",
                         frame.iter_rows())
        # a count that fell to nothing is no row, as a recomputation leaves it
        conn.executemany(f"DELETE FROM {table} WHERE {first} = ? AND unit = ? AND measure = ? AND abs(value) < {_EPS}",
                         frame.select(first, "unit", "measure").iter_rows())
