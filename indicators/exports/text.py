"""The drafted text (.docx and plain text): "一、年度工作完成情况" (or the half-year summary) and
"二、存在的问题", written from the figures in the annual report's own words.

Every sentence is built from a figure and says only what the figure shows: "坚持每季度主任办公会议
学法制度" is written only when every quarter ended so far had a session, a comparison with the same
period last year only when last year has data. The document is laid out as GB/T 9704 sets it: A4,
margins 37/35/28/26 mm, title 方正小标宋简体 二号, first-level headings 黑体 三号, second-level
run-in headings 楷体 (the standard's second level), body 仿宋_GB2312 三号 at a fixed 28.95 pt line
(22 lines a page), first line indented two characters.
"""
from __future__ import annotations

import datetime as dt
import io
import sqlite3
from collections import Counter
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt
from lxml import etree

from .. import progress, store
from ..progress import LAGGING, NOT_STARTED, Period
from .common import (BEHIND, CITY_SCOPE_NAME, Figures, cn_numeral, gather, is_first_half, is_full_year, is_missing,
                     join_names, needed, node_text, num, period_word)

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, PAGE_NUMBER_FONT = (
    "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体")
# Written into the document's font table as w:altName: Word takes these when the GB2312 fonts of
# government machines are not installed.
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体", "黑体": "SimHei"}
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = 22, 16, 14, 10.5  # 二号, 三号, 四号, 五号 in points
LINE_PITCH = Pt(28.95)  # 22 lines in the 225 mm text block
CHARS_PER_LINE = 28

# The report's four second-level headings, by line of work (groups are configuration; a new one
# gets its own name as heading).
SUBHEADS = {"T": "深化习近平法治思想学习宣传", "G": "健全法治政府建设制度机制", "P": "积极开展国防动员宣传",
            "E": "全面落实行政执法责任制"}
PROBLEM_HEADS = {"T": "学法培训开展不够均衡", "G": "法治建设制度落实不够到位", "P": "普法宣传的覆盖面和频次有待提升",
                 "E": "执法队伍建设存在短板"}
VENUE_WORDS = {"社区": "居民社区", "广场": "休闲广场", "学校": "学校", "企业": "企业", "机关": "机关单位"}
SEPTEMBER_NODE = "全民国防教育月"
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
HALVES = ("上半年", "下半年")
REASONS_NOTE = "（原因分析及整改措施请结合实际补充。）"


# ---------------------------------------------------------------- the draft as data

@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: str = ""  # run-in second-level heading, e.g. "（一）深化习近平法治思想学习宣传。"
    kind: str = "body"  # body | heading | note


@dataclass(frozen=True)
class Draft:
    title: str
    paragraphs: tuple[Paragraph, ...]

    def text(self) -> str:
        lines = [self.title, ""] + [p.lead + p.text for p in self.paragraphs]
        return "\n".join(lines)


# ---------------------------------------------------------------- the facts the sentences read

class _Facts:
    """The scope's figures, as sentences need them: values, last year's, rhythm kept per sub-period."""

    def __init__(self, conn: sqlite3.Connection, fig: Figures):
        per = fig.period
        self.fig, self.per, self.catalog = fig, per, fig.catalog
        self.now = fig.rows().set_index("indicator")
        self.before = fig.rows(last_year=True).set_index("indicator")
        self.when = period_word(per)
        self.total = "全市共" if fig.city_wide else ""
        self.sub = {3: self._subperiods(conn, 3, QUARTERS), 6: self._subperiods(conn, 6, HALVES)}
        self.publicity = store.ledger_frame(conn, "publicity", per.start, per.end, fig.unit)
        self.training = store.ledger_frame(conn, "training", per.start, per.end, fig.unit)
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
        """'，较上年同期增加 4 次' / '，较上年同期减少 1 期'; '' when unchanged or last year has no data."""
        if not self.fig.has_last_year or code not in self.before.index:
            return ""
        before, measure = self.before.at[code, "value"], self.now.at[code, "measure"]
        if is_missing(before) or measure == "%":
            return ""
        diff = self.v(code) - float(before)
        if abs(diff) < 1e-9:
            return ""  # unchanged figures are summed up once in the lead, not repeated in every sentence
        return f"，较上年同期{'增加' if diff > 0 else '减少'} {num(abs(diff))} {measure}"

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
        return "第" + "、".join(lb[1:-2] for lb in labels) + "季度"
    return "、".join(labels)


