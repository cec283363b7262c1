"""The webhook sender's guard against private targets, with a real receiver."""

from __future__ import annotations

import ipaddress

import pytest

from tests.webhooks.receiver import receiver
from zayavka.webhooks import network, signing


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
    ],
)
def test_private_addresses_are_not_public(address: str) -> None:
    assert not network.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2a00:1450:4001:82a::200e"])
def test_global_addresses_are_public(address: str) -> None:
    assert network.is_public(ipaddress.ip_address(address))


def test_every_address_of_the_host_is_checked() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.5"]  # one public, one private: refused, never sent

    with pytest.raises(network.Refused, match=r"10\.0\.0\.5"):
        network.post("http://hooks.example/x", b"{}", {}, resolver=resolver)


def test_other_schemes_are_refused() -> None:
    with pytest.raises(network.Refused):
        network.post("file:///etc/passwd", b"", {}, may_connect=lambda a: True)


def test_a_redirect_into_a_refused_address_is_not_followed() -> None:
    """The first hop is allowed (this test allows 127.0.0.1 only); its redirect points at
    127.0.0.2, which is refused before anything is sent there."""
    with receiver() as hook:
        hook.answers = [(307, "http://127.0.0.2:9/elsewhere")]
        with pytest.raises(network.Refused, match=r"127\.0\.0\.2"):
            network.post(
                hook.url,
                b"{}",
                {"Content-Type": "application/json"},
                may_connect=lambda a: str(a) == "127.0.0.1",
            )
        assert len(hook.received) == 1


def test_an_allowed_redirect_is_followed_with_the_body() -> None:
    with receiver() as hook:
        hook.answers = [(308, "/moved")]
        answer = network.post(hook.url, b'{"a":1}', {}, may_connect=lambda a: True)
        assert answer.status == 204
        assert [(r.path, r.body) for r in hook.received] == [("/hook", b'{"a":1}')] * 1 + [
            ("/moved", b'{"a":1}')
        ]


def test_a_receiver_verifies_the_signature_and_the_time() -> None:
    body = b'{"event":"ticket.created"}'
    header = signing.signature("s3cret", 1_700_000_000, body)
    assert signing.verify("s3cret", header, "1700000000", body, now=1_700_000_100)
    assert not signing.verify("s3cret", header, "1700000000", body + b" ", now=1_700_000_100)
    assert not signing.verify("s3cret", header, "1700000000", body, now=1_700_001_000)
    assert not signing.verify("other", header, "1700000000", body, now=1_700_000_100)
