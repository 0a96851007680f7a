"""The drafted report as data: which sentences the figures call for, in the office's own words.

Two versions for the city: 本级报告 (the office's own work and its supervision of the counties, as
the annual report is written) and 全市汇总 (the whole system's totals); a county unit gets its own
report. The shape is the annual report's: 主送 line, an opening that ends "现将…报告如下：",
一、完成情况 (one run-in paragraph per line of work), 二、存在的问题及原因 (only real shortfalls,
each with a 原因分析 placeholder a person fills in), 三、明年工作计划 (下半年工作打算 at mid-year),
特此报告 and the office and date.

Every sentence is built from a figure and says only what the figure shows: "坚持每季度主任办公会议
学法制度" is written only when every quarter ended so far had a session, a comparison with the same
period last year only when last year has data. Numbers sit in the Chinese text without spaces,
brackets are full-width.

This module chooses; it holds no wording. What is said of each indicator is in the catalogue
(data/indicators.toml, [indicator.report], its fields and placeholders explained in
config.REPORT_FIELDS / REPORT_FACTS), a line of work's headings and plan in its [groups] table, the
generic sentences in wording.py. The .docx is laid out by report_docx.py.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections import ChainMap, Counter
from dataclasses import dataclass

from .. import progress, store
from ..config import REPORT_VARIANTS, Indicator
from ..progress import DONE, LAGGING, NOT_STARTED, ON_PACE, SCORE_LABELS, Period
from . import wording as W
from .common import (BEHIND, CITY_SCOPE_NAME, ORG_NAME, Figures, cn_date, cn_numeral, gather, is_first_half,
                     is_full_year, is_missing, needed, num, period_word)

VERSIONS = ("全市", "本级")  # 全市汇总 / 本级报告 (the city office's own work and its supervision)
VERSION_NAMES = {"全市": "全市汇总", "本级": "本级报告"}
RHYTHM_MONTHS = {"quarter": 3, "half-year": 6}  # the rhythms whose keeping a sentence may claim
SNAPSHOT_RULES = ("ratio", "latest")  # rules that read the latest 统计表 row


# ---------------------------------------------------------------- the draft as data

@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: str = ""  # run-in second-level heading, e.g. "（一）深化习近平法治思想学习宣传。"
    kind: str = "body"  # body | heading | recipient | sign (right-aligned office and date) | note


@dataclass(frozen=True)
class Draft:
    title: str
    paragraphs: tuple[Paragraph, ...]
    title_parts: tuple[str, ...] = ()  # where the title may break, by meaning (who and when | what)

    def text(self) -> str:
        lines = [self.title, ""] + [p.lead + p.text for p in self.paragraphs]
        return "\n".join(lines)


# ---------------------------------------------------------------- the facts the sentences read

class _Facts:
    """The scope's figures, as sentences need them: values, last year's, rhythm kept per sub-period."""

    def __init__(self, conn: sqlite3.Connection, fig: Figures):
        per = fig.period
        self.conn, self.fig, self.per, self.catalog = conn, fig, per, fig.catalog
        self.now = fig.rows().set_index("indicator")
        self.before = fig.rows(last_year=True).set_index("indicator")
        self.when = period_word(per)
        self.final = is_full_year(per)
        self.city_wide = fig.city_wide
        # the city office reports on its own work and on its supervision of the counties
        self.supervises = not fig.city_wide and fig.catalog.unit(fig.unit).is_city
        self.sub = {3: self._subperiods(conn, 3, W.QUARTERS), 6: self._subperiods(conn, 6, W.HALVES)}
        self._ledgers: dict[str, list[dict]] = {}
        snaps = store.latest_snapshots(conn, per.start, per.end)
        units = [u for u in ([fig.unit] if fig.unit else fig.catalog.unit_names) if u in snaps]
        self.snap = ({k: sum(snaps[u][k] or 0 for u in units) for k in ("quota", "staff", "certified")}
                     if units else None)

    def _subperiods(self, conn, months: int, labels) -> list[tuple[str, dict]]:
        """(label, totals) of each quarter or half-year of the period that has ended by its as-of date."""
        out = []
        for i, m in enumerate(range(months, 13, months)):
            start = dt.date(self.per.year, m - months + 1, 1)
            end = (dt.date(self.per.year, m, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            if end > self.per.as_of:
                break
            out.append((labels[i], store.measure_totals(conn, start, end)))
        return out

    def ledger(self, kind: str) -> list[dict]:
        """The scope's rows of one ledger in the period, read once."""
        if kind not in self._ledgers:
            self._ledgers[kind] = store.ledger_frame(self.conn, kind, self.per.start, self.per.end, self.fig.unit)
        return self._ledgers[kind]

    def rows_of(self, ind: Indicator) -> list[dict]:
        """The ledger rows an indicator counts (its rule's `where`)."""
        where = ind.rule.get("where") or {}
        return [r for r in self.ledger(ind.ledger) if all(r.get(k) == v for k, v in where.items())]

    @property
    def not_done(self) -> str:
        """How a report says nothing was done: 全年未开展 at year end, 尚未开展 before."""
        return W.NOT_DONE[self.final]

    def applies(self, code: str) -> bool:
        return code in self.now.index and not is_missing(self.now.at[code, "value"])

    def v(self, code: str) -> float:
        value = self.now.at[code, "value"] if code in self.now.index else None
        return 0.0 if is_missing(value) else float(value)

    def n(self, code: str) -> str:
        return num(self.v(code))

    def row(self, code: str):
        return self.now.loc[code]

    def due(self, code: str) -> bool:
        expected = self.now.at[code, "expected"]
        return not is_missing(expected) and expected > 0

    def cmp(self, code: str) -> str:
        """'，较上年同期增加4次' / '，较上年同期减少1期'; '' when unchanged or last year has no data."""
        if not self.fig.has_last_year or code not in self.before.index:
            return ""
        before, measure = self.before.at[code, "value"], self.now.at[code, "measure"]
        if is_missing(before) or measure == "%":
            return ""
        diff = self.v(code) - float(before)
        if abs(diff) < 1e-9:
            return ""  # an unchanged figure needs no comparison
        return W.COMPARED.format(how=W.MORE if diff > 0 else W.LESS, diff=num(abs(diff)), measure=measure)

    def applicable_units(self, code: str) -> list[str]:
        ind = self.catalog.indicator(code)
        return [u.name for u in self.catalog.units if ind.applies(u)]

    def missed(self, unit: str, code: str, months: int) -> list[str]:
        """The ended quarters (months=3) or half-years (6) in which `unit` recorded none of `code`."""
        measure = progress.measure_name(self.catalog.indicator(code))
        return [label for label, totals in self.sub[months] if totals.get((unit, measure), 0) <= 0]

    def kept_rhythm(self, code: str, months: int) -> list[str]:
        """Units that recorded `code` in every ended quarter / half-year."""
        if not self.sub[months]:
            return []
        return [u for u in self.applicable_units(code) if not self.missed(u, code, months)]

    def units_with(self, code: str) -> list[str]:
        """Units that recorded any of `code` in the period."""
        f = self.fig.frame
        return list(f[(f.indicator == code) & (f.unit != progress.CITY_WIDE) & (f.value > 0)].unit)

    def behind_units(self, code: str, status: str | None = None) -> list[str]:
        f = self.fig.frame
        rows = f[(f.indicator == code) & (f.unit != progress.CITY_WIDE)]
        rows = rows[rows.status == status] if status else rows[rows.status.isin(BEHIND)]
        return list(rows.unit)


