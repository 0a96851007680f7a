"""Chart builders: a tidy pandas frame in, a plotly figure out, one look for the whole app.

Each builder is a pure function and never shows anything. The look lives here only: the status
palette, a CJK font family first (titles included), a light background that downloaded images keep,
Chinese dates, titles naming the chart, the unit and the period, and a caption inside the figure
(数据截至, source, 示例数据) so that a downloaded or screenshot chart carries it into a meeting.
"""
from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import chinese
from .palette import STATUS_COLORS
from .progress import DONE, LAGGING, NOT_APPLICABLE, NOT_STARTED, SCORE_LABELS, STATUSES, UNFINISHED, rank_text

# The traces and the layout are not validated on every build: plotly's validators were 70 % of building the
# 21 charts (139 against 80 ms with neither validated; 180 ms before the layout was not). The JSON is the
# same. test_charts.test_every_layout_is_valid builds every chart on every screen and validates it whole,
# so that a misspelt attribute still fails there rather than being dropped by plotly.js without a word.
_bar = functools.partial(go.Bar, _validate=False)
_scatter = functools.partial(go.Scatter, _validate=False)
_heatmap = functools.partial(go.Heatmap, _validate=False)
_indicator = functools.partial(go.Indicator, _validate=False)

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif'
TEXT = "#262730"
MUTED = "#6B6B6B"
GRID = "#E6E6E6"
ACTUAL = "#1F4E79"  # a measured series that carries no status
LAST_YEAR = "#A6A6A6"
PACE = "#404040"
ALERT = STATUS_COLORS[NOT_STARTED]  # the 时间进度 line: a deadline, drawn in the overdue colour
SERIES = ("#4E79A7", "#F28E2B", "#76B7B2", "#B07AA1", "#9C755F", "#EDC948", "#59A14F")
GROUP_COLORS = {"T": "#4E79A7", "G": "#76B7B2", "P": "#F28E2B", "E": "#B07AA1"}
MONTH_FORMAT = "%Y年%-m月"  # hover texts
MONTH_TICK = "%-m月"  # axis labels: the year is in the title; "2025年10月" twelve times did not fit half a screen
DAY_FORMAT = "%Y年%-m月%-d日"
SOURCE_ALL = "各单位报送的台账和执法人员统计表"
# A light template of our own: plotly's named templates are deep-copied and validated on every
# figure (about 12 ms each, most of a page's drawing time); this one holds only what we use.
TEMPLATE = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": list(SERIES), "hovermode": "closest",
    "font": {"family": FONT_FAMILY, "color": TEXT}, "hoverlabel": {"align": "left", "font": {"family": FONT_FAMILY}},
    "xaxis": {"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID, "ticks": "", "automargin": True,
              "title": {"standoff": 12}},
    "yaxis": {"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID, "ticks": "", "automargin": True,
              "title": {"standoff": 12}},
})


@dataclass(frozen=True)
class Context:
    """What every chart says about itself: the unit, the period and the data behind it."""

    unit: str  # "全市" or a unit's canonical name
    period: str  # Period.label, e.g. "2025年上半年"
    as_of: dt.date  # 数据截至
    demo: bool = False
    narrow: bool = False  # drawn for a phone (about 360 px wide): wrapped labels, legend below, fewer ticks
    review: str = ""  # how much of it is approved: 已审核 12/16 个单位
    final: bool = False  # the whole year: 进度滞后 reads 未完成 (progress.status_name)
    report: bool = False  # 汇报模式: drawn large for a screenshot that is a slide (a phone stays a phone)

    @property
    def preset(self) -> Preset:
        """The screen this chart is drawn for: a phone, 汇报模式 on a desk, or a desk."""
        return PRESETS["phone" if self.narrow else "report" if self.report else "desktop"]


@dataclass(frozen=True)
class Preset:
    """How a chart is drawn for one kind of screen, declared once. `width` is the narrowest a chart of
    the preset is drawn at (px): its title and caption are made to fit it, in the browser and in the
    camera's PNG (which redraws the figure at the width it has on the screen)."""

    width: int
    font: int  # ticks, value texts, legend
    title: int
    subtitle: int  # the unit · period line under the title
    caption: int  # 数据截至 and source
    pad: int  # px above the title
    top: int  # px from the top of the figure to the plot area, with no legend
    legend: int  # legend font
    legend_width: int = 0  # the narrowest chart with a legend (px)
    scale: float = 1.0  # figure height against the desktop's


PRESETS = {
    # a third of the page beside the sidebar at 1600 px (总览's gauge and status counts) is 364 px
    # (执法队伍's rates, the narrowest with a legend, 440 px)
    "desktop": Preset(width=364, font=13, title=18, subtitle=13, caption=11, pad=14, top=80, legend=12, legend_width=440),
    # a 390 px phone less the page's padding; _compact lays the rest out
    "phone": Preset(width=358, font=12, title=15, subtitle=11, caption=10, pad=10, top=60, legend=11, legend_width=358),
    # 汇报模式 at 1600 px: half of the window for the two small charts that make one slide together
    "report": Preset(width=740, font=15, title=22, subtitle=15, caption=13, pad=22, top=100, legend=14, scale=1.2,
                     legend_width=740),
}
REPORT_HEIGHT = 700  # 汇报模式: a chart that fills a 1600 x 900 window under the heading
SMALL_REPORT_HEIGHT = 640  # 汇报模式: the two small charts of 总览 side by side, one slide together


def status_word(status: str, ctx: Context) -> str:
    """A status as a legend or a label names it in the chart's period (progress.status_name)."""
    return UNFINISHED if status == LAGGING and ctx.final else status


def caption_text(ctx: Context, source: str) -> str:
    """The lines under every chart: 数据截至 (how much is approved, and 示例数据 when demo data is
    shown), then the source; wrapped to the narrowest width of the chart's preset, a part on a new
    line rather than split where it can."""
    parts = [f"数据截至 {chinese.date(ctx.as_of)}", *([ctx.review] if ctx.review else []),
             *(["示例数据（虚构，仅供演示）"] if ctx.demo else [])]
    if ctx.narrow:  # a phone's chart puts each part on a line of its own (_compact)
        return " ｜ ".join(parts) + f"<br>数据来源：{source}"
    width = caption_em(ctx.preset)
    return f"{_fill(parts, width)}<br>{wrap('数据来源：' + source, width)}"


def caption_em(preset: Preset) -> int:
    """How many CJK characters a caption line holds: the caption is anchored at the plot's right edge and
    runs left across the whole figure (under the axis labels too), less the right margin."""
    return int((preset.width - MARGIN_RIGHT - 6) / preset.caption)


def _fill(parts: list[str], width: float, sep: str = " ｜ ") -> str:
    """Parts joined by `sep` on as few lines of at most `width` em as fit, a part split only if it alone
    is longer than a line."""
    lines: list[str] = []
    for part in parts:
        if lines and _width(lines[-1] + sep + part) <= width:
            lines[-1] += sep + part
        else:
            lines.extend(wrap(part, width).split("<br>"))
    return "<br>".join(lines)


def chart_title(name: str) -> str:
    """Title text: the chart's name, in bold, on one line (the unit and the period are its subtitle)."""
    return f"<b>{name}</b>"


def subtitle_text(ctx: Context) -> str:
    return f"{ctx.unit} · {ctx.period}"


def _fit(text: str, size: int, width: int) -> int:
    """The font size (at most `size`) at which `text` stays on one line of `width` px: bold CJK runs a
    little wider than its size."""
    return max(9, min(size, int(width / (_width(text) * 1.05 or 1))))


_BREAKS = "　，；（、｜· "  # where a line may break, best first: after these, or before an opening bracket


def _width(text: str) -> float:
    """Width in em: a CJK character is one, Latin letters and digits about half."""
    return sum(0.55 if ord(c) < 0x2E80 else 1.0 for c in text)


def wrap(text: str, width: float) -> str:
    """Break a label into lines of at most `width` em (CJK characters), at a space, a Chinese comma or
    before a bracket where possible, with <br> (plotly's line break); bold stays bold on every line."""
    bold = text.startswith("<b>") and text.endswith("</b>")
    plain = text[3:-4] if bold else text
    lines = []
    for part in plain.split("<br>"):
        line = ""
        for ch in part:
            if _width(line + ch) > width and line.strip():
                cuts = [line.rfind(b) + (b != "（") for b in _BREAKS if line.rfind(b) > 0]
                cut = next((c for c in cuts if c > len(line) * 0.4), len(line))
                lines.append(line[:cut].rstrip())
                line = line[cut:].lstrip()
            line += ch
        lines.append(line)
    return "<br>".join(f"<b>{l}</b>" if bold else l for l in lines)


def _lines(text: str) -> int:
    return text.count("<br>") + 1


