"""Read ledger files as they really are: find each sheet's header row and kind, whatever the layout.

Reading is done by fastexcel (Rust calamine into Arrow, every cell as text), which measured 0.24 s
for a 100k-row sheet where pandas+openpyxl took 4.8 s (PERF-NOTES.md). Before it sees the file,
containers/ judges what the file is and what reading it would cost; merged ranges, formulas
without a saved result and error cells, which the reader does not report, come from that same pass
over the workbook XML (.xlsx) or BIFF records (.xls). CSV is read by containers/text.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath

import fastexcel
import polars as pl
import python_calamine

from . import containers
from .containers import Unreadable
from .config import Catalog, default_catalog
from .interpret import IGNORE, Answers, Question, Reading, Used, layout_of, unit_meaning, units_named
from .ledgers import LEDGERS, Ledger, normalise_header
from .problems import Problem

HEADER_SCAN_ROWS = 30  # a header further down than this is not a header
# a column of running numbers, which almost every ledger has and none stores: left out without a note
ROW_NUMBER_HEADER = re.compile(r"^(序号|序|编号|顺序号|行号|no\.?|№)$", re.IGNORECASE)
MIN_HEADER_MATCHES = 3

# Rows that are not records: totals, signatures and notes under the table, template examples. Matched
# against a row's first filled cell in sheet order (合计 is usually written in the 序号 column), spaces removed.
SKIP_ROW = re.compile(r"^(合计|小计|总计|累计|共计|填表人|制表人|审核人|填报人|负责人|联系人|联系电话|填表说明|说明[:：]|注[:：]|备注[:：]"
                      r"|续表|第\d+页|共\d+页|[-—–]\d+[-—–]$"
                      # 以下空白 and its forms: （此页以下空白）, ——以下空白——, 以下无内容, 以下为空
                      r"|[-—–－_~～(（\[【]*(?:此页|本页|本表)?以下(?:空白|无内容|无数据|无正文|为空|无)"
                      # a total with its block in front: 一季度小计, 上半年合计, 本页小计, 红旗区合计
                      r"|[^\d:：]{1,10}(合计|小计|总计|累计|共计)[:：]?$"
                      # signature and date lines: 单位负责人：, 填表：, 审核：, 分管领导签字：, 填报日期：
                      r"|(单位|科室|部门|股室|主要|分管|单位主要)?(负责人|领导)(签字|签名|审核)?[:：]"
                      r"|(填表|填报|制表|审核|审批|审定|签发|复核|经办|统计)(人|员)?(签字|签名)?[:：]"
                      r"|(填报|填表|制表|报送|上报|统计)(日期|时间)[:：]|(联系)?(电话|方式)[:：]|[(（]?(单位)?盖章[)）]?"
                      r")")
# a row holding only a title (a pasted page's title that differs from the first page's: 培训学法台账（续）)
TITLE_ROW = re.compile(r"(台账|统计表|登记表|一览表|汇总表|情况表)")
EXAMPLE_MARK = "【填写示例】"


@dataclass
class RawSheet:
    """A sheet as text. Frame row i is Excel row i+1; frame column j is Excel column `col_index[j]` (0-based)."""

    name: str
    frame: pl.DataFrame
    col_index: list[int]
    visible: bool = True
    marks: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)  # (row0, col) -> (code, text)
    skipped: str = ""  # why the sheet was not read, when it was not (said to the user)


@dataclass
class Mapped:
    field: str
    source: str  # frame column name
    header: str  # header text as written
    letter: str  # Excel column letter


@dataclass
class Table:
    """A sheet recognised as a ledger: which column is which, and its data rows."""

    ledger: Ledger
    sheet: str
    header_row: int  # Excel row number of the (last) header row
    columns: dict[str, Mapped]
    data: pl.DataFrame  # data rows with `_row` (Excel row number)
    problems: list[Problem] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)  # rows -1: every data row of the sheet
    notes: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    used: list[Used] = field(default_factory=list)  # answers given now that this sheet used
    layout: str = ""
    header_texts: set[str] = field(default_factory=set)  # cell texts of the title and header rows (pasted pages)
    noted: set[str] = field(default_factory=set)  # frame columns mapped or already explained
    partial: set[str] = field(default_factory=set)  # fields whose header was matched by a key word only
    year: tuple[int, str] | None = None  # the one year the title or file name names, and where


def col_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        s = chr(65 + rem) + s
    return s


def read_csv(data: bytes, name: str) -> list[RawSheet]:
    """A CSV file as one sheet of text. Raises containers.Unreadable (a ValueError) when it cannot be read."""
    text = containers.text.decode(data)
    containers.text.check_content(text)
    records = containers.text.rows(text)
    width = max((len(r) for r in records), default=0)
    columns = {f"c{j}": [(r[j] if j < len(r) and r[j] != "" else None) for r in records] for j in range(width)}
    # a CSV saved by Excel writes an error cell as its text (#N/A): named as the error it was
    errors = set(containers.ERROR_CODES.values())
    marks = {(i, j): ("error_value", v) for j, col in enumerate(columns.values()) if errors.intersection(col)
             for i, v in enumerate(col) if v in errors}
    frame = pl.DataFrame(columns, schema={k: pl.String for k in columns})
    return [RawSheet(name.rsplit(".", 1)[0], frame, list(range(width)), marks=marks)]


def _fill_merged(frame: pl.DataFrame, col_index: list[int], ranges) -> pl.DataFrame:
    """Give every cell of a merged range the value of its top-left cell, as a reader of the sheet sees it.

    Ranges are clipped to the frame first; when their clipped areas add up to more cells than the
    sheet has, some overlap (Excel itself refuses such a file), and the sheet is refused rather than
    filled cell by cell for ever.
    """
    if not ranges or frame.width == 0:
        return frame
    pos = {c: j for j, c in enumerate(col_index)}
    last_row = frame.height - 1
    clipped = [(r0, c0, min(r1, last_row), c1) for r0, c0, r1, c1 in ranges if r0 <= last_row and r1 >= r0 and c1 >= c0]
    area = sum((r1 - r0 + 1) * sum(1 for c in range(c0, min(c1, col_index[-1]) + 1) if c in pos)
               for r0, c0, r1, c1 in clipped if c0 <= col_index[-1])
    if area > frame.height * frame.width:
        raise Unreadable("merged_overlap", f"{len(ranges)} 个合并区域")
    fills: dict[int, tuple[list[int], list]] = {}
    for r0, c0, r1, c1 in clipped:
        if c0 not in pos:
            continue
        value = frame[r0, pos[c0]]
        for c in range(c0, min(c1, col_index[-1]) + 1):
            if c in pos:
                idx, vals = fills.setdefault(pos[c], ([], []))
                cells = range(r0 + 1, r1 + 1) if c == c0 else range(r0, r1 + 1)
                idx.extend(cells)
                vals.extend([value] * len(cells))
    columns = []
    for j, name in enumerate(frame.columns):
        series = frame.get_column(name)
        if fills.get(j, ([],))[0]:
            idx, vals = fills[j]
            # patch only the rows the ranges span (a title row, a header): slices share the rest,
            # where a clone of the whole column doubled a 100k-row sheet in memory
            lo, hi = min(idx), max(idx) + 1
            mid = series.slice(lo, hi - lo).clone().scatter([i - lo for i in idx], pl.Series(vals, dtype=pl.String))
            series = pl.concat([series.slice(0, lo), mid, series.slice(hi)], rechunk=False)
        columns.append(series)
    return pl.DataFrame(columns)


def read_workbook(data: bytes, name: str) -> list[RawSheet]:
    """Every sheet of an .xlsx/.xls/.csv file as text, judged by its content rather than its name.

    Hidden sheets come back empty with `visible=False` (they are not read). Raises
    containers.Unreadable (a ValueError with a problem code) when the file is no spreadsheet, is
    damaged or encrypted, or would exceed a limit of containers (sizes, extent, sheets, merges).
    """
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = containers.kind_of(data, suffix)
    if kind == "text":
        return read_csv(data, name)
    infos = containers.inspect_xlsx(data) if kind == "zip" else containers.inspect_ole(data)[1]
    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
    except BaseException as e:  # noqa: BLE001 - sorted by _reader_failure, which re-raises what is not the reader's
        raise _reader_failure(e, kind) from e
    # the reader lists the same sheets in the same order; by name when some were left out (chart sheets)
    if len(names) == len(infos):
        pairs = list(zip(names, infos))
    else:
        by_name = {i.name: i for i in infos}
        pairs = [(n, by_name.get(n)) for n in names]
    sheets = []
    for sheet_name, info in pairs:
        if info is not None and info.visible and info.missing:
            sheets.append(RawSheet(sheet_name, pl.DataFrame(), [], True, {}, "的数据不在文件中（文件可能已损坏）"))
            continue
        if info is None or not info.visible or info.cells == 0:
            sheets.append(RawSheet(sheet_name, pl.DataFrame(), [], info is not None and info.visible, {}))
            continue
        if info.used is not None and len(info.used) > containers.MAX_COLUMNS:
            sheets.append(RawSheet(sheet_name, pl.DataFrame(), [], True, {},
                                   f"有 {len(info.used):,} 列有内容，超过 {containers.MAX_COLUMNS:,} 列，不是台账"))
            continue
        # only the columns holding something: a stray cell far to the right costs one column, not thousands
        # by absolute index: the reader's columns start at the first cell with a value, and formatted empty cells
        # in front (a bordered blank column A) are in `used` but not among them (a list naming one was refused)
        use = (lambda c, used=frozenset(info.used): c.absolute_index in used) if info.used else None
        try:
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0, use_columns=use)
            frame = sheet.to_polars()
        except BaseException as e:  # noqa: BLE001 - as above
            raise _reader_failure(e, kind) from e
        if frame.width == 0 or frame.height == 0:
            sheets.append(RawSheet(sheet_name, pl.DataFrame(), [], True, info.marks))
            continue
        col_index = [c.absolute_index for c in sheet.selected_columns]
        frame = frame.cast({c: pl.String for c in frame.columns})
        frame = _fill_merged(frame, col_index, info.merges)
        sheets.append(RawSheet(sheet_name, frame, col_index, True, info.marks))
    return sheets


_READER_ERRORS = (fastexcel.FastExcelError, python_calamine.CalamineError, OSError, ValueError)


def _reader_failure(e: BaseException, kind: str = "") -> Unreadable:
    """The reader's own errors, and a Rust panic inside it (pyo3's PanicException, a BaseException of its
    own per extension), become what happened to the file; anything else is a bug and goes on."""
    if isinstance(e, _READER_ERRORS) or type(e).__name__ == "PanicException":
        return _translate(e, kind)
    raise e


def _translate(e: BaseException, kind: str = "") -> Unreadable:
    """A reader's English error as what happened to the file. A file containers/ already knows to be
    a workbook (a zip with xl/workbook.xml, an OLE file with a Workbook stream) that the reader cannot
    read is a damaged workbook, whatever the reader calls it ("cannot detect file format")."""
    text = str(e).lower()
    if "password" in text or "encrypt" in text:
        return Unreadable("encrypted")
    if kind in ("zip", "ole"):
        return Unreadable("corrupt", "工作簿的内部结构不完整或已损坏" if kind == "zip" else "旧版工作簿（.xls）的内部结构已损坏")
    if "cannot detect file format" in text or "unrecognized" in text:
        return Unreadable("not_spreadsheet", "无法识别的文件格式")
    return Unreadable("corrupt", "读取工作表时出错，文件内容不完整或已损坏")


# Normalised header spellings per ledger and field, computed once (header search tries ~60 candidate
# rows against every ledger).
_FORMS = {l.kind: {c.field: c.header_forms() for c in l.columns} for l in LEDGERS.values()}
_NAMES = {l.kind: {normalise_header(c.name): c.field for c in l.columns} for l in LEDGERS.values()}
# levels of a header's claim on a field: the clerk's answer, the column's own name, a listed spelling,
# a header ending in the column's key word, a header containing it
ANSWERED, NAMED, EXACT, ENDS, CONTAINS = 5, 4, 3, 2, 1
_PARTIAL_MAX = 12  # a longer cell, or one with digits, is data, not a header built from a key word
_DIGIT = re.compile(r"\d")
_LABELLED = re.compile(r"[:：].")  # 填报单位：某某县: a line of the sheet, label and value, no header


@lru_cache(maxsize=20000)
def _claims(kind: str, header: str) -> tuple[tuple[str, int, str], ...]:
    """(field, level, key word) for every field of ledger `kind` this normalised header may name."""
    if not header:
        return ()
    out = []
    ledger = LEDGERS[kind]
    for col in ledger.columns:
        if header in _FORMS[kind][col.field]:
            out.append((col.field, NAMED if _NAMES[kind].get(header) == col.field else EXACT, ""))
        elif len(header) <= _PARTIAL_MAX and not _DIGIT.search(header) and not _LABELLED.search(header):
            level, word = col.keyword_score(header)
            if level:
                out.append((col.field, level, word))
    return tuple(out)


@dataclass
class _Fit:
    """How one candidate header row fits one ledger: which position is which field, and what is undecided."""

    found: dict[str, int] = field(default_factory=dict)  # field -> position
    how: dict[str, tuple[int, str]] = field(default_factory=dict)  # field -> (level, key word or answer)
    duplicate: dict[str, list[int]] = field(default_factory=dict)  # exact header written twice
    ambiguous: dict[str, list[int]] = field(default_factory=dict)  # field -> tied positions, nothing decides
    losers: dict[int, str] = field(default_factory=dict)  # position -> field a better header took
    ignored: set[int] = field(default_factory=set)  # answered 不导入此列

    @property
    def exact(self) -> int:
        return sum(1 for level, _ in self.how.values() if level >= EXACT)

    def score(self) -> int:
        return 2 * self.exact + len(self.found) - self.exact


def _match(ledger: Ledger, headers: list[str], answered: dict[str, tuple[str, bool]] | None = None) -> _Fit:
    """Give each field the one position whose header names it best: answers, then exact and listed
    spellings, then a header ending in the key word, then one containing it. No position takes two
    fields; a tie that nothing decides is left undecided (ambiguous), never guessed."""
    claims: dict[int, dict[str, tuple[int, str]]] = {}
    fit = _Fit()
    names = _NAMES[ledger.kind]
    for j, h in enumerate(headers):
        if not h:
            continue
        if answered and h in answered:
            target = answered[h][0]
            if target == IGNORE:
                fit.ignored.add(j)
                continue
            f = names.get(normalise_header(target))
            if f:
                claims[j] = {f: (ANSWERED, "已保存的回答" if not answered[h][1] else "本次回答")}
                continue
        for f, level, word in _claims(ledger.kind, h):
            claims.setdefault(j, {})[f] = (level, word)
    if not claims:
        return fit
    open_fields = [c.field for c in ledger.columns]
    taken: set[int] = set(fit.ignored)
    levels = sorted({lv for c in claims.values() for lv, _ in c.values()}, reverse=True)
    for level in levels:
        cands: dict[str, list[int]] = {}
        for j, c in claims.items():
            if j not in taken:
                for f, (lv, _) in c.items():
                    if lv == level and f in open_fields:
                        cands.setdefault(f, []).append(j)
        by_pos: dict[int, list[str]] = {}
        for f, js in cands.items():
            for j in js:
                by_pos.setdefault(j, []).append(f)
        for f, js in cands.items():
            if not js:
                continue
            if level in (NAMED, EXACT) and len(js) > 1:  # the same header twice: refused as before
                fit.duplicate[f] = js
            elif len(js) > 1 or len(by_pos[js[0]]) > 1:
                fit.ambiguous[f] = js
                continue
            fit.found[f] = js[0]
            fit.how[f] = (level, claims[js[0]][f][1])
        for f in list(fit.found) + list(fit.ambiguous):
            if f in open_fields:
                open_fields.remove(f)
        taken |= {fit.found[f] for f in fit.found} | {j for f in fit.duplicate for j in fit.duplicate[f]}
    for j, c in claims.items():
        if j not in taken and not any(j in js for js in fit.ambiguous.values()):
            lost = [f for f in c if f in fit.found]
            if lost:
                fit.losers[j] = lost[0]
    return fit


def _header_candidates(rows: list[tuple]) -> list[tuple[int, int, list[str], list[str]]]:
    """(first row, last row, normalised headers, headers as written) for single and two-row headers."""
    norms = [[normalise_header(v) for v in row] for row in rows]
    out = []
    for r, row in enumerate(rows):
        norm = norms[r]
        out.append((r, r, _adjacent_date(norm), [str(v or "").strip() for v in row]))
        if r + 1 < len(rows):
            combined, written = _compose(row, rows[r + 1], norm, norms[r + 1])
            out.append((r, r + 1, _adjacent_date(combined), written))
    return out


_MONTH, _DAY, _YEAR_PART = ("月", "月份"), ("日",), ("年", "年份")


def _adjacent(norm: list[str], j: int) -> dict[str, int] | None:
    """{'年'?, '月', '日': position} of a date written over side-by-side columns headed 月 | 日 (年 | 月 | 日),
    with no group cell over them (the year in the title), the 月 column at `j`."""
    if not (norm[j] in _MONTH and j + 1 < len(norm) and norm[j + 1] in _DAY):
        return None
    return {"月": j, "日": j + 1} | ({"年": j - 1} if j > 0 and norm[j - 1] in _YEAR_PART else {})


def _adjacent_date(norm: list[str]) -> list[str]:
    """A header row with 月 | 日 side by side read as one 日期 column (at 月; the others left to it)."""
    if "日" not in norm:
        return norm
    out = list(norm)
    for j in range(len(norm)):
        if parts := _adjacent(norm, j):
            for p, k in parts.items():
                out[k] = "日期" if p == "月" else ""
    return out


# the sub-column of a group that is the group's own figure (参加人数 over 合计), and one that is a breakdown
# of it (其中：执法人员, 含…), which no ledger field takes
_GROUP_TOTAL = re.compile(r"^(合计|小计|总计|总数|计|共计|小计数|合计数)$")
_BREAKDOWN = re.compile(r"^(其中|内含|含)")
# a sub-column that says nothing without its group: 地点 over 名称 is the 地点 (场所类型 beside it is read on its own)
_GENERIC = re.compile(r"^(名称|名字|具体|具体名称|详细|详细地址|地址|具体地点|具体位置)$")
# a date written over columns under one group cell (日期 over 年 / 月 / 日)
DATE_PARTS = ("年", "月", "日")


def _groups(top: list[str]) -> list[tuple[int, int]]:
    """(first, last) position of each run of one text in a header row (a merged group cell, filled)."""
    runs, j = [], 0
    while j < len(top):
        k = j
        while k + 1 < len(top) and top[k + 1] and top[k + 1] == top[j]:
            k += 1
        runs.append((j, k))
        j = k + 1
    return runs


def _compose(row: tuple, below: tuple, norm: list[str], sub: list[str]) -> tuple[list[str], list[str]]:
    """A two-row header read as a person reads it: each column the path group -> sub-column.

    Under a group cell merged over several columns, 合计 is the group's figure (参加人数 over 合计 is
    参加人数), 其中：… is a breakdown of it (left out), a sub-column that names nothing alone is the group
    (地点 over 名称), and 年 / 月 / 日 are one date (the 月 column takes the group's name; date_parts
    finds the others). Any other sub-column is read on its own, as before; a cell over one column is
    the header when nothing is under it.
    """
    combined = [b or a for a, b in zip(norm, sub)]
    written = [str(b or a or "").strip() for a, b in zip(row, below)]
    for first, last in _groups(norm):
        if first == last or not norm[first]:
            continue
        group = norm[first]
        parts = [sub[j] for j in range(first, last + 1)]
        if "月" in parts and "日" in parts and set(parts) <= set(DATE_PARTS):
            for j in range(first, last + 1):
                combined[j] = group if sub[j] == "月" else ""
                written[j] = f"{str(row[first] or '').strip()}（{'、'.join(p for p in DATE_PARTS if p in parts)}）" \
                    if sub[j] == "月" else str(below[j] or "").strip()
            continue
        # a generic sub-column takes its group's name only when the group names a column of some ledger
        generic = any(_claims(kind, group) for kind in LEDGERS)
        if not any(_GROUP_TOTAL.match(p) or generic and _GENERIC.match(p) for p in parts):
            continue
        for j in range(first, last + 1):
            if _GROUP_TOTAL.match(sub[j]) or generic and _GENERIC.match(sub[j]):
                combined[j], written[j] = group, f"{str(row[first] or '').strip()}（{str(below[j]).strip()}）"
            elif _BREAKDOWN.match(sub[j]):
                combined[j] = ""
    return combined, written


def date_parts(rows: list[tuple], last: int, j: int) -> dict[str, int] | None:
    """{'年'?, '月', '日': position} of a date written over columns (under one group cell, or 月 | 日 side by side),
    the 月 column at `j` of the header's last row `last`; None when the date is one column."""
    row = [normalise_header(v) for v in rows[last]]
    if row[j] != "月" or last < 1:  # 月 | 日 side by side, in the last header row or over an empty cell above it (a CSV)
        return _adjacent(row, j) or (_adjacent([normalise_header(v) for v in rows[last - 1]], j)
                                     if last >= 1 and not row[j] else None)
    top = [normalise_header(v) for v in rows[last - 1]]
    for first, end in _groups(top):
        if first <= j <= end:
            parts = {row[k]: k for k in range(first, end + 1)}
            if "日" in parts and set(parts) <= set(DATE_PARTS):
                return parts
    return _adjacent(row, j)


