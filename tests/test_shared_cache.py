"""Work done once and shared (issue 23): the content-keyed memo of figures and frames (ui/memo.py), the
process's connection pool (ui/data.py), no cached page crossing a unit scope, nothing stale after another
process imports. Real databases (SQLite and PostgreSQL), the real app under AppTest, a real CLI process."""
from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dashboard_support as ds
from conftest import ROOT, TRAINING_HEADER, db_env, healthy, load, write_xlsx
from indicators import accounts, charts, store
from indicators.roles import ADMIN, CLERK, OPERATOR
from ui import data, memo

D = dt.date


# ---------------------------------------------------------------- the memo's key

FRAME = pd.DataFrame({"unit": ["红旗区", "卫滨区"], "value": [1.0, 2.0]})
CTX = charts.Context("全市", "2025年上半年", D(2025, 6, 30), False)


@pytest.mark.parametrize("a,b,same", [
    ((FRAME,), (FRAME.copy(deep=True),), True),  # the same content in another object
    ((FRAME,), (FRAME.assign(value=[1.0, 3.0]),), False),  # one value differs
    ((FRAME,), (FRAME.rename(columns={"value": "v"}),), False),  # a column name differs
    ((FRAME, CTX), (FRAME, CTX.__class__("红旗区", "2025年上半年", D(2025, 6, 30), False)), False),  # another unit
    ((FRAME, CTX), (FRAME, charts.Context("全市", "2025年上半年", D(2025, 6, 30), False)), True),
    ((FRAME, CTX), (FRAME, charts.Context("全市", "2025年上半年", D(2025, 6, 30), False, narrow=True)), False),
    (([1, 2], {"a": D(2025, 1, 1)}), ([1, 2], {"a": D(2025, 1, 2)}), False),
    # each difference a page could make gives another key
    ((FRAME,), (FRAME.assign(unit=["红旗区", "卫辉市"]),), False),  # one string differs
    ((FRAME,), (FRAME.assign(unit=["红旗区", None]),), False),  # a string against a missing one
    ((FRAME.assign(unit=["红旗区", ""]),), (FRAME.assign(unit=["红旗区", None]),), False),  # "" is not missing
    ((FRAME,), (FRAME[["value", "unit"]],), False),  # the columns' order
    ((FRAME,), (FRAME.astype({"value": "int64"}),), False),  # 1.0 and 1: the dtype counts
    ((FRAME,), (FRAME.set_axis([5, 6]),), False),  # the index
    ((FRAME,), (pd.concat([FRAME, FRAME]).iloc[2:],), False),  # the same rows under another index
    ((FRAME["unit"],), (FRAME["unit"].rename("单位"),), False),  # a series' name
    ((FRAME.assign(c=pd.Categorical(["a", "b"])),), (FRAME.assign(c=pd.Categorical(["b", "a"])),), False),
    ((FRAME.assign(o=[{"a": 1}, 2]),), (FRAME.assign(o=[{"a": 2}, 2]),), False),  # objects: by their pickle
    ((FRAME.assign(d=pd.to_datetime(["2025-01-01", "2025-01-02"])),),
     (FRAME.assign(d=pd.to_datetime(["2025-01-01", "2025-01-03"])),), False),
])
def test_the_key_is_the_content_of_the_arguments(a, b, same):
    assert (memo.fingerprint(*a) == memo.fingerprint(*b)) is same


_CELLS = st.one_of(st.none(), st.sampled_from(["", "红旗区", "卫滨区", "a", "aa"]), st.integers(-3, 3),
                  st.floats(allow_nan=True, allow_infinity=False, width=32))


@st.composite
def _frames(draw):
    """A small frame of one of the dtypes the pages pass (strings, numbers, mixed objects), possibly a slice."""
    rows = draw(st.integers(0, 4))
    kind = draw(st.sampled_from(["str", "float64", "int64", "object"]))
    cells = st.sampled_from(["", "红旗区", "卫滨区", "a"]) | st.none() if kind == "str" else \
        st.integers(-3, 3) if kind == "int64" else _CELLS if kind == "object" else st.floats(width=32)
    values = draw(st.lists(cells, min_size=rows, max_size=rows))
    frame = pd.DataFrame({"x": pd.Series(values, dtype=kind if kind != "object" else object)})
    if draw(st.booleans()) and rows:  # a view into a longer frame (offsets in the Arrow buffers)
        frame = pd.concat([frame, frame]).iloc[rows:].reset_index(drop=True)
    return frame