def file_name(name: str, ctx: Context) -> str:
    """Download name of a chart image: its Chinese name, the unit and the period."""
    return f"{name}_{ctx.unit}_{ctx.period}"


# The chart toolbar and its messages in Chinese (plotly.js reads a locale passed in the config).
PLOTLY_LOCALE = {
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "矩形框选", "Lasso Select": "套索选择", "Pan": "平移", "Zoom": "缩放",
        "Zoom in": "放大", "Zoom out": "缩小", "Reset axes": "重置坐标轴", "Reset view": "重置视图", "Reset views": "重置视图",
        "Reset": "重置", "Toggle Spike Lines": "显示或隐藏辅助线", "Show closest data on hover": "悬停显示最近的数据",
        "Compare data on hover": "悬停比较数据", "Toggle show closest data on hover": "切换悬停显示方式",
        "Download plot as a PNG": "下载图片（PNG）", "Download plot as a png": "下载图片（PNG）", "Download plot": "下载图片",
        "Preparing image - this may take a few seconds": "正在生成图片，请稍候……",
        "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候……",
        "Image download succeeded": "图片已下载", "Snapshot succeeded": "图片已下载",
        "Sorry, there was a problem downloading your image!": "抱歉，图片下载失败，请重试。",
        "Sorry, there was a problem downloading your snapshot!": "抱歉，图片下载失败，请重试。",
        "Double-click to zoom back out": "双击恢复原始大小",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{m}月" for m in range(1, 13)], "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y年%-m月%-d日", "year": "%Y年", "month": "%Y年%-m月", "dayMonth": "%-m月%-d日",
        "dayMonthYear": "%Y年%-m月%-d日",
    },
}


def download_config(fig: go.Figure) -> dict:
    """plotly config for the chart toolbar: a PNG at twice the screen resolution, named in Chinese,
    no plotly logo, the toolbar's words in Chinese."""
    meta = fig.layout.meta or {}
    phone = ["zoom2d", "pan2d", "zoomIn2d", "zoomOut2d", "resetScale2d"] if meta.get("narrow") else []  # no drag
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": meta.get("filename", "图表")},
            "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", *phone],
            "locale": "zh-CN", "locales": {"zh-CN": PLOTLY_LOCALE}}


def chart_name(fig: go.Figure) -> str:
    return (fig.layout.meta or {}).get("chart", "")


_AXIS = re.compile(r"[xy]axis\d*")


def for_browser(fig: go.Figure) -> dict:
    """The figure as the browser is to draw it: the same chart, in a form that plotly.js draws once.

    Streamlit's chart element draws a figure as it mounts and then, in an effect, gives plotly.js a deep
    copy of it (its theme applied through a JSON round trip), so every chart on a page is drawn twice.
    Plotly.react skips the second drawing only if nothing in the copy differs from what it drew, and it
    compares some attributes by identity, which a copy never matches (measured in Chromium, 21 charts):
    - data arrays, unless `layout.datarevision` is set and unchanged: it is set here, from the data;
    - `layout.template` (its whole valType is "any"): its defaults are written into the layout instead
      (each axis, each key the figure leaves unset) and the template left out;
    - `layout.meta` when it is an object: only the chart's name goes, as a string. The file name and the
      caption that meta also holds are used on the server (download_config), not by plotly.js.
    - numeric arrays sent as base64 (see _lists).
    Redrawing a copy then costs 2-5 ms a chart instead of a whole drawing (10-45 ms)."""
    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    template = layout.pop("template", None) or {}
    defaults = template.get("layout", {})
    data = spec["data"] = [_lists(trace) for trace in spec.get("data", [])]
    axes = {key for key in layout if _AXIS.fullmatch(key)}
    if any(t.get("type", "scatter") in ("bar", "scatter", "heatmap") for t in data):
        axes |= {"xaxis", "yaxis"} | {_axis_key(t.get(ref), ref) for t in data for ref in ("xaxis", "yaxis")}
    # plotly.js draws no axis line, and no grid on the category axis of a bar trace, unless a colour for it
    # is *given*: from a template it is not, in the layout it is, so the layout says what the template left
    # unsaid (test_charts_render compares the two drawings element by element)
    categories = {_axis_key(t.get(key), key) for t in data if t.get("type") == "bar"
                  for key in ["yaxis" if t.get("orientation") == "h" else "xaxis"]}
    for key in axes:
        layout[key] = _with_defaults(layout.get(key) or {}, defaults.get(key[:5], {}))
        layout[key].setdefault("showline", False)  # likewise for every axis's line
        if key in categories:
            layout[key].setdefault("showgrid", False)
            layout[key].setdefault("zeroline", False)
    _with_defaults(layout, {k: v for k, v in defaults.items() if k not in ("xaxis", "yaxis")})
    layout["meta"] = chart_name(fig)
    layout["datarevision"] = hashlib.blake2b(pio.json.to_json_plotly(data).encode(), digest_size=8).hexdigest()
    return spec


def _lists(value):
    """`value` with its numeric arrays as lists. fig.to_dict() gives them as base64, which plotly.js decodes
    into a new typed array on every Plotly.react; a typed array is compared by identity, so a copy of the
    figure counted as new data and was drawn again whatever datarevision said."""
    if isinstance(value, dict) and set(value) in ({"dtype", "bdata"}, {"dtype", "bdata", "shape"}):
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return array.reshape([int(n) for n in str(value.get("shape", array.size)).split(",")]).tolist()
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(item) for item in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.tolist()
    return value


def _axis_key(ref: str | None, kind: str) -> str:
    """A trace's axis reference ("x2", None for "x") as its layout key ("xaxis2")."""
    return kind + (ref or kind[0])[1:]


def _with_defaults(target: dict, defaults: dict) -> dict:
    """Fill `target` with the `defaults` it does not set, nested dicts merged; `defaults` is not changed."""
    for key, value in defaults.items():
        if key not in target:
            target[key] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(target[key], dict):
            _with_defaults(target[key], value)
    return target


MARGIN_RIGHT = 24


def _figure(traces: list, name: str, ctx: Context, source: str, height: int, *, legend: bool = True,
            bottom: int = 34, legend_rows: int = 1, xaxis: dict | None = None, yaxis: dict | None = None,
            shapes: list | None = None, annotations: list | None = None, report_height: int | None = None,
            top: int | None = None, legend_below: bool = False, **layout) -> go.Figure:
    """Build the figure in one go, for its screen (ctx.preset), in the shared look: fonts, title,
    caption, download name.

    `bottom`: px below the plot area where the caption starts (room for tick labels);
    `legend_rows`: lines the legend needs; `report_height`: the height in 汇报模式 when not the usual
    one screen; `top`: px above the plot area when the x labels sit on top (grids); `legend_below`:
    the legend under the caption. One constructor call instead of a chain of updates keeps a figure at
    a few milliseconds (each plotly update re-validates the whole layout), and nothing redraws a
    finished figure for another screen.
    """
    preset = ctx.preset
    grow = preset.font / PRESETS["desktop"].font  # tick labels grow with the font: so does the room for them
    bottom = round(bottom * grow)
    if ctx.report and not ctx.narrow:
        height = report_height or max(int(height * preset.scale), REPORT_HEIGHT)
    axes = {}
    for key, spec in (("xaxis", xaxis or {}), ("yaxis", yaxis or {})):
        axes[key] = spec if spec.get("type") == "date" else {"tickformat": ",~f", **spec}  # 30,000, never "30k"
    text = caption_text(ctx, source)
    # anchored at the plot's right edge, running left: the whole width of the figure is the caption's,
    # whatever room the value axis's labels take on the left
    caption = {"text": text, "xref": "paper", "yref": "paper", "x": 1, "y": 0, "xanchor": "right",
               "yanchor": "top", "yshift": -bottom, "showarrow": False, "align": "right",
               "font": {"family": FONT_FAMILY, "size": preset.caption, "color": MUTED}}
    legend_row = round(preset.legend * 1.85)
    if legend and not ctx.narrow:  # the legend's lines at the narrowest chart with a legend (_compact: a phone's)
        needed = _legend_rows(traces, preset.legend_width - 10, preset.legend + 1)
        height += legend_row * max(0, needed - legend_rows)  # the plot keeps its height
        legend_rows = max(legend_rows, needed)
    title_size = _fit(name, preset.title, preset.width - 12)
    spec = {
        "template": TEMPLATE, "height": height, "showlegend": legend,
        "font": {"family": FONT_FAMILY, "size": preset.font, "color": TEXT},
        # one line of title and one of subtitle: a title of several lines anchored at the top is drawn
        # 0.7 em too high by plotly.js (its first line loses the cap shift) and is cut at the top
        "title": {"text": chart_title(name), "font": {"family": FONT_FAMILY, "size": title_size, "color": TEXT},
                  "subtitle": {"text": subtitle_text(ctx),
                               "font": {"family": FONT_FAMILY, "size": _fit(subtitle_text(ctx), preset.subtitle,
                                                                            preset.width - 12), "color": MUTED}},
                  "x": 0.01, "xanchor": "left", "xref": "container", "y": 1, "yref": "container", "yanchor": "top",
                  "pad": {"t": preset.pad}},
        "margin": {"l": 10, "r": MARGIN_RIGHT,
                   "t": top or (round(_title_block(preset)) + 16 + _legend_height(legend_rows, preset.legend)
                                if legend and not legend_below
                                else preset.top),
                   "b": bottom + 16 + round(preset.caption * 1.3) * _lines(text)
                        + (legend_row * legend_rows + 8 if legend_below else 0)},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                   "font": {"family": FONT_FAMILY, "size": preset.legend}, "traceorder": "normal",
                   **({"y": 0, "yref": "container", "yanchor": "bottom"} if legend_below else {})},
        "meta": {"chart": name, "filename": file_name(name, ctx), "caption": text},
        "separators": ".,", **({"shapes": shapes} if shapes else {}), "annotations": [*(annotations or []), caption],
        **axes, **layout,
    }
    if ctx.narrow:
        _compact(spec, traces, legend, top)
    if legend and not legend_below:
        # right under the subtitle, from the figure's left edge (the category labels take none of its
        # width), whatever the height: a legend of fewer lines than estimated leaves its room above the
        # plot, not between the subtitle and itself
        spec["legend"] = {**spec["legend"], "yref": "container", "yanchor": "top",
                          "y": 1 - (_title_block(preset) + 4) / spec["height"], "xref": "container", "x": 0.01}
    _reserve(spec, traces, preset, ctx.narrow)
    return go.Figure(data=traces, layout=spec, _validate=False)  # not validated: see _bar above


