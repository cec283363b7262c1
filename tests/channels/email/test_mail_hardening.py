"""The email intake under attack (issue 15): mail that once stalled, vanished or was
misfiled, each delivered as the MTA delivers it (`mail deliver` or `deliver.deliver`)."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from tests.channels.email.mailbuilder import raw_mail
from tests.factories import World
from tests.personas import Agents
from zayavka.accounts.models import ContactAddress, User
from zayavka.portal.membership import link_contact
from zayavka.tickets import sanitize
from zayavka.tickets.actions import intake
from zayavka.tickets.models import EventKind, Message, Outbox, RawInput, Ticket, Verification
from zayavka.tickets.threading import make_message_id

pytestmark = pytest.mark.django_db


def deliver(raw: bytes, *args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("mail", "deliver", *args, stdin=io.BytesIO(raw), stdout=out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


# --- 3. A subject alone never drops a message ------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        "OOO Romashka: site is down",
        "Вне офиса не подключается VPN",
        "В отпуске не работает почта на телефоне",
        "Нет на месте принтер",
        "Отсутствую в адресной книге",
        "Read: contract attached",
    ],
)
def test_a_human_request_with_an_auto_reply_like_subject_opens_a_ticket(
    world: World, subject: str
) -> None:
    result = deliver(raw_mail("Помогите, пожалуйста.", subject=subject))
    assert result["result"] == "created"
    ticket = Ticket.objects.get(number=result["ticket"])
    assert ticket.subject == subject and ticket.requester == world.oleg
    # Only suspicion: the automatic acknowledgement is withheld (no mail loop with a
    # real auto-responder), and the message says why.
    assert not Outbox.objects.filter(ticket=ticket, template="ticket_created").exists()
    assert ticket.messages.get().meta["auto_suspected"] is True


def test_a_plain_request_is_still_acknowledged(world: World) -> None:
    result = deliver(raw_mail(subject="Не открывается сайт"))
    assert Outbox.objects.filter(ticket__number=result["ticket"], template="ticket_created")


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "vacation"},
        {"Precedence": "auto_reply"},
        {"Precedence": "bulk"},
        {"X-Auto-Response-Suppress": "All"},
        {"Return-Path": "<>"},
    ],
    ids=lambda h: next(iter(h.items()))[0] + ":" + next(iter(h.values())),
)
def test_machine_headers_still_mark_an_auto_reply(world: World, headers: dict[str, str]) -> None:
    result = deliver(
        raw_mail("Я в отпуске до 30 ноября.", subject="Out of office", headers=headers)
    )
    assert result == {"result": "ignored", "ticket": None}


def test_ignored_mail_is_kept_with_its_reason_for_the_desk_to_see(world: World) -> None:
    deliver(
        raw_mail("Я в отпуске.", subject="Автоответ", headers={"Auto-Submitted": "auto-replied"})
    )
    raw = RawInput.objects.get()
    assert raw.state == RawInput.State.IGNORED
    assert "Auto-Submitted" in raw.reason
    assert raw.blob_key  # the raw form is kept
    assert not Message.objects.exists()


def test_the_quarantine_command_lists_ignored_mail(world: World) -> None:
    deliver(raw_mail("Я в отпуске.", subject="Автоответ", headers={"Precedence": "auto_reply"}))
    out = io.StringIO()
    call_command("quarantine", "list", "--ignored", "--json", stdout=out)
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["external_id"] == "m1@mail.romashka.ru"
    assert row["reason"] == "machine mail, not about a ticket: Precedence: auto_reply"


# --- 6. Machine mail is held to the participant check ----------------------------------


def _dsn(final_recipient: str, number: int) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        "To: support@desk.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{final_recipient}@mx.example.net>\r\n"
        f"References: <{make_message_id(number)}>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {final_recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--B--\r\n"
    ).encode()


def test_an_auto_reply_from_a_stranger_is_not_appended_to_a_ticket(world: World) -> None:
    number = deliver(raw_mail())["ticket"]
    forged = raw_mail(
        "Вас взломали, перейдите по ссылке",
        from_="Robot <robot@attacker.example>",
        subject="Automatic reply",
        message_id="<x1@attacker.example>",
        headers={"In-Reply-To": f"<{make_message_id(number)}>", "Auto-Submitted": "auto-replied"},
    )
    assert deliver(forged) == {"result": "ignored", "ticket": None}
    assert Ticket.objects.get(number=number).messages.count() == 1
    raw = RawInput.objects.get(external_id="x1@attacker.example")
    assert "does not take part" in raw.reason


def test_the_requesters_own_auto_reply_is_a_note_on_the_ticket(world: World) -> None:
    number = deliver(raw_mail())["ticket"]
    ooo = raw_mail(
        "Я в отпуске до понедельника.",
        subject="Автоответ",
        message_id="<ooo1@mail.romashka.ru>",
        headers={"In-Reply-To": f"<{make_message_id(number)}>", "Auto-Submitted": "auto-replied"},
    )
    assert deliver(ooo) == {"result": "appended", "ticket": number}
    note = Ticket.objects.get(number=number).messages.last()
    assert note is not None and note.kind == Message.Kind.SYSTEM


def test_a_bounce_counts_when_it_reports_on_a_participant_address(world: World) -> None:
    number = deliver(raw_mail())["ticket"]
    assert deliver(_dsn("o.smirnov@romashka.ru", number)) == {
        "result": "appended",
        "ticket": number,
    }
    assert deliver(_dsn("someone@attacker.example", number)) == {
        "result": "ignored",
        "ticket": None,
    }
    assert Ticket.objects.get(number=number).messages.count() == 2


# --- 8. `mail deliver` refuses an oversized message before reading it all -------------


class CountingStream(io.BytesIO):
    """Standard input that remembers the largest read asked of it."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.largest = max(self.largest, len(data))
        return data


