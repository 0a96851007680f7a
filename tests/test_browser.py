"""The whole app in a real browser: `streamlit run` on a loopback port, every page in headless
Debian chromium (driven by Playwright, no downloaded browser), charts drawn, nothing broken.

Full-page screenshots go to $DASHBOARD_SHOTS or a temporary folder (printed), never into git.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import dashboard_support as ds
from indicators import roles
from ui import navigation

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WIDTH, HEIGHT = 1600, 900
# pages of forms and tables (数据管理, 汇报输出) draw fewer charts than the dashboard's two or more
MIN_CHARTS = {"upload": 0, "entry": 0, "evidence": 0, "history": 0, "reporting": 1, "targets": 0, "exports": 0, "audit": 0,
              "first_admin": 0, "answers": 0, "notify": 0}
# with no account in the database (as on a new machine) the machine's operator sees these pages
OPEN_PAGES = [p for pages in navigation.visible(roles.OPERATOR, False).values() for p in pages]


def chromium_path() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    assert path, "Debian's chromium is missing: run ./test.sh (tools/setup.sh --dev installs it)"
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PASSWORD = {"fgk": "Fagui-2025!x", "boss": "Lingdao-2025x", "hq": "Hongqi-2025x"}  # the accounts below


def demo_with_accounts(folder: Path) -> Path:
    """A database in `folder` with the demo data and three accounts: fgk (管理员), boss (领导) and hq
    (红旗区's clerk), whose passwords are PASSWORD's."""
    from indicators import accounts, demo, store

    conn = store.connect(folder / "app.db")
    demo.load_demo(conn)
    admin = accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN, name="法规科")
    accounts.create(conn, admin, "boss", PASSWORD["boss"], roles.LEADER, name="主任")
    accounts.create(conn, admin, "hq", PASSWORD["hq"], roles.CLERK, "红旗区")
    conn.close()
    return folder / "app.db"


@contextlib.contextmanager
def streamlit_server(db: Path | str, log: Path, args=(), port: int | None = None, files: Path | None = None):
    """`streamlit run app.py [args]` on a free (or the given) 127.0.0.1 port with INDICATORS_DB=db (a path or
    a URL) and INDICATORS_FILES_DIR=files when given; yields its URL."""
    port = port or free_port()
    env = dict(os.environ, INDICATORS_DB=str(db), **({"INDICATORS_FILES_DIR": str(files)} if files else {}))
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
             "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false", *args],
            cwd=ds.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    pass
                assert proc.poll() is None and time.time() < deadline, "app did not start: " + log.read_text()[-800:]
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_ready(page, heading: str | None = None, timeout=60000) -> None:
    """Until the session is connected, the page's heading is shown and the script has finished."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout)
    page.wait_for_timeout(300)
    if heading:  # the run has started: 'notRunning' alone may still be the state before it
        page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    # the script may have finished while the browser still fetches the code of an element it meets for the
    # first time (a grey stSkeleton stands in for it; on a freshly started server that took over a second)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=timeout)
    page.wait_for_timeout(800)


def full_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its main block: grow the window to the content, then shoot."""
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                           "'[data-testid=stMain], [data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 0)")
    page.set_viewport_size({"width": WIDTH, "height": min(max(HEIGHT, height + 80), 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def charts_state(page, at_least: int = 1, timeout: float = 20) -> tuple[int, int]:
    """(charts on the page, charts plotly has drawn), waiting up to `timeout` s for `at_least` charts
    all drawn."""
    deadline = time.time() + timeout
    while True:
        charts = page.locator("[data-testid='stPlotlyChart']").count()
        drawn = page.locator("[data-testid='stPlotlyChart'] .js-plotly-plot .main-svg").evaluate_all(
            "els => new Set(els.map(e => e.closest('[data-testid=stPlotlyChart]'))).size")
        if (charts >= at_least and drawn == charts) or time.time() > deadline:
            return charts, drawn
        page.wait_for_timeout(250)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("DASHBOARD_SHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    with streamlit_server(folder / "app.db", folder / "server.log") as url:  # empty: the demo data loads
        yield url


def _same_shell_as_from_the_root(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_role("dialog").count() == 0  # no "Page not found"
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_text("年度", exact=True).count() == 1
    links = sidebar.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    assert [t.split()[-1] for t in links] == [title for _, title, _ in OPEN_PAGES]  # ours, in order


def test_a_link_to_the_upload_page_opened_first_after_a_restart_takes_the_first_upload(browser, tmp_path):
    # The first visitor of a freshly started server arrives by a bookmarked /upload and drops a file at once.
    import datetime as dt

    good = _ledger(tmp_path / "获嘉县培训台账.xlsx", [
        [dt.date(2025, 3, 1), "获嘉县", "党组中心组学法", "法治思想", "张三", 15, 2, None]])
    with streamlit_server(tmp_path / "app.db", tmp_path / "server.log") as url:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(url + "/upload")
        wait_ready(page, "数据填报", 120000)
        _same_shell_as_from_the_root(page)
        _upload(page, good, "校验通过，共 1 行")
        page.get_by_role("button", name="确认导入").click()
        page.get_by_text("已导入 培训学法台账 1 行").wait_for(timeout=60000)
        page.close()


def test_a_link_to_a_dashboard_page_opened_first_after_a_restart_takes_the_first_change(browser, tmp_path):
    with streamlit_server(tmp_path / "app.db", tmp_path / "server.log") as url:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(url + "/scorecard")
        wait_ready(page, "督导评分", 120000)
        _same_shell_as_from_the_root(page)
        charts, drawn = charts_state(page, 2)
        assert charts == 2 and drawn == 2
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("上半年", exact=True).click()  # the very first change counts
        page.get_by_text("全市 · 2025年上半年 · 数据截至 2025年6月30日").wait_for(timeout=60000)
        wait_ready(page, "督导评分")
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.url.endswith("/scorecard")
        page.close()


# Counts, for every chart, the texts and shapes plotly.js replaced with new ones each time it drew the
# chart again: Streamlit draws each chart as it mounts it and then again from a copy (charts.for_browser).
REDRAWS = """
window.__redrawn = [];
new MutationObserver(() => document.querySelectorAll('.js-plotly-plot').forEach(gd => {
  if (gd.__counted || !gd.emit) return;
  gd.__counted = true;
  const emit = gd.emit;
  gd.emit = function (name, ...args) {
    if (name === 'plotly_afterplot') {
      if (gd.__drawn) window.__redrawn.push(gd.__drawn.filter(e => !e.isConnected).length);
      gd.__drawn = [...gd.querySelectorAll('text, path')];
    }
    return emit.call(this, name, ...args);
  };
})).observe(document, {subtree: true, childList: true});
"""


@pytest.mark.parametrize("number,path,title,icon", [(i, *p) for i, p in enumerate(OPEN_PAGES)],
                         ids=[Path(p[0]).stem for p in OPEN_PAGES])
def test_every_page_draws_its_charts(browser, server, shots, number, path, title, icon):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.add_init_script(REDRAWS)
    page.goto(server + ("/" if number == 0 else "/" + Path(path).stem))
    wait_ready(page, title, 120000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "示例数据" in page.locator("[data-testid='stAlert']").first.inner_text()
    assert page.evaluate("() => document.fonts.check('16px \"Noto Sans CJK SC\"', '法治建设')")
    least = MIN_CHARTS.get(Path(path).stem, 2)
    charts, drawn = charts_state(page, least, timeout=20 if least else 2)
    assert charts >= least and drawn == charts
    # drawn once: the second drawing (the copy, the column's width) kept everything the first one drew
    redrawn = page.evaluate("() => window.__redrawn")
    assert not any(redrawn), f"elements drawn anew when a chart was drawn again: {redrawn}"
    assert page.evaluate(OVERLAPS) == []  # no chart text drawn over another
    if charts:
        title_font = page.locator("[data-testid='stPlotlyChart'] .gtitle").first.evaluate(
            "e => getComputedStyle(e).fontFamily || e.style.fontFamily")
        assert "Noto Sans CJK SC" in title_font
    full_screenshot(page, shots / f"{number:02d}_{title}.png")
    page.close()


def test_report_mode_is_a_slide_and_the_download_is_a_2x_png(browser, server, shots, tmp_path):
    from PIL import Image

    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(server)
    wait_ready(page, "总览", 120000)
    page.locator("[data-testid='stSidebar']").get_by_text("汇报模式").click()
    wait_ready(page, "全市 · 2025年全年 · 总览")
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    charts, drawn = charts_state(page, 6)
    assert charts == 6 and drawn == charts
    page.screenshot(path=str(shots / "汇报模式_总览_第一屏.png"))
    full_screenshot(page, shots / "汇报模式_总览.png")
    page.get_by_role("button", name="退出汇报模式").click()
    wait_ready(page, "总览")
    assert page.locator("[data-testid='stSidebar']").is_visible()

    charts_state(page, 6)
    chart = page.locator("[data-testid='stPlotlyChart']").nth(2)  # 各项指标完成进度
    chart.hover()
    with page.expect_download() as download:
        chart.locator(".modebar-btn[data-title*='PNG' i]").first.click()
    assert page.get_by_text("图片已下载").count() >= 1  # plotly's notice, in Chinese
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "各项指标完成进度_全市_2025年全年.png"
    box = chart.locator(".main-svg").first.bounding_box()
    with Image.open(saved) as image:
        assert image.size == (round(box["width"] * 2), round(box["height"] * 2))
        assert image.convert("RGB").getpixel((4, 4)) == (255, 255, 255)  # light background
    page.close()


def _ledger(path: Path, rows: list[list]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "培训"
    ws.append(["2025年培训学法台账"])
    ws.append(["日期", "单位", "类别", "主题", "主讲人", "参加人数", "学时", "备注"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _upload(page, path: Path, expect: str) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    try:
        page.get_by_text(expect).first.wait_for(timeout=60000)
    except Exception:
        page.screenshot(path="/tmp/upload_fail.png", full_page=True)
        raise
    wait_ready(page, "数据填报")


def test_upload_refused_then_good_through_the_real_page(browser, tmp_path, shots):
    """A clerk uploads a ledger with mistakes, downloads it annotated, then uploads the fixed one and confirms."""
    import datetime as dt

    import openpyxl

    bad = _ledger(tmp_path / "获嘉县培训台账.xlsx", [
        [dt.date(2025, 3, 1), "火星区", "党组中心组学法", "法治思想", "张三", 15, 2, None],
        [dt.date(2025, 4, 2), "获嘉县", "读书会", "行政处罚法", "李四", -3, 2, None]])
    good = _ledger(tmp_path / "获嘉县培训台账（改）.xlsx", [
        [dt.date(2025, 3, 1), "获嘉县", "党组中心组学法", "法治思想", "张三", 15, 2, None],
        [dt.date(2025, 4, 2), "获嘉县", "领导班子法治讲座", "行政处罚法", "李四", 30, 2, None]])
    with streamlit_server(tmp_path / "app.db", tmp_path / "server.log") as url:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(url)  # the clerk opens the app and picks 数据填报 in the sidebar
        wait_ready(page, "总览", 120000)
        page.locator("[data-testid='stSidebarNav'] a", has_text="数据填报").click()
        wait_ready(page, "数据填报")
        _upload(page, bad, "发现 3 个问题，未导入任何数据")
        assert page.locator("[data-testid='stException']").count() == 0
        full_screenshot(page, shots / "填报_1_退回.png")
        with page.expect_download() as download:
            page.get_by_role("button", name="下载标注了问题的工作簿").click()
        annotated = tmp_path / download.value.suggested_filename
        download.value.save_as(annotated)
        assert annotated.name == "获嘉县培训台账_问题标注.xlsx"
        ws = openpyxl.load_workbook(annotated)["培训"]
        assert "单位「火星区」不在单位名单中" in ws["B3"].comment.text
        assert "类别「读书会」不是规定的选项" in ws["C4"].comment.text and "请改为以下之一" in ws["C4"].comment.text
        assert "参加人数「-3」不能为负数" in ws["F4"].comment.text
        assert ws["A3"].comment is None

        page.locator("[data-testid='stFileChip'] button").first.click()
        wait_ready(page, "数据填报")
        _upload(page, good, "校验通过，共 2 行")
        full_screenshot(page, shots / "填报_2_预览.png")
        page.get_by_role("button", name="确认导入").click()
        page.get_by_text("已导入 培训学法台账 2 行（新增 2、更新 0、未变 0）").wait_for(timeout=60000)
        wait_ready(page, "数据填报")
        full_screenshot(page, shots / "填报_3_已导入.png")
        page.close()


def test_exports_download_from_the_page(browser, server, tmp_path):
    import docx
    import openpyxl
    from pptx import Presentation

    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(server)
    wait_ready(page, "总览", 120000)
    page.locator("[data-testid='stSidebarNav'] a", has_text="汇报材料").click()
    wait_ready(page, "汇报材料")
    opened = {}
    # the files are named by the period the page shows (its caption: "全市 · 2025年全年 · 数据截至 …")
    period = page.get_by_text(re.compile("^全市 · .+ · 数据截至")).first.inner_text().split(" · ")[1]
    for label, fmt in [("生成汇报幻灯片", "pptx"), ("生成督导平台工作簿", "xlsx"), ("生成工作情况报告（文稿）", "docx")]:
        page.get_by_role("button", name=label).click()
        button = page.get_by_role("button", name=f"下载 {period}_全市_").filter(has_text=f".{fmt}")
        try:
            button.wait_for(timeout=60000)
        except Exception:
            page.screenshot(path="/tmp/export_fail.png", full_page=True)
            raise
        with page.expect_download() as download:
            button.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.suffix == f".{fmt}" and saved.name.startswith(f"{period}_全市_")
        opened[fmt] = saved
    assert len(Presentation(opened["pptx"]).slides) >= 7
    assert "指标完成情况" in openpyxl.load_workbook(opened["xlsx"]).sheetnames
    assert any("工作完成情况" in p.text for p in docx.Document(opened["docx"]).paragraphs)
    page.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/126.0.0.0 Mobile Safari/537.36"}
# elements wider than the screen (a horizontal scroll, or text cut at the edge), as tag#testid:width
# (scrollWidth means nothing on SVG elements: for them, and for everything, the box's right edge counts)
TOO_WIDE = """() => [...document.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > 0
      && ((e instanceof HTMLElement && e.scrollWidth > innerWidth) || r.right > innerWidth + 1);
  }).map(e => `${e.tagName}#${e.dataset.testid || e.className.baseVal || e.className}:${Math.round(e.getBoundingClientRect().right)}:`
              + (e.textContent || '').slice(0, 30))"""


# pairs of chart texts (titles, ticks, legend, value texts, annotations) drawn over each other
OVERLAPS = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].flatMap(chart => {
    const boxes = [...chart.querySelectorAll('svg text')].filter(t => t.textContent.trim())
      .map(t => [t.textContent.trim(), t.getBoundingClientRect()]).filter(([, r]) => r.width > 0 && r.height > 0);
    const out = [];
    boxes.forEach(([a, r], i) => boxes.slice(i + 1).forEach(([b, q]) => {
      const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
      const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
      if (w > 2 && h > 2) out.push(`${a} / ${b} ${Math.round(w)}x${Math.round(h)}`);
    }));
    return out;
  })"""