def _fit_candidate(ledger: Ledger, top_norm: list[str], first: int, last: int, norm: list[str],
                   answers: Answers | None) -> _Fit:
    answered = answers.for_layout(ledger.kind, layout_of(norm)) if answers else None
    if last > first:
        # a header under a group cell merged over several columns that names nothing of this ledger on its
        # own is read with the group cell when that names a column (类型 under 活动地点 is 活动地点类型)
        grouped = list(norm)
        for j, (top, h) in enumerate(zip(top_norm, norm)):
            if (top and h and h != top and (j > 0 and top_norm[j - 1] == top or j + 1 < len(top_norm) and top_norm[j + 1] == top)
                    and not _claims(ledger.kind, h) and _claims(ledger.kind, top + h)):
                grouped[j] = top + h
        if grouped != norm:
            return _fit_two_rows(ledger, top_norm, grouped, answered)
    return _fit_two_rows(ledger, top_norm, norm, answered) if last > first else _match(ledger, norm, answered)


def _fit_two_rows(ledger: Ledger, top_norm: list[str], norm: list[str], answered) -> _Fit:
    """A two-row header: a field counts when either row names it."""
    fit = _match(ledger, norm, answered)
    top = _match(ledger, top_norm, answered)
    for f, j in top.found.items():
        # a top cell names a column only over an empty (or merged, same-text) cell: above a header of its
        # own (序号 under 填报单位：…) it is a line of the sheet, not a group header
        if norm[j] != top_norm[j] and norm[j]:
            continue
        if f not in fit.found and f not in fit.ambiguous and j not in fit.found.values():
            fit.found[f], fit.how[f] = j, top.how[f]
    return fit


