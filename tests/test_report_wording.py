"""The drafted report's wording is data: each indicator's sentences in the catalogue
(data/indicators.toml, [indicator.report]), the generic ones in exports/wording.py, the .docx layout
in exports/report_docx.py. These tests pin what a reader of the report notices: the sentence each
figure calls for, that a catalogue edit changes the report and a bad one is refused in Chinese, that
the .docx holds exactly the drafted paragraphs, and that no indicator code is back in the code."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import docx
import pytest

from conftest import DATABASES, ROOT, demo_database
from indicators import config, progress, store
from indicators.config import ConfigError, default_catalog, load_catalog
from indicators.exports import common, report_docx, text, wording

CAT = default_catalog()
YEAR, H1 = progress.period(2025), progress.period(2025, half=1)
TODAY = dt.date(2026, 1, 15)
EXPORTS = ROOT / "indicators" / "exports"


@pytest.fixture(scope="module", params=DATABASES)
def demo_db(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wording")
    conn = store.connect(demo_database(request, request.param, folder), files_dir=folder / "uploads")
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wording_empty")
    conn = store.connect(folder / "empty.db", files_dir=folder / "uploads")
    yield conn
    conn.close()


def _text(conn, per, unit=None, version="全市", catalog=None) -> str:
    fig = common.gather(conn, per, unit, catalog=catalog, today=TODAY)
    return text.draft_text(conn, per, unit, figures=fig, version=version)


# ---------------------------------------------------------------- the sentence each figure calls for

CHOSEN = [  # (period, unit, version, a sentence the figures call for, one they must not)
    # a quarter rhythm kept by some units: they are named, the rest said by what it leaves out
    (YEAR, None, "全市", "除原阳县、封丘县、经开区外的13个单位坚持每季度主任办公会议学法制度，全市共开展主任办公会议学法58次。",
     "其中"),
    # a half-year rhythm kept by every unit at mid-year: 各单位
    (H1, None, "全市", "各单位党组坚持每半年听取一次法治建设工作汇报，全市共听取16次。", "未听取"),
    # a unit that missed a quarter: no rhythm claimed, the quarter named
    (H1, "封丘县", "全市", "开展主任办公会议学法1次，其中第二季度未开展。", "坚持每季度"),
    # not due before year end: said as planned, not as a shortfall
    (H1, "封丘县", "全市", "领导干部年度述法按要求于下半年开展。", "领导干部年度述法尚未开展"),
    # the city office's own report: 办党组, and what its supervision found
    (YEAR, None, "本级", "办党组每半年听取一次法治建设工作汇报", "各单位党组坚持"),
    (YEAR, None, "本级", "从督导情况看，全市16个单位", "市国动办按照法治新乡"),
    # 全市汇总: the office that supervises is named, the supervision result is not its report's
    (YEAR, None, "全市", "市国动办按照法治新乡（法治政府）建设督导平台指标内容", "从督导情况看"),
    # clauses written only when their fact holds: the 全民国防教育月 node is P04's, not in P01's list
    (YEAR, None, "全市", "利用3·1民防日、5·12防灾减灾日、9·18警报鸣放等重要节点", "9·18警报鸣放、全民国防教育月等重要节点"),
    (YEAR, None, "全市", "全民国防教育月期间，全市共开展", "全民国防教育月主题活动全年未开展"),
    # a rate: below 100 % says the gap with the establishment's numbers, at 100 % says it plainly
    (YEAR, "延津县", "全市", "对照编制，执法人员配备率为", "执法人员按编制配备到位"),
    (YEAR, "市国动办", "全市", "执法人员按编制配备到位。", "对照编制"),
]


@pytest.mark.parametrize("per,unit,version,said,unsaid", CHOSEN)
def test_the_figures_choose_the_sentence(demo_db, per, unit, version, said, unsaid):
    t = _text(demo_db, per, unit, version)
    assert said in t
    assert unsaid not in t


EMPTY = [  # an empty database: every line of work says nothing was done, in the period's words
    (YEAR, None, ["全年未开展党组理论学习中心组法治专题学习。", "领导班子法治专题讲座全年未开展。",
                  "全民国防教育月主题活动全年未开展。", "全年尚未报送执法人员统计表，执法队伍有关情况暂无法统计。"],
     ["持证率", "尚未开展"]),
    (H1, None, ["上半年尚未开展党组理论学习中心组法治专题学习。", "领导班子法治专题讲座尚未开展。",
                "领导干部年度述法按要求于下半年开展。", "上半年尚未报送执法人员统计表"],
     ["全年未开展", "全民国防教育月"]),  # not due before September: not said at all
]


@pytest.mark.parametrize("per,unit,said,unsaid", EMPTY)
def test_an_empty_database_says_nothing_was_done(empty_db, per, unit, said, unsaid):
    t = _text(empty_db, per, unit)
    done = t[t.index("一、"):t.index("二、")]
    for s in said:
        assert s in done
    for s in unsaid:
        assert s not in done


# ---------------------------------------------------------------- the catalogue holds the words

def _catalogue(tmp_path: Path, edit) -> Path:
    """data/indicators.toml with one edit (old text, new text) made, written for the test."""
    source = config.INDICATORS_FILE.read_text("utf-8")
    old, new = edit
    assert old in source
    path = tmp_path / "indicators.toml"
    path.write_text(source.replace(old, new, 1), "utf-8")
    return path


def test_a_catalogue_edit_changes_the_report(demo_db, tmp_path):
    path = _catalogue(tmp_path, ('done = "班子成员带头学法守法用法，举办{n}期领导班子参加的法治专题讲座{cmp}。"',
                                 'done = "本办领导带头学法，举办讲座{n}期{cmp}。"'))
    cat = load_catalog(indicators_file=path)
    before, after = _text(demo_db, YEAR, "红旗区"), _text(demo_db, YEAR, "红旗区", catalog=cat)
    assert "班子成员带头学法守法用法" in before and "班子成员带头学法守法用法" not in after
    assert re.search(r"本办领导带头学法，举办讲座\d+期", after)
    # the rest of the report is the same
    assert before.replace(re.search(r"班子成员[^。]*。", before).group(), "") == \
        after.replace(re.search(r"本办领导[^。]*。", after).group(), "")


def test_an_indicator_without_wording_gets_a_plain_sentence(demo_db, tmp_path):
    path = _catalogue(tmp_path, ('[indicator.report]\nwithin = "P01"  # the key dates covered are named in P01\'s sentence\n',
                                 ""))
    t = _text(demo_db, YEAR, "红旗区", catalog=load_catalog(indicators_file=path))
    assert re.search(r"重要节点宣传覆盖完成\d+个[^。]*。", t)


BAD = [  # (edit of the catalogue, what the refusal says)
    ('none = "全员法治培训{no}。"', 'none = "全员法治培训{nothing}。"', "指标 T05 的 report 中的占位符「{nothing}」不是可用的事实"),
    ('none = "全员法治培训{no}。"', 'nothing = "全员法治培训{no}。"', "指标 T05 的 report 中的「nothing」不是可用的字段"),
    ('within = "E01"\n\n[[indicator]]\ncode = "E03"', 'within = "E99"\n\n[[indicator]]\ncode = "E03"',
     "指标 E02 的 report 的 within「E99」不是已有的指标编码"),
    ('n_P03 = "，参与群众{n_P03}人次"', 'n_P03 = "，参与群众{n_P99}人次"', "指标 P01 的 report 中的占位符「{n_P99}」不是可用的事实"),
    ('lawyer = "，邀请律师', 'speakers = "，邀请律师', "指标 T04 的 report 的可选分句「speakers」不是以可用的事实命名"),
    ('none = "全员法治培训{no}。"', 'none = "全员法治培训{no。"', "指标 T05 的 report 中的「全员法治培训{no。」不是有效的句子模板"),
    ('none = "全员法治培训{no}。"', 'none = 3', "指标 T05 的 report 中的「3」不是有效的句子模板"),
    ('report.order = ["T01",', 'report.order = ["T99",', "分组 T 的 report.order 中有未知的指标编码"),
    ('report.heading = "深化习近平法治思想学习宣传"', 'report.title = "深化习近平法治思想学习宣传"',
     "分组 T 的 report 中的「title」不是可用的字段"),
]


@pytest.mark.parametrize("old,new,message", BAD)
def test_bad_wording_is_refused_in_chinese(tmp_path, old, new, message):
    with pytest.raises(ConfigError) as e:
        load_catalog(indicators_file=_catalogue(tmp_path, (old, new)))
    assert message in str(e.value)


def test_every_fact_the_catalogue_may_name_is_found_and_explained():
    assert set(text.FACTS) == set(config.REPORT_FACTS)
    assert set(text.PREFIXED_FACTS) == set(config.REPORT_FACT_PREFIXES)
    assert all(help_.strip() for help_ in [*config.REPORT_FIELDS.values(), *config.REPORT_FACTS.values(),
                                           *config.GROUP_REPORT_FIELDS.values()])


def test_every_indicator_and_group_is_worded_in_the_catalogue():
    templates = {f"{t}{v}" for t in config.REPORT_TEMPLATES for v in config.REPORT_VARIANTS}
    for ind in CAT.indicators:
        assert "within" in ind.report or templates & set(ind.report), ind.code
    for group, spec in CAT.groups.items():
        assert {"heading", "problem_city", "problem_unit", "plan"} <= set(spec["report"]), group


@pytest.mark.parametrize("path", sorted(EXPORTS.glob("*.py")), ids=lambda p: p.name)
def test_no_indicator_code_in_the_exports_code(path):
    codes = "|".join(i.code for i in CAT.indicators)
    source = path.read_text("utf-8")
    assert not re.findall(rf"[\"']({codes})[\"']", source)
    assert not re.findall(rf"[\"']({'|'.join(CAT.groups)})[\"']\s*:", source)  # no wording keyed by group


def test_the_generic_wording_is_data():
    """wording.py holds constants only: strings, and tuples and dicts of strings."""
    names = [n for n in vars(wording) if n.isupper()]
    assert len(names) > 50
    for name in names:
        value = getattr(wording, name)
        items = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else [value]
        assert all(isinstance(x, str) for x in items), name


# ---------------------------------------------------------------- the .docx holds the draft, laid out

@pytest.mark.parametrize("per,unit,version,title_lines", [
    (YEAR, None, "本级", ["新乡市国防动员办公室2025年度", "法治政府建设工作情况报告"]),
    (H1, "封丘县", "全市", ["封丘县国防动员办公室2025年上半年", "法治政府建设工作情况报告"]),
    (YEAR, None, "全市", ["全市国防动员系统2025年度", "法治政府建设工作情况报告"]),
])
def test_the_document_holds_the_drafted_paragraphs_in_order(demo_db, per, unit, version, title_lines):
    fig = common.gather(demo_db, per, unit, today=TODAY)
    d = text.draft(demo_db, per, unit, figures=fig, version=version)
    doc = docx.Document(io.BytesIO(report_docx.build_document(demo_db, per, unit, figures=fig, version=version)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0].split("\n") == title_lines and "".join(title_lines) == d.title
    assert paragraphs[1:] == d.text().splitlines()[1:]
    leads = [p.runs[0].text for p in doc.paragraphs[2:] if len(p.runs) == 2]
    assert leads == [p.lead for p in d.paragraphs if p.lead]  # the run-in headings are runs of their own


def test_a_short_title_stays_on_one_line():
    short = text.Draft("红旗区2025年度报告", (), ("红旗区2025年度", "报告"))
    assert report_docx._title_lines(short) == ("红旗区2025年度报告",)
