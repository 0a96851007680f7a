"""Evidence (佐证材料): the sign-in sheets, photos, notices and minutes behind each figure.

A clerk attaches files to one ledger row or to a whole import batch. The type is read from the
content, never the name: PDF, JPG and PNG by their magic bytes, Word and Excel by the zip's
[Content_Types].xml; anything else (a renamed .exe, an HTML page named .pdf, an old .doc) is
refused, as is a file over the size limit. Images get a thumbnail. Files are kept once by checksum
beside the imported originals and are only ever handed out as downloads with their own content
type, never as a page. Attachments follow the data's rules: a clerk attaches only to their own
unit, a locked period takes no new or removed evidence, every change is in the audit log.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import sqlite3
import struct
import zipfile
import zlib
from dataclasses import dataclass

import pandas as pd

from . import cycle, store
from .containers import pdf
from .config import Catalog, Indicator, default_catalog
from .ledgers import LEDGERS
from .problems import IndicatorsError
from .progress import Period
from .roles import Actor, may, require
from .store import audit


@dataclass(frozen=True)
class Setting:
    """A setting read from the environment, declared once with its default and help text."""

    name: str
    default: float
    help: str

    def value(self) -> float:
        raw = os.environ.get(self.name)
        try:
            return float(raw) if raw else self.default
        except ValueError:
            raise IndicatorsError(f"环境变量 {self.name} 应为数字（{self.help}），现为「{raw}」") from None


MAX_MB = Setting("INDICATORS_MAX_EVIDENCE_MB", 20, "单个佐证材料文件的大小上限，单位 MB，默认 20")

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# extension -> (what it is, in Chinese; the content type downloads are served with)
TYPES = {
    "pdf": ("PDF 文件", "application/pdf"),
    "jpg": ("JPG 图片", "image/jpeg"),
    "png": ("PNG 图片", "image/png"),
    "docx": ("Word 文档", DOCX_MIME),
    "xlsx": ("Excel 工作簿", XLSX_MIME),
}
IMAGES = ("jpg", "png")
ACCEPTED = "PDF、JPG、PNG、Word（.docx）、Excel（.xlsx）"
THUMB_SIZE = (320, 320)
# what a refused file turned out to be, by its first bytes
_KNOWN = [(b"MZ", "Windows 可执行程序"), (b"\x7fELF", "可执行程序"), (b"\xd0\xcf\x11\xe0", "旧版 Office 文件（.doc/.xls）"),
          (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf", "7z 压缩包"), (b"GIF8", "GIF 图片"), (b"RIFF", "音视频或 WebP 文件")]


def max_bytes() -> int:
    return int(MAX_MB.value() * 1024 * 1024)


MAX_TYPES_BYTES = 1 << 20  # [Content_Types].xml of a real document is a few KB


def _zip_type(data: bytes) -> str | None:
    """docx/xlsx by the package's [Content_Types].xml, read at most MAX_TYPES_BYTES inflated (a bomb
    there is no document)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("[Content_Types].xml")
            if info.file_size > MAX_TYPES_BYTES:
                return None
            with z.open(info) as f:
                types = f.read(MAX_TYPES_BYTES + 1)
            if len(types) > MAX_TYPES_BYTES:
                return None
            types = types.decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error):
        return None
    if "wordprocessingml.document.main+xml" in types:
        return "docx"
    if "spreadsheetml.sheet.main+xml" in types:
        return "xlsx"
    return None


