"""One file in, one report out: read every sheet, judge every row, and say what an import would do.

`parse_file` never touches the database; `importing.import_parsed` stores a parsed file whole or not at all.
"""
from __future__ import annotations

import ctypes
import dataclasses
import errno
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from .config import Catalog, default_catalog
from .interpret import Answers, Question, Reading, Used
from .ledgers import INSTRUCTIONS_TITLE, LEDGERS, TEXT
from .containers import Unreadable
from .problems import Problem
from .sheets import ROW_NUMBER_HEADER, Mapped, RawSheet, Table, read_workbook, recognise
from .validation import LEAD, PASSED, ROW_STRIDE, SheetCheck, check_sheet, duplicate_problems, lead_cell, passed_reading

SUFFIXES = ("xlsx", "xls", "csv")
MAX_UPLOAD_ENV = "INDICATORS_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 50  # stated on the upload page; a year of every ledger of the city is far below this


def max_upload_bytes() -> int:
    """The largest file accepted: $INDICATORS_MAX_UPLOAD_MB megabytes, 50 by default."""
    return int(float(os.environ.get(MAX_UPLOAD_ENV) or DEFAULT_MAX_UPLOAD_MB) * 1024 * 1024)


def _our_instructions(raw) -> bool:
    """Whether a sheet is the 填表说明 of one of our own templates (its first cell is our title)."""
    return raw.frame.width > 0 and str(raw.frame[0, 0] or "").strip() == INSTRUCTIONS_TITLE


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
    unit_columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # sheet -> (单位 header, column letter)
    interpretations: list[Reading] = field(default_factory=list)  # every reading made, with its row count
    questions: list[Question] = field(default_factory=list)  # what only the clerk can decide
    used: list[Used] = field(default_factory=list)  # answers given now that this file used (kept on import)

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


