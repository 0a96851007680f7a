"""Each kind of user's journey in Chromium, checked for what they see (issue 22): no English words from
Streamlit on any page, nothing wider than the screen, no heading or key figure cut by its box, and the
default period and the selection agreeing with the page's caption.

(The leader's reload staying logged in waits for the cookie login of the security work: not on main yet.)
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from indicators import accounts, cycle, demo, roles, store
from test_browser import PHONE, TOO_WIDE, WIDTH, HEIGHT, charts_state, streamlit_server, wait_ready

pytestmark = pytest.mark.browser

PASSWORD = {"ldr": "Lingdao-2025!x", "fgk": "Fagui-2025!x", "hjx": "Huojia-2025x"}
# our own abbreviations and file kinds; any other Latin word on screen is Streamlit's English
ALLOWED = {"png", "pdf", "xlsx", "xls", "csv", "docx", "pptx", "ppt", "excel", "wps", "word", "zip", "jpg", "jpeg",
           "powerpoint", "office", "utf", "gbk", "mb", "kb", "gb", "sha", "url", "id"}  # product names too
VISIBLE_TEXT = """() => { const out = [];
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) { const n = w.currentNode, e = n.parentElement;
    if (!e || !n.textContent.trim()) continue;
    const cs = getComputedStyle(e), r = e.getBoundingClientRect();
    if (/material/i.test(cs.fontFamily) || cs.visibility === 'hidden' || cs.display === 'none'
        || parseFloat(cs.fontSize) === 0 || r.width < 2 || r.height < 2 || e.closest('script,style,[aria-hidden=true],svg')) continue;
    out.push(n.textContent); }
  return out.join(' '); }"""
# headings, key figures, captions and buttons whose text is wider than their box (cut, or ending in …)
CUT = """() => [...document.querySelectorAll(
    'h1, h2, h3, [data-testid=stMetricValue] *, [data-testid=stMetricLabel] *, [data-testid=stMetricDelta] *, '
    + '[data-testid=stCaptionContainer], [data-testid=stPopover] button p, [data-testid=stMain] button p')]
  .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.tagName}:${e.textContent.slice(0, 30)}:${e.scrollWidth}>${e.clientWidth}`)"""


# what a select box shows as chosen (its value sits in an input's aria-label or value, not in its text)
SELECTED = ("e => e.textContent + ' ' + [...e.querySelectorAll('input')]"
            ".map(i => i.value + ' ' + (i.getAttribute('aria-label') || '')).join(' ')")


def english(page) -> list[str]:
    words = re.findall(r"[A-Za-z]{2,}", page.evaluate(VISIBLE_TEXT))
    return sorted({w for w in words if w.lower() not in ALLOWED})


def looks_right(page, where: str) -> None:
    """What every page of every journey must be: Chinese only, nothing wider than the screen, nothing cut."""
    assert english(page) == [], where
    assert page.evaluate(TOO_WIDE) == [], where
    assert page.evaluate(CUT) == [], where
    assert page.locator("[data-testid='stException']").count() == 0, where


def caption(page) -> str:
    return page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()


def log_in(page, login: str, heading: str) -> None:
    looks_right(page, "登录")
    page.get_by_label("登录名").fill(login)
    page.get_by_label("密码").fill(PASSWORD[login])
    page.get_by_role("button", name="登录").click()
    wait_ready(page, heading, 120000)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The demo data (2024 and 2025, every unit) with 2026 rows of one county only, a leader, the
    administrator and the 获嘉县 clerk; 获嘉县 has submitted 2025上半年 for review."""
    folder = tmp_path_factory.mktemp("journeys")
    db = folder / "app.db"
    conn = store.connect(db, files_dir=folder / "files")
    demo.load_demo(conn)
    admin = accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN, name="孙法规")
    accounts.create(conn, admin, "ldr", PASSWORD["ldr"], roles.LEADER, name="李主任")
    clerk = accounts.create(conn, admin, "hjx", PASSWORD["hjx"], roles.CLERK, "获嘉县", name="王填报")
    cycle.transition(conn, clerk, "submit", "获嘉县", 2025, 1)
    conn.close()
    with streamlit_server(db, folder / "server.log", files=folder / "files") as url:
        yield url


def test_a_leader_on_a_phone_from_a_chat_link(browser, demo_app):
    """A link to 学法培训 opened on a phone: log in, the page of the link, 2025年全年 (the latest year all
    units reported) in the button and the caption alike; changing only the unit keeps the period."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(demo_app + "/training")
    wait_ready(page, None, 120000)
    log_in(page, "ldr", "学法培训")
    charts_state(page, 1)
    assert caption(page).startswith("全市 · 2025年全年 · 数据截至 2025年12月31日")
    scope = page.get_by_role("button", name=re.compile("^全市 · 2025年全年"))
    assert scope.count() == 1
    looks_right(page, "学法培训（手机）")
    scope.click()
    panel = page.locator("[data-testid='stPopoverBody']")
    panel.get_by_text("单位", exact=True).wait_for(timeout=10000)
    year = panel.locator("[data-testid='stSelectbox']").first.evaluate(SELECTED)
    assert "2025年" in year, year  # the panel holds what the button says
    assert panel.get_by_role("radio", name="全年").is_checked()
    panel.locator("[data-testid='stSelectbox']").last.click()
    page.get_by_role("option", name="红旗区", exact=True).click()
    wait_ready(page, "学法培训")
    assert caption(page).startswith("红旗区 · 2025年全年")  # only the unit moved
    assert page.get_by_role("button", name=re.compile("^红旗区 · 2025年全年")).count() == 1
    page.keyboard.press("Escape")
    looks_right(page, "学法培训 红旗区（手机）")
    for path, heading in (("/", "总览"), ("/scorecard", "督导评分")):
        page.goto(demo_app + path)  # a new page session, as another link from the chat: still logged in
        wait_ready(page, heading, 120000)
        assert page.get_by_label("登录名").count() == 0, f"{path} asked for the password again"
        charts_state(page, 1)
        assert caption(page).startswith("全市 · 2025年全年")
        looks_right(page, f"{heading}（手机）")
    context.close()


def test_the_administrator_reviews_approves_and_exports(browser, demo_app, tmp_path):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(demo_app + "/reporting")
    wait_ready(page, None, 120000)
    log_in(page, "fgk", "报送情况")
    looks_right(page, "报送情况")
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.locator("label", has_text="上半年").click()
    wait_ready(page, "报送情况")
    assert caption(page).startswith("全市 · 2025年上半年")
    box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first.evaluate(SELECTED)
    assert "获嘉县（已提交）" in box, box  # the review opens on the unit waiting for it
    page.get_by_role("button", name="审核通过").click()
    page.get_by_text("获嘉县2025年上半年：审核通过完成，当前为「已审核」").wait_for(timeout=60000)
    wait_ready(page, "报送情况")
    assert "已审核 1/16 个单位" in caption(page)
    looks_right(page, "报送情况（已审核）")
    page.locator("[data-testid='stSidebarNav'] a", has_text="汇报材料").click()
    wait_ready(page, "汇报材料")
    looks_right(page, "汇报材料")
    page.get_by_role("button", name="生成督导平台工作簿").click()
    download = page.get_by_role("button", name=re.compile("^下载 .*督导平台数据"))
    download.wait_for(timeout=120000)
    wait_ready(page, "汇报材料")
    looks_right(page, "汇报材料（已生成）")
    with page.expect_download(timeout=120000) as got:
        download.click()
    path = tmp_path / got.value.suggested_filename
    got.value.save_as(path)
    import openpyxl
    wb = openpyxl.load_workbook(path)
    assert wb.properties.title == "全市2025年上半年法治建设指标数据"  # Office shows it, not the file name
    assert "已审核" in str(wb.properties.description)
    page.close()


def test_a_clerk_uploads_and_submits(browser, demo_app, tmp_path):
    from test_browser import _ledger
    ledger = _ledger(tmp_path / "获嘉县台账.xlsx",
                     [[dt.date(2025, 8, 1), "获嘉县", "全员法治培训", "宪法专题", "张三", 40, 2, None]])
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(demo_app + "/upload")
    wait_ready(page, None, 120000)
    log_in(page, "hjx", "数据填报")
    button = page.get_by_test_id("stFileUploaderDropzone").locator("button p")
    assert button.evaluate("e => getComputedStyle(e, '::after').content") == '"选择文件"'  # drawn over "Upload"
    looks_right(page, "数据填报")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(ledger))
    page.get_by_text("校验通过，共 1 行").first.wait_for(timeout=60000)
    wait_ready(page, "数据填报")
    looks_right(page, "数据填报（校验通过）")
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("已导入 培训学法台账 1 行").first.wait_for(timeout=60000)
    wait_ready(page, "数据填报")
    page.locator("[data-testid='stSidebarNav'] a", has_text="报送情况").click()
    wait_ready(page, "报送情况")
    looks_right(page, "报送情况（填报员）")
    page.close()