def _labels(labels: list[str]) -> str:
    """['第三季度', '第四季度'] -> '第三、四季度'."""
    if len(labels) > 1 and all(lb.startswith("第") and lb.endswith("季度") for lb in labels):
        return "第" + W.LIST_SEP.join(lb[1:-2] for lb in labels) + "季度"
    return W.LIST_SEP.join(labels)


def units_phrase(names: list[str], applicable: list[str]) -> str:
    """Name the units the short way: all of them are 各单位; a long list whose complement is
    shorter is said by what it leaves out (除市国动办、卫辉市外的14个单位)."""
    names = [u for u in applicable if u in names]
    others = [u for u in applicable if u not in names]
    if names and not others and len(names) > 1:
        return W.ALL_UNITS
    if len(names) > 5 and len(others) < len(names):
        return W.ALL_BUT.format(others=W.LIST_SEP.join(others), n=len(names))
    return W.LIST_SEP.join(names)


# ---------------------------------------------------------------- 一、完成情况: one indicator's sentence

def _rows_column(f: _Facts, ind: Indicator, column: str) -> list:
    return [r[column] for r in f.rows_of(ind)]


def _nodes(f: _Facts, ind: Indicator) -> str:
    covered, skip = set(_rows_column(f, ind, "node")), ind.report.get("nodes_except", ())
    return W.LIST_SEP.join(n for n in f.catalog.key_dates if n not in skip and n in covered)


