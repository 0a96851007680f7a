"""Issue 21: what a hostile insider found, each as a test that failed on the code before it.

Core items run on both databases (the `conn` fixture); page items under AppTest against the real app.
Numbers in the test names are the issue's items.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import zlib

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from conftest import ROOT, TRAINING_HEADER, load, write_xlsx
from indicators import (accounts, clients, cycle, demo, evidence, exports, importing, imports, intake, kept_answers,
                        progress, roles, store)
from indicators.problems import IndicatorsError
from indicators.store.redact import credentials
from ui.safe import md

D = dt.date
T0 = dt.datetime(2025, 7, 1, 9, 0, 0)
PASSWORD = {"fgk": "Fagui-2025!x", "boss": "Lingdao-2025x", "hq": "Hongqi-2025x"}
HOSTILE = "![x](http://evil.example/a.png) [会话已过期，请点此重新登录](http://evil.example/login)"
# a file name keeps no folder part (a / ends it): the same trap without one
HOSTILE_NAME = "![x](evil.png) [会话已过期，请点此重新登录](mailto:a@evil.example)"


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def people(conn):
    admin = accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN, name="法规科")
    return {"admin": admin,
            "leader": accounts.create(conn, admin, "boss", PASSWORD["boss"], roles.LEADER, name="主任"),
            "clerk": accounts.create(conn, admin, "hq", PASSWORD["hq"], roles.CLERK, "红旗区")}


def red_flag_rows(unit="红旗区", day=5, title="法治思想"):
    return [TRAINING_HEADER, [D(2025, 3, day), unit, "党组中心组学法", title, "张三", 15, 2, None]]


# ------------------------------------------------------------------ 1. demo data is an administrator's act

@pytest.mark.parametrize("who", ["leader", "clerk"])
def test_1_only_an_administrator_loads_demo_data(conn, people, who):
    with pytest.raises(IndicatorsError, match="无权载入示例数据"):
        demo.load_demo(conn, actor=people[who])
    assert store.batches(conn) == []


def test_1_demo_data_is_audited_as_the_administrator_who_loaded_it(conn, people):
    demo.load_demo(conn, actor=people["admin"], client="10.0.0.5")
    batches = store.batches(conn)
    assert batches and {b["login"] for b in batches} == {"fgk"}
    imported = store.audit.entries(conn, action="import")
    assert imported and {(e["login"], e["client"]) for e in imported} == {("fgk", "10.0.0.5")}


def test_1_a_leader_is_not_offered_the_demo_button(tmp_path, monkeypatch):
    path = tmp_path / "app.db"
    monkeypatch.setenv(store.DB_ENV, str(path))
    conn = store.connect(path)
    for r in demo.load_demo(conn):  # the first start's demo, then undone: an empty database that had imports
        importing.undo(conn, r.batch_id)
    admin = accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN)
    accounts.create(conn, admin, "boss", PASSWORD["boss"], roles.LEADER)
    seen = {}
    for login in ("boss", "fgk"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["_login_token"] = accounts.login(conn, login, PASSWORD[login]).token
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        seen[login] = [b.label for b in at.button]
    conn.close()
    assert "载入示例数据" not in seen["boss"]
    assert "载入示例数据" in seen["fgk"]


# ------------------------------------------------------------------ 3. user text is never markdown

@pytest.mark.parametrize("raw", [HOSTILE, "<img src=x onerror=alert(1)>", "**粗体** _斜体_ `代码`", ":red[红字] $x^2$",
                                 "www.evil.example http://evil.example", "第一行\n# 标题"])
def test_3_escaped_text_has_no_markdown_left(raw):
    out = md(raw)
    # shows as typed (U+2060, the word joiner that keeps a bare link text, is invisible)
    assert out.replace("\\", "").replace("\u2060", "") == raw.replace("\n", " ")
    for syntax in ("](", "![", "**", "http://", "www.", ":red[", "\n"):
        assert syntax not in out
    assert re.search(r"(?<!\\)[<>`*_\[\]$]", out) is None  # no markup character left unescaped


J = "\u2060"  # the word joiner ui.safe puts inside a bare link (www., http://, a@b): invisible, never a link


@pytest.mark.parametrize("said,shown", [
    (f"「{HOSTILE}」不是已知单位",
     f"「!\\[x\\](http{J}://evil.example/a.png) \\[会话已过期，请点此重新登录\\](http{J}://evil.example/login)」不是已知单位"),
    ("「<img src=x onerror=alert(1)>」", "「\\<img src=x onerror=alert(1)\\>」"),
    ("「www.evil.example」「mailto:a@evil.example」「**粗**」「$x$」",
     f"「www{J}.evil.example」「mailto{J}:a@{J}evil.example」「\\*\\*粗\\*\\*」「\\$x\\$」"),
    ("第一行\n# 标题", "第一行 # 标题"),
    ("「:100: :+1: :material/home: :red[红]」", "「\\:100\\: \\:+1\\: \\:material/home\\: :red\\[红\\]」"),
    # our own words read as written
    ("企业微信的地址应是以 https:// 开头的 Webhook 地址", "企业微信的地址应是以 https:// 开头的 Webhook 地址"),
    ("大小 1.5 MB，上限由 INDICATORS_MAX_EVIDENCE_MB 设置（a/b.xlsx）", "大小 1.5 MB，上限由 INDICATORS_MAX_EVIDENCE_MB 设置（a/b.xlsx）"),
])
def test_3_a_message_quoting_user_text_makes_no_link_image_or_markup(said, shown):
    from ui.safe import inert
    assert inert(said) == shown


def markdown_bodies(at) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(getattr(c, "value", "") for c in at.caption)


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    path = tmp_path / "app.db"
    monkeypatch.setenv(store.DB_ENV, str(path))
    conn = store.connect(path)
    data = (tmp_path / "x.xlsx")
    write_xlsx(data, {"台账": red_flag_rows(title=HOSTILE)})
    parsed = imports.parse_file(data.read_bytes(), f"{HOSTILE_NAME}.xlsx")
    res = importing.import_parsed(conn, parsed)
    assert res.ok
    evidence.attach(conn, roles.OPERATOR, [(f"{HOSTILE_NAME}.png", png())], batch=res.batch_id)
    yield conn
    conn.close()


def test_3_evidence_listing_shows_a_hostile_file_name_as_text(app_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("ui/pages/evidence.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = markdown_bodies(at)
    assert "会话已过期" in shown  # the name is there ...
    assert "](http" not in shown and "![" not in shown  # ... but never as a link or an image


def test_3_undo_confirmation_shows_a_hostile_file_name_as_text(app_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("ui/pages/history.py").run()
    next(b for b in at.button if b.label.startswith("撤销此批次")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    confirm = [m.value for m in at.markdown if "确认撤销批次" in m.value]
    assert confirm and "会话已过期" in confirm[0]
    assert "](http" not in confirm[0] and "![" not in confirm[0]


# ------------------------------------------------------------------ 5. 领导只看已审核数据 governs every read path

@pytest.fixture
def unapproved(conn, people, tmp_path):
    """红旗区's 2025 上半年 ledger with evidence on its batch; the setting on; nobody approved."""
    res = load(conn, write_xlsx(tmp_path / "hq.xlsx", {"台账": red_flag_rows()}))
    assert res.ok
    evidence.attach(conn, people["admin"], [("签到表.png", png())], batch=res.batch_id)
    cycle.set_leaders_approved_only(conn, people["admin"], True)
    return res.batch_id


