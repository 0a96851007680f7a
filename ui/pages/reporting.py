"""报送情况: each unit's state in the period's reporting cycle (submit, review, lock), the moves the
user may make, who has reported which ledger, and the reminder for the units still missing."""
import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from indicators import cycle, reporting
from indicators.config import default_catalog
from indicators.ledgers import LEDGERS
from indicators.problems import IndicatorsError
from indicators.roles import ADMIN, CLERK, may
from ui import data, reminders, review, shell
from ui.safe import inert
from ui.memo import charts  # shared by every session: built once

# the state cell's fill and text colour (the status palette's green, amber and red where they mean the same)
STATE_COLORS = {cycle.APPROVED: ("#2E7D32", "#FFFFFF"), cycle.SUBMITTED: ("#1F4E79", "#FFFFFF"),
                cycle.RETURNED: ("#F5A623", "#212121"), cycle.OVERDUE: ("#D0021B", "#FFFFFF"),
                cycle.DRAFTING: ("#E6E6E6", "#212121"), cycle.NOT_REPORTED: ("#FFFFFF", "#6B6B6B")}


def _state_table(states: list[cycle.UnitState], explained: dict[str, str]):
    frame = pd.DataFrame([{"单位": s.unit, "状态": s.state, "期间内台账行数": s.rows, "情况说明": explained.get(s.unit, ""),
                           "最近操作": s.by or "", "时间": (s.at or "").replace("T", " ")[:16], "原因": s.reason or ""}
                          for s in states])
    return frame.style.map(lambda v: "background-color: {}; color: {}".format(*STATE_COLORS[v]), subset=["状态"])


def _move(sel, action: str, unit: str, reason: str | None = None) -> None:
    try:
        s = cycle.transition(sel.src.conn, shell.current_actor(), action, unit, sel.year, cycle.half_of(sel.period), reason,
                             client=shell.client())
    except IndicatorsError as e:  # refused: said here, the rest of the page still drawn
        st.error(inert(str(e)), icon=":material/block:")
        return
    st.session_state["cycle_done"] = f"{s.unit}{s.period}：{cycle.MOVES[action].name}完成，当前为「{s.state}」。"
    st.session_state["review_clear"] = True  # the reason was for this move: the next starts empty
    st.rerun()


def _clerk_actions(sel, states: dict[str, cycle.UnitState]) -> None:
    """The clerk's own report of the period that is due (the latest that has ended), whatever the
    sidebar shows while its period has not ended: its state, the reason of a return first, and submit
    after a summary and a confirm."""
    actor = shell.current_actor()
    year, half = cycle.period_to_report(sel.year, cycle.half_of(sel.period), dt.date.today())
    mine = cycle.state_of(sel.src.conn, actor.unit, year, half)
    st.markdown(f"**本单位（{mine.unit}）应报送：{mine.period}，当前{mine.state}**")
    if mine.state == cycle.RETURNED and mine.reason:
        with st.container(border=True):  # the reason is the administrator's text: shown as text, never markdown
            st.warning(f"{mine.period}数据已被退回，请按下面的原因修改后重新提交。", icon=":material/assignment_return:")
            st.text(f"退回原因：{mine.reason}（{mine.by}，{(mine.at or '').replace('T', ' ')[:16]}）")
    if (("submit", mine.state) in cycle.TRANSITIONS and actor.role in cycle.TRANSITIONS[("submit", mine.state)][1]):
        _submit_box(sel, mine)
    elif mine.state == cycle.OVERDUE:
        st.error(f"已过填报截止日期（{cycle.cn_date(mine.deadline)}），本单位不能再修改或提交{mine.period}数据；"
                 "如需补报，请联系市国动办法规科重新开放。", icon=":material/lock_clock:")
    elif mine.state in (cycle.SUBMITTED, cycle.APPROVED):
        st.caption("已提交的数据在审核期间和审核通过后不能再修改；如需修改，请联系市国动办法规科。")


