"""Chart builders: a tidy pandas frame in, a plotly figure out, one look for the whole app.

Each builder is a pure function and never shows anything. The look lives here only: the status
palette, a CJK font family first (titles included), a light background that downloaded images keep,
Chinese dates, titles naming the chart, the unit and the period, and a caption inside the figure
(数据截至, source, 示例数据) so that a downloaded or screenshot chart carries it into a meeting.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from .progress import DONE, LAGGING, NOT_APPLICABLE, NOT_STARTED, ON_PACE, STATUSES

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif'
STATUS_COLORS = {DONE: "#2E7D32", ON_PACE: "#4A90D9", LAGGING: "#F5A623", NOT_STARTED: "#D0021B",
                 NOT_APPLICABLE: "#C8C8C8"}
TEXT = "#262730"
MUTED = "#6B6B6B"
GRID = "#E6E6E6"
ACTUAL = "#1F4E79"  # a measured series that carries no status
LAST_YEAR = "#A6A6A6"
PACE = "#404040"
ALERT = STATUS_COLORS[NOT_STARTED]  # the 时间进度 line: a deadline, drawn in the overdue colour
SERIES = ("#4E79A7", "#F28E2B", "#76B7B2", "#B07AA1", "#9C755F", "#EDC948", "#59A14F")
GROUP_COLORS = {"T": "#4E79A7", "G": "#76B7B2", "P": "#F28E2B", "E": "#B07AA1"}
MONTH_FORMAT = "%Y年%-m月"
DAY_FORMAT = "%Y年%-m月%-d日"
SOURCE_ALL = "各单位报送的台账和执法人员统计表"
TEMPLATE = "plotly_white"


@dataclass(frozen=True)
class Context:
    """What every chart says about itself: the unit, the period and the data behind it."""

    unit: str  # "全市" or a unit's canonical name
    period: str  # Period.label, e.g. "2025年上半年"
    as_of: dt.date  # 数据截至
    demo: bool = False


def chinese_date(d: dt.date) -> str:
    """2025年6月30日."""
    return f"{d.year}年{d.month}月{d.day}日"


def caption_text(ctx: Context, source: str) -> str:
    """The two lines under every chart: 数据截至 (and 示例数据 when demo data is shown), then the source."""
    first = f"数据截至 {chinese_date(ctx.as_of)}" + (" ｜ 示例数据（虚构，仅供演示）" if ctx.demo else "")
    return f"{first}<br>数据来源：{source}"


def chart_title(name: str, ctx: Context) -> str:
    """Title text: the chart's name, then the unit and the period on a second, smaller line."""
    return f"<b>{name}</b><br><span style='font-size:13px;color:{MUTED}'>{ctx.unit} · {ctx.period}</span>"


def file_name(name: str, ctx: Context) -> str:
    """Download name of a chart image: its Chinese name, the unit and the period."""
    return f"{name}_{ctx.unit}_{ctx.period}"


def download_config(fig: go.Figure) -> dict:
    """plotly config for the chart toolbar: a PNG at twice the screen resolution, named in Chinese."""
    meta = fig.layout.meta or {}
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": meta.get("filename", "图表")},
            "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


def chart_name(fig: go.Figure) -> str:
    return (fig.layout.meta or {}).get("chart", "")


def _finish(fig: go.Figure, name: str, ctx: Context, source: str, height: int, *, legend: bool = True,
            bottom: int = 34, legend_rows: int = 1) -> go.Figure:
    """The shared look: template, fonts, title, caption, download name. `bottom`: px below the plot
    area where the caption starts (room for tick labels); `legend_rows`: lines the legend needs."""
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", height=height,
        font={"family": FONT_FAMILY, "size": 13, "color": TEXT},
        title={"text": chart_title(name, ctx), "font": {"family": FONT_FAMILY, "size": 18, "color": TEXT},
               "x": 0.01, "xanchor": "left", "xref": "container", "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 14}},
        hoverlabel={"font": {"family": FONT_FAMILY}},
        margin={"l": 10, "r": 24, "t": (104 + 22 * (legend_rows - 1)) if legend else 80, "b": bottom + 44},
        showlegend=legend,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                "font": {"family": FONT_FAMILY, "size": 12}, "traceorder": "normal"},
        meta={"chart": name, "filename": file_name(name, ctx), "caption": caption_text(ctx, source)},
        separators=".,",
    )
    fig.update_xaxes(automargin=True, gridcolor=GRID, zerolinecolor=GRID)
    fig.update_yaxes(automargin=True, gridcolor=GRID, zerolinecolor=GRID)
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        if axis.type != "date" and axis.tickformat is None:
            axis.tickformat = ",~f"  # 30,000, never the SI "30k"
    fig.add_annotation(text=caption_text(ctx, source), xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", yshift=-bottom, showarrow=False, align="left",
                       font={"family": FONT_FAMILY, "size": 11, "color": MUTED})
    return fig


