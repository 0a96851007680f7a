"""Credentials taken out of any text that may be shown or logged: a database URL, a libpq conninfo string,
an error message that quotes either.

libpq takes a password in three forms, each masked here: the URL's user information
(`postgresql://user:secret@host/db`), a URL parameter (`?password=secret`, `&sslpassword=secret`) and
a conninfo keyword (`host=db password=secret`, `password = 'with spaces'`).
"""
from __future__ import annotations

import re

MASK = "***"

_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s?#]*):(?P<secret>[^@\s/?#]*)@")
# keyword = value, the value bare (up to a space, & or quote) or single-quoted with \' escapes
_KEYWORD = re.compile(r"(?P<head>(?<![A-Za-z0-9_])(?:ssl)?password\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'?|[^\s&'\"#]*)",
                      re.IGNORECASE)


def credentials(text: str) -> str:
    """`text` with every password libpq would accept replaced by ***."""
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", str(text))
    return _KEYWORD.sub(lambda m: m["head"] + MASK, text)
