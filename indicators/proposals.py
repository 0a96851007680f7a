"""From the annual report to next year's catalogue: read a report, propose indicators traced to their
sentences, compare them with the catalogue, and adopt the chosen ones through the targets path.

Nothing changes until `adopt`: reading and comparing only read.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from . import commitments, roles
from .commitments import GROUP_CODES, Proposal
from .config import RHYTHMS, Catalog, default_catalog
from .problems import IndicatorsError
from .reportfile import Report, ReportUnreadable, read_report
from .roles import OPERATOR, Actor

# Status of a proposal beside the catalogue, and of a catalogue indicator the report no longer carries.
NEW, CHANGED, UNCHANGED = "新增", "有变化", "无变化"
MENTIONED, NOT_MENTIONED = "仍提及但无数量", "未再提及"
FIELDS = ("target", "rhythm", "measure", "group")  # what `differs` compares
MEASURES = ("期", "次", "篇", "项", "人次", "%", "个", "件", "份", "学时")
RHYTHM_LABELS = {"yearly": "全年", "quarter": "每季度", "half-year": "每半年", "second-half": "下半年（年底前）",
                 "september": "9月（国防教育月）", "key-dates": "重要节点", "rate": "比率"}
FIELD_LABELS = {"target": "目标", "rhythm": "节奏", "measure": "计量", "group": "分组"}
MATCH_AT = 0.55
MAX_PROPOSALS = 300  # a year's report commits to dozens of things; hundreds of counts are a ledger, not a report  # a proposal is the catalogue's indicator when their likeness reaches this


@dataclass
class Proposed:
    """What a report proposes: measurable proposals, qualitative items, and the catalogue's indicators it
    no longer carries ({code, name, status, source})."""

    report: str
    year: int
    proposals: list[Proposal]
    qualitative: list[Proposal]
    missing: list[dict] = field(default_factory=list)

    def as_json(self) -> list[dict]:
        return [p.as_json() for p in self.proposals + self.qualitative]


# ------------------------------------------------------------------------------------ reading

def extract(report: Report) -> tuple[list[Proposal], list[Proposal]]:
    """(proposals, qualitative items) of a structured report. Problems (存在的问题) commit to nothing."""
    proposals, qualitative = [], []
    for para in report.paragraphs:
        if para.part == "存在的问题":
            continue
        found, bare = commitments.paragraph_proposals(para.text)
        for p in found:
            p.section, p.paragraph, p.part = para.section, para.number, para.part
        proposals += found
        if len(proposals) > MAX_PROPOSALS:
            raise ReportUnreadable("too_many", str(MAX_PROPOSALS))
        if para.part == "工作计划":
            qualitative += _items(para, [(a, b) for a, b in bare])
    return _merge(proposals), qualitative


_ENUMERATOR = re.compile(r"^\s*(?:[一二三四五六七八九十]+是|[（(]?[一二三四五六七八九十\d]+[)）、.．])")


def _items(para, bare: list[tuple[int, int]]) -> list[Proposal]:
    """The plan's commitments without a number, one per item: an item opened by 一是/二是 runs on over the
    sentences that follow it; elsewhere each sentence is an item."""
    items: list[list[int]] = []
    for a, b in bare:
        if items and not _ENUMERATOR.match(para.text[a:b]) and _ENUMERATOR.match(para.text[items[-1][0]:items[-1][1]]) \
                and para.text[items[-1][1]:a].strip("。；; ") == "":
            items[-1][1] = b
        else:
            items.append([a, b])
    out = []
    for a, b in items:
        sentence = para.text[a:b].strip()
        title = _ENUMERATOR.sub("", re.split(r"[。；;]", sentence)[0]).strip("，, ")
        if len(_key(title)) >= 4 and not re.match(r"^(?:我办将|我们将|特此报告|以上)", title):
            out.append(Proposal(name=title[:24], measure=None, target=None, at_least=False, rhythm=None, group=None,
                                sentence=sentence, section=para.section, paragraph=para.number, part=para.part,
                                qualitative=True))
    return out


def _merge(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per indicator: the same name said twice keeps the plan's (next year's) reading, else the first;
    a review's count of what the plan also commits to (执法人员培训 2 期 beside the plan's 执法人员法治专题培训 3 期)
    gives way to the plan."""
    plans = [p for p in proposals if p.part == "工作计划"]
    proposals = [p for p in proposals if p.part == "工作计划" or not any(_same_thing(p, q) for q in plans)]
    kept: dict[str, Proposal] = {}
    for n, p in enumerate(proposals):  # one paragraph saying one thing twice ("落实年度述法制度，年底前完成述法";
        # "每半年听取一次汇报，共听取2次": the year's tally of a rhythm said before it)
        if any(q.paragraph == p.paragraph and (q.target, q.measure) == (p.target, p.measure)
               and (q.rhythm == p.rhythm or p.rhythm == "yearly" and q.rhythm not in ("rate", "key-dates"))
               and (_key(p.name) in _key(q.name) or likeness(p.name, q.name) >= 0.5 and _head(p.name) == _head(q.name))
               for q in proposals[:n]):
            continue
        key = _key(p.name) + "|" + str(p.rhythm == "rate")
        old = kept.get(key)
        if old is None or (p.part == "工作计划" and old.part != "工作计划"):
            kept[key] = p
    return list(kept.values())


