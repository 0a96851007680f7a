"""The drafted report (.docx and plain text), written from the figures in the office's own words.

Two versions for the city: 本级报告 (the office's own work and its supervision of the counties, as
the annual report is written) and 全市汇总 (the whole system's totals); a county unit gets its own
report. The shape is the annual report's: 主送 line, an opening that ends "现将…报告如下：",
一、完成情况 (one run-in paragraph per line of work), 二、存在的问题及原因 (only real shortfalls,
each with a 原因分析 placeholder a person fills in), 三、明年工作计划 (下半年工作打算 at mid-year),
特此报告 and the office and date.

Every sentence is built from a figure and says only what the figure shows: "坚持每季度主任办公会议
学法制度" is written only when every quarter ended so far had a session, a comparison with the same
period last year only when last year has data. Numbers sit in the Chinese text without spaces,
brackets are full-width. The document is laid out as GB/T 9704 sets it: A4, margins 37/35/28/26 mm,
22 lines of 28 characters, title 方正小标宋简体 二号, first-level headings 黑体 三号, second-level
run-in headings 楷体, body 仿宋_GB2312 三号, page numbers 宋体 四号 right on odd pages, left on even.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import sqlite3
from collections import Counter
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from .. import progress, store
from ..progress import DONE, LAGGING, NOT_STARTED, ON_PACE, SCORE_LABELS, Period
from .common import (BEHIND, CITY_SCOPE_NAME, ORG_NAME, Figures, cn_date, cn_numeral, gather, is_first_half,
                     is_full_year, is_missing, needed, num, period_word)

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, PAGE_NUMBER_FONT = (
    "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体")
# Written into the document's font table as w:altName: Word takes these when the GB2312 fonts of
# government machines are not installed.
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体", "黑体": "SimHei"}
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = 22, 16, 14, 10.5  # 二号, 三号, 四号, 五号 in points
LINE_PITCH = Pt(28.95)  # 22 lines in the 225 mm text block
CHARS_PER_LINE = 28
CONDENSE_TWIPS = 5  # 0.25 pt less per character: 28 x 15.75 pt = 441 pt in the 442.2 pt line
TITLE_CHARS = 20  # 二号 characters on a 156 mm line: a longer title is broken by meaning, not by width

VERSIONS = ("全市", "本级")  # 全市汇总 / 本级报告 (the city office's own work and its supervision)
VERSION_NAMES = {"全市": "全市汇总", "本级": "本级报告"}

# The report's four second-level headings, by line of work (groups are configuration; a new one
# gets its own name as heading).
SUBHEADS = {"T": "深化习近平法治思想学习宣传", "G": "健全法治政府建设制度机制", "P": "积极开展国防动员宣传",
            "E": "全面落实行政执法责任制"}
# 存在的问题 headings: for the whole system (several units) and for one unit's own work
PROBLEM_HEADS_CITY = {"T": "学法培训开展不够均衡", "G": "法治建设制度落实不够到位", "P": "普法宣传的覆盖面和频次有待提升",
                      "E": "执法队伍建设存在短板"}
PROBLEM_HEADS_UNIT = {"T": "学法培训任务{gap}", "G": "法治建设制度落实不够到位", "P": "普法宣传任务{gap}",
                      "E": "执法队伍建设存在短板"}
# 三、明年工作计划: what each line of work with a shortfall will do
PLANS = {"T": "补齐学法培训短板，{who}按计划举办领导班子法治专题讲座和执法人员培训，推动学法制度落到实处",
         "G": "压实法治建设责任，{who}按时听取法治建设工作汇报、研究解决重大问题，落实领导干部述法制度",
         "P": "拓展普法宣传覆盖面，{who}用好重要时间节点，深入社区、学校、企业开展国防动员法治宣传",
         "E": "加强执法队伍建设，{who}配齐执法人员，做好执法证件申领、换证、年审和培训"}
STANDING_PLANS = ("持续压实领导责任，进一步强化党组对法治政府建设的领导，定期督查重点任务落实情况",
                  "完善监督制约体系，强化对行政权力的全方位、全过程监督，自觉接受各类监督",
                  "夯实基层基础，加强法治队伍建设，不断提升工作人员法治素养和依法行政能力")
VENUE_WORDS = {"社区": "居民社区", "广场": "休闲广场", "学校": "学校", "企业": "企业", "机关": "机关单位"}
SEPTEMBER_NODE = "全民国防教育月"
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
HALVES = ("上半年", "下半年")
REASON_PLACEHOLDER = "原因分析：【请结合实际填写】"
RECIPIENT_CITY = "中共新乡市委"
ORDINALS = "一二三四五六七八九十"


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
    title_lines: tuple[str, ...] = ()  # where the title breaks, by meaning (empty: one line)

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
        self.final = is_full_year(per)
        self.city_wide = fig.city_wide
        # the city office reports on its own work and on its supervision of the counties
        self.supervises = not fig.city_wide and fig.catalog.unit(fig.unit).is_city
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

    @property
    def not_done(self) -> str:
        """How a report says nothing was done: 全年未开展 at year end, 尚未开展 before."""
        return "全年未开展" if self.final else "尚未开展"

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
        return f"，较上年同期{'增加' if diff > 0 else '减少'}{num(abs(diff))}{measure}"

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


def units_phrase(names: list[str], applicable: list[str]) -> str:
    """Name the units the short way: all of them are 各单位; a long list whose complement is
    shorter is said by what it leaves out (除市国动办、卫辉市外的14个单位)."""
    names = [u for u in applicable if u in names]
    others = [u for u in applicable if u not in names]
    if names and not others and len(names) > 1:
        return "各单位"
    if len(names) > 5 and len(others) < len(names):
        return f"除{'、'.join(others)}外的{len(names)}个单位"
    return "、".join(names)


def _sentences(parts) -> str:
    return "".join(p for p in parts if p)


# ---------------------------------------------------------------- 一、完成情况, by line of work

def _training(f: _Facts) -> tuple[list[str | None], set[str]]:
    city, W = f.city_wide, f.when
    t04_people = sum(r["participants"] or 0 for r in f.training if r["category"] == "执法人员培训")
    lawyer = any("律师" in (r["speaker"] or "") for r in f.training if r["category"] == "执法人员培训")
    out: list[str | None] = []
    if f.applies("T01"):
        whose = "各单位党组" if city else ("办党组" if f.supervises else "党组")
        out.append(f"坚持以习近平法治思想为指导，将习近平法治思想持续纳入{whose}理论学习中心组学习重要内容，"
                   f"{W}{'全市共' if city else ''}开展法治专题学习{f.n('T01')}次{f.cmp('T01')}。" if f.v("T01") > 0
                   else f"{W}{'尚未' if not f.final else '未'}开展党组理论学习中心组法治专题学习。")
    if f.applies("T02"):
        if f.v("T02") > 0:
            out.append(f"各单位共举办领导班子参加的法治专题讲座{f.n('T02')}期{f.cmp('T02')}。" if city else
                       f"班子成员带头学法守法用法，举办{f.n('T02')}期领导班子参加的法治专题讲座{f.cmp('T02')}。")
        else:
            out.append(f"领导班子法治专题讲座{f.not_done}。")
    if f.applies("T03"):
        out.append(_t03(f))
    if f.applies("T05"):
        out.append(f"认真组织开展多种形式的全员法治培训，{'全市' if city else ''}共{f.n('T05')}次{f.cmp('T05')}。"
                   if f.v("T05") > 0 else f"全员法治培训{f.not_done}。")
    if f.applies("T04"):
        if f.v("T04") > 0:
            s = f"举办{f.n('T04')}期行政执法人员参加的法治专题培训班{f.cmp('T04')}"
            s += f"，参训{t04_people}人次" if t04_people else ""
            s += "，邀请律师结合案例讲解法律法规" if lawyer else ""
            out.append(s + "，提升执法人员专业素养。")
        else:
            out.append(f"行政执法人员法治专题培训{f.not_done}。")
    if f.applies("T06"):
        out.append(f"充分利用传统媒体与新兴媒体，刊发法治宣传报道{f.n('T06')}篇{f.cmp('T06')}，"
                   "宣传我市人防系统贯彻落实习近平法治思想的生动实践。" if f.v("T06") > 0 else
                   f"法治宣传报道{f.not_done}，宣传阵地有待拓展。")
    return out, {"T01", "T02", "T03", "T04", "T05", "T06"}


def _t03(f: _Facts) -> str:
    if f.v("T03") <= 0:
        return f"主任办公会议学法{f.not_done}。"
    tail = f"开展主任办公会议学法{f.n('T03')}次{f.cmp('T03')}"
    if f.city_wide:
        kept_by = f.kept_rhythm("T03", 3)
        who = units_phrase(kept_by, f.applicable_units("T03")) if kept_by else ""
        return (f"{who}坚持每季度主任办公会议学法制度，全市共{tail}。" if who else f"全市共{tail}。")
    missed = f.missed(f.fig.unit, "T03", 3)
    if f.sub[3] and not missed:
        return f"坚持每季度主任办公会议学法制度，{tail}。"
    return f"{tail}" + (f"，其中{_labels(missed)}未开展" if missed else "") + "。"


def _half_rhythm(f: _Facts, code: str, kept: str, city_kept: str, plain: str, miss: str, none: str) -> str | None:
    """A sentence on a half-year rhythm, claiming the rhythm only where it was kept."""
    if not f.applies(code):
        return None
    if f.v(code) <= 0:
        return none.format(no=f.not_done)
    fill = {"n": f.n(code), "cmp": f.cmp(code), "W": f.when}
    if f.city_wide:
        kept_by = f.kept_rhythm(code, 6)
        who = units_phrase(kept_by, f.applicable_units(code)) if kept_by else ""
        return (city_kept.format(who=who, **fill) if who else plain.format(**fill) + "。")
    missed = f.missed(f.fig.unit, code, 6)
    if f.sub[6] and not missed:
        return kept.format(**fill)
    return plain.format(**fill) + (f"，其中{_labels(missed)}{miss}" if missed else "") + "。"


def _governance(f: _Facts) -> tuple[list[str | None], set[str]]:
    party = "办党组" if f.supervises else "党组"
    out = [
        _half_rhythm(f, "G01", party + "每半年听取一次法治建设工作汇报，共听取{n}次{cmp}，及时研究部署法治建设重点工作。",
                     "{who}党组坚持每半年听取一次法治建设工作汇报，全市共听取{n}次{cmp}。",
                     party + "听取法治建设工作汇报{n}次{cmp}", "未听取", "党组听取法治建设工作汇报{no}。"),
        _half_rhythm(f, "G02", "党政主要负责人认真履行推进法治建设第一责任人职责，每半年召开一次办公会研究解决法治建设重大问题，"
                     "共召开{n}次{cmp}。", "{who}每半年召开一次办公会研究解决法治建设重大问题，共召开{n}次{cmp}。",
                     "召开办公会研究法治建设重大问题{n}次{cmp}", "未召开", "办公会研究法治建设重大问题{no}。"),
        _g03(f),
        _g04(f),
    ]
    return out, {"G01", "G02", "G03", "G04"}


def _g03(f: _Facts) -> str | None:
    if not f.applies("G03"):
        return None
    if f.v("G03") > 0:
        if f.city_wide:
            return f"落实领导干部年度述法制度，{len(f.units_with('G03'))}个单位开展领导干部述法{f.n('G03')}次。"
        return f"落实领导干部年度述法制度，开展领导干部述法{f.n('G03')}次，把学法用法和推进人防法治建设情况作为年度述职内容。"
    if f.due("G03"):
        return f"领导干部年度述法{f.not_done}。"
    return "领导干部年度述法按要求于下半年开展。"


def _g04(f: _Facts) -> str | None:
    if not f.applies("G04"):
        return None
    who = "市国动办" if f.city_wide else ""
    if f.v("G04") <= 0:
        return f"督导平台动态督导{f.not_done}。"
    s = (f"{who}按照法治新乡（法治政府）建设督导平台指标内容，对全市人防系统法治建设工作开展情况进行动态督导，"
         f"开展督导{f.n('G04')}次{f.cmp('G04')}")
    if f.supervises:
        s += "。" + _supervision_result(f)
        return s + ("督导结果与法治建设年度考核工作相结合。" if f.final else "")
    return s + "。"


def _supervision_result(f: _Facts) -> str:
    """What the supervision found, in the two scores' own words (progress.SCORE_LABELS)."""
    sc = f.fig.scores
    if f.final:
        full = int((sc.score >= 100 - 1e-9).sum())
        return (f"从督导情况看，全市{len(sc)}个单位{SCORE_LABELS['score']}平均{num(sc.score.mean())}分，"
                f"{full}个单位全部完成年度目标。")
    on_pace = int((sc.pace_score >= 100 - 1e-9).sum())
    return (f"从督导情况看，全市{len(sc)}个单位{SCORE_LABELS['pace_score']}平均{num(sc.pace_score.mean())}分，"
            f"{on_pace}个单位各项指标均达到时序进度。")


