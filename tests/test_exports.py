"""The three exports as a reader meets them: each file opened with its own library (python-pptx,
openpyxl, python-docx) and checked for what is on the slide, in the cell, on the page."""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections import Counter

import docx
import openpyxl
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn as wqn
from docx.shared import Pt
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE
from pptx.oxml.ns import qn as aqn

from conftest import DATABASES, ROOT, TRAINING_HEADER, demo_database, load, run_cli, write_csv, write_xlsx
from indicators import exports, importing, progress, store
from indicators.config import default_catalog
from indicators.exports import common, workbook
from indicators.problems import IndicatorsError

D = dt.date
CAT = default_catalog()
YEAR = progress.period(2025)
H1 = progress.period(2025, half=1)
# issue 11: every stamp also says how much of what it shows is approved
STAMP_2025 = "数据截至 2025年12月31日 · 数据版本 v2.0 · 已审核 0/16 个单位 · 示例数据"
REPORT = ROOT.parent / "shared" / "report-2025.md"


@pytest.fixture(scope="module", params=DATABASES)
def demo_path(request, tmp_path_factory):
    """The demo data in a database: a SQLite path or a PostgreSQL URL (every export test runs on both)."""
    return demo_database(request, request.param, tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="module")
def demo_db(demo_path):
    conn = store.connect(demo_path)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def city_deck(demo_db):
    return Presentation(io.BytesIO(exports.build_deck(demo_db, YEAR)))


@pytest.fixture(scope="module")
def city_book(demo_db):
    return openpyxl.load_workbook(io.BytesIO(exports.build_workbook(demo_db, YEAR)))


def _plain(s: str) -> str:
    """Only letters and digits: the report mixes full- and half-width punctuation."""
    return re.sub(r"\W+", "", unicodedata.normalize("NFKC", s))


# ---------------------------------------------------------------- common: stamp, names, formats

def test_status_colours_are_the_dashboards():
    assert common.STATUS_COLORS == {"已完成": "#2E7D32", "进度正常": "#4A90D9", "未到期": "#B39DDB",
                                    "进度滞后": "#F5A623", "未开展": "#D0021B", "不适用": "#C8C8C8"}


@pytest.mark.parametrize("year,half,unit,fmt,expected", [
    (2025, 1, None, "pptx", "2025年上半年_全市_汇报材料.pptx"),
    (2025, 2, "红旗区", "xlsx", "2025年全年_红旗区_督导平台数据.xlsx"),
    (2024, None, "市国动办", "docx", "2024年全年_市国动办_工作情况文稿.docx"),
])
def test_file_names(year, half, unit, fmt, expected):
    assert common.file_name(progress.period(year, half, today=D(2026, 1, 5)), unit, fmt) == expected


@pytest.mark.parametrize("raw,expected", [
    (None, None), ("全市", None), ("红旗区人防办", "红旗区"), (" 红旗区 ", "红旗区"), ("新乡市国防动员办公室", "市国动办"),
])
def test_resolve_unit(raw, expected):
    assert common.resolve_unit(raw) == expected


def test_unknown_unit_is_refused_in_chinese():
    with pytest.raises(IndicatorsError, match="单位「火星区」不在单位名单中"):
        common.resolve_unit("火星区")


@pytest.mark.parametrize("n,expected", [(1, "一"), (4, "四"), (10, "十"), (12, "十二"), (20, "二十"), (25, "二十五")])
def test_cn_numeral(n, expected):
    assert common.cn_numeral(n) == expected


@pytest.mark.parametrize("value,measure,expected", [
    (12.0, "次", "12次"), (15.868, "期", "15.9期"), (96.0396, "%", "96%"), (66.666, "%", "66.7%"),
    (None, "次", "—"), (float("nan"), "%", "—"),
])
def test_value_text(value, measure, expected):
    assert common.value_text(value, measure) == expected


@pytest.mark.parametrize("expected,text_", [(4.3, "5"), (4.0, "4"), (991.78, "992"), (0.99, "1")])
def test_needed_is_the_whole_number_to_reach(expected, text_):
    assert common.needed(expected) == text_


@pytest.mark.parametrize("expected,measure,text_,value", [
    (15.868, "期", "16期", 16), (15868.5, "人次", "15869人次", 15869), (16.0, "期", "16期", 16), (96.04, "%", "96%", 96.0),
    (None, "次", "—", None),
])
def test_expected_counts_are_whole_numbers_rounded_up(expected, measure, text_, value):
    assert common.expected_text(expected, measure) == text_ and common.expected_value(expected, measure) == value


