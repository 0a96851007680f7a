"""Who is using the app: the login form, the session kept in the database, the account box in the
sidebar and the notice while login is not enabled. The logged-in Actor lives in
st.session_state["actor"] (ui.shell.current_actor() returns it)."""
from __future__ import annotations

import functools
import os
import sys

import streamlit as st

from indicators import accounts, clients
from indicators.problems import IndicatorsError
from indicators.roles import OPERATOR, Actor
from ui import web
from ui.safe import md

ACTOR = "actor"
_TOKEN = "_login_token"
_NOTICE = "_login_notice"
_SSO_REFUSED = "_sso_refused"
_REFUSED = "_login_refused"
_HANDOFF = "_login_cookie_handoff"
_KEEP_NAME = "_login_keep_name"
_ENDED_PARAM = "ended"  # ?ended=logout: the page the logout route returns to says so
SSO_PROVIDER_ENV = "INDICATORS_SSO_PROVIDER"  # the [auth.NAME] section st.login uses, when secrets.toml names several
_ENDED = {
    "idle": "您已长时间没有操作（超过 {hours:g} 小时），为安全起见请重新登录。",
    "disabled": "您的账号已被管理员停用。",
    "password_reset": "您的密码已被管理员重置，请用新密码登录。",
    "password_changed": "您的密码已在其他地方修改，请用新密码登录。",
    "role_changed": "您的角色或单位已被管理员修改，请重新登录。",
    "logout": "您已退出登录。",
}


def client() -> str | None:
    """The browser's address for the audit log: the connection's, or behind a trusted reverse proxy
    ($INDICATORS_TRUSTED_PROXIES) the one it forwards (clients.client_address). None where Streamlit
    does not say (e.g. under AppTest)."""
    try:
        ip = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - not every Streamlit runtime offers it; the log then has no address
        return None
    if ip is None and st.context.headers.get("Host"):
        ip = "127.0.0.1"  # Streamlit reports a loopback peer (a proxy on this machine, a local browser) as None
    if not isinstance(ip, str):
        return None  # no connection at all (AppTest)
    return clients.client_address(ip, forwarded, clients.trusted_proxies())


def current_actor() -> Actor:
    return st.session_state.get(ACTOR, OPERATOR)


def token() -> str | None:
    return st.session_state.get(_TOKEN)


def _cookie_token() -> str | None:
    """The token the login cookie carries (ui/web.py), sent with this session's websocket."""
    try:
        value = st.context.cookies.get(web.COOKIE)
    except Exception:  # noqa: BLE001 - no request behind this session (AppTest): no cookie
        return None
    return value if isinstance(value, str) and value else None


def _redirect(url: str) -> None:
    """Send the browser tab to `url`: one of our routes, its query made by urlencode (no quote, no <)."""
    import json

    target = json.dumps(url).replace("<", "\\u003c")
    st.html(f"<script>window.location.replace({target});</script>", unsafe_allow_javascript=True)


def _current_path() -> str:
    try:
        from urllib.parse import urlsplit
        parts = urlsplit(st.context.url or "/")
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    except Exception:  # noqa: BLE001 - no request behind this session
        return "/"


def keep_in_cookie() -> None:
    """After a login, once: have the browser store the session in the login cookie (web.COOKIE_ROUTE).
    A fetch from this page, not a trip of the tab through the route: the session that just logged in
    goes on drawing its page (a reload would start a new session, load the page's scripts again and
    draw everything twice; 总览 took 1.6-2.7 s after a login that way)."""
    code = st.session_state.pop(_HANDOFF, None)
    if code and web.serving():
        import json
        from urllib.parse import urlencode

        target = json.dumps(f"{web.COOKIE_ROUTE}?{urlencode({'code': code})}").replace("<", "\\u003c")
        with st.sidebar:  # out of the page's own layout
            st.html(f"<script>fetch({target}, {{method: 'POST', credentials: 'same-origin', cache: 'no-store'}});"
                    "</script>", unsafe_allow_javascript=True)


