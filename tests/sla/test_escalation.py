"""Escalation of deadlines as the desk's head checks it (R25, R26): the assignee is warned
before a deadline, the assignee and the team lead are told when it is missed, the head of
the helpdesk an hour later; each once, in the ticket's history, after downtime too."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, connections
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import World, inbound, ticket_of
from tests.webhooks.receiver import receiver
from zayavka.accounts.models import Agent, Team, User
from zayavka.core import queue
from zayavka.sla.business_time import add_business_minutes, business_time_between
from zayavka.sla.calendars import builtin_calendar
from zayavka.sla.escalation import next_check_at, pending_steps, warning_at
from zayavka.sla.models import Calendar, SlaEscalation, SlaPlan, SlaTarget
from zayavka.tickets import catalog, outbox
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.escalation import ScanReport, scan
from zayavka.tickets.actions.messages import add_message
from zayavka.tickets.actions.tickets import change_contract, change_priority, change_status
from zayavka.tickets.models import (
    EventKind,
    Message,
    Outbox,
    Priority,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from zayavka.webhooks.models import Event as WebhookEvent
from zayavka.webhooks.models import Subscription

MSK = ZoneInfo("Europe/Moscow")
RU = builtin_calendar("ru-workdays-9-19")
ASSIGNEE = "ivanov@desk.example"
LEAD = "petrova@desk.example"
HEAD = "orlov@desk.example"


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in November 2026, Moscow time. 4 November (Wednesday) is a holiday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


@pytest.fixture
def sla_world(world: World) -> World:
    """Romashka's contract: a normal request is answered within 4 business hours and
    resolved within 16, on Russian working days 9-19; warnings at 80 %, the head of the
    helpdesk an hour after a breach. Ivanov works in the web team, Petrova leads it,
    Orlov heads the helpdesk."""
    plan = SlaPlan.objects.create(name="Стандарт", warning_percent=80, head_after_minutes=60)
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
    ivanov = User.objects.create(
        username="ivanov", email=ASSIGNEE, first_name="Иван", last_name="Иванов"
    )
    Agent.objects.create(user=ivanov).teams.add(world.team)
    petrova = User.objects.create(
        username="petrova", email=LEAD, first_name="Анна", last_name="Петрова", language="en"
    )
    Agent.objects.create(user=petrova).teams.add(world.team)
    world.team.lead = petrova
    world.team.save()
    orlov = User.objects.create(
        username="orlov", email=HEAD, first_name="Сергей", last_name="Орлов"
    )
    Agent.objects.create(user=orlov, is_head=True, phone="+7 812 363-17-87")
    return world


def request(at: datetime, *, external_id: str = "1", assignee: str | None = "ivanov") -> Ticket:
    """A normal request from Romashka received at `at`, in the web team's queue."""
    ticket = ticket_of(
        intake.receive(
            inbound(
                "Не открывается сайт, ошибка 502",
                email="o.smirnov@romashka.ru",
                subject=f"Сайт лежит ({external_id})",
                external_id=external_id,
                received_at=at,
            )
        )
    )
    # Whatever routing chose, the test decides who has the ticket.
    Ticket.objects.filter(pk=ticket.pk).update(
        assignee=User.objects.get(username=assignee) if assignee else None,
        team=Team.objects.get(name="Веб-разработка"),
    )
    return refreshed(ticket)


def told(ticket: Ticket, template: str) -> list[str]:
    return sorted(
        Outbox.objects.filter(ticket=ticket, template=template).values_list("recipient", flat=True)
    )


def history(ticket: Ticket) -> list[tuple[str, str, str]]:
    kinds = (EventKind.SLA_WARNING, EventKind.SLA_BREACH, EventKind.ESCALATED)
    return [
        (e.kind, e.data["target"], e.data["step"])
        for e in TicketEvent.objects.filter(ticket=ticket, kind__in=kinds)
    ]