# px plotly.js's automargin leaves between a y axis's tick labels and the figure's edge (measured in Chromium)
AXIS_EDGE = {False: 11, True: 7}  # by narrow


def _reserve(spec: dict, traces: list, preset: Preset, narrow: bool) -> None:
    """Side margins as wide as plotly.js's automargin makes them for the y axes' labels and titles, so that
    it lays a chart out once: starting from a narrower margin it draws the chart, widens the margin and
    draws it all again (half of a chart's drawing time, measured in Chromium; a page switch draws five or
    six). Estimated a little wide; where a font runs wider still, automargin stays on and widens it."""
    for key, side in (("yaxis", "l"), ("yaxis2", "r")):
        axis = spec.get(key)
        on_axis = [t for t in traces if t.type in ("bar", "scatter", "heatmap")
                   and (t.yaxis or "y") == ("y2" if key == "yaxis2" else "y")]
        if axis is None or not on_axis or axis.get("visible") is False:
            continue
        room = _tick_room(axis, on_axis, spec, preset)
        title = (axis.get("title") or {}).get("text") if isinstance(axis.get("title"), dict) else None
        if title:
            room += (1.3 * _lines(title) + 0.6) * preset.font
        if room:
            room = room * 1.04 + 3
        elif side == "l":
            continue  # labels above the bars (a phone): what automargin adds here depends on the margin itself
        spec["margin"][side] = max(spec["margin"][side], math.ceil(room + AXIS_EDGE[narrow] + 1))


def _tick_room(axis: dict, traces: list, spec: dict, preset: Preset) -> float:
    """Px the tick labels of a y axis take, as plotly.js draws them: its category labels, or the longest
    value it may label (a round figure past the largest bar or stack)."""
    if axis.get("showticklabels") is False:
        return 0
    size = (axis.get("tickfont") or {}).get("size") or preset.font
    labels = axis.get("ticktext") or axis.get("categoryarray")
    if labels is None:
        values = [v for t in traces for v in (t.y if t.y is not None else ()) if v is not None]
        if values and all(isinstance(v, str) for v in values):
            labels = values
    if labels is not None:
        return max((max(_width(_plain(line)) for line in str(c).split("<br>")) for c in labels), default=0) * size
    suffix = axis.get("ticksuffix") or ""
    if axis.get("range") and isinstance(axis.get("dtick"), (int, float)):
        low, high = axis["range"]
        top = max(abs(low), abs(high))
    else:
        numbers = [_number(v) for t in traces for v in (t.y if t.y is not None else ())]
        top = max(numbers, default=0)
        if spec.get("barmode") == "stack":  # a stack's axis runs to the highest total
            totals: dict = {}
            for t in traces:
                if t.type == "bar":
                    for x, v in zip(t.x if t.x is not None else (), t.y if t.y is not None else ()):
                        totals[x] = totals.get(x, 0) + _number(v)
            top = max([top, *totals.values()])
    labels = [f"{math.ceil(top * 1.1):,}", "0.5" if top < 5 else "0", "0.25" if top < 1 else "0"]
    return max(_width(label + suffix) for label in labels) * size


def _number(v) -> float:
    try:
        return abs(float(v))
    except (TypeError, ValueError):
        return 0.0


def _title_block(preset: Preset) -> float:
    """Px from the figure's top to the bottom of the subtitle (measured in Chromium, a little over)."""
    return preset.pad + 1.3 * preset.title + 2.1 * preset.subtitle


PHONE_WIDTH = 358  # a 390 px phone less the page's padding: what a chart has
LABEL_EM = 8  # category labels wrap at this many CJK characters on a phone (about 100 px)
TEXT_EM = 11  # value texts beside bars wrap at this many


def _legend_height(rows: int, size: int) -> int:
    """Px plotly.js's horizontal legend of `rows` lines takes (measured in Chromium: a line is the 12 px
    swatch or the text, whichever is taller, plus the gaps)."""
    return 10 + rows * max(19, round(1.5 * size + 1))


