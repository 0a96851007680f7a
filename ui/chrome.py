"""Streamlit's own words in Chinese, and its key figures whole: the one place for what its
configuration cannot set.

Streamlit 1.67 has no locale (streamlit#12699): its uploader says "Upload" and "50MB per file", an
empty date input "yyyy/mm/dd", a search with no match "No results", the buttons on charts and tables
"Fullscreen", "Download as CSV", "Search". One style sheet, added on every run before any page
draws, draws our words over those it can reach (the uploader, empty dates, the empty search, plotly's
modebar tooltips, which are its buttons' data-title drawn by ::after). The tooltips of the buttons
over tables and charts are drawn by Streamlit in a pop-up that names nothing but its text: one small
script rewrites only those pop-ups' text and the names of those buttons, of the help icons and of the
sidebar's buttons, from TOOLTIPS (exact texts) and HELP_FOR.
(An earlier script that rewrote every text node of the page as it appeared kept a select box from
opening: this one never touches a text outside a tooltip, nor any input or select box.) The upload
limits themselves are set per uploader (`max_upload_size`) to ours.
"""
from __future__ import annotations

import json
import math

import streamlit as st

# Streamlit's fixed English on the buttons over tables and charts (their tooltips and names) -> ours
TOOLTIPS = {
    "Fullscreen": "全屏", "Close fullscreen": "退出全屏", "Download as CSV": "下载为 CSV 文件",
    "Download as PNG": "下载为 PNG 图片", "Search": "搜索", "Show/hide columns": "显示或隐藏列",
    "Add row": "添加一行", "Delete row(s)": "删除所选行", "Clear selection": "清除选择", "Show data": "显示数据",
    "Show chart": "显示图表", "Select all": "全选", "Edit": "编辑",
    "Collapse sidebar": "收起侧栏", "Expand sidebar": "展开侧栏", "Upload": "选择文件",
}
HELP_FOR = ("Help for ", "的说明")  # a help icon's name, "Help for 期间" -> "期间的说明"

# Our uploaders' labels state the limit in our words (Streamlit's hint under the button would say it
# twice); a key figure wraps rather than end in "…" on a phone ("参与人数 35,764 …", "排名 第 16 名 …");
# an empty date's yyyy/mm/dd reads 年/月/日 (drawn over, not rewritten: those segments are the editor's own);
# the page's notice (ui/shell.notice) takes one line, and the page starts under the header bar, so
# that the key figures are on the first screen.
CSS = """<style>
[data-testid='stFileUploaderDropzoneInstructions'] {display: none;}
.st-key-warm_charts {display: none;}
.st-key-warm_plotly {position: fixed; left: -12000px; top: 0; width: 1140px; visibility: hidden; pointer-events: none;}
[data-testid='stMetricValue'], [data-testid='stMetricValue'] *, [data-testid='stMetricLabel'] *,
[data-testid='stMetricDelta'] * {white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; overflow-wrap: anywhere;}
[role='spinbutton'][data-placeholder='true'] {font-size: 0 !important;}
.st-key-page_notice [data-testid='stAlertContainer'] {padding: 0.45rem 0.9rem;}
.st-key-page_notice [data-testid='stMarkdownContainer'] p {font-size: 0.9rem;}
[data-testid='stMainBlockContainer'] {padding-top: 4rem;}
[data-testid='stElementContainer']:has(> [data-testid='stHtml'] > script:only-child) {display: none;}
[role='spinbutton'][data-placeholder='true']::after {font-size: 0.875rem;}
[role='spinbutton'][data-placeholder='true'][aria-label^='year']::after {content: '年';}
[role='spinbutton'][data-placeholder='true'][aria-label^='month']::after {content: '月';}
[role='spinbutton'][data-placeholder='true'][aria-label^='day']::after {content: '日';}
[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p {font-size: 0 !important;}
[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p::after {content: '选择文件';
  font-size: 0.875rem;}
[role='listbox'][data-empty='true'] [role='option'] span {font-size: 0 !important;}
[role='listbox'][data-empty='true'] [role='option'] span::after {content: '没有匹配的选项'; font-size: 0.875rem;}
%(modebar)s
</style>"""
# plotly's modebar tooltip is `content: attr(data-title)` on ::after; ours wins by specificity
_MODEBAR = ".js-plotly-plot .plotly .modebar-btn[data-title=%(en)s]::after {content: %(zh)s;}"