def test_a_message_over_the_limit_is_refused_permanently_and_not_kept(
    world: World, settings: Any
) -> None:
    settings.ZAYAVKA_MAIL_MAX_BYTES = 100_000
    big = raw_mail("x" * 300_000)
    stream = CountingStream(big)
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("mail", "deliver", stdin=stream, stdout=out)
    assert info.value.returncode == 65  # EX_DATAERR: the MTA bounces it, never retries
    assert json.loads(out.getvalue()) == {
        "result": "refused",
        "ticket": None,
        "reason": "message larger than 100000 bytes",
    }
    assert stream.largest <= 100_001  # never held the whole message
    assert not RawInput.objects.exists() and not Ticket.objects.exists()


def test_a_message_at_the_limit_is_stored(world: World, settings: Any) -> None:
    raw = raw_mail("x" * 1000)
    settings.ZAYAVKA_MAIL_MAX_BYTES = len(raw)
    assert deliver(raw)["result"] == "created"


# --- 5. An over-long sender address is refused into quarantine, with the reason ------


def test_a_sender_address_over_320_characters_is_quarantined_with_the_reason(
    world: World,
) -> None:
    long_address = "a" * 400 + "@romashka.ru"
    result = deliver(raw_mail(from_=f"Robot <{long_address}>", message_id="<long@x>"))
    assert result == {"result": "quarantined", "ticket": None}
    raw = RawInput.objects.get()
    assert raw.reason == "sender address longer than 320 characters"
    assert not Ticket.objects.exists()


def test_an_address_of_exactly_320_characters_is_filed(world: World) -> None:
    address = "b" * (320 - len("@romashka.ru")) + "@romashka.ru"
    result = deliver(raw_mail(from_=f"<{address}>", message_id="<edge@x>"))
    assert result["result"] == "created"
    assert Ticket.objects.get().requester.email == address


# --- 2. Dedupe on Message-ID and content -----------------------------------------------


def test_the_same_message_again_is_a_duplicate_even_through_another_route(world: World) -> None:
    first = deliver(raw_mail())
    assert deliver(raw_mail()) == {"result": "duplicate", "ticket": first["ticket"]}
    relayed = raw_mail(top=["Received: from mx2.example.net by desk; Mon, 16 Nov 2026 10:01"])
    assert deliver(relayed) == {"result": "duplicate", "ticket": first["ticket"]}
    assert Message.objects.count() == 1


def test_a_different_message_reusing_a_known_message_id_is_stored_and_flagged(
    world: World,
) -> None:
    first = deliver(raw_mail("Сайт не открывается.", message_id="<same@mail.romashka.ru>"))
    other = raw_mail("Не работает почта.", subject="Почта", message_id="<same@mail.romashka.ru>")
    second = deliver(other)
    assert second["result"] == "created" and second["ticket"] != first["ticket"]
    ticket = Ticket.objects.get(number=second["ticket"])
    assert ticket.messages.get().text == "Не работает почта."
    assert ticket.is_flagged and "Message-ID" in ticket.flag_reason
    assert ticket.events.filter(kind=EventKind.FLAGGED).exists()
    # That second message delivered again is now a plain duplicate.
    assert deliver(other) == {"result": "duplicate", "ticket": second["ticket"]}
    assert Message.objects.count() == 2


