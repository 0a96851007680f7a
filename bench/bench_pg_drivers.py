"""Which driver layer for PostgreSQL (issue 12): measured, not assumed.

Loads the same 100k training-ledger rows (as an import stages them) through each candidate, and
times 2,000 small parameterised reads (what progress and pages do), with SQLite's executemany in the
same process as the baseline. Each figure is the median of --repeat runs; ratios are against SQLite.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/bench_pg_drivers.py [--rows 100000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import pg_server  # noqa: E402  (tests/pg_server.py)
from bench_core import median_seconds  # noqa: E402

COLS = ["date", "unit", "category", "title", "speaker", "count", "hours", "note"]
DDL = ("CREATE TABLE t (date TEXT NOT NULL, unit TEXT NOT NULL, category TEXT NOT NULL, title TEXT NOT NULL, "
       "speaker TEXT, count INTEGER, hours REAL, note TEXT, PRIMARY KEY (unit, date, category, title))")
UNITS = ["市国动办", "红旗区", "卫滨区", "凤泉区", "牧野区", "新乡县", "获嘉县", "原阳县", "延津县", "封丘县", "卫辉市", "辉县市",
         "长垣市", "平原示范区", "高新区", "经开区"]
CATS = ["党组中心组学法", "领导班子法治讲座", "主任办公会学法", "执法人员培训", "全员法治培训"]


def rows(n: int) -> list[tuple]:
    rnd = random.Random(7)
    start = dt.date(2025, 1, 1)
    return sorted({(str(start + dt.timedelta(days=rnd.randrange(365))), rnd.choice(UNITS), rnd.choice(CATS),
                    f"第{i}期民法典与国防动员法规专题学习", "法规科负责人", rnd.randrange(5, 200), 2.0, "")
                   for i in range(n)}, key=lambda r: (r[1], r[0], r[2], r[3]))


def sqlite_load(data):
    def go():
        with tempfile.TemporaryDirectory() as d:
            c = sqlite3.connect(Path(d) / "b.db", isolation_level=None)
            c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL")
            c.execute(DDL.replace(")\n", ")") + " WITHOUT ROWID")
            c.execute("BEGIN"); c.executemany(f"INSERT INTO t VALUES ({', '.join('?' * 8)})", data); c.execute("COMMIT")
            c.close()
    return go


def sqlite_reads(n):
    d = tempfile.mkdtemp()
    c = sqlite3.connect(Path(d) / "r.db", isolation_level=None)
    c.execute("CREATE TABLE a (unit TEXT, measure TEXT, value REAL, PRIMARY KEY (unit, measure))")
    c.executemany("INSERT INTO a VALUES (?, ?, ?)", [(u, f"m{i}", 1.0) for u in UNITS for i in range(50)])
    return lambda: [c.execute("SELECT value FROM a WHERE unit = ? AND measure = ?", (UNITS[i % 16], f"m{i % 50}")).fetchone()
                    for i in range(n)]


def pg_reset(url):
    import psycopg
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS t"); c.execute(DDL)


def psycopg_executemany(url, data):
    import psycopg

    def go():
        pg_reset(url)
        with psycopg.connect(url) as c, c.cursor() as cur:
            cur.executemany(f"INSERT INTO t VALUES ({', '.join(['%s'] * 8)})", data)
    return go


def psycopg_copy(url, data):
    import psycopg

    def go():
        pg_reset(url)
        with psycopg.connect(url) as c, c.cursor() as cur:
            with cur.copy(f"COPY t ({', '.join(COLS)}) FROM STDIN") as cp:
                for r in data:
                    cp.write_row(r)
    return go


def adbc_ingest(url, data):
    import adbc_driver_postgresql.dbapi as adbc
    import pyarrow as pa
    # column types as the table declares them (INTEGER is int4 on PostgreSQL; COPY BINARY checks it)
    types = {"count": pa.int32(), "hours": pa.float32()}
    table = pa.table({c: pa.array([r[i] for r in data], type=types.get(c, pa.string())) for i, c in enumerate(COLS)})

    def go():
        pg_reset(url)
        with adbc.connect(url) as c, c.cursor() as cur:
            cur.adbc_ingest("t", table, mode="append")
            c.commit()
    return go


def sqlalchemy_core(url, data):
    import sqlalchemy as sa
    eng = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    meta = sa.MetaData()
    t = sa.Table("t", meta, *(sa.Column(c) for c in COLS))
    dicts = [dict(zip(COLS, r)) for r in data]

    def go():
        pg_reset(url)
        with eng.begin() as c:
            c.execute(sa.insert(t), dicts)
    return go


def psycopg_reads(url, n):
    import psycopg
    c = psycopg.connect(url, autocommit=True)
    c.execute("DROP TABLE IF EXISTS a")
    c.execute("CREATE TABLE a (unit TEXT, measure TEXT, value REAL, PRIMARY KEY (unit, measure))")
    with c.cursor() as cur:
        cur.executemany("INSERT INTO a VALUES (%s, %s, %s)", [(u, f"m{i}", 1.0) for u in UNITS for i in range(50)])
    return lambda: [c.execute("SELECT value FROM a WHERE unit = %s AND measure = %s", (UNITS[i % 16], f"m{i % 50}")).fetchone()
                    for i in range(n)]


def sqlalchemy_reads(url, n):
    import sqlalchemy as sa
    eng = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    c = eng.connect()
    q = sa.text("SELECT value FROM a WHERE unit = :u AND measure = :m")
    return lambda: [c.execute(q, {"u": UNITS[i % 16], "m": f"m{i % 50}"}).fetchone() for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--reads", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    data = rows(a.rows)
    with pg_server.server() as url:
        base = median_seconds(sqlite_load(data), a.repeat)
        print(f"bulk load of {len(data)} rows (median of {a.repeat})")
        print(f"  {'SQLite executemany (baseline)':38s} {base:7.3f} s   x1.00")
        for name, make in [("psycopg 3 executemany (pipeline)", psycopg_executemany), ("psycopg 3 COPY FROM STDIN", psycopg_copy),
                           ("ADBC adbc_ingest (Arrow)", adbc_ingest), ("SQLAlchemy Core insert (psycopg)", sqlalchemy_core)]:
            s = median_seconds(make(url, data), a.repeat)
            print(f"  {name:38s} {s:7.3f} s   x{s / base:.2f}")
        rb = median_seconds(sqlite_reads(a.reads), a.repeat)
        print(f"{a.reads} small parameterised reads")
        print(f"  {'SQLite (baseline)':38s} {rb:7.3f} s   x1.00")
        for name, make in [("psycopg 3", psycopg_reads), ("SQLAlchemy Core (psycopg)", sqlalchemy_reads)]:
            s = median_seconds(make(url, a.reads), a.repeat)
            print(f"  {name:38s} {s:7.3f} s   x{s / rb:.2f}")


if __name__ == "__main__":
    main()
