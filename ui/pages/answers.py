"""已保存的回答: the column mappings and value aliases clerks gave on 数据填报, with who and when; removable."""
import streamlit as st

from indicators import intake, kept_answers, roles, store
from indicators.problems import IndicatorsError
from ui import shell
from ui.safe import inert, md


def render(sel: shell.Selection) -> None:
    st.title("已保存的回答")
    st.caption("上传台账时，您对“此列是…”和取值的回答会在确认导入后保存，下次上传相同表头的台账不再询问。"
               "删除一条回答不会改动已导入的数据；撤销导入批次也不会删除回答。")
    done = st.session_state.pop("answers_done", None)
    if done:
        st.success(done, icon=":material/task_alt:")
    actor = shell.current_actor()
    frame = intake.answers_frame(sel.src.conn, actor)
    if frame.empty:
        st.info("还没有保存任何回答。上传台账时若系统询问列名或取值，确认导入后回答会列在这里。", icon=":material/inbox:")
        return
    st.dataframe(frame.drop(columns=["kind", "id", "login"]), hide_index=True, placeholder="", width="stretch",
                 height=min(38 + 35 * len(frame), 420))
    if not roles.may(actor, "remove_answer"):
        st.caption(f"{actor.role}账号只能查看，不能删除回答。")
        return
    st.markdown("**删除回答**")
    for r in frame.itertuples():
        mine = actor.role == roles.ADMIN or r.login == actor.login
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(f"{r.种类}：{md(r.内容)}（{md(r.保存人)}，{r.保存时间}；{md(r.适用)}）")
        if right.button("删除", key=f"remove_{r.kind}_{r.id}", icon=":material/delete:", disabled=not mine,
                        help=None if mine else "只能删除自己保存的回答"):
            try:
                kept_answers.remove(sel.src.conn, actor, r.kind, int(r.id), client=shell.client())
            except IndicatorsError as e:
                st.error(inert(str(e)), icon=":material/block:")
                return
            st.session_state["answers_done"] = f"已删除：{md(r.内容)}。已导入的数据不变。"
            st.session_state["checked"] = {}
            st.rerun()


shell.page(render, "已保存的回答")
