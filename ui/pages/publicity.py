"""宣传活动: activities per key date and venue kind, the running total against the yearly target,
people reached, and which units have held none."""
import streamlit as st

from ui import data, review, shell
from ui.memo import charts, views  # shared by every session: built once

SOURCE = "宣传活动台账"


def render(sel: shell.Selection) -> None:
    shell.page_header("宣传活动", sel)
    frame = data.progress_frame(sel.src, sel.period)
    totals = data.totals(sel.src, sel.period.start, sel.period.end)
    per_unit = views.unit_status(frame, "P01")
    if not views.has_any(totals, {}, sel.unit, "publicity"):
        shell.empty_state(sel, "宣传活动台账记录")
        if not sel.unit and sel.has_data:
            st.warning("全市尚无单位开展宣传活动。")
        return

    rows = views.unit_rows(frame, sel.unit)
    months = views.month_starts(sel.year, sel.period.as_of)
    monthly = views.for_unit(data.monthly(sel.src, sel.period), sel.unit)
    activities = views.measure_series(monthly, "publicity:n", months)
    people = views.measure_series(monthly, "publicity:sum:people", months)
    none = per_unit[per_unit.value == 0].unit.tolist()

    if not sel.report:
        m = shell.metrics(sel, 4)
        m[0].metric("宣传活动", f"{activities.value.sum():,.0f} 次", help="宣传活动台账行数")
        m[1].metric("参与人数", f"{people.value.sum():,.0f} 人次")
        m[2].metric("发放资料", f"{views.measure_series(monthly, 'publicity:sum:materials', months).value.sum():,.0f} 份")
        m[3].metric("媒体报道", f"{views.measure_series(monthly, 'publicity:sum:media', months).value.sum():,.0f} 篇")

    if not sel.unit:
        if none:
            st.warning(f"{sel.period.label}尚未开展宣传活动的单位（{len(none)} 个）：{'、'.join(none)}", icon=":material/warning:")
        else:
            st.success(f"{sel.period.label}各单位均已开展宣传活动。", icon=":material/check_circle:")

    nodes = views.key_dates(totals, sel.period, sel.unit)
    nodes = nodes.assign(value=nodes["count"], status=nodes.state,
                         note=[f"（{d.month}月{d.day}日）" for d in nodes.due],
                         zero=["未到节点" if s == "进度正常" else s for s in nodes.state])
    left, right = shell.columns(sel, [1, 1])
    shell.chart(charts.status_bars(nodes, sel.ctx, "重要节点宣传活动", SOURCE, "次", category="node", horizontal=False), sel,
                left)
    venues = views.category_totals(totals, "publicity", "venue_type", sel.unit)
    shell.chart(charts.category_bars(venues, sel.ctx, "宣传活动地点类型", SOURCE), sel, right)

    left, right = shell.columns(sel, [1, 1])
    for where, series, code, name, measure in ((left, activities, "P01", "宣传活动累计次数与全年目标", "次"),
                                               (right, people, "P03", "宣传活动累计参与人数", "人次")):
        shell.chart(charts.cumulative_vs_pace(views.cumulative(series, sel.period), views.pace_line(rows, [code], sel.period),
                                              views.target_total(rows, [code]), sel.ctx, sel.year, name, SOURCE, measure),
                    sel, where)

    if not sel.unit:
        shell.chart(charts.status_bars(per_unit, sel.context("全市各单位"), "各单位宣传活动次数", SOURCE, "次"), sel)

    review.group_lags(sel, data.progress_frame(sel.src, sel.period), "P")

shell.page(render, "宣传活动")
