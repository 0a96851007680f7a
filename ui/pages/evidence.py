"""佐证材料: attach sign-in sheets, photos, notices to a ledger row or a whole batch; find the rows
still without evidence; see each indicator's 有佐证 n / m; download or remove what is attached."""
import streamlit as st

from indicators import evidence, exports, store
from indicators.problems import IndicatorsError
from indicators.roles import CLERK, may
from ui import chrome, data, shell
from ui.safe import inert, md

ROW, BATCH = "一行台账", "整个导入批次"
LIST_LIMIT = 60  # attachments drawn with their thumbnail and buttons; the zip export has them all


def _scope(sel) -> str | None:
    """A clerk works on their own unit; everyone else on the sidebar's unit (None: all units)."""
    actor = shell.current_actor()
    return actor.unit if actor.role == CLERK else sel.unit


def _attach_form(sel, unit: str | None) -> None:
    conn = sel.src.conn
    target = st.radio("挂到", (ROW, BATCH), horizontal=True, key="evidence_target",
                      help="一行台账：某次培训、活动或会议的签到表、照片、通知；整个导入批次：适用于整份台账的材料")
    row = batch = None
    if target == ROW:
        missing_only = st.toggle("只列还没有佐证材料的行", value=True, key="evidence_missing_only")
        table = evidence.row_table(conn, sel.period, unit, missing_only=missing_only)
        if table.empty:
            st.info("没有符合条件的台账行。" if missing_only else f"{unit or '各单位'}在{sel.period.label}还没有台账行。",
                    icon=":material/inbox:")
            return
        labels = {f"{r['单位']} · {r['日期']} · {r['台账']} · {r['类别']} {r['事项']}".strip(): r["ref"]
                  for r in table.to_dict("records")}
        row = evidence.RowRef.parse(labels[st.selectbox(f"台账行（{len(labels)} 行）", list(labels), key="evidence_row")])
    else:
        options = {f"批次 {b['id']} · {b['file_name']} · {store.created_label(b)}": b["id"]
                   for b in evidence.batch_choices(conn, shell.current_actor(), unit)}
        if not options:
            st.info("还没有可挂接的导入批次：只能挂到只含本人可操作单位的批次，其他批次请按行挂接。"
                    if shell.current_actor().role == CLERK else "还没有可挂接的导入批次。", icon=":material/inbox:")
            return
        batch = options[st.selectbox("导入批次", list(options), key="evidence_batch")]
    limit = f"{evidence.max_bytes() / 1024 / 1024:g}"
    round_ = st.session_state.get("evidence_round", 0)
    files = st.file_uploader(f"选择文件：{evidence.ACCEPTED}，单个不超过 {limit} MB（按文件内容判断类型）",
                             accept_multiple_files=True, key=f"evidence_files_{round_}",
                             max_upload_size=chrome.upload_mb(evidence.max_bytes()))
    if files and st.button("上传并挂接", type="primary", icon=":material/attach_file:"):
        try:
            ids = evidence.attach(conn, shell.current_actor(), [(f.name, f.getvalue()) for f in files], row=row, batch=batch,
                                  client=shell.client())
        except IndicatorsError as e:
            st.error(inert(str(e)), icon=":material/block:")
            return
        where = row.label() if row else f"批次 {batch}"
        st.session_state["evidence_done"] = f"已上传 {len(files)} 个文件到「{md(where)}」（编号 {'、'.join(map(str, ids))}）。"
        st.session_state["evidence_round"] = round_ + 1
        st.rerun()


def _listing(sel, unit: str | None) -> None:
    conn, actor = sel.src.conn, shell.current_actor()
    items = evidence.listing(conn, unit, sel.period, actor)
    if not items:
        st.caption("还没有上传佐证材料。")
        return
    if len(items) > LIST_LIMIT:
        st.caption(f"共 {len(items)} 个，这里列出最近的 {LIST_LIMIT} 个；全部材料可在「汇报材料」下载佐证材料包。")
    for e in items[-LIST_LIMIT:][::-1]:
        with st.container(border=True):
            pic, text, buttons = st.columns([1, 5, 2], vertical_alignment="center")
            thumb = evidence.thumb(conn, e)
            if thumb:
                pic.image(thumb, width=96)
            else:
                pic.markdown(f"**{e['type'].upper()}**")
            text.markdown(f"**{md(e['file_name'])}**（{e['type_name']}，{e['size'] / 1024:.0f} KB）  \n"
                          f"{md(e['unit'])} · {md(e['target'])}  \n{md(e['name'])} 上传于 {e['added'].replace('T', ' ')[:16]}")
            name, content, mime = evidence.download(conn, e)
            buttons.download_button("下载", content, file_name=name, mime=mime, icon=":material/download:",
                                    key=f"evidence_get_{e['id']}")
            if may(actor, "evidence", e["unit"]) and buttons.button("删除", icon=":material/delete:",
                                                                     key=f"evidence_rm_{e['id']}"):
                try:
                    evidence.remove(conn, actor, e["id"], client=shell.client())
                except IndicatorsError as err:
                    st.error(inert(str(err)), icon=":material/block:")
                    continue
                st.session_state["evidence_done"] = f"已删除佐证材料「{md(e['file_name'])}」。"
                st.rerun()


def render(sel: shell.Selection) -> None:
    st.title("佐证材料")
    unit = _scope(sel)
    st.caption(f"{unit or '全市各单位'} · {sel.period.label}：督导检查时展示的签到表、照片、通知、会议纪要等。"
               "挂在一行台账或一个导入批次上；已审核或已截止的期间不能再增删。")
    done = st.session_state.pop("evidence_done", None)
    if done:
        st.success(done, icon=":material/task_alt:")

    st.subheader("各指标有佐证情况", divider="gray")
    cov = evidence.coverage(sel.src.conn, sel.period, unit)
    cov = cov[cov.rows > 0]
    if cov.empty:
        st.caption("本期还没有计入指标的台账行。")
    else:
        st.dataframe(cov.rename(columns={"indicator": "指标", "name": "名称", "rows": "台账行数", "with_evidence": "有佐证",
                                         "text": "情况"}), hide_index=True, placeholder="", width="stretch")

    if may(shell.current_actor(), "evidence", unit):
        st.subheader("上传佐证材料", divider="gray")
        _attach_form(sel, unit)
    st.subheader("已上传的佐证材料", divider="gray")
    _bundle(sel, unit)
    _listing(sel, unit)


def _bundle(sel, unit: str | None) -> None:
    """The zip for the inspection: 单位/指标/行 with the index workbook."""
    name = f"{sel.period.label}_{unit or '全市'}_佐证材料.zip"
    if st.button("生成佐证材料包（.zip，按单位/指标/台账行存放，附索引表）", icon=":material/folder_zip:"):
        st.session_state["evidence_zip"] = (data.export_key(sel), unit, exports.build_evidence_zip(sel.src.conn, sel.period, unit, actor=shell.current_actor()))
    made = st.session_state.get("evidence_zip")
    if made and made[:2] == (data.export_key(sel), unit):
        st.download_button(f"下载 {name}", made[2], file_name=name, mime=exports.EVIDENCE_MIME, icon=":material/download:",
                           type="primary")


shell.page(render, "佐证材料")
