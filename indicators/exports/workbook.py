"""The supervision-platform workbook (.xlsx): indicator results, scores, and the ledger rows behind them.

Sheets: 指标完成情况 (unit x indicator with status fills and each unit's 审核状态), 督导评分 (score
and rank per unit), one sheet per line of work with that period's ledger rows, and 佐证材料清单. Every sheet
is laid out by sheet.py: a title row, a frozen header, widths and print setup for A4 landscape, the
stamp in its footer, and no cell ever a formula.
"""
from __future__ import annotations

import datetime as dt
import io
import sqlite3

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .. import cycle, progress, store
from ..ledgers import DATE, INT, LEDGERS, NUMBER
from ..progress import CITY_WIDE, DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE, SCORE_HELP, SCORE_LABELS, Period
from .common import (ORG_NAME, UNSCORED, Figures, expected_value, gather, group_ledger, is_full_year, is_missing,
                     period_title)
from .evidence import evidence_sheet
from .sheet import (FONT, HEADER_ROW, ROW_PT, MINE_FILL, STATUS_FILLS, STATUS_FONTS, STATUS_MARKS, Column, _sheet,  # noqa: F401 (put: the tests write one cell)
                    put, status_format)


def _round(v, digits: int = 1):
    return None if is_missing(v) else round(float(v), digits)


def _status_label(r, per: Period) -> str:
    if r.status == NOT_APPLICABLE and r.value is not None and not is_missing(r.value):
        return UNSCORED
    return progress.status_name(r.status, per)


INDICATOR_COLUMNS = [Column("单位", 14), Column("层级", 12), Column("指标编码", 10, align="center"),
                     Column("指标名称", 34), Column("工作类别", 10), Column("计量单位", 10, align="center"),
                     Column("完成值", 12, "0.##", "right"), Column("目标值", 12, "0.##", "right"),
                     Column("应完成", 12, "0.##", "right"), Column("完成率", 10, "0.0%", "right"),
                     Column("状态", 14, align="center"), Column("分值", 9, "0.00", "right"),
                     Column("得分", 9, "0.00", "right")]
REVIEW_COLUMN = Column("审核状态", 12, align="center")  # each unit's state in the period's reporting cycle
NOTE_COLUMN = Column("情况说明", 40)  # beside each lagging indicator of a unit: its 原因, 整改措施, 预计完成时间, or 未说明
NOTE_CHARS_PER_LINE = 19  # CJK characters a 40-wide column prints on one line


def _note(r, fig: Figures) -> str:
    return fig.note(r.unit, r.indicator) if r.unit != CITY_WIDE and r.status in (LAGGING, NOT_STARTED) else ""


def _indicator_row(r, fig: Figures, groups: dict) -> list:
    city = r.unit == CITY_WIDE
    return [r.unit, r.level, r.indicator, r.name, groups.get(r.group, r.group), r.measure, _round(r.value),
            _round(r.target), expected_value(r.expected, r.measure), _round(r.completion, 4),
            _status_label(r, fig.period), None if city else _round(r.weight, 2), None if city else _round(r.points, 2)]