def phone_screenshot(page, path: Path) -> None:
    """The whole page at the phone's width (the window grown to the content, as full_screenshot does)."""
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                           "'[data-testid=stMain], [data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 0)")
    page.set_viewport_size({"width": 390, "height": min(max(844, height + 80), 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


@pytest.mark.parametrize("path,title", [("/", "总览"), ("/scorecard", "督导评分"), ("/training", "学法培训"),
                                        ("/publicity", "宣传活动"), ("/governance", "制度落实"), ("/staff", "执法队伍")])
def test_on_a_phone_the_page_fits_the_screen(browser, server, shots, path, title):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(server + path)
    wait_ready(page, title, 120000)
    assert page.locator("[data-testid='stException']").count() == 0
    charts_state(page, 2)
    page.screenshot(path=str(shots / f"手机_{title}_第一屏.png"))
    sidebar = page.locator("[data-testid='stSidebar']")
    box = sidebar.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0, box  # collapsed, off the screen: the page is seen first
    assert page.evaluate(TOO_WIDE) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.evaluate(OVERLAPS) == []
    phone_screenshot(page, shots / f"手机_{title}.png")
    assert page.evaluate(TOO_WIDE) == []
    context.close()


ENGLISH_DATES = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
                           r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|"
                           r"Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Mo|Tu|We|Th|Fr|Sa|Su)\b")


def test_the_as_of_date_is_chosen_in_chinese_in_two_taps(browser, server, shots):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(server)
    wait_ready(page, "总览", 120000)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("截至日期", exact=True).click()
    wait_ready(page, "总览")
    pill = lambda text: sidebar.locator("[data-testid='stButtonGroup'] button", has_text=re.compile(f"^{text}$"))  # noqa: E731
    pill("3月").click()  # tap one: the month
    wait_ready(page, "总览")
    pill("31日").click()  # tap two: the day
    wait_ready(page, "总览")
    page.get_by_text("全市 · 2025年1月1日至3月31日 · 数据截至 2025年3月31日").wait_for(timeout=30000)
    assert "截至日期：2025年3月31日（星期一）" in sidebar.inner_text()
    pill("上半年末").click()  # or one tap on a quick choice
    wait_ready(page, "总览")
    page.get_by_text("全市 · 2025年1月1日至6月30日").first.wait_for(timeout=30000)
    assert page.locator("[data-testid='stDateInput']").count() == 0
    text = page.locator("body").inner_text()
    assert ENGLISH_DATES.findall(text) == []
    page.screenshot(path=str(shots / "截至日期_中文.png"))
    page.close()


def test_on_a_phone_the_scope_is_one_tap_away(browser, server, shots):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(server)
    wait_ready(page, "总览", 120000)
    page.get_by_role("button", name="全市 · 2025年全年").click()  # the one tap: year, period and unit show
    popover = page.locator("[data-testid='stPopoverBody']")
    for label in ("年度", "期间", "单位"):
        popover.get_by_text(label, exact=True).wait_for(timeout=10000)
    popover.get_by_text("上半年", exact=True).click()
    wait_ready(page, "总览")
    page.get_by_text("全市 · 2025年上半年 · 数据截至 2025年6月30日").wait_for(timeout=30000)
    page.screenshot(path=str(shots / "手机_查看范围.png"))
    assert ENGLISH_DATES.findall(page.locator("body").inner_text()) == []
    assert page.evaluate(TOO_WIDE) == []
    context.close()


def _pick(page, label: str, option: str) -> None:
    """Choose an option of a selectbox of the page (not the sidebar) by its label: open it, type, take the
    first match."""
    box = page.locator("[data-testid='stMain']").get_by_label(label, exact=True)
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option).first.click()


def _go(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()
    wait_ready(page, title)


def _say(page, text: str, where: str) -> None:
    try:
        page.get_by_text(text).first.wait_for(timeout=60000)
    except Exception:
        page.screenshot(path=f"/tmp/cycle_fail_{where}.png", full_page=True)
        raise
    wait_ready(page)


CYCLE_PASSWORD = {"fgk": "Fagui-2025!x", "hjx": "Huojia-2025x"}


def _log_in(page, login: str, heading: str) -> None:
    """Through the real login form (which leads to the page of the address, `heading`), then 上半年
    in the sidebar (the period of the cycle)."""
    page.get_by_label("登录名").fill(login)
    page.get_by_label("密码").fill(CYCLE_PASSWORD[login])
    page.get_by_role("button", name="登录").click()
    wait_ready(page, heading, 120000)
    page.locator("[data-testid='stSidebar'] label", has_text="上半年").click()
    wait_ready(page, heading)


def _log_out(page) -> None:
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="退出登录").click()
    _say(page, "您已退出登录", "logout")
    assert page.locator("[data-testid='stSidebarNav'] a").count() == 0


def test_the_reporting_cycle_through_the_real_pages(browser, tmp_path, shots):
    """The cycle with real accounts switched through the login page: the 获嘉县 clerk uploads, attaches
    evidence and submits; the administrator returns it with a reason; the clerk sees the reason, uploads
    the fixed ledger and resubmits; the administrator approves; the clerk's next upload into that period
    is refused naming who approved it, and nothing of it is stored."""
    import datetime as dt
    import io

    from PIL import Image

    from indicators import accounts, store

    first = _ledger(tmp_path / "获嘉县台账.xlsx", [[dt.date(2025, 3, 1), "获嘉县", "全员法治培训", "民法典专题", "张三", 40, 2, None]])
    fixed = _ledger(tmp_path / "获嘉县台账（改）.xlsx", [[dt.date(2025, 3, 1), "获嘉县", "全员法治培训", "民法典专题", "张三", 42, 2, None]])
    late = _ledger(tmp_path / "获嘉县台账（再改）.xlsx", [[dt.date(2025, 3, 1), "获嘉县", "全员法治培训", "民法典专题", "张三", 45, 2, None]])
    photo = tmp_path / "签到表.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), "orange").save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    db = tmp_path / "app.db"
    conn = store.connect(db)
    admin = accounts.create(conn, roles.OPERATOR, "fgk", CYCLE_PASSWORD["fgk"], roles.ADMIN, name="孙法规")
    accounts.create(conn, admin, "hjx", CYCLE_PASSWORD["hjx"], roles.CLERK, "获嘉县", name="王填报")
    conn.close()
    reason = "签到表照片不清晰，参加人数有误"
    with streamlit_server(db, tmp_path / "server.log") as url:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(url)
        wait_ready(page, "法治建设指标看板", 120000)

        _log_in(page, "hjx", "总览")  # the clerk: upload, attach, submit
        _go(page, "数据填报")
        _upload(page, first, "校验通过，共 1 行")
        page.get_by_role("button", name="确认导入").click()
        _say(page, "已导入 培训学法台账 1 行", "import")
        full_screenshot(page, shots / "报送_1_填报员导入.png")
        _go(page, "佐证材料")
        page.locator("label", has_text="整个导入批次").click()
        wait_ready(page)
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(photo))
        page.get_by_role("button", name="上传并挂接").click()
        _say(page, "已上传 1 个文件到「批次", "evidence")
        assert page.locator("[data-testid='stImage'] img").count() == 1  # the thumbnail
        full_screenshot(page, shots / "报送_2_佐证材料.png")
        _go(page, "报送情况")
        page.get_by_role("button", name="提交本单位2025年上半年数据").click()
        page.get_by_role("button", name="确认提交").click()  # after the summary of what is handed in (issue 22)
        _say(page, "获嘉县2025年上半年：提交完成，当前为「已提交」", "submit")
        full_screenshot(page, shots / "报送_3_已提交.png")
        _log_out(page)

        _log_in(page, "fgk", "报送情况")  # the administrator returns it with a reason
        _pick(page, "单位", "获嘉县（已提交）")  # the unit to review
        wait_ready(page, "报送情况")
        page.get_by_label("原因（退回、重新开放时必填，将告知填报单位）").fill(reason)
        page.keyboard.press("Tab")
        wait_ready(page)
        page.get_by_role("button", name="退回").click()
        _say(page, "获嘉县2025年上半年：退回完成，当前为「已退回」", "return")
        full_screenshot(page, shots / "报送_4_已退回.png")
        _log_out(page)

        _log_in(page, "hjx", "报送情况")  # the clerk sees why, fixes and resubmits
        _say(page, f"退回原因：{reason}（孙法规", "reason")
        full_screenshot(page, shots / "报送_5_退回原因.png")
        _go(page, "数据填报")
        _upload(page, fixed, "校验通过，共 1 行")
        page.get_by_role("button", name="确认导入").click()
        _say(page, "更新 1", "fix")
        _go(page, "报送情况")
        page.get_by_role("button", name="提交本单位2025年上半年数据").click()
        page.get_by_role("button", name="确认提交").click()  # after the summary of what is handed in (issue 22)
        _say(page, "获嘉县2025年上半年：提交完成，当前为「已提交」", "resubmit")
        _log_out(page)

        _log_in(page, "fgk", "报送情况")  # the administrator approves
        _pick(page, "单位", "获嘉县（已提交）")  # the unit to review
        wait_ready(page, "报送情况")
        page.get_by_role("button", name="审核通过").click()
        _say(page, "获嘉县2025年上半年：审核通过完成，当前为「已审核」", "approve")
        assert "已审核 1/16 个单位" in page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()
        full_screenshot(page, shots / "报送_6_已审核.png")
        _log_out(page)

        _log_in(page, "hjx", "报送情况")  # the clerk's next upload into the approved period is refused
        _go(page, "数据填报")
        _upload(page, late, "由孙法规（管理员）审核通过并锁定")
        assert page.get_by_role("button", name="确认导入").count() == 0
        assert page.locator("[data-testid='stException']").count() == 0
        full_screenshot(page, shots / "报送_7_锁定.png")
        page.close()

    conn = store.connect(db)
    stored = conn.execute("SELECT participants FROM training WHERE unit = '获嘉县' AND title = '民法典专题'").fetchall()
    assert [tuple(r) for r in stored] == [(42,)]  # the fixed figure, not the refused one
    assert [(b["file_name"], b["login"]) for b in store.batches(conn) if b["file_name"].startswith("获嘉县台账")] == [
        ("获嘉县台账（改）.xlsx", "hjx"), ("获嘉县台账.xlsx", "hjx")]  # the clerk's two; the refused one left no batch
    conn.close()


