"""The four Excel ledgers (台账): their columns, variants, types, choices and identity, declared once.

Everything that reads, checks, stores or writes a ledger takes its column list from here, so a new
header variant or category alias is one line in this file.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Column types: how a cell is parsed.
DATE, TEXT, UNIT, CHOICE, INT, NUMBER = "date", "text", "unit", "choice", "int", "number"


@dataclass(frozen=True)
class Column:
    field: str  # identifier used in the database and in code
    name: str  # canonical Chinese header, as the template writes it
    type: str
    required: bool = True
    variants: tuple[str, ...] = ()  # other headers meaning the same column (normalised form)
    choices: tuple[str, ...] = ()  # allowed values for CHOICE columns
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings -> choice
    help: str = ""
    # the words clerks build this column's header from (开展时间, 会议类型, 到会人数): a header ending in
    # one of them, or containing one, names this column when no header names it exactly (see keyword_score)
    keywords: tuple[str, ...] = ()
    width: int = 14  # template column width
    # the choice a named value takes when it is none of the choices and near none (宣传节点: a 4·15 or a
    # 宪法宣传周 activity is 其他); a value near a choice is still asked about
    otherwise: str = ""

    def header_forms(self) -> set[str]:
        return {normalise_header(self.name), *(normalise_header(v) for v in self.variants)}

    def keyword_score(self, header: str) -> tuple[int, str]:
        """(2 when the normalised header ends in a key word, 1 when it contains one, else 0; the word).

        A number column takes a header that merely contains its word only when the header still
        reads as a count (编制数, 核定编制人数), so that 报道链接 never becomes 媒体报道(篇).
        """
        best = (0, "")
        for word in self.keywords:
            if header.endswith(word):
                return 2, word
            if word in header and best[0] == 0 and (self.type not in (INT, NUMBER) or _COUNT_END.search(header)):
                best = (1, word)
        return best


@dataclass(frozen=True)
class Ledger:
    kind: str  # identifier: training | publicity | governance | staff
    name: str  # 培训学法台账 ...
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # fields that identify a row (re-import updates, never duplicates)
    help: str

    def column(self, field_name: str) -> Column:
        return next(c for c in self.columns if c.field == field_name)


_COUNT_END = re.compile(r"(数|数量|人次|份|篇|次)$")


def _date(name="日期", variants=("时间", "开展日期", "举办日期", "活动日期", "学习日期", "培训日期", "会议日期", "填报日期")):
    return Column("date", name, DATE, variants=variants, keywords=("日期", "时间"),
                  help="填写实际开展的日期，如 2025-03-01、2025年3月1日、2025.3.1 或 2025/3/1", width=13)


_UNIT = Column("unit", "单位", UNIT, variants=("单位名称", "填报单位", "责任单位", "所属单位", "县区", "县(市、区)", "组织单位",
                                            "区县", "县市区", "县区名称", "地区"),
               keywords=("单位", "县区", "区县"), help="从下拉列表选择本单位名称（如 红旗区、市国动办）", width=14)
_NOTE = Column("note", "备注", TEXT, required=False, variants=("说明", "其他"), keywords=("备注",), help="选填", width=18)

TRAINING = Ledger(
    kind="training", name="培训学法台账",
    columns=(
        _date(),
        _UNIT,
        Column("category", "类别", CHOICE, variants=("类型", "学习类别", "培训类别", "学习形式", "形式"),
               keywords=("类别", "类型", "形式", "方式", "分类"),
               choices=("党组中心组学法", "领导班子法治讲座", "主任办公会学法", "执法人员培训", "全员法治培训"),
               aliases={"中心组学法": "党组中心组学法", "党组理论学习中心组学法": "党组中心组学法",
                        "党组理论学习中心组学习": "党组中心组学法", "领导班子法治专题讲座": "领导班子法治讲座",
                        "法治专题讲座": "领导班子法治讲座", "主任办公会议学法": "主任办公会学法",
                        "办公会学法": "主任办公会学法", "行政执法人员培训": "执法人员培训",
                        "执法培训": "执法人员培训", "全员培训": "全员法治培训"},
               help="从下拉列表选择：党组中心组学法、领导班子法治讲座、主任办公会学法、执法人员培训、全员法治培训", width=18),
        Column("title", "主题", TEXT, variants=("学习主题", "培训主题", "讲座主题", "学习内容", "培训内容", "题目"),
               keywords=("主题", "题目", "课题", "内容", "名称", "议题"),
               help="学习或培训的主题，如《行政处罚法》专题讲座", width=30),
        Column("speaker", "主讲人", TEXT, required=False, variants=("授课人", "主讲", "讲师", "授课老师"),
               keywords=("主讲", "授课", "讲师", "讲课", "宣讲"), help="选填", width=12),
        Column("participants", "参加人数", INT, variants=("参训人数", "人数", "参会人数", "参加人员数", "参学人数"),
               keywords=("人数", "人次", "人员数", "人员"),
               help="填写整数，如 30", width=10),
        Column("hours", "学时", NUMBER, required=False, variants=("时长", "课时", "学时数", "培训学时"),
               keywords=("学时", "课时", "时长", "小时"),
               help="选填，可带小数，如 2.5", width=8),
        _NOTE,
    ),
    key=("unit", "date", "category", "title"),
    help="每次学法或培训填一行：党组中心组学法、领导班子法治讲座、主任办公会学法、执法人员培训、全员法治培训。",
)

PUBLICITY = Ledger(
    kind="publicity", name="宣传活动台账",
    columns=(
        _date(),
        _UNIT,
        Column("title", "活动名称", TEXT, variants=("活动", "活动主题", "名称", "宣传活动", "活动内容"),
               keywords=("名称", "主题", "题目", "内容"),
               help="活动名称，如 3·1民防日进社区宣传", width=30),
        Column("node", "宣传节点", CHOICE, variants=("节点", "重要节点", "宣传时间节点", "活动节点"),
               keywords=("节点", "主题日", "纪念日", "宣传日"),
               choices=("3·1民防日", "5·12防灾减灾日", "9·18警报鸣放", "全民国防教育月", "其他"),
               aliases={"民防日": "3·1民防日", "31民防日": "3·1民防日", "防灾减灾日": "5·12防灾减灾日",
                        "512防灾减灾日": "5·12防灾减灾日", "512": "5·12防灾减灾日", "918警报鸣放": "9·18警报鸣放",
                        "918": "9·18警报鸣放", "警报鸣放": "9·18警报鸣放", "918警报试鸣": "9·18警报鸣放",
                        "国防教育月": "全民国防教育月", "9月国防教育月": "全民国防教育月", "全国防教育月": "全民国防教育月",
                        "全民国防教育日": "全民国防教育月", "日常": "其他", "无": "其他", "其它": "其他",
                        "九一八": "9·18警报鸣放", "警报试鸣": "9·18警报鸣放", "五一二": "5·12防灾减灾日"},
               help="从下拉列表选择：3·1民防日、5·12防灾减灾日、9·18警报鸣放、全民国防教育月、其他", width=16,
               otherwise="其他"),
        Column("venue_type", "地点类型", CHOICE, required=False, variants=("场所类型", "地点分类", "活动场所类型"),
               keywords=("地点类型", "场所类型", "地点类别", "场所类别", "地点分类", "场所分类"),
               choices=("社区", "广场", "学校", "企业", "机关", "网络媒体", "其他"),
               aliases={"居民社区": "社区", "小区": "社区", "休闲广场": "广场", "高校": "学校", "大中小学": "学校",
                        "中小学": "学校", "中学": "学校", "小学": "学校", "大学": "学校", "学院": "学校", "幼儿园": "学校",
                        "街道": "社区", "公司": "企业", "机关单位": "机关", "单位": "机关", "网络": "网络媒体",
                        "新媒体": "网络媒体", "媒体": "网络媒体", "微信": "网络媒体", "公众号": "网络媒体", "抖音": "网络媒体",
                        "网站": "网络媒体", "其它": "其他"},
               help="从下拉列表选择：社区、广场、学校、企业、机关、网络媒体、其他", width=12, otherwise="其他"),
        Column("venue", "地点", TEXT, required=False, variants=("活动地点", "场所", "具体地点"),
               keywords=("地点", "场所", "地址", "位置"), help="选填", width=18),
        Column("people", "参与人数", INT, variants=("参加人数", "人数", "受众人数", "覆盖人数", "参与人次", "受教育人数"),
               keywords=("人数", "人次"),
               help="填写整数，如 300", width=10),
        Column("materials", "发放资料(份)", INT, required=False, variants=("发放资料", "发放资料份数", "资料份数", "发放宣传资料"),
               keywords=("资料", "材料", "宣传品", "份数"),
               help="选填，整数", width=12),
        Column("media", "媒体报道(篇)", INT, required=False, variants=("媒体报道", "报道篇数", "宣传报道", "报道"),
               keywords=("报道", "篇数"),
               help="选填，整数；没有填 0", width=12),
        _NOTE,
    ),
    key=("unit", "date", "node", "title"),
    help="每次宣传活动填一行；宣传节点选 3·1民防日、5·12防灾减灾日、9·18警报鸣放、全民国防教育月或其他。",
)

GOVERNANCE = Ledger(
    kind="governance", name="制度落实台账",
    columns=(
        _date(),
        _UNIT,
        Column("category", "类别", CHOICE, variants=("类型", "事项类别", "工作类别"),
               keywords=("类别", "类型", "形式", "分类"),
               choices=("党组听取汇报", "办公会研究法治", "领导干部述法", "督导检查"),
               aliases={"党组听取法治建设工作汇报": "党组听取汇报", "听取汇报": "党组听取汇报",
                        "办公会研究法治建设": "办公会研究法治", "办公会研究法治建设重大问题": "办公会研究法治",
                        "听取法治建设工作汇报": "党组听取汇报", "听取法治建设汇报": "党组听取汇报",
                        "述法": "领导干部述法", "年度述法": "领导干部述法", "督导": "督导检查", "动态督导": "督导检查"},
               help="从下拉列表选择：党组听取汇报、办公会研究法治、领导干部述法、督导检查", width=16),
        Column("title", "事项", TEXT, variants=("会议名称", "内容", "事项内容", "主要内容", "名称"),
               keywords=("事项", "名称", "内容", "议题", "主题"),
               help="会议、汇报或督导的事项，如 上半年法治建设工作汇报", width=34),
        _NOTE,
    ),
    key=("unit", "date", "category", "title"),
    help="每次党组听取汇报、办公会研究法治、领导干部述法或督导检查填一行。",
)

STAFF = Ledger(
    kind="staff", name="执法人员统计表",
    columns=(
        _date("统计日期", ("统计时间", "截至日期", "截止日期", "日期", "填报日期")),
        _UNIT,
        Column("quota", "编制人数", INT, variants=("编制数", "执法编制", "核定编制"),
               keywords=("编制",), help="填写整数", width=10),
        Column("staff", "实有执法人员", INT, variants=("实有人数", "实有执法人数", "执法人员数", "在岗执法人员"),
               keywords=("实有", "在岗"), help="填写整数", width=12),
        Column("certified", "持证人数", INT, variants=("持证数", "持证执法人员", "持有执法证人数"),
               keywords=("持证", "持执法证"),
               help="填写整数，不能大于实有执法人员", width=10),
        Column("new_certs", "新申领", INT, variants=("新申领数", "新申领证件", "申领"),
               keywords=("申领",), help="截至统计日期本年累计，整数", width=9),
        Column("renewals", "换证", INT, variants=("换证数", "换证人数"),
               keywords=("换证",), help="截至统计日期本年累计，整数", width=8),
        Column("reviewed", "年审通过", INT, variants=("年审通过数", "年审通过人数", "年审"),
               keywords=("年审",), help="截至统计日期本年累计，整数", width=10),
        Column("trained", "参训人数", INT, variants=("培训人数", "参加培训人数", "参训数"),
               keywords=("参训", "培训"), help="截至统计日期本年累计，整数", width=10),
        _NOTE,
    ),
    key=("unit", "date"),
    help="每个单位每个统计日期填一行（建议每半年一次：6月30日、12月31日），人数均为截至统计日期的数字。",
)

LEDGERS: dict[str, Ledger] = {l.kind: l for l in (TRAINING, PUBLICITY, GOVERNANCE, STAFF)}


@dataclass(frozen=True)
class ReviewBound:
    """When a stored figure is put before a reviewer (需核实, never a refusal).

    `most`: above it a figure is flagged whatever the unit usually reports (a fixed sanity bound),
    by the value of the column `by` where that matters (people at a 社区 talk, at a 广场 event);
    `floor`: at or below it a figure is never flagged by comparison with others (small counts vary a
    lot without being wrong).
    """

    most: float
    floor: float
    help: str
    by: str = ""
    most_by: dict[str, float] = field(default_factory=dict)

    def most_for(self, row: dict) -> float:
        return self.most_by.get(row.get(self.by) or "", self.most) if self.by else self.most


# (ledger kind, field) -> its review bound: the figures a reviewer is shown when they stand out.
REVIEW_BOUNDS: dict[tuple[str, str], ReviewBound] = {
    ("training", "participants"): ReviewBound(500, 60, "一次学法、培训的参加人数，通常为几人到几十人，超过 500 人需核实"),
    ("training", "hours"): ReviewBound(40, 8, "一次学法、培训的学时，通常为 1 至 4 学时，超过 40 学时需核实"),
    ("publicity", "people"): ReviewBound(20000, 100, "一次宣传活动的参与人数；在社区、机关超过 1000 人，在学校、企业超过 3000 人，"
        "在广场超过 10000 人需核实（网络媒体不设上限）",
        by="venue_type", most_by={"社区": 1000, "机关": 1000, "学校": 3000, "企业": 3000, "广场": 10000,
                                  "网络媒体": 10_000_000}),
    ("publicity", "materials"): ReviewBound(50000, 500, "一次宣传活动发放的资料份数，超过 50000 份需核实"),
    ("publicity", "media"): ReviewBound(50, 5, "一次宣传活动的媒体报道篇数，超过 50 篇需核实"),
    ("staff", "quota"): ReviewBound(300, 30, "一个单位的执法编制人数，超过 300 人需核实"),
    ("staff", "staff"): ReviewBound(300, 30, "一个单位的实有执法人员，超过 300 人需核实"),
    ("staff", "certified"): ReviewBound(300, 30, "一个单位的持证执法人员，超过 300 人需核实"),
    ("staff", "trained"): ReviewBound(300, 30, "一个单位本年参训的执法人员，超过 300 人需核实"),
}

_BRACKETS = re.compile(r"[(\[【（][^)\]】）]*[)\]】）]")
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[·•・.．、,，\-—_/:：;；'\"“”‘’]")


def normalise_header(text: object) -> str:
    """Header cell as compared: NFKC, no spaces or line breaks, no bracketed units like (人)."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = _SPACE.sub("", s)
    s = _BRACKETS.sub("", s)
    return s.strip("*:：")