def _units_phrase(names: list[str], applicable: list[str]) -> str:
    """Name the units; when nearly all are named, say which are not ('除市国动办外的 15 个单位')."""
    others = [u for u in applicable if u not in names]
    if len(names) > 6 and len(others) <= 3:
        return (f"除{'、'.join(others)}外的 {len(names)} 个单位" if others else f"全部 {len(names)} 个单位")
    return join_names(names)


# ---------------------------------------------------------------- 一、完成情况, by line of work

def _count(f: _Facts, code: str, done: str, none: str) -> str | None:
    """A count sentence: `done` with {W} {T} {n} {cmp} filled, or `none` when nothing was done."""
    if not f.applies(code):
        return None
    if f.v(code) <= 0:
        return none.format(W=f.when)
    return done.format(W=f.when, T=f.total, n=f.n(code), cmp=f.cmp(code))


def _rhythm(f: _Facts, code: str, months: int, kept: str, city_lead: str, plain: str, miss: str,
            none: str) -> str | None:
    """A sentence on a per-quarter or per-half-year rhythm, claiming the rhythm only where it was kept:
    `kept` when every ended sub-period had one, else `plain` and the sub-periods `miss`ed; for 全市,
    how many units kept it (`city_lead`) and the total."""
    if not f.applies(code):
        return None
    fill = {"W": f.when, "T": f.total, "n": f.n(code), "cmp": f.cmp(code)}
    if f.v(code) <= 0:
        return none.format(**fill)
    if f.fig.city_wide:
        kept_by = f.kept_rhythm(code, months)
        who = ("各单位" if len(kept_by) == len(f.applicable_units(code)) else f"{len(kept_by)} 个单位") if kept_by else ""
        return (city_lead.format(who=who) + "，" if who else "") + plain.format(**fill) + "。"
    missed = f.missed(f.fig.unit, code, months)
    if f.sub[months] and not missed:
        return kept.format(**fill)
    return plain.format(**fill) + (f"，其中{_labels(missed)}{miss}" if missed else "") + "。"


def _training(f: _Facts) -> tuple[list[str | None], set[str]]:
    whose = "各单位党组" if f.fig.city_wide else "办党组"
    t04_people = sum(r["participants"] or 0 for r in f.training if r["category"] == "执法人员培训")
    lawyer = any("律师" in (r["speaker"] or "") for r in f.training if r["category"] == "执法人员培训")
    t03 = _rhythm(f, "T03", 3, "坚持每季度主任办公会议学法制度，{W}开展主任办公会议学法 {n} 次{cmp}。",
                  "{who}坚持每季度主任办公会议学法制度", "{W}{T}开展主任办公会议学法 {n} 次{cmp}", "未开展",
                  "{W}尚未开展主任办公会议学法。")
    sentences = [
        _count(f, "T01", f"坚持以习近平法治思想为指导，将习近平法治思想持续纳入{whose}理论学习中心组学习重要内容，"
                         "{W}{T}开展党组理论学习中心组法治专题学习 {n} 次{cmp}。",
               "{W}尚未开展党组理论学习中心组法治专题学习。"),
        _count(f, "T02", "{W}{T}举办 {n} 期领导班子参加的法治专题讲座{cmp}。", "{W}尚未举办领导班子参加的法治专题讲座。"),
        t03,
        _count(f, "T05", "认真组织开展多种形式的全员法治培训，{W}{T}开展 {n} 次{cmp}。", "{W}尚未开展全员法治培训。"),
        _count(f, "T04", "{W}{T}举办 {n} 期行政执法人员参加的法治专题培训班{cmp}，"
                         + (f"参训 {t04_people} 人次，" if t04_people else "")
                         + ("邀请律师授课，" if lawyer else "") + "提升执法人员专业素养。",
               "{W}尚未举办行政执法人员法治专题培训。"),
        _count(f, "T06", "充分利用传统媒体与新兴媒体，{W}{T}刊发法治宣传报道 {n} 篇{cmp}，宣传我市人防系统贯彻落实习近平法治思想的生动实践。",
               "{W}尚无法治宣传报道。"),
    ]
    return sentences, {"T01", "T02", "T03", "T04", "T05", "T06"}


