"""`explain` and `outliers`: the units' 情况说明 and the figures that need a reviewer's look, from a terminal.

    python -m indicators explain --unit 原阳县 --indicator T05 --year 2025 --half 1 --reason "…" \
        [--measure "…"] [--by 2025-09-30] [--user LOGIN]
    python -m indicators explain --list --year 2025 [--half 1] [--unit 原阳县] [--json]
    python -m indicators outliers --year 2025 [--half 1] [--unit X] [--json]

Exit codes as every command: 0 done, 1 refused (the reason in Chinese on stderr), 2 bad arguments.
"""
from __future__ import annotations

import argparse
import json

from .cli_args import year
from . import store

CLIENT = "命令行"


def register(sub, with_db, as_user, date_type, half_help: str) -> None:
    """Add the two commands to the main parser (cli.build_parser)."""
    sp = as_user(with_db(sub.add_parser("explain", help="情况说明：填写滞后指标的原因、整改措施和预计完成时间，或列出已填写的")))
    sp.add_argument("--list", action="store_true", help="列出情况说明（不写则为填写一条）")
    sp.add_argument("--unit", help="单位（填写时必填）")
    sp.add_argument("--indicator", metavar="CODE", help="指标编码，如 T05（填写时必填）")
    sp.add_argument("--year", type=year, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), help=half_help + "（填写时必填）")
    sp.add_argument("--reason", help="原因（填写时必填）")
    sp.add_argument("--measure", help="整改措施")
    sp.add_argument("--by", type=date_type, metavar="YYYY-MM-DD", help="预计完成时间")
    sp.add_argument("--evidence", type=int, action="append", default=[], metavar="ID", help="附上的佐证材料编号（可写多次）")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组（与 --list 一起用）")
    sp = with_db(sub.add_parser("outliers", help="需核实的数字：明显偏离本单位或各单位同类记录、或超过合理上限的台账数字"))
    sp.add_argument("--year", type=year, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), help=half_help)
    sp.add_argument("--unit", help="只看该单位")
    sp.add_argument("--all", action="store_true", help="也列出已核实的")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")


def _unit(raw: str | None) -> str | None:
    from .config import default_catalog
    return None if raw is None else default_catalog().require_unit(raw)


def _usage(message: str) -> int:
    import sys
    print(f"参数有误：{message}", file=sys.stderr)
    return 2


def cmd_explain(args: argparse.Namespace, actor_of) -> int:
    from . import explanations
    if args.list:
        conn = store.connect(args.db)
        rows = explanations.listing(conn, args.year, args.half, _unit(args.unit))
        if args.json:
            print(json.dumps([e.as_dict() for e in rows], ensure_ascii=False, indent=1))
            return 0
        if not rows:
            print("还没有情况说明")
        for e in rows:
            mark = "" if e.was_lagging else "（写入时该指标不滞后）"
            print(f"{e.period}  {e.unit:<8}{e.indicator}  第 {e.version} 版  {e.name} {e.at}{mark}\n    {e.text()}")
        return 0
    missing = [flag for flag, v in (("--unit", args.unit), ("--indicator", args.indicator), ("--half", args.half),
                                    ("--reason", args.reason)) if v is None]
    if missing:
        return _usage(f"填写情况说明须写 {'、'.join(missing)}（或用 --list 列出已填写的）")
    conn = store.connect(args.db)
    e = explanations.write(conn, actor_of(conn, args), _unit(args.unit), args.indicator.strip().upper(), args.year,
                           args.half, args.reason, measure=args.measure, due=args.by, evidence=tuple(args.evidence),
                           client=CLIENT)
    mark = "" if e.was_lagging else f"（注意：该指标目前为「{e.status}」，不在滞后之列；已保存并注明）"
    print(f"已保存{e.unit}{e.period} {e.indicator} 的情况说明（第 {e.version} 版）{mark}")
    return 0


def cmd_outliers(args: argparse.Namespace) -> int:
    from . import outliers
    conn = store.connect(args.db)
    flags = outliers.find(conn, args.year, args.half, _unit(args.unit), include_checked=args.all)
    if args.json:
        print(json.dumps([f.as_dict() for f in flags], ensure_ascii=False, indent=1))
        return 0
    if not flags:
        print("没有需核实的数字")
    for f in flags:
        checked = f"  已核实（{f.checked_by}，{f.checked_at}）" if f.checked_by else ""
        print(f"{f.unit:<8}{f.date}  {f.ledger}「{f.title}」  {f.why}；常见范围 {f.usual}{checked}\n    {f.ref}")
    return 0