def _submit_box(sel, mine: cycle.UnitState) -> None:
    """提交 in two steps: what will be handed in and what is missing, then 确认提交."""
    asked = st.session_state.get("submit_ask") == (mine.unit, mine.year, mine.half)
    if not asked:
        if st.button(f"提交本单位{mine.period}数据", type="primary", icon=":material/send:"):
            st.session_state["submit_ask"] = (mine.unit, mine.year, mine.half)
            st.rerun()
        return
    got = reporting.submission(sel.src.conn, mine.unit, mine.year, mine.half)
    with st.container(border=True):
        st.markdown(f"**将提交{mine.unit}{mine.period}的数据，请核对：**")
        st.markdown("\n".join(f"- {x['ledger']} {x['rows']} 行，其中有佐证材料 {x['with_evidence']} 行" for x in got["ledgers"])
                    or "- 本期还没有任何台账数据")
        if got["missing"]:
            st.warning(f"本期没有数据的台账：{'、'.join(got['missing'])}。如确实没有开展，可以提交；否则请先上传。",
                       icon=":material/warning:")
        if got["rows"] and got["with_evidence"] < got["rows"]:
            st.warning(f"{got['rows'] - got['with_evidence']} 行台账还没有佐证材料（共 {got['rows']} 行），"
                       "可先在「佐证材料」页面补充。", icon=":material/attach_file:")
        st.caption("提交后在审核期间和审核通过后不能再修改本期数据。")
        left, right = st.columns([1, 4])
        if left.button("确认提交", type="primary", icon=":material/send:"):
            st.session_state.pop("submit_ask", None)
            _move(sel, "submit", mine.unit)
        if right.button("取消"):
            st.session_state.pop("submit_ask", None)
            st.rerun()


def _admin_actions(sel, states: dict[str, cycle.UnitState]) -> None:
    conn, half = sel.src.conn, cycle.half_of(sel.period)
    label = cycle.period_label(sel.year, half)
    with st.container(border=True):
        st.markdown(f"**审核（{label}）**")
        units = list(states)
        follow = (sel.unit, sel.year, half)  # new, or the sidebar's unit or period changed: follow it
        if st.session_state.get("review_unit_follows") != follow:  # (全市: the first unit waiting for review)
            st.session_state["review_unit_follows"] = follow
            st.session_state["review_unit"] = cycle.review_first(list(states.values()), sel.unit)
        if st.session_state.pop("review_clear", False):
            st.session_state["review_reason"] = ""
        left, right = st.columns([1, 2])
        unit = left.selectbox("单位", units, key="review_unit",
                              format_func=lambda u: f"{u}（{states[u].state}）")
        reason = right.text_input("原因（退回、重新开放时必填，将告知填报单位）", key="review_reason")
        cur = states[unit].state
        review.material_panel(sel, unit, sel.year, half)  # what is approved or returned, seen before the click
        cols = st.columns(4)
        for col, action, icon in zip(cols, ("approve", "return", "reopen", "submit"),
                                     (":material/verified:", ":material/assignment_return:", ":material/lock_open:",
                                      ":material/send:")):
            name = cycle.MOVES[action].name if action != "submit" else "代为提交"
            if col.button(name, icon=icon, key=f"move_{action}", disabled=(action, cur) not in cycle.TRANSITIONS,
                          type="primary" if action == "approve" else "secondary"):
                _move(sel, action, unit, reason)
    with st.container(border=True):
        st.markdown("**填报截止日期与查看范围**")
        left, mid, right = st.columns([1, 1, 2], vertical_alignment="bottom")
        start, end = cycle.half_range(sel.year, half)
        current = cycle.deadline(conn, sel.year, half)
        proposal = current or (dt.date(sel.year, 7, 10) if half == 1 else dt.date(sel.year + 1, 1, 10))
        when = left.date_input(f"{label}填报截止日期", value=proposal, min_value=end, format="YYYY-MM-DD",
                               key=f"deadline_{sel.year}_{half}")
        if mid.button("保存截止日期", icon=":material/event:"):
            cycle.set_deadline(conn, shell.current_actor(), sel.year, half, when, client=shell.client())
            st.session_state["cycle_done"] = f"已设置{label}填报截止日期：{cycle.cn_date(when)}。"
            st.rerun()
        on = cycle.leaders_approved_only(conn)
        wanted = right.toggle("领导只看已审核数据", value=on, help=cycle.SETTING_HELP[cycle.LEADERS_APPROVED_ONLY],
                              key="approved_only")
        if wanted != on:
            cycle.set_leaders_approved_only(conn, shell.current_actor(), wanted, client=shell.client())
            st.rerun()