# 填报单位（盖章）：某某县国动办 above the header: the unit of a ledger that has no 单位 column
_UNIT_LINE = re.compile(r"(?:填报|报送|填表|上报|制表)?单位(?:名称)?\s*(?:[(（][^)）]*[)）])?\s*[:：]\s*(.*)")
_LABEL = re.compile(r"\s+|[^\s:：]{2,6}[:：]")


def _lines_above(rows, first: int) -> list[list[str]]:
    """The filled cells of each row above the header that is a line of text (a title, 填报单位：…), not
    a row of a table (a group header above the header's merged cells)."""
    out = []
    for row in rows[:first]:
        cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
        if len(dict.fromkeys(cells)) <= 3:
            out.append(cells)
    return out


def _unit_from_context(rows, first: int, file: str, catalog: Catalog) -> tuple[str | None, str, list[str]]:
    """(unit, where it was found, units named) from the lines above the header, the title, the file name."""
    lines = [cells for cells in _lines_above(rows, first)]
    titles = []
    for cells in lines:
        text = " ".join(dict.fromkeys(cells))  # a merged title repeats its text in every cell
        m = _UNIT_LINE.search(text)
        if m:
            value = _LABEL.split(m.group(1).strip(), maxsplit=1)[0] if m.group(1).strip() else ""
            if value:
                unit, _, _ = unit_meaning(catalog, value)
                named = [unit] if unit else units_named(catalog, value)
                line = m.group(0)[: len(m.group(0)) - len(m.group(1))] + value
                if named:
                    return (named[0] if len(named) == 1 else None), f"表头上方的“{line}”", named
            continue
        titles.append(text)
    named, where = [], []
    for text, label in [(" ".join(titles), "标题"), (PurePath(file).stem, "文件名")]:
        found = units_named(catalog, text)
        if found:
            where.append(f"{label}“{text[:40]}”")
            named += [u for u in found if u not in named]
    if len(named) == 1:
        return named[0], "、".join(where), named
    return None, "、".join(where), named