def _no_data(fig: go.Figure, text: str = "暂无数据") -> go.Figure:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font={"family": FONT_FAMILY, "size": 16, "color": MUTED})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _legend_entry(fig: go.Figure, name: str, color: str, symbol: str = "square") -> None:
    """A legend item with no data (for colours drawn by shapes, heat maps or per-bar colours)."""
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                             marker={"color": color, "size": 12, "symbol": symbol}))


def _bar_height(n: int, per: int = 30, extra: int = 170) -> int:
    return max(300, extra + per * n)


def _pct(v) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:.0f}%"


# ---------------------------------------------------------------- overview

def pace_bars(rows: pd.DataFrame, ctx: Context, time_progress: float) -> go.Figure:
    """Completion of every indicator (a bar coloured by status) with its pace marked on it.

    `rows`: label, completion (0-1), expected_completion (0-1), status, value_text. The dashed line
    is the year's 时间进度; each black tick is what the indicator's rhythm expects by now.
    """
    name = "各项指标完成进度"
    fig = go.Figure()
    if rows.empty:
        return _finish(_no_data(fig), name, ctx, SOURCE_ALL, 320, legend=False)
    labels = list(rows.label)
    x = (rows.completion.fillna(0) * 100).round(1)
    for status in STATUSES:
        mask = rows.status == status
        if not mask.any():
            continue
        part = rows[mask]
        fig.add_trace(go.Bar(
            y=part.label, x=x[mask], orientation="h", name=status, marker_color=STATUS_COLORS[status],
            text=[f"{v:.0f}%" for v in x[mask]], textposition="outside", cliponaxis=False,
            customdata=list(zip(part.value_text, part.status, (part.expected_completion * 100).round(1))),
            hovertemplate="%{y}<br>完成 %{customdata[0]}（%{x:.1f}%）<br>应完成 %{customdata[2]:.1f}%<br>"
                          "%{customdata[1]}<extra></extra>"))
    fig.add_trace(go.Scatter(
        y=rows.label, x=(rows.expected_completion * 100).round(1), mode="markers", name="按节奏应完成",
        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": PACE}, "color": PACE},
        hovertemplate="%{y}<br>按节奏应完成 %{x:.1f}%<extra></extra>"))
    tp = round(time_progress * 100, 1)
    fig.add_vline(x=tp, line={"dash": "dash", "color": ALERT, "width": 2})
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"时间进度 {tp:.1f}%", hoverinfo="skip",
                             line={"dash": "dash", "color": ALERT, "width": 2}))
    top = max(110.0, min(float(x.max()) * 1.12, 220.0))
    fig.update_xaxes(range=[0, top], ticksuffix="%", dtick=25)
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_layout(barmode="overlay", bargap=0.35)
    return _finish(fig, name, ctx, SOURCE_ALL, _bar_height(len(rows)), bottom=30)


def completion_gauge(completion: float, time_progress: float, ctx: Context) -> go.Figure:
    """Overall completion on a gauge, with the year's 时间进度 as the threshold to beat."""
    name = "时间进度与总体完成率"
    value, tp = round(completion * 100, 1), round(time_progress * 100, 1)
    fig = go.Figure(go.Indicator(
        mode="gauge+number+delta", value=value, number={"suffix": "%", "font": {"size": 40}},
        delta={"reference": tp, "prefix": "较时间进度 ", "suffix": " 个百分点", "valueformat": ".1f",
               "increasing": {"color": STATUS_COLORS[DONE]}, "decreasing": {"color": STATUS_COLORS[LAGGING]},
               "position": "bottom", "font": {"size": 16}},
        title={"text": f"总体完成率（时间进度 {tp:.1f}%）", "font": {"size": 14}},
        gauge={"axis": {"range": [0, 100], "ticksuffix": "%"}, "bar": {"color": ACTUAL, "thickness": 0.55},
               "steps": [{"range": [0, tp], "color": "#EDEDED"}],
               "threshold": {"line": {"color": ALERT, "width": 4}, "thickness": 0.9, "value": tp}},
        domain={"x": [0.06, 0.94], "y": [0, 0.9]}))
    return _finish(fig, name, ctx, SOURCE_ALL, 340, legend=False, bottom=4)


def status_counts_bar(counts: dict, ctx: Context, what: str = "项") -> go.Figure:
    """How many indicators (or unit x indicator cells) are in each status, in the app's palette."""
    name = "指标状态分布"
    statuses = [s for s in STATUSES if s in counts]
    values = [counts[s] for s in statuses]
    fig = go.Figure(go.Bar(x=statuses, y=values, marker_color=[STATUS_COLORS[s] for s in statuses],
                           text=[f"{v} {what}" for v in values], textposition="outside", cliponaxis=False,
                           hovertemplate="%{x}：%{y} " + what + "<extra></extra>"))
    fig.update_yaxes(rangemode="tozero", range=[0, max(values + [1]) * 1.2])
    return _finish(fig, name, ctx, SOURCE_ALL, 340, legend=False, bottom=30)


