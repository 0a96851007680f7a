"""Shared fixtures: real workbooks written by the tests; a real database, SQLite on disk and PostgreSQL.

`conn` (and `db`, the database it opens) is parametrised: every test that takes it runs on SQLite
and on a real PostgreSQL server the session starts itself (tests/pg_server.py), each test in a schema
of its own: a new empty one, or for `conn` one whose tables were made once and emptied since
(pg_server.Schemas). The postgresql runs are skipped, saying why, only where no PostgreSQL binaries exist.

The command line: `run_cli(...)` runs `python -m indicators ...` in this process and returns what
subprocess.run returns; keep a real process only where the process itself is tested (exit, kill, a
second process, a pipe).

In parallel (`./test.sh` runs pytest-xdist, `--dist loadgroup`): each worker is its own session, so it
starts its own PostgreSQL server and has its own tmp_path; tests go to whichever worker is free, one by
one. What must not be split between workers is grouped: every `browser` test runs on one worker (one
Chromium at a time, module-scoped servers started once), every `render` test on one (LibreOffice renders
the exports once), and a module whose tests depend on each other or share a costly module-scoped fixture
says so with `pytestmark = pytest.mark.xdist_group("its name")`. A test never uses a fixed port or
writes into the repository.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators import importing, imports, store  # noqa: E402

import pg_server  # noqa: E402

DATABASES = ["sqlite", "postgresql"]

TRAINING_HEADER = ["日期", "单位", "类别", "主题", "主讲人", "参加人数", "学时", "备注"]
PUBLICITY_HEADER = ["日期", "单位", "活动名称", "宣传节点", "地点类型", "地点", "参与人数", "发放资料(份)", "媒体报道(篇)", "备注"]
GOVERNANCE_HEADER = ["日期", "单位", "类别", "事项", "备注"]
STAFF_HEADER = ["统计日期", "单位", "编制人数", "实有执法人员", "持证人数", "新申领", "换证", "年审通过", "参训人数", "备注"]


def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> Path:
    """A workbook with the given rows per sheet (None = empty cell) and merged ranges."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(r, c, v)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[tuple]] | None = None) -> Path:
    """An old-format .xls workbook (xlwt); merges as (r0, r1, c0, c1) 0-based inclusive."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        merged = {(m[0], m[2]): m for m in (merges or {}).get(name, [])}
        covered = {(r, c) for m in merged.values() for r in range(m[0], m[1] + 1) for c in range(m[2], m[3] + 1)}
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if (r, c) in merged:
                    m = merged[(r, c)]
                    ws.write_merge(m[0], m[1], m[2], m[3], v)
                elif (r, c) in covered or v is None:
                    continue
                elif isinstance(v, dt.date):
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))
    return path


def write_csv(path: Path, rows: list[list], encoding: str) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# marker -> the xdist group its tests share (see the module docstring)
GROUPS = {"browser": "browser", "render": "render"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker, group in GROUPS.items():
            if item.get_closest_marker(marker) and not item.get_closest_marker("xdist_group"):
                item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False):  # an xdist worker of `--dist loadgroup`
        for item in items:
            group = item.get_closest_marker("xdist_group")
            if group and "@" not in item.nodeid:
                # the scheduler groups by the "@group" end of the node id; xdist 3.8 writes it into
                # item._nodeid, which pytest 9 no longer reads (its node id is item._id)
                from _pytest.nodeid import coerce_node_id
                item._id = coerce_node_id(f"{item.nodeid}@{group.args[0]}")
                assert item.nodeid.endswith("@" + group.args[0]), "pytest changed: tests/conftest.py groups no more"
        # a group runs whole on one worker: handed out first, while the other workers take single tests,
        # so that no worker is left with a long group at the end
        items.sort(key=lambda item: 0 if item.get_closest_marker("xdist_group") else 1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failure says where it ran: the xdist worker, and for PostgreSQL the end of that worker's server log."""
    report = yield
    if report.failed:
        where = [f"worker: {os.environ.get('PYTEST_XDIST_WORKER', 'main process')} (pid {os.getpid()})"]
        if "database" in getattr(item, "funcargs", {}):
            where.append(f"database: {item.funcargs['database']}")
        log = pg_server.log_of(_PG.get("url"))
        if log and "postgresql" in item.nodeid:
            where.append(f"PostgreSQL log {log}, last lines:\n" + pg_server.tail(log))
        report.sections.append(("where it ran", "\n".join(where)))
    return report