def _is_ledger(ledger: Ledger, fit: _Fit, named: set[str], required: int) -> bool:
    """Enough headers name this ledger's columns. Headers matched by a key word only count when the
    date column is among them, so that a summary table beside the ledger (单位 | 开展次数 | 参加人次)
    is not taken for a ledger and refused."""
    exact = {f for f, (level, _) in fit.how.items() if level >= EXACT}
    if len(exact) >= MIN_HEADER_MATCHES and sum(1 for c in ledger.columns if c.required and c.field in exact) >= 2:
        return True
    return "date" in fit.found and len(named) >= MIN_HEADER_MATCHES and required >= 2


_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年")
_YEARS = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def _year_from_context(rows, first: int, file: str) -> tuple[int, str] | None:
    """The year a ledger's title (or else its file name) names, when it names exactly one (2025年培训学法台账)."""
    for text, label in [(" ".join(dict.fromkeys(v for cells in _lines_above(rows, first) for v in cells)), "标题"),
                        (PurePath(file).stem, "文件名")]:
        years = set(_YEARS.findall(text)) if _YEAR.search(text) else set()  # 2024—2025年: two years
        if len(years) == 1:
            return int(years.pop()), f"{label}“{text[:40]}”"
        if years:
            return None
    return None


# a snapshot's date above its header: 截至2025年6月30日, 统计日期：2025-06-30
_AS_OF = re.compile(r"(截至|截止到?|统计日期|统计时间|截止日期|截至日期)\s*[:：]?\s*(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})")