def display_name(name: str) -> str:
    """A file name as the user should read it: only the last part; bytes that were not UTF-8 (a zip
    unpacked on Linux from a Chinese Windows PC) read as GBK where they can, control characters gone."""
    name = re.split(r"[\\/]", str(name))[-1]
    if any("\udc80" <= ch <= "\udcff" for ch in name):  # undecodable bytes of a POSIX file name
        raw = name.encode("utf-8", "surrogateescape")
        for encoding in ("gb18030", "big5"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            name = raw.decode("utf-8", "replace")
    name = name.encode("utf-8", "replace").decode("utf-8")
    return "".join("_" if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in name)


def parse_file(data: bytes, name: str, catalog: Catalog | None = None, max_bytes: int | None = None,
               on_stage=None, answers: Answers | None = None) -> Parsed:
    """Read and judge one uploaded file.

    Takes the file's bytes and its name as the user knows it, and the clerk's answers (column
    mappings and value aliases, given now or kept: kept_answers.kept); `on_stage(fraction, text)`,
    when given, is told how far reading and checking got (for a progress bar). Returns a Parsed whose
    `problems` list every problem found (empty when the file can be imported), `interpretations`
    every reading made by meaning with its row count, and `questions` what the clerk could answer
    instead of changing the file. Never raises for bad input: a damaged, encrypted,
    disguised or oversized file is one problem naming what it is.
    """
    catalog = catalog or default_catalog()
    stage = on_stage or (lambda fraction, text: None)
    parsed = Parsed(display_name(name), checksum(data), data)
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
    except Unreadable as e:
        return _refuse(parsed, e.code, value=e.value, extra=e.extra)
    except MemoryError:
        return _refuse(parsed, "too_big_inflated", extra="读取时服务器内存不足")
    _release_freed_memory()
    tables = []
    skipped, hidden = [], []
    for i, raw in enumerate(raws):
        stage(0.4 + 0.3 * i / max(len(raws), 1), f"正在识别工作表「{raw.name}」……")
        if not raw.visible:
            hidden.append(raw.name)
            continue
        if raw.skipped:
            parsed.notes.append(f"工作表「{raw.name}」{raw.skipped}，未读取")
            continue
        table = recognise(raw, parsed.file, answers, catalog)
        if table is None:
            if raw.frame.height and not _our_instructions(raw):
                skipped.append(raw.name)
            continue
        table, too_long = _overlong(table, parsed.file)
        table.problems.extend(too_long)
        parsed.sheets[raw.name] = table.ledger.name
        if "unit" in table.columns:
            parsed.unit_columns[raw.name] = (table.columns["unit"].header, table.columns["unit"].letter)
        tables.append((raw, table))
    stage(0.75, f"正在校验 {len(tables)} 个台账工作表……")
    by_kind: dict[str, list[pl.DataFrame]] = {}
    empty = []
    for raw, table, checked in _check_tables(tables, catalog, parsed.file, answers):
        records = checked.records
        problems = _with_marks(raw, table, records, checked.problems, parsed.file)
        parsed.problems += problems
        parsed.interpretations += checked.readings
        parsed.questions += checked.questions
        parsed.used += checked.used
        parsed.notes += table.notes + checked.notes
        if not problems:
            if records.height == 0:
                empty.append((raw.name, table.header_row))
            else:
                by_kind.setdefault(table.ledger.kind, []).append(records)
        ignored = sorted(set(raw.frame.columns) - table.noted)
        headers = [h for c in ignored if (h := str(raw.frame[table.header_row - 1, c] or "").strip())
                   and not ROW_NUMBER_HEADER.match(re.sub(r"\s+", "", h))]
        if headers:
            parsed.notes.append(f"工作表「{raw.name}」中的列 {'、'.join(h for h in headers if h)} 不属于{table.ledger.name}，已忽略")
    for name_ in skipped:
        parsed.notes.append(f"工作表「{name_}」不是台账（如填表说明），已跳过")
    for name_ in hidden:
        parsed.notes.append(f"工作表「{name_}」是隐藏的工作表，未读取、未导入；如需导入，请在 Excel 中取消隐藏后重新上传")
    if not parsed.sheets:
        looked = "、".join(r.name for r in raws if r.visible) or "无可见的工作表"
        if hidden:
            looked += f"；隐藏的工作表 {'、'.join(hidden)} 未读取"
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
    else:
        _strip_controls(parsed)
    return parsed


# A date, a unit, a choice or a number is a few dozen characters; a longer cell in such a column is no
# value but pasted text (or an attack: matching 1.2 million characters against the unit names and
# choices took minutes). Such cells are named and not read further. Free text (主题, 备注) may be long.
MAX_VALUE_CHARS = 500


def _overlong(t: Table, file: str) -> tuple[Table, list[Problem]]:
    """(the table with every over-long value of a non-text column emptied, one problem per such cell)."""
    problems, cleared = [], []
    for f, m in t.columns.items():
        if t.ledger.column(f).type == TEXT or m.source not in t.data.columns:
            continue
        column = t.data.get_column(m.source)
        if not (column.str.len_bytes().max() or 0) > MAX_VALUE_CHARS:  # bytes >= characters: no value can be too long
            continue
        lengths = column.str.len_chars()
        if not (lengths.max() or 0) > MAX_VALUE_CHARS:
            continue
        long = t.data.filter(lengths > MAX_VALUE_CHARS).select("_row", pl.col(m.source).str.slice(0, 20)).rows()
        problems += [Problem("value_too_long", file, t.sheet, row, m.header, f"{m.letter}{row}" if m.letter else "",
                             f"{head}…", f"{MAX_VALUE_CHARS}") for row, head in long]
        cleared.append(pl.when(lengths > MAX_VALUE_CHARS).then(None).otherwise(pl.col(m.source)).alias(m.source))
    if not cleared:
        return t, []
    return replace(t, data=t.data.with_columns(cleared)), problems


# control characters other than tab and line breaks, and the bidirectional overrides that make a text
# read otherwise than it is stored: nothing a clerk types, and what other programs (an export, PostgreSQL
# for NUL) refuse. Removed from the free text that is stored, and said.
_CONTROLS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]"


def _strip_controls(parsed: Parsed) -> None:
    for kind, records in parsed.records.items():
        texts = [c.field for c in LEDGERS[kind].columns if c.type == TEXT and c.field in records.columns]
        if not texts:
            continue
        hits = records.select(pl.col(f).str.contains(_CONTROLS).sum() for f in texts).row(0)
        if not any(hits):
            continue
        parsed.records[kind] = records.with_columns(pl.col(f).str.replace_all(_CONTROLS, "") for f in texts)
        parsed.notes.append(f"{LEDGERS[kind].name}中有 {sum(hits)} 个单元格含有不可见的控制字符或文字方向符，已删除这些字符后导入")