def refreshed(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("status", "priority").get(pk=ticket.pk)


# --- when the steps fall due --------------------------------------------------------------


def test_the_warning_comes_at_80_percent_of_business_time_across_a_holiday() -> None:
    # Tuesday 17:00, answer within 4 business hours: 2 hours on Tuesday, the 4th is a
    # holiday, 2 hours on Thursday; 80 % of 4 hours is 3:12, so Thursday 10:12.
    start = msk(3, 17)
    due = add_business_minutes(RU, start, 4 * 60)
    assert due == msk(5, 11)
    assert warning_at(RU, start, due, percent=80) == msk(5, 10, 12)


def test_the_warning_comes_at_80_percent_of_business_time_across_a_weekend() -> None:
    start = msk(6, 17)  # Friday
    due = add_business_minutes(RU, start, 4 * 60)
    assert due == msk(9, 11)
    assert warning_at(RU, start, due, percent=80) == msk(9, 10, 12)


def test_time_the_deadline_moved_by_for_a_pause_is_not_promised_time() -> None:
    # 10 hours promised, 5 hours paused: due after 15 business hours. The warning comes
    # when 2 of the 10 promised hours are left, i.e. 13 business hours after the start.
    start = msk(9, 9)
    due = add_business_minutes(RU, start, 15 * 60)
    paused = timedelta(hours=5)
    assert warning_at(RU, start, due, percent=80, paused=paused) == msk(10, 12)


def test_no_warning_when_warnings_are_off_or_there_is_no_time() -> None:
    assert warning_at(RU, msk(9, 9), msk(9, 13), percent=0) is None
    assert warning_at(RU, msk(9, 9), msk(9, 9), percent=80) is None
    assert warning_at(RU, msk(7, 9), msk(7, 13), percent=80) is None  # Saturday: no time


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 12, 20), max_value=datetime(2027, 1, 20), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=1, max_value=60 * 60),
    percent=st.integers(min_value=1, max_value=99),
)
def test_the_warning_uses_exactly_its_share_of_the_business_time(
    start: datetime, minutes: int, percent: int
) -> None:
    due = add_business_minutes(RU, start, minutes)
    warning = warning_at(RU, start, due, percent=percent)
    span = business_time_between(RU, start, due)
    left = span * (100 - percent) // 100
    if not left:
        assert warning is None
        return
    assert warning is not None
    assert start <= warning < due
    assert business_time_between(RU, start, warning) == span - left


def test_a_new_ticket_is_checked_at_its_first_warning(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    assert ticket.first_response_due == msk(5, 11)
    assert ticket.resolution_due == msk(6, 13)  # 16 hours: Tue 2, Thu 10, Fri 4
    assert [(s.at, s.target, s.kind) for s in pending_steps(ticket)] == [
        (msk(5, 10, 12), "first_response", "warning"),
        (msk(5, 11), "first_response", "breach"),
        (msk(5, 12), "first_response", "head"),
        (msk(6, 9, 48), "resolution", "warning"),
        (msk(6, 13), "resolution", "breach"),
        (msk(6, 14), "resolution", "head"),
    ]
    assert ticket.sla_next_check_at == msk(5, 10, 12)


def test_the_first_reply_from_the_desk_ends_the_first_response_steps(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    add_message(
        ticket,
        direction=Message.Direction.OUTBOUND,
        channel="email",
        text="Смотрим.",
        author_user=User.objects.get(username="ivanov"),
        at=msk(5, 9, 30),
    )
    ticket = refreshed(ticket)
    assert ticket.first_responded_at == msk(5, 9, 30)
    assert ticket.sla_next_check_at == msk(6, 9, 48)


def test_an_internal_note_is_not_a_first_response(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    add_message(
        ticket,
        direction=Message.Direction.OUTBOUND,
        kind=Message.Kind.NOTE,
        channel="agent",
        text="Позвонить клиенту",
        author_user=User.objects.get(username="ivanov"),
        at=msk(5, 9, 30),
    )
    ticket = refreshed(ticket)
    assert ticket.first_responded_at is None
    assert ticket.sla_next_check_at == msk(5, 10, 12)


def test_a_ticket_without_deadlines_is_never_checked(sla_world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="anyone@mail.ru", received_at=msk(3, 17))))
    assert ticket.resolution_due is None
    assert ticket.sla_next_check_at is None
    assert next_check_at(ticket) is None


# --- the scanner --------------------------------------------------------------------------


def test_the_assignee_is_warned_then_told_with_the_lead_then_the_head_is_told(
    sla_world: World,
) -> None:
    ticket = request(msk(3, 17))

    assert scan(now=msk(5, 10, 11)).steps == 0
    report = scan(now=msk(5, 10, 12))
    assert (report.warnings, report.breaches, report.escalations) == (1, 0, 0)
    assert told(ticket, "sla_warning") == [ASSIGNEE]
    assert refreshed(ticket).sla_next_check_at == msk(5, 11)

    scan(now=msk(5, 11, 1))
    assert told(ticket, "sla_breach") == sorted([ASSIGNEE, LEAD])
    assert told(ticket, "sla_escalated") == []
    assert refreshed(ticket).sla_next_check_at == msk(5, 12)

    scan(now=msk(5, 12, 1))
    assert told(ticket, "sla_escalated") == [HEAD]
    assert history(ticket) == [
        (EventKind.SLA_WARNING, "first_response", "warning"),
        (EventKind.SLA_BREACH, "first_response", "breach"),
        (EventKind.ESCALATED, "first_response", "head"),
    ]
    breach = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SLA_BREACH)
    assert breach.data["told"] == [ASSIGNEE, LEAD]
    assert breach.data["deadline"] == msk(5, 11).astimezone(UTC).isoformat()
    # Next: the resolution's warning on Friday.
    assert refreshed(ticket).sla_next_check_at == msk(6, 9, 48)


