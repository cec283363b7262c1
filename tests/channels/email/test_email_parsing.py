"""parse_message end to end: structure, machine mail, and never raising."""

from __future__ import annotations

import base64
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zayavka.channels.email.parsing import ParsedEmail, parse_message, to_json_dict


def msg(headers: str, body: str = "hello\r\n") -> bytes:
    return (headers.strip().replace("\n", "\r\n") + "\r\n\r\n" + body).encode(
        "utf-8", "surrogateescape"
    )


BASE = "From: Ivan <ivan@client.example>\nTo: support@helpdesk.example\nSubject: Счёт\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    assert isinstance(parse_message(raw), ParsedEmail)


FRAGMENTS = [
    b"From: a@b\r\n", b"Subject: =?utf-8?B?0J/R?=\r\n",
    b"Content-Type: multipart/mixed; boundary=X\r\n",
    b"Content-Type: message/rfc822\r\n", b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Type: text/plain; charset=koi8-r\r\n", b"\r\n", b"--X\r\n", b"--X--\r\n",
    b"\xd4\xc5\xd3\xd4\r\n", b"begin 644 a.txt\r\n", b"end\r\n", b"=?x?Q?=FF?=", b"\x00",
    b'Content-Disposition: attachment; filename*0*=utf-8\'\'%D0; filename*1*=%9F\r\n',
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60))
def test_mime_shaped_garbage_parses_without_raising(parts: list[bytes]) -> None:
    parsed = parse_message(b"".join(parts))
    assert "\x00" not in parsed.text + parsed.subject + parsed.reply_text


def test_empty_input_is_a_defect_not_an_error() -> None:
    assert parse_message(b"").defects == ["empty message"]


def test_deep_nesting_is_bounded_and_fast() -> None:
    raw = b"From: a@b.example\r\nSubject: deep\r\n"
    for level in range(2000):
        raw += f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
    raw += b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    start = time.perf_counter()
    parsed = parse_message(raw)
    assert time.perf_counter() - start < 2
    assert any("deeper" in d or "nested" in d or "parts" in d for d in parsed.defects)


def test_nul_bytes_are_stripped_from_text() -> None:
    parsed = parse_message(msg(BASE + "Content-Type: text/plain; charset=utf-8", "a\x00b\r\n"))
    assert parsed.text == "ab"


def test_html_only_mail_gets_a_text_rendering_and_keeps_raw_html() -> None:
    html = "<p>Hello <b>there</b></p><script>alert(1)</script><p>Second</p>"
    parsed = parse_message(msg(BASE + "Content-Type: text/html; charset=utf-8", html))
    assert parsed.text == "Hello there\n\nSecond"
    assert parsed.html == html  # sanitising happens at display, not here


def test_alternative_prefers_plain_for_text_and_keeps_html() -> None:
    body = (
        "--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain version\r\n"
        "--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html version</p>\r\n--A--\r\n"
    )
    parsed = parse_message(msg(BASE + 'Content-Type: multipart/alternative; boundary="A"', body))
    assert parsed.text == "plain version"
    assert "html version" in parsed.html


def test_attached_message_is_kept_as_eml_named_after_its_subject() -> None:
    inner = "From: x@y.example\r\nSubject: Updates to our terms\r\n\r\ninner text\r\n"
    body = (
        "--M\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        f"--M\r\nContent-Type: message/rfc822\r\n\r\n{inner}--M--\r\n"
    )
    parsed = parse_message(msg(BASE + 'Content-Type: multipart/mixed; boundary="M"', body))
    assert [a.filename for a in parsed.attachments] == ["Updates to our terms.eml"]
    assert b"inner text" in parsed.attachments[0].content
    assert "inner text" not in parsed.text


def test_uuencoded_file_in_a_text_body_becomes_an_attachment() -> None:
    body = "Report attached.\r\n\r\nbegin 644 report.txt\r\n#86)C\r\n`\r\nend\r\nThanks\r\n"
    parsed = parse_message(msg(BASE, body))
    assert [(a.filename, a.content) for a in parsed.attachments] == [("report.txt", b"abc")]
    assert "begin 644" not in parsed.text and "Thanks" in parsed.text


def test_smime_signature_is_kept_as_an_attachment() -> None:
    body = (
        "--S\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n"
        "--S\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--S--\r\n"
    )
    signed = 'multipart/signed; protocol="application/pkcs7-signature"; boundary="S"'
    parsed = parse_message(msg(f"{BASE}Content-Type: {signed}", body))
    assert parsed.text == "signed text"
    assert [a.filename for a in parsed.attachments] == ["smime.p7s"]


def test_unreadable_winmail_dat_is_kept_as_is() -> None:
    payload = base64.b64encode(b"not really tnef").decode()
    body = (
        "--W\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        "--W\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{payload}\r\n--W--\r\n"
    )
    parsed = parse_message(msg(BASE + 'Content-Type: multipart/mixed; boundary="W"', body))
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]


