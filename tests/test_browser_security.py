"""Issue 21 in a real browser: what only Chromium shows.

A ledger 主题, an import's file name and an evidence file name each hold a phishing link and an outside
image; on 佐证材料 and in 导入记录's undo confirmation the browser draws them as text: no link to the
outside, no image from it, and no request ever leaves for it (the viewer's address would leak). The
server prints its set-up code in its console as it starts, before anyone opens a page.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from conftest import TRAINING_HEADER, write_xlsx
from indicators import evidence, importing, imports, roles, store
from test_browser import HEIGHT, WIDTH, streamlit_server, wait_ready

pytestmark = pytest.mark.browser

EVIL = "evil.example"
HOSTILE = f"![x](http://{EVIL}/a.png) [会话已过期，请点此重新登录](http://{EVIL}/login) <img src=http://{EVIL}/b.png>"
NAME = "![x](evil.png)[点此重新登录](mailto:a@evil.example) www.evil.example"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile_browser")
    conn = store.connect(folder / "app.db")
    book = write_xlsx(folder / "x.xlsx", {"台账": [TRAINING_HEADER, [dt.date(2025, 3, 5), "红旗区", "党组中心组学法", HOSTILE,
                                                                  HOSTILE, 15, 2, HOSTILE]]})
    res = importing.import_parsed(conn, imports.parse_file(book.read_bytes(), f"{NAME}.xlsx"))
    assert res.ok
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buf, "PNG")
    evidence.attach(conn, roles.OPERATOR, [(f"{NAME}.png", buf.getvalue())], batch=res.batch_id)
    # and on the row itself: the listing names the row by its 主题, which holds http:// links
    import polars  # noqa: F401  (row_table's frame)
    period = __import__("indicators.progress", fromlist=["Period"]).Period(2025, dt.date(2025, 6, 30), "2025年上半年")
    ref = evidence.RowRef.parse(evidence.row_table(conn, period, "红旗区", missing_only=False).iloc[0]["ref"])
    evidence.attach(conn, roles.OPERATOR, [("签到表.png", buf.getvalue())], row=ref)
    conn.close()
    log = folder / "server.log"
    with streamlit_server(folder / "app.db", log) as url:
        yield url, log


def outside(page) -> dict:
    return page.evaluate("""(evil) => ({
        links: [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.includes(evil) || h.startsWith('mailto:')),
        images: [...document.querySelectorAll('img')].map(i => i.src).filter(s => s.includes(evil) || s.endsWith('evil.png')),
    })""", EVIL)


def test_the_setup_code_is_in_the_console_before_anyone_opens_a_page(hostile_server):
    url, log = hostile_server
    import time
    deadline = time.time() + 30
    while "首次设置码：" not in log.read_text() and time.time() < deadline:
        time.sleep(0.5)
    assert "首次设置码：" in log.read_text()


@pytest.mark.parametrize("path,heading", [("evidence", "佐证材料"), ("history", "导入记录")])
def test_user_text_is_drawn_as_text_and_nothing_is_fetched_from_outside(browser, hostile_server, path, heading):
    url, _ = hostile_server
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    asked = []
    page.on("request", lambda r: asked.append(r.url) if EVIL in r.url else None)
    page.goto(f"{url}/{path}?year=2025")
    wait_ready(page, heading)
    if path == "history":
        page.get_by_role("button", name="撤销此批次").first.click()
        page.get_by_text("确认撤销批次").first.wait_for(timeout=30000)
        wait_ready(page, heading)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "会话已过期" in body or "点此重新登录" in body  # the text is there, as typed ...
    assert outside(page) == {"links": [], "images": []}  # ... never as a link or an image
    assert asked == []
    page.close()
