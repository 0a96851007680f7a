"""A report in each of its forms, written here (python-docx, GBK text, a PDF printed by LibreOffice), hostile
and wrong files with their Chinese messages, and the `propose` command's contract."""
from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from conftest import ROOT, run_cli
from indicators import proposals, reportfile
from indicators.problems import IndicatorsError

from test_propose import COUNTY, RECOVERABLE, REPORT_2025

_spec = importlib.util.spec_from_file_location("render", ROOT / "tools" / "render.py")
render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render)

# (heading level or 0, text): a county report as Word would hold it, its headings numbered by style.
DOC = [
    (0, "延津县人民防空办公室2025年度法治政府建设工作报告"),
    (1, "一、主要工作及成效"),
    (2, "（一）抓好领导干部学法"),
    (0, "全年组织党组理论学习中心组专题学法４次，举办法治专题讲座两期。"),
    (1, "二、存在的问题"),
    (0, "普法形式单一，全年仅开展宣传活动6次。"),
    (1, "三、2026年工作打算"),
    (0, "（一）坚持每季度召开一次主任办公会议学法。"),
    (0, "（二）全年开展国防动员法治宣传活动不少于15次。"),
    (0, "（三）持续加强法治机关建设。"),
]


def docx_bytes(blocks=DOC, styled: bool = True, table_row: str | None = None) -> bytes:
    import docx
    d = docx.Document()
    for level, text in blocks:
        if level and styled:
            d.add_heading(text, level=level)
        else:
            d.add_paragraph(text)
    if table_row:
        d.add_table(rows=1, cols=1).cell(0, 0).text = table_row
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def summary(out) -> dict:
    return {(p.matches or p.name): (p.target, p.rhythm, p.part) for p in out.proposals}


EXPECTED_DOC = {"T01": (4, "yearly", "完成情况"), "T02": (2, "yearly", "完成情况"),
                "T03": (4, "quarter", "工作计划"), "P01": (15, "yearly", "工作计划")}


@pytest.mark.parametrize("styled", [True, False])
def test_a_word_report_headings_by_style_or_by_number(styled):
    out = proposals.propose(docx_bytes(styled=styled), "延津县报告.docx")
    assert summary(out) == EXPECTED_DOC
    assert [q.name for q in out.qualitative] == ["持续加强法治机关建设"]
    assert out.proposals[0].section.startswith("一、主要工作及成效")


def test_a_commitment_in_a_word_table_is_read():
    out = proposals.propose(docx_bytes(DOC[:4], table_row="全年开展法治宣传活动不少于 8 次"), "r.docx")
    assert summary(out)["P01"] == (8, "yearly", "完成情况")


@pytest.mark.parametrize("encoding,name", [("gbk", "获嘉县报告.txt"), ("utf-8-sig", "获嘉县报告.md"), ("utf-8", "r.txt"),
                                           ("gb18030", "r.txt"), ("utf-16", "r.txt")])
def test_a_text_report_in_the_encodings_offices_save(encoding, name):
    out = proposals.propose(COUNTY.encode(encoding), name)
    got = summary(out)
    assert got["T03"] == (4, "quarter", "工作计划") and got["P01"] == (15, "yearly", "工作计划")
    assert len(out.proposals) == len(proposals.propose(COUNTY.encode("utf-8"), "r.txt").proposals)


@pytest.mark.render
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_a_pdf_printed_from_word_reads_as_the_word_file(tmp_path):
    src = tmp_path / "延津县报告.docx"
    src.write_bytes(docx_bytes(styled=False))
    pdf = render.to_pdf(src, tmp_path)
    out = proposals.propose(pdf.read_bytes(), "延津县报告.pdf")
    assert summary(out) == EXPECTED_DOC
    wrapped = proposals.propose(REPORT_PDF_SOURCE(tmp_path).read_bytes(), "report.pdf")  # lines cut at the page width
    assert sorted((p.matches, p.target, p.rhythm) for p in wrapped.proposals) == \
        sorted((p.matches, p.target, p.rhythm) for p in proposals.propose(REPORT_2025.read_bytes(), "r.md").proposals)
    assert len(wrapped.proposals) == len(RECOVERABLE)


# Plan items of a full line or more: in the PDF the item's first line is as long as the page is wide and looks
# like a heading; its end is on the next line.
LONG_ITEMS = DOC[:4] + [
    (1, "三、2026年工作打算"),
    (0, "（一）全年组织党组理论学习中心组专题学法不少于4次，每季度至少召开1次主任办公会议学法。"),
    (0, "（二）举办领导干部法治专题讲座2期，执法人员法治培训班不少于2期，实现执法人员培训全覆盖。"),
    (0, "（三）利用重要宣传节点开展法治宣传活动不少于12次，全年在各类媒体发布宣传信息不少于10篇。"),
    (0, "（四）持续推进行政执法“三项制度”，确保执法人员持证率保持100%。"),
]


