"""What every page shares: starting the app (database, demo data, navigation, sidebar), the one
place where failures become a Chinese message, the demo notice, the page heading, 汇报模式, empty
states and the way a chart is drawn (download settings, size)."""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import plotly.graph_objects as go
import streamlit as st

from indicators import charts, progress, store
from indicators.config import ConfigError, default_catalog
from indicators.problems import IndicatorsError
from ui import data, navigation

log = logging.getLogger("indicators.app")
CITY_WIDE = progress.CITY_WIDE
HALF, FULL, AS_OF = "上半年", "全年", "截至日期"
PERIOD_MODES = (HALF, FULL, AS_OF)
_SELECTION = "_selection"
_STARTED = "_shell_started"  # set while app.py runs a page it has started
REPORT_KEY = "report_mode"


@dataclass(frozen=True)
class Selection:
    """What the sidebar chose, and the data it applies to."""

    src: data.Source
    period: progress.Period
    unit: str | None  # None: 全市
    report: bool  # 汇报模式
    demo: bool  # demo data is shown
    has_data: bool

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def unit_label(self) -> str:
        return self.unit or CITY_WIDE

    @property
    def as_of(self) -> dt.date:
        """数据截至: the period's end, or today while the period is still running."""
        return min(self.period.as_of, dt.date.today())

    @property
    def ctx(self) -> charts.Context:
        return charts.Context(self.unit_label, self.period.label, self.as_of, self.demo)

    def context(self, unit: str) -> charts.Context:
        """The chart context of a chart about another scope (e.g. all units) in the same period."""
        return charts.Context(unit, self.period.label, self.as_of, self.demo)


def _default_as_of(year: int) -> dt.date:
    today = dt.date.today()
    return today if today.year == year else dt.date(year, 12, 31)


def sidebar(src: data.Source) -> Selection:
    """Year, period, unit and 汇报模式 in the sidebar; returns (and remembers) the selection."""
    has_data, demo = data.data_state(src)
    today = dt.date.today()
    years = sorted(set(data.data_years(src)) | {today.year}, reverse=True)
    latest = data.data_years(src)[0] if data.data_years(src) else today.year
    if st.session_state.get("year") not in years:
        st.session_state["year"] = latest
    st.session_state.setdefault("period_mode", AS_OF if st.session_state["year"] == today.year else FULL)
    units = [CITY_WIDE, *default_catalog().unit_names]
    with st.sidebar:
        st.markdown("**查看范围**")
        year = st.selectbox("年度", years, key="year", format_func=lambda y: f"{y}年")
        mode = st.radio("期间", PERIOD_MODES, key="period_mode", horizontal=True,
                        help="上半年：截至6月30日；全年：截至12月31日；截至日期：自选日期，默认今天")
        if mode == HALF:
            per = progress.period(year, half=1)
        elif mode == FULL:
            per = progress.period(year, half=2)
        else:
            as_of = st.date_input("截至日期", value=_default_as_of(year), min_value=dt.date(year, 1, 1),
                                  max_value=dt.date(year, 12, 31), key=f"as_of_{year}", format="YYYY-MM-DD")
            per = progress.period(year, as_of=as_of)
        unit = st.selectbox("单位", units, key="unit", help="全市：各单位合计；也可只看一个单位")
        st.divider()
        st.toggle("汇报模式", key=REPORT_KEY, help="隐藏筛选栏，图表放大并以单位和期间为标题，整屏截图即可作为幻灯片")
    sel = Selection(src, per, None if unit == CITY_WIDE else unit, bool(st.session_state.get(REPORT_KEY)), demo,
                    has_data)
    st.session_state[_SELECTION] = sel
    return sel


def start():
    """Everything a run needs before a page draws: page settings, the database (a brand-new one gets
    the demo data), the navigation, the sidebar and the demo notice. Returns the page to run."""
    st.set_page_config(page_title="法治建设指标看板", page_icon=":material/balance:", layout="wide",
                       initial_sidebar_state="expanded")
    with edge("启动"):
        src = data.source()
        if data.load_demo_if_new(src):
            src = data.source()
        page = navigation.build()
        demo_notice(sidebar(src))
        return page
    st.stop()  # the database could not be opened: edge() has said why


def run_app() -> None:
    """app.py: start, then run the chosen page."""
    page = start()
    st.session_state[_STARTED] = True
    try:
        page.run()
    finally:
        st.session_state.pop(_STARTED, None)


def page(render: Callable[[Selection], None], title: str) -> None:
    """Run one page's `render(selection)` inside the error edge.

    Normally app.py has started the run. Streamlit also runs a file of pages/ directly (skipping
    app.py) on the first request after a start when that request opens a page's URL, and on every
    AppTest rerun; the page then starts the app itself, so it looks and behaves the same.
    """
    if not st.session_state.get(_STARTED):
        start()
    with edge(title):
        render(current())


