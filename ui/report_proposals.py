"""指标与目标 → 从年度报告提取指标: upload a report, review the proposals beside the catalogue, edit, adopt.

Kept apart from ui/pages/targets.py (one hook there). Reading and comparing store nothing; only the
adopt button writes, through indicators.proposals.adopt (which checks the role again).
"""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from indicators import proposals, reportfile
from indicators.commitments import GROUP_CODES
from indicators.problems import IndicatorsError
from ui import shell

_STATE = "report_proposals"
_YEAR = "report_proposals_year"
_DONE = "report_proposals_done"
_RHYTHM_OF = {v: k for k, v in proposals.RHYTHM_LABELS.items()}
# Streamlit's own English on the uploader ("Upload", "200MB per file • DOCX…"): the label says the limit instead.
_UPLOADER_CSS = """<style>
[data-testid='stFileUploaderDropzoneInstructions'] {display: none;}
[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] {display: none;}
[data-testid='stFileUploaderDropzone'] button > div::after {content: '选择报告文件'; margin-left: 0.4rem;}
</style>"""
EDIT_COLUMNS = ["adopt", "status", "matches", "name", "measure", "target", "at_least", "rhythm", "group", "differs",
                "sentence", "section"]


def render(sel: shell.Selection) -> None:
    """The section under the target table."""
    st.divider()
    st.subheader("从年度报告提取指标")
    st.caption("上传年度法治政府建设工作报告（Word 文档 DOCX、纯文本 TXT/MD 或带文字层的 PDF），系统按其中的数量（2 期、10 余次、不少于 3 次）、"
               "频次（每季度、每半年一次）和比率（100%、全覆盖）提出指标，逐条注明报告原文，并与当前指标目录比对。"
               "采纳之前不会改动任何目标。")
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done, icon=":material/task_alt:")
    st.html(_UPLOADER_CSS)
    upload = st.file_uploader(f"年度报告：DOCX、TXT/MD（UTF-8 或 GBK）或带文字层的 PDF，不超过 {reportfile.MAX_REPORT_MB} MB",
                              type=["docx", "txt", "md", "pdf"], key="report_upload",
                              help="报告中“一、”“（一）”“1.”等标题和“存在的问题”“工作计划”部分会被识别；存在的问题不生成指标")
    if upload is None:
        st.session_state.pop(_STATE, None)
        _adopted(sel)
        return
    data = upload.getvalue()
    year = _year_choice(sel, upload.name, data)
    read = _read(sel, upload.name, data, year)
    if read is None:
        return
    _review(sel, *read, year)
    _adopted(sel, year)


def _year_choice(sel: shell.Selection, name: str, data: bytes) -> int:
    """The year to compare with and adopt for: the one the report's plan is for (a 2025 report plans 2026) unless
    the administrator picks the sidebar's year or the one after it."""
    key = hashlib.sha256(data).hexdigest()[:16] + name
    kept = st.session_state.get(_YEAR)
    if not (kept and kept[0] == key):
        try:
            planned = proposals.report_year(reportfile.read_report(data, name))
        except reportfile.ReportUnreadable:  # said once, by _read
            planned = sel.year
        st.session_state[_YEAR] = kept = (key, planned)
    options = sorted({kept[1], sel.year, sel.year + 1})
    return st.columns([1, 3])[0].selectbox("采纳用于", options, index=options.index(kept[1]), format_func=lambda y: f"{y}年",
                        key=f"report_year_{key}",
                        help="与该年度的目标比对，采纳时写入该年度的目标。年度报告的工作计划通常用于下一年，"
                             "默认按报告标题判断；与侧栏所选年度无关")


def _read(sel: shell.Selection, name: str, data: bytes, year: int) -> tuple[proposals.Proposed, str] | None:
    """The report's proposals compared with `year`'s targets in force now (read again after an adoption), and a
    key that changes with either."""
    effective = proposals.effective_targets(sel.src.conn, year)
    digest = hashlib.sha256(repr((hashlib.sha256(data).hexdigest(), name, year, sorted(effective.items())))
                            .encode()).hexdigest()[:16]
    kept = st.session_state.get(_STATE)
    if kept and kept[0] == digest:
        return kept[1], digest
    try:
        proposed = proposals.propose(data, name, year=year, effective=effective)
    except proposals.NoCommitments as e:
        st.warning("报告中没有找到可以作为指标的数量、频次或比率，没有提出任何指标。", icon=":material/info:")
        st.text(e.message)
        _qualitative(e.proposed)
        return None
    except IndicatorsError as e:
        st.error("无法读取这份报告，没有提出任何指标。", icon=":material/error:")
        st.text(e.message)  # names the user's file: plain text, never markdown
        return None
    st.session_state[_STATE] = (digest, proposed)
    return proposed, digest


