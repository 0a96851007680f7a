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


def scope_of(actor: roles.Actor) -> str:
    """Whose uploads an answer by `actor` applies to: a clerk's, their own unit's only; an administrator's
    (or the machine's operator's), everyone's."""
    return actor.unit if actor.role == roles.CLERK and actor.unit else store.answers.EVERYONE


def _scopes(actor: roles.Actor) -> list[str]:
    """The scopes an upload by `actor` reads: everyone's, and a clerk's own unit's (which win)."""
    mine = scope_of(actor)
    return [store.answers.EVERYONE] + ([mine] if mine != store.answers.EVERYONE else [])


def kept(conn: sqlite3.Connection, given: Answers | None = None, actor: roles.Actor = roles.OPERATOR) -> Answers:
    """The kept answers that apply to an upload by `actor` (as `Answers`, ready for imports.parse_file): the
    administrators' for everyone, and for a clerk their own unit's on top, never another unit's; the answers
    `given` now on top of all."""
    out = given or Answers()
    order = {s: i for i, s in enumerate(_scopes(actor))}
    for r in sorted(store.answers.columns(conn, list(order)), key=lambda r: order[r["scope"]]):
        out.kept_columns.setdefault((r["ledger"], r["layout"]), {})[r["header"]] = r["column_name"]
    for r in sorted(store.answers.values(conn, list(order)), key=lambda r: order[r["scope"]]):
        out.kept_values[(r["column_name"], r["raw"])] = r["value"]
    return out


UNIT_COLUMN = normalise_header("单位")


def check_keep(conn: sqlite3.Connection, actor: roles.Actor, used: Iterable[Used]) -> None:
    """Raise IndicatorsError (nothing kept) when `actor` may not keep these answers: a clerk's answer that
    reads a value as another unit, or an answer to a question someone else already answered differently
    in the same scope (nobody overwrites another's answer silently; they remove it first)."""
    used = list(used)
    if not used:
        return
    roles.require(actor, "keep_answer")
    scope = scope_of(actor)
    for u in used:
        if u.kind == "value" and normalise_header(u.column) == UNIT_COLUMN and actor.role == roles.CLERK \
                and u.target != actor.unit:
            raise IndicatorsError(f"{actor.label}只能把写法对应到本单位（{actor.unit}），不能把「{u.subject}」读作"
                                  f"「{u.target}」；未保存任何回答")
        if u.kind == "column":
            old = store.answers.column_answer(conn, scope, u.ledger, u.layout, normalise_header(u.subject))
            same = old is None or old["column_name"] == u.target
        else:
            old = store.answers.value_answer(conn, scope, normalise_header(u.column), normalise_choice(u.subject))
            same = old is None or old["value"] == u.target
        if not same and old["login"] != actor.login:
            said = old["column_name"] if u.kind == "column" else old["value"]
            raise IndicatorsError(f"「{u.subject}」已由{old['name']}保存为「{said}」，不能覆盖别人的回答；"
                                  "如确需改变，请先在「已保存的回答」页面删除（填报员只能删除自己的，其余请联系管理员）；"
                                  "未保存任何回答")


def keep(conn: sqlite3.Connection, actor: roles.Actor, used: Iterable[Used], *, client: str | None = None,
         now: dt.datetime | None = None) -> int:
    """Keep the answers a file used (imports.Parsed.used) for `actor`'s scope (scope_of), replacing the
    actor's own earlier answer to the same question.

    Raises IndicatorsError (nothing kept) when `actor` may not keep them (check_keep). Returns how many were kept.
    """
    used = list(dict.fromkeys(used))
    if not used:
        return 0
    roles.require(actor, "keep_answer")
    when = (now or dt.datetime.now()).isoformat(timespec="seconds")
    who = (actor.login, actor.name, actor.unit, when)
    scope = scope_of(actor)
    with store.transaction(conn):
        check_keep(conn, actor, used)
        for u in used:
            if u.kind == "column":
                store.answers.save_column(conn, scope, u.ledger, u.layout, normalise_header(u.subject), u.subject,
                                          u.target, *who)
                detail = {"台账": LEDGERS[u.ledger].name, "列名": u.subject, "对应": u.target}
            else:
                store.answers.save_value(conn, scope, normalise_header(u.column), normalise_choice(u.subject),
                                         u.subject, u.target, *who)
                detail = {"列": u.column, "写法": u.subject, "按": u.target}
            store.audit.record(conn, actor, "keep_answer", unit=actor.unit,
                               detail={"种类": KIND_NAMES[u.kind], "适用": _applies(scope), **detail}, client=client,
                               now=now)
    return len(used)


def _applies(scope: str) -> str:
    return "所有单位的上传" if scope == store.answers.EVERYONE else f"{scope}的上传"


def listing(conn: sqlite3.Connection, actor: roles.Actor = roles.OPERATOR) -> list[dict]:
    """The kept answers `actor` may see (an administrator every one; a clerk everyone's and their own unit's),
    newest first: kind, id, what it says (Chinese), whose uploads it applies to, who made it and when."""
    scopes = None if actor.role != roles.CLERK else _scopes(actor)
    rows = [{"kind": "column", "id": r["id"], "种类": KIND_NAMES["column"], "台账": LEDGERS[r["ledger"]].name,
             "内容": f"列「{r['written']}」是「{r['column_name']}」", "适用": f"{_applies(r['scope'])}（相同表头的文件）",
             "保存人": r["name"], "login": r["login"], "保存时间": r["created"].replace("T", " ")}
            for r in store.answers.columns(conn, scopes)]
    rows += [{"kind": "value", "id": r["id"], "种类": KIND_NAMES["value"], "台账": "",
              "内容": f"{r['column_name']}「{r['written']}」按「{r['value']}」读取",
              "适用": f"{_applies(r['scope'])}（「{r['column_name']}」列）",
              "保存人": r["name"], "login": r["login"], "保存时间": r["created"].replace("T", " ")}
             for r in store.answers.values(conn, scopes)]
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
        if actor.role != roles.ADMIN and (row["login"] != actor.login or row["scope"] != scope_of(actor)):
            raise IndicatorsError(f"{actor.label}只能删除自己保存的回答；这条由「{row['name']}」保存，如需删除请联系管理员")
        store.answers.delete(conn, kind, answer_id)
        detail = {k: v for k, v in row.items() if k != "id"}
        store.audit.record(conn, actor, "remove_answer", unit=row["unit"], detail={"种类": KIND_NAMES[kind], **detail},
                           client=client, now=now)
