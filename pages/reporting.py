"""报送情况: who has reported which ledger in the period, and the reminder for those who have not."""
import datetime as dt

import streamlit as st

from indicators import charts, reporting
from indicators.config import default_catalog
from indicators.ledgers import LEDGERS
from ui import data, shell


def render(sel: shell.Selection) -> None:
    shell.page_header("报送情况", sel)
    board = data.reporting_board(sel.src, sel.period)
    catalog = default_catalog()
    own = shell.current_actor().unit  # a clerk sees their own unit's reporting only
    units = [own] if own else [sel.unit] if sel.unit else catalog.unit_names
    ledgers = [l.name for l in LEDGERS.values()]
    scope = own or sel.unit or "全市各单位"
    shown = board[board.unit.isin(units)]
    missing = reporting.missing_by_unit(shown)

    if not sel.report:
        m = st.columns(3)
        m[0].metric("应报单位", f"{len(units)} 个")
        m[1].metric("全部台账已报送", f"{len(units) - len(missing)} 个")
        m[2].metric("有台账未报送", f"{len(missing)} 个", help="期间内某种台账一行都没有，记为未报送")

    shell.chart(charts.reporting_grid(shown, sel.context(scope), units, ledgers), sel)
    shell.table(sel, shown.assign(last_upload=shown.last_upload.fillna("从未上传"),
                                  missing=shown.missing.map({True: "未报送", False: "已报送"}))
                .drop(columns=["kind", "level"])
                .rename(columns={"unit": "单位", "ledger": "台账", "last_upload": "最近上传", "rows": "期间内行数",
                                 "missing": "报送情况"}), height=min(38 + 35 * len(shown), 420))

    if sel.report or own:
        return
    st.subheader("催报通知", divider="gray")
    if not missing:
        st.success(f"{sel.period.label}各单位台账均已报送。", icon=":material/check_circle:")
        return
    default = max(dt.date.today(), sel.period.end) + dt.timedelta(days=7)
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    deadline = left.date_input("报送截止日期", value=default, format="YYYY-MM-DD")
    if right.button("生成催报通知", icon=":material/campaign:", type="primary"):
        st.session_state["reminder"] = reporting.reminder_text(shown, sel.period, deadline)
    if st.session_state.get("reminder"):
        st.caption("可直接复制（右上角按钮）粘贴到工作群：")
        st.code(st.session_state["reminder"], language=None, wrap_lines=True)
        st.download_button("下载通知文本", st.session_state["reminder"].encode("utf-8"),
                           file_name=f"催报通知_{sel.period.label}.txt", icon=":material/download:")


shell.page(render, "报送情况")