def _governance(f: _Facts) -> tuple[list[str | None], set[str]]:
    g03 = None
    if f.applies("G03"):
        units_done = f.units_with("G03")
        if f.v("G03") > 0:
            g03 = (f"落实领导干部年度述法制度，{f.when}全市 {len(units_done)} 个单位开展领导干部述法 {f.n('G03')} 次。"
                   if f.fig.city_wide else
                   f"落实领导干部年度述法制度，{f.when}开展领导干部述法 {f.n('G03')} 次，把学法用法和推进人防法治建设情况作为年度述职内容。")
        elif f.due("G03"):
            g03 = f"{f.when}尚未开展领导干部年度述法。"
        else:
            g03 = "领导干部年度述法按要求于下半年开展。"
    sentences = [
        _rhythm(f, "G01", 6, "办党组每半年听取一次法治建设工作汇报，{W}共听取 {n} 次{cmp}，及时研究部署法治建设重点工作。",
                "{who}党组坚持每半年听取一次法治建设工作汇报", "{W}{T}听取法治建设工作汇报 {n} 次{cmp}", "未听取",
                "{W}尚未听取法治建设工作汇报。"),
        _rhythm(f, "G02", 6, "党政主要负责人认真履行推进法治建设第一责任人职责，每半年召开一次办公会研究解决法治建设重大问题，"
                "{W}共召开 {n} 次{cmp}。", "{who}每半年召开一次办公会研究解决法治建设重大问题",
                "{W}{T}召开办公会研究法治建设重大问题 {n} 次{cmp}", "未召开", "{W}尚未召开办公会研究法治建设重大问题。"),
        g03,
        _count(f, "G04", "按照法治新乡(法治政府)建设督导平台指标内容，对全市人防系统法治建设工作开展情况进行动态督导，"
                         "{W}开展 {n} 次{cmp}。", "{W}尚未开展督导平台动态督导。"),
    ]
    return sentences, {"G01", "G02", "G03", "G04"}


def _publicity(f: _Facts) -> tuple[list[str | None], set[str]]:
    rows = f.publicity
    sentences: list[str | None] = []
    if f.applies("P01"):
        covered = {r["node"] for r in rows}
        nodes = [node_text(n) for n in f.catalog.key_dates if n != SEPTEMBER_NODE and n in covered]
        venue_types = {r["venue_type"] for r in rows}
        venues = [w for v, w in VENUE_WORDS.items() if v in venue_types]
        materials = sum(r["materials"] or 0 for r in rows)
        if f.v("P01") > 0:
            who = "全市各单位" if f.fig.city_wide else ""
            s = f"{f.when}{who}"
            s += f"利用 {'、'.join(nodes)}等重要节点" if nodes else ""
            s += f"深入{'、'.join(venues)}等地" if venues else ""
            s += f"开展国防动员法治宣传教育活动 {f.n('P01')} 次{f.cmp('P01')}"
            if f.applies("P03"):
                s += f"，参与群众 {f.n('P03')} 人次"
            s += f"，发放宣传资料 {materials} 份" if materials else ""
            s += "，并通过网络媒体开展线上宣传" if "网络媒体" in venue_types else ""
            sentences.append(s + "。")
        else:
            sentences.append(f"{f.when}尚未开展国防动员法治宣传教育活动。")
    if f.applies("P04"):
        september = [r for r in rows if r["node"] == SEPTEMBER_NODE]
        titles = [t for t, _ in Counter(r["title"] for r in september).most_common(3)]
        if f.v("P04") > 0:
            who = "全市共" if f.fig.city_wide else ""
            sentences.append(f"全民国防教育月期间，{who}开展{'、'.join(titles)}等 {f.n('P04')} 项主题活动{f.cmp('P04')}，"
                             "营造浓厚的国防教育氛围。")
        elif f.due("P04"):
            sentences.append("全民国防教育月主题活动尚未开展。")
    return sentences, {"P01", "P02", "P03", "P04"}


