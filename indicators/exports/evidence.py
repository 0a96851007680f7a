"""The evidence bundle for the 督导 inspection (.zip): every attached file laid out 单位/指标/行, the
whole-batch files under 单位/整批材料, and an index workbook (佐证材料索引.xlsx) listing each file
with what it backs and where it sits in the bundle, and each indicator's 有佐证 n / m."""
from __future__ import annotations

import io
import re
import sqlite3
import zipfile

from openpyxl import Workbook

from .. import evidence, store
from ..config import default_catalog
from ..ledgers import LEDGERS
from ..progress import Period
from .common import Figures, period_title, scope_name, stamp
from .sheet import Column, _sheet

INDEX_NAME = "佐证材料索引.xlsx"
BATCH_FOLDER = "整批材料"
INDEX_HEADER = ["单位", "指标", "台账", "日期", "类别", "事项", "文件名", "类型", "大小(KB)", "上传人", "上传时间", "校验值(SHA-256)",
                "压缩包内位置"]


def _safe(part: str, limit: int = 60) -> str:
    """A path segment every unzip tool accepts: no separators or reserved characters, not too long."""
    part = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", str(part)).strip(" .") or "_"
    return part[:limit]


def _unique(path: str, used: set[str]) -> str:
    stem, dot, ext = path.rpartition(".")
    candidate, n = path, 2
    while candidate in used:
        candidate = f"{stem}({n}).{ext}" if dot else f"{path}({n})"
        n += 1
    used.add(candidate)
    return candidate


def bundle_entries(conn: sqlite3.Connection, per: Period, unit: str | None = None) -> list[dict]:
    """One entry per file and place in the bundle: the attachment, what it backs, and its path."""
    catalog = default_catalog()
    entries, used = [], set()
    for e in evidence.listing(conn, unit, per):
        fname = _safe(re.sub(r"\.[A-Za-z0-9]{1,5}$", "", e["file_name"]), 80) + f".{e['type']}"
        base = {"unit": e["unit"], "file": e["file_name"], "type": evidence.TYPES[e["type"]][0], "size": e["size"],
                "by": e["name"], "at": (e["added"] or "").replace("T", " ")[:16], "checksum": e["checksum"], "e": e}
        if e["batch_id"] is not None:
            path = _unique(f"{_safe(e['unit'])}/{BATCH_FOLDER}/批次{e['batch_id']}_{fname}", used)
            entries.append({**base, "indicator": "（整批）", "ledger": f"批次 {e['batch_id']}", "date": "", "category": "",
                            "title": "", "path": path})
            continue
        ledger = LEDGERS[e["kind"]]
        row = store.ledger_row(conn, e["kind"], tuple(x for x in (e["k1"], e["k2"], e["k3"], e["k4"]) if x is not None))
        inds = [i for i in catalog.indicators if i.ledger == e["kind"] and row is not None and evidence.backs(i, row)]
        title = (row or {}).get("title") or ""
        category = (row or {}).get("category") or (row or {}).get("node") or ""
        folder_row = _safe(f"{e['k2']} {category} {title}".strip())
        for ind in inds or [None]:
            ind_folder = _safe(f"{ind.code} {ind.name}") if ind else "其他"
            path = _unique(f"{_safe(e['unit'])}/{ind_folder}/{folder_row}/{fname}", used)
            entries.append({**base, "indicator": f"{ind.code} {ind.name}" if ind else "", "ledger": ledger.name,
                            "date": e["k2"], "category": category, "title": title, "path": path})
    return entries


def index_rows(entries: list[dict]) -> list[list]:
    return [[x["unit"], x["indicator"], x["ledger"], x["date"], x["category"], x["title"], x["file"], x["type"],
             round(x["size"] / 1024, 1), x["by"], x["at"], x["checksum"], x["path"]] for x in entries]


def build_evidence_zip(conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
                       figures: Figures | None = None) -> bytes:
    """The evidence of a period and unit (None = 全市) as .zip bytes: 单位/指标/行/文件, 单位/整批材料/,
    and 佐证材料索引.xlsx (sheets 佐证材料清单 and 有佐证情况), stamped like every export."""
    st = (figures.stamp if figures else stamp(conn, period)).text()
    entries = bundle_entries(conn, period, unit)
    wb = Workbook()
    wb.remove(wb.active)
    scope = f"{scope_name(unit)} · {period_title(period)}"
    _sheet(wb, "佐证材料清单", f"{scope} · 佐证材料清单（共 {len(entries)} 个文件位置）",
           [Column(h) for h in INDEX_HEADER], index_rows(entries), st)
    cov = evidence.coverage(conn, period, unit, by_unit=True)
    _sheet(wb, "有佐证情况", f"{scope} · 各单位各指标有佐证的台账行数",
           [Column("指标", 10), Column("名称", 34), Column("单位", 14), Column("台账行数", 10, align="right"),
            Column("有佐证行数", 12, align="right"), Column("情况", 14)],
           [[r.indicator, r.name, r.unit, int(r.rows), int(r.with_evidence), r.text] for r in cov.itertuples()], st)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        idx = io.BytesIO()
        wb.save(idx)
        z.writestr(INDEX_NAME, idx.getvalue())
        for x in entries:
            _, data, _ = evidence.download(conn, x["e"])
            z.writestr(x["path"], data)
    return buf.getvalue()


def evidence_sheet(wb: Workbook, conn: sqlite3.Connection, fig: Figures) -> None:
    """The platform workbook's 佐证材料清单: every file behind the period's figures and what it backs."""
    entries = bundle_entries(conn, fig.period, fig.unit)
    rows = [r[:-1] for r in index_rows(entries)]
    _sheet(wb, "佐证材料清单", f"{fig.scope} · {period_title(fig.period)} · 佐证材料清单（共 {len(rows)} 项）",
           [Column(h) for h in INDEX_HEADER[:-1]], rows, fig.stamp.text())
