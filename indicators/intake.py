"""What the data-in pages show, computed without Streamlit: an upload's check and preview, the
import history, and what an undo would change."""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

import pandas as pd

from . import importing, imports, kept_answers, progress, roles, store
from .config import Catalog, default_catalog
from .ledgers import LEDGERS
from .problems import IndicatorsError
from .roles import OPERATOR, Actor
from .interpret import Answers, Question
from .ledgers import normalise_choice, normalise_header

DECLINE = "确实有误，我去改表"  # the answer to a value question that leaves the refusal standing


@dataclass
class Checked:
    """An uploaded file judged and, when accepted, imported as a dry run (nothing stored)."""

    parsed: imports.Parsed
    plan: importing.ImportResult | None  # the dry run; None when refused
    moved: list[dict]
    locked: str | None = None  # why the rows may not change now (a reviewed or closed period), nothing stored

    @property
    def ok(self) -> bool:
        return self.parsed.ok and not self.locked

    @property
    def already(self) -> dict | None:
        return self.plan.already if self.plan else None


def check_upload(conn: sqlite3.Connection, data: bytes, name: str, on_stage=None, catalog: Catalog | None = None, *,
                 answers: Answers | None = None, actor: Actor = OPERATOR, client: str | None = None) -> Checked:
    """Read, judge and dry-run one upload as `actor`, with the clerk's answers given now (`answers`) and
    the kept ones. `on_stage(fraction, text)` is told how far it got.

    A clerk's file holding another unit's rows comes back refused, each such row a problem (so that
    the table and the annotated workbook name them). A refused file is written to the audit log.
    Raises IndicatorsError when the actor may not import at all (a 领导).
    """
    roles.require(actor, "import")
    given = Answers(dict(answers.columns), dict(answers.values)) if answers else None
    parsed = imports.parse_file(data, name, catalog, on_stage=on_stage, answers=kept_answers.kept(conn, given))
    if actor.role == roles.CLERK:
        parsed = importing.refuse_other_units(parsed, actor.unit)
    if not parsed.ok:
        store.audit.record(conn, actor, "import_refused", unit=actor.unit, client=client,
                           detail={"file": parsed.file, "checksum": parsed.checksum, "problems": len(parsed.problems),
                                   "codes": sorted({p.code for p in parsed.problems})})
        return Checked(parsed, None, [])
    if on_stage:
        on_stage(0.9, "正在比对已有数据……")
    try:
        plan = importing.import_parsed(conn, parsed, dry_run=True, actor=actor)
    except IndicatorsError as e:  # the rows fall in a locked period: said before the clerk confirms
        return Checked(parsed, None, [], locked=str(e))
    return Checked(parsed, plan, imports.indicators_moved(parsed, catalog))


def confirm_upload(conn: sqlite3.Connection, parsed: imports.Parsed, actor: roles.Actor, *,
                   client: str | None = None) -> importing.ImportResult:
    """Import an accepted file and keep the answers it used (by `actor`), so the same layout passes next time."""
    if parsed.used:
        roles.require(actor, "keep_answer")
    result = importing.import_parsed(conn, parsed, actor=actor, client=client)
    if result.ok:
        kept_answers.keep(conn, actor, parsed.used)
    return result


def questions(parsed: imports.Parsed) -> list[Question]:
    """The questions of a refused file, each once (the same header or value in several sheets is one question)."""
    return list({q.key: q for q in parsed.questions}.values())


def answer(answers: Answers, q: Question, choice: str | None) -> None:
    """Record the clerk's choice for a question into `answers` (DECLINE or no choice removes it)."""
    if q.kind == "column":
        key = normalise_header(q.subject)
        if choice:
            answers.columns[key] = choice
        else:
            answers.columns.pop(key, None)
    elif choice and choice != DECLINE:
        answers.add_value(q.column, q.subject, choice)
    else:
        answers.values.pop((normalise_header(q.column), normalise_choice(q.subject)), None)


def interpretations_frame(parsed: imports.Parsed) -> pd.DataFrame:
    """Every reading made by meaning, with the rows it touched: what the preview lists."""
    return pd.DataFrame([r.as_dict() for r in parsed.interpretations], columns=["工作表", "解读", "涉及行数"])


def answers_frame(conn: sqlite3.Connection) -> pd.DataFrame:
    """The kept answers as the page lists them."""
    return pd.DataFrame(kept_answers.listing(conn), columns=["kind", "id", "种类", "台账", "内容", "适用", "保存人",
                                                             "login", "保存时间"])


