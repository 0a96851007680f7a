"""What a leader sees first, in Chromium at 1600x900 and 390x844 (issue 22): the key figures on the first
screen under one compact notice, no key figure cut, the phone's 更改 button and its panel agreeing with
the page whichever way the page was reached, a 汇报模式 screen with no controls on it, and no English
from Streamlit in its tooltips and search boxes either.

The app runs with the demo data and no account (so both notices show: 示例数据 and 尚未启用登录).
"""
from __future__ import annotations

import re

import pytest

from pathlib import Path

from test_browser import MIN_CHARTS, OPEN_PAGES, PHONE, WIDTH, HEIGHT, charts_state, streamlit_server, wait_ready
from test_browser_journeys import SELECTED, caption, english

pytestmark = pytest.mark.browser

DASHBOARDS = [("/", "总览"), ("/training", "学法培训"), ("/publicity", "宣传活动"), ("/governance", "制度落实"),
              ("/staff", "执法队伍"), ("/scorecard", "督导评分")]
# 制度落实 has no row of key figures; 督导评分's figures are one unit's, under the ranking that leads the page
NO_TOP_FIGURES = {"制度落实", "督导评分"}
DESK = {"viewport": {"width": WIDTH, "height": HEIGHT}}
SIZES = {"1600x900": DESK, "390x844": PHONE}
# the brief's own abbreviations; any other Latin word in a tooltip or a box is Streamlit's English
ALLOWED = {"png", "excel", "pdf", "word", "ppt", "csv", "smtp", "url", "id"}
# beside test_browser_journeys' list: the kinds of file a report may be (TXT/MD) and the mail server's name
FILE_KINDS = {"txt", "md", "smtp"}

# the box of the first key figure and of the first chart, and the viewport's height
FIRST_SCREEN = """() => { const box = s => { const e = document.querySelector(s);
    if (!e) return null; const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; };
  return {metric: box('[data-testid=stMetric]'), chart: box('[data-testid=stPlotlyChart]'), height: innerHeight}; }"""
# key figures' labels, values and deltas whose text is wider than their box (cut, or ending in …)
METRIC_CUT = """() => [...document.querySelectorAll('[data-testid=stMetric] *')]
  .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.dataset.testid || e.tagName}:${e.textContent.slice(0, 30)}:${e.scrollWidth}>${e.clientWidth}`)"""
# the notices above the heading (the one compact notice), as their texts
NOTICES = """() => { const h = document.querySelector('[data-testid=stMain] h1, [data-testid=stMain] h2');
  return [...document.querySelectorAll('[data-testid=stMain] [data-testid=stAlert]')]
    .filter(a => h && (a.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING)).map(a => a.innerText); }"""
# what a pointer shows: native tooltips (title), plotly's modebar tooltips (data-title, drawn by ::after)
# and the names of the buttons Streamlit puts on charts and tables
TOOLTIPS = """() => [
  ...[...document.querySelectorAll('[title]')].map(e => e.getAttribute('title')),
  ...[...document.querySelectorAll('.modebar-btn')].map(e => getComputedStyle(e, '::after').content),
  ...[...document.querySelectorAll('[data-testid=stElementToolbar] button, .modebar-btn')]
     .map(e => e.getAttribute('aria-label') || ''),
].join(' ')"""


def latin(text: str) -> list[str]:
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in ALLOWED})


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("first_screen")
    with streamlit_server(folder / "app.db", folder / "server.log", files=folder / "files") as url:  # the demo data loads
        yield url


def _open(browser, url: str, size: str, path: str, title: str, least: int = 1):
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    page.goto(url + path)
    wait_ready(page, title, 120000)
    charts_state(page, least, timeout=20 if least else 2)
    return context, page


def _scope_button(page):
    return page.locator("[data-testid='stPopover'] button").first


