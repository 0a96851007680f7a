"""Judge a recognised ledger sheet: parse every cell, collect every problem, return clean records.

All parsing is vectorised in polars (one expression per column, not Python per cell), so a
100k-row sheet is checked in a fraction of the time it takes to read it.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from .config import Catalog
from .ledgers import CHOICE, DATE, INT, NUMBER, TEXT, UNIT, Column, Ledger, choice_lookup, normalise_choice
from .problems import Problem
from .sheets import EXAMPLE_MARK, SKIP_ROW, Table

_DATE_YMD = r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?(?:[ T]*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_DATE_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_NUMBER = r"^[+-]?\d+(?:\.\d+)?$"
_NUMBER_SUFFIX = r"(人次|人|名|份|篇|次|期|个|项|件|场|小时|学时|课时|h|H)$"
EXCEL_EPOCH = dt.date(1899, 12, 30)
# (ledger, field, field it may not exceed, problem code): figures that contradict each other
CONSISTENCY = [("staff", "certified", "staff", "certified_exceeds_staff"),
               ("staff", "reviewed", "certified", "reviewed_exceeds_certified"),
               ("staff", "trained", "staff", "trained_exceeds_staff")]
_DTYPES = {DATE: pl.Date, INT: pl.Int64, NUMBER: pl.Float64, TEXT: pl.String, UNIT: pl.String, CHOICE: pl.String}
MIN_YEAR = 2000


def _clean(name: str) -> pl.Expr:
    """Text as a reader means it: NFKC (full-width digits become ASCII), trimmed, empty as null."""
    s = pl.col(name).str.normalize("NFKC").str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def _parse_date(s: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(date or null, problem code or null) for a cleaned text column."""
    ymd = s.str.extract_groups(_DATE_YMD)
    compact = s.str.extract_groups(_DATE_COMPACT)
    serial = s.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    y = pl.coalesce(ymd.struct.field("1"), compact.struct.field("1")).cast(pl.Int32, strict=False)
    m = pl.coalesce(ymd.struct.field("2"), compact.struct.field("2")).cast(pl.Int32, strict=False)
    d = pl.coalesce(ymd.struct.field("3"), compact.struct.field("3")).cast(pl.Int32, strict=False)
    month_ok = m.is_between(1, 12)
    last_day = pl.date(y, pl.when(month_ok).then(m).otherwise(1), 1).dt.month_end().dt.day()
    valid = month_ok & d.is_between(1, 31) & (d <= last_day)
    from_serial = (pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)).cast(pl.Date)
    date = (pl.when(y.is_not_null() & valid).then(pl.date(y, pl.when(valid).then(m).otherwise(1),
                                                          pl.when(valid).then(d).otherwise(1)))
            .when(serial.is_between(20000, 80000)).then(from_serial))
    code = (pl.when(s.is_null()).then(None)
            .when(y.is_not_null() & ~valid).then(pl.lit("impossible_date"))
            .when(date.is_null()).then(pl.lit("bad_date"))
            .when(date.dt.year() < MIN_YEAR).then(pl.lit("date_out_of_range"))
            .when(date > pl.lit(dt.date.today())).then(pl.lit("future_date")))
    return date, code


def _parse_number(s: pl.Expr, integer: bool) -> tuple[pl.Expr, pl.Expr]:
    text = s.str.replace_all(r"[\s,]", "").str.replace(_NUMBER_SUFFIX, "")
    number = pl.when(text.str.contains(_NUMBER)).then(text.cast(pl.Float64, strict=False))
    code = (pl.when(s.is_null()).then(None)
            .when(number.is_null()).then(pl.lit("not_a_number"))
            .when(number < 0).then(pl.lit("negative")))
    if integer:
        code = code.when(number != number.floor()).then(pl.lit("not_integer"))
    return (number.cast(pl.Int64, strict=False) if integer else number), code


def _parse_distinct(data: pl.DataFrame, src: str, col: Column, catalog: Catalog) -> tuple[pl.Series, pl.Series]:
    """(value, problem code) of a column, parsed once per distinct raw value and mapped back.

    Ledgers repeat a few hundred dates, units and counts over thousands of rows; parsing the
    distinct values (not every cell) is what keeps a 100k-row check well under the read time.
    """
    # cleaned once into a column: as an expression it would be re-evaluated in every branch of the
    # date parse (0.04 s instead of 0.01 s for 731 distinct dates)
    u = data.select(pl.col(src).alias("raw")).unique().drop_nulls().with_columns(_clean("raw").alias("clean"))
    s = pl.col("clean")
    if col.type == DATE:
        value, code = _parse_date(s)
    elif col.type in (INT, NUMBER):
        value, code = _parse_number(s, col.type == INT)
    else:
        resolve = catalog.resolve_unit if col.type == UNIT else \
            (lambda v, tb=choice_lookup(col): tb.get(normalise_choice(v)))
        mapped = {c: resolve(c) for c in u["clean"].drop_nulls().to_list()}
        value = pl.col("clean").replace_strict(mapped, default=None, return_dtype=pl.String) if mapped else pl.lit(None, pl.String)
        code = pl.when(pl.col("clean").is_not_null() & value.is_null()).then(
            pl.lit("unknown_unit" if col.type == UNIT else "unknown_choice"))
    u = u.select("raw", value.cast(_DTYPES[col.type]).alias("v"), code.cast(pl.String).alias("c"))
    raw = data.get_column(src)
    return (raw.replace_strict(u["raw"], u["v"], default=None, return_dtype=_DTYPES[col.type]),
            raw.replace_strict(u["raw"], u["c"], default=None, return_dtype=pl.String))


