"""督导评分: each unit's weighted score on 100 points (按时序进度得分 before year end beside 全年目标得分),
the ranking, and for one unit the indicator breakdown with what is missing to reach full points."""
import streamlit as st

from indicators import explanations
from indicators.config import default_catalog
from ui import data, review, shell
from ui.memo import charts, progress, views  # shared by every session: built once

LABELS, HELP = progress.SCORE_LABELS, progress.SCORE_HELP


def render(sel: shell.Selection) -> None:
    shell.page_header("督导评分", sel)
    frame = data.progress_frame(sel.src, sel.period)
    totals = data.totals(sel.src, sel.period.start, sel.period.end)
    snaps = data.snapshots(sel.src, sel.period.start, sel.period.end)
    if not views.has_any(totals, snaps):
        shell.empty_state(sel, "任何台账数据，无法计算督导平台得分")
        return

    catalog = default_catalog()
    basis = progress.ranking_basis(sel.period)
    ranking = progress.scores(frame, sel.period)
    points = views.group_points(frame, catalog)
    shell.chart(charts.score_ranking(points, ranking, sel.context("全市各单位"), catalog.groups, highlight=sel.unit,
                                     basis=basis), sel)
    if not sel.report:
        if basis == "pace_score":
            st.caption(f"**{LABELS['pace_score']}**（排名依据）：{HELP['pace_score']}。**{LABELS['score']}**（图中◆）："
                       f"{HELP['score']}。年底两者一致，届时按{LABELS['score']}排名。")
        else:
            st.caption(f"**{LABELS['score']}**（排名依据）：{HELP['score']}。")
        st.caption("权重：默认学法培训、制度落实、宣传活动、执法队伍各 25 分，组内平均分配。")

    st.subheader("单位得分明细")
    names = list(ranking.unit)
    unit = sel.unit
    if not unit:
        unit = shell.columns(sel, [1, 3], keep=True)[0].selectbox(
            "查看单位", names, index=max(int(ranking.reported.sum()) - 1, 0), key="score_unit",
            help=f"默认显示有数据的单位中{LABELS[basis]}最低的一个；选择单位后可直接查看该单位")
    row = ranking[ranking.unit == unit].iloc[0]
    if not sel.report:
        m = shell.metrics(sel, 4 if basis == "pace_score" else 3)
        if basis == "pace_score":
            m[0].metric(LABELS["pace_score"], f"{row.pace_score:.1f} 分", help=HELP["pace_score"])
            m[1].metric(LABELS["score"], f"{row.score:.1f} 分", help=HELP["score"])
        else:
            m[0].metric(LABELS["score"], f"{row.score:.1f} 分", help=HELP["score"])
        ranked = int(ranking.reported.sum())
        m[-2].metric("排名", f"{row.rank_text} / {ranked}" if progress.is_ranked(row) else row.rank_text, help=f"按{LABELS[basis]}，共 {int(ranking.reported.sum())} 个有数据的单位参与排名；"
                     "得分相同的单位并列，先比排名依据，再比另一项得分；没有数据的单位不参与排名")
        m[-1].metric("滞后或未开展指标", f"{row.lagging} 项")
    breakdown = views.score_breakdown(frame, unit, snaps, catalog, basis)
    shell.chart(charts.score_breakdown(breakdown, sel.context(unit), basis), sel)
    missing = breakdown[(breakdown.need != "") | (breakdown.need_year != "")]
    if missing.empty:
        return
    columns = {"label": "指标", "points": LABELS[basis], "weight": "本期分值" if basis == "pace_score" else "分值",
               "lost": "失分"}
    if basis == "pace_score":
        columns |= {"need": "达到时序进度还需", "year_points": LABELS["score"], "need_year": "完成全年目标还需"}
    else:
        columns |= {"need": "达到满分还需"}
    notes = review.given(sel)
    missing = missing.assign(note=[explanations.note(notes, unit, c) if s in explanations.BEHIND else ""
                                   for c, s in zip(missing.indicator, missing.status)])
    columns |= {"note": review.NOTE_COLUMN}
    shell.table(sel, missing[list(columns)].rename(columns=columns), height=38 + 35 * len(missing),
                column_config={c: st.column_config.NumberColumn(format="%.2f")
                               for c in (LABELS["score"], LABELS["pace_score"], "分值", "本期分值", "失分")})


shell.page(render, "督导评分")
