"""A generator of ledger layouts as clerks make them, each with the figures of the clean ledger it came from.

A clean 培训学法台账 of known rows is laid out with any combination of the habits below (`HABITS`), written
as .xlsx, .xls or CSV, and the reader must give back the same figures, or ask the clerk a question; a
refusal of such a file, or calling it damaged, is a bug. `build(flags, seed)` is deterministic: a
failure names its flags and seed, and `python -m tests.layouts '<flags>' SEED DIR` writes the file again.
Used by tests/test_layouts.py (hypothesis) and bench/soak_layouts.py (thousands of layouts).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

# every habit, with how many forms it has (0 = off; a flag of n forms is drawn from 0..n)
HABITS = {
    "title": 1,            # a merged title line: 2025年…培训学法台账
    "unit_line": 1,        # 填报单位：… 填报日期：… above the header
    "offset_rows": 3,      # blank rows above the table
    "offset_cols": 2,      # blank columns in front of the table
    "formatted_blank": 1,  # a formatted but empty first column (borders and fill, no value), and styled cells below
    "row_number": 1,       # a 序号 column
    "group_count": 2,      # 参加人数 over 合计 / 其中：执法人员 (two-row header) (1); over 合计 / 其中, 其中 over 执法人员 / 领导干部
                           # (three-row header) (2)
    "split_date": 3,       # 日期 over 月 / 日 (the year in the title) (1), over 年 / 月 / 日 written 2025年 / 3月 / 1日 (2),
                           # 月 | 日 side by side under no group (3)
    "column_numbers": 1,   # a 栏次 row under the header: 甲 乙 1 2 …
    "units_row": 1,        # a row of units under the header: (人) (学时)
    "sections": 4,         # (一) 上半年 merged across the table (1); 一 | 上半年, the name merged over the rest (2);
                           # （一）上半年 alone in the first cell (3); a heading of words alone there: 上半年开展情况 (4)
    "subtotals": 1,        # 小计 under each section
    "total": 2,            # 合计 at the bottom (1) or at the top (2)
    "total_label": 3,      # totals labelled 合计 in the first column (0), 全市 in the unit column (1), nothing (2), 总计 / 全市合计 (3)
    "blank_below": 2,      # 以下空白 (1), its other forms: （此页以下空白）, ——以下空白——, 以下无内容 (2)
    "note_lines": 2,       # a labelled line: 注：…, 报出日期：… under the table (1); 填写说明：… right under the header (2)
    "signatures": 2,       # 填表人：… 审核人：… under the table (2: in separate cells)
    "spaced_units": 3,     # 红 旗 区, 红旗区人防办, " 红旗区 "
    "header_breaks": 2,    # line breaks in header cells (参加\n人数) (1), spaces inside them (日  期) (2)
    "cell_breaks": 1,      # line breaks in a title cell
    "synonyms": 3,         # other headers of the same columns
    "catalogue_names": 1,  # the catalogue's indicator names as categories
    "date_form": 7,        # date cells: Excel date, 2025-03-01, 20250301, 2025.3.1, 2025年3月1日（星期六）, 二〇二五年三月一日, 2025/3/1,
                           # ２０２５年３月１日 (full-width)
    "measures": 3,         # figures with their measure: 15人, 500份, 2篇, 2学时 / 15人次, 2小时 / full-width text: １５, １５人, １５（人）
    "per_period": 2,       # one sheet per month (1) or per quarter (2), some holding only the header
    "cover": 1,            # a cover sheet (填表说明) in front
    "hidden_column": 1,    # a hidden column beside the table
    "frozen": 1,           # frozen panes under the header
    "autofilter": 1,       # a filter on the header
    "comments": 1,         # a comment on a header cell
    "validation": 1,       # a drop-down list on the category column
    "empty_sheets": 1,     # Excel's default empty Sheet2, Sheet3
    "summary_sheet": 1,    # a 汇总 sheet beside the ledger: 单位 | 次数 | 人数 per unit and a 合计 row (no ledger)
    "merged_units": 1,     # one unit name merged down over its consecutive rows
    "number_formats": 1,   # counts formatted 0"人", hours 0.0, dates yyyy"年"m"月"d"日" (numbers kept as numbers)
    "far_format": 1,       # another sheet formatted down to its last row (H1048576) and nothing in it
    "ledger": 2,           # 培训学法台账 (0), 宣传活动台账 (1) or 制度落实台账 (2)
    "place_group": 1,      # 地点 over 场所类型 / 名称 (宣传活动台账)
    "format": 5,           # 0 .xlsx, 1 .xls, 2 UTF-8 CSV (BOM), 3 GBK CSV, 4 UTF-16 tab text, 5 UTF-8 CSV (no BOM)
}
FORMATS = ["xlsx", "xls", "csv-utf8", "csv-gbk", "txt-utf16", "csv-utf8-nobom"]

UNITS = ["红旗区", "卫滨区", "凤泉区", "牧野区", "新乡县", "获嘉县", "原阳县", "延津县", "封丘县", "卫辉市", "辉县市", "长垣市"]
CATEGORIES = ["党组中心组学法", "领导班子法治讲座", "主任办公会学法", "执法人员培训", "全员法治培训"]
# each category as the catalogue's indicator names it (data/indicators.toml, T01-T05)
CATALOGUE_NAMES = {"党组中心组学法": "党组理论学习中心组法治专题学习", "领导班子法治讲座": "领导班子法治专题讲座",
                   "主任办公会学法": "主任办公会议学法", "执法人员培训": "行政执法人员法治专题培训",
                   "全员法治培训": "全员法治培训"}
TOPICS = ["习近平法治思想", "民法典", "行政处罚法", "国防动员法", "人民防空法", "宪法", "行政复议法", "保密法",
          "安全生产法", "行政许可法", "法治政府建设实施纲要", "信访工作条例"]
SPEAKERS = ["张三", "李四", "王五", "赵六", None]
SYNONYMS = {  # canonical header -> forms a clerk writes (all read today)
    "日期": ["培训日期", "学习日期", "开展日期"],
    "单位": ["单位名称", "县区", "填报单位"],
    "类别": ["学习形式", "类型", "培训类别"],
    "主题": ["学习内容", "培训主题", "学习主题"],
    "主讲人": ["授课人", "主讲", "讲师"],
    "参加人数": ["参训人数", "人数", "参会人数"],
    "学时": ["课时", "时长", "培训学时"],
    "备注": ["说明", "备注", "备注"],
}
CN_DIGITS = "〇一二三四五六七八九"


# the two ledgers laid out: (field, canonical header, kind); kinds: date, unit, choice, text (a key), free
# (optional text), count (the people counted: 参加人数 over 合计 / 其中), int, number
SPECS = {
    "training": [("date", "日期", "date"), ("unit", "单位", "unit"), ("category", "类别", "choice"), ("title", "主题", "text"),
                 ("speaker", "主讲人", "free"), ("participants", "参加人数", "count"), ("hours", "学时", "number"),
                 ("note", "备注", "free")],
    "publicity": [("date", "日期", "date"), ("unit", "单位", "unit"), ("title", "活动名称", "text"), ("node", "宣传节点", "choice"),
                  ("venue_type", "地点类型", "choice"), ("venue", "地点", "free"), ("people", "参与人数", "count"),
                  ("materials", "发放资料(份)", "int"), ("media", "媒体报道(篇)", "int"), ("note", "备注", "free")],
    "governance": [("date", "日期", "date"), ("unit", "单位", "unit"), ("category", "类别", "choice"), ("title", "事项", "text"),
                   ("note", "备注", "free")],
}
FIGURES = {"training": ("date", "unit", "category", "title", "participants", "hours"),
           "publicity": ("date", "unit", "node", "title", "venue_type", "venue", "people", "materials", "media"),
           "governance": ("date", "unit", "category", "title")}
GOVERNANCE = ["党组听取汇报", "办公会研究法治", "领导干部述法", "督导检查"]
MATTERS = ["上半年法治建设工作汇报", "研究行政执法问题", "年度述法", "法治政府建设督导", "全年法治建设工作汇报", "研究规范性文件"]
CHOICES = {"category": CATEGORIES, "node": ["3·1民防日", "5·12防灾减灾日", "9·18警报鸣放", "全民国防教育月", "其他"],
           "venue_type": ["社区", "广场", "学校", "企业", "机关", "网络媒体"]}
CATALOGUE = {"category": CATALOGUE_NAMES | {"党组听取汇报": "党组听取法治建设工作汇报", "办公会研究法治": "办公会研究法治建设重大问题",
                                           "领导干部述法": "领导干部年度述法", "督导检查": "督导平台动态督导"},
             "node": {"全民国防教育月": "国防教育月主题活动"}}
SYNONYMS.update({"事项": ["会议名称", "主要内容", "事项内容"]})
SYNONYMS_OF = {"governance": {"类别": ["类型", "事项类别", "工作类别"]}}  # where one canonical header differs by ledger
SYNONYMS.update({"活动名称": ["活动主题", "活动内容", "宣传活动"], "宣传节点": ["节点", "重要节点", "活动节点"],
                 "地点类型": ["场所类型", "地点分类"], "地点": ["活动地点", "具体地点"], "参与人数": ["参加人数", "受众人数", "覆盖人数"],
                 "发放资料(份)": ["发放资料", "资料份数"], "媒体报道(篇)": ["媒体报道", "报道篇数"]})
ACTIVITIES = ["民防日进社区宣传", "防空警报试鸣宣传", "国防教育进校园", "防灾减灾知识讲座", "人防知识进企业", "国防法规宣传周",
              "网络知识竞答", "广场集中宣传", "应急疏散演练", "宪法宣传"]
PLACES = ["胜利社区", "人民广场", "新乡一中", "市政府广场", "河师大附中", "化工厂", None]


@dataclass
class Entry:
    values: dict  # field -> value as the clean ledger holds it
    breakdown: int  # 其中：… of the count (never stored)

    def figures(self, kind: str) -> tuple:
        return tuple(self.values[f] for f in FIGURES[kind])


@dataclass
class Layout:
    """A workbook as a grid per sheet, with merges and sheet properties, and the figures it must read as."""

    flags: dict
    seed: int
    kind: str
    expected: list[tuple]
    sheets: list[dict] = field(default_factory=list)  # {name, rows, merges [(r0,c0,r1,c1)], header_at, entries, ...}

    @property
    def format(self) -> str:
        return FORMATS[self.flags.get("format", 0)]

    def describe(self) -> str:
        on = {k: v for k, v in self.flags.items() if v}
        return f"layout seed={self.seed} flags={on}"


def clean_ledger(rng: random.Random, kind: str, n: int) -> list[Entry]:
    """n entries of `kind` in 2025 with distinct identities, dated before today, sorted by date."""
    entries, seen = [], set()
    today = dt.date.today()
    last = min(dt.date(2025, 12, 31), today - dt.timedelta(days=1))
    span = (last - dt.date(2025, 1, 1)).days
    while len(entries) < n:
        v = {"date": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, span)), "unit": rng.choice(UNITS),
             "note": rng.choice([None, "无", "线上", "集中学习"])}
        if kind == "governance":
            v.update(category=rng.choice(GOVERNANCE), title=rng.choice(MATTERS))
            count = 0
        elif kind == "training":
            v.update(category=rng.choice(CATEGORIES), title=rng.choice(TOPICS), speaker=rng.choice(SPEAKERS),
                     participants=rng.randint(3, 300), hours=rng.choice([1.0, 1.5, 2.0, 3.0, 0.5]))
            count = v["participants"]
        else:
            v.update(title=rng.choice(ACTIVITIES), node=rng.choice(CHOICES["node"]), venue_type=rng.choice(CHOICES["venue_type"]),
                     venue=rng.choice(PLACES), people=rng.randint(20, 3000), materials=rng.randint(0, 2000),
                     media=rng.randint(0, 5))
            count = v["people"]
        key = tuple(v[f] for f in ("date", "unit", FIGURES[kind][2], "title"))
        if key in seen:
            continue
        seen.add(key)
        entries.append(Entry(v, rng.randint(0, count)))
    return sorted(entries, key=lambda e: (e.values["date"], e.values["unit"], e.values[FIGURES[kind][2]], e.values["title"]))


def _date_cell(d: dt.date, form: int, rng: random.Random):
    weekday = "一二三四五六日"[d.weekday()]
    return [d, d.isoformat(), d.strftime("%Y%m%d"), f"{d.year}.{d.month}.{d.day}",
            f"{d.year}年{d.month}月{d.day}日（星期{weekday}）",
            "".join(CN_DIGITS[int(c)] for c in str(d.year)) + f"年{_cn(d.month)}月{_cn(d.day)}日",
            f"{d.year}/{d.month}/{d.day}", _full_width(f"{d.year}年{d.month}月{d.day}日")][form]


def _full_width(text: str) -> str:
    """２０２５年３月１日, １５人: ASCII digits and dots as a full-width keyboard types them."""
    return text.translate({c: c + 0xFEE0 for c in map(ord, "0123456789.")})


def _cn(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def _unit_cell(unit: str, form: int, rng: random.Random) -> str:
    if form == 1:
        return " ".join(unit) if rng.random() < 0.7 else unit
    if form == 2:
        return unit + rng.choice(["人防办", "国动办", "人民防空办公室", "国防动员办公室"])
    if form == 3:
        return f" {unit} "
    return unit


MEASURES = {"participants": ("人", "人次"), "people": ("人", "人次"), "materials": ("份", "份"), "media": ("篇", "篇"),
            "hours": ("学时", "小时")}


def build(flags: dict, seed: int) -> Layout:
    """The layout of a clean ledger (drawn from `seed`) with the habits `flags` turns on."""
    rng = random.Random(seed)
    f = {k: flags.get(k, 0) for k in HABITS}
    fmt = FORMATS[f["format"]]
    kind = ["training", "publicity", "governance"][f["ledger"]]
    spec = SPECS[kind]
    text_file = fmt not in ("xlsx", "xls")
    if text_file:  # one sheet of text: no merges, sheets, styles or comments
        for k in ("per_period", "cover", "hidden_column", "frozen", "autofilter", "comments", "validation", "empty_sheets",
                  "far_format", "formatted_blank", "summary_sheet", "merged_units", "number_formats"):
            f[k] = 0
    if fmt == "xls":
        f["far_format"] = 0  # .xls has 65,536 rows
    if kind != "publicity":
        f["place_group"] = 0
    if kind == "governance":  # a log of meetings: nothing to count or total
        for k in ("group_count", "units_row", "subtotals", "total", "measures"):
            f[k] = 0
    if f["split_date"] in (1, 3):
        f["title"] = 1  # the year of a date split into 月 / 日 is in the title
    entries = clean_ledger(rng, kind, rng.randint(3, 9))
    layout = Layout(f, seed, kind, sorted(e.figures(kind) for e in entries))

    names = {fld: h for fld, h, _ in spec}
    if f["synonyms"]:
        forms = lambda h: SYNONYMS_OF.get(kind, {}).get(h) or SYNONYMS.get(h, [])
        names = {fld: rng.choice([h, *forms(h)]) if rng.random() < 0.6 else h for fld, h in names.items()}
        if f["split_date"]:
            names["date"] = "日期"
        if f["place_group"]:
            names["venue"] = "地点"
    if f["header_breaks"] == 1:
        names = {fld: h[:2] + "\n" + h[2:] if len(h) >= 4 else h for fld, h in names.items()}
    elif f["header_breaks"] == 2:  # 日  期, 单 位: spaces to spread a short header over its cell
        names = {fld: ("  " if len(h) == 2 else " ").join(h) if len(h) <= 4 and rng.random() < 0.7 else h for fld, h in names.items()}

    # the header block: (top, sub) per column and the field each column holds
    top, second, holds = [], [], []

    def head(h, sub=None, what=None):
        top.append(h)
        second.append(sub)
        holds.append(what)
    if f["row_number"]:
        head("序号", None, "序号")
    for fld, _, kind_ in spec:
        if fld == "date" and f["split_date"] == 3:  # 月 | 日, each a header of its own
            head("月", None, "month")
            head("日", None, "day")
        elif fld == "date" and f["split_date"]:
            if f["split_date"] == 2:
                head(names["date"], "年", "year")
            head(names["date"], "月", "month")
            head(names["date"], "日", "day")
        elif kind_ == "count" and f["group_count"] == 2:
            head(names[fld], "合计", fld)
            head(names[fld], "其中", "breakdown")
            head(names[fld], "其中", "breakdown2")
        elif kind_ == "count" and f["group_count"]:
            head(names[fld], "合计", fld)
            head(names[fld], "其中：执法人员" if kind == "training" else "其中：学生", "breakdown")
        elif fld == "venue_type" and f["place_group"]:
            head("地点", "场所类型", fld)
        elif fld == "venue" and f["place_group"]:
            head("地点", "名称", fld)
        else:
            unit = "（人）" if kind_ == "count" and not f["units_row"] and rng.random() < 0.3 else ""
            head(names[fld] + unit, None, fld)
    two_rows = f["split_date"] in (1, 2) or f["group_count"] or f["place_group"]
    width = len(top)
    col = {w: i for i, w in enumerate(holds)}
    summed = [fld for fld, _, k in spec if k in ("count", "int", "number")] + (["breakdown"] if f["group_count"] else []) \
        + (["breakdown2"] if f["group_count"] == 2 else [])

    def entry_cells(e: Entry) -> list:
        v = e.values
        out = []
        for w in holds:
            if w == "序号":
                continue
            if w in ("year", "month", "day"):
                n = {"year": v["date"].year, "month": v["date"].month, "day": v["date"].day}[w]
                suffix = {"year": "年", "month": "月", "day": "日"}[w]
                out.append(f"{n}{suffix}" if f["split_date"] == 2 and rng.random() < 0.5 else n)
            elif w == "date":
                d = _date_cell(v["date"], f["date_form"], rng)
                out.append(v["date"].isoformat() if text_file and isinstance(d, dt.date) else d)
            elif w == "unit":
                out.append(_unit_cell(v["unit"], f["spaced_units"], rng))
            elif w in CATALOGUE and f["catalogue_names"] and v[w] in CATALOGUE[w] and rng.random() < 0.7:
                out.append(CATALOGUE[w][v[w]])
            elif w == "title" and f["cell_breaks"] and rng.random() < 0.5:
                out.append(v[w][:2] + "\n" + v[w][2:])
            elif w == "breakdown":
                out.append(e.breakdown)
            elif w == "breakdown2":
                out.append(e.breakdown // 2)
            elif w in MEASURES and f["measures"] == 3 and rng.random() < 0.6:  # typed with a full-width keyboard
                out.append(_full_width(f"{v[w]:g}") + rng.choice(["", MEASURES[w][0], f"（{MEASURES[w][0]}）"]))
            elif w in MEASURES and f["measures"] in (1, 2) and rng.random() < 0.6:
                out.append(f"{v[w]:g}{MEASURES[w][f['measures'] - 1]}")
            else:
                out.append(v[w])
        return out

    rows: list[list] = []
    merges: list[tuple[int, int, int, int]] = []
    entry_rows: list[int] = []  # Excel rows of the entries of the sheet being laid out
    lead = f["offset_cols"] + f["formatted_blank"]

    def add(cells: list, merge_across: bool = False):
        rows.append([None] * lead + cells)
        if merge_across and not text_file:
            r = len(rows) - 1
            merges.append((r, lead, r, lead + width - 1))

    for _ in range(f["offset_rows"]):
        add([])
    if f["title"]:
        where = rng.choice(["", "红旗区", "新乡市国动办系统"])
        add([f"2025年{where}" + {"training": "法治建设培训学法台账", "publicity": "国防动员法治宣传活动台账",
                                 "governance": "法治建设制度落实台账"}[kind]] + [None] * (width - 1),
            merge_across=True)
    if f["unit_line"]:
        add(["填报单位：（盖章）", None, None, "填报日期：2025年12月31日"][:width])
    header_at = len(rows)
    if two_rows:
        add([h if s is None or i == 0 or top[i - 1] != h else None for i, (h, s) in enumerate(zip(top, second))])
        add(list(second))
        if not text_file:
            r = len(rows) - 2
            i = 0
            while i < width:
                j = i
                while j + 1 < width and top[j + 1] == top[i] and second[i] is not None:
                    j += 1
                if second[i] is None:
                    merges.append((r, lead + i, r + 1, lead + i))  # a single header merged down over both rows
                elif j > i:
                    merges.append((r, lead + i, r, lead + j))
                i = j + 1
        else:  # a CSV cannot merge: the group written over each of its columns
            rows[-2] = [None] * lead + list(top)
        if f["group_count"] == 2:  # the third row: 执法人员 / 领导干部 under 其中
            sub = ("执法人员", "领导干部") if kind == "training" else ("学生", "教师")
            add([sub[0] if w == "breakdown" else sub[1] if w == "breakdown2" else None for w in holds])
            if not text_file:
                r = len(rows) - 3
                merges[:] = [(r0, c0, r + 2 if (r0, r1) == (r, r + 1) else r1, c1) for r0, c0, r1, c1 in merges]
                merges += [(r + 1, lead + col[w], r + 2, lead + col[w]) for w in holds if w in FIGURES[kind] and second[col[w]] == "合计"]
                merges.append((r + 1, lead + col["breakdown"], r + 1, lead + col["breakdown2"]))
                rows[-2][lead + col["breakdown2"]] = None
    else:
        add(list(top))
    if f["column_numbers"]:
        labels = ["甲", "乙", "丙", "丁", "戊", "己"]
        n_text = min((i for i, w in enumerate(holds) if w in summed), default=width)
        add([labels[i] if i < len(labels) and i < n_text else str(i - min(n_text, len(labels)) + 1) for i in range(width)])
    if f["units_row"]:
        unit_of = {"count": "（人）", "breakdown": "（人）", "hours": "（学时）", "materials": "（份）", "media": "（篇）"}
        add([unit_of.get("count" if w in ("participants", "people") else w) for w in holds])
    if f["note_lines"] == 2:  # the template's instructions kept under its header
        add(["填写说明：日期填写实际开展日期，人数填写实到人数，每次活动填一行。"] + [None] * (width - 1), merge_across=rng.random() < 0.5)

    def with_number(cells, k):
        return ([k] if f["row_number"] else []) + cells

    def total_row(label, group):
        cells = [None] * width
        form = f["total_label"]
        if form == 1:
            cells[col["unit"]] = "全市" if label == "合计" else "小计"
        elif form == 3:
            cells[0] = rng.choice(["总计", "全市合计", "合 计"]) if label == "合计" else "小  计"
        elif form == 0:
            cells[0] = label
        for w in summed:
            cells[col[w]] = sum(e.breakdown if w == "breakdown" else e.breakdown // 2 if w == "breakdown2" else e.values[w]
                                for e in group)
        return cells

    def lay_entries(group, k=0):
        """The entries of `group` in order (by unit when one unit name is merged down over its rows)."""
        if f["merged_units"]:
            group = sorted(group, key=lambda e: e.values["unit"])
        first = len(entry_rows)
        for e in group:
            k += 1
            add(with_number(entry_cells(e), k))
            entry_rows.append(len(rows))
        if f["merged_units"]:
            c, i = lead + col["unit"], first
            while i < len(entry_rows):
                j = i
                while j + 1 < len(entry_rows) and group[j + 1 - first].values["unit"] == group[i - first].values["unit"]:
                    j += 1
                if j > i:
                    merges.append((entry_rows[i] - 1, c, entry_rows[j] - 1, c))
                    for r in entry_rows[i + 1: j + 1]:
                        rows[r - 1][c] = None
                i = j + 1
        return k

    def section(number: tuple[str, str], label: str):
        """A heading row of the habit's form: （一）上半年 merged, 一 | 上半年, （一）上半年 alone, 上半年开展情况 alone."""
        if f["sections"] == 2:  # the number in the first column, the name merged over the rest
            add([number[1], label] + [None] * (width - 2))
            if not text_file:
                merges.append((len(rows) - 1, lead + 1, len(rows) - 1, lead + width - 1))
        elif f["sections"] == 4:
            add([label + "开展情况"] + [None] * (width - 1))
        else:
            add([number[0] + label] + [None] * (width - 1), merge_across=f["sections"] == 1)

    def tail():
        if f["blank_below"]:
            said = "以下空白" if f["blank_below"] == 1 else rng.choice(["（此页以下空白）", "——以下空白——", "以下无内容", "以下为空"])
            add([said] + [None] * (width - 1), merge_across=True)
        if f["note_lines"] == 1:
            add([rng.choice(["注：本表按季度报送，活动照片另附。", "注 1：人数以签到表为准。", "报出日期：2026年1月5日",
                             "说明：线上学习已计入。"])] + [None] * (width - 1), merge_across=rng.random() < 0.5)
        if f["signatures"] == 1:
            add(["填表人：张三    审核人：李四    联系电话：0373-1234567"], merge_across=False)
        elif f["signatures"] == 2:
            add(["填表人：", "张三", None, "审核人：", "李四"][:width])

    per_period = f["per_period"]
    if per_period:  # one sheet per month or quarter: the block above is every sheet's head
        head_rows, head_merges = rows, merges
        month = rng.choice([lambda m: f"{m}月", lambda m: f"{m}月份", lambda m: f"2025年{m}月", lambda m: "一二三四五六七八九十"[m - 1:m] + "月" if m < 11 else f"{m}月"])
        quarter = rng.choice([lambda q: f"{q}季度", lambda q: f"第{'一二三四'[q - 1]}季度", lambda q: f"2025Q{q}"])
        name_of = (lambda d: month(d.month)) if per_period == 1 else (lambda d: quarter((d.month - 1) // 3 + 1))
        periods = [month(m) for m in range(1, 13)] if per_period == 1 else [quarter(q) for q in range(1, 5)]
        used = {name_of(e.values["date"]) for e in entries}
        keep = [p for p in periods if p in used or rng.random() < 0.5]
        for p in keep:
            rows, merges = [list(r) for r in head_rows], list(head_merges)
            group = [e for e in entries if name_of(e.values["date"]) == p]
            if f["total"] and not group:  # a month with nothing done, totalled 0 all the same
                add(total_row("合计", group))
            if f["total"] == 2 and group:
                add(total_row("合计", group))
            entry_rows = []
            if f["sections"] and group:  # each month's sheet headed by its own section (rare, and read all the same)
                d = group[0].values["date"]
                section(("（一）", "一"), f"{d.month}月份" if per_period == 1 else f"第{'一二三四'[(d.month - 1) // 3]}季度")
            lay_entries(group)
            if f["total"] == 1 and group:
                add(total_row("合计", group))
            tail()
            layout.sheets.append({"name": p, "rows": rows, "merges": merges, "header_at": header_at, "entries": entry_rows})
    else:
        if f["total"] == 2:
            add(total_row("合计", entries))
        halves = [(("（一）", "一"), "上半年", [e for e in entries if e.values["date"].month <= 6]),
                  (("（二）", "二"), "下半年", [e for e in entries if e.values["date"].month > 6])] if f["sections"] else [("", "", entries)]
        k = 0
        for number, label, group in halves:
            if label:
                section(number, label)
            k = lay_entries(group, k)
            if f["subtotals"] and label and group:
                add(total_row("小计", group))
        if f["total"] == 1:
            add(total_row("合计", entries))
        tail()
        name = rng.choice(["台账", {"training": "培训学法台账", "publicity": "宣传活动台账", "governance": "制度落实台账"}[kind], "Sheet1", "2025年"]) if not text_file else "台账"
        layout.sheets.append({"name": name, "rows": rows, "merges": merges, "header_at": header_at, "entries": entry_rows})
    formats = {"date": 'yyyy"年"m"月"d"日"', "participants": '0"人"', "people": '#,##0"人次"', "materials": '0"份"',
               "media": '0"篇"', "hours": "0.0"}
    for s in layout.sheets:
        s.update(lead=lead, width=width, two_rows=two_rows, depth=1 + bool(two_rows) + (f["group_count"] == 2),
                 choice_col=col.get(FIGURES[kind][2]),
                 count_col=next((col[fld] for fld, _, k in spec if k == "count"), None),
                 formats={lead + col[w]: fmt for w, fmt in formats.items() if w in col} if f["number_formats"] else {})
    if f["summary_sheet"]:  # the clerk's own sums per unit beside the ledger: no ledger, said and skipped
        per_unit = {}
        for e in entries:
            per_unit.setdefault(e.values["unit"], []).append(e)
        figure = next((fld for fld, _, k in spec if k == "count"), None)
        rows = [["2025年各单位开展情况汇总表"], ["单位", "开展次数", "参加人数"]]
        rows += [[u, len(es), sum(e.values[figure] for e in es) if figure else None] for u, es in sorted(per_unit.items())]
        rows.append(["合计", len(entries), sum(e.values[figure] for e in entries) if figure else None])
        layout.sheets.append({"name": "汇总", "rows": rows, "merges": [(0, 0, 0, 2)]})
    if f["cover"]:
        layout.sheets.insert(0, {"name": "填表说明", "rows": [["填表说明"], ["1. 每次活动填一行。"], ["2. 日期写到日。"]],
                                 "merges": [], "cover": True})
    if f["empty_sheets"]:
        layout.sheets += [{"name": "Sheet2", "rows": [], "merges": []}, {"name": "Sheet3", "rows": [], "merges": []}]
    if f["far_format"]:
        layout.sheets.append({"name": "格式", "rows": [], "merges": [], "far": True})
    return layout


def write(layout: Layout, folder: Path) -> Path:
    """The layout as a file of its format in `folder`."""
    fmt = layout.format
    if fmt == "xlsx":
        return _write_xlsx(layout, folder / "台账.xlsx")
    if fmt == "xls":
        return _write_xls(layout, folder / "台账.xls")
    rows = layout.sheets[0]["rows"]
    text = [["" if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v)) for v in r] for r in rows]
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t" if fmt == "txt-utf16" else ",", lineterminator="\r\n").writerows(text)
    data = {"csv-utf8": "utf-8-sig", "csv-gbk": "gb18030", "txt-utf16": "utf-16", "csv-utf8-nobom": "utf-8"}[fmt]
    path = folder / "台账.csv"
    path.write_bytes(buf.getvalue().encode(data))
    return path


