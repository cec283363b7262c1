"""Removing a link between two tickets: gone both ways, recorded on both, merges kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests.personas import Agents, file_ticket
from zayavka.tickets.actions.relations import merge_tickets, relate_tickets, unlink_tickets
from zayavka.tickets.models import EventKind, Ticket, TicketLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(agents: Agents) -> tuple[Ticket, Ticket]:
    w = agents.world
    return (
        file_ticket(w, "Не работает сайт", team=w.team),
        file_ticket(w, "Массовый сбой хостинга", team=w.team),
    )


def test_an_agent_removes_a_link_from_either_ticket(
    agents: Agents, client: Client, pair: tuple[Ticket, Ticket]
) -> None:
    child, parent = pair
    relate_tickets(child, parent, "child", by=agents.anna)
    client.force_login(agents.anna)
    html = client.get(f"/desk/t/{child.number}/").content.decode()
    assert f'action="/desk/t/{child.number}/unlink/{parent.number}/"' in html

    # The parent's page removes the link the child's page made.
    response = client.post(
        f"/desk/t/{parent.number}/unlink/{child.number}/",
        {"kind": "parent"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f"Link to #{child.display_number} removed." in response.content.decode()
    assert not TicketLink.objects.exists()
    for one, two, role in ((parent, child, "parent"), (child, parent, "child")):
        event = one.events.filter(kind=EventKind.LINKED).latest("pk")
        assert event.data == {
            "kind": "parent",
            "relation": role,
            "ticket": two.number,
            "removed": True,
        }
        assert event.actor_user == agents.anna
    html = client.get(f"/desk/t/{child.number}/").content.decode()
    assert f"Link removed</strong>: child of #{parent.display_number}" in html
    assert f"unlink/{parent.number}/" not in html


def test_only_the_kind_asked_for_goes_and_a_merge_stays(
    agents: Agents, client: Client, pair: tuple[Ticket, Ticket]
) -> None:
    one, two = pair
    relate_tickets(one, two, "related", by=agents.anna)
    relate_tickets(one, two, "parent", by=agents.anna)
    assert unlink_tickets(one, two, by=agents.anna, kind="related")
    assert list(TicketLink.objects.values_list("kind", flat=True)) == ["parent"]
    merge_tickets(one, two, by=agents.anna)
    assert unlink_tickets(two, one, by=agents.anna)
    assert list(TicketLink.objects.values_list("kind", flat=True)) == ["merged"]
    assert not unlink_tickets(one, two, by=agents.anna)

    client.force_login(agents.anna)
    html = client.get(f"/desk/t/{two.number}/").content.decode()
    assert f"unlink/{one.number}/" not in html  # no button for the merge
    response = client.post(f"/desk/t/{two.number}/unlink/{one.number}/")
    assert response.status_code == 302
    assert "These tickets are not linked." in client.get(f"/desk/t/{two.number}/").content.decode()
    assert TicketLink.objects.filter(kind="merged").exists()


def test_links_to_a_restricted_teams_ticket_stay_for_outsiders(
    agents: Agents, client: Client, pair: tuple[Ticket, Ticket]
) -> None:
    mine, _ = pair
    secret = file_ticket(agents.world, "Утечка", team=agents.security)
    relate_tickets(mine, secret, "related", by=agents.vera)
    with pytest.raises(PermissionDenied):
        unlink_tickets(mine, secret, by=agents.anna)
    client.force_login(agents.anna)
    assert client.post(f"/desk/t/{mine.number}/unlink/{secret.number}/").status_code == 404
    client.force_login(agents.oleg)
    assert client.post(f"/desk/t/{mine.number}/unlink/{secret.number}/").status_code == 403
    assert TicketLink.objects.count() == 1
