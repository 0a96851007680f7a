"""The login cookie's routes (ui/web.py) as the browser meets them, through Starlette's own test client
(the real routes, in-process): the page's fetch after a login gets the cookie and a 204; a form or a
fetch from another site gets no cookie; a code works once."""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ui import web


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(web, "_serving", web.serving())  # routes() marks the process as serving: not past this test
    return TestClient(Starlette(routes=web.routes()), base_url="http://127.0.0.1", follow_redirects=False)


@pytest.mark.parametrize("method,site,status,cookie", [
    ("POST", "same-origin", 204, True),      # the page's own fetch (auth.keep_in_cookie)
    ("POST", None, 204, True),               # a browser that sends no Sec-Fetch-Site
    ("POST", "cross-site", 403, False),      # another site's form or fetch: no login slipped in
    ("POST", "same-site", 403, False),       # a sibling subdomain is another site's page too
    ("GET", None, 303, True),                # the tab sent through the route (and back to `next`)
])
def test_the_cookie_is_set_only_for_our_own_page(client, method, site, status, cookie):
    code = web.handoff("a-session-token")
    headers = {"sec-fetch-site": site} if site else {}
    response = client.request(method, f"{web.COOKIE_ROUTE}?code={code}&next=/training", headers=headers)
    assert response.status_code == status
    assert (web.COOKIE in response.cookies) is cookie
    assert response.headers["cache-control"] == "no-store"
    if cookie:
        assert response.cookies[web.COOKIE] == "a-session-token"
        set_cookie = response.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "path=/" in set_cookie
    if status == 303:
        assert response.headers["location"] == "/training"


def test_a_code_works_once(client):
    code = web.handoff("a-session-token")
    assert web.COOKIE in client.post(f"{web.COOKIE_ROUTE}?code={code}").cookies
    again = client.post(f"{web.COOKIE_ROUTE}?code={code}")
    assert again.status_code == 204 and web.COOKIE not in again.cookies


def test_a_refused_post_does_not_use_up_the_code(client):
    code = web.handoff("a-session-token")
    assert client.post(f"{web.COOKIE_ROUTE}?code={code}", headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert client.post(f"{web.COOKIE_ROUTE}?code={code}").cookies[web.COOKIE] == "a-session-token"