def _choose_unit_on_the_phone(page, unit: str, title: str) -> None:
    _scope_button(page).click()
    panel = page.locator("[data-testid='stPopoverBody']")
    panel.locator("[data-testid='stSelectbox']").last.click()
    page.get_by_role("option", name=unit, exact=True).click()
    wait_ready(page, title)
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path,title", DASHBOARDS, ids=[t for _, t in DASHBOARDS])
def test_the_key_figures_are_on_the_first_screen_and_whole(browser, app_url, size, path, title):
    context, page = _open(browser, app_url, size, path, title)
    notices = page.evaluate(NOTICES)
    assert len(notices) == 1, notices  # the demo data and the missing login said in one notice
    assert "示例数据" in notices[0] and "尚未启用登录" in notices[0]
    screen = page.evaluate(FIRST_SCREEN)
    if title in NO_TOP_FIGURES:  # the first chart starts on the first screen, its title and more seen
        assert screen["chart"] and 0 <= screen["chart"]["top"] <= screen["height"] - 200, (title, size, screen)
    else:  # the first key figure whole
        first = screen["metric"]
        assert first and 0 <= first["top"] and first["bottom"] <= screen["height"], (title, size, screen)
    assert page.evaluate(METRIC_CUT) == [], (title, size)
    if size == "390x844":  # one unit's figures are longer (排名 第 16 名 / 16, 已完成全年目标 …)
        _choose_unit_on_the_phone(page, "长垣市", title)
        assert caption(page).startswith("长垣市 · ")
        assert page.evaluate(METRIC_CUT) == [], (title, "长垣市")
    context.close()


def _agree(page, title: str) -> str:
    """The scope button, the caption under the heading and the panel's widgets say the same; returns it."""
    button = _scope_button(page).inner_text()
    said = re.search(r"(\S+ · \S+)\s*更改", button).group(1)
    assert caption(page).startswith(said + " · "), (title, button, caption(page))
    _scope_button(page).click()
    panel = page.locator("[data-testid='stPopoverBody']")
    panel.get_by_text("单位", exact=True).wait_for(timeout=10000)
    year = panel.locator("[data-testid='stSelectbox']").first.evaluate(SELECTED)
    unit = panel.locator("[data-testid='stSelectbox']").last.evaluate(SELECTED)
    period = [p for p in ("上半年", "全年", "截至日期") if panel.get_by_role("radio", name=p).is_checked()]
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    unit_said, period_said = said.split(" · ")
    assert unit_said in unit, (title, said, unit)
    assert re.match(r"\d{4}年", period_said).group(0) in year, (title, said, year)
    assert period and period_said.endswith(period[0]) or period == ["截至日期"], (title, said, period)
    return said


def test_the_phone_scope_button_and_panel_agree_on_every_page(browser, app_url):
    """Pages reached from the sidebar, from the first page and after a change of period: the 更改 button,
    its panel and the page say one scope; changing only the unit keeps the year and the period."""
    context, page = _open(browser, app_url, "390x844", "/", "总览")
    assert _agree(page, "总览") == "全市 · 2025年全年"
    _scope_button(page).click()
    page.locator("[data-testid='stPopoverBody']").get_by_text("上半年", exact=True).click()
    wait_ready(page, "总览")
    page.keyboard.press("Escape")
    assert _agree(page, "总览") == "全市 · 2025年上半年"
    for path, title in DASHBOARDS[1:] + DASHBOARDS[:1]:
        page.get_by_test_id("stExpandSidebarButton").click()
        page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()
        wait_ready(page, title)
        charts_state(page, 1)
        assert _agree(page, title) == "全市 · 2025年上半年", title
    page.get_by_test_id("stExpandSidebarButton").click()
    page.locator("[data-testid='stSidebarNav'] a", has_text="学法培训").click()
    wait_ready(page, "学法培训")
    _choose_unit_on_the_phone(page, "红旗区", "学法培训")  # only the unit
    assert _agree(page, "学法培训") == "红旗区 · 2025年上半年"
    page.goto(app_url + "/publicity")  # a new page session: the choice starts again from the default
    wait_ready(page, "宣传活动", 120000)
    assert _agree(page, "宣传活动") == "全市 · 2025年全年"
    context.close()


# buttons, the sidebar, the header and charts' toolbars that a screenshot of the window would show
CHROME_SHOWN = """() => [...document.querySelectorAll(
    'button, [data-testid=stSidebar], [data-testid=stHeader], [data-testid=stPopover], .modebar-container')]
  .filter(e => { const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.bottom <= 0 || r.top >= innerHeight) return false;
    for (let a = e; a; a = a.parentElement) { const cs = getComputedStyle(a);
      if (cs.visibility === 'hidden' || parseFloat(cs.opacity) < 0.05) return false; }
    return true; })
  .map(e => (e.innerText || '').trim() || e.dataset.testid || e.className)"""


