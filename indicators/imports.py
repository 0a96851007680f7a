"""One file in, one report out: read every sheet, judge every row, and say what an import would do.

`parse_file` never touches the database; `store.import_parsed` stores a parsed file whole or not at all.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .config import Catalog, default_catalog
from .ledgers import LEDGERS
from .problems import Problem
from .sheets import read_workbook, recognise
from .validation import check_table, duplicate_problems

SUFFIXES = ("xlsx", "xls", "csv")
MAX_UPLOAD_ENV = "INDICATORS_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 50  # stated on the upload page; a year of every ledger of the city is far below this


def max_upload_bytes() -> int:
    """The largest file accepted: $INDICATORS_MAX_UPLOAD_MB megabytes, 50 by default."""
    return int(float(os.environ.get(MAX_UPLOAD_ENV) or DEFAULT_MAX_UPLOAD_MB) * 1024 * 1024)


@dataclass
class Parsed:
    """A file read and judged: records per ledger kind (only when ok), problems, and notes for the user."""

    file: str
    checksum: str
    data: bytes
    records: dict[str, pl.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sheets skipped, columns ignored: said, not refused
    sheets: dict[str, str] = field(default_factory=dict)  # sheet -> ledger name

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return sum(df.height for df in self.records.values())

    @property
    def suffix(self) -> str:
        return self.file.rsplit(".", 1)[-1].lower() if "." in self.file else ""


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_file(data: bytes, name: str, catalog: Catalog | None = None, max_bytes: int | None = None,
               on_stage=None) -> Parsed:
    """Read and judge one uploaded file.

    Takes the file's bytes and its name as the user knows it; `on_stage(fraction, text)`, when
    given, is told how far reading and checking got (for a progress bar). Returns a Parsed whose
    `problems` list every problem found (empty when the file can be imported). Never raises for
    bad input.
    """
    catalog = catalog or default_catalog()
    stage = on_stage or (lambda fraction, text: None)
    parsed = Parsed(Path(name).name, checksum(data), data)
    suffix = parsed.suffix
    if suffix not in SUFFIXES:
        return _refuse(parsed, "unsupported_type", value=f".{suffix}" if suffix else "（无扩展名）")
    if not data:
        return _refuse(parsed, "empty_file")
    max_bytes = max_bytes or max_upload_bytes()
    if len(data) > max_bytes:
        return _refuse(parsed, "too_large", value=_size(len(data)), extra=_size(max_bytes))
    stage(0.05, f"正在读取 {parsed.file}（{_size(len(data))}）……")
    try:
        raws = read_workbook(data, parsed.file)
    except ValueError as e:
        return _refuse(parsed, "not_spreadsheet", extra=str(e))
    _release_freed_memory()
    by_kind: dict[str, list[pl.DataFrame]] = {}
    skipped, empty = [], []
    for i, raw in enumerate(raws):
        stage(0.4 + 0.45 * i / max(len(raws), 1), f"正在校验工作表「{raw.name}」……")
        table = recognise(raw, parsed.file)
        if table is None:
            if raw.frame.height and raw.visible:
                skipped.append(raw.name)
            continue
        parsed.sheets[raw.name] = table.ledger.name
        records, problems = check_table(table, catalog, parsed.file)
        parsed.problems += problems
        if not problems:
            if records.height == 0:
                empty.append((raw.name, table.header_row))
            else:
                by_kind.setdefault(table.ledger.kind, []).append(records)
        ignored = sorted(set(raw.frame.columns) - {m.source for m in table.columns.values()})
        headers = [str(raw.frame[table.header_row - 1, c] or "").strip() for c in ignored]
        if any(headers):
            parsed.notes.append(f"工作表「{raw.name}」中的列 {'、'.join(h for h in headers if h)} 不属于{table.ledger.name}，已忽略")
    for name_ in skipped:
        parsed.notes.append(f"工作表「{name_}」不是台账（如填表说明），已跳过")
    if not parsed.sheets:
        looked = "、".join(r.name for r in raws) or "无工作表"
        return _refuse(parsed, "no_ledger", extra=f"查看了工作表：{looked}")
    if not by_kind and not parsed.problems:  # ledgers with a header and not one row
        return _refuse(parsed, "no_rows", extra="、".join(n for n, _ in empty))
    for sheet, _ in empty if by_kind else ():
        parsed.notes.append(f"工作表「{sheet}」只有表头，未填写数据，已跳过")
    for kind, frames in by_kind.items():
        records = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
        dups = duplicate_problems(records, LEDGERS[kind], parsed.file)
        parsed.problems += dups
        parsed.records[kind] = records
    parsed.problems.sort(key=lambda p: (p.sheet, p.row or 0, p.cell))
    if parsed.problems:
        parsed.records = {}
    return parsed


def _release_freed_memory() -> None:
    """Hand the reader's freed memory back to the system. calamine allocates every cell on its own;
    freed, those blocks stay with the C allocator (55 MB for a 100k-row sheet) where polars, which
    allocates elsewhere, cannot reuse them, and the import's peak memory would carry them on top."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to hand back this way
        pass


def parse_path(path: str | Path, catalog: Catalog | None = None) -> Parsed:
    """parse_file for a file on disk; a missing or unreadable path is a problem, not an exception."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        parsed = Parsed(p.name, "", b"")
        return _refuse(parsed, "not_spreadsheet", extra=f"无法打开：{e.strerror or e}")
    return parse_file(data, p.name, catalog)


def _refuse(parsed: Parsed, code: str, value: str = "", extra: str = "") -> Parsed:
    parsed.problems.append(Problem(code, parsed.file, value=value, extra=extra))
    parsed.records = {}
    return parsed


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def indicators_moved(parsed: Parsed, catalog: Catalog | None = None) -> list[dict]:
    """The indicators an accepted file feeds, with how many of its rows count toward each."""
    catalog = catalog or default_catalog()
    out = []
    for ind in catalog.indicators:
        frame = parsed.records.get(ind.ledger)
        if frame is None or frame.height == 0:
            continue
        rule = ind.rule
        if rule.get("where"):
            (col, val), = rule["where"].items()
            rows = frame.filter(pl.col(col) == val).height
        elif rule["kind"] == "sum":
            rows = frame.filter(pl.col(rule["column"]).fill_null(0) > 0).height
        elif rule["kind"] == "distinct":
            rows = frame.filter(pl.col(rule["column"]).is_in(rule["values"])).height
        else:
            rows = frame.height
        if rows:
            out.append({"code": ind.code, "name": ind.name, "rows": rows})
    return out
