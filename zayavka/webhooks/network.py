"""POSTing to a webhook's URL without being turned against the desk's own network.

The host is resolved at delivery time and every address it resolves to is checked
(`may_connect`); the connection then goes to the checked address itself, so a DNS
answer that changes between the check and the connection (rebinding) cannot slip a
private address in. A redirect (301, 302, 303, 307, 308) is followed, at most
MAX_REDIRECTS times, only to a target that passes the same check, and the body is
POSTed again. No Django here: sockets and http.client only.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

type Address = ipaddress.IPv4Address | ipaddress.IPv6Address
type Resolver = Callable[[str, int], list[str]]

MAX_REDIRECTS = 3
EXCERPT = 2000
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Refused(Exception):
    """The target is not one the desk may send to (scheme, or a private address)."""


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: str
    url: str  # where the final answer came from, after redirects


def is_public(address: Address) -> bool:
    """A globally routable unicast address: not private, loopback, link-local, shared,
    reserved, multicast or unspecified (an IPv4-mapped IPv6 address counts as its IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    may_connect: Callable[[Address], bool] = is_public,
    timeout: float = 10.0,
    resolver: Resolver = resolve,
) -> Response:
    """POST `body` to `url`; the response's status and the start of its body. Refused
    for a target that fails `may_connect` (any of its addresses) or a scheme other than
    http(s); OSError and http.client's errors for a failed connection."""
    for _ in range(MAX_REDIRECTS + 1):
        status, excerpt, location = _post_once(url, body, headers, may_connect, timeout, resolver)
        if status not in REDIRECTS or not location:
            return Response(status, excerpt, url)
        url = urljoin(url, location)
    raise Refused(f"more than {MAX_REDIRECTS} redirects")


def _post_once(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    may_connect: Callable[[Address], bool],
    timeout: float,
    resolver: Resolver,
) -> tuple[int, str, str]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Refused(f"not an http(s) URL: {url[:200]}")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolver(host, port)]
    except (OSError, ValueError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise Refused(f"{host} has no address")
    refused = [str(a) for a in addresses if not may_connect(a)]
    if refused:
        raise Refused(f"{host} resolves to an address not allowed: {', '.join(refused)}")
    connection = _connection(parts.scheme, host, str(addresses[0]), port, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        answer = connection.getresponse()
        excerpt = answer.read(EXCERPT).decode("utf-8", "replace")
        return answer.status, excerpt, answer.getheader("Location") or ""
    finally:
        connection.close()


def _connection(
    scheme: str, host: str, ip: str, port: int, timeout: float
) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPS(host, ip, port, timeout)
    return _PinnedHTTP(host, ip, port, timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked; the Host header names the host."""

    def __init__(self, host: str, ip: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, with the host's name for SNI and the certificate."""

    def __init__(self, host: str, ip: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