def test_a_header_answered_in_the_page_is_kept_and_not_asked_again(browser, tmp_path, shots):
    """A ledger refused for its header: the clerk says in the page what the column is, sees the check pass
    and the interpretations, confirms; the next ledger of the same layout passes with no question."""
    import datetime as dt

    import openpyxl

    def ledger(path: Path, rows) -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "学法"
        ws.append(["2025年学法台账"])
        ws.append(["开展时间", "单位", "学习项目", "讲座题目", "到会人数"])  # 学习项目 names no column
        for r in rows:
            ws.append(r)
        wb.save(path)
        return path

    first = ledger(tmp_path / "辉县市学法台账.xlsx", [
        [dt.date(2025, 3, 1), "新乡市辉县市人防办", "党组中心组学法", "法治思想", 15],
        [dt.date(2025, 4, 2), "辉县市", "领导班子法治讲座", "行政处罚法", 30]])
    second = ledger(tmp_path / "辉县市学法台账（二季度）.xlsx", [
        [dt.date(2025, 5, 8), "辉县市", "主任办公会学法", "二季度学法", 9]])
    with streamlit_server(tmp_path / "app.db", tmp_path / "server.log") as url:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(url)
        wait_ready(page, "总览", 120000)
        page.locator("[data-testid='stSidebarNav'] a", has_text="数据填报").click()
        wait_ready(page, "数据填报")
        _upload(page, first, "有 1 处需要您确认")
        assert page.get_by_text("缺少必填列「类别」").count() >= 1
        full_screenshot(page, shots / "回答_1_询问.png")
        box = page.locator("[data-testid='stSelectbox']", has_text="的列「学习项目」")
        box.click()
        page.get_by_role("option", name="类别", exact=True).click()
        page.get_by_text("校验通过，共 2 行").wait_for(timeout=60000)
        wait_ready(page, "数据填报")
        full_screenshot(page, shots / "回答_2_预览.png")
        assert page.get_by_text("系统的理解").count() == 1
        assert page.get_by_text("您本次的 1 条回答将被保存").count() == 1
        page.get_by_role("button", name="确认导入").click()
        page.get_by_text("已保存 1 条回答").wait_for(timeout=60000)
        wait_ready(page, "数据填报")
        _upload(page, second, "校验通过，共 1 行")
        assert page.get_by_text("需要您确认").count() == 0
        assert page.locator("[data-testid='stSelectbox']", has_text="此列是").count() == 0
        full_screenshot(page, shots / "回答_3_再次上传.png")
        page.get_by_role("button", name="确认导入").click()
        page.get_by_text("已导入 培训学法台账 1 行").wait_for(timeout=60000)
        wait_ready(page, "数据填报")
        page.locator("[data-testid='stSidebarNav'] a", has_text="已保存的回答").click()
        wait_ready(page, "已保存的回答")
        assert page.get_by_text("列「学习项目」是「类别」").count() >= 1
        full_screenshot(page, shots / "回答_4_已保存.png")
        page.close()