def _rate(f: _Facts, code: str) -> str:
    return f"{num(f.v(code))}%"


def _enforcement(f: _Facts) -> tuple[list[str | None], set[str]]:
    codes = {"E01", "E02", "E03", "E04", "E05"}
    if f.snap is None or not f.applies("E01"):  # no 执法人员统计表 row in the period
        return [f"{f.when}尚未报送执法人员统计表，执法队伍有关指标暂无法统计。"], codes
    s = f.snap
    who = "全市现有" if f.fig.city_wide else "现有"
    first = (f"强化国防动员（人民防空）行政执法资格证管理，{who}行政执法人员 {s['staff']} 人，持证 {s['certified']} 人，"
             f"持证率 {_rate(f, 'E01')}")
    if f.applies("E05"):
        first += f"；{f.when}{f.total}办理执法证件申领、换证 {f.n('E05')} 件"
    if f.applies("E02"):
        first += f"，年审完成率 {_rate(f, 'E02')}"
    out = [first + "。"]
    if f.applies("E03"):
        out.append(f"强化行政执法人员培训，执法人员培训覆盖率 {_rate(f, 'E03')}。")
    if f.applies("E04"):
        out.append(f"执法人员配备率 {_rate(f, 'E04')}（编制 {s['quota']} 人、实有 {s['staff']} 人）。"
                   if f.v("E04") < 100 else "执法人员按编制配备到位。")
    return out, codes


WRITERS = {"T": _training, "G": _governance, "P": _publicity, "E": _enforcement}


def _generic(f: _Facts, code: str) -> str | None:
    """An indicator no writer knows (added in configuration): its value in a plain sentence."""
    if not f.applies(code):
        return None
    r = f.row(code)
    value = f"{num(r.value)}%" if r.measure == "%" else f"{num(r.value)} {r.measure}"
    return f"{r['name']}{f.when}完成 {value}{f.cmp(code)}。"


def _group_text(f: _Facts, group: str) -> str:
    sentences, handled = WRITERS[group](f) if group in WRITERS else ([], set())
    sentences += [_generic(f, i.code) for i in f.catalog.indicators if i.group == group and i.code not in handled]
    return "".join(s for s in sentences if s)


# ---------------------------------------------------------------- lead and 二、存在的问题

def _status_summary(f: _Facts) -> str:
    scored = f.fig.rows()
    scored = scored[scored.target.notna()]
    counts = scored.status.value_counts()
    done, on_pace = int(counts.get(progress.DONE, 0)), int(counts.get(progress.ON_PACE, 0))
    lagging, not_started = int(counts.get(LAGGING, 0)), int(counts.get(NOT_STARTED, 0))
    if is_full_year(f.per):
        s = f"{len(scored)} 项考核指标中，已完成 {done} 项"
        behind = lagging + not_started
        s += f"，未完成 {behind} 项" if behind else "，全部完成年度目标"
    else:
        s = f"对照“时间过半、任务过半”要求，{len(scored)} 项考核指标中 {done + on_pace} 项达到时间进度"
        s += f"（其中已完成 {done} 项）" if done else ""
        s += f"，进度滞后 {lagging} 项" if lagging else ""
        s += f"，尚未开展 {not_started} 项" if not_started else ""
    return s