def _legend_rows(traces: list, width: float = PHONE_WIDTH, size: int = 12) -> int:
    """Lines a horizontal legend takes across `width` px. Once its items do not fit on one line,
    plotly.js lays them out in a grid of equal columns as wide as the widest item (a 40 px swatch,
    its name and a gap)."""
    items = [40 + _width(t.name) * size + 6 for t in traces if t.showlegend is not False and t.name]
    if not items or sum(items) <= width:
        return 1
    return math.ceil(len(items) / max(1, int(width // max(items))))


def _beside(traces: list, yaxis: dict | None, size: int) -> float:
    """Px the category labels of horizontal bars take left of the plot (where the legend starts)."""
    cats = (yaxis or {}).get("categoryarray") or (yaxis or {}).get("tickvals") or []
    if not cats or not any(getattr(t, "orientation", None) == "h" or t.type == "heatmap" for t in traces):
        return 0
    return max(_width(_plain(c)) for c in cats) * size + 14


def _plain(label) -> str:
    return str(label).replace("<b>", "").replace("</b>", "")


def _compact(spec: dict, traces: list, legend: bool, top: int | None = None) -> None:
    """The same figure laid out for a phone: smaller fonts; long category labels (indicator names)
    above their bars instead of beside them, so that the bars keep the width; value texts wrapped;
    the legend in rows across the width; the caption in short lines; at most five
    value ticks; months as their numbers under an axis titled 月份; no drag-to-zoom (a finger on a chart scrolls
    the page)."""
    spec["dragmode"] = False
    spec["meta"] = {**spec["meta"], "narrow": True}
    horizontal = any(getattr(t, "orientation", None) == "h" for t in traces)
    y = spec.get("yaxis") or {}
    cats = list(y.get("categoryarray") or y.get("tickvals") or []) if horizontal else []
    above = bool(cats) and max(_width(_plain(c)) for c in cats) > 6
    below = spec["legend"].get("yref") == "container"  # a grid's legend, under the caption
    # a legend on top starts at the figure's left edge (_figure); a grid's, under it, where the plot does:
    # after the row labels
    rows = _legend_rows(traces, PHONE_WIDTH - (_beside(traces, y, 12) if below else 0)) if legend else 0
    top = top or (PRESETS["phone"].top if below or not rows
                  else round(_title_block(PRESETS["phone"])) + 12 + _legend_height(rows, PRESETS["phone"].legend))
    x = spec.get("xaxis") or {}
    under = 0  # px more under the plot for category labels of vertical bars wrapped onto two lines
    if not horizontal and x.get("categoryarray"):
        ticks = [wrap(str(c), 4) for c in x["categoryarray"]]
        spec["xaxis"] = {**x, "tickvals": list(x["categoryarray"]), "ticktext": ticks}
        under = 15 * (max(_lines(t) for t in ticks) - 1)
    caption = spec["annotations"][-1]
    caption_text = "<br>".join(wrap(line, 21) for line in caption["text"].replace(" ｜ ", "<br>").split("<br>"))
    shift = int(caption.get("yshift", -34)) - under
    spec["annotations"][-1] = {**caption, "text": caption_text, "yshift": shift}
    bottom = -shift + 14 * _lines(caption_text) + 8 + (22 * rows if below else 0)
    spec["margin"] = {**spec["margin"], "l": 4, "r": 8, "t": top, "b": bottom}
    spec["height"] += under
    for key in ("xaxis", "yaxis"):
        axis = spec.get(key) or {}
        if axis.get("type") == "date":  # twelve "1月" do not fit: the month's number under it, 月份 once
            axis = {**axis, "tickformat": "%-m", "tickfont": {"size": 11}, "title": {"text": "月份", "standoff": 4}}
        elif isinstance(axis.get("dtick"), (int, float)) and axis.get("range"):
            ticks = (axis["range"][1] - axis["range"][0]) / axis["dtick"]
            axis = {**axis, "dtick": axis["dtick"] * max(1, math.ceil(ticks / 5))}
        if isinstance((axis.get("title") or {}).get("text"), str):
            axis = {**axis, "title": {**axis["title"], "text": wrap(axis["title"]["text"], 24)}}
        spec[key] = axis
    y = spec.get("yaxis") or {}
    names = dict(zip(y.get("tickvals") or cats, y.get("ticktext") or cats))
    if above:
        # per row: the label line, then the bar; the label sits just above its bar
        row, gap = 56, 0.5
        spec["yaxis"] = {**y, "showticklabels": False}
        spec["bargap"] = gap
        spec["height"] = top + bottom + row * len(cats) + 10
        lift = row * (1 - gap) / 2 + 1
        spec["annotations"] = [*spec["annotations"][:-1], *[
            {"text": wrap(str(names.get(c, c)), 30), "x": 0, "xref": "paper", "xanchor": "left", "y": c, "yref": "y",
             "yanchor": "bottom", "yshift": lift, "showarrow": False, "align": "left",
             "font": {"family": FONT_FAMILY, "size": 12, "color": TEXT}} for c in cats], spec["annotations"][-1]]
    elif cats:
        spec["yaxis"] = {**y, "tickfont": {"size": 11}}
    for t in traces:
        if getattr(t, "mode", None) == "text" and t.text is not None:
            # beside a bar with its label above there is room for two lines of 17, not three of 11
            t.text = [wrap(str(v), 17 if above else TEXT_EM) for v in t.text]
            t.textfont.update(size=11)


def _no_data(name: str, ctx: Context, source: str, text: str = "暂无数据", height: int = 320) -> go.Figure:
    note = {"text": text, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
            "font": {"family": FONT_FAMILY, "size": 16, "color": MUTED}}
    return _figure([], name, ctx, source, height, legend=False, xaxis={"visible": False}, yaxis={"visible": False},
                   annotations=[note])


def _key(name: str, color: str, symbol: str = "square", line: dict | None = None) -> go.Scatter:
    """A legend item with no data (for colours drawn by shapes, heat maps or per-bar colours)."""
    if line:
        return _scatter(x=[None], y=[None], mode="lines", name=name, hoverinfo="skip", line=line)
    return _scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                      marker={"color": color, "size": 12, "symbol": symbol})


def _clear_of_marks(ends, marks, texts, top: float, ctx: Context, plot_share: float = 0.55) -> list[float]:
    """Where each bar's value text starts (axis units) so that it never sits on a pace mark: right after
    the bar's end, or, when a mark (the 时间进度 line, the row's 按节奏应完成 tick, the 100% target) falls
    where the text would be, just past the furthest such mark.

    `marks`: per row, the x of every vertical mark on it. The text's width in axis units is estimated
    for the narrowest plot the preset draws (its width x `plot_share`, the rest being the category
    labels), so the estimate errs wide: a text is moved past a mark it might touch, never left on it.
    """
    preset = ctx.preset
    plot_px = preset.width * (0.92 if ctx.narrow else plot_share)  # a phone's names sit above the bars
    unit = top / plot_px  # axis units per px
    gap = 5 * unit
    out = []
    for end, row_marks, text in zip(ends, marks, texts):
        start = end + gap
        width = (_width(str(text)) * preset.font + 4) * unit
        moved = True
        while moved:  # a text moved past one mark may reach the next
            moved = False
            for m in row_marks:
                if start - 3 * unit <= m <= start + width + 3 * unit:
                    start, moved = m + gap, True
        out.append(start)
    return out


def _vline(x, color: str, dash: str = "dash", width: int = 2) -> dict:
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
            "line": {"color": color, "dash": dash, "width": width}}


def _hline(y, color: str, dash: str = "dot", width: int = 2) -> dict:
    return {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": y, "y1": y,
            "line": {"color": color, "dash": dash, "width": width}}


def _counts(top: float, title: str | None = None) -> dict:
    """A value axis for counts from 0 to `top`: whole-number ticks when the numbers are small."""
    axis = {"range": [0, top or 1], "rangemode": "tozero"}
    if top <= 8:
        axis["dtick"] = 1
    if title:
        axis["title"] = {"text": title}
    return axis


def _bar_height(n: int, per: int = 30, extra: int = 170) -> int:
    return max(300, extra + per * n)


def _pct(v) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:.0f}%"


def _ticks(items: list[str], highlight: str | None) -> list[str]:
    """Axis labels with the highlighted one (the unit chosen in the sidebar) in bold."""
    return [f"<b>{i}</b>" if i == highlight else i for i in items]


def _category_axis(items: list[str], highlight: str | None = None, **extra) -> dict:
    """A category axis listing `items` top to bottom (for horizontal bars)."""
    return {"categoryorder": "array", "categoryarray": items[::-1], "tickvals": items,
            "ticktext": _ticks(items, highlight), **extra}


# ---------------------------------------------------------------- overview

def pace_bars(rows: pd.DataFrame, ctx: Context, time_progress: float) -> go.Figure:
    """Completion of every indicator (a bar coloured by status) with its pace marked on it.

    `rows`: label, completion (0-1), expected_completion (0-1), status, value_text. The dashed line
    is the year's 时间进度; each black tick is what the indicator's rhythm expects by now.
    """
    name = "各项指标完成进度"
    if rows.empty:
        return _no_data(name, ctx, SOURCE_ALL)
    labels = list(rows.label)
    x = (rows.completion.fillna(0) * 100).round(1)
    expected = (rows.expected_completion.fillna(0) * 100).round(1)
    traces = []
    for status in STATUSES:
        mask = rows.status == status
        if mask.any():
            traces.append(_bar(
                y=rows.label[mask], x=x[mask], orientation="h", name=status_word(status, ctx), marker_color=STATUS_COLORS[status],
                customdata=list(zip(rows.value_text[mask], rows.status[mask], expected[mask])),
                hovertemplate="%{y}<br>完成 %{customdata[0]}（%{x:.1f}%）<br>应完成 %{customdata[2]:.1f}%<br>"
                              "%{customdata[1]}<extra></extra>"))
    traces.append(_scatter(
        y=rows.label, x=expected, mode="markers", name="按节奏应完成",
        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": PACE}, "color": PACE},
        hovertemplate="%{y}<br>按节奏应完成 %{x:.1f}%<extra></extra>"))
    tp = round(time_progress * 100, 1)
    traces.append(_key(f"时间进度 {tp:.1f}%", ALERT, line={"dash": "dash", "color": ALERT, "width": 2}))
    texts = [f"{v:.0f}%" for v in x]
    top = max(118.0, min(float(x.max()) * 1.12 + 12, 232.0))  # room for a text moved past the line
    traces.append(_scatter(y=rows.label, x=_clear_of_marks(x, [(tp, e) for e in expected], texts, top, ctx),
                             mode="text", text=texts, textposition="middle right", showlegend=False,
                             hoverinfo="skip", cliponaxis=False))
    return _figure(traces, name, ctx, SOURCE_ALL, _bar_height(len(rows)), bottom=30,
                   xaxis={"range": [0, top], "ticksuffix": "%", "dtick": 25},
                   yaxis={"categoryorder": "array", "categoryarray": labels[::-1]},
                   shapes=[_vline(tp, ALERT)], barmode="overlay", bargap=0.35)