@settings(max_examples=400, deadline=None)
@given(_frames(), _frames())
def test_an_equal_key_means_equal_frames(a, b):
    """Never a wrong hit: two frames given the same key hold the same values, dtypes and labels."""
    if memo.fingerprint(a) == memo.fingerprint(b):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_call_with_a_connection_runs_uncached(tmp_path):
    conn = store.connect(tmp_path / "x.db")
    with pytest.raises(memo.Unhashable):
        memo.fingerprint(conn)
    shared = memo.Shared(sys.modules["indicators.views"])
    assert shared.data_years(conn) == [] and shared.hits == shared.misses == 0


def test_a_figure_is_built_once_and_shared():
    shared = memo.Shared(charts)
    frame = pd.DataFrame({"unit": ["红旗区", "卫滨区"], "进度滞后": [2, 1], "未开展": [0, 1], "total": [2, 2],
                          "indicators": ["T01、T02", "T03、T04"]})
    first = shared.lagging_units_bar(frame, CTX)
    again = shared.lagging_units_bar(frame.copy(deep=True), CTX)
    assert again is first and (shared.misses, shared.hits) == (1, 1)
    other = shared.lagging_units_bar(frame.assign(**{"进度滞后": [3, 1]}), CTX)
    assert other is not first and list(other.data[1].x) == [3, 1] and list(first.data[1].x) == [2, 1]


# ---------------------------------------------------------------- frames known by where they came from

BASE = pd.DataFrame({"unit": ["红旗区", "卫滨区", "辉县市"], "value": [1.0, None, 3.0]})


def _h(frame):
    frame.loc[0, "value"] = 9.0


# every way a page could change a frame it was handed, in place
CHANGES = {
    "set a column": lambda h: h.__setitem__("value", [9.0, 9.0, 9.0]),
    "loc one cell": _h,
    "iloc one cell": lambda h: h.iloc.__setitem__((1, 1), 9.0),
    "at a string": lambda h: h.at.__setitem__((0, "unit"), "卫辉市"),
    "add a column": lambda h: h.__setitem__("new", 1),
    "delete a column": lambda h: h.__delitem__("value"),
    "insert a column": lambda h: h.insert(0, "x", [1, 2, 3]),
    "rename in place": lambda h: h.rename(columns={"value": "v"}, inplace=True),
    "new column labels": lambda h: setattr(h, "columns", ["a", "b"]),
    "new index": lambda h: setattr(h, "index", [5, 6, 7]),
    "name the index": lambda h: setattr(h.index, "name", "序号"),
    "name the columns": lambda h: setattr(h.columns, "name", "列"),
    "sort in place": lambda h: h.sort_values("value", ascending=False, inplace=True),
    "drop in place": lambda h: h.drop(index=0, inplace=True),
    "fillna in place": lambda h: h.fillna(0.0, inplace=True),
    "replace in place": lambda h: h.replace("红旗区", "卫辉市", inplace=True),
    "update": lambda h: h.update(pd.DataFrame({"value": [7.0]})),
    "set_index in place": lambda h: h.set_index("unit", inplace=True),
    "a new row": lambda h: h.loc.__setitem__(3, ["x", 4.0]),
    "a boolean mask": lambda h: h.loc.__setitem__((h.value > 2, "value"), 0.0),
}


def _same_blocks(frame):
    """A copy of `frame` that is pickled alike (a deep copy may lay its columns out in other blocks)."""
    return pickle.loads(pickle.dumps(frame))


def _loader(tag):
    calls = []

    @memo.loader(max_entries=4)
    def load_base(_conn, version: str):
        calls.append(version)
        return BASE.copy(deep=True)
    return load_base, calls


def test_a_loaders_frame_is_shared_and_keyed_by_its_call():
    load_base, calls = _loader("a")
    a, b = load_base(object(), "v1"), load_base("another connection", "v1")
    assert calls == ["v1"] and a is not b  # built once; each caller its own handout
    assert memo.fingerprint(a) == memo.fingerprint(b) != memo.fingerprint(a.copy(deep=True))  # known, not pickled
    load_base(None, "v2")
    assert calls == ["v1", "v2"]  # a new data version: built again


@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")  # pandas 4 drops them; pages may use them until then
@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
@pytest.mark.parametrize("evicted", [False, True], ids=["entry kept", "entry evicted"])
def test_a_frame_changed_in_place_is_keyed_by_its_content_again(change, evicted):
    """Never a wrong hit: once a handed-out frame is changed, its key is its content, and the shared entry
    (what the next session is handed) is unchanged."""
    load_base, _ = _loader("b")
    handout = load_base(None, "v1")
    known = memo.fingerprint(handout)
    if evicted:
        load_base.clear()  # the entry is gone from the cache: the frame must not become the only owner
    change(handout)
    assert memo.fingerprint(handout) == memo.fingerprint(_same_blocks(handout)) != known
    if not evicted:
        pd.testing.assert_frame_equal(load_base(None, "v1"), BASE)