def _skip_mask(t: Table) -> pl.Expr:
    """Blank rows, totals, signatures and template example rows: read past, never counted."""
    fields = [m.source for m in t.columns.values()]
    # a row holding nothing but a unit name is a pre-filled empty row (unit-locked templates)
    content = [m.source for f, m in t.columns.items() if f != "unit"]
    # whitespace tested by pattern, not by stripping: no stripped copy of every column (25 MB per 100k rows)
    blank = pl.all_horizontal([pl.col(c).is_null() | pl.col(c).str.contains(r"^\s*$") for c in content])
    first = pl.coalesce([pl.when(pl.col(c).str.contains(r"\S")).then(pl.col(c)) for c in fields])
    skip = blank | first.str.replace_all(r"\s", "").str.contains(SKIP_ROW.pattern).fill_null(False)
    if "note" in t.columns:
        skip = skip | pl.col(t.columns["note"].source).str.starts_with(EXAMPLE_MARK).fill_null(False)
    return skip


def _choices_text(col: Column) -> str:
    return "、".join(col.choices)


def check_table(t: Table, catalog: Catalog, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Parse a recognised sheet.

    Returns (records with one column per ledger field plus `_sheet` and `_row`, problems). The
    records are only meaningful when there are no problems.
    """
    problems = list(t.problems)
    if problems:  # a schema problem stops the sheet: its cells cannot be judged column by column
        return pl.DataFrame(), problems
    skip = t.data.select(_skip_mask(t)).to_series()
    data = t.data.filter(~skip) if skip.any() else t.data  # a clean sheet is not copied
    raw_cols = {f: m.source for f, m in t.columns.items()}
    columns, codes = [], []
    for col in t.ledger.columns:
        src = raw_cols.get(col.field)
        if src is None:
            columns.append(pl.lit(None, _DTYPES[col.type]).alias(col.field))
            continue
        raw = pl.col(src)
        blank = raw.is_null() | (raw.str.strip_chars() == "")
        if col.type == TEXT:
            value = pl.when(~blank).then(raw.str.strip_chars())
            code = None
        else:
            v, c = _parse_distinct(data, src, col, catalog)
            data = data.with_columns(v.alias(f"_v_{col.field}"), c.alias(f"_c_{col.field}"))
            value, code = pl.col(f"_v_{col.field}"), pl.col(f"_c_{col.field}")
        if col.required:
            missing = pl.when(blank).then(pl.lit("required"))
            code = missing if code is None else pl.coalesce(missing, code)
        columns.append(value.alias(col.field))
        if code is not None:
            codes.append(code.alias(f"_p_{col.field}"))
        columns.append(raw.alias(f"_raw_{col.field}"))
    data = data.select(pl.col("_row"), *columns, *codes)
    data = data.with_columns(*[pl.when(pl.col(a) > pl.col(b)).then(pl.lit(code)).alias(f"_x_{a}")
                               for kind, a, b, code in CONSISTENCY if kind == t.ledger.kind])
    problems += _collect(data, t, file)
    records = (data.select("_row", *[c.field for c in t.ledger.columns])
               .cast({c.field: _DTYPES[c.type] for c in t.ledger.columns}).with_columns(_sheet=pl.lit(t.sheet)))
    return records, problems


def _collect(data: pl.DataFrame, t: Table, file: str) -> list[Problem]:
    """One Problem per bad cell, in sheet order (row, then column)."""
    pcols = [c for c in data.columns if c.startswith(("_p_", "_x_"))]
    if not pcols:
        return []
    bad = data.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in pcols]))
    out = []
    for row in bad.iter_rows(named=True):
        for pc in pcols:
            code = row[pc]
            if code is None:
                continue
            f = pc[3:]
            extra = ""
            if pc.startswith("_x_"):
                other = next(b for _, a, b, c in CONSISTENCY if a == f and c == code)
                extra = str(row[f"_raw_{other}"] or "")
            col = t.ledger.column(f)
            m = t.columns[f]
            if code == "unknown_choice":
                extra = _choices_text(col)
            elif code == "date_out_of_range":
                extra = f"应在 {MIN_YEAR} 年之后"
            value = row[f"_raw_{f}"]
            out.append(Problem(code, file, t.sheet, row["_row"], m.header, f"{m.letter}{row['_row']}",
                               "" if value is None else str(value), extra))
    return out


def duplicate_problems(records: pl.DataFrame, ledger: Ledger, file: str) -> list[Problem]:
    """Rows of one file that share a row identity: the later ones are refused, naming the first."""
    key = list(ledger.key)
    if not records.select(pl.struct(key).is_duplicated().any()).item():
        return []  # the usual case, found in one hash pass instead of three window functions
    dup = records.with_columns(_first=pl.col("_row").first().over(key), _firstsheet=pl.col("_sheet").first().over(key),
                               _n=pl.len().over(key)).filter((pl.col("_n") > 1) & (pl.col("_row") != pl.col("_first")) |
                                                             (pl.col("_n") > 1) & (pl.col("_sheet") != pl.col("_firstsheet")))
    out = []
    for r in dup.iter_rows(named=True):
        where = str(r["_first"]) if r["_sheet"] == r["_firstsheet"] else f"「{r['_firstsheet']}」{r['_first']}"
        title_col = ledger.column(key[-1]).name
        out.append(Problem("duplicate_row", file, r["_sheet"], r["_row"], title_col, "", str(r.get(key[-1]) or ""), where))
    return out
