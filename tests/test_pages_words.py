"""No page shows what only a programmer reads (issue 22: 指标与目标 showed "None" for E05 and the path
data/indicators.toml): every page each role may open, run under AppTest against a seeded database with
accounts, is scanned whole (every string of every element: texts, labels, options, help, table cells, and a
table's missing cells, which Streamlit would draw as "None" unless told otherwise)."""
from __future__ import annotations

import json
import re

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

import dashboard_support as ds
from conftest import healthy
from indicators import accounts, evidence, store
from indicators.roles import ADMIN, CLERK, LEADER, Actor
from ui import navigation

pytestmark = pytest.mark.xdist_group("pages_words")  # one seeded database for the module

PASSWORD = "Words-test-2025"
PEOPLE = {ADMIN: Actor("fgk", "孙法规", ADMIN), LEADER: Actor("ld", "李主任", LEADER), CLERK: Actor("hq", "王填报", CLERK, "红旗区")}
# what a user never reads: Python's and pandas' empty values, and paths or file names of the server
UNREADABLE = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|<NA>|null)(?![A-Za-z])|data/|\.toml|\.py\b|/tmp/|/work/|"
                        r"Traceback|[A-Za-z]:\\\\")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("words")
    db = ds.seed_database(folder)
    conn = store.connect(db)
    admin = ds.create_people(conn, PEOPLE.values(), PASSWORD)
    # a file with no text of its own, so that empty cells (a 备注, a 主讲人) appear in tables too
    evidence.attach(conn, admin, [("通知.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")], batch=1)
    conn.close()
    return db



def json_strings(value, where: str = "") -> list[tuple[str, str]]:
    """(path, text) of every string in a chart's JSON (its titles, labels, hover texts, annotations)."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in json_strings(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [x for v in value for x in json_strings(v, where)]
    return []



def unreadable(at: AppTest) -> list[str]:
    found = []
    for el in ds.elements(at._tree):
        proto = getattr(el, "proto", None)
        if not isinstance(proto, Message):
            continue
        for path, text in ds.proto_strings(proto):
            if el.type == "plotly_chart" and path.endswith(".spec"):
                found += [f"chart {where}: {t}" for where, t in json_strings(json.loads(text)) if UNREADABLE.search(t)]
                continue
            if el.type == "plotly_chart":
                continue  # its config and style
            if el.type == "html" and text.lstrip().startswith(("<script", "<style")):
                continue  # our own script or style sheet (ui/chrome.py): code, never shown as text
            if path.endswith(".arrow_data.data") or ".icon" in path or path.endswith((".id", ".key", ".form_id")):
                continue
            if m := UNREADABLE.search(text):
                found.append(f"{el.type}{path}: …{text[max(0, m.start() - 30):m.end() + 30]}…")
        if el.type in ("arrow_data_frame", "dataframe", "arrow_table") or type(el).__name__ == "Dataframe":
            frame = el.value
            shown = frame.astype(str)
            for col in frame.columns:
                if UNREADABLE.search(str(col)):
                    found.append(f"table column {col}")
                bad = shown[col][shown[col].str.contains(UNREADABLE)]
                found += [f"table cell {col}: {v}" for v in bad.head(3)]
            placeholder = proto.placeholder if proto.HasField("placeholder") else None
            if placeholder is None and frame.isna().any().any():
                cols = [c for c in frame.columns if frame[c].isna().any()]
                found.append(f"table with empty cells drawn as None: {cols}")
    return found


def pages_of(role: str) -> list[str]:
    return [p for pages in navigation.visible(PEOPLE[role], True).values() for p, _, _ in pages]


def page_as(seeded, monkeypatch, login: str, page: str, **state) -> AppTest:
    """The real app logged in as `login` (with the sidebar `state`), switched to `page` and checked healthy."""
    monkeypatch.setenv(store.DB_ENV, str(seeded))
    conn = store.connect(seeded)
    token = accounts.login(conn, login, PASSWORD).token
    conn.close()
    at = ds.app(page, token=token, **state)
    healthy(at)
    return at


CASES = [(role, page) for role in PEOPLE for page in pages_of(role)]


@pytest.mark.parametrize("role,page", CASES, ids=[f"{r}-{p.split('/')[-1][:-3]}" for r, p in CASES])
def test_no_page_shows_none_nan_or_a_path(seeded, monkeypatch, role, page):
    at = page_as(seeded, monkeypatch, PEOPLE[role].login, page, year=2025, period="上半年")
    assert unreadable(at) == []


def test_the_scan_finds_what_it_looks_for():
    # the scan itself can fail: a text with None, a path, and a table whose empty cell Streamlit draws as None
    script = """
import pandas as pd, streamlit as st
st.caption("目标：None")
st.text("配置见 data/indicators.toml")
st.dataframe(pd.DataFrame({"目标": [1.0, None]}))
st.dataframe(pd.DataFrame({"分值": [1.0, None]}), placeholder="")
import plotly.graph_objects as go
st.plotly_chart(go.Figure(go.Bar(x=["完成"], y=[1], text=["nan 次"])))
"""
    at = AppTest.from_string(script).run()
    found = unreadable(at)
    assert len(found) == 4 and "目标：None" in found[0] and "data/indicators.toml" in found[1], found
    assert "['目标']" in found[2] and "nan 次" in found[3]


def test_an_unscored_indicator_reads_not_scored_on_the_targets_page(seeded, monkeypatch):
    at = page_as(seeded, monkeypatch, "ld", "ui/pages/targets.py")
    table = next(el for el in ds.elements(at._tree) if type(el).__name__ == "Dataframe" or el.type == "arrow_data_frame")
    e05 = table.value.set_index("code").loc["E05"]
    assert e05[["target", "weight", "default_target"]].isna().all() and table.proto.placeholder == "不计分"
    assert any("执法证件办理量只展示数量，不设目标、不计分" in c.value for c in at.caption)


def test_the_import_history_keeps_who_and_when_in_sight(seeded, monkeypatch):
    # 1600x900 showed the checksum and pushed 导入人 off-screen: who and when come first and stay pinned
    at = page_as(seeded, monkeypatch, "fgk", "ui/pages/history.py")
    table = at.dataframe[0]
    columns = list(table.value.columns)
    assert columns[:3] == ["批次", "导入时间", "导入人"] and columns[-1] == "校验值"
    config = json.loads(table.proto.columns)
    assert all(config[c]["pinned"] is True for c in ("批次", "导入时间", "导入人"))
    assert config["校验值"]["width"] == "small"


@pytest.mark.parametrize("row,line", [
    ({"单位": "红旗区", "备注": None, "人数": 12.0}, "• 红旗区　人数：12"),
    ({"单位": "红旗区", "备注": float("nan"), "人数": 4.166}, "• 红旗区　人数：4.17"),
    ({"单位": "红旗区", "备注": "pd.NA", "人数": None}, "• 红旗区　备注：pd.NA"),
])
def test_a_phone_list_line_leaves_an_empty_cell_out(row, line):
    # on a phone a table is a list of lines (ui/shell.table); AppTest has no phone, so the line itself is tested
    import pandas as pd
    from ui import shell
    frame = pd.DataFrame([row]).astype(object)
    assert shell._list_item(next(frame.itertuples(index=False))) == line
