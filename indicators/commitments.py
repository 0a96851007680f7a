"""Commitments read from a report's sentences: counts, frequencies and rates, as indicator proposals.

The Chinese forms are declared once below as data (QUANTITY_FORMS, FREQUENCIES, DUE, EVENTS, KEY_DATES,
GROUPS, NAME_DROPS), each with the examples the tests read back. No tokenizer: the forms are anchored
on counters (期、次、篇…), on 每季度 / 每半年 and on 率 / 全覆盖, which regular expressions find exactly;
a word segmenter adds nothing to those anchors (jieba was not measured to help and is not installed).

`paragraph_proposals(text, ...)` is the pure core: one paragraph in, proposals and qualitative items out.
Every position is kept on the original text, so a proposal's `sentence` is the report's own words.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import asdict, dataclass, field

CJK = "\u4e00-\u9fff"
NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)(?:\s*[万千])?"
_FULLWIDTH = str.maketrans("０１２３４５６７８９％．　", "0123456789%. ")

# Counter -> the measure it is shown as. Counters the catalogue never counts (个, 名, 家) are left out:
# "全市 15 个县区" and "执法人员 35 名" describe, they do not commit.
COUNTERS = {"人次": "人次", "期次": "期", "场次": "次", "学时": "学时", "期": "期", "次": "次", "篇": "篇", "项": "项",
            "场": "次", "轮": "次", "堂": "次", "件": "件", "份": "份", "批": "次", "条": "篇", "课时": "学时", "册": "份",
            "篇次": "篇"}
# 条 counts articles only where the clause speaks of news ("发布法治信息 15 条"); "修订制度 5 条" commits to nothing.
ARTICLES = re.compile(r"信息|稿件|报道|推文|动态|新闻|简报|微博")
# 一批, 一项, 一件 say "some", not "exactly one".
VAGUE_ONE = {"批", "项", "件", "份"}

# (name, pattern, at_least, examples): the quantity forms, each example read back by the tests.
AT_LEAST_BEFORE = r"不少于|不低于|不下于|至少|最少|超过|多于"
QUANTITY = re.compile(
    rf"(?P<pre>{AT_LEAST_BEFORE}|达到|达)?\s*(?P<num>{NUM})\s*(?P<yu>余|多|几)?\s*"
    rf"(?P<unit>{'|'.join(sorted(COUNTERS, key=len, reverse=True))})(?P<post>以上|及以上|或以上|左右)?")
QUANTITY_FORMS = [
    ("plain", "全年举办 2 期领导班子参加的法治专题讲座", 2, False),
    ("chinese", "举办两期法治专题讲座", 2, False),
    ("chinese-er", "举办二期执法人员培训班", 2, False),
    ("yu", "开展国防动员法治宣传教育活动 10 余次", 10, True),
    ("shi-yu", "开展普法宣传十余次", 10, True),
    ("bushaoyu", "开展法治宣传活动不少于 3 次", 3, True),
    ("yishang", "召开专题会议 3 次以上", 3, True),
    ("wan", "覆盖群众 2 万余人次", 20000, True),
]

RATE = re.compile(rf"(?P<pre>{AT_LEAST_BEFORE}|达到|达|保持|为|实现|确保)?\s*(?:(?P<num>\d+(?:\.\d+)?)\s*%|百分之(?P<cn>{NUM}))"
                  r"(?P<post>以上|及以上)?")
FULL = re.compile(r"全覆盖|全员持证|全部持证|应训尽训|应持尽持")
NOT_TARGET_RATE = re.compile(r"(增长|提高|提升|下降|降低|同比|环比|减少|增加|上升)\s*$")
RATE_FORMS = [
    ("percent", "行政执法人员持证率达到 100%", 100.0),
    ("full", "实现执法人员培训全覆盖", 100.0),
    ("percent-at-least", "执法证件年审完成率不低于 95%", 95.0),
    ("percent-yishang", "群众满意度达 95% 以上", 95.0),
    ("chinese", "持证率达到百分之百", 100.0),
]

# (pattern, rhythm, periods a year, examples): how often. 每月 has no rhythm of its own in the catalogue;
# checked by quarter it is at least held to pace four times a year.
FREQUENCIES = [
    (r"每(?:个)?季度|按季度|逐季度|季度一次|[/／]\s*季度?", "quarter", 4,
     ["坚持每季度主任办公会议学法制度", "每个季度召开 1 次", "主任办公会议学法 1 次/季度"]),
    (r"每半年(?:度)?|半年一次|上下半年各|上、下半年各|上半年[、和及与]下半年各|[/／]\s*半年", "half-year", 2,
     ["办党组每半年听取一次法治建设工作汇报", "上、下半年各召开一次法治工作专题会议", "上半年、下半年各开展一次专题督导"]),
    (r"每(?:个)?月|按月|逐月|[/／]\s*月", "quarter", 12, ["每月开展一次法治宣传", "法治宣传 1 次/月"]),
    (r"每(?:个)?(?:周|星期)[一二三四五六日天]?(?:上午|下午|晚上)?|[/／]\s*周", "quarter", 52, ["每周开展一次集中学法", "每周五下午集中学法"]),
]
# (pattern, rhythm, examples): when a count falls due, where the sentence says so.
DUE = [
    (r"国防教育月|9\s*月|九月", "september", ["全民国防教育月期间开展 3 项主题活动"]),
    (r"下半年|年底前|年末|年终|12\s*月底前|述法|年度述职", "second-half", ["年底前完成 1 次述法", "开展领导干部述法1次"]),
]
# (pattern, name, target, rhythm, measure, examples): commitments that carry their count in a word.
EVENTS = [
    (r"(?:年度|年终|年底|年末)述法|述法述职|(?:领导干部|负责人|负责同志|一把手)\S{0,4}?述法|(?:完成|进行|开展|落实|组织)了?\S{0,6}?述法",
     None, 1, "second-half", "次",
     ["落实领导干部年度述法制度", "年底前完成领导干部述法", "主要负责人年底前进行了述法", "主要负责人年终述法"]),
]
# (pattern, canonical node): the publicity key dates (宣传节点).
KEY_DATES = [
    (r"3\s*[·•・.．]\s*1(?!\d)\s*(?:国际)?(?:民防日)?|民防日", "3·1民防日"),
    (r"5\s*[·•・.．]\s*12(?!\d)\s*(?:防灾减灾日)?|防灾减灾日", "5·12防灾减灾日"),
    (r"9\s*[·•・.．]\s*18(?!\d)\s*(?:警报(?:试)?鸣放(?:日)?)?|警报(?:试)?鸣放", "9·18警报鸣放"),
    (r"(?:全民)?国防教育月", "全民国防教育月"),
    (r"4\s*[·•・.．]\s*15(?!\d)|国家安全教育日", "4·15国家安全教育日"),
    (r"12\s*[·•・.．]\s*4(?!\d)|国家宪法日|宪法宣传周", "12·4国家宪法日"),
]
KEY_DATES_NAME = "重要节点宣传覆盖"

# (group, pattern): the first that the name (then the clause) holds wins.
GROUPS = [
    ("执法队伍", r"持证|证件|(?<!全)年审|换证|执法资格|执法\S*率|配备率"),
    ("学法培训", r"学法|培训|参训|讲座|授课|讲课|法治课|党课|中心组|专题学习|学习|旁听庭审"),
    ("制度落实", r"汇报|研究|述法|述职|督导|督查|考核|审查|备案|听取|办公会"),
    ("宣传活动", r"宣传|普法|宣讲|演讲|报道|稿件|教育|活动|节点|群众|受众|参与人数|信息|媒体|公众号"),
]
GROUP_CODES = {"学法培训": "T", "制度落实": "G", "宣传活动": "P", "执法队伍": "E"}

# Words taken out of a clause to leave the catalogue's short name ("全年举办 2 期领导班子参加的法治专题讲座"
# -> 领导班子法治专题讲座): adverbs, verbs of doing, time words, the office speaking of itself, framing phrases.
NAME_DROPS = [
    r"(?<![存所现实正内外自])在[^，。；]{0,30}?等[^，。；]{0,6}?(?:媒体|平台|网站|公众号|渠道|载体)上?",
    r"(?:利用|借助|依托|围绕|结合|通过|面向|针对|聚焦|(?<![存所现实正内外自])在)[^，。；]*?(?:等重要节点|重要节点|等节点|节点|期间|之际|为契机|之机|等地|中)",
    r"深入[^，。；]*?等地",
    r"深入[^，。；]{1,14}?(?=开展|举办|组织|进行)",
    r"(?<![存所现实正内外自])在[^，。；]{0,12}?(?:媒体|平台|网站|公众号|会上|会议上)上?",
    r"邀请[^，。；]{1,12}?(?:开展|举办|进行|作|为)",
    r"^[^，。；]{0,10}?(?:人防办|国动办|国防动员办公室|人民防空办公室|人防办公室)",  # 各县（市、区）人防办
    r"^(?:我办|本办|全办|市国动办|县国动办|我局|本局|我委|我单位|各单位|各县区|全系统|共计|共(?!同))",
    r"^办(?=党组)",
    r"^[一二三四五六七八九十]+是",
    r"^(?:计划|拟|将|预计|力争|要)于?|^其中",
    r"按照?[^，。；]{0,6}?的?(?:频次|频率)|^按照",
    r"(?:20\d\d|二〇[一二三四五六七八九〇]{2})\s*年(?:度)?",
    r"全年|年内|每年度?|年度内|今年|明年|本年度|当年|年底前|年底|年末|年终|上半年|下半年|12月底前|期间|之际",
    r"于?\d{1,2}\s*月(?:底|末|中旬|上旬|下旬)?(?:前|以前|之前)|^\d{1,2}\s*月份?(?=[\u4e00-\u9fff])",
    rf"{AT_LEAST_BEFORE}|以上|左右",
    r"认真|积极|切实|扎实|持续|坚持|不断|进一步|定期|按时|及时|严格|主动|高质量|常态化",
    r"(?:组织开展|(?<!党)组织|开展|举办|召开|举行|进行|开设|落实|推进(?!会)|完成|累计|共计|实现|确保|力争|做到|保持|达到|刊发|发布|推送|编发|播发)了?",
    r"多种形式的|形式多样的|丰富多彩的|各类|各种|系列",
    r"参加的|参与的|参训的",
    r"(?<=人员|干部|职工|班子)(?:参加|参与)(?=[\u4e00-\u9fff]{2})",
    r"^共(?!同|享|建)",  # "全年共召开……": 共 is left in front once 全年 and the verb are out
]
N_FRAMING = 6  # the first NAME_DROPS are framing phrases (在…等平台, 在…期间, 利用…等节点, 深入…等地, 在…媒体, 邀请…)
NAME_TRAIL = re.compile(r"(?:制度|工作|等|机制)+$")
NAME_MAX = 20
UNNAMED = "（待命名）"  # a count with no words of its own and none before it: the administrator names it


@dataclass
class Proposal:
    """One indicator the report commits to (or, with `qualitative`, a commitment without a number)."""

    name: str
    measure: str | None
    target: float | None
    at_least: bool
    rhythm: str | None
    group: str | None
    sentence: str
    section: str = ""
    paragraph: int = 0
    part: str = ""  # 完成情况 / 存在的问题 / 工作计划 / 其他
    qualitative: bool = False
    matches: str | None = None
    differs: dict = field(default_factory=dict)
    status: str = ""  # 新增 / 有变化 / 无变化 (set when compared with the catalogue)

    def as_json(self) -> dict:
        out = asdict(self)
        out["target"] = _plain(self.target)
        return out


def _plain(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v


# ----------------------------------------------------------------------------------------- numbers

_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def number(text: str) -> float | None:
    """A number written in Arabic or Chinese digits ("12", "两", "十二", "二十", "一百", "2 万"); None when not one."""
    s = re.sub(r"\s+", "", text.translate(_FULLWIDTH))
    scale = 1
    if s and s[-1] in "万千" and len(s) > 1 and (s[:-1].replace(".", "", 1).isdigit()):
        scale, s = _CN_UNIT[s[-1]], s[:-1]
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s) * scale
    total, digit = 0, None
    for ch in s:
        if ch in _CN:
            digit = _CN[ch]
        elif ch in _CN_UNIT:
            total += (digit if digit is not None else 1) * _CN_UNIT[ch]
            digit = None
        else:
            return None
    return float(total + (digit or 0)) if s else None


# ----------------------------------------------------------------------------------------- masking

# What looks like a count but is not one: titles of documents, quoted names, dates, years, ordinals,
# document numbers, enumerators (一是), set phrases. Masked with a private-use character of the same
# length, so that positions in the masked text are positions in the report's own text.
_MASKS = [r"《[^》]{0,80}》", r"“[^”]{0,60}”", r"\"[^\"]{0,60}\"", r"〔[^〕]{0,10}〕\s*\d+\s*号",
          r"\d{4}\s*[—–\-~至到]\s*\d{4}\s*年", rf"{NUM}\s*个?\s*(?:年|月|日|周|天|岁|倍|季度|小时|分钟|个月)(?!度)",
          r"第\s*[\d一二三四五六七八九十百]+", r"[一二三四五六七八九十]+是", r"一次性|跑一次|一次办|一次告知|一岗双责|两张皮|一把手|一体化|一线|之一|一批批",
          r"[（(]\s*[\d一二三四五六七八九十]+\s*[)）]",
          # a tally of the indicators themselves ("18 项考核指标中，已完成 18 项"), a change on last year ("较上年增加 3 篇")
          r"\d+\s*项(?:考核|工作|重点)?(?:指标|任务)", r"已完成\s*\d+\s*项(?=[，。；,;]|$)",
          rf"(?:较|比|同比)[^，。；,;]{{0,8}}?(?:增加|增长|减少|下降|提高|多|少)了?\s*{NUM}\s*\S?"]
_MASK = re.compile("|".join(f"(?:{m})" for m in _MASKS))
_PAD = "\ue000"


def mask(text: str) -> str:
    """`text` (same length) with what only looks like a count blotted out."""
    t = text.translate(_FULLWIDTH)
    return _MASK.sub(lambda m: _PAD * len(m.group()), t)


# ----------------------------------------------------------------------------------------- splitting

_SENTENCE_END = re.compile(r"[。！？!?；;]")
_CLAUSE_END = re.compile(r"[，,：:；;。！？!?]")


def spans(text: str, splitter: re.Pattern, masked: str | None = None) -> list[tuple[int, int]]:
    """(start, end) of each piece of `text` between splitter marks outside quotes and brackets (`masked`: the
    text masked, when the caller has it)."""
    out, start, depth = [], 0, 0
    masked = mask(text) if masked is None else masked
    for i, ch in enumerate(masked):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and splitter.match(ch):
            if text[start:i].strip():
                out.append((start, i))
            start = i + 1
    if text[start:].strip():
        out.append((start, len(text)))
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in out]


# ----------------------------------------------------------------------------------------- the reading

EVENTS_NAMED = r"(?:全民)?国防教育月|宪法宣传周|民法典宣传月|安全生产月|防灾减灾宣传周"


def clean_name(raw: str, framing: bool = True) -> str:
    """The catalogue-style short name left of a clause once framing, verbs and time words are out; an event
    named only in the framing ("在全民国防教育月期间组织 3 项主题活动") stays in front (国防教育月主题活动).
    Where that leaves a bare word ("在新闻媒体刊发稿件" -> 稿件), the framing stays (新闻媒体稿件)."""
    s = re.sub(r"\s+", "", raw)
    event = re.search(EVENTS_NAMED, s)
    for pattern in NAME_DROPS[0 if framing else N_FRAMING:]:
        s = re.sub(pattern, "", s)
    s = re.sub(r"“([^”]{1,8})”", r"\1", s).strip("，,。；;：:、 的")  # “12·4”国家宪法日: a short quoted name is a name
    s = NAME_TRAIL.sub("", s)
    s = re.sub(r"班$", "", s) if s.endswith("培训班") else s
    if event and re.sub("^全民", "", event.group()) not in s:
        s = re.sub("^全民", "", event.group()) + s
    if framing and len(s) <= 2:
        return re.sub(r"^[在于]", "", clean_name(raw, framing=False)) or s
    if len(s) > NAME_MAX:  # a quoted slogan makes a name long: "人防法治宣传“进社区、进学校”活动" -> 人防法治宣传活动
        bare = re.sub(r"“[^”]*”|\"[^\"]*\"", "", s)
        s = bare if len(bare) >= 4 else s
    return s[-NAME_MAX:] if len(s) > NAME_MAX else s


def group_of(name: str, clause: str) -> str:
    for text in (name, clause):
        for group, pattern in GROUPS:
            if re.search(pattern, text):
                return group
    return "制度落实"


def _due(text: str) -> str | None:
    for pattern, rhythm, _ in DUE:
        if re.search(pattern, text):
            return rhythm
    return None


@lru_cache(maxsize=64)  # asked once per clause of the sentence
def _due_around(sentence: str) -> str | None:
    """A due time the sentence sets for all its clauses: "全民国防教育月期间，开展……" (not a date merely named)."""
    for pattern, rhythm, _ in DUE:
        if re.search(rf"(?:{pattern})[^，。；,]{{0,4}}(?:期间|之际)", sentence):
            return rhythm
    return None


def _frequency(masked: str):
    for pattern, rhythm, periods, _ in FREQUENCIES:
        m = re.search(pattern, masked)
        if m:
            return m, rhythm, periods
    return None


@lru_cache(maxsize=64)  # a paragraph's nodes are asked for once per clause naming two of them
def key_dates(text: str) -> tuple[str, ...]:
    """The distinct publicity key dates a text names, in the order of KEY_DATES."""
    return tuple(node for pattern, node in KEY_DATES if re.search(pattern, text))


def _quantities(masked: str) -> list[re.Match]:
    out = []
    for m in QUANTITY.finditer(masked):
        value = number(m.group("num"))
        if value is None or value <= 0:
            continue
        if value == 1 and m.group("unit") in VAGUE_ONE and not m.group("num").isdigit():
            continue
        if m.group("unit") == "条" and not ARTICLES.search(masked):
            continue
        out.append(m)
    return out


def _count_proposal(text: str, masked: str, a: int, b: int, m: re.Match, context: str, prev_name: str,
                    neighbours: tuple[int, int]) -> Proposal:
    """A count at match `m` inside the clause text[a:b]."""
    value = number(m.group("num"))
    at_least = bool(m.group("yu") or (m.group("pre") and m.group("pre") not in ("达到", "达"))
                    or m.group("post") in ("以上", "及以上", "或以上")
                    or re.search(rf"(?:{AT_LEAST_BEFORE})", masked[a:a + m.start()]))
    measure = COUNTERS[m.group("unit")]
    clause_masked = masked[a:b]
    freq = _frequency(clause_masked)
    rhythm = "yearly"
    if freq:
        _, rhythm, periods = freq
        value *= periods
    else:
        rhythm = _due(clause_masked) or _due_around(context) or "yearly"
    # The name is the clause's own words around the count (from the count before to the one after), once the
    # count, the frequency and the framing are out: "全年举办 2 期领导班子参加的法治专题讲座" -> 领导班子法治专题讲座.
    lo, hi = neighbours
    cut = {(m.start(), m.end())} | ({(freq[0].start(), freq[0].end())} if freq else set())
    name = clean_name("".join(text[a + i] for i in range(lo, hi) if not any(s <= i < e for s, e in cut)))
    listed = re.search(r"、[^、]*等(?P<what>[^、等]{2,})$", name)
    if listed:  # "开展 A、B、C 等 3 项主题活动": the kind, in the event the sentence is set in (国防教育月主题活动)
        event = _event_in(context) or ""
        name = (event if event not in listed.group("what") else "") + listed.group("what")
    if len(name) < 2 or name in COUNTERS:  # "学时不少于 40 学时": whose hours they are is in the clause before
        name = (prev_name + (name if name in COUNTERS else "")) if prev_name else name
    return Proposal(name=name, measure=measure, target=value, at_least=at_least, rhythm=rhythm,
                    group=group_of(name, text[a:b]), sentence=text[a:b].strip())


def _rate_proposals(text: str, masked: str, a: int, b: int, m: re.Match, full: bool, prev_name: str = "") -> list[Proposal]:
    before_masked = masked[a:a + m.start()]
    if NOT_TARGET_RATE.search(before_masked):
        return []
    value = 100.0 if full else number(m.group("num") or m.group("cn") or "")
    if value is None or value > 100:
        return []
    pre = "" if full else (m.group("pre") or "")
    before = text[a:a + m.start()]
    stripped = re.sub(r"(达到|达|不低于|不少于|保持|为|实现|确保|均|都|分别|全部|\s)+$", "", before)
    named = re.search(rf"([{CJK}]{{2,24}}?(?:率|满意度))\s*$", stripped)
    if named:
        name = re.sub(r"^(?:实现|确保|力争|做到|保持|推动|使|全年|年度内?)+", "", named.group(1))
        if len(name) < 4:  # "持证率达到 100%" after "现有执法人员 8 名": whose rate it is
            who = re.findall(rf"[{CJK}]{{2,6}}?人员", text[a - 40 if a > 40 else 0:a + m.start()])
            subject = re.sub(r"^(?:全办|我办|现有|全体|全部|共有|全系统|全市|全县)+", "", who[-1]) if who else prev_name
            name = subject + name
    else:
        base = clean_name(before)
        name = (re.sub("覆盖$", "", base) + "覆盖率") if full else re.sub(r"(?:覆盖面|覆盖)$", "覆盖", base) + "率"
    at_least = pre in ("不低于", "不少于", "至少") or bool(not full and m.group("post"))
    names = [name]
    if named:  # "执法人员持证率、年审率均达到 100%": one rate each, the bare ones taking the named one's subject
        listed = re.search(rf"((?:[{CJK}]{{2,24}}?(?:率|满意度)[、和及与])+)$", stripped[:named.start(1)])
        last = named.group(1)
        subject = name[:-len(last)] if name.endswith(last) and len(name) > len(last) else ""
        for item in (re.split(r"[、和及与]", listed.group(1))[:-1] if listed else []):
            item = re.sub(r"^(?:实现|确保|力争|做到|保持|推动|使|全年|年度内?)+", "", item)
            names.insert(-1, subject + item if len(item) < 4 else item)
    return [Proposal(name=n, measure="%", target=value, at_least=at_least, rhythm="rate",
                     group=group_of(n, text[a:b]), sentence=text[a:b].strip()) for n in names]


_ENUMERATION = re.compile(r"(?:开展|举办|组织|举行)(?P<items>[^，。；]{2,200}?)等(?:系列|一系列)?(?:主题)?(?P<what>活动|赛事|比赛|宣讲)")


def _enumeration_proposal(text: str, masked: str, a: int, b: int, context: str) -> Proposal | None:
    """"开展 A、B、C 等活动": as many 项 as the items listed (at least: 等)."""
    m = _ENUMERATION.search(masked[a:b])
    if not m:
        return None
    items = [x for x in m.group("items").split("、") if x.strip(_PAD + " ")]
    if len(items) < 2:
        return None
    nodes = [n for n in key_dates(context) if "月" in n or "日" in n]
    event = _event_in(context)
    name = (event or (nodes[0] if nodes else "专项")) + "主题" + m.group("what")
    rhythm = _due(masked[a:b]) or _due_around(context) or "yearly"
    return Proposal(name=name, measure="项", target=float(len(items)), at_least=True, rhythm=rhythm,
                    group=group_of(name, text[a:b]), sentence=text[a:b].strip())


@lru_cache(maxsize=64)  # asked once per clause of the sentence
def _event_in(sentence: str) -> str | None:
    """The named event a sentence sets its activities in (国防教育月, 宪法宣传周, ...)."""
    m = re.search(EVENTS_NAMED, sentence)
    return re.sub(r"^全民", "", m.group()) if m else None


def _event_proposals(text: str, masked: str, a: int, b: int) -> list[Proposal]:
    out = []
    for pattern, name, target, rhythm, measure, _ in EVENTS:
        if re.search(pattern, masked[a:b]):
            n = re.sub(r"^[^，。；]*?会(?:议)?上", "", name or clean_name(text[a:b]))  # 在全县述法评议会上进行了述法
            if len(n) < 5 and "述法" in n:
                n = "领导干部年度述法"
            out.append(Proposal(name=n, measure=measure, target=float(target), at_least=False, rhythm=rhythm,
                                group=group_of(n, text[a:b]), sentence=text[a:b].strip()))
    return out


def _boundary(clause: str, before: re.Match, after: re.Match) -> int:
    """Where the words of the count `after` start: past a 、 between the two counts ("举办 3 期培训班、开展宣传活动
    12 次"), else right after the count before it."""
    cut = clause.rfind("、", before.end(), after.start())
    return cut + 1 if cut >= 0 else before.end()


def clause_proposals(text: str, a: int, b: int, context: str, prev_name: str = "", masked: str | None = None) -> list[Proposal]:
    """Every measurable commitment of the clause text[a:b] of a paragraph; `context` is its sentence, `masked` the
    paragraph masked (computed once per paragraph by the caller)."""
    masked = mask(text) if masked is None else masked
    clause = masked[a:b]
    out: list[Proposal] = []
    nodes = key_dates(text[a:b])
    if len(nodes) >= 2:
        every = key_dates(text)
        out.append(Proposal(name=KEY_DATES_NAME, measure="个", target=float(len(every)), at_least=False,
                            rhythm="key-dates", group="宣传活动", sentence=text[a:b].strip()))
    quantities = _quantities(clause)
    for k, m in enumerate(quantities):
        lo = _boundary(clause, quantities[k - 1], m) if k else 0
        hi = _boundary(clause, m, quantities[k + 1]) - 1 if k + 1 < len(quantities) else b - a
        out.append(_count_proposal(text, masked, a, b, m, context, prev_name, (lo, hi)))
    for m in RATE.finditer(clause):
        out += _rate_proposals(text, masked, a, b, m, full=False, prev_name=prev_name)
    for m in FULL.finditer(clause):
        out += _rate_proposals(text, masked, a, b, m, full=True, prev_name=prev_name)
    if not quantities and not any(p.rhythm == "rate" for p in out):
        freq = _frequency(clause)
        if freq:
            f, rhythm, periods = freq
            name = clean_name(text[a:a + f.start()] + text[a + f.end():b].replace("一次", "", 1))
            out.append(Proposal(name=name, measure="次", target=float(periods), at_least=False, rhythm=rhythm,
                                group=group_of(name, text[a:b]), sentence=text[a:b].strip()))
        else:
            out += _event_proposals(text, masked, a, b)
            if not out:
                p = _enumeration_proposal(text, masked, a, b, context)
                if p:
                    out.append(p)
    return out


def paragraph_proposals(text: str) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """The proposals of one paragraph, and the spans of its sentences that hold none."""
    proposals, bare, last = [], [], ""
    masked = mask(text)
    for sa, sb in spans(text, _SENTENCE_END, masked):
        sentence = text[sa:sb]
        found, prev = [], last
        for ca, cb in spans(sentence, _CLAUSE_END, masked[sa:sb]):
            got = clause_proposals(text, sa + ca, sa + cb, sentence, prev, masked)
            for p in got:  # "共计15次。" alone: whose count it is was said before, else the clerk names it
                if len(re.sub(rf"[^{CJK}]", "", p.name)) < 2:
                    p.name = (last + p.name if last else UNNAMED + p.sentence)[:NAME_MAX + len(UNNAMED)]
            found += got
            prev = got[-1].name if got else clean_name(sentence[ca:cb])
        last = prev or last
        proposals += found
        if not found:
            bare.append((sa, sb))
    return proposals, bare
