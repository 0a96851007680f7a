"""汇报材料: the slide deck, the supervision-platform workbook and the drafted text for the chosen
year, period and unit, each stamped with 数据截至 and the data version."""
import streamlit as st

from indicators import exports
from ui import data, shell


def render(sel: shell.Selection) -> None:
    st.title("汇报材料")
    st.caption(f"{sel.unit_label} · {sel.period.label} · 数据截至 {data.stamp_date(sel)} · 数据版本 {sel.src.version}"
               "（每份材料都印有数据截至日期和数据版本，会上展示的数字可追溯到具体的导入批次）")
    if not sel.has_data:
        shell.empty_state(sel, "任何台账数据")
        return
    if data.unit_scope():  # the deck and the workbook rank every unit: not for a clerk who sees only their own
        st.info("本账号只能查看本单位的数字，而汇报材料含有各单位的排名和明细；如需材料，请向市国动办法规科索取。",
                icon=":material/visibility_off:")
        return

    version = "全市"
    FORMATS = [("pptx", "汇报幻灯片", ":material/slideshow:",
                "16:9 幻灯片：封面、总体情况、学法培训、制度落实、宣传活动、执法队伍、督导评分排名；图表为可编辑的 PowerPoint 原生图表"),
               ("xlsx", "督导平台工作簿", ":material/table_view:",
                "各单位各指标的完成值、目标、应完成、完成率和状态（按状态着色），各单位评分，分工作线的台账明细，已设置打印格式"),
               ("docx", "工作情况报告（文稿）", ":material/description:",
                "按报告体例起草：主送、完成情况、存在的问题及原因（引用各单位的情况说明，未说明处待填写）、工作计划、落款；"
                "公文格式（GB/T 9704：仿宋三号、每行28字、每页22行、单页码居右双页码居左）")]
    cols = st.columns(3)
    for col, (fmt, title, icon, help_text) in zip(cols, FORMATS):
        with col.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(help_text)
            if fmt == "docx" and sel.unit is None:
                # the city's report in two versions: the system's totals, or the office's own work
                # and its supervision of the counties (as the annual report is written)
                picked = st.radio("文稿版本", [exports.VERSION_NAMES[v] for v in exports.VERSIONS], horizontal=True,
                                  help="全市汇总：全市国防动员系统各单位合计；"
                                       "本级报告：市国动办本级工作及对县（市、区）的督导情况",
                                  key="draft_version")
                version = next(v for v in exports.VERSIONS if exports.VERSION_NAMES[v] == picked)
            name = exports.file_name(sel.period, sel.unit, fmt, version)
            key = (data.export_key(sel), version if fmt == "docx" else None)
            if st.button(f"生成{title}", icon=icon, key=f"make_{fmt}"):
                with st.spinner(f"正在生成 {name}……"):
                    st.session_state[f"export_{fmt}"] = (key, name, data.export(sel, fmt, version))
            made = st.session_state.get(f"export_{fmt}")
            if made and made[0] == key:
                st.download_button(f"下载 {made[1]}", made[2], file_name=made[1], mime=exports.MIME_TYPES[fmt],
                                   icon=":material/download:", key=f"download_{fmt}", type="primary")

    st.subheader("文稿预览（可直接复制）", divider="gray")
    st.caption("与下载的 Word 文稿内容相同；原因分析引用各单位在「报送情况」页填写的情况说明，【请结合实际填写】处由起草人补充。")
    st.code(data.draft(sel, version), language=None, wrap_lines=True)


shell.page(render, "汇报材料")
