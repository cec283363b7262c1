"""Which address the limits count: the connection's, or — behind a proxy we trust — the
last address in X-Forwarded-For that no proxy of ours wrote."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from zayavka.core.clientip import client_ip


def ip_of(remote: str, forwarded: str | None = None) -> str:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(request)


@pytest.fixture
def behind_proxies(settings: Any) -> None:
    settings.ZAYAVKA_TRUSTED_PROXIES = ["10.0.0.1", "192.168.0.0/16", "2001:db8::/32"]


def test_without_trusted_proxies_the_header_is_ignored(settings: Any) -> None:
    settings.ZAYAVKA_TRUSTED_PROXIES = []
    assert ip_of("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert ip_of("203.0.113.7") == "203.0.113.7"


def test_a_client_spoofing_the_header_directly_is_not_believed(behind_proxies: None) -> None:
    assert ip_of("203.0.113.7", "10.0.0.1, 198.51.100.1") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_forwarded_client_counts(behind_proxies: None) -> None:
    assert ip_of("10.0.0.1", "198.51.100.1") == "198.51.100.1"


def test_made_up_entries_left_of_the_real_client_are_ignored(behind_proxies: None) -> None:
    # The client sent "X-Forwarded-For: 1.1.1.1"; our proxy appended what it saw.
    assert ip_of("10.0.0.1", "1.1.1.1, 198.51.100.1") == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(behind_proxies: None) -> None:
    assert ip_of("10.0.0.1", "198.51.100.1, 192.168.5.5, 192.168.1.1") == "198.51.100.1"
    assert ip_of("192.168.3.3", "2001:db8::1, 198.51.100.9, 2001:db8::5") == "198.51.100.9"


def test_a_chain_of_only_trusted_hops_gives_the_first_of_them(behind_proxies: None) -> None:
    assert ip_of("10.0.0.1", "192.168.7.7, 192.168.1.1") == "192.168.7.7"
    assert ip_of("10.0.0.1", "") == "10.0.0.1"
    assert ip_of("10.0.0.1") == "10.0.0.1"


@pytest.mark.parametrize(
    "forwarded", ["not-an-ip", "198.51.100.1, garbage", "198.51.100.1:4711", "unknown"]
)
def test_a_malformed_chain_falls_back_to_the_connection(
    behind_proxies: None, forwarded: str
) -> None:
    assert ip_of("10.0.0.1", forwarded) == "10.0.0.1"


def test_an_ipv4_client_seen_through_an_ipv6_socket_matches_ipv4_networks(
    behind_proxies: None,
) -> None:
    assert ip_of("::ffff:10.0.0.1", "198.51.100.1") == "198.51.100.1"


def test_a_mistyped_proxy_setting_is_a_configuration_error(settings: Any) -> None:
    settings.ZAYAVKA_TRUSTED_PROXIES = ["10.0.0.300"]
    with pytest.raises(ImproperlyConfigured, match="ZAYAVKA_TRUSTED_PROXIES"):
        ip_of("10.0.0.1", "198.51.100.1")
