"""From a report's sentences to indicator proposals: the Chinese quantity forms as tables of cases, the
headings and parts of a report, the 2025 report against the catalogue, and reports of other offices
written here in the register of government annual reports (other orders, numbering, Chinese numerals)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from indicators import commitments, proposals, reportfile
from indicators.commitments import paragraph_proposals
from indicators.config import default_catalog

REPORT_2025 = Path("/work/shared/report-2025.md")
if not REPORT_2025.exists():  # the shared reference beside the repository, wherever it is checked out
    REPORT_2025 = Path(__file__).resolve().parents[2] / "shared" / "report-2025.md"


def one(sentence: str):
    found, _ = paragraph_proposals(sentence)
    assert len(found) == 1, [(p.name, p.target) for p in found]
    p = found[0]
    return (p.name, p.measure, p.target, p.at_least, p.rhythm, p.group)


@pytest.mark.parametrize("sentence,expected", [
    # counts, Arabic and Chinese, with what makes them "at least"
    ("全年举办 2 期领导班子参加的法治专题讲座", ("领导班子法治专题讲座", "期", 2, False, "yearly", "学法培训")),
    ("全年举办两期领导班子法治专题讲座", ("领导班子法治专题讲座", "期", 2, False, "yearly", "学法培训")),
    ("举办二期执法人员培训班", ("执法人员培训", "期", 2, False, "yearly", "学法培训")),
    ("举办 2 期行政执法人员参加的法治专题培训班", ("行政执法人员法治专题培训", "期", 2, False, "yearly", "学法培训")),
    ("开展国防动员法治宣传教育活动 10 余次", ("国防动员法治宣传教育活动", "次", 10, True, "yearly", "宣传活动")),
    ("开展普法宣传十余次", ("普法宣传", "次", 10, True, "yearly", "宣传活动")),
    ("全年开展法治宣传活动不少于 3 次", ("法治宣传活动", "次", 3, True, "yearly", "宣传活动")),
    ("召开专题会议 3 次以上", ("专题会议", "次", 3, True, "yearly", "制度落实")),
    ("党组理论学习中心组全年开展法治专题学习不少于4次", ("党组理论学习中心组法治专题学习", "次", 4, True, "yearly", "学法培训")),
    ("2026年，组织开展国防动员法治宣传教育活动12次以上", ("国防动员法治宣传教育活动", "次", 12, True, "yearly", "宣传活动")),
    ("全年开展国防动员法治宣传活动不少于１５次", ("国防动员法治宣传活动", "次", 15, True, "yearly", "宣传活动")),
    ("邀请专家开展法治讲座3场", ("法治讲座", "次", 3, False, "yearly", "学法培训")),
    ("在市级以上媒体刊发法治宣传稿件6篇", ("法治宣传稿件", "篇", 6, False, "yearly", "宣传活动")),
    ("全年办理行政执法证件申领、换证35件", ("办理行政执法证件申领、换证", "件", 35, False, "yearly", "执法队伍")),
    ("受教育群众2万余人次", ("受教育群众", "人次", 20000, True, "yearly", "宣传活动")),
    # frequencies: the count a year and the rhythm
    ("坚持每季度主任办公会议学法制度", ("主任办公会议学法", "次", 4, False, "quarter", "学法培训")),
    ("每季度召开1次主任办公会议专题学法", ("主任办公会议专题学法", "次", 4, False, "quarter", "学法培训")),
    ("县人防办每季度至少开展1次执法检查", ("执法检查", "次", 4, True, "quarter", "制度落实")),
    ("办党组每半年听取一次法治建设工作汇报", ("党组听取法治建设工作汇报", "次", 2, False, "half-year", "制度落实")),
    ("党组每半年至少听取一次法治建设工作汇报", ("党组听取法治建设工作汇报", "次", 2, True, "half-year", "制度落实")),
    ("每半年召开一次办公会研究解决法治建设重大问题", ("办公会研究解决法治建设重大问题", "次", 2, False, "half-year", "制度落实")),
    ("每月开展一次法治宣传进社区活动", ("法治宣传进社区活动", "次", 12, False, "quarter", "宣传活动")),
    # when it falls due
    ("落实领导干部年度述法制度", ("领导干部年度述法", "次", 1, False, "second-half", "制度落实")),
    ("年底前完成领导干部述法1次", ("领导干部述法", "次", 1, False, "second-half", "制度落实")),
    ("在全民国防教育月期间组织3项主题活动", ("国防教育月主题活动", "项", 3, False, "september", "宣传活动")),
    # rates
    ("行政执法人员持证率达到100%", ("行政执法人员持证率", "%", 100, False, "rate", "执法队伍")),
    ("实现执法人员培训全覆盖", ("执法人员培训覆盖率", "%", 100, False, "rate", "执法队伍")),
    ("执法证件年审完成率不低于95%", ("执法证件年审完成率", "%", 95, True, "rate", "执法队伍")),
    ("持证率达到百分之百", ("持证率", "%", 100, False, "rate", "执法队伍")),
    ("重大行政决策合法性审查率100%", ("重大行政决策合法性审查率", "%", 100, False, "rate", "制度落实")),
    ("群众满意度达95%以上", ("群众满意度", "%", 95, True, "rate", "宣传活动")),
    ("新任职领导干部任前法律知识考试参考率100%", ("新任职领导干部任前法律知识考试参考率", "%", 100, False, "rate", "制度落实")),
    ("上、下半年各召开一次法治工作专题会议", ("法治工作专题会议", "次", 2, False, "half-year", "制度落实")),
    ("党组会每年专题研究法治建设工作不少于两次", ("党组会专题研究法治建设", "次", 2, True, "yearly", "制度落实")),
    ("按照每月一次的频次开展执法检查", ("执法检查", "次", 12, False, "quarter", "制度落实")),
    ("全年组织行政执法人员参加公共法律知识培训，学时不少于40学时",
     ("行政执法人员公共法律知识培训学时", "学时", 40, True, "yearly", "学法培训")),
    # other offices' wording (audit of issue 27): framing, 了, a slogan in quotes, 年终, 期间
    ("主要负责人年终述法", ("主要负责人述法", "次", 1, False, "second-half", "制度落实")),
    ("主要负责人年底前进行了述法", ("主要负责人述法", "次", 1, False, "second-half", "制度落实")),
    ("在县融媒体中心、微信公众号等平台刊发宣传稿件12篇", ("宣传稿件", "篇", 12, False, "yearly", "宣传活动")),
    ("利用重要宣传节点开展法治宣传活动不少于12次", ("法治宣传活动", "次", 12, True, "yearly", "宣传活动")),
    ("开展人防法治宣传“进社区、进学校、进企业”活动20余场", ("人防法治宣传活动", "次", 20, True, "yearly", "宣传活动")),
    ("国防教育月期间组织主题宣讲活动4场", ("国防教育月主题宣讲活动", "次", 4, False, "september", "宣传活动")),
    ("班子成员带头讲法治课3人次", ("班子成员带头讲法治课", "人次", 3, False, "yearly", "学法培训")),
    ("全年共召开党组会议4次专题研究法治工作", ("党组会议专题研究法治", "次", 4, False, "yearly", "制度落实")),
    ("在县电视台、“封丘人防”公众号发布法治信息15条", ("法治信息", "篇", 15, False, "yearly", "宣传活动")),
    ("年底在全县述法评议会上进行了述法", ("领导干部年度述法", "次", 1, False, "second-half", "制度落实")),
    ("组织旁听庭审活动1次", ("旁听庭审活动", "次", 1, False, "yearly", "学法培训")),
    ("上半年、下半年各开展一次法治工作专题督导", ("法治工作专题督导", "次", 2, False, "half-year", "制度落实")),
    ("每周五下午集中学法", ("集中学法", "次", 52, False, "quarter", "学法培训")),
    ("每周开展一次集中学法", ("集中学法", "次", 52, False, "quarter", "学法培训")),
    ("计划于2026年6月底前举办1期执法人员培训班", ("执法人员培训", "期", 1, False, "yearly", "学法培训")),
    ("法治宣传覆盖面达到100%", ("法治宣传覆盖率", "%", 100, False, "rate", "宣传活动")),
    ("每季度召开1次法治建设工作推进会", ("法治建设工作推进会", "次", 4, False, "quarter", "制度落实")),
    ("全年审核合同8份", ("审核合同", "份", 8, False, "yearly", "制度落实")),  # 全年审核 is no 年审
    ("执法人员年度培训不少于40课时", ("执法人员年度培训", "学时", 40, True, "yearly", "学法培训")),
    ("发放《人民防空法》宣传手册3000余册", ("发放《人民防空法》宣传手册", "份", 3000, True, "yearly", "宣传活动")),
    ("每年9月组织开展国防教育月主题活动不少于3项", ("国防教育月主题活动", "项", 3, True, "september", "宣传活动")),
    ("各县（市、区）人防办全年开展宣传活动不少于5次", ("宣传活动", "次", 5, True, "yearly", "宣传活动")),
])
def test_sentence_to_proposal(sentence, expected):
    assert one(sentence) == expected


@pytest.mark.parametrize("sentence,expected", [
    ("共组织开展法治宣传活动26场次，发放宣传资料1.2万份，受教育群众3.5万人次",
     [("法治宣传活动", "次", 26), ("发放宣传资料", "份", 12000), ("受教育群众", "人次", 35000)]),
    ("2026年，计划举办3期法治培训班、开展法治宣传活动不少于12次", [("法治培训", "期", 3), ("法治宣传活动", "次", 12)]),
    ("法律顾问审查合同12件，出具法律意见书5份", [("法律顾问审查合同", "件", 12), ("出具法律意见书", "份", 5)]),
    # two rates named before one figure: one proposal each, the bare one taking the named one's subject
    ("执法人员持证率、年审率均达到100%", [("执法人员持证率", "%", 100), ("执法人员年审率", "%", 100)]),
    ("组织干部职工参加学法考试，参考率、合格率均达100%",
     [("干部职工学法考试参考率", "%", 100), ("干部职工学法考试合格率", "%", 100)]),
    ("重大行政决策合法性审查率、规范性文件备案审查率均为100%",
     [("重大行政决策合法性审查率", "%", 100), ("规范性文件备案审查率", "%", 100)]),
    # a count with no words of its own: named from the sentence before, else left for the administrator to name
    ("全年开展法治宣传活动。共计15次。", [("法治宣传活动", "次", 15)]),
    ("不少于10篇。", [("（待命名）不少于10篇", "篇", 10)]),
    ("中心组每年集体学法不少于4次，其中法治专题学习不少于2次", [("中心组集体学法", "次", 4), ("法治专题学习", "次", 2)]),
    # the product's own drafted report read back: a change on last year is no target, the rhythm's tally is no second one
    ("刊发法治宣传报道11篇，较上年同期增加3篇", [("法治宣传报道", "篇", 11)]),
    ("全民国防教育月期间，开展“我与国防动员 爱我国防”大学生演讲比赛、“我对国旗说”主题演讲、“老兵永远跟党走”宣讲团主题宣讲等3项主题活动",
     [("国防教育月主题活动", "项", 3)]),
])
def test_several_counts_in_one_sentence_are_several_proposals(sentence, expected):
    assert [(p.name, p.measure, p.target) for p in paragraph_proposals(sentence)[0]] == expected


@pytest.mark.parametrize("sentence", [
    "持续压实领导责任",
    "落实第一责任人职责，一岗双责",
    "深入贯彻《河南省提升行政执法质量三年行动实施方案(2023—2025年)》",
    "行政复议案件同比增长20%",
    "全县共有执法人员15名，持证12名",
    "新国动党组〔2026〕2号",
    "2026年1月15日",
    "一是持续压实领导责任。二是完善监督制约体系。",
    "打造一批法治宣传品牌",
    "部分领域还存在“两张皮”现象",
    "深化“最多跑一次”改革，推行一次性告知",
    "坚持“十四五”规划，落实“八五”普法",
    "二〇二五年三月",
    "修订完善内部管理制度5条",  # 条 counts news items only
    "18项考核指标中，已完成18项，全部完成年度目标",  # the indicators' own tally
    "较上年同期增加4次",
])
def test_no_number_is_forced_on_a_qualitative_sentence(sentence):
    assert paragraph_proposals(sentence)[0] == []


def test_key_dates_named_in_a_paragraph_are_one_coverage_proposal():
    text = ("利用 3·1 民防日、5·12 防灾减灾日、9·18 警报鸣放等重要节点深入居民社区开展宣传活动 10 余次。"
            "全国防教育月期间，开展演讲比赛、主题演讲、主题宣讲等活动。")
    found = {p.name: (p.target, p.rhythm, p.measure) for p in paragraph_proposals(text)[0]}
    assert found == {"重要节点宣传覆盖": (4, "key-dates", "个"), "宣传活动": (10, "yearly", "次"),
                     "国防教育月主题活动": (3, "september", "项")}


@pytest.mark.parametrize("raw,value", [("2", 2), ("两", 2), ("二", 2), ("十", 10), ("十二", 12), ("二十", 20),
                                       ("一百", 100), ("２", 2), ("2 万", 20000), ("1.5", 1.5), ("几", None), ("", None)])
def test_numbers_in_arabic_and_chinese(raw, value):
    assert commitments.number(raw) == value


def test_every_declared_form_reads_its_own_examples():
    for name, example, target, at_least in commitments.QUANTITY_FORMS:
        p = paragraph_proposals(example)[0][0]
        assert (p.target, p.at_least) == (target, at_least), name
    for name, example, target in commitments.RATE_FORMS:
        p = paragraph_proposals(example)[0][0]
        assert (p.rhythm, p.target) == ("rate", target), name
    for _, rhythm, periods, examples in commitments.FREQUENCIES:
        for example in examples:
            p = paragraph_proposals(example)[0][0]
            assert p.rhythm == rhythm and p.target % periods == 0, example
    for _, rhythm, examples in commitments.DUE:
        for example in examples:
            assert paragraph_proposals(example)[0][0].rhythm == rhythm, example
    for _, _, target, rhythm, _, examples in commitments.EVENTS:
        for example in examples:
            p = paragraph_proposals(example)[0][0]
            assert (p.target, p.rhythm) == (target, rhythm), example


def test_a_proposal_cites_the_reports_own_words():
    text = "坚持每季度主任办公会议学法制度,认真组织开展多种形式的全员法治培训,举办 2 期行政执法人员参加的法治专题培训班,提升执法人员专业素养。"
    found = paragraph_proposals(text)[0]
    assert [p.sentence for p in found] == ["坚持每季度主任办公会议学法制度", "举办 2 期行政执法人员参加的法治专题培训班"]
    assert all(p.sentence in text for p in found)


# ------------------------------------------------------------------------------------ structure

@pytest.mark.parametrize("line,level", [
    ("一、年度工作完成情况", 1), ("三、明年工作计划及意见建议", 1), ("第二部分 存在的问题", 1),
    ("（一）深化习近平法治思想学习宣传。坚持……", 2), ("(二)健全法治政府建设制度机制", 2),
    ("1.领导班子带头学法", 3), ("2、规范执法", 3), ("（3）加强宣传", 3),
    ("2025年，市国动办严格对照", 0), ("1.5万人次参加", 0), ("一是持续压实领导责任", 0),
    ("存在的问题", 1), ("下一步工作打算", 1), ("全年仅开展培训1次，存在的问题较多。", 0),
])
def test_heading_levels(line, level):
    assert reportfile.heading_level(line) == level


@pytest.mark.parametrize("heading,part", [
    ("一、年度工作完成情况", "完成情况"), ("一、主要工作及成效", "完成情况"), ("二、存在的问题及原因", "存在的问题"),
    ("三、存在的不足", "存在的问题"), ("三、明年工作计划及意见建议", "工作计划"), ("三、2026年工作打算", "工作计划"),
    ("二、下一步工作思路", "工作计划"), ("四、存在的问题和下一步打算", "工作计划"),
    # the headings of the 法治政府建设年度报告 form the province prescribes
    ("一、2025年度推进法治政府建设的主要举措和成效", "完成情况"),
    ("二、党政主要负责人履行推进法治建设第一责任人职责情况", "完成情况"),
    ("三、2025年度推进法治政府建设存在的不足和原因", "存在的问题"),
    ("四、2026年度推进法治政府建设的主要安排", "工作计划"),
])
def test_parts_of_a_report(heading, part):
    assert reportfile.part_of(heading) == part


def test_a_paragraph_cut_by_a_page_break_is_joined_and_placed():
    lines = ["一、年度工作完成情况", "", "（一）深化学习。把全办各项工作纳入法治化", "", "轨道。全年举办 2 期法治专题讲座。",
             "二、存在的问题", "全年仅开展培训 1 次。", "三、明年工作计划", "每季度召开一次主任办公会议学法。",
             "", "新乡市国防动员办公室", "2026年1月15日"]
    report = reportfile.structure([(t, "") for t in lines])
    assert [(p.text, p.part) for p in report.paragraphs] == [
        ("把全办各项工作纳入法治化轨道。全年举办 2 期法治专题讲座。", "完成情况"),
        ("全年仅开展培训 1 次。", "存在的问题"),
        ("每季度召开一次主任办公会议学法。", "工作计划")]
    assert report.paragraphs[0].section == "一、年度工作完成情况 › （一）深化学习"


# ------------------------------------------------------------------------------------ the 2025 report

# The catalogue's indicators whose sentence in the 2025 report states a count, a frequency or a rate.
RECOVERABLE = ["T02", "T03", "T04", "G01", "G02", "G03", "P01", "P02", "P04"]
# The others: the report says them without a number (the catalogue's targets were set by hand).
WITHOUT_NUMBER = ["T01", "T05", "T06", "G04", "P03", "E01", "E02", "E03", "E04", "E05"]


def test_the_2025_report_recovers_the_catalogues_measurable_indicators():
    out = proposals.propose(REPORT_2025.read_bytes(), REPORT_2025.name)
    catalog = default_catalog()
    assert sorted(p.matches for p in out.proposals) == sorted(RECOVERABLE)
    for p in out.proposals:
        ind = catalog.indicator(p.matches)
        assert (p.target, p.rhythm, p.measure, p.differs, p.status) == (ind.target(2026), ind.rhythm, ind.measure, {}, "无变化")
        assert p.sentence in REPORT_2025.read_text("utf-8") and p.part == "完成情况"
    assert sorted(m["code"] for m in out.missing) == sorted(WITHOUT_NUMBER)
    assert {m["status"] for m in out.missing} == {proposals.MENTIONED}
    assert [q.name for q in out.qualitative] == ["持续压实领导责任", "完善监督制约体系", "夯实基层基础"]
    assert out.year == 2026


# ------------------------------------------------------------------------------------ other offices' reports

COUNTY = """获嘉县人民防空办公室2025年度法治政府建设工作报告