def current() -> Selection:
    """The selection the sidebar made in this run."""
    return st.session_state[_SELECTION]


@contextmanager
def edge(where: str):
    """The one place failures end: a Chinese message for the user, the traceback in the server log."""
    try:
        yield
    except (IndicatorsError, ConfigError) as e:
        st.error(str(e))
    except (store.Error, OSError):
        log.exception("database unavailable (%s)", where)
        st.error(f"无法读取数据库（{store.db_label()}）。请检查数据目录是否存在且可写（或环境变量 INDICATORS_DB "
                 "所指的路径或数据库服务器），然后刷新页面；如仍出错，请联系系统管理员（详情已记入服务器日志）。")
    except Exception:  # a bug: the user gets Chinese, the log gets the traceback
        log.exception("%s failed", where)
        st.error("页面出错了，请刷新重试；如仍出错，请联系系统管理员（详情已记入服务器日志）。")


def demo_notice(sel: Selection) -> None:
    """Every page says when demo data is shown (in 汇报模式 the heading says it)."""
    if sel.demo and not sel.report:
        st.info("当前显示的是**示例数据**（虚构，仅供演示）。各单位上传真实台账后，请在导入记录中撤销示例数据批次。",
                icon=":material/info:")


_REPORT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container { padding-top: 1.2rem !important; max-width: 100% !important;
  padding-left: 2.5rem !important; padding-right: 2.5rem !important; }
</style>
"""


def _leave_report_mode() -> None:
    st.session_state[REPORT_KEY] = False


def page_header(title: str, sel: Selection) -> None:
    """The page heading; in 汇报模式 the unit and period are the heading and the controls are hidden."""
    if sel.report:
        st.html(_REPORT_CSS)
        left, right = st.columns([6, 1], vertical_alignment="center")
        left.markdown(f"# {sel.unit_label} · {sel.period.label} · {title}")
        right.button("退出汇报模式", icon=":material/close_fullscreen:", on_click=_leave_report_mode)
        note = f"数据截至 {charts.chinese_date(sel.as_of)}" + ("　示例数据（虚构，仅供演示）" if sel.demo else "")
        st.caption(note)
    else:
        st.title(title)
        st.caption(f"{sel.unit_label} · {sel.period.label} · 数据截至 {charts.chinese_date(sel.as_of)}")


def columns(sel: Selection, spec, keep: bool = False) -> list:
    """st.columns normally; in 汇报模式 every chart gets the full width, one under another, unless
    `keep` (small charts that make one slide together)."""
    if sel.report and not keep:
        n = spec if isinstance(spec, int) else len(spec)
        return [st.container() for _ in range(n)]
    return st.columns(spec, gap="medium")


REPORT_HEIGHT = 700  # a chart that fills a 1600 x 900 window under the heading


def chart(fig: go.Figure, sel: Selection, where=None, height: int | None = None) -> None:
    """Draw a chart with the app's download settings; in 汇报模式 larger (about one screen each)."""
    if sel.report:
        fig.update_layout(height=height or max(int((fig.layout.height or 450) * 1.2), REPORT_HEIGHT), font_size=15,
                          title_font_size=20, title_pad_t=22, margin_t=(fig.layout.margin.t or 100) + 16)
    (where or st).plotly_chart(fig, theme=None, config=charts.download_config(fig))


def table(sel: Selection, frame, where=None, **kwargs) -> None:
    """A supporting table, left out in 汇报模式 (which shows charts only)."""
    if not sel.report:
        (where or st).dataframe(frame, hide_index=True, width="stretch", **kwargs)


def _load_demo() -> None:
    data.load_demo()
    for key in ("year", "period_mode"):  # show the demo's latest year, as on a first start
        st.session_state.pop(key, None)


def empty_state(sel: Selection, what: str) -> None:
    """Say that there is nothing to show and what to do about it."""
    st.info(f"{sel.unit_label}在{sel.period.label}还没有{what}。", icon=":material/inbox:")
    upload = navigation.find("数据填报")
    if upload:
        st.page_link(upload, label="去「数据填报」上传台账", icon=":material/upload_file:")
    else:
        st.markdown("请按模板填写台账后导入：在命令行运行 `python -m indicators template all -o 台账模板.xlsx` "
                    "取得模板，填好后运行 `python -m indicators import 台账.xlsx`。")
    if not sel.has_data:
        st.button("载入示例数据", icon=":material/auto_awesome:", on_click=_load_demo,
                  help="载入虚构的 2024、2025 年示例台账，先看看看板的样子；之后可在导入记录中撤销")