# How each fact a template may name (config.REPORT_FACTS) is found, for one indicator in the scope.
FACTS = {
    "n": lambda f, ind: f.n(ind.code),
    "pct": lambda f, ind: f"{num(f.v(ind.code))}%",
    "cmp": lambda f, ind: f.cmp(ind.code),
    "when": lambda f, ind: f.when,
    "no": lambda f, ind: f.not_done,
    "not_yet": lambda f, ind: W.NOT_YET[f.final],
    "party": lambda f, ind: W.PARTY_OFFICE if f.supervises else W.PARTY,
    "who": lambda f, ind: "",  # given by _done_or_kept when the rhythm was kept
    "missed": lambda f, ind: "",  # given by _done_or_kept when a unit missed a quarter / half-year
    "units_with": lambda f, ind: len(f.units_with(ind.code)),
    "people": lambda f, ind: sum(v or 0 for v in _rows_column(f, ind, "participants")),
    "lawyer": lambda f, ind: any(W.LAWYER in (v or "") for v in _rows_column(f, ind, "speaker")),
    "nodes": _nodes,
    "venues": lambda f, ind: W.LIST_SEP.join(w for v, w in W.VENUE_WORDS.items()
                                             if v in set(_rows_column(f, ind, "venue_type"))),
    "materials": lambda f, ind: sum(v or 0 for v in _rows_column(f, ind, "materials")),
    "online": lambda f, ind: W.ONLINE_VENUE in _rows_column(f, ind, "venue_type"),
    "titles": lambda f, ind: W.LIST_SEP.join(t for t, _ in Counter(_rows_column(f, ind, "title")).most_common(3)),
    "staff": lambda f, ind: f.snap["staff"],
    "certified": lambda f, ind: f.snap["certified"],
    "quota": lambda f, ind: f.snap["quota"],
    "supervision": lambda f, ind: _supervision_result(f),
    "final": lambda f, ind: f.final,
}
# facts about another indicator, by prefix and its code: n_P03, pct_E02
PREFIXED_FACTS = {
    "n_": lambda f, code: f.n(code) if f.applies(code) and f.v(code) > 0 else "",
    "pct_": lambda f, code: f"{num(f.v(code))}%" if f.applies(code) else "",
}


class _Say(dict):
    """The facts one indicator's templates name, each found (FACTS) when a template asks for it."""

    def __init__(self, f: _Facts, ind: Indicator, known: dict):
        super().__init__(known)
        self.f, self.ind = f, ind

    def __missing__(self, name: str):
        prefix = next((p for p in PREFIXED_FACTS if name.startswith(p)), None)
        if prefix:
            value = PREFIXED_FACTS[prefix](self.f, name[len(prefix):])
        else:
            value = FACTS[name](self.f, self.ind)
        self[name] = value
        return value


def _has(report: dict, key: str) -> bool:
    return any(key + variant in report for variant in REPORT_VARIANTS)


def _template(f: _Facts, report: dict, key: str) -> str | None:
    """The template `key` in the scope's variant: _city for 全市汇总, _office for the city office's own."""
    if f.city_wide and key + "_city" in report:
        return report[key + "_city"]
    if f.supervises and key + "_office" in report:
        return report[key + "_office"]
    return report.get(key)


def _fill(f: _Facts, ind: Indicator, template: str, known: dict | None = None) -> str:
    """The template with its facts; a clause is written only when the fact it is named for holds."""
    say = _Say(f, ind, known or {})
    clauses = {name: (text.format_map(say) if say[name] else "")
               for name, text in ind.report.get("clauses", {}).items()}
    return template.format_map(ChainMap(clauses, say))


def _done_or_kept(f: _Facts, ind: Indicator) -> tuple[str, dict]:
    """A figure above zero: 'kept' where the rhythm was kept in every ended quarter / half-year (for
    全市: by some units, named), else 'done' (for a unit, naming the sub-periods it missed)."""
    months, code = RHYTHM_MONTHS.get(ind.rhythm), ind.code
    if not months or not _has(ind.report, "kept"):
        return "done", {}
    if f.city_wide:
        kept_by = f.kept_rhythm(code, months)
        who = units_phrase(kept_by, f.applicable_units(code)) if kept_by else ""
        return ("kept", {"who": who}) if who else ("done", {})
    missed = f.missed(f.fig.unit, code, months)
    if f.sub[months] and not missed:
        return "kept", {}
    word = ind.report.get("missed_word", "")
    return "done", {"missed": W.MISSED.format(labels=_labels(missed), word=word) if missed else ""}


