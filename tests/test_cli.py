"""`python -m indicators` as a scheduler or a clerk runs it: real files, exit codes. The commands run in
this process (conftest.run_cli: `cli.main(argv)` with its output captured); the first two tests run
them as real processes, as a scheduler does."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import openpyxl
import pytest

from conftest import ROOT, TRAINING_HEADER, is_empty, run_cli, write_xlsx
from indicators.progress import STATUSES

D = dt.date


def run(*args, db=None):
    return run_cli(*args, db=db, cwd=ROOT)


def run_process(*args, db=None):
    cmd = [sys.executable, "-m", "indicators", *map(str, args)] + (["--db", str(db)] if db else [])
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def files(tmp_path, cli_db):
    """A good and a bad ledger, and an empty database (SQLite and PostgreSQL: the `cli_db` fixture)."""
    db = cli_db
    good = write_xlsx(tmp_path / "good.xlsx", {"台账": [TRAINING_HEADER,
                                                        [D(2025, 5, 10), "卫滨区", "领导班子法治讲座", "行政处罚法", None, 12, 2, None],
                                                        [D(2025, 3, 25), "红旗区", "主任办公会学法", "一季度", None, 9, 1, None],
                                                        [D(2025, 6, 20), "红旗区", "主任办公会学法", "二季度", None, 9, 1, None]]})
    bad = write_xlsx(tmp_path / "bad.xlsx", {"台账": [TRAINING_HEADER,
                                                      [D(2025, 5, 10), "火星区", "领导班子法治讲座", "x", None, 12, 2, None],
                                                      ["2025-02-30", "红旗区", "读书会", "y", None, -1, 2, None]]})
    return good, bad, db


def test_import_good_file_exits_0_and_says_what_was_added(files):
    good, _, db = files
    r = run_process("import", good, db=db)
    assert r.returncode == 0, r.stderr
    assert "good.xlsx：已导入 培训学法台账 3 行（新增 3、更新 0、未变 0）" in r.stdout
    again = run_process("import", good, db=db)
    assert again.returncode == 0 and "已于" in again.stdout and "未作任何改动" in again.stdout


def test_import_with_a_refused_file_exits_1_lists_every_problem_and_stores_it_not(files):
    good, bad, db = files
    r = run_process("import", good, bad, db=db)
    assert r.returncode == 1
    assert "bad.xlsx：发现 4 个问题，未导入任何数据" in r.stderr
    for text in ("第 2 行，「单位」列：单位「火星区」不在单位名单中", "第 3 行，「日期」列：日期「2025-02-30」不存在",
                 "第 3 行，「类别」列：类别「读书会」不是规定的选项", "第 3 行，「参加人数」列：参加人数「-1」不能为负数"):
        assert text in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    rows = json.loads(run("progress", "--year", 2025, "--json", db=db).stdout)
    assert sum(x["value"] or 0 for x in rows if x["indicator"] in ("T02", "T03") and x["unit"] != "全市") == 3


def test_check_stores_nothing(files):
    good, bad, db = files
    assert run("check", good).returncode == 0
    assert run("check", bad).returncode == 1
    assert is_empty(db)


def test_progress_json_at_30_june(files):
    good, _, db = files
    run("import", good, db=db)
    r = run("progress", "--year", 2025, "--half", 1, "--json", db=db)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {"unit", "indicator", "value", "target", "expected", "status"} <= set(rows[0])
    assert all(x["status"] in STATUSES for x in rows)
    by = {(x["unit"], x["indicator"]): x for x in rows}
    assert (by[("卫滨区", "T02")]["value"], by[("卫滨区", "T02")]["status"]) == (1, "进度正常")
    assert (by[("红旗区", "T03")]["expected"], by[("红旗区", "T03")]["status"]) == (2, "进度正常")
    assert by[("红旗区", "T02")]["status"] == "未开展"
    assert by[("红旗区", "E01")]["target"] == 100
    assert len({x["unit"] for x in rows}) == 17  # 16 units and 全市


def test_progress_for_one_unit_by_alias_and_as_of(files):
    good, _, db = files
    run("import", good, db=db)
    r = run("progress", "--year", 2025, "--as-of", "2025-03-31", "--unit", "红旗区人防办", "--json", db=db)
    rows = json.loads(r.stdout)
    assert {x["unit"] for x in rows} == {"红旗区"}
    t03 = next(x for x in rows if x["indicator"] == "T03")
    assert (t03["value"], t03["expected"], t03["status"]) == (1, 1, "进度正常")
    table = run("progress", "--year", 2025, "--half", 1, db=db).stdout
    assert "2025年上半年" in table and "督导平台得分" in table


@pytest.mark.parametrize("args,code,text", [
    (["progress", "--year", "2025", "--unit", "火星区"], 1, "单位「火星区」不在单位名单中"),
    (["progress", "--year", "2025", "--as-of", "2024-03-01"], 2, "不在 2025 年内"),
    (["progress", "--year", "2025", "--as-of", "3月1日"], 2, "不是 YYYY-MM-DD 格式的日期"),
    (["undo", "42"], 1, "没有编号为 42 的导入批次"),
    (["template", "nonsense", "-o", "x.xlsx"], 2, "参数有误"),
    (["import", "/nonexistent/file.xlsx"], 1, "无法打开"),
])
def test_bad_arguments_get_a_chinese_message_not_a_traceback(cli_db, args, code, text):
    r = run(*args, db=cli_db) if args[0] not in ("template",) else run(*args)
    assert r.returncode == code
    assert text in r.stderr and "Traceback" not in r.stderr


def test_batches_and_undo(files):
    good, _, db = files
    run("import", good, db=db)
    listing = run("batches", db=db).stdout
    assert "批次   1" in listing and "good.xlsx" in listing and "有效" in listing
    r = run("undo", 1, db=db)
    assert r.returncode == 0 and "已撤销批次 1" in r.stdout
    assert "已撤销" in run("batches", db=db).stdout
    rows = json.loads(run("progress", "--year", 2025, "--json", db=db).stdout)
    assert all((x["value"] or 0) == 0 for x in rows if x["indicator"].startswith("T"))


@pytest.mark.parametrize("kind,sheet", [("training", "培训学法台账"), ("publicity", "宣传活动台账"),
                                        ("governance", "制度落实台账"), ("staff", "执法人员统计表")])
def test_template_filled_in_imports_without_an_edit(tmp_path, cli_db, kind, sheet):
    out = tmp_path / f"{kind}.xlsx"
    assert run("template", kind, "-o", out).returncode == 0
    wb = openpyxl.load_workbook(out)
    ws = wb[sheet]
    example = [c.value for c in ws[3]]  # a clerk copies the example row and changes the unit and title
    example[1] = "获嘉县"
    example[-1] = None
    if kind != "staff":
        example[3 if kind != "publicity" else 2] = "正式填写的一行"
    for j, v in enumerate(example, 1):
        ws.cell(4, j, v)
    wb.save(out)
    r = run("import", out, db=cli_db)
    assert r.returncode == 0, r.stderr
    assert f"{sheet} 1 行（新增 1" in r.stdout  # the example row itself is skipped


def test_demo_loads_once(cli_db):
    r = run("demo", db=cli_db)
    assert r.returncode == 0 and r.stdout.count("已导入") == 2, r.stderr
    assert "已有数据" in run("demo", db=cli_db).stdout


# ---------------------------------------------------------------- the reporting cycle and evidence (issue 11)

def test_cycle_commands_exactly_as_documented(files, tmp_path):
    good, _, db = files
    assert run("import", good, db=db).returncode == 0
    r = run("cycle", "deadline", "--year", 2025, "--half", 1, "--date", "2025-07-10", db=db)
    assert r.returncode == 0 and "已设置2025年上半年填报截止日期：2025-07-10" in r.stdout
    r = run("cycle", "submit", "--unit", "红旗区人防办", "--year", 2025, "--half", 1, db=db)
    assert r.returncode == 0 and "红旗区2025年上半年：提交完成，当前为「已提交」" in r.stdout
    for args, message in ((["return"], "退回必须填写原因"), (["reopen", "--reason", "x"], "当前为「已提交」，不能重新开放"),
                          (["submit", "--user", "hq"], "没有登录名为「hq」的账号")):
        r = run("cycle", *args, "--unit", "红旗区", "--year", 2025, "--half", 1, db=db)
        assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr
    assert run("cycle", "return", "--unit", "红旗区", "--year", 2025, "--half", 1, "--reason", "签到表缺失", db=db).returncode == 0
    assert run("cycle", "submit", "--unit", "红旗区", "--year", 2025, "--half", 1, db=db).returncode == 0
    assert run("cycle", "approve", "--unit", "红旗区", "--year", 2025, "--half", 1, db=db).returncode == 0
    rows = json.loads(run("cycle", "status", "--year", 2025, "--half", 1, "--json", db=db).stdout)
    assert len(rows) == 16 and {"unit", "half", "state", "deadline", "by", "at"} <= set(rows[0])
    mine = {r["unit"]: r for r in rows}
    assert (mine["红旗区"]["state"], mine["红旗区"]["half"], mine["红旗区"]["deadline"], mine["红旗区"]["by"]) == \
        ("已审核", 1, "2025-07-10", "本机操作员")
    assert mine["卫滨区"]["state"] in ("填报中", "逾期") and mine["市国动办"]["state"] in ("未报送", "逾期")
    both = json.loads(run("cycle", "status", "--year", 2025, "--json", db=db).stdout)
    assert len(both) == 32 and {r["half"] for r in both} == {1, 2}
    assert "红旗区" in run("cycle", "status", "--year", 2025, db=db).stdout
    # approved: a changed row of 红旗区's 上半年 is refused whole, naming the row, period and approver
    changed = write_xlsx(tmp_path / "changed.xlsx", {"台账": [TRAINING_HEADER,
                                                               [D(2025, 3, 25), "红旗区", "主任办公会学法", "一季度", None, 10, 1, None]]})
    r = run("import", changed, db=db)
    assert r.returncode == 1 and "红旗区2025年上半年的数据已于" in r.stderr and "由本机操作员（管理员）审核通过并锁定" in r.stderr
    assert "工作表「台账」第 2 行（2025-03-25 一季度）" in r.stderr
    assert run("undo", 1, db=db).returncode == 1
    r = run("cycle", "reopen", "--unit", "红旗区", "--year", 2025, "--half", 1, "--reason", "更正人数", db=db)
    assert r.returncode == 0 and "当前为「填报中」" in r.stdout
    assert run("import", changed, db=db).returncode == 0


@pytest.mark.parametrize("args", [["cycle", "submit", "--unit", "红旗区", "--year", 2025, "--half", 3],
                                  ["cycle", "deadline", "--year", 2025, "--half", 1, "--date", "7月10日"],
                                  ["evidence", "add", "x.pdf"]])
def test_cycle_and_evidence_bad_arguments_exit_2(files, args):
    r = run(*args, db=files[2])
    assert r.returncode == 2 and "参数有误" in r.stderr


# every command with --year: a year date arithmetic refuses (0, 99999) is a usage error in Chinese, not
# Python's "year 0 is out of range" (remind and deliver have their own cases in test_notify)
YEAR_COMMANDS = [["progress"], ["export", "--format", "xlsx", "-o", "x.xlsx"], ["cycle", "status"],
                 ["cycle", "submit", "--unit", "红旗区", "--half", 1], ["evidence", "rows", "--unit", "红旗区"],
                 ["rows", "--unit", "红旗区"], ["explain", "--list"], ["outliers"],
                 ["cycle", "deadline", "--half", 1, "--date", "2025-07-10"], ["propose", "report.md"]]


@pytest.mark.parametrize("year", ["0", "99999", "二〇二五"])
@pytest.mark.parametrize("command", YEAR_COMMANDS, ids=lambda c: " ".join(map(str, c[:2])))
def test_a_year_no_calendar_has_is_a_chinese_usage_error(files, command, year):
    r = run(*command, "--year", year, db=files[2])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f"年份应是 2000–2100 之间的数字，不能是「{year}」" in r.stderr
    assert "out of range" not in r.stderr and "Traceback" not in r.stderr


def test_evidence_add_list_rows_and_export(files, tmp_path):
    good, _, db = files
    assert run("import", good, db=db).returncode == 0
    pdf = tmp_path / "签到表.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF")
    exe = tmp_path / "通知.pdf"
    exe.write_bytes(b"MZ" + b"\x00" * 200)
    html = tmp_path / "照片.pdf"
    html.write_bytes(b"<html><body>x</body></html>")
    for bad, message in ((exe, "Windows 可执行程序"), (html, "网页或 XML 文件")):
        r = run("evidence", "add", pdf, bad, "--batch", 1, db=db)
        assert r.returncode == 1 and message in r.stderr
    assert "[]" == run("evidence", "list", "--json", db=db).stdout.strip()
    r = run("evidence", "add", pdf, "--batch", 1, db=db)
    assert r.returncode == 0 and "已上传 1 个佐证材料到「批次 1」" in r.stdout
    refs = run("evidence", "rows", "--year", 2025, "--unit", "红旗区", "--missing", db=db).stdout
    assert refs == "没有符合条件的台账行\n"  # the batch's file backs its rows
    row = "training:卫滨区:2025-05-10:领导班子法治讲座:行政处罚法"
    assert row in run("evidence", "rows", "--year", 2025, db=db).stdout
    assert run("evidence", "add", pdf, "--row", row, db=db).returncode == 0
    listed = json.loads(run("evidence", "list", "--unit", "卫滨区", "--json", db=db).stdout)
    assert [(x["file_name"], x["row"]) for x in listed] == [("签到表.pdf", None), ("签到表.pdf", row)]
    out = tmp_path / "佐证.zip"
    r = run("export", "--format", "evidence", "--year", 2025, "--half", 1, "--unit", "卫滨区", "-o", out, db=db)
    assert r.returncode == 0 and out.exists()
    import zipfile
    names = zipfile.ZipFile(out).namelist()
    assert "卫滨区/T02 领导班子法治专题讲座/2025-05-10 领导班子法治讲座 行政处罚法/签到表.pdf" in names
    assert "卫滨区/整批材料/批次1_签到表.pdf" in names and "佐证材料索引.xlsx" in names
def test_an_unreachable_database_server_is_a_chinese_message_without_the_password():
    r = run("batches", db="postgresql://app:s3cret@/indicators?host=/nonexistent-socket-dir")
    assert r.returncode == 1 and "无法读取或写入数据库" in r.stderr
    assert "Traceback" not in r.stderr and "s3cret" not in r.stderr + r.stdout
