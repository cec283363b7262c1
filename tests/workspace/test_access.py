"""Who sees which ticket (tickets/access.py): a matrix of people and tickets."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from tests.factories import ContactFactory
from tests.personas import Agents, file_ticket, make_agent
from zayavka.accounts.models import Contact, User
from zayavka.tickets import access
from zayavka.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(agents: Agents) -> dict[str, Ticket]:
    w = agents.world
    return {
        "general": file_ticket(w, "Общая очередь"),
        "web": file_ticket(w, "Сайт", team=w.team),
        "secret": file_ticket(w, "Утечка пароля", team=agents.security),
        "maria": file_ticket(w, "Отчёт", requester=w.maria),
        "other_org": file_ticket(w, "Чужая", requester=ContactFactory.create()),
    }


def fresh(user: User) -> User:
    """The user as the next request loads it (access caches per user object)."""
    return User.objects.get(pk=user.pk)


SEES_ALL_BUT_SECRET = {"general", "web", "maria", "other_org"}
EVERYTHING = SEES_ALL_BUT_SECRET | {"secret"}


@pytest.mark.parametrize(
    ("person", "sees"),
    [
        ("anna", SEES_ALL_BUT_SECRET),
        ("boris", SEES_ALL_BUT_SECRET),
        ("vera", EVERYTHING),
        ("root", EVERYTHING),
        ("oleg", set()),  # a customer: the workspace shows them nothing
    ],
)
def test_agents_see_every_ticket_but_those_of_restricted_teams_they_are_not_in(
    agents: Agents, tickets: dict[str, Ticket], person: str, sees: set[str]
) -> None:
    user = getattr(agents, person)
    visible = set(access.agent_tickets(user).values_list("pk", flat=True))
    assert visible == {tickets[name].pk for name in sees}
    for name, ticket in tickets.items():
        assert access.can_work(fresh(user), ticket) is (name in sees), name


def test_the_lead_of_a_restricted_team_sees_its_tickets(
    agents: Agents, tickets: dict[str, Ticket]
) -> None:
    agents.security.lead = agents.boris
    agents.security.save(update_fields=["lead"])
    boris = fresh(agents.boris)
    assert access.can_view(boris, tickets["secret"])
    assert access.agent_tickets(boris).filter(pk=tickets["secret"].pk).exists()


def test_joining_a_restricted_team_shows_its_tickets(
    agents: Agents, tickets: dict[str, Ticket]
) -> None:
    assert not access.can_view(fresh(agents.anna), tickets["secret"])
    agents.anna.agent.teams.add(agents.security)
    assert access.can_view(fresh(agents.anna), tickets["secret"])


def test_anonymous_users_and_inactive_agents_see_nothing(
    agents: Agents, tickets: dict[str, Ticket]
) -> None:
    anonymous = AnonymousUser()
    assert not access.is_agent(anonymous)
    assert not access.agent_tickets(anonymous).exists()
    assert not access.can_view(anonymous, tickets["general"])
    gone = make_agent("gone", is_active=False)
    assert not access.is_agent(gone)
    assert not access.can_view(gone, tickets["general"])
    assert not access.visible_teams(gone).exists()


def test_only_agents_and_superusers_are_agents(agents: Agents) -> None:
    assert access.is_agent(agents.anna)
    assert access.is_agent(agents.root)
    assert not access.is_agent(agents.oleg)
    assert access.agent_of(agents.root) is None
    agent = access.agent_of(agents.anna)
    assert agent is not None and agent.user_id == agents.anna.pk


def test_restricted_teams_are_listed_only_to_their_members(agents: Agents) -> None:
    names = set(access.visible_teams(agents.anna).values_list("name", flat=True))
    assert names == {"Веб-разработка"}
    assert "Безопасность" in set(access.visible_teams(agents.vera).values_list("name", flat=True))


def test_a_customer_sees_their_own_tickets_and_a_manager_the_whole_company(
    agents: Agents, tickets: dict[str, Ticket]
) -> None:
    w = agents.world
    oleg = agents.oleg
    assert access.can_view(oleg, tickets["general"])
    assert not access.can_view(oleg, tickets["maria"])  # a colleague's ticket
    assert not access.can_view(oleg, tickets["other_org"])
    assert not access.can_work(oleg, tickets["general"])  # customers never act for the desk

    maria = User.objects.create_user("maria", "m.kuznetsova@romashka.ru", "x")
    Contact.objects.filter(pk=w.maria.pk).update(user=maria)
    mine = set(access.contact_tickets(maria).values_list("pk", flat=True))
    company = {t.pk for n, t in tickets.items() if n != "other_org"}
    assert mine == company  # the manager sees Oleg's tickets too, and the restricted one

    tickets["maria"].participants.add(w.oleg)
    assert access.can_view(fresh(oleg), tickets["maria"])  # cc'd on a colleague's ticket


def test_access_ticket_hides_what_one_may_not_see(
    agents: Agents, tickets: dict[str, Ticket]
) -> None:
    secret = tickets["secret"]
    assert access.access_ticket(agents.vera, secret.number, write=True) == secret
    with pytest.raises(Http404):
        access.access_ticket(agents.anna, secret.number)
    with pytest.raises(Http404):
        access.access_ticket(agents.anna, 999_999)
    assert access.access_ticket(agents.oleg, tickets["general"].number) == tickets["general"]
    with pytest.raises(Http404):
        access.access_ticket(agents.oleg, tickets["general"].number, write=True)