def _sentence(f: _Facts, ind: Indicator) -> str | None:
    """The indicator's sentence as the catalogue words it, chosen by its figure; None when it says nothing."""
    report, code = ind.report, ind.code
    if not f.applies(code):
        return None
    value, known = f.v(code), {}
    if ind.is_rate:
        key = ("reached" if value >= 100 and _has(report, "reached") else
               "below" if value < 100 and _has(report, "below") else "done")
    elif value <= 0:
        key = "not_due" if _has(report, "not_due") and not f.due(code) else "none"
    else:
        key, known = _done_or_kept(f, ind)
    template = _template(f, report, key)
    return _fill(f, ind, template, known) if template else None


def _absent(f: _Facts, ind: Indicator) -> bool:
    """The indicator has no figure in the scope (for a 统计表 rule: no 统计表 row was reported)."""
    return not f.applies(ind.code) or (ind.rule.get("kind") in SNAPSHOT_RULES and f.snap is None)


def _generic(f: _Facts, code: str) -> str | None:
    """An indicator the catalogue gives no wording (added in configuration): its value in a plain sentence."""
    if not f.applies(code):
        return None
    r = f.row(code)
    value = f"{num(r.value)}%" if r.measure == "%" else f"{num(r.value)}{r.measure}"
    return W.GENERIC.format(name=r["name"], value=value, cmp=f.cmp(code))


def _group_text(f: _Facts, group: str) -> str:
    """A line of work's paragraph: its worded indicators' sentences in the group's order, then a
    plain sentence for each indicator without wording; an `absent` indicator speaks for the group."""
    order = f.catalog.groups[group].get("report", {}).get("order", [])
    inds = [i for i in f.catalog.indicators if i.group == group]
    worded = sorted((i for i in inds if i.report), key=lambda i: order.index(i.code) if i.code in order else len(order))
    absent = next((i for i in worded if _has(i.report, "absent") and _absent(f, i)), None)
    if absent is not None:
        sentences = [_fill(f, absent, _template(f, absent.report, "absent"))]
    else:
        sentences = [_sentence(f, i) for i in worded if "within" not in i.report]
    sentences += [_generic(f, i.code) for i in inds if not i.report]
    return "".join(s for s in sentences if s)


def _supervision_result(f: _Facts) -> str:
    """What the supervision found, in the two scores' own words (progress.SCORE_LABELS)."""
    sc = f.fig.scores
    if f.final:
        return W.SUPERVISION_FINAL.format(units=len(sc), label=SCORE_LABELS["score"], mean=num(sc.score.mean()),
                                          full=int((sc.score >= 100 - 1e-9).sum()))
    return W.SUPERVISION_PACE.format(units=len(sc), label=SCORE_LABELS["pace_score"], mean=num(sc.pace_score.mean()),
                                     full=int((sc.pace_score >= 100 - 1e-9).sum()))


def _group_wording(fig: Figures, group: str, key: str, fallback: str) -> str:
    """A group's heading or plan as the catalogue's [groups] table words it, else the generic one."""
    return fig.catalog.groups[group].get("report", {}).get(key, fallback)


# ---------------------------------------------------------------- opening

def _subject(fig: Figures) -> str:
    return CITY_SCOPE_NAME if fig.city_wide else fig.unit


def _office(fig: Figures) -> str:
    """The office that signs: the city office for both city versions, else the unit's own office."""
    if fig.city_wide:
        return ORG_NAME
    unit = fig.catalog.unit(fig.unit)
    return ORG_NAME if unit.is_city else W.UNIT_OFFICE.format(unit=unit.name)


def _status_summary(f: _Facts) -> str:
    scored = f.fig.rows()
    scored = scored[scored.target.notna()]
    counts = scored.status.value_counts()
    done, on_pace = int(counts.get(DONE, 0)), int(counts.get(ON_PACE, 0))
    lagging, not_started = int(counts.get(LAGGING, 0)), int(counts.get(NOT_STARTED, 0))
    if f.final:
        s = W.STATUS_FINAL.format(scored=len(scored), done=done)
        s += W.STATUS_FINAL_LAGGING.format(n=lagging) if lagging else ""
        s += W.STATUS_FINAL_NOT_STARTED.format(n=not_started) if not_started else ""
        return s if lagging or not_started else s + W.STATUS_FINAL_ALL_DONE
    s = W.STATUS_PACE.format(scored=len(scored), on_pace=done + on_pace)
    s += W.STATUS_PACE_DONE.format(n=done) if done else ""
    s += W.STATUS_PACE_LAGGING.format(n=lagging) if lagging else ""
    s += W.STATUS_PACE_NOT_STARTED.format(n=not_started) if not_started else ""
    return s


