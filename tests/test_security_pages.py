"""Issue 21, item 3 as a class: text that came from a user is never rendered as markdown or HTML, on any page.

One database where every text a user can put in holds a phishing link and an outside image (file names of
imports and evidence, every ledger text column, a header and a sheet name, a return reason, an explanation,
a kept answer's spelling, an account's display name); every page each role may open, run under AppTest, is
scanned: no markdown-rendered string of any element (texts, alerts, captions, labels, help, radio options)
holds that markup unescaped. Selectbox options and table cells are plain text in Streamlit, so left out.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from google.protobuf.message import Message
from PIL import Image
from streamlit.testing.v1 import AppTest

import dashboard_support as ds
from conftest import GOVERNANCE_HEADER, PUBLICITY_HEADER, STAFF_HEADER, TRAINING_HEADER, healthy, write_xlsx
from indicators import accounts, cycle, evidence, explanations, importing, imports, kept_answers, store
from indicators.interpret import Answers
from indicators.roles import ADMIN, CLERK, LEADER, Actor
from ui import navigation

pytestmark = pytest.mark.xdist_group("security_pages")  # one seeded database for the module

D = dt.date
PASSWORD = "Hostile-test-2025"
LINK = "[会话已过期，请点此重新登录](http://evil.example/login)"
IMAGE = "![x](http://evil.example/a.png)"
HOSTILE = f"{IMAGE} {LINK} <img src=x onerror=alert(1)>"
NAME = "![x](evil.png)[点此登录](mailto:a@evil.example)"  # a file name keeps no '/'
# the display names too: an administrator types them (the clerk's shows in the listings of what they did)
PEOPLE = {ADMIN: Actor("fgk", "孙法规", ADMIN), LEADER: Actor("ld", f"李主任{LINK}", LEADER),
          CLERK: Actor("hq", f"王填报{IMAGE}", CLERK, "红旗区")}
# markup that acted: a link or image opener, an HTML tag, each not preceded by the escaping backslash
ACTIVE = re.compile(r"(?<!\\)\]\((?:http|mailto|evil)|(?<!\\)!(?<!\\)\[x|(?<!\\)<img")
# fields Streamlit shows as plain text: a select box's options, a table's data, our own script and style
PLAIN = (".options", ".default", ".value", ".arrow_data.data", ".spec", ".id", ".form_id", ".placeholder")
PLAIN_TYPES = {"selectbox", "multiselect", "text", "code", "arrow_data_frame", "dataframe", "text_input", "text_area"}


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buf, "PNG")
    return buf.getvalue()


def hostile_workbook(path) -> bytes:
    """Every ledger of 红旗区 in 2025 上半年, every free-text cell the trap (a sheet named after it too)."""
    write_xlsx(path, {
        "培训": [TRAINING_HEADER, [D(2025, 3, 5), "红旗区", "党组中心组学法", HOSTILE, HOSTILE, 15, 2, HOSTILE]],
        "宣传": [PUBLICITY_HEADER, [D(2025, 3, 1), "红旗区", HOSTILE, "3·1民防日", "社区", HOSTILE, 200, 50, 1, HOSTILE]],
        "制度": [GOVERNANCE_HEADER, [D(2025, 2, 1), "红旗区", "党组听取汇报", HOSTILE, HOSTILE]],
        "统计": [STAFF_HEADER, [D(2025, 6, 1), "红旗区", 10, 8, 8, 0, 0, 8, 8, HOSTILE]],
    })
    return path.read_bytes()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "app.db"
    conn = store.connect(db)
    admin = ds.create_people(conn, PEOPLE.values(), PASSWORD)
    clerk = PEOPLE[CLERK]
    # a spelling the reader asks about, answered and kept by the clerk
    answers = Answers()
    answers.add_value("类别", HOSTILE, "全员法治培训")
    spelled = write_xlsx(folder / "spelled.xlsx", {"台账": [TRAINING_HEADER, [D(2025, 4, 1), "红旗区", HOSTILE, "普法", "李四", 9, 1, None]]})
    checked = importing.import_parsed(conn, imports.parse_file(spelled.read_bytes(), f"{NAME}.xlsx", answers=kept_answers.kept(conn, answers, clerk)),
                                      actor=clerk)
    assert checked.ok, [p.message for p in checked.parsed.problems]
    kept_answers.keep(conn, clerk, checked.parsed.used)
    res = importing.import_parsed(conn, imports.parse_file(hostile_workbook(folder / "x.xlsx"), f"{NAME}.xlsx"), actor=clerk)
    assert res.ok, [p.message for p in res.parsed.problems]
    evidence.attach(conn, clerk, [(f"{NAME}.png", png())], batch=res.batch_id)
    cycle.transition(conn, clerk, "submit", "红旗区", 2025, 1, now=dt.datetime(2025, 7, 1, 9))
    cycle.transition(conn, admin, "return", "红旗区", 2025, 1, reason=HOSTILE, now=dt.datetime(2025, 7, 1, 10))
    conn.close()
    return db




def active_markup(at: AppTest) -> list[str]:
    found = []
    for el in ds.elements(at._tree):
        proto = getattr(el, "proto", None)
        if not isinstance(proto, Message) or el.type in PLAIN_TYPES or el.type == "plotly_chart":
            continue
        if el.type == "html" and not getattr(el, "proto", None):
            continue
        for path, text in ds.proto_strings(proto):
            if path.endswith(PLAIN) and el.type != "radio":
                continue
            if m := ACTIVE.search(text):
                found.append(f"{el.type}{path}: …{text[max(0, m.start() - 40):m.end() + 20]}…")
    return found


def pages_of(role: str) -> list[str]:
    return [p for pages in navigation.visible(PEOPLE[role], True).values() for p, _, _ in pages]


CASES = [(role, page) for role in PEOPLE for page in pages_of(role)]


def open_as(db, role: str, page: str) -> AppTest:
    conn = store.connect(db)
    token = accounts.login(conn, PEOPLE[role].login, PASSWORD).token
    conn.close()
    at = ds.app(page, year=2025, period="上半年", token=token, timeout=90)
    healthy(at)
    return at


@pytest.mark.parametrize("role,page", CASES, ids=[f"{r}-{p.split('/')[-1][:-3]}" for r, p in CASES])
def test_no_page_renders_user_text_as_markup(seeded, monkeypatch, role, page):
    monkeypatch.setenv(store.DB_ENV, str(seeded))
    at = open_as(seeded, role, page)
    found = active_markup(at)
    assert not found, "\n".join(found)


def test_the_scan_finds_markup_that_acted():
    script = f"""