def _lead(f: _Facts) -> str:
    per, fig = f.per, f.fig
    when = f"{per.year}年" if is_full_year(per) else (f"{per.year}年上半年" if is_first_half(per) else per.label)
    subject = CITY_SCOPE_NAME if fig.city_wide else fig.unit
    how = "严格对照法治政府建设目标任务，" if is_full_year(per) else ""
    text = f"{when}，{subject}{how}{_status_summary(f)}"
    sc = fig.scores
    basis = "" if is_full_year(per) else "（按全年目标计）"
    if fig.city_wide:
        text += f"；{len(sc)} 个单位督导平台平均评分{basis or ' '}{num(sc.score.mean())} 分"
    else:
        mine = sc[sc.unit == fig.unit].iloc[0]
        text += f"；督导平台评分{basis or ' '}{num(mine.score)} 分，在全市 {len(sc)} 个单位中排名第 {mine['rank']}"
    return text + "。" + _comparison_summary(f)


def _comparison_summary(f: _Facts) -> str:
    """与上年同期相比: how many count indicators rose, stayed, fell (rates are compared in their sentences)."""
    if not f.fig.has_last_year:
        return ""
    now, before = f.now, f.before
    codes = [c for c in now.index if now.at[c, "measure"] != "%" and not is_missing(now.at[c, "value"])
             and c in before.index and not is_missing(before.at[c, "value"])]
    diffs = [float(now.at[c, "value"]) - float(before.at[c, "value"]) for c in codes]
    up, same, down = sum(d > 1e-9 for d in diffs), sum(abs(d) <= 1e-9 for d in diffs), sum(d < -1e-9 for d in diffs)
    parts = [f"{k} {n} 项" for k, n in (("增加", up), ("持平", same), ("减少", down)) if n]
    return f"与上年同期相比，{len(codes)} 项计数指标中" + "、".join(parts) + "。" if parts else ""


def _shortfall(f: _Facts, code: str, unit_row) -> str:
    """One unit's lagging indicator, as a clause."""
    r, W = unit_row, f.when
    if r.measure == "%" and is_missing(r.value):
        return f"{r['name']}无数据（{W}未报送执法人员统计表）"
    if r.measure == "%":
        return f"{r['name']}为 {num(r.value)}%，低于 {num(r.target)}% 的目标"
    if r.status == NOT_STARTED:
        return f"{r['name']}{W}尚未开展"
    if is_full_year(f.per):
        return f"{r['name']}{W}完成 {num(r.value)} {r.measure}，未达到 {num(r.target)} {r.measure}的年度目标"
    return f"{r['name']}{W}完成 {num(r.value)} {r.measure}，低于按时间进度应完成的 {needed(r.expected)} {r.measure}"


def _city_shortfall(f: _Facts, code: str) -> str | None:
    """One indicator across units: the roll-up figure and the units behind on it, named."""
    lagging, not_started = f.behind_units(code, LAGGING), f.behind_units(code, NOT_STARTED)
    if not lagging and not not_started:
        return None
    r, applicable = f.row(code), f.applicable_units(code)
    figure = (f"全市为 {num(r.value)}%" if r.measure == "%" else
              f"全市{f.when}完成 {num(r.value)} {r.measure}，为目标的 {num(100 * r.completion)}%")
    parts = [f"{r['name']}{figure}"]
    if lagging:
        parts.append(f"{_units_phrase(lagging, applicable)}{'未达到目标' if r.measure == '%' else '进度滞后'}")
    if not_started:
        parts.append(f"{_units_phrase(not_started, applicable)}{'无数据或为 0' if r.measure == '%' else '尚未开展'}")
    return "，".join(parts)