def sniff(data: bytes) -> str | None:
    """The accepted type the content is (an extension in TYPES), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return None


def _what_it_is(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<script", b"<head", b"<body", b"<?xml", b"<svg")):
        return "网页或 XML 文件（HTML/SVG）"
    for magic, name in _KNOWN:
        if data.startswith(magic):
            return name
    if data.startswith(b"PK\x03\x04"):
        return "压缩包或其他 Office 文件（如带宏的 .xlsm/.docm）"
    return "无法识别的文件"


def check_file(name: str, data: bytes, limit: int | None = None) -> str:
    """The file's type (an extension in TYPES) read from its content. Raises IndicatorsError naming
    the file when it is empty, over the size limit, or not one of the accepted types."""
    limit = max_bytes() if limit is None else limit
    if not data:
        raise IndicatorsError(f"「{name}」是空文件，未保存")
    if len(data) > limit:
        raise IndicatorsError(f"「{name}」大小 {len(data) / 1024 / 1024:.1f} MB，超过单个佐证材料 {limit / 1024 / 1024:g} MB "
                              f"的上限，未保存；请压缩或拆分后再上传（上限由 {MAX_MB.name} 设置）")
    ext = sniff(data)
    if ext is None:
        raise IndicatorsError(f"「{name}」的内容是{_what_it_is(data)}，不是可接受的佐证材料（{ACCEPTED}），未保存；"
                              "类型按文件内容判断，改扩展名无效")
    if ext == "pdf" and _pdf_active(name, data):
        raise IndicatorsError(f"「{name}」是含有脚本或自动执行动作（JavaScript、启动程序）的 PDF，未保存；"
                              "签到表、通知等佐证材料不需要这些内容，请用“打印为 PDF”或扫描另存一份普通 PDF 后再上传")
    return ext


def _pdf_active(name: str, data: bytes) -> bool:
    """containers.pdf.active, its object streams that cannot be judged refused as such."""
    try:
        return pdf.active(data)
    except pdf.Unchecked as e:
        raise IndicatorsError(f"「{name}」是含有无法检查的压缩对象（加密、损坏或不常见的压缩方式）的 PDF，无法确认其中没有脚本或"
                              "自动执行动作，未保存；请用“打印为 PDF”或扫描另存一份普通 PDF 后再上传") from e


MAX_PIXELS = 80_000_000  # an image decoded for its thumbnail (a 10,000 x 8,000 scan); PIL's own alarm is at 89M


def thumbnail(data: bytes) -> bytes:
    """A PNG thumbnail of an image (at most THUMB_SIZE). Raises IndicatorsError for a broken image."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format == "JPEG":
                im.draft("RGB", (THUMB_SIZE[0] * 2, THUMB_SIZE[1] * 2))  # decoded at 1/2..1/8 scale: a phone photo stays small
            width, height = im.size
            if width * height > MAX_PIXELS:
                raise IndicatorsError(f"图片尺寸过大（{width:,} × {height:,} 像素），未保存；请缩小到 {MAX_PIXELS // 1_000_000:,} "
                                      "百万像素以内（如用手机或画图软件“调整大小”）后再上传")
            im.load()
            im = im.convert("RGB")
            im.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            im.save(out, "PNG")
            return out.getvalue()
    except Image.DecompressionBombError:
        raise IndicatorsError("图片尺寸过大（像素过多，疑似“解压炸弹”），未保存；请缩小后再上传") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error, EOFError):
        raise IndicatorsError("图片无法打开（文件可能已损坏或不完整），未保存") from None
    except MemoryError:
        raise IndicatorsError("图片太大，服务器无法打开，未保存；请缩小后再上传") from None


# ---------------------------------------------------------------- what evidence is attached to

@dataclass(frozen=True)
class RowRef:
    """One ledger row by its kind and key (unit, date, ...); written `kind:unit:date:...` on the command line."""

    kind: str
    key: tuple

    @property
    def unit(self) -> str:
        return self.key[0]

    @property
    def date(self) -> str:
        return self.key[1]

    def text(self) -> str:
        return ":".join([self.kind, *map(str, self.key)])

    def label(self) -> str:
        return f"{LEDGERS[self.kind].name} · " + " · ".join(map(str, self.key))

    @classmethod
    def parse(cls, text: str) -> "RowRef":
        kind, _, rest = text.partition(":")
        if kind not in LEDGERS:
            raise IndicatorsError(f"行引用「{text}」应以台账种类开头（{'、'.join(LEDGERS)}），"
                                  "例如 training:红旗区:2025-03-01:党组中心组学法:法治思想")
        n = len(LEDGERS[kind].key)
        parts = rest.split(":", n - 1)
        if len(parts) != n:
            raise IndicatorsError(f"行引用「{text}」应有 {n} 段：{'、'.join(LEDGERS[kind].key)}（以冒号分隔）")
        return cls(kind, tuple(parts))

    @classmethod
    def of(cls, kind: str, row: dict) -> "RowRef":
        return cls(kind, tuple(row[f] for f in LEDGERS[kind].key))


