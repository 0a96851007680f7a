"""`python -m indicators`: import, check, progress, templates, batches, undo, demo and export from a terminal.

Every user-facing failure ends as a Chinese message on stderr and a non-zero exit code, never a
traceback. Exit codes: 0 done; 1 a file was refused or an undo was not possible; 2 bad arguments.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from pathlib import Path

from . import imports, progress, store
from .config import ConfigError, default_catalog
from .ledgers import LEDGERS
from .problems import IndicatorsError, describe


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's English errors, said once in Chinese
        self.print_usage(sys.stderr)
        print(f"参数有误：{message}", file=sys.stderr)
        raise SystemExit(2)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是 YYYY-MM-DD 格式的日期") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m indicators", description="法治建设指标看板：台账导入、校验、进度计算")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_db(sp):
        sp.add_argument("--db", help=f"数据库：SQLite 文件路径或 postgresql:// 地址（默认 ${store.DB_ENV} 或 data/indicators.db）")
        return sp

    sp = with_db(sub.add_parser("import", help="导入台账文件（整份导入或整份拒绝）"))
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp = sub.add_parser("check", help="只校验，不导入")
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp = with_db(sub.add_parser("progress", help="计算各单位各指标的进度"))
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), help="1 = 截至6月30日，2 = 截至12月31日")
    sp.add_argument("--as-of", type=_date, help="截至日期 YYYY-MM-DD")
    sp.add_argument("--unit", help="只看一个单位（可写别名，如 红旗区人防办）")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")
    sp = sub.add_parser("template", help="生成空白台账模板")
    sp.add_argument("kind", choices=[*LEDGERS, "all"], help="training 培训学法 / publicity 宣传活动 / governance 制度落实 / staff 执法人员 / all 全部")
    sp.add_argument("-o", "--output", required=True, metavar="FILE")
    sp.add_argument("--unit", help="预填并锁定单位名称")
    with_db(sub.add_parser("batches", help="列出导入批次"))
    sp = with_db(sub.add_parser("undo", help="撤销一个导入批次"))
    sp.add_argument("batch", type=int)
    sp = with_db(sub.add_parser("demo", help="载入示例数据"))
    sp.add_argument("--force", action="store_true", help="数据库已有数据时也载入")
    sp = with_db(sub.add_parser("export", help="生成汇报材料（pptx）、督导平台数据表（xlsx）或工作情况文稿（docx）"))
    sp.add_argument("--format", required=True, choices=("pptx", "xlsx", "docx"),
                    help="pptx 汇报材料 / xlsx 督导平台数据 / docx 工作情况文稿")
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), help="1 = 上半年（截至6月30日），2 = 全年")
    sp.add_argument("--unit", help="只看一个单位（可写别名）；不写或写“全市”为全市")
    sp.add_argument("-o", "--output", required=True, metavar="FILE")
    sp = with_db(sub.add_parser("migrate", help="把数据库（含原件）整体迁移到 PostgreSQL，并核对行数与进度数字"))
    sp.add_argument("--to", required=True, metavar="URL", help="目标数据库，如 postgresql://indicators@db.example/indicators")
    sp.add_argument("--files-dir", metavar="DIR", help=f"目标的原件目录（默认 ${store.FILES_ENV}）")
    p.epilog = "环境变量：" + "；".join(f"{k}：{v}" for k, v in store.SETTINGS.items())
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (IndicatorsError, ConfigError) as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    except ValueError as e:  # e.g. an as-of date outside the year
        print(f"错误：{e}", file=sys.stderr)
        return 2
    except store.Error as e:  # the database server is down, the file unreadable, ...
        print(f"错误：无法读取或写入数据库 {store.db_label(getattr(args, 'db', None))}（{e}）", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` stopped reading: nothing more to say
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _report(parsed: imports.Parsed) -> None:
    for note in parsed.notes:
        print(f"  提示：{note}")
    if not parsed.ok:
        print(f"{parsed.file}：发现 {len(parsed.problems)} 个问题，未导入任何数据：", file=sys.stderr)
        for pr in parsed.problems:
            print(f"  - {describe(pr)}", file=sys.stderr)


def cmd_import(args) -> int:
    conn = store.connect(args.db)
    refused = 0
    for f in args.files:
        parsed = imports.parse_path(f)
        _report(parsed)
        if not parsed.ok:
            refused += 1
            continue
        result = store.import_parsed(conn, parsed)
        print(result.summary())
    return 1 if refused else 0


def cmd_check(args) -> int:
    refused = 0
    for f in args.files:
        parsed = imports.parse_path(f)
        _report(parsed)
        if parsed.ok:
            kinds = "、".join(f"{LEDGERS[k].name} {df.height} 行" for k, df in parsed.records.items())
            print(f"{parsed.file}：校验通过（{kinds}）")
        else:
            refused += 1
    return 1 if refused else 0


def _clean(v):
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 4)
    return v


def cmd_progress(args) -> int:
    catalog = default_catalog()
    unit = None
    if args.unit:
        unit = catalog.resolve_unit(args.unit) if args.unit != progress.CITY_WIDE else None
        if unit is None and args.unit != progress.CITY_WIDE:
            raise IndicatorsError(f"单位「{args.unit}」不在单位名单中；可选：{'、'.join(catalog.unit_names)}")
    per = progress.period(args.year, args.half, args.as_of)
    conn = store.connect(args.db)
    frame = progress.compute(conn, per, unit)
    if args.unit == progress.CITY_WIDE:
        frame = frame[frame.unit == progress.CITY_WIDE]
    if args.json:
        cols = ["unit", "indicator", "name", "value", "target", "expected", "completion", "status", "measure", "points"]
        records = [{k: _clean(v) for k, v in r.items()} for r in frame[cols].to_dict("records")]
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    print(f"{per.label}（截至 {per.as_of:%Y-%m-%d}，时间进度 {progress.time_progress(per.as_of, per.year):.1%}）")
    print(f"{'单位':<8}{'指标':<6}{'名称':<18}{'完成':>10}{'目标':>8}{'应完成':>8}  状态")
    for r in frame.itertuples():
        fmt = (lambda v: "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1f}".rstrip("0").rstrip("."))
        print(f"{r.unit:<8}{r.indicator:<6}{r.name[:16]:<18}{fmt(r.value):>10}{fmt(r.target):>8}{fmt(r.expected):>8}  {r.status}")
    if not unit:
        print("\n督导平台得分（满分100）：")
        for r in progress.scores(frame).itertuples():
            print(f"  {r.rank:>2}. {r.unit:<8}{r.score:>6.1f}")
    return 0


def cmd_template(args) -> int:
    from .templates import write_template
    unit = None
    if args.unit:
        unit = default_catalog().resolve_unit(args.unit)
        if unit is None:
            raise IndicatorsError(f"单位「{args.unit}」不在单位名单中")
    path = write_template(args.kind, args.output, unit=unit)
    print(f"已生成模板：{path}")
    return 0


def cmd_batches(args) -> int:
    conn = store.connect(args.db)
    rows = store.batches(conn)
    if not rows:
        print("还没有导入任何文件")
    for b in rows:
        state = f"已撤销（{b['undone'][:16]}）" if b["undone"] else "有效"
        kinds = "、".join(LEDGERS[k].name for k in b["kinds"].split(",") if k)
        print(f"批次 {b['id']:>3}  {b['created'][:16]}  {b['file_name']}  {kinds}  "
              f"新增 {b['added']} 更新 {b['updated']} 未变 {b['unchanged']}  {state}  sha256:{b['checksum'][:12]}")
    return 0


def cmd_undo(args) -> int:
    conn = store.connect(args.db)
    b = store.undo(conn, args.batch)
    print(f"已撤销批次 {b['id']}（{b['file_name']}）：删除新增的 {b['added']} 行，恢复更新的 {b['updated']} 行")
    return 0


def cmd_demo(args) -> int:
    from .demo import load_demo
    conn = store.connect(args.db)
    if store.has_data(conn) and not args.force:
        print("数据库中已有数据，未载入示例数据（如确需载入，加 --force）")
        return 0
    for r in load_demo(conn):
        print(r.summary())
    return 0


def cmd_export(args) -> int:
    from . import exports
    unit = exports.resolve_unit(args.unit)
    per = progress.period(args.year, args.half)
    conn = store.connect(args.db)
    if not store.has_data(conn):  # a scheduled run pointed at the wrong database should not ship empty figures
        raise IndicatorsError(f"数据库 {store.db_label(args.db)} 中还没有导入任何台账，未生成文件")
    data = exports.build(args.format, conn, per, unit)
    out = Path(args.output)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as e:
        raise IndicatorsError(f"无法写入文件 {out}：请检查目录是否存在、是否有写入权限") from e
    print(f"已生成{exports.KIND_NAMES[args.format]}：{out}（{per.label}，{unit or progress.CITY_WIDE}）")
    return 0


def cmd_migrate(args) -> int:
    from .migration import migrate
    if not store.is_postgres(args.to):
        raise IndicatorsError(f"--to 须是 PostgreSQL 地址（postgresql://…），而不是「{store.dialect.safe_label(args.to)}」")
    result = migrate(args.db, args.to, args.files_dir)
    for t in result.tables:
        print(f"  {t.table:<16} 源 {t.source:>8} 行  目标 {t.target:>8} 行  本次新增 {t.added}")
    print(result.summary())
    return 0


COMMANDS = {"migrate": cmd_migrate, "import": cmd_import, "check": cmd_check, "progress": cmd_progress, "template": cmd_template,
            "batches": cmd_batches, "undo": cmd_undo, "demo": cmd_demo, "export": cmd_export}