def _indicator_sheet(wb: Workbook, fig: Figures, review: dict[str, str]) -> None:
    frame = fig.frame if fig.city_wide else fig.frame[fig.frame.unit == fig.unit]
    # the 全市 roll-up first: the figures a reader looks for before the 300 unit rows
    frame = frame.assign(_city=frame.unit != CITY_WIDE).sort_values("_city", kind="stable")
    groups = {g: spec["name"] for g, spec in fig.catalog.groups.items()}
    rows = [_indicator_row(r, fig, groups) + [review.get(r.unit, fig.stamp.review), _note(r, fig)]
            for r in frame.itertuples()]
    marks = "　".join(f"{STATUS_MARKS[s]} {progress.status_name(s, fig.period)}" for s in (DONE, ON_PACE, NOT_DUE, LAGGING, NOT_STARTED)
                     if not (s in (ON_PACE, NOT_DUE) and is_full_year(fig.period)))
    title = f"{fig.scope} · {period_title(fig.period)} · 法治建设指标完成情况（{marks}）"
    notes = ["说明：应完成为按时间进度截至数据截至日应完成的数量，计数指标向上取整（达到该数即为进度正常）；"
             "完成率为完成值与全年目标之比；不计分指标只列数值。"]
    ws = _sheet(wb, "指标完成情况", title, INDICATOR_COLUMNS + [REVIEW_COLUMN, NOTE_COLUMN], rows, fig.stamp.text(),
                notes)
    status_col = [c.header for c in INDICATOR_COLUMNS].index("状态") + 1
    note_col = len(INDICATOR_COLUMNS) + 2
    for i, values in enumerate(rows, HEADER_ROW + 1):
        _mark_status(ws.cell(i, status_col))
        text = values[-1]
        if len(text) > NOTE_CHARS_PER_LINE:  # a long explanation wraps, its row grows: nothing cut in print
            ws.cell(i, note_col).alignment = Alignment(vertical="center", wrap_text=True, indent=1)
            ws.row_dimensions[i].height = ROW_PT * min(-(-len(text) // NOTE_CHARS_PER_LINE), 12) * 0.8


def _mark_status(c) -> None:
    """Fill, font and printed mark of a status cell (STATUS_MARKS: readable in grey print)."""
    status = c.value if c.value in STATUS_FILLS else NOT_APPLICABLE
    c.fill = PatternFill("solid", fgColor=STATUS_FILLS[status])
    c.font = Font(name=FONT, bold=status in (LAGGING, NOT_STARTED, "未完成"), color=STATUS_FONTS[status])
    c.number_format = status_format(status)
    c.alignment = Alignment(horizontal="center", vertical="center")


def _score_sheet(wb: Workbook, fig: Figures) -> None:
    units = fig.frame[fig.frame.unit != CITY_WIDE]
    by_group = units.pivot_table(index="unit", columns="group", values="points", aggfunc="sum")
    groups = list(fig.catalog.groups)
    keys = [fig.basis] + [k for k in ("pace_score", "score") if k != fig.basis]  # the ranking's score first
    columns = [Column("排名", 8, align="center"), Column("单位", 14), Column("层级", 12),
               *(Column(SCORE_LABELS[k], 16, "0.0", "right") for k in keys),
               *(Column(f"{fig.group_name(g)}得分", 14, "0.00", "right") for g in groups),
               Column("滞后或未开展指标数", 12, align="center")]
    # units equal on both scores share a number (a tie); a unit with no data is 未报送, not ranked
    rows = [[int(r.rank) if progress.is_ranked(r._asdict()) else r.rank_text, r.unit, r.level, *(float(getattr(r, k)) for k in keys),
             *(_round(by_group.at[r.unit, g], 2) if g in by_group.columns else None for g in groups), int(r.lagging)]
            for r in fig.scores.itertuples()]
    points = "、".join(f"{spec['name']}{spec['points']:g}分" for spec in fig.catalog.groups.values())
    title = f"{period_title(fig.period)} · 督导平台评分（排名依据：{SCORE_LABELS[fig.basis]}）"
    notes = [f"{SCORE_LABELS[k]}：{SCORE_HELP[k]}。" for k in keys] + [
        f"满分100分：{points}；各类得分为全年目标得分的分项。"]
    ws = _sheet(wb, "督导评分", title, columns, rows, fig.stamp.text(), notes)
    if not fig.city_wide:
        for i, r in enumerate(rows, HEADER_ROW + 1):
            if r[1] == fig.unit:
                for j in range(1, len(columns) + 1):
                    ws.cell(i, j).fill = MINE_FILL
                    ws.cell(i, j).font = Font(name=FONT, bold=True)


def _ledger_columns(ledger) -> list[Column]:
    out = []
    for col in ledger.columns:
        if col.type == DATE:
            out.append(Column(col.name, 13, align="center"))
        elif col.type in (INT, NUMBER):
            out.append(Column(col.name, 12, align="right"))
        else:
            out.append(Column(col.name, 40))
    return out


def _ledger_sheet(wb: Workbook, conn: sqlite3.Connection, fig: Figures, group: str) -> None:
    ledger = LEDGERS[group_ledger(fig.catalog, group)]
    records = store.ledger_frame(conn, ledger.kind, fig.period.start, fig.period.end, fig.unit)
    rows = []
    for rec in records:
        row = []
        for col in ledger.columns:
            v = rec.get(col.field)
            if col.type == DATE and isinstance(v, str):
                v = dt.date.fromisoformat(v)
            elif col.type in (INT, NUMBER) and v is not None and not isinstance(v, (int, float)):
                v = str(v)
            row.append(v)
        rows.append(row)
    title = f"{ledger.name} · {fig.scope} · {period_title(fig.period)}（共{len(rows)}行）"
    _sheet(wb, fig.group_name(group), title, _ledger_columns(ledger), rows, fig.stamp.text())


def _properties(wb: Workbook, fig: Figures) -> None:
    made = dt.datetime.combine(fig.made, dt.time(9, 0))
    p = wb.properties
    p.title = f"{fig.scope}{period_title(fig.period)}法治建设指标数据"
    p.creator = p.lastModifiedBy = ORG_NAME
    p.subject, p.description, p.keywords = "督导平台数据", fig.stamp.text(), "法治建设;督导平台"
    p.created = p.modified = made


def build_workbook(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
                   figures: Figures | None = None) -> bytes:
    """The supervision-platform workbook for a period and unit (None = 全市), as .xlsx bytes.

    Sheets 指标完成情况 (全市 rows first), 督导评分 (every unit, both scores, the chosen one
    highlighted), then one per line of work with its ledger rows in the period. Raises
    IndicatorsError for an unknown unit.
    """
    fig = figures or gather(conn, period, unit)
    wb = Workbook()
    wb.remove(wb.active)
    _indicator_sheet(wb, fig, cycle.states_by_unit(conn, fig.period))
    _score_sheet(wb, fig)
    for group in fig.catalog.groups:
        _ledger_sheet(wb, conn, fig, group)
    evidence_sheet(wb, conn, fig)
    _properties(wb, fig)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
