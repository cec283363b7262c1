"""The email intake under attack (issue 15): mail that once stalled, vanished or was
misfiled, each delivered as the MTA delivers it (`mail deliver` or `deliver.deliver`)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from tests.channels.email.mailbuilder import raw_mail
from tests.factories import World
from zayavka.tickets.models import Message, Outbox, RawInput, Ticket

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
