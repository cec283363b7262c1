"""The email adapter: what a raw message becomes for intake, and whom it is trusted as."""

from __future__ import annotations

from typing import Any

import pytest

from tests.channels.email.mailbuilder import raw_mail
from tests.factories import World
from zayavka.channels.email.inbound import (
    authentication_method,
    has_loop_header,
    parse_authentication_results,
    to_inbound,
)
from zayavka.tickets.actions import intake
from zayavka.tickets.models import Ticket, Verification
from zayavka.tickets.threading import make_message_id

OUR_MTA = "mx.desk.example"


def ticket_of(result: intake.IntakeResult) -> Ticket:
    assert result.ticket_id is not None
    return Ticket.objects.get(pk=result.ticket_id)


def test_a_new_message_maps_every_field(settings: Any) -> None:
    raw = raw_mail(headers={"Cc": "Мария <m.kuznetsova@romashka.ru>"})
    msg = to_inbound(raw)
    assert msg.channel == "email"
    assert msg.raw == raw
    assert msg.external_id == msg.message_id == "m1@mail.romashka.ru"
    assert msg.sender.email == "o.smirnov@romashka.ru"
    assert msg.sender.name == "Олег Смирнов"
    assert not msg.sender.authenticated
    assert msg.subject == "Не открывается сайт"
    assert msg.text == "Сайт не открывается с утра."
    assert msg.cc == ("m.kuznetsova@romashka.ru",)
    assert msg.reply.message_ids == () and msg.reply.ticket_number is None
    assert not msg.auto_generated
    assert msg.meta["from_unambiguous"] is True
    assert msg.meta["defects"] == []
    assert "full_text" not in msg.meta


def test_without_a_message_id_intake_derives_the_id_from_the_bytes() -> None:
    msg = to_inbound(raw_mail(message_id=""))
    assert msg.external_id == ""
    assert msg.with_defaults().external_id.startswith("sha256:")


def test_a_given_external_id_wins_over_the_message_id() -> None:
    assert to_inbound(raw_mail(), external_id="sha256:abc").external_id == "sha256:abc"


def test_a_reply_keeps_only_the_new_text_and_the_full_text_in_meta() -> None:
    body = "Спасибо, заработало.\n\n> Сайт не открывается с утра.\n"
    msg = to_inbound(
        raw_mail(
            body,
            subject="Re: [#10042] Не открывается сайт",
            message_id="<m2@mail.romashka.ru>",
            headers={
                "In-Reply-To": "<zv.10042.abc123.0011223344556677@desk.example>",
                "References": (
                    "<first@desk.example> <zv.10042.abc123.0011223344556677@desk.example>"
                ),
            },
        )
    )
    assert msg.text == "Спасибо, заработало."
    assert "Сайт не открывается" in msg.meta["full_text"]
    assert msg.reply.ticket_number == 10042
    # nearest first, no repeats
    assert msg.reply.message_ids == (
        "zv.10042.abc123.0011223344556677@desk.example",
        "first@desk.example",
    )


def test_a_new_message_keeps_its_quoted_text() -> None:
    body = "Пересылаю жалобу клиента:\n\n> Сайт не открывается.\n"
    msg = to_inbound(raw_mail(body))
    assert "Сайт не открывается." in msg.text


def test_attachments_are_handed_over_with_their_bytes() -> None:
    raw = (
        b"From: o.smirnov@romashka.ru\r\nSubject: scan\r\nMessage-ID: <a@r>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="act.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n"
    )
    (att,) = to_inbound(raw).attachments
    assert (att.filename, att.content_type, att.content, att.inline) == (
        "act.pdf",
        "application/pdf",
        b"%PDF-1.4\n",
        False,
    )


