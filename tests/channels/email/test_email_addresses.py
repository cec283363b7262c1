"""Who sent it: the From address must come from structure, never from display text."""

from __future__ import annotations

import pytest

from zayavka.channels.email.addresses import parse_address_list, parse_message_id_list
from zayavka.channels.email.parsing import parse_message


def sender(from_value: str) -> tuple[str, bool]:
    raw = f"From: {from_value}\r\nTo: support@helpdesk.example\r\nSubject: x\r\n\r\nbody\r\n"
    parsed = parse_message(raw.encode("utf-8"))
    return parsed.from_email, parsed.from_unambiguous


@pytest.mark.parametrize(
    ("from_value", "email"),
    [
        ("Ivan Petrov <Ivan@Client.Example>", "ivan@client.example"),
        ('"Петров, Иван" <ivan@client.example>', "ivan@client.example"),
        ("=?utf-8?B?0JjQstCw0L0=?= <ivan@client.example>", "ivan@client.example"),
        ("ivan@client.example (Иван)", "ivan@client.example"),
        ("<ivan@client.example>", "ivan@client.example"),
        ("ivan@client.example", "ivan@client.example"),
        ("ivan@client.example <ivan@client.example>", "ivan@client.example"),
        ('"ivan@client.example" <ivan@client.example>', "ivan@client.example"),
    ],
)
def test_ordinary_senders_are_trusted(from_value: str, email: str) -> None:
    assert sender(from_value) == (email, True)


@pytest.mark.parametrize(
    ("from_value", "email"),
    [
        # A display name that shows another address is the attacker's mailbox.
        ('"victim@bank.ru" <attacker@evil.com>', "attacker@evil.com"),
        ("=?utf-8?q?victim=40bank=2Eru?= <attacker@evil.com>", "attacker@evil.com"),
        ("=?utf-8?b?dmljdGltQGJhbmsucnU=?= <attacker@evil.com>", "attacker@evil.com"),
        ("victim@bank.ru <attacker@evil.com>", "attacker@evil.com"),
        ('"victim@bank.ru <victim@bank.ru>" <attacker@evil.com>', "attacker@evil.com"),
        # An encoded-word alone is a name, never an address.
        ("=?utf-8?b?dmljdGltQGJhbmsucnU=?=", ""),
        ("=?utf-8?q?victim=40bank=2Eru?=", ""),
        # An encoded-word inside the address is not decoded into one.
        ("Bank <=?utf-8?q?victim?=@bank.ru>", ""),
        # Two angle addresses in one mailbox: which one is the sender is the trick.
        ("<victim@bank.ru> <attacker@evil.com>", ""),
        # Control characters and spaces do not make a different address.
        ("attacker@evil.com\x00victim@bank.ru", ""),
        ("victim@bank.ru attacker@evil.com", ""),
    ],
)
def test_forged_from_headers_never_resolve_to_the_victim(from_value: str, email: str) -> None:
    got, unambiguous = sender(from_value)
    assert got == email
    assert "victim" not in got
    assert unambiguous is False


def test_several_mailboxes_are_not_trusted() -> None:
    assert sender("victim@bank.ru, attacker@evil.com") == ("victim@bank.ru", False)


def test_two_from_headers_are_not_trusted() -> None:
    raw = b"From: a@x.example\r\nFrom: b@y.example\r\nSubject: x\r\n\r\nbody\r\n"
    parsed = parse_message(raw)
    assert parsed.from_email == "a@x.example"
    assert parsed.from_unambiguous is False
    assert "From: several From headers" in parsed.defects


def test_missing_from_address_falls_back_to_reply_to_untrusted() -> None:
    raw = b'From: "=?GB2312?B?ztI=?=" <>\r\nReply-To: <vip@126.example>\r\n\r\nx\r\n'
    parsed = parse_message(raw)
    assert (parsed.from_email, parsed.from_unambiguous) == ("vip@126.example", False)


def test_comma_inside_an_encoded_word_does_not_split_the_mailbox() -> None:
    parsed = parse_address_list("=?iso-8859-1?Q?B=FCrling,=20Andreas?= <smith@example.com>")
    assert [(m.name, m.address) for m in parsed.mailboxes] == [
        ("Bürling, Andreas", "smith@example.com")
    ]
    assert parsed.defects == []


def test_groups_and_undisclosed_recipients() -> None:
    parsed = parse_address_list("Undisclosed recipients:;")
    assert parsed.addresses == []
    parsed = parse_address_list("team: a@x.example, b@y.example;, c@z.example")
    assert parsed.addresses == ["a@x.example", "b@y.example", "c@z.example"]


def test_message_ids_lose_their_brackets() -> None:
    assert parse_message_id_list("<a@b> <c@d>\r\n <a@b>") == ["a@b", "c@d"]
    assert parse_message_id_list("bare@id.example") == ["bare@id.example"]
