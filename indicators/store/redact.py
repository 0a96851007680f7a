"""Credentials taken out of any text that may be shown or logged: a database URL, a libpq conninfo string,
an error message that quotes either.

libpq takes a password in three forms, each masked here: the URL's user information
(`postgresql://user:secret@host/db`), a URL parameter (`?password=secret`, `&sslpassword=secret`) and
a conninfo keyword (`host=db password=secret`, `password = 'with spaces'`). libpq reads a URL's user
information up to the first @ or / (so a password may hold ? and #) and percent-decodes a parameter's
name as well as its value (`?pass%77ord=secret` is the password).
"""
from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"

_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):(?P<secret>[^@\s/]*)@")
# a URL parameter, its name possibly percent-encoded; its value runs to the next & or white space (or the full-width
# punctuation of the Chinese sentence around it)
_PARAMETER = re.compile(r"(?P<head>[?&](?P<name>[^=&\s]+)=)(?P<secret>[^&\s）：，。]*)")
_SECRET_NAMES = {"password", "sslpassword"}
# a conninfo keyword at the start or after white space: libpq's bare value runs to white space only
_CONNINFO = re.compile(r"(?P<head>(?:^|(?<=\s))(?:ssl)?password\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'?|[^\s'）：，。]*)",
                       re.IGNORECASE)
# keyword = value, the value bare (up to a space, & or quote) or single-quoted with \' escapes
_KEYWORD = re.compile(r"(?P<head>(?<![A-Za-z0-9_])(?:ssl)?password\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'?|[^\s&'\"#）：，。]*)",
                      re.IGNORECASE)


def credentials(text: str) -> str:
    """`text` with every password libpq would accept replaced by ***."""
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", str(text))
    text = _PARAMETER.sub(lambda m: m["head"] + MASK if unquote(m["name"]).strip().lower() in _SECRET_NAMES else m[0], text)
    text = _CONNINFO.sub(lambda m: m["head"] + MASK, text)
    return _KEYWORD.sub(lambda m: m["head"] + MASK, text)