县委全面依法治县委员会办公室：
　　2025年，我办在县委、县政府的坚强领导下，深入推进法治政府建设。现将有关情况报告如下。

一、主要工作及成效
（一）抓好领导干部学法。全年组织党组理论学习中心组专题学法４次，举办法治专题讲座两期。
（二）规范行政执法。全办现有执法人员８名，持证率达到100%，全年办理执法证件换证3件。
（三）深化普法宣传。利用“3·1”国际民防日、“5·12”防灾减灾日等节点，开展法治宣传进社区、进学校活动十二次，发放宣传资料3000余份。
二、存在的问题
一是执法力量不足，仅有执法人员8名。二是普法形式单一，全年仅开展宣传活动6次。
三、2026年工作打算
（一）坚持每季度召开一次主任办公会议学法。
（二）党组每半年听取一次法治建设工作汇报。
（三）组织执法人员参加法治培训不少于2期，实现执法人员培训全覆盖。
（四）全年开展国防动员法治宣传活动不少于15次。
（五）持续加强法治机关建设。

获嘉县人民防空办公室
2026年1月10日
"""

ALT = """# 新乡县国防动员办公室关于2025年法治政府建设情况的报告

## 一、2025年法治政府建设推进情况

1.领导班子带头学法，全年举办领导班子法治专题讲座2期，主任办公会议每季度学法1次。