H1 = progress.Period(2025, D(2025, 6, 30), "2025年上半年")


def test_5_a_leader_sees_no_unapproved_batch_original_or_evidence(conn, people, unapproved):
    leader, admin = people["leader"], people["admin"]
    assert intake.history_frame(conn, leader).empty
    with pytest.raises(IndicatorsError, match="不在您可查看的导入记录中"):
        intake.original_file(conn, unapproved, leader)
    assert evidence.listing(conn, None, H1, leader) == []
    import zipfile
    with zipfile.ZipFile(io.BytesIO(exports.build_evidence_zip(conn, H1, None, actor=leader))) as z:
        assert [n for n in z.namelist() if not n.endswith(".xlsx")] == []
    # the administrator sees all of it
    assert len(intake.history_frame(conn, admin)) == 1
    assert intake.original_file(conn, unapproved, admin).exists()
    assert len(evidence.listing(conn, None, H1, admin)) == 1


def test_5_approval_opens_it_to_the_leader(conn, people, unapproved):
    admin, leader = people["admin"], people["leader"]
    cycle.transition(conn, admin, "submit", "红旗区", 2025, 1)
    cycle.transition(conn, admin, "approve", "红旗区", 2025, 1)
    assert len(intake.history_frame(conn, leader)) == 1
    assert intake.original_file(conn, unapproved, leader).exists()
    assert len(evidence.listing(conn, None, H1, leader)) == 1