def test_stamp_date_is_the_cut_off_but_never_after_today(demo_db):
    assert common.stamp(demo_db, YEAR, today=D(2026, 1, 10)).text() == STAMP_2025
    running = progress.period(2026, half=2)
    assert common.stamp(demo_db, running, today=D(2026, 7, 15)).as_of == D(2026, 7, 15)


def test_data_version_in_the_footer_changes_with_an_import_and_its_undo(tmp_path, conn):
    path = write_xlsx(tmp_path / "t.xlsx", {"台账": [TRAINING_HEADER,
                                                     [D(2025, 3, 3), "红旗区", "领导班子法治讲座", "宪法", None, 9, 2, None]]})
    batch = load(conn, path).batch_id
    per = progress.period(2025, half=1)

    def footer_of_cover() -> str:
        deck = Presentation(io.BytesIO(exports.build_deck(conn, per)))
        return " ".join(sh.text_frame.text for sh in deck.slides[0].shapes if sh.has_text_frame)

    assert "数据版本 v1.0" in footer_of_cover() and "示例数据" not in footer_of_cover()
    importing.undo(conn, batch)
    assert "数据版本 v1.1" in footer_of_cover()


# ---------------------------------------------------------------- the deck

TITLES = ["法治建设指标完成情况汇报", "总体情况：时间进度与完成进度", "学法培训", "制度落实", "宣传活动", "执法队伍", "督导平台评分排名"]


def _texts(slide) -> list[str]:
    return [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text]


def _charts(slide):
    return [sh.chart for sh in slide.shapes if sh.has_chart]


def test_deck_is_16_9_with_cover_overview_four_lines_of_work_and_ranking(city_deck):
    assert abs(city_deck.slide_width / city_deck.slide_height - 16 / 9) < 0.01
    assert [_texts(s)[0] for s in city_deck.slides] == TITLES
    cover = " ".join(_texts(city_deck.slides[0]))
    for words in (TITLES[0], "全市 · 2025年全年", "数据截至 2025年12月31日", "新乡市国防动员办公室", "示例数据"):
        assert words in cover


def test_every_slide_has_the_stamp_and_page_number_in_its_footer(city_deck):
    n = len(city_deck.slides)
    for i, slide in enumerate(city_deck.slides, 1):
        assert STAMP_2025 in _texts(slide) and f"{i} / {n}" in _texts(slide)


def test_overview_chart_is_native_and_carries_pace_and_completion(demo_db, city_deck):
    chart, = _charts(city_deck.slides[1])
    assert chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    frame = progress.compute(demo_db, YEAR)
    city = frame[(frame.unit == "全市") & frame.target.notna()]
    plot = chart.plots[0]
    assert list(plot.categories) == list(city.name)
    pace, done = plot.series
    assert (pace.name, done.name) == ("应完成进度(%)", "实际完成(%)")
    assert set(pace.values) == {100.0}  # a full year: everything is due
    assert list(done.values) == [round(100 * c, 1) for c in city.completion]
    p01 = city[city.indicator == "P01"].iloc[0]
    assert dict(zip(plot.categories, done.values))["国防动员法治宣传教育活动"] == round(100 * p01.value / p01.target, 1)
    colours = {c: str(done.points[i].format.fill.fore_color.rgb) for i, c in enumerate(plot.categories)}
    assert colours["国防动员法治宣传教育活动"] == "F5A623" and colours["法治宣传报道"] == "2E7D32"


def test_overview_lists_status_counts_and_the_units_most_behind(demo_db, city_deck):
    words = " ".join(_texts(city_deck.slides[1]))
    counts = progress.status_counts(progress.compute(demo_db, YEAR))
    for status, n in counts.items():
        if status != "进度正常":  # none at year end: the box is left out
            assert f"{n}\n{progress.status_name(status, YEAR)}" in words
    assert "进度正常" not in words and "进度滞后" not in words  # 未完成 at year end
    worst = progress.scores(progress.compute(demo_db, YEAR)).iloc[-1]
    assert f"{worst.unit}：{worst.lagging}项未完成或未开展，全年目标得分{worst.score:.1f}" in words
    assert "全年目标得分：88.8分" in words and "另有5个单位" in words  # the list counts units