def _problems(f: _Facts) -> list[Paragraph]:
    fig = f.fig
    paragraphs: list[Paragraph] = []
    if fig.city_wide:
        scored = fig.frame[(fig.frame.unit != progress.CITY_WIDE) & fig.frame.target.notna()]
        size = scored.groupby("unit").size()
        far = fig.scores[[r.lagging * 2 > size.get(r.unit, 0) for r in fig.scores.itertuples()]]
        far = far.sort_values("score")
        if len(far) and len(far) == len(fig.scores):
            paragraphs.append(Paragraph(f"全市 {len(far)} 个单位{f.when}均有半数以上考核指标进度滞后或未开展。",
                                        "各单位工作普遍滞后。"))
        elif len(far):
            many = len(far) > 1
            text = (f"{join_names(far.unit)}{f.when}{'分别' if many else ''}有 "
                    f"{'、'.join(str(n) for n in far.lagging)} 项考核指标进度滞后或未开展，超过其考核指标的一半，"
                    f"督导平台评分{'分别' if many else ''}为 {'、'.join(num(s) for s in far.score)} 分，在全市排名靠后。")
            paragraphs.append(Paragraph(text, "部分单位工作整体滞后。"))
    for group in fig.catalog.groups:
        codes = [i.code for i in fig.catalog.indicators if i.group == group]
        if fig.city_wide:
            clauses = [c for c in (_city_shortfall(f, code) for code in codes) if c]
        else:
            rows = fig.rows()
            rows = rows[(rows.group == group) & rows.status.isin(BEHIND)]
            clauses = [_shortfall(f, r.indicator, r) for _, r in rows.iterrows()]
        if clauses:
            head = PROBLEM_HEADS.get(group, f"{fig.group_name(group)}工作进度滞后")
            paragraphs.append(Paragraph("；".join(clauses) + "。", f"{head}。"))
    paragraphs = [Paragraph(p.text, f"（{cn_numeral(i)}）{p.lead}") for i, p in enumerate(paragraphs, 1)]
    if not paragraphs:
        return [Paragraph(f"对照目标任务，{f.when}各项考核指标均达到进度要求。工作中仍存在的短板和不足请结合实际补充。")]
    intro = ("对照年度目标任务，工作中还存在以下短板和不足：" if is_full_year(f.per)
             else "对照“时间过半、任务过半”要求，工作中还存在以下短板和不足：")
    return [Paragraph(intro), *paragraphs, Paragraph(REASONS_NOTE, kind="note")]


def _title(fig: Figures) -> str:
    per = fig.period
    subject = CITY_SCOPE_NAME if fig.city_wide else fig.unit
    if is_full_year(per):
        return f"{subject}{per.year}年度法治政府建设工作完成情况"
    if is_first_half(per):
        return f"{subject}{per.year}年上半年法治政府建设工作总结"
    return f"{subject}{per.label}法治政府建设工作情况"


def draft(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
          figures: Figures | None = None) -> Draft:
    """The drafted sections as data (title, headings, paragraphs with their run-in headings)."""
    fig = figures or gather(conn, period, unit)
    f = _Facts(conn, fig)
    section = "年度" if is_full_year(period) else ("上半年" if is_first_half(period) else period_word(period))
    paragraphs = [Paragraph(f"一、{section}工作完成情况", kind="heading"), Paragraph(_lead(f))]
    numbered = [(group, _group_text(f, group)) for group in fig.catalog.groups]
    numbered = [(g, t) for g, t in numbered if t]
    for i, (group, text) in enumerate(numbered, 1):
        head = SUBHEADS.get(group, f"推进{fig.group_name(group)}工作")
        paragraphs.append(Paragraph(text, f"（{cn_numeral(i)}）{head}。"))
    paragraphs.append(Paragraph("二、存在的问题", kind="heading"))
    paragraphs += _problems(f)
    return Draft(_title(fig), tuple(paragraphs))