def _score_summary(f: _Facts) -> str:
    sc, fig = f.fig.scores, f.fig
    words = {"full": SCORE_LABELS["score"], "pace": SCORE_LABELS["pace_score"]}
    if fig.city_wide:
        template = W.SCORE_CITY_FINAL if f.final else W.SCORE_CITY_PACE
        return template.format(units=len(sc), score=num(sc.score.mean()), pace_score=num(sc.pace_score.mean()), **words)
    mine = sc[sc.unit == fig.unit].iloc[0]
    template = W.SCORE_UNIT_FINAL if f.final else W.SCORE_UNIT_PACE
    return template.format(score=num(mine.score), pace_score=num(mine.pace_score), placed=_placed(mine, sc), **words)


def _placed(mine, sc) -> str:
    """在全市14个有数据的单位中排名第2 (并列第1), or 尚未报送数据，不参与排名."""
    if not progress.is_ranked(mine):
        return W.NOT_RANKED
    return W.RANKED.format(units=int(sc.reported.sum()), how=W.RANKED_TIED if mine["tied"] else W.RANKED_ALONE,
                           rank=int(mine["rank"]))


def _opening(f: _Facts) -> str:
    per = f.per
    when, what, how = (W.OPENING_FINAL if f.final else W.OPENING_HALF if is_first_half(per) else W.OPENING_OTHER)
    fill = {"year": per.year, "label": per.label}
    return W.OPENING.format(when=when.format(**fill), subject=_subject(f.fig), how=how, status=_status_summary(f),
                            score=_score_summary(f), what=what.format(**fill))


# ---------------------------------------------------------------- 二、存在的问题及原因

def _unit_clause(f: _Facts, r, i: int) -> str:
    """One of the unit's own shortfalls, as a clause; counts in three wordings taken in turn."""
    m, v = r.measure, num(r.value)
    if m == "%" and is_missing(r.value):
        return W.NO_RATE_DATA.format(name=r["name"], when=f.when)
    if m == "%":
        return W.UNIT_RATE_BELOW.format(name=r["name"], value=v, target=num(r.target))
    if r.status == NOT_STARTED:
        return W.UNIT_NOT_STARTED.format(name=r["name"], no=f.not_done)
    if f.final:
        return W.UNIT_FINAL[i % 3].format(name=r["name"], value=v, m=m, target=num(r.target),
                                          completion=num(100 * r.completion))
    return W.UNIT_PACE[i % 3].format(name=r["name"], value=v, m=m, expected=needed(r.expected),
                                     gap=num(float(needed(r.expected)) - float(r.value)))


def _city_clause(f: _Facts, code: str, i: int) -> str | None:
    """One indicator whose city-wide total is behind (three wordings in turn, as _unit_clause)."""
    r = f.row(code)
    if r.status not in BEHIND:
        return None
    m, v = r.measure, num(r.value)
    if m == "%":
        return W.CITY_RATE_BELOW.format(name=r["name"], value=v, target=num(r.target))
    if f.final:
        return W.CITY_FINAL[i % 3].format(name=r["name"], value=v, m=m, target=num(r.target),
                                          completion=num(100 * r.completion))
    return W.CITY_PACE[i % 3].format(name=r["name"], value=v, m=m, expected=needed(r.expected),
                                     gap=num(float(needed(r.expected)) - float(r.value)))


def _and(names: list[str]) -> str:
    """甲、乙和丙"""
    return names[0] if len(names) == 1 else W.LIST_SEP.join(names[:-1]) + W.AND + names[-1]


def _rates_clause(rows, prefix: str = "") -> str | None:
    """Rates below target said once: 'A、B分别为66.7%、50%，均低于100%的目标'."""
    rows = [r for r in rows if not is_missing(r.value)]
    if not rows:
        return None
    if len(rows) == 1:
        r = rows[0]
        return W.RATE_ONE.format(name=r["name"], prefix=prefix, value=num(r.value), target=num(r.target))
    targets = {num(r.target) for r in rows}
    values = W.LIST_SEP.join(f"{num(r.value)}%" for r in rows)
    tail = W.RATES_SAME_TARGET.format(target=targets.pop()) if len(targets) == 1 else W.RATES_TARGETS
    return W.RATES.format(names=W.LIST_SEP.join(r["name"] for r in rows), prefix=prefix, values=values, tail=tail)


