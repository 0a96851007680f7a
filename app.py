"""法治建设指标看板: `streamlit run app.py`.

Opens the database (INDICATORS_DB or data/indicators.db), fills a brand-new one with the demo data,
draws the shared sidebar and runs the chosen page. Failures end here as one Chinese message.
"""
import logging
import sqlite3

import streamlit as st

from indicators.config import ConfigError
from indicators.problems import IndicatorsError
from ui import data, navigation, shell

st.set_page_config(page_title="法治建设指标看板", page_icon=":material/balance:", layout="wide",
                   initial_sidebar_state="expanded")
log = logging.getLogger("indicators.app")

try:
    src = data.source()
    data.load_demo_if_new(src)
    src = data.source()
except (sqlite3.Error, OSError) as e:
    log.exception("database unavailable")
    st.error(f"无法打开数据库：{e}。请检查数据目录是否存在且可写（或环境变量 INDICATORS_DB 所指路径），然后刷新页面。")
    st.stop()
except (IndicatorsError, ConfigError) as e:
    st.error(str(e))
    st.stop()

page = navigation.build()
sel = shell.sidebar(src)
shell.demo_notice(sel)
try:
    page.run()
except (IndicatorsError, ConfigError) as e:
    st.error(str(e))
except sqlite3.Error:
    log.exception("database error on page %s", page.title)
    st.error("读取数据库时出错，请稍后刷新页面；如仍出错，请联系系统管理员（详情已记入服务器日志）。")
except Exception:  # the one edge handler: the user gets Chinese, the log gets the traceback
    log.exception("page %s failed", page.title)
    st.error("页面出错了，请刷新重试；如仍出错，请联系系统管理员（详情已记入服务器日志）。")
