"""`python -m indicators`: import, check, progress, templates, batches, undo, demo, export, the reporting
cycle and evidence, accounts (`user ...`), the audit log, and `propose` (indicators an annual report commits
to, compared with the catalogue) from a terminal.

Commands that change data take `--user LOGIN` and then act with exactly that account's rights;
without it they act as the machine's operator (roles.OPERATOR, logged as 本机操作员): whoever has a
shell on the server can read and write the database anyway. Passwords are read from standard input
(`--password-stdin`), never from an argument, and never printed.

Every user-facing failure ends as a Chinese message on stderr and a non-zero exit code, never a
traceback. Exit codes: 0 done; 1 a file was refused or an undo was not possible; 2 bad arguments.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import sqlite3
import sys
from pathlib import Path

from . import cli_entry, cli_review, roles, store
from .cli_args import year as _year
from .config import ConfigError, default_catalog
from .interpret import IGNORE, Answers
from .ledgers import LEDGERS, normalise_header
from .problems import IndicatorsError, describe

# Each command imports what it needs when it runs (polars and the readers for import/check, the
# exporters for export): `batches` or `progress` start in a fraction of the time, pandas and polars
# never loaded. `python -X importtime -m indicators batches` shows it.


# argparse's own English (Python 3.11's messages), said in Chinese; applied in order, the argument's name first
_ARGPARSE_WORDS = [(re.compile(a), b) for a, b in (
    (r"^argument ([^:]+): ", r"参数 \1："),
    (r"the following arguments are required: (.*)", r"缺少必填参数：\1"),
    (r"one of the arguments (.*) is required", r"以下参数须写其中一个：\1"),
    (r"not allowed with argument (.*)", r"不能与 \1 同时使用"),
    (r"expected one argument", "后面要写一个值"),
    (r"expected at least one argument", "后面至少要写一个值"),
    (r"expected at most one argument", "后面至多写一个值"),
    (r"invalid choice: (.*) \(choose from (.*)\)", r"取值 \1 无效（可选：\2）"),
    (r"invalid (\w+) value: (.*)", r"\2 不是有效的值"),
    (r"ignored explicit argument (.*)", r"不接受取值 \1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 有歧义，可能是 \2"),
    (r"^usage: ", "用法："),
    (r"\n(positional arguments|options):\n", lambda m: "\n" + {"options": "选项", "positional arguments": "位置参数"}[m[1]] + "：\n"),
    (r"show this help message and exit", "显示本帮助并退出"),
)]


def _in_chinese(text: str) -> str:
    for pattern, words in _ARGPARSE_WORDS:
        text = pattern.sub(words, text)
    return text


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's English errors, said once in Chinese
        self.print_usage(sys.stderr)
        print(f"参数有误：{_in_chinese(message)}", file=sys.stderr)
        raise SystemExit(2)

    def format_usage(self) -> str:
        return _in_chinese(super().format_usage())

    def format_help(self) -> str:
        return _in_chinese(super().format_help())


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是 YYYY-MM-DD 格式的日期") from None


HALF_HELP = "1 = 上半年，2 = 全年"

_COLUMN_NAMES = {normalise_header(c.name): c.name for l in LEDGERS.values() for c in l.columns}


def _column_answer(text: str) -> tuple[str, str]:
    header, sep, column = text.partition("=")
    column = column.strip()
    if not sep or not header.strip() or not column:
        raise argparse.ArgumentTypeError(f"「{text}」应写成 表头=列名，如 组织形式=类别")
    if column != IGNORE and normalise_header(column) not in _COLUMN_NAMES:
        raise argparse.ArgumentTypeError(f"「{column}」不是台账的列名；可写：{'、'.join(dict.fromkeys(_COLUMN_NAMES.values()))}"
                                         f"，或“{IGNORE}”")
    return header.strip(), _COLUMN_NAMES.get(normalise_header(column), column)


def _value_answer(text: str) -> tuple[str, str, str]:
    column, sep, rest = text.partition(":")
    if not sep:
        column, sep, rest = text.partition("：")
    raw, eq, value = rest.partition("=")
    if not sep or not eq or not column.strip() or not raw.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"「{text}」应写成 列名:写法=规定值，如 类别:中心组=党组中心组学法")
    return column.strip(), raw.strip(), value.strip()


def _answers(args) -> Answers:
    given = Answers()
    for header, column in args.column:
        given.add_column(header, column)
    for column, raw, value in args.value:
        given.add_value(column, raw, value)
    return given


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m indicators", description="法治建设指标看板：台账导入、校验、进度计算")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_db(sp):
        sp.add_argument("--db", help=f"数据库：SQLite 文件路径或 postgresql:// 地址（默认 ${store.DB_ENV} 或 data/indicators.db）")
        return sp

    def as_user(sp):
        sp.add_argument("--user", metavar="LOGIN", help="以该账号的权限操作（不写则为本机操作员，记入操作日志）")
        return sp

    def with_answers(sp):
        sp.add_argument("--column", action="append", type=_column_answer, default=[], metavar="表头=列名",
                        help="说明某个表头是哪一列，如 --column 组织形式=类别（可写多次；导入成功后保存，下次自动使用）")
        sp.add_argument("--value", action="append", type=_value_answer, default=[], metavar="列名:写法=规定值",
                        help="说明某个取值的含义，如 --value 类别:中心组=党组中心组学法（可写多次；导入成功后保存）")
        return sp

    sp = as_user(with_answers(with_db(sub.add_parser("import", help="导入台账文件（整份导入或整份拒绝）"))))
    sp.add_argument("files", nargs="*", metavar="FILE")
    sp = with_answers(with_db(sub.add_parser("check", help="只校验，不导入（使用已保存的回答，不保存新的回答）")))
    sp.add_argument("files", nargs="*", metavar="FILE")
    sp = with_db(sub.add_parser("progress", help="计算各单位各指标的进度"))
    sp.add_argument("--year", type=_year, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), help="1 = 截至6月30日，2 = 截至12月31日")
    sp.add_argument("--as-of", type=_date, help="截至日期 YYYY-MM-DD")
    sp.add_argument("--unit", help="只看一个单位（可写别名，如 红旗区人防办）")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")
    sp = sub.add_parser("template", help="生成空白台账模板")
    sp.add_argument("kind", choices=[*LEDGERS, "all"], help="training 培训学法 / publicity 宣传活动 / governance 制度落实 / staff 执法人员 / all 全部")
    sp.add_argument("-o", "--output", required=True, metavar="FILE")
    sp.add_argument("--unit", help="预填并锁定单位名称")
    with_db(sub.add_parser("batches", help="列出导入批次"))
    sp = as_user(with_db(sub.add_parser("undo", help="撤销一个导入批次")))
    sp.add_argument("batch", type=int)
    sp = as_user(with_db(sub.add_parser("demo", help="载入示例数据")))
    sp.add_argument("--force", action="store_true", help="数据库已有数据时也载入")
    sp = with_db(sub.add_parser("export", help="生成汇报材料（pptx）、督导平台数据表（xlsx）、工作情况文稿（docx）或佐证材料包（evidence）"))
    sp.add_argument("--format", required=True, choices=("pptx", "xlsx", "docx", "evidence"),
                    help="pptx 汇报材料 / xlsx 督导平台数据 / docx 工作情况文稿 / evidence 佐证材料压缩包（.zip）")
    sp.add_argument("--year", type=_year, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), help="1 = 上半年（截至6月30日），2 = 全年")
    sp.add_argument("--unit", help="只看一个单位（可写别名）；不写或写“全市”为全市")
    sp.add_argument("--draft", choices=("全市", "本级"), default="全市",
                    help="docx 且不指定单位时：全市 = 全市汇总（默认），本级 = 市国动办本级报告（含对县区的督导）")
    sp.add_argument("-o", "--output", required=True, metavar="FILE")

    def with_user(sp):
        sp.add_argument("--user", metavar="LOGIN", help="以该账号的身份操作（不写则为本机操作员，即管理员）")
        return with_db(sp)

    cycle_p = sub.add_parser("cycle", help="报送周期：截止日期、提交、审核、退回、重新开放、报送情况")
    csub = cycle_p.add_subparsers(dest="cycle_command", required=True, parser_class=_Parser)
    sp = with_user(csub.add_parser("deadline", help="设置填报截止日期（管理员）"))
    sp.add_argument("--year", type=_year, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), required=True, help=HALF_HELP)
    sp.add_argument("--date", type=_date, required=True, help="截止日期 YYYY-MM-DD")
    for name, what in (("submit", "提交本单位数据"), ("approve", "审核通过（管理员）"), ("return", "退回并说明原因（管理员）"),
                       ("reopen", "重新开放已审核或已逾期的单位（管理员，须说明原因）")):
        sp = with_user(csub.add_parser(name, help=what))
        sp.add_argument("--unit", required=True, help="单位（可写别名）")
        sp.add_argument("--year", type=_year, required=True)
        sp.add_argument("--half", type=int, choices=(1, 2), required=True, help=HALF_HELP)
        sp.add_argument("--reason", help="原因（退回和重新开放必填）")
    sp = with_db(csub.add_parser("status", help="各单位报送情况"))
    sp.add_argument("--year", type=_year, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), help=HALF_HELP + "；不写则两期都列出")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")

    ev = sub.add_parser("evidence", help="佐证材料：挂到台账行或导入批次上、列出")
    esub = ev.add_subparsers(dest="evidence_command", required=True, parser_class=_Parser)
    sp = with_user(esub.add_parser("add", help="上传佐证材料（PDF、JPG、PNG、DOCX、XLSX）"))
    sp.add_argument("files", nargs="+", metavar="FILE")
    target = sp.add_mutually_exclusive_group(required=True)
    target.add_argument("--batch", type=int, metavar="N", help="挂到导入批次 N 上（整批材料）")
    target.add_argument("--row", metavar="REF", help="挂到一行台账上，REF 见 evidence rows 的输出，"
                                                    "如 training:红旗区:2025-03-01:党组中心组学法:法治思想")
    sp = with_db(esub.add_parser("list", help="列出佐证材料"))
    sp.add_argument("--unit", help="只看一个单位")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")
    sp = with_db(esub.add_parser("rows", help="列出台账行及其佐证材料数（取得 --row 所需的 REF）"))
    sp.add_argument("--year", type=_year, required=True)
    sp.add_argument("--half", type=int, choices=(1, 2), help=HALF_HELP)
    sp.add_argument("--unit", help="只看一个单位")
    sp.add_argument("--missing", action="store_true", help="只列还没有佐证材料的行")

    user = sub.add_parser("user", help="账号管理：add 创建 / list 列出 / disable 停用 / enable 启用 / reset 重置密码 / "
                                       "role 修改角色 / import 从 .xlsx 批量创建")
    usub = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    sp = as_user(with_db(usub.add_parser("add", help="创建账号（密码从标准输入读取）")))
    sp.add_argument("login", metavar="LOGIN")
    sp.add_argument("--role", required=True, choices=roles.ROLES)
    sp.add_argument("--unit", help="填报员的本单位（可写别名）")
    sp.add_argument("--name", help="显示名（默认：填报员为“单位填报员”，其他为登录名）")
    sp.add_argument("--password-stdin", action="store_true", required=True, help="从标准输入读取密码（必填）")
    sp = with_db(usub.add_parser("list", help="列出账号"))
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")
    for name, text in (("disable", "停用账号（并结束其登录）"), ("enable", "启用账号")):
        sp = as_user(with_db(usub.add_parser(name, help=text)))
        sp.add_argument("login", metavar="LOGIN")
    sp = as_user(with_db(usub.add_parser("reset", help="重置密码（新密码从标准输入读取）")))
    sp.add_argument("login", metavar="LOGIN")
    sp.add_argument("--password-stdin", action="store_true", required=True, help="从标准输入读取新密码（必填）")
    sp = as_user(with_db(usub.add_parser("role", help="修改角色和单位")))
    sp.add_argument("login", metavar="LOGIN")
    sp.add_argument("--role", required=True, choices=roles.ROLES)
    sp.add_argument("--unit", help="填报员的本单位")
    sp = as_user(with_db(usub.add_parser("import", help="从 .xlsx 账号清单批量创建（登录名、显示名、角色、单位、初始密码）")))
    sp.add_argument("file", metavar="FILE")

    sp = with_db(sub.add_parser("audit", help="操作日志（最新的在前）"))
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")
    sp.add_argument("--user", metavar="LOGIN", help="只看该账号（本机操作员写 本机操作员）")
    sp.add_argument("--since", type=_date, help="只看该日期（YYYY-MM-DD）及以后")
    sp = with_db(sub.add_parser("propose", help="读取年度报告（.docx/.txt/.md/.pdf），按其中的数量、频次、比率提议指标，并与指标目录比对（只读）"))
    sp.add_argument("report", metavar="REPORT")
    sp.add_argument("--year", type=_year, help="提议用于哪一年（默认：报告所述年度的下一年），与该年的目标比对")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组：每条提议一个对象")
    contact = sub.add_parser("contact", help="通知渠道：set 设置 / list 列出 / remove 删除（单位或“领导”“管理员”组的群机器人、邮箱）")
    ksub = contact.add_subparsers(dest="contact_command", required=True, parser_class=_Parser)
    for name, what in (("set", "设置一个通知渠道（管理员）"), ("remove", "删除一个通知渠道（管理员）")):
        sp = as_user(with_db(ksub.add_parser(name, help=what)))
        who = sp.add_mutually_exclusive_group(required=True)
        who.add_argument("--unit", help="单位（可写别名）")
        who.add_argument("--group", choices=tuple(_groups()), help="组：领导（接收汇报材料）或 管理员（接收逾期名单）")
        how = sp.add_mutually_exclusive_group(required=True)
        for flag, channel in (("--wecom", "wecom"), ("--dingtalk", "dingtalk"), ("--webhook", "webhook"), ("--email", "email")):
            if name == "set":
                how.add_argument(flag, dest=channel, metavar="URL" if channel != "email" else "ADDRESS",
                                 help=_channel_help(channel))
            else:
                how.add_argument(flag, dest=channel, action="store_true", help=f"删除{_channel_name(channel)}")
        if name == "set":
            sp.add_argument("--secret", metavar="S", help="钉钉机器人“加签”的密钥（SEC 开头；只用于 --dingtalk）")
    sp = with_db(ksub.add_parser("list", help="列出通知渠道（地址和密钥已遮蔽）"))
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")

    sp = as_user(with_db(sub.add_parser("remind", help="向尚未提交的单位发送催报通知（每个单位每天至多一次）；"
                                                      "截止日期过后向“管理员”组发送逾期名单")))
    sp.add_argument("--year", type=_year, required=True, metavar="YEAR")
    sp.add_argument("--half", type=int, choices=(1, 2), required=True, help=HALF_HELP)
    sp.add_argument("--dry-run", action="store_true", help="只列出将发给谁、发什么，不发送")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")
    sp.add_argument("--again", action="store_true", help="今天已发送过的也再发一次")
    sp = as_user(with_db(sub.add_parser("deliver", help="推送汇报材料：邮件附文件，群机器人发主要数字和链接（每天至多一次）")))
    sp.add_argument("--to", required=True, help="接收的组（领导、管理员）或单位")
    sp.add_argument("--format", required=True, type=_formats, metavar="pptx,docx", help="pptx 汇报材料、docx 工作情况文稿、xlsx 督导平台数据，逗号分隔")
    sp.add_argument("--year", type=_year, required=True, metavar="YEAR")
    sp.add_argument("--half", type=int, choices=(1, 2), required=True, help=HALF_HELP)
    sp.add_argument("--dry-run", action="store_true", help="只列出将发给谁、发什么，不发送")
    sp.add_argument("--json", action="store_true", help="输出 JSON 数组")
    sp.add_argument("--again", action="store_true", help="今天已推送过的也再发一次")

    sp = with_db(sub.add_parser("migrate", help="把数据库（含原件）整体迁移到 PostgreSQL，并核对行数与进度数字"))
    sp.add_argument("--to", required=True, metavar="URL", help="目标数据库，如 postgresql://indicators@db.example/indicators")
    sp.add_argument("--files-dir", metavar="DIR", help=f"目标的原件目录（默认 ${store.FILES_ENV}）")
    cli_review.register(sub, with_db, as_user, _date, HALF_HELP)
    COMMANDS.update(cli_entry.add_commands(sub, with_db, as_user))  # rows, correct (在线填报's corrections)
    p.epilog = "环境变量：" + "；".join(f"{k}：{v}" for k, v in {**store.SETTINGS, **_notify_settings()}.items())
    return p


def _groups() -> dict[str, str]:
    from .channels import GROUPS
    return GROUPS


def _channel_name(channel: str) -> str:
    from .channels import CHANNELS
    return CHANNELS[channel].name


def _channel_help(channel: str) -> str:
    from .channels import CHANNELS
    return CHANNELS[channel].help


def _notify_settings() -> dict[str, str]:
    from .channels import SEND_SETTINGS, SETTINGS
    return {s.env: s.help for s in SETTINGS.values()} | SEND_SETTINGS


def _formats(text: str) -> list[str]:
    from .channels import FORMATS
    wanted = [f.strip().lower() for f in text.replace("，", ",").split(",") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise argparse.ArgumentTypeError(f"格式只能是 {'、'.join(FORMATS)}（逗号分隔），不能是「{text}」")
    return list(dict.fromkeys(wanted))


FILE_COMMANDS = ("import", "check")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments; for import and check, anything argparse took for an unknown option (a file named
    `-rf.xlsx`) is a file, as the clerk meant it."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command not in FILE_COMMANDS:
            parser.error(f"无法识别的参数：{' '.join(extra)}")
        args.files = list(args.files or []) + extra
    if args.command in FILE_COMMANDS and not args.files:
        parser.error("请写出要处理的文件，如 python -m indicators import 台账.xlsx")
    return args


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a terminal that is not UTF-8 gets "?" rather than a codec traceback
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    args = parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (IndicatorsError, ConfigError) as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    except sqlite3.Error as e:  # a store path that did not translate its failure
        print(f"错误：{store.store_error(e).message}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` stopped reading: nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:
        print(f"错误：读写文件失败（{e.strerror or e}：{e.filename or ''}）。请检查路径、权限和磁盘空间后重试", file=sys.stderr)
        return 1
    except MemoryError:
        print("错误：内存不足，操作未完成，没有保存任何内容。请关闭其他程序或拆分文件后重试", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断：正在进行的导入不会留下一半的数据", file=sys.stderr)
        return 130
    except ValueError as e:  # e.g. an as-of date outside the year
        print(f"错误：{e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - the edge: a bug is still said in one Chinese line, never a traceback
        print(f"错误：程序内部错误（{type(e).__name__}），操作未完成，没有保存任何内容。请把这条信息和所用文件交给管理员",
              file=sys.stderr)
        if os.environ.get("INDICATORS_DEBUG"):
            raise
        return 1


def _report(parsed) -> None:
    for note in parsed.notes:
        print(f"  提示：{note}")
    for r in parsed.interpretations:
        print(f"  理解：工作表「{r.sheet}」{r.text}（{r.rows} 行）")
    if not parsed.ok:
        print(f"{parsed.file}：发现 {len(parsed.problems)} 个问题，未导入任何数据：", file=sys.stderr)
        for pr in parsed.problems:
            print(f"  - {describe(pr)}", file=sys.stderr)
        _questions(parsed)


def _questions(parsed: "imports.Parsed") -> None:  # noqa: F821 (imported where a file is read)
    """What the clerk could answer instead of changing the file, as the flags that say it."""
    asked = list({q.key: q for q in parsed.questions}.values())
    if not asked:
        return
    print("  若表格内容无误，可以用下面的参数说明后重新运行：", file=sys.stderr)
    for q in asked:
        if q.kind == "column":
            print(f"  - 工作表「{q.sheet}」的列「{q.subject}」（{q.why}）：--column {q.subject}=<列名>，"
                  f"列名可写 {'、'.join(q.options)}", file=sys.stderr)
        else:
            near = q.suggestions[0] if q.suggestions else "<规定值>"
            print(f"  - {q.column}「{q.subject}」（{q.rows} 行）：若确是「{near}」，加 --value {q.column}:{q.subject}={near}；"
                  f"规定值为 {'、'.join(q.options)}", file=sys.stderr)


CLIENT = "命令行"  # the audit log's client address for what the command line does


def _actor(conn, args) -> roles.Actor:
    """The account named by --user, or the machine's operator."""
    from . import accounts
    return accounts.actor_for(conn, args.user) if getattr(args, "user", None) else roles.OPERATOR