def _publicity(f: _Facts) -> tuple[list[str | None], set[str]]:
    rows = f.publicity
    out: list[str | None] = []
    if f.applies("P01"):
        covered = {r["node"] for r in rows}
        nodes = [n for n in f.catalog.key_dates if n != SEPTEMBER_NODE and n in covered]
        venue_types = {r["venue_type"] for r in rows}
        venues = [w for v, w in VENUE_WORDS.items() if v in venue_types]
        materials = sum(r["materials"] or 0 for r in rows)
        if f.v("P01") > 0:
            s = f"{f.when}{'全市各单位' if f.city_wide else ''}"
            s += f"利用{'、'.join(nodes)}等重要节点" if nodes else ""
            s += f"深入{'、'.join(venues)}等地" if venues else ""
            s += f"开展国防动员法治宣传教育活动{f.n('P01')}次{f.cmp('P01')}"
            s += f"，参与群众{f.n('P03')}人次" if f.applies("P03") and f.v("P03") > 0 else ""
            s += f"，发放宣传资料{materials}份" if materials else ""
            s += "，并通过网络媒体开展线上宣传" if "网络媒体" in venue_types else ""
            out.append(s + "。")
        else:
            out.append(f"国防动员法治宣传教育活动{f.not_done}。")
    if f.applies("P04"):
        september = [r for r in rows if r["node"] == SEPTEMBER_NODE]
        titles = [t for t, _ in Counter(r["title"] for r in september).most_common(3)]
        if f.v("P04") > 0:
            out.append(f"全民国防教育月期间，{'全市共' if f.city_wide else ''}开展{'、'.join(titles)}等{f.n('P04')}项"
                       f"主题活动{f.cmp('P04')}，激发青年学生爱国热情，营造浓厚的国防教育氛围。")
        elif f.due("P04"):
            out.append(f"全民国防教育月主题活动{f.not_done}。")
    return out, {"P01", "P02", "P03", "P04"}


