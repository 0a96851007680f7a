"""Every page of the app, declared once: a new page is one line in PAGES (and, when not every role
may open it, one line in ACCESS)."""
from __future__ import annotations

import copy
from functools import partial
from pathlib import Path

import streamlit as st

from indicators import roles
from indicators.roles import Actor

# section -> [(file under the app root, Chinese title, material icon)]; the first page is the default.
# Each page file renders through ui.shell.page(), which also starts the app when Streamlit runs the
# file directly (see there).
PAGES: dict[str, list[tuple[str, str, str]]] = {
    "指标看板": [
        ("ui/pages/overview.py", "总览", ":material/dashboard:"),
        ("ui/pages/training.py", "学法培训", ":material/school:"),
        ("ui/pages/publicity.py", "宣传活动", ":material/campaign:"),
        ("ui/pages/governance.py", "制度落实", ":material/gavel:"),
        ("ui/pages/staff.py", "执法队伍", ":material/badge:"),
        ("ui/pages/scorecard.py", "督导评分", ":material/leaderboard:"),
    ],
    "数据管理": [
        ("ui/pages/upload.py", "数据填报", ":material/upload_file:"),
        ("ui/pages/entry.py", "在线填报", ":material/edit_square:"),
        ("ui/pages/evidence.py", "佐证材料", ":material/attach_file:"),
        ("ui/pages/history.py", "导入记录", ":material/history:"),
        ("ui/pages/reporting.py", "报送情况", ":material/fact_check:"),
        ("ui/pages/targets.py", "指标与目标", ":material/tune:"),
        ("ui/pages/answers.py", "已保存的回答", ":material/bookmark_added:"),
    ],
    "汇报输出": [
        ("ui/pages/exports.py", "汇报材料", ":material/present_to_all:"),
    ],
    "系统管理": [
        ("ui/pages/accounts.py", "账号管理", ":material/manage_accounts:"),
        ("ui/pages/audit.py", "操作日志", ":material/receipt_long:"),
        ("ui/pages/notify.py", "通知渠道", ":material/notifications:"),
        ("ui/pages/password.py", "修改密码", ":material/password:"),
        ("ui/pages/first_admin.py", "创建管理员", ":material/person_add:"),
    ],
}

# page -> the action of roles.PERMISSIONS it needs; pages not listed need "view" (every role).
# 指标与目标 is shown to everyone, editable only by administrators (the page asks roles.may).
ACCESS = {
    "ui/pages/upload.py": "import",
    "ui/pages/entry.py": "import",
    "ui/pages/history.py": "history",
    "ui/pages/reporting.py": "reporting",
    "ui/pages/exports.py": "export",
    "ui/pages/accounts.py": "manage_accounts",
    "ui/pages/audit.py": "view_audit",
    "ui/pages/notify.py": "notify_settings",
    "ui/pages/answers.py": "keep_answer",
}
LOGIN_ONLY = {"ui/pages/accounts.py", "ui/pages/password.py"}  # once accounts exist
BEFORE_LOGIN_ONLY = {"ui/pages/first_admin.py"}  # while no account exists
_VISIBLE = "_visible_pages"
# pages by absolute path: the navigation is the same whichever file Streamlit runs first
ROOT = Path(__file__).resolve().parent.parent


def all_pages() -> list[tuple[str, str, str]]:
    return [page for pages in PAGES.values() for page in pages]


def allowed(path: str, actor: Actor, login_enabled: bool) -> bool:
    """Whether `actor` may open the page (navigation lists it; the page itself checks it again)."""
    if path in (BEFORE_LOGIN_ONLY if login_enabled else LOGIN_ONLY):
        return False
    return roles.may(actor, ACCESS.get(path, "view"))


def visible(actor: Actor, login_enabled: bool) -> dict[str, list[tuple[str, str, str]]]:
    """PAGES with only the pages `actor` may open, empty sections left out."""
    out = {section: [p for p in pages if allowed(p[0], actor, login_enabled)] for section, pages in PAGES.items()}
    return {section: pages for section, pages in out.items() if pages}


def path_of(title: str) -> str | None:
    return next((path for path, t, _ in all_pages() if t == title), None)


def find(title: str) -> str | None:
    """The file of the page with this title when this run's navigation has it (empty states link to it)."""
    path = path_of(title)
    return path if path in st.session_state.get(_VISIBLE, ()) else None


def _stand_in(render, path: str, title: str):
    """A hidden page at `path`'s URL that runs `render(title)` instead of the page: a page the user may not
    open (or any page before logging in) answers its URL in Chinese, not with Streamlit's English
    "Page not found", and its own code never runs."""
    return st.Page(partial(render, title), title=title, url_path=Path(path).stem, visibility="hidden")


_TEMPLATES: dict[tuple, st.Page] = {}  # (path, title, icon, default) -> the page as st.Page first made it


def _page(path: str, title: str, icon: str, default: bool) -> st.Page:
    """st.Page for one of PAGES. Making one resolves and checks its file (the seventeen of them took 2-6 % of a
    page's server time, measured by py-spy), so each is made once per process and every run gets a copy: st.navigation
    marks the copy it returns as the one this run may call, and a copy keeps that mark to its own run."""
    key = (path, title, icon, default)
    if (template := _TEMPLATES.get(key)) is None:
        template = _TEMPLATES.setdefault(key, st.Page(ROOT / path, title=title, icon=icon, default=default))
    return copy.copy(template)


def build(actor: Actor, login_enabled: bool, refuse):
    """st.navigation over the pages `actor` may open, grouped by section, the first as default; the other
    pages' URLs run `refuse(title)`. Returns the chosen page."""
    pages = visible(actor, login_enabled)
    first = next(iter(pages.values()))[0]
    shown = {p[0] for ps in pages.values() for p in ps}
    st.session_state[_VISIBLE] = shown
    nav = {section: [_page(path, title, icon, (path, title, icon) == first) for path, title, icon in ps]
           for section, ps in pages.items()}
    next(iter(nav.values())).extend(_stand_in(refuse, path, title) for path, title, _ in all_pages() if path not in shown)
    return st.navigation(nav, expanded=True)  # the collapsed menu says "View N more" in English


def login_only(render):
    """st.navigation holding just the login page, at the app's root and at every page's URL (nothing of
    the app is reachable before logging in). `render(title)` draws the login form."""
    st.session_state[_VISIBLE] = set()
    return st.navigation([st.Page(partial(render, ""), title="登录", icon=":material/login:", url_path="login",
                                  default=True),
                          *[_stand_in(render, path, title) for path, title, _ in all_pages()]], position="hidden")
