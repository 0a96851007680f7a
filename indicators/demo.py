"""Demo data (示例数据): fictional but plausible ledgers for 2024 and 2025, all 16 units.

The story a leader recognises: the city office meets every commitment of the 2025 report, most
county units keep pace, a few lag (原阳县, 封丘县, 经开区), and two are short of certified
enforcement staff (延津县, 封丘县), as the report's third problem describes. The ledgers are written
as Excel files through the templates and loaded through the import path users use, each batch
marked as demo so every page can say so.

`python -m indicators.demo` regenerates the shipped files under data/demo/.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from .config import DATA_DIR, Catalog, default_catalog
from .imports import parse_path
from .ledgers import LEDGERS
from .templates import build_workbook

DEMO_DIR = DATA_DIR / "demo"
YEARS = (2024, 2025)
DEMO_PREFIX = "示例数据"
LAGGING = {"原阳县", "封丘县", "经开区"}
SHORT_STAFFED = {"延津县": (8, 5, 3), "封丘县": (7, 6, 4)}  # quota, staff, certified

TRAINING_TOPICS = [
    "习近平法治思想专题学习", "《中华人民共和国行政处罚法》专题讲座", "《中华人民共和国行政复议法》解读",
    "《中华人民共和国人民防空法》学习", "《中华人民共和国国防动员法》学习", "行政执法典型案例分析",
    "行政处罚决定书送达方式与时限", "《中华人民共和国民法典》专题学习", "《河南省人民防空工程管理办法》学习",
    "《优化营商环境条例》学习", "行政复议申请与受理实务", "法治政府建设实施纲要学习",
]
SPEAKERS = ["特邀律师", "法规科科长", "办主任", "市委党校教授", "分管副主任", "执法支队队长"]
VENUES = [("社区", "和平社区"), ("广场", "人民广场"), ("学校", "新乡学院"), ("企业", "化纤集团"),
          ("机关", "机关大院"), ("网络媒体", "微信公众号"), ("广场", "牧野湖休闲广场"), ("学校", "市第一中学")]
SEPTEMBER_EVENTS = ["“我与国防动员 爱我国防”大学生演讲比赛", "“我对国旗说”主题演讲", "“老兵永远跟党走”宣讲团主题宣讲"]


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def _training(unit: str, year: int, rng: random.Random, strong: bool, lagging: bool) -> list[dict]:
    plan = [("党组中心组学法", [(3, 18), (9, 16)]), ("领导班子法治讲座", [(4, 22), (11, 12)]),
            ("主任办公会学法", [(2, 24), (5, 26), (8, 25), (11, 24)]), ("执法人员培训", [(4, 15), (10, 21)]),
            ("全员法治培训", [(6, 12), (12, 9)])]
    if lagging:  # behind on almost everything: one of each at most, late in the year
        plan = [("党组中心组学法", [(5, 20)]), ("领导班子法治讲座", [(10, 28)]), ("主任办公会学法", [(3, 30), (9, 28)]),
                ("执法人员培训", [(11, 18)]), ("全员法治培训", [])]
    elif year == 2024 and not strong:
        plan = [(c, dates[:-1] if c in ("领导班子法治讲座", "全员法治培训") else dates) for c, dates in plan]
    elif not strong and rng.random() < 0.35:  # some counties hold one 全员法治培训 fewer
        plan = [(c, dates[:1] if c == "全员法治培训" else dates) for c, dates in plan]
    rows = []
    for category, dates in plan:
        for i, (m, day) in enumerate(dates):
            topic = TRAINING_TOPICS[(m + i + len(unit)) % len(TRAINING_TOPICS)]
            people = rng.randint(25, 60) if category in ("全员法治培训", "执法人员培训") else rng.randint(8, 18)
            rows.append({"date": _d(year, m, day + (i % 2)), "unit": unit, "category": category,
                         "title": f"{topic}（{m}月）", "speaker": rng.choice(SPEAKERS), "participants": people,
                         "hours": rng.choice([1.5, 2, 2, 3]), "note": DEMO_PREFIX})
    return rows


def _publicity(unit: str, year: int, rng: random.Random, strong: bool, lagging: bool) -> list[dict]:
    events = [(3, 1, "3·1民防日", "3·1民防日进社区宣传"), (3, 1, "3·1民防日", "3·1民防日广场咨询"),
              (5, 12, "5·12防灾减灾日", "5·12防灾减灾日应急疏散演练"), (5, 12, "5·12防灾减灾日", "防灾减灾知识进校园"),
              (9, 18, "9·18警报鸣放", "9·18防空警报试鸣宣传"), (4, 15, "其他", "全民国家安全教育日宣传"),
              (12, 4, "其他", "国家宪法日法治宣传")]
    sept = [(9, 10 + 6 * i, "全民国防教育月", title) for i, title in enumerate(SEPTEMBER_EVENTS)]
    if strong:
        events += [(9, 18, "9·18警报鸣放", "9·18警报鸣放进企业宣传"), (6, 26, "其他", "国防动员法律法规网络答题")]
        chosen = events + sept if year == 2025 else events[:6] + sept[:2]
    elif lagging:
        chosen = [events[0], events[5], sept[0]] + ([events[4]] if year == 2025 else [])
    else:  # counties differ a little: some hold all three September activities, some skip a day
        n_sept = 3 if rng.random() < 0.4 else 2
        chosen = events + sept[:n_sept] if year == 2025 else events[:5] + sept[:1]
        if rng.random() < 0.25:
            chosen = [e for e in chosen if e[3] != "国家宪法日法治宣传"]
    rows = []
    for m, day, node, title in chosen:
        venue_type, venue = rng.choice(VENUES)
        if node == "全民国防教育月":
            venue_type, venue = "学校", rng.choice(["河南师范大学", "新乡医学院", "新乡学院", "市第二中学"])
        rows.append({"date": _d(year, m, day), "unit": unit, "title": title, "node": node, "venue_type": venue_type,
                     "venue": venue, "people": rng.randint(120, 450) if not lagging else rng.randint(60, 150),
                     "materials": rng.randint(150, 800), "media": rng.choice([0, 1, 1, 2]) if not lagging else 0,
                     "note": DEMO_PREFIX})
    return rows


def _governance(unit: str, year: int, city: bool, lagging: bool) -> list[dict]:
    rows = [(6, 20, "党组听取汇报", "党组听取上半年法治建设工作汇报"), (12, 18, "党组听取汇报", "党组听取全年法治建设工作汇报"),
            (6, 24, "办公会研究法治", "办公会研究法治建设重大问题（上半年）"),
            (12, 22, "办公会研究法治", "办公会研究法治建设重大问题（下半年）"),
            (12, 26, "领导干部述法", "领导班子成员年度述法")]
    if lagging:
        rows = [rows[0], rows[4]] if year == 2025 else [rows[0]]
    if city:
        rows += [(5, 28, "督导检查", "全市人防系统法治建设上半年动态督导"),
                 (11, 20, "督导检查", "全市人防系统法治建设下半年动态督导")]
    return [{"date": _d(year, m, d), "unit": unit, "category": c, "title": t, "note": DEMO_PREFIX} for m, d, c, t in rows]


def _staff(unit: str, year: int, rng: random.Random, city: bool) -> list[dict]:
    quota, staff, certified = SHORT_STAFFED.get(unit, (12, 12, 12) if city else (6, 6, 6))
    if unit not in SHORT_STAFFED and not city and year == 2024:
        certified = staff - 1
    rows = []
    lagging = unit in LAGGING
    for m, d, share in ((6, 30, 0.5), (12, 31, 1.0)):
        # 年审 and training are done in the first half by most; the lagging units catch up late
        reviewed = certified if share == 1.0 or not lagging else max(certified - 2, 0)
        trained = staff if share == 1.0 or not lagging else staff - 2
        rows.append({"date": _d(year, m, d), "unit": unit, "quota": quota, "staff": staff, "certified": certified,
                     "new_certs": 1 if share == 1.0 else 0, "renewals": rng.randint(1, 3) if share == 1.0 else 1,
                     "reviewed": reviewed, "trained": trained, "note": DEMO_PREFIX})
    return rows


def demo_rows(year: int, catalog: Catalog | None = None) -> dict[str, list[dict]]:
    """Every demo ledger row of a year, by ledger kind."""
    catalog = catalog or default_catalog()
    rng = random.Random(year)
    out: dict[str, list[dict]] = {k: [] for k in LEDGERS}
    for u in catalog.units:
        lagging = u.name in LAGGING
        out["training"] += _training(u.name, year, rng, u.is_city, lagging)
        out["publicity"] += _publicity(u.name, year, rng, u.is_city, lagging)
        out["governance"] += _governance(u.name, year, u.is_city, lagging)
        out["staff"] += _staff(u.name, year, rng, u.is_city)
    return out


def demo_file_name(year: int) -> str:
    return f"{DEMO_PREFIX}_{year}年全市台账.xlsx"


def write_demo_files(folder: Path = DEMO_DIR, catalog: Catalog | None = None) -> list[Path]:
    """Write one workbook per year (all four ledgers, all units) through the templates."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in YEARS:
        wb = build_workbook(list(LEDGERS), rows=demo_rows(year, catalog), catalog=catalog, demo=True)
        path = folder / demo_file_name(year)
        wb.save(path)
        paths.append(path)
    return paths


def load_demo(conn, folder: Path = DEMO_DIR, actor=None) -> list:
    """Import the demo workbooks (writing them first if absent) as demo batches, done by `actor` (the
    machine's operator by default); returns ImportResults."""
    from .roles import OPERATOR
    from .importing import import_parsed

    paths = [folder / demo_file_name(y) for y in YEARS]
    if not all(p.exists() for p in paths):
        paths = write_demo_files(folder)
    results = []
    for p in paths:
        parsed = parse_path(p)
        if not parsed.ok:  # shipped files are checked by the tests; say plainly if one was damaged
            from .problems import IndicatorsError, describe
            raise IndicatorsError("示例数据文件有误：" + describe(parsed.problems[0]))
        results.append(import_parsed(conn, parsed, demo=True, actor=actor or OPERATOR))
    return results


if __name__ == "__main__":
    for p in write_demo_files():
        print(f"已写入 {p}")