def test_message_ids_longer_than_500_characters_do_not_collide(world: World) -> None:
    stem = "x" * 600
    one = deliver(raw_mail("Первое", message_id=f"<{stem}1@mail.romashka.ru>"))
    two = deliver(raw_mail("Второе", subject="Другое", message_id=f"<{stem}2@mail.romashka.ru>"))
    assert one["result"] == two["result"] == "created"
    assert not Ticket.objects.filter(is_flagged=True).exists()
    assert all(len(r.external_id) <= 500 for r in RawInput.objects.all())


# --- 1. Deeply nested or huge HTML: bounded, stored as text, original kept -------------


def html_mail(html: str, message_id: str = "<nest@mail.romashka.ru>") -> bytes:
    head = (
        "From: Олег Смирнов <o.smirnov@romashka.ru>\r\nTo: support@desk.example\r\n"
        f"Subject: Вложенная вёрстка\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
    )
    return (head + html).encode()


def nested_divs(depth: int, text: str = "Сайт не работает") -> str:
    return "<div>" * depth + text + "</div>" * depth


def test_a_megabyte_of_nested_divs_is_stored_as_text_with_the_original_attached(
    world: World,
) -> None:
    html = nested_divs(100_000)  # 1.1 MB: it took 30 s to sanitise in the transaction
    result = deliver(html_mail(html))
    assert result["result"] == "created"
    message = Ticket.objects.get(number=result["ticket"]).messages.get()
    assert message.html == "" and "Сайт не работает" in message.text
    original = message.attachments.get(filename="message.html")
    assert original.content_type == "text/html" and original.size == len(html.encode())
    assert "HTML larger than 1000000 characters" in message.meta["defects"][0]


def test_html_nested_deeper_than_the_limit_is_text_even_when_small(world: World) -> None:
    html = nested_divs(5_000)  # 55 kB
    message = Ticket.objects.get(number=deliver(html_mail(html))["ticket"]).messages.get()
    assert message.html == "" and message.text == "Сайт не работает"
    assert message.attachments.get(filename="message.html").size == len(html.encode())
    assert "HTML nested deeper than 200 elements" in message.meta["defects"][0]


def test_ordinary_html_is_stored_sanitised(world: World) -> None:
    html = "<p>Сайт <b>не работает</b></p><script>alert(1)</script>" + nested_divs(30)
    result = deliver(html_mail(html))
    message = Ticket.objects.get(number=result["ticket"]).messages.get()
    assert "<b>не работает</b>" in message.html and "script" not in message.html
    assert not message.attachments.exists()


def test_html_is_sanitised_before_the_intake_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    depth_at_call: list[int] = []
    clean = sanitize.nh3.clean

    def spy(html: str, **kwargs: Any) -> str:
        depth_at_call.append(len(connection.savepoint_ids))
        return clean(html, **kwargs)

    monkeypatch.setattr(sanitize.nh3, "clean", spy)
    outside = len(connection.savepoint_ids)  # the test's own transaction, if any
    deliver(html_mail("<p>Сайт <b>не работает</b></p>"))
    assert depth_at_call == [outside]


