"""Two app servers on one PostgreSQL, in Debian chromium: a lockout made through one server holds on
the other, and four imports confirmed at the same moment through both servers (plus the same file a
fifth time) store exactly what the four files hold, once.

Each test starts its own two `streamlit run` servers on a fresh schema of the session's PostgreSQL
(tests/pg_server.py) with one shared originals folder, as two servers behind a proxy would run.
(The import made through A shown on B at its next rerun is test_browser.py's
test_two_app_servers_on_one_postgresql.)
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from pathlib import Path

import pytest

import pg_server
from conftest import TRAINING_HEADER, write_xlsx
from indicators import accounts, demo, importing, imports, roles, store
from indicators.migration import compare_figures
from test_browser import HEIGHT, WIDTH, _upload, streamlit_server, wait_ready

pytestmark = pytest.mark.browser
PASSWORD = {"fgk": "Fagui-2025!x", "hq": "Hongqi-2025x", "wb": "Weibin-2025x", "hj": "Huojia-2025x",
            "hx": "Huixian-2025x"}
UNIT = {"hq": "红旗区", "wb": "卫滨区", "hj": "获嘉县", "hx": "辉县市"}
CATEGORIES = ["党组中心组学法", "领导班子法治讲座", "主任办公会学法", "执法人员培训", "全员法治培训"]


def _database(request, tmp_path) -> tuple[str, Path]:
    """A fresh PostgreSQL schema with the demo data (what the first visit would load) and the accounts:
    the administrator and one clerk per unit of UNIT. Returns (URL, shared originals folder)."""
    url = pg_server.fresh_schema(request.getfixturevalue("pg_url"))
    shared = tmp_path / "shared"
    conn = store.connect(url, files_dir=shared)
    demo.load_demo(conn)
    admin = accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN, name="法规科")
    for login, unit in UNIT.items():
        accounts.create(conn, admin, login, PASSWORD[login], roles.CLERK, unit)
    conn.close()
    return url, shared


def _login_page(browser, url: str, path: str = "/"):
    """A new browser (its own context: no cookie or session shared with another page) at the login page."""
    page = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}).new_page()
    page.goto(url + path)
    wait_ready(page, "法治建设指标看板", 120000)
    assert page.get_by_label("密码").get_attribute("type") == "password"
    return page


def _submit(page, login: str, password: str) -> None:
    page.get_by_label("登录名").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


ALERT = "[data-testid='stAlert'] [data-testid='stMarkdownContainer']"  # the message, without its icon's name


def _alert(page, text: str) -> str:
    """The text of the page's alert holding `text`, waited for."""
    alert = page.locator(ALERT, has_text=text).first
    try:
        alert.wait_for(timeout=60000)
    except Exception:
        page.screenshot(path="/tmp/servers_fail.png", full_page=True)
        raise
    return alert.inner_text()


def _failures(url: str, login: str) -> list[dict]:
    """The audit log's login_failed entries for `login`, oldest first, their detail decoded."""
    conn = store.connect(url)
    try:
        out = list(reversed(store.audit.entries(conn, login=login, action="login_failed")))
    finally:
        conn.close()
    for e in out:
        e["detail"] = json.loads(e["detail"]) if isinstance(e["detail"], str) else e["detail"]
    return out


def _until_failures(url: str, login: str, n: int, timeout: float = 60) -> list[dict]:
    """Waits until the audit log holds `n` login_failed entries for `login` (the attempt was handled)."""
    deadline = time.time() + timeout
    while True:
        got = _failures(url, login)
        if len(got) >= n or time.time() > deadline:
            assert len(got) == n, got
            return got
        time.sleep(0.2)


LOCKED = f"登录失败次数过多，该登录名已暂停登录 {accounts.LOCK_MINUTES} 分钟"
# what the login page says after the 1st … 5th wrong password in a row (accounts.login)
AFTER_WRONG = [accounts.WRONG, accounts.WRONG, f"{accounts.WRONG}（再错 2 次将暂停登录 15 分钟）",
               f"{accounts.WRONG}（再错 1 次将暂停登录 15 分钟）", LOCKED]


