"""The client address an action is audited with: the connecting peer, or behind a reverse proxy that the
operator declared trusted, the address that proxy saw (X-Forwarded-For), never what a browser claims.

A browser can send any X-Forwarded-For it likes; only a proxy's word counts. The header is read from
its right end (what the nearest proxy appended) leftwards, skipping addresses of trusted proxies, and the
first other address is the client; a peer that is not a trusted proxy is the client itself, whatever
the header says.
"""
from __future__ import annotations

import ipaddress
import os

from .problems import IndicatorsError
from .roles import OPERATOR, VISITOR, Actor

TRUSTED_PROXIES_ENV = "INDICATORS_TRUSTED_PROXIES"
TRUSTED_PROXIES_HELP = ("可信的反向代理地址（逗号分隔，可写网段，如 127.0.0.1,10.0.0.0/24）：只有来自这些地址的请求，"
                        "才按其 X-Forwarded-For 头记录用户的真实地址；默认不信任任何代理（记录直接连接的地址）")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(raw: str | None = None) -> list[Network]:
    """The networks of $INDICATORS_TRUSTED_PROXIES (or `raw`). Raises IndicatorsError naming a bad entry."""
    raw = os.environ.get(TRUSTED_PROXIES_ENV, "") if raw is None else raw
    out = []
    for part in filter(None, (p.strip() for p in raw.replace("，", ",").split(","))):
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise IndicatorsError(f"环境变量 {TRUSTED_PROXIES_ENV} 中的「{part}」不是 IP 地址或网段"
                                  f"（{TRUSTED_PROXIES_HELP}）") from None
    return out


def _address(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip().strip("[]"))
    except ValueError:
        return None


def is_trusted(address: str | None, trusted: list[Network]) -> bool:
    """Whether `address` is one of the trusted proxies'."""
    a = _address(address)
    return a is not None and any(a in net for net in trusted if a.version == net.version)


def client_address(peer: str | None, forwarded_for: str | None, trusted: list[Network]) -> str | None:
    """The client's address: `peer` (the connection's), unless `peer` is a trusted proxy, then the rightmost
    address of `forwarded_for` that is not a trusted proxy (a malformed entry there ends the walk at the
    last trusted hop)."""
    here = _address(peer)
    if here is None:
        return peer or None

    def is_trusted(a) -> bool:
        return any(a in net for net in trusted if a.version == net.version)

    if not is_trusted(here):
        return str(here)
    for hop in reversed((forwarded_for or "").split(",")):
        a = _address(hop)
        if a is None:
            break
        if not is_trusted(a):
            return str(a)
        here = a
    return str(here)


def before_first_account(client: str | None) -> Actor:
    """Who acts in the web app while no account exists: this machine (a loopback address, or no connection
    at all) is the operator, an administrator; any other address only a VISITOR, who may look and create the
    first administrator with the set-up code, and nothing else, so that opening the port before creating
    that account does not make everyone anywhere an administrator."""
    if client is None:
        return OPERATOR
    a = _address(client)
    return OPERATOR if a is not None and a.is_loopback else VISITOR


def lockout_key(client: str | None) -> str:
    """The address wrong passwords are counted under (accounts.login): an IPv4 address as it is (also written
    as ::ffff:a.b.c.d), an IPv6 address by its /64 network, which one machine holds whole (it could otherwise
    try five passwords from each of its addresses and never meet the per-address lock)."""
    a = _address(client)
    if a is None:
        return client or ""
    if a.version == 6 and a.ipv4_mapped:
        return str(a.ipv4_mapped)
    return str(ipaddress.ip_network(f"{a}/64", strict=False)) if a.version == 6 else str(a)