def sso_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section: st.login (OIDC) is offered."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all (Streamlit raises its own kinds)
        return False


def _sso_user() -> dict | None:
    """The identity provider's claims for this browser, when it has logged in with st.login."""
    try:
        return st.user.to_dict() if st.user.is_logged_in else None
    except Exception:  # noqa: BLE001 - st.user needs [auth] and Authlib; without them there is no SSO user
        return None


def resolve(conn) -> tuple[Actor | None, bool]:
    """(the acting user, whether login is enabled). While no account exists (and no single sign-on
    is configured) everyone acts as the machine's operator; once one does, None until this browser
    session has logged in, with a password or through the identity provider."""
    sso = sso_configured()
    if not sso and not accounts.has_accounts(conn):
        announce_setup_code()
        actor = clients.before_first_account(client())  # the operator on this machine, elsewhere a VISITOR
        st.session_state[ACTOR] = actor
        return actor, False
    t = token()
    if not t and _cookie_token():  # a reload or a link: the login kept in the cookie
        t = _cookie_token()
        st.session_state[_TOKEN] = t
    actor = accounts.resume(conn, t, client=client()) if t else None
    if actor is None and t:
        reason = accounts.session_ended_reason(conn, t)
        st.session_state[_NOTICE] = _ENDED.get(reason or "", "请重新登录。").format(
            hours=accounts.idle_limit().total_seconds() / 3600)
        st.session_state.pop(_TOKEN, None)
        st.session_state.pop(ACTOR, None)
        if sso and _sso_user():  # the provider's cookie would log straight back in: the idle limit would mean nothing
            st.logout()
        return None, True
    if actor is None and sso:
        actor = _sso_session(conn)
    if actor is None:
        st.session_state.pop(ACTOR, None)
        return None, True
    st.session_state[ACTOR] = actor
    return actor, True


_ANNOUNCED: set[str] = set()


def announce_setup_code() -> None:
    """Print this server's one-time set-up code in its console, once per process, while no account exists:
    创建管理员 asks for it, so that only whoever runs the server can create the first administrator."""
    code = accounts.setup_code()
    if code not in _ANNOUNCED:
        _ANNOUNCED.add(code)
        print(f"\n  首次设置码：{code}\n  （在「创建管理员」页面创建第一个管理员时填写；也可用 python -m indicators user add 创建）\n",
              file=sys.stderr, flush=True)


def _sso_session(conn) -> Actor | None:
    claims = _sso_user()
    if not claims or st.session_state.get(_SSO_REFUSED):
        return None
    try:
        session = accounts.sso_login(conn, claims, client=client())
    except IndicatorsError as e:
        st.session_state[_SSO_REFUSED] = str(e)  # said once, not retried (and logged) on every rerun
        return None
    start_session(session)
    # no cookie hand-off: the provider's own login (st.user) brings a reload back through _sso_session, and
    # this session must stay the one st.user is logged in to, so that 退出登录 ends the provider's session too
    st.session_state.pop(_HANDOFF, None)
    return session.actor


def start_session(session: accounts.Session) -> None:
    st.session_state[_TOKEN] = session.token
    if web.serving():
        st.session_state[_HANDOFF] = web.handoff(session.token)
    st.session_state[ACTOR] = session.actor
    st.session_state.pop(_NOTICE, None)
    for key in ("unit", "year", "period_mode", "checked", "undo_ask"):  # nothing chosen under another account carries over
        st.session_state.pop(key, None)