def normalise_choice(text: object) -> str:
    """Category value as compared: NFKC, no spaces and no punctuation (3·1, 3.1 and 3•1 agree)."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return _PUNCT.sub("", _SPACE.sub("", s))


_KEY_DATE = re.compile(r"^(\d{1,2})[·.](\d{1,2})(.*)$")


def choice_lookup(col: Column) -> dict[str, str]:
    """Normalised spelling -> canonical choice, for the choices and their aliases.

    A key-date choice (3·1民防日) is also known by its date alone, as offices write it: 3·1, 3.1,
    3月1日, and by its short name (民防日).
    """
    table = {normalise_choice(c): c for c in col.choices}
    for c in col.choices:
        if m := _KEY_DATE.match(c):
            month, day, rest = m.groups()
            for form in (f"{month}{day}", f"{month}月{day}日", f"{month}月{day}号", rest if len(rest) >= 2 else ""):
                if form:
                    table.setdefault(normalise_choice(form), c)
    table.update({normalise_choice(a): c for a, c in col.aliases.items()})
    return table


# The first cell of the 填表说明 sheet of our own templates: an import passes over that sheet in silence
# (a sheet of the clerk's own that is no ledger is still named)
INSTRUCTIONS_TITLE = "法治建设指标看板 · 台账填表说明"
