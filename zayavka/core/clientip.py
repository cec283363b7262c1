"""The client's address, for rate limits and logs, behind reverse proxies we trust.

X-Forwarded-For is written by whoever sends the request, so it is believed only when
the connection itself comes from a proxy listed in ZAYAVKA_TRUSTED_PROXIES, and then
only up to the first hop that is not one of ours: everything to the left of it could
be made up by the client. Without trusted proxies the header is ignored entirely.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, unless it is a trusted proxy: then the rightmost X-Forwarded-For
    entry that is not a trusted proxy (the leftmost one if all are). A malformed entry
    met on the way means the chain cannot be relied on: REMOTE_ADDR is answered."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = trusted_networks(tuple(settings.ZAYAVKA_TRUSTED_PROXIES))
    remote_address = _parse(remote)
    if not proxies or remote_address is None or not _trusted(remote_address, proxies):
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    found = remote_address
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return remote
        found = address
        if not _trusted(address, proxies):
            break
    return str(found)


@lru_cache(maxsize=8)
def trusted_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """The configured proxies as networks (a bare address is a /32 or /128)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"ZAYAVKA_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from exc
    return tuple(networks)


def _parse(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket: compare it with IPv4 networks.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)