def _same_thing(p: Proposal, q: Proposal) -> bool:
    """The review's `p` and the plan's `q` count one thing: alike in name, ending on the same word (培训 / 讲座;
    持证率 is not 年审率), and in the same measure (全员法治培训 3 场次 is not 执法人员培训 2 期)."""
    if (q.rhythm == "rate") != (p.rhythm == "rate") or likeness(p.name, q.name) < 0.5:
        return False
    return p.measure == q.measure and (_head(p.name) == _head(q.name) or likeness(p.name, q.name) >= 0.7)


def _key(text: str) -> str:
    return re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)


def report_year(report: Report) -> int:
    """The year the proposals are for: the year after the one the report looks back on, else this year."""
    head = report.title + " " + " ".join(p.text for p in report.paragraphs[:3]) + " " + report.paragraphs[0].section
    plan = re.search(r"(20\d\d)\s*年(?:度)?[^。，\d]{0,16}(?:要点|计划|安排|打算)", head)  # 2025年总结及2026年工作要点: 2026
    if plan:  # a plan names the year it is for
        return int(plan.group(1))
    m = re.search(r"(20\d\d)\s*年(?:度)?", head)
    return int(m.group(1)) + 1 if m else dt.date.today().year


def propose(data: bytes, name: str, *, year: int | None = None, catalog: Catalog | None = None,
            effective: dict[str, float | None] | None = None) -> Proposed:
    """Read a report's bytes and propose indicators, compared with the catalogue.

    `effective`: the catalogue's targets in force for `year` ({code: target}, or a function of the year giving
    them; default: the file's).
    Returns Proposed. Raises IndicatorsError (Chinese) when the file cannot be read as a report, or when it
    holds no measurable commitment at all (its qualitative items are then in the message's `proposed`).
    """
    try:
        report = read_report(data, name)
        proposals, qualitative = extract(report)
    except ReportUnreadable as e:
        raise IndicatorsError(f"{name}：{e.message}") from None
    year = year or report_year(report)
    out = Proposed(name, year, proposals, qualitative)
    compare(out, catalog or default_catalog(), effective(year) if callable(effective) else effective, report.text)
    if not proposals:
        raise NoCommitments(name, out)
    return out


