"""Import and undo, the use cases: who may store which rows, and who may take them back.

Each use case is one function that authorises, checks the reporting cycle's locks, writes and
audits inside one store transaction:

- "may this clerk import this row" is answered here and nowhere else: a 领导 imports nothing, a
  填报员 only rows of their own unit, and one row of another unit refuses the whole file, naming the
  rows (`other_unit_problems`; `refuse_other_units` for the upload's check, `check_allowed` at import);
- `import_parsed` stores a parsed file as one batch (store/ledger_rows.py holds the SQL);
- `check_undo_allowed` and `undo` take a batch back (store/batches.py holds the SQL), and
  `as_if_undone` reads the database as an undo would leave it, for the confirmation;
- `visible_to`: which batches of the history an actor may see.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import polars as pl

from . import cycle, roles, store
from .config import default_catalog
from .imports import Parsed
from .ledgers import LEDGERS
from .problems import IndicatorsError, Problem
from .roles import OPERATOR, Actor
from .store.ledger_rows import KindResult, write_batch


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    parsed: Parsed
    batch_id: int | None = None
    already: dict | None = None  # the earlier batch holding the very same file
    kinds: dict[str, KindResult] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.parsed.ok

    @property
    def added(self) -> int:
        return sum(k.added for k in self.kinds.values())

    @property
    def updated(self) -> int:
        return sum(k.updated for k in self.kinds.values())

    @property
    def unchanged(self) -> int:
        return sum(k.unchanged for k in self.kinds.values())

    def summary(self) -> str:
        """One Chinese sentence for the user."""
        name = self.parsed.file
        if not self.ok:
            return f"{name}：发现 {len(self.parsed.problems)} 个问题，未导入任何数据"
        if self.already:
            return (f"{name}：该文件已于 {store.created_label(self.already)} 导入（批次 {self.already['id']}），"
                    "本次未作任何改动")
        verb = "将" if self.dry_run else "已"
        parts = [f"{LEDGERS[k].name} {r.rows} 行（新增 {r.added}、更新 {r.updated}、未变 {r.unchanged}）"
                 for k, r in self.kinds.items()]
        return f"{name}：{verb}导入 " + "；".join(parts)


def other_unit_problems(parsed: Parsed, unit: str) -> list[Problem]:
    """One problem per row of an accepted file that belongs to a unit other than `unit` (a clerk's own):
    such a file is refused whole. Sheet, row and 单位 cell named, in file order."""
    out = []
    for records in parsed.records.values():
        for r in records.filter(pl.col("unit") != unit).select("_sheet", "_row", "unit").iter_rows(named=True):
            header, letter = parsed.unit_columns.get(r["_sheet"], ("单位", ""))
            out.append(Problem("other_unit", parsed.file, r["_sheet"], r["_row"], header,
                               f"{letter}{r['_row']}" if letter else "", r["unit"], unit))
    return sorted(out, key=lambda p: (p.sheet, p.row or 0))


def refuse_other_units(parsed: Parsed, unit: str) -> Parsed:
    """The file as a clerk of `unit` may import it: refused (records dropped, every foreign row a problem)
    when any row is another unit's; unchanged otherwise."""
    problems = other_unit_problems(parsed, unit) if parsed.ok else []
    return replace(parsed, problems=problems, records={}) if problems else parsed


def _ranges(rows: list[int]) -> str:
    """[4, 5, 6, 9] -> '4-6、9'."""
    rows, out, start = sorted(rows), [], None
    for i, r in enumerate(rows):
        start = r if start is None else start
        if i + 1 == len(rows) or rows[i + 1] != r + 1:
            out.append(str(start) if start == r else f"{start}-{r}")
            start = None
    return "、".join(out)


def _rows_text(problems, most: int = 6) -> str:
    """'工作表「台账」第 4-5 行（卫滨区）' for the refusal message; the first `most` groups, then how many more."""
    groups: dict[tuple[str, str], list[int]] = {}
    for p in problems:
        groups.setdefault((p.sheet, p.value), []).append(p.row)
    parts = [f"工作表「{sheet}」第 {_ranges(rows)} 行（{unit}）" for (sheet, unit), rows in groups.items()]
    return "；".join(parts[:most]) + (f"；另有 {len(parts) - most} 处" if len(parts) > most else "")


def check_allowed(conn: sqlite3.Connection, parsed: Parsed, actor: Actor, *, client: str | None = None,
                  audit_refusal: bool = True) -> None:
    """Raise IndicatorsError unless `actor` may import every row of the file: a 领导 imports nothing, a
    填报员 only their own unit's rows (one row of another unit refuses the whole file, naming the rows).
    A refusal is written to the audit log (unless `audit_refusal` is false: a dry run)."""
    try:
        roles.require(actor, "import")
        if actor.role == roles.CLERK:
            foreign = other_unit_problems(parsed, actor.unit)
            if foreign:
                order = {u: i for i, u in enumerate(default_catalog().unit_names)}
                units = sorted({p.value for p in foreign}, key=lambda u: order.get(u, len(order)))
                raise IndicatorsError(
                    f"{actor.label}只能导入本单位（{actor.unit}）的台账；文件「{parsed.file}」中有 {len(foreign)} 行属于"
                    f"其他单位（{'、'.join(units)}）：{_rows_text(foreign)}。整份文件未导入，请删除这些行后重新上传")
    except IndicatorsError as e:
        if audit_refusal:
            store.audit.record(conn, actor, "import_refused", unit=actor.unit,
                               detail={"file": parsed.file, "checksum": parsed.checksum, "reason": str(e)},
                               client=client)
        raise


def import_parsed(conn: sqlite3.Connection, parsed: Parsed, *, dry_run: bool = False, demo: bool = False,
                  now: dt.datetime | None = None, actor: Actor = OPERATOR, client: str | None = None) -> ImportResult:
    """Store a parsed file as one batch, in one transaction, as done by `actor`.

    Takes a `Parsed` from imports.parse_file. Returns an ImportResult: nothing is stored when the
    file has problems, when the same file (same checksum) is already imported, or for a dry run
    (which still reports what would be added and updated). Raises IndicatorsError (Chinese), storing
    nothing, when the actor may not import it (`check_allowed`), when a row would change a period
    locked for `actor` (indicators.cycle), or when the database is busy past the wait, read-only, or
    the disk is full at any step, COMMIT included (store.ledger_rows.write_batch). Every import and
    every refusal (other than a dry run) is written to the audit log with the actor.
    """
    result = ImportResult(parsed, dry_run=dry_run)
    if not parsed.ok:
        if not dry_run:
            store.audit.record(conn, actor, "import_refused", unit=actor.unit, client=client,
                               detail={"file": parsed.file, "checksum": parsed.checksum,
                                       "problems": len(parsed.problems),
                                       "codes": sorted({p.code for p in parsed.problems})})
        return result
    check_allowed(conn, parsed, actor, client=client, audit_refusal=not dry_run)
    now = now or dt.datetime.now()
    with write_batch(conn, parsed) as write:
        result.already = write.earlier()
        if result.already:
            return result
        cycle.refuse_locked(conn, actor, parsed.records, today=now.date())
        result.kinds = write.add(now=now, demo=demo, login=actor.login, user_name=actor.name)
        if dry_run:
            write.roll_back()
            return result
        units = write.keep()
        store.audit.record(conn, actor, "import", unit=units[0] if len(units) == 1 else None, client=client, now=now,
                           detail={"batch": write.batch_id, "file": parsed.file, "checksum": parsed.checksum,
                                   "rows": parsed.rows, "added": result.added, "updated": result.updated,
                                   "unchanged": result.unchanged, "units": units, "kinds": list(result.kinds),
                                   "demo": demo})
    result.batch_id = write.batch_id
    return result


def visible_to(b: dict, actor: Actor) -> bool:
    """Whether `actor` may see this batch in the history: a clerk only batches wholly of their own unit
    (a batch holding other units' rows would show them in its original file)."""
    if not roles.may(actor, "history"):
        return False
    if actor.role != roles.CLERK:
        return True
    units = store.batch_units(b)
    return bool(units) and all(u == actor.unit for u in units)


def check_undo_allowed(b: dict, actor: Actor) -> None:
    """Raise IndicatorsError unless `actor` may undo batch `b`: never a 领导, a clerk only a batch of
    their own unit alone."""
    roles.require(actor, "undo")
    for u in store.batch_units(b) or [None]:
        if actor.role == roles.CLERK and u != actor.unit:
            if u is None:
                raise IndicatorsError(f"{actor.label}只能撤销本单位（{actor.unit}）的导入批次")
            raise IndicatorsError(f"{actor.label}只能撤销本单位（{actor.unit}）的导入批次；批次 {b['id']}"
                                  f"（{b['file_name']}）含有「{u}」的数据，不能撤销，请联系管理员")


def _check_undoable(conn: sqlite3.Connection, batch_id: int, actor: Actor, today: dt.date) -> dict:
    """The batch, when `actor` may undo it now; else IndicatorsError saying why."""
    b = store.batch(conn, batch_id)
    check_undo_allowed(b, actor)
    if b["undone"]:
        raise IndicatorsError(f"批次 {batch_id}（{b['file_name']}）已于 {b['undone'][:16]} 撤销过")
    blockers = store.undo_blockers(conn, batch_id)
    if blockers:
        raise IndicatorsError(f"批次 {batch_id} 导入的部分行已被其后的批次 {'、'.join(map(str, blockers))} 修改，请先撤销这些批次")
    cycle.refuse_locked_undo(conn, actor, batch_id, today=today)
    return b


def undo(conn: sqlite3.Connection, batch_id: int, now: dt.datetime | None = None, *, actor: Actor = OPERATOR,
         client: str | None = None) -> dict:
    """Undo one import as `actor`: remove the rows it added and restore the rows it updated, in one transaction.

    Returns the batch record. Raises IndicatorsError when the actor may not undo it (a 领导; a clerk
    and another unit's batch), the batch does not exist, is already undone, later imports changed
    the same rows (those must be undone first), or a row it would change is in a period locked for
    `actor` (indicators.cycle). The undo, or its refusal, is written to the audit log.
    """
    refused = None
    try:
        with store.transaction(conn):  # checked inside: an import over the same rows cannot slip in between
            try:
                b = _check_undoable(conn, batch_id, actor, (now or dt.datetime.now()).date())
            except IndicatorsError as e:
                refused = e
                raise
            units = store.batch_units(b)
            store.undo_batch(conn, batch_id, (now or dt.datetime.now()).isoformat(timespec="seconds"), actor.login)
            store.audit.record(conn, actor, "undo", unit=units[0] if len(units) == 1 else None, client=client, now=now,
                               detail={"batch": batch_id, "file": b["file_name"], "removed": b["added"],
                                       "restored": b["updated"], "units": units,
                                       "imported_by": b.get("user_name") or b.get("login") or ""})
    except IndicatorsError:
        if refused is not None:  # recorded after the rollback, so that the refusal itself is kept
            store.audit.record(conn, actor, "undo_refused", unit=actor.unit,
                               detail={"batch": batch_id, "reason": str(refused)}, client=client, now=now)
        raise
    store.checkpoint(conn)
    return store.batch(conn, batch_id)


@contextmanager
def as_if_undone(conn: sqlite3.Connection, batch_id: int, *, actor: Actor = OPERATOR):
    """Inside the block the database reads as if `batch_id` were undone; nothing is kept afterwards.

    For the confirmation that says which figures an undo will change. Raises IndicatorsError like `undo`
    (including when `actor` may not undo it).
    """
    with store.rolled_back(conn):
        _check_undoable(conn, batch_id, actor, dt.date.today())
        store.preview_undo(conn, batch_id)
        yield conn