def cmd_import(args) -> int:
    from . import importing, imports, kept_answers
    conn = store.connect(args.db)
    actor = _actor(conn, args)
    roles.require(actor, "import")
    given = _answers(args)
    refused = 0
    for f in args.files:
        parsed = imports.parse_path(f, answers=kept_answers.kept(conn, Answers(dict(given.columns), dict(given.values)),
                                                                 actor))
        _report(parsed)
        try:
            kept_answers.check_keep(conn, actor, parsed.used if parsed.ok else [])  # before anything is stored
            result = importing.import_parsed(conn, parsed, actor=actor, client=CLIENT)  # a refused file is logged there
        except IndicatorsError as e:  # not allowed, locked, busy, full disk, read-only: this file is not stored; the next may be
            print(f"{parsed.file}：{e.message}", file=sys.stderr)
            refused += 1
            continue
        if not parsed.ok:
            refused += 1
            continue
        print(result.summary())
        if kept := kept_answers.keep(conn, actor, parsed.used):
            print(f"{parsed.file}：已保存 {kept} 条回答，以后导入相同表头的台账自动使用")
    return 1 if refused else 0


def cmd_check(args) -> int:
    from . import imports, kept_answers
    refused = 0
    given = _answers(args)
    # kept answers are read where a database exists; `check` never creates one
    conn = store.connect(args.db) if store.exists(args.db) else None
    for f in args.files:
        answers = Answers(dict(given.columns), dict(given.values))
        parsed = imports.parse_path(f, answers=kept_answers.kept(conn, answers) if conn else answers)
        _report(parsed)
        if parsed.ok:
            kinds = "、".join(f"{LEDGERS[k].name} {df.height} 行" for k, df in parsed.records.items())
            print(f"{parsed.file}：校验通过（{kinds}）")
        else:
            refused += 1
    return 1 if refused else 0