def test_the_ticket_page_shows_stored_html_without_sanitising_it_again(
    agents: Agents, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = deliver(html_mail("<p>Сайт <b>не работает</b></p>"))
    calls: list[str] = []

    def spy(html: str, **kwargs: Any) -> str:
        calls.append(html)
        return html

    monkeypatch.setattr(sanitize.nh3, "clean", spy)
    client.force_login(agents.anna)
    response = client.get(f"/desk/t/{result['ticket']}/")
    assert response.status_code == 200
    assert "Сайт <b>не работает</b>" in response.content.decode()
    assert calls == []


def test_a_delivery_that_cannot_finish_in_time_is_quarantined_not_retried(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stuck(message: Any) -> None:
        time.sleep(10)

    monkeypatch.setattr(intake, "receive", stuck)
    assert deliver(raw_mail(), "--timeout", "0.3") == {"result": "quarantined", "ticket": None}
    raw = RawInput.objects.get()
    assert raw.state == RawInput.State.QUARANTINED
    assert raw.reason == "not processed within 0.3 s"


# --- 4. Extreme MIME: keep what can be kept, flag the ticket, keep the raw message ----


def deep_multipart(depth: int) -> bytes:
    lines = [
        "From: Олег Смирнов <o.smirnov@romashka.ru>",
        "To: support@desk.example",
        "Subject: =?utf-8?b?0JPQu9GD0LHQvtC60LDRjyDQstC70L7QttC10L3QvdC+0YHRgtGM?=",
        "Message-ID: <deep@mail.romashka.ru>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b0"',
        "",
    ]
    for i in range(1, depth):
        lines += [f"--b{i - 1}", f'Content-Type: multipart/mixed; boundary="b{i}"', ""]
    lines += [f"--b{depth - 1}", "Content-Type: text/plain; charset=utf-8", "", "Сайт не работает"]
    lines += [f"--b{i}--" for i in range(depth - 1, -1, -1)]
    return "\r\n".join(lines).encode()


def many_attachments(count: int) -> bytes:
    lines = [
        "From: Олег Смирнов <o.smirnov@romashka.ru>",
        "Subject: Выгрузка",
        "Message-ID: <many@mail.romashka.ru>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="B"',
        "",
        "--B",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Файлы во вложении.",
    ]
    for i in range(count):
        lines += ["--B", f'Content-Disposition: attachment; filename="f{i}.txt"', "", f"file {i}"]
    return "\r\n".join([*lines, "--B--"]).encode()


def test_a_thousand_deep_nest_keeps_subject_and_requester_and_is_flagged(world: World) -> None:
    raw = deep_multipart(1000)
    result = deliver(raw)
    assert result["result"] == "created"
    ticket = Ticket.objects.get(number=result["ticket"])
    assert ticket.subject == "Глубокая вложенность"
    assert ticket.requester == world.oleg
    assert ticket.is_flagged and "nested too deeply" in ticket.flag_reason
    assert ticket.events.filter(kind=EventKind.FLAGGED).exists()
    kept = ticket.messages.get().attachments.get(filename="message.eml")
    assert kept.size == len(raw)


def test_ten_thousand_attachments_keep_what_fits_and_flag_the_rest(world: World) -> None:
    raw = many_attachments(10_000)
    ticket = Ticket.objects.get(number=deliver(raw)["ticket"])
    message = ticket.messages.get()
    assert message.text == "Файлы во вложении."
    names = set(message.attachments.values_list("filename", flat=True))
    assert {"f0.txt", "f100.txt", "message.eml"} <= names
    assert ticket.is_flagged and "MIME parts" in ticket.flag_reason
    assert message.attachments.get(filename="message.eml").size == len(raw)


def test_a_harmless_defect_does_not_flag_the_ticket(world: World) -> None:
    raw = raw_mail().replace(b"charset=utf-8", b"charset=x-unknown-charset")
    ticket = Ticket.objects.get(number=deliver(raw)["ticket"])
    assert not ticket.is_flagged


# --- 7. "Address verified" is earned, not assumed --------------------------------------


def test_a_contact_created_by_its_own_first_mail_is_not_verified_by_its_second(
    world: World,
) -> None:
    sender = "Незнакомец <new@stranger.example>"
    first = deliver(raw_mail(from_=sender, message_id="<s1@stranger.example>"))
    second = deliver(
        raw_mail(from_=sender, subject="Ещё вопрос", message_id="<s2@stranger.example>")
    )
    tickets = Ticket.objects.filter(number__in=[first["ticket"], second["ticket"]])
    assert [t.verification for t in tickets] == [Verification.NONE, Verification.NONE]
    address = ContactAddress.objects.get(key="new@stranger.example")
    assert address.confirmed_by == ""


def test_an_address_the_desk_confirmed_is_a_registered_address(world: World) -> None:
    # world.oleg's address was entered by the desk (an agent's confirmation).
    ticket = Ticket.objects.get(number=deliver(raw_mail())["ticket"])
    assert ticket.verification == Verification.ADDRESS


def test_a_dkim_pass_verifies_the_address_for_later_mail(world: World, settings: Any) -> None:
    settings.ZAYAVKA_EMAIL_AUTHSERV_ID = "mx.desk.example"
    sender = "Незнакомец <new@stranger.example>"
    signed = raw_mail(
        from_=sender,
        message_id="<d1@stranger.example>",
        top=["Authentication-Results: mx.desk.example; dkim=pass header.d=stranger.example"],
    )
    deliver(signed)
    assert ContactAddress.objects.get(key="new@stranger.example").confirmed_by == "authenticated"
    later = deliver(raw_mail(from_=sender, subject="Ещё", message_id="<d2@stranger.example>"))
    assert Ticket.objects.get(number=later["ticket"]).verification == Verification.ADDRESS


def test_a_confirmed_portal_account_confirms_its_address(world: World) -> None:
    deliver(raw_mail(from_="<new@stranger.example>", message_id="<p1@stranger.example>"))
    user = User.objects.create_user("newcomer", "new@stranger.example", "pw", is_active=True)
    link_contact(user)
    assert ContactAddress.objects.get(key="new@stranger.example").confirmed_by == "portal"
