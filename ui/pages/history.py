"""导入记录: every import, its original file, and undo after a confirmation that names what changes."""
import streamlit as st

from indicators import entry, importing, intake, store
from indicators.problems import IndicatorsError
from ui import navigation, review, shell
from ui.safe import inert, md

# which batch, when and who stay on screen (pinned at the left) however far the table is scrolled; the
# checksum, for tracing a file, comes last and narrow (intake.HISTORY_COLUMNS holds the order)
HISTORY_LOOK = {"批次": st.column_config.NumberColumn(width="small", pinned=True),
                "导入时间": st.column_config.TextColumn(width=130, pinned=True),
                "导入人": st.column_config.TextColumn(width=110, pinned=True),
                "文件名": st.column_config.TextColumn(width="medium"),
                "涉及单位": st.column_config.TextColumn(width="medium"),
                "校验值": st.column_config.TextColumn(width="small")}


def render(sel: shell.Selection) -> None:
    st.title("导入记录")
    st.caption("每次导入都是一个批次：可下载当时上传的原始文件，也可撤销（删除该批次新增的行，恢复被它更新的行）。")

    done = st.session_state.pop("undo_done", None)
    if done:
        st.success(done, icon=":material/undo:")

    actor = shell.current_actor()
    if actor.unit:
        st.caption(f"这里只列出{actor.unit}的导入批次。")
    frame = intake.history_frame(sel.src.conn, actor)
    if frame.empty:
        st.info("还没有导入任何文件。", icon=":material/inbox:")
        if navigation.find("数据填报"):
            st.page_link("ui/pages/upload.py", label="去「数据填报」上传台账", icon=":material/upload_file:")
        return

    st.dataframe(frame, hide_index=True, placeholder="", width="stretch", height=min(38 + 35 * len(frame), 460),
                 column_config=HISTORY_LOOK)

    st.subheader("查看或撤销一个批次", divider="gray")
    labels = {f"批次 {r['批次']} · {r['文件名']} · {r['导入时间']} · {r['状态']}": int(r["批次"]) for r in frame.to_dict("records")}
    batch_id = labels[st.selectbox("选择批次", list(labels))]
    b = store.batch(sel.src.conn, batch_id)
    if navigation.find("在线填报"):
        st.page_link("ui/pages/entry.py", label="要改已导入的某一行的数字或文字：到「在线填报」的“修改已保存的行”",
                     icon=":material/edit:")
    fixed = entry.correction_of(sel.src.conn, batch_id)
    if fixed:  # a correction made on 在线填报 or with `correct`: which row, what changed, and why
        st.dataframe(entry.correction_frame(fixed), hide_index=True, placeholder="", width="stretch")
    left, right = st.columns(2)
    if fixed:  # made without a file: nothing to download (the missing-file warning would read as a loss)
        left.caption("更正是在页面或命令行中直接修改的，没有原始文件；改了什么见上表。")
    else:
        try:
            original = intake.original_file(sel.src.conn, batch_id, actor)
            left.download_button("下载原始文件", original.read_bytes(), file_name=b["file_name"],
                                 icon=":material/download:", key=f"original_{batch_id}")
        except IndicatorsError as e:
            left.warning(inert(str(e)))

    review.batch_flags(sel, batch_id)
    if b["undone"]:
        right.info(f"该批次已于 {b['undone'].replace('T', ' ')[:16]} 撤销。", icon=":material/info:")
        return
    try:
        importing.check_undo_allowed(b, actor)
    except IndicatorsError as e:
        right.caption(str(e))
        return

    if right.button("撤销此批次……", icon=":material/undo:", key=f"ask_{batch_id}"):
        st.session_state["undo_ask"] = batch_id
    if st.session_state.get("undo_ask") == batch_id:
        with st.container(border=True):
            try:
                effect = intake.undo_effect(sel.src.conn, batch_id, actor=actor)
            except IndicatorsError as e:
                st.error(inert(str(e)), icon=":material/block:")
                return
            st.markdown(f"**确认撤销批次 {batch_id}（{md(b['file_name'])}）？** 将删除它新增的 {b['added']} 行，"
                        f"恢复它更新的 {b['updated']} 行。")
            if effect.empty:
                st.caption("撤销后，各单位各指标的完成数和状态都不会变化。")
            else:
                st.markdown(f"撤销后，以下 {len(effect)} 项数字将发生变化：")
                st.dataframe(effect, hide_index=True, placeholder="", width="stretch", height=min(38 + 35 * len(effect), 420))
            c1, c2 = st.columns([1, 5])
            if c1.button("确认撤销", type="primary", key=f"undo_{batch_id}"):
                try:
                    importing.undo(sel.src.conn, batch_id, actor=actor, client=shell.client())
                    st.session_state["undo_done"] = f"已撤销批次 {batch_id}（{md(b['file_name'])}）。"
                except IndicatorsError as e:
                    st.session_state["undo_done"] = None
                    st.error(inert(str(e)))
                    return
                st.session_state.pop("undo_ask", None)
                st.rerun()
            if c2.button("取消", key=f"cancel_{batch_id}"):
                st.session_state.pop("undo_ask", None)
                st.rerun()


shell.page(render, "导入记录")