def login_form(conn) -> None:
    """The login page (its own page: nothing else of the app is reachable before logging in)."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("法治建设指标看板")
        st.caption("新乡市国防动员办公室 · 请用本人账号登录")
        if st.query_params.get(_ENDED_PARAM) == "logout":  # back from the logout route: a new session
            st.session_state[_NOTICE] = _ENDED["logout"]
            del st.query_params[_ENDED_PARAM]
        notice = st.session_state.get(_NOTICE)
        if notice:
            st.info(notice, icon=":material/info:")
        if sso_configured():
            refused = st.session_state.get(_SSO_REFUSED)
            if refused:
                st.error(refused, icon=":material/block:")
                if st.button("退出统一身份认证", icon=":material/logout:"):
                    st.session_state.pop(_SSO_REFUSED, None)
                    st.logout()
            elif st.button("使用统一身份认证登录", type="primary", icon=":material/key:"):
                provider = os.environ.get(SSO_PROVIDER_ENV)
                st.login(provider) if provider else st.login()
            st.caption("或用本系统的账号和密码登录：")
        refused = st.session_state.pop(_REFUSED, None)
        if refused:
            st.error(refused, icon=":material/lock:")
        # after a try the password box is emptied and the name kept as typed. Not clear_on_submit with the name
        # put back: the box then showed the name while the browser's form held "", and a second try sent no name
        if st.session_state.pop(_KEEP_NAME, None) is not None:
            st.session_state["login_password"] = ""
        with st.form("login", clear_on_submit=False):
            name = st.text_input("登录名", key="login_name", max_chars=accounts.MAX_LOGIN_LENGTH)
            password = st.text_input("密码", type="password", key="login_password")
            submitted = st.form_submit_button("登录", type="primary", icon=":material/login:")
        if submitted:
            try:
                start_session(accounts.login(conn, name, password, client=client()))
            except IndicatorsError as e:
                st.session_state[_REFUSED] = str(e)
                st.session_state[_KEEP_NAME] = name[:accounts.MAX_LOGIN_LENGTH]
            st.rerun()  # logged in: the next run draws the page (and keeps the session in the cookie)
        st.caption(f"连续 {accounts.LOCK_AFTER_FAILURES} 次输错密码，该登录名将暂停登录 {accounts.LOCK_MINUTES} 分钟。"
                   "忘记密码请联系市国动办法规科（管理员）重置。")
    _warm_charts()


def _warm_charts() -> None:
    """Hidden on the login page, one of each kind of element the dashboard draws: Streamlit's browser
    side loads each kind's code on its first use (a grey placeholder until then), so the browser loads
    and starts them while the password is typed, and the first page after the login draws at once
    (its charts, select boxes and tables took seconds more on a busy machine).

    The charts are 总览's six, drawn out of sight from made-up numbers (warm_figures): plotly.js's first
    drawing of each kind of chart is two to three times slower than the next one while the browser
    compiles its code (总览's six: about 380 against 165 ms in Chromium), and the page after the login
    is the first drawing the leader waits for."""
    import pandas as pd

    from indicators import charts
    from ui import memo

    with st.container(key="warm_plotly"):  # drawn where no one sees it (ui/chrome.py)
        for fig in warm_figures():
            st.plotly_chart(memo.pinned(fig), theme=None, config=charts.download_config(fig))
    with st.container(key="warm_charts"):  # display: none (ui/chrome.py)
        # empty: nothing of the data is on this page before a login
        st.dataframe(pd.DataFrame({"a": []}), hide_index=True)
        st.metric("a", 1, 1)
        st.toggle("a", key="_warm_toggle")
        st.selectbox("a", [1], key="_warm_select")
        st.radio("a", [1], key="_warm_radio", horizontal=True)
        st.segmented_control("a", [1], key="_warm_pills")
        st.expander("a").text("a")


@functools.cache
def warm_figures() -> tuple:
    """总览's six charts, built by the pages' own builders from made-up numbers (no database behind them:
    nothing of the data is on the login page), at about the sizes the real ones have: 19 indicators and
    the 16 units of the catalog. Built once per process, at the first login page it serves: after the form,
which the browser has shown by then (about 60 ms of the server's time, once)."""
    import datetime as dt

    import pandas as pd

    from indicators import charts
    from indicators.config import default_catalog
    from indicators.progress import DONE, LAGGING, NOT_STARTED, ON_PACE

    catalog = default_catalog()
    units, codes = catalog.unit_names, [i.code for i in catalog.indicators]
    labels = [f"{i.code} {i.name}" for i in catalog.indicators]
    statuses = [DONE, ON_PACE, LAGGING, NOT_STARTED]
    ctx = charts.Context("全市", "示例", dt.date(2025, 6, 30), demo=True)
    pace = pd.DataFrame({"label": labels, "completion": [0.3 + 0.04 * i for i in range(len(labels))],
                         "expected_completion": [0.5] * len(labels), "value_text": ["1 次 / 2 次"] * len(labels),
                         "status": [statuses[i % 4] for i in range(len(labels))]})
    lagging = pd.DataFrame({"unit": units, LAGGING: [2] * len(units), NOT_STARTED: [1] * len(units),
                            "total": [3] * len(units), "indicators": ["T01"] * len(units)})
    cells = pd.DataFrame([{"row": u, "column": c, "status": statuses[(i + j) % 4], "text": "50%", "hover": c}
                          for i, u in enumerate(units) for j, c in enumerate(codes)])
    years = pd.DataFrame({"label": labels, "current": [50.0 + i for i in range(len(labels))],
                          "previous": [60.0 - i for i in range(len(labels))]})
    return (charts.completion_gauge(0.5, 0.5, ctx),
            charts.status_counts_bar({s: 4 for s in statuses}, ctx),
            charts.pace_bars(pace, ctx, 0.5),
            charts.lagging_units_bar(lagging, ctx),
            charts.status_grid(cells, ctx, "示例", "示例", codes, units),
            charts.year_comparison(years, ctx, "今年", "去年"))


def _logout(conn) -> None:
    accounts.logout(conn, token(), client=client())
    st.session_state.pop(_TOKEN, None)
    st.session_state.pop(ACTOR, None)
    st.session_state[_NOTICE] = _ENDED["logout"]
    if _sso_user():
        st.logout()  # the browser is sent to the provider's logout; a rerun now could drop that redirect
        st.stop()
    if web.serving():  # the (now ended) token out of the cookie too; the login page then says 您已退出登录
        from urllib.parse import urlencode
        here = _current_path()
        back = f"{here}{'&' if '?' in here else '?'}{_ENDED_PARAM}=logout"
        _redirect(f"{web.LOGOUT_ROUTE}?{urlencode({'next': back})}")
        st.stop()
    st.rerun()


def account_box(conn, actor: Actor, login_enabled: bool) -> None:
    """Who is logged in, and the logout button, at the foot of the sidebar."""
    keep_in_cookie()
    with st.sidebar:
        st.divider()
        if login_enabled:
            st.caption(f"当前用户：**{md(actor.label)}**")
            if st.button("退出登录", icon=":material/logout:", key="logout"):
                _logout(conn)
        else:
            st.caption("未启用登录：当前以“本机操作员”身份使用")


# While no account exists every page says so (ui/shell.notice: one line with the demo notice): in full
# where there is room, and in a few words on a phone or beside the demo notice
NO_LOGIN = ("**尚未启用登录**：只有在服务器本机上打开的页面可以导入、撤销和修改数据，其他电脑只能查看。请在「创建管理员」"
            "页面创建第一个管理员账号；创建后，所有人都须用本人账号登录。")
NO_LOGIN_SHORT = "**尚未启用登录**：仅服务器本机可修改数据，其他电脑只能查看，请先在「创建管理员」页面创建管理员"
NO_LOGIN_PHONE = "**尚未启用登录**，仅服务器本机可改数据"


SECRET_PREFIX = "secret_"  # the key of every password field starts with this


def forget_secrets() -> None:
    """Drop every password field's value from the session (before a rerun after it was used), so that no
    password stays in the session's widget state however the form is cleared."""
    for key in [k for k in st.session_state if str(k).startswith(SECRET_PREFIX)]:
        del st.session_state[key]
