"""A request's life against its contract's deadline (R14–R17, R22–R24), with fixed instants."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from tests.factories import World, inbound, ticket_of
from zayavka.accounts.models import Agent, User
from zayavka.sla.models import Calendar, SlaPlan, SlaTarget
from zayavka.tickets import catalog, outbox, tokens
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.escalation import scan
from zayavka.tickets.actions.lifecycle import auto_close, rate_resolution
from zayavka.tickets.actions.messages import add_message
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.inbound import ReplyHints
from zayavka.tickets.models import Message, Priority, StatusCategory, Ticket

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


@pytest.fixture
def contract_with_sla(world: World) -> World:
    plan = SlaPlan.objects.create(name="Стандарт")
    for slug, first, resolve, business in (
        ("normal", 4 * 60, 16 * 60, True),
        ("urgent", 15, 120, False),
    ):
        SlaTarget.objects.create(
            plan=plan,
            priority=Priority.objects.get(slug=slug),
            first_response_minutes=first,
            resolution_minutes=resolve,
            business_hours=business,
        )
    world.romashka_contract.sla_plan = plan
    world.romashka_contract.calendar = Calendar.objects.get(name="ru-workdays-9-19")
    world.romashka_contract.save()
    head = User.objects.create_user(
        "orlov", "head@desk.example", "x", first_name="Сергей", last_name="Орлов"
    )
    Agent.objects.create(user=head, is_head=True, phone="+7 812 363-17-87")
    return world


def test_a_request_lives_against_its_deadline_from_email_to_rating(
    contract_with_sla: World,
) -> None:
    # Friday 18:30: 30 working minutes left today, then Monday and Tuesday.
    created = intake.receive(
        inbound(
            "Не работает сайт",
            email="o.smirnov@romashka.ru",
            external_id="1",
            received_at=msk(20, 18, 30),
        )
    )
    ticket = ticket_of(created)
    assert ticket.first_response_due == msk(23, 12, 30)
    assert ticket.resolution_due == msk(24, 14, 30)

    outbox.deliver_due()
    registration = mail.outbox[-1].body
    assert "24.11.2026 14:30 MSK" in registration  # R23: the deadline is stated
    assert "Сергей Орлов" in registration and "+7 812 363-17-87" in registration  # R26

    # Monday 10:00 the agent asks a question: the clock stops.
    change_status(ticket, catalog.status_for(StatusCategory.PENDING), at=msk(23, 10))
    # Tuesday 10:00 the requester answers: 10 working hours passed, the deadline moves.
    intake.receive(
        inbound(
            "Ошибка 502 на главной",
            email="o.smirnov@romashka.ru",
            external_id="2",
            received_at=msk(24, 10),
            reply=ReplyHints(ticket_number=ticket.number),
        )
    )
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.OPEN
    assert ticket.sla_paused_at is None and ticket.sla_paused == timedelta(hours=10)
    assert ticket.resolution_due == msk(25, 14, 30)

    # Resolved Wednesday noon, silent for three days: closed; then rated.
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED), at=msk(25, 12))
    assert auto_close(now=msk(28, 11, 59)) == 0
    assert auto_close(now=msk(28, 12, 1)) == 1
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.CLOSED
    rate_resolution(*resolution_of(ticket), 5, "")
    assert ticket.ratings.get().score == 5


def test_an_urgent_request_is_due_in_two_wall_clock_hours(contract_with_sla: World) -> None:
    created = intake.receive(
        inbound(
            "Всё упало",
            email="o.smirnov@romashka.ru",
            urgency="critical",
            received_at=msk(21, 23, 0),  # Saturday night
        )
    )
    ticket = ticket_of(created)
    assert ticket.priority.slug == "urgent"
    assert ticket.first_response_due == msk(21, 23, 15)
    assert ticket.resolution_due == msk(22, 1, 0)


def test_a_request_without_an_sla_plan_has_no_deadline(world: World) -> None:
    created = intake.receive(inbound(email="anyone@mail.ru"))
    ticket = ticket_of(created)
    assert ticket.resolution_due is None and ticket.first_response_due is None


def test_a_missed_deadline_reaches_the_assignee_the_lead_and_then_the_head(
    contract_with_sla: World,
) -> None:
    world = contract_with_sla
    ivanov = User.objects.create(username="ivanov", email="ivanov@desk.example")
    Agent.objects.create(user=ivanov).teams.add(world.team)
    world.team.lead = User.objects.create(username="petrova", email="petrova@desk.example")
    world.team.save()
    # Friday 18:30: the first response is due Monday 12:30, after 4 working hours.
    ticket = ticket_of(
        intake.receive(
            inbound(
                "Не работает сайт",
                email="o.smirnov@romashka.ru",
                external_id="1",
                received_at=msk(20, 18, 30),
            )
        )
    )
    Ticket.objects.filter(pk=ticket.pk).update(assignee=ivanov, team=world.team)
    assert ticket.first_response_due == msk(23, 12, 30)
    outbox.deliver_due()  # the registration notice

    def mailed(now: datetime) -> list[str]:
        mail.outbox.clear()
        scan(now=now)
        outbox.deliver_due()
        return sorted(address for message in mail.outbox for address in message.to)

    # 80 % of the four hours: Monday 11:42, the assignee is warned.
    assert mailed(msk(23, 11, 41)) == []
    assert mailed(msk(23, 11, 42)) == ["ivanov@desk.example"]
    # Nobody answers: at 12:30 the assignee and the team lead, an hour later the head.
    assert mailed(msk(23, 12, 30)) == ["ivanov@desk.example", "petrova@desk.example"]
    assert mailed(msk(23, 13, 30)) == ["head@desk.example"]
    assert mailed(msk(23, 13, 31)) == []

    # The answer comes at last; the resolution is made before its own warning.
    ticket.refresh_from_db()
    add_message(
        ticket,
        direction=Message.Direction.OUTBOUND,
        channel="email",
        text="Сайт снова работает.",
        author_user=ivanov,
        at=msk(23, 13, 45),
    )
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED), at=msk(24, 11))
    outbox.deliver_due()  # the resolution notice
    assert mailed(msk(30, 12)) == []
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert [k for k in kinds if k.startswith("sla_") or k == "escalated"] == [
        "sla_warning",
        "sla_breach",
        "escalated",
    ]


def resolution_of(ticket: Ticket) -> tuple[Ticket, datetime]:
    """The ticket and resolution its rating link in the resolution notice is for."""
    assert ticket.resolved_at is not None
    pk, resolved_at = tokens.rating_of_token(tokens.rating_token(ticket.pk, ticket.resolved_at))
    return Ticket.objects.get(pk=pk), resolved_at