def test_line_of_work_slide_compares_units_with_status_colours(city_deck):
    slide = city_deck.slides[2]  # 学法培训
    by_indicator, by_unit = _charts(slide)
    assert by_indicator.chart_type == by_unit.chart_type == XL_CHART_TYPE.BAR_CLUSTERED  # names horizontal
    assert list(by_indicator.plots[0].categories) == [i.name for i in CAT.indicators if i.group == "T"]
    assert [s.name for s in by_indicator.plots[0].series] == ["应完成进度(%)", "上年同期(%)", "本期完成(%)"]
    plot = by_unit.plots[0]
    units = list(plot.categories)
    assert len(units) == 16 and units[0] == "市国动办" and units[-3:] == ["原阳县", "封丘县", "经开区"]
    values = dict(zip(units, plot.series[0].values))
    assert values["市国动办"] == 100 and values["原阳县"] == pytest.approx(33.3)
    i = units.index("原阳县")  # 全员法治培训 未开展: red
    assert plot.series[0].points[i].format.fill.fore_color.rgb == RGBColor.from_string("D0021B")
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    rows = [[table.cell(r, c).text for c in range(6)] for r in range(len(table.rows))]
    assert rows[0] == ["指标", "完成", "目标", "应完成", "上年同期", "状态"]
    assert ["领导班子法治专题讲座", "29期", "32期", "32期", "17期", "未完成"] in rows


def test_ranking_chart_holds_every_units_score(demo_db, city_deck):
    chart, = _charts(city_deck.slides[6])
    sc = progress.scores(progress.compute(demo_db, YEAR))
    plot = chart.plots[0]
    assert list(plot.categories) == list(sc.unit) and list(plot.series[0].values) == list(sc.score)
    assert plot.categories[0] == "市国动办" and plot.series[0].values[0] == 100


def test_every_run_of_the_deck_names_the_east_asian_font(city_deck):
    for slide in city_deck.slides:
        runs = slide.shapes._spTree.iter(aqn("a:rPr"))
        for rpr in runs:
            assert rpr.find(aqn("a:ea")).get("typeface") == "微软雅黑"
            assert rpr.find(aqn("a:latin")).get("typeface") == "微软雅黑"


def test_unit_deck_speaks_of_the_unit_and_its_rank(demo_db):
    deck = Presentation(io.BytesIO(exports.build_deck(demo_db, H1, "封丘县")))
    assert len(deck.slides) == 7
    assert "封丘县 · 2025年上半年" in " ".join(_texts(deck.slides[0]))
    overview, = _charts(deck.slides[1])
    assert "督导平台动态督导" not in list(overview.plots[0].categories)  # city only: not this unit's
    assert len(list(overview.plots[0].categories)) == 17
    # 44.6, not 52.7: G03 and P04, not due by 30 June, no longer count as full marks (issue 22)
    assert any(t.startswith("封丘县按时序进度得分44.6分，排名第16/16") for t in _texts(deck.slides[6]))
    ranking, = _charts(deck.slides[6])
    assert [s.name for s in ranking.plots[0].series] == ["按时序进度得分", "全年目标得分"]
    vs_city, = _charts(deck.slides[2])
    assert [s.name for s in vs_city.plots[0].series] == ["应完成进度(%)", "全市各单位平均(%)", "本期完成(%)"]
    assert any("台账记录（共2条）" in t for t in _texts(deck.slides[2]))
    table = next(sh.table for sh in deck.slides[4].shapes if sh.has_table)  # 宣传活动
    assert ["宣传活动参与人数", "168人次", "2000人次", "992人次", "134人次", "进度滞后"] in \
        [[table.cell(r, c).text for c in range(6)] for r in range(len(table.rows))]
    assert all("数据截至 2025年6月30日" in " ".join(_texts(s)) for s in deck.slides)


def test_deck_from_an_empty_database_says_nothing_was_done(conn):
    deck = Presentation(io.BytesIO(exports.build_deck(conn, YEAR, "红旗区")))
    words = " ".join(_texts(deck.slides[5]))  # 执法队伍: no 统计表 row
    assert "红旗区 · 4项考核指标：未开展4项" in words and "本期无台账记录" in words


# ---------------------------------------------------------------- the workbook

def _rows(ws) -> list[tuple]:
    """The header and the table's rows (the notes under the table, after a blank row, left out)."""
    out = []
    for row in ws.iter_rows(min_row=workbook.HEADER_ROW, values_only=True):
        if all(v is None for v in row):
            break
        out.append(row)
    return out


