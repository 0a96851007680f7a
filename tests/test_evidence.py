"""Evidence: types read from content (renamed .exe, HTML named .pdf, oversized refused), files kept
once by checksum, attachments under the data's rules (own unit, locks, audit), coverage per
indicator, the inspection zip's layout and index, and the workbook's 佐证材料清单."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from PIL import Image

from conftest import PUBLICITY_HEADER, TRAINING_HEADER, count, load, write_xlsx
from indicators import cycle, evidence, exports, progress, store
from indicators.problems import IndicatorsError
from indicators.roles import ADMIN, CLERK, LEADER, Actor

D = dt.date
ADMIN_A = Actor("fgk", "孙法规", ADMIN)
CLERK_A = Actor("hq", "王填报", CLERK, "红旗区")
OTHER_CLERK = Actor("wb", "赵填报", CLERK, "卫滨区")
LEADER_A = Actor("ld", "李主任", LEADER)
LECTURE = evidence.RowRef("training", ("红旗区", "2025-03-01", "党组中心组学法", "法治思想"))


def jpeg(size=(800, 600), color="red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG")
    return buf.getvalue()


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buf, "PNG")
    return buf.getvalue()


def docx() -> bytes:
    import docx as python_docx
    buf = io.BytesIO()
    d = python_docx.Document()
    d.add_paragraph("会议纪要")
    d.save(buf)
    return buf.getvalue()


def xlsx() -> bytes:
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.mark.parametrize("name,data,kind", [
    ("签到表.pdf", PDF, "pdf"),
    ("现场照片.jpg", jpeg(), "jpg"),
    ("现场照片.jpeg", jpeg(), "jpg"),
    ("截图.png", png(), "png"),
    ("会议纪要.docx", docx(), "docx"),
    ("名册.xlsx", xlsx(), "xlsx"),
    ("照片.pdf", jpeg(), "jpg"),  # the content decides, whatever the name says
])
def test_accepted_types_are_read_from_content(name, data, kind):
    assert evidence.check_file(name, data) == kind


@pytest.mark.parametrize("name,data,message", [
    ("通知.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "「通知.pdf」的内容是Windows 可执行程序"),
    ("签到表.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "「签到表.pdf」的内容是网页或 XML 文件（HTML/SVG）"),
    ("照片.jpg", b"  <html><body>x</body></html>", "网页或 XML 文件"),
    ("图.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "网页或 XML 文件"),
    ("纪要.docx", plain_zip(), "压缩包或其他 Office 文件"),
    ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Office 文件（.doc/.xls）"),
    ("空.pdf", b"", "「空.pdf」是空文件"),
    ("说明.txt", "纯文本".encode(), "无法识别的文件"),
])
def test_refused_types_say_what_the_file_is(name, data, message):
    with pytest.raises(IndicatorsError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        evidence.check_file(name, data)
    assert "未保存" in str(e.value)


def test_oversized_file_is_refused_and_the_limit_is_one_setting(monkeypatch):
    assert evidence.MAX_MB.default == 20 and evidence.MAX_MB.help
    big = PDF + b"0" * (20 * 1024 * 1024)
    with pytest.raises(IndicatorsError, match=r"超过单个佐证材料 20 MB 的上限.*INDICATORS_MAX_EVIDENCE_MB"):
        evidence.check_file("扫描件.pdf", big)
    monkeypatch.setenv("INDICATORS_MAX_EVIDENCE_MB", "25")
    assert evidence.check_file("扫描件.pdf", big) == "pdf"
    monkeypatch.setenv("INDICATORS_MAX_EVIDENCE_MB", "很多")
    with pytest.raises(IndicatorsError, match="应为数字"):
        evidence.max_bytes()


@pytest.fixture
def ledger(conn, tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", {"培训": [TRAINING_HEADER,
                                                     [D(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", None, 15, 2, None],
                                                     [D(2025, 4, 1), "红旗区", "全员法治培训", "民法典", None, 40, 2, None],
                                                     [D(2025, 4, 2), "卫滨区", "领导班子法治讲座", "行政处罚法", None, 12, 2, None]],
                                            "宣传": [PUBLICITY_HEADER,
                                                     [D(2025, 5, 12), "红旗区", "防灾减灾宣传", "5·12防灾减灾日", "社区", "某社区",
                                                      300, 500, 2, None]]})
    assert load(conn, path).ok
    return conn


def evidence_files(conn) -> list[str]:
    folder = store.evidence.evidence_dir(conn)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_attach_keeps_each_file_once_with_a_thumbnail(ledger):
    photo = jpeg()
    ids = evidence.attach(ledger, CLERK_A, [("签到表.jpg", photo), ("签到表(1).jpg", photo)], row=LECTURE)
    evidence.attach(ledger, ADMIN_A, [("照片.jpg", photo)], batch=1)  # the batch holds 卫滨区 rows too
    digest = imports_checksum(photo)
    assert evidence_files(ledger) == [f"{digest}.jpg", f"{digest}.thumb.png"]
    assert count(ledger, "evidence_file") == 1 and len(ids) == 2
    e = store.evidence.one(ledger, ids[0])
    with Image.open(io.BytesIO(evidence.thumb(ledger, e))) as t:
        assert t.format == "PNG" and max(t.size) <= 320
    name, data, mime = evidence.download(ledger, e)
    assert (name, data, mime) == ("签到表.jpg", photo, "image/jpeg")
    assert [a["action"] for a in store.audit.entries(ledger, unit="红旗区")] == ["evidence_add", "evidence_add"]


def imports_checksum(data: bytes) -> str:
    from indicators import imports
    return imports.checksum(data)


def test_download_name_follows_the_content_never_html(ledger):
    [i] = evidence.attach(ledger, ADMIN_A, [("scan.html.pdf", PDF)], row=LECTURE)
    name, _, mime = evidence.download(ledger, store.evidence.one(ledger, i))
    assert (name, mime) == ("scan.html.pdf", "application/pdf")
    [j] = evidence.attach(ledger, ADMIN_A, [("照片.pdf", jpeg())], row=LECTURE)
    assert evidence.download(ledger, store.evidence.one(ledger, j))[::2] == ("照片.jpg", "image/jpeg")
    assert all("html" not in mime for _, mime in evidence.TYPES.values())


@pytest.mark.parametrize("actor,target,message", [
    (OTHER_CLERK, {"row": LECTURE}, "只能上传或删除佐证材料（限本单位：卫滨区）"),
    (LEADER_A, {"row": LECTURE}, "领导账号无权上传或删除佐证材料"),
    (CLERK_A, {"batch": 1}, "不能操作「卫滨区」的数据"),  # the batch holds another unit's rows too
    (CLERK_A, {"row": evidence.RowRef("training", ("红旗区", "2025-03-02", "党组中心组学法", "无此行"))}, "没有这一行台账"),
    (CLERK_A, {"batch": 99}, "没有编号为 99 的导入批次"),
    (CLERK_A, {}, "二者选一"),
])
def test_attach_refusals_store_nothing(ledger, actor, target, message):
    with pytest.raises(IndicatorsError, match=message):
        evidence.attach(ledger, actor, [("a.pdf", PDF)], **target)
    assert count(ledger, "evidence") == 0 and evidence_files(ledger) == []


@pytest.fixture
def two_batches(ledger, tmp_path):
    """Batch 1 holds 红旗区 and 卫滨区 rows (the fixture's file); batch 2 only 红旗区's."""
    path = write_xlsx(tmp_path / "hq.xlsx", {"培训": [TRAINING_HEADER,
                                                      [D(2025, 6, 1), "红旗区", "全员法治培训", "安全生产法", None, 30, 2, None]]})
    assert load(ledger, path).ok
    return ledger


@pytest.mark.parametrize("actor,unit,ids", [
    (CLERK_A, None, [2]),  # batch 1 also holds 卫滨区's rows: a clerk could not attach to it
    (CLERK_A, "红旗区", [2]),
    (OTHER_CLERK, None, []),
    (ADMIN_A, None, [2, 1]),
    (ADMIN_A, "卫滨区", [1]),
    (LEADER_A, None, []),
])
def test_batches_offered_are_those_the_actor_may_attach_to(two_batches, actor, unit, ids):
    offered = [b["id"] for b in evidence.batch_choices(two_batches, actor, unit)]
    assert offered == ids
    for i in offered:  # every batch offered is accepted
        evidence.attach(two_batches, actor, [("签到表.pdf", PDF)], batch=i)


def test_one_refused_file_refuses_them_all(ledger):
    with pytest.raises(IndicatorsError, match="「b.pdf」的内容是Windows 可执行程序"):
        evidence.attach(ledger, CLERK_A, [("a.pdf", PDF), ("b.pdf", b"MZ" + b"\x00" * 64)], row=LECTURE)
    assert count(ledger, "evidence") == 0 and evidence_files(ledger) == []


def test_a_locked_period_takes_no_new_or_removed_evidence(ledger):
    [kept] = evidence.attach(ledger, CLERK_A, [("a.pdf", PDF)], row=LECTURE)
    cycle.transition(ledger, CLERK_A, "submit", "红旗区", 2025, 1)
    cycle.transition(ledger, ADMIN_A, "approve", "红旗区", 2025, 1)
    before = (count(ledger, "evidence"), evidence_files(ledger), len(store.audit.entries(ledger)))
    with pytest.raises(IndicatorsError, match="审核通过并锁定，如需修改请管理员重新开放；佐证材料未作任何改动"):
        evidence.attach(ledger, CLERK_A, [("b.jpg", jpeg(color="green"))], row=LECTURE)
    with pytest.raises(IndicatorsError, match="佐证材料未删除"):
        evidence.remove(ledger, ADMIN_A, kept)
    assert (count(ledger, "evidence"), evidence_files(ledger), len(store.audit.entries(ledger))) == before
    assert store.evidence.one(ledger, kept)["removed"] is None


def test_remove_is_recorded_and_the_row_is_without_evidence_again(ledger):
    [i] = evidence.attach(ledger, CLERK_A, [("a.pdf", PDF)], row=LECTURE)
    evidence.remove(ledger, CLERK_A, i)
    assert store.evidence.one(ledger, i)["removed_by"] == CLERK_A.label and evidence.listing(ledger) == []
    assert store.audit.entries(ledger, action="evidence_remove")[0]["login"] == "hq"
    with pytest.raises(IndicatorsError, match="没有编号为"):
        evidence.remove(ledger, CLERK_A, i)


def test_coverage_per_indicator_and_rows_without_evidence(ledger):
    evidence.attach(ledger, CLERK_A, [("a.pdf", PDF)], row=LECTURE)
    per = progress.period(2025, 1)
    cov = evidence.coverage(ledger, per).set_index("indicator")
    assert cov.loc["T01", "text"] == "有佐证 1 / 1" and cov.loc["T05", "text"] == "有佐证 0 / 1"
    assert cov.loc["T02", "text"] == "有佐证 0 / 1" and cov.loc["P01", "text"] == "有佐证 0 / 1"
    assert cov.loc["P02", "rows"] == 1 and cov.loc["E01", "rows"] == 0
    assert evidence.coverage(ledger, per, "卫滨区").set_index("indicator").loc["T02", "text"] == "有佐证 0 / 1"
    missing = evidence.row_table(ledger, per, "红旗区", missing_only=True)
    assert sorted(missing.事项) == ["民法典", "防灾减灾宣传"]
    # a file on the whole batch backs every row of it
    evidence.attach(ledger, ADMIN_A, [("通知.pdf", PDF + b"2")], batch=1)
    assert evidence.row_table(ledger, per, missing_only=True).empty
    assert evidence.coverage(ledger, per).set_index("indicator").loc["T05", "text"] == "有佐证 1 / 1"


@pytest.mark.parametrize("text,ref", [
    ("training:红旗区:2025-03-01:党组中心组学法:法治思想", LECTURE),
    ("governance:市国动办:2025-06-20:党组听取汇报:会议: 上半年", evidence.RowRef(
        "governance", ("市国动办", "2025-06-20", "党组听取汇报", "会议: 上半年"))),  # a colon inside the title
    ("staff:红旗区:2025-06-30", evidence.RowRef("staff", ("红旗区", "2025-06-30"))),
])
def test_row_references_round_trip(text, ref):
    assert evidence.RowRef.parse(text) == ref and ref.text() == text


@pytest.mark.parametrize("text", ["lectures:红旗区:2025-03-01", "training:红旗区:2025-03-01"])
def test_bad_row_references_are_explained(text):
    with pytest.raises(IndicatorsError, match="行引用"):
        evidence.RowRef.parse(text)


def test_zip_is_laid_out_unit_indicator_row_with_an_index(ledger):
    evidence.attach(ledger, CLERK_A, [("签到表.pdf", PDF), ("照片.jpg", jpeg())], row=LECTURE)
    evidence.attach(ledger, CLERK_A, [("活动照片.png", png())],
                    row=evidence.RowRef("publicity", ("红旗区", "2025-05-12", "5·12防灾减灾日", "防灾减灾宣传")))
    evidence.attach(ledger, ADMIN_A, [("报送通知.docx", docx())], batch=1)
    data = exports.build_evidence_zip(ledger, progress.period(2025, 1))
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert names[0] == "佐证材料索引.xlsx"
    assert "红旗区/T01 党组理论学习中心组法治专题学习/2025-03-01 党组中心组学法 法治思想/签到表.pdf" in names
    assert "红旗区/T01 党组理论学习中心组法治专题学习/2025-03-01 党组中心组学法 法治思想/照片.jpg" in names
    # a publicity row backs several indicators: its file is under each
    photo = [n for n in names if n.endswith("活动照片.png")]
    assert sorted(n.split("/")[1][:3] for n in photo) == ["P01", "P02", "P03", "T06"]
    assert {"红旗区/整批材料/批次1_报送通知.docx", "卫滨区/整批材料/批次1_报送通知.docx"} <= set(names)
    assert z.read(photo[0]) == png()
    index = openpyxl.load_workbook(io.BytesIO(z.read("佐证材料索引.xlsx")))
    assert index.sheetnames == ["佐证材料清单", "有佐证情况"]
    sheet = index["佐证材料清单"]
    header = [c.value for c in sheet[2]]
    assert header[0] == "单位" and header[-1] == "压缩包内位置"
    listed = {sheet.cell(r, len(header)).value for r in range(3, sheet.max_row + 1)}
    assert listed == set(names) - {"佐证材料索引.xlsx"}
    assert "已审核 0/16 个单位" in sheet.oddFooter.left.text
    cov = index["有佐证情况"]
    rows = {(cov.cell(r, 1).value, cov.cell(r, 3).value): cov.cell(r, 6).value for r in range(3, cov.max_row + 1)}
    assert rows[("T01", "红旗区")] == "有佐证 1 / 1" and rows[("T02", "卫滨区")] == "有佐证 1 / 1"


def test_zip_for_one_unit_and_period(ledger):
    evidence.attach(ledger, CLERK_A, [("签到表.pdf", PDF)], row=LECTURE)
    evidence.attach(ledger, OTHER_CLERK, [("讲座.pdf", PDF + b"w")],
                    row=evidence.RowRef("training", ("卫滨区", "2025-04-02", "领导班子法治讲座", "行政处罚法")))
    names = zipfile.ZipFile(io.BytesIO(exports.build_evidence_zip(ledger, progress.period(2025, 1), "卫滨区"))).namelist()
    assert [n.split("/")[0] for n in names[1:]] == ["卫滨区"]
    empty = zipfile.ZipFile(io.BytesIO(exports.build_evidence_zip(ledger, progress.period(2024, 1)))).namelist()
    assert empty == ["佐证材料索引.xlsx"]


def test_platform_workbook_lists_the_evidence_and_each_units_review_state(ledger):
    evidence.attach(ledger, CLERK_A, [("签到表.pdf", PDF)], row=LECTURE)
    cycle.transition(ledger, CLERK_A, "submit", "红旗区", 2025, 1)
    cycle.transition(ledger, ADMIN_A, "approve", "红旗区", 2025, 1)
    book = openpyxl.load_workbook(io.BytesIO(exports.build("xlsx", ledger, progress.period(2025, 1))))
    sheet = book["佐证材料清单"]
    assert [c.value for c in sheet[3]][:7] == ["红旗区", "T01 党组理论学习中心组法治专题学习", "培训学法台账", "2025-03-01",
                                               "党组中心组学法", "法治思想", "签到表.pdf"]
    ws = book["指标完成情况"]
    header = [c.value for c in ws[2]]
    col = header.index("审核状态") + 1
    states = {ws.cell(r, 1).value: ws.cell(r, col).value for r in range(3, ws.max_row + 1)}
    assert states["红旗区"] == "已审核" and states["卫滨区"] == "填报中" and states["市国动办"] == "未报送"
    assert states["全市"] == "已审核 1/16 个单位"
    assert "已审核 1/16 个单位" in ws.oddFooter.left.text


# ---------------------------------------------------------------- hostile evidence (qa pass)

def png_of(size, mode="L") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, "PNG", optimize=False)
    return buf.getvalue()


def zip_types_bomb() -> bytes:
    """A .docx whose [Content_Types].xml inflates to 400 MB (2 MB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("[Content_Types].xml", "w", force_zip64=True) as f:
            f.write(b'<Types><Override ContentType="wordprocessingml.document.main+xml"/>')
            for _ in range(400):
                f.write(b" " * (1 << 20))
            f.write(b"</Types>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


HOSTILE_EVIDENCE = [
    # (id, name, builder, message the refusal holds)
    ("pixel_bomb", "照片.png", lambda: png_of((20000, 20000), "1"), "图片尺寸过大"),
    ("pil_bomb_band", "照片.png", lambda: png_of((12000, 8000)), "图片尺寸过大"),  # under PIL's error, over its warning
    ("truncated_jpeg", "照片.jpg", lambda: jpeg((1200, 900))[:3000], "图片无法打开"),
    ("truncated_png", "截图.png", lambda: png_of((600, 400), "RGB")[:200], "图片无法打开"),
    ("jpeg_magic_only", "照片.jpg", lambda: b"\xff\xd8\xff" + b"\x00" * 64, "图片无法打开"),
    ("svg_script", "照片.png", lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "网页或 XML 文件"),
    ("pdf_javascript", "签到表.pdf", lambda: PDF.replace(b"<<>>endobj", b"<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj", 1),
     "含有脚本或自动执行动作"),
    ("pdf_launch", "通知.pdf", lambda: PDF.replace(b"<<>>endobj", b"<</OpenAction<</S/Launch/F(cmd.exe)>>>>endobj", 1),
     "含有脚本或自动执行动作"),
    ("content_types_bomb", "纪要.docx", zip_types_bomb, "压缩包或其他 Office 文件"),
    ("pdf_html_polyglot", "签到表.jpg", lambda: b"<html><script>alert(1)</script></html>%PDF-1.4\n", "网页或 XML 文件"),
]


@pytest.mark.parametrize("cid,name,build,message", HOSTILE_EVIDENCE, ids=[c[0] for c in HOSTILE_EVIDENCE])
def test_hostile_evidence_is_refused_in_chinese_and_stores_nothing(ledger, cid, name, build, message):
    import resource
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(IndicatorsError, match=message) as e:
        evidence.attach(ledger, CLERK_A, [(name, build())], row=LECTURE)
    assert "未保存" in str(e.value) and "Traceback" not in str(e.value)
    assert count(ledger, "evidence") == 0 and evidence_files(ledger) == []
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 600, f"{cid}: the process grew {grown_mb:.0f} MB"


def test_a_large_phone_photo_still_gets_a_thumbnail():
    """A 48-megapixel JPEG is decoded at a reduced scale for its thumbnail, not refused."""
    thumb = evidence.thumbnail(jpeg((8000, 6000)))
    assert max(Image.open(io.BytesIO(thumb)).size) <= 320


def test_pdf_with_script_words_only_inside_text_streams_is_kept():
    """An ordinary PDF is not refused for the letters J S in its binary data."""
    data = PDF.replace(b"trailer", b"2 0 obj<</Length 6>>stream\nxJSyz\nendstream endobj\ntrailer")
    assert evidence.check_file("签到表.pdf", data) == "pdf"
