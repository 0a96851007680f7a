"""The drafted report's generic wording, as data: every sentence template that names no indicator.

What is said of one indicator lives in the catalogue (data/indicators.toml, [indicator.report],
explained in config.REPORT_FIELDS), a line of work's headings and plan in its [groups] table; what is
here serves every indicator and every group. Placeholders are str.format fields that exports/text.py
fills; lists of three are wordings taken in turn, so that a paragraph of several shortfalls is not
one sentence said again and again.
"""
from __future__ import annotations

# ---------------------------------------------------------------- the report's frame

TITLE = "{who}{when}法治政府建设工作情况报告"
TITLE_WHAT = "法治政府建设工作情况报告"  # the part the title breaks before, when it is too long
TITLE_WHEN_YEAR, TITLE_WHEN_HALF = "{year}年度", "{year}年上半年"
UNIT_OFFICE = "{unit}国防动员办公室"
RECIPIENT_CITY = "中共新乡市委"
RECIPIENT = "{recipient}："
SECTION_DONE = {"final": "一、年度工作完成情况", "half": "一、上半年工作开展情况", "other": "一、{when}工作开展情况"}
SECTION_PROBLEMS = "二、存在的问题及原因"
SECTION_PLANS = {"final": "三、明年工作计划", "other": "三、下半年工作打算"}
NUMBERED = "（{numeral}）{text}"  # （一）…
RUN_IN = "{heading}。"
CLOSING = "{we}将持续深入推进法治政府建设，不断提升国防动员领域依法行政水平，为全市高质量发展贡献国防动员力量。"
WE_CITY, WE_OFFICE = "我们", "我办"
END = "特此报告。"
DOC_SUBJECT, DOC_KEYWORDS, DOC_CATEGORY = "法治政府建设工作情况", "法治政府建设", "工作报告"  # the file's properties
STAMP_NOTE = "（起草依据：{stamp}。正式行文前删除本行。）"

# ---------------------------------------------------------------- the opening

OPENING = "{when}，{subject}{how}{status}；{score}。现将{what}报告如下："
OPENING_FINAL = ("{year}年", "{year}年度法治政府建设工作情况", "严格对照法治政府建设目标任务，着力提升工作法治化、规范化水平。")
OPENING_HALF = ("{year}年上半年", "上半年工作开展情况", "对照“时间过半、任务过半”要求，扎实推进法治政府建设各项工作。")
OPENING_OTHER = ("{label}", "{label}工作开展情况", "对照法治政府建设目标任务，扎实推进各项工作。")
STATUS_FINAL = "{scored}项考核指标中，已完成{done}项"
STATUS_FINAL_LAGGING = "，未完成{n}项"
STATUS_FINAL_NOT_STARTED = "，全年未开展{n}项"
STATUS_FINAL_ALL_DONE = "，全部完成年度目标"
STATUS_PACE = "{scored}项考核指标中{on_pace}项达到时间进度"
STATUS_PACE_DONE = "（其中已完成{n}项）"
STATUS_PACE_LAGGING = "，进度滞后{n}项"
STATUS_PACE_NOT_STARTED = "，尚未开展{n}项"
SCORE_CITY_FINAL = "全市{units}个单位督导平台{full}平均{score}分"
SCORE_CITY_PACE = "全市{units}个单位督导平台{pace}平均{pace_score}分（{full}平均{score}分，年中约为一半属正常）"
SCORE_UNIT_FINAL = "督导平台{full}{score}分，{placed}"
SCORE_UNIT_PACE = "督导平台{pace}{pace_score}分（{full}{score}分），{placed}"
NOT_RANKED = "尚未报送数据，不参与排名"
RANKED = "在全市{units}个有数据的单位中{how}第{rank}"
RANKED_TIED, RANKED_ALONE = "并列", "排名"

# ---------------------------------------------------------------- 一、完成情况: words every indicator's sentences share

NOT_DONE = {True: "全年未开展", False: "尚未开展"}  # {no}, by whether the period is the whole year
NOT_YET = {True: "未", False: "尚未"}  # {not_yet}
PARTY_OFFICE, PARTY = "办党组", "党组"  # {party}: the city office's own report says 办党组
COMPARED = "，较上年同期{how}{diff}{measure}"  # {cmp}
MORE, LESS = "增加", "减少"
MISSED = "，其中{labels}{word}"  # {missed}
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
HALVES = ("上半年", "下半年")
# {venues}: the ledger's venue kinds as the report names them, in this order
VENUE_WORDS = {"社区": "居民社区", "广场": "休闲广场", "学校": "学校", "企业": "企业", "机关": "机关单位"}
ONLINE_VENUE = "网络媒体"  # {online}: a row of this venue kind was held online
LAWYER = "律师"  # {lawyer}: a speaker whose name or title holds this
LIST_SEP = "、"
ALL_UNITS = "各单位"
ALL_BUT = "除{others}外的{n}个单位"
SUPERVISION_FINAL = "从督导情况看，全市{units}个单位{label}平均{mean}分，{full}个单位全部完成年度目标。"
SUPERVISION_PACE = "从督导情况看，全市{units}个单位{label}平均{mean}分，{full}个单位各项指标均达到时序进度。"
GENERIC = "{name}完成{value}{cmp}。"  # an indicator without report wording in the catalogue

