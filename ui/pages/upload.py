"""数据填报: templates to download, files to upload, the check before anything is stored, then confirm."""
import functools

import streamlit as st

from indicators import annotate, imports, intake, roles, store, templates
from indicators.interpret import Answers
from indicators.ledgers import LEDGERS
from indicators.problems import IndicatorsError
from ui import chrome, data, review, shell
from ui.safe import inert, md

ANSWERS = "intake_answers"  # the clerk's answers in this session (kept in the database on confirm)


def render(sel: shell.Selection) -> None:
    st.title("数据填报")
    st.caption("下载模板 → 按模板填写台账 → 上传 → 查看校验结果 → 确认导入。整份文件要么全部导入，要么一行也不导入。")
    if shell.current_actor().role == roles.CLERK:
        st.caption(f"本账号只能导入{shell.current_actor().unit}的台账：文件中只要有一行属于其他单位，整份文件都不会导入。")

    # ------------------------------------------------------------------ templates
    st.subheader("1. 下载模板", divider="gray")
    kinds = {**{l.name: k for k, l in LEDGERS.items()}, "全部台账（一个工作簿）": "all"}
    left, mid, right = st.columns([2, 2, 3], vertical_alignment="bottom")
    choice = left.selectbox("台账种类", list(kinds), index=len(kinds) - 1)
    actor = shell.current_actor()
    if actor.role == roles.CLERK:  # a clerk's templates always carry their own unit
        unit = mid.selectbox("预填单位", [actor.unit], disabled=True, help="模板每一行的“单位”已填好本单位并锁定")
    else:
        unit = mid.selectbox("预填单位（可选）", ["不预填", *intake.unit_names()],
                             help="选择本单位后，模板每一行的“单位”已填好并锁定，避免误报为其他单位")
        unit = None if unit == "不预填" else unit
    kind = kinds[choice]
    right.download_button(f"下载{templates.template_name(kind, unit).removesuffix('.xlsx')}", data.template(kind, unit),
                          file_name=templates.template_name(kind, unit), icon=":material/download:",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", type="secondary")

    # ------------------------------------------------------------------ upload
    st.subheader("2. 上传台账", divider="gray")
    limit = f"{imports.max_upload_bytes() / 1024 / 1024:g}"
    files = st.file_uploader(f"拖入或选择文件：支持 .xlsx、.xls、.csv（GBK 或 UTF-8），可一次选多个，单个文件不超过 {limit} MB",
                             accept_multiple_files=True, key=f"uploads_{st.session_state.get('upload_round', 0)}",
                             max_upload_size=chrome.upload_mb(imports.max_upload_bytes()))
    done = st.session_state.pop("import_done", None)
    if done:
        for text in done:
            st.success(inert(text), icon=":material/task_alt:")
        st.page_link("ui/pages/evidence.py", label="为刚导入的台账上传佐证材料（签到表、照片、通知等）", icon=":material/attach_file:")

    checked_cache = st.session_state.setdefault("checked", {})
    answers = st.session_state.setdefault(ANSWERS, Answers())
    signature = (repr(sorted(answers.columns.items())), repr(sorted(answers.values.items())),
                 store.answers.version(sel.src.conn))
    accepted = []
    for f in files or []:
        content = f.getvalue()
        key = (f.name, imports.checksum(content), sel.src.version, signature, actor)
        if key not in checked_cache:
            bar = st.progress(0.0, text=f"正在读取 {f.name}……")
            checked_cache[key] = intake.check_upload(sel.src.conn, content, f.name, answers=answers,
                                                     on_stage=lambda x, t: bar.progress(x, text=t),
                                                     actor=actor, client=shell.client())
            bar.empty()
        c = checked_cache[key]
        with st.container(border=True):
            if not c.ok and intake.questions(c.parsed):
                _ask(f.name, key[1], intake.questions(c.parsed), answers)
            if c.locked:
                st.error(f"**{md(f.name)}**：{inert(c.locked)}", icon=":material/lock:")
            elif not c.ok and not any(p.sheet for p in c.parsed.problems):  # the file itself: one plain sentence
                p = c.parsed.problems[0]
                st.error(f"**{md(f.name)}**：{inert(p.message)}。{inert(p.fix)}。未导入任何数据。", icon=":material/error:")
            elif not c.ok:
                st.error(f"发现 {len(c.parsed.problems)} 个问题，未导入任何数据。请按下表修改后重新上传。",
                         icon=":material/error:")
                st.text(f"文件：{f.name}")  # the clerk's file name: text, never markdown
                st.dataframe(intake.problems_frame(c.parsed), hide_index=True, placeholder="", width="stretch",
                             height=min(38 + 35 * len(c.parsed.problems), 420),
                             column_config={"问题": st.column_config.TextColumn(width="medium"),
                                            "修改方法": st.column_config.TextColumn(width="large"),
                                            "行": st.column_config.NumberColumn(width="small"),
                                            "列": st.column_config.TextColumn(width="small")})
                # built when clicked (a 100k-row ledger takes seconds), not on every rerun of the check
                st.download_button("下载标注了问题的工作簿（问题单元格标红，批注写明修改方法）",
                                   functools.partial(annotate.annotate, c.parsed), file_name=annotate.annotated_name(f.name), icon=":material/download:",
                                   key=f"annotated_{key[1]}")
            elif c.already:
                b = c.already
                st.info(f"**{md(f.name)}**：该文件已于 {store.created_label(b)} 导入（批次 {b['id']}），"
                        "本次未作任何改动。", icon=":material/info:")
            else:
                plan = c.plan
                st.markdown(f"**{md(f.name)}**：校验通过，共 {c.parsed.rows} 行。确认后将新增 **{plan.added}** 行、"
                            f"更新 **{plan.updated}** 行，{plan.unchanged} 行与已有数据相同。")
                for note in c.parsed.notes:
                    st.caption(f"提示：{inert(note)}")
                review.upload_hints(sel.src.conn, c.parsed.records)
                _interpretations(c.parsed)
                st.dataframe(intake.plan_frame(plan), hide_index=True, placeholder="", width="stretch")
                cols = st.columns([3, 2])
                cols[0].dataframe(intake.units_frame(plan), hide_index=True, placeholder="", width="stretch",
                                  height=min(38 + 35 * len(intake.units_frame(plan)), 420))
                moved = c.moved
                cols[1].markdown("**将影响的指标**\n\n" + "\n".join(f"- {m['code']} {md(m['name'])}：{m['rows']} 行"
                                                                    for m in moved) if moved else "（不影响计分指标）")
                accepted.append((f.name, c))

    if accepted:
        label = "确认导入" if len(accepted) == 1 else f"确认导入以上 {len(accepted)} 个文件"
        if st.button(label, type="primary", icon=":material/cloud_upload:"):
            messages = []
            try:
                for name, c in accepted:
                    result = intake.confirm_upload(sel.src.conn, c.parsed, actor, client=shell.client())
                    messages.append(result.summary())
                    if c.parsed.used:
                        messages.append(f"{name}：已保存 {len(set(c.parsed.used))} 条回答，以后上传相同表头的台账不再询问"
                                        "（可在「已保存的回答」页查看或删除）")
            except IndicatorsError as e:
                messages.append(str(e))
            st.session_state["import_done"] = messages
            st.session_state["checked"] = {}
            st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1  # a fresh, empty uploader
            st.rerun()
    elif not files:
        st.caption("上传后，这里会先显示校验结果和将要导入的内容，确认后才会保存。")


def _interpretations(parsed) -> None:
    """Everything read by meaning, each with the rows it touched: nothing is interpreted silently."""
    if not parsed.interpretations:
        return
    st.markdown(f"**系统的理解**（共 {len(parsed.interpretations)} 处，请核对后再确认）")
    st.dataframe(intake.interpretations_frame(parsed), hide_index=True, placeholder="", width="stretch",
                 height=min(38 + 35 * len(parsed.interpretations), 320))
    if parsed.used:
        st.caption(f"确认导入后，您本次的 {len(set(parsed.used))} 条回答将被保存，下次上传相同表头的台账不再询问。")


def _ask(name: str, digest: str, questions, answers: Answers) -> None:
    """Ask instead of refusing: "此列是…" per unrecognised header, a choice per unknown value."""
    st.warning(f"**{md(name)}**：有 {len(questions)} 处需要您确认。选择后立即重新校验，确认导入前不会保存任何数据；"
               "也可以改好表格后重新上传。", icon=":material/help:")
    for q in questions:
        key = f"ask_{digest}_{'_'.join(q.key)}"
        if q.kind == "column":
            label = f"工作表「{md(q.sheet)}」的列「{md(q.subject)}」（{md(q.why)}）：此列是…"
            options = [*q.suggestions, *(o for o in q.options if o not in q.suggestions)]
            placeholder = "此列是…"
        else:
            label = f"工作表「{md(q.sheet)}」{md(q.column)}「{md(q.subject)}」（{q.rows} 行）不是规定的选项，它是…"
            options = [*q.suggestions, *(o for o in q.options if o not in q.suggestions), intake.DECLINE]
            placeholder = ("是否为" + "或".join(f"「{n}」" for n in q.suggestions) + "？") if q.suggestions else "请选择…"
        st.selectbox(label, options, index=None, placeholder=placeholder, key=key, on_change=_answered, args=(q, key))


def _answered(q, key: str) -> None:
    intake.answer(st.session_state.setdefault(ANSWERS, Answers()), q, st.session_state.get(key))


shell.page(render, "数据填报")
