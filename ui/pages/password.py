"""修改密码: everyone changes their own password (the old one, then the new one twice)."""
import streamlit as st

from indicators import accounts
from indicators.problems import IndicatorsError
from ui import auth, shell
from ui.safe import inert, md


def render(sel: shell.Selection) -> None:
    st.title("修改密码")
    actor = shell.current_actor()
    st.caption(f"当前用户：{md(actor.label)}。新密码至少 {accounts.MIN_PASSWORD_LENGTH} 位，不能与登录名相同；"
               "修改后，在其他电脑或浏览器上的登录将结束。")
    done = st.session_state.pop("password_done", None)
    if done:
        st.success(done, icon=":material/task_alt:")
    with st.form("password", clear_on_submit=True):
        old = st.text_input("原密码", type="password", key=auth.SECRET_PREFIX + "old")
        new = st.text_input("新密码", type="password", key=auth.SECRET_PREFIX + "new")
        again = st.text_input("再次输入新密码", type="password", key=auth.SECRET_PREFIX + "again")
        submitted = st.form_submit_button("修改密码", type="primary", icon=":material/password:")
    if not submitted:
        return
    if new != again:
        st.error("两次输入的新密码不一致，密码未修改。", icon=":material/error:")
        return
    try:
        accounts.change_password(sel.src.conn, actor, old, new, token=auth.token(), client=shell.client())
    except IndicatorsError as e:
        st.error(inert(str(e)), icon=":material/error:")
        return
    st.session_state["password_done"] = "密码已修改。"
    auth.forget_secrets()
    st.rerun()


shell.page(render, "修改密码")
