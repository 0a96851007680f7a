"""操作日志: who did what and when, filtered by user, unit, kind and dates, exported to .xlsx. Nothing here
deletes an entry (the table refuses it)."""
import datetime as dt

import streamlit as st

from indicators import auditlog
from indicators.config import default_catalog
from ui import shell

ALL = "全部"


def render(sel: shell.Selection) -> None:
    st.title("操作日志")
    st.caption("登录、导入（含被拒绝的）、撤销、目标修改、账号变更等每一次操作都记录在此，只能查看和导出，不能修改或删除。")
    conn, actor = sel.src.conn, shell.current_actor()
    c = st.columns([2, 2, 3, 3])
    user = c[0].selectbox("用户", [ALL, *auditlog.logins(conn)])
    unit = c[1].selectbox("单位", [ALL, *default_catalog().unit_names])
    kinds = c[2].multiselect("类别", auditlog.KINDS, placeholder="全部类别")
    today = dt.date.today()
    dates = c[3].date_input("日期", value=(today - dt.timedelta(days=30), today), format="YYYY-MM-DD",
                            help="起止日期（含）；默认最近 30 天")
    since, until = (dates if isinstance(dates, tuple) and len(dates) == 2 else (dates[0] if dates else None, None))
    login = None if user == ALL else ("" if user == auditlog.OPERATOR.name else user)
    table = auditlog.frame(conn, actor, login=login, unit=None if unit == ALL else unit, kinds=kinds or None,
                           since=since, until=until)
    st.markdown(f"共 **{len(table)}** 条记录（最新的在前）。")
    st.dataframe(table, hide_index=True, placeholder="", width="stretch", height=min(38 + 35 * max(len(table), 1), 560),
                 column_config={"详情": st.column_config.TextColumn(width="large")})
    st.download_button("导出为 Excel（.xlsx）", auditlog.to_xlsx(table), icon=":material/download:",
                       file_name=f"操作日志_{today:%Y%m%d}.xlsx", disabled=table.empty,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


shell.page(render, "操作日志")