2.落实领导干部年度述法制度，年底前完成述法。

3.全年在各类媒体刊发法治宣传稿件8篇，参与群众1500余人次。

## 二、2026年法治政府建设工作安排

1.9月全民国防教育月期间，开展演讲比赛、知识竞赛、主题宣讲等活动。

2.执法证件年审完成率不低于95%。

3.进一步完善重大行政决策程序。

## 三、存在的不足

部分干部法治意识还不够强，全年仅开展法治培训1次。
"""

PLAN_FIRST = """卫辉市人防办2026年法治建设工作要点

第一部分 2026年重点任务
一、学法用法。党组理论学习中心组每半年开展一次法治专题学习；全年举办三期执法人员法治专题培训班。
二、制度落实。办公会每半年研究一次法治建设重大问题，年底前完成领导干部述法。
三、普法宣传。利用3·1、5·12、9·18和全民国防教育月开展集中宣传，全年开展法治宣传活动二十次以上，在新闻媒体刊发稿件不少于10篇。
四、执法队伍。执法人员持证率保持100%，执法证件年审完成率100%。
第二部分 2025年工作回顾
2025年举办执法人员培训2期，开展宣传活动18次。
"""


CITY_COUNTY = """辉县市国防动员办公室
关于2025年度法治政府建设工作情况的报告

