"""Automatic mail per recipient is capped per hour and per day: a loop or a flood of
requests cannot turn the desk into a mail cannon. Mail over the cap is kept, not sent."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import World, inbound, ticket_of
from zayavka.portal import emails
from zayavka.tickets import notices, notifications, outbox
from zayavka.tickets.actions import intake
from zayavka.tickets.models import Outbox, Ticket
from zayavka.tickets.notices import Audience

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
OLEG = "o.smirnov@romashka.ru"


@pytest.fixture
def caps(settings: Any) -> None:
    settings.ZAYAVKA_AUTOMAIL_PER_HOUR = 3
    settings.ZAYAVKA_AUTOMAIL_PER_DAY = 5


@pytest.fixture
def ticket(world: World) -> Ticket:
    result = intake.receive(inbound(email=OLEG))
    Outbox.objects.all().delete()  # counted from a clean slate below
    return ticket_of(result)


counter = iter(range(10**6))


def notice(ticket: Ticket, at: datetime, *, to: str = OLEG, automatic: bool = True) -> str:
    """Queue one notice at a given moment; returns the state it was written in."""
    key = f"test:{next(counter)}"
    notices.queue([requester_notice(ticket, at, key=key, to=to, automatic=automatic)])
    return Outbox.objects.get(dedupe_key=key).state


def requester_notice(
    ticket: Ticket, at: datetime, *, key: str, to: str = OLEG, automatic: bool = True
) -> Outbox | None:
    return notices.build(
        ticket=ticket,
        audience=Audience.REQUESTER,
        recipient=to,
        template="ticket_created",
        dedupe_key=key,
        automatic=automatic,
        at=at,
    )


PENDING, SUPPRESSED = Outbox.State.PENDING, Outbox.State.SUPPRESSED


def test_the_hourly_cap_holds_back_mail_until_the_hour_has_passed(
    caps: None, ticket: Ticket
) -> None:
    states = [notice(ticket, T0 + timedelta(minutes=m)) for m in (0, 10, 20, 30, 59)]
    assert states == [PENDING, PENDING, PENDING, SUPPRESSED, SUPPRESSED]
    # An hour after the first notice one place is free again; then the cap holds again.
    assert notice(ticket, T0 + timedelta(minutes=61)) == PENDING
    assert notice(ticket, T0 + timedelta(minutes=62)) == SUPPRESSED


def test_the_daily_cap_holds_even_when_every_hour_is_under_its_cap(
    caps: None, ticket: Ticket
) -> None:
    states = [notice(ticket, T0 + timedelta(hours=h)) for h in range(7)]
    assert states == [PENDING] * 5 + [SUPPRESSED] * 2
    assert notice(ticket, T0 + timedelta(hours=23, minutes=59)) == SUPPRESSED
    assert notice(ticket, T0 + timedelta(days=1, minutes=1)) == PENDING  # the first is a day old


def test_held_back_mail_does_not_prolong_the_hold(caps: None, ticket: Ticket) -> None:
    for minutes in (0, 1, 2):
        notice(ticket, T0 + timedelta(minutes=minutes))
    assert [notice(ticket, T0 + timedelta(minutes=m)) for m in (30, 40, 50)] == [SUPPRESSED] * 3
    # Only what was really queued counts: the suppressed rows of the last hour do not.
    assert notice(ticket, T0 + timedelta(minutes=70)) == PENDING


def test_held_back_mail_is_kept_for_the_audit_and_never_sent(
    caps: None, ticket: Ticket, caplog: pytest.LogCaptureFixture
) -> None:
    now = timezone.now()
    with caplog.at_level(logging.WARNING, logger="zayavka.tickets.notices"):
        states = [notice(ticket, now - timedelta(minutes=4 - m)) for m in range(4)]
    assert states == [PENDING, PENDING, PENDING, SUPPRESSED]
    suppressed = [r for r in caplog.records if "suppressed" in r.getMessage()]
    assert len(suppressed) == 1 and suppressed[0].__dict__["cap"] == "hour"
    assert suppressed[0].__dict__["recipient"] == OLEG

    assert outbox.deliver_due(now=now + timedelta(days=3)) == 3
    assert len(mail.outbox) == 3
    assert Outbox.objects.filter(state=SUPPRESSED).count() == 1
    assert outbox.deliver_due(now=now + timedelta(days=30)) == 0


def test_an_agents_reply_is_never_capped_nor_counted(caps: None, ticket: Ticket) -> None:
    for minutes in range(3):
        notice(ticket, T0 + timedelta(minutes=minutes))
    replies = [notice(ticket, T0 + timedelta(minutes=5 + m), automatic=False) for m in range(10)]
    assert replies == [PENDING] * 10
    assert notice(ticket, T0 + timedelta(minutes=30)) == SUPPRESSED
    # An hour on, ten replies are within the hour, but only automatic mail counts.
    assert notice(ticket, T0 + timedelta(minutes=70)) == PENDING


def test_an_agents_reply_is_not_marked_as_machine_mail(caps: None, ticket: Ticket) -> None:
    notice(ticket, timezone.now() - timedelta(minutes=1), automatic=False)
    notice(ticket, timezone.now() - timedelta(minutes=1))
    outbox.deliver_due()
    reply, automatic = mail.outbox
    assert "Auto-Submitted" not in reply.extra_headers
    assert automatic.extra_headers["Auto-Submitted"] == "auto-replied"
    assert "X-Zayavka-Loop" in reply.extra_headers  # our own mail all the same


def test_each_recipient_has_their_own_allowance(caps: None, ticket: Ticket) -> None:
    for minutes in range(3):
        notice(ticket, T0 + timedelta(minutes=minutes))
    assert notice(ticket, T0 + timedelta(minutes=4)) == SUPPRESSED
    assert notice(ticket, T0 + timedelta(minutes=4), to="m.kuznetsova@romashka.ru") == PENDING


def test_addresses_are_compared_without_case(caps: None, ticket: Ticket) -> None:
    spellings = ["O.Smirnov@Romashka.RU", " o.smirnov@romashka.ru", "O.SMIRNOV@ROMASHKA.RU"]
    for minutes, spelling in enumerate(spellings):
        assert notice(ticket, T0 + timedelta(minutes=minutes), to=spelling) == PENDING
    assert notice(ticket, T0 + timedelta(minutes=4), to="o.smirnov@ROMASHKA.ru") == SUPPRESSED
    assert set(Outbox.objects.values_list("recipient", flat=True)) == {OLEG}


def test_zero_means_no_cap(settings: Any, ticket: Ticket) -> None:
    settings.ZAYAVKA_AUTOMAIL_PER_HOUR = 0
    settings.ZAYAVKA_AUTOMAIL_PER_DAY = 0
    assert {notice(ticket, T0 + timedelta(seconds=s)) for s in range(30)} == {PENDING}


def test_registration_notices_count_towards_the_cap(world: World, settings: Any) -> None:
    """A sender whose mail opens ticket after ticket (an autoresponder we did not
    recognise, a script) gets registration notices only up to the cap."""
    settings.ZAYAVKA_AUTOMAIL_PER_HOUR = 2
    for n in range(4):
        intake.receive(inbound(f"Заявка {n}", email=OLEG, subject=f"Проблема {n}"))
    assert Ticket.objects.count() == 4  # every request is still registered
    notices = Outbox.objects.filter(template="ticket_created").order_by("pk")
    assert [n.state for n in notices] == [PENDING, PENDING, SUPPRESSED, SUPPRESSED]
    assert all(n.automatic for n in notices)


def test_heads_up_mail_to_the_desks_own_team_is_never_capped(world: World, settings: Any) -> None:
    settings.ZAYAVKA_AUTOMAIL_PER_HOUR = 1
    world.team.email = "line1@desk.example"
    world.team.save()
    for n in range(3):
        ticket = ticket_of(
            intake.receive(inbound(email=f"user{n}@example.org", subject=f"Заявка {n}"))
        )
        ticket.team = world.team
        ticket.save()
        notifications.notify_ticket_created(ticket, ticket.requester, in_reply_to="", echo=False)
    heads_up = Outbox.objects.filter(template="agent_new_ticket")
    assert heads_up.count() == 3
    assert not heads_up.filter(state=Outbox.State.SUPPRESSED).exists()


def test_several_notices_queued_at_once_count_toward_the_cap_together(
    caps: None, ticket: Ticket
) -> None:
    rows = [requester_notice(ticket, T0, key=f"batch:{n}") for n in range(5)]
    notices.queue(rows)
    states = [Outbox.objects.get(dedupe_key=f"batch:{n}").state for n in range(5)]
    assert states == [PENDING, PENDING, PENDING, SUPPRESSED, SUPPRESSED]
    # The same batch again (intake replayed) writes nothing and changes nothing.
    notices.queue([requester_notice(ticket, T0, key=f"batch:{n}") for n in range(5)])
    assert Outbox.objects.count() == 5
    assert Outbox.objects.filter(state=SUPPRESSED).count() == 2
    # Replayed rows count once: a new notice in the same hour is over the cap all the same,
    # and one in the next hour is not.
    assert notice(ticket, T0 + timedelta(minutes=30)) == SUPPRESSED
    assert notice(ticket, T0 + timedelta(minutes=61)) == PENDING


def test_a_replayed_notice_over_the_cap_is_not_written_again(caps: None, ticket: Ticket) -> None:
    for minutes in range(3):
        notice(ticket, T0 + timedelta(minutes=minutes))
    notices.queue([requester_notice(ticket, T0 + timedelta(minutes=5), key="held")])
    notices.queue([requester_notice(ticket, T0 + timedelta(minutes=6), key="held")])
    held = Outbox.objects.get(dedupe_key="held")
    assert held.state == SUPPRESSED and held.created_at == T0 + timedelta(minutes=5)


def test_the_desks_own_notices_in_a_batch_are_never_held_back(caps: None, ticket: Ticket) -> None:
    rows = [
        notices.build(
            ticket=ticket,
            audience=Audience.DESK,
            recipient=OLEG,  # whoever reads it, staff mail is not capped
            template="agent_assigned",
            dedupe_key=f"desk:{n}",
            at=T0,
        )
        for n in range(5)
    ]
    notices.queue(rows)
    assert set(Outbox.objects.values_list("state", flat=True)) == {PENDING}
    assert all(row.automatic for row in Outbox.objects.all())


def test_account_mail_is_never_held_back_but_counts(caps: None, ticket: Ticket) -> None:
    """A person who asked for a confirmation or a new password is waiting for it."""
    for n in range(4):
        emails.queue_account_email(
            recipient=OLEG,
            template="portal_confirm",
            dedupe_key=f"account:{n}",
            context={"name": "Олег", "token": "t"},
        )
    assert set(Outbox.objects.values_list("state", flat=True)) == {PENDING}
    assert notice(ticket, timezone.now()) == SUPPRESSED
