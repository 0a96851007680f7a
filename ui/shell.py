"""What every page shares: starting the app (database, demo data, who is logged in, navigation,
sidebar), the one place where failures become a Chinese message, the demo notice, the page heading,
汇报模式, empty states and the way a chart is drawn (download settings, size)."""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import plotly.graph_objects as go
import streamlit as st

from indicators import accounts, charts, chinese, cycle, progress, roles, store
from indicators.config import ConfigError, default_catalog
from indicators.problems import IndicatorsError
from indicators.roles import Actor
from ui import auth, chrome, data, dates, memo, navigation
from ui.safe import inert, md

log = logging.getLogger("indicators.app")
CITY_WIDE = progress.CITY_WIDE
HALF, FULL, AS_OF = "上半年", "全年", "截至日期"
PERIOD_MODES = (HALF, FULL, AS_OF)
_SELECTION = "_selection"
_LOGIN_ENABLED = "_login_enabled"
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
    narrow: bool = False  # a phone: controls in a popover, charts drawn compact
    review: str = ""  # 已审核 12/16 个单位, in the period's reporting cycle
    hidden: tuple[str, ...] = ()  # units a leader does not see while only approved data is shown

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
        return charts.Context(self.unit_label, self.period.label, self.as_of, self.demo, narrow=self.narrow, review=self.review,
                              final=progress.is_final(self.period), report=self.report)

    def context(self, unit: str) -> charts.Context:
        """The chart context of a chart about another scope (e.g. all units) in the same period."""
        return charts.Context(unit, self.period.label, self.as_of, self.demo, narrow=self.narrow, review=self.review,
                              final=progress.is_final(self.period), report=self.report)


def _default_as_of(year: int) -> dt.date:
    today = dt.date.today()
    return today if today.year == year else dt.date(year, 12, 31)


# Phones say so in their User-Agent ("Mobi", as MDN advises; iPhone and Android phones send it), and
# the header is there on the very first run: the page is laid out for the phone at once, with no
# second run after a width measure and no desktop layout flashing first.
_PHONE_MARKS = ("Mobi", "iPhone", "Android")


def is_phone(agent: str) -> bool:
    """Whether a User-Agent is a phone's browser (tablets such as the iPad say they are desktops)."""
    return any(mark in agent for mark in _PHONE_MARKS)


def narrow() -> bool:
    """Whether this session is a phone (a narrow screen): controls on the page, charts drawn compact."""
    return is_phone(st.context.headers.get("User-Agent", ""))  # empty under AppTest: a desktop


def scope_label(per: progress.Period, unit: str | None) -> str:
    return f"{unit or CITY_WIDE} · {per.label}"


def _years(src: data.Source) -> list[int]:
    """The years offered (data years and this one), with the session's year and period mode defaulted."""
    today = dt.date.today()
    years = sorted(set(data.data_years(src)) | {today.year}, reverse=True)
    if st.session_state.get("year") not in years:
        st.session_state["year"] = data.default_year(src)
    st.session_state.setdefault("period_mode", AS_OF if st.session_state["year"] == today.year else FULL)
    return years


SCOPE_KEYS = ("year", "period_mode", "unit")  # the selection's one source: the session's state


def _hold_scope() -> None:
    """Give each scope widget its value from the session state on every run, before it draws.

    Streamlit tells a widget its value only when the script set it; otherwise the browser keeps what
    it last showed, or the widget's first option (2026年, 上半年) when it was drawn anew, e.g. inside the
    phone's popover after a page switch. The button would then say one scope, the panel another, and a
    change of the unit alone would send the panel's year and period along (issue 22). Set here, the
    panel always shows what the page and the button say."""
    for key in SCOPE_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _scope() -> tuple[progress.Period, str]:
    """The period and unit the session's state holds: the button's label before the widgets draw and
    the page's selection after, from one function."""
    year, mode = st.session_state["year"], st.session_state["period_mode"]
    if mode == AS_OF:
        as_of = st.session_state.get(f"as_of_{year}")
        per = progress.period(year, as_of=as_of if isinstance(as_of, dt.date) else _default_as_of(year))
    else:
        per = progress.period(year, half=1 if mode == HALF else 2)
    return per, st.session_state.get("unit", CITY_WIDE)