def test_missing_boundary_is_recovered_from_the_body() -> None:
    body = "--OTHER\r\nContent-Type: text/plain\r\n\r\nhello\r\n--OTHER--\r\n"
    parsed = parse_message(msg(BASE + 'Content-Type: multipart/mixed; boundary="NOPE"', body))
    assert parsed.text == "hello"


def test_headers_used_later_are_exposed() -> None:
    parsed = parse_message(
        msg(
            BASE + "Message-ID: <id-1@client.example>\nIn-Reply-To: <t-42@helpdesk.example>\n"
            "References: <t-41@helpdesk.example>\n <t-42@helpdesk.example>\n"
            "Date: Mon, 05 May 2025 10:00:00 +0300\nX-Loop: helpdesk\n"
            "Authentication-Results: mx; dkim=pass header.d=client.example"
        )
    )
    assert parsed.message_id == "id-1@client.example"
    assert parsed.in_reply_to == ["t-42@helpdesk.example"]
    assert parsed.references == ["t-41@helpdesk.example", "t-42@helpdesk.example"]
    assert parsed.date is not None and parsed.date.utcoffset() is not None
    assert parsed.x_loop == "helpdesk"
    assert parsed.authentication_results == ["mx; dkim=pass header.d=client.example"]


@pytest.mark.parametrize(
    "extra",
    [
        "Auto-Submitted: auto-replied",
        "Precedence: bulk",
        "List-Id: <news.client.example>",
        "List-Unsubscribe: <mailto:u@client.example>",
        "X-Autoreply: yes",
        "X-Auto-Response-Suppress: OOF",
        "Return-Path: <>",
    ],
)
def test_machine_headers_mark_mail_auto_generated(extra: str) -> None:
    assert parse_message(msg(BASE + extra)).auto_generated is True


@pytest.mark.parametrize(
    "subject", ["Автоответ: Счёт", "Automatic reply: invoice", "Out of Office: back Monday"]
)
def test_auto_reply_subjects_are_only_suspected_never_machine_mail(subject: str) -> None:
    parsed = parse_message(msg(f"From: a@client.example\nSubject: {subject}"))
    assert (parsed.auto_generated, parsed.auto_suspected) == (False, True)


def test_a_human_writing_about_failed_delivery_is_not_machine_mail() -> None:
    parsed = parse_message(msg("From: a@client.example\nSubject: Delivery failed for my parcel"))
    assert (parsed.auto_generated, parsed.bounce) == (False, False)
    assert parse_message(msg(BASE + "Auto-Submitted: no")).auto_generated is False


def test_delivery_report_is_a_bounce() -> None:
    body = (
        "--R\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; x@y\r\nAction: failed\r\nStatus: 5.1.1\r\n--R--\r\n"
    )
    headers = (
        "From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"'
    )
    parsed = parse_message(msg(headers, body))
    assert (parsed.bounce, parsed.auto_generated) == (True, True)
    assert parsed.attachments[0].size > 0


def test_json_shape_is_stable() -> None:
    data = to_json_dict(parse_message(msg(BASE)), "x.eml")
    assert list(data) == [
        "file", "subject", "from_email", "from_name", "from_unambiguous", "to", "cc",
        "message_id", "in_reply_to", "references", "date", "text", "reply_text", "html",
        "attachments", "auto_generated", "bounce", "defects",
    ]  # fmt: skip
    assert data["subject"] == "Счёт" and data["from_email"] == "ivan@client.example"


def _tnef(name: bytes, data: bytes) -> bytes:
    """A minimal winmail.dat holding one attachment (TNEF attribute records)."""

    def record(level: int, attr_id: int, payload: bytes) -> bytes:
        head = struct.pack("<BII", level, attr_id, len(payload))
        return head + payload + struct.pack("<H", sum(payload) & 0xFFFF)

    return (
        struct.pack("<IH", 0x223E9F78, 1)
        + record(1, 0x00089006, struct.pack("<I", 0x00010000))  # TNEF version
        + record(2, 0x00069002, b"\x00" * 14)  # attachment rendering: starts one
        + record(2, 0x00018010, name + b"\x00")  # attachment title
        + record(2, 0x0006800F, data)  # attachment data
    )


def test_winmail_dat_is_unpacked_into_its_attachments() -> None:
    payload = base64.b64encode(_tnef(b"report.txt", b"hello tnef")).decode()
    body = (
        "--W\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        "--W\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{payload}\r\n--W--\r\n"
    )
    parsed = parse_message(msg(BASE + 'Content-Type: multipart/mixed; boundary="W"', body))
    assert [(a.filename, a.content) for a in parsed.attachments] == [("report.txt", b"hello tnef")]