# a group without report wording in the catalogue
GROUP_HEADING = "推进{group}工作"
GROUP_PROBLEM_CITY = "{group}工作有待加强"
GROUP_PROBLEM_UNIT = "{group}任务{gap}"
GAP = {True: "未全部完成", False: "进度滞后"}  # {gap} of a problem heading

# ---------------------------------------------------------------- 二、存在的问题及原因

PROBLEMS_INTRO = "在肯定成绩的同时，我们也清醒地认识到工作中存在的短板和不足："
NO_PROBLEMS = "对照目标任务，{when}{done}。工作中仍存在的短板和不足：【请结合实际填写】。"
NO_PROBLEMS_DONE = {True: "各项考核指标均已完成年度目标", False: "各项考核指标均达到进度要求"}
CLAUSE_SEP = "；"
AND = "和"
NO_RATE_DATA = "{name}无数据（{when}未报送执法人员统计表）"
UNIT_RATE_BELOW = "{name}为{value}%，低于{target}%的目标"
UNIT_NOT_STARTED = "{name}{no}"
UNIT_FINAL = ("{name}完成{value}{m}，未完成{target}{m}的年度目标",
              "{name}仅完成{value}{m}（年度目标{target}{m}）",
              "{name}完成率为{completion}%")
UNIT_PACE = ("{name}完成{value}{m}，低于按时间进度应完成的{expected}{m}",
             "{name}仅完成{value}{m}（应完成{expected}{m}）",
             "{name}完成{value}{m}，距时间进度尚差{gap}{m}")
CITY_RATE_BELOW = "{name}全市为{value}%，低于{target}%的目标"
CITY_FINAL = ("{name}全市完成{value}{m}，为年度目标的{completion}%",
              "{name}仅完成{value}{m}（年度目标{target}{m}）",
              "{name}完成率为{completion}%")
CITY_PACE = ("{name}全市完成{value}{m}，低于按时间进度应完成的{expected}{m}",
             "{name}仅完成{value}{m}（应完成{expected}{m}）",
             "{name}完成{value}{m}，距时间进度尚差{gap}{m}")
IDLE = "{names}{no}"
RATE_ONE = "{name}{prefix}为{value}%，低于{target}%的目标"
RATES = "{names}{prefix}分别为{values}，{tail}"
RATES_SAME_TARGET, RATES_TARGETS = "均低于{target}%的目标", "均低于目标"
RATE_PREFIX_CITY = "全市"
BY_UNIT = "从单位看，"
# units behind on an indicator: a rate, a count not started, a count behind (final / before)
BEHIND_RATE = {"lagging": "未达到目标", "not_started": "无数据或为零"}
BEHIND_COUNT = {True: "未完成", False: "进度滞后"}
BEHIND_NOT_STARTED = "{units}{word}{names}"  # 原阳县、封丘县尚未开展A和B
BEHIND_OTHER = "{units}{names}{word}"  # 延津县A和B未达到目标
FAR_BEHIND = ("{units}{when}{each}有{counts}项考核指标{behind}，超过其考核指标的一半，{label}{each}为{scores}分。")
FAR_BEHIND_EACH = "分别"
FAR_BEHIND_WHAT = {True: "未完成或未开展", False: "进度滞后或未开展"}
FAR_BEHIND_HEAD_OFFICE = "对县（市、区）的督导指导仍需加强。"
FAR_BEHIND_HEAD = "部分单位工作整体滞后。"
FAR_BEHIND_EXPLAINED = "{units}已报送情况说明，原因见下文各项"
FAR_BEHIND_SILENT = "；{units}尚未报送情况说明，原因有待进一步核实"
REASON_PLACEHOLDER = "原因分析：【请结合实际填写】"
REASONS = "原因分析：{parts}。"
REASON_BY_INDICATOR = "{name}方面，{quotes}"
REASON_CITY = "{unit}反映“{reason}”"
REASON_UNIT = "主要原因是“{reason}”"
MEASURE_CITY, MEASURE_UNIT = "，拟“{measure}”", "，下一步将“{measure}”"
DUE = "，预计{date}前完成"
UNEXPLAINED_CITY_ITEM = "{units}的{names}"
UNEXPLAINED_CITY = "{items}尚未报送情况说明，原因有待进一步核实。"
UNEXPLAINED_UNIT = "{items}的情况说明尚未填写，原因有待进一步核实。"

# ---------------------------------------------------------------- 三、工作计划

PLAN_WHO = "督促各单位"  # {who} of a group's plan when the report speaks for several units
PLAN_SUPERVISION = "加强督导指导，对工作滞后的单位逐项盯办、限期整改，并将督导结果纳入年度考核"
STANDING_PLANS = ("持续压实领导责任，进一步强化党组对法治政府建设的领导，定期督查重点任务落实情况",
                  "完善监督制约体系，强化对行政权力的全方位、全过程监督，自觉接受各类监督",
                  "夯实基层基础，加强法治队伍建设，不断提升工作人员法治素养和依法行政能力")
PLAN_ITEM = "{ordinal}是{item}。"
ORDINALS = "一二三四五六七八九十"