_NUMBERS = ("value", "target", "expected", "completion", "points")


def _clean(key: str, v):
    if key in _NUMBERS and v is not None and not isinstance(v, bool):
        v = float(v)  # a whole-number target prints as 4.0, like every other figure
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 4)
    return v


def cmd_progress(args) -> int:
    from . import progress
    catalog = default_catalog()
    unit = None
    if args.unit:
        unit = catalog.resolve_unit(args.unit) if args.unit != progress.CITY_WIDE else None
        if unit is None and args.unit != progress.CITY_WIDE:
            raise IndicatorsError(f"单位「{args.unit}」不在单位名单中；可选：{'、'.join(catalog.unit_names)}")
    per = progress.period(args.year, args.half, args.as_of)
    conn = store.connect(args.db)
    rows = progress.compute_rows(conn, per, unit)
    if args.unit == progress.CITY_WIDE:
        rows = [r for r in rows if r["unit"] == progress.CITY_WIDE]
    if args.json:
        cols = ["unit", "indicator", "name", "value", "target", "expected", "completion", "status", "measure", "points"]
        records = [{k: _clean(k, r[k]) for k in cols} for r in rows]
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    print(f"{per.label}（截至 {per.as_of:%Y-%m-%d}，时间进度 {progress.time_progress(per.as_of, per.year):.1%}）")
    print(f"{'单位':<8}{'指标':<6}{'名称':<18}{'完成':>10}{'目标':>8}{'应完成':>8}  状态")
    from .chinese import num
    for r in rows:
        print(f"{r['unit']:<8}{r['indicator']:<6}{r['name'][:16]:<18}{num(r['value']):>10}{num(r['target']):>8}"
              f"{num(r['expected']):>8}  {progress.status_name(r['status'], per)}")
    if not unit:
        basis = progress.ranking_basis(per)
        print(f"\n督导平台得分（按{progress.SCORE_LABELS[basis]}排名，满分100；没有数据的单位不参与排名）：")
        for r in progress.score_rows(rows, per):
            print(f"  {r['rank_text']:<8}{r['unit']:<8}{r[basis]:>6.1f}")
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
        who = b.get("user_name") or roles.OPERATOR.name
        print(f"批次 {b['id']:>3}  {store.created_label(b)}  {b['file_name']}  {kinds}  "
              f"新增 {b['added']} 更新 {b['updated']} 未变 {b['unchanged']}  {state}  {who}  sha256:{b['checksum'][:12]}")
    return 0