def _target(conn: sqlite3.Connection, row: RowRef | None, batch: int | None) -> tuple[list[str], str, str, dict]:
    """(units, first date, last date, link fields) of what the files are attached to."""
    if (row is None) == (batch is None):
        raise IndicatorsError("佐证材料须挂在一行台账或一个导入批次上（二者选一）")
    if row is not None:
        if store.ledger_row(conn, row.kind, row.key) is None:
            raise IndicatorsError(f"没有这一行台账：{row.label()}")
        return [row.unit], row.date, row.date, {"kind": row.kind, "key": row.key}
    b = store.batch(conn, batch)
    if b["undone"]:
        raise IndicatorsError(f"批次 {batch}（{b['file_name']}）已撤销，不能再挂佐证材料")
    return list(filter(None, b["units"].split(","))), b["period_start"], b["period_end"], {"batch_id": batch}


def attach(conn: sqlite3.Connection, actor: Actor, files: list[tuple[str, bytes]], *, row: RowRef | None = None,
           batch: int | None = None, now: dt.datetime | None = None, client: str | None = None) -> list[int]:
    """Attach files to one ledger row or to one batch, all or none, in one transaction with its audit entry.

    Takes (file name, content) pairs. Returns the new links' ids. Raises IndicatorsError, nothing
    stored, for a file of a refused type or size, a row or batch that does not exist, a unit the
    actor may not change, or a period locked for the actor.
    """
    if not files:
        raise IndicatorsError("没有选择任何文件")
    checked = []
    for name, data in files:
        ext = check_file(name, data)
        checked.append((name, data, ext, thumbnail(data) if ext in IMAGES else None))
    units, lo, hi, fields = _target(conn, row, batch)
    for u in units:
        require(actor, "evidence", u)
    now = now or dt.datetime.now()
    ids = []
    with store.transaction(conn):
        for u in units:
            cycle.refuse_locked_span(conn, actor, u, lo, hi, "佐证材料未作任何改动", now.date())
        for name, data, ext, thumb in checked:
            digest = hashlib.sha256(data).hexdigest()
            store.evidence.keep_file(conn, digest, ext, data, thumb)
            ids += [store.evidence.link(conn, actor, digest, name, u, lo, hi, now=now, **fields) for u in units]
        for u in units:
            audit.record(conn, actor, "evidence_add", unit=u, now=now, client=client,
                         detail={"files": [c[0] for c in checked], "row": row.text() if row else None, "batch": batch})
    return ids


def batch_choices(conn: sqlite3.Connection, actor: Actor, unit: str | None = None) -> list[dict]:
    """The live batches `actor` may attach evidence to, newest first: every unit a batch holds must be
    one the actor may change (a clerk does not see the demo's or the city's all-unit batches), and,
    with `unit`, the batch must hold that unit's rows."""
    choices = []
    for b in store.batches(conn, include_undone=False):
        units = [u for u in (b["units"] or "").split(",") if u]
        if units and (unit is None or unit in units) and all(may(actor, "evidence", u) for u in units):
            choices.append(b)
    return choices


def remove(conn: sqlite3.Connection, actor: Actor, evidence_id: int, now: dt.datetime | None = None,
           client: str | None = None) -> dict:
    """Remove one attachment (kept in the record as removed). Raises IndicatorsError like `attach`."""
    e = store.evidence.one(conn, evidence_id)
    if e is None or e["removed"]:
        raise IndicatorsError(f"没有编号为 {evidence_id} 的佐证材料")
    require(actor, "evidence", e["unit"])
    now = now or dt.datetime.now()
    with store.transaction(conn):
        cycle.refuse_locked_span(conn, actor, e["unit"], e["date_from"], e["date_to"], "佐证材料未删除", now.date())
        store.evidence.remove(conn, actor, evidence_id, now)
        audit.record(conn, actor, "evidence_remove", unit=e["unit"], now=now, client=client,
                     detail={"id": evidence_id, "file": e["file_name"]})
    return e


def target_label(e: dict) -> str:
    if e["batch_id"] is not None:
        return f"批次 {e['batch_id']}（整批）"
    return RowRef(e["kind"], tuple(x for x in (e["k1"], e["k2"], e["k3"], e["k4"]) if x is not None)).label()


