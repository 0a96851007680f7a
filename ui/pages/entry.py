"""在线填报: type ledger rows into a table (or one by one on a phone), check them as an upload is checked,
submit them as one batch; correct a stored row where it stands. The rules are indicators.entry's."""
import calendar
import datetime as dt

import pandas as pd
import streamlit as st

from indicators import entry, importing, imports, intake, roles, store
from indicators.evidence import RowRef
from indicators.ledgers import CHOICE, DATE, INT, LEDGERS, NUMBER, TEXT, UNIT
from indicators.problems import IndicatorsError
from ui import shell
from ui.safe import inert as _plain  # a whole message quoting what a user typed: its links, images, markup made text

KIND = "entry_kind"
# The grid's edit state holds the rows added since its editor began, and Streamlit adds them to the table one
# at a time on every run (500 rows: 4.6 s a run, 2,000: 35 s; bench/bench_entry.py): after a paste of this
# many rows the table is taken as the new editor's start, so that the cost falls once.
REBASE_AFTER = 50
# what the grid itself does to a pasted cell it cannot hold (no check sees the text pasted): said where one pastes
PASTE_NOTE = ("粘贴时，下拉列只认规定的选项（如“卫滨区”，不认“卫滨区人防办”），数字列只认数字（“30人”“３０”会变成空白）："
              "必填的空格会在检查时逐一指出，选填列请粘贴后核对。")


def _state(kind: str) -> tuple[str, str, str]:
    """Session keys of ledger `kind`'s table: (current table, the editor's base table, generation)."""
    return f"entry_table_{kind}", f"entry_base_{kind}", f"entry_gen_{kind}"


def _empty(kind: str, unit: str | None, rows: list[dict] | None = None) -> pd.DataFrame:
    """The table of ledger `kind` in the template's order, typed per column, holding `rows` (text or values)."""
    rows = rows or []
    data = {}
    for c in entry.columns(kind):
        values = [r.get(c.name) for r in rows]
        if c.type in (INT, NUMBER):
            data[c.name] = pd.Series([_as_number(v) for v in values], dtype="Float64")
        else:
            data[c.name] = pd.Series([entry.cell_text(v) for v in values], dtype="object")  # a date as 2025-03-01
    frame = pd.DataFrame(data)
    if unit is not None and len(frame):
        frame[LEDGERS[kind].column("unit").name] = unit
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _as_number(v):
    try:
        return None if v in (None, "") else float(v)
    except (TypeError, ValueError):
        return None


def _set_table(kind: str, frame: pd.DataFrame) -> None:
    """Replace the table (a loaded draft, a row added by the form, a cleared table): a new editor."""
    cur, _, gen = _state(kind)
    st.session_state[cur] = frame
    st.session_state[gen] = st.session_state.get(gen, 0) + 1


def _config(kind: str, actor) -> dict:
    """The grid's editor per column. None is `required`: the grid leaves a new row with an empty required cell
    out of what it sends (streamlit#6695), so such a row would vanish at 检查 instead of being named by it.
    日期 is text: the grid's date cell turns a pasted 2025-02-30 or 2025年3月2日 into today's date and a
    2025/02/29 into 2025-03-01, where the upload's reader names the first and reads the second as typed (the
    row-by-row form has the date picker). Counts have no minimum, step or format: the grid would blank a
    pasted -3 and round 2.5 to 2, where the check names both."""
    units = [actor.unit] if actor.role == roles.CLERK else intake.unit_names()
    out = {}
    for c in entry.columns(kind):
        label = c.name + ("" if c.required else "（选填）")
        if c.type == UNIT:
            out[c.name] = st.column_config.SelectboxColumn(label, options=units, help=c.help,
                                                           default=actor.unit if actor.role == roles.CLERK else None,
                                                           disabled=actor.role == roles.CLERK)
        elif c.type == CHOICE:
            out[c.name] = st.column_config.SelectboxColumn(label, options=list(c.choices), help=c.help)
        elif c.type in (INT, NUMBER):
            out[c.name] = st.column_config.NumberColumn(label, help=c.help)
        else:  # TEXT and DATE
            out[c.name] = st.column_config.TextColumn(label, help=c.help, max_chars=500)
    return out


def _signature(kind: str, rows: list[dict]) -> list[list]:
    """The table as the check reads it: what was checked is what is submitted."""
    return [[entry.cell_text(r.get(c.name)) for c in entry.columns(kind)] for r in rows]


def _rows(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in frame.to_dict("records")]