def _write_xlsx(layout: Layout, path: Path) -> Path:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Border, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    f = layout.flags
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin")
    fill, border = PatternFill("solid", fgColor="DDEEFF"), Border(left=thin, right=thin, top=thin, bottom=thin)
    for s in layout.sheets:
        ws = wb.create_sheet(s["name"])
        entry_rows = set(s.get("entries", []))
        for r, row in enumerate(s["rows"], 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    cell = ws.cell(r, c, v)
                    if isinstance(v, dt.date):
                        cell.number_format = "yyyy-mm-dd"
                    if r in entry_rows and c - 1 in s.get("formats", {}) and isinstance(v, (int, float, dt.date)):
                        cell.number_format = s["formats"][c - 1]
        for r0, c0, r1, c1 in s["merges"]:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        if s.get("far"):
            ws.cell(1048576, 8).fill = fill  # formatting down to the sheet's end, and nothing written
            ws.cell(1, 1).border = border
        if "header_at" not in s:
            continue
        lead, width, top = s["lead"], s["width"], s["header_at"] + 1
        if f["formatted_blank"]:
            for r in range(1, len(s["rows"]) + 30):
                ws.cell(r, f["offset_cols"] + 1).fill = fill
                ws.cell(r, f["offset_cols"] + 1).border = border
            for r in range(len(s["rows"]) + 1, len(s["rows"]) + 30):  # styled empty rows under the table
                for c in range(lead + 1, lead + width + 1):
                    ws.cell(r, c).border = border
        last_header = top + s["depth"] - 1
        if f["hidden_column"]:
            letter = openpyxl.utils.get_column_letter(lead + width + 2)
            ws.cell(top, lead + width + 2, "辅助列")
            ws.column_dimensions[letter].hidden = True
        if f["frozen"]:
            ws.freeze_panes = ws.cell(last_header + 1, lead + 1)
        if f["autofilter"]:
            ws.auto_filter.ref = f"{ws.cell(last_header, lead + 1).coordinate}:{ws.cell(max(last_header, ws.max_row), lead + width).coordinate}"
        if f["comments"]:
            ws.cell(top, lead + 1).comment = Comment("填写实际开展日期", "法规科")
        if f["validation"]:
            dv = DataValidation(type="list", formula1='"党组中心组学法,领导班子法治讲座,主任办公会学法,执法人员培训,全员法治培训"')
            letter = openpyxl.utils.get_column_letter(lead + s["choice_col"] + 1)
            dv.add(f"{letter}{last_header + 1}:{letter}500")
            ws.add_data_validation(dv)
    wb.save(path)
    return path


def _write_xls(layout: Layout, path: Path) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    wrap = xlwt.easyxf("align: wrap on")
    f = layout.flags
    for s in layout.sheets:
        ws = wb.add_sheet(s["name"])
        merged = {(m[0], m[1]): m for m in s["merges"]}
        covered = {(r, c) for m in s["merges"] for r in range(m[0], m[2] + 1) for c in range(m[1], m[3] + 1)}
        for r, row in enumerate(s["rows"]):
            for c, v in enumerate(row):
                if (r, c) in merged:
                    m = merged[(r, c)]
                    ws.write_merge(m[0], m[2], m[1], m[3], v)
                elif (r, c) in covered or v is None:
                    continue
                elif isinstance(v, dt.date):
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, v, wrap if isinstance(v, str) and "\n" in v else xlwt.Style.default_style)
        if "header_at" not in s:
            continue
        if f["hidden_column"]:
            ws.write(s["header_at"], s["lead"] + s["width"] + 1, "辅助列")
            ws.col(s["lead"] + s["width"] + 1).hidden = True
        if f["frozen"]:
            ws.panes_frozen, ws.horz_split_pos = True, s["header_at"] + s["depth"]
    wb.save(str(path))
    return path


