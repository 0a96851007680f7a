"""Several imports at once, from separate processes (as from several app servers): totals exact,
no row counted twice, the same file sent twice at once stored as one batch. On both databases."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time

from conftest import ROOT, TRAINING_HEADER, db_env, write_xlsx
from indicators import store

D = dt.date
CATEGORIES = ["党组中心组学法", "领导班子法治讲座", "主任办公会学法", "执法人员培训", "全员法治培训"]

# waits for a common start time, so that the four imports really run at the same moment
DRIVER = """
import sys, time
from indicators import importing, imports, store
parsed = imports.parse_path(sys.argv[1])
conn = store.connect()
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
print(importing.import_parsed(conn, parsed).summary())
"""


def rows(unit: str, first: int, last: int) -> list[list]:
    return [[D(2025, 1, 1) + dt.timedelta(days=i % 300), unit, CATEGORIES[i % 5], f"第{i}期专题学习", None, 10 + i % 7, 2, None]
            for i in range(first, last)]


def test_four_imports_at_once(tmp_path, db):
    a = write_xlsx(tmp_path / "a.xlsx", {"台账": [TRAINING_HEADER, *rows("红旗区", 0, 3000)]})
    b = write_xlsx(tmp_path / "b.xlsx", {"台账": [TRAINING_HEADER, *rows("红旗区", 2000, 5000)]})  # 1000 rows shared with a
    c = write_xlsx(tmp_path / "c.xlsx", {"台账": [TRAINING_HEADER, *rows("卫滨区", 0, 3000)]})
    a_again = shutil.copyfile(a, tmp_path / "a-又一份.xlsx")  # the same file, sent twice
    store.connect(db, files_dir=tmp_path / "uploads").close()  # schema in place before the race
    env = db_env(db, tmp_path / "uploads")
    start = time.time() + 6
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER, str(f), str(start)], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in (a, b, c, a_again)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    assert sum("本次未作任何改动" in o[0] for o in outs) == 1, [o[0] for o in outs]

    conn = store.connect(db, files_dir=tmp_path / "uploads")
    active = store.batches(conn, include_undone=False)
    assert len(active) == 3 and sorted(b["checksum"] for b in active) == sorted(
        {store.find_batch_by_checksum(conn, x["checksum"])["checksum"] for x in active})
    expected = {("红旗区", i) for i in range(5000)} | {("卫滨区", i) for i in range(3000)}
    assert conn.execute("SELECT COUNT(*) FROM training").fetchone()[0] == len(expected) == 8000
    assert sum(b["added"] for b in active) == 8000
    participants = sum(10 + i % 7 for _, i in expected)
    assert conn.execute("SELECT SUM(participants) FROM training").fetchone()[0] == participants
    # the aggregates progress reads agree with the ledger rows, per unit and day, and in the month totals
    by_day = dict(((u, d), n) for u, d, n in conn.execute("SELECT unit, date, COUNT(*) FROM training GROUP BY unit, date"))
    kept = dict(((u, d), v) for u, d, v in conn.execute("SELECT unit, date, value FROM agg_day WHERE measure = 'training:n'"))
    assert kept == by_day
    assert conn.execute("SELECT SUM(value) FROM agg_month WHERE measure = 'training:sum:participants'").fetchone()[0] == participants
    totals = store.measure_totals(conn, D(2025, 1, 1), D(2025, 12, 31))
    assert totals[("红旗区", "training:n")] == 5000 and totals[("卫滨区", "training:n")] == 3000


def test_a_server_starting_during_an_import_does_not_wait_for_it(tmp_path, db):
    """Opening the database brings its schema up to date; that must not queue behind another's import."""
    import threading

    writer = store.connect(db, files_dir=tmp_path / "uploads")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO agg_day VALUES ('2025-01-01', '红旗区', 'training:n', 1)")
    writer.execute("INSERT INTO audit (time, login, name, role, action, detail) VALUES ('t', 'x', 'x', 'x', 'import', '{}')")
    opened = []
    t = threading.Thread(target=lambda: opened.append(store.connect(db, files_dir=tmp_path / "uploads")), daemon=True)
    started = time.time()
    t.start()
    t.join(15)
    waited = time.time() - started
    writer.execute("ROLLBACK")
    t.join(30)
    assert opened and waited < 10, f"store.connect waited {waited:.1f} s for the open write transaction"
    assert store.data_version(opened[0]) == "v0.0"  # and reads without waiting
