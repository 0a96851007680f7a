"""账号管理: every account, and an administrator's changes to them (create, disable, enable, reset the
password, change role and unit, many at once from an .xlsx), and the one setting of who sees what."""
import pandas as pd
import streamlit as st

from indicators import accounts, roles
from indicators.config import default_catalog
from indicators.problems import IndicatorsError
from ui import auth, shell
from ui.safe import inert, md

COLUMNS = {"login": "登录名", "name": "显示名", "role": "角色", "unit": "单位", "active": "状态", "created": "创建时间",
           "last_login": "最近登录", "password_changed": "密码修改时间"}


def _table(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).rename(columns=COLUMNS)
    frame["状态"] = frame["状态"].map({1: "启用", 0: "停用"})
    for col in ("创建时间", "最近登录", "密码修改时间"):
        frame[col] = frame[col].fillna("").str.replace("T", " ").str[:16]
    frame["单位"] = frame["单位"].fillna("")
    return frame


def _done(message: str) -> None:
    st.session_state["accounts_done"] = message
    auth.forget_secrets()
    st.rerun()


def _create(conn, actor, client) -> None:
    units = default_catalog().unit_names
    with st.form("create_account", clear_on_submit=True):
        c = st.columns(4)
        login = c[0].text_input("登录名")
        name = c[1].text_input("显示名", help="不填时：填报员为“单位填报员”，其他为登录名")
        role = c[2].selectbox("角色", roles.ROLES, index=2, help="\n\n".join(f"{r}：{h}" for r, h in roles.ROLE_HELP.items()))
        unit = c[3].selectbox("单位（填报员必填）", ["", *units], format_func=lambda u: u or "（领导、管理员不填）")
        c = st.columns(2)
        password = c[0].text_input("初始密码", type="password", key=auth.SECRET_PREFIX + "create", help=f"至少 {accounts.MIN_PASSWORD_LENGTH} 位，不能与登录名相同")
        again = c[1].text_input("再次输入初始密码", type="password", key=auth.SECRET_PREFIX + "create_again")
        if st.form_submit_button("创建账号", type="primary", icon=":material/person_add:"):
            if password != again:
                st.error("两次输入的密码不一致，未创建账号。")
                return
            try:
                made = accounts.create(conn, actor, login, password, role, unit or None, name or None, client=client)
            except IndicatorsError as e:
                st.error(inert(str(e)))
                return
            _done(f"已创建账号 {md(made.login)}：{md(made.label)}。请把初始密码当面或电话告知本人，并提醒登录后修改。")


def _change(conn, actor, client, rows: list[dict]) -> None:
    labels = {f"{r['login']} · {r['name']} · {r['role']}{'·' + r['unit'] if r['unit'] else ''}"
              f"{'' if r['active'] else '（已停用）'}": r for r in rows}
    row = labels[st.selectbox("选择账号", list(labels))]
    login = row["login"]
    left, mid, right = st.columns(3)
    with left.container(border=True):
        st.markdown("**启用 / 停用**")
        if row["active"]:
            st.caption("停用后立即退出登录，不能再登录；历史记录保留。")
            if st.button("停用此账号", key=f"disable_{login}", icon=":material/person_off:"):
                _run(lambda: accounts.disable(conn, actor, login, client=client), f"已停用账号 {login}。")
        elif st.button("启用此账号", key=f"enable_{login}", icon=":material/person_check:"):
            _run(lambda: accounts.enable(conn, actor, login, client=client), f"已启用账号 {login}。")
    with mid.container(border=True):
        st.markdown("**重置密码**")
        with st.form(f"reset_{login}", clear_on_submit=True, border=False):
            password = st.text_input("新密码", type="password", key=f"{auth.SECRET_PREFIX}reset_{login}")
            if st.form_submit_button("重置密码", icon=":material/lock_reset:"):
                _run(lambda: accounts.reset_password(conn, actor, login, password, client=client),
                     f"已重置账号 {login} 的密码，并解除锁定；其现有登录已结束。")
    with right.container(border=True):
        st.markdown("**角色与单位**")
        units = default_catalog().unit_names
        role = st.selectbox("角色", roles.ROLES, index=roles.ROLES.index(row["role"]), key=f"role_{login}")
        unit = st.selectbox("单位（填报员）", ["", *units], key=f"unit_{login}", format_func=lambda u: u or "（不属于单位）",
                            index=(units.index(row["unit"]) + 1) if row["unit"] in units else 0)
        if st.button("保存角色", key=f"save_role_{login}", icon=":material/save:"):
            _run(lambda: accounts.set_role(conn, actor, login, role, unit or None, client=client),
                 f"已将账号 {login} 改为{role}{'（' + unit + '）' if unit and role == roles.CLERK else ''}。")