def _shortfall_clauses(f: _Facts, rows, clause) -> list[str]:
    """A group's behind rows as clauses: counts one by one (`clause(f, row, i)`), the ones not
    started named together, rates together."""
    counts = [r for r in rows if r.measure != "%" and r.status == LAGGING]
    idle = [r["name"] for r in rows if r.measure != "%" and r.status == NOT_STARTED]
    rates = [r for r in rows if r.measure == "%"]
    out = [clause(f, r, i) for i, r in enumerate(counts)]
    if idle:
        out.append(W.IDLE.format(names=_and(idle), no=f.not_done))
    out += [W.NO_RATE_DATA.format(name=r["name"], when=f.when) for r in rates if is_missing(r.value)]
    rates_text = _rates_clause(rates, W.RATE_PREFIX_CITY if f.city_wide else "")
    return out + ([rates_text] if rates_text else [])


def _units_behind(f: _Facts, codes: list[str]) -> list[str]:
    """Which units hold a line of work back, said once per set of units: '原阳县、封丘县、经开区尚未
    开展领导班子法治专题讲座、全员法治培训和法治宣传报道'. Units behind on an indicator whose total
    is on pace are a real gap too; the total itself is not quoted as a problem."""
    said: dict[tuple[str, str], list[str]] = {}
    for code in codes:
        if not f.applies(code):
            continue
        r = f.row(code)
        for status in (NOT_STARTED, LAGGING):
            units = f.behind_units(code, status)
            if not units:
                continue
            if r.measure == "%":
                word = W.BEHIND_RATE["lagging" if status == LAGGING else "not_started"]
            else:
                word = f.not_done if status == NOT_STARTED else W.BEHIND_COUNT[f.final]
            phrase = units_phrase(units, f.applicable_units(code))
            said.setdefault((phrase, word), []).append(r["name"])
    template = {True: W.BEHIND_NOT_STARTED, False: W.BEHIND_OTHER}
    return [template[word == f.not_done].format(units=phrase, word=word, names=_and(names))
            for (phrase, word), names in said.items()]


def _far_behind(f: _Facts) -> Paragraph | None:
    """Units with more than half their scored indicators behind: named, with their scores."""
    fig = f.fig
    scored = fig.frame[(fig.frame.unit != progress.CITY_WIDE) & fig.frame.target.notna()]
    size = scored.groupby("unit").size()
    far = fig.scores[[r.lagging * 2 > size.get(r.unit, 0) for r in fig.scores.itertuples()]]
    if not len(far):
        return None
    far = far.sort_values(fig.basis)
    each = W.FAR_BEHIND_EACH if len(far) > 1 else ""
    text = W.FAR_BEHIND.format(units=W.LIST_SEP.join(far.unit), when=f.when, each=each,
                               counts=W.LIST_SEP.join(str(n) for n in far.lagging), behind=W.FAR_BEHIND_WHAT[f.final],
                               label=SCORE_LABELS[fig.basis], scores=W.LIST_SEP.join(num(s) for s in far[fig.basis]))
    head = W.FAR_BEHIND_HEAD_OFFICE if f.supervises else W.FAR_BEHIND_HEAD
    given = f.fig.explanations
    explained = [u for u in far.unit if any(k[0] == u for k in given)]
    if fig.city_wide and explained:  # their reasons are quoted under each line of work below
        silent = [u for u in far.unit if u not in explained]
        why = (W.FAR_BEHIND_EXPLAINED.format(units=W.LIST_SEP.join(explained))
               + (W.FAR_BEHIND_SILENT.format(units=W.LIST_SEP.join(silent)) if silent else "") + "。")
        return Paragraph(text + why, head)
    return Paragraph(text + W.REASON_PLACEHOLDER + "。", head)


def _quote(text: str) -> str:
    """A unit's words as the report quotes them: one line, no closing stop (the sentence adds its own)."""
    return " ".join(text.split()).rstrip("。；;，,.").replace("“", "「").replace("”", "」")


def _lags(f: _Facts, codes: list[str] | None = None) -> list[tuple[str, str]]:
    """(unit, indicator) of the scope's lags (every unit's for 全市, the unit's own otherwise), in catalog order."""
    frame = f.fig.frame
    rows = frame[(frame.unit != progress.CITY_WIDE) & frame.status.isin(BEHIND)]
    if not f.fig.city_wide:
        rows = rows[rows.unit == f.fig.unit]
    if codes is not None:
        rows = rows[rows.indicator.isin(codes)]
    order = {i.code: n for n, i in enumerate(f.catalog.indicators)}
    return sorted(zip(rows.unit, rows.indicator), key=lambda k: order.get(k[1], 0))