def _controls(src: data.Source, years: list[int]) -> None:
    """Year, period (and 截至日期) and unit, drawn where the caller is (the sidebar, or a popover); what
    they chose is in the session's state (_scope)."""
    today = dt.date.today()
    units = _units()
    st.selectbox("年度", years, key="year", format_func=lambda y: f"{y}年")
    # the unit before the period: the 截至日期 pills (up to 47 buttons) must not push it below the fold
    st.selectbox("单位", units, key="unit", disabled=len(units) == 1,
                 help="全市：各单位合计；也可只看一个单位" if len(units) > 1 else "本账号只能查看本单位的数字")
    mode = st.radio("期间", PERIOD_MODES, key="period_mode", horizontal=True,
                    help="上半年：截至6月30日；全年：截至12月31日；截至日期：自选日期，默认今天")
    if mode == AS_OF:
        year = st.session_state["year"]
        dates.picker(year, _default_as_of(year), today)


def _unit_or_none(unit: str) -> str | None:
    return None if unit == CITY_WIDE else unit


def _units() -> list[str]:
    """The units the unit choice offers: 全市 and all, or only a clerk's own where the setting says so
    (the session's choice is put back inside them)."""
    scope = data.unit_scope()
    units = [scope] if scope else [CITY_WIDE, *default_catalog().unit_names]
    if st.session_state.get("unit") not in units:
        st.session_state["unit"] = units[0]
    return units


def sidebar(src: data.Source) -> Selection:
    """Year, period, unit and 汇报模式 (in the sidebar; on a phone the scope is a popover at the top of
    the page, one tap away, since the sidebar starts collapsed there); returns the selection."""
    has_data, demo = data.data_state(src)
    phone = narrow()
    years = _years(src)
    _units()  # before the popover's label reads the session's unit
    _hold_scope()
    shown = _scope()  # what the popover's button says
    if phone:
        with st.popover(f"{scope_label(shown[0], _unit_or_none(shown[1]))}　更改", icon=":material/tune:",
                        width="stretch"):
            _controls(src, years)
    with st.sidebar:  # above the choices: the 截至日期 pills must not push it below the fold
        st.toggle("汇报模式", key=REPORT_KEY, help="隐藏筛选栏，图表放大并以单位和期间为标题，整屏截图即可作为幻灯片")
    if not phone:
        with st.sidebar:
            st.markdown("**查看范围**")
            _controls(src, years)
    per, unit = _scope()
    if phone and (per, unit) != shown:  # drawing settled a value: the button must say it too
        st.rerun()
    # the cycle's state moves without a new data version, so these two are read every run (two small queries)
    hidden = tuple(cycle.hidden_units(src.conn, current_actor(), per))
    st.session_state[data.HIDDEN_KEY] = hidden
    # how much the figures stand on: 已报送 1/16 个单位 (while some have no data), 已审核 12/16 个单位
    review = "　".join(t for t in (data.reported_text(src, per), cycle.review_text(src.conn, per)) if t)
    sel = Selection(src, per, None if unit == CITY_WIDE else unit, bool(st.session_state.get(REPORT_KEY)), demo,
                    has_data, phone, review, hidden)
    st.session_state[_SELECTION] = sel
    return sel


def start():
    """Everything a run needs before a page draws: page settings, the database (a brand-new one gets
    the demo data), who is logged in (else the login page, and the run stops there), the navigation
    of the pages that user may open, the sidebar and the notices. Returns the page to run."""
    # "auto": expanded on a desktop, collapsed on a narrow screen (where it would cover the page)
    st.set_page_config(page_title="法治建设指标看板", page_icon=":material/balance:", layout="wide",
                       initial_sidebar_state="auto")
    chrome.install()  # Streamlit's own English in Chinese, on every page (the login page too)
    with edge("启动"):
        src = data.source()
        if data.load_demo_if_new(src):
            src = data.source()
        actor, login_enabled = auth.resolve(src.conn)
        st.session_state[_LOGIN_ENABLED] = login_enabled
        if actor is None:
            navigation.login_only(lambda title: None)
            auth.login_form(src.conn)
            st.stop()
        data.set_unit_scope(actor, accounts.clerks_see_all_units(src.conn))
        page = navigation.build(actor, login_enabled, refuse)
        sel = sidebar(src)
        auth.account_box(src.conn, actor, login_enabled)
        notice(sel, login_enabled)
        return page
    st.stop()  # the database could not be opened: edge() has said why