def _rate(f: _Facts, code: str) -> str:
    return f"{num(f.v(code))}%"


def _enforcement(f: _Facts) -> tuple[list[str | None], set[str]]:
    codes = {"E01", "E02", "E03", "E04", "E05"}
    if f.snap is None or not f.applies("E01"):  # no 执法人员统计表 row in the period
        return [f"{f.when}尚未报送执法人员统计表，执法队伍有关情况暂无法统计。"], codes
    s = f.snap
    first = (f"强化国防动员（人民防空）行政执法资格证管理，{'全市' if f.city_wide else ''}现有行政执法人员{s['staff']}人，"
             f"持证{s['certified']}人，持证率{_rate(f, 'E01')}")
    if f.applies("E05") and f.v("E05") > 0:
        first += f"；及时办理执法证件申领、换证{f.n('E05')}件"
    if f.applies("E02"):
        first += f"，年审完成率{_rate(f, 'E02')}"
    out = [first + "。"]
    if f.applies("E03"):
        out.append(f"强化行政执法人员培训，培训覆盖率达到{_rate(f, 'E03')}，提升行政执法人员业务能力。"
                   if f.v("E03") >= 100 else f"行政执法人员培训覆盖率为{_rate(f, 'E03')}。")
    if f.applies("E04"):
        out.append(f"对照编制，执法人员配备率为{_rate(f, 'E04')}（编制{s['quota']}人、实有{s['staff']}人）。"
                   if f.v("E04") < 100 else "执法人员按编制配备到位。")
    return out, codes