def _reasons(f: _Facts, lags: list[tuple[str, str]]) -> str:
    """原因分析 written from the units' 情况说明: by indicator, naming the units (for 全市), quoting their
    reasons and measures; the lags still unexplained said as such. The placeholder only where no
    explanation exists at all."""
    given = f.fig.explanations
    by_code: dict[str, list[str]] = {}
    for u, c in lags:
        by_code.setdefault(c, []).append(u)
    many = f.fig.city_wide
    parts, silent = [], []
    for code, units in by_code.items():
        name = f.catalog.indicator(code).name
        said = [u for u in units if (u, code) in given]
        if len(said) < len(units):
            silent.append((code, [u for u in units if (u, code) not in given]))
        quotes = []
        for u in said:
            e = given[(u, code)]
            q = (W.REASON_CITY if many else W.REASON_UNIT).format(unit=u, reason=_quote(e.reason))
            if e.measure:
                q += (W.MEASURE_CITY if many else W.MEASURE_UNIT).format(measure=_quote(e.measure))
            if e.due:
                q += W.DUE.format(date=cn_date(e.due))
            quotes.append(q)
        if quotes:
            parts.append(W.REASON_BY_INDICATOR.format(name=name, quotes=W.CLAUSE_SEP.join(quotes)))
    if not given:  # nobody has explained anything yet: the drafter's placeholder, as before explanations existed
        return W.REASON_PLACEHOLDER + "。"
    text = W.REASONS.format(parts="。".join(parts)) if parts else ""
    if silent:
        same: dict[tuple[str, ...], list[str]] = {}  # one clause per set of units
        for code, units in silent:
            same.setdefault(tuple(units), []).append(f.catalog.indicator(code).name)
        if many:
            items = "，".join(W.UNEXPLAINED_CITY_ITEM.format(units=_and(list(u)), names=_and(n)) for u, n in same.items())
            text += W.UNEXPLAINED_CITY.format(items=items)
        else:
            text += W.UNEXPLAINED_UNIT.format(items="，".join(_and(n) for n in same.values()))
    return text if parts else (W.REASON_PLACEHOLDER + "。" + text)


def _problems(f: _Facts) -> tuple[list[Paragraph], list[str]]:
    """The 存在的问题 paragraphs and the groups they concern (for 三、工作计划)."""
    fig = f.fig
    paragraphs: list[Paragraph] = []
    groups: list[str] = []
    if fig.city_wide or f.supervises:
        far = _far_behind(f)
        if far and fig.city_wide:
            paragraphs.append(far)
    for group in fig.catalog.groups:
        codes = [i.code for i in fig.catalog.indicators if i.group == group]
        name = fig.group_name(group)
        if fig.city_wide:
            behind = [f.row(c) for c in codes if f.applies(c) and f.row(c).status in BEHIND]
            totals = _shortfall_clauses(f, behind, lambda f_, r, i: _city_clause(f_, r.name, i))
            units = _units_behind(f, codes)
            clauses = totals + ([(W.BY_UNIT if totals else "") + W.CLAUSE_SEP.join(units)] if units else [])
            head = _group_wording(fig, group, "problem_city", W.GROUP_PROBLEM_CITY).format(group=name)
        else:
            rows = fig.rows()
            rows = rows[(rows.group == group) & rows.status.isin(BEHIND)]
            clauses = _shortfall_clauses(f, [r for _, r in rows.iterrows()], _unit_clause)
            head = _group_wording(fig, group, "problem_unit", W.GROUP_PROBLEM_UNIT).format(
                group=name, gap=W.GAP[f.final])
        if clauses:
            groups.append(group)
            paragraphs.append(Paragraph(W.CLAUSE_SEP.join(clauses) + "。" + _reasons(f, _lags(f, codes)),
                                        W.RUN_IN.format(heading=head)))
    if f.supervises:
        far = _far_behind(f)
        if far:
            paragraphs.append(far)
            groups.append(_SUPERVISION)
    paragraphs = [Paragraph(p.text, W.NUMBERED.format(numeral=cn_numeral(i), text=p.lead))
                  for i, p in enumerate(paragraphs, 1)]
    if not paragraphs:
        done = W.NO_PROBLEMS_DONE[f.final]
        return [Paragraph(W.NO_PROBLEMS.format(when=f.when, done=done))], []
    return [Paragraph(W.PROBLEMS_INTRO), *paragraphs], groups