def run_app() -> None:
    """app.py: start, then run the chosen page (every run, whichever URL it was opened at), on a
    connection borrowed from the process's pool for the run (ui/data.py), given back at its end."""
    with data.borrowed():
        start().run()


def page(render: Callable[[Selection], None], title: str) -> None:
    """Run one page's `render(selection)` inside the error edge (app.py has started the run).

    A page the user may not use is not offered by the navigation (it is a hidden stand-in that
    refuses); the page checks again here, so that its own code never runs for that user.
    """
    if _SELECTION not in st.session_state:
        # app.py did not start this run: only a page file run on its own does that (AppTest; there is no
        # pages/ folder for Streamlit to serve). Start it here, so that it still logs in and refuses.
        start()
    path = navigation.path_of(title)
    if path and not navigation.allowed(path, current_actor(), login_enabled()):
        refuse(title)
        return
    with edge(title):
        sel = current()
        if not sel.report and title != "报送情况":
            returned_notice(sel)
        if sel.hidden and not sel.report:
            st.info(cycle.hidden_note(list(sel.hidden)), icon=":material/visibility_off:")
        if sel.unit in sel.hidden:
            st.warning(f"{sel.unit}{sel.period.label}的数据尚未审核，暂不显示。", icon=":material/lock_clock:")
            return
        render(sel)
        report_foot(sel)


def returned_notice(sel: Selection) -> None:
    """A clerk's report returned by the administrator comes first on every page, with the reason (as
    text: it is the administrator's words) and the way to 报送情况."""
    actor = current_actor()
    if actor.role != roles.CLERK or not actor.unit:
        return
    for s in cycle.returned(sel.src.conn, actor.unit):
        with st.container(border=True):
            st.error(f"{s.unit}{s.period}的数据已被退回，请按原因修改后重新提交。", icon=":material/assignment_return:")
            st.text(f"退回原因：{s.reason or '（未填写）'}（{s.by}，{(s.at or '').replace('T', ' ')[:16]}）")
            link = navigation.find("报送情况")
            if link:
                st.page_link(link, label="去「报送情况」重新提交", icon=":material/send:")


def refuse(title: str) -> None:
    """What a page the user may not use shows instead of itself."""
    if not title:
        return
    st.error(f"{md(current_actor().label)}无权使用「{title}」页面。如需办理，请联系市国动办法规科（管理员）。",
             icon=":material/block:")


def current_actor() -> Actor:
    """The logged-in user (st.session_state["actor"]); the machine's operator while no account exists."""
    return auth.current_actor()


def login_enabled() -> bool:
    """True once any account exists: everyone logs in."""
    return bool(st.session_state.get(_LOGIN_ENABLED))


def client() -> str | None:
    """The browser's address, for the audit log."""
    return auth.client()


def may(action: str, unit: str | None = None) -> bool:
    """roles.may for the logged-in user (pages show or hide their controls with it; the core checks again)."""
    return roles.may(current_actor(), action, unit)


def current() -> Selection:
    """The selection the sidebar made in this run."""
    return st.session_state[_SELECTION]



@contextmanager
def edge(where: str):
    """The one place failures end: a Chinese message for the user, the traceback in the server log."""
    try:
        yield
    except (IndicatorsError, ConfigError) as e:
        st.error(inert(str(e)))
    except (store.Error, OSError):
        log.exception("database unavailable (%s)", where)
        st.error(f"无法读取数据库（{store.db_label()}）。请检查数据目录是否存在且可写（或环境变量 INDICATORS_DB "
                 "所指的路径或数据库服务器），然后刷新页面；如仍出错，请联系系统管理员（详情已记入服务器日志）。")
    except Exception:  # a bug: the user gets Chinese, the log gets the traceback
        log.exception("%s failed", where)
        st.error("页面出错了，请刷新重试；如仍出错，请联系系统管理员（详情已记入服务器日志）。")


