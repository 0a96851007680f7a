"""`python -m indicators user ...`, `--user` and `audit` exactly as the issue fixes them: passwords on
standard input, exit codes, and no password in anything printed. The commands run in this process
(conftest.run_cli); a password refused as an argument and one read from a real pipe run as real processes."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import openpyxl
import pytest

from conftest import ROOT, TRAINING_HEADER, run_cli, write_xlsx
from indicators import store

D = dt.date
SECRET = {"fgk": "Fagui-2025!x", "hq": "Hongqi-2025x", "boss": "Lingdao-2025x"}


def run(*args, db, stdin: str | None = None):
    return run_cli(*args, db=db, stdin=stdin, cwd=ROOT)


def run_process(*args, db, stdin: str | None = None):
    cmd = [sys.executable, "-m", "indicators", *map(str, args), "--db", str(db)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, input=stdin)


def no_secret(*results):
    for r in results:
        for secret in SECRET.values():
            assert secret not in r.stdout and secret not in r.stderr
        assert "$argon2" not in r.stdout + r.stderr


@pytest.fixture
def db(cli_db):
    """Three accounts made from the command line, in a database of each kind (conftest's `cli_db`)."""
    db = cli_db
    out = [run("user", "add", "fgk", "--role", "管理员", "--name", "法规科", "--password-stdin", db=db, stdin=SECRET["fgk"] + "\n"),
           run("user", "add", "hq", "--role", "填报员", "--unit", "红旗区人防办", "--password-stdin", "--user", "fgk", db=db,
               stdin=SECRET["hq"] + "\n"),
           run("user", "add", "boss", "--role", "领导", "--password-stdin", db=db, stdin=SECRET["boss"])]
    assert [r.returncode for r in out] == [0, 0, 0], [r.stderr for r in out]
    assert "已创建账号 hq：红旗区填报员（填报员·红旗区）" in out[1].stdout
    no_secret(*out)
    return db


@pytest.fixture
def ledgers(tmp_path):
    own = write_xlsx(tmp_path / "own.xlsx", {"台账": [TRAINING_HEADER, [D(2025, 3, 1), "红旗区", "党组中心组学法", "a", None, 9, 1, None]]})
    mixed = write_xlsx(tmp_path / "mixed.xlsx", {"台账": [TRAINING_HEADER,
                                                          [D(2025, 3, 1), "红旗区", "党组中心组学法", "b", None, 9, 1, None],
                                                          [D(2025, 3, 2), "卫滨区", "党组中心组学法", "c", None, 9, 1, None]]})
    return own, mixed


def test_user_list_json(db):
    r = run("user", "list", "--json", db=db)
    rows = json.loads(r.stdout)
    assert [(a["login"], a["role"], a["unit"], a["active"]) for a in rows] == [
        ("fgk", "管理员", None, True), ("boss", "领导", None, True), ("hq", "填报员", "红旗区", True)]
    assert all("password_hash" not in a for a in rows)
    assert "hq" in run("user", "list", db=db).stdout


@pytest.mark.parametrize("args,stdin,message", [
    (("user", "add", "x1", "--role", "领导", "--password-stdin"), "short\n", "密码至少 8 位"),
    (("user", "add", "x1", "--role", "填报员", "--password-stdin"), "Long-enough-1\n", "必须指定本单位"),
    (("user", "add", "x1", "--role", "领导", "--password-stdin", "--user", "hq"), "Long-enough-1\n", "无权管理账号"),
    (("user", "add", "x1", "--role", "领导", "--password-stdin", "--user", "ghost"), "Long-enough-1\n", "没有登录名为「ghost」"),
    (("user", "disable", "fgk"), None, "最后一个在用的管理员"),
    (("user", "role", "fgk", "--role", "领导"), None, "最后一个在用的管理员"),
    (("user", "disable", "hq", "--user", "boss"), None, "无权管理账号"),
])
def test_user_refusals_exit_1_in_chinese_and_change_nothing(db, args, stdin, message):
    before = run("user", "list", "--json", db=db).stdout
    r = run(*args, db=db, stdin=stdin)
    assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr
    assert run("user", "list", "--json", db=db).stdout == before


def test_password_is_never_an_argument(db):
    r = run_process("user", "add", "x1", "--role", "领导", db=db)
    assert r.returncode == 2 and "--password-stdin" in r.stderr


def test_disable_enable_reset_role(db):
    assert run("user", "disable", "hq", db=db).returncode == 0
    assert json.loads(run("user", "list", "--json", db=db).stdout)[2]["active"] is False
    assert run("user", "enable", "hq", db=db).returncode == 0
    r = run_process("user", "reset", "hq", "--password-stdin", db=db, stdin="Reset-pass-2025\n")
    assert r.returncode == 0 and "Reset-pass-2025" not in r.stdout
    r = run("user", "role", "hq", "--role", "填报员", "--unit", "获嘉县", db=db)
    assert r.returncode == 0
    assert json.loads(run("user", "list", "--json", db=db).stdout)[2]["unit"] == "获嘉县"


def test_user_import_from_a_workbook(db, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["填报员账号清单"])
    wb.active.append(["登录名", "显示名", "角色", "单位", "初始密码"])
    wb.active.append(["hj", "获嘉县填报员", "填报员", "获嘉县", "Huojia-2025"])
    wb.active.append(["wb", "", "填报员", "卫滨区人防办", "Weibin-2025"])
    wb.save(tmp_path / "accounts.xlsx")
    r = run("user", "import", tmp_path / "accounts.xlsx", db=db)
    assert r.returncode == 0, r.stderr
    assert "共创建 2 个账号" in r.stdout and "Huojia-2025" not in r.stdout
    assert [a["login"] for a in json.loads(run("user", "list", "--json", db=db).stdout)][-2:] == ["wb", "hj"]


def test_import_and_undo_with_user_act_with_exactly_that_accounts_rights(db, ledgers):
    own, mixed = ledgers
    r = run("import", mixed, "--user", "hq", db=db)
    assert r.returncode == 1 and "只能导入本单位（红旗区）" in r.stderr and "第 3 行（卫滨区）" in r.stderr
    r = run("import", own, "--user", "boss", db=db)
    assert r.returncode == 1 and "领导账号无权导入台账" in r.stderr
    conn = store.connect(db)
    assert store.batches(conn) == []
    r = run("import", own, "--user", "hq", db=db)
    assert r.returncode == 0, r.stderr
    r = run("import", mixed, db=db)  # the machine's operator may import any unit
    assert r.returncode == 0, r.stderr
    assert [(b["login"], b["user_name"]) for b in store.batches(conn)] == [("", "本机操作员"), ("hq", "红旗区填报员")]
    r = run("undo", "2", "--user", "hq", db=db)
    assert r.returncode == 1 and "含有「卫滨区」的数据" in r.stderr
    assert run("undo", "1", "--user", "boss", db=db).returncode == 1
    assert run("undo", "1", "--user", "hq", db=db).returncode == 0
    assert run("demo", "--user", "boss", db=db).returncode == 1


def test_audit_json_newest_first_filtered(db, ledgers):
    own, mixed = ledgers
    run("import", own, "--user", "hq", db=db)
    run("import", mixed, "--user", "hq", db=db)
    run("import", mixed, db=db)
    rows = json.loads(run("audit", "--json", db=db).stdout)
    assert {"time", "user", "action", "unit", "detail"} <= set(rows[0])
    assert [(r["user"], r["action"]) for r in rows[:3]] == [("本机操作员", "import"), ("hq", "import_refused"), ("hq", "import")]
    assert rows[2]["unit"] == "红旗区" and rows[2]["detail"]["file"] == "own.xlsx" and rows[2]["client"] == "命令行"
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    mine = json.loads(run("audit", "--json", "--user", "hq", db=db).stdout)
    assert {r["user"] for r in mine} == {"hq"} and len(mine) == 2
    operator = json.loads(run("audit", "--json", "--user", "本机操作员", db=db).stdout)
    assert {r["user"] for r in operator} == {"本机操作员"}
    assert json.loads(run("audit", "--json", "--since", "2999-01-01", db=db).stdout) == []
    today = min(r["time"][:10] for r in rows)  # the day of the first entry (the run may cross midnight)
    assert len(json.loads(run("audit", "--json", "--since", today, db=db).stdout)) == len(rows)
    text = run("audit", db=db)
    assert "导入被拒绝" in text.stdout
    no_secret(text, run("audit", "--json", db=db))