def test_workbook_sheets_headers_frozen_and_set_for_printing(city_book):
    assert city_book.sheetnames == ["指标完成情况", "督导评分", "学法培训", "制度落实", "宣传活动", "执法队伍", "佐证材料清单"]
    for ws in city_book:
        assert ws.freeze_panes == "A3"
        assert ws.page_setup.orientation in ("landscape", "portrait") and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight >= 1  # an explicit page count: see test_render for what prints
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$2"
        assert ws.oddFooter.left.text == STAMP_2025
        assert all(ws.column_dimensions[c].width >= 6 for c in "ABC")
    assert city_book["学法培训"]["D2"].value == "主题" and city_book["学法培训"].column_dimensions["D"].width > 20


@pytest.mark.parametrize("unit,code,value,target,completion,status,fill,mark", [
    ("市国动办", "P01", 12, 10, 1.2, "已完成", "C8E6C9", "●"),
    ("原阳县", "T05", 0, 2, 0, "未开展", "FFCDD2", "×"),
    ("延津县", "E01", 60, 100, 0.6, "未完成", "FFE0B2", "▲"),  # 进度滞后 at year end reads 未完成
    ("红旗区", "G04", None, None, None, "不适用", "F2F2F2", "—"),
    ("市国动办", "E05", 4, None, None, "不计分", "F2F2F2", "—"),  # shown, not scored: applies all the same
    ("全市", "P01", 132, 160, 0.825, "未完成", "FFE0B2", "▲"),
])
def test_indicator_sheet_figures_and_status_fills(city_book, unit, code, value, target, completion, status, fill,
                                                  mark):
    ws = city_book["指标完成情况"]
    header = [c.value for c in ws[workbook.HEADER_ROW]]
    col = {h: i for i, h in enumerate(header)}
    row = next(r for r in ws.iter_rows(min_row=3) if r[col["单位"]].value == unit and r[col["指标编码"]].value == code)
    assert (row[col["完成值"]].value, row[col["目标值"]].value, row[col["状态"]].value) == (value, target, status)
    assert row[col["完成率"]].value == (pytest.approx(completion) if completion is not None else None)
    assert row[col["完成率"]].number_format == "0.0%"
    assert row[col["状态"]].fill.fgColor.rgb == "00" + fill
    assert row[col["状态"]].number_format == f'"{mark} "@'  # printed before the word: tells statuses apart in grey


def test_indicator_sheet_puts_the_city_first_and_expected_counts_whole(demo_db):
    wb = openpyxl.load_workbook(io.BytesIO(exports.build_workbook(demo_db, H1)))
    rows = _rows(wb["指标完成情况"])
    header, body = rows[0], rows[1:]
    n = len(CAT.indicators)
    assert {r[0] for r in body[:n]} == {"全市"} and body[n][0] == "市国动办"
    expected = header.index("应完成")
    frame = progress.compute(demo_db, H1)
    for r in body:
        want = frame[(frame.unit == r[0]) & (frame.indicator == r[2])].iloc[0]
        if want.measure != "%" and want.expected is not None and want.expected == want.expected:
            assert r[expected] == math.ceil(want.expected - 1e-9) and isinstance(r[expected], int)


def test_score_sheet_ranks_every_unit(demo_db, city_book):
    rows = _rows(city_book["督导评分"])
    assert rows[0][:5] == ("排名", "单位", "层级", "全年目标得分", "按时序进度得分")  # the year's basis first
    sc = progress.scores(progress.compute(demo_db, YEAR), YEAR)
    assert [(r[0], r[1], r[3], r[4]) for r in rows[1:]] == list(zip(sc["rank"], sc.unit, sc.score, sc.pace_score))
    assert rows[-1][1] == "封丘县" and rows[-1][-1] == 14


def test_line_of_work_sheets_hold_the_periods_ledger_rows(demo_db, city_book):
    rows = _rows(city_book["宣传活动"])
    assert rows[0][:4] == ("日期", "单位", "活动名称", "宣传节点")
    assert len(rows) - 1 == len(store.ledger_frame(demo_db, "publicity", YEAR.start, YEAR.end)) == 132
    assert all(isinstance(r[0], dt.datetime) and r[0].year == 2025 for r in rows[1:])


def test_unit_workbook_lists_only_its_rows_and_highlights_it_in_the_ranking(demo_db):
    wb = openpyxl.load_workbook(io.BytesIO(exports.build_workbook(demo_db, YEAR, "原阳县")))
    assert {r[0] for r in _rows(wb["指标完成情况"])[1:]} == {"原阳县"}
    assert {r[1] for r in _rows(wb["学法培训"])[1:]} == {"原阳县"}
    ranking = wb["督导评分"]
    mine = next(r for r in ranking.iter_rows(min_row=3) if r[1].value == "原阳县")
    assert mine[0].value == 14 and mine[1].font.bold and mine[1].fill.fgColor.rgb == "00FFF3CD"


