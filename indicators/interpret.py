"""What the intake read by meaning, what it must ask, and the clerk's answers.

A `Reading` is one interpretation made (a column matched by a partial name, a value read by meaning,
the unit taken from the sheet's context, repeated headers skipped) with how many rows it touched;
the preview lists every one, so nothing is interpreted silently. A `Question` is asked where the
reader cannot be sure; `Answers` are what the clerk said (now, or kept from an earlier upload).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .config import Catalog
from .config import _unit_key as config_unit_key
from .ledgers import normalise_choice, normalise_header

IGNORE = "不导入此列"  # the answer to "此列是…" that leaves a column out


@dataclass(frozen=True)
class Reading:
    """One interpretation the reader made, and how many data rows it touched."""

    sheet: str
    kind: str  # column | value | unit | skipped
    text: str  # Chinese, as the preview shows it
    rows: int
    field: str = ""  # column readings: the field read

    def as_dict(self) -> dict:
        return {"工作表": self.sheet, "解读": self.text, "涉及行数": self.rows}


@dataclass(frozen=True)
class Question:
    """Something only the clerk can decide.

    kind "column": which column of `ledger` the header `subject` is (options: column names, or IGNORE);
    kind "value": which allowed value the cell text `subject` of column `column` means.
    """

    kind: str
    sheet: str
    ledger: str  # ledger kind
    subject: str  # the header or the value as written
    column: str = ""  # value questions: the column's canonical name
    options: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()  # the nearest options, best first
    layout: str = ""  # column questions: the header layout the answer is kept for
    rows: int = 0
    why: str = ""  # Chinese: why it is asked

    @property
    def key(self) -> tuple:
        return (self.kind, self.ledger if self.kind == "column" else "", self.column, self.subject)


def layout_of(headers: list[str]) -> str:
    """The signature of a header layout: its normalised non-empty headers in order."""
    return "|".join(h for h in headers if h)


@dataclass
class Answers:
    """The clerk's answers: column mappings (header -> canonical column name) and value aliases.

    `columns` apply to any layout (given now); `kept_columns` only to the layout they were kept for.
    `values` and `kept_values` map (column name, normalised value) -> canonical value.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[tuple[str, str], str] = field(default_factory=dict)
    kept_columns: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (ledger, layout) -> {header: column}
    kept_values: dict[tuple[str, str], str] = field(default_factory=dict)

    def add_column(self, header: str, column: str) -> None:
        self.columns[normalise_header(header)] = column

    def add_value(self, column: str, raw: str, value: str) -> None:
        self.values[(normalise_header(column), normalise_choice(raw))] = value

    def for_layout(self, ledger: str, layout: str) -> dict[str, tuple[str, bool]]:
        """header -> (column name, given now) for one candidate header layout of one ledger."""
        out = {h: (c, False) for h, c in self.kept_columns.get((ledger, layout), {}).items()}
        out.update({h: (c, True) for h, c in self.columns.items()})
        return out

    def value(self, column: str, raw: str) -> tuple[str, bool] | None:
        """(canonical value, given now) for a cell text of a column, when the clerk said what it means."""
        key = (normalise_header(column), normalise_choice(raw))
        if key in self.values:
            return self.values[key], True
        if key in self.kept_values:
            return self.kept_values[key], False
        return None

    def __bool__(self) -> bool:
        return bool(self.columns or self.values or self.kept_columns or self.kept_values)


@dataclass(frozen=True)
class Used:
    """An answer given now that this file used: kept when the file is imported."""

    kind: str  # column | value
    ledger: str
    layout: str  # column answers: the layout they are kept for
    column: str  # canonical column name
    subject: str  # header or value as written
    target: str  # column answers: the column name; value answers: the canonical value


# ------------------------------------------------------------------ units by meaning

_PREFIXES = ("河南省", "新乡市", "新乡")  # what offices put in front of a county unit's own name
_BRACKETED = re.compile(r"[(\[【（][^)\]】）]*[)\]】）]")
_SECTION_ENDS = ("科", "股", "处", "室")


def _squash(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


@lru_cache(maxsize=8)
def _spellings(units: tuple) -> dict[str, str]:
    """Every written form of every unit (name, full name, aliases), squashed -> canonical name."""
    out: dict[str, str] = {}
    for u in units:
        for s in (u.name, u.full_name, *u.aliases):
            if s:
                out[_squash(s)] = u.name
    return out


def unit_meaning(catalog: Catalog, raw: object) -> tuple[str | None, str, tuple[str, ...]]:
    """(unit, how it was read, nearest units) for a unit cell that the unit list does not name as written.

    Read by meaning: the province or city in front (新乡市辉县市人防办 -> 辉县市, while 新乡县 keeps its own
    name because it resolves as written), words in brackets, a short name that starts exactly one unit's
    name (辉县 -> 辉县市). Never guessed: a typo or a name fitting several units gives no unit and the
    nearest ones.
    """
    s = _squash(raw)
    if not s:
        return None, "", ()
    if unit := catalog.resolve_unit(s):
        return unit, "", ()
    rest, dropped = s, []
    for prefix in _PREFIXES:
        if rest.startswith(prefix) and len(rest) > len(prefix):
            rest, _ = rest[len(prefix):], dropped.append(prefix)
            if unit := catalog.resolve_unit(rest):
                return unit, f"去掉前面的“{''.join(dropped)}”", ()
    bare = _BRACKETED.sub("", rest)
    if bare != rest and (unit := catalog.resolve_unit(bare)):
        return unit, "去掉括号中的文字", ()
    for text in dict.fromkeys((_BRACKETED.sub("", s), bare)):
        if text[-1:] in _SECTION_ENDS:  # a section of the office (市国动办法规科): the office is the unit
            for k in range(2, min(7, len(text) - 1)):
                if unit := unit_meaning(catalog, text[:-k])[0] if len(text) - k >= 2 else None:
                    return unit, f"去掉后面的“{text[-k:]}”", ()
    key = config_unit_key(bare)
    if len(key) >= 2:
        starts = {u for sp, u in _spellings(catalog.units).items() if sp.startswith(key) and sp != key}
        if len(starts) == 1:
            return starts.pop(), "简称", ()
        if len(starts) > 1:
            return None, "", tuple(sorted(starts, key=catalog.unit_names.index))[:4]
    return None, "", nearest(key or s, _spellings(catalog.units))


def nearest(text: str, spellings: dict[str, str], n: int = 3, cutoff: float = 0.5) -> tuple[str, ...]:
    """The allowed values whose spellings are closest to `text` (a probable typo), best first."""
    out: list[str] = []
    for match in difflib.get_close_matches(text, list(spellings), n=8, cutoff=cutoff):
        if spellings[match] not in out:
            out.append(spellings[match])
    return tuple(out[:n])


def units_named(catalog: Catalog, text: str) -> list[str]:
    """The units a free text (a title, a file name) names, in order; a city name in front of a county's is no unit."""
    s = _squash(text)
    hits = []
    for sp, unit in _spellings(catalog.units).items():
        if len(sp) < 2 or sp in _PREFIXES:  # 新乡市 alone in a title is the place, not the city office
            continue
        start = s.find(sp)
        while start >= 0:
            hits.append((start, start + len(sp), unit))
            start = s.find(sp, start + 1)
    # a spelling inside a longer one (新乡市 in 新乡市国防动员办公室) is part of it
    hits = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)]
    out: list[str] = []
    for _, _, unit in sorted(hits):
        if unit not in out:
            out.append(unit)
    return out