WRITERS = {"T": _training, "G": _governance, "P": _publicity, "E": _enforcement}


def _generic(f: _Facts, code: str) -> str | None:
    """An indicator no writer knows (added in configuration): its value in a plain sentence."""
    if not f.applies(code):
        return None
    r = f.row(code)
    value = f"{num(r.value)}%" if r.measure == "%" else f"{num(r.value)}{r.measure}"
    return f"{r['name']}完成{value}{f.cmp(code)}。"


def _group_text(f: _Facts, group: str) -> str:
    sentences, handled = WRITERS[group](f) if group in WRITERS else ([], set())
    sentences += [_generic(f, i.code) for i in f.catalog.indicators if i.group == group and i.code not in handled]
    return _sentences(sentences)


# ---------------------------------------------------------------- opening

def _subject(fig: Figures) -> str:
    return CITY_SCOPE_NAME if fig.city_wide else fig.unit


def _office(fig: Figures) -> str:
    """The office that signs: the city office for both city versions, else the unit's own office."""
    if fig.city_wide:
        return ORG_NAME
    unit = fig.catalog.unit(fig.unit)
    return ORG_NAME if unit.is_city else f"{unit.name}国防动员办公室"


def _status_summary(f: _Facts) -> str:
    scored = f.fig.rows()
    scored = scored[scored.target.notna()]
    counts = scored.status.value_counts()
    done, on_pace = int(counts.get(DONE, 0)), int(counts.get(ON_PACE, 0))
    lagging, not_started = int(counts.get(LAGGING, 0)), int(counts.get(NOT_STARTED, 0))
    if f.final:
        s = f"{len(scored)}项考核指标中，已完成{done}项"
        s += f"，未完成{lagging}项" if lagging else ""
        s += f"，全年未开展{not_started}项" if not_started else ""
        return s if lagging or not_started else s + "，全部完成年度目标"
    s = f"{len(scored)}项考核指标中{done + on_pace}项达到时间进度"
    s += f"（其中已完成{done}项）" if done else ""
    s += f"，进度滞后{lagging}项" if lagging else ""
    s += f"，尚未开展{not_started}项" if not_started else ""
    return s


def _score_summary(f: _Facts) -> str:
    sc, fig = f.fig.scores, f.fig
    full, pace = SCORE_LABELS["score"], SCORE_LABELS["pace_score"]
    if fig.city_wide:
        if f.final:
            return f"全市{len(sc)}个单位督导平台{full}平均{num(sc.score.mean())}分"
        return (f"全市{len(sc)}个单位督导平台{pace}平均{num(sc.pace_score.mean())}分"
                f"（{full}平均{num(sc.score.mean())}分，年中约为一半属正常）")
    mine = sc[sc.unit == fig.unit].iloc[0]
    if f.final:
        return f"督导平台{full}{num(mine.score)}分，{_placed(mine, sc)}"
    return (f"督导平台{pace}{num(mine.pace_score)}分（{full}{num(mine.score)}分），{_placed(mine, sc)}")


def _placed(mine, sc) -> str:
    """在全市14个有数据的单位中排名第2 (并列第1), or 尚未报送数据，不参与排名."""
    if not progress.is_ranked(mine):
        return "尚未报送数据，不参与排名"
    ranked = int(sc.reported.sum())
    return f"在全市{ranked}个有数据的单位中{'并列' if mine['tied'] else '排名'}第{int(mine['rank'])}"


