"""What the pages show of the units' 情况说明 and of the figures that need a reviewer's look, and the form a
unit writes an explanation with. Everything a unit or a ledger wrote is shown as plain text (table cells,
st.text), never as markdown."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from indicators import chinese, cycle, evidence, explanations, outliers, reporting
from indicators.config import default_catalog
from indicators.ledgers import LEDGERS
from indicators.problems import IndicatorsError
from ui import data, memo, shell
from ui.safe import inert, md

NOTE_COLUMN = "情况说明"


def _half(sel: shell.Selection) -> int:
    return cycle.half_of(sel.period)


def given(sel: shell.Selection) -> dict:
    """{(unit, indicator): latest Explanation} of the reporting period the selection falls in."""
    return explanations.current(sel.src.conn, sel.year, _half(sel))


def with_notes(sel: shell.Selection, lag: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """A lag table (columns unit, indicator, ...) with a 情况说明 column: the explanation, or 未说明."""
    notes = given(sel)
    return lag.assign(**{NOTE_COLUMN: [explanations.note(notes, u, c, limit) for u, c in zip(lag.unit, lag.indicator)]})


def lines(sel: shell.Selection, lag: pd.DataFrame) -> None:
    """A short list of lags with their explanation, as plain text (one unit's 滞后预警, phones)."""
    notes = given(sel)
    st.text("\n".join(f"{c} {n}（{s}）— {NOTE_COLUMN}：{explanations.note(notes, u, c)}"
                      for u, c, n, s in zip(lag.unit, lag.indicator, lag.name, lag.status)))


def group_lags(sel: shell.Selection, frame: pd.DataFrame, group: str) -> None:
    """A line-of-work page's lags (unit × indicator of the group) with the units' explanations."""
    rows = memo.views.lagging(frame, sel.unit, group)
    if rows.empty or sel.report:
        return
    notes = given(sel)
    cov = explanations.coverage(list(zip(rows.unit, rows.indicator)), notes)
    st.subheader("滞后指标与情况说明", divider="gray")
    st.caption(f"{cov.text()}（情况说明由各单位在「报送情况」页填写）")
    table = pd.DataFrame({"单位": rows.unit, "指标": [f"{c} {n}" for c, n in zip(rows.indicator, rows.name)],
                          "状态": rows.status,
                          NOTE_COLUMN: [explanations.note(notes, u, c) for u, c in zip(rows.unit, rows.indicator)]})
    _table(sel, table)


def _table(sel: shell.Selection, table: pd.DataFrame) -> None:
    if sel.narrow:  # a phone: plain lines, never markdown (the texts are the units')
        with st.expander(f"明细（{len(table)} 项）"):
            st.text("\n".join("；".join(f"{k}：{v}" for k, v in r.items() if v != "") for r in table.to_dict("records")))
        return
    st.dataframe(table, hide_index=True, placeholder="", width="stretch", height=min(38 + 35 * len(table), 420),
                 column_config={NOTE_COLUMN: st.column_config.TextColumn(width="large")})


# ---------------------------------------------------------------- 报送情况: explain, review

def coverage_by_unit(sel: shell.Selection, units: list[str]) -> dict[str, str]:
    """{unit: '2 / 5'}: explained lags of each unit (the 报送情况 table's column)."""
    frame = data.progress_frame(sel.src, sel.period)
    notes = given(sel)
    out = {}
    for u in units:
        lags = explanations.lags_of(frame[frame.unit == u].to_dict("records"))
        cov = explanations.coverage(lags, notes)
        out[u] = f"{cov.explained} / {cov.lags}" if cov.lags else "无滞后"
    return out


def explain_panel(sel: shell.Selection, units: list[str]) -> None:
    """情况说明 on 报送情况: each unit's lags with its explanation or 未说明 (n of m counted), and for a
    clerk of the unit or an administrator the form that writes one (a new version each time)."""
    actor = shell.current_actor()
    half = _half(sel)
    label = cycle.period_label(sel.year, half)
    frame = data.progress_frame(sel.src, sel.period)
    notes = given(sel)
    lags = explanations.lags_of(frame[frame.unit.isin(units)].to_dict("records"))
    cov = explanations.coverage(lags, notes)
    st.subheader(f"{label}滞后指标的情况说明", divider="gray")
    if not lags:
        st.caption(f"{'、'.join(units) if len(units) == 1 else '所选单位'}在{sel.period.label}没有进度滞后或未开展的指标。")
        return
    st.caption(f"{cov.text()}；未说明 {len(cov.unexplained)} 项。原因、整改措施和预计完成时间由各单位填写，"
               "写入汇报材料（督导平台数据表的情况说明列、汇报PPT的预警、工作情况报告的存在问题及原因）。")
    names = {i.code: i.name for i in default_catalog().indicators}
    table = pd.DataFrame([{"单位": u, "指标": f"{c} {names.get(c, '')}",
                           NOTE_COLUMN: explanations.note(notes, u, c),
                           "填写人": f"{notes[(u, c)].name} {notes[(u, c)].at}" if (u, c) in notes else ""}
                          for u, c in lags])
    _table(sel, table)
    writable = [u for u in units if shell.may("explain", u)]
    if sel.report or not writable:
        return
    _form(sel, writable, [k for k in lags if k[0] in writable], notes, names, label)


def _form(sel, units: list[str], lags: list[tuple[str, str]], notes: dict, names: dict, label: str) -> None:
    actor = shell.current_actor()
    half = _half(sel)
    with st.container(border=True):
        st.markdown(f"**填写或修改情况说明（{label}）**")
        if not lags:
            st.caption("没有需要说明的滞后指标。")
            return
        choice = st.selectbox("滞后指标", lags, key="explain_lag",
                              format_func=lambda k: f"{k[0]} · {k[1]} {names.get(k[1], '')}"
                                                    f"（{'已说明' if k in notes else '未说明'}）")
        unit, code = choice
        state = cycle.state_of(sel.src.conn, unit, sel.year, half)
        if state.state == cycle.APPROVED:
            st.caption(f"{unit}{label}已审核通过，情况说明已随数据锁定；如需修改请管理员重新开放。")
            _history(sel, unit, code)
            return
        old = notes.get(choice)
        files = evidence.listing(sel.src.conn, unit)
        file_names = {e["id"]: f"{e['file_name']}（{e['target']}）" for e in files}
        with st.form(f"explain_{unit}_{code}", clear_on_submit=False, border=False):
            reason = st.text_area("原因（必填）", value=old.reason if old else "",
                                  max_chars=explanations.FIELDS["reason"][1], help=explanations.FIELDS["reason"][2])
            measure = st.text_area("整改措施", value=(old.measure or "") if old else "",
                                   max_chars=explanations.FIELDS["measure"][1], help=explanations.FIELDS["measure"][2])
            choices = _due_choices(old.due if old else None)
            due = choices[st.selectbox("预计完成时间", list(choices), help=explanations.FIELDS["due"][2],
                                       index=list(choices.values()).index(old.due) if old and old.due in choices.values() else 0)]
            chosen = st.multiselect("附上佐证材料（选填）", list(file_names), format_func=file_names.get,
                                    default=[e for e in (old.evidence if old else ()) if e in file_names],
                                    placeholder="选择本单位已上传的佐证材料")
            if st.form_submit_button("保存情况说明", type="primary", icon=":material/save:"):
                try:
                    e = explanations.write(sel.src.conn, actor, unit, code, sel.year, half, reason, measure=measure,
                                           due=due, evidence=tuple(chosen), client=shell.client())
                except IndicatorsError as err:
                    st.error(inert(str(err)), icon=":material/block:")
                else:
                    extra = "" if e.was_lagging else f"（注意：该指标目前为「{e.status}」，已注明）"
                    st.session_state["cycle_done"] = f"已保存{unit} {code} 的情况说明（第 {e.version} 版）{extra}。"
                    st.rerun()
        _history(sel, unit, code)


def _due_choices(kept: dt.date | None, today: dt.date | None = None) -> dict[str, dt.date | None]:
    """预计完成时间 as clerks say it: 暂不填写, or the end of one of the next twelve months (a date kept
    earlier stays offered as it was)."""
    today = today or dt.date.today()
    out: dict[str, dt.date | None] = {"暂不填写": None}
    y, m = today.year, today.month
    for _ in range(12):
        end = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        out[f"{y}年{m}月底前"] = end
        y, m = y + (m == 12), m % 12 + 1
    if kept and kept >= today and kept not in out.values():
        out[f"{chinese.date(kept)}前"] = kept
    return out


def _history(sel, unit: str, code: str) -> None:
    versions = explanations.history(sel.src.conn, unit, code, sel.year, _half(sel))
    if len(versions) < 1:
        return
    with st.expander(f"修改记录（{len(versions)} 版）"):
        st.text("\n".join(f"第 {e.version} 版 · {e.name} · {e.at}" + ("" if e.was_lagging else "（写入时该指标不滞后）")
                          + f"\n  {e.text()}" for e in versions))


def flags_panel(sel: shell.Selection, units: list[str]) -> None:
    """需核实的数字 on 报送情况: each figure that stands out, why, the unit's usual range; a reviewer marks it 已核实."""
    half = _half(sel)
    unit = units[0] if len(units) == 1 else None
    flags = outliers.find(sel.src.conn, sel.year, half, unit, include_checked=True)
    flags = [f for f in flags if f.unit in units]
    open_flags = [f for f in flags if not f.checked_by]
    st.subheader("需核实的数字", divider="gray")
    if not flags:
        st.caption("没有明显偏离本单位或各单位同类记录、也没有超过合理上限的数字。")
        return
    st.caption(f"{len(open_flags)} 处待核实，{len(flags) - len(open_flags)} 处已核实。只作提示，不影响导入；"
               "核实无误后可标为已核实。")
    table = pd.DataFrame([{"单位": f.unit, "日期": f.date, "台账": f.ledger, "事项": f.title, "列": f.column,
                           "数值": outliers._num(f.value), "为何需核实": f.why, "本单位/各单位常见范围": f.usual,
                           "核实": f"已核实（{f.checked_by}，{f.checked_at}）" if f.checked_by else "待核实"}
                          for f in flags])
    _table(sel, table)
    if sel.report or not shell.may("verify_figure") or not open_flags:
        return
    labels = {f"{f.unit} {f.date} {f.title} · {f.column} {outliers._num(f.value)}": f for f in open_flags}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    pick = left.selectbox("标为已核实", list(labels), key="verify_pick")
    if right.button("已核实", icon=":material/fact_check:", key="verify_go"):
        f = labels[pick]
        try:
            outliers.verify(sel.src.conn, shell.current_actor(), f.ref, f.field, client=shell.client())
        except IndicatorsError as err:
            st.error(inert(str(err)), icon=":material/block:")
            return
        st.session_state["cycle_done"] = f"已将{f.unit} {f.date}「{md(f.title)}」的{f.column}标为已核实。"
        st.rerun()


def batch_flags(sel: shell.Selection, batch_id: int) -> None:
    """导入记录: the figures of one batch's rows that need a look (已核实 ones said so)."""
    flags = outliers.of_batch(sel.src.conn, batch_id)
    if not flags:
        return
    st.warning(f"该批次有 {len(flags)} 个数字需核实（只作提示）：", icon=":material/flag:")
    st.text("\n".join(f"{f.unit} {f.date}「{f.title}」：{f.why}" + (f"（已核实：{f.checked_by}）" if f.checked_by else "")
                      for f in flags))


def upload_hints(conn, records: dict) -> None:
    """The upload preview's 提示: figures that stand out against the stored ones (never a refusal)."""
    flags = outliers.preview(conn, records)
    if not flags:
        return
    st.info(f"提示：有 {len(flags)} 个数字明显偏大，请确认无误（不影响导入，审核时会请核实）：", icon=":material/flag:")
    st.text("\n".join(f"{f.where or f.date}：{f.why}；常见范围 {f.usual}" for f in flags))


# ---------------------------------------------------------------- 报送情况: the unit's rows and evidence under review

def material_panel(sel: shell.Selection, unit: str, year: int, half: int) -> None:
    """Before 审核通过 or 退回: the unit's ledger rows of the period (by ledger, each with its 来源批次, paged)
    and its evidence files (name, type, size, what it backs, download). Read-only; every cell is what a
    clerk wrote, so it is shown in table cells and st.text only."""
    conn = sel.src.conn
    prefix = f"review_page_{unit}_{year}_{half}_"
    pages = {k: st.session_state.get(prefix + k, 1) for k in LEDGERS}
    try:
        got = reporting.review_material(conn, shell.current_actor(), unit, year, half, pages)
    except IndicatorsError as err:
        st.error(inert(str(err)), icon=":material/block:")
        return
    label = cycle.period_label(year, half)
    st.caption(f"{unit}{label}：台账 {got.rows} 行，佐证材料 {len(got.evidence)} 个（只读，供审核时核对）。")
    empty = [x.ledger for x in got.ledgers if not x.total]
    for x in got.ledgers:
        if not x.total:
            continue
        with st.expander(f"{x.ledger}：{x.total} 行"):
            if x.pages > 1:
                st.columns([1, 3])[0].selectbox(f"第几页（每页 {reporting.REVIEW_PAGE_ROWS} 行，共 {x.pages} 页）",
                                                range(1, x.pages + 1), key=prefix + x.kind, format_func=lambda p: f"第 {p} 页")
            _rows(sel, x.table, {"来源批次": st.column_config.TextColumn(width="medium")})
    if empty:
        st.caption(f"本期没有数据的台账：{'、'.join(empty)}")
    if not got.evidence:
        st.caption("本期还没有佐证材料。")
        return
    with st.expander(f"佐证材料：{len(got.evidence)} 个"):
        _rows(sel, pd.DataFrame([{"文件名": e["file_name"], "类型": e["type_name"], "大小": e["size_text"], "对应": e["target"],
                                  "上传人": e["name"], "上传时间": e["added"].replace("T", " ")[:16]} for e in got.evidence]))
        files = {e["id"]: e for e in got.evidence}
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        pick = left.selectbox("下载佐证材料", list(files), key=f"review_file_{unit}_{year}_{half}",
                              format_func=lambda i: f"{files[i]['file_name']}（{files[i]['size_text']}）")
        name, content, mime = evidence.download(conn, files[pick])
        right.download_button("下载", content, file_name=name, mime=mime, icon=":material/download:",
                              key=f"review_get_{unit}_{year}_{half}")


def _rows(sel: shell.Selection, table: pd.DataFrame, config: dict | None = None) -> None:
    """A table inside the review's folds: on a phone plain lines (a table would scroll sideways, and a fold
    holds no fold), else a table; the cells are the clerk's text either way, never markdown."""
    if sel.narrow:
        st.text("\n".join("；".join(f"{k}：{v}" for k, v in r.items() if v != "") for r in table.to_dict("records")))
        return
    st.dataframe(table, hide_index=True, placeholder="", width="stretch", height=min(38 + 35 * len(table), 420),
                 column_config=config)
