"""Every page of the app, declared once: a new page is one line in PAGES."""
from __future__ import annotations

import streamlit as st

# section -> [(file under the app root, Chinese title, material icon)]; the first page is the default.
# Each page file renders through ui.shell.page(), which also starts the app when Streamlit runs the
# file directly (see there).
PAGES: dict[str, list[tuple[str, str, str]]] = {
    "指标看板": [
        ("pages/overview.py", "总览", ":material/dashboard:"),
        ("pages/training.py", "学法培训", ":material/school:"),
        ("pages/publicity.py", "宣传活动", ":material/campaign:"),
        ("pages/governance.py", "制度落实", ":material/gavel:"),
        ("pages/staff.py", "执法队伍", ":material/badge:"),
        ("pages/scorecard.py", "督导评分", ":material/leaderboard:"),
    ],
    "数据管理": [
        ("pages/upload.py", "数据填报", ":material/upload_file:"),
        ("pages/history.py", "导入记录", ":material/history:"),
        ("pages/reporting.py", "报送情况", ":material/fact_check:"),
        ("pages/targets.py", "指标与目标", ":material/tune:"),
        ("pages/answers.py", "已保存的回答", ":material/bookmark_added:"),
    ],
    "汇报输出": [
        ("pages/exports.py", "汇报材料", ":material/present_to_all:"),
    ],
}


def all_pages() -> list[tuple[str, str, str]]:
    return [page for pages in PAGES.values() for page in pages]


def find(title: str) -> str | None:
    """The file of the page with this title, when the app has one (empty states link to it)."""
    return next((path for path, t, _ in all_pages() if t == title), None)


def build():
    """st.navigation over PAGES, grouped by section, the first page as default; returns the chosen page."""
    first = all_pages()[0]
    return st.navigation({section: [st.Page(path, title=title, icon=icon, default=(path, title, icon) == first)
                                    for path, title, icon in pages] for section, pages in PAGES.items()})