def proposal_frame(proposed: proposals.Proposed) -> pd.DataFrame:
    """The proposals as the editor shows them: rhythm in Chinese, what differs in one line, all ticked."""
    rows = []
    for p in proposed.proposals:
        differs = "；".join(f"{proposals.FIELD_LABELS[f]}：目录 {proposals.value_text(f, a)} → 报告 {proposals.value_text(f, b)}"
                           for f, (a, b) in p.differs.items())
        rows.append({"adopt": True, "status": p.status, "matches": p.matches or "", "name": p.name, "measure": p.measure,
                     "target": p.target, "at_least": p.at_least, "rhythm": proposals.RHYTHM_LABELS.get(p.rhythm, p.rhythm),
                     "group": p.group, "differs": differs, "sentence": p.sentence,
                     "section": f"{p.section or '正文'} · 第 {p.paragraph} 段"})
    return pd.DataFrame(rows, columns=EDIT_COLUMNS)


def _review(sel: shell.Selection, proposed: proposals.Proposed, digest: str, year: int) -> None:
    counts = pd.Series([p.status for p in proposed.proposals]).value_counts()
    st.markdown(f"共 {len(proposed.proposals)} 条指标提议：" + "，".join(
        f"{s} {int(counts.get(s, 0))} 条" for s in (proposals.NEW, proposals.CHANGED, proposals.UNCHANGED))
        + f"；{len(proposed.qualitative)} 条定性表述；指标目录中 {len(proposed.missing)} 项本报告未给出数量。")
    editable = shell.may("edit_targets")
    edited = st.data_editor(
        proposal_frame(proposed), hide_index=True, placeholder="", width="stretch", key=f"proposals_{digest}_{year}",
        disabled=["status", "matches", "differs", "sentence", "section"] if editable else True,
        column_config={
            "adopt": st.column_config.CheckboxColumn("采纳", width="small"),
            "status": st.column_config.TextColumn("比对", width="small"),
            "matches": st.column_config.TextColumn("对应指标", width="small", help="指标目录中对应的指标编码；空白为新增指标"),
            "name": st.column_config.TextColumn("指标名称", width="medium"),
            "measure": st.column_config.SelectboxColumn("计量", options=list(proposals.MEASURES), width="small"),
            "target": st.column_config.NumberColumn("目标", min_value=0, format="%g", help="每个单位全年目标；比率为百分数"),
            "at_least": st.column_config.CheckboxColumn("不少于", width="small", help="报告写的是“余”“以上”“不少于”"),
            "rhythm": st.column_config.SelectboxColumn("节奏", options=list(proposals.RHYTHM_LABELS.values())),
            "group": st.column_config.SelectboxColumn("分组", options=list(GROUP_CODES), width="small"),
            "differs": st.column_config.TextColumn("与目录不同", width="medium"),
            "sentence": st.column_config.TextColumn("报告原文", width="large"),
            "section": st.column_config.TextColumn("位置", width="medium"),
        })
    _qualitative(proposed)
    if proposed.missing:
        st.caption("指标目录中本报告未给出数量的指标（采纳时保持原目标不变）：")
        st.dataframe(pd.DataFrame(proposed.missing)[["code", "name", "status"]].rename(
            columns={"code": "编码", "name": "指标", "status": "本报告中"}), hide_index=True, placeholder="", width="stretch")
    if not editable:
        st.info("只有管理员（市国动办法规科）可以采纳提议；这里供查看。", icon=":material/visibility:")
        return
    chosen = edited[edited["adopt"]]
    if st.button(f"采纳选中的 {len(chosen)} 条，用于{year}年", type="primary", icon=":material/playlist_add_check:",
                 disabled=chosen.empty):
        rows = [dict(r, rhythm=_RHYTHM_OF.get(r["rhythm"], r["rhythm"]), matches=r["matches"] or None,
                     target=None if pd.isna(r["target"]) else float(r["target"]))
                for r in chosen.to_dict("records")]
        problems = proposals.adopt(sel.src.conn, year, rows, report=proposed.report,
                                   actor=shell.current_actor(), client=shell.client())
        if problems:
            st.error("未采纳，请修改后再试：", icon=":material/error:")
            st.dataframe(pd.DataFrame({"问题": problems}), hide_index=True, placeholder="", width="stretch")
            return
        st.session_state[_DONE] = (f"已采纳 {len(rows)} 条提议用于{year}年：对应指标的目标已按报告更新，"
                                   "报告原文已记为指标来源，已记入操作日志。")
        st.rerun()


def _qualitative(proposed: proposals.Proposed) -> None:
    if proposed.qualitative:
        st.caption("定性表述（没有数量，不生成指标，可供参考）：")
        st.dataframe(pd.DataFrame([{"表述": q.name, "报告原文": q.sentence, "位置": q.section or "正文"}
                                   for q in proposed.qualitative]), hide_index=True, placeholder="", width="stretch")


def _adopted(sel: shell.Selection, year: int | None = None) -> None:
    year = year or sel.year
    new = [a for a in proposals.adopted(sel.src.conn, year) if a["is_new"]]
    if new:
        st.caption(f"{year}年从报告采纳的新增指标（尚未对应台账统计口径，暂不计入看板和评分）：")
        st.dataframe(pd.DataFrame([{"编码": a["code"], "指标": a["name"], "分组": a["group"], "计量": a["measure"],
                                    "目标": a["target"], "节奏": proposals.RHYTHM_LABELS.get(a["rhythm"], a["rhythm"]),
                                    "报告原文": a["source"]} for a in new]), hide_index=True, placeholder="", width="stretch")