def render(sel: shell.Selection) -> None:
    st.title("在线填报")
    st.caption("直接在表格中填写台账，或从 Excel 复制多行后粘贴（先单击表格中的一格，不要进入编辑状态，再粘贴）；"
               "点“检查”按上传文件的同样规则校验，再“提交”保存为一个批次；"
               f"一次最多 {entry.MAX_ROWS} 行，更多请用 Excel 模板在「数据填报」页上传。")
    actor = shell.current_actor()
    conn = sel.src.conn
    if actor.role == roles.CLERK:
        # the grid keeps a disabled cell's own value under a paste: a pasted 红旗区 row would read as this unit's
        st.caption(f"本账号只能填报{actor.unit}的台账，“单位”已固定为本单位：粘贴的行不论原来写的哪个单位，都记为{actor.unit}，"
                   "请只粘贴本单位的行。")
    done = st.session_state.pop("entry_done", None)
    if done:
        st.success(_plain(done), icon=":material/task_alt:")
    names = {l.name: k for k, l in LEDGERS.items()}
    kind = names[st.segmented_control("台账", list(names), default=list(names)[0], key=KIND) or list(names)[0]]
    own = actor.unit if actor.role == roles.CLERK else None
    cur, base, gen = _state(kind)
    if cur not in st.session_state:
        st.session_state[cur] = _empty(kind, own)
    _draft_bar(conn, actor, kind, own)
    if sel.narrow:
        _row_form(kind, actor, sel.year, expanded=True)
    editor = f"entry_grid_{kind}_{st.session_state.get(gen, 0)}"
    if _refuse_oversize(kind, editor):
        editor = f"entry_grid_{kind}_{st.session_state.get(gen, 0)}"
    if editor not in st.session_state:  # a new table, or back from another page: the editor starts from the table kept
        st.session_state[base] = st.session_state[cur]
    edited = st.data_editor(st.session_state[base], key=editor, num_rows="dynamic", width="stretch", placeholder="",
                            column_config={"_index": st.column_config.NumberColumn("行", disabled=True, width=50),
                                           **_config(kind, actor)}, hide_index=False)
    st.session_state[cur] = _empty(kind, None, _rows(edited))  # typed per column again, for the next editor
    if len((st.session_state.get(editor) or {}).get("added_rows") or []) >= REBASE_AFTER:
        _set_table(kind, st.session_state[cur])  # a paste taken in once, its rows numbered, not again every run
        st.rerun()
    st.caption(PASTE_NOTE)
    if not sel.narrow:
        _row_form(kind, actor, sel.year, expanded=False)
    rows = _rows(edited)
    left, mid, right, far = st.columns(4)
    if left.button("检查", icon=":material/fact_check:", width="stretch"):
        st.session_state["entry_checked"] = (kind, _signature(kind, rows))
        _set_table(kind, st.session_state[cur])  # rows numbered 1, 2, … again, as the problems name them
        st.rerun()
    if mid.button("保存草稿", icon=":material/save:", width="stretch", disabled=not rows):
        try:
            st.success(f"草稿已保存（{entry.save_draft(conn, actor, kind, rows)}），下次登录后可在本页继续填写。",
                       icon=":material/save:")
        except IndicatorsError as e:
            st.error(_plain(str(e)), icon=":material/error:")
    if right.button("清空表格", icon=":material/delete_sweep:", width="stretch", disabled=not rows):
        _set_table(kind, _empty(kind, own))
        st.session_state.pop("entry_checked", None)
        st.rerun()
    checked = st.session_state.get("entry_checked")
    if checked and checked == (kind, _signature(kind, rows)):
        _check_and_submit(sel, actor, kind, rows, far)
    elif checked:
        st.caption("表格已改动，请重新点“检查”。")
    _undo_last(conn, actor)
    _corrections(sel, actor, kind)


def _refuse_oversize(kind: str, editor: str) -> bool:
    """A paste that would make the table longer than entry.MAX_ROWS is refused before the grid takes it in (the
    editor adds pasted rows one at a time: 10,000 of them cost minutes on every run): the table stays as it was,
    in a new editor, and the refusal says the limit. True when refused."""
    edits = st.session_state.get(editor)
    if not isinstance(edits, dict):
        return False
    cur, base, _ = _state(kind)
    rows = len(st.session_state[base]) - len(edits.get("deleted_rows") or []) + len(edits.get("added_rows") or [])
    over = entry.too_many_rows(rows)
    if over is None:
        return False
    del st.session_state[editor]
    _set_table(kind, st.session_state[cur])
    st.error(f"{over.message}，这些行没有加入表格，未保存任何数据。{over.fix}。", icon=":material/block:")
    return True


