"""总览: the year's pace beside every indicator's completion, statuses, 滞后预警, heat map, last year."""
import streamlit as st

from indicators.config import default_catalog
from ui import data, review, shell
from ui.memo import charts, progress, views  # shared by every session: built once


def render(sel: shell.Selection) -> None:
    shell.page_header("总览", sel)
    frame = data.progress_frame(sel.src, sel.period)
    totals = data.totals(sel.src, sel.period.start, sel.period.end)
    snaps = data.snapshots(sel.src, sel.period.start, sel.period.end)
    if not views.has_any(totals, snaps):
        shell.empty_state(sel, "任何台账数据")
        return
    if sel.unit and not views.has_any(totals, snaps, sel.unit):
        shell.empty_state(sel, "报送台账数据，以下各项均按未开展计")

    rows = views.unit_rows(frame, sel.unit)
    scored = views.scored_rows(rows)
    tp = progress.time_progress(sel.period.as_of, sel.year)
    counts = progress.status_counts(frame, sel.unit)
    lag = views.lagging(frame, sel.unit)
    by_unit = views.lagging_by_unit(lag)

    if not sel.report:
        basis = progress.ranking_basis(sel.period)
        shown = ("pace_score", "score") if basis == "pace_score" else ("score",)  # at year end the two agree
        score = views.score_summary(progress.scores(frame, sel.period), sel.unit)
        m = shell.metrics(sel, 4 + len(shown))
        m[0].metric("时间进度", f"{tp:.1%}", help="截至日期已过天数 ÷ 全年天数")
        m[1].metric("总体完成率", f"{views.overall_completion(rows):.1%}",
                    delta=f"{(views.overall_completion(rows) - tp) * 100:+.1f} 个百分点",
                    help="各计分指标完成率（超过 100% 按 100% 计）的平均值；下方为与时间进度相差的百分点")
        for box, key in zip(m[2:], shown):
            rank = score["rank_text"] if sel.unit and key == basis else None
            box.metric(progress.SCORE_LABELS[key], f"{score[key]:.1f} 分", delta=rank, delta_color="off",
                       delta_arrow="off",
                       help=("" if sel.unit else "全市为各单位平均。") + progress.SCORE_HELP[key] + "（见督导评分）")
        m[-2].metric(f"{progress.status_name(progress.LAGGING, sel.period)} / {progress.NOT_STARTED}",
                     f"{counts[progress.LAGGING]} / {counts[progress.NOT_STARTED]}",
                     help="全市为各单位各指标合计；单个单位为其各指标")
        if sel.unit:
            m[-1].metric("已完成全年目标", f"{counts[progress.DONE]} 项")
        else:
            m[-1].metric("存在滞后的单位", f"{len(by_unit)} 个")

    bar_rows = scored.assign(label=[views.label(c, n) for c, n in zip(scored.indicator, scored.name)],
                             value_text=[f"{views.amount(v, m)} / {views.amount(t, m)}"
                                         for v, t, m in zip(scored.value, scored.target, scored.measure)])
    gauge = charts.completion_gauge(views.overall_completion(rows), tp, sel.ctx)
    status = charts.status_counts_bar(counts, sel.ctx, "项")
    if sel.report:  # the two small charts make one slide, the indicator bars the next
        left, right = shell.columns(sel, 2, keep=True)
        shell.chart(gauge, sel, left)
        shell.chart(status, sel, right)
        shell.chart(charts.pace_bars(bar_rows, sel.ctx, tp), sel)
    else:
        left, right = st.columns([1, 2], gap="medium")
        shell.chart(gauge, sel, left)
        shell.chart(status, sel, left)
        shell.chart(charts.pace_bars(bar_rows, sel.ctx, tp), sel, right)

    st.subheader("滞后预警")
    if lag.empty:
        st.success(f"{sel.unit_label}在{sel.period.label}没有进度滞后或未开展的指标。", icon=":material/check_circle:")
    elif sel.unit:  # one unit: the list itself says it all, in 汇报模式 too
        st.warning("\n".join(f"- {c} {n}（{progress.status_name(s, sel.period)}：已完成 {views.amount(v, m)}，"
                             f"应完成 {views.due_amount(e, m)}）"
                             for c, n, s, v, e, m in zip(lag.indicator, lag.name, lag.status, lag.value, lag.expected,
                                                         lag.measure)), icon=":material/warning:")
        review.lines(sel, lag)
    else:
        left, right = shell.columns(sel, [1, 1])
        shell.chart(charts.lagging_units_bar(by_unit, sel.context("全市各单位")), sel, left)
        shell.table(sel, review.with_notes(sel, lag, 40).assign(value=[views.amount(v, m) for v, m in zip(lag.value, lag.measure)],
                                    expected=[views.due_amount(v, m) for v, m in zip(lag.expected, lag.measure)],
                                    status=[progress.status_name(s, sel.period) for s in lag.status],
                                    target=[views.amount(v, m) for v, m in zip(lag.target, lag.measure)])
                    .drop(columns=["measure"])
                    .rename(columns={"unit": "单位", "indicator": "编码", "name": "指标", "status": "状态",
                                     "value": "已完成", "expected": "应完成", "target": "全年目标"}),
                    right, height=min(38 + 35 * len(lag), 520))

    catalog = default_catalog()
    units = catalog.unit_names
    codes = [i.code for i in catalog.indicators if i.scored]
    names = {i.code: i.name for i in catalog.indicators}
    shell.chart(charts.status_grid(views.status_grid(frame, catalog), sel.context("全市各单位"), "各单位指标状态",
                                   charts.SOURCE_ALL, codes, units, highlight=sel.unit), sel)
    if not sel.report:
        st.caption("列为指标编码：" + "；".join(f"{c} {names[c]}" for c in codes))

    last = sel.period.last_year()
    previous = data.progress_frame(sel.src, last)
    comparison = views.year_comparison(rows, views.unit_rows(previous, sel.unit))
    shell.chart(charts.year_comparison(comparison, sel.ctx, sel.period.label, last.label + "（同期）"), sel)


shell.page(render, "总览")
