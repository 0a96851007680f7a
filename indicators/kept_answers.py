"""Kept answers, the use cases: keep the answers a file used, list them, remove one.

A kept answer (a column mapping for one header layout, or a value alias) is used when a file is
read, so that the next upload of the same layout passes with no question. It never changes rows
already stored, and undoing a batch leaves it alone. Keeping and removing are authorised here
(roles.require; a clerk removes only their own), written and audited in one transaction; the SQL
is store/answers.py.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable

from . import roles, store
from .interpret import Answers, Used
from .ledgers import LEDGERS, normalise_choice, normalise_header
from .problems import IndicatorsError

KIND_NAMES = {"column": "列名对应", "value": "取值别名"}


def kept(conn: sqlite3.Connection, given: Answers | None = None) -> Answers:
    """The kept answers (as `Answers`, ready for imports.parse_file), with the answers `given` now on top."""
    out = given or Answers()
    for r in store.answers.columns(conn):
        out.kept_columns.setdefault((r["ledger"], r["layout"]), {})[r["header"]] = r["column_name"]
    for r in store.answers.values(conn):
        out.kept_values[(r["column_name"], r["raw"])] = r["value"]
    return out


def keep(conn: sqlite3.Connection, actor: roles.Actor, used: Iterable[Used], *, client: str | None = None,
         now: dt.datetime | None = None) -> int:
    """Keep the answers a file used (imports.Parsed.used), replacing an earlier answer to the same question.

    Raises IndicatorsError when `actor` may not keep answers. Returns how many were kept.
    """
    used = list(dict.fromkeys(used))
    if not used:
        return 0
    roles.require(actor, "keep_answer")
    when = (now or dt.datetime.now()).isoformat(timespec="seconds")
    who = (actor.login, actor.name, actor.unit, when)
    with store.transaction(conn):
        for u in used:
            if u.kind == "column":
                store.answers.save_column(conn, u.ledger, u.layout, normalise_header(u.subject), u.subject, u.target,
                                          *who)
                detail = {"台账": LEDGERS[u.ledger].name, "列名": u.subject, "对应": u.target}
            else:
                store.answers.save_value(conn, normalise_header(u.column), normalise_choice(u.subject), u.subject,
                                         u.target, *who)
                detail = {"列": u.column, "写法": u.subject, "按": u.target}
            store.audit.record(conn, actor, "keep_answer", unit=actor.unit,
                               detail={"种类": KIND_NAMES[u.kind], **detail}, client=client, now=now)
    return len(used)


def listing(conn: sqlite3.Connection) -> list[dict]:
    """Every kept answer, newest first: kind, id, what it says (Chinese), who made it and when."""
    rows = [{"kind": "column", "id": r["id"], "种类": KIND_NAMES["column"], "台账": LEDGERS[r["ledger"]].name,
             "内容": f"列「{r['written']}」是「{r['column_name']}」", "适用": "相同表头的文件",
             "保存人": r["name"], "login": r["login"], "保存时间": r["created"].replace("T", " ")}
            for r in store.answers.columns(conn)]
    rows += [{"kind": "value", "id": r["id"], "种类": KIND_NAMES["value"], "台账": "",
              "内容": f"{r['column_name']}「{r['written']}」按「{r['value']}」读取", "适用": f"「{r['column_name']}」列",
              "保存人": r["name"], "login": r["login"], "保存时间": r["created"].replace("T", " ")}
             for r in store.answers.values(conn)]
    return sorted(rows, key=lambda r: r["保存时间"], reverse=True)


def remove(conn: sqlite3.Connection, actor: roles.Actor, kind: str, answer_id: int, *, client: str | None = None,
           now: dt.datetime | None = None) -> None:
    """Remove one kept answer. Rows already stored stay as they are.

    Raises IndicatorsError when `actor` may not remove answers, when a clerk tries to remove another
    user's answer (administrators may remove any), or when there is no such answer.
    """
    roles.require(actor, "remove_answer")
    with store.transaction(conn):
        row = store.answers.one(conn, kind, answer_id)
        if row is None:
            raise IndicatorsError("该回答已不存在（可能已被删除），请刷新页面")
        if actor.role != roles.ADMIN and row["login"] != actor.login:
            raise IndicatorsError(f"{actor.label}只能删除自己保存的回答；这条由「{row['name']}」保存，如需删除请联系管理员")
        store.answers.delete(conn, kind, answer_id)
        detail = {k: v for k, v in row.items() if k != "id"}
        store.audit.record(conn, actor, "remove_answer", unit=row["unit"], detail={"种类": KIND_NAMES[kind], **detail},
                           client=client, now=now)