def _date_from_context(rows, first: int, file: str) -> tuple[str | None, str]:
    """(date as 2025-06-30, where) of a staff snapshot that names its date once above the header or in
    its file name (截至2025年6月30日); none when it names none, or several."""
    for text, label in [(" ".join(dict.fromkeys(v for cells in _lines_above(rows, first) for v in cells)), "标题"),
                        (PurePath(file).stem, "文件名")]:
        found = {(int(y), int(m), int(d)) for _, y, m, d in _AS_OF.findall(text)}
        if len(found) == 1:
            y, m, d = found.pop()
            return f"{y:04d}-{m:02d}-{d:02d}", f"{label}“{text[:40]}”"
        if found:
            return None, ""
    return None, ""


# what a clerk writes in the 单位 column of their own ledger when its title names the unit
SELF_UNIT = ["本单位", "本办", "我办", "我单位", "本部门", "本级"]


def _all_self(cells: pl.Series) -> bool:
    """Every filled cell says 本单位 (looked at in full only when the first one does)."""
    first = cells.drop_nulls().head(1).to_list()
    if not first or re.sub(r"\s", "", first[0]) not in SELF_UNIT:
        return False
    return bool(cells.str.replace_all(r"\s", "").is_in(SELF_UNIT).fill_null(True).all())