def render(sel: shell.Selection) -> None:
    actor = shell.current_actor()
    if actor.role == CLERK and sel.unit != actor.unit:  # a clerk's 报送情况 is their own unit's, whatever the sidebar says
        sel = dataclasses.replace(sel, unit=actor.unit)
    shell.page_header("报送情况", sel)
    catalog = default_catalog()
    half = cycle.half_of(sel.period)
    states = cycle.status(sel.src.conn, sel.year, half, catalog=catalog)
    own = actor.unit if actor.role == CLERK else None  # a clerk sees their own unit's reporting only
    units = [own] if own else [sel.unit] if sel.unit else catalog.unit_names
    scope = own or (sel.unit_label if sel.unit else "全市各单位")
    shown = [s for s in states if s.unit in units]
    deadline = shown[0].deadline if shown else None

    done = st.session_state.pop("cycle_done", None)
    if done:
        st.success(done, icon=":material/task_alt:")

    st.subheader(f"{cycle.period_label(sel.year, half)}报送与审核", divider="gray")
    if deadline:
        passed = dt.date.today() > deadline
        st.caption(f"填报截止：{cycle.cn_date(deadline)}" + ("（已截止：未提交的单位为逾期，填报员不能再修改本期数据）" if passed else ""))
    else:
        st.caption("尚未设置本期填报截止日期" + ("（管理员可在下方设置）" if actor.role == ADMIN else ""))
    if not sel.report:
        counts = {s: sum(1 for x in shown if x.state == s) for s in cycle.STATES}
        m = st.columns(4)
        m[0].metric("应报单位", f"{len(shown)} 个")
        m[1].metric("已提交（含已审核）", f"{counts[cycle.SUBMITTED] + counts[cycle.APPROVED]} 个")
        m[2].metric("已审核", f"{counts[cycle.APPROVED]} 个", help="审核通过的数据已锁定，通报和年度报告使用这些数字")
        m[3].metric("逾期", f"{counts[cycle.OVERDUE]} 个", help="过了填报截止日期仍未提交")
    shell.table(sel, _state_table(shown, review.coverage_by_unit(sel, [s.unit for s in shown])), height=min(38 + 35 * len(shown), 420))

    if not sel.report:
        by_unit = {s.unit: s for s in states}
        if actor.role == CLERK:
            _clerk_actions(sel, by_unit)
        elif may(actor, "review"):
            _admin_actions(sel, by_unit)

    st.subheader("台账报送情况", divider="gray")
    board = data.reporting_board(sel.src, sel.period)
    ledgers = [l.name for l in LEDGERS.values()]
    board_shown = board[board.unit.isin(units)]
    shell.chart(charts.reporting_grid(board_shown, sel.context(scope), units, ledgers), sel)
    shell.table(sel, board_shown.assign(missing=board_shown.missing.map({True: "未报送", False: "已报送"}))
                .drop(columns=["kind", "level", "last_upload"])
                .rename(columns={"unit": "单位", "ledger": "台账", "upload_note": "最近上传", "rows": "期间内行数",
                                 "missing": "报送情况"}), height=min(38 + 35 * len(board_shown), 420))

    review.explain_panel(sel, units)
    review.flags_panel(sel, units)
    reminders.section(sel, own)  # 一键催报 and the record of sends (ui/reminders.py)

    if sel.report or own:  # the reminder is the city office's, sent to the work group
        return
    st.subheader("催报通知", divider="gray")
    missing = cycle.missing_units(shown)
    if not missing:
        st.success(f"{sel.unit or '各单位'}{cycle.period_label(sel.year, half)}数据均已提交。", icon=":material/check_circle:")
        return
    st.caption(f"尚未提交：{'、'.join(missing)}（共 {len(missing)} 个单位）")
    if st.button("生成催报通知", icon=":material/campaign:", type="primary"):
        st.session_state["reminder"] = cycle.reminder_text(shown, ledgers_missing=reporting.missing_by_unit(board_shown))
    if st.session_state.get("reminder"):
        st.caption("可直接复制（右上角按钮）粘贴到工作群：")
        st.code(st.session_state["reminder"], language=None, wrap_lines=True)
        st.download_button("下载通知文本", st.session_state["reminder"].encode("utf-8"),
                           file_name=f"催报通知_{cycle.period_label(sel.year, half)}.txt", icon=":material/download:")


shell.page(render, "报送情况")
