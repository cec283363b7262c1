"""Webhooks end to end: an event in the desk, the outbox's worker POSTs it signed to a
real receiver on the loopback (allowed for this subscription by the administrator)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.api.conftest import Api
from tests.factories import World
from tests.personas import PASSWORD, Agents, file_ticket
from tests.webhooks.receiver import Receiver, receiver
from zayavka.tickets import outbox
from zayavka.tickets.actions import lifecycle
from zayavka.tickets.models import Outbox
from zayavka.webhooks.models import Delivery, Event, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as listening:
        yield listening


def _subscribe(url: str, *events: str, allow_private: bool = True) -> Subscription:
    return Subscription.objects.create(
        name="CRM", url=url, events=list(events), allow_private_network=allow_private
    )


def _deliver(later: timedelta = timedelta(0)) -> None:
    outbox.deliver_due(now=timezone.now() + later)


def test_events_are_delivered_signed_in_the_order_they_happened(
    api: Api, anna_token: str, hook: Receiver, world: World, agents: Agents
) -> None:
    subscription = _subscribe(
        hook.url, Event.TICKET_CREATED, Event.STATUS_CHANGED, Event.PUBLIC_REPLY
    )
    created = (
        api.as_(anna_token)
        .post(
            "/tickets",
            {
                "subject": "Сайт лежит",
                "description": "502",
                "requester": {"email": "a@example.org"},
            },
        )
        .json()
    )
    number = created["number"]
    api.as_(anna_token).upload(
        f"/tickets/{number}/messages", {"kind": "reply", "text": "Смотрим", "status": "pending"}
    )
    api.as_(anna_token).upload(f"/tickets/{number}/messages", {"kind": "note", "text": "тихо"})
    _deliver()
    events = [r.payload["event"] for r in hook.received]
    assert events == [
        "ticket.created",
        "ticket.public_reply",
        "ticket.status_changed",  # new → pending, with the reply
    ]
    for delivery in hook.received:
        assert delivery.path == "/hook"
        assert delivery.signed_with(subscription.secret)
        assert not delivery.signed_with("another secret")
        assert delivery.headers["Zayavka-Event"] == delivery.payload["event"]
        assert delivery.payload["ticket"]["number"] == number
    assert hook.received[1].payload["data"] == {
        "message_id": hook.received[1].payload["data"]["message_id"],
        "text": "Смотрим",
    }
    assert hook.received[2].payload["data"] == {"from": "new", "to": "pending"}
    assert hook.received[2].payload["actor"] == {"type": "user", "id": agents.anna.pk}
    log = Delivery.objects.order_by("pk")
    assert [(d.ok, d.status_code, d.attempt) for d in log] == [(True, 204, 1)] * 3


def test_a_failed_delivery_is_retried_later_and_logged(
    hook: Receiver, world: World, agents: Agents
) -> None:
    _subscribe(hook.url, Event.TICKET_CREATED)
    hook.answers = [500]
    file_ticket(world)
    _deliver()
    assert len(hook.received) == 1
    row = Outbox.objects.get(kind=Outbox.Kind.WEBHOOK)
    assert (row.state, row.attempts) == (Outbox.State.PENDING, 1)
    assert row.next_attempt_at > timezone.now()
    _deliver()  # not due yet: backoff
    assert len(hook.received) == 1
    _deliver(later=timedelta(minutes=1))
    assert len(hook.received) == 2
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT
    assert [(d.ok, d.status_code, d.error) for d in Delivery.objects.order_by("pk")] == [
        (False, 500, "HTTP 500"),
        (True, 204, ""),
    ]
    # The same event, the same id and body both times: receivers can dedupe.
    first, second = hook.received
    assert first.body == second.body
    assert first.headers["Zayavka-Event-Id"] == second.headers["Zayavka-Event-Id"]


def test_loopback_targets_are_refused_unless_allowed(hook: Receiver, world: World) -> None:
    _subscribe(hook.url, Event.TICKET_CREATED, allow_private=False)
    file_ticket(world)
    _deliver()
    assert hook.received == []
    failure = Delivery.objects.get()
    assert not failure.ok
    assert "127.0.0.1" in failure.error and "Refused" in failure.error


def test_a_rating_is_an_event(hook: Receiver, world: World, agents: Agents) -> None:
    _subscribe(hook.url, Event.RATED)
    ticket = file_ticket(world)
    lifecycle.resolve_as_requester(ticket, world.oleg)
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    lifecycle.rate_as_requester(ticket, world.oleg, 5, "Спасибо")
    _deliver()
    (rated,) = hook.received
    assert rated.payload["event"] == "ticket.rated"
    assert rated.payload["data"]["score"] == 5


def test_no_subscription_no_rows(world: World) -> None:
    file_ticket(world)
    assert not Outbox.objects.filter(kind=Outbox.Kind.WEBHOOK).exists()


def test_an_inactive_subscription_gets_nothing(hook: Receiver, world: World) -> None:
    subscription = _subscribe(hook.url, Event.TICKET_CREATED)
    subscription.is_active = False
    subscription.save()
    file_ticket(world)
    _deliver()
    assert hook.received == []


def test_only_http_targets_can_be_subscribed() -> None:
    with pytest.raises(ValidationError):
        Subscription(name="x", url="ftp://files.example/in", events=["ticket.created"]).full_clean()


def test_the_delivery_log_is_in_the_admin(hook: Receiver, world: World, agents: Agents) -> None:
    _subscribe(hook.url, Event.TICKET_CREATED)
    hook.answers = [503]
    ticket = file_ticket(world)
    _deliver()
    client = Client()
    assert client.login(username="root", password=PASSWORD)
    page = client.get("/admin/webhooks/delivery/")
    assert page.status_code == 200
    assert "HTTP 503" in page.text
    detail = client.get(f"/admin/webhooks/delivery/{Delivery.objects.get().pk}/change/")
    assert detail.status_code == 200
    assert "evt_" in detail.text
    row = Outbox.objects.get(kind=Outbox.Kind.WEBHOOK)
    assert row.context["payload"]["ticket"]["number"] == ticket.number
