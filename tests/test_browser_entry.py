"""在线填报 in Debian chromium: a date typed into the grid, two rows pasted from the clipboard as Excel puts
them there, a cell typed over, checked, submitted, and 总览's 总体完成率 moves; on a phone (390×844) the
row-by-row form does the same and nothing is wider than the screen."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from conftest import TRAINING_HEADER, load, write_xlsx
from indicators import entry, store
from test_browser import PHONE, streamlit_server, wait_ready

pytestmark = pytest.mark.browser
D = dt.date
# two rows as Excel copies them: tab between cells, a line break between rows (主讲人 left empty)
PASTED = "2025-03-01\t卫滨区\t执法人员培训\t行政处罚法\t\t25\n2025-03-02\t卫滨区\t执法人员培训\t宪法\t\t3"


@pytest.fixture
def app(tmp_path):
    """The app on a database holding one 卫滨区 row (not the demo data); yields (url, database path)."""
    db = tmp_path / "app.db"
    conn = store.connect(db)
    assert load(conn, write_xlsx(tmp_path / "seed.xlsx", {"台账": [
        TRAINING_HEADER, [D(2025, 1, 5), "卫滨区", "全员法治培训", "种子", None, 5, 1, None]]})).ok
    conn.close()
    with streamlit_server(db, tmp_path / "server.log") as url:  # a free port: no fixed one under xdist or CI
        yield url, db


def completion(page, url: str) -> float:
    """总览's 总体完成率 (全市, 2025年全年), as the page shows it."""
    page.goto(url + "/")
    wait_ready(page, "总览", 120000)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="总体完成率")
    return float(re.search(r"([\d.]+)%", metric.locator("[data-testid='stMetricValue']").inner_text())[1])


def stored(db: Path) -> list[tuple]:
    conn = store.connect(db)
    try:
        return [(r["date"], r["主题"], r["参加人数"]) for r in entry.rows(conn, 2025, "卫滨区", "training")]
    finally:
        conn.close()


def pill(where, text: str):
    return where.locator("[data-testid='stButtonGroup'] button", has_text=re.compile(f"^{text}$"))


def check_and_submit(page, rows: int) -> None:
    page.get_by_role("button", name="检查").click()
    wait_ready(page, "在线填报")
    page.get_by_text(f"检查通过：共 {rows} 行，提交后将新增 {rows} 行、更新 0 行。").wait_for(timeout=30000)
    page.get_by_role("button", name="提交").click()
    wait_ready(page, "在线填报")
    page.get_by_text(re.compile(f"已提交培训学法台账 {rows} 行（批次 2）")).wait_for(timeout=30000)


def test_typing_and_pasting_into_the_grid_moves_the_overview(browser, app, tmp_path):
    url, db = app
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    before = completion(page, url)
    page.goto(url + "/entry")
    wait_ready(page, "在线填报", 120000)
    grid = page.locator("[data-testid='stDataFrame']").first

    def first_date():  # below the header: the 日期 cell of the first row (asked each time: the page may move)
        box = grid.bounding_box()
        return box["x"] + 130, box["y"] + 53

    editor = page.locator("input[data-testid='date-picker-cell']")
    for _ in range(3):  # the empty grid's add-row line: a row is added, its date editor opens (once the grid listens)
        page.mouse.click(*first_date())
        try:
            editor.wait_for(timeout=5000)
            break
        except Exception:  # noqa: BLE001 - Playwright's timeout: the grid was not ready yet, click again
            page.keyboard.press("Escape")
    editor.fill("2025-02-28")  # a date typed
    page.keyboard.press("Enter")
    wait_ready(page, "在线填报")
    page.mouse.click(*first_date())  # the cell selected (Escape would clear the selection, unless an editor opened)
    page.wait_for_timeout(300)
    if page.locator("input[data-testid='date-picker-cell']").count():
        page.keyboard.press("Escape")
    page.evaluate("text => navigator.clipboard.writeText(text)", PASTED)
    page.keyboard.press("Control+V")  # over the typed row, and one row more
    wait_ready(page, "在线填报")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 740, box["y"] + 88)  # the second row's 参加人数 (rows and header are 35 px)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")  # the cell's editor opens on its pasted 3
    page.wait_for_timeout(300)
    page.keyboard.press("Control+A")
    page.keyboard.type("30", delay=50)  # typed over it
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    wait_ready(page, "在线填报")
    check_and_submit(page, 2)
    assert stored(db) == [("2025-01-05", "种子", 5), ("2025-03-01", "行政处罚法", 25), ("2025-03-02", "宪法", 30)]
    assert page.locator("[data-testid='stException']").count() == 0
    after = completion(page, url)
    assert after > before, (before, after)  # 卫滨区's 执法人员培训 is done: the city's completion rises
    context.close()


def test_on_a_phone_rows_go_in_one_by_one_and_nothing_is_wider_than_the_screen(browser, app):
    url, db = app
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    before = completion(page, url)
    page.goto(url + "/entry")
    wait_ready(page, "在线填报", 120000)
    form = page.locator("[data-testid='stExpander']").filter(has_text="逐行填写")
    pill(form, "3月").click()
    wait_ready(page, "在线填报")
    pill(form, "8日").click()
    wait_ready(page, "在线填报")
    assert "日期：2025年03月08日" in form.inner_text()
    for label, option in (("单位", "卫滨区"), ("类别", "执法人员培训")):
        box = form.locator("[data-testid='stSelectbox']").filter(has_text=label)
        # settled in view first: a box at the screen's lower edge scrolls on focus, which closes its list
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box.click()
        page.get_by_role("option", name=option, exact=True).click()
        wait_ready(page, "在线填报")
    form.get_by_label("主题").fill("手机上填的讲座")
    form.get_by_label("参加人数").fill("12")
    form.get_by_label("参加人数").press("Enter")
    wait_ready(page, "在线填报")
    form.get_by_role("button", name="添加到表格").click()
    wait_ready(page, "在线填报")
    # the second row: the form keeps the unit and category chosen; another day and title
    again = page.locator("[data-testid='stExpander']").filter(has_text="逐行填写")
    pill(again, "9日").click()
    wait_ready(page, "在线填报")
    again.get_by_label("主题").fill("第二次讲座")
    again.get_by_label("主题").press("Enter")
    wait_ready(page, "在线填报")
    again.get_by_role("button", name="添加到表格").click()
    wait_ready(page, "在线填报")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    check_and_submit(page, 2)
    assert stored(db) == [("2025-01-05", "种子", 5), ("2025-03-08", "手机上填的讲座", 12), ("2025-03-09", "第二次讲座", 12)]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert completion(page, url) > before
    context.close()