@pytest.mark.render
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_plan_items_wrapped_over_two_pdf_lines_read_as_in_word(tmp_path):
    src = tmp_path / "原阳县报告.docx"
    src.write_bytes(docx_bytes(LONG_ITEMS, styled=False))
    pdf = render.to_pdf(src, tmp_path)
    assert any(len(line) > 30 and line.startswith("（一）") and not line.endswith("。")
               for line, _ in reportfile.read_lines(pdf.read_bytes(), "r.pdf"))  # the item really wraps

    def got(data, name):
        return [(p.name, p.target, p.rhythm, p.part) for p in proposals.propose(data, name).proposals]
    word = got(src.read_bytes(), "r.docx")
    assert ("主任办公会议学法", 4, "quarter", "工作计划") in word and ("宣传信息", 10, "yearly", "工作计划") in word
    assert got(pdf.read_bytes(), "r.pdf") == word


def REPORT_PDF_SOURCE(tmp_path):
    """The 2025 report printed to PDF (lines wrapped at the page width, a page break inside a paragraph)."""
    txt = tmp_path / "report-2025.txt"
    txt.write_text(REPORT_2025.read_text("utf-8"), "utf-8")
    return render.to_pdf(txt, tmp_path)


def _image_pdf() -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, "PDF")
    return buf.getvalue()


def _xlsx() -> bytes:
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    return buf.getvalue()


def _docx_with_doctype() -> bytes:
    good = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in good.infolist():
            data = good.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            z.writestr(info, data)
    return buf.getvalue()


@pytest.mark.parametrize("name,data,message", [
    ("r.pdf", b"", "文件是空的"),
    ("扫描件.pdf", _image_pdf(), "这是扫描件或图片 PDF，没有可读取的文字层"),
    ("r.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF", "PDF 无法读取"),
    ("报告.docx", _xlsx(), "这是Excel 工作簿，不是 Word 文档"),
    ("报告.docx", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "这是PNG 图片，不是 Word 文档"),
    ("报告.docx", "一、完成情况\n全年举办 2 期讲座。".encode(), "这是文本文件，不是 Word 文档"),
    ("报告.docx", b"<html><body>report</body></html>", "这是网页或 XML 文件，不是 Word 文档"),
    ("报告.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Word 文档（.doc）"),
    ("报告.docx", b"PK\x03\x04 not really a zip", "Word 文档已损坏"),
    ("报告.docx", _docx_with_doctype(), "可能是恶意构造的文件"),
    ("报告.txt", b"\xff\xd8\xff\xe0" + b"\0" * 100, "这是JPEG 图片，不是文本或 Word 报告"),
    ("报告.txt", b"abc\0\0\0binary", "不是文本或 Word 报告"),
    ("报告.txt", b" \n\n  \n", "文件中没有任何文字"),
    ("报告.txt", ("全年举办 2 期讲座。\n" * 40000).encode(), "文字过长（440,000 字），超过 300,000 字"),
    ("报告.txt", ("坚持依法行政，" * 3000).encode(), "文字过长（一段 21,000 字），超过 每段 20,000 字"),
    ("台账.txt", ("全年举办 2 期讲座，" * 1800).encode(), "文中带数量的表述超过 300 条，不像是一份年度报告"),
])
def test_wrong_files_get_a_clear_chinese_message(name, data, message):
    with pytest.raises(IndicatorsError) as e:
        proposals.propose(data, name)
    assert message in e.value.message and e.value.message.startswith(name)


