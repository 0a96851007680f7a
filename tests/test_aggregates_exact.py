"""The aggregates progress reads stay exact: after random imports, re-imports, corrections and undos
they equal what the ledger rows say, and progress from them equals progress recomputed from the rows.

Imports add to the aggregates (less the rows they overwrite); undo recomputes them. Both must agree
with a recomputation from scratch at every step.
"""
from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
import tempfile
from collections import defaultdict

import pytest

from conftest import GOVERNANCE_HEADER, PUBLICITY_HEADER, TRAINING_HEADER, load, sqlite_only, write_xlsx
from indicators import importing, progress, store
from indicators.config import default_catalog
from indicators.ledgers import CHOICE, GOVERNANCE, INT, LEDGERS, NUMBER, PUBLICITY, TRAINING
from indicators.problems import IndicatorsError
from indicators.store.aggregates import refresh_aggregates, reset_touched

UNITS = default_catalog().unit_names[:4]
DAYS = [dt.date(2025, 1, 1) + dt.timedelta(days=d) for d in range(0, 200, 9)]  # 23 days, 7 months
TITLES = ["《行政处罚法》专题学习", "《民法典》解读", "国防动员法宣讲", "以案释法", "习近平法治思想"]
HOURS = [None, 0.5, 1, 1.5, 2, 2.3]  # 2.3: sums that are not exact in binary
PERIODS = [progress.period(2025, half=1), progress.period(2025, as_of=dt.date(2025, 3, 17)),
           progress.period(2025, half=2)]


def training_row(rng: random.Random, ident: tuple) -> list:
    day, unit, category, title = ident
    return [day, unit, category, title, rng.choice([None, "张三", "李四"]), rng.randint(5, 60), rng.choice(HOURS), None]


def publicity_row(rng: random.Random, ident: tuple) -> list:
    day, unit, node, title = ident
    return [day, unit, title, node, rng.choice([None, "社区", "学校", "网络媒体"]), None, rng.randint(20, 900),
            rng.choice([None, 0, 100, 250]), rng.choice([0, 1, 2]), None]


def governance_row(rng: random.Random, ident: tuple) -> list:
    day, unit, category, title = ident
    return [day, unit, category, title, None]


KINDS = {  # kind -> (ledger, header, row maker, values of the third identity field)
    "training": (TRAINING, TRAINING_HEADER, training_row, TRAINING.column("category").choices),
    "publicity": (PUBLICITY, PUBLICITY_HEADER, publicity_row, PUBLICITY.column("node").choices),
    "governance": (GOVERNANCE, GOVERNANCE_HEADER, governance_row, GOVERNANCE.column("category").choices),
}


def identities(rng: random.Random, kind: str, n: int) -> list[tuple]:
    """n row identities from a small pool, so that files overlap on rows and on days."""
    third = KINDS[kind][3]
    pool = {(rng.choice(DAYS), rng.choice(UNITS), rng.choice(third), rng.choice(TITLES)) for _ in range(n * 2)}
    return rng.sample(sorted(pool), min(n, len(pool)))


def write_file(tmp_path, name: str, rows: dict[str, list[list]]) -> object:
    """One workbook, a sheet per ledger, a title row that makes every file's checksum its own."""
    sheets = {LEDGERS[k].name: [[f"{LEDGERS[k].name}（{name}）"], KINDS[k][1], *r] for k, r in rows.items() if r}
    return write_xlsx(tmp_path / name, sheets)


def measures_from_rows(conn: sqlite3.Connection) -> dict[tuple[str, str, str], float]:
    """{(date, unit, measure): value} recomputed in Python from every ledger row (zeros left out)."""
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    for kind, (ledger, *_) in KINDS.items():
        choices = [c.field for c in ledger.columns if c.type == CHOICE]
        sums = [c.field for c in ledger.columns if c.type in (INT, NUMBER)]
        for r in conn.execute(f"SELECT * FROM {kind}"):
            day = (r["date"], r["unit"])
            out[(*day, f"{kind}:n")] += 1
            for f in choices:
                if r[f] is not None:
                    out[(*day, f"{kind}:n:{f}={r[f]}")] += 1
            for f in sums:
                out[(*day, f"{kind}:sum:{f}")] += r[f] or 0
    return {k: v for k, v in out.items() if abs(v) > 1e-9}


