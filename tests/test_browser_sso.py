"""Single sign-on in a real browser: an OIDC provider (oidc-provider-mock) on loopback, the app with
[auth] in a secrets.toml written by the test, st.login through Chromium. The role and unit come from
the account of the same login, else from the claims; someone with neither is refused."""
from __future__ import annotations

import secrets

import pytest

from indicators import accounts, roles, store
from test_browser import HEIGHT, WIDTH, free_port, streamlit_server, wait_ready

pytestmark = pytest.mark.browser
oidc = pytest.importorskip("oidc_provider_mock")


USERS = [
    oidc.User(sub="sso-hj", claims={"preferred_username": "hj", "name": "获嘉县小王", "indicators_role": "填报员",
                                    "indicators_unit": "获嘉县"}),
    oidc.User(sub="sso-boss", claims={"preferred_username": "boss", "name": "主任", "indicators_role": "填报员",
                                      "indicators_unit": "红旗区"}),
    oidc.User(sub="sso-nobody", claims={"preferred_username": "nobody", "name": "路人"}),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sso")
    conn = store.connect(folder / "app.db")
    admin = accounts.create(conn, roles.OPERATOR, "fgk", "Fagui-2025!x", roles.ADMIN)
    accounts.create(conn, admin, "boss", "Lingdao-2025x", roles.LEADER, name="主任")  # the account wins over its claims
    conn.close()
    port = free_port()
    with oidc.run_server_in_thread(port=0, user_claims=USERS) as provider:
        (folder / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "indicators"\nclient_secret = "indicators-secret"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"\n',
            "utf-8")
        with streamlit_server(folder / "app.db", folder / "server.log", port=port,
                              args=["--secrets.files", str(folder / "secrets.toml")]) as url:
            yield url, folder


def sso_login(page, url: str, sub: str) -> None:
    page.goto(url)
    wait_ready(page, "法治建设指标看板", 120000)
    page.get_by_role("button", name="使用统一身份认证登录").click()
    page.get_by_role("button", name=sub).click()  # the provider's page: one of its predefined users
    page.wait_for_url(url + "/**", timeout=60000)


@pytest.mark.parametrize("sub,heading,label,role,unit", [
    ("sso-hj", "总览", "获嘉县小王（填报员·获嘉县）", roles.CLERK, "获嘉县"),  # from the claims
    ("sso-boss", "总览", "主任（领导）", roles.LEADER, None),  # from the account of the same login
])
def test_sso_login_takes_role_and_unit(browser, app, sub, heading, label, role, unit):
    url, folder = app
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    sso_login(page, url, sub)
    wait_ready(page, heading, 120000)
    assert f"当前用户：{label}" in page.locator("[data-testid='stSidebar']").inner_text()
    nav = [t.split()[-1] for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]
    assert ("数据填报" in nav) is (role == roles.CLERK) and "账号管理" not in nav
    conn = store.connect(folder / "app.db")
    login = sub.removeprefix("sso-")
    assert (accounts.actor_for(conn, login).role, accounts.actor_for(conn, login).unit) == (role, unit)
    assert store.audit.entries(conn, login=login, action="login")[0]["detail"] == '{"via": "sso"}'
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="End session").click()  # the provider ends its session too
    wait_ready(page, "法治建设指标看板", 120000)  # back on the login page
    assert not conn.execute("SELECT 1 FROM login_session WHERE login = ? AND ended IS NULL", (login,)).fetchone()
    page.close()


def test_sso_user_without_account_or_role_is_refused(browser, app):
    url, folder = app
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    sso_login(page, url, "sso-nobody")
    page.get_by_text("在本系统还没有账号").wait_for(timeout=60000)
    assert page.locator("[data-testid='stSidebarNav'] a").count() == 0
    conn = store.connect(folder / "app.db")
    assert accounts.has_accounts(conn) and "nobody" not in [a["login"] for a in accounts.list_accounts(conn)]
    page.close()
