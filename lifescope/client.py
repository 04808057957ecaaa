"""Who is asking: the one place that decides a request's client address and reads its agent."""

import ipaddress
import re
from functools import lru_cache

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, or what our own trusted proxies forwarded.

    X-Forwarded-For is read right to left, skipping our proxies (settings.TRUSTED_PROXIES);
    the first address that is not one of them is the client. Anything further left was written
    by the client itself, so believing it would let anyone pose as many readers.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_proxy(remote, proxies):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        ip = _parse(hop)
        if ip is None:
            break
        if not any(ip in network for network in proxies):
            return hop
    return remote


@lru_cache(maxsize=8)
def _networks(entries):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(address):
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


# Every request asks this of REMOTE_ADDR, mostly one of a few proxies: parsing is the cost.
@lru_cache(maxsize=1024)
def _is_proxy(address, networks):
    ip = _parse(address)
    return ip is not None and any(ip in network for network in networks)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def user_agent(request, limit=255):
    """The client's User-Agent as text any database stores: at most `limit` characters, read as
    UTF-8 (servers hand headers over as Latin-1), without control characters (PostgreSQL
    refuses NUL in text)."""
    raw = request.META.get("HTTP_USER_AGENT", "")
    text = raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return _CONTROL.sub("", text)[:limit]
