"""Accounts in a real browser: `streamlit run` on loopback, Debian chromium. The login page at any
URL, each role's sidebar, a forbidden page opened by its URL, a clerk's refused upload of another
unit's rows with the annotated workbook, CSRF protection on, and no password in the server log."""
from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from test_browser import HEIGHT, PASSWORD, WIDTH, demo_with_accounts, streamlit_server, wait_ready

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("accounts")
    with streamlit_server(demo_with_accounts(folder), folder / "server.log") as url:
        yield url, folder


def log_in(page, login: str, heading: str) -> None:
    page.get_by_label("登录名").fill(login)
    page.get_by_label("密码").fill(PASSWORD[login])
    page.get_by_role("button", name="登录").click()
    wait_ready(page, heading, 120000)


def nav(page) -> list[str]:
    return [t.split()[-1] for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


@pytest.mark.parametrize("path", ["/", "/upload", "/audit"])
def test_every_url_shows_the_login_page_first(browser, server, path):
    url, _ = server
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(url + path)
    wait_ready(page, "法治建设指标看板", 120000)
    assert page.get_by_role("dialog").count() == 0  # no English "Page not found"
    # no chart a person can see (the hidden, empty warm-up of ui/auth._warm_charts is not one)
    assert nav(page) == [] and page.locator("[data-testid='stPlotlyChart']:visible").count() == 0
    assert page.get_by_label("密码").get_attribute("type") == "password"
    page.close()


@pytest.mark.parametrize("login,path,heading,pages", [
    ("boss", "/", "总览", ["总览", "学法培训", "宣传活动", "制度落实", "执法队伍", "督导评分", "佐证材料", "导入记录",
                          "报送情况", "指标与目标", "汇报材料", "修改密码"]),
    ("fgk", "/audit", "操作日志", ["总览", "学法培训", "宣传活动", "制度落实", "执法队伍", "督导评分", "数据填报", "在线填报",
                                  "佐证材料", "导入记录", "报送情况", "指标与目标", "已保存的回答", "汇报材料", "账号管理",
                                  "操作日志", "通知渠道", "修改密码"]),
])
def test_each_role_gets_its_pages(browser, server, login, path, heading, pages):
    url, _ = server
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(url + path)
    wait_ready(page, "法治建设指标看板", 120000)
    log_in(page, login, heading)
    assert nav(page) == pages
    assert page.locator("[data-testid='stException']").count() == 0
    assert "当前用户" in page.locator("[data-testid='stSidebar']").inner_text()
    page.close()


@pytest.mark.parametrize("login,path,title", [("boss", "/upload", "数据填报"), ("hq", "/audit", "操作日志"),
                                              ("hq", "/accounts", "账号管理")])
def test_a_forbidden_page_by_its_url_is_refused(browser, server, login, path, title):
    url, _ = server
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(url + path)
    wait_ready(page, "法治建设指标看板", 120000)
    page.get_by_label("登录名").fill(login)
    page.get_by_label("密码").fill(PASSWORD[login])
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"无权使用「{title}」页面").wait_for(timeout=60000)
    assert page.get_by_role("dialog").count() == 0
    assert page.get_by_test_id("stFileUploaderDropzoneInput").count() == 0
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    page.close()


def test_clerk_refused_upload_and_own_history(browser, server, tmp_path):
    url, _ = server
    path = tmp_path / "红旗区培训台账.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "培训"
    ws.append(["日期", "单位", "类别", "主题", "主讲人", "参加人数", "学时", "备注"])
    ws.append([dt.date(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None])
    ws.append([dt.date(2025, 3, 2), "卫滨区", "党组中心组学法", "行政处罚法", "李四", 15, 2, None])
    wb.save(path)
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(url + "/upload")
    wait_ready(page, "法治建设指标看板", 120000)
    log_in(page, "hq", "数据填报")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    page.get_by_text("发现 1 个问题，未导入任何数据").wait_for(timeout=60000)
    wait_ready(page, "数据填报")
    with page.expect_download(timeout=120000) as download:  # built when clicked: a loaded CI took over 30 s
        page.get_by_role("button", name="下载标注了问题的工作簿").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert "不是本账号的单位「红旗区」" in book["培训"]["B3"].comment.text
    cells = [str(c.value) for ws in book for r in ws.iter_rows() for c in r if c.value is not None]
    assert not any(u in " ".join(cells) for u in ("获嘉县", "原阳县", "市国动办"))  # nothing but the file itself
    page.locator("[data-testid='stSidebarNav'] a", has_text="导入记录").click()
    wait_ready(page, "导入记录")
    assert page.get_by_text("还没有导入任何文件").count() == 1  # the demo batches hold every unit: not the clerk's
    page.close()


def test_csrf_protection_is_on(browser, server):
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config.get("server", {}).get("enableXsrfProtection", True) is True
    assert config.get("server", {}).get("enableCORS", True) is True
    url, _ = server
    page = browser.new_page()
    page.goto(url)
    wait_ready(page, "法治建设指标看板", 120000)
    assert "_streamlit_xsrf" in [c["name"] for c in page.context.cookies()]
    page.close()
    request = urllib.request.Request(url + "/_stcore/upload_file/x/y", data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as e:  # an upload without the XSRF token is refused
        urllib.request.urlopen(request, timeout=10)
    assert e.value.code == 403


def test_no_password_in_the_server_log(server):
    _, folder = server
    log = (folder / "server.log").read_text()
    assert not any(p in log for p in PASSWORD.values()) and "$argon2" not in log
