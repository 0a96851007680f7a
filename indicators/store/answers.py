"""Kept answers: the clerk's column mappings (for one header layout) and value aliases, each with who
made it and when, so that the next upload of the same layout passes with no question.

A kept answer is used when a file is read; it never changes rows already stored, and undoing a
batch leaves it alone. Keeping and removing are checked against roles and written to the audit log
in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable

from .. import roles
from ..interpret import Answers, Used
from ..ledgers import LEDGERS, normalise_choice, normalise_header
from ..problems import IndicatorsError
from . import audit

DDL = """
CREATE TABLE IF NOT EXISTS answer_column (
    id INTEGER PRIMARY KEY, ledger TEXT NOT NULL, layout TEXT NOT NULL, header TEXT NOT NULL,
    written TEXT NOT NULL, column_name TEXT NOT NULL, login TEXT NOT NULL, name TEXT NOT NULL,
    unit TEXT, created TEXT NOT NULL, UNIQUE (ledger, layout, header));
CREATE TABLE IF NOT EXISTS answer_value (
    id INTEGER PRIMARY KEY, column_name TEXT NOT NULL, raw TEXT NOT NULL, written TEXT NOT NULL,
    value TEXT NOT NULL, login TEXT NOT NULL, name TEXT NOT NULL, unit TEXT, created TEXT NOT NULL,
    UNIQUE (column_name, raw));
"""
KINDS = {"column": "answer_column", "value": "answer_value"}


def kept(conn: sqlite3.Connection, given: Answers | None = None) -> Answers:
    """The kept answers (as `Answers`, ready for imports.parse_file), with the answers `given` now on top."""
    out = given or Answers()
    for r in conn.execute("SELECT ledger, layout, header, column_name FROM answer_column"):
        out.kept_columns.setdefault((r["ledger"], r["layout"]), {})[r["header"]] = r["column_name"]
    for r in conn.execute("SELECT column_name, raw, value FROM answer_value"):
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
    from .connection import transaction  # connection imports schema, which imports this module's DDL
    with transaction(conn):
        for u in used:
            if u.kind == "column":
                conn.execute(
                    "INSERT INTO answer_column (ledger, layout, header, written, column_name, login, name, unit, created) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ledger, layout, header) DO UPDATE SET "
                    "written = excluded.written, column_name = excluded.column_name, login = excluded.login, "
                    "name = excluded.name, unit = excluded.unit, created = excluded.created",
                    (u.ledger, u.layout, normalise_header(u.subject), u.subject, u.target, actor.login, actor.name,
                     actor.unit, when))
                detail = {"台账": LEDGERS[u.ledger].name, "列名": u.subject, "对应": u.target}
            else:
                conn.execute(
                    "INSERT INTO answer_value (column_name, raw, written, value, login, name, unit, created) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (column_name, raw) DO UPDATE SET "
                    "written = excluded.written, value = excluded.value, login = excluded.login, "
                    "name = excluded.name, unit = excluded.unit, created = excluded.created",
                    (normalise_header(u.column), normalise_choice(u.subject), u.subject, u.target, actor.login,
                     actor.name, actor.unit, when))
                detail = {"列": u.column, "写法": u.subject, "按": u.target}
            audit.record(conn, actor, "keep_answer", unit=actor.unit, detail={"种类": _KIND_NAMES[u.kind], **detail},
                         client=client, now=now)
    return len(used)


_KIND_NAMES = {"column": "列名对应", "value": "取值别名"}


def listing(conn: sqlite3.Connection) -> list[dict]:
    """Every kept answer, newest first: kind, id, what it says (Chinese), who made it and when."""
    rows = []
    for r in conn.execute("SELECT * FROM answer_column"):
        rows.append({"kind": "column", "id": r["id"], "种类": _KIND_NAMES["column"], "台账": LEDGERS[r["ledger"]].name,
                     "内容": f"列「{r['written']}」是「{r['column_name']}」", "适用": "相同表头的文件",
                     "保存人": r["name"], "login": r["login"], "保存时间": r["created"].replace("T", " ")})
    for r in conn.execute("SELECT * FROM answer_value"):
        rows.append({"kind": "value", "id": r["id"], "种类": _KIND_NAMES["value"], "台账": "",
                     "内容": f"{r['column_name']}「{r['written']}」按「{r['value']}」读取", "适用": f"「{r['column_name']}」列",
                     "保存人": r["name"], "login": r["login"], "保存时间": r["created"].replace("T", " ")})
    return sorted(rows, key=lambda r: r["保存时间"], reverse=True)


def remove(conn: sqlite3.Connection, actor: roles.Actor, kind: str, answer_id: int, *, client: str | None = None,
           now: dt.datetime | None = None) -> None:
    """Remove one kept answer. Rows already stored stay as they are.

    Raises IndicatorsError when `actor` may not remove answers, when a clerk tries to remove another
    user's answer (administrators may remove any), or when there is no such answer.
    """
    roles.require(actor, "remove_answer")
    table = KINDS[kind]
    from .connection import transaction  # connection imports schema, which imports this module's DDL
    with transaction(conn):
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            raise IndicatorsError("该回答已不存在（可能已被删除），请刷新页面")
        if actor.role != roles.ADMIN and row["login"] != actor.login:
            raise IndicatorsError(f"{actor.label}只能删除自己保存的回答；这条由「{row['name']}」保存，如需删除请联系管理员")
        conn.execute(f"DELETE FROM {table} WHERE id = ?", (answer_id,))
        detail = {k: row[k] for k in row.keys() if k != "id"}  # noqa: SIM118 (sqlite3.Row)
        audit.record(conn, actor, "remove_answer", unit=row["unit"], detail={"种类": _KIND_NAMES[kind], **detail},
                     client=client, now=now)


def version(conn: sqlite3.Connection) -> tuple:
    """Changes whenever an answer is kept or removed (a page's cached check must then be redone)."""
    return tuple(conn.execute(f"SELECT COUNT(*), MAX(id), MAX(created) FROM {t}").fetchone()[:] for t in KINDS.values())