def draft_text(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
               figures: Figures | None = None) -> str:
    """The drafted text as plain text, one paragraph a line (shown on the page for copying).

    Takes an open database, a Period and optionally a unit's canonical name (None = 全市). Raises
    IndicatorsError for an unknown unit.
    """
    return draft(conn, period, unit, figures=figures).text()


# ---------------------------------------------------------------- the .docx, per GB/T 9704

def _fonts(run, name: str, size: float, bold: bool = False) -> None:
    """Font for Latin and East Asian text alike (python-docx writes only w:ascii and w:hAnsi)."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)
    rfonts.set(qn("w:cs"), name)


def _layout(paragraph, indent: bool = True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, line=LINE_PITCH) -> None:
    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = line
    pf.space_before = pf.space_after = Pt(0)
    pf.alignment = align
    if indent:
        pf.first_line_indent = Pt(2 * SIZE_3)
        # two characters whatever the font size, as Word's 首行缩进 2 字符 writes it
        paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")


def _page(section) -> None:
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(18)
    # GB/T 9704: 22 lines of 28 characters. The grid narrows the character pitch so 28 三号
    # characters fill the 156 mm line (charSpace: 1/4096 pt added to the 16 pt pitch).
    width_pt = Emu(section.page_width - section.left_margin - section.right_margin).pt
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))
    grid.set(qn("w:charSpace"), str(round((width_pt / CHARS_PER_LINE - SIZE_3) * 4096)))


def _normal_style(doc) -> None:
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(SIZE_3)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), BODY_FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _font_table(doc) -> None:
    """Declare the Chinese fonts with their fallbacks (w:altName) and the GB2312 charset."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alt in FALLBACKS.items():
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern"})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "fixed"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number(paragraph) -> None:
    """— N — in 宋体 四号, the page number GB/T 9704 places under the text block."""
    def run(text: str | None = None):
        r = paragraph.add_run(text or "")
        _fonts(r, PAGE_NUMBER_FONT, SIZE_4)
        return r

    run("— ")
    for kind, instr in (("begin", None), (None, "PAGE"), ("separate", None), ("end", None)):
        r = run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
        r._element.append(el)
    run(" —")


def _footer(section, stamp_text: str) -> None:
    footer = section.footer
    number = footer.paragraphs[0]
    _page_number(number)
    _layout(number, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(18))
    stamp = footer.add_paragraph()
    _fonts(stamp.add_run(stamp_text), BODY_FONT, SIZE_5)
    _layout(stamp, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(14))


def build_document(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
                   figures: Figures | None = None) -> bytes:
    """The drafted text as a .docx laid out per GB/T 9704, the stamp in its footer.

    Takes an open database, a Period and optionally a unit's canonical name (None = 全市). Returns
    the file's bytes; raises IndicatorsError for an unknown unit.
    """
    fig = figures or gather(conn, period, unit)
    d = draft(conn, period, unit, figures=fig)
    doc = Document()
    _page(doc.sections[0])
    _normal_style(doc)
    _font_table(doc)
    doc.core_properties.title = d.title
    doc.core_properties.author = "法治建设指标看板"
    title = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    _fonts(title.add_run(d.title), TITLE_FONT, SIZE_2)
    _layout(title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(35))
    _layout(doc.add_paragraph(), indent=False)  # the blank line GB/T 9704 leaves under the title
    for p in d.paragraphs:
        para = doc.add_paragraph()
        if p.kind == "heading":
            _fonts(para.add_run(p.text), HEADING_FONT, SIZE_3)
        else:
            if p.lead:
                _fonts(para.add_run(p.lead), SUBHEADING_FONT, SIZE_3)
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_3)
        _layout(para)
    _footer(doc.sections[0], fig.stamp.text())
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