def cmd_undo(args) -> int:
    from . import importing
    conn = store.connect(args.db)
    b = importing.undo(conn, args.batch, actor=_actor(conn, args), client=CLIENT)
    print(f"已撤销批次 {b['id']}（{b['file_name']}）：删除新增的 {b['added']} 行，恢复更新的 {b['updated']} 行")
    return 0


def cmd_demo(args) -> int:
    from .demo import load_demo
    conn = store.connect(args.db)
    actor = _actor(conn, args)
    roles.require(actor, "load_demo")
    if store.has_data(conn) and not args.force:
        print("数据库中已有数据，未载入示例数据（如确需载入，加 --force）")
        return 0
    for r in load_demo(conn, actor=actor):
        print(r.summary())
    return 0


def cmd_export(args) -> int:
    from . import exports, progress
    unit = exports.resolve_unit(args.unit)
    per = progress.period(args.year, args.half)
    conn = store.connect(args.db)
    if not store.has_data(conn):  # a scheduled run pointed at the wrong database should not ship empty figures
        raise IndicatorsError(f"数据库 {store.db_label(args.db)} 中还没有导入任何台账，未生成文件")
    if args.format == "evidence":
        data = exports.build_evidence_zip(conn, per, unit, actor=_actor(conn, args))
        _write(Path(args.output), data)
        print(f"已生成佐证材料包：{args.output}（{per.label}，{unit or progress.CITY_WIDE}）")
        return 0
    data = exports.build(args.format, conn, per, unit, version=args.draft)
    out = Path(args.output)
    _write(out, data)
    print(f"已生成{exports.KIND_NAMES[args.format]}：{out}（{per.label}，{unit or progress.CITY_WIDE}）")
    return 0


