"""After the solution: the notice, the rating, and closing when the requester stays silent."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.factories import World, inbound, ticket_of
from zayavka.tickets import catalog, outbox, tokens
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.lifecycle import auto_close, rate_resolution
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.inbound import ReplyHints
from zayavka.tickets.models import StatusCategory, Ticket, TicketRating

pytestmark = pytest.mark.django_db


def open_ticket(world: World, external_id: str = "1") -> Ticket:
    result = intake.receive(inbound(email="o.smirnov@romashka.ru", external_id=external_id))
    return ticket_of(result)


def resolve(ticket: Ticket, days_ago: float = 0) -> None:
    change_status(
        ticket,
        catalog.status_for(StatusCategory.RESOLVED),
        at=timezone.now() - timedelta(days=days_ago),
    )


def rating_link() -> str:
    notice = next(m for m in mail.outbox if "resolved" in m.subject or "решена" in m.subject)
    match = re.search(r"https?://\S+/rate/\S+?/\?score=5", str(notice.body))
    assert match, notice.body
    return match.group(0)


def test_the_resolution_is_announced_by_email_with_a_rating_link(world: World) -> None:
    ticket = open_ticket(world)
    resolve(ticket)
    outbox.deliver_due()
    notice = [m for m in mail.outbox if m.to == ["o.smirnov@romashka.ru"]][-1]
    assert f"[#{ticket.display_number}]" in notice.subject
    assert "/rate/" in notice.body and "?score=1" in notice.body


def test_opening_the_link_does_not_rate_but_confirming_does(
    world: World, plain_client: Client
) -> None:
    ticket = open_ticket(world)
    resolve(ticket)
    outbox.deliver_due()
    link = rating_link().split("://", 1)[1].split("/", 1)[1]
    page = plain_client.get("/" + link)
    assert page.status_code == 200
    assert 'value="5" required id="id_score_0" checked' in page.content.decode()
    assert not TicketRating.objects.exists()  # a mail scanner's prefetch rates nothing

    path = "/" + link.split("?")[0]
    saved = plain_client.post(path, {"score": "4", "comment": "Быстро, спасибо"})
    assert saved.status_code == 200
    rating = TicketRating.objects.get()
    assert (rating.ticket, rating.score, rating.comment) == (ticket, 4, "Быстро, спасибо")
    plain_client.post(path, {"score": "5"})
    assert TicketRating.objects.get().score == 5  # changing one's mind, not a second rating


def test_a_forged_or_malformed_rating_link_is_not_found(plain_client: Client, db: None) -> None:
    assert plain_client.get("/rate/not-a-token/").status_code == 404
    assert plain_client.post("/rate/not-a-token/", {"score": "1"}).status_code == 404


def test_an_out_of_range_score_is_refused(world: World, plain_client: Client) -> None:
    ticket = open_ticket(world)
    resolve(ticket)
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    path = f"/rate/{tokens.rating_token(ticket.pk, ticket.resolved_at)}/"
    assert plain_client.post(path, {"score": "9"}).status_code == 200
    assert not TicketRating.objects.exists()


def test_every_resolution_is_rated_on_its_own(world: World) -> None:
    ticket = open_ticket(world)
    resolve(ticket, days_ago=1)
    ticket.refresh_from_db()
    first = resolution_of(ticket)
    rate_resolution(*first, score=2, comment="")
    intake.receive(
        inbound(
            email="o.smirnov@romashka.ru",
            external_id="2",
            reply=ReplyHints(ticket_number=ticket.number),
        )
    )
    ticket.refresh_from_db()
    resolve(ticket)
    ticket.refresh_from_db()
    second = resolution_of(ticket)
    rate_resolution(*second, score=5, comment="")
    assert sorted(ticket.ratings.values_list("score", flat=True)) == [2, 5]


def test_a_resolved_ticket_closes_after_three_quiet_days(world: World) -> None:
    stale = open_ticket(world, "1")
    fresh = open_ticket(world, "2")
    resolve(stale, days_ago=3.1)
    resolve(fresh, days_ago=2)
    assert auto_close() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.state == StatusCategory.CLOSED and stale.closed_at is not None
    assert fresh.state == StatusCategory.RESOLVED
    event = stale.events.filter(kind="status").last()
    assert event is not None and event.data["reason"] == "auto_close"
    assert auto_close() == 0  # a second pass (or a second machine) does nothing


def test_the_quiet_period_follows_the_contract(world: World) -> None:
    world.romashka_contract.auto_close_days = 5
    world.romashka_contract.save()
    ticket = open_ticket(world)
    resolve(ticket, days_ago=4)
    assert auto_close() == 0
    assert auto_close(now=timezone.now() + timedelta(days=1, minutes=1)) == 1


def test_a_reply_before_the_quiet_period_ends_reopens_instead(world: World) -> None:
    ticket = open_ticket(world)
    resolve(ticket, days_ago=2)
    intake.receive(
        inbound(
            email="o.smirnov@romashka.ru",
            external_id="2",
            reply=ReplyHints(ticket_number=ticket.number),
        )
    )
    assert auto_close(now=timezone.now() + timedelta(days=5)) == 0
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.OPEN


def resolution_of(ticket: Ticket) -> tuple[Ticket, datetime]:
    """The ticket and resolution its rating link in the resolution notice is for."""
    assert ticket.resolved_at is not None
    pk, resolved_at = tokens.rating_of_token(tokens.rating_token(ticket.pk, ticket.resolved_at))
    return Ticket.objects.get(pk=pk), resolved_at