def completion_gauge(completion: float, time_progress: float, ctx: Context) -> go.Figure:
    """Overall completion on a gauge, with the year's 时间进度 as the threshold to beat; the difference
    is written under the gauge (plotly's own delta sits so close to the number that their boxes meet)."""
    name = "时间进度与总体完成率"
    value, tp = round(completion * 100, 1), round(time_progress * 100, 1)
    gap = round(value - tp, 1)
    gauge = _indicator(
        mode="gauge+number", value=value,
        number={"suffix": "%", "valueformat": ".1f", "font": {"size": 30 if ctx.narrow else 40}},
        title={"text": f"总体完成率（时间进度 {tp:.1f}%）", "font": {"size": 14}},
        gauge={"axis": {"range": [0, 100], "ticksuffix": "%"}, "bar": {"color": ACTUAL, "thickness": 0.55},
               "steps": [{"range": [0, tp], "color": "#EDEDED"}],
               "threshold": {"line": {"color": ALERT, "width": 4}, "thickness": 0.9, "value": tp}},
        domain={"x": [0.12, 0.88] if ctx.narrow else [0.06, 0.94], "y": [0.14, 0.92]})
    delta = {"text": f"{'▲' if gap >= 0 else '▼'} 较时间进度 {gap:+.1f} 个百分点", "x": 0.5, "y": 0.0,
             "xref": "paper", "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
             "font": {"size": 13 if ctx.narrow else 16, "color": STATUS_COLORS[DONE] if gap >= 0 else STATUS_COLORS[LAGGING]}}
    # the gauge's own title sits above its arc: room for it under the chart's subtitle
    return _figure([gauge], name, ctx, SOURCE_ALL, 340, legend=False, bottom=4, annotations=[delta],
                   report_height=SMALL_REPORT_HEIGHT, top=ctx.preset.top + 2 * ctx.preset.font)


def status_counts_bar(counts: dict, ctx: Context, what: str = "项") -> go.Figure:
    """How many indicators (or unit x indicator cells) are in each status, in the app's palette."""
    name = "指标状态分布"
    statuses = [s for s in STATUSES if s in counts]
    values = [counts[s] for s in statuses]
    bar = _bar(x=[status_word(s, ctx) for s in statuses], y=values, marker_color=[STATUS_COLORS[s] for s in statuses],
                 text=[f"{v} {what}" for v in values], textposition="outside", cliponaxis=False,
                 hovertemplate="%{x}：%{y} " + what + "<extra></extra>")
    return _figure([bar], name, ctx, SOURCE_ALL, 340, legend=False, bottom=30,
                   yaxis=_counts(max(values + [1]) * 1.2), report_height=SMALL_REPORT_HEIGHT)


def lagging_units_bar(by_unit: pd.DataFrame, ctx: Context) -> go.Figure:
    """滞后预警: for each lagging unit, how many indicators lag and how many have not started.

    `by_unit`: unit, 进度滞后, 未开展, total, indicators (text).
    """
    name = "各单位滞后指标数"
    if by_unit.empty:
        return _no_data(name, ctx, SOURCE_ALL, "没有进度滞后或未开展的指标", 300)
    units = list(by_unit.unit)
    traces = [_bar(y=by_unit.unit, x=by_unit[status], orientation="h", name=status_word(status, ctx),
                     marker_color=STATUS_COLORS[status], customdata=by_unit.indicators,
                     hovertemplate="%{y}：" + status_word(status, ctx) + " %{x} 项<br>%{customdata}<extra></extra>")
              for status in (NOT_STARTED, LAGGING)]
    traces.append(_scatter(y=by_unit.unit, x=by_unit.total, mode="text", text=[f"{t} 项" for t in by_unit.total],
                             textposition="middle right", showlegend=False, hoverinfo="skip", cliponaxis=False))
    most = int(by_unit.total.max())
    return _figure(traces, name, ctx, SOURCE_ALL, _bar_height(len(by_unit), 34), bottom=52,
                   xaxis=_counts(most * 1.25, "指标数（项）"),
                   yaxis={"categoryorder": "array", "categoryarray": units[::-1]}, barmode="stack", bargap=0.35)


def status_grid(cells: pd.DataFrame, ctx: Context, name: str, source: str, columns: list[str], rows: list[str],
                highlight: str | None = None, column_labels: dict | None = None) -> go.Figure:
    """A grid of cells coloured by status (unit x indicator, unit x duty), with text in each cell.

    `cells`: row, column, status, text, hover. Rows run top to bottom in the order given; the
    `highlight` row's label is bold.
    """
    if cells.empty:
        return _no_data(name, ctx, source)
    index = {s: i for i, s in enumerate(STATUSES)}
    found = {(r, c): (index[s], t, h) for r, c, s, t, h in
             zip(cells.row, cells.column, cells.status, cells.text, cells.hover)}
    blank = (index[NOT_APPLICABLE], "", "")
    z = [[found.get((r, c), blank)[0] for c in columns] for r in rows]
    text = [[found.get((r, c), blank)[1] for c in columns] for r in rows]
    hover = [[found.get((r, c), blank)[2] for c in columns] for r in rows]
    n = len(STATUSES)
    scale = [pair for i, s in enumerate(STATUSES)
             for pair in ([i / n, STATUS_COLORS[s]], [(i + 1) / n, STATUS_COLORS[s]])]
    # on a phone the cells are too small for words: colours, upright column labels, the words on a tap
    traces = [_heatmap(z=z, x=columns, y=rows, text=text, customdata=hover,
                         texttemplate="" if ctx.narrow else "%{text}",
                         textfont={"size": 11}, colorscale=scale, zmin=-0.5, zmax=n - 0.5, showscale=False,
                         xgap=2, ygap=2, hovertemplate="%{customdata}<extra></extra>")]
    present = set(cells.status)
    traces += [_key(status_word(s, ctx), STATUS_COLORS[s]) for s in STATUSES if s in present]
    labels = column_labels or {}
    ticks = [labels.get(c, c) for c in columns]
    xaxis = {"side": "top", "tickvals": columns, "ticktext": ticks, "showgrid": False}
    top = 140
    if ctx.narrow:
        tall = max(max(_width(part) for part in str(t).split("<br>")) for t in ticks)
        xaxis.update(tickangle=-90, tickfont={"size": 10})
        top = int(70 + 11 * tall)
    # x labels sit on top under the title, so the legend goes to the bottom, below the caption
    return _figure(traces, name, ctx, source, max(380, 210 + 30 * len(rows)), bottom=8, top=top, legend_below=True,
                   xaxis=xaxis, yaxis={**_top_down(len(rows)), "tickvals": rows, "ticktext": _ticks(rows, highlight),
                                       "showgrid": False})


def _top_down(rows: int) -> dict:
    """A grid's y axis, its first row at the top: the range plotly.js's autorange "reversed" gives, fixed.
    With "reversed", Plotly.react redraws the whole grid when given a copy of the figure (see for_browser):
    30-40 ms for the status grid, which Streamlit redraws as it mounts."""
    return {"range": [rows - 0.5, -0.5], "autorange": False}


def year_comparison(comp: pd.DataFrame, ctx: Context, current: str, previous: str) -> go.Figure:
    """Completion (%) of each indicator this period beside the same period last year.

    `comp`: label, current, previous (percent; NaN where the indicator did not apply).
    """
    name = "与上年同期对比"
    if comp.empty:
        return _no_data(name, ctx, SOURCE_ALL)
    # added bottom-up so that this year's bar sits above last year's; the legend in reading order
    traces = [_bar(y=comp.label, x=comp[col].round(1), orientation="h", name=series, marker_color=color,
                     legendrank=rank, text=[_pct(v) for v in comp[col]], textposition="outside", cliponaxis=False,
                     hovertemplate="%{y}<br>" + series + "：%{x:.1f}%<extra></extra>")
              for col, series, color, rank in (("previous", previous, LAST_YEAR, 2), ("current", current, ACTUAL, 1))]
    top = max(110.0, min(float(pd.concat([comp.current, comp.previous]).max() or 0) * 1.15, 220.0))
    return _figure(traces, name, ctx, SOURCE_ALL, _bar_height(len(comp), 44), bottom=30,
                   xaxis={"range": [0, top], "ticksuffix": "%", "dtick": 25},
                   yaxis={"categoryorder": "array", "categoryarray": list(comp.label)[::-1]},
                   barmode="group", bargap=0.25, bargroupgap=0.05)


# ---------------------------------------------------------------- lines of work

