"""Text that came from a user (a file name, a ledger's 主题, a reason, an account's name) placed inside our
own markdown: every character markdown or HTML would act on is escaped, so it shows as typed.

Streamlit renders st.markdown, st.caption, st.info/warning/error/success and widget labels as
GitHub-flavoured markdown (links, images, raw HTML as text, emoji and colour directives, LaTeX). CommonMark
lets any ASCII punctuation be escaped with a backslash and then shows it literally; escaping all of it
keeps `[会话已过期](http://…)` those characters. GFM's bare links (www.…, http://…, a@b.c) are found after
parsing, on the text itself, so there an invisible word joiner (U+2060) is put inside each.
"""
from __future__ import annotations

import re

# every character that can open markup inside a line ('-' and '.' only matter at a line's start, handled below):
# left alone elsewhere so that dates and numbers read as typed in the page's text too
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,/:;<=>?@\[\\\]^_`{|}~])""")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_WWW = re.compile(r"(?i)\b(www)(?=\\?\.)")
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|xmpp)(?=\\?:(?:\\?/\\?/)?[^\s/\\])")
# GFM links a bare e-mail address after parsing, on the text itself (Chromium showed a@evil.example as a
# mailto: link with the @ escaped): an invisible word joiner after the @ keeps it text
_EMAIL = re.compile(r"@(?=[-\w.])")
_LEADING = re.compile(r"^(\s*)(\d*)([-.)])(?=[\s-]|$)")  # "- x", "1. x", "---" would start a list or a rule


def md(value) -> str:
    """`value` as text for our markdown: shown exactly as typed (on one line), never a link, image or markup."""
    text = _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))
    return _inline(text)


def _inline(text: str) -> str:
    """Escaped text kept inline: no list or rule at its start ("- x", "1. x", "---"), no bare link in it."""
    return _LEADING.sub(lambda m: m[1] + m[2] + "\\" + m[3] if m[2] or m[3] == "-" else m[0], _no_autolink(text))


def _no_autolink(text: str) -> str:
    """GFM turns www.…, http(s)://… and a@b.c into links after parsing, on the text itself, so a backslash
    before the . or : does not stop it (Chromium showed both as links): an invisible word joiner (U+2060)
    inside each keeps it text, read exactly as typed."""
    return _EMAIL.sub("@\u2060", _SCHEME.sub("\\1\u2060", _WWW.sub("\\1\u2060", text)))


# a whole message of ours that may quote user text (an error from the core): only what makes a link, an image,
# HTML or markup is escaped, so that our own words (paths, 1.5 MB, https://, INDICATORS_DB) read unchanged
_MARKUP = re.compile(r"([\\`*~\[\]<>$|])")
# an emoji or icon code (:100:, :+1:, :material/home:) would be drawn as a picture: its colons escaped
_SHORTCODE = re.compile(r":([\w+\-]+|material/[\w\-]+):")


def inert(value) -> str:
    """A message of ours (e.g. str(IndicatorsError)) for our markdown: any link, image, HTML tag, bare URL or
    emphasis a quoted user text would make is escaped; the rest reads exactly as written."""
    return _inline(_SHORTCODE.sub(r"\\:\1\\:", _MARKUP.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))))