_PG: dict = {}


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL server for the whole session (Debian's package, run as the postgres user)."""
    if not pg_server.available():
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; tools/setup.sh --dev does it)")
    with pg_server.server(durable=False, database="tests") as url:
        _PG["url"] = url
        yield url


def new_database(request, kind: str, folder: Path) -> str:
    """An empty database of `kind`: a SQLite file in `folder`, or a fresh PostgreSQL schema."""
    if kind == "sqlite":
        return str(folder / "test.db")
    return pg_server.fresh_schema(request.getfixturevalue("pg_url"))


def demo_database(request, kind: str, folder: Path) -> str:
    """A new database of `kind` (new_database) holding the demo data, its originals in folder/uploads."""
    from indicators import demo

    path = new_database(request, kind, folder)
    conn = store.connect(path, files_dir=folder / "uploads")
    demo.load_demo(conn)
    conn.close()
    return path


def office(*poppler: str) -> list:
    """The marks of a test that opens files in LibreOffice (tools/render.py) and reads its output with
    the named poppler-utils programs: skipped, saying how to install them, where they are missing."""
    import shutil

    missing = shutil.which("soffice") is None or any(shutil.which(p) is None for p in poppler)
    return [pytest.mark.render,
            pytest.mark.skipif(missing, reason=f"LibreOffice (soffice) or poppler-utils ({', '.join(poppler)}) "
                                               "is not installed: run tools/setup.sh --dev")]


