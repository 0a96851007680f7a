"""Exports for meetings and the annual report: the deck (.pptx), the platform workbook (.xlsx) and
the drafted text (.docx). Each builder is a pure function of (conn, period, unit) returning bytes,
for the 汇报材料 page (download buttons) and `python -m indicators export` alike.

common: the figures every export shows (gathered once) and their stamp; slides, workbook: one
builder each; the drafted report: text (which sentences, as data), wording (its generic sentence
templates) and report_docx (the GB/T 9704 .docx); sheet: one printable sheet, laid out for the
workbook and the evidence bundle's index; evidence: the evidence bundle (.zip) and the workbook's
佐证材料清单."""
from __future__ import annotations

import sqlite3

from ..progress import Period
from .common import KIND_NAMES, Figures, file_name, gather, resolve_unit
from .evidence import build_evidence_zip
from .slides import build_deck
from .report_docx import build_document
from .text import VERSION_NAMES, VERSIONS, draft_text
from .workbook import build_workbook

MIME_TYPES = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EVIDENCE_MIME = "application/zip"
BUILDERS = {"pptx": build_deck, "xlsx": build_workbook, "docx": build_document}


def build(fmt: str, conn: sqlite3.Connection, period: Period, unit: str | None = None, *,
          figures: Figures | None = None, version: str = "全市") -> bytes:
    """The export of one format ('pptx', 'xlsx' or 'docx') as bytes; `figures` from `gather` may be
    passed to build several formats from one computation. `version` (全市 or 本级) picks the drafted
    report's version for the city; the deck and the workbook have one version."""
    if fmt == "docx":
        return build_document(conn, period, unit, figures=figures, version=version)
    return BUILDERS[fmt](conn, period, unit, figures=figures)


__all__ = ["BUILDERS", "build_evidence_zip", "KIND_NAMES", "MIME_TYPES", "VERSIONS", "VERSION_NAMES", "Figures", "build", "build_deck", "build_document",
           "build_workbook", "draft_text", "file_name", "gather", "resolve_unit"]
