"""Every page of the app, declared once: a new page is one line in PAGES."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

# section -> [(file under the app root, Chinese title, material icon, url path)]; the first page is the default.
# Each url path differs from its file's name on purpose: Streamlit keeps a fallback for apps with a
# pages/ folder that runs a page file directly when the requested URL matches the file's name, which
# skips app.py (no sidebar) on a deep link opened first after a restart, and on every AppTest rerun.
PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    "指标看板": [
        ("pages/overview.py", "总览", ":material/dashboard:", "zonglan"),
        ("pages/training.py", "学法培训", ":material/school:", "xuefa-peixun"),
        ("pages/publicity.py", "宣传活动", ":material/campaign:", "xuanchuan-huodong"),
        ("pages/governance.py", "制度落实", ":material/gavel:", "zhidu-luoshi"),
        ("pages/staff.py", "执法队伍", ":material/badge:", "zhifa-duiwu"),
        ("pages/scorecard.py", "督导评分", ":material/leaderboard:", "dudao-pingfen"),
    ],
    "数据管理": [
        ("pages/upload.py", "数据填报", ":material/upload_file:", "shuju-tianbao"),
        ("pages/history.py", "导入记录", ":material/history:", "daoru-jilu"),
        ("pages/reporting.py", "报送情况", ":material/fact_check:", "baosong-qingkuang"),
        ("pages/targets.py", "指标与目标", ":material/tune:", "zhibiao-mubiao"),
    ],
    "汇报输出": [
        ("pages/exports.py", "汇报材料", ":material/present_to_all:", "huibao-cailiao"),
    ],
}


def all_pages() -> list[tuple[str, str, str, str]]:
    return [page for pages in PAGES.values() for page in pages]


def find(title: str) -> str | None:
    """The file of the page with this title, when the app has one (empty states link to it)."""
    return next((path for path, t, _, _ in all_pages() if t == title), None)


def build():
    """st.navigation over PAGES, grouped by section, the first page as default; returns the chosen page."""
    sections = {}
    for section, pages in PAGES.items():
        sections[section] = [st.Page(path, title=title, icon=icon, url_path=url, default=(path, title, icon, url) == all_pages()[0])
                             for path, title, icon, url in pages]
    return st.navigation(sections)


def stem(path: str) -> str:
    return Path(path).stem