def rhythm_bullets(rows: pd.DataFrame, ctx: Context, name: str, source: str) -> go.Figure:
    """Done against the rhythm, in the indicators' own measures: a bar of what is done, a tick for
    what the rhythm expects by now and a hollow diamond for the yearly target.

    `rows`: label, value, expected, target, measure, status.
    """
    if rows.empty:
        return _no_data(name, ctx, source, height=300)
    labels = list(rows.label)
    done = rows.value.fillna(0)
    traces = []
    for status in STATUSES:
        mask = rows.status == status
        if mask.any():
            traces.append(_bar(
                y=rows.label[mask], x=done[mask], orientation="h", name=status_word(status, ctx), marker_color=STATUS_COLORS[status],
                customdata=list(zip(rows.expected[mask].fillna(0).round(1), rows.target[mask], rows.measure[mask])),
                hovertemplate="%{y}<br>已完成 %{x:,.0f} %{customdata[2]}，应完成 %{customdata[0]}，"
                              "全年目标 %{customdata[1]:,.0f}<extra></extra>"))
    traces.append(_scatter(y=rows.label, x=rows.expected.round(2), mode="markers", name="按节奏应完成",
                             marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": PACE}},
                             hovertemplate="%{y}<br>按节奏应完成 %{x:.1f}<extra></extra>"))
    traces.append(_scatter(y=rows.label, x=rows.target, mode="markers", name="全年目标",
                             marker={"symbol": "diamond-open", "size": 13, "line": {"width": 2}, "color": PACE},
                             hovertemplate="%{y}<br>全年目标 %{x:,.0f}<extra></extra>"))
    ends = pd.concat([done, rows.target, rows.expected.fillna(0)], axis=1).max(axis=1)
    top = float(ends.max()) * 1.4 or 1
    traces.append(_scatter(y=rows.label, x=ends + top * 0.025, mode="text", showlegend=False, hoverinfo="skip",
                             cliponaxis=False, textposition="middle right",
                             text=[f"{v:,.0f} / {t:,.0f} {m}" for v, t, m in zip(done, rows.target, rows.measure)]))
    return _figure(traces, name, ctx, source, _bar_height(len(rows), 40), bottom=30,
                   xaxis=_counts(top),
                   yaxis={"categoryorder": "array", "categoryarray": labels[::-1]}, barmode="overlay", bargap=0.4)


def _month_axis(year: int, bars: bool = True) -> dict:
    """A date axis over the year, each month's label under the middle of the month (the year is in the
    title); hovers name the month (bars) or the day (lines) with the year."""
    if bars:
        return {"type": "date", "tickformat": MONTH_TICK, "dtick": "M1", "ticklabelmode": "period",
                "range": [f"{year}-01-01", f"{year + 1}-01-01"], "hoverformat": MONTH_FORMAT}
    # labels mid-month for lines too: at 1 January "1月" would sit on the value axis's 0
    return {"type": "date", "tickformat": MONTH_TICK, "dtick": "M1", "ticklabelmode": "period",
            "range": [f"{year}-01-01", f"{year}-12-31"],
            "hoverformat": DAY_FORMAT}


def _quarter_marks(year: int) -> tuple[list, list]:
    """Quarter boundaries and names, so a per-quarter rhythm can be read off a monthly chart."""
    shapes = [_vline(f"{year}-{m:02d}-01", "#B0B0B0", "dot", 1) for m in (4, 7, 10)]
    notes = [{"x": f"{year}-{m + 1:02d}-15", "y": 1, "yref": "paper", "yanchor": "top", "showarrow": False,
              "text": f"第{'一二三四'[i]}季度", "font": {"size": 11, "color": MUTED}} for i, m in enumerate((1, 4, 7, 10))]
    return shapes, notes


def monthly_stacked(data: pd.DataFrame, ctx: Context, year: int, name: str, source: str, categories,
                    measure: str = "次", quarters: bool = True) -> go.Figure:
    """Counts per month stacked by category (one colour per category), months in Chinese.

    `data`: month (first day), category, count.
    """
    if data.empty or not data["count"].sum():
        return _no_data(name, ctx, source, "本期没有记录", 380)
    traces = []
    for i, cat in enumerate(categories):
        part = data[data.category == cat]
        if part["count"].sum():
            traces.append(_bar(x=part.month, y=part["count"], name=cat, marker_color=SERIES[i % len(SERIES)],
                                 xperiod="M1", xperiodalignment="middle",
                                 hovertemplate="%{x|" + MONTH_FORMAT + "}<br>" + cat + "：%{y:,.0f} " + measure
                                               + "<extra></extra>"))
    totals = data.groupby("month", as_index=False)["count"].sum()
    totals = totals[totals["count"] > 0]
    traces.append(_scatter(x=totals.month, y=totals["count"], mode="text",
                             text=[f"{v:,.0f}" for v in totals["count"]], textposition="top center", showlegend=False, hoverinfo="skip", xperiod="M1",
                             xperiodalignment="middle", cliponaxis=False))
    shapes, notes = _quarter_marks(year) if quarters else ([], [])
    shown = len(traces) - 1
    return _figure(traces, name, ctx, source, 460, bottom=82, legend_rows=2 if shown > 3 else 1,
                   xaxis=_month_axis(year), shapes=shapes, annotations=notes,
                   yaxis=_counts(float(totals["count"].max()) * 1.4, f"数量（{measure}）"),
                   barmode="stack", bargap=0.3)


def cumulative_vs_pace(actual: pd.DataFrame, pace: pd.DataFrame, target: float, ctx: Context, year: int, name: str,
                       source: str, measure: str) -> go.Figure:
    """The running total against the pace line and the yearly target.

    `actual`: date, value (cumulative); `pace`: date, expected (cumulative).
    """
    traces = [
        _scatter(x=pace.date, y=pace.expected.round(2), mode="lines", name="按节奏应完成",
                   line={"color": PACE, "dash": "dash", "width": 2},
                   hovertemplate="%{x|" + DAY_FORMAT + "}<br>应完成 %{y:,.1f} " + measure + "<extra></extra>"),
        _scatter(x=actual.date, y=actual.value, mode="lines+markers", name="实际累计",
                   line={"color": ACTUAL, "width": 3}, marker={"size": 7},
                   hovertemplate="%{x|" + DAY_FORMAT + "}<br>累计 %{y:,.0f} " + measure + "<extra></extra>"),
    ]
    shapes, notes = [], []
    if target:
        shapes.append(_hline(target, STATUS_COLORS[DONE]))
        notes.append({"x": f"{year}-01-05", "y": target, "text": f"全年目标 {target:,.0f} {measure}", "showarrow": False,
                      "xanchor": "left", "yanchor": "bottom", "font": {"color": STATUS_COLORS[DONE], "size": 12}})
    top = max(float(actual.value.max()) if len(actual) else 0, target or 0,
              float(pace.expected.max()) if len(pace) else 0)
    if len(actual):
        last = actual.iloc[-1]
        spot = _free_spot(pd.Timestamp(last.date), float(last.value), f"{last.value:,.0f}", pace, target, year,
                          top * 1.15, ctx)
        if spot:
            notes.append({"x": last.date, "y": last.value, "text": f"{last.value:,.0f}", "showarrow": True,
                          "arrowhead": 0, "ax": spot[0], "ay": spot[1], "font": {"color": ACTUAL, "size": 13},
                          "bgcolor": "rgba(255,255,255,0.8)"})
        elif target:  # nowhere free by the point: the total goes with the target's note
            notes[-1]["text"] += f"（已完成 {last.value:,.0f} {measure}）"
    return _figure(traces, name, ctx, source, 420, bottom=82, xaxis=_month_axis(year, bars=False),
                   yaxis=_counts(top * 1.15, f"累计（{measure}）"),
                   shapes=shapes, annotations=notes)


def _free_spot(x: pd.Timestamp, y: float, text: str, pace: pd.DataFrame, target: float, year: int, top: float,
               ctx: Context) -> tuple[int, int] | None:
    """Where a label pointing at (x, y) goes, as plotly's (ax, ay) px offsets: the first of above-left,
    below-right, above-right, below-left where no line runs under it (the pace line, the target line,
    the quarter marks). Px are turned into axis units for the smallest plot the preset draws, so the
    label's box is estimated large; None when no side is free."""
    preset = ctx.preset
    height = 420 * (preset.scale if ctx.report and not ctx.narrow else 1)
    days_px = 365 / (preset.width * 0.75)
    units_px = top / (height * 0.4)
    half_w, half_h = (_width(text) * 13 + 10) / 2, 12
    quarters = [pd.Timestamp(year, m, 1) for m in (4, 7, 10)]
    for ax, ay in ((-24, -24), (24, 24), (24, -24), (-24, 24)):
        x0, x1 = (x + pd.Timedelta(days=(ax - half_w) * days_px), x + pd.Timedelta(days=(ax + half_w) * days_px))
        y0, y1 = y - (ay + half_h) * units_px, y - (ay - half_h) * units_px
        if y0 < 0 or y1 > top or x0 < pd.Timestamp(year, 1, 1) or x1 > pd.Timestamp(year, 12, 31):
            continue
        under = pace[(pace.date >= x0) & (pace.date <= x1)].expected
        if (target and y0 <= target <= y1) or any(x0 <= q <= x1 for q in quarters) \
                or (len(under) and under.min() <= y1 and under.max() >= y0):
            continue
        return ax, ay
    return None