def figures(parsed, kind: str = "training") -> list[tuple]:
    """The stored figures of a parsed file, comparable with Layout.expected."""
    if kind not in parsed.records:
        return []
    frame = parsed.records[kind]
    columns = [frame[f].to_list() for f in FIGURES[kind]]
    out = []
    for row in zip(*columns):
        out.append(tuple(v.replace("\n", "") if f == "title" and v else float(v) if f == "hours" and v is not None else v
                         for f, v in zip(FIGURES[kind], row)))
    return sorted(out)


def judge(layout: Layout, parsed) -> str:
    """'' when the reader kept the invariant (same figures, or a question asked), else what went wrong."""
    codes = [p.code for p in parsed.problems]
    if any(c in ("corrupt", "not_spreadsheet") for c in codes):
        return f"called damaged: {[p.message for p in parsed.problems][:3]}"
    if parsed.ok:
        got = figures(parsed, layout.kind)
        return "" if got == _expected_titles(layout) else f"figures differ:\n  got      {got}\n  expected {_expected_titles(layout)}"
    entries = {(s["name"], r) for s in layout.sheets for r in s.get("entries", [])}
    astray = [(p.sheet, p.row, p.cell, p.code, p.value) for p in parsed.problems if (p.sheet, p.row) not in entries]
    if astray:
        return f"a row that is no entry was read as one: {astray[:6]}"
    # a question about an entry's own value (which unit, which category) lets the clerk decide; any other
    # problem of a good file, even beside a question, is a refusal
    subjects = {(q.sheet, q.subject) for q in parsed.questions if q.kind == "value"}
    refused = [(p.sheet, p.row, p.cell, p.code, p.value) for p in parsed.problems
               if p.code not in ASKED or (p.sheet, p.value.strip()) not in subjects]
    if parsed.questions and not refused:
        return ""
    return f"refused: {[(p.sheet, p.row, p.cell, p.code, p.value) for p in parsed.problems][:6]}"


ASKED = ("unknown_unit", "unknown_choice")  # the problems a value question stands for


def _expected_titles(layout: Layout) -> list[tuple]:
    return sorted(layout.expected)


if __name__ == "__main__":  # python -m tests.layouts '{"title": 1}' 123 /tmp/out
    import json
    import sys
    out = Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    print(write(build(json.loads(sys.argv[1]), int(sys.argv[2])), out))