def _metric(page, label: str) -> int:
    import re

    text = page.get_by_test_id("stMetric").filter(has_text=label).first.inner_text()
    return int(re.search(r"([\d,]+)\s*次", text).group(1).replace(",", ""))


def test_two_app_servers_on_one_postgresql(browser, tmp_path, request):
    """Two app servers share one PostgreSQL and one originals folder: a file imported through server A
    shows in server B's figures at B's next rerun, without a reload."""
    import datetime as dt

    import openpyxl

    import pg_server

    url = pg_server.fresh_schema(request.getfixturevalue("pg_url"))
    shared = tmp_path / "shared"
    ledger = tmp_path / "红旗区宣传台账.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["日期", "单位", "活动名称", "宣传节点", "地点类型", "地点", "参与人数", "发放资料(份)", "媒体报道(篇)", "备注"])
    for day, name in [(dt.date(2025, 3, 1), "进社区"), (dt.date(2025, 5, 12), "进校园"), (dt.date(2025, 9, 20), "进广场")]:
        ws.append([day, "红旗区", name, "3·1民防日" if day.month == 3 else "5·12防灾减灾日" if day.month == 5 else "其他",
                   "社区", "某地", 300, 100, 1, None])
    wb.save(ledger)
    with streamlit_server(url, tmp_path / "a.log", files=shared) as a, streamlit_server(url, tmp_path / "b.log", files=shared) as b:
        on_b = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        on_b.goto(b + "/publicity")  # the first visit loads the demo data, into the shared database
        wait_ready(on_b, "宣传活动", 120000)
        before = _metric(on_b, "宣传活动")

        on_a = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        on_a.goto(a)
        wait_ready(on_a, "总览", 120000)
        assert "示例数据" in on_a.locator("[data-testid='stAlert']").first.inner_text()  # B's demo data, seen on A
        on_a.locator("[data-testid='stSidebarNav'] a", has_text="数据填报").click()
        wait_ready(on_a, "数据填报")
        _upload(on_a, ledger, "校验通过，共 3 行")
        on_a.get_by_role("button", name="确认导入").click()
        on_a.get_by_text("已导入 宣传活动台账 3 行（新增 3、更新 0、未变 0）").wait_for(timeout=60000)
        assert len(list(shared.iterdir())) == 3  # the demo's two originals and this one, in the shared folder

        # B's next rerun (its own session, no reload): the figure includes A's import
        on_b.locator("[data-testid='stSidebarNav'] a", has_text="总览").click()
        wait_ready(on_b, "总览")
        on_b.locator("[data-testid='stSidebarNav'] a", has_text="宣传活动").click()
        wait_ready(on_b, "宣传活动")
        assert _metric(on_b, "宣传活动") == before + 3
        assert on_b.locator("[data-testid='stException']").count() == 0
        on_a.close()
        on_b.close()