def _opening(f: _Facts) -> str:
    per = f.per
    if f.final:
        when, what = f"{per.year}年", f"{per.year}年度法治政府建设工作情况"
        how = "严格对照法治政府建设目标任务，着力提升工作法治化、规范化水平。"
    elif is_first_half(per):
        when, what = f"{per.year}年上半年", "上半年工作开展情况"
        how = "对照“时间过半、任务过半”要求，扎实推进法治政府建设各项工作。"
    else:
        when, what = per.label, f"{per.label}工作开展情况"
        how = "对照法治政府建设目标任务，扎实推进各项工作。"
    return (f"{when}，{_subject(f.fig)}{how}{_status_summary(f)}；{_score_summary(f)}。现将{what}报告如下：")


# ---------------------------------------------------------------- 二、存在的问题及原因

def _unit_clause(f: _Facts, r, i: int) -> str:
    """One of the unit's own shortfalls, as a clause; counts in three wordings taken in turn, so
    that a paragraph of several is not one sentence said again and again."""
    m, v = r.measure, num(r.value)
    if m == "%" and is_missing(r.value):
        return f"{r['name']}无数据（{f.when}未报送执法人员统计表）"
    if m == "%":
        return f"{r['name']}为{v}%，低于{num(r.target)}%的目标"
    if r.status == NOT_STARTED:
        return f"{r['name']}{f.not_done}"
    if f.final:
        return [f"{r['name']}完成{v}{m}，未完成{num(r.target)}{m}的年度目标",
                f"{r['name']}仅完成{v}{m}（年度目标{num(r.target)}{m}）",
                f"{r['name']}完成率为{num(100 * r.completion)}%"][i % 3]
    gap = num(float(needed(r.expected)) - float(r.value))
    return [f"{r['name']}完成{v}{m}，低于按时间进度应完成的{needed(r.expected)}{m}",
            f"{r['name']}仅完成{v}{m}（应完成{needed(r.expected)}{m}）",
            f"{r['name']}完成{v}{m}，距时间进度尚差{gap}{m}"][i % 3]


def _city_clause(f: _Facts, code: str, i: int) -> str | None:
    """One indicator whose city-wide total is behind (three wordings in turn, as _unit_clause)."""
    r = f.row(code)
    if r.status not in BEHIND:
        return None
    m, v = r.measure, num(r.value)
    if m == "%":
        return f"{r['name']}全市为{v}%，低于{num(r.target)}%的目标"
    if f.final:
        return [f"{r['name']}全市完成{v}{m}，为年度目标的{num(100 * r.completion)}%",
                f"{r['name']}仅完成{v}{m}（年度目标{num(r.target)}{m}）",
                f"{r['name']}完成率为{num(100 * r.completion)}%"][i % 3]
    return [f"{r['name']}全市完成{v}{m}，低于按时间进度应完成的{needed(r.expected)}{m}",
            f"{r['name']}仅完成{v}{m}（应完成{needed(r.expected)}{m}）",
            f"{r['name']}完成{v}{m}，距时间进度尚差{num(float(needed(r.expected)) - float(r.value))}{m}"][i % 3]


def _and(names: list[str]) -> str:
    """甲、乙和丙"""
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]


def _rates_clause(rows, prefix: str = "") -> str | None:
    """Rates below target said once: 'A、B分别为66.7%、50%，均低于100%的目标'."""
    rows = [r for r in rows if not is_missing(r.value)]
    if not rows:
        return None
    if len(rows) == 1:
        r = rows[0]
        return f"{r['name']}{prefix}为{num(r.value)}%，低于{num(r.target)}%的目标"
    targets = {num(r.target) for r in rows}
    values = "、".join(f"{num(r.value)}%" for r in rows)
    tail = f"均低于{targets.pop()}%的目标" if len(targets) == 1 else "均低于目标"
    return f"{'、'.join(r['name'] for r in rows)}{prefix}分别为{values}，{tail}"


def _shortfall_clauses(f: _Facts, rows, clause) -> list[str]:
    """A group's behind rows as clauses: counts one by one (`clause(f, row, i)`), the ones not
    started named together, rates together."""
    counts = [r for r in rows if r.measure != "%" and r.status == LAGGING]
    idle = [r["name"] for r in rows if r.measure != "%" and r.status == NOT_STARTED]
    rates = [r for r in rows if r.measure == "%"]
    out = [clause(f, r, i) for i, r in enumerate(counts)]
    if idle:
        out.append(f"{_and(idle)}{f.not_done}")
    out += [f"{r['name']}无数据（{f.when}未报送执法人员统计表）" for r in rates if is_missing(r.value)]
    rates_text = _rates_clause(rates, "全市" if f.city_wide else "")
    return out + ([rates_text] if rates_text else [])


def _units_behind(f: _Facts, codes: list[str]) -> list[str]:
    """Which units hold a line of work back, said once per set of units: '原阳县、封丘县、经开区尚未
    开展领导班子法治专题讲座、全员法治培训和法治宣传报道'. Units behind on an indicator whose total
    is on pace are a real gap too; the total itself is not quoted as a problem."""
    said: dict[tuple[frozenset, str], list[str]] = {}
    for code in codes:
        if not f.applies(code):
            continue
        r = f.row(code)
        for status in (NOT_STARTED, LAGGING):
            units = f.behind_units(code, status)
            if not units:
                continue
            if r.measure == "%":
                word = "未达到目标" if status == LAGGING else "无数据或为零"
            else:
                word = f.not_done if status == NOT_STARTED else ("未完成" if f.final else "进度滞后")
            phrase = units_phrase(units, f.applicable_units(code))
            said.setdefault((phrase, word), []).append(r["name"])
    out = []
    for (phrase, word), names in said.items():
        out.append(f"{phrase}{word}{_and(names)}" if word == f.not_done else f"{phrase}{_and(names)}{word}")
    return out