@pytest.mark.parametrize(
    "from_",
    [
        "o.smirnov@romashka.ru, attacker@evil.example",
        '"o.smirnov@romashka.ru" <attacker@evil.example>',
        "<o.smirnov@romashka.ru>@evil.example",
        "=?utf-8?b?by5zbWlybm92QHJvbWFzaGthLnJ1?=",
    ],
)
def test_an_ambiguous_from_hands_intake_no_address(from_: str) -> None:
    msg = to_inbound(raw_mail(from_=from_))
    assert msg.sender.email == ""
    assert msg.meta["sender_ambiguous"] is True
    assert msg.meta["from_unambiguous"] is False
    assert "claimed_email" in msg.meta


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk", "List-Id": "<news.example.org>"},
        {"X-Zayavka-Loop": "support@desk.example"},
    ],
)
def test_machine_mail_is_marked(headers: dict[str, str]) -> None:
    assert to_inbound(raw_mail(headers=headers)).auto_generated


def test_the_loop_header_counts_only_in_the_header_section() -> None:
    assert not has_loop_header(raw_mail("X-Zayavka-Loop: quoted in the body"))
    assert has_loop_header(raw_mail(headers={"x-zayavka-loop": "a@b"}))


# --- Authentication-Results (R27) -------------------------------------------------


def test_authentication_results_are_read_per_rfc_8601() -> None:
    authserv, results = parse_authentication_results(
        "mx.desk.example (Postfix) 1; spf=pass smtp.mailfrom=romashka.ru; "
        'dkim=pass (2048-bit key; secure) header.d=romashka.ru header.s="sel;1"; '
        "dmarc=pass (p=reject dis=none) header.from=Romashka.RU"
    )
    assert authserv == OUR_MTA
    assert [(r.method, r.result) for r in results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
    ]
    assert results[1].properties["header.s"] == "sel;1"
    assert results[2].properties["header.from"] == "Romashka.RU"


@pytest.mark.parametrize(
    ("headers", "method"),
    [
        ([f"{OUR_MTA}; dkim=pass header.d=romashka.ru"], "dkim"),
        ([f"{OUR_MTA}; dkim=pass header.i=@romashka.ru"], "dkim"),
        ([f"{OUR_MTA}; dkim=pass header.d=mail.romashka.ru"], ""),  # not the From domain
        ([f"{OUR_MTA}; dmarc=pass header.from=romashka.ru"], "dmarc"),
        ([f"{OUR_MTA}; dmarc=pass"], ""),  # a pass for which domain?
        ([f"{OUR_MTA}; dkim=pass header.d=evil.example"], ""),
        ([f"{OUR_MTA}; dkim=fail header.d=romashka.ru"], ""),
        ([f"{OUR_MTA}; none"], ""),
        (["mx.other.example; dkim=pass header.d=romashka.ru"], ""),
        # the sender's own header below ours does not count
        ([f"{OUR_MTA}; dkim=fail", f"{OUR_MTA}; dkim=pass header.d=romashka.ru"], ""),
        # nor above a relay's header that is not ours
        (["relay.example; none", f"{OUR_MTA}; dmarc=pass header.from=romashka.ru"], ""),
        ([f"{OUR_MTA} (comment; dkim=pass header.d=romashka.ru); dkim=neutral"], ""),
        ([], ""),
    ],
)
def test_only_our_topmost_header_with_a_pass_for_the_from_domain_authenticates(
    headers: list[str], method: str
) -> None:
    assert authentication_method(headers, OUR_MTA, "o.smirnov@romashka.ru") == method


def test_a_subdomain_sender_is_covered_by_its_parent_domains_signature() -> None:
    headers = [f"{OUR_MTA}; dkim=pass header.d=romashka.ru"]
    assert authentication_method(headers, OUR_MTA, "o@mail.romashka.ru") == "dkim"
    assert authentication_method(headers, OUR_MTA, "o@notromashka.ru") == ""


def test_without_a_configured_authserv_id_nothing_authenticates(settings: Any) -> None:
    settings.ZAYAVKA_EMAIL_AUTHSERV_ID = ""
    top = [f"Authentication-Results: {OUR_MTA}; dkim=pass header.d=romashka.ru"]
    assert not to_inbound(raw_mail(top=top)).sender.authenticated