# ------------------------------------------------------------------ 6. PDF names with #xx escapes

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.mark.parametrize("action", [b"/S/J#61vaScript/JS(app.alert(1))", b"/S/L#61unch/F(calc.exe)",
                                    b"/S/#4A#61#76#61#53#63#72#69#70#74", b"/Names<</Embedded#46iles 2 0 R>>",
                                    b"/S /Ja#76aScript"])
def test_6_escaped_action_names_are_refused(action):
    data = PDF.replace(b"<<>>endobj", b"<</OpenAction<<" + action + b">>>>endobj", 1)
    with pytest.raises(IndicatorsError, match="脚本或自动执行动作"):
        evidence.check_file("签到表.pdf", data)


@pytest.mark.parametrize("name", [b"/F#6Fnt", b"/A#20B", b"/Java#53", b"/#4Caunches"])
def test_6_other_escaped_names_pass(name):
    assert evidence.check_file("签到表.pdf", PDF.replace(b"<<>>endobj", b"<<" + name + b" 1>>endobj", 1)) == "pdf"


def object_stream_pdf(objects: bytes, filters: bytes = b"/FlateDecode", encode=None, extra: bytes = b"",
                      head: bytes = b"/Type /ObjStm /N 1 /First 4") -> bytes:
    """A PDF 1.5 whose catalog (object 1) sits compressed inside an object stream (object 2), as Word and
    most PDF writers of today keep their objects; `objects` is the catalog's dictionary."""
    body = b"1 0 " + objects
    data = (encode or zlib.compress)(body)
    return (b"%PDF-1.5\n2 0 obj<<" + head + b" /Filter " + filters + b" /Length " + str(len(data)).encode() + extra
            + b">>stream\n" + data + b"\nendstream endobj\n"
            + b"3 0 obj<</Type/XRef/Size 4/W[1 2 1]>>stream\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF")


def hex_then_flate(body: bytes) -> bytes:
    return zlib.compress(body).hex().encode() + b">"


JS_CATALOG = b"<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"


@pytest.mark.parametrize("pdf", [
    object_stream_pdf(JS_CATALOG),
    object_stream_pdf(b"<</Type/Catalog/OpenAction<</S/L#61unch/F(calc.exe)>>>>"),
    object_stream_pdf(b"<</Type/Catalog/Names<</EmbeddedFiles 5 0 R>>>>"),
    object_stream_pdf(JS_CATALOG, filters=b"[/AHx /Fl]", encode=hex_then_flate),  # a chain of filters
    object_stream_pdf(JS_CATALOG, filters=b"/Fl#61teDecode"),  # the filter's own name escaped
    object_stream_pdf(JS_CATALOG, head=b"/N 1 /First 4"),  # no /Type: the xref stream is what points at it
    object_stream_pdf(JS_CATALOG, head=b"/Type /Obj#53tm /N 1 /First 4"),
], ids=["flate", "launch-escaped", "embedded", "chain", "escaped-filter", "no-type", "escaped-type"])
def test_6_actions_inside_compressed_object_streams_are_refused(pdf):
    with pytest.raises(IndicatorsError, match="脚本或自动执行动作"):
        evidence.check_file("签到表.pdf", pdf)


@pytest.mark.parametrize("pdf", [
    object_stream_pdf(JS_CATALOG, filters=b"/JBIG2Decode", encode=lambda b: bytes(x ^ 0x55 for x in b)),  # no reader decodes objects so; we cannot either
    object_stream_pdf(JS_CATALOG, extra=b" /Encrypt 9 0 R") .replace(b"trailer<<", b"trailer<</Encrypt 9 0 R"),
    object_stream_pdf(b"<<>>", encode=lambda b: zlib.compress(b"0" * 100_000_000, 9)),  # a bomb
], ids=["unknown-filter", "encrypted", "bomb"])
def test_6_an_object_stream_that_cannot_be_judged_is_refused(pdf):
    with pytest.raises(IndicatorsError, match="无法检查的压缩对象"):
        evidence.check_file("签到表.pdf", pdf)


def test_6_an_ordinary_object_stream_passes():
    catalog = b"<</Type/Catalog/Pages 4 0 R/Lang(zh-CN)/MarkInfo<</Marked true>>>>"
    assert evidence.check_file("签到表.pdf", object_stream_pdf(catalog)) == "pdf"
    assert evidence.check_file("签到表.pdf", object_stream_pdf(catalog, filters=b"[/AHx /Fl]", encode=hex_then_flate)) == "pdf"


