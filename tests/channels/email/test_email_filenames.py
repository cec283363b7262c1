"""Attachment names: every encoding mailers use, then made safe to show."""

from __future__ import annotations

import base64

import pytest

from zayavka.channels.email.filenames import sanitize_filename
from zayavka.channels.email.parsing import parse_message

NAME = "Договор поставки №7.pdf"


def attachment_names(disposition: str, content_type: str = "application/pdf") -> list[str]:
    raw = (
        "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        f"--B\r\nContent-Type: {content_type}\r\nContent-Disposition: {disposition}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--B--\r\n"
    )
    return [a.filename for a in parse_message(raw.encode("utf-8", "surrogateescape")).attachments]


def test_rfc2231_utf8() -> None:
    encoded = "".join(f"%{b:02X}" for b in NAME.encode())
    assert attachment_names(f"attachment; filename*=UTF-8''{encoded}") == [NAME]


def test_rfc2231_cp1251_with_continuations() -> None:
    data = "".join(f"%{b:02X}" for b in NAME.encode("cp1251"))
    half = len(data) // 2 - len(data) // 2 % 3
    disposition = (
        f"attachment;\r\n filename*0*=windows-1251''{data[:half]};\r\n filename*1*={data[half:]}"
    )
    assert attachment_names(disposition) == [NAME]


def test_rfc2047_inside_the_parameter() -> None:
    word = "=?utf-8?B?" + base64.b64encode(NAME.encode()).decode() + "?="
    assert attachment_names(f'attachment; filename="{word}"') == [NAME]


def test_raw_8bit_cp1251_filename() -> None:
    raw = NAME.encode("cp1251").decode("utf-8", "surrogateescape")
    assert attachment_names(f'attachment; filename="{raw}"') == [NAME]


def test_name_from_content_type_when_disposition_has_none() -> None:
    assert attachment_names("attachment", 'application/pdf; name="a.pdf"') == ["a.pdf"]


def test_nameless_attachment_gets_a_name_from_its_type() -> None:
    assert attachment_names("attachment") == ["attachment.pdf"]


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../../../etc/cron.d/x", "x"),
        ("C:\\Windows\\system32\\evil.dll", "evil.dll"),
        ("..", ""),
        ("...hidden", "hidden"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("a\x00b\r\nc.txt", "abc.txt"),
        ("  many   spaces .txt ", "many spaces .txt"),
        ("a..b.txt", "a.b.txt"),
    ],
)
def test_sanitize_filename(given: str, safe: str) -> None:
    assert sanitize_filename(given) == safe


def test_long_names_keep_their_extension() -> None:
    name = sanitize_filename("я" * 300 + ".docx")
    assert name.endswith(".docx")
    assert len(name.encode()) <= 200
