"""Routing and assignment (R25), as the desk's lead sets them up and the agents live them."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import AgentFactory, UserFactory, World, inbound, ticket_of
from zayavka.accounts.models import Agent, RoutingRule, Team, User
from zayavka.tickets import routing
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.assignment import (
    TicketAlreadyTaken,
    assign_ticket,
    auto_assign,
    take_ticket,
)
from zayavka.tickets.models import (
    Category,
    EventKind,
    Outbox,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from zayavka.tickets.outbox import deliver_due

pytestmark = pytest.mark.django_db

_ids = itertools.count(1)


def file_ticket(text: str = "Вопрос", *, subject: str = "Вопрос", **kwargs: Any) -> Ticket:
    """A new ticket, filed through intake like any channel would."""
    kwargs.setdefault("external_id", f"<routing-{next(_ids)}@mail.example>")
    return ticket_of(intake.receive(inbound(text, subject=subject, **kwargs)))


def agent(name: str, *teams: Team, skills: tuple[str, ...] = (), **kwargs: Any) -> Agent:
    user_kwargs = {k: kwargs.pop(k) for k in ("is_active",) if k in kwargs}
    user = UserFactory.create(username=name, first_name=name.capitalize(), **user_kwargs)
    created: Agent = AgentFactory.create(
        user=user, teams=list(teams), skills=list(skills), **kwargs
    )
    return created


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("created_at", "pk").values_list("kind", flat=True))


@pytest.fixture
def onec() -> Team:
    """The 1C team: round robin among those on shift who know 1C."""
    return Team.objects.create(
        name="Сопровождение 1С",
        email="1c@desk.example",
        assignment=Team.Assignment.ROUND_ROBIN,
    )


@pytest.fixture
def accounting_rule(onec: Team) -> RoutingRule:
    return RoutingRule.objects.create(
        name="1С и бухгалтерия",
        position=10,
        keywords=["1С", "бухгалтери*", "отчёт в ФНС"],
        team=onec,
        required_skills=["1С"],
    )


# --- Matching words, a pure function ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keyword", "found"),
    [
        ("Не запускается 1С:Бухгалтерия", "1С", True),
        ("не запускается 1с", "1С", True),
        ("ОТЧЁТ В ФНС не уходит", "отчет в фнс", True),
        ("отчет   в\nФНС не уходит", "Отчёт в ФНС", True),
        ("Ёлка на сайте не горит", "елка", True),
        ("Бухгалтерии нужен доступ", "бухгалтерия", False),
        ("Бухгалтерии нужен доступ", "бухгалтери*", True),
        ("Бухгалтерии нужен доступ", "бухгалтерия*", False),
        ("которые не работают", "кот", False),
        ("которые не работают", "кот*", True),
        ("сломался 1С11", "1С", False),
        ("сайт не открывается", "", False),
    ],
)
def test_keywords_match_whole_words_in_any_case_with_yo_as_e(
    text: str, keyword: str, found: bool
) -> None:
    assert routing.mentions(text, routing.compile_keywords([keyword])) is found


@given(
    before=st.text(alphabet="абвгдеёжз ,.!\n", max_size=20),
    after=st.text(alphabet="абвгдеёжз ,.!\n", max_size=20),
    upper=st.booleans(),
)
def test_a_keyword_written_as_a_word_is_always_found(before: str, after: str, upper: bool) -> None:
    phrase = "Отчёт в ФНС"
    text = f"{before} {phrase.upper() if upper else phrase.lower()} {after}"
    assert routing.mentions(text, routing.compile_keywords(["отчет в фнс"]))


def test_skills_compare_like_words() -> None:
    assert routing.skill_set(["1С", " Почта ", "ёлки"]) == {"1с", "почта", "елки"}
    assert routing.skill_set("1С") == frozenset()


# --- Which team ------------------------------------------------------------------------


def test_a_request_about_1c_in_russian_goes_to_the_1c_team(
    world: World, accounting_rule: RoutingRule, onec: Team
) -> None:
    by_subject = file_ticket("Помогите", subject="НЕ ЗАПУСКАЕТСЯ 1С")
    by_text = file_ticket("В бухгалтерии не проводятся документы", subject="Проблема")
    with_yo = file_ticket("Отчет в ФНС не отправляется, срочно", subject="Отчётность")
    unrelated = file_ticket("Принтер не печатает", subject="Принтер")

    assert by_subject.team == onec and by_text.team == onec and with_yo.team == onec
    assert unrelated.team is None


@pytest.mark.parametrize("condition", ["category", "organization", "contract", "channel"])
def test_each_condition_alone_routes_the_tickets_it_names_and_only_those(
    world: World, onec: Team, condition: str
) -> None:
    accounting = Category.objects.create(
        slug="accounting", name_ru="Учёт", name_en="Accounting", team=world.team
    )
    value = {
        "category": accounting,
        "organization": world.romashka,
        "contract": world.romashka_contract,
        "channel": "telegram",
    }[condition]
    RoutingRule.objects.create(name=condition, team=onec, **{condition: value})
    matching = {
        "category": {"category": "accounting"},
        "organization": {"email": "o.smirnov@romashka.ru"},
        "contract": {"email": "m.kuznetsova@romashka.ru"},
        "channel": {"channel": "telegram", "email": "anon@example.org"},
    }[condition]

    assert file_ticket(**matching).team == onec
    other = file_ticket(email="stranger@example.org")
    assert other.team is None


def test_a_rule_for_a_category_also_takes_its_subcategories(world: World, onec: Team) -> None:
    ssl = Category.objects.create(
        slug="site-ssl", name_ru="Сертификат", name_en="Certificate", parent=world.category
    )
    RoutingRule.objects.create(name="Сайты", category=world.category, team=onec)

    assert file_ticket(category=ssl.slug).team == onec


def test_every_condition_of_a_rule_must_hold(world: World, onec: Team) -> None:
    RoutingRule.objects.create(
        name="Ромашка про 1С", organization=world.romashka, keywords=["1С"], team=onec
    )

    assert file_ticket("Не работает сайт", email="o.smirnov@romashka.ru").team is None
    assert file_ticket("Не работает 1С", email="stranger@example.org").team is None
    assert file_ticket("Не работает 1С", email="o.smirnov@romashka.ru").team == onec


def test_the_first_active_rule_by_position_wins(world: World, onec: Team) -> None:
    infra = Team.objects.create(name="Инфраструктура")
    RoutingRule.objects.create(name="Всё про 1С", position=20, keywords=["1С"], team=onec)
    RoutingRule.objects.create(name="Ромашка", position=10, organization=world.romashka, team=infra)
    RoutingRule.objects.create(
        name="Выключено", position=1, keywords=["1С"], team=world.team, is_active=False
    )

    ticket = file_ticket("Упал сервер 1С", email="o.smirnov@romashka.ru")

    assert ticket.team == infra
    routed = ticket.events.get(kind=EventKind.ROUTED)
    assert routed.data["rule"] == "Ромашка" and routed.data["team"] == infra.pk


def test_without_a_matching_rule_the_category_team_takes_it_else_the_general_queue(
    world: World, accounting_rule: RoutingRule
) -> None:
    site = file_ticket("Магазин отдаёт 502", category="site-down")
    general = file_ticket("Просто вопрос")

    assert site.team == world.team
    assert site.events.get(kind=EventKind.ROUTED).data["by"] == "category"
    assert general.team is None and general.assignee is None
    assert EventKind.ROUTED not in kinds(general)


def test_routing_reads_the_rules_from_the_cache_and_sees_a_new_rule_at_once(
    world: World, accounting_rule: RoutingRule, onec: Team, django_assert_num_queries: Any
) -> None:
    ticket = file_ticket("Вопрос про склад")
    with django_assert_num_queries(0):
        assert routing.route(ticket, "Вопрос про 1С") == onec
        assert routing.route(ticket, "Вопрос про склад") is None

    RoutingRule.objects.create(name="Склад", position=1, keywords=["склад"], team=world.team)

    assert routing.route(ticket, "Вопрос про склад") == world.team


# --- Which agent -----------------------------------------------------------------------


def test_round_robin_rotates_fairly_among_agents_on_shift_who_know_1c(
    world: World, accounting_rule: RoutingRule, onec: Team
) -> None:
    anna = agent("anna", onec, skills=("1С", "бухгалтерия"))
    agent("dmitry", onec, skills=("1С",), is_on_shift=False)
    boris = agent("boris", onec, skills=("1с",))
    agent("gleb", onec, skills=("почта",))
    agent("egor", onec, skills=("1С",), is_active=False)
    vera = agent("vera", onec, skills=("1С",))
    agent("zoya", world.team, skills=("1С",))  # knows 1C, but in another team

    assignees = [file_ticket(f"Ошибка 1С №{i}").assignee for i in range(6)]

    expected = [anna.user, boris.user, vera.user] * 2
    assert assignees == expected
    onec.refresh_from_db()
    assert onec.last_assigned == vera


def test_round_robin_goes_on_after_the_last_agent_when_that_agent_leaves_the_shift(
    world: World, accounting_rule: RoutingRule, onec: Team
) -> None:
    anna = agent("anna", onec, skills=("1С",))
    boris = agent("boris", onec, skills=("1С",))
    vera = agent("vera", onec, skills=("1С",))
    assert file_ticket("1С 1").assignee == anna.user
    assert file_ticket("1С 2").assignee == boris.user
    Agent.objects.filter(pk=boris.pk).update(is_on_shift=False)

    assert file_ticket("1С 3").assignee == vera.user
    assert file_ticket("1С 4").assignee == anna.user


def test_an_agent_who_took_the_ticket_meanwhile_keeps_it(world: World, onec: Team) -> None:
    anna, boris = agent("anna", onec), agent("boris", onec)
    stale = file_ticket_in(onec)
    take_ticket(Ticket.objects.get(pk=stale.pk), boris.user)

    assert auto_assign(stale) is None

    assert Ticket.objects.get(pk=stale.pk).assignee == boris.user
    onec.refresh_from_db()
    assert onec.last_assigned is None
    assert auto_assign(file_ticket_in(onec)) == anna


def file_ticket_in(team: Team) -> Ticket:
    """A ticket from the general queue put in `team`'s queue behind routing's back."""
    ticket = file_ticket("Вопрос")
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    ticket.team_id = team.pk
    return ticket


def give(user: User, count: int, *, state: str = StatusCategory.OPEN) -> None:
    for _ in range(count):
        ticket = file_ticket("Старая заявка")
        Ticket.objects.filter(pk=ticket.pk).update(assignee=user, state=state)


def test_least_loaded_gives_the_ticket_to_whoever_has_fewest_open_tickets(
    world: World,
) -> None:
    web = world.team
    Team.objects.filter(pk=web.pk).update(assignment=Team.Assignment.LEAST_LOADED)
    busy = agent("busy", web)
    calm = agent("calm", web)
    idle = agent("idle", web)
    give(busy.user, 3)
    give(calm.user, 1)
    give(calm.user, 4, state=StatusCategory.CLOSED)
    give(calm.user, 2, state=StatusCategory.RESOLVED)
    give(idle.user, 1)
    Agent.objects.filter(pk=calm.pk).update(last_assigned_at=timezone.now() - timedelta(days=1))

    # calm and idle have one open ticket each; idle has never been given one.
    first = file_ticket(category="site-down").assignee
    second = file_ticket(category="site-down").assignee
    third = file_ticket(category="site-down").assignee

    assert (first, second, third) == (idle.user, calm.user, idle.user)


def test_least_loaded_breaks_ties_by_the_longest_wait_then_by_id(world: World) -> None:
    web = world.team
    Team.objects.filter(pk=web.pk).update(assignment=Team.Assignment.LEAST_LOADED)
    first, second = agent("first", web), agent("second", web)

    assigned = [file_ticket(category="site-down").assignee for _ in range(2)]
    Ticket.objects.update(state=StatusCategory.CLOSED)
    third = file_ticket(category="site-down").assignee

    assert assigned == [first.user, second.user]
    assert third == first.user


def test_when_nobody_eligible_is_on_shift_the_ticket_waits_unassigned_in_the_team_queue(
    world: World, accounting_rule: RoutingRule, onec: Team
) -> None:
    agent("anna", onec, skills=("1С",), is_on_shift=False)
    agent("gleb", onec, skills=("почта",))

    ticket = file_ticket("Не запускается 1С")

    assert ticket.team == onec and ticket.assignee is None
    assert EventKind.ROUTED in kinds(ticket) and EventKind.ASSIGNED not in kinds(ticket)
    assert not Outbox.objects.filter(template="agent_assigned").exists()


def test_a_team_with_manual_assignment_gets_the_ticket_in_its_queue_only(world: World) -> None:
    agent("anna", world.team)

    ticket = file_ticket(category="site-down")

    assert world.team.assignment == Team.Assignment.MANUAL
    assert ticket.team == world.team and ticket.assignee is None
    assert EventKind.ASSIGNED not in kinds(ticket)


# --- The trail and the email -----------------------------------------------------------


def test_routing_and_assignment_are_recorded_with_the_rule_and_the_agent(
    world: World, accounting_rule: RoutingRule, onec: Team
) -> None:
    anna = agent("anna", onec, skills=("1С",))

    ticket = file_ticket("Не запускается 1С")

    assert kinds(ticket) == ["created", "routed", "assigned", "message"]
    routed = ticket.events.get(kind=EventKind.ROUTED)
    assert routed.data == {
        "team": onec.pk,
        "team_name": "Сопровождение 1С",
        "rule": "1С и бухгалтерия",
        "rule_id": accounting_rule.pk,
        "by": "rule",
    }
    assigned = ticket.events.get(kind=EventKind.ASSIGNED)
    assert assigned.data["assignee"] == anna.user_id
    assert assigned.data["mode"] == "round_robin" and assigned.data["skills"] == ["1с"]


def test_the_assigned_agent_gets_one_email_however_often_the_input_arrives(
    world: World, accounting_rule: RoutingRule, onec: Team
) -> None:
    anna = agent("anna", onec, skills=("1С",))
    User.objects.filter(pk=anna.user_id).update(language="en")
    message = inbound(
        "Не запускается 1С",
        subject='1С & "склад" <срочно>',
        email="o.smirnov@romashka.ru",
        external_id="<once@romashka.ru>",
    )

    first = intake.receive(message)
    again = intake.receive(message)

    assert (first.result, again.result) == ("created", "duplicate")
    email = Outbox.objects.get(template="agent_assigned")
    assert email.recipient == "anna@desk.example" and email.language == "en"
    deliver_due()
    sent = next(m for m in mail.outbox if m.to == ["anna@desk.example"])
    ticket = ticket_of(first)
    assert sent.subject == f'[#{ticket.display_number}] Assigned to you: 1С & "склад" <срочно>'
    assert "Сопровождение 1С" in sent.body and "ООО «Ромашка»" in sent.body


# --- Agents taking tickets and leads assigning them ------------------------------------


def test_an_agent_takes_an_unassigned_ticket_from_the_queue(world: World) -> None:
    anna = agent("anna", world.team)
    ticket = file_ticket(category="site-down")

    take_ticket(ticket, anna.user)
    take_ticket(ticket, anna.user)  # a second click changes nothing

    ticket.refresh_from_db()
    assert ticket.assignee == anna.user
    taken = TicketEvent.objects.get(ticket=ticket, kind=EventKind.TAKEN)
    assert taken.actor_user == anna.user and taken.data == {"assignee": anna.user_id, "from": None}


def test_taking_a_ticket_someone_else_has_needs_force(world: World) -> None:
    anna, boris = agent("anna", world.team), agent("boris", world.team)
    ticket = file_ticket(category="site-down")
    take_ticket(ticket, anna.user)

    with pytest.raises(TicketAlreadyTaken):
        take_ticket(Ticket.objects.get(pk=ticket.pk), boris.user)
    take_ticket(Ticket.objects.get(pk=ticket.pk), boris.user, force=True)

    ticket.refresh_from_db()
    assert ticket.assignee == boris.user
    last = ticket.events.filter(kind=EventKind.TAKEN).last()
    assert last is not None and last.data["from"] == anna.user_id


def test_a_restricted_teams_tickets_are_taken_only_by_its_members(world: World) -> None:
    security = Team.objects.create(name="Безопасность", is_restricted=True)
    member = agent("member", security)
    outsider = agent("outsider", world.team)
    client_user = UserFactory.create(username="client", is_staff=False)
    RoutingRule.objects.create(name="ИБ", keywords=["утечка"], team=security)
    ticket = file_ticket("Подозрение на утечку данных: утечка паролей")

    for user in (outsider.user, client_user):
        with pytest.raises(PermissionDenied):
            take_ticket(ticket, user)
    take_ticket(ticket, member.user)

    assert Ticket.objects.get(pk=ticket.pk).assignee == member.user


def test_a_ticket_moved_into_a_restricted_team_cannot_be_taken_from_a_stale_page(
    world: World,
) -> None:
    security = Team.objects.create(name="Безопасность", is_restricted=True)
    lead = agent("lead", security)
    outsider = agent("outsider", world.team)
    seen_earlier = file_ticket(category="site-down")
    assign_ticket(Ticket.objects.get(pk=seen_earlier.pk), team=security, by=lead.user)

    with pytest.raises(PermissionDenied):
        take_ticket(seen_earlier, outsider.user)
    assert Ticket.objects.get(pk=seen_earlier.pk).assignee is None


def test_an_inactive_agent_cannot_take_tickets(world: World) -> None:
    gone = agent("gone", world.team, is_active=False)
    ticket = file_ticket(category="site-down")

    with pytest.raises(PermissionDenied):
        take_ticket(ticket, gone.user)


def test_a_lead_assigns_a_ticket_and_the_agent_is_told(world: World) -> None:
    lead, anna = agent("lead", world.team), agent("anna", world.team)
    ticket = file_ticket(category="site-down")

    assign_ticket(ticket, agent=anna.user, by=lead.user)

    ticket.refresh_from_db()
    assert ticket.assignee == anna.user
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.actor_user == lead.user and event.data == {"assignee": anna.user_id, "from": None}
    assert Outbox.objects.get(template="agent_assigned").recipient == "anna@desk.example"


def test_a_lead_moves_a_ticket_to_another_team_queue(world: World, onec: Team) -> None:
    lead, anna = agent("lead", world.team, onec), agent("anna", world.team)
    ticket = file_ticket(category="site-down")
    take_ticket(ticket, anna.user)

    assign_ticket(ticket, team=onec, by=lead.user)

    ticket.refresh_from_db()
    assert ticket.team == onec and ticket.assignee is None
    moved = ticket.events.filter(kind=EventKind.ROUTED).last()
    assert moved is not None and moved.actor_user == lead.user
    assert moved.data["from"] == world.team.pk and moved.data["by"] == "user"


def test_nobody_is_assigned_a_restricted_teams_ticket_from_outside_it(world: World) -> None:
    security = Team.objects.create(name="Безопасность", is_restricted=True)
    lead = agent("lead", security)
    outsider = agent("outsider", world.team)
    ticket = file_ticket(category="site-down")

    with pytest.raises(ValueError, match="may not work"):
        assign_ticket(ticket, team=security, agent=outsider.user, by=lead.user)
    with pytest.raises(PermissionDenied):
        assign_ticket(ticket, team=security, by=outsider.user)
    assign_ticket(ticket, team=security, agent=lead.user, by=lead.user)

    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (security, lead.user)
    assert not Outbox.objects.filter(template="agent_assigned").exists()  # lead took it


# --- End to end ------------------------------------------------------------------------


def test_an_email_about_1c_becomes_a_ticket_of_the_1c_team_on_an_agent_with_the_skill(
    world: World, accounting_rule: RoutingRule, onec: Team
) -> None:
    agent("gleb", onec, skills=("почта",))
    anna = agent("anna", onec, skills=("1С", "бухгалтерия"))

    result = intake.receive(
        inbound(
            "Добрый день! После обновления 1С:Бухгалтерия не открывает базу.",
            subject="Не открывается база",
            email="O.Smirnov@romashka.ru",
            urgency="high",
        )
    )

    ticket = ticket_of(result)
    assert (ticket.team, ticket.assignee) == (onec, anna.user)
    assert ticket.organization == world.romashka
    outbox = dict(Outbox.objects.filter(ticket=ticket).values_list("template", "recipient"))
    assert outbox == {
        "ticket_created": "o.smirnov@romashka.ru",
        "agent_new_ticket": "1c@desk.example",
        "agent_assigned": "anna@desk.example",
    }


def test_the_demo_shows_rules_modes_and_agents_taking_tickets(db: None) -> None:
    from zayavka.core.demo import load_demo

    load_demo()

    def ticket(subject: str) -> Ticket:
        return Ticket.objects.select_related("team", "assignee").get(subject=subject)

    crash = ticket("Упал сервер 1С")
    assert crash.team is not None and crash.team.name == "Первая линия"
    assert crash.assignee is not None and crash.assignee.username == "ivanova"
    assert crash.events.get(kind=EventKind.ROUTED).data["rule"].startswith("1С")
    site = ticket("Не открывается интернет-магазин")
    assert site.team is not None and site.team.name == "Веб-разработка"
    assert site.assignee is not None and site.assignee.username == "ivanova"
    mail_ticket = ticket("Не уходит почта из Outlook")
    assert mail_ticket.team is not None and mail_ticket.team.name == "Инфраструктура"
    assert mail_ticket.events.filter(kind=EventKind.TAKEN).exists()
    assert Ticket.objects.exclude(state=StatusCategory.NEW).filter(assignee=None).count() == 0


# --- Two intakes at once (PostgreSQL) --------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("mode", [Team.Assignment.ROUND_ROBIN, Team.Assignment.LEAST_LOADED])
def test_two_assignments_at_once_never_pick_from_the_same_state(world: World, mode: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    team = world.team
    Team.objects.filter(pk=team.pk).update(assignment=mode)
    anna, boris = agent("anna", team), agent("boris", team)
    first, second = file_ticket_in(team), file_ticket_in(team)
    locked = threading.Event()
    chosen: dict[str, Agent | None] = {}

    def holder() -> None:
        try:
            with transaction.atomic():
                Team.objects.select_for_update().get(pk=team.pk)
                locked.set()
                time.sleep(0.3)  # the other assignment starts now and must wait for this one
                chosen["first"] = auto_assign(first)
        finally:
            connection.close()

    def waiter() -> None:
        try:
            locked.wait(5)
            chosen["second"] = auto_assign(second)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert chosen["first"] == anna
    assert chosen["second"] == boris


# --- Setting it up ---------------------------------------------------------------------


def test_the_lead_writes_a_rule_in_the_admin_with_one_keyword_per_line(
    world: World, onec: Team, plain_client: Any
) -> None:
    plain_client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    for url in (
        "/admin/accounts/routingrule/",
        "/admin/accounts/routingrule/add/",
        f"/admin/accounts/team/{onec.pk}/change/",
    ):
        assert plain_client.get(url).status_code == 200, url

    response = plain_client.post(
        "/admin/accounts/routingrule/add/",
        {
            "name": "1С",
            "position": "5",
            "is_active": "on",
            "keywords": "1С\r\nбухгалтери*, отчёт в ФНС\r\n",
            "team": str(onec.pk),
            "required_skills": "1С",
            "channel": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    rule = RoutingRule.objects.get()
    assert rule.keywords == ["1С", "бухгалтери*", "отчёт в ФНС"]
    assert rule.required_skills == ["1С"]
    listing = plain_client.get("/admin/accounts/routingrule/").content.decode()
    assert "«бухгалтери*»" in listing


def test_a_rule_for_a_contract_of_another_organization_is_refused(world: World, onec: Team) -> None:
    from django.core.exceptions import ValidationError

    rule = RoutingRule(
        name="x", organization=world.veter, contract=world.romashka_contract, team=onec
    )
    with pytest.raises(ValidationError):
        rule.full_clean()