def _write(out: Path, data: bytes) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as e:
        raise IndicatorsError(f"无法写入文件 {out}：请检查目录是否存在、是否有写入权限") from e


def _unit(raw: str) -> str:
    return default_catalog().require_unit(raw)


def cmd_cycle(args) -> int:
    from . import cycle
    conn = store.connect(args.db)
    if args.cycle_command == "status":
        states = cycle.status(conn, args.year, args.half)
        if args.json:
            print(json.dumps([s.as_dict() for s in states], ensure_ascii=False, indent=1))
            return 0
        for s in states:
            extra = f"  {s.by} {s.at.replace('T', ' ')[:16]}" if s.by else ""
            reason = f"  原因：{s.reason}" if s.reason else ""
            dl = f"截止 {s.deadline}" if s.deadline else "截止日期未设置"
            print(f"{s.period}  {s.unit:<8}{s.state:<5}{dl}  台账 {s.rows} 行{extra}{reason}")
        return 0
    actor = _actor(conn, args)
    if args.cycle_command == "deadline":
        cycle.set_deadline(conn, actor, args.year, args.half, args.date)
        print(f"已设置{cycle.period_label(args.year, args.half)}填报截止日期：{args.date}")
        return 0
    s = cycle.transition(conn, actor, args.cycle_command, _unit(args.unit), args.year, args.half, args.reason)
    print(f"{s.unit}{s.period}：{cycle.MOVES[args.cycle_command].name}完成，当前为「{s.state}」")
    return 0