# ---------------------------------------------------------------- 三、工作计划, closing

_SUPERVISION = object()  # the problem of the supervision itself (the city office's own report), not a group


def _plans(f: _Facts, groups: list) -> Paragraph:
    who = W.PLAN_WHO if (f.city_wide or f.supervises) else ""
    items = [_group_wording(f.fig, g, "plan", "").format(who=who) for g in groups if g is not _SUPERVISION]
    items = [item for item in items if item]
    if _SUPERVISION in groups:
        items.append(W.PLAN_SUPERVISION)
    items += list(W.STANDING_PLANS)[:max(0, 3 - len(items))] if len(items) < 3 else []
    return Paragraph("".join(W.PLAN_ITEM.format(ordinal=W.ORDINALS[i], item=item) for i, item in enumerate(items)))


def _title(fig: Figures, supervises: bool) -> tuple[str, tuple[str, ...]]:
    """The title and its two parts by meaning (who and when | what), where a long title may break."""
    per = fig.period
    who = CITY_SCOPE_NAME if fig.city_wide else (ORG_NAME if supervises else W.UNIT_OFFICE.format(unit=fig.unit))
    when = (W.TITLE_WHEN_YEAR.format(year=per.year) if is_full_year(per) else
            W.TITLE_WHEN_HALF.format(year=per.year) if is_first_half(per) else per.label)
    return W.TITLE.format(who=who, when=when), (who + when, W.TITLE_WHAT)


def draft(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
          figures: Figures | None = None, version: str = "全市") -> Draft:
    """The drafted report as data (title, 主送, headings, paragraphs with their run-in headings).

    `version` matters for the city (unit None): 全市 = 全市汇总 (the whole system's totals), 本级 =
    本级报告 (the city office's own work and its supervision of the counties, as the annual report
    is written; the same as unit 市国动办). Raises IndicatorsError for an unknown unit.
    """
    if version not in VERSIONS:
        raise ValueError(version)
    fig = figures or gather(conn, period, unit)
    if fig.city_wide and version == "本级":
        fig = dataclasses.replace(fig, unit=next(u.name for u in fig.catalog.units if u.is_city))
    f = _Facts(conn, fig)
    title, parts = _title(fig, f.supervises)
    recipient = W.RECIPIENT_CITY if (fig.city_wide or f.supervises) else ORG_NAME
    section = W.SECTION_DONE["final" if f.final else "half" if is_first_half(period) else "other"]
    paragraphs = [Paragraph(W.RECIPIENT.format(recipient=recipient), kind="recipient"), Paragraph(_opening(f)),
                  Paragraph(section.format(when=f.when), kind="heading")]
    numbered = [(group, _group_text(f, group)) for group in fig.catalog.groups]
    numbered = [(g, t) for g, t in numbered if t]
    for i, (group, text) in enumerate(numbered, 1):
        head = _group_wording(fig, group, "heading", W.GROUP_HEADING).format(group=fig.group_name(group))
        paragraphs.append(Paragraph(text, W.NUMBERED.format(numeral=cn_numeral(i), text=W.RUN_IN.format(heading=head))))
    paragraphs.append(Paragraph(W.SECTION_PROBLEMS, kind="heading"))
    problems, groups = _problems(f)
    paragraphs += problems
    paragraphs.append(Paragraph(W.SECTION_PLANS["final" if f.final else "other"], kind="heading"))
    paragraphs.append(_plans(f, groups))
    paragraphs.append(Paragraph(W.CLOSING.format(we=W.WE_CITY if fig.city_wide else W.WE_OFFICE)))
    paragraphs.append(Paragraph(W.END))
    paragraphs.append(Paragraph(_office(fig), kind="sign"))
    paragraphs.append(Paragraph(cn_date(fig.made), kind="sign"))
    paragraphs.append(Paragraph(W.STAMP_NOTE.format(stamp=fig.stamp.text()), kind="note"))
    return Draft(title, tuple(paragraphs), parts)


def draft_text(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
               figures: Figures | None = None, version: str = "全市") -> str:
    """The drafted report as plain text, one paragraph a line (shown on the page for copying).

    Takes an open database, a Period, optionally a unit's canonical name (None = 全市) and, for the
    city, the version (全市 or 本级, see `draft`). Raises IndicatorsError for an unknown unit.
    """
    return draft(conn, period, unit, figures=figures, version=version).text()