def _far_behind(f: _Facts) -> Paragraph | None:
    """Units with more than half their scored indicators behind: named, with their scores."""
    fig = f.fig
    scored = fig.frame[(fig.frame.unit != progress.CITY_WIDE) & fig.frame.target.notna()]
    size = scored.groupby("unit").size()
    far = fig.scores[[r.lagging * 2 > size.get(r.unit, 0) for r in fig.scores.itertuples()]]
    if not len(far):
        return None
    far = far.sort_values(fig.basis)
    behind = "未完成或未开展" if f.final else "进度滞后或未开展"
    label = SCORE_LABELS[fig.basis]
    many = len(far) > 1
    text = (f"{'、'.join(far.unit)}{f.when}{'分别' if many else ''}有{'、'.join(str(n) for n in far.lagging)}项"
            f"考核指标{behind}，超过其考核指标的一半，{label}{'分别' if many else ''}为"
            f"{'、'.join(num(s) for s in far[fig.basis])}分。")
    head = "对县（市、区）的督导指导仍需加强。" if f.supervises else "部分单位工作整体滞后。"
    given = f.fig.explanations
    explained = [u for u in far.unit if any(k[0] == u for k in given)]
    if fig.city_wide and explained:  # their reasons are quoted under each line of work below
        silent = [u for u in far.unit if u not in explained]
        why = (f"{'、'.join(explained)}已报送情况说明，原因见下文各项"
               + (f"；{'、'.join(silent)}尚未报送情况说明，原因有待进一步核实" if silent else "") + "。")
        return Paragraph(text + why, head)
    return Paragraph(text + REASON_PLACEHOLDER + "。", head)


def _quote(text: str) -> str:
    """A unit's words as the report quotes them: one line, no closing stop (the sentence adds its own)."""
    return " ".join(text.split()).rstrip("。；;，,.").replace("“", "「").replace("”", "」")


def _lags(f: _Facts, codes: list[str] | None = None, units: list[str] | None = None) -> list[tuple[str, str]]:
    """(unit, indicator) of the scope's lags (every unit's for 全市, the unit's own otherwise), in catalog order."""
    frame = f.fig.frame
    rows = frame[(frame.unit != progress.CITY_WIDE) & frame.status.isin(BEHIND)]
    if not f.fig.city_wide:
        rows = rows[rows.unit == f.fig.unit]
    if codes is not None:
        rows = rows[rows.indicator.isin(codes)]
    if units is not None:
        rows = rows[rows.unit.isin(units)]
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
            q = (f"{u}反映“{_quote(e.reason)}”" if many else f"主要原因是“{_quote(e.reason)}”")
            if e.measure:
                q += f"，{'拟' if many else '下一步将'}“{_quote(e.measure)}”"
            if e.due:
                q += f"，预计{cn_date(e.due)}前完成"
            quotes.append(q)
        if quotes:
            parts.append(f"{name}方面，" + "；".join(quotes))
    if not given:  # nobody has explained anything yet: the drafter's placeholder, as before explanations existed
        return REASON_PLACEHOLDER + "。"
    text = ("原因分析：" + "。".join(parts) + "。") if parts else ""
    if silent:
        same: dict[tuple[str, ...], list[str]] = {}  # one clause per set of units
        for code, units in silent:
            same.setdefault(tuple(units), []).append(f.catalog.indicator(code).name)
        missing = "，".join((f"{_and(list(units))}的{_and(names)}" if many else _and(names)) for units, names in same.items())
        text += f"{missing}{'尚未报送情况说明' if many else '的情况说明尚未填写'}，原因有待进一步核实。"
    return text if parts else (REASON_PLACEHOLDER + "。" + text)


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
        if fig.city_wide:
            behind = [f.row(c) for c in codes if f.applies(c) and f.row(c).status in BEHIND]
            totals = _shortfall_clauses(f, behind, lambda f_, r, i: _city_clause(f_, r.name, i))
            units = _units_behind(f, codes)
            clauses = totals + ([("从单位看，" if totals else "") + "；".join(units)] if units else [])
            head = PROBLEM_HEADS_CITY.get(group, f"{fig.group_name(group)}工作有待加强")
        else:
            rows = fig.rows()
            rows = rows[(rows.group == group) & rows.status.isin(BEHIND)]
            clauses = _shortfall_clauses(f, [r for _, r in rows.iterrows()], _unit_clause)
            head = PROBLEM_HEADS_UNIT.get(group, fig.group_name(group) + "任务{gap}").format(
                gap="未全部完成" if f.final else "进度滞后")
        if clauses:
            groups.append(group)
            paragraphs.append(Paragraph("；".join(clauses) + "。" + _reasons(f, _lags(f, codes)), f"{head}。"))
    if f.supervises:
        far = _far_behind(f)
        if far:
            paragraphs.append(far)
            groups.append("督导")
    paragraphs = [Paragraph(p.text, f"（{cn_numeral(i)}）{p.lead}") for i, p in enumerate(paragraphs, 1)]
    if not paragraphs:
        done = "各项考核指标均已完成年度目标" if f.final else "各项考核指标均达到进度要求"
        return [Paragraph(f"对照目标任务，{f.when}{done}。工作中仍存在的短板和不足：【请结合实际填写】。")], []
    return [Paragraph("在肯定成绩的同时，我们也清醒地认识到工作中存在的短板和不足："), *paragraphs], groups