@pytest.mark.parametrize("guessed_on", ["BBBBB", "ABABA"], ids=["all-on-B", "alternating"])
def test_a_lockout_made_through_one_server_holds_on_the_other(browser, tmp_path, request, guessed_on):
    """The clerk is logged in on server A; someone enters wrong passwords for that name on the login page
    of server B (all five, or alternating between the servers: the count itself is shared) until it locks;
    then the right password is refused on both servers (the lockout is in the database, not in a server's
    memory). The session A opened before the lockout goes on: the lock stops new logins only
    (accounts.login never ends sessions), so a stranger's guesses cannot throw the clerk out."""
    assert accounts.LOCK_AFTER_FAILURES == len(AFTER_WRONG) == len(guessed_on)
    url, shared = _database(request, tmp_path)
    with streamlit_server(url, tmp_path / "a.log", files=shared) as a, \
            streamlit_server(url, tmp_path / "b.log", files=shared) as b:
        open_on_a = _login_page(browser, a)
        _submit(open_on_a, "hq", PASSWORD["hq"])
        wait_ready(open_on_a, "总览", 120000)
        assert "当前用户" in open_on_a.locator("[data-testid='stSidebar']").inner_text()

        guessing = {"A": _login_page(browser, a), "B": _login_page(browser, b)}
        for n, (server, expected) in enumerate(zip(guessed_on, AFTER_WRONG), 1):
            page = guessing[server]
            _submit(page, "hq", f"wrong-guess-{n}")
            _until_failures(url, "hq", n)  # the server has handled this attempt: the message below is this one's
            wait_ready(page)
            said = _alert(page, expected)
            if n < 3:  # the first two say nothing of the count (accounts.login)
                assert said == expected and "再错" not in said
            assert page.locator("[data-testid='stSidebarNav'] a").count() == 0  # still the login page
        on_b = guessing["B"]
        _submit(on_b, "hq", PASSWORD["hq"])  # locked on B: the right password too
        _until_failures(url, "hq", 6)
        _alert(on_b, LOCKED)

        again_on_a = _login_page(browser, a)  # a new tab on A logs in again with the right password
        _submit(again_on_a, "hq", PASSWORD["hq"])
        _until_failures(url, "hq", 7)
        said = _alert(again_on_a, LOCKED)
        assert re.search(r"（至 \d{4}-\d\d-\d\d \d\d:\d\d）", said), said
        assert again_on_a.locator("[data-testid='stSidebarNav'] a").count() == 0
        assert again_on_a.locator("[data-testid='stPlotlyChart']:visible").count() == 0

        # the session A opened before the lockout is still open: its next rerun shows the page, still logged in
        open_on_a.locator("[data-testid='stSidebarNav'] a", has_text="学法培训").click()
        wait_ready(open_on_a, "学法培训")
        assert "当前用户" in open_on_a.locator("[data-testid='stSidebar']").inner_text()
        assert open_on_a.locator("[data-testid='stException']").count() == 0
        for page in (open_on_a, *guessing.values(), again_on_a):
            page.context.close()

    entries = _failures(url, "hq")
    assert [(e["detail"]["reason"], e["detail"].get("failures"), e["detail"].get("locked")) for e in entries] == [
        ("wrong_password", 1, False), ("wrong_password", 2, False), ("wrong_password", 3, False),
        ("wrong_password", 4, False), ("wrong_password", 5, True),  # the five guesses
        ("locked", None, None),  # B: the right password, refused
        ("locked", None, None)]  # A: the right password, refused
    assert all(e["role"] == roles.CLERK and e["unit"] == "红旗区" for e in entries)
    conn = store.connect(url)
    try:
        logins = store.audit.entries(conn, login="hq", action="login")
        sessions = conn.execute("SELECT ended FROM login_session WHERE login = 'hq'").fetchall()
    finally:
        conn.close()
    assert len(logins) == 1  # A's one login before the lockout; none after
    assert [tuple(s) for s in sessions] == [(None,)]  # and its session was not ended by the lockout


def _ledger(path: Path, unit: str, n: int) -> Path:
    """A training ledger of `n` rows of `unit` in 2025, as a clerk writes it (title row, then the header)."""
    rows = [[dt.date(2025, 1, 2) + dt.timedelta(days=i % 340), unit, CATEGORIES[i % 5], f"{unit}第{i}期专题学法",
             None, 10 + i % 7, 2, None] for i in range(n)]
    return write_xlsx(path, {"培训": [[f"{unit}2025年培训学法台账"], TRAINING_HEADER, *rows]})


# the confirm button of each page is clicked by a timer in the page, all at the same wall-clock moment
ARM = """at => {
  const button = [...document.querySelectorAll("[data-testid='stMain'] button")].find(b => b.innerText.includes('确认导入'));
  if (!button) return false;
  setTimeout(() => { window.__clicked = Date.now(); button.click(); }, Math.max(0, at - Date.now()));
  return true;
}"""