def test_the_mails_name_the_ticket_its_deadline_and_link_it(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    scan(now=msk(5, 12, 1))
    outbox.deliver_due()
    by_recipient = {m.to[0]: m for m in mail.outbox if "/desk/t/" in str(m.body)}
    warning = next(m for m in mail.outbox if m.to == [ASSIGNEE] and "05.11.2026 11:00" in m.subject)
    assert f"[#{ticket.display_number}]" in warning.subject and "Сайт лежит" in warning.subject
    assert f"/desk/t/{ticket.number}/" in warning.body
    lead_mail = by_recipient[LEAD]  # Petrova reads English
    assert "First response overdue" in lead_mail.subject
    assert "05.11.2026 11:00 MSK" in lead_mail.body and "Иван Иванов" in lead_mail.body
    head_mail = next(m for m in mail.outbox if m.to == [HEAD])
    assert ticket.display_number in head_mail.subject and "05.11.2026 11:00" in head_mail.body


def test_nothing_is_sent_twice(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    first = scan(now=msk(5, 11, 1))
    assert first.steps == 2
    assert scan(now=msk(5, 11, 1)).steps == 0
    # Even if the ticket's check is put back (an action recomputed it), a step taken for
    # the same deadline is not taken again.
    Ticket.objects.filter(pk=ticket.pk).update(sla_next_check_at=msk(3, 17))
    again = scan(now=msk(5, 11, 2))
    assert again.tickets == 1 and again.steps == 0
    assert Outbox.objects.filter(ticket=ticket, template__startswith="sla_").count() == 3
    assert refreshed(ticket).sla_next_check_at == msk(5, 12)


def test_after_downtime_every_due_step_happens_once_in_order(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    report = scan(now=msk(6, 15))  # the scanner was down from Tuesday to Friday afternoon
    assert (report.warnings, report.breaches, report.escalations) == (2, 2, 2)
    assert history(ticket) == [
        (EventKind.SLA_WARNING, "first_response", "warning"),
        (EventKind.SLA_BREACH, "first_response", "breach"),
        (EventKind.ESCALATED, "first_response", "head"),
        (EventKind.SLA_WARNING, "resolution", "warning"),
        (EventKind.SLA_BREACH, "resolution", "breach"),
        (EventKind.ESCALATED, "resolution", "head"),
    ]
    assert refreshed(ticket).sla_next_check_at is None
    assert scan(now=msk(20, 15)).steps == 0
    assert SlaEscalation.objects.filter(ticket=ticket).count() == 6


def test_an_unassigned_ticket_warns_the_team_lead(sla_world: World) -> None:
    ticket = request(msk(3, 17), assignee=None)
    scan(now=msk(5, 10, 30))
    assert told(ticket, "sla_warning") == [LEAD]


def test_every_head_of_the_helpdesk_is_told(sla_world: World) -> None:
    deputy = User.objects.create(username="deputy", email="deputy@desk.example")
    Agent.objects.create(user=deputy, is_head=True)
    ticket = request(msk(3, 17))
    scan(now=msk(5, 12, 1))
    assert told(ticket, "sla_escalated") == sorted([HEAD, "deputy@desk.example"])
    escalated = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert sorted(escalated.data["told"]) == sorted([HEAD, "deputy@desk.example"])


def test_the_plan_sets_the_warning_share_and_the_delay_for_the_head(sla_world: World) -> None:
    plan = SlaPlan.objects.get()
    plan.warning_percent, plan.head_after_minutes = 50, 0
    plan.save()
    ticket = request(msk(3, 17))
    # Half of 4 hours: Tuesday's 2 hours; the warning is at Tuesday's closing time.
    assert ticket.sla_next_check_at == msk(3, 19)
    scan(now=msk(5, 11))
    assert told(ticket, "sla_escalated") == [HEAD]  # with the breach, no delay


def test_a_paused_ticket_is_not_escalated_and_its_clock_comes_back(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    add_message(
        ticket,
        direction=Message.Direction.OUTBOUND,
        channel="email",
        text="Пришлите, пожалуйста, снимок экрана.",
        author_user=User.objects.get(username="ivanov"),
        at=msk(5, 9),
    )
    change_status(ticket, catalog.status_for(StatusCategory.PENDING), at=msk(5, 9))
    assert refreshed(ticket).sla_next_check_at is None
    assert scan(now=msk(10, 12)).tickets == 0
    # The requester answers on Tuesday the 10th at 9:00: of the 16 promised hours, 2 were
    # used on the 3rd; 14 are left: 10 on Tuesday and 4 on Wednesday.
    change_status(ticket, catalog.status_for(StatusCategory.OPEN), at=msk(10, 9))
    ticket = refreshed(ticket)
    assert ticket.resolution_due == msk(11, 13)
    # The warning comes when 80 % of the promise is used: 2 + 10 + 0:48 hours.
    assert ticket.sla_next_check_at == msk(11, 9, 48)
    assert history(ticket) == []


def test_a_resolved_ticket_drops_out(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED), at=msk(5, 10))
    assert refreshed(ticket).sla_next_check_at is None
    assert scan(now=msk(20, 12)).tickets == 0
    assert history(ticket) == []


def test_a_ticket_resolved_while_its_check_is_due_is_not_escalated(sla_world: World) -> None:
    ticket = request(msk(3, 17))
    Ticket.objects.filter(pk=ticket.pk).update(state=StatusCategory.RESOLVED)
    report = scan(now=msk(20, 12))
    assert report.tickets == 1 and report.steps == 0
    assert refreshed(ticket).sla_next_check_at is None


def test_a_higher_priority_moves_the_deadlines_and_the_next_check(sla_world: World) -> None:
    ticket = request(msk(5, 9))  # Thursday 9:00: answer by 13:00
    scan(now=msk(5, 12, 12))  # the normal first response warning went out
    assert told(ticket, "sla_warning") == [ASSIGNEE]
    petrova = User.objects.get(username="petrova")
    change_priority(
        ticket, Priority.objects.get(slug="urgent"), actor_user=petrova, at=msk(5, 12, 15)
    )
    ticket = refreshed(ticket)
    # Urgent runs on the wall clock from the ticket's creation: 15 minutes and 2 hours.
    assert ticket.priority.slug == "urgent"
    assert ticket.first_response_due == msk(5, 9, 15)
    assert ticket.resolution_due == msk(5, 11)
    assert ticket.sla_next_check_at == msk(5, 9, 12)  # overdue at once: the scanner will see
    deadlines = TicketEvent.objects.get(ticket=ticket, kind=EventKind.DEADLINES)
    assert deadlines.actor_user == petrova and deadlines.data["reason"] == "priority"
    assert deadlines.data["resolution_due"]["to"] == msk(5, 11).astimezone(UTC).isoformat()
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.PRIORITY).data == {
        "from": "normal",
        "to": "urgent",
    }
    # The new deadlines are new: their steps happen, each once.
    report = scan(now=msk(5, 12, 16))
    assert (report.warnings, report.breaches, report.escalations) == (2, 2, 2)
    assert told(ticket, "sla_warning") == [ASSIGNEE, ASSIGNEE, ASSIGNEE]
    assert refreshed(ticket).sla_next_check_at is None


def test_a_contract_change_recomputes_the_deadlines(sla_world: World) -> None:
    ticket = request(msk(6, 17))  # Friday evening: answer due Monday 11:00
    assert ticket.first_response_due == msk(9, 11)
    veter = sla_world.veter_contract
    veter.sla_plan = sla_world.romashka_contract.sla_plan
    veter.save()
    change_contract(ticket, veter, at=msk(6, 17, 30))
    ticket = refreshed(ticket)
    assert ticket.organization_id == sla_world.veter.pk
    assert ticket.first_response_due == msk(6, 21)  # 24/7: four hours of the clock
    assert ticket.sla_next_check_at == msk(6, 20, 12)
    client = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CLIENT)
    assert client.data["contract"] == veter.pk
    assert client.data["from"] == sla_world.romashka_contract.pk
    moved = TicketEvent.objects.get(ticket=ticket, kind=EventKind.DEADLINES).data
    assert moved["first_response_due"] == {
        "from": msk(9, 11).astimezone(UTC).isoformat(),
        "to": msk(6, 21).astimezone(UTC).isoformat(),
    }
    # Without a contract there is no promise, and nothing to watch.
    change_contract(ticket, None, at=msk(6, 17, 40))
    ticket = refreshed(ticket)
    assert ticket.resolution_due is None and ticket.sla_next_check_at is None


def test_a_burst_of_breaches_is_not_held_back_by_the_automatic_mail_cap(
    sla_world: World, settings: Any
) -> None:
    settings.ZAYAVKA_AUTOMAIL_PER_HOUR = 1
    tickets = [request(msk(3, 17), external_id=str(n)) for n in range(3)]
    scan(now=msk(5, 12, 1))
    for ticket in tickets:
        assert told(ticket, "sla_escalated") == [HEAD]
    held = Outbox.objects.filter(template__startswith="sla_").exclude(state=Outbox.State.PENDING)
    assert not held.exists()


def test_the_scanner_runs_every_minute_in_the_workers_scheduler() -> None:
    job = next(job for job in queue.periodic_jobs() if job.name == "sla_scan")
    assert job.schedule == {"minute": "*"}
    assert job.resolve() is scan


# --- two machines -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_scanners_at_once_take_each_step_exactly_once(sla_world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer; row locks are PostgreSQL's")
    tickets = [request(msk(3, 17), external_id=str(n)) for n in range(24)]
    start = threading.Barrier(2)
    reports: list[ScanReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            reports.append(scan(now=msk(6, 15), batch=3))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.tickets for r in reports) == len(tickets)
    assert sum(r.steps for r in reports) == 6 * len(tickets)
    assert SlaEscalation.objects.count() == 6 * len(tickets)
    for ticket in tickets:
        assert len(history(ticket)) == 6
        assert told(ticket, "sla_escalated") == [HEAD, HEAD]  # once per deadline
        assert refreshed(ticket).sla_next_check_at is None


def test_warnings_and_breaches_reach_webhook_subscribers(sla_world: World) -> None:
    """The scanner's steps are webhook events too, with the deadline they are about."""
    with receiver() as hook:
        Subscription.objects.create(
            name="Monitoring",
            url=hook.url,
            events=[WebhookEvent.SLA_WARNING, WebhookEvent.SLA_BREACH],
            allow_private_network=True,
        )
        ticket = request(msk(3, 17))
        scan(now=msk(5, 10, 12))
        scan(now=msk(5, 11, 1))
        outbox.deliver_due()
        assert [(r.payload["event"], r.payload["data"]["target"]) for r in hook.received] == [
            ("ticket.sla_warning", "first_response"),
            ("ticket.sla_breach", "first_response"),
        ]
        breach = hook.received[1].payload
        assert breach["ticket"]["number"] == ticket.number
        assert breach["data"]["deadline"] == msk(5, 11).astimezone(UTC).isoformat()