辉县市委依法治市办：
    按照市委依法治市办要求，现将我办2025年度法治政府建设工作情况报告如下：
    一、2025年度推进法治政府建设的主要举措和成效
    （一）加强组织领导。成立以主任为组长的法治政府建设工作领导小组，召开党组会议专题研究法治政府建设工作3次，主要负责人履行推进法治建设第一责任人职责，年底前进行了述法。
    （二）强化学法用法。一是落实党组理论学习中心组学法制度，全年开展集体学法6次；二是组织全体干部参加网上学法考试，参考率、合格率均达到100%；三是举办行政执法人员业务培训班1期，参训人员35人次。
    （三）深入开展普法宣传。在“3·1”民防日、“5·12”防灾减灾日、“9·18”警报试鸣日、“12·4”国家宪法日集中开展宣传活动，共发放宣传资料6000余份，接受群众咨询800余人次，在辉县融媒体发布信息15条。
    （四）规范行政执法。全面落实行政执法“三项制度”，全年办理行政执法案件2件，案卷评查合格率100%。
    二、存在的不足和原因
    一是学法形式较为单一；二是执法人员数量偏少，全办仅有执法人员4名。
    三、2026年度推进法治政府建设的主要安排
    1、持续深化学法。党组中心组每季度至少开展一次专题学法，全年举办法治讲座不少于2次。
    2、强化普法宣传。全年开展国防动员法治宣传活动不少于12次，覆盖群众3000人次以上。
    3、提升执法水平。执法人员持证率保持100%，年内组织执法人员培训2期。
    4、完善制度机制。严格落实重大行政决策程序规定。
    四、其他需要报告的情况
    无。

                                  辉县市国防动员办公室
                                    2026年1月12日