CONTEXT_UNIT = "_unit_context"  # the frame column holding the unit taken from the sheet's context
CONTEXT_DATE = "_date_context"  # the frame column holding a snapshot's date taken from its title
CONTEXT_PARTS = "_date_parts"  # the frame column holding a date written over 年 / 月 / 日 columns, joined
CONTEXT_COLUMNS = (CONTEXT_UNIT, CONTEXT_DATE, CONTEXT_PARTS)


def _join_date(data: pl.DataFrame, parts: dict[str, str]) -> pl.DataFrame:
    """The date of each row written over 年 / 月 / 日 columns as one text (2025年3月1日, or 3月1日 with the
    year from the title); empty when every part is, and a text that fails as a date when one is missing."""
    def part(name: str) -> pl.Expr:  # 3, 3.0 or 3月 (a part written with its own 年 / 月 / 日)
        return pl.col(name).str.strip_chars().str.replace(r"(?:\.0+)?\s*[年月日号]?$", "").fill_null("")
    pieces = ([part(parts["年"]), pl.lit("年")] if "年" in parts else []) + [part(parts["月"]), pl.lit("月"),
                                                                            part(parts["日"]), pl.lit("日")]
    empty = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in parts.values()])
    return data.with_columns(pl.when(~empty).then(pl.concat_str(pieces)).alias(CONTEXT_PARTS))


def recognise(raw: RawSheet, file: str, answers: Answers | None = None, catalog: Catalog | None = None) -> Table | None:
    """The ledger this sheet holds, with its header mapped; None when it holds no ledger.

    Takes the sheet as read, the file's name (the unit may be in it) and the clerk's answers (column
    mappings given now or kept for this header layout). Headers are matched by meaning; what was read
    by a partial name, taken from context or left undecided is in the Table's readings, notes and
    questions, and a required column still missing is a problem.
    """
    if raw.frame.height == 0:
        return None
    rows = raw.frame.head(HEADER_SCAN_ROWS).rows()
    best = None
    candidates = _header_candidates(rows)
    single = {first: norm for first, last, norm, _ in candidates if first == last}
    for first, last, norm, written in candidates:
        if sum(1 for h in norm if h) < MIN_HEADER_MATCHES:
            continue
        for ledger in LEDGERS.values():
            fit = _fit_candidate(ledger, single[first], first, last, norm, answers)
            named = set(fit.found) | set(fit.ambiguous)
            required = sum(1 for c in ledger.columns if c.required and c.field in named)
            score = (fit.score(), -len(fit.duplicate), required, -(last - first))
            if _is_ledger(ledger, fit, named, required) and (best is None or score > best[0]):
                best = (score, ledger, first, last, fit, norm, written)
    if best is None:
        return None
    _, ledger, first, last, fit, norm, written = best
    return _table(raw, file, rows, ledger, first, last, fit, norm, written, catalog or default_catalog())