@pytest.mark.parametrize("size", SIZES)
def test_a_report_mode_screenshot_shows_no_controls(browser, app_url, size, tmp_path):
    context, page = _open(browser, app_url, size, "/training", "学法培训")
    if size == "390x844":
        page.get_by_test_id("stExpandSidebarButton").click()
    page.locator("[data-testid='stSidebar']").get_by_text("汇报模式").click()
    wait_ready(page, "全市 · 2025年全年 · 学法培训")
    charts_state(page, 2)
    page.mouse.move(1, 1)  # the pointer away, as for a screenshot
    page.wait_for_timeout(500)
    assert page.evaluate(CHROME_SHOWN) == []  # no 更改, no 退出汇报模式, no sidebar, no chart toolbar
    assert page.locator("[data-testid='stAlert']").count() == 0  # the heading's caption says 示例数据
    assert "示例数据" in caption(page)
    heading = page.get_by_role("heading", name="全市 · 2025年全年 · 学法培训").bounding_box()
    chart = page.locator("[data-testid='stPlotlyChart']").first.bounding_box()
    assert chart["y"] - (heading["y"] + heading["height"]) < 120  # the hidden way out takes no room between
    page.screenshot(path=str(tmp_path / "report.png"))
    leave = page.get_by_role("button", name="退出汇报模式")
    if size == "390x844":  # no pointer: the way back is under the charts
        assert leave.count() == 2
        leave = leave.last
        leave.scroll_into_view_if_needed()
    else:
        leave.hover()  # the way out shows under the pointer
        page.wait_for_timeout(400)
        assert float(leave.evaluate("e => getComputedStyle(e).opacity")) > 0.9
    leave.click()
    wait_ready(page, "学法培训")
    assert page.locator("[data-testid='stPopover']").count() == (1 if size == "390x844" else 0)
    context.close()


def _on_screen_english(page) -> list[str]:
    """Latin words in the visible text (no command line either: the 创建管理员 page had one), and in the
    uploaders' buttons, whose English Streamlit draws at font size 0 under our words but a screen reader reads."""
    buttons = " ".join(page.locator("[data-testid=stFileUploaderDropzone] button p").all_text_contents())
    return [w for w in english(page) + latin(buttons) if w.lower() not in FILE_KINDS]


@pytest.mark.parametrize("number,path,title", [(i, p, t) for i, (p, t, _) in enumerate(OPEN_PAGES)],
                         ids=[t for _, t, _ in OPEN_PAGES])
def test_no_english_on_screen_nor_in_tooltips(browser, app_url, number, path, title):
    stem = Path(path).stem
    context, page = _open(browser, app_url, "1600x900", "/" if number == 0 else "/" + stem, title,
                          least=min(MIN_CHARTS.get(stem, 1), 1))
    assert _on_screen_english(page) == [], title
    assert latin(page.evaluate(TOOLTIPS)) == [], title
    shown = [e for e in page.locator("[data-testid='stPlotlyChart'], [data-testid='stDataFrame']").all() if e.is_visible()]
    for owner in shown[:2]:  # (not those folded in a closed expander)
        owner.scroll_into_view_if_needed()
        owner.hover()
        page.wait_for_timeout(300)
        toolbar = owner.locator("xpath=ancestor::*[@data-testid='stElementContainer'][1]")
        for button in toolbar.locator("[data-testid='stElementToolbar'] button").all():
            button.hover()
            tip = page.locator("[data-testid='stTooltipContent']")
            tip.first.wait_for(timeout=5000)
            assert latin(" ".join(tip.all_inner_texts())) == [], (title, tip.all_inner_texts())
        modebar = owner.locator(".modebar-btn")
        for i in range(modebar.count()):
            tooltip = modebar.nth(i).evaluate("e => getComputedStyle(e, '::after').content")
            assert latin(tooltip) == [], (title, tooltip)
    context.close()


def test_a_search_that_matches_nothing_says_so_in_chinese(browser, app_url):
    context, page = _open(browser, app_url, "1600x900", "/", "总览")
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    box.click()
    page.keyboard.type("zzz")  # matches nothing
    page.wait_for_timeout(500)
    empty = page.locator("[data-testid='stSelectboxVirtualDropdown'] [role='listbox'][data-empty='true'] span").first
    empty.wait_for(timeout=5000)
    shown = empty.evaluate("e => (parseFloat(getComputedStyle(e).fontSize) ? e.textContent : '') "
                           "+ getComputedStyle(e, '::after').content")
    assert "没有匹配的选项" in shown and latin(shown) == [], shown
    assert english(page) == []
    page.keyboard.press("Escape")
    context.close()