DEMO = "当前显示的是**示例数据**（虚构，仅供演示）。各单位上传真实台账后，请在导入记录中撤销示例数据批次。"
DEMO_SHORT = "当前为**示例数据**（虚构，仅供演示）"
DEMO_PHONE = "**示例数据**（虚构）"


def notice(sel: Selection, login_enabled: bool) -> None:
    """What every page says above its heading while demo data is shown and while no account exists, in
    one compact notice of one line (two on a phone), so that the key figures stay on the first screen
    at 1600 x 900 and 390 x 844 (issue 22). 汇报模式 says neither: its heading says 示例数据."""
    if sel.report:
        return
    parts = [text for show, text in ((sel.demo, DEMO), (not login_enabled, auth.NO_LOGIN)) if show]
    if len(parts) > 1 or sel.narrow:  # beside each other, or on a phone: each in a few words
        short = {DEMO: DEMO_PHONE if sel.narrow else DEMO_SHORT,
                 auth.NO_LOGIN: auth.NO_LOGIN_PHONE if sel.narrow else auth.NO_LOGIN_SHORT}
        parts = [short[p] for p in parts]
    if not parts:
        return
    with st.container(key="page_notice"):  # chrome.CSS makes it compact
        if login_enabled:
            st.info("；".join(parts), icon=":material/info:")
        else:  # the warning is the more serious of the two, and says both
            st.warning("；".join(parts), icon=":material/lock_open:")


_REPORT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"], [data-testid="stPopover"] { display: none !important; }
/* a screenshot of the window is the slide: the way out takes no room and shows only under the pointer
   (at the window's top right corner), and so does each chart's toolbar (a phone shows it always) */
.st-key-leave_report { position: fixed; top: 0.5rem; right: 0.75rem; z-index: 999990; width: auto !important; }
.st-key-leave_report button { opacity: 0; transition: opacity .2s; }
.st-key-leave_report:hover button, .st-key-leave_report button:focus { opacity: 1; }
.js-plotly-plot .modebar-container { opacity: 0; transition: opacity .2s; }
.js-plotly-plot:hover .modebar-container { opacity: 1; }
[data-testid="stMainBlockContainer"], .block-container { padding-top: 1.2rem !important; max-width: 100% !important;
  padding-left: 2.5rem !important; padding-right: 2.5rem !important; }