def _table(raw: RawSheet, file: str, rows, ledger: Ledger, first: int, last: int, fit: _Fit, norm: list[str],
           written: list[str], catalog: Catalog) -> Table:
    problems, columns, readings, notes, questions, used, partial, used_up = [], {}, [], [], [], [], set(), set()
    names = raw.frame.columns
    layout = layout_of(norm)
    described = _description_rows(rows, last)
    start = last + 1 + len(described)
    data = raw.frame.slice(start).with_columns(_row=pl.int_range(start + 1, raw.frame.height + 1, dtype=pl.Int64))
    letter = lambda j: col_letter(raw.col_index[j])
    head = lambda j: written[j] or norm[j]
    missing = []
    for col in ledger.columns:
        j = fit.found.get(col.field)
        if col.field in fit.ambiguous:
            js = fit.ambiguous[col.field]
            tied = "、".join(f"「{head(k)}」（{letter(k)}列）" for k in js)
            if col.required:
                problems.append(Problem("ambiguous_column", file, raw.name, last + 1, col.name, extra=tied))
            else:
                notes.append(f"工作表「{raw.name}」中的列 {tied} 都可能是「{col.name}」，无法确定，均未导入；"
                             f"如需导入，请把其中一列的表头改为“{col.name}”")
            continue
        if j is None:
            if col.required:
                missing.append(col)
            continue
        if col.field in fit.duplicate:
            problems.append(Problem("duplicate_column", file, raw.name, last + 1, col.name,
                                    extra="、".join(letter(k) for k in fit.duplicate[col.field])))
        columns[col.field] = Mapped(col.field, names[j], written[j] or col.name, letter(j))
        level, word = fit.how[col.field]
        if level == ANSWERED:
            readings.append(Reading(raw.name, "column", f"列「{head(j)}」（{letter(j)}列）按「{col.name}」读取（{word}）", -1,
                                    col.field))
            if word == "本次回答":
                used.append(Used("column", ledger.kind, layout, col.name, head(j), col.name))
        elif level < EXACT:
            partial.add(col.field)
            how = f"以“{word}”结尾" if level == ENDS else f"含“{word}”"
            readings.append(Reading(raw.name, "column", f"列「{head(j)}」（{letter(j)}列）按「{col.name}」读取（表头{how}）", -1,
                                    col.field))
    data = _composed(raw, rows, first, last, norm, columns, fit, data, described, readings, notes, used_up)
    for j, f in fit.losers.items():
        notes.append(f"工作表「{raw.name}」中的列「{head(j)}」（{letter(j)}列）也像是「{ledger.column(f).name}」，"
                     f"已按「{columns[f].header}」（{columns[f].letter}列）读取，此列未导入")
    unit_cells = data.get_column(columns["unit"].source) if "unit" in columns and data.height else None
    if unit_cells is not None and (unit_cells.null_count() == data.height or _all_self(unit_cells)):
        # a 单位 column left empty (or 本单位) on every row, the unit written above the header once
        unit, where, named = _unit_from_context(rows, first, file, catalog)
        if unit:
            data = data.with_columns(pl.lit(unit, pl.String).alias(CONTEXT_UNIT))
            said = "没有填写" if unit_cells.null_count() == data.height else "写的是“本单位”"
            readings.append(Reading(raw.name, "unit", f"「{columns['unit'].header}」列{said}，各行单位取自{where}：{unit}", -1))
            used_up.add(columns["unit"].source)
            columns["unit"] = Mapped("unit", CONTEXT_UNIT, f"单位（取自{where}）", "")
    if any(c.field == "unit" for c in missing):
        unit, where, named = _unit_from_context(rows, first, file, catalog)
        if unit:
            missing = [c for c in missing if c.field != "unit"]
            data = data.with_columns(pl.lit(unit, pl.String).alias(CONTEXT_UNIT))
            columns["unit"] = Mapped("unit", CONTEXT_UNIT, f"单位（取自{where}）", "")
            readings.append(Reading(raw.name, "unit", f"表中没有「单位」列，各行单位取自{where}：{unit}", -1))
        else:
            hint = (f"表中没有「单位」列，{where}中写了不止一个单位（{'、'.join(named)}），无法确定各行属于哪个单位"
                    if len(named) > 1 else "表中没有「单位」列，表头上方、标题和文件名中也没有写明单位")
            unit_col = ledger.column("unit")
            problems.append(Problem("missing_column", file, raw.name, last + 1, unit_col.name,
                                    hint=hint + "；只有一个单位的台账，也可在表头上方写一行“填报单位：某某县国动办”"))
            missing = [c for c in missing if c.field != "unit"]
    if ledger.kind == "staff" and any(c.field == "date" for c in missing):
        date, where = _date_from_context(rows, first, file)
        if date:
            missing = [c for c in missing if c.field != "date"]
            data = data.with_columns(pl.lit(date, pl.String).alias(CONTEXT_DATE))
            columns["date"] = Mapped("date", CONTEXT_DATE, f"{ledger.column('date').name}（取自{where}）", "")
            readings.append(Reading(raw.name, "column", f"表中没有「{ledger.column('date').name}」列，各行统计日期取自{where}：{date}", -1))
    for col in missing:
        problems.append(Problem("missing_column", file, raw.name, last + 1, col.name))
    undecided = [c for c in ledger.columns if c.required and (c.field in fit.ambiguous or
                                                              (c.field not in columns))]
    if undecided:
        questions += _column_questions(raw.name, ledger, fit, norm, written, letter, layout, columns, undecided)
    taken = {m.source for m in columns.values()}
    texts = {str(v) for row in rows[: last + 1] for v in row if v is not None and str(v).strip()}
    return Table(ledger, raw.name, last + 1, columns, data, problems, readings=readings, notes=notes,
                 questions=questions, used=used, layout=layout, header_texts=texts, partial=partial,
                 year=_year_from_context(rows, first, file),
                 noted={names[j] for j in fit.losers} | {names[j] for js in fit.ambiguous.values() for j in js}
                 | {names[j] for j in fit.ignored} | taken | used_up)


