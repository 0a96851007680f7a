"""一键催报 on 报送情况: what will be sent to whom (masked addresses, the text itself), the button that sends
it (indicators.notify.remind, which authorises, sends once a day and records), and the record of
every send of the period. Called from ui/pages/reporting.py through `section`."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators import cycle, notify
from indicators.problems import IndicatorsError
from ui import shell
from ui.safe import inert

_RESULT = "remind_result"


def _plan_table(ready: list[notify.Send]) -> pd.DataFrame:
    return pd.DataFrame([{"类别": notify.KIND_NAMES[s.kind], "对象": s.target, "渠道": notify.CHANNELS[s.channel].name,
                          "地址（已遮蔽）": s.address, "标题": s.message.title} for s in ready],
                        columns=["类别", "对象", "渠道", "地址（已遮蔽）", "标题"])


def _result_table(sends: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"对象": s["target"], "渠道": s["channel_name"] or "—", "结果": s["outcome_name"],
                          "错误码": s["errcode"] or "", "原因": s["reason"] or "", "尝试次数": s["attempts"]}
                         for s in sends], columns=["对象", "渠道", "结果", "错误码", "原因", "尝试次数"])


def _one_click(sel: shell.Selection, half: int) -> None:
    conn, label = sel.src.conn, cycle.period_label(sel.year, half)
    st.subheader("一键催报", divider="gray")
    done = st.session_state.pop(_RESULT, None)
    if done:
        failed = [s for s in done if s["outcome"] == "failed"]
        sent = [s for s in done if s["outcome"] == "sent"]
        (st.warning if failed else st.success)(f"已发送 {len(sent)} 条，失败 {len(failed)} 条。", icon=":material/send:")
        st.dataframe(_result_table(done), hide_index=True, placeholder="", width="stretch")
    shown = f"remind_preview_{sel.year}_{half}"
    if not st.session_state.get(shown):  # the plan reads every ledger row of the period: only when asked
        st.caption("先预览将发给谁、发什么，确认后再发送。")
        if st.button("预览催报", icon=":material/preview:", key="remind_preview"):
            st.session_state[shown] = True
            st.rerun()
        return
    planned = notify.plan_reminders(conn, sel.year, half)
    if not planned:
        st.caption(f"{label}各单位均已提交，无需催报。")
        return
    ready = [s for s in planned if s.channel]
    st.caption(f"将向 {len({s.target for s in ready})} 个对象发送 {len(ready)} 条消息（每个单位每个渠道每天至多一次，"
               "今天已发送过的会跳过）。通知渠道在“通知渠道”页面设置。")
    if ready:
        st.dataframe(_plan_table(ready), hide_index=True, placeholder="", width="stretch")
    unreachable = [s.target for s in planned if not s.channel]
    if unreachable:
        st.warning(f"未设置通知渠道、收不到通知（{len(unreachable)} 个）：{'、'.join(unreachable)}。"
                   "可在“通知渠道”页面设置，或用下方生成的催报通知转发到工作群。", icon=":material/notifications_off:")
    with st.expander("查看消息内容"):
        for s in {s.target: s for s in planned}.values():
            st.text(f"发给 {s.target}：\n{s.message.text}")  # st.text: the return reason in it is a user's text
    if not notify.page_link(conn, "reporting"):
        st.caption("尚未设置看板访问地址：消息中不带链接（在“通知渠道”页面设置）。")
    left, right = st.columns([1, 2], vertical_alignment="center")
    again = right.checkbox("今天已发送过的也再发一次", key="remind_again")
    if left.button(f"确认发送（{len(ready)} 条）", type="primary", icon=":material/campaign:", disabled=not ready,
                   key="remind_send"):
        try:
            with st.spinner("正在发送…"):
                sends = notify.remind(conn, shell.current_actor(), sel.year, half, again=again, client=shell.client())
        except IndicatorsError as e:
            st.error(inert(str(e)), icon=":material/block:")
            return
        st.session_state[_RESULT] = [s.as_dict() for s in sends if s.channel]
        st.rerun()


def _log(sel: shell.Selection, half: int, own: str | None) -> None:
    rows = notify.send_log(sel.src.conn, sel.year, half, own)
    st.subheader("发送记录", divider="gray")
    if not rows:
        st.caption(f"{cycle.period_label(sel.year, half)}还没有发送过通知。")
        return
    shell.table(sel, pd.DataFrame(rows), height=min(38 + 35 * len(rows), 420))


def section(sel: shell.Selection, own: str | None) -> None:
    """一键催报 for those who may send reminders (not in 汇报模式), then the period's send record (a clerk: their own unit's)."""
    half = cycle.half_of(sel.period)
    if not sel.report and not own and shell.may("remind"):
        _one_click(sel, half)
    _log(sel, half, own)