def lagging_units_bar(by_unit: pd.DataFrame, ctx: Context) -> go.Figure:
    """滞后预警: for each lagging unit, how many indicators lag and how many have not started."""
    name = "各单位滞后指标数"
    fig = go.Figure()
    if by_unit.empty:
        return _finish(_no_data(fig, "没有进度滞后或未开展的指标"), name, ctx, SOURCE_ALL, 300, legend=False)
    order = list(by_unit.unit)
    for status in (NOT_STARTED, LAGGING):
        fig.add_trace(go.Bar(y=by_unit.unit, x=by_unit[status], orientation="h", name=status,
                             marker_color=STATUS_COLORS[status], customdata=by_unit.indicators,
                             hovertemplate="%{y}：" + status + " %{x} 项<br>%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(y=by_unit.unit, x=by_unit.total, mode="text", text=[f"{t} 项" for t in by_unit.total],
                             textposition="middle right", showlegend=False, hoverinfo="skip", cliponaxis=False))
    fig.update_layout(barmode="stack", bargap=0.35)
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    fig.update_xaxes(title_text="指标数（项）", range=[0, max(by_unit.total) * 1.25], dtick=1 if max(by_unit.total) < 8 else None)
    return _finish(fig, name, ctx, SOURCE_ALL, _bar_height(len(by_unit), 34), bottom=52)


def status_grid(cells: pd.DataFrame, ctx: Context, name: str, source: str, columns: list[str], rows: list[str],
                highlight: str | None = None, column_labels: dict | None = None) -> go.Figure:
    """A grid of cells coloured by status (unit x indicator, unit x duty), with text in each cell.

    `cells`: row, column, status, text, hover. Rows run top to bottom in the order given; the
    `highlight` row's label is bold.
    """
    fig = go.Figure()
    if cells.empty:
        return _finish(_no_data(fig), name, ctx, source, 320, legend=False)
    index = {s: i for i, s in enumerate(STATUSES)}
    table = cells.set_index(["row", "column"])
    z, text, hover = [], [], []
    for r in rows:
        z.append([index.get(table.status.get((r, c), NOT_APPLICABLE), 4) for c in columns])
        text.append([table.text.get((r, c), "") for c in columns])
        hover.append([table.hover.get((r, c), "") for c in columns])
    n = len(STATUSES)
    scale = []
    for i, s in enumerate(STATUSES):
        scale += [[i / n, STATUS_COLORS[s]], [(i + 1) / n, STATUS_COLORS[s]]]
    fig.add_trace(go.Heatmap(z=z, x=columns, y=rows, text=text, customdata=hover, texttemplate="%{text}",
                             textfont={"size": 11}, colorscale=scale, zmin=-0.5, zmax=n - 0.5, showscale=False,
                             xgap=2, ygap=2, hovertemplate="%{customdata}<extra></extra>"))
    for s in STATUSES:
        if s in set(cells.status):
            _legend_entry(fig, s, STATUS_COLORS[s])
    ticks = [f"<b>{r}</b>" if r == highlight else r for r in rows]
    fig.update_yaxes(autorange="reversed", tickvals=rows, ticktext=ticks, showgrid=False)
    labels = column_labels or {}
    fig.update_xaxes(side="top", tickvals=columns, ticktext=[labels.get(c, c) for c in columns], showgrid=False)
    fig = _finish(fig, name, ctx, source, max(380, 210 + 30 * len(rows)), bottom=8)
    # x labels sit on top under the title, so the legend goes to the bottom, below the caption
    fig.update_layout(margin={"t": 140, "b": 84}, legend={"x": 0, "xanchor": "left", "y": 0, "yref": "container",
                                                           "yanchor": "bottom"})
    return fig


def year_comparison(comp: pd.DataFrame, ctx: Context, current: str, previous: str) -> go.Figure:
    """Completion (%) of each indicator this period beside the same period last year.

    `comp`: label, current, previous (percent; NaN where the indicator did not apply).
    """
    name = "与上年同期对比"
    fig = go.Figure()
    if comp.empty:
        return _finish(_no_data(fig), name, ctx, SOURCE_ALL, 320, legend=False)
    for col, series, color in (("current", current, ACTUAL), ("previous", previous, LAST_YEAR)):
        fig.add_trace(go.Bar(y=comp.label, x=comp[col].round(1), orientation="h", name=series, marker_color=color,
                             text=[_pct(v) for v in comp[col]], textposition="outside", cliponaxis=False,
                             hovertemplate="%{y}<br>" + series + "：%{x:.1f}%<extra></extra>"))
    top = max(110.0, min(float(pd.concat([comp.current, comp.previous]).max() or 0) * 1.15, 220.0))
    fig.update_xaxes(range=[0, top], ticksuffix="%", dtick=25)
    fig.update_yaxes(categoryorder="array", categoryarray=list(comp.label)[::-1])
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    return _finish(fig, name, ctx, SOURCE_ALL, _bar_height(len(comp), 44), bottom=30)


