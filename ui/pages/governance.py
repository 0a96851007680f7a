"""制度落实: reports to the Party group, office meetings on rule-of-law problems, 述法 and supervision
of county units: done or due, per unit."""
import streamlit as st

from indicators.config import default_catalog
from ui import data, review, shell
from ui.memo import charts, views  # shared by every session: built once

SOURCE = "制度落实台账"


def render(sel: shell.Selection) -> None:
    shell.page_header("制度落实", sel)
    frame = data.progress_frame(sel.src, sel.period)
    (h1_start, h1_end), h2 = views.half_ranges(sel.period)
    h1 = data.totals(sel.src, h1_start, h1_end)
    h2_totals = data.totals(sel.src, *h2) if h2 else {}
    if not (views.has_any(h1, {}, sel.unit, "governance") or views.has_any(h2_totals, {}, sel.unit, "governance")):
        shell.empty_state(sel, "制度落实台账记录")
        return

    rows = views.unit_rows(frame, sel.unit)
    group = views.scored_rows(rows[rows.group == "G"])
    grid = views.governance_grid(h1, h2_totals, sel.period)
    overdue = grid[grid.status == "未开展"]
    if sel.unit:
        overdue = overdue[overdue.row == sel.unit]

    if not sel.report:
        if overdue.empty:
            st.success(f"{sel.unit_label}截至{sel.period.as_of.month}月{sel.period.as_of.day}日没有逾期未落实的事项。",
                       icon=":material/check_circle:")
        else:
            items = "；".join(f"{u}：{'、'.join(part.column)}" for u, part in overdue.groupby("row", sort=False))
            st.warning(f"逾期未落实（{len(overdue)} 项）— {items}", icon=":material/warning:")

    bullets = group.assign(label=[views.label(c, n) for c, n in zip(group.indicator, group.name)])
    shell.chart(charts.rhythm_bullets(bullets, sel.ctx, "制度落实完成情况（对照节奏）", SOURCE), sel)
    shell.chart(charts.status_grid(grid, sel.context("全市各单位"), "各单位制度落实情况（已完成或到期未完成）", SOURCE,
                                   views.governance_columns(), default_catalog().unit_names, highlight=sel.unit,
                                   column_labels={c: c.replace("（", "<br>（") for c in views.governance_columns()}), sel)

    review.group_lags(sel, data.progress_frame(sel.src, sel.period), "G")

shell.page(render, "制度落实")