PROBLEM_COLUMNS = ["工作表", "行", "列", "问题", "修改方法", "值", "单元格"]


def problems_frame(parsed: imports.Parsed) -> pd.DataFrame:
    """The problem table as the page shows it under the file's name (so no 文件 column): where, what is
    wrong and how to fix it first, the value and the cell after."""
    return pd.DataFrame([p.as_dict() for p in parsed.problems], columns=PROBLEM_COLUMNS)


def plan_frame(plan: importing.ImportResult) -> pd.DataFrame:
    """Per ledger kind: rows, added, updated, unchanged, period covered, units."""
    rows = []
    for kind, r in plan.kinds.items():
        start, end = r.period or ("", "")
        rows.append({"台账": LEDGERS[kind].name, "行数": r.rows, "新增": r.added, "更新": r.updated, "未变": r.unchanged,
                     "起始日期": start, "截止日期": end, "涉及单位数": len(r.units)})
    return pd.DataFrame(rows)


def units_frame(plan: importing.ImportResult) -> pd.DataFrame:
    """Rows per unit and ledger kind, units as rows."""
    data = {LEDGERS[k].name: r.units for k, r in plan.kinds.items()}
    frame = pd.DataFrame(data).fillna(0).astype(int)
    frame.index.name = "单位"
    return frame.reset_index()


def history_frame(conn: sqlite3.Connection, actor: Actor = OPERATOR) -> pd.DataFrame:
    """Every import `actor` may see (a clerk: their own unit's batches only), newest first, Chinese column names."""
    rows = []
    for b in store.batches(conn):
        if not importing.visible_to(b, actor):
            continue
        state = "已撤销" if b["undone"] else ("有效（示例数据）" if b["demo"] else "有效")
        rows.append({"批次": b["id"], "导入时间": store.created_label(b), "文件名": b["file_name"], "方式": b.get("source") or "上传文件",
                     "校验值": b["checksum"][:12], "台账": "、".join(LEDGERS[k].name for k in b["kinds"].split(",") if k),
                     "行数": b["rows"], "新增": b["added"], "更新": b["updated"], "未变": b["unchanged"],
                     "涉及单位": "、".join(filter(None, b["units"].split(","))),
                     "期间": f"{b['period_start'] or ''} 至 {b['period_end'] or ''}", "状态": state,
                     "撤销时间": (b["undone"] or "").replace("T", " ")[:16],
                     "导入人": b.get("user_name") or ("本机操作员" if not b.get("login") else b["login"])})
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


# who and what first: the checksum (for tracing a file, rarely read) last, so that it never pushes 导入人 off the screen
HISTORY_COLUMNS = ["批次", "导入时间", "导入人", "文件名", "方式", "状态", "台账", "行数", "新增", "更新", "未变", "涉及单位",
                   "期间", "撤销时间", "校验值"]


def undo_effect(conn: sqlite3.Connection, batch_id: int, today: dt.date | None = None, *,
                actor: Actor = OPERATOR) -> pd.DataFrame:
    """The figures an undo would change, for every year the batch covers (as of year end, or today
    in the current year): 年度, 单位, 指标, 撤销前, 撤销后, 状态变化. Raises IndicatorsError when the
    batch cannot be undone."""
    b = store.batch(conn, batch_id)
    importing.check_undo_allowed(b, actor)
    years = range(int((b["period_start"] or "0")[:4] or 0), int((b["period_end"] or "0")[:4] or 0) + 1)
    periods = [progress.period(y, today=today) for y in years if y > 0]
    before = [progress.compute(conn, p) for p in periods]
    with importing.as_if_undone(conn, batch_id, actor=actor):
        after = [progress.compute(conn, p) for p in periods]
    parts = []
    for p, x, y in zip(periods, before, after):
        d = progress.differences(x, y)
        if len(d):
            parts.append(pd.DataFrame({
                "期间": p.label, "单位": d.unit, "指标": d.indicator + " " + d.name,
                "撤销前": d.value_before.fillna(0).round(1), "撤销后": d.value_after.fillna(0).round(1),
                "状态变化": [a if a == c else f"{a} → {c}" for a, c in zip(d.status_before, d.status_after)]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["期间", "单位", "指标", "撤销前", "撤销后", "状态变化"])


def unit_names(catalog: Catalog | None = None) -> list[str]:
    return (catalog or default_catalog()).unit_names