def _draft_bar(conn, actor, kind: str, own: str | None) -> None:
    found = entry.load_draft(conn, actor, kind)
    if not found:
        return
    rows, saved = found
    with st.container(border=True):
        st.caption(f"您有一份保存于 {saved} 的{LEDGERS[kind].name}草稿（{len(rows)} 行）。")
        a, b = st.columns(2)
        if a.button("载入草稿", key=f"load_draft_{kind}", icon=":material/restore:"):
            _set_table(kind, _empty(kind, own, rows))
            st.rerun()
        if b.button("删除草稿", key=f"drop_draft_{kind}", icon=":material/delete:"):
            entry.drop_draft(conn, actor, kind)
            st.rerun()


def _check_and_submit(sel, actor, kind: str, rows: list[dict], where) -> None:
    conn = sel.src.conn
    try:
        checked = entry.check(conn, actor, kind, rows)
        if checked.ok:
            plan = entry.preview(conn, actor, checked)
    except IndicatorsError as e:
        st.error(_plain(str(e)), icon=":material/block:")
        return
    if not checked.ok:
        st.error(f"发现 {len(checked.problems)} 个问题，未保存任何数据。请按下表修改表格后重新检查。", icon=":material/error:")
        st.dataframe(pd.DataFrame([entry.text_with_row(p) for p in checked.problems]), hide_index=True, placeholder="", width="stretch")
        return
    st.info(f"检查通过：共 {checked.rows} 行，提交后将新增 {plan.added} 行、更新 {plan.updated} 行。", icon=":material/check:")
    for note in checked.parsed.notes:
        st.caption(f"提示：{note}")
    st.dataframe(intake.plan_frame(plan), hide_index=True, placeholder="", width="stretch")
    moved = imports.indicators_moved(checked.parsed)
    if moved:
        st.dataframe(pd.DataFrame([{"指标": f"{m['code']} {m['name']}", "涉及行数": m["rows"]} for m in moved]),
                     hide_index=True, placeholder="", width="stretch")
    if where.button("提交", type="primary", icon=":material/cloud_upload:", width="stretch"):
        try:
            again, result = entry.submit(conn, actor, kind, rows, client=shell.client())
        except IndicatorsError as e:
            st.error(_plain(str(e)), icon=":material/block:")
            return
        if result is None:
            st.error("表格在检查后有改动，请重新检查。", icon=":material/error:")
            return
        st.session_state["entry_done"] = (f"已提交{LEDGERS[kind].name} {checked.rows} 行（批次 {result.batch_id}），"
                                          "各页面的数字已更新。")
        st.session_state["entry_last"] = result.batch_id
        st.session_state.pop("entry_checked", None)
        _set_table(kind, _empty(kind, actor.unit if actor.role == roles.CLERK else None))
        st.rerun()


def _undo_last(conn, actor) -> None:
    batch_id = st.session_state.get("entry_last")
    if batch_id is None:
        return
    b = store.batch(conn, batch_id)
    if b["undone"]:
        return
    if st.button(f"撤销刚才的提交（批次 {batch_id}）", icon=":material/undo:"):
        try:
            importing.undo(conn, batch_id, actor=actor, client=shell.client())
            st.session_state["entry_done"] = f"已撤销批次 {batch_id}，它新增的行已删除。"
            st.session_state.pop("entry_last", None)
        except IndicatorsError as e:
            st.error(_plain(str(e)), icon=":material/block:")
            return
        st.rerun()


# ---------------------------------------------------------------- one row by one (phones), with Chinese dates

def _date_choice(key: str, year: int) -> dt.date:
    """今天 / 昨天 / 前天 in one tap, or a month and a day in two: no English month name on screen."""
    today = dt.date.today()
    quick = {"今天": today, "昨天": today - dt.timedelta(days=1), "前天": today - dt.timedelta(days=2)}
    picked = st.pills("日期", list(quick), key=f"{key}_quick", help="点一下即选定；也可按月、日选择")
    month = st.pills("月", list(range(1, 13)), key=f"{key}_month", format_func=lambda m: f"{m}月")
    day = None
    if month:
        day = st.pills("日", list(range(1, calendar.monthrange(year, month)[1] + 1)), key=f"{key}_day",
                       format_func=lambda d: f"{d}日")
    chosen = dt.date(year, month, day) if month and day else quick.get(picked)
    st.caption(f"日期：{chosen:%Y年%m月%d日}" if chosen else "日期：未选择")
    return chosen