# ------------------------------------------------------------------ 7. the audit log is append-only

UPSERT = ("INSERT INTO audit (id, time, login, name, role, action, detail) VALUES (?, ?, 'x', 'x', '', 'forged', '{}') "
          "ON CONFLICT (id) DO UPDATE SET action = 'forged', login = 'x'")


def test_7_an_upsert_cannot_rewrite_an_audit_entry(conn, people):
    first = store.audit.entries(conn)[-1]
    with pytest.raises(IndicatorsError, match="没有作任何改动"):
        with store.transaction(conn):
            conn.execute(UPSERT, (first["id"], "2000-01-01T00:00:00"))
    assert store.audit.entries(conn)[-1] == first


# each database's own statement that rewrites or removes a row in place (the plain UPDATE, DELETE and
# upsert are above)
REWRITES = [
    ("sqlite", "INSERT OR REPLACE INTO audit (id, time, login, name, role, action, detail) "
               "VALUES (?, '2000-01-01', 'x', 'x', '', 'forged', '{}')"),
    ("postgresql", "MERGE INTO audit a USING (SELECT CAST(? AS BIGINT) AS id) s ON a.id = s.id "
                   "WHEN MATCHED THEN UPDATE SET action = 'forged'"),
    ("postgresql", "MERGE INTO audit a USING (SELECT CAST(? AS BIGINT) AS id) s ON a.id = s.id "
                   "WHEN MATCHED THEN DELETE"),
]


@pytest.mark.parametrize("dialect,statement", REWRITES, ids=["insert or replace", "merge update", "merge delete"])
def test_7_a_dialects_own_rewrite_cannot_touch_an_audit_entry(conn, people, dialect, statement):
    if conn.dialect != dialect:
        pytest.skip(f"{statement.split(' INTO')[0]} is {dialect}'s form")
    first = store.audit.entries(conn)[-1]
    with pytest.raises(IndicatorsError, match="没有作任何改动"):
        with store.transaction(conn):
            conn.execute(statement, (first["id"],))
    assert store.audit.entries(conn)[-1] == first