_SCRIPT = """<script>
(() => {
  const win = window.parent && window.parent.document ? window.parent : window;
  if (win.__zhTooltips) return;
  win.__zhTooltips = true;
  const words = %(words)s;
  const [helpFor, helpOf] = %(help)s;
  const say = (s) => Object.prototype.hasOwnProperty.call(words, s) ? words[s]
    : s.startsWith(helpFor) ? s.slice(helpFor.length) + helpOf : null;
  const TIP = '[data-testid=stTooltipContent] p, [data-testid=stFileUploaderDropzone] button p';  // and the uploader's button
  const SVG = 'http://www.w3.org/2000/svg';
  const NAMED = '[data-testid=stElementToolbar] button[aria-label], .modebar-btn[aria-label], '
    + '[data-testid=stTooltipHoverTarget] > button[aria-label], [data-testid=stSidebarCollapseButton] button, '
    + '[data-testid=stExpandSidebarButton]';
  const text = (n) => { const t = say(n.nodeValue.trim()); if (t !== null) n.nodeValue = t; };
  const name = (e) => { const t = say(e.getAttribute('aria-label') || ''); if (t !== null) e.setAttribute('aria-label', t); };
  const fix = (root) => {
    const all = (sel) => [...(root.matches && root.matches(sel) ? [root] : []), ...root.querySelectorAll(sel)];
    for (const p of all(TIP)) for (const n of p.childNodes) if (n.nodeType === 3) text(n);
    for (const e of all(NAMED)) name(e);
  };
  // in the observer's own turn, before the browser paints: a tooltip never shows its English first
  new win.MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') { if (r.target.parentElement && r.target.parentElement.matches(TIP)) text(r.target); }
      else if (r.type === 'attributes') { if (r.target.matches(NAMED)) name(r.target); }
      else for (const n of r.addedNodes) {
        if (n.nodeType === 1) { if (n.namespaceURI !== SVG) fix(n); }  // a chart's thousands of SVG nodes hold none
        else if (n.nodeType === 3 && n.parentElement && n.parentElement.matches(TIP)) text(n);
      }
    }
  }).observe(win.document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                                  attributeFilter: ['aria-label']});
  fix(win.document.body);
})();
</script>"""


def upload_mb(limit_bytes: int) -> int:
    """An uploader's `max_upload_size` (whole MB) for our limit in bytes, so that Streamlit refuses
    what we would refuse, at the same size."""
    return max(1, math.ceil(limit_bytes / 1024 / 1024))


def style() -> str:
    """The style sheet, with plotly's modebar tooltips in TOOLTIPS' words."""
    modebar = "\n".join(_MODEBAR % {"en": json.dumps(en), "zh": json.dumps(zh, ensure_ascii=False)}
                        for en, zh in TOOLTIPS.items())
    return CSS % {"modebar": modebar}


def script() -> str:
    """The script that puts TOOLTIPS in place of the English in Streamlit's tooltips."""
    return _SCRIPT % {"words": json.dumps(TOOLTIPS, ensure_ascii=False), "help": json.dumps(HELP_FOR, ensure_ascii=False)}


def install() -> None:
    """Add the style sheet and the script to this run (the script acts once per browser tab; later runs
    find it there)."""
    st.html(style())  # a style alone takes no room on the page
    st.html(script(), unsafe_allow_javascript=True, width="content")
