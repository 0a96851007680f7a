"""在线填报: ledger rows typed into the page (or given on the command line) instead of a workbook, and a
stored row corrected where it stands.

A typed table is written as the CSV a clerk could have uploaded (the ledger's columns in the template's
order under their canonical headers) and read by imports.parse_file: the very same reader and checks as
an upload, so the same problem records and Chinese messages; only the row is renamed to the row as the
clerk sees it in the table. It is stored by store.write_batch as one batch (kind 在线填报), with its
role rules, locks, audit and undo. A correction is a batch of its own (kind 更正) naming the row, the old
and new values and the reason: authorised, checked, lock-checked, written and audited in one transaction.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
from dataclasses import dataclass, field

import polars as pl

from . import roles, store
from .config import Catalog, default_catalog
from .evidence import RowRef
from .ledgers import DATE, INT, LEDGERS, NUMBER, Column, Ledger, normalise_header
from .problems import IndicatorsError, Problem
from .roles import OPERATOR, Actor
from .store import audit
from .store import entry as entry_store

# One typed table is a few sessions of one unit; 500 rows is far beyond any unit's half-year of any ledger
# (the city's busiest ledger had 60). Past it the grid and its checks are not the tool: a workbook is.
MAX_ROWS = 500
ENTRY, CORRECTION = "在线填报", "更正"  # batch.source
SOURCES = {None: "上传文件", "": "上传文件", ENTRY: ENTRY, CORRECTION: CORRECTION}


def columns(kind: str) -> tuple[Column, ...]:
    """The ledger's columns in the template's order (the table's columns, left to right)."""
    return LEDGERS[kind].columns


def column_named(kind: str, name: str) -> Column | None:
    """The column of ledger `kind` a user means by `name` (its header or a listed variant), or None."""
    wanted = normalise_header(name)
    return next((c for c in LEDGERS[kind].columns if wanted in c.header_forms()), None)


def cell_text(value) -> str | None:
    """A cell of the typed table as the text a workbook would hold: dates as 2025-03-01, whole numbers without
    a decimal point, empty as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(value, (dt.datetime,)) or hasattr(value, "to_pydatetime"):
        return value.date().isoformat() if hasattr(value, "date") else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return text if text.strip() else None


def _table_csv(ledger: Ledger, rows: list[dict]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow([c.name for c in ledger.columns])
    for r in rows:
        out.writerow(["" if (v := cell_text(r.get(c.name))) is None else v for c in ledger.columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


@dataclass
class Checked:
    """A typed table judged: the parsed file (records only when ok), its problems named by table row."""

    kind: str
    parsed: "imports.Parsed"  # noqa: F821
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return self.parsed.rows


def _grid_row(p: Problem) -> Problem:
    """A problem of the CSV (header on line 1) named by the table's row (the first typed row is 第 1 行)."""
    extra = p.extra
    if p.code == "duplicate_row" and extra.isdigit():
        extra = str(int(extra) - 1)
    return dataclasses.replace(p, sheet="", cell="", row=p.row - 1 if p.row else p.row, extra=extra)


def check(conn, actor: Actor, kind: str, rows: list[dict], catalog: Catalog | None = None) -> Checked:
    """Judge a typed table of ledger `kind` for `actor`, storing nothing.

    Takes the rows as dicts by Chinese column name (dates, numbers or text). Returns a Checked whose
    problems are the upload's problem records (same codes and messages), row = the table's row; besides
    them: more than MAX_ROWS rows, a row of another unit for a clerk, a row whose identity a stored row
    already has (correct that one instead). Raises IndicatorsError when `actor` may not enter rows at all.
    """
    from . import importing, imports
    roles.require(actor, "import")
    ledger = LEDGERS[kind]
    name = f"{ENTRY}-{ledger.name}.csv"
    if (over := too_many_rows(len(rows), name)) is not None:
        return Checked(kind, imports.Parsed(name, "", b""), [over])
    if not any(cell_text(v) for r in rows for v in r.values()):
        return Checked(kind, imports.Parsed(name, "", b""), [Problem("empty_entry", name)])
    parsed = imports.parse_file(_table_csv(ledger, rows), name, catalog or default_catalog())
    problems = [_grid_row(p) for p in parsed.problems]
    if parsed.ok and actor.role == roles.CLERK:
        problems += [_grid_row(p) for p in importing.other_unit_problems(parsed, actor.unit)]
    if parsed.ok:
        problems += _stored_duplicates(conn, kind, parsed)
    if problems:
        parsed = dataclasses.replace(parsed, records={}, problems=problems)
    else:  # rows named as the table numbers them wherever a later step names them (a locked period)
        parsed.records = {k: r.with_columns(_row=pl.col("_row") - 1, _sheet=pl.lit(ENTRY)) for k, r in parsed.records.items()}
    return Checked(kind, parsed, sorted(problems, key=lambda p: (p.row or 0)))


def too_many_rows(n: int, file: str = ENTRY) -> Problem | None:
    """The problem of a typed table of `n` rows when that is over MAX_ROWS (said with the limit), else None. The
    page asks before the grid takes a paste in: a grid of 10,000 rows costs minutes a run (the editor adds pasted
    rows one at a time)."""
    return Problem("too_many_entry_rows", file, value=str(n), extra=str(MAX_ROWS)) if n > MAX_ROWS else None


def _stored_duplicates(conn, kind: str, parsed) -> list[Problem]:
    """A problem per typed row whose identity a stored row has (one read of the units' rows in the table's span)."""
    ledger = LEDGERS[kind]
    records = parsed.records.get(kind)
    if records is None or records.height == 0:
        return []
    keys = [(tuple(r[f].isoformat() if isinstance(r[f], dt.date) else r[f] for f in ledger.key), r["_row"])
            for r in records.iter_rows(named=True)]
    units = sorted({k[0] for k, _ in keys})
    days = sorted(k[1] for k, _ in keys)
    stored = set(entry_store.keys_in_span(conn, kind, units, days[0], days[-1]))
    title = ledger.column(ledger.key[-1]).name
    return [Problem("duplicate_stored", parsed.file, "", row - 1, title, "", str(key[-1]), " · ".join(map(str, key)))
            for key, row in keys if key in stored]


def preview(conn, actor: Actor, checked: Checked) -> "importing.ImportResult":  # noqa: F821
    """What submitting would do (rows added and updated per ledger), nothing stored; raises like submit."""
    from . import importing
    _refuse_locked_rows(conn, actor, checked)
    return importing.import_parsed(conn, checked.parsed, dry_run=True, actor=actor)


def submit(conn, actor: Actor, kind: str, rows: list[dict], *, client: str | None = None,
           now: dt.datetime | None = None, catalog: Catalog | None = None
           ) -> tuple[Checked, "importing.ImportResult | None"]:  # noqa: F821
    """Check the typed table again and store it as one batch of kind 在线填报, all or nothing.

    Returns (the check, the ImportResult; None when the check found problems: nothing stored). Raises
    IndicatorsError, nothing stored, when `actor` may not enter these rows (importing.check_allowed) or
    a row falls in a period locked for `actor`. In the one write transaction: the batch and its rows,
    its kind, the audit entry, and the removal of the user's draft of this ledger.
    """
    from . import cycle, importing
    checked = check(conn, actor, kind, rows, catalog)
    if not checked.ok:
        return checked, None
    now = now or dt.datetime.now()
    parsed = checked.parsed
    _refuse_locked_rows(conn, actor, checked, now)  # said in the table's words; checked again below, under the lock
    importing.check_allowed(conn, parsed, actor, client=client)
    result = importing.ImportResult(parsed)
    with store.write_batch(conn, parsed) as write:
        result.already = write.earlier()
        if result.already:  # the very same table submitted and still stored: its rows were refused above, unless raced
            return checked, result
        cycle.refuse_locked(conn, actor, parsed.records, today=now.date(), what="本次填报未保存任何数据")
        result.kinds = write.add(now=now, demo=False, login=actor.login, user_name=actor.name)
        units = write.keep()
        entry_store.set_source(conn, write.batch_id, ENTRY)
        entry_store.drop_draft(conn, actor.login, kind)
        audit.record(conn, actor, "import", unit=units[0] if len(units) == 1 else None, client=client, now=now,
                     detail={"batch": write.batch_id, "file": parsed.file, "checksum": parsed.checksum,
                             "rows": parsed.rows, "added": result.added, "updated": result.updated,
                             "unchanged": result.unchanged, "units": units, "kinds": list(result.kinds),
                             "via": ENTRY})
    result.batch_id = write.batch_id
    return checked, result


def _refuse_locked_rows(conn, actor: Actor, checked: Checked, now: dt.datetime | None = None) -> None:
    """A row in a period locked for `actor` refuses the table whole, said as a table (import_parsed checks
    again inside its transaction, where a lock set meanwhile is caught, in an upload's words)."""
    from . import cycle
    cycle.refuse_locked(conn, actor, checked.parsed.records, today=(now or dt.datetime.now()).date(),
                        what="本次填报未保存任何数据")


# ---------------------------------------------------------------- drafts

def save_draft(conn, actor: Actor, kind: str, rows: list[dict], now: dt.datetime | None = None) -> str:
    """Keep `actor`'s unfinished table of ledger `kind` (one per user and ledger); returns when, as shown."""
    roles.require(actor, "import")
    if len(rows) > MAX_ROWS:
        raise IndicatorsError(f"草稿最多保存 {MAX_ROWS} 行，这次有 {len(rows)} 行，未保存")
    saved = (now or dt.datetime.now()).isoformat(timespec="seconds")
    texts = [{c.name: cell_text(r.get(c.name)) for c in columns(kind)} for r in rows]
    with store.transaction(conn):
        entry_store.save_draft(conn, actor.login, kind, texts, saved)
    return saved.replace("T", " ")[:16]


def load_draft(conn, actor: Actor, kind: str) -> tuple[list[dict], str] | None:
    """(rows by Chinese column name as text, when saved) of `actor`'s draft of `kind`, or None."""
    found = entry_store.draft(conn, actor.login, kind)
    return (found[0], found[1].replace("T", " ")[:16]) if found else None


def drop_draft(conn, actor: Actor, kind: str) -> None:
    with store.transaction(conn):
        entry_store.drop_draft(conn, actor.login, kind)


# ---------------------------------------------------------------- stored rows and corrections

def display(kind: str, row: dict) -> dict:
    """A stored row by Chinese column name, values as stored (dates as 2025-03-01)."""
    out = {}
    for c in LEDGERS[kind].columns:
        v = row.get(c.field)
        if c.type == INT and isinstance(v, float) and v.is_integer():
            v = int(v)
        out[c.name] = v
    return out


def rows(conn, year: int, unit: str | None = None, kind: str | None = None) -> list[dict]:
    """Every stored row of `year` (of one unit, of one ledger), each {ref, ledger, ledger_name, unit, date,
    then the ledger's fields by Chinese column name}, in ledger, date and unit order."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    out = []
    for k in ([kind] if kind else list(LEDGERS)):
        for r in sorted(store.ledger_frame(conn, k, start, end, unit), key=lambda r: tuple(str(r[f]) for f in ("date", *LEDGERS[k].key))):
            out.append({"ref": RowRef.of(k, r).text(), "ledger": k, "ledger_name": LEDGERS[k].name, "unit": r["unit"],
                        "date": r["date"], **display(k, r)})
    return out


@dataclass
class Correction:
    batch_id: int
    ref: str
    new_ref: str
    changes: dict[str, tuple]  # Chinese column name -> (old, new)

    def summary(self) -> str:
        what = "；".join(f"{c}：{_shown(o)} → {_shown(n)}" for c, (o, n) in self.changes.items())
        return f"已更正（批次 {self.batch_id}）：{what}"


def _shown(v) -> str:
    return "（空）" if v is None or v == "" else str(v)


def correct(conn, actor: Actor, ref: RowRef | str, changes: dict[str, object], reason: str, *,
            client: str | None = None, now: dt.datetime | None = None, catalog: Catalog | None = None) -> Correction:
    """Change figures or texts of one stored row, as `actor`, as a batch of kind 更正 (undoable like an import).

    Takes the row's REF (evidence.RowRef), the new values by Chinese column name and the reason (required).
    The corrected row is checked as a typed row is (the same messages). Returns the Correction. Raises
    IndicatorsError, nothing stored, when the reason is empty, a column is not the ledger's, the row does
    not exist, nothing would change, the new values are refused, the row's new identity is another stored
    row's, `actor` may not correct this unit's rows, or the row (before or after) is in a period locked
    for `actor`. Both the correction and a refusal by role or lock are written to the audit log.
    """
    ref = ref if isinstance(ref, RowRef) else RowRef.parse(ref)
    ledger = LEDGERS[ref.kind]
    reason = (reason or "").strip()
    if not reason:
        raise IndicatorsError("请写明更正原因（如：录入错误，应为 52 人），原因将记入导入记录和操作日志")
    named = {}
    for name, value in changes.items():
        col = column_named(ref.kind, name)
        if col is None:
            raise IndicatorsError(f"「{name}」不是{ledger.name}的列；可更正的列：{'、'.join(c.name for c in ledger.columns)}")
        named[col.name] = value
    old = store.ledger_row(conn, ref.kind, ref.key)
    if old is None:
        raise IndicatorsError(f"没有这一行台账：{ref.label()}（可用 python -m indicators rows 查看各行的 REF）")
    before = display(ref.kind, old)
    typed = {**before, **named}
    now = now or dt.datetime.now()
    try:
        _require(actor, old["unit"])
        checked = _check_one(conn, actor, ref, typed, catalog)
        new = _record(ledger, checked)
        diff = {ledger.column(f).name: (before[ledger.column(f).name], display(ref.kind, new)[ledger.column(f).name])
                for f in new if f in {c.field for c in ledger.columns} and _norm(old[f]) != _norm(new[f])}
        if not diff:
            raise IndicatorsError(f"没有改动：{'、'.join(named)} 与已保存的值相同")
        new_ref = RowRef.of(ref.kind, new)
        if new_ref.key != ref.key:
            _require(actor, new["unit"])
            if store.ledger_row(conn, ref.kind, new_ref.key) is not None:
                raise IndicatorsError(f"更正后与已保存的另一行重复：{new_ref.label()}；请更正那一行，或改用其他名称")
        with store.transaction(conn):
            _refuse_locked(conn, actor, ref, old, new, now)
            batch_id = entry_store.insert_batch(
                conn, created=now.isoformat(timespec="seconds"), file_name=f"{CORRECTION}：{ref.label()}",
                checksum=hashlib.sha256(json.dumps([ref.text(), new_ref.text(), str(diff), now.isoformat()],
                                                   ensure_ascii=False).encode()).hexdigest(),
                kind=ref.kind, units=sorted({old["unit"], new["unit"]}),
                added=int(new_ref.key != ref.key), updated=int(new_ref.key == ref.key),
                period=(min(old["date"], new["date"]), max(old["date"], new["date"])),
                login=actor.login, user_name=actor.name, source=CORRECTION)
            plain = {c: [_plain(o), _plain(n)] for c, (o, n) in diff.items()}
            entry_store.record_correction(conn, batch_id, ref.kind, ref.text(), new_ref.text(), plain, reason)
            entry_store.replace_row(conn, ref.kind, old, new, batch_id)
            audit.record(conn, actor, "correct", unit=old["unit"], client=client, now=now,
                         detail={"batch": batch_id, "row": ref.text(), "new_row": new_ref.text(),
                                 "changes": plain, "reason": reason})
    except IndicatorsError as e:
        if isinstance(e, _Refused):
            audit.record(conn, actor, "correct_refused", unit=old["unit"], client=client, now=now,
                         detail={"row": ref.text(), "reason": str(e)})
        raise
    store.checkpoint(conn)
    return Correction(batch_id, ref.text(), new_ref.text(), diff)


class _Refused(IndicatorsError):
    """A correction refused by role or lock (written to the audit log), not by its values."""


def _require(actor: Actor, unit: str) -> None:
    try:
        roles.require(actor, "correct", unit)
    except IndicatorsError as e:
        raise _Refused(str(e)) from None


def _plain(v):
    return v if v is None or isinstance(v, (int, float, str)) else str(v)


def _norm(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return "" if v is None else v


def _check_one(conn, actor: Actor, ref: RowRef, typed: dict, catalog: Catalog | None) -> Checked:
    """The corrected row checked as a typed row (its own identity is no duplicate of itself)."""
    from . import imports
    ledger = LEDGERS[ref.kind]
    parsed = imports.parse_file(_table_csv(ledger, [typed]), f"{CORRECTION}-{ledger.name}.csv", catalog or default_catalog())
    if not parsed.ok:
        raise IndicatorsError("更正后的值有误，未作任何改动：" + "；".join(
            f"{p.message}（{p.fix}）" for p in parsed.problems))
    return Checked(ref.kind, parsed)


def _record(ledger: Ledger, checked: Checked) -> dict:
    """The one checked row as the store keeps it: ledger fields, dates as ISO text."""
    r = checked.parsed.records[ledger.kind].row(0, named=True)
    return {c.field: (r[c.field].isoformat() if c.type == DATE and r[c.field] is not None else
                      (float(r[c.field]) if c.type == NUMBER and r[c.field] is not None else r[c.field]))
            for c in ledger.columns}


def _refuse_locked(conn, actor: Actor, ref: RowRef, old: dict, new: dict, now: dt.datetime) -> None:
    from . import cycle
    for row in (old, new):
        try:
            cycle.refuse_locked_span(conn, actor, row["unit"], row["date"], row["date"], f"{ref.label()} 未作任何更正",
                                     now.date())
        except IndicatorsError as e:
            raise _Refused(str(e)) from None


def source_name(b: dict) -> str:
    """How a batch's rows came: 上传文件, 在线填报 or 更正."""
    return SOURCES.get(b.get("source"), str(b.get("source")))


def correction_of(conn, batch_id: int) -> dict | None:
    """For a correction batch: {ref, new_ref, changes: {column: [old, new]}, reason}; None for other batches."""
    return entry_store.correction(conn, batch_id)


def correction_frame(c: dict) -> "pd.DataFrame":  # noqa: F821
    """A correction as 导入记录 shows it: one line per column changed (行, 列, 原值, 新值, 原因)."""
    import pandas as pd
    label = RowRef.parse(c["ref"]).label()
    return pd.DataFrame([{"行": label, "列": col, "原值": _shown(old), "新值": _shown(new), "原因": c["reason"]}
                         for col, (old, new) in c["changes"].items()])


def text_with_row(p: Problem) -> dict:
    """A problem as the entry page shows it: row of the table, column, value, problem, how to fix."""
    return {"行": p.row, "列": p.column, "值": p.value, "问题": p.message, "修改方法": p.fix}