def propose_file(path, *, year: int | None = None, catalog: Catalog | None = None,
                 effective: dict | None = None) -> Proposed:
    """`propose` for a file on disk: a directory, a device or a file over the size limit is refused unread."""
    import os
    import stat
    from pathlib import Path
    from .reportfile import MAX_REPORT_MB, _mb
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise IndicatorsError(f"无法打开「{path.name}」（文件不存在）。请确认文件名和路径") from None
    except OSError as e:  # the system's own words are English: say only what to check
        raise IndicatorsError(f"无法打开「{path.name}」（系统错误 {e.errno}）。请确认文件存在且有读取权限") from None
    if not stat.S_ISREG(st.st_mode):
        raise IndicatorsError(f"「{path.name}」不是普通文件（{'是文件夹' if stat.S_ISDIR(st.st_mode) else '是设备或管道'}）。请选择报告文件本身")
    if st.st_size > MAX_REPORT_MB << 20:
        raise IndicatorsError(f"{path.name}：{ReportUnreadable('too_large', _mb(st.st_size), f'{MAX_REPORT_MB} MB').message}")
    return propose(path.read_bytes(), path.name, year=year, catalog=catalog, effective=effective)


class NoCommitments(IndicatorsError):
    """The report holds no measurable commitment; `proposed` still lists its qualitative items."""

    def __init__(self, name: str, proposed: Proposed):
        super().__init__(f"{name}：{ReportUnreadable('no_commitments').message}")
        self.proposed = proposed


# ------------------------------------------------------------------------------------ comparing

# Words the catalogue and reports use for one thing, made one before names are compared.
SYNONYMS = {"稿件": "报道", "信息": "报道", "专题学法": "专题学习", "培训班": "培训", "会议学法": "会学法",
            "参训": "培训", "普法宣传": "法治宣传", "普法": "法治宣传", "督查": "督导"}


# Who does a thing, or when, says little about which thing it is: 领导干部 述法 and 领导干部 旁听庭审 differ.
SUBJECT_GRAMS = {"领导", "导干", "干部", "年度", "全年", "本年", "今年"}


def _distinctive(catalog: Catalog) -> dict[str, set[str]]:
    """Each indicator's name bigrams that no other indicator's name has (中心 for 中心组学习, 述法, 持证...)."""
    grams = {i.code: _bigrams(i.name) - SUBJECT_GRAMS for i in catalog.indicators}
    return {code: {g for g in own if not any(g in other for c, other in grams.items() if c != code)}
            for code, own in grams.items()}


def _bigrams(text: str) -> set[str]:
    s = _key(text)
    for word, same in SYNONYMS.items():
        s = s.replace(word, same)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def likeness(a: str, b: str) -> float:
    """Dice coefficient of the two texts' character bigrams (0..1), who and when (SUBJECT_GRAMS) counting half."""
    x, y = _bigrams(a), _bigrams(b)

    def weight(grams):
        return sum(0.5 if g in SUBJECT_GRAMS else 1.0 for g in grams)
    return 2 * weight(x & y) / (weight(x) + weight(y)) if x and y else 0.0


def _score(p: Proposal, ind, groups: dict, unique: dict, distinctive: dict) -> float:
    score = likeness(p.name, ind.name)
    shared = len(_bigrams(p.name) & distinctive.get(ind.code, set()))
    score += 0.3 if shared >= 2 else 0.2 if shared else 0.0
    if p.rhythm == "rate" and not shared and any(g in own for code, own in distinctive.items() if code != ind.code for g in _bigrams(p.name)):
        score -= 0.2  # 执法人员年审率 holds 年审, E02's own word: it is not E04 执法人员配备率
    source, sentence = _key(ind.source), _key(p.sentence)
    if len(source) >= 6 and len(sentence) >= 6 and (source in sentence or sentence in source):  # the catalogue's own sentence
        score += 0.3
    if p.rhythm == ind.rhythm == "key-dates":
        score += 0.5
    if (p.rhythm == "rate") != (ind.rhythm == "rate"):
        score -= 0.5
    if p.rhythm == ind.rhythm:
        score += 0.05
    if p.measure == ind.measure:
        score += 0.05
    elif "人次" in (p.measure, ind.measure) and p.rhythm != "rate" and ind.rhythm != "rate":
        score -= 0.5  # people counted against events counted: 宣传活动 10 次 is not 宣传活动参与人数
    elif p.rhythm != "rate" and ind.rhythm != "rate":
        score -= 0.2
    if p.group == groups.get(ind.group):
        score += 0.1
    if p.measure == ind.measure and unique.get(p.measure) == 1:  # the one count of people, of articles...
        if p.group == groups.get(ind.group):
            score += 0.5
        elif _head(p.name) == _head(ind.name):  # 新闻媒体稿件 and 法治宣传报道: both 报道
            score += 0.3
    if p.measure == ind.measure and p.group == groups.get(ind.group) and unique.get((ind.group, p.measure)) == 1:
        score += 0.15  # the one count in 次 of 宣传活动 (P01): "宣传活动 10 次" is it
    if p.part == "工作计划":  # next year's word over last year's, when both fit
        score += 0.05
    return score