# ---------------------------------------------------------------- lines of work

def rhythm_bullets(rows: pd.DataFrame, ctx: Context, name: str, source: str) -> go.Figure:
    """Done against the rhythm, in the indicators' own measures: a bar of what is done, a tick for
    what the rhythm expects by now and a hollow diamond for the yearly target.

    `rows`: label, value, expected, target, measure, status.
    """
    fig = go.Figure()
    if rows.empty:
        return _finish(_no_data(fig), name, ctx, source, 300, legend=False)
    labels = list(rows.label)
    for status in STATUSES:
        mask = rows.status == status
        if not mask.any():
            continue
        part = rows[mask]
        fig.add_trace(go.Bar(
            y=part.label, x=part.value.fillna(0), orientation="h", name=status, marker_color=STATUS_COLORS[status],
            customdata=list(zip(part.expected.fillna(0).round(1), part.target, part.measure)),
            hovertemplate="%{y}<br>已完成 %{x:,.0f} %{customdata[2]}，应完成 %{customdata[0]}，全年目标 %{customdata[1]:,.0f}"
                          "<extra></extra>"))
    fig.add_trace(go.Scatter(y=rows.label, x=rows.expected.round(2), mode="markers", name="按节奏应完成",
                             marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": PACE}},
                             hovertemplate="%{y}<br>按节奏应完成 %{x:.1f}<extra></extra>"))
    fig.add_trace(go.Scatter(y=rows.label, x=rows.target, mode="markers", name="全年目标",
                             marker={"symbol": "diamond-open", "size": 13, "line": {"width": 2}, "color": PACE},
                             hovertemplate="%{y}<br>全年目标 %{x:,.0f}<extra></extra>"))
    ends = pd.concat([rows.value.fillna(0), rows.target, rows.expected.fillna(0)], axis=1).max(axis=1)
    fig.add_trace(go.Scatter(y=rows.label, x=ends, mode="text", showlegend=False, hoverinfo="skip", cliponaxis=False,
                             text=[f"  {v:,.0f} / {t:,.0f} {m}" for v, t, m in
                                   zip(rows.value.fillna(0), rows.target, rows.measure)],
                             textposition="middle right"))
    top = float(ends.max()) * 1.35 or 1
    fig.update_xaxes(range=[0, top], rangemode="tozero")
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_layout(barmode="overlay", bargap=0.4)
    return _finish(fig, name, ctx, source, _bar_height(len(rows), 40), bottom=30)


def _month_axis(fig: go.Figure, year: int) -> None:
    fig.update_xaxes(type="date", tickformat=MONTH_FORMAT, dtick="M1", ticklabelmode="period",
                     range=[f"{year}-01-01", f"{year}-12-31"], hoverformat=MONTH_FORMAT)


def _quarter_marks(fig: go.Figure, year: int) -> None:
    """Quarter boundaries, so a per-quarter rhythm can be read off a monthly chart."""
    for i, m in enumerate((1, 4, 7, 10)):
        if m > 1:
            fig.add_vline(x=f"{year}-{m:02d}-01", line={"dash": "dot", "color": "#B0B0B0", "width": 1})
        fig.add_annotation(x=f"{year}-{m + 1:02d}-15", y=1, yref="paper", yanchor="top", showarrow=False,
                           text=f"第{'一二三四'[i]}季度", font={"size": 11, "color": MUTED})


def monthly_stacked(data: pd.DataFrame, ctx: Context, year: int, name: str, source: str, categories,
                    measure: str = "次", quarters: bool = True) -> go.Figure:
    """Counts per month stacked by category (one colour per category), months in Chinese.

    `data`: month (first day), category, count.
    """
    fig = go.Figure()
    if data.empty or not data["count"].sum():
        fig = _no_data(fig, "本期没有记录")
        return _finish(fig, name, ctx, source, 380, legend=False)
    for i, cat in enumerate(categories):
        part = data[data.category == cat]
        if not part["count"].sum():
            continue
        fig.add_trace(go.Bar(x=part.month, y=part["count"], name=cat, marker_color=SERIES[i % len(SERIES)],
                             xperiod="M1", xperiodalignment="middle",
                             hovertemplate="%{x|" + MONTH_FORMAT + "}<br>" + cat + "：%{y:,.0f} " + measure
                                           + "<extra></extra>"))
    _month_axis(fig, year)
    if quarters:
        _quarter_marks(fig, year)
    totals = data.groupby("month", as_index=False)["count"].sum()
    totals = totals[totals["count"] > 0]
    fig.add_trace(go.Scatter(x=totals.month, y=totals["count"], mode="text", text=[f"{v:,.0f}" for v in totals["count"]],
                             textposition="top center", showlegend=False, hoverinfo="skip", xperiod="M1",
                             xperiodalignment="middle", cliponaxis=False))
    fig.update_yaxes(title_text=f"数量（{measure}）", rangemode="tozero", range=[0, float(totals["count"].max()) * 1.4])
    fig.update_layout(barmode="stack", bargap=0.3)
    shown = sum(1 for t in fig.data if t.showlegend is not False)
    return _finish(fig, name, ctx, source, 460, bottom=82, legend_rows=2 if shown > 3 else 1)