def table(conn: sqlite3.Connection, name: str, first: str) -> dict[tuple[str, str, str], float]:
    rows = conn.execute(f"SELECT {first}, unit, measure, value FROM {name}")
    return {(a, u, m): v for a, u, m, v in rows if abs(v) > 1e-9}


def assert_close(got: dict, want: dict) -> None:
    assert got.keys() == want.keys(), (sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5])
    bad = [(k, got[k], want[k]) for k in want if abs(got[k] - want[k]) > 1e-9 * max(1.0, abs(want[k]))]
    assert not bad, bad[:5]


def recomputed_copy(conn: sqlite3.Connection, path) -> sqlite3.Connection:
    """A copy of the database whose aggregates are rebuilt from scratch from its ledger rows.

    PostgreSQL has no file to back up: the rebuild runs in a second session's transaction that is never
    committed (closing the copy rolls it back), read beside the first session's committed state."""
    if conn.dialect == "postgresql":
        copy = store.connect(conn.url, files_dir=conn.files_dir)
        copy.execute("BEGIN")
        _rebuild(copy)
        return copy
    copy = store.connect(path)
    conn.backup(copy)
    copy.execute("BEGIN")
    _rebuild(copy)
    copy.execute("COMMIT")
    return copy


def _rebuild(copy) -> None:
    copy.execute("DELETE FROM agg_day")
    copy.execute("DELETE FROM agg_month")
    for ledger, *_ in KINDS.values():
        reset_touched(copy)
        copy.execute(f"INSERT INTO touched SELECT unit, date FROM {ledger.kind} WHERE true ON CONFLICT DO NOTHING")
        refresh_aggregates(copy, ledger)


def check(conn: sqlite3.Connection, tmp_path, step: int) -> None:
    want = measures_from_rows(conn)
    assert_close(table(conn, "agg_day", "date"), want)
    months: dict[tuple[str, str, str], float] = defaultdict(float)
    for (day, unit, measure), v in want.items():
        months[(day[:7], unit, measure)] += v
    assert_close(table(conn, "agg_month", "month"), {k: v for k, v in months.items() if abs(v) > 1e-9})
    copy = recomputed_copy(conn, tmp_path / f"recomputed_{step}.db")
    try:
        for per in PERIODS:
            kept, fresh = progress.compute(conn, per), progress.compute(copy, per)
            assert progress.differences(fresh, kept).empty, (per.label, progress.differences(fresh, kept).head())
            assert kept.status.tolist() == fresh.status.tolist()
    finally:
        copy.close()


def new_file(rng: random.Random, stored: dict[str, dict[tuple, list]]) -> dict[str, list[list]]:
    """Rows of a new file: some new, some corrections of stored rows, some stored rows as they are."""
    rows = {}
    for kind, (_, _, make, _) in KINDS.items():
        if rng.random() < 0.25:
            continue
        picked = identities(rng, kind, rng.randint(1, 25))
        known = list(stored[kind].items())
        out = [make(rng, ident) for ident in picked]
        for ident, row in rng.sample(known, min(len(known), rng.randint(0, 6))):
            if ident not in picked:
                out.append(row if rng.random() < 0.5 else make(rng, ident))  # unchanged or corrected
                picked.append(ident)
        rows[kind] = out
    return rows


def stored_rows(conn: sqlite3.Connection) -> dict[str, dict[tuple, list]]:
    """The ledger rows now stored, as the rows a file would hold (for re-imports and corrections)."""
    out = {}
    for kind, (ledger, *_) in KINDS.items():
        fields = [c.field for c in ledger.columns]
        rows = {}
        for r in conn.execute(f"SELECT {', '.join(fields)} FROM {kind}"):
            values = dict(zip(fields, r))
            values["date"] = dt.date.fromisoformat(values["date"])
            ident = tuple(values[f] for f in ledger.key)
            ident = (ident[1], ident[0], *ident[2:])  # (date, unit, ...) as identities() makes them
            rows[ident] = [values[c.field] for c in ledger.columns]
        out[kind] = rows
    return out


