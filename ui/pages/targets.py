"""指标与目标: the year's targets and platform points, edited beside the report sentence they come from."""
import streamlit as st

from indicators import targets
from indicators.config import default_catalog
from ui import report_proposals, shell


def render(sel: shell.Selection) -> None:
    year = sel.year
    st.title("指标与目标")
    unscored = "、".join(i.name for i in default_catalog().indicators if not i.scored)
    st.caption(f"{year}年度各指标的全年目标（每个单位）和督导平台分值。保存后看板立即按新目标计算；"
               "未修改的年度沿用默认目标（“默认目标”列）。"
               + (f"{unscored}只展示数量，不设目标、不计分。" if unscored else ""))

    done = st.session_state.pop("targets_done", None)
    if done:
        st.success(done, icon=":material/task_alt:")

    table = targets.target_table(sel.src.conn, year)
    editable = shell.may("edit_targets")
    if not editable:
        st.info("只有管理员（市国动办法规科）可以修改目标和分值；这里供查看。", icon=":material/visibility:")
    edited = st.data_editor(
        table, hide_index=True, width="stretch", height=38 + 35 * len(table), key=f"targets_{year}_{sel.src.version}",
        placeholder="不计分",  # E05 and the like: shown, no target, no points (never "None")
        disabled=True if not editable else ["code", "name", "group", "measure", "default_target", "source"],
        column_config={
            "code": st.column_config.TextColumn("编码", width="small"),
            "name": st.column_config.TextColumn("指标", width="medium"),
            "group": st.column_config.TextColumn("分组", width="small"),
            "measure": st.column_config.TextColumn("计量", width="small"),
            "target": st.column_config.NumberColumn("全年目标", min_value=0, step=1, format="%g",
                                                    help="每个单位全年应完成的数量；比率类为百分数"),
            "weight": st.column_config.NumberColumn("分值", min_value=0, step=0.01, format="%.2f",
                                                    help="督导平台满分 100，每组分值合计须等于该组满分（各 25 分）"),
            "default_target": st.column_config.NumberColumn("默认目标", format="%g",
                                                            help="系统默认的全年目标，本页未修改的年度按此计算"),
            "source": st.column_config.TextColumn("报告原文", width="large"),
        })
    groups = edited.groupby("group", sort=False).weight.sum()
    st.caption("各组分值合计：" + "；".join(f"{g} {v:g}" for g, v in groups.items()))

    if not editable:
        return
    actor, client = shell.current_actor(), shell.client()
    left, right = st.columns([1, 3])
    if left.button("保存", type="primary", icon=":material/save:"):
        problems = targets.save(sel.src.conn, year, edited.to_dict("records"), actor=actor, client=client)
        if problems:
            st.error("未保存，请修改：\n\n" + "\n".join(f"- {p}" for p in problems), icon=":material/error:")
        else:
            st.session_state["targets_done"] = f"已保存{year}年度目标和分值，看板已按新目标计算。"
            st.rerun()
    if right.button(f"以{year}年目标创建{year + 1}年目标", icon=":material/content_copy:"):
        targets.copy_year(sel.src.conn, year, year + 1, actor=actor, client=client)
        st.session_state["targets_done"] = f"已按{year}年的目标和分值创建{year + 1}年度目标，可在年度中选择{year + 1}年继续修改。"
        st.rerun()


def render_with_proposals(sel: shell.Selection) -> None:
    render(sel)
    report_proposals.render(sel)


shell.page(render_with_proposals, "指标与目标")
