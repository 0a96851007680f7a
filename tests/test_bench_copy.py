"""The benchmark's copy of a SQLite database (bench_core.copy_sqlite) holds every committed row, also
while the WAL still holds them or a checkpoint is folding it: bench_core step 2b once copied the file
bytes mid-fold and the copy was "database disk image is malformed"."""
from __future__ import annotations

import datetime as dt
import sqlite3
import sys

import pytest

from conftest import ROOT, TRAINING_HEADER, load, write_xlsx
from indicators import store

sys.path.insert(0, str(ROOT / "bench"))
import bench_core  # noqa: E402


def _wal_database(path, rows: int) -> sqlite3.Connection:
    """A WAL database whose last `rows` rows are committed but only in the -wal file (no checkpoint yet);
    the writer is returned open, as the app's connection is."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the table itself is in the main file
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO t (text) VALUES (?)", [("行" * 200,) for _ in range(rows)])
    conn.execute("COMMIT")
    return conn


@pytest.mark.parametrize("rows", [1, 500, 5000])
def test_copy_holds_rows_still_in_the_wal(tmp_path, rows):
    writer = _wal_database(tmp_path / "src.db", rows)
    try:
        assert (tmp_path / "src.db-wal").stat().st_size > 0  # the case: committed rows only in the WAL
        bench_core.copy_sqlite(tmp_path / "src.db", tmp_path / "copy.db")
    finally:
        writer.close()
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT COUNT(*) FROM t").fetchone() == (rows,)
    copy.close()


def test_copy_right_after_an_import_reads_as_the_import_left_it(tmp_path):
    """An import returns while its background checkpoint still folds the WAL; the copy taken at once
    is whole and has the import's rows."""
    src = tmp_path / "app.db"
    conn = store.connect(src, files_dir=tmp_path / "uploads")
    day = dt.date(2025, 3, 3)
    rows = [[day + dt.timedelta(days=i % 200), "红旗区", "主任办公会学法", f"学法{i}", None, 9, 1, None]
            for i in range(400)]
    assert load(conn, write_xlsx(tmp_path / "t.xlsx", {"台账": [TRAINING_HEADER, *rows]})).ok
    bench_core.copy_sqlite(src, tmp_path / "copy.db")  # no wait for the fold: the race step 2b met
    store.wait_for_checkpoints()
    expected = conn.execute("SELECT COUNT(*) FROM training").fetchone()[0]
    conn.close()
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT COUNT(*) FROM training").fetchone() == (expected,) and expected == 400
    copy.close()