def cmd_evidence(args) -> int:
    from . import progress
    from . import evidence, imports
    conn = store.connect(args.db)
    if args.evidence_command == "list":
        rows = evidence.listing(conn, _unit(args.unit) if args.unit else None, actor=_actor(conn, args))
        if args.json:
            keys = ["id", "unit", "target", "file_name", "type", "size", "checksum", "name", "added", "batch_id"]
            print(json.dumps([{k: r[k] for k in keys} | {"row": None if r["batch_id"] is not None else
                               evidence.RowRef(r["kind"], tuple(x for x in (r["k1"], r["k2"], r["k3"], r["k4"]) if x is not None)).text()}
                              for r in rows], ensure_ascii=False, indent=1))
            return 0
        if not rows:
            print("还没有佐证材料")
        for r in rows:
            print(f"{r['id']:>4}  {r['unit']:<8}{r['target']}  {r['file_name']}（{r['type_name']}，{r['size'] / 1024:.0f} KB）"
                  f"  {r['name']} {r['added'].replace('T', ' ')[:16]}")
        return 0
    if args.evidence_command == "rows":
        table = evidence.row_table(conn, progress.period(args.year, args.half), _unit(args.unit) if args.unit else None,
                                   missing_only=args.missing)
        for r in table.itertuples():
            print(f"{r.ref}  佐证材料 {r.佐证材料} 个")
        if table.empty:
            print("没有符合条件的台账行")
        return 0
    actor = _actor(conn, args)
    files = []
    for f in args.files:
        try:
            files.append((Path(f).name, imports.read_file(f, evidence.max_bytes(), "佐证材料")))
        except OSError as e:
            raise IndicatorsError(f"无法读取文件 {f}：{e.strerror or e}") from e

    row = evidence.RowRef.parse(args.row) if args.row else None
    ids = evidence.attach(conn, actor, files, row=row, batch=args.batch)
    where = row.label() if row else f"批次 {args.batch}"
    print(f"已上传 {len(files)} 个佐证材料到「{where}」（编号 {'、'.join(map(str, ids))}）")
    return 0