def cumulative_vs_pace(actual: pd.DataFrame, pace: pd.DataFrame, target: float, ctx: Context, year: int, name: str,
                       source: str, measure: str) -> go.Figure:
    """The running total against the pace line and the yearly target.

    `actual`: date, value (cumulative); `pace`: date, expected (cumulative).
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=pace.date, y=pace.expected.round(2), mode="lines", name="按节奏应完成",
                             line={"color": PACE, "dash": "dash", "width": 2},
                             hovertemplate="%{x|" + DAY_FORMAT + "}<br>应完成 %{y:,.1f} " + measure + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=actual.date, y=actual.value, mode="lines+markers", name="实际累计",
                             line={"color": ACTUAL, "width": 3}, marker={"size": 7},
                             hovertemplate="%{x|" + DAY_FORMAT + "}<br>累计 %{y:,.0f} " + measure + "<extra></extra>"))
    if target:
        fig.add_hline(y=target, line={"dash": "dot", "color": STATUS_COLORS[DONE], "width": 2})
        fig.add_annotation(x=f"{year}-01-05", y=target, text=f"全年目标 {target:,.0f} {measure}", showarrow=False,
                           xanchor="left", yanchor="bottom", font={"color": STATUS_COLORS[DONE], "size": 12})
    if len(actual):
        last = actual.iloc[-1]
        fig.add_annotation(x=last.date, y=last.value, text=f"{last.value:,.0f}", showarrow=True, arrowhead=0, ax=-24,
                           ay=-24, font={"color": ACTUAL, "size": 13}, bgcolor="rgba(255,255,255,0.8)")
    _month_axis(fig, year)
    top = max(float(actual.value.max()) if len(actual) else 0, target or 0, float(pace.expected.max()) if len(pace) else 0)
    fig.update_yaxes(title_text=f"累计（{measure}）", range=[0, top * 1.15 or 1])
    return _finish(fig, name, ctx, source, 420, bottom=82)


def bars_with_line(data: pd.DataFrame, ctx: Context, year: int, name: str, source: str, bar: str, line: str,
                   bar_measure: str, line_measure: str) -> go.Figure:
    """Monthly bars of one measure with a second measure as a line on its own axis.

    `data`: month, bar, line (values of the two measures).
    """
    fig = go.Figure()
    fig.add_trace(go.Bar(x=data.month, y=data.bar, name=f"{bar}（{bar_measure}）", marker_color=SERIES[0],
                         xperiod="M1", xperiodalignment="middle",
                         hovertemplate="%{x|" + MONTH_FORMAT + "}<br>" + bar + " %{y:,.0f} " + bar_measure + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=data.month, y=data.line, name=f"{line}（{line_measure}）", yaxis="y2",
                             mode="lines+markers", line={"color": SERIES[1], "width": 3}, xperiod="M1",
                             xperiodalignment="middle",
                             hovertemplate="%{x|" + MONTH_FORMAT + "}<br>" + line + " %{y:,.1f} " + line_measure
                                           + "<extra></extra>"))
    _month_axis(fig, year)
    fig.update_layout(yaxis={"title": {"text": f"{bar}（{bar_measure}）"}, "rangemode": "tozero"},
                      yaxis2={"title": {"text": f"{line}（{line_measure}）"}, "overlaying": "y", "side": "right",
                              "rangemode": "tozero", "showgrid": False, "tickmode": "auto"})
    return _finish(fig, name, ctx, source, 420, bottom=82)


def unit_stacked(data: pd.DataFrame, ctx: Context, name: str, source: str, categories, units: list[str],
                 measure: str = "次", highlight: str | None = None) -> go.Figure:
    """Year-to-date counts per unit, stacked by category; units with none say so.

    `data`: unit, category, count.
    """
    fig = go.Figure()
    for i, cat in enumerate(categories):
        part = data[data.category == cat]
        if not part["count"].sum():
            continue
        fig.add_trace(go.Bar(y=part.unit, x=part["count"], orientation="h", name=cat,
                             marker_color=SERIES[i % len(SERIES)],
                             hovertemplate="%{y}<br>" + cat + "：%{x:,.0f} " + measure + "<extra></extra>"))
    totals = data.groupby("unit", sort=False)["count"].sum().reindex(units).fillna(0)
    fig.add_trace(go.Scatter(y=totals.index, x=totals.values, mode="text", showlegend=False, hoverinfo="skip",
                             text=[f"{v:,.0f}" if v else "0（未开展）" for v in totals.values],
                             textposition="middle right", cliponaxis=False))
    ticks = [f"<b>{u}</b>" if u == highlight else u for u in units]
    fig.update_yaxes(categoryorder="array", categoryarray=units[::-1], tickvals=units, ticktext=ticks)
    fig.update_xaxes(title_text=f"数量（{measure}）", range=[0, max(float(totals.max()), 1) * 1.2])
    fig.update_layout(barmode="stack", bargap=0.3)
    return _finish(fig, name, ctx, source, _bar_height(len(units), 28), bottom=52)


def status_bars(data: pd.DataFrame, ctx: Context, name: str, source: str, measure: str, category: str = "unit",
                horizontal: bool = True, highlight: str | None = None) -> go.Figure:
    """One bar per category (unit, key date) coloured by status; zero bars are labelled with their status.

    `data`: the category column, value, status, and optional `note` (hover text).
    """
    fig = go.Figure()
    if data.empty:
        return _finish(_no_data(fig), name, ctx, source, 300, legend=False)
    cats = list(data[category])
    notes = list(data["note"]) if "note" in data else [""] * len(data)
    texts = [f"{v:,.0f}" if v else f"0（{s}）" for v, s in zip(data.value, data.status)]
    for status in STATUSES:
        mask = (data.status == status).to_numpy()
        if not mask.any():
            continue
        part = data[mask]
        values = part.value.to_numpy()
        text = [t for t, m in zip(texts, mask) if m]
        note = [t for t, m in zip(notes, mask) if m]
        common = {"name": status, "marker_color": STATUS_COLORS[status], "text": text, "textposition": "outside",
                  "cliponaxis": False, "customdata": note}
        if horizontal:
            fig.add_trace(go.Bar(y=part[category], x=values, orientation="h", **common,
                                 hovertemplate="%{y}：%{x:,.0f} " + measure + "<br>" + status + " %{customdata}<extra></extra>"))
        else:
            fig.add_trace(go.Bar(x=part[category], y=values, **common,
                                 hovertemplate="%{x}：%{y:,.0f} " + measure + "<br>" + status + " %{customdata}<extra></extra>"))
    top = max(float(data.value.max()), 1) * 1.3
    if horizontal:
        ticks = [f"<b>{c}</b>" if c == highlight else c for c in cats]
        fig.update_yaxes(categoryorder="array", categoryarray=cats[::-1], tickvals=cats, ticktext=ticks)
        fig.update_xaxes(title_text=f"数量（{measure}）", range=[0, top])
        height, bottom = _bar_height(len(cats), 28), 52
    else:
        fig.update_xaxes(categoryorder="array", categoryarray=cats)
        fig.update_yaxes(title_text=f"数量（{measure}）", range=[0, top])
        height, bottom = 380, 34
    fig.update_layout(barmode="overlay", bargap=0.35)
    return _finish(fig, name, ctx, source, height, bottom=bottom)


def category_bars(data: pd.DataFrame, ctx: Context, name: str, source: str, measure: str = "次") -> go.Figure:
    """Counts per category as horizontal bars, largest first. `data`: category, count."""
    fig = go.Figure()
    if data.empty or not data["count"].sum():
        return _finish(_no_data(fig, "本期没有记录"), name, ctx, source, 320, legend=False)
    data = data.sort_values("count", ascending=True, kind="stable")
    fig.add_trace(go.Bar(y=data.category, x=data["count"], orientation="h", marker_color=SERIES[0],
                         text=[f"{v:,.0f}" for v in data["count"]], textposition="outside", cliponaxis=False,
                         hovertemplate="%{y}：%{x:,.0f} " + measure + "<extra></extra>"))
    fig.update_xaxes(title_text=f"数量（{measure}）", range=[0, float(data["count"].max()) * 1.2])
    fig.update_layout(bargap=0.35)
    return _finish(fig, name, ctx, source, _bar_height(len(data), 34), legend=False, bottom=52)


# ---------------------------------------------------------------- enforcement staff

def staffing_bars(staff: pd.DataFrame, ctx: Context, highlight: str | None = None) -> go.Figure:
    """Per unit: 编制人数, 实有执法人员 and 持证人数 side by side, and the gap written out beside them.

    `staff`: unit, quota, staff, certified, vacancy, uncertified, reported.
    """
    name = "执法人员编制、在岗与持证"
    source = "执法人员统计表"
    fig = go.Figure()
    part = staff[staff.reported]
    if part.empty:
        return _finish(_no_data(fig, "本期没有执法人员统计表"), name, ctx, source, 320, legend=False)
    units = list(part.unit)
    # added bottom-up so that each unit reads 编制, 在岗, 持证 from the top
    for col, series, color in (("certified", "持证人数", STATUS_COLORS[DONE]), ("staff", "实有执法人员", SERIES[0]),
                               ("quota", "编制人数", "#BDD7EE")):
        fig.add_trace(go.Bar(y=part.unit, x=part[col], orientation="h", name=series, marker_color=color,
                             hovertemplate="%{y}<br>" + series + " %{x:.0f} 人<extra></extra>"))
    texts, colors = [], []
    for q, n, c, v, u in zip(part.quota, part.staff, part.certified, part.vacancy, part.uncertified):
        gaps = ([f"缺编 {v:.0f} 人"] if v > 0 else []) + ([f"未持证 {u:.0f} 人"] if u > 0 else [])
        texts.append(f"编制 {q:.0f} · 在岗 {n:.0f} · 持证 {c:.0f}　" + ("，".join(gaps) if gaps else "满编、全员持证"))
        colors.append(ALERT if gaps else MUTED)
    right = float(part[["quota", "staff", "certified"]].max(axis=1).max())
    fig.add_trace(go.Scatter(y=part.unit, x=[right * 1.04] * len(part), mode="text", text=texts,
                             textposition="middle right", textfont={"color": colors, "size": 12}, showlegend=False,
                             hoverinfo="skip", cliponaxis=False))
    ticks = [f"<b>{u}</b>" if u == highlight else u for u in units]
    fig.update_yaxes(categoryorder="array", categoryarray=units[::-1], tickvals=units, ticktext=ticks)
    fig.update_xaxes(title_text="人数（人）", range=[0, right * 2.1])
    fig.update_layout(barmode="group", bargap=0.3, bargroupgap=0.04, legend_traceorder="reversed")
    return _finish(fig, name, ctx, source, max(340, 170 + 46 * len(units)), bottom=52)


def rate_bars(rows: pd.DataFrame, ctx: Context) -> go.Figure:
    """A unit's (or 全市) enforcement rates against 100 %, coloured by status.

    `rows`: label, value (percent), target (percent), status.
    """
    name = "执法队伍各项比率"
    source = "执法人员统计表"
    fig = go.Figure()
    part = rows[rows.value.notna()]
    if part.empty:
        return _finish(_no_data(fig, "本期没有执法人员统计表"), name, ctx, source, 300, legend=False)
    labels = list(part.label)
    for status in STATUSES:
        mask = part.status == status
        if mask.any():
            fig.add_trace(go.Bar(y=part.label[mask], x=part.value[mask].round(1), orientation="h", name=status,
                                 marker_color=STATUS_COLORS[status], text=[f"{v:.1f}%" for v in part.value[mask]],
                                 textposition="outside", cliponaxis=False,
                                 hovertemplate="%{y}：%{x:.1f}%<extra></extra>"))
    fig.add_vline(x=100, line={"color": PACE, "width": 2, "dash": "dot"})
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="目标 100%", hoverinfo="skip",
                             line={"color": PACE, "width": 2, "dash": "dot"}))
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_xaxes(range=[0, max(118.0, float(part.value.max()) * 1.12)], ticksuffix="%", dtick=25)
    fig.update_layout(barmode="overlay", bargap=0.4)
    return _finish(fig, name, ctx, source, _bar_height(len(part), 46), bottom=30)


# ---------------------------------------------------------------- 督导平台 scorecard

def score_ranking(points: pd.DataFrame, ranking: pd.DataFrame, ctx: Context, groups: dict,
                  highlight: str | None = None) -> go.Figure:
    """Each unit's weighted score on 100 points, ranked, stacked by line of work.

    `points`: unit, group, points; `ranking`: unit, score, rank (best first); `groups`: code -> {name}.
    """
    name = "督导平台得分排名"
    source = "按督导平台指标权重（满分 100 分）计算"
    fig = go.Figure()
    if ranking.empty:
        return _finish(_no_data(fig), name, ctx, source, 320, legend=False)
    units = list(ranking.unit)
    for g, spec in groups.items():
        part = points[points.group == g].set_index("unit").reindex(units)
        fig.add_trace(go.Bar(y=units, x=part.points.fillna(0).round(1), orientation="h", name=spec["name"],
                             marker_color=GROUP_COLORS.get(g, SERIES[0]),
                             hovertemplate="%{y}<br>" + spec["name"] + " %{x:.1f} 分<extra></extra>"))
    fig.add_trace(go.Scatter(y=units, x=ranking.score, mode="text", showlegend=False, hoverinfo="skip",
                             text=[f"{s:.1f} 分（第 {r} 名）" for s, r in zip(ranking.score, ranking["rank"])],
                             textposition="middle right", cliponaxis=False))
    ticks = [f"<b>{u}</b>" if u == highlight else u for u in units]
    fig.update_yaxes(categoryorder="array", categoryarray=units[::-1], tickvals=units, ticktext=ticks)
    fig.update_xaxes(title_text="得分（满分 100 分）", range=[0, 125], dtick=20)
    fig.update_layout(barmode="stack", bargap=0.3)
    return _finish(fig, name, ctx, source, _bar_height(len(units), 30), bottom=52)


def score_breakdown(rows: pd.DataFrame, ctx: Context) -> go.Figure:
    """One unit's points per indicator: earned and lost, with what is missing to reach full marks.

    `rows`: label, points, lost, weight, need.
    """
    name = "指标得分明细"
    source = "按督导平台指标权重（满分 100 分）计算"
    fig = go.Figure()
    if rows.empty:
        return _finish(_no_data(fig), name, ctx, source, 320, legend=False)
    labels = list(rows.label)
    fig.add_trace(go.Bar(y=rows.label, x=rows.points, orientation="h", name="已得分", marker_color=STATUS_COLORS[DONE],
                         customdata=rows.weight, hovertemplate="%{y}<br>得分 %{x:.2f} / %{customdata:.2f} 分<extra></extra>"))
    fig.add_trace(go.Bar(y=rows.label, x=rows.lost, orientation="h", name="失分", marker_color="#F4C7C3",
                         customdata=rows.need, hovertemplate="%{y}<br>失分 %{x:.2f} 分<br>%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(y=rows.label, x=rows.weight, mode="text", showlegend=False, hoverinfo="skip",
                             text=[n or "满分" for n in rows.need], textposition="middle right", cliponaxis=False,
                             textfont={"color": [STATUS_COLORS[NOT_STARTED] if n else STATUS_COLORS[DONE] for n in rows.need]}))
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_xaxes(title_text="分值（分）", range=[0, float(rows.weight.max()) * 2.6])
    fig.update_layout(barmode="stack", bargap=0.35)
    return _finish(fig, name, ctx, source, _bar_height(len(rows), 30), bottom=52)


# ---------------------------------------------------------------- 报送情况

REPORTED, MISSING = "已报送", "未报送"
SOURCE_BATCHES = "导入记录（各单位上传的台账批次）"


def reporting_grid(board: pd.DataFrame, ctx: Context, units: list[str], ledgers: list[str]) -> go.Figure:
    """Unit x ledger: rows dated in the period and the last upload, units with nothing in red.

    `board`: unit, ledger, rows, last_upload, missing (reporting.board).
    """
    name = "各单位台账报送情况"
    fig = go.Figure()
    if board.empty:
        return _finish(_no_data(fig), name, ctx, SOURCE_BATCHES, 320, legend=False)
    table = board.set_index(["unit", "ledger"])
    colors = {REPORTED: STATUS_COLORS[DONE], MISSING: STATUS_COLORS[NOT_STARTED]}
    z, text, hover = [], [], []
    for u in units:
        z.append([0 if table.missing.get((u, l), True) else 1 for l in ledgers])
        text.append([f"{int(table.rows.get((u, l), 0))} 行" if not table.missing.get((u, l), True) else "未报送"
                     for l in ledgers])
        hover.append([f"{u} · {l}<br>期间内 {int(table.rows.get((u, l), 0))} 行<br>最近上传："
                      f"{table.last_upload.get((u, l)) if isinstance(table.last_upload.get((u, l)), str) else '从未上传'}"
                      for l in ledgers])
    scale = [[0, colors[MISSING]], [0.5, colors[MISSING]], [0.5, colors[REPORTED]], [1, colors[REPORTED]]]
    fig.add_trace(go.Heatmap(z=z, x=ledgers, y=units, text=text, customdata=hover, texttemplate="%{text}",
                             textfont={"size": 12, "color": "white"}, colorscale=scale, zmin=0, zmax=1,
                             showscale=False, xgap=2, ygap=2, hovertemplate="%{customdata}<extra></extra>"))
    for label in (REPORTED, MISSING):
        _legend_entry(fig, label, colors[label])
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(side="top", showgrid=False)
    fig = _finish(fig, name, ctx, SOURCE_BATCHES, max(420, 210 + 30 * len(units)), bottom=8)
    fig.update_layout(margin={"t": 140, "b": 84}, legend={"x": 0, "xanchor": "left", "y": 0, "yref": "container",
                                                           "yanchor": "bottom"})
    return fig