def test_7_replace_is_refused_by_any_connection_to_the_file(tmp_path):
    """Not only ours (which turn recursive_triggers on): the sqlite3 shell or any script opening the file."""
    import sqlite3
    path = tmp_path / "app.db"
    conn = store.connect(path)
    accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN)
    first = store.audit.entries(conn)[-1]
    conn.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    for verb in ("INSERT OR REPLACE", "REPLACE"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(f"{verb} INTO audit (id, time, login, name, role, action, detail) "
                        "VALUES (?, '2000-01-01', 'x', 'x', '', 'forged', '{}')", (first["id"],))
    raw.execute("INSERT INTO audit (time, login, name, role, action, detail) VALUES ('2000', 'x', 'x', '', 'new', '{}')")
    raw.commit()  # a new entry is still appended
    raw.close()
    conn = store.connect(path)
    assert store.audit.entries(conn)[-1] == first and len(store.audit.entries(conn)) == 2
    conn.close()


# ------------------------------------------------------------------ 8. the audit log's quality

def test_8_a_huge_or_secret_name_is_never_stored_as_typed(conn, people):
    for typed in ("x" * 300_000, "Fagui-2025!x", "fgk" + "x" * 62):
        with pytest.raises(IndicatorsError):
            accounts.login(conn, typed, "whatever", now=T0, client="10.0.0.9")
    failed = store.audit.entries(conn, action="login_failed")
    assert len(failed) == 3
    for e in failed:
        assert e["login"].startswith(accounts.UNKNOWN_LOGIN) and len(e["login"]) <= accounts.MAX_LOGIN_LENGTH
        assert "Fagui" not in json.dumps(e, ensure_ascii=False) and "xxxx" not in e["name"]
    stored = " ".join(str(v) for r in conn.execute("SELECT * FROM login_failure").fetchall() for v in tuple(r))
    assert "Fagui" not in stored and "xxxx" not in stored


def test_8_cycle_and_evidence_actions_record_the_client(conn, people, tmp_path):
    admin = people["admin"]
    res = load(conn, write_xlsx(tmp_path / "hq.xlsx", {"台账": red_flag_rows()}))
    evidence.attach(conn, admin, [("签到表.png", png())], batch=res.batch_id, client="10.0.0.7")
    cycle.set_deadline(conn, admin, 2025, 1, D(2025, 7, 10), client="10.0.0.7")
    cycle.transition(conn, admin, "submit", "红旗区", 2025, 1, client="10.0.0.7")
    cycle.set_leaders_approved_only(conn, admin, True, client="10.0.0.7")
    for action in ("evidence_add", "cycle_deadline", "cycle_submit", "setting"):
        assert [e["client"] for e in store.audit.entries(conn, action=action)][:1] == ["10.0.0.7"], action


def test_8_notification_settings_and_reminders_record_the_client(conn, people):
    from indicators import notify
    admin = people["admin"]
    notify.save_settings(conn, admin, {"public_url": "https://fzjs.example.gov.cn"}, client="10.0.0.8")
    notify.set_contact(conn, admin, "红旗区", "email", "hq@example.gov.cn", client="10.0.0.8")
    notify.remove_contact(conn, admin, "红旗区", "email", client="10.0.0.8")
    for action in ("notify_settings", "contact_set", "contact_remove"):
        assert [e["client"] for e in store.audit.entries(conn, action=action)] == ["10.0.0.8"], action


@pytest.mark.parametrize("peer,forwarded,trusted,client", [
    ("203.0.113.9", "1.2.3.4", "", "203.0.113.9"),  # no proxy configured: the header is a browser's claim
    ("203.0.113.9", "1.2.3.4", "127.0.0.1", "203.0.113.9"),  # not from the proxy
    ("127.0.0.1", "1.2.3.4", "127.0.0.1", "1.2.3.4"),  # the proxy's word
    ("127.0.0.1", "6.6.6.6, 1.2.3.4", "127.0.0.1", "1.2.3.4"),  # what the browser put first is not believed
    ("10.0.0.2", "1.2.3.4, 10.0.0.3", "10.0.0.0/24", "1.2.3.4"),  # two proxies of the trusted network
    ("127.0.0.1", None, "127.0.0.1", "127.0.0.1"),
    ("::1", "2001:db8::7", "::1", "2001:db8::7"),
    ("127.0.0.1", "garbage, 1.2.3.4", "127.0.0.1", "1.2.3.4"),
    ("127.0.0.1", "1.2.3.4, garbage", "127.0.0.1", "127.0.0.1"),
])
def test_8_forwarded_for_is_believed_only_from_configured_proxies(peer, forwarded, trusted, client):
    assert clients.client_address(peer, forwarded, clients.trusted_proxies(trusted)) == client


def test_8_a_bad_proxy_setting_is_named():
    with pytest.raises(IndicatorsError, match="INDICATORS_TRUSTED_PROXIES.*「10.0.0.300」"):
        clients.trusted_proxies("127.0.0.1, 10.0.0.300")


# ------------------------------------------------------------------ 9. no database password on any page

@pytest.mark.parametrize("raw,secret", [
    ("postgresql://indicators:s3cret@db/indicators", "s3cret"),
    ("postgresql://indicators@db/indicators?password=s3cret&sslmode=require", "s3cret"),
    ("postgresql://db/indicators?sslmode=require&password=s3cret", "s3cret"),
    ("postgresql://db/indicators?sslpassword=s3cret", "s3cret"),
    ("host=db dbname=indicators password=s3cret", "s3cret"),
    ("host=db password = 's3 cr\\'et' dbname=indicators", "cr"),
    ("postgres://:s3cret@/indicators?host=/run/postgresql", "s3cret"),
    ('连接失败：connection to server at "db" failed: password=s3cret', "s3cret"),
    # libpq percent-decodes a parameter's name too, and reads user information up to the first @ or /
    ("postgresql://indicators@db/indicators?pass%77ord=s3cret&sslmode=require", "s3cret"),
    ("postgresql://db/indicators?sslmode=require&%73sl%70assword=s3cret", "s3cret"),
    ("postgresql://indicators:s3?cret@db/indicators", "cret"),
    ("postgresql://indicators:s3#cret@db/indicators", "cret"),
    ("host=db password=s3&cret#x dbname=indicators", "cret"),
    ("无法读取或写入数据库（postgresql://indicators@db/indicators?password=s3cret）：连接失败", "s3cret"),
])
def test_9_every_libpq_password_form_is_masked(raw, secret):
    shown = credentials(raw)
    assert secret not in shown and "***" in shown
    assert "indicators" in shown or "db" in shown  # the rest still says which database


def test_9_a_conninfo_is_refused_not_made_a_file_named_after_its_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IndicatorsError, match="postgresql://") as e:
        store.connect("host=127.0.0.1 port=1 dbname=indicators password=s3cretpw")
    assert "s3cretpw" not in str(e.value) and list(tmp_path.iterdir()) == []