def _password() -> str:
    """The password from standard input: its first line (a terminal is asked without echo)."""
    if sys.stdin.isatty():
        import getpass
        return getpass.getpass("密码：")
    return sys.stdin.readline().rstrip("\r\n")


def _account_line(a: dict) -> str:
    state = "启用" if a["active"] else "停用"
    last = (a["last_login"] or "从未登录").replace("T", " ")[:16]
    return f"{a['login']:<16}{a['name']:<14}{a['role']:<5}{a['unit'] or '—':<8}{state}  最近登录 {last}"


def cmd_user(args) -> int:
    from . import accounts, imports
    conn = store.connect(args.db)
    sub = args.user_command
    if sub == "list":
        rows = accounts.list_accounts(conn)
        if args.json:
            print(json.dumps([{**a, "active": bool(a["active"])} for a in rows], ensure_ascii=False, indent=1))
        elif not rows:
            print("还没有任何账号（未启用登录）。创建第一个管理员：python -m indicators user add LOGIN --role 管理员 --password-stdin")
        for a in rows if not args.json else ():
            print(_account_line(a))
        return 0
    actor = _actor(conn, args)
    if sub == "add":
        made = accounts.create(conn, actor, args.login, _password(), args.role, args.unit, args.name, client=CLIENT)
        print(f"已创建账号 {made.login}：{made.label}")
    elif sub == "disable":
        accounts.disable(conn, actor, args.login, client=CLIENT)
        print(f"已停用账号 {args.login}，其登录已结束")
    elif sub == "enable":
        accounts.enable(conn, actor, args.login, client=CLIENT)
        print(f"已启用账号 {args.login}")
    elif sub == "reset":
        accounts.reset_password(conn, actor, args.login, _password(), client=CLIENT)
        print(f"已重置账号 {args.login} 的密码，其登录已结束、锁定已解除")
    elif sub == "role":
        accounts.set_role(conn, actor, args.login, args.role, args.unit, client=CLIENT)
        print(f"已将账号 {args.login} 改为{args.role}{'（' + args.unit + '）' if args.unit else ''}")
    elif sub == "import":
        try:
            data = imports.read_file(args.file, imports.max_upload_bytes(), "账号清单")
        except OSError as e:
            raise IndicatorsError(f"无法打开 {args.file}：{e.strerror or e}") from None
        made = accounts.create_many(conn, actor, accounts.read_accounts_xlsx(data), client=CLIENT)
        for a in made:
            print(f"已创建账号 {a.login}：{a.label}")
        print(f"共创建 {len(made)} 个账号。清单中含有初始密码，请妥善保管或删除该文件，并提醒各人登录后修改密码。")
    return 0


def cmd_audit(args) -> int:
    from . import auditlog
    conn = store.connect(args.db)
    login = "" if args.user == roles.OPERATOR.name else args.user
    rows = auditlog.records(conn, login=login, since=args.since)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("操作日志中没有符合条件的记录")
    for r in rows:
        detail = auditlog.detail_text(json.dumps(r["detail"], ensure_ascii=False)) if isinstance(r["detail"], dict) else r["detail"]
        print(f"{r['time'].replace('T', ' ')}  {r['user']:<12}{r['role']:<5}{r['action_name']:<10}{r['unit'] or '':<8}{detail}")
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


