"""`python -m indicators rows` and `correct`: every stored row with its REF, and one row corrected where it stands.

    rows --year 2025 --unit 卫滨区 [--ledger training] [--json]
    correct REF --set 参加人数=52 [--set 主题=…] --reason "录入错误" [--user LOGIN]

`correct` exits 0 when stored, 1 when refused (the reason in Chinese on stderr), 2 on a usage error
(argparse's, a --set not written 列=值, a REF not of the form the evidence commands use, a column the
row's ledger does not have). Registered by cli.build_parser through `add_commands`.
"""
from __future__ import annotations

import argparse
import json
import sys

from .cli_args import year
from .ledgers import LEDGERS


def _assignment(text: str) -> tuple[str, str]:
    column, sep, value = text.partition("=")
    if not sep or not column.strip():
        raise argparse.ArgumentTypeError(f"「{text}」应写成 列名=新值，如 --set 参加人数=52")
    return column.strip(), value.strip()


def add_commands(sub, with_db, as_user) -> dict:
    """The two sub-commands added to `sub`; returns {name: function} for cli.COMMANDS."""
    sp = with_db(sub.add_parser("rows", help="列出台账行及其 REF（更正、挂佐证材料时引用）"))
    sp.add_argument("--year", type=year, required=True)
    sp.add_argument("--unit", help="只看一个单位（可写别名）")
    sp.add_argument("--ledger", choices=list(LEDGERS),
                    help="只看一种台账：training 培训学法 / publicity 宣传活动 / governance 制度落实 / staff 执法人员统计表")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组：ref、ledger、unit、date 及各列（中文列名）")
    sp = as_user(with_db(sub.add_parser("correct", help="更正一行已保存的台账（记为“更正”批次，可撤销）")))
    sp.add_argument("ref", metavar="REF", help="行引用，见 rows 的输出，如 training:卫滨区:2025-03-01:执法人员培训:行政处罚法")
    sp.add_argument("--set", dest="assignments", action="append", type=_assignment, required=True, metavar="列名=新值",
                    help="要改的列和新值（可写多次），如 --set 参加人数=52")
    sp.add_argument("--reason", required=True, help="更正原因（必填，记入导入记录和操作日志）")
    return {"rows": cmd_rows, "correct": cmd_correct}


CLIENT = "命令行"  # the audit log's client address, as cli.py writes it


def _unit(raw: str) -> str:
    from .config import default_catalog
    return default_catalog().require_unit(raw)


def cmd_rows(args) -> int:
    from . import entry, store
    conn = store.connect(args.db)
    found = entry.rows(conn, args.year, _unit(args.unit) if args.unit else None, args.ledger)
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=1, default=str))
        return 0
    if not found:
        print("没有符合条件的台账行")
    for r in found:
        fields = "  ".join(f"{k}={'' if v is None else v}" for k, v in r.items()
                           if k not in ("ref", "ledger", "ledger_name", "unit", "date", "日期", "单位", "统计日期"))
        print(f"{r['ref']}  {fields}")
    return 0


def _usage(message: str) -> int:
    print(f"参数有误：{message}", file=sys.stderr)
    return 2


def cmd_correct(args) -> int:
    from . import accounts, entry, roles, store
    from .evidence import RowRef
    from .problems import IndicatorsError
    try:
        ref = RowRef.parse(args.ref)
    except IndicatorsError as e:
        return _usage(str(e))
    unknown = [c for c, _ in args.assignments if entry.column_named(ref.kind, c) is None]
    if unknown:
        return _usage(f"「{'、'.join(unknown)}」不是{LEDGERS[ref.kind].name}的列；可写："
                      f"{'、'.join(c.name for c in LEDGERS[ref.kind].columns)}")
    conn = store.connect(args.db)
    actor = accounts.actor_for(conn, args.user) if args.user else roles.OPERATOR
    done = entry.correct(conn, actor, ref, dict(args.assignments), args.reason, client=CLIENT)
    print(done.summary())
    if done.new_ref != done.ref:
        print(f"这一行的 REF 现为：{done.new_ref}")
    return 0
