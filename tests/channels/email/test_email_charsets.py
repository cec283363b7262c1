"""Charset labels and guessing, as Russian mail really arrives."""

from __future__ import annotations

import pytest

from zayavka.channels.email.charsets import (
    decode_bytes,
    guess_decode,
    normalize_charset,
    strip_nul,
    with_hint,
)

PHRASE = "Прошу проверить оплату счёта, спасибо"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("win-1251", "cp1251"),
        ("cp-1251", "cp1251"),
        ("x-cp1251", "cp1251"),
        ("Windows-1251", "cp1251"),
        ("koi8r", "koi8-r"),
        ("KOI8-R", "koi8-r"),
        ("x-mac-cyrillic", "mac-cyrillic"),
        ("ibm866", "cp866"),
        ("utf8", "utf-8"),
        ("unicode-1-1-utf-8", "utf-8"),
        ('"utf-8"', "utf-8"),
        ("utf-8*ru", "utf-8"),
        ("iso-8859-5", "iso8859-5"),
        ("gb2312", "gb18030"),
    ],
)
def test_odd_labels_map_to_python_codecs(label: str, codec: str) -> None:
    assert normalize_charset(label) == codec


@pytest.mark.parametrize("label", ["x-unknown-42", "", None, "base64", "rot13", "zlib", "x" * 80])
def test_unknown_or_non_text_labels_are_refused(label: str | None) -> None:
    assert normalize_charset(label) is None


@pytest.mark.parametrize("codec", ["cp1251", "koi8-r", "cp866"])
def test_unlabelled_cyrillic_is_recognised_by_letter_frequency(codec: str) -> None:
    assert guess_decode(PHRASE.encode(codec)).text == PHRASE


def test_valid_utf8_wins_over_single_byte_guesses() -> None:
    assert guess_decode(PHRASE.encode("utf-8")).charset == "utf-8"


def test_fallbacks_are_tried_in_the_configured_order() -> None:
    data = PHRASE.encode("koi8-r")
    assert guess_decode(data, ("koi8-r",)).text == PHRASE


def test_accented_latin_is_not_taken_for_cyrillic() -> None:
    assert guess_decode("Grüße aus Köln, café".encode("cp1252")).text == "Grüße aus Köln, café"


def test_declared_charset_decodes_and_drops_a_bom() -> None:
    assert decode_bytes("\ufeffС BOM".encode(), "utf-8").text == "С BOM"


def test_mac_cyrillic_label_decodes() -> None:
    assert decode_bytes(PHRASE.encode("mac_cyrillic"), "x-mac-cyrillic").text == PHRASE


def test_unknown_label_falls_back_and_says_so() -> None:
    decoded = decode_bytes(PHRASE.encode("cp1251"), "x-unknown-42")
    assert decoded.text == PHRASE
    assert "unknown charset" in decoded.defect


def test_a_few_bad_utf8_bytes_are_replaced_not_fatal() -> None:
    decoded = decode_bytes(
        b"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xff \xd0\xbc\xd0\xb8\xd1\x80", "utf-8"
    )
    assert decoded.text.startswith("Привет") and decoded.text.endswith("мир")


def test_windows_1251_sent_as_utf8_is_redecoded() -> None:
    decoded = decode_bytes(PHRASE.encode("cp1251"), "utf-8")
    assert decoded.text == PHRASE
    assert decoded.defect


def test_cp1251_body_mislabelled_koi8r_is_corrected() -> None:
    text = "Здравствуйте! Прошу проверить оплату счёта номер сорок два."
    decoded = decode_bytes(text.encode("cp1251"), "koi8-r")
    assert decoded.text == text


def test_us_ascii_label_over_8bit_bytes_is_guessed() -> None:
    assert decode_bytes(PHRASE.encode("koi8-r"), "us-ascii").text == PHRASE


def test_microsoft_iso_2022_jp_extensions_decode() -> None:
    data = "①１都".encode("cp932")
    # Re-encode as ISO-2022-JP the way Outlook does (CP50220).
    jis = b"\x1b$B-!#1ET\x1b(B"
    assert decode_bytes(jis, "iso-2022-jp").text == "①１都"
    assert data  # the cp932 form exists; Python's iso2022_jp alone rejects "①"


def test_body_charset_is_a_hint_for_multibyte_raw_headers() -> None:
    assert with_hint(("utf-8",), "shift_jis")[0] == "cp932"
    assert with_hint(("utf-8",), "iso-8859-1") == ("utf-8",)
    assert "koi8-r" in with_hint(("utf-8", "cp1251"), "koi8-r")


def test_nul_characters_are_removed() -> None:
    assert strip_nul("a\x00b") == "ab"
