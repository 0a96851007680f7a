"""督导评分: each unit's weighted score on 100 points, the ranking, and for one unit the indicator
breakdown with what is missing to reach full marks."""
import streamlit as st

from indicators import charts, progress, views
from indicators.config import default_catalog
from ui import data, shell


def render(sel: shell.Selection) -> None:
    shell.page_header("督导评分", sel)
    frame = data.progress_frame(sel.src, sel.period)
    totals = data.totals(sel.src, sel.period.start, sel.period.end)
    snaps = data.snapshots(sel.src, sel.period.start, sel.period.end)
    if not views.has_any(totals, snaps):
        shell.empty_state(sel, "任何台账数据，无法计算督导平台得分")
        return

    catalog = default_catalog()
    ranking = progress.scores(frame)
    points = views.group_points(frame, catalog)
    shell.chart(charts.score_ranking(points, ranking, sel.context("全市各单位"), catalog.groups, highlight=sel.unit), sel)
    if not sel.report:
        st.caption("得分 = 各适用指标的权重 × min(完成率, 1) 之和；默认学法培训、制度落实、宣传活动、执法队伍各 25 分，组内平均分配。"
                   "期中得分按截至日期的完成量计，全年任务完成后方可得满分。")

    st.subheader("单位得分明细")
    names = list(ranking.unit)
    default = sel.unit or names[-1]
    unit = sel.unit
    if not unit:
        unit = st.columns([1, 3])[0].selectbox("查看单位", names, index=names.index(default), key="score_unit",
                                               help="默认显示得分最低的单位；在侧栏选择单位可直接查看该单位")
    row = ranking[ranking.unit == unit].iloc[0]
    if not sel.report:
        m = st.columns(3)
        m[0].metric("得分", f"{row.score:.1f} 分")
        m[1].metric("排名", f"第 {row['rank']} 名 / {len(ranking)}")
        m[2].metric("滞后或未开展指标", f"{row.lagging} 项")
    breakdown = views.score_breakdown(frame, unit, snaps, catalog)
    shell.chart(charts.score_breakdown(breakdown, sel.context(unit)), sel)
    missing = breakdown[breakdown.need != ""]
    if not missing.empty:
        shell.table(sel, missing[["label", "points", "weight", "lost", "need"]].rename(
            columns={"label": "指标", "points": "得分", "weight": "分值", "lost": "失分", "need": "达到满分还需"}),
            height=38 + 35 * len(missing),
            column_config={c: st.column_config.NumberColumn(format="%.2f") for c in ("得分", "分值", "失分")})


shell.page(render, "督导评分")
