"""Streamlit's own words in Chinese, and its key figures whole: the one place for what its
configuration cannot set.

Streamlit 1.67 has no locale (streamlit#12699): its uploader says "Upload" and "50MB per file", an
empty date input "yyyy/mm/dd". One style sheet, added on every run before any page draws, draws our
words over those (CSS only: a script that rewrote Streamlit's DOM as it appeared kept a select box
from opening, so the tooltips "Fullscreen" and a search's "No results" stay English for now); the
upload limits themselves are set per uploader (`max_upload_size`) to ours.
"""
from __future__ import annotations

import math

import streamlit as st

# Our uploaders' labels state the limit in our words (Streamlit's hint under the button would say it
# twice); a key figure wraps rather than end in "…" on a phone ("参与人数 35,764 …", "排名 第 16 名 …");
# an empty date's yyyy/mm/dd reads 年/月/日 (drawn over, not rewritten: those segments are the editor's own).
CSS = """<style>
[data-testid='stFileUploaderDropzoneInstructions'] {display: none;}
.st-key-warm_charts {display: none;}
[data-testid='stMetricValue'], [data-testid='stMetricValue'] *, [data-testid='stMetricLabel'] *,
[data-testid='stMetricDelta'] * {white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; overflow-wrap: anywhere;}
[role='spinbutton'][data-placeholder='true'] {font-size: 0 !important;}
[role='spinbutton'][data-placeholder='true']::after {font-size: 0.875rem;}
[role='spinbutton'][data-placeholder='true'][aria-label^='year']::after {content: '年';}
[role='spinbutton'][data-placeholder='true'][aria-label^='month']::after {content: '月';}
[role='spinbutton'][data-placeholder='true'][aria-label^='day']::after {content: '日';}
[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p {font-size: 0 !important;}
[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p::after {content: '选择文件';
  font-size: 0.875rem;}
</style>"""


def upload_mb(limit_bytes: int) -> int:
    """An uploader's `max_upload_size` (whole MB) for our limit in bytes, so that Streamlit refuses
    what we would refuse, at the same size."""
    return max(1, math.ceil(limit_bytes / 1024 / 1024))


def install() -> None:
    """Add the script to this run (it acts once per browser tab; later runs find it there)."""
    st.html(CSS)  # a style alone takes no room on the page
