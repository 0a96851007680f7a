"""创建管理员: while no account exists, the first administrator is created here; login is required from then on."""
import streamlit as st

from indicators import accounts
from indicators.problems import IndicatorsError
from ui import auth, shell
from ui.safe import inert


def render(sel: shell.Selection) -> None:
    st.title("创建管理员")
    st.markdown("目前**尚未启用登录**：只有在服务器本机上打开的页面可以修改数据，其他电脑只能查看。创建第一个管理员账号后，所有人都须用本人账号登录；"
                "各单位填报员和领导的账号由管理员在「账号管理」页面创建。")
    st.caption("创建时须填写**设置码**：它打印在启动本系统的服务器控制台（日志）中，只有服务器的管理者能看到。")
    with st.form("first_admin", clear_on_submit=True):
        code = st.text_input("设置码", key="setup_code", max_chars=accounts.SETUP_CODE_LENGTH + 8,
                             help="启动本系统时服务器控制台（日志）中打印的一次性设置码，证明您是服务器的管理者")
        login = st.text_input("登录名", help="字母、数字或汉字，2 到 40 个字符，如 fgk")
        name = st.text_input("显示名", value="市国动办法规科")
        password = st.text_input("密码", type="password", help=f"至少 {accounts.MIN_PASSWORD_LENGTH} 位，不能与登录名相同")
        again = st.text_input("再次输入密码", type="password")
        submitted = st.form_submit_button("创建管理员并登录", type="primary", icon=":material/person_add:")
    if not submitted:
        return
    if password != again:
        st.error("两次输入的密码不一致，未创建账号。", icon=":material/error:")
        return
    try:
        accounts.create_first_admin(sel.src.conn, login, password, name, code, client=shell.client())
        auth.start_session(accounts.login(sel.src.conn, login, password, client=shell.client()))
    except IndicatorsError as e:
        st.error(inert(str(e)), icon=":material/error:")
        return
    st.rerun()


shell.page(render, "创建管理员")