def test_a_memoised_views_frame_is_known_by_its_call_until_changed():
    shared = memo.Shared(sys.modules["indicators.views"], frames_only=True)
    frame = pd.DataFrame({"unit": ["红旗区", "全市"], "indicator": ["T01", "T01"], "value": [1.0, 2.0]})
    rows = shared.unit_rows(frame, None)
    again = shared.unit_rows(frame.copy(deep=True), None)
    assert memo.fingerprint(rows) == memo.fingerprint(again) != memo.fingerprint(rows.copy(deep=True))
    rows.iloc[0, 2] = 5.0
    assert memo.fingerprint(rows) == memo.fingerprint(_same_blocks(rows))
    assert shared.unit_rows(frame, None).iloc[0, 2] != 5.0


# ---------------------------------------------------------------- the pool

def test_a_full_pool_waits_then_says_busy_in_chinese(database, monkeypatch):
    monkeypatch.setenv(store.DB_ENV, database)
    pool = data.Pool(database, 2)
    a, b = pool.borrow(1), pool.borrow(1)
    t0 = time.monotonic()
    with pytest.raises(data.Busy, match="当前同时打开看板的人较多（2 个数据库连接都在使用中），请稍候几秒再刷新页面"):
        pool.borrow(0.3)
    assert time.monotonic() - t0 >= 0.29
    got = []
    threading.Timer(0.2, pool.give_back, args=(a,)).start()  # someone's run ends while we wait
    got.append(pool.borrow(5))
    assert got[0] is a and pool.in_use == 2  # the connection given back is the one reused
    pool.give_back(b)
    pool.give_back(got[0])
    assert pool.in_use == 0


def test_a_connection_given_back_inside_a_transaction_is_rolled_back(database, tmp_path):
    conn0 = store.connect(database, files_dir=tmp_path / "u")
    conn0.close()
    pool = data.Pool(database, 1)
    conn = pool.borrow(1)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO meta (key, value) VALUES ('half_done', 'x')")
    pool.give_back(conn)  # a run stopped half-way (st.stop, an error)
    again = pool.borrow(1)
    assert again is conn and not again.in_transaction
    assert again.execute("SELECT COUNT(*) FROM meta WHERE key = 'half_done'").fetchone()[0] == 0
    pool.give_back(again)


# ---------------------------------------------------------------- sessions of the app

SEED = {"台账": [TRAINING_HEADER,
                 [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None],
                 [D(2025, 4, 2), "卫滨区", "领导班子法治讲座", "行政处罚法", None, 30, 2, None]]}


def _app(actor_login: str | None, page: str):
    token = accounts.login(store.connect(), actor_login, "Shared-cache-2025").token if actor_login else None
    at = ds.app(page, year=2025, period="上半年", token=token, timeout=90)
    healthy(at)
    return at


def _units_shown(at) -> set[str]:
    shown = set()
    for d in at.dataframe:
        frame = d.value
        for col in ("单位", "unit"):
            if col in getattr(frame, "columns", []):
                shown |= set(map(str, frame[col]))
    return shown


def test_a_clerk_limited_to_their_unit_never_gets_another_units_cached_table(tmp_path, monkeypatch):
    monkeypatch.setenv(store.DB_ENV, str(tmp_path / "app.db"))
    conn = store.connect()
    assert load(conn, write_xlsx(tmp_path / "seed.xlsx", SEED)).ok
    accounts.create(conn, OPERATOR, "fgk", "Shared-cache-2025", ADMIN, None, "法规科")
    admin = accounts.actor_for(conn, "fgk")
    accounts.create(conn, admin, "hq", "Shared-cache-2025", CLERK, "红旗区", "红旗区填报员")
    accounts.set_clerks_see_all_units(conn, admin, False)
    for page in ("ui/pages/overview.py", "ui/pages/training.py", "ui/pages/scorecard.py"):
        wide = _app("fgk", page)  # the administrator's view fills the shared cache first
        assert "卫滨区" in _units_shown(wide) or page == "ui/pages/scorecard.py"
        mine = _app("hq", page)
        assert "卫滨区" not in _units_shown(mine), page
        assert not [e for e in mine.markdown if "卫滨区" in str(e.value)], page


