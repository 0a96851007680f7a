"""Streamlit's own words in Chinese, and its key figures whole: the one place for what its
configuration cannot set.

Streamlit 1.67 has no locale (streamlit#12699): its uploader says "Upload" and "50MB per file", a
searchable select box "No results", the element toolbar's tooltips "Fullscreen", "Download as CSV".
One small script, added on every run before any page draws (it installs itself once per browser
tab), replaces those texts and labels as they appear, from the table below; the upload limits
themselves are set per uploader (`max_upload_size`) to ours, so the number it shows is ours.
"""
from __future__ import annotations

import json
import math

import streamlit as st

# Streamlit's fixed English (its frontend's strings) -> what our users read. Exact texts; the
# patterns below take the ones with a number in them.
WORDS = {
    "Upload": "选择文件", "Browse files": "选择文件", "Drag and drop files here": "将文件拖到此处",
    "Drag and drop file here": "将文件拖到此处", "No results": "没有匹配的选项", "No options to select": "没有可选项",
    "Choose an option": "请选择", "Choose options": "请选择", "Select...": "请选择",
    "Fullscreen": "全屏", "Close fullscreen": "退出全屏", "Exit fullscreen": "退出全屏",
    "Show/hide columns": "显示或隐藏列", "Download as CSV": "下载为 CSV 文件", "Search": "搜索",
    "Skip to main content": "跳到正文", "Press Enter to apply": "按回车键确认",
    "Press Enter to submit form": "按回车键提交", "Copy to clipboard": "复制", "Copied": "已复制",
    "Clear all": "全部清除", "Clear value": "清除", "Remove": "移除", "Delete": "删除", "Close": "关闭",
    "Sort ascending": "升序排列", "Sort descending": "降序排列", "Hide column": "隐藏此列", "Pin column": "固定此列",
    "Unpin column": "取消固定", "Autosize": "自动列宽", "Format": "格式", "Add row": "添加一行",
    "Delete row": "删除所选行", "Previous page": "上一页", "Next page": "下一页", "Running...": "正在运行…",
    "Stop": "停止", "Connecting": "正在连接", "Please wait...": "请稍候…", "Open sidebar": "展开侧栏",
    "Close sidebar": "收起侧栏", "Collapse sidebar": "收起侧栏", "Expand sidebar": "展开侧栏",
}
PATTERNS = [  # (regular expression, replacement in JavaScript's $1 syntax)
    (r"^(?:Limit )?(\d+(?:\.\d+)?)\s*([KMG]B) per file(?: • (.*))?$", "单个文件不超过 $1 $2"),
    (r"^Showing page (\d+) of (\d+)$", "第 $1 页，共 $2 页"),
    (r"^(\d+) (?:options?|results?) available\.?$", "共 $1 个选项"),  # the select boxes' screen-reader line
    (r"^[Yy]{4}([-/.])[Mm]{2}\1[Dd]{2}$", "请选择日期"),  # an empty date input's placeholder
]

_SCRIPT = """
<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  if (doc.defaultView.__zhChrome) return;
  doc.defaultView.__zhChrome = true;
  const words = %(words)s;
  const patterns = %(patterns)s.map(([re, to]) => [new RegExp(re), to]);
  const say = (t) => {
    const s = t.trim();
    if (!s) return null;
    if (Object.prototype.hasOwnProperty.call(words, s)) return t.replace(s, words[s]);
    for (const [re, to] of patterns) if (re.test(s)) return t.replace(s, s.replace(re, to));
    return null;
  };
  const fix = (root) => {
    const w = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const texts = [];
    while (w.nextNode()) texts.push(w.currentNode);
    for (const n of texts) { const t = say(n.nodeValue); if (t !== null && t !== n.nodeValue) n.nodeValue = t; }
    const els = root.querySelectorAll ? root.querySelectorAll('[aria-label],[title],[placeholder]') : [];
    for (const e of [root, ...els]) {
      if (!e.getAttribute) continue;
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = e.getAttribute(a); if (v === null) continue;
        const t = say(v); if (t !== null && t !== v) e.setAttribute(a, t);
      }
    }
  };
  new doc.defaultView.MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') { const t = say(r.target.nodeValue); if (t !== null && t !== r.target.nodeValue) r.target.nodeValue = t; }
      else if (r.type === 'attributes') fix(r.target);
      else for (const n of r.addedNodes) n.nodeType === 3 ? fix(n.parentNode || doc.body) : fix(n);
    }
  }).observe(doc.body, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ['aria-label', 'title', 'placeholder']});
  fix(doc.body);
})();
</script>
"""


# Our uploaders' labels state the limit in our words (Streamlit's hint under the button would say it
# twice); a key figure wraps rather than end in "…" on a phone ("参与人数 35,764 …", "排名 第 16 名 …");
# an empty date's yyyy/mm/dd reads 年/月/日 (drawn over, not rewritten: those segments are the editor's own).
CSS = """<style>
[data-testid='stFileUploaderDropzoneInstructions'] {display: none;}
[data-testid='stMetricValue'], [data-testid='stMetricValue'] *, [data-testid='stMetricLabel'] *,
[data-testid='stMetricDelta'] * {white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; overflow-wrap: anywhere;}
[role='spinbutton'][data-placeholder='true'] {font-size: 0 !important;}
[role='spinbutton'][data-placeholder='true']::after {font-size: 0.875rem;}
[role='spinbutton'][data-placeholder='true'][aria-label^='year']::after {content: '年';}
[role='spinbutton'][data-placeholder='true'][aria-label^='month']::after {content: '月';}
[role='spinbutton'][data-placeholder='true'][aria-label^='day']::after {content: '日';}
</style>"""


def upload_mb(limit_bytes: int) -> int:
    """An uploader's `max_upload_size` (whole MB) for our limit in bytes, so that Streamlit refuses
    what we would refuse, at the same size."""
    return max(1, math.ceil(limit_bytes / 1024 / 1024))


def script() -> str:
    """The script that puts WORDS and PATTERNS in place of Streamlit's English."""
    return _SCRIPT % {"words": json.dumps(WORDS, ensure_ascii=False),
                      "patterns": json.dumps([list(p) for p in PATTERNS], ensure_ascii=False)}


def install() -> None:
    """Add the script to this run (it acts once per browser tab; later runs find it there)."""
    st.html(CSS)  # a style alone takes no room on the page
    st.html(script(), unsafe_allow_javascript=True, width="content")