def _release_freed_memory() -> None:
    """Hand the reader's freed memory back to the system. calamine allocates every cell on its own;
    freed, those blocks stay with the C allocator (55 MB for a 100k-row sheet) where polars, which
    allocates elsewhere, cannot reuse them, and the import's peak memory would carry them on top."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to hand back this way
        pass




def _check_tables(tables: list[tuple[RawSheet, Table]], catalog: Catalog, file: str, answers: Answers | None):
    """(raw, table, SheetCheck) for every recognised sheet, in order.

    Sheets of one ledger laid out alike (the same headers for the same fields: one sheet per month,
    per clerk) and read without any interpretation are checked as one frame, because checking costs a
    near-constant ~20 ms a call in polars query set-up whatever the rows: 1,000 such sheets took 38 s
    one by one. Where the check of such a group reads anything by meaning, each sheet is checked on its
    own again, so that every reading names its own sheet and row count.
    """
    groups: dict[tuple, list[int]] = {}
    for i, (_, t) in enumerate(tables):
        plain = not (t.problems or t.readings or t.questions or t.used or t.partial or t.year)
        key = (t.ledger.kind, tuple(sorted((f, _header_key(m.header)) for f, m in t.columns.items()))) if plain else ("alone", i)
        groups.setdefault(key, []).append(i)
    results: dict[int, tuple] = {}
    for members in groups.values():
        together = _check_together([tables[i] for i in members], members, catalog, file, answers) if len(members) > 1 else None
        if together is not None:
            for i, checked in together:
                results[i] = (*tables[i], checked)
            continue
        for i in members:
            raw, t = tables[i]
            results[i] = (raw, t, check_sheet(t, catalog, file, answers))
    return [results[i] for i in range(len(tables))]


def _header_key(header: str) -> str:
    """Headers that differ only in spaces or character width are one layout; any other difference (a unit
    in brackets) keeps sheets apart, so that whatever reads a header reads each sheet's own."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", header))


