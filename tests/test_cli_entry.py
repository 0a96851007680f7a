"""`python -m indicators rows` and `correct` as a clerk runs them: real processes on SQLite and PostgreSQL,
the contract of issue 24 as a table of cases (exit 0 stored / 1 refused with the reason in Chinese / 2 usage)."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from conftest import ROOT, TRAINING_HEADER, load, write_xlsx
from indicators import accounts, roles, store

D = dt.date
REF = "training:卫滨区:2025-05-10:领导班子法治讲座:行政处罚法"
PASSWORD = "Weibin-2025x"


def run(*args, db):
    cmd = [sys.executable, "-m", "indicators", *map(str, args), "--db", str(db)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def db(tmp_path, cli_db):
    """Two 卫滨区 rows and one 红旗区 row imported, a 卫滨区 clerk (wb), a leader (boss)."""
    book = write_xlsx(tmp_path / "seed.xlsx", {"台账": [TRAINING_HEADER,
                                                      [D(2025, 5, 10), "卫滨区", "领导班子法治讲座", "行政处罚法", "李四", 12, 2, None],
                                                      [D(2025, 6, 1), "卫滨区", "全员法治培训", "宪法", None, 20, 1, None],
                                                      [D(2025, 3, 25), "红旗区", "主任办公会学法", "一季度", None, 9, 1, None]]})
    conn = store.connect(cli_db)
    assert load(conn, book).ok  # in-process: the commands under test are the subprocesses
    accounts.create(conn, roles.OPERATOR, "wb", PASSWORD, roles.CLERK, "卫滨区")
    accounts.create(conn, roles.OPERATOR, "boss", PASSWORD, roles.LEADER)
    conn.close()
    return cli_db


def test_rows_json_gives_each_row_its_ref_and_fields_by_chinese_name(db):
    r = run("rows", "--year", 2025, "--unit", "卫滨区人防办", "--json", db=db)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["ref"] for x in rows] == [REF, "training:卫滨区:2025-06-01:全员法治培训:宪法"]
    assert rows[0] == {"ref": REF, "ledger": "training", "ledger_name": "培训学法台账", "unit": "卫滨区", "date": "2025-05-10",
                       "日期": "2025-05-10", "单位": "卫滨区", "类别": "领导班子法治讲座", "主题": "行政处罚法", "主讲人": "李四",
                       "参加人数": 12, "学时": 2.0, "备注": None}
    assert json.loads(run("rows", "--year", 2025, "--ledger", "publicity", "--json", db=db).stdout) == []
    assert json.loads(run("rows", "--year", 2024, "--json", db=db).stdout) == []
    plain = run("rows", "--year", 2025, db=db)
    assert plain.returncode == 0 and REF in plain.stdout and "参加人数=12" in plain.stdout


# (arguments after `rows`, exit code, what stderr says): the refusals and usage errors of the listing
ROWS_CASES = [
    (["--year", 2025, "--unit", "火星区"], 1, "单位「火星区」不在单位名单中"),
    (["--year", 2025, "--ledger", "meeting"], 2, "--ledger"),
    (["--unit", "卫滨区"], 2, "--year"),
    (["--year", "二〇二五"], 2, "--year"),
]


@pytest.mark.parametrize("args,code,says", ROWS_CASES, ids=[f"{i}-exit{c[1]}" for i, c in enumerate(ROWS_CASES)])
def test_rows_refusals(db, args, code, says):
    r = run("rows", *args, db=db)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert says in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


# (arguments after `correct`, exit code, what stdout or stderr says, 卫滨区's 参加人数 afterwards)
CASES = [
    ([REF, "--set", "参加人数=52", "--reason", "录入错误"], 0, "已更正（批次 2）：参加人数：12 → 52", 72),
    ([REF, "--set", "参加人数=52", "--set", "主题=行政处罚法专题", "--reason", "录入错误"], 0,
     "这一行的 REF 现为：training:卫滨区:2025-05-10:领导班子法治讲座:行政处罚法专题", 72),
    ([REF, "--set", "参加人数=52", "--reason", "录入错误", "--user", "wb"], 0, "参加人数：12 → 52", 72),
    ([REF, "--set", "参加人数=-5", "--reason", "录入错误"], 1, "参加人数「-5」不能为负数", 32),
    ([REF, "--set", "参加人数=很多", "--reason", "录入错误"], 1, "参加人数「很多」不是数字", 32),
    ([REF, "--set", "日期=2025-02-30", "--reason", "录入错误"], 1, "日期「2025-02-30」不存在", 32),
    ([REF, "--set", "参加人数=12", "--reason", "录入错误"], 1, "没有改动", 32),
    ([REF, "--set", "参加人数=52", "--reason", " "], 1, "请写明更正原因", 32),
    ([REF.replace("05-10", "05-11"), "--set", "参加人数=52", "--reason", "r"], 1, "没有这一行台账", 32),
    ([REF, "--set", "参加人数=52", "--reason", "r", "--user", "boss"], 1, "领导账号无权更正台账", 32),
    (["training:红旗区:2025-03-25:主任办公会学法:一季度", "--set", "参加人数=10", "--reason", "r", "--user", "wb"], 1,
     "只能更正台账（限本单位：卫滨区），不能操作「红旗区」", 32),
    ([REF, "--set", "参加人数=52", "--reason", "r", "--user", "nobody"], 1, "nobody", 32),
    ([REF, "--set", "参加人数=52"], 2, "--reason", 32),
    ([REF, "--reason", "r"], 2, "--set", 32),
    ([REF, "--set", "参加人数", "--reason", "r"], 2, "应写成 列名=新值", 32),
    ([REF, "--set", "人数x=1", "--reason", "r"], 2, "「人数x」不是培训学法台账的列", 32),
    (["meeting:卫滨区:2025-05-10", "--set", "参加人数=1", "--reason", "r"], 2, "应以台账种类开头", 32),
    (["training:卫滨区:2025-05-10", "--set", "参加人数=1", "--reason", "r"], 2, "应有 4 段", 32),
    ([], 2, "REF", 32),
]


@pytest.mark.parametrize("args,code,says,total", CASES, ids=[f"{i}-exit{c[1]}" for i, c in enumerate(CASES)])
def test_correct(db, args, code, says, total):
    r = run("correct", *args, db=db)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert says in (r.stdout if code == 0 else r.stderr)
    assert "Traceback" not in r.stderr
    conn = store.connect(db)
    try:
        assert store.measure_totals(conn, D(2025, 1, 1), D(2025, 12, 31))[("卫滨区", "training:sum:participants")] == total
        if code == 0:
            assert store.batches(conn)[0]["source"] == "更正"
    finally:
        conn.close()


def test_a_correction_is_undone_by_the_undo_command(db):
    assert run("correct", REF, "--set", "主题=新主题", "--set", "参加人数=50", "--reason", "录入错误", db=db).returncode == 0
    undone = run("undo", 2, db=db)
    assert undone.returncode == 0, undone.stderr
    rows = json.loads(run("rows", "--year", 2025, "--unit", "卫滨区", "--json", db=db).stdout)
    assert [(x["ref"], x["参加人数"]) for x in rows] == [(REF, 12), ("training:卫滨区:2025-06-01:全员法治培训:宪法", 20)]
    log = json.loads(run("audit", "--json", db=db).stdout)
    assert [e["action"] for e in log[:2]] == ["undo", "correct"]
    assert log[1]["detail"]["reason"] == "录入错误" and log[1]["detail"]["changes"]["参加人数"] == [12, 50]