def render_tool():
    """tools/render.py (exports to PDF and PNG pages through LibreOffice), imported from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("render", ROOT / "tools" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sqlite_only(reason: str):
    """Marks a test of the `db`/`conn` fixtures that is about SQLite's file itself: on PostgreSQL it is
    skipped with `reason` (what PostgreSQL has instead)."""
    return pytest.mark.sqlite_only(reason=reason)


@pytest.fixture(scope="session")
def pg_schemas(pg_url):
    """This worker's PostgreSQL schemas with the store's tables made, emptied between tests (pg_server.Schemas)."""
    return pg_server.Schemas(pg_url, lambda url: store.connect(url).close())


@pytest.fixture(params=DATABASES)
def database(request, tmp_path):
    """An empty database (SQLite path or postgresql:// URL); its originals go to tmp_path/uploads.

    For a test that takes `conn` (which makes the tables at once), the PostgreSQL schema comes with its
    tables already made and is emptied after the test for the next one; any other test gets a new
    schema with no table in it, as a new database is."""
    only = request.node.get_closest_marker("sqlite_only")
    if only and request.param != "sqlite":
        pytest.skip("SQLite only: " + only.kwargs["reason"])
    if request.param == "postgresql" and "conn" in request.fixturenames:
        schemas = request.getfixturevalue("pg_schemas")
        url = schemas.take()
        yield url
        schemas.give_back(url)
    else:
        yield new_database(request, request.param, tmp_path)


@pytest.fixture
def db(database) -> str:
    """`database` by its short name (several page-test modules define their own `db`: `conn` does not use it)."""
    return database


@pytest.fixture
def conn(database, tmp_path):
    c = store.connect(database, files_dir=tmp_path / "uploads")
    yield c
    c.close()


@pytest.fixture
def cli_db(database, tmp_path, monkeypatch) -> str:
    """`database` for `python -m indicators` run as a subprocess with `--db`: on PostgreSQL the originals and
    evidence go to the shared folder $INDICATORS_FILES_DIR names (tmp_path/shared), as on every app server;
    on SQLite to uploads/ beside the file, its default."""
    if store.is_postgres(database):
        monkeypatch.setenv(store.FILES_ENV, str(tmp_path / "shared"))
    return database


def is_empty(database: str) -> bool:
    """Nothing created in `database`: no SQLite file, or no table in the PostgreSQL schema (read without
    store.connect, which would create them)."""
    if not store.is_postgres(database):
        return not Path(database).exists()
    from indicators.store import dialect
    conn = dialect.connect_postgres(database)
    try:
        return conn.execute("SELECT COUNT(*) FROM information_schema.tables "
                            "WHERE table_schema = current_schema()").fetchone()[0] == 0
    finally:
        conn.close()


def db_env(db, files: Path) -> dict:
    """The environment a subprocess (CLI, app server) needs for database `db`."""
    import os
    return dict(os.environ, **{store.DB_ENV: str(db), store.FILES_ENV: str(files)})


def run_cli(*args, db=None, stdin: str | None = None, env: dict | None = None, cwd: Path | None = None):
    """`python -m indicators ARGS [--db DB]` run in this process: `cli.main(argv)` with standard input, output
    and error swapped for text buffers, `env` added to os.environ (None: unset) and `cwd` made current for the call (all
    put back after), then a wait for the background checkpoints, as a process waits for them before it
    exits. Returns what subprocess.run(..., capture_output=True, text=True) returns: returncode, stdout,
    stderr. Each test file about the command line keeps a few real processes too (`python -m indicators`
    as a scheduler runs it); this is the rest, without an interpreter started per call."""
    import contextlib
    import gc
    import subprocess

    from indicators import cli
    from indicators.store import dialect

    argv = [str(a) for a in args] + (["--db", str(db)] if db is not None else [])
    out, err = io.StringIO(), io.StringIO()
    saved_env = {k: os.environ.get(k) for k in (env or {})}
    here = os.getcwd()
    try:
        for k, v in (env or {}).items():  # None: not set for the call
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = str(v)
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            saved_in, sys.stdin = sys.stdin, io.StringIO(stdin or "")
            try:
                code = cli.main(argv)
            except SystemExit as e:  # argparse's usage errors and --help; SystemExit("text") says it on stderr
                if isinstance(e.code, str):
                    print(e.code, file=sys.stderr)
                code = e.code if isinstance(e.code, int) else (1 if e.code else 0)
            finally:
                sys.stdin = saved_in
                dialect.wait_for_checkpoints()
                gc.collect()  # the connections the command left open close, as at a process's exit
    finally:
        os.chdir(here)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess([sys.executable, "-m", "indicators", *argv], code, out.getvalue(), err.getvalue())


def load(conn, path: Path, now: dt.datetime | None = None):
    """Import a file the way users do; returns the ImportResult. `now` pins the batch's time (a test that
    says the batch's day must not depend on the run crossing midnight)."""
    return importing.import_parsed(conn, imports.parse_path(path), now=now)


def ledger_bytes(title: str, header: list, rows, sheet: str = "台账") -> bytes:
    """An .xlsx (bytes, as an upload carries it): one sheet with a title row, the header, then `rows`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def app_database(tmp_path: Path, monkeypatch, sheets: dict[str, list[list]]):
    """The SQLite database the app opens (INDICATORS_DB), already holding one import of `sheets`, so
    that the app does not load the demo data. The caller closes it."""
    path = tmp_path / "app.db"
    monkeypatch.setenv(store.DB_ENV, str(path))
    conn = store.connect(path)
    assert load(conn, write_xlsx(tmp_path / "seed.xlsx", sheets)).ok
    return conn


def healthy(at) -> None:
    """No exception, and not the app's catch-all message either (it hides a bug from the user, not from us)."""
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "页面出错了" in e.value or "读取数据库时出错" in e.value]


def open_page(page: str):
    """The real app (app.py) under AppTest, switched to `page` (a path such as ui/pages/upload.py)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(page).run()
    healthy(at)
    return at


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright, one per test module (the browser test files share it)."""
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()