def test_9_an_unreachable_database_shows_no_password(monkeypatch):
    monkeypatch.setenv(store.DB_ENV, "postgresql://indicators@127.0.0.1:1/indicators?password=s3cretpw&connect_timeout=2")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = [e.value for e in at.error]
    assert said and any("127.0.0.1" in s for s in said)
    everything = json.dumps([str(getattr(e, "value", "")) for e in at.main], ensure_ascii=False) + str(said)
    assert "s3cretpw" not in everything


# ------------------------------------------------------------------ 10. nobody can lock the administrator out

def test_10_a_stranger_locks_the_name_only_for_their_own_address(conn, people):
    for i in range(accounts.LOCK_AFTER_FAILURES):
        with pytest.raises(IndicatorsError):
            accounts.login(conn, "fgk", "wrong-password", client="198.51.100.66", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(IndicatorsError, match="暂停登录"):  # the stranger's address is locked out
        accounts.login(conn, "fgk", PASSWORD["fgk"], client="198.51.100.66", now=T0 + dt.timedelta(minutes=1))
    owner = accounts.login(conn, "fgk", PASSWORD["fgk"], client="10.0.0.5", now=T0 + dt.timedelta(minutes=1))
    assert owner.actor.login == "fgk"


@pytest.mark.parametrize("client,key", [
    ("198.51.100.66", "198.51.100.66"), ("::ffff:198.51.100.66", "198.51.100.66"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"), ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    (None, ""),
])
def test_10_wrong_passwords_are_counted_per_address_and_per_ipv6_network(client, key):
    assert clients.lockout_key(client) == key


def test_10_a_stranger_cannot_walk_round_the_lock_through_one_ipv6_network(conn, people):
    for i in range(accounts.LOCK_AFTER_FAILURES):  # one machine's /64: a new address for every try
        with pytest.raises(IndicatorsError):
            accounts.login(conn, "fgk", "wrong-password", client=f"2001:db8:1:2::{i + 1:x}", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(IndicatorsError, match="暂停登录"):
        accounts.login(conn, "fgk", PASSWORD["fgk"], client="2001:db8:1:2::99", now=T0 + dt.timedelta(minutes=1))
    owner = accounts.login(conn, "fgk", PASSWORD["fgk"], client="2001:db8:7:7::5", now=T0 + dt.timedelta(minutes=1))
    assert owner.actor.login == "fgk"


def test_10_a_stranger_at_one_address_never_reaches_the_global_limit(conn, people):
    """Five tries every 15 minutes from one address, for three hours: the owner still logs in."""
    t = T0
    for _ in range(12):
        for i in range(accounts.LOCK_AFTER_FAILURES):
            with pytest.raises(IndicatorsError):
                accounts.login(conn, "fgk", "wrong-password", client="198.51.100.66", now=t + dt.timedelta(seconds=i))
        t += dt.timedelta(minutes=accounts.LOCK_MINUTES, seconds=10)
    assert accounts.login(conn, "fgk", PASSWORD["fgk"], client="10.0.0.5", now=t).actor.login == "fgk"


def test_10_many_addresses_together_lock_the_name_everywhere(conn, people):
    for i in range(accounts.GLOBAL_LOCK_AFTER):
        with pytest.raises(IndicatorsError):
            accounts.login(conn, "fgk", "wrong-password", client=f"198.51.100.{i}", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(IndicatorsError, match="暂停登录"):
        accounts.login(conn, "fgk", PASSWORD["fgk"], client="10.0.0.5", now=T0 + dt.timedelta(minutes=2))
    later = T0 + dt.timedelta(minutes=accounts.LOCK_MINUTES + 1)
    assert accounts.login(conn, "fgk", PASSWORD["fgk"], client="10.0.0.5", now=later).actor.login == "fgk"


# ------------------------------------------------------------------ durability at COMMIT

def test_every_connection_commits_durably(conn):
    """SQLite: synchronous=FULL (2) in WAL mode; PostgreSQL: synchronous_commit on, although the tests'
    server runs with it off (tests/pg_server.py), so the connection itself must ask for it."""
    if conn.dialect == "sqlite":
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    else:
        assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"


# ------------------------------------------------------------------ 4. the first administrator needs the console's code

def first_admin_page(tmp_path, monkeypatch) -> tuple[AppTest, str]:
    path = tmp_path / "app.db"
    monkeypatch.setenv(store.DB_ENV, str(path))
    conn = store.connect(path)
    demo.load_demo(conn)
    conn.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("ui/pages/first_admin.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at, str(path)


def fill_first_admin(at, code: str | None) -> None:
    inputs = {t.label: t for t in at.text_input}
    if code is not None:
        inputs["设置码"].input(code)
    inputs["登录名"].input("fgk")
    inputs["密码"].input(PASSWORD["fgk"])
    inputs["再次输入密码"].input(PASSWORD["fgk"])
    next(b for b in at.button if b.label == "创建管理员并登录").click().run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("code", ["", "WRONG123"])
def test_4_the_first_administrator_is_refused_without_the_setup_code(tmp_path, monkeypatch, code):
    at, path = first_admin_page(tmp_path, monkeypatch)
    fill_first_admin(at, code)
    assert any("设置码不正确" in e.value for e in at.error)
    conn = store.connect(path)
    assert not accounts.has_accounts(conn)
    assert [e["action"] for e in store.audit.entries(conn)][0] == "setup_code_refused"
    conn.close()


def test_4_the_setup_code_from_the_console_creates_the_first_administrator(tmp_path, monkeypatch):
    at, path = first_admin_page(tmp_path, monkeypatch)
    fill_first_admin(at, accounts.setup_code().lower())  # as read off the console, in any case
    conn = store.connect(path)
    assert [a["login"] for a in accounts.list_accounts(conn)] == ["fgk"]
    conn.close()
    with pytest.raises(IndicatorsError, match="已经存在"):  # and never again from the web
        c = store.connect(path)
        try:
            accounts.create_first_admin(c, "other", PASSWORD["fgk"], None, accounts.setup_code())
        finally:
            c.close()


@pytest.mark.parametrize("with_account", [False, True])
def test_4_the_setup_code_is_in_the_console_as_the_server_starts(tmp_path, with_account):
    """Printed by the start-up work (ui/warm.py), before anyone opens a page; never once an account exists."""
    import subprocess
    import sys
    path = tmp_path / "app.db"
    if with_account:
        conn = store.connect(path)
        accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN)
        conn.close()
    run = subprocess.run([sys.executable, "-c", "from ui import warm; warm._first_period()"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env={**os.environ, store.DB_ENV: str(path)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert ("首次设置码：" in run.stderr) is not with_account


def test_4_the_server_listens_on_this_machine_only_by_default():
    import tomllib
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


@pytest.mark.parametrize("client,actor", [
    (None, roles.OPERATOR),  # no connection behind the session (the command line's own runs, AppTest)
    ("127.0.0.1", roles.OPERATOR), ("::1", roles.OPERATOR), ("127.0.0.2", roles.OPERATOR),
    ("10.0.0.5", roles.VISITOR), ("192.168.1.20", roles.VISITOR), ("2001:db8::7", roles.VISITOR),
    ("::ffff:10.0.0.5", roles.VISITOR), ("garbage", roles.VISITOR),
])
def test_4_before_the_first_account_only_this_machine_is_the_operator(client, actor):
    assert clients.before_first_account(client) == actor


def test_4_a_visitor_from_elsewhere_changes_nothing_but_may_create_the_first_administrator(conn, tmp_path):
    visitor = clients.before_first_account("10.0.0.5")
    with pytest.raises(IndicatorsError, match="无权载入示例数据"):
        demo.load_demo(conn, actor=visitor)
    parsed = imports.parse_file(write_xlsx(tmp_path / "x.xlsx", {"台账": red_flag_rows()}).read_bytes(), "x.xlsx")
    with pytest.raises(IndicatorsError, match="无权导入台账"):
        importing.import_parsed(conn, parsed, actor=visitor)
    assert store.batches(conn) == []
    for refused in (lambda: accounts.create(conn, visitor, "evil", PASSWORD["fgk"], roles.ADMIN),
                    lambda: cycle.set_deadline(conn, visitor, 2025, 1, D(2025, 7, 10)),
                    lambda: cycle.set_leaders_approved_only(conn, visitor, False)):
        with pytest.raises(IndicatorsError, match="无权"):
            refused()
    assert not accounts.has_accounts(conn)
    admin = accounts.create_first_admin(conn, "fgk", PASSWORD["fgk"], None, accounts.setup_code(), client="10.0.0.5")
    assert admin.role == roles.ADMIN


# ------------------------------------------------------------------ 2. kept answers are scoped to the clerk's unit

WB = roles.Actor("wb", "卫滨区填报员", roles.CLERK, "卫滨区")
HX = roles.Actor("hx", "辉县市填报员", roles.CLERK, "辉县市")
SPELLING = "辉县国动"  # a spelling the reader asks about


def unit_ledger(unit_text: str, day: int = 3, category: str = "党组中心组学法") -> bytes:
    from conftest import ledger_bytes
    return ledger_bytes("2025年学法台账", TRAINING_HEADER, [[D(2025, 3, day), unit_text, category, "法治思想", "张三", 15, 2, None]])


def value_answer(column: str, raw: str, value: str):
    from indicators.interpret import Answers
    a = Answers()
    a.add_value(column, raw, value)
    return a


def credited(conn, data: bytes, actor) -> list[str]:
    c = intake.check_upload(conn, data, "台账.xlsx", actor=actor)
    if not c.ok:
        return []
    return sorted({u for df in c.parsed.records.values() for u in df["unit"].to_list()})


def test_2_a_clerks_answer_applies_to_their_own_units_uploads_only(conn):
    c = intake.check_upload(conn, unit_ledger(SPELLING), "wb.xlsx", answers=value_answer("单位", SPELLING, "卫滨区"), actor=WB)
    assert c.ok
    intake.confirm_upload(conn, c.parsed, WB)
    assert credited(conn, unit_ledger(SPELLING, 4), WB) == ["卫滨区"]  # their own next upload: no question
    # another unit's clerk and the administrator: 卫滨区's answer is not theirs; nothing is credited to 卫滨区
    assert "卫滨区" not in credited(conn, unit_ledger(SPELLING, 5), HX)
    assert "卫滨区" not in credited(conn, unit_ledger(SPELLING, 5), roles.OPERATOR)
    assert [r["适用"] for r in kept_answers.listing(conn, HX)] == []  # and 辉县市's clerk does not see it


def test_2_a_clerk_cannot_keep_an_answer_that_reads_a_value_as_another_unit(conn):
    used = intake.check_upload(conn, unit_ledger(SPELLING), "x.xlsx", answers=value_answer("单位", SPELLING, "辉县市"),
                               actor=roles.OPERATOR).parsed.used
    with pytest.raises(IndicatorsError, match="只能把写法对应到本单位"):
        kept_answers.keep(conn, WB, used)
    assert kept_answers.listing(conn) == []


def test_2_nobody_overwrites_another_users_answer_silently(conn):
    admin2 = roles.Actor("fgk2", "法规科二", roles.ADMIN)
    first = intake.check_upload(conn, unit_ledger("红旗区", category="中心会"), "a.xlsx",
                                answers=value_answer("类别", "中心会", "党组中心组学法")).parsed.used
    kept_answers.keep(conn, roles.OPERATOR, first)
    assert first
    other = intake.check_upload(conn, unit_ledger("红旗区", category="中心会"), "a.xlsx",
                                answers=value_answer("类别", "中心会", "全员法治培训")).parsed.used
    with pytest.raises(IndicatorsError, match="不能覆盖别人的回答"):
        kept_answers.keep(conn, admin2, other)
    assert [r["内容"] for r in kept_answers.listing(conn)] == ["类别「中心会」按「党组中心组学法」读取"]


def test_2_the_cli_refuses_a_clerks_value_for_another_units_spelling(cli_db, tmp_path):
    import subprocess
    import sys
    from conftest import db_env
    conn = store.connect(cli_db)
    admin = accounts.create(conn, roles.OPERATOR, "fgk", PASSWORD["fgk"], roles.ADMIN)
    accounts.create(conn, admin, "wb", "Weibin-2025x", roles.CLERK, "卫滨区")
    conn.close()
    f = tmp_path / "wb.xlsx"
    f.write_bytes(unit_ledger(SPELLING))
    run = subprocess.run([sys.executable, "-m", "indicators", "import", str(f), "--db", str(cli_db), "--user", "wb",
                          "--value", f"单位:{SPELLING}=辉县市"], cwd=ROOT, capture_output=True, text=True,
                         env=db_env(cli_db, tmp_path / "shared"))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    conn = store.connect(cli_db)
    assert kept_answers.listing(conn) == [] and store.batches(conn) == []
    conn.close()