def _check_together(members: list[tuple[RawSheet, Table]], ids: list[int], catalog: Catalog, file: str,
                    answers: Answers | None) -> list[tuple[int, SheetCheck]] | None:
    """The sheets checked as one frame, the records given back to their own sheet and row; None when that
    check read anything by meaning or found any problem (then each sheet is checked alone)."""
    first = members[0][1]
    fields = sorted(first.columns)
    frames = [t.data.select([pl.col(t.columns[f].source).alias(f"_f_{f}") for f in fields] +
                            [(pl.col("_row") + k * ROW_STRIDE).alias("_row"), lead_cell(t).alias(LEAD)])
              for k, (_, t) in enumerate(members)]
    columns = {f: Mapped(f, f"_f_{f}", first.columns[f].header, first.columns[f].letter) for f in fields}
    merged = dataclasses.replace(first, columns=columns, data=pl.concat(frames, how="vertical"), problems=[],
                                 noted=set(), notes=[])
    checked = check_sheet(merged, catalog, file, answers)
    # the frame holds the mapped columns only, in another order: a section heading in the 序号 column, or in a first
    # column it does not take for first, is judged on each sheet's own columns (a refused file is checked again)
    if [r for r in checked.readings if r.kind != PASSED] or checked.questions or checked.used or checked.notes or checked.problems:
        return None
    passed: dict[int, list[tuple[int, str]]] = {}  # 合计 and 签字 rows, said per sheet
    for row, text in checked.passed:
        k, r = divmod(row, ROW_STRIDE)
        passed.setdefault(k, []).append((r, text))
    records = checked.records
    if "_row" in records.columns:
        records = records.with_columns(_k=(pl.col("_row") // ROW_STRIDE).cast(pl.Int64), _row=pl.col("_row") % ROW_STRIDE)
    parts = records.partition_by("_k", as_dict=True, include_key=False) if records.height else {}
    out = []
    for k, (_, t) in enumerate(members):
        part = parts.get((k,), records.clear().drop("_k", strict=False))
        said = [passed_reading(t.sheet, passed[k])] if k in passed else []
        out.append((ids[k], SheetCheck(part.with_columns(_sheet=pl.lit(t.sheet)), [], readings=said, passed=passed.get(k, []))))
    return out


def _with_marks(raw: RawSheet, t: Table, records: pl.DataFrame, problems: list[Problem], file: str) -> list[Problem]:
    """Formulas without a saved result and error cells (#N/A, #REF!) in a kept row of a mapped column are
    named as such, in place of what the checks saw there (an empty cell)."""
    if not raw.marks or t.problems or "_row" not in records.columns:
        return problems
    col_of = {raw.col_index[raw.frame.columns.index(m.source)]: m for m in t.columns.values()}
    kept = set(records.get_column("_row").to_list())
    named = {}
    for (row0, col), (code, text) in sorted(raw.marks.items()):
        m = col_of.get(col)
        if m is None or row0 + 1 not in kept:
            continue
        cell = f"{m.letter}{row0 + 1}"
        named[cell] = Problem(code, file, t.sheet, row0 + 1, m.header, cell, text)
    if not named:
        return problems
    return [p for p in problems if p.cell not in named] + list(named.values())


def parse_path(path: str | Path, catalog: Catalog | None = None, max_bytes: int | None = None,
               answers: Answers | None = None) -> Parsed:
    """parse_file for a file on disk (with the clerk's answers). Reads at most the upload limit + 1 bytes,
    and only from a regular file (a link to /dev/zero, a pipe or a folder is refused without reading); a
    missing or unreadable path is a problem, not an exception."""
    p = Path(path)
    parsed = Parsed(display_name(p.name), "", b"")
    max_bytes = max_bytes or max_upload_bytes()
    try:
        # O_NONBLOCK: opening a pipe nobody writes to returns at once instead of waiting for ever
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        return _refuse_open(parsed, e)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            return _refuse(parsed, "not_regular_file", value=parsed.file, extra=_file_kind(st.st_mode))
    except OSError as e:
        os.close(fd)
        return _refuse_open(parsed, e)
    with os.fdopen(fd, "rb", buffering=0) as f:
        try:
            if st.st_size > max_bytes:
                return _refuse(parsed, "too_large", value=_size(st.st_size), extra=_size(max_bytes))
            chunks, got = [], 0
            while got <= max_bytes:
                chunk = f.read(min(1 << 20, max_bytes + 1 - got))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        except OSError as e:
            return _refuse_open(parsed, e)
    data = b"".join(chunks)
    if len(data) > max_bytes:  # the file grew while being read
        return _refuse(parsed, "too_large", value=f"超过 {_size(max_bytes)}", extra=_size(max_bytes))
    return parse_file(data, p.name, catalog, max_bytes, answers=answers)


def read_file(path: str | Path, limit: int, what: str = "文件") -> bytes:
    """The bytes of a regular file of at most `limit` bytes (evidence, an accounts workbook), read like
    parse_path reads a ledger: a link to /dev/zero, a pipe or a folder is refused without reading, and at
    most limit + 1 bytes are read. Raises IndicatorsError in Chinese."""
    from .problems import IndicatorsError
    parsed = Parsed(display_name(Path(path).name), "", b"")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise IndicatorsError(_refuse_open(parsed, e).problems[0].message + f"：{path}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise IndicatorsError(f"「{parsed.file}」不是普通文件（{_file_kind(st.st_mode)}），请选择{what}本身")
    with os.fdopen(fd, "rb", buffering=0) as f:
        data = f.read(limit + 1) if st.st_size <= limit else None
    if data is None or len(data) > limit:
        raise IndicatorsError(f"「{parsed.file}」超过{what}的大小上限 {_size(limit)}，未读取")
    return data


def _file_kind(mode: int) -> str:
    for test, what in ((stat.S_ISDIR, "是文件夹"), (stat.S_ISCHR, "是字符设备"), (stat.S_ISBLK, "是块设备"),
                       (stat.S_ISFIFO, "是管道"), (stat.S_ISSOCK, "是套接字")):
        if test(mode):
            return what
    return "不是普通文件"


def _refuse_open(parsed: Parsed, e: OSError) -> Parsed:
    if isinstance(e, IsADirectoryError):
        return _refuse(parsed, "not_regular_file", value=parsed.file, extra="是文件夹")
    why = {errno.ENOENT: "文件不存在", errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限",
           errno.ELOOP: "符号链接循环", errno.ENAMETOOLONG: "文件名过长", errno.EIO: "磁盘读取错误",
           errno.ENXIO: "设备不存在", errno.EBUSY: "文件被占用", errno.ETXTBSY: "文件被占用"}.get(e.errno, f"系统错误 {e.errno}")
    return _refuse(parsed, "unreadable_file", extra=why)


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