@pytest.mark.parametrize("seed", [20250630, 7, 1949])
def test_aggregates_equal_the_ledger_rows_after_random_imports_corrections_and_undos(tmp_path, conn, seed):
    rng = random.Random(seed)
    files: list[dict[str, list[list]]] = []
    actions = defaultdict(int)
    for step in range(12):
        active = [b for b in store.batches(conn, include_undone=False)]
        roll = rng.random()
        if active and roll < 0.25:
            latest = active[0]["id"]  # the newest batch has no later batch in its way
            importing.undo(conn, latest)
            actions["undo"] += 1
        elif files and roll < 0.45:
            rows = rng.choice(files)  # the same rows again, in a file of its own (a re-saved copy)
            result = load(conn, write_file(tmp_path, f"again_{step}.xlsx", rows))
            assert result.ok and result.batch_id and result.added + result.updated + result.unchanged == sum(map(len, rows.values()))
            actions["re-import"] += 1
        else:
            rows = new_file(rng, stored_rows(conn))
            if not any(rows.values()):
                continue
            result = load(conn, write_file(tmp_path, f"file_{step}.xlsx", rows))
            assert result.ok and result.batch_id, [str(p) for p in result.parsed.problems]
            files.append(rows)
            actions["updated" if result.updated else "new"] += 1
        check(conn, tmp_path, step)
    # every seed exercises the three paths that change aggregates differently
    assert actions["new"] + actions["updated"] >= 3 and actions["undo"] >= 1, dict(actions)


def test_an_import_into_a_full_ledger_adds_to_the_days_it_shares(tmp_path, conn):
    """A second file on the same days as the first: its rows add to those days' aggregates."""
    rng = random.Random(3)
    first = {"training": [training_row(rng, ident) for ident in identities(rng, "training", 20)]}
    load(conn, write_file(tmp_path, "a.xlsx", first))
    days = {(r[0], r[1]) for r in first["training"]}
    taken = {(r[0], r[1], r[2], r[3]) for r in first["training"]}
    second = [training_row(rng, (d, u, "执法人员培训", "新增一期")) for d, u in sorted(days)
              if (d, u, "执法人员培训", "新增一期") not in taken]
    result = load(conn, write_file(tmp_path, "b.xlsx", {"training": second}))
    assert (result.added, result.updated) == (len(second), 0)
    check(conn, tmp_path, 0)


@sqlite_only("the scratch SQLite file ADBC writes; PostgreSQL stages by COPY into temp tables")
def test_without_the_adbc_driver_the_import_stages_rows_through_sqlite_and_stays_exact(tmp_path, conn, monkeypatch):
    """adbc-driver-sqlite is an accelerator, not a requirement: without it the same import happens."""
    monkeypatch.setitem(sys.modules, "adbc_driver_sqlite", None)  # `import adbc_driver_sqlite` now fails
    rng = random.Random(11)
    rows = {k: [KINDS[k][2](rng, ident) for ident in identities(rng, k, 15)] for k in KINDS}
    first = load(conn, write_file(tmp_path, "a.xlsx", rows))
    assert first.added == sum(map(len, rows.values()))
    rows["training"] = [r[:5] + [r[5] + 1] + r[6:] for r in rows["training"]]  # every participant count corrected
    second = load(conn, write_file(tmp_path, "b.xlsx", rows))
    assert second.updated == len(rows["training"])
    check(conn, tmp_path, 0)
    importing.undo(conn, second.batch_id)
    check(conn, tmp_path, 1)


@sqlite_only("the scratch SQLite file in the temp folder; PostgreSQL stages into its own temp tables")
def test_no_room_for_the_scratch_tables_is_a_plain_message_and_stores_nothing(tmp_path, conn, monkeypatch):
    rng = random.Random(5)
    path = write_file(tmp_path, "a.xlsx", {"training": [training_row(rng, i) for i in identities(rng, "training", 5)]})
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    with pytest.raises(IndicatorsError, match="保存失败"):
        load(conn, path)
    assert conn.execute("SELECT COUNT(*) FROM batch").fetchone()[0] == 0
    assert "stage" not in [r[1] for r in conn.execute("PRAGMA database_list")]
    monkeypatch.undo()
    assert load(conn, path).added == 5  # and the next attempt goes through