# ---------------------------------------------------------------- 三、工作计划, closing

def _plans(f: _Facts, groups: list[str]) -> Paragraph:
    who = "督促各单位" if (f.city_wide or f.supervises) else ""
    items = [PLANS[g].format(who=who) for g in groups if g in PLANS]
    if "督导" in groups:
        items.append("加强督导指导，对工作滞后的单位逐项盯办、限期整改，并将督导结果纳入年度考核")
    items += [p for p in STANDING_PLANS][:max(0, 3 - len(items))] if len(items) < 3 else []
    return Paragraph("".join(f"{ORDINALS[i]}是{item}。" for i, item in enumerate(items)))


def _title(fig: Figures, supervises: bool) -> tuple[str, tuple[str, ...]]:
    """The title and where it breaks: after the year, never inside a word."""
    per = fig.period
    who = CITY_SCOPE_NAME if fig.city_wide else (ORG_NAME if supervises else f"{fig.unit}国防动员办公室")
    when = f"{per.year}年度" if is_full_year(per) else (f"{per.year}年上半年" if is_first_half(per) else per.label)
    what = "法治政府建设工作情况报告"
    title = who + when + what
    return title, ((who + when, what) if len(title) > TITLE_CHARS else ())


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
    title, lines = _title(fig, f.supervises)
    recipient = RECIPIENT_CITY if (fig.city_wide or f.supervises) else ORG_NAME
    section = "年度工作完成情况" if f.final else ("上半年工作开展情况" if is_first_half(period) else f"{f.when}工作开展情况")
    paragraphs = [Paragraph(f"{recipient}：", kind="recipient"), Paragraph(_opening(f)),
                  Paragraph(f"一、{section}", kind="heading")]
    numbered = [(group, _group_text(f, group)) for group in fig.catalog.groups]
    numbered = [(g, t) for g, t in numbered if t]
    for i, (group, text) in enumerate(numbered, 1):
        head = SUBHEADS.get(group, f"推进{fig.group_name(group)}工作")
        paragraphs.append(Paragraph(text, f"（{cn_numeral(i)}）{head}。"))
    paragraphs.append(Paragraph("二、存在的问题及原因", kind="heading"))
    problems, groups = _problems(f)
    paragraphs += problems
    paragraphs.append(Paragraph("三、明年工作计划" if f.final else "三、下半年工作打算", kind="heading"))
    paragraphs.append(_plans(f, groups))
    we = "我们" if fig.city_wide else "我办"
    paragraphs.append(Paragraph(f"{we}将持续深入推进法治政府建设，不断提升国防动员领域依法行政水平，"
                                "为全市高质量发展贡献国防动员力量。"))
    paragraphs.append(Paragraph("特此报告。"))
    paragraphs.append(Paragraph(_office(fig), kind="sign"))
    paragraphs.append(Paragraph(cn_date(fig.made), kind="sign"))
    paragraphs.append(Paragraph(f"（起草依据：{fig.stamp.text()}。正式行文前删除本行。）", kind="note"))
    return Draft(title, tuple(paragraphs), lines)


def draft_text(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
               figures: Figures | None = None, version: str = "全市") -> str:
    """The drafted report as plain text, one paragraph a line (shown on the page for copying).

    Takes an open database, a Period, optionally a unit's canonical name (None = 全市) and, for the
    city, the version (全市 or 本级, see `draft`). Raises IndicatorsError for an unknown unit.
    """
    return draft(conn, period, unit, figures=figures, version=version).text()


# ---------------------------------------------------------------- the .docx, per GB/T 9704