def bars_with_line(data: pd.DataFrame, ctx: Context, year: int, name: str, source: str, bar: str, line: str,
                   bar_measure: str, line_measure: str) -> go.Figure:
    """Monthly bars of one measure with a second measure as a line on its own axis.

    `data`: month, bar, line (values of the two measures).
    """
    traces = [
        _bar(x=data.month, y=data.bar, name=f"{bar}（{bar_measure}）", marker_color=SERIES[0], xperiod="M1",
               xperiodalignment="middle",
               hovertemplate="%{x|" + MONTH_FORMAT + "}<br>" + bar + " %{y:,.0f} " + bar_measure + "<extra></extra>"),
        _scatter(x=data.month, y=data.line, name=f"{line}（{line_measure}）", yaxis="y2", mode="lines+markers",
                   line={"color": SERIES[1], "width": 3}, xperiod="M1", xperiodalignment="middle",
                   hovertemplate="%{x|" + MONTH_FORMAT + "}<br>" + line + " %{y:,.1f} " + line_measure
                                 + "<extra></extra>"),
    ]
    return _figure(traces, name, ctx, source, 420, bottom=82, xaxis=_month_axis(year),
                   yaxis={"title": {"text": f"{bar}（{bar_measure}）"}, "rangemode": "tozero"},
                   yaxis2={"title": {"text": f"{line}（{line_measure}）"}, "overlaying": "y", "side": "right",
                           "rangemode": "tozero", "showgrid": False, "tickmode": "auto", "tickformat": ",~f"})


def unit_stacked(data: pd.DataFrame, ctx: Context, name: str, source: str, categories, units: list[str],
                 measure: str = "次", highlight: str | None = None) -> go.Figure:
    """Year-to-date counts per unit, stacked by category; units with none say so.

    `data`: unit, category, count.
    """
    traces = []
    for i, cat in enumerate(categories):
        part = data[data.category == cat]
        if part["count"].sum():
            traces.append(_bar(y=part.unit, x=part["count"], orientation="h", name=cat,
                                 marker_color=SERIES[i % len(SERIES)],
                                 hovertemplate="%{y}<br>" + cat + "：%{x:,.0f} " + measure + "<extra></extra>"))
    totals = data.groupby("unit", sort=False)["count"].sum().reindex(units).fillna(0)
    traces.append(_scatter(y=list(totals.index), x=totals.values, mode="text", showlegend=False, hoverinfo="skip",
                             text=[f"{v:,.0f}" if v else "0（未开展）" for v in totals.values],
                             textposition="middle right", cliponaxis=False))
    return _figure(traces, name, ctx, source, _bar_height(len(units), 28), bottom=52,
                   yaxis=_category_axis(units, highlight),
                   xaxis=_counts(max(float(totals.max()), 1) * 1.2, f"数量（{measure}）"),
                   barmode="stack", bargap=0.3)


def status_bars(data: pd.DataFrame, ctx: Context, name: str, source: str, measure: str, category: str = "unit",
                horizontal: bool = True, highlight: str | None = None) -> go.Figure:
    """One bar per category (unit, key date) coloured by status; zero bars are labelled with their status.

    `data`: the category column, value, status, and optional `note` (hover text) and `zero` (what
    a zero bar says instead of its status, e.g. 未到期).
    """
    if data.empty:
        return _no_data(name, ctx, source, height=300)
    cats = list(data[category])
    notes = data["note"] if "note" in data else pd.Series([""] * len(data), index=data.index)
    zero = data["zero"] if "zero" in data else data.status
    texts = pd.Series([f"{v:,.0f}" if v else f"0（{z}）" for v, z in zip(data.value, zero)], index=data.index)
    traces = []
    for status in STATUSES:
        mask = data.status == status
        if not mask.any():
            continue
        common = {"name": status_word(status, ctx), "marker_color": STATUS_COLORS[status], "text": list(texts[mask]),
                  "textposition": "outside", "cliponaxis": False, "customdata": list(notes[mask])}
        if horizontal:
            traces.append(_bar(y=data[category][mask], x=data.value[mask], orientation="h", **common,
                                 hovertemplate="%{y}：%{x:,.0f} " + measure + "<br>" + status_word(status, ctx)
                                               + " %{customdata}<extra></extra>"))
        else:
            traces.append(_bar(x=data[category][mask], y=data.value[mask], **common,
                                 hovertemplate="%{x}：%{y:,.0f} " + measure + "<br>" + status_word(status, ctx)
                                               + " %{customdata}<extra></extra>"))
    top = max(float(data.value.max()), 1) * 1.3
    value_axis = _counts(top, f"数量（{measure}）")
    if horizontal:
        return _figure(traces, name, ctx, source, _bar_height(len(cats), 28), bottom=52,
                       yaxis=_category_axis(cats, highlight), xaxis=value_axis, barmode="overlay", bargap=0.35)
    return _figure(traces, name, ctx, source, 380, bottom=34, xaxis={"categoryorder": "array", "categoryarray": cats},
                   yaxis=value_axis, barmode="overlay", bargap=0.35)


def category_bars(data: pd.DataFrame, ctx: Context, name: str, source: str, measure: str = "次") -> go.Figure:
    """Counts per category as horizontal bars, largest first. `data`: category, count."""
    if data.empty or not data["count"].sum():
        return _no_data(name, ctx, source, "本期没有记录")
    data = data.sort_values("count", ascending=True, kind="stable")
    bar = _bar(y=data.category, x=data["count"], orientation="h", marker_color=SERIES[0],
                 text=[f"{v:,.0f}" for v in data["count"]], textposition="outside", cliponaxis=False,
                 hovertemplate="%{y}：%{x:,.0f} " + measure + "<extra></extra>")
    return _figure([bar], name, ctx, source, _bar_height(len(data), 34), legend=False, bottom=52,
                   xaxis=_counts(float(data["count"].max()) * 1.2, f"数量（{measure}）"),
                   bargap=0.35)


# ---------------------------------------------------------------- enforcement staff

def staffing_bars(staff: pd.DataFrame, ctx: Context, highlight: str | None = None) -> go.Figure:
    """Per unit: 编制人数, 实有执法人员 and 持证人数 side by side, and the gap written out beside them.

    `staff`: unit, quota, staff, certified, vacancy, uncertified, reported.
    """
    name = "执法人员编制、在岗与持证"
    source = "执法人员统计表"
    part = staff[staff.reported]
    if part.empty:
        return _no_data(name, ctx, source, "本期没有执法人员统计表")
    units = list(part.unit)
    traces = []
    # added bottom-up so that each unit reads 编制, 在岗, 持证 from the top; the legend in reading order
    for rank, (col, series, color) in enumerate((("certified", "持证人数", STATUS_COLORS[DONE]),
                                                 ("staff", "实有执法人员", SERIES[0]), ("quota", "编制人数", "#BDD7EE"))):
        traces.append(_bar(y=part.unit, x=part[col], orientation="h", name=series, marker_color=color,
                             legendrank=1000 - rank, hovertemplate="%{y}<br>" + series + " %{x:.0f} 人<extra></extra>"))
    texts, colors = [], []
    for q, n, c, v, u in zip(part.quota, part.staff, part.certified, part.vacancy, part.uncertified):
        gaps = ([f"缺编 {v:.0f} 人"] if v > 0 else []) + ([f"未持证 {u:.0f} 人"] if u > 0 else [])
        counts = "" if ctx.narrow else f"编制 {q:.0f} · 在岗 {n:.0f} · 持证 {c:.0f}　"  # a phone: the bars show them
        texts.append(counts + ("，".join(gaps) if gaps else "满编、全员持证"))
        colors.append(ALERT if gaps else MUTED)
    right = float(part[["quota", "staff", "certified"]].max(axis=1).max())
    traces.append(_scatter(y=part.unit, x=[right * 1.04] * len(part), mode="text", text=texts,
                             textposition="middle right", textfont={"color": colors, "size": 12}, showlegend=False,
                             hoverinfo="skip", cliponaxis=False))
    return _figure(traces, name, ctx, source, max(340, 170 + 46 * len(units)), bottom=52,
                   yaxis=_category_axis(units, highlight),
                   xaxis=_counts(right * 2.1, "人数（人）"),
                   barmode="group", bargap=0.3, bargroupgap=0.04)