def listing(conn: sqlite3.Connection, unit: str | None = None, per: Period | None = None,
            actor: Actor | None = None) -> list[dict]:
    """Attachments (not removed) that `actor` may see, oldest first, each with `target` (what it backs) and
    `type_name`. A leader while 领导只看已审核数据 is on sees only files of approved units and periods
    (cycle.leader_sees); `actor` None is the machine's operator, who sees everything."""
    rows = store.evidence.links(conn, unit, per.start if per else None, per.end if per else None)
    if actor is not None:
        states = cycle.states_snapshot(conn)
        rows = [e for e in rows if cycle.leader_sees(conn, actor, [e["unit"]], e["date_from"], e["date_to"],
                                                     _states=states)]
    return [{**e, "target": target_label(e), "type_name": TYPES[e["type"]][0]} for e in rows]


def download(conn: sqlite3.Connection, e: dict) -> tuple[str, bytes, str]:
    """(file name with the extension its content has, bytes, content type): what a download serves."""
    data = (store.evidence.evidence_dir(conn) / e["stored_path"]).read_bytes()
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", e["file_name"]) or "佐证材料"
    return f"{stem}.{e['type']}", data, TYPES[e["type"]][1]


def thumb(conn: sqlite3.Connection, e: dict) -> bytes | None:
    path = store.evidence.evidence_dir(conn) / e["thumb_path"] if e.get("thumb_path") else None
    return path.read_bytes() if path and path.exists() else None


# ---------------------------------------------------------------- rows of an indicator, coverage

def backs(ind: Indicator, row: dict) -> bool:
    """Whether a ledger row counts in the indicator (so its evidence backs that figure)."""
    rule = ind.rule
    if rule["kind"] == "count":
        return all(row.get(f) == v for f, v in (rule.get("where") or {}).items())
    if rule["kind"] == "sum":
        return (row.get(rule["column"]) or 0) > 0
    if rule["kind"] == "distinct":
        return row.get(rule["column"]) in rule["values"]
    return True  # ratio, latest: every 统计表 row of the period


def rows_of_period(conn: sqlite3.Connection, per: Period, unit: str | None = None) -> dict[str, list[dict]]:
    """Every ledger row dated in the period (of one unit, or all), with its evidence count, per kind."""
    return {k: store.evidence.rows_with_evidence(conn, k, per.start, per.end, unit) for k in LEDGERS}


def coverage(conn: sqlite3.Connection, per: Period, unit: str | None = None, catalog: Catalog | None = None,
             by_unit: bool = False) -> pd.DataFrame:
    """How many rows behind each indicator have evidence (有佐证 n / m).

    Returns columns indicator, name, [unit,] rows, with_evidence, text; over one unit or every unit
    (`by_unit` splits the count per unit).
    """
    catalog = catalog or default_catalog()
    rows = rows_of_period(conn, per, unit)
    out = []
    for ind in catalog.indicators:
        mine = [r for r in rows[ind.ledger] if backs(ind, r)]
        groups = {}
        for r in mine:
            groups.setdefault(r["unit"] if by_unit else None, []).append(r)
        for u, rs in (groups.items() if by_unit else [(None, mine)]):
            n = sum(1 for r in rs if r["evidence"])
            out.append({"indicator": ind.code, "name": ind.name, **({"unit": u} if by_unit else {}), "rows": len(rs),
                        "with_evidence": n, "text": f"有佐证 {n} / {len(rs)}"})
    cols = ["indicator", "name", *(["unit"] if by_unit else []), "rows", "with_evidence", "text"]
    return pd.DataFrame(out, columns=cols)


def row_table(conn: sqlite3.Connection, per: Period, unit: str | None = None, missing_only: bool = False) -> pd.DataFrame:
    """Ledger rows of the period for the 佐证材料 page: ref (RowRef text), 台账, 单位, 日期, 类别/节点, 事项, 佐证材料 (count)."""
    out = []
    for kind, rows in rows_of_period(conn, per, unit).items():
        for r in rows:
            if missing_only and r["evidence"]:
                continue
            out.append({"ref": RowRef.of(kind, r).text(), "台账": LEDGERS[kind].name, "单位": r["unit"], "日期": r["date"],
                        "类别": r.get("category") or r.get("node") or "", "事项": r.get("title") or "",
                        "佐证材料": r["evidence"]})
    return pd.DataFrame(out, columns=["ref", "台账", "单位", "日期", "类别", "事项", "佐证材料"])