def _composed(raw: RawSheet, rows, first: int, last: int, norm: list[str], columns: dict[str, Mapped], fit: _Fit,
              data: pl.DataFrame, described: list[tuple[int, str]], readings: list, notes: list, used_up: set) -> pl.DataFrame:
    """What the header block composed and skipped, said (readings, notes) and applied: a date over 年 / 月 /
    日 columns joined into one (returned in `data`), breakdown columns left out, description rows skipped."""
    names = raw.frame.columns
    letter = lambda j: col_letter(raw.col_index[j])
    if "date" in columns and (parts := date_parts(rows, last, fit.found["date"])):
        data = _join_date(data, {p: names[k] for p, k in parts.items()})
        columns["date"] = Mapped("date", CONTEXT_PARTS, columns["date"].header, columns["date"].letter)
        used_up |= {names[k] for k in parts.values()}
        shown = "、".join(f"「{str(rows[last][k] or rows[last - 1][k] if last else rows[last][k]).strip()}」" for k in parts.values())
        group = str(rows[first][parts["月"]] or "").strip() if last > first else ""
        readings.append(Reading(raw.name, "column", f"「{group if group and normalise_header(group) not in _MONTH else '日期'}」分写在{shown}"
                                                    f"（{'、'.join(letter(k) for k in parts.values())}列），按一个日期读取", -1))
    breakdowns = [j for j in range(len(norm)) if not norm[j] and _BREAKDOWN.match(normalise_header(rows[last][j]))] \
        if last > first else []
    for j in breakdowns:
        group = str(rows[first][j] or "").strip()
        notes.append(f"工作表「{raw.name}」中的列「{str(rows[last][j]).strip()}」（{letter(j)}列）是「{group}」的分项，未导入")
    used_up |= {names[j] for j in breakdowns}
    for r, what in described:
        readings.append(Reading(raw.name, "skipped", f"第 {r + 1} 行是{what}，不是数据，已跳过", 1))
    return data


# rows under a header that describe its columns: 栏次 (甲、乙、丙 … 1、2、3) and units ((人) (次) (%))
_COLUMN_LABEL = re.compile(r"^(栏次|[甲乙丙丁戊己庚辛壬癸]|\d{1,2}|[A-Z])$")
_UNIT_LABEL = re.compile(r"^[(（]?(单位[:：]?)?(人|名|次|人次|篇|份|个|项|件|期|场|学时|小时|课时|天|元|万元|%|％|个数|户|处)[)）]?$")
MAX_DESCRIPTION_ROWS = 3


def _description_rows(rows: list[tuple], last: int) -> list[tuple[int, str]]:
    """(row index, what it is) of the rows right under the header that only describe its columns: 栏次, units,
    and a third header row (执法人员 / 领导干部 under 其中), which comes first."""
    out = []
    for r in range(last + 1, min(last + 2 + MAX_DESCRIPTION_ROWS, len(rows))):
        cells = [re.sub(r"\s", "", str(v)) for v in rows[r] if v is not None and str(v).strip()]
        if len(cells) < 2:
            break
        if all(_COLUMN_LABEL.match(c) for c in cells) and (any(not c.isdigit() for c in cells) or _counts_up(cells)):
            out.append((r, "表头下的栏次行"))
        elif all(_UNIT_LABEL.match(c) for c in cells):
            out.append((r, "表头下的计量单位行"))
        elif not out and _header_below(rows[last], rows[r]):
            out.append((r, "多行表头的一部分"))
        else:
            break
    return out


def _header_below(header: tuple, row: tuple) -> bool:
    """A third header row: sub-columns under the header's 其中 cells (执法人员 / 领导干部), and elsewhere only the
    header's own text (merged down) or nothing; no figure."""
    under = 0
    for h, v in zip(header, row):
        text = normalise_header(v)
        if not text:
            continue
        if _DIGIT.search(text):
            return False
        if _BREAKDOWN.match(normalise_header(h)):
            under += 1
        elif text != normalise_header(h):
            return False
    return under > 0


def _counts_up(cells: list[str]) -> bool:
    """1, 2, 3 … in order: column numbers, never a row of figures."""
    digits = [int(c) for c in cells if c.isdigit()]
    return len(digits) >= 2 and digits == list(range(digits[0], digits[0] + len(digits)))


def _column_questions(sheet, ledger, fit, norm, written, letter, layout, columns, undecided) -> list[Question]:
    """"此列是…" for every header that took no field (and every tied one), offering the fields still open."""
    open_names = tuple(c.name for c in ledger.columns if c.field not in columns)
    suggest = {j: ledger.column(f).name for f, js in fit.ambiguous.items() for j in js}
    out = []
    for j, h in enumerate(norm):
        if not h or j in fit.found.values() and j not in suggest:
            continue
        why = (f"可能是「{suggest[j]}」，但不止一列像它" if j in suggest else
               "缺少必填列" + "、".join(f"「{c.name}」" for c in undecided if c.field not in fit.ambiguous))
        out.append(Question("column", sheet, ledger.kind, written[j] or h, options=(*open_names, IGNORE),
                            suggestions=(suggest[j],) if j in suggest else (), layout=layout,
                            why=f"{letter(j)}列；{why}"))
    return out
