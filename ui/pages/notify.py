"""通知渠道 (administrators): each unit's and group's group robots and e-mail addresses, the app's public
address for the links in messages, and the SMTP server, set once. Addresses are shown masked and
secrets never shown; indicators.notify authorises and records every change."""
import pandas as pd
import streamlit as st

from indicators import notify
from indicators.channels import CHANNELS, DINGTALK, GROUPS, SECURITIES, SETTINGS
from indicators.config import default_catalog
from indicators.problems import IndicatorsError
from ui import auth, shell
from ui.safe import inert

_DONE = "notify_done"


def _run(change, message: str) -> None:
    try:
        change()
    except IndicatorsError as e:
        st.error(inert(str(e)), icon=":material/block:")
        return
    st.session_state[_DONE] = message
    auth.forget_secrets()
    st.rerun()


def _contacts(conn, actor) -> None:
    st.subheader("各单位和各组的通知渠道", divider="gray")
    rows = notify.contacts(conn)
    if rows:
        st.dataframe(pd.DataFrame([{"对象": r["target"], "渠道": r["channel_name"], "地址（已遮蔽）": r["address"],
                                    "加签": "是" if r["signed"] else "", "设置时间": r["at"].replace("T", " ")[:16]}
                                   for r in rows]), hide_index=True, placeholder="", width="stretch")
    else:
        st.caption("还没有设置任何通知渠道。")
    targets = [*default_catalog().unit_names, *GROUPS]
    with st.form("contact_set", clear_on_submit=True):
        c = st.columns([1, 1, 3])
        target = c[0].selectbox("对象", targets, help="\n\n".join(f"{g}：{h}" for g, h in GROUPS.items()))
        channel = c[1].selectbox("渠道", list(CHANNELS), format_func=lambda k: CHANNELS[k].name)
        address = c[2].text_input("地址", help="\n\n".join(f"{c.name}：{c.help}" for c in CHANNELS.values()),
                                  key=auth.SECRET_PREFIX + "address")  # a webhook URL is a secret: forgotten once saved
        secret = st.text_input("钉钉加签密钥（仅钉钉机器人，可不填）", type="password", key=auth.SECRET_PREFIX + "ding_secret")
        if st.form_submit_button("保存通知渠道", type="primary", icon=":material/save:"):
            _run(lambda: notify.set_contact(conn, actor, target, channel, address, secret if channel == DINGTALK else None,
                                                   client=shell.client()),
                 f"已设置「{target}」的{CHANNELS[channel].name}。")
    if rows:
        labels = {f"{r['target']} · {r['channel_name']} · {r['address']}": r for r in rows}
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = labels[left.selectbox("删除一个通知渠道", list(labels))]
        if right.button("删除", icon=":material/delete:"):
            _run(lambda: notify.remove_contact(conn, actor, chosen["target"], chosen["channel"], client=shell.client()),
                 f"已删除「{chosen['target']}」的{chosen['channel_name']}。")


def _settings(conn, actor) -> None:
    st.subheader("看板地址与发信服务器", divider="gray")
    view = {v["key"]: v for v in notify.settings_view(conn)}
    with st.form("notify_settings"):
        values = {}
        for key, s in SETTINGS.items():
            label = f"{s.label}（{view[key]['source']}）"
            if key == "smtp_security":
                options = list(SECURITIES)
                current = view[key]["value"] if view[key]["value"] in SECURITIES else options[0]
                values[key] = st.selectbox(label, options, index=options.index(current), format_func=SECURITIES.get,
                                           help=s.help)
            elif s.secret:
                values[key] = st.text_input(f"{label}：{view[key]['value']}", type="password", help=s.help + "；留空则不修改",
                                            key=auth.SECRET_PREFIX + key)
            else:
                values[key] = st.text_input(label, value=view[key]["value"], help=f"{s.help}（环境变量 {s.env}）")
        if st.form_submit_button("保存设置", type="primary", icon=":material/save:"):
            _run(lambda: notify.save_settings(conn, actor, values, client=shell.client()), "已保存通知设置。")


def render(sel: shell.Selection) -> None:
    shell.page_header("通知渠道", sel)
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done, icon=":material/task_alt:")
    st.caption("催报通知和汇报材料通过这里设置的群机器人和邮箱发送；地址和密钥只有管理员能修改，任何页面都只显示遮蔽后的地址。"
               "定时发送（每个单位每天至多一次）由服务器上的定时任务执行，见部署说明。")
    conn, actor = sel.src.conn, shell.current_actor()
    _contacts(conn, actor)
    _settings(conn, actor)


shell.page(render, "通知渠道")