def rate_bars(rows: pd.DataFrame, ctx: Context) -> go.Figure:
    """A unit's (or 全市) enforcement rates against 100 %, coloured by status.

    `rows`: label, value (percent), status.
    """
    name = "执法队伍各项比率"
    source = "执法人员统计表"
    part = rows[rows.value.notna()]
    if part.empty:
        return _no_data(name, ctx, source, "本期没有执法人员统计表", 300)
    labels = list(part.label)
    traces = []
    for status in STATUSES:
        mask = part.status == status
        if mask.any():
            traces.append(_bar(y=part.label[mask], x=part.value[mask].round(1), orientation="h", name=status,
                                 marker_color=STATUS_COLORS[status], cliponaxis=False,
                                 hovertemplate="%{y}：%{x:.1f}%<extra></extra>"))
    traces.append(_key("目标 100%", PACE, line={"color": PACE, "width": 2, "dash": "dot"}))
    top = max(130.0, float(part.value.max()) * 1.12 + 12)
    texts = [f"{v:.1f}%" for v in part.value]
    traces.append(_scatter(y=part.label, x=_clear_of_marks(part.value, [(100.0,)] * len(part), texts, top, ctx),
                             mode="text", text=texts, textposition="middle right", showlegend=False,
                             hoverinfo="skip", cliponaxis=False))
    return _figure(traces, name, ctx, source, _bar_height(len(part), 46), bottom=30,
                   yaxis={"categoryorder": "array", "categoryarray": labels[::-1]},
                   xaxis={"range": [0, top], "ticksuffix": "%", "dtick": 25},
                   shapes=[_vline(100, PACE, "dot")], barmode="overlay", bargap=0.4)


# ---------------------------------------------------------------- 督导平台 scorecard

def score_ranking(points: pd.DataFrame, ranking: pd.DataFrame, ctx: Context, groups: dict,
                  highlight: str | None = None, basis: str = "score") -> go.Figure:
    """Each unit's score on 100 points, ranked by `basis` (progress.ranking_basis), stacked by line of work.

    `points`: unit, group, points (and pace_points for the pace basis); `ranking`: unit, score (and
    pace_score), rank (best first); `groups`: code -> {name}. Ranked by the pace score, the full-year
    score of each unit is marked beside its bar, so that the two are never confused.
    """
    name = "督导平台得分排名"
    source = f"按督导平台指标权重（满分 100 分）计算，按{SCORE_LABELS[basis]}排名"
    if ranking.empty:
        return _no_data(name, ctx, source)
    units = list(ranking.unit)
    column = "pace_points" if basis == "pace_score" else "points"
    table = {(u, g): p for u, g, p in zip(points.unit, points.group, points[column])}
    traces = [_bar(y=units, x=[round(table.get((u, g), 0.0), 1) for u in units], orientation="h", name=spec["name"],
                     marker_color=GROUP_COLORS.get(g, SERIES[0]),
                     hovertemplate="%{y}<br>" + spec["name"] + " %{x:.1f} 分<extra></extra>")
              for g, spec in groups.items()]
    if basis == "pace_score":
        traces.append(_scatter(y=units, x=ranking.score, mode="markers", name=SCORE_LABELS["score"],
                                 marker={"symbol": "diamond", "size": 11, "color": PACE, "line": {"width": 1, "color": "white"}},
                                 hovertemplate="%{y}<br>" + SCORE_LABELS["score"] + " %{x:.1f} 分<extra></extra>"))
    short = ctx.narrow  # a phone: the rank alone beside the bar, the words are in the axis title
    traces.append(_scatter(y=units, x=ranking[basis], mode="text", showlegend=False, hoverinfo="skip",
                             text=[_rank_label(s, t, short) for s, t in zip(ranking[basis], _rank_texts(ranking))],
                             textposition="middle right", cliponaxis=False))
    axis = f"{SCORE_LABELS[basis]}（满分 100 分" + ("，括号内为名次）" if short else "）")
    return _figure(traces, name, ctx, source, _bar_height(len(units), 30), bottom=52,
                   yaxis=_category_axis(units, highlight),
                   xaxis={"title": {"text": axis}, "range": [0, 140 if short else 125], "dtick": 20},
                   barmode="stack", bargap=0.3)


def _rank_texts(ranking: pd.DataFrame) -> list[str]:
    """progress.scores' rank_text, or made from a bare rank column."""
    if "rank_text" in ranking:
        return list(ranking.rank_text)
    return [rank_text(None if pd.isna(r) else int(r)) for r in ranking["rank"]]


def _rank_label(score: float, rank_text: str, short: bool) -> str:
    """66.8 分（第 1 名）, 58.0 分（并列第 6 名）, 0.0 分（未报送）; on a phone 66.8（1）, 58.0（并列6）."""
    if short:
        return f"{score:.1f}（{rank_text.replace('第 ', '').replace(' 名', '')}）"
    return f"{score:.1f} 分（{rank_text}）"


def score_breakdown(rows: pd.DataFrame, ctx: Context, basis: str = "score") -> go.Figure:
    """One unit's points per indicator on the score that ranks: earned and lost, with what is missing
    to reach full points (by the date for the pace score, by year end for the full-year score).

    `rows`: label, points, lost, weight, need (views.score_breakdown).
    """
    name = "指标得分明细"
    source = f"按督导平台指标权重（满分 100 分）计算的{SCORE_LABELS[basis]}"
    if rows.empty:
        return _no_data(name, ctx, source)
    labels = list(rows.label)
    traces = [
        _bar(y=rows.label, x=rows.points, orientation="h", name="已得分", marker_color=STATUS_COLORS[DONE],
               customdata=rows.weight, hovertemplate="%{y}<br>得分 %{x:.2f} / %{customdata:.2f} 分<extra></extra>"),
        _bar(y=rows.label, x=rows.lost, orientation="h", name="失分", marker_color="#F4C7C3", customdata=rows.need,
               hovertemplate="%{y}<br>失分 %{x:.2f} 分<br>%{customdata}<extra></extra>"),
        _scatter(y=rows.label, x=rows.weight, mode="text", showlegend=False, hoverinfo="skip",
                   text=[n or "满分" for n in rows.need], textposition="middle right", cliponaxis=False,
                   textfont={"color": [ALERT if n else STATUS_COLORS[DONE] for n in rows.need]}),
    ]
    return _figure(traces, name, ctx, source, _bar_height(len(rows), 30), bottom=52,
                   yaxis={"categoryorder": "array", "categoryarray": labels[::-1]},
                   xaxis={"title": {"text": f"{SCORE_LABELS[basis]}（分）"}, "range": [0, float(rows.weight.max()) * 2.6]},
                   barmode="stack", bargap=0.35)


# ---------------------------------------------------------------- 报送情况

REPORTED, MISSING = "已报送", "未报送"
SOURCE_BATCHES = "导入记录（各单位上传的台账批次）"


def reporting_grid(board: pd.DataFrame, ctx: Context, units: list[str], ledgers: list[str]) -> go.Figure:
    """Unit x ledger: rows dated in the period and the last upload, units with nothing in red.

    `board`: unit, ledger, rows, upload_note (or last_upload), missing (reporting.board).
    """
    name = "各单位台账报送情况"
    if board.empty:
        return _no_data(name, ctx, SOURCE_BATCHES)
    colors = {REPORTED: STATUS_COLORS[DONE], MISSING: STATUS_COLORS[NOT_STARTED]}
    notes = board.upload_note if "upload_note" in board else board.last_upload
    cells = {(u, l): (n, last, miss) for u, l, n, last, miss in
             zip(board.unit, board.ledger, board.rows, notes, board.missing)}
    blank = (0, None, True)
    z = [[0 if cells.get((u, l), blank)[2] else 1 for l in ledgers] for u in units]
    text = [["未报送" if cells.get((u, l), blank)[2] else f"{int(cells[(u, l)][0])} 行" for l in ledgers] for u in units]
    hover = [[f"{u} · {l}<br>期间内 {int(cells.get((u, l), blank)[0])} 行<br>最近上传："
              f"{cells.get((u, l), blank)[1] if isinstance(cells.get((u, l), blank)[1], str) else '从未上传'}"
              for l in ledgers] for u in units]
    scale = [[0, colors[MISSING]], [0.5, colors[MISSING]], [0.5, colors[REPORTED]], [1, colors[REPORTED]]]
    traces = [_heatmap(z=z, x=ledgers, y=units, text=text, customdata=hover, texttemplate="%{text}",
                         textfont={"size": 12, "color": "white"}, colorscale=scale, zmin=0, zmax=1, showscale=False,
                         xgap=2, ygap=2, hovertemplate="%{customdata}<extra></extra>"),
              _key(REPORTED, colors[REPORTED]), _key(MISSING, colors[MISSING])]
    # a phone's column is about 80 px: a ledger's name on two lines
    ticks = [wrap(l, 4) for l in ledgers] if ctx.narrow else ledgers
    return _figure(traces, name, ctx, SOURCE_BATCHES, max(420, 210 + 30 * len(units)), bottom=8, top=140,
                   legend_below=True, xaxis={"side": "top", "showgrid": False, "tickvals": ledgers, "ticktext": ticks},
                   yaxis={**_top_down(len(units)), "showgrid": False})
