"""The HTTP side of logging in: the routes that put the session's token into a cookie and take it out.

A Streamlit session lives as long as its websocket: a reload or a link from a chat opens a new one.
So that it resumes the login, the token of the session (stored in the database only as its SHA-256)
is kept in an HttpOnly, SameSite=Strict cookie (Secure behind https), which the browser sends with
the websocket of every later page of this site; auth.resolve reads it from st.context.cookies and
accounts.resume decides, exactly as for the token kept in the Streamlit session: idle expiry, logout,
disabling, a password or role change end it everywhere.

The cookie is set by a route, not by the page (a page's script could read it; HttpOnly cannot be set
from it): after a login the page POSTs (by fetch) a one-time handoff code to COOKIE_ROUTE (this
process's memory, valid HANDOFF_SECONDS), never the token itself; the route sets the cookie and answers
204, and the page goes on (a GET sets it and sends the tab back to `next`). LOGOUT_ROUTE removes it. app.py serves both through
st.App when run by `streamlit run app.py`; under AppTest nothing is served and the page does not redirect.
"""
from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlsplit

from indicators import accounts, clients

COOKIE = "indicators_session"
COOKIE_ROUTE = "/login/session"  # not under /auth/: Streamlit serves st.login/st.logout there (/auth/logout)
LOGOUT_ROUTE = "/login/end"
HANDOFF_SECONDS = 60

_HANDOFFS: dict[str, tuple[str, float]] = {}
_LOCK = threading.Lock()
_serving = False  # set when app.py builds its st.App: the routes above exist in this process


def serving() -> bool:
    return _serving


def handoff(token: str) -> str:
    """A one-time code for COOKIE_ROUTE that stands for `token` for HANDOFF_SECONDS."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _LOCK:
        for k in [k for k, (_, at) in _HANDOFFS.items() if now - at > HANDOFF_SECONDS]:
            del _HANDOFFS[k]
        _HANDOFFS[code] = (token, now)
    return code


def _redeem(code: str) -> str | None:
    with _LOCK:
        token, at = _HANDOFFS.pop(code, (None, 0.0))
    return token if token and time.monotonic() - at <= HANDOFF_SECONDS else None


def _back_to(raw: str | None) -> str:
    """Only a path of this site (never another site: no open redirect)."""
    parts = urlsplit(raw or "/")
    if parts.scheme or parts.netloc or not (parts.path or "/").startswith("/") or (parts.path or "").startswith("//"):
        return "/"
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _secure(request) -> bool:
    """Behind https: the request's own scheme, or the X-Forwarded-Proto of a trusted proxy
    (clients.TRUSTED_PROXIES_ENV); a browser's own claim is not believed."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and bool(peer) and clients.is_trusted(peer, clients.trusted_proxies())


def _set_cookie(request):
    """GET: set the cookie and send the tab back to `next`; POST (the page's own fetch after a login,
    auth.keep_in_cookie): set it and answer 204, the page stays where it is."""
    from starlette.responses import RedirectResponse, Response

    if request.method == "POST":
        if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":  # only our own page's fetch
            return Response(status_code=403, headers={"Cache-Control": "no-store"})
        response = Response(status_code=204)
    else:
        response = RedirectResponse(_back_to(request.query_params.get("next")), status_code=303)
    token = _redeem(request.query_params.get("code", ""))
    if token:
        response.set_cookie(COOKIE, token, max_age=int(accounts.idle_limit().total_seconds()), path="/",
                            httponly=True, samesite="strict", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    return response


def _clear_cookie(request):
    from starlette.responses import RedirectResponse

    response = RedirectResponse(_back_to(request.query_params.get("next")), status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    return response


def routes() -> list:
    """The two routes, for st.App(routes=...); marks this process as serving them."""
    global _serving
    from starlette.routing import Route

    _serving = True
    return [Route(COOKIE_ROUTE, _set_cookie, methods=["GET", "POST"]), Route(LOGOUT_ROUTE, _clear_cookie, methods=["GET"])]