def _run(call, message: str) -> None:
    try:
        call()
    except IndicatorsError as e:
        st.error(inert(str(e)))
        return
    _done(message)


def _many(conn, actor, client) -> None:
    st.caption("第一个工作表写明表头“登录名、显示名、角色、单位、初始密码”，每行一个账号（角色写 管理员、领导 或 填报员，"
               "填报员写本单位）。全部无误才创建；有问题时逐行说明，一个也不创建。清单含有初始密码，用完请删除该文件。")
    f = st.file_uploader("账号清单（.xlsx）", type=["xlsx"], key=f"accounts_xlsx_{st.session_state.get('accounts_round', 0)}")
    if f is not None and st.button("按清单创建账号", type="primary", icon=":material/group_add:"):
        try:
            made = accounts.create_many(conn, actor, accounts.read_accounts_xlsx(f.getvalue()), client=client)
        except IndicatorsError as e:
            st.error(inert(str(e)))
            return
        st.session_state["accounts_round"] = st.session_state.get("accounts_round", 0) + 1
        _done(f"已创建 {len(made)} 个账号：{md('、'.join(a.login for a in made))}。")


def _settings(conn, actor, client) -> None:
    current = accounts.clerks_see_all_units(conn)
    value = st.toggle("填报员可以查看其他单位的数字", value=current, help=accounts.CLERKS_SEE_ALL_UNITS.help)
    if value != current:
        _run(lambda: accounts.set_clerks_see_all_units(conn, actor, value, client=client),
             "已保存：填报员" + ("可以" if value else "不能") + "查看其他单位的数字。")
    hours = accounts.idle_limit().total_seconds() / 3600
    st.caption(f"{accounts.IDLE_HOURS.help}：现为 {hours:g} 小时，由服务器环境变量 {accounts.IDLE_HOURS.env} 设置。"
               f"连续 {accounts.LOCK_AFTER_FAILURES} 次输错密码，该登录名暂停登录 {accounts.LOCK_MINUTES} 分钟。")


def render(sel: shell.Selection) -> None:
    st.title("账号管理")
    st.caption("管理员：账号、指标与目标和各单位数据；领导：查看全部看板和汇报材料，不能修改；填报员：只能导入、撤销本单位的台账。")
    done = st.session_state.pop("accounts_done", None)
    if done:
        st.success(done, icon=":material/task_alt:")
    conn, actor, client = sel.src.conn, shell.current_actor(), shell.client()
    rows = accounts.list_accounts(conn)
    st.dataframe(_table(rows), hide_index=True, placeholder="", width="stretch", height=min(38 + 35 * len(rows), 460))
    tabs = st.tabs(["新建账号", "修改账号", "按清单批量创建", "设置"])
    with tabs[0]:
        _create(conn, actor, client)
    with tabs[1]:
        _change(conn, actor, client, rows)
    with tabs[2]:
        _many(conn, actor, client)
    with tabs[3]:
        _settings(conn, actor, client)


shell.page(render, "账号管理")