"""


def summary(text: str, name: str = "r.txt") -> dict:
    out = proposals.propose(text.encode("utf-8"), name)
    return {(p.matches or p.name): (p.target, p.rhythm, p.at_least, p.part) for p in out.proposals}


def test_a_county_office_report_with_plans_in_part_three():
    got = summary(COUNTY)
    assert got["T03"] == (4, "quarter", False, "工作计划")
    assert got["G01"] == (2, "half-year", False, "工作计划")
    assert got["T04"] == (2, "yearly", True, "工作计划")
    assert got["E03"] == (100, "rate", False, "工作计划")
    assert got["P01"] == (15, "yearly", True, "工作计划")
    assert got["T01"] == (4, "yearly", False, "完成情况")  # 党组理论学习中心组专题学法４次 (full-width digit)
    assert got["T02"] == (2, "yearly", False, "完成情况")  # 两期
    assert got["E01"] == (100, "rate", False, "完成情况")
    assert got["P02"] == (2, "key-dates", False, "完成情况")  # 3·1 and 5·12 in quotation marks
    assert 6 not in [v[0] for v in got.values()]  # 存在的问题 commits to nothing


def test_a_report_numbered_1_2_3_with_problems_last():
    got = summary(ALT, "alt.md")
    assert got["T02"] == (2, "yearly", False, "完成情况")
    assert got["T03"] == (4, "quarter", False, "完成情况")  # 主任办公会议每季度学法1次
    assert got["G03"] == (1, "second-half", False, "完成情况")
    assert got["T06"] == (8, "yearly", False, "完成情况")
    assert got["P03"] == (1500, "yearly", True, "完成情况")
    assert got["P04"] == (3, "september", True, "工作计划")
    assert got["E02"] == (95, "rate", True, "工作计划")
    assert 1 not in [v[0] for k, v in got.items() if k != "G03"]  # 全年仅开展法治培训1次 is a problem


def test_a_plan_written_first_keeps_the_plans_targets():
    assert proposals.propose(PLAN_FIRST.encode(), "r.txt").year == 2026  # a 2026 工作要点 is for 2026
    got = summary(PLAN_FIRST)
    assert got["T01"] == (2, "half-year", False, "工作计划")
    assert got["T04"] == (3, "yearly", False, "工作计划")  # 三期, not the review's 2 期
    assert got["G02"] == (2, "half-year", False, "工作计划")
    assert got["G03"] == (1, "second-half", False, "工作计划")
    assert got["P02"] == (4, "key-dates", False, "工作计划")
    assert got["P01"] == (20, "yearly", True, "工作计划")
    assert got["T06"] == (10, "yearly", True, "工作计划")
    assert got["E01"] == (100, "rate", False, "工作计划")
    assert got["E02"] == (100, "rate", False, "工作计划")


def test_a_county_report_with_an_office_line_on_top_and_semicolon_items():
    out = proposals.propose(CITY_COUNTY.encode("gbk"), "辉县市.txt")
    got = {(p.matches or p.name): (p.target, p.rhythm, p.at_least, p.part) for p in out.proposals}
    assert got["T01"] == (4, "quarter", True, "工作计划")  # 每季度至少开展一次
    assert got["P01"] == (12, "yearly", True, "工作计划")
    assert got["P03"] == (3000, "yearly", True, "工作计划")  # the plan's people count, not the review's 800
    assert got["E01"] == (100, "rate", False, "工作计划")
    assert got["T04"] == (2, "yearly", False, "工作计划")
    assert got["G03"] == (1, "second-half", False, "完成情况")  # 年底前进行了述法
    assert got["P02"] == (4, "key-dates", False, "完成情况")  # 3·1, 5·12, 9·18 试鸣, 12·4 宪法日
    assert got["全体干部网上学法考试合格率"] == (100, "rate", False, "完成情况")
    assert got["发放宣传资料"] == (6000, "yearly", True, "完成情况")
    assert not any(p.section.startswith("落款") for p in out.proposals)
    assert 4 not in [v[0] for k, v in got.items() if v[1] not in ("quarter", "key-dates")]  # 仅有执法人员4名: a problem
    assert [q.name for q in out.qualitative] == ["严格落实重大行政决策程序规定"]


def test_what_differs_from_the_catalogue_is_named_field_by_field():
    out = proposals.propose(PLAN_FIRST.encode(), "plan.txt")
    t04 = next(p for p in out.proposals if p.matches == "T04")
    assert (t04.status, t04.differs) == ("有变化", {"target": [2, 3]})
    p01 = next(p for p in out.proposals if p.matches == "P01")
    assert p01.differs == {"target": [10, 20]}
    edited = proposals.propose(PLAN_FIRST.encode(), "plan.txt", effective={"T04": 3.0})
    assert next(p for p in edited.proposals if p.matches == "T04").differs == {}


def test_a_report_without_numbers_lists_its_qualitative_items_and_proposes_nothing():
    text = "三、明年工作计划\n一是持续压实领导责任。二是完善监督制约体系。\n"
    with pytest.raises(proposals.NoCommitments) as e:
        proposals.propose(text.encode(), "plan.txt")
    assert "没有找到带数量、频次或比率的工作承诺" in e.value.message
    assert [q.name for q in e.value.proposed.qualitative] == ["持续压实领导责任", "完善监督制约体系"]


def test_every_proposal_is_traced_to_its_place():
    for text in (COUNTY, ALT, PLAN_FIRST, CITY_COUNTY):
        out = proposals.propose(text.encode(), "r.txt")
        flat = re.sub(r"\s", "", text)
        for p in out.proposals:
            assert re.sub(r"\s", "", p.sentence) in flat and p.section and p.paragraph >= 1


# ------------------------------------------------------------------------------------ generated sentences

NUMBERS = [("2", 2), ("两", 2), ("二", 2), ("２", 2), ("3", 3), ("三", 3), ("12", 12), ("十二", 12), ("20", 20), ("二十", 20)]
AT_LEAST = [("{n}{c}", False), ("不少于{n}{c}", True), ("{n}{c}以上", True), ("{n}余{c}", True), ("至少{n}{c}", True),
            ("{n} {c}", False)]
NAMES = ["法治专题讲座", "执法人员法治培训", "国防动员法治宣传活动", "党组理论学习中心组专题学法"]
LEADS = ["", "全年", "2026年，", "我办将", "年内"]
VERBS = ["举办", "开展", "组织开展"]


def generated():
    """Every lead x verb x name x count form x number, in both orders (count before or after the name),
    with the answer known: (sentence, name, target, at_least)."""
    for lead in LEADS:
        for verb in VERBS:
            for name in NAMES:
                for form, at_least in AT_LEAST:
                    for written, value in NUMBERS:
                        if form.startswith("{n}余") and value < 10:
                            continue  # 2 余期 is no way to write
                        count = form.format(n=written, c="期")
                        yield f"{lead}{verb}{name}{count}", name, value, at_least
                        if not form.endswith("以上") and "余" not in form:
                            yield f"{lead}{verb}{count}{name}", name, value, at_least


def test_every_generated_count_sentence_reads_its_name_count_and_at_least():
    wrong = []
    for sentence, name, value, at_least in generated():
        found = paragraph_proposals(sentence)[0]
        got = [(p.name, p.target, p.at_least, p.rhythm) for p in found]
        if got != [(name, value, at_least, "yearly")]:
            wrong.append((sentence, got))
    assert not wrong, f"{len(wrong)} of the generated sentences misread, first: {wrong[:5]}"


FREQUENCY_FORMS = [("每季度{v}一次{n}", 4, "quarter"), ("每季度至少{v}1次{n}", 4, "quarter"), ("每半年{v}一次{n}", 2, "half-year"),
                   ("坚持每季度{n}制度", 4, "quarter"), ("每月{v}一次{n}", 12, "quarter"), ("上、下半年各{v}一次{n}", 2, "half-year"),
                   ("{n}每季度{v}1次", 4, "quarter"), ("每半年{v}两次{n}", 4, "half-year"), ("{v}{n}1次/季度", 4, "quarter"),
                   ("{v}{n}1次/半年", 2, "half-year")]


@pytest.mark.parametrize("form,target,rhythm", FREQUENCY_FORMS)
@pytest.mark.parametrize("name", ["主任办公会议学法", "法治专题学习", "执法检查"])
def test_generated_frequencies(form, target, rhythm, name):
    sentence = form.format(v="开展", n=name)
    assert [(p.name, p.target, p.rhythm) for p in paragraph_proposals(sentence)[0]] == [(name, target, rhythm)], sentence


DONE_TITLES = ["年度工作完成情况", "主要工作及成效", "2025年法治政府建设推进情况"]
PROBLEM_TITLES = ["存在的问题及原因", "存在的不足", "主要问题"]
PLAN_TITLES = ["明年工作计划", "2026年工作打算", "下一步工作思路", "2026年重点任务"]
BODIES = {"完成情况": "全年举办 2 期法治专题讲座，开展法治宣传活动 10 余次。",
          "存在的问题": "全年仅开展执法培训 1 次，宣传活动偏少。",
          "工作计划": "每季度召开一次主任办公会议学法；全年开展执法人员培训不少于 3 期。"}
EXPECTED_PARTS = {("法治专题讲座", 2): "完成情况", ("法治宣传活动", 10): "完成情况", ("主任办公会议学法", 4): "工作计划",
                  ("执法人员培训", 3): "工作计划"}


def numbered(n: int, title: str, style: str) -> str:
    cn = "一二三"[n]
    return {"plain": f"{cn}、{title}", "markdown": f"## {cn}、{title}", "part": f"第{cn}部分 {title}"}[style]


@pytest.mark.parametrize("order", list(__import__("itertools").permutations(["完成情况", "存在的问题", "工作计划"])))
@pytest.mark.parametrize("style", ["plain", "markdown", "part"])
@pytest.mark.parametrize("variant", range(3))
def test_generated_reports_place_every_proposal_in_its_part(order, style, variant):
    titles = {"完成情况": DONE_TITLES[variant], "存在的问题": PROBLEM_TITLES[variant],
              "工作计划": PLAN_TITLES[(variant + len(style)) % len(PLAN_TITLES)]}
    text = "某县人防办2025年度法治政府建设工作报告\n\n" + "\n".join(
        f"{numbered(n, titles[part], style)}\n{BODIES[part]}" for n, part in enumerate(order))
    out = proposals.propose(text.encode(), "r.md")
    assert {(p.name, p.target): p.part for p in out.proposals} == EXPECTED_PARTS


@pytest.mark.parametrize("name,measure,rhythm,group,code", [
    ("党组中心组学法", "次", "yearly", "学法培训", "T01"), ("领导班子学法讲座", "期", "yearly", "学法培训", "T02"),
    ("主任办公会学法", "次", "quarter", "学法培训", "T03"), ("执法人员专题培训", "期", "yearly", "学法培训", "T04"),
    ("干部职工法治培训", "次", "yearly", "学法培训", "T05"), ("法治宣传信息", "篇", "yearly", "宣传活动", "T06"),
    ("党组听取法治工作汇报", "次", "half-year", "制度落实", "G01"), ("办公会专题研究法治工作", "次", "half-year", "制度落实", "G02"),
    ("领导干部述法", "次", "second-half", "制度落实", "G03"), ("法治督导检查", "次", "half-year", "制度落实", "G04"),
    ("普法宣传活动", "次", "yearly", "宣传活动", "P01"), ("宣传活动受众", "人次", "yearly", "宣传活动", "P03"),
    ("国防教育月活动", "项", "september", "宣传活动", "P04"), ("执法人员持证率", "%", "rate", "执法队伍", "E01"),
    ("执法证件年审率", "%", "rate", "执法队伍", "E02"), ("执法人员参训率", "%", "rate", "执法队伍", "E03"),
    ("执法人员配备率", "%", "rate", "执法队伍", "E04"),
    # other offices' own indicators stay new
    ("法律顾问审查合同", "件", "yearly", "制度落实", None), ("案卷评查合格率", "%", "rate", "制度落实", None),
    ("发放宣传资料", "份", "yearly", "宣传活动", None), ("领导干部旁听庭审", "次", "yearly", "制度落实", None),
    ("宣传活动", "次", "yearly", "宣传活动", "P01"),  # events, not P03's people (人次)
])
def test_other_offices_names_match_the_catalogue_by_meaning(name, measure, rhythm, group, code):
    p = commitments.Proposal(name=name, measure=measure, target=1.0, at_least=False, rhythm=rhythm, group=group,
                             sentence=name)
    proposals.compare(proposals.Proposed("r", 2026, [p], []), default_catalog(), None, name)
    assert p.matches == code


# Reports written for the audit of issue 27, in other offices' wording: numbered items whose first sentence is
# itself the commitment, a plan item that says 问题, a review count the plan does not repeat.
NUMBERED_ITEMS = """辉县市人防办2025年法治建设工作总结及2026年工作要点
一、2025年工作开展情况
（一）强化理论武装
1. 把学习宣传贯彻习近平法治思想作为首要政治任务，党组中心组全年集中学法6次。
2. 每月开展一次干部职工集中学法活动，全年共12次。组织全体干部职工参加年度学法考试，参考率、合格率均达100%。
二、存在问题
执法力量薄弱，全市人防系统执法人员仅11名。
三、2026年工作要点
（一）全年举办领导班子法治专题讲座不少于三期，行政执法人员培训2期以上。
（二）办公会每半年至少研究一次法治建设重大问题，主要负责人年终述法。
（三）执法人员持证率、年审率均达到100%。
"""

REVIEW_NOT_IN_PLAN = """原阳县人民防空办公室关于2025年度法治政府建设工作情况的报告
一、主要工作及成效
坚持党组理论学习中心组集体学法制度，全年开展中心组专题学法4次；举办全员法治培训3场次。执法人员每人每年参加法治培训不少于40学时。按时完成执法证件年审工作，年审率100%。
二、2026年工作打算
（一）全年组织党组理论学习中心组专题学法不少于4次。
（二）执法人员法治培训班不少于2期，确保执法人员持证率保持100%。
"""


def test_a_numbered_items_first_sentence_and_a_plan_item_saying_problem_are_commitments():
    got = summary(NUMBERED_ITEMS)
    assert got["干部职工集中学法活动"] == (12, "quarter", False, "完成情况")  # "2. 每月开展一次……" was a heading
    assert got["G02"] == (2, "half-year", True, "工作计划")  # "……重大问题" did not make the plan a problem
    assert got["G03"] == (1, "second-half", False, "工作计划")  # 年终述法
    assert got["E01"] == (100, "rate", False, "工作计划") and got["E02"] == (100, "rate", False, "工作计划")
    assert got["全体干部职工年度学法考试合格率"] == (100, "rate", False, "完成情况")
    assert 11 not in [v[0] for v in got.values()]


def test_a_review_count_the_plan_does_not_repeat_is_kept():
    got = summary(REVIEW_NOT_IN_PLAN)
    assert got["T05"] == (3, "yearly", False, "完成情况")  # 全员 3 场次 is not the plan's 执法人员 2 期
    assert got["执法人员每人参加法治培训"] == (40, "yearly", True, "完成情况")  # 学时, not 期
    assert got["E02"] == (100, "rate", False, "完成情况")  # 年审率 is not the plan's 持证率
    assert got["T01"] == (4, "yearly", True, "工作计划") and got["E01"] == (100, "rate", False, "工作计划")


DRAFTED = """新乡市国防动员办公室2025年度法治政府建设工作报告
2025年，市国动办严格对照法治政府建设目标任务。18项考核指标中，已完成18项，全部完成年度目标。
一、年度工作完成情况
（二）健全法治政府建设制度机制。办党组每半年听取一次法治建设工作汇报，共听取2次。落实领导干部年度述法制度，开展领导干部述法1次。
（四）全面落实行政执法责任制。执法证件年审
— 2 —
完成率100%。
"""


def test_the_products_own_drafted_report_reads_back_as_the_catalogue():
    got = summary(DRAFTED)
    assert got == {"G01": (2, "half-year", False, "完成情况"), "G03": (1, "second-half", False, "完成情况"),
                   "E02": (100, "rate", False, "完成情况")}  # no 18 项 tally, no second 述法 or 听取, no page number


@pytest.mark.parametrize("title,year", [
    ("辉县市人防办2025年法治建设工作总结及2026年工作要点", 2026),
    ("2025年度法治政府建设工作报告", 2026),
    ("卫辉市人防办2026年法治建设工作要点", 2026),
])
def test_the_year_a_report_proposes_for(title, year):
    report = reportfile.read_report(f"{title}\n一、工作完成情况\n全年举办 2 期法治讲座。\n".encode(), "r.txt")
    assert proposals.report_year(report) == year


def test_markdown_headings_written_in_bold_are_headings():
    text = "**一、主要工作**\n全年举办 2 期法治讲座。\n**二、存在的问题**\n全年仅开展培训 1 次。\n**三、明年计划**\n开展法治宣传活动不少于 12 次。\n"
    got = summary(text, "r.md")
    assert got == {"T02": (2, "yearly", False, "完成情况"), "P01": (12, "yearly", True, "工作计划")}


PLAN_ITEMS = """新乡县人防办2026年法治政府建设工作要点
一、全年举办2期领导班子法治专题讲座。
二、每季度召开1次主任办公会议学法。
三、全年开展法治宣传活动不少于12次，参与群众3000人次以上。
四、持续加强法治机关建设。
"""


def test_a_plan_whose_top_items_are_the_commitments():
    """A 工作要点 numbered 一、二、三 with a commitment in each item (it proposed nothing: each item was taken for a
    heading's title); the document is a plan throughout, its title no item."""
    out = proposals.propose(PLAN_ITEMS.encode("gbk"), "要点.txt")
    assert {(p.matches, p.target, p.rhythm, p.part) for p in out.proposals} == {
        ("T02", 2, "yearly", "工作计划"), ("T03", 4, "quarter", "工作计划"), ("P01", 12, "yearly", "工作计划"),
        ("P03", 3000, "yearly", "工作计划")}
    assert out.year == 2026 and [q.name for q in out.qualitative] == []