def test_our_mtas_pass_authenticates_the_sender(settings: Any) -> None:
    settings.ZAYAVKA_EMAIL_AUTHSERV_ID = OUR_MTA
    top = [f"Authentication-Results: {OUR_MTA}; dkim=pass header.d=romashka.ru"]
    msg = to_inbound(raw_mail(top=top))
    assert msg.sender.authenticated and msg.meta["authenticated_by"] == "dkim"


def test_a_forged_header_below_ours_does_not(settings: Any) -> None:
    # Our MTA adds its header on top (and, per RFC 8601 section 5, should strip any
    # claiming its authserv-id): a sender's header can only come below it.
    settings.ZAYAVKA_EMAIL_AUTHSERV_ID = OUR_MTA
    forged = {"Authentication-Results": f"{OUR_MTA}; dkim=pass header.d=romashka.ru"}
    top = [f"Authentication-Results: {OUR_MTA}; dkim=none"]
    assert not to_inbound(raw_mail(top=top, headers=forged)).sender.authenticated


def test_an_ambiguous_from_is_never_authenticated(settings: Any) -> None:
    settings.ZAYAVKA_EMAIL_AUTHSERV_ID = OUR_MTA
    top = [f"Authentication-Results: {OUR_MTA}; dkim=pass header.d=romashka.ru"]
    msg = to_inbound(raw_mail(top=top, from_="o.smirnov@romashka.ru, x@romashka.ru"))
    assert not msg.sender.authenticated


# --- Through intake -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_registered_sender_with_our_mtas_pass_is_verified(world: World, settings: Any) -> None:
    settings.ZAYAVKA_EMAIL_AUTHSERV_ID = OUR_MTA
    top = [f"Authentication-Results: {OUR_MTA}; dmarc=pass header.from=romashka.ru"]
    result = intake.receive(to_inbound(raw_mail(top=top)))
    ticket = ticket_of(result)
    assert ticket.requester == world.oleg
    assert ticket.verification == Verification.AUTHENTICATED


@pytest.mark.django_db
def test_a_registered_sender_without_it_is_matched_by_address_only(world: World) -> None:
    result = intake.receive(to_inbound(raw_mail()))
    ticket = ticket_of(result)
    assert ticket.requester == world.oleg
    assert ticket.verification == Verification.ADDRESS


@pytest.mark.django_db
def test_a_forged_from_is_not_matched_to_the_registered_contact(world: World) -> None:
    forged = '"o.smirnov@romashka.ru" <o.smirnov@romashka.ru>, attacker@evil.example'
    result = intake.receive(to_inbound(raw_mail(from_=forged)))
    assert result.result == "created"
    ticket = ticket_of(result)
    assert ticket.requester != world.oleg
    assert ticket.requester.email == ""
    assert ticket.organization is None
    assert ticket.verification == Verification.NONE


@pytest.mark.django_db
def test_a_forged_from_cannot_reply_into_the_victims_ticket(world: World) -> None:
    first = intake.receive(to_inbound(raw_mail()))
    our_id = make_message_id(first.ticket_number or 0)
    forged = intake.receive(
        to_inbound(
            raw_mail(
                "Отмените заявку",
                from_='"o.smirnov@romashka.ru" <attacker@evil.example>',
                subject=f"Re: [#{first.ticket_number}] Не открывается сайт",
                message_id="<forged@evil.example>",
                headers={"In-Reply-To": f"<{our_id}>"},
            )
        )
    )
    assert forged.result == "created" and forged.ticket_number != first.ticket_number
    assert ticket_of(forged).is_flagged
    assert ticket_of(first).messages.count() == 1


@pytest.mark.django_db
def test_quarantined_raw_email_is_replayed_through_the_adapter(world: World) -> None:
    assert intake.RAW_PARSERS["email"](raw_mail(), "x").external_id == "x"
    quarantined = intake.quarantine_raw("email", "", raw_mail(), "adapter failure: test")
    assert quarantined.raw_id is not None
    replayed = intake.retry(quarantined.raw_id)
    assert replayed.result == "created"
    assert ticket_of(replayed).requester == world.oleg
