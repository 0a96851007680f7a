"""Who has reported (报送情况): per unit and ledger, the last upload and the rows in the period, and
the ledgers each unit still lacks (the cycle's reminder, indicators.cycle.reminder_text, names them)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pandas as pd

from . import chinese, cycle, evidence, store
from .config import Catalog, default_catalog
from .cycle import half_range
from .ledgers import LEDGERS
from .problems import IndicatorsError
from .progress import Period
from .roles import Actor, require

BOARD_COLUMNS = ["unit", "level", "kind", "ledger", "last_upload", "upload_note", "rows", "missing"]
NEVER, ELSEWHERE = "从未上传", "（其他期间）"


def board(conn: sqlite3.Connection, per: Period, catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per unit and ledger kind: rows dated in the period, missing, and the last upload of the period.

    `last_upload` is the day of the newest batch that wrote one of the unit's rows of that ledger dated in
    the period (a batch undone, or one that brought only other periods' rows, is not an upload of this
    period); `upload_note` says the same in words for the page: that day, else the day of the newest upload
    of that ledger in another period followed by （其他期间）, else 从未上传.
    """
    catalog = catalog or default_catalog()
    totals = store.measure_totals(conn, per.start, per.end)
    staff_rows = store.staff_rows_by_unit(conn, per.start, per.end)
    batches = store.batches(conn, include_undone=False)  # newest first
    rows = []
    for u in catalog.units:
        for kind, ledger in LEDGERS.items():
            n = staff_rows.get(u.name, 0) if kind == "staff" else int(totals.get((u.name, f"{kind}:n"), 0))
            here = _newest_upload(conn, batches, kind, u.name, per) if n else None
            other = None if here else _newest_upload(conn, batches, kind, u.name)
            note = here or (f"{other}{ELSEWHERE}" if other else NEVER)
            rows.append({"unit": u.name, "level": u.level, "kind": kind, "ledger": ledger.name,
                         "last_upload": here, "upload_note": note, "rows": n, "missing": n == 0})
    return pd.DataFrame(rows, columns=BOARD_COLUMNS)


def _newest_upload(conn: sqlite3.Connection, batches: list[dict], kind: str, unit: str, per: Period | None = None) -> str | None:
    """The day of the newest active batch that last wrote a stored row of `unit` in one ledger (dated in `per`
    when given): the batches naming the unit and ledger are tried newest first, each by one indexed probe."""
    for b in batches:
        if unit in b["units"].split(",") and kind in b["kinds"].split(",") and store.batch_wrote(
                conn, kind, unit, b["id"], per.start if per else None, per.end if per else None):
            return b["created"][:10]
    return None


def submission(conn: sqlite3.Connection, unit: str, year: int, half: int) -> dict:
    """What submitting a unit's period would hand in: per ledger its rows dated in the period and how
    many have evidence, and the ledgers with no row. {"ledgers": [{"ledger", "rows", "with_evidence"}],
    "missing": [ledger names], "rows", "with_evidence"}."""
    start, end = half_range(year, half)
    found = {k: store.evidence.rows_with_evidence(conn, k, start, end, unit) for k in LEDGERS}
    ledgers = [{"ledger": LEDGERS[k].name, "rows": len(rows), "with_evidence": sum(1 for r in rows if r["evidence"])}
               for k, rows in found.items() if rows]
    return {"ledgers": ledgers, "missing": [LEDGERS[k].name for k, rows in found.items() if not rows],
            "rows": sum(x["rows"] for x in ledgers), "with_evidence": sum(x["with_evidence"] for x in ledgers)}


def missing_by_unit(frame: pd.DataFrame) -> dict[str, list[str]]:
    """{unit: [ledger names with no row in the period]}, units in configuration order."""
    out: dict[str, list[str]] = {}
    for r in frame[frame.missing].itertuples():
        out.setdefault(r.unit, []).append(r.ledger)
    return out


# ---------------------------------------------------------------- what a reviewer sees of one unit

REVIEW_PAGE_ROWS = 50  # rows of one ledger shown at a time: a large unit is paged, never drawn whole


@dataclass(frozen=True)
class LedgerRows:
    """One ledger's rows of a unit in a period: how many in all, and the page asked for (columns as the
    template names them but 单位, then 来源批次), every cell text or a number, never None."""

    kind: str
    ledger: str
    total: int
    page: int
    pages: int
    table: pd.DataFrame


@dataclass(frozen=True)
class ReviewMaterial:
    """What a reviewer looks at before approving or returning a unit's period: its rows by ledger and
    the evidence files that back them (each file a dict of evidence.listing, with `size_text`)."""

    unit: str
    year: int
    half: int
    ledgers: tuple[LedgerRows, ...]
    evidence: tuple[dict, ...]

    @property
    def rows(self) -> int:
        return sum(x.total for x in self.ledgers)


def size_text(n: int) -> str:
    """3.2 MB, 85 KB: a file's size as people read it."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _cell(v):
    if chinese.is_missing(v):
        return ""
    if isinstance(v, float):
        return int(v) if v == int(v) else v
    return v


def _batch_label(r: dict) -> str:
    if r.get("batch_id") is None:
        return ""
    return f"批次 {r['batch_id']}（{r.get('batch_file') or ''}，{(r.get('batch_created') or '')[:10]}）"


def review_material(conn: sqlite3.Connection, actor: Actor, unit: str, year: int, half: int,
                    pages: dict[str, int] | None = None, page_rows: int = REVIEW_PAGE_ROWS) -> ReviewMaterial:
    """A unit's ledger rows dated in a reporting period (by ledger, each with the batch it came from) and
    its evidence files of the period, read-only, for `actor` to review.

    `pages` picks the page (1-based) of each ledger kind, `page_rows` rows a page. Raises IndicatorsError
    when `actor` may not see the unit's reporting (a clerk: another unit's) or, for a leader while
    领导只看已审核数据 is on, when the unit's period is not approved.
    """
    unit = default_catalog().require_unit(unit)
    require(actor, "reporting", unit)
    start, end = half_range(year, half)
    if not cycle.leader_sees(conn, actor, [unit], start, end):
        raise IndicatorsError(f"{unit}{cycle.period_label(year, half)}的数据尚未审核；领导只看已审核数据时不能查看")
    out = []
    for kind, ledger in LEDGERS.items():
        total = store.count_unit_rows(conn, kind, unit, start, end)
        count = max(1, -(-total // page_rows))
        page = min(max(1, (pages or {}).get(kind, 1)), count)
        rows = store.unit_rows(conn, kind, unit, start, end, page_rows, (page - 1) * page_rows) if total else []
        shown = [c for c in ledger.columns if c.field != "unit"]  # one unit: said once above the tables
        table = pd.DataFrame([{**{c.name: _cell(r.get(c.field)) for c in shown}, "来源批次": _batch_label(r)}
                              for r in rows], columns=[*(c.name for c in shown), "来源批次"])
        out.append(LedgerRows(kind, ledger.name, total, page, count, table))
    files = [{**e, "size_text": size_text(e["size"])}
             for e in evidence.listing(conn, unit, Period(year, end, ""), actor)]
    return ReviewMaterial(unit, year, half, tuple(out), tuple(files))
