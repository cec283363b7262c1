"""Encoded-words the way mailers actually write them."""

from __future__ import annotations

import base64

from zayavka.channels.email.headers import decode_header

SUBJECT = "Счёт №42 не оплачен — срочно"


def _b(data: bytes, charset: str = "UTF-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def test_a_utf8_character_split_across_two_words_is_reassembled() -> None:
    raw = SUBJECT.encode()
    cut = raw.index("ё".encode()) + 1  # inside the two-byte "ё"
    header = f"{_b(raw[:cut])}\r\n {_b(raw[cut:])}"
    assert decode_header(header).text == SUBJECT


def test_whitespace_between_encoded_words_is_dropped() -> None:
    header = "=?utf-8?q?=D0=A1=D1=87=D1=91=D1=82?= =?utf-8?q?_42?="
    assert decode_header(header).text == "Счёт 42"


def test_text_between_words_is_kept() -> None:
    header = f"Re: {_b('счёт'.encode('koi8-r'), 'koi8-r')} 42"
    assert decode_header(header).text == "Re: счёт 42"


def test_words_of_different_charsets_decode_separately() -> None:
    header = "=?Windows-1252?Q?Hans_B=C4KO?= =?iso-8859-15?q?Sch=F6nland?="
    assert decode_header(header).text == "Hans BÄKOSchönland"


def test_unknown_encoded_word_charset_falls_back() -> None:
    decoded = decode_header(_b("Привет".encode(), "x-unknown-42"))
    assert decoded.text == "Привет"
    assert decoded.defects


def test_raw_8bit_koi8_subject_is_decoded() -> None:
    raw = "тест тест".encode("koi8-r").decode("utf-8", "surrogateescape")
    assert decode_header(raw).text == "тест тест"


def test_bad_base64_does_not_raise() -> None:
    assert isinstance(decode_header("=?utf-8?B?0J/RgNC4!!!?=").text, str)


def test_control_characters_and_folding_are_removed() -> None:
    assert decode_header("a\r\n b\x00c\x07").text == "a bc"


def test_huge_header_is_truncated_quickly() -> None:
    decoded = decode_header("=?utf-8?q?a?= " * 100_000)
    assert "header value truncated" in decoded.defects