def test_a_page_shows_what_another_process_imported_at_its_next_rerun(database, tmp_path, monkeypatch):
    files = tmp_path / "files"
    monkeypatch.setenv(store.DB_ENV, database)
    monkeypatch.setenv(store.FILES_ENV, str(files))
    conn = store.connect(database, files_dir=files)
    assert load(conn, write_xlsx(tmp_path / "seed.xlsx", SEED)).ok
    at = _app(None, "ui/pages/training.py")
    before = {m.label: m.value for m in at.metric}
    at.run()  # the cached figures and frames are in use
    more = write_xlsx(tmp_path / "more.xlsx", {"台账": [TRAINING_HEADER] + [
        [D(2025, 5, d), "卫滨区", "全员法治培训", f"专题{d}", None, 40, 2, None] for d in range(1, 6)]})
    # another app server, or a clerk's command line: a separate process on the same database
    done = subprocess.run([sys.executable, "-m", "indicators", "import", str(more)], cwd=ROOT,
                          env=db_env(database, files), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    at.run()
    healthy(at)
    after = {m.label: m.value for m in at.metric}
    assert before["学法培训场次"] == "2 次" and after["学法培训场次"] == "7 次"


# ---------------------------------------------------------------- the start-up warm-up (ui/warm.py)

def test_the_warm_up_reads_only_and_leaves_a_new_database_to_the_first_run(database, tmp_path, monkeypatch):
    """The server's start-up thread opens the database and fills the loaders' caches for the period a session
    opens on; on a brand-new database it writes nothing (the first run loads the demo data, as before), and
    the progress it caches is the one the app computes for that period."""
    from ui import warm

    monkeypatch.setenv(store.DB_ENV, str(database))
    monkeypatch.setenv(store.FILES_ENV, str(tmp_path / "files"))
    warm._first_period()
    conn = store.connect(database)
    assert store.batches(conn) == []  # nothing loaded, nothing written
    assert load(conn, write_xlsx(tmp_path / "seed.xlsx", SEED)).ok
    warm._first_period()
    src = data.Source(conn, str(database), store.data_version(conn))
    from indicators import progress
    year = data.default_year(src)
    assert year < D.today().year  # SEED's year: a past year opens on 全年
    per = progress.period(year, half=2)
    expected = progress.compute(conn, per)
    with store.transaction(conn):  # the figures emptied behind the data version's back: only a cached frame keeps them
        conn.execute("DELETE FROM agg_day")
        conn.execute("DELETE FROM agg_month")
    assert not progress.compute(conn, per).equals(expected)
    cached = data._progress(conn, str(database), src.version, data._targets_key(conn, year), year, per.as_of,
                            per.label, ())
    assert cached.equals(expected)  # the warm-up had computed this period's frame



def test_the_warm_up_takes_a_chart_as_a_page_does():
    """_work swallows what fails (a warm-up must not stop the server): here a change to the charts it calls
    fails loudly instead of leaving the first page to load the chart path cold."""
    from ui import warm

    sent = warm._first_chart()
    assert [t["type"] for t in sent["data"]] == ["bar"] and sent["layout"]["meta"] == "启动"

START_UP = """
import gc, inspect, os, sys
from streamlit import delta_generator
from ui import warm
if os.environ["SERVED"] == "1":
    warm.served()
warm.start()
disabled = not gc.isenabled()
warm.wait()
def walked(*a, **k):
    raise SystemExit("inspect.stack() walked")
inspect.stack = walked
delta_generator._maybe_print_use_warning()  # Streamlit's check at the first element of a process's first run
print(disabled, gc.isenabled(), gc.get_freeze_count() > 10000)
"""


@pytest.mark.parametrize("served,out", [
    ("1", "True True True"),  # as app.py starts it under `streamlit run`: no stack walk at the first element
    ("0", "inspect.stack() walked"),  # the check the start-up skips (if Streamlit renames its flag, this fails)
])
def test_the_start_up_collects_no_garbage_and_skips_streamlits_repl_check(database, tmp_path, served, out):
    """The start-up imports run with the cyclic collector off (they make ~230,000 objects, none garbage); it
    is on again once they are done, with those objects frozen out of its way. Served by `streamlit run`,
    Streamlit's one-time REPL check (inspect.stack(): the path of every loaded module, 0.1 s of the first
    page) is skipped."""
    run = subprocess.run([sys.executable, "-c", START_UP], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**db_env(database, tmp_path / "files"), "SERVED": served})
    assert out in (run.stdout + run.stderr), run.stderr[-2000:]