import streamlit as st
st.markdown({HOSTILE!r})
st.caption("ok " + {LINK!r})
st.button({NAME!r})
st.selectbox("批次", [{HOSTILE!r}])
st.text({HOSTILE!r})
from ui.safe import md
st.markdown(md({HOSTILE!r}))
"""
    at = AppTest.from_string(script).run()
    found = active_markup(at)
    assert [f.split(":")[0].split(".")[0] for f in found] == ["markdown", "caption", "button"], found


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def uploads(tmp_path, topic: str = "学法") -> dict[str, bytes]:
    """Files a clerk may pass on to the administrator, each named and filled with the trap; the good one's
    主题 is `topic` (a test that imports it gives its own: the same bytes twice are the same file, already in)."""
    ok = write_xlsx(tmp_path / "ok.xlsx", {"<img src=x onerror=alert(1)>":
                                           [TRAINING_HEADER, [D(2025, 3, 7), "红旗区", "党组中心组学法", topic, "张三", 15, 2, None]]})
    bad = write_xlsx(tmp_path / "bad.xlsx", {"台账": [TRAINING_HEADER, [D(2025, 3, 7), HOSTILE, HOSTILE, HOSTILE, "张三", HOSTILE, 2, None]]})
    asks = write_xlsx(tmp_path / "ask.xlsx", {"台账": [[*TRAINING_HEADER, HOSTILE], [D(2025, 3, 8), "红旗区", "中心会" + IMAGE, "学", "张", 15, 2, None, 1]]})
    return {f"{NAME}ok.xlsx": ok.read_bytes(), f"{NAME}bad.xlsx": bad.read_bytes(), f"{NAME}ask.xlsx": asks.read_bytes(),
            f"{NAME}.txt.xlsx": b"not a workbook " + HOSTILE.encode()}


@pytest.mark.parametrize("role", [ADMIN, CLERK])
def test_an_upload_shows_its_name_sheets_headers_and_values_as_text(seeded, monkeypatch, tmp_path, role):
    monkeypatch.setenv(store.DB_ENV, str(seeded))
    at = open_as(seeded, role, "ui/pages/upload.py")
    at.run()
    # each role's good file its own: within one second (a workbook's time stamp) both would be the same bytes
    at.file_uploader[0].set_value([(n, b, XLSX) for n, b in uploads(tmp_path, f"学法（{role}）").items()]).run()
    healthy(at)
    found = active_markup(at)
    assert not found, "\n".join(found)
    shown = "\n".join(str(e.value) for kind in ("markdown", "error", "info", "success", "warning", "caption")
                      for e in getattr(at, kind))
    assert "点此登录" in shown  # the names are there, as text
    next(b for b in at.button if b.label == "确认导入").click().run()  # the one good file
    healthy(at)
    found = active_markup(at)
    assert not found, "\n".join(found)
    assert any("已导入" in s.value or "新增" in s.value for s in at.success), [s.value for s in at.success] + [e.value for e in at.error]


def test_the_undo_confirmation_and_the_review_show_user_text_as_text(seeded, monkeypatch):
    monkeypatch.setenv(store.DB_ENV, str(seeded))
    at = open_as(seeded, ADMIN, "ui/pages/history.py")
    next(b for b in at.button if b.label.startswith("撤销此批次")).click().run()
    healthy(at)
    found = active_markup(at)
    assert not found, "\n".join(found)
    at = open_as(seeded, ADMIN, "ui/pages/reporting.py")
    for b in [b for b in at.button if ("审核" in b.label or "查看" in b.label) and not b.disabled][:3]:
        b.click().run()
        healthy(at)
        found = active_markup(at)
    assert not found, "\n".join(found)


def test_removing_a_kept_answer_says_which_as_text(seeded, monkeypatch):
    # last in the module: it removes the clerk's kept answer from the shared database
    monkeypatch.setenv(store.DB_ENV, str(seeded))
    at = open_as(seeded, CLERK, "ui/pages/answers.py")
    next(b for b in at.button if b.label == "删除" and not b.disabled).click().run()
    healthy(at)
    assert any("已删除" in s.value for s in at.success)
    found = active_markup(at)
    assert not found, "\n".join(found)