def test_a_30_mb_text_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "报告.txt"
    with big.open("wb") as f:
        f.write("全年举办 2 期法治专题讲座。".encode() * (30 * (1 << 20) // 40))
    with pytest.raises(IndicatorsError) as e:
        proposals.propose_file(big)
    assert "超过上限 20 MB" in e.value.message
    with pytest.raises(IndicatorsError):
        proposals.propose(big.read_bytes(), big.name)


def test_a_docx_that_inflates_past_the_limit_is_refused_unparsed():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:document/>")
        z.writestr("word/media/big.bin", b"\0" * (reportfile.MAX_INFLATED + 1))
    with pytest.raises(IndicatorsError) as e:
        proposals.propose(buf.getvalue(), "报告.docx")
    assert "Word 文档解压后过大" in e.value.message


# ------------------------------------------------------------------------------------ the command

def run(*args, cwd=None):
    """The command in this process (conftest.run_cli); the JSON contract below runs as a real process."""
    return run_cli(*args, cwd=cwd or ROOT, env={"INDICATORS_DB": None})


def run_process(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("INDICATORS_DB", None)
    return subprocess.run([sys.executable, "-m", "indicators", *args], capture_output=True, text=True, cwd=cwd or ROOT,
                          env=env, timeout=120)


def test_propose_json_has_one_object_per_proposal_with_the_contract_fields(tmp_path):
    r = run_process("propose", str(REPORT_2025), "--json", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 0, r.stderr
    items = json.loads(r.stdout)
    measurable = [i for i in items if not i["qualitative"]]
    assert len(measurable) == 9
    for item in items:
        assert {"name", "measure", "target", "at_least", "rhythm", "group", "sentence", "section", "matches",
                "differs"} <= set(item)
    p01 = next(i for i in items if i["matches"] == "P01")
    assert (p01["target"], p01["at_least"], p01["rhythm"], p01["measure"], p01["group"], p01["differs"]) == \
        (10, True, "yearly", "次", "宣传活动", {})
    assert p01["sentence"].endswith("开展国防动员法治宣传教育活动 10 余次")
    assert [i["name"] for i in items if i["qualitative"]] == ["持续压实领导责任", "完善监督制约体系", "夯实基层基础"]
    assert not (tmp_path / "none.db").exists()  # reading a report creates no database


def test_propose_prints_proposals_with_their_sentences_and_what_differs(tmp_path):
    report = tmp_path / "获嘉县报告.txt"
    report.write_bytes(COUNTY.encode("gbk"))
    r = run("propose", str(report), "--year", "2026", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 0, r.stderr
    assert "[有变化 P01] 国防动员法治宣传活动：不少于 15 次，全年（宣传活动）" in r.stdout
    assert "与目录不同：目标 目录为 10，报告为 15" in r.stdout
    assert "原文：全年开展国防动员法治宣传活动不少于15次" in r.stdout
    assert "定性表述（没有数量，不生成指标）：\n  - 持续加强法治机关建设" in r.stdout


@pytest.mark.parametrize("content,code,message", [
    (b"", 1, "文件是空的"),
    ("三、明年工作计划\n一是持续压实领导责任。".encode(), 1, "没有找到带数量、频次或比率的工作承诺"),
    (None, 1, "无法打开「报告.txt」（文件不存在）"),
])
def test_propose_refusals_exit_1_with_one_chinese_line(tmp_path, content, code, message):
    report = tmp_path / "报告.txt"
    if content is not None:
        report.write_bytes(content)
    r = run("propose", str(report), "--db", str(tmp_path / "none.db"))
    assert r.returncode == code and message in r.stderr and "Traceback" not in r.stderr
    assert not re.search(r"[A-Za-z]{3,}", r.stderr.replace(str(tmp_path), "").replace("报告.txt", "")), r.stderr  # no "No such file"


def test_propose_without_a_report_is_a_usage_error():
    r = run("propose")
    assert r.returncode == 2 and "参数有误" in r.stderr


def test_a_pdf_whose_streams_inflate_to_gigabytes_is_refused_before_it_is_parsed():
    import zlib
    z, zeros = zlib.compressobj(9), b"\0" * (1 << 20)
    first = z.compress(zeros) + z.flush(zlib.Z_FULL_FLUSH)  # after a full flush a block stands alone: repeat it
    again = z.compress(zeros) + z.flush(zlib.Z_FULL_FLUSH)
    body = first + again * 259 + z.flush()  # 260 MB of zeros in a few hundred KB
    pdf = (b"%PDF-1.4\n1 0 obj\n<< /Length " + str(len(body)).encode() + b" /Filter /FlateDecode >>\nstream\n" + body
           + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    assert len(pdf) < 1 << 20
    with pytest.raises(IndicatorsError) as e:
        proposals.propose(pdf, "报告.pdf")
    assert "PDF 中的压缩内容解压后过大（超过 200.0 MB）" in e.value.message


def test_a_docx_with_megabytes_of_xml_is_refused_unparsed():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:document>" + b"<w:p/>" * (3 << 20) + b"</w:document>")
    with pytest.raises(IndicatorsError) as e:
        proposals.propose(buf.getvalue(), "报告.docx")
    assert "Word 文档解压后过大" in e.value.message and "文字部分 18.0 MB" in e.value.message


def test_a_pdf_of_hundreds_of_pages_is_refused_before_its_text_is_read():
    from PIL import Image
    buf = io.BytesIO()
    pages = [Image.new("1", (20, 20), 1) for _ in range(reportfile.MAX_PAGES + 1)]
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:])
    with pytest.raises(IndicatorsError) as e:
        proposals.propose(buf.getvalue(), "汇编.pdf")
    assert "文字过长（61 页），超过 60 页" in e.value.message