def _head(name: str) -> str:
    s = _key(name)
    for word, same in SYNONYMS.items():
        s = s.replace(word, same)
    return s[-2:]


def compare(proposed: Proposed, catalog: Catalog, effective: dict | None, text: str) -> None:
    """Fill each proposal's `matches`, `differs` and `status`, and `proposed.missing`, one catalogue indicator
    at most per proposal, best likeness first."""
    effective = effective if effective is not None else {i.code: i.target(proposed.year) for i in catalog.indicators}
    groups = {g: spec["name"] for g, spec in catalog.groups.items()}
    unique = {}
    for ind in catalog.indicators:
        unique[ind.measure] = unique.get(ind.measure, 0) + 1
        unique[(ind.group, ind.measure)] = unique.get((ind.group, ind.measure), 0) + 1
    distinctive = _distinctive(catalog)
    pairs = sorted(((_score(p, ind, groups, unique, distinctive), n, ind) for n, p in enumerate(proposed.proposals)
                    for ind in catalog.indicators),
                   key=lambda t: -t[0])
    taken, used = set(), set()
    for score, n, ind in pairs:
        if score < MATCH_AT or n in taken or ind.code in used:
            continue
        taken.add(n)
        used.add(ind.code)
        p = proposed.proposals[n]
        p.matches = ind.code
        catalogue = {"target": effective.get(ind.code), "rhythm": ind.rhythm, "measure": ind.measure,
                     "group": catalog.groups[ind.group]["name"]}
        report = {"target": p.target, "rhythm": p.rhythm, "measure": p.measure, "group": p.group}
        p.differs = {f: [commitments._plain(catalogue[f]), commitments._plain(report[f])]
                     for f in FIELDS if catalogue[f] != report[f]}
        p.status = CHANGED if p.differs else UNCHANGED
    for p in proposed.proposals:
        p.status = p.status or NEW
    flat = _key(text)
    proposed.missing = [{"code": i.code, "name": i.name, "source": i.source,
                         "status": MENTIONED if _key(i.source) and _key(i.source)[:12] in flat else NOT_MENTIONED}
                        for i in catalog.indicators if i.code not in used]


def number_text(v) -> str:
    return "" if v is None else f"{v:g}" if isinstance(v, (int, float)) else str(v)


def value_text(field: str, v) -> str:
    """A compared value as the pages and the terminal say it."""
    if v is None:
        return "未设目标" if field == "target" else "无"
    return RHYTHM_LABELS.get(v, v) if field == "rhythm" else number_text(v)


def effective_targets(conn, year: int, catalog: Catalog | None = None) -> dict[str, float | None]:
    """{code: target in force for `year`}: the database's edits over the catalogue file's."""
    from .progress import targets_for
    return {code: t for code, (t, _) in targets_for(conn, catalog or default_catalog(), year).items()}


# ------------------------------------------------------------------------------------ adopting