def _row_form(kind: str, actor, year: int, expanded: bool) -> None:
    with st.expander("逐行填写（手机上更方便）", expanded=expanded, icon=":material/edit_note:"):
        values = {}
        for c in entry.columns(kind):
            key = f"entry_form_{kind}_{c.field}"
            label = c.name + ("" if c.required else "（选填）")
            if c.type == DATE:
                values[c.name] = _date_choice(key, year)
            elif c.type == UNIT:
                units = [actor.unit] if actor.role == roles.CLERK else intake.unit_names()
                values[c.name] = st.selectbox(label, units, index=0 if actor.role == roles.CLERK else None, key=key,
                                              disabled=actor.role == roles.CLERK, placeholder="请选择单位")
            elif c.type == CHOICE:
                values[c.name] = st.selectbox(label, list(c.choices), index=None, key=key, placeholder="请选择")
            elif c.type in (INT, NUMBER):
                values[c.name] = st.number_input(label, min_value=0.0 if c.type == NUMBER else 0,
                                                 step=0.5 if c.type == NUMBER else 1, value=None, key=key,
                                                 placeholder="填写数字")
            else:
                values[c.name] = st.text_input(label, key=key, max_chars=500)
        if st.button("添加到表格", key=f"entry_form_add_{kind}", icon=":material/add:"):
            cur, _, _ = _state(kind)
            table = st.session_state[cur]
            added = pd.concat([table, _empty(kind, None, [values])], ignore_index=True)
            added.index = pd.RangeIndex(1, len(added) + 1)
            _set_table(kind, added)
            st.rerun()


# ---------------------------------------------------------------- corrections of stored rows

def _corrections(sel, actor, kind: str) -> None:
    st.subheader("修改已保存的行", divider="gray")
    if not shell.may("correct"):
        st.caption("本账号不能更正台账数据。")
        return
    conn = sel.src.conn
    unit = actor.unit if actor.role == roles.CLERK else sel.unit
    found = entry.rows(conn, sel.year, unit, kind)
    st.caption(f"{sel.year}年{unit or '全市'}的{LEDGERS[kind].name}：选一行，改一个数字或文字，并写明原因；"
               "更正记为一个批次，可在「导入记录」撤销。")
    if not found:
        st.caption("没有已保存的行。")
        return
    if len(found) > 300:  # a list to pick from, not a ledger to scroll through
        st.caption(f"共 {len(found)} 行，请先在侧边栏“单位”中选择一个单位，再从中选择要修改的行。")
        return
    labels = {f"{r['date']} · {r['unit']} · " + " · ".join(str(r[LEDGERS[kind].column(f).name])
                                                          for f in LEDGERS[kind].key[2:]): r for r in found}
    picked = labels[st.selectbox("选择要修改的行", list(labels), key=f"fix_row_{kind}")]
    shown = {k: v for k, v in picked.items() if k not in ("ref", "ledger", "ledger_name", "unit", "date")}
    st.dataframe(pd.DataFrame([shown]), hide_index=True, placeholder="", width="stretch")
    cols = [c for c in entry.columns(kind) if not (c.type == UNIT and actor.role == roles.CLERK)]
    a, b = st.columns(2)
    name = a.selectbox("要改的列", [c.name for c in cols], key=f"fix_col_{kind}")
    col = next(c for c in cols if c.name == name)
    key = f"fix_value_{kind}_{col.field}"
    if col.type == CHOICE:
        value = b.selectbox("改为", list(col.choices), key=key)
    elif col.type == UNIT:
        value = b.selectbox("改为", intake.unit_names(), key=key)
    else:
        value = b.text_input("改为", key=key, placeholder="2025-03-01" if col.type == DATE else "")
    reason = st.text_input("更正原因（必填）", key=f"fix_reason_{kind}", placeholder="如：录入错误，应为 52 人")
    if st.button("保存更正", icon=":material/edit:", key=f"fix_save_{kind}"):
        try:
            done = entry.correct(conn, actor, RowRef.parse(picked["ref"]), {col.name: value}, reason,
                                 client=shell.client())
        except IndicatorsError as e:
            st.error(_plain(str(e)), icon=":material/block:")
            return
        st.session_state["entry_done"] = done.summary() + "。可在「导入记录」撤销。"
        st.rerun()


shell.page(render, "在线填报")