def test_four_imports_at_once_through_two_servers(browser, tmp_path, request):
    """Four clerks, two on each server, each with their unit's ledger checked and ready in the real 数据填报
    page, all press 确认导入 at the same moment, while a fifth page (the first clerk again, on the other
    server) confirms a copy of the first clerk's file. Afterwards: exactly four new batches, the ledger
    rows, the aggregates and every progress figure equal the four files imported one after another
    into a SQLite database, each page says what it did, and the copy made no batch."""
    sizes = {"hq": 240, "wb": 310, "hj": 180, "hx": 270}
    files = {login: _ledger(tmp_path / f"{UNIT[login]}培训台账.xlsx", UNIT[login], n) for login, n in sizes.items()}
    copy = shutil.copyfile(files["hq"], tmp_path / "红旗区培训台账（另存）.xlsx")  # same bytes, another name
    url, shared = _database(request, tmp_path)
    conn = store.connect(url, files_dir=shared)
    demo_batches = {b["id"] for b in store.batches(conn)}
    before_rows = conn.execute("SELECT COUNT(*), SUM(participants) FROM training").fetchone()
    conn.close()

    with streamlit_server(url, tmp_path / "a.log", files=shared) as a, \
            streamlit_server(url, tmp_path / "b.log", files=shared) as b:
        plan = [("hq", a, files["hq"]), ("wb", b, files["wb"]), ("hj", a, files["hj"]), ("hx", b, files["hx"]),
                ("hq", b, copy)]
        pages = []
        for login, server, path in plan:  # each to the confirm step: logged in, file checked, button shown
            page = _login_page(browser, server, "/upload")
            _submit(page, login, PASSWORD[login])
            wait_ready(page, "数据填报", 120000)
            _upload(page, path, f"校验通过，共 {sizes[login]} 行")
            assert page.get_by_text(f"确认后将新增 {sizes[login]} 行").count() == 1
            assert page.get_by_role("button", name="确认导入").count() == 1
            pages.append(page)
        at = int(time.time() * 1000) + 2000
        assert all(page.evaluate(ARM, at) for page in pages)
        said = []
        for (login, _, path), page in zip(plan, pages):
            done = page.locator(ALERT, has_text=re.compile(
                f"^{re.escape(path.name)}：(已导入 培训学法台账|该文件已于)"))
            try:
                done.wait_for(timeout=120000)
            except Exception:
                page.screenshot(path="/tmp/servers_fail.png", full_page=True)
                raise
            said.append(done.inner_text())
        clicked = [page.evaluate("() => window.__clicked") for page in pages]
        assert all(clicked) and max(clicked) - min(clicked) < 500, clicked  # the five presses within half a second
        for page in pages:
            assert page.locator("[data-testid='stException']").count() == 0
            page.context.close()

    imported = {login: f"{files[login].name}：已导入 培训学法台账 {n} 行（新增 {n}、更新 0、未变 0）"
                for login, n in sizes.items()}
    assert said[1:4] == [imported["wb"], imported["hj"], imported["hx"]]
    first, fifth = said[0], said[4]  # one of the two copies of 红旗区's file was imported, the other changed nothing
    won = [first == imported["hq"], fifth == imported["hq"].replace(files["hq"].name, copy.name)]
    assert sorted(won) == [False, True], said
    assert "本次未作任何改动" in (fifth if won[0] else first), said

    conn = store.connect(url, files_dir=shared)
    try:
        new = [b for b in store.batches(conn) if b["id"] not in demo_batches]
        assert len(new) == 4 and all(b["undone"] is None for b in new)
        assert sorted((b["login"], b["rows"], b["added"], b["updated"]) for b in new) == sorted(
            (login, n, n, 0) for login, n in sizes.items())
        assert len({b["checksum"] for b in new}) == 4
        total = sum(sizes.values())
        participants = sum(10 + i % 7 for n in sizes.values() for i in range(n))
        assert conn.execute("SELECT COUNT(*), SUM(participants) FROM training").fetchone() == (
            before_rows[0] + total, before_rows[1] + participants)
        for login, n in sizes.items():  # each unit's own rows, once
            assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT title) FROM training WHERE title LIKE ?",
                                (f"{UNIT[login]}第%期专题学法",)).fetchone() == (n, n)
        assert sorted(e["login"] for e in store.audit.entries(conn, action="import") if e["login"] in UNIT) == sorted(
            UNIT)  # one import each in the audit log; the copy that changed nothing is no import
        assert len(list(shared.iterdir())) == len(demo_batches) + 4  # one original per batch in the shared folder

        # the same four files imported one after another into SQLite: every figure the same
        reference = store.connect(tmp_path / "reference.db", files_dir=tmp_path / "reference")
        demo.load_demo(reference)
        for path in files.values():
            assert importing.import_parsed(reference, imports.parse_path(path)).ok
        totals = store.measure_totals(conn, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        assert totals == store.measure_totals(reference, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        years, checked = compare_figures(reference, conn)
        assert 2025 in years and checked > 100
        reference.close()
    finally:
        conn.close()