def check(rows: list[dict]) -> list[str]:
    """Chinese sentences for every problem in the edited proposals chosen for adoption; empty when they can be."""
    problems = []
    groups = set(GROUP_CODES)
    for n, r in enumerate(rows, 1):
        label = f"第 {n} 条「{r.get('name') or ''}」"
        if not str(r.get("name") or "").strip():
            problems.append(f"第 {n} 条：指标名称不能为空")
        target = r.get("target")
        if target is None or target != target:
            problems.append(f"{label}：目标不能为空")
        elif not isinstance(target, (int, float)) or target < 0:
            problems.append(f"{label}：目标应为 0 或正数（现为 {target}）")
        elif r.get("rhythm") == "rate" and target > 100:
            problems.append(f"{label}：比率目标不能超过 100（现为 {target:g}）")
        if r.get("rhythm") not in RHYTHMS:
            problems.append(f"{label}：节奏「{r.get('rhythm')}」不是 {'、'.join(RHYTHM_LABELS.values())} 之一")
        if r.get("group") not in groups:
            problems.append(f"{label}：分组应为 {'、'.join(groups)} 之一")
        if not str(r.get("measure") or "").strip():
            problems.append(f"{label}：计量单位不能为空")
        if not str(r.get("sentence") or "").strip():
            problems.append(f"{label}：报告原文不能为空")
    codes = [r["matches"] for r in rows if r.get("matches")]
    for code in {c for c in codes if codes.count(c) > 1}:
        problems.append(f"指标 {code} 被选中了不止一次，请只保留一条")
    return problems


def adopt(conn, year: int, rows: list[dict], *, report: str, catalog: Catalog | None = None,
          actor: Actor = OPERATOR, client: str | None = None) -> list[str]:
    """Adopt the chosen (edited) proposals for `year`: the matched indicators' targets through the targets path
    (checked with the year's other targets and weights, audited), every adopted sentence as its indicator's
    source, new indicators kept as additions to the catalogue, all as one numbered adoption in one transaction.

    Returns the problems (Chinese) and stores nothing when there are any. Raises IndicatorsError unless
    `actor` may edit targets.
    """
    from . import store, targets
    roles.require(actor, "edit_targets")
    catalog = catalog or default_catalog()
    if not rows:
        return ["没有选中任何提议"]
    codes = {i.code for i in catalog.indicators}
    problems = check(rows) + [f"指标编码 {r['matches']} 不在指标目录中" for r in rows
                              if r.get("matches") and r["matches"] not in codes]
    if problems:
        return problems
    table = targets.target_table(conn, year, catalog).to_dict("records")
    chosen = {r["matches"]: float(r["target"]) for r in rows if r.get("matches")}
    for t in table:
        if t["code"] in chosen:
            t["target"] = chosen[t["code"]]
    problems = targets.check(table, catalog)
    if problems:
        return problems
    target_rows = [{"code": t["code"], "target": targets._num(t["target"]), "weight": targets._num(t["weight"])}
                   for t in table]
    with store.transaction(conn):
        entries = _entries(rows, year, store.adoptions.new_codes(conn, year) + 1)
        targets.write_targets(conn, year, target_rows, actor=actor, client=client)
        number = store.adoptions.insert_adoption(conn, year, dt.datetime.now().isoformat(timespec="seconds"),
                                                 actor.login, report, entries)
        store.audit.record(conn, actor, "adopt_proposals", client=client,
                           detail={"year": year, "adoption": number, "report": report,
                                   "indicators": [{"code": e["code"], "name": e["name"], "yearly_target": e["target"],
                                                   "rhythm": e["rhythm"], "new": bool(e["is_new"])} for e in entries]})
    return []


def _entries(rows: list[dict], year: int, n: int) -> list[dict]:
    """The adopted rows as stored; a new indicator gets the next free code of the year (N2601, N2602, ...)."""
    out = []
    for r in rows:
        code = r.get("matches")
        if not code:
            code = f"N{year % 100:02d}{n:02d}"
            n += 1
        out.append({"code": code, "name": str(r["name"]).strip(), "group": r["group"], "measure": str(r["measure"]).strip(),
                    "rhythm": r["rhythm"], "target": float(r["target"]), "at_least": 1 if r.get("at_least") else 0,
                    "source": str(r["sentence"]).strip(), "is_new": 0 if r.get("matches") else 1})
    return out


def adopted(conn, year: int) -> list[dict]:
    """The indicators adopted for `year` from reports (latest adoption of each code), each with its source."""
    from .store import adoptions
    return adoptions.adopted(conn, year)