def cmd_propose(args) -> int:
    from . import proposals

    def effective(year: int):  # the targets in force that year, edited ones included, when there is a database
        if not store.exists(args.db):
            return None
        conn = store.connect(args.db)
        try:
            return proposals.effective_targets(conn, year)
        finally:
            conn.close()

    try:
        out = proposals.propose_file(args.report, year=args.year, effective=effective)
    except proposals.NoCommitments as e:
        if args.json:
            print(json.dumps(e.proposed.as_json(), ensure_ascii=False, indent=2))
        else:
            _print_qualitative(e.proposed)
        print(f"错误：{e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(out.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"{out.report}：{len(out.proposals)} 条指标提议（用于 {out.year} 年），{len(out.qualitative)} 条定性表述")
    for p in out.proposals:
        tag = f"{p.status} {p.matches}" if p.matches else p.status
        target = f"{'不少于 ' if p.at_least else ''}{proposals.number_text(p.target)} {p.measure}"
        print(f"  [{tag}] {p.name}：{target}，{proposals.RHYTHM_LABELS.get(p.rhythm, p.rhythm)}（{p.group}）")
        for field, (was, now) in p.differs.items():
            print(f"      与目录不同：{proposals.FIELD_LABELS[field]} 目录为 {proposals.value_text(field, was)}，"
                  f"报告为 {proposals.value_text(field, now)}")
        print(f"      原文：{p.sentence}（{p.section or '正文'}，第 {p.paragraph} 段）")
    _print_qualitative(out)
    if out.missing:
        print("指标目录中本报告未给出数量的指标：")
        for m in out.missing:
            print(f"  - {m['code']} {m['name']}（{m['status']}）")
    return 0


def _print_qualitative(out) -> None:
    if out.qualitative:
        print("定性表述（没有数量，不生成指标）：")
        for q in out.qualitative:
            print(f"  - {q.name}（{q.section or '正文'}，第 {q.paragraph} 段）")


CHANNEL_FLAGS = ("wecom", "dingtalk", "webhook", "email")


def cmd_contact(args) -> int:
    from . import notify
    conn = store.connect(args.db)
    if args.contact_command == "list":
        rows = notify.contacts(conn)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
        if not rows:
            print("还没有设置任何通知渠道（python -m indicators contact set --unit 单位 --wecom URL）")
        for r in rows:
            print(f"{r['target']:<8}{r['channel_name']:<8}{r['address']}{'（已加签）' if r['signed'] else ''}")
        return 0
    actor = _actor(conn, args)
    target = args.unit or args.group
    channel = next(c for c in CHANNEL_FLAGS if getattr(args, c))
    name = _channel_name(channel)
    if args.contact_command == "set":
        if args.secret and channel != "dingtalk":
            _usage("--secret 只用于 --dingtalk（钉钉机器人的加签密钥）")
        notify.set_contact(conn, actor, target, channel, getattr(args, channel), args.secret)
        print(f"已设置「{notify.resolve_target(target)}」的{name}")
    else:
        notify.remove_contact(conn, actor, target, channel)
        print(f"已删除「{notify.resolve_target(target)}」的{name}")
    return 0


def _usage(message: str):
    print(f"参数有误：{message}", file=sys.stderr)
    raise SystemExit(2)


def _print_sends(sends, as_json: bool) -> None:
    if as_json:
        print(json.dumps([s.as_dict() for s in sends], ensure_ascii=False, indent=1))
        return
    if not sends:
        print("没有需要发送的通知（各单位均已提交）")
    for s in sends:
        d = s.as_dict()
        where = f"{d['channel_name']} {d['address']}" if s.channel else "—"
        extra = f"：{d['reason']}" if d["reason"] else ""
        code = f"（错误码 {d['errcode']}）" if d["errcode"] and d["errcode"] not in (d["reason"] or "") else ""
        print(f"{d['kind_name']}  {d['target']:<8}{where}  {d['outcome_name']}{code}{extra}")
        if s.outcome == "dry_run" and s.message is not None:
            print("    " + s.message.text.replace("\n", "\n    "))


def cmd_remind(args) -> int:
    from . import notify
    conn = store.connect(args.db)
    sends = notify.remind(conn, _actor(conn, args), args.year, args.half, dry_run=args.dry_run, again=args.again)
    _print_sends(sends, args.json)
    _no_link(conn, sends)
    return 1 if any(s.outcome == "failed" for s in sends) else 0


def _no_link(conn, sends) -> None:
    """On stderr (the --json output stays one array): messages went out without the link to the page."""
    from . import notify
    if any(s.channel for s in sends) and not notify.setting(conn, "public_url"):
        print("提示：尚未设置看板访问地址（“通知渠道”页面或环境变量 INDICATORS_PUBLIC_URL），消息中没有打开看板的链接",
              file=sys.stderr)


def cmd_deliver(args) -> int:
    from . import notify
    conn = store.connect(args.db)
    sends = notify.deliver(conn, _actor(conn, args), args.to, args.format, args.year, args.half,
                           dry_run=args.dry_run, again=args.again)
    _print_sends(sends, args.json)
    _no_link(conn, sends)
    return 1 if any(s.outcome == "failed" for s in sends) else 0


COMMANDS = {"propose": cmd_propose, "contact": cmd_contact, "remind": cmd_remind, "deliver": cmd_deliver, "migrate": cmd_migrate, "import": cmd_import, "check": cmd_check, "progress": cmd_progress, "template": cmd_template,
            "batches": cmd_batches, "undo": cmd_undo, "demo": cmd_demo, "export": cmd_export, "cycle": cmd_cycle,
            "evidence": cmd_evidence, "user": cmd_user, "audit": cmd_audit,
            "explain": lambda args: cli_review.cmd_explain(args, _actor), "outliers": lambda args: cli_review.cmd_outliers(args)}