def _fonts(run, name: str, size: float, bold: bool = False) -> None:
    """Font for Latin and East Asian text alike (python-docx writes only w:ascii and w:hAnsi)."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)
    rfonts.set(qn("w:cs"), name)
    if size == SIZE_3:  # condensed on the run itself too: LibreOffice does not take it from the style
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(-CONDENSE_TWIPS))
        rpr.insert_element_before(spacing, "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
                                  "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
                                  "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _layout(paragraph, indent: bool = True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, line=LINE_PITCH) -> None:
    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = line
    pf.space_before = pf.space_after = Pt(0)
    pf.alignment = align
    # no punctuation hanging past the right margin: LibreOffice reads this from the paragraph,
    # not from the style
    ppr = paragraph._p.get_or_add_pPr()
    if ppr.find(qn("w:overflowPunct")) is None:
        el = OxmlElement("w:overflowPunct")
        el.set(qn("w:val"), "0")
        ppr.insert_element_before(el, "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                                  "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                                  "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                                  "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
                                  "w:sectPr", "w:pPrChange")
    if indent:
        pf.first_line_indent = Pt(2 * SIZE_3)
        # two characters whatever the font size, as Word's 首行缩进 2 字符 writes it
        paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")


def _page(section) -> None:
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(18)
    # GB/T 9704: 22 lines of 28 characters. The 156 mm line holds 27.6 三号 characters at their
    # natural 16 pt, so the body is set 0.25 pt condensed (see _normal_style: 28 x 15.75 pt fits,
    # 29 do not). The grid is a line grid only: a character grid (linesAndChars) is drawn from a
    # base size that Word and LibreOffice read differently, and LibreOffice put every character
    # in two cells (14 to a line).
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))
    grid.attrib.pop(qn("w:charSpace"), None)


def _normal_style(doc) -> None:
    # The grid's character pitch is counted from the document default size (docDefaults), not
    # from Normal: python-docx's template says 11 pt there, which made every 三号 character take
    # two grid cells (14 to a line). The default is 三号 like the body.
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        el = defaults.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            defaults.append(el)
        el.set(qn("w:val"), str(SIZE_3 * 2))
    style = doc.styles["Normal"]
    # no extra space between Chinese and digits: the figures sit in the text as typed ("18项")
    ppr = style.element.get_or_add_pPr()
    # and no punctuation hanging past the right margin (Word's and LibreOffice's default for CJK)
    for attr in ("overflowPunct", "autoSpaceDE", "autoSpaceDN"):  # in CT_PPrBase's order
        el = OxmlElement(f"w:{attr}")
        el.set(qn("w:val"), "0")
        ppr.append(el)
    style.font.name = BODY_FONT
    style.font.size = Pt(SIZE_3)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), BODY_FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    spacing = OxmlElement("w:spacing")  # condensed by CONDENSE twentieths of a point: 28 to a line
    spacing.set(qn("w:val"), str(-CONDENSE_TWIPS))
    rfonts.addnext(spacing)
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


def _footers(doc, section) -> None:
    """GB/T 9704: odd pages' numbers right, even pages' left, each one character in from the edge.
    Nothing else in the footer: a clerk files the document as it is."""
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        number = footer.paragraphs[0]
        _page_number(number)
        _layout(number, indent=False, align=align, line=Pt(18))
        pf = number.paragraph_format
        if side == "right":
            pf.right_indent = Pt(SIZE_4)
        else:
            pf.left_indent = Pt(SIZE_4)


def _properties(doc, d: Draft, fig: Figures) -> None:
    """Title, author (the office), dates and the stamp in the file's properties, not python-docx's."""
    made = dt.datetime.combine(fig.made, dt.time(9, 0))
    cp = doc.core_properties
    cp.title, cp.author, cp.last_modified_by = d.title, ORG_NAME, ORG_NAME
    cp.subject, cp.comments = "法治政府建设工作情况", fig.stamp.text()
    cp.created = cp.modified = made
    cp.revision, cp.keywords, cp.category = 1, "法治政府建设", "工作报告"


def build_document(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
                   figures: Figures | None = None, version: str = "全市") -> bytes:
    """The drafted report as a .docx laid out per GB/T 9704; the stamp in its properties and in one
    line under the date that is deleted before filing (never in the footer).

    Takes an open database, a Period, optionally a unit's canonical name (None = 全市) and, for the
    city, the version (全市 汇总 or 本级 报告). Returns the file's bytes; raises IndicatorsError for
    an unknown unit.
    """
    fig = figures or gather(conn, period, unit)
    d = draft(conn, period, unit, figures=fig, version=version)
    doc = Document()
    _page(doc.sections[0])
    _normal_style(doc)
    _font_table(doc)
    _properties(doc, d, fig)
    title = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    for i, line in enumerate(d.title_lines or (d.title,)):
        run = title.add_run(line)
        _fonts(run, TITLE_FONT, SIZE_2)
        if i < len(d.title_lines or (d.title,)) - 1:
            run.add_break(WD_BREAK.LINE)
    _layout(title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(35))
    _layout(doc.add_paragraph(), indent=False)  # the blank line GB/T 9704 leaves under the title
    for p in d.paragraphs:
        para = doc.add_paragraph()
        if p.kind == "heading":
            _fonts(para.add_run(p.text), HEADING_FONT, SIZE_3)
            _layout(para)
        elif p.kind == "note":
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_5)
            _layout(para, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT, line=Pt(18))
        elif p.kind == "recipient":
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_3)
            _layout(para, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
        elif p.kind == "sign":  # 署名 and 成文日期 on the right, four characters in
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_3)
            _layout(para, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            para.paragraph_format.right_indent = Pt(4 * SIZE_3)
        else:
            if p.lead:
                _fonts(para.add_run(p.lead), SUBHEADING_FONT, SIZE_3)
            _fonts(para.add_run(p.text), BODY_FONT, SIZE_3)
            _layout(para)
    _footers(doc, doc.sections[0])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
