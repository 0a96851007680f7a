"""执法队伍: per unit, establishment against staff in post against certified staff, the gap shown
plainly, and certification, annual-review, training and staffing rates against 100 %."""
import streamlit as st

from indicators.config import default_catalog
from ui import data, review, shell
from ui.memo import charts, views  # shared by every session: built once

RATES = ("E01", "E02", "E03", "E04")


def render(sel: shell.Selection) -> None:
    shell.page_header("执法队伍", sel)
    snaps = data.snapshots(sel.src, sel.period.start, sel.period.end)
    if not views.has_any({}, snaps, sel.unit, "staff"):
        shell.empty_state(sel, "执法人员统计表")
        return

    frame = data.progress_frame(sel.src, sel.period)
    staff = views.staff_frame(snaps)
    mine = views.staff_totals(staff, sel.unit).iloc[0]
    short = views.shortages(staff if not sel.unit else staff[staff.unit == sel.unit])

    if not sel.report:
        m = shell.metrics(sel, 5)
        m[0].metric("编制人数", f"{mine.quota:.0f} 人")
        vacancy = f"缺编 {mine.vacancy:.0f} 人" if mine.vacancy else None
        uncertified = f"未持证 {mine.uncertified:.0f} 人" if mine.uncertified else None
        m[1].metric("实有执法人员", f"{mine.staff:.0f} 人", delta=vacancy, delta_color="inverse", delta_arrow="off")
        m[2].metric("持证人数", f"{mine.certified:.0f} 人", delta=uncertified, delta_color="inverse", delta_arrow="off")
        m[3].metric("持证率", f"{mine['持证率']:.1f}%")
        m[4].metric("证件办理量", f"{mine.new_certs + mine.renewals:.0f} 件", help="新申领 + 换证（统计表截至统计日期的本年累计）")
        if short.empty:
            st.success(f"{sel.unit_label}执法人员满编、全员持证。", icon=":material/check_circle:")
        else:
            parts = [f"{r.unit}（编制 {r.quota:.0f}、实有 {r.staff:.0f}、持证 {r.certified:.0f}）" for r in short.itertuples()]
            st.warning("执法力量不足：" + "；".join(parts), icon=":material/warning:")
        missing = staff[~staff.reported].unit.tolist()
        if not sel.unit and missing:
            st.info(f"{sel.period.label}未报送执法人员统计表的单位：{'、'.join(missing)}", icon=":material/inbox:")

    rows = views.unit_rows(frame, sel.unit)
    rates = rows[rows.indicator.isin(RATES)]
    rates = rates.assign(label=[views.label(c, n) for c, n in zip(rates.indicator, rates.name)])
    scope = staff if not sel.unit else staff[staff.unit == sel.unit]
    left, right = shell.columns(sel, [3, 2])
    shell.chart(charts.staffing_bars(scope, sel.ctx if sel.unit else sel.context("全市各单位")), sel, left)
    shell.chart(charts.rate_bars(rates, sel.ctx), sel, right)
    if not sel.unit:
        names = {i.code: i.name for i in default_catalog().indicators}
        cells = views.status_grid(frame[frame.indicator.isin(RATES)])
        shell.chart(charts.status_grid(cells, sel.context("全市各单位"), "各单位执法队伍比率（目标 100%）", "执法人员统计表",
                                       list(RATES), default_catalog().unit_names, column_labels=names), sel)

    review.group_lags(sel, data.progress_frame(sel.src, sel.period), "E")

shell.page(render, "执法队伍")