</style>
"""
REPORT_LEAVE = "退出汇报模式"


def _leave_report_mode() -> None:
    st.session_state[REPORT_KEY] = False


def page_header(title: str, sel: Selection) -> None:
    """The page heading; in 汇报模式 the unit and period are the heading and the controls are hidden."""
    if sel.report:
        st.html(_REPORT_CSS)
        st.markdown(f"# {sel.unit_label} · {sel.period.label} · {title}")
        st.button(REPORT_LEAVE, icon=":material/close_fullscreen:", on_click=_leave_report_mode, key="leave_report")
        note = f"数据截至 {chinese.date(sel.as_of)}　{sel.review}" + ("　示例数据（虚构，仅供演示）" if sel.demo else "")
        st.caption(note)
    else:
        (st.header if sel.narrow else st.title)(title)  # a phone's first screen is for the key figures
        st.caption(f"{sel.unit_label} · {sel.period.label} · 数据截至 {chinese.date(sel.as_of)} · {sel.review}")


def report_foot(sel: Selection) -> None:
    """Under a 汇报模式 page on a phone (which has no pointer to find the hidden way out at the top), the
    way back, below the charts a screenshot takes."""
    if sel.report and sel.narrow:
        st.button(REPORT_LEAVE, icon=":material/close_fullscreen:", on_click=_leave_report_mode,
                  key="leave_report_foot", width="stretch")


def columns(sel: Selection, spec, keep: bool = False) -> list:
    """st.columns normally; in 汇报模式 every chart gets the full width, one under another, unless
    `keep` (small charts that make one slide together)."""
    if sel.report and not keep:
        n = spec if isinstance(spec, int) else len(spec)
        return [st.container() for _ in range(n)]
    return st.columns(spec, gap="medium")


def metrics(sel: Selection, n: int) -> list:
    """Where a row of `n` key figures goes: columns on a desktop; on a phone one row that wraps (two
    figures a line) instead of one figure a line, so that the first screen holds them all."""
    if sel.narrow:
        row = st.container(horizontal=True, gap="small")
        return [row.container(width=165) for _ in range(n)]
    return st.columns(n)


def chart(fig: go.Figure, sel: Selection, where=None) -> None:
    """Draw a chart with the app's download settings. The figure is already built for the screen (the
    chart context carries the phone and 汇报模式): nothing here changes it, and it may be shared by every
    session (ui/memo.py). The browser gets it in the form plotly.js draws once (charts.for_browser)."""
    (where or st).plotly_chart(memo.pinned(fig), theme=None, config=charts.download_config(fig))


def table(sel: Selection, frame, where=None, **kwargs) -> None:
    """A supporting table, left out in 汇报模式 (which shows charts only). On a phone a table wider
    than the screen would scroll sideways: there each row is one line of a list, folded away."""
    if sel.report:
        return
    if sel.narrow:
        rows = getattr(frame, "data", frame)  # a Styler's frame
        with (where or st).expander(f"明细（{len(rows)} 项）"):
            # plain text: the cells hold what units and clerks wrote (a 主题, a reason), never markdown
            st.text("\n".join(_list_item(row) for row in rows.itertuples(index=False)))
        return
    (where or st).dataframe(frame, hide_index=True, placeholder="", width="stretch", **kwargs)


def _list_item(row) -> str:
    """One table row as a list line: the first column, then 'column：value' for the others."""
    first, *rest = row._fields
    values = [f"{name}：{_cell(getattr(row, name))}" for name in rest if _cell(getattr(row, name))]
    return f"• {_cell(getattr(row, first))}　" + "；".join(values)


def _cell(v) -> str:
    """A table cell as a phone's list line writes it: an empty cell left out (never "None" or "nan")."""
    if chinese.is_missing(v):
        return ""
    if isinstance(v, float):
        return chinese.num(v, 2)
    return str(v)


_DEMO_REFUSED = "_demo_refused"


def _load_demo() -> None:
    try:
        data.load_demo(current_actor(), client())
    except IndicatorsError as e:  # a callback's exception would reach the page as a traceback
        st.session_state[_DEMO_REFUSED] = str(e)
        return
    for key in ("year", "period_mode"):  # show the demo's latest year, as on a first start
        st.session_state.pop(key, None)


def empty_state(sel: Selection, what: str) -> None:
    """Say that there is nothing to show and what the viewer can do about it: whoever may upload gets
    the link to 数据填报; a leader, who cannot, learns who has not reported (and where to follow it up)."""
    st.info(f"{sel.unit_label}在{sel.period.label}还没有{what}。", icon=":material/inbox:")
    upload = navigation.find("数据填报")
    if upload:
        st.page_link(upload, label="去「数据填报」上传台账", icon=":material/upload_file:")
    else:
        missing = data.units_missing(sel.src, sel.period)
        if missing:
            st.caption(f"本期尚未报送任何台账的单位（{len(missing)} 个）：" + "、".join(missing))
        reporting = navigation.find("报送情况")
        if reporting:
            st.page_link(reporting, label="查看各单位报送情况", icon=":material/fact_check:")
    refused = st.session_state.pop(_DEMO_REFUSED, None)
    if refused:
        st.error(refused, icon=":material/block:")
    if not sel.has_data and may("load_demo"):
        st.button("载入示例数据", icon=":material/auto_awesome:", on_click=_load_demo,
                  help="载入虚构的 2024、2025 年示例台账，先看看看板的样子；之后可在导入记录中撤销")