RISKY = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "=1+1", "普通文字"]


@pytest.mark.parametrize("value", RISKY)
def test_put_never_writes_a_formula(tmp_path, value):
    wb = openpyxl.Workbook()
    workbook.put(wb.active, 1, 1, value)
    wb.save(tmp_path / "p.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "p.xlsx").active["A1"]
    assert (cell.value, cell.data_type) == (value, "s")
    assert cell.quotePrefix == value.startswith(("=", "+", "-", "@"))


def test_no_cell_that_came_from_data_is_a_formula(tmp_path, conn):
    rows = [TRAINING_HEADER] + [[f"2025-03-{i + 1:02d}", "红旗区", "全员法治培训", v, v, 10, 1, v]
                                for i, v in enumerate(RISKY)]
    result = load(conn, write_csv(tmp_path / "risky.csv", rows, "utf-8-sig"))
    assert result.ok, result.parsed.problems
    data = exports.build_workbook(conn, YEAR, "红旗区")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert not [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    titles = [r[3] for r in _rows(wb["学法培训"])[1:]]
    assert titles == RISKY
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet3.xml").decode()  # 学法培训
    assert not re.search(r"<f[\s>]", sheet_xml)
    assert re.search(r'<c r="D3"[^>]* t="inlineStr"><is><t>=HYPERLINK\("x"\)</t>', sheet_xml)  # text, as typed


# ---------------------------------------------------------------- the drafted text

CITY_OFFICE_2025 = [  # (our sentence, whether the report says it in these very words)
    ("举办2期领导班子参加的法治专题讲座", True),
    ("坚持每季度主任办公会议学法制度，开展主任办公会议学法4次", False),
    ("坚持每季度主任办公会议学法制度", True),
    ("举办2期行政执法人员参加的法治专题培训班", True),
    ("认真组织开展多种形式的全员法治培训", True),
    ("将习近平法治思想持续纳入办党组理论学习中心组学习重要内容", True),
    ("充分利用传统媒体与新兴媒体", True),
    ("办党组每半年听取一次法治建设工作汇报", True),
    ("党政主要负责人认真履行推进法治建设第一责任人职责", True),
    ("每半年召开一次办公会研究解决法治建设重大问题，共召开2次", False),
    ("每半年召开一次办公会研究解决法治建设重大问题", True),
    ("落实领导干部年度述法制度", True),
    ("把学法用法和推进人防法治建设情况作为年度述职内容", True),
    ("按照法治新乡（法治政府）建设督导平台指标内容，对全市人防系统法治建设工作开展情况进行动态督导", True),
    ("利用3·1民防日、5·12防灾减灾日、9·18警报鸣放等重要节点深入", True),
    ("开展国防动员法治宣传教育活动12次，较上年同期增加4次", False),
    ("全民国防教育月期间", False),  # the report's "全国防教育月" is a slip for it
    ("“我与国防动员 爱我国防”大学生演讲比赛、“我对国旗说”主题演讲、“老兵永远跟党走”宣讲团主题宣讲等3项主题活动", False),
    ("持证率100%", False),
    ("中共新乡市委：", True),  # the report's 主送
    ("现将2025年度法治政府建设工作情况报告如下：", False),
    ("2025年，市国动办严格对照法治政府建设目标任务", True),
]


@pytest.fixture(scope="module")
def city_office_text(demo_db):
    return exports.draft_text(demo_db, YEAR, "市国动办", figures=common.gather(demo_db, YEAR, "市国动办",
                                                                                 today=D(2026, 1, 15)))


@pytest.mark.parametrize("sentence,in_report", CITY_OFFICE_2025)
def test_city_office_2025_text_agrees_with_the_report(city_office_text, sentence, in_report):
    assert sentence in city_office_text
    if in_report and REPORT.exists():
        assert _plain(sentence) in _plain(REPORT.read_text("utf-8"))


def test_city_version_本级_is_the_city_offices_own_report(demo_db, city_office_text):
    figures = common.gather(demo_db, YEAR, today=D(2026, 1, 15))
    assert exports.draft_text(demo_db, YEAR, version="本级", figures=figures) == city_office_text
    city = exports.draft_text(demo_db, YEAR)  # 全市汇总, the default
    assert city.startswith("全市国防动员系统2025年度法治政府建设工作情况报告") and "全市共开展主任办公会议学法58次" in city


def test_city_office_2025_text_has_the_reports_shape(city_office_text):
    lines = city_office_text.splitlines()
    assert lines[0] == "新乡市国防动员办公室2025年度法治政府建设工作情况报告"
    assert lines[2] == "中共新乡市委：" and lines[3].endswith("报告如下：")
    heads = [ln for ln in lines if re.match(r"^[一二三]、", ln)]
    assert heads == ["一、年度工作完成情况", "二、存在的问题及原因", "三、明年工作计划"]
    assert [ln[:3] for ln in lines[:lines.index("二、存在的问题及原因")] if ln.startswith("（")] == \
        ["（一）", "（二）", "（三）", "（四）"]
    activities = int(re.search(r"开展国防动员法治宣传教育活动(\d+)次", city_office_text).group(1))
    assert activities >= 10  # the report's "10 余次"
    assert "已完成18项，全部完成年度目标" in city_office_text
    # its own work is all done; what remains is the supervision of the counties lagging behind
    problems = city_office_text[city_office_text.index("二、"):city_office_text.index("三、")]
    assert "（一）对县（市、区）的督导指导仍需加强。封丘县、经开区、原阳县全年分别有14、12、12项考核指标未完成或未开展" \
        in problems and problems.count("原因分析：【请结合实际填写】") == 1
    assert lines[-5:-1] == [lines[-5], "特此报告。", "新乡市国防动员办公室", "2026年1月15日"]
    assert "数据截至 2025年12月31日" in lines[-1] and "删除本行" in lines[-1]


def test_city_wide_problems_name_the_lagging_units_and_indicators(demo_db):
    t = exports.draft_text(demo_db, YEAR)
    problems = t[t.index("二、存在的问题及原因"):t.index("三、明年工作计划")]
    assert "封丘县、经开区、原阳县全年分别有14、12、12项考核指标未完成或未开展" in problems
    assert "行政执法人员持证率、执法人员配备率全市分别为96%、96.2%，均低于100%的目标" in problems
    assert "延津县、封丘县行政执法人员持证率和执法人员配备率未达到目标" in problems
    assert "国防动员法治宣传教育活动全市完成132次，为年度目标的82.5%" in problems
    p01 = problems[problems.index("从单位看，除市国动办"):].split("；")[0]
    assert "除市国动办、卫辉市、辉县市、长垣市外的12个单位" in p01  # 卫辉市 held 10: not behind
    # only shortfalls: 法治宣传报道 is above target city-wide (113.5%), so its total is not a problem
    assert "113.5" not in problems and "法治宣传报道全市" not in problems
    assert "进度滞后" not in t and "尚未开展" not in t  # year end: 未完成 / 全年未开展
    assert "除原阳县、封丘县、经开区外的13个单位坚持每季度主任办公会议学法制度，全市共开展主任办公会议学法58次" in t


def test_half_year_summary_claims_no_rhythm_a_unit_missed(demo_db):
    t = exports.draft_text(demo_db, H1, "封丘县")
    assert t.splitlines()[0] == "封丘县国防动员办公室2025年上半年法治政府建设工作情况报告"
    assert t.splitlines()[2] == "新乡市国防动员办公室："
    assert "一、上半年工作开展情况" in t and "时间过半、任务过半" in t and "三、下半年工作打算" in t
    assert "开展主任办公会议学法1次，其中第二季度未开展" in t and "坚持每季度" not in t
    assert "领导干部年度述法按要求于下半年开展" in t  # not due before year end: not a shortfall
    assert "主任办公会议学法完成1次，低于按时间进度应完成的2次" in t
    assert "宣传活动参与人数完成168人次，距时间进度尚差824人次" in t
    assert "按时序进度得分44.6分（全年目标得分27.4分），在全市16个有数据的单位中排名第16" in t
    assert "学法培训开展不够均衡" not in t  # one unit is not "uneven"


def test_seeded_unit_without_last_year_gets_no_comparison(tmp_path, conn):
    rows = [TRAINING_HEADER,
            [D(2025, 2, 10), "获嘉县", "主任办公会学法", "一季度学法", None, 9, 1, None],
            [D(2025, 8, 11), "获嘉县", "主任办公会学法", "三季度学法", None, 9, 1, None],
            [D(2025, 4, 22), "获嘉县", "领导班子法治讲座", "行政复议法", "特邀律师", 12, 2, None]]
    assert load(conn, write_xlsx(tmp_path / "h.xlsx", {"台账": rows})).ok
    t = exports.draft_text(conn, YEAR, "获嘉县")
    assert "开展主任办公会议学法2次，其中第二、四季度未开展。" in t
    assert "举办1期领导班子参加的法治专题讲座。" in t
    assert "上年同期" not in t
    assert "全年尚未报送执法人员统计表" in t
    assert "领导班子法治专题讲座完成1期，未完成2期的年度目标" in t


DRAFTS = [(YEAR, None, "全市"), (YEAR, None, "本级"), (H1, None, "全市"), (H1, None, "本级"), (YEAR, "封丘县", "全市"),
          (H1, "封丘县", "全市"), (H1, "红旗区", "全市"), (YEAR, "卫辉市", "全市")]


@pytest.mark.parametrize("per,unit,version", DRAFTS)
def test_drafts_read_as_written_by_hand(demo_db, per, unit, version):
    t = exports.draft_text(demo_db, per, unit, version=version)
    body = t[:t.index("特此报告。")]
    assert not re.search(r"[\u4e00-\u9fff，。；：、（）] +\d|\d +[\u4e00-\u9fff，。；：、（）%]", body)  # no spaces around numbers
    assert "(" not in body and ")" not in body  # brackets full-width
    for jargon in ("计数指标", "持平", "不够均衡" if unit else "—"):
        assert jargon not in body
    sentences = [x for x in re.split(r"[。；：]", body) if len(x) > 8 and "【" not in x]  # not the placeholders
    # no template said again and again: with the figures and unit names taken out, no sentence
    # shape appears more than twice, and no six sentences in a row open alike
    names = "|".join(CAT.unit_names)
    shapes = Counter(re.sub(names, "U", re.sub(r"[\d.]+", "N", x)) for x in sentences)
    assert max(shapes.values()) <= 2, shapes.most_common(3)
    for run in range(len(sentences) - 5):
        assert len({x.lstrip("（一二三四五六七八九十）")[:4] for x in sentences[run:run + 6]}) > 1
    assert all(len(names_) < 80 for names_ in re.findall(r"(?:[\u4e00-\u9fff]{2,5}、){6,}[\u4e00-\u9fff]{2,5}", body))
    if per == YEAR:
        assert "进度滞后" not in body and "尚未开展" not in body
    problems = body[body.index("二、存在的问题及原因"):body.index("三、")]
    n_problems = len(re.findall(r"（[一二三四五六七八九十]+）", problems))
    assert problems.count("原因分析：【请结合实际填写】") == n_problems  # one placeholder under each problem


def test_document_is_laid_out_as_gb_t_9704(demo_db):
    before = dt.date.today()
    data = exports.build_document(demo_db, YEAR, "市国动办")
    after = dt.date.today()
    doc = docx.Document(io.BytesIO(data))
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [37, 35, 28, 26]
    grid = s._sectPr.find(wqn("w:docGrid"))  # 22 lines; 28 characters by condensing (test_render measures both)
    assert (grid.get(wqn("w:type")), grid.get(wqn("w:linePitch")), grid.get(wqn("w:charSpace"))) == \
        ("lines", "579", None)
    assert doc.settings.odd_and_even_pages_header_footer
    props = doc.core_properties
    assert (props.author, props.title) == ("新乡市国防动员办公室", paragraphs_title(doc))
    assert before <= props.created.date() <= after and "python" not in (props.comments or "").lower()

    def fonts(p):
        return {(r._element.rPr.rFonts.get(wqn("w:eastAsia")), r.font.size.pt) for r in p.runs}

    paragraphs = [p for p in doc.paragraphs if p.text]
    title, recipient, heading, body = paragraphs[0], paragraphs[1], paragraphs[3], paragraphs[4]
    assert fonts(title) == {("方正小标宋简体", 22)}
    assert recipient.text == "中共新乡市委：" and recipient.paragraph_format.first_line_indent is None
    assert heading.text == "一、年度工作完成情况" and fonts(heading) == {("黑体", 16)}
    assert body.runs[0].text == "（一）深化习近平法治思想学习宣传。"
    assert fonts(body) == {("楷体_GB2312", 16), ("仿宋_GB2312", 16)}
    for p in paragraphs[2:-4]:  # the body, from the opening to 特此报告
        pf = p.paragraph_format
        assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY and pf.line_spacing == Pt(28.95)
        assert pf.first_line_indent == Pt(32) and p._p.pPr.ind.get(wqn("w:firstLineChars")) == "200"
    sign, date = paragraphs[-3], paragraphs[-2]
    assert sign.text == "新乡市国防动员办公室" and sign.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # nothing but the page number in the footers (the stamp is in the properties and in one line
    # under the date, to be deleted once)
    for footer in (s.footer, s.even_page_footer):
        assert re.fullmatch(r"— *PAGE? *—|— +—", " ".join(p.text for p in footer.paragraphs).strip()) or \
            "数据截至" not in " ".join(p.text for p in footer.paragraphs)
    assert s.footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert s.even_page_footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert STAMP_2025 in paragraphs[-1].text and STAMP_2025 == doc.core_properties.comments
    lines = exports.draft_text(demo_db, YEAR, "市国动办").splitlines()
    assert "\n".join([paragraphs_title(doc), ""] + [p.text for p in paragraphs[1:]]) == \
        "\n".join(lines[:-2] + [doc.paragraphs[-2].text, lines[-1]])  # the date is the day it is made


def paragraphs_title(doc) -> str:
    return doc.paragraphs[0].text.replace("\n", "")


def test_document_declares_fallbacks_for_the_gb2312_fonts(demo_db):
    fonts = zipfile.ZipFile(io.BytesIO(exports.build_document(demo_db, H1))).read("word/fontTable.xml").decode()
    assert re.search(r'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>', fonts)


# ---------------------------------------------------------------- from the command line

def run(*args, db=None):
    return run_cli(*args, db=db, cwd=ROOT)


@pytest.mark.parametrize("fmt,opener,check", [
    ("pptx", lambda p: Presentation(p), lambda f: len(f.slides) == 7),
    ("xlsx", lambda p: openpyxl.load_workbook(p), lambda f: f.sheetnames[0] == "指标完成情况"),
    ("docx", lambda p: docx.Document(p),
     lambda f: paragraphs_title(f) == "红旗区国防动员办公室2025年上半年法治政府建设工作情况报告"),
])
def test_cli_export_writes_each_format(demo_path, tmp_path, fmt, opener, check):
    out = tmp_path / "sub" / f"out.{fmt}"
    r = run("export", "--format", fmt, "--year", 2025, "--half", 1, "--unit", "红旗区人防办", "-o", out, db=demo_path)
    assert r.returncode == 0, r.stderr
    assert "（2025年上半年，红旗区）" in r.stdout
    assert check(opener(out))


def test_cli_export_offers_the_city_offices_own_report(demo_path, tmp_path):
    out = tmp_path / "own.docx"
    r = run("export", "--format", "docx", "--year", 2025, "--draft", "本级", "-o", out, db=demo_path)
    assert r.returncode == 0, r.stderr
    assert paragraphs_title(docx.Document(out)) == "新乡市国防动员办公室2025年度法治政府建设工作情况报告"


@pytest.mark.parametrize("args,code,message", [
    (["--format", "pptx", "--year", 2025, "--unit", "火星区"], 1, "错误：单位「火星区」不在单位名单中"),
    (["--format", "pdf", "--year", 2025], 2, "参数有误"),
])
def test_cli_export_errors_are_chinese(demo_path, tmp_path, args, code, message):
    r = run("export", *args, "-o", tmp_path / "x", db=demo_path)
    assert r.returncode == code and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()


def test_cli_export_refuses_an_empty_database(tmp_path, cli_db):
    r = run("export", "--format", "docx", "--year", 2025, "-o", tmp_path / "x.docx", db=cli_db)
    assert r.returncode == 1 and "还没有导入任何台账" in r.stderr and not (tmp_path / "x.docx").exists()
    assert f"数据库 {store.db_label(cli_db)} 中" in r.stderr  # named as given (a URL: not mangled, no password)


@pytest.mark.parametrize("fmt", ["pptx", "xlsx", "docx"])
def test_file_properties_name_the_office_not_the_library(demo_db, fmt):
    data = exports.build(fmt, demo_db, H1, "红旗区")
    made = common.gather(demo_db, H1, "红旗区").made
    if fmt == "pptx":
        props = Presentation(io.BytesIO(data)).core_properties
        author, title, created, comments = props.author, props.title, props.created, props.comments
    elif fmt == "xlsx":
        props = openpyxl.load_workbook(io.BytesIO(data)).properties
        author, title, created, comments = props.creator, props.title, props.created, props.description
    else:
        props = docx.Document(io.BytesIO(data)).core_properties
        author, title, created, comments = props.author, props.title, props.created, props.comments
    assert author == "新乡市国防动员办公室" and "python" not in (author + title + (comments or "")).lower()
    assert "红旗区" in title and "2025年上半年" in title
    assert created.date() == made and created.year != 2013
    assert comments == "数据截至 2025年6月30日 · 数据版本 v2.0 · 已审核 0/16 个单位 · 示例数据"
