"""学法培训: sessions by kind and month against the rhythm, the running total against the pace line,
participants and hours, and (for 全市) sessions per unit."""

from indicators.config import default_catalog
from indicators.ledgers import LEDGERS
from ui import data, review, shell
from ui.memo import charts, views  # shared by every session: built once

SOURCE = "培训学法台账"
CATEGORIES = LEDGERS["training"].column("category").choices


def render(sel: shell.Selection) -> None:
    shell.page_header("学法培训", sel)
    totals = data.totals(sel.src, sel.period.start, sel.period.end)
    if not views.has_any(totals, {}, sel.unit, "training"):
        shell.empty_state(sel, "培训学法台账记录")
        return

    frame = data.progress_frame(sel.src, sel.period)
    rows = views.unit_rows(frame, sel.unit)
    group = views.scored_rows(rows[rows.group == "T"])
    months = views.month_starts(sel.year, sel.period.as_of)
    monthly = views.for_unit(data.monthly(sel.src, sel.period), sel.unit)
    sessions = views.by_choice(monthly, "training", "category", months)
    codes = views.TRAINING_CODES

    if not sel.report:
        done = int(sessions["count"].sum())
        m = shell.metrics(sel, 4)
        m[0].metric("学法培训场次", f"{done} 次", help="党组中心组学法、领导班子法治讲座、主任办公会学法、执法人员培训、全员法治培训合计")
        m[1].metric("全年目标", f"{views.target_total(rows, codes):.0f} 次")
        m[2].metric("参学人次", f"{views.measure_series(monthly, 'training:sum:participants', months).value.sum():,.0f}")
        m[3].metric("学时", f"{views.measure_series(monthly, 'training:sum:hours', months).value.sum():,.1f}")

    bullets = group.assign(label=[views.label(c, n) for c, n in zip(group.indicator, group.name)])
    left, right = shell.columns(sel, [1, 1])
    shell.chart(charts.rhythm_bullets(bullets, sel.ctx, "学法培训完成情况（对照节奏）", SOURCE), sel, left)
    shell.chart(charts.monthly_stacked(sessions, sel.ctx, sel.year, "各月学法培训场次（按类别）", SOURCE, CATEGORIES), sel,
                right)

    per_month = sessions.groupby("month", as_index=False)["count"].sum().rename(columns={"count": "value"})
    actual = views.cumulative(per_month, sel.period)
    pace = views.pace_line(rows, codes, sel.period)
    people = views.measure_series(monthly, "training:sum:participants", months)
    hours = views.measure_series(monthly, "training:sum:hours", months)
    left, right = shell.columns(sel, [1, 1])
    shell.chart(charts.cumulative_vs_pace(actual, pace, views.target_total(rows, codes), sel.ctx, sel.year,
                                          "学法培训累计场次与进度线", SOURCE, "次"), sel, left)
    shell.chart(charts.bars_with_line(people.assign(bar=people.value, line=hours.value), sel.ctx, sel.year,
                                      "各月参学人次与学时", SOURCE, "参学人次", "学时", "人次", "学时"), sel, right)

    if not sel.unit:
        per_unit = views.per_unit_choice(totals, "training", "category")
        shell.chart(charts.unit_stacked(per_unit, sel.context("全市各单位"), "各单位学法培训场次（按类别）", SOURCE,
                                        CATEGORIES, default_catalog().unit_names), sel)

    review.group_lags(sel, data.progress_frame(sel.src, sel.period), "T")

shell.page(render, "学法培训")
