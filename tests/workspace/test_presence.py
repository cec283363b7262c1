"""Who else has the ticket open: the page and its heartbeat tell each agent about the
others who have it open now, and forget those who left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.personas import Agents, file_ticket
from zayavka.tickets.models import Ticket
from zayavka.workspace.models import PRESENCE_WINDOW, TicketViewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(agents: Agents) -> Ticket:
    return file_ticket(agents.world, "Сайт не открывается", team=agents.world.team)


def test_the_second_agent_sees_the_first_and_who_is_typing(agents: Agents, ticket: Ticket) -> None:
    anna, boris = (
        Client(headers={"Accept-Language": "en"}),
        Client(headers={"Accept-Language": "en"}),
    )
    anna.force_login(agents.anna)
    boris.force_login(agents.boris)
    page = anna.get(f"/desk/t/{ticket.number}/").content.decode()
    assert 'hx-trigger="every 20s"' in page and "Also open" not in page
    opened = TicketViewer.objects.get(user=agents.anna).opened_at

    html = boris.get(f"/desk/t/{ticket.number}/").content.decode()
    since = timezone.localtime(opened).strftime("%H:%M")
    assert "Also open:" in html and f"Anna (since {since})" in html

    beat = anna.post(f"/desk/t/{ticket.number}/presence/", {"composing": "1"})
    assert beat.status_code == 200
    assert beat.content.decode().lstrip().startswith('<form id="presence"')
    assert "Boris (since" in beat.content.decode()
    heard = boris.post(f"/desk/t/{ticket.number}/presence/", {"composing": ""})
    assert "Anna (since" in heard.content.decode() and "typing a reply" in heard.content.decode()
    # The heartbeat keeps "since" as it was.
    assert TicketViewer.objects.get(user=agents.anna).opened_at == opened


def test_an_agent_who_left_is_no_longer_listed(agents: Agents, ticket: Ticket) -> None:
    anna, boris = (
        Client(headers={"Accept-Language": "en"}),
        Client(headers={"Accept-Language": "en"}),
    )
    anna.force_login(agents.anna)
    boris.force_login(agents.boris)
    anna.get(f"/desk/t/{ticket.number}/")
    TicketViewer.objects.filter(user=agents.anna).update(
        seen_at=timezone.now() - PRESENCE_WINDOW - timedelta(seconds=1)
    )
    html = boris.post(f"/desk/t/{ticket.number}/presence/").content.decode()
    assert "Also open" not in html
    # Coming back later counts as opening it anew.
    anna.post(f"/desk/t/{ticket.number}/presence/")
    viewer = TicketViewer.objects.get(user=agents.anna)
    assert viewer.opened_at == viewer.seen_at
    assert "Anna (since" in boris.post(f"/desk/t/{ticket.number}/presence/").content.decode()


def test_opening_a_ticket_forgets_the_agents_stale_rows(agents: Agents, ticket: Ticket) -> None:
    other = file_ticket(agents.world, "Почта", team=agents.world.team)
    long_ago = timezone.now() - timedelta(hours=2)
    TicketViewer.objects.create(
        ticket=other, user=agents.anna, opened_at=long_ago, seen_at=long_ago
    )
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(agents.anna)
    client.get(f"/desk/t/{ticket.number}/")
    assert list(TicketViewer.objects.values_list("ticket_id", flat=True)) == [ticket.pk]


def test_customers_and_outsiders_get_no_heartbeat(agents: Agents, client: Client) -> None:
    secret = file_ticket(agents.world, "Утечка", team=agents.security)
    client.force_login(agents.oleg)
    assert client.post(f"/desk/t/{secret.number}/presence/").status_code == 403
    client.force_login(agents.anna)
    assert client.post(f"/desk/t/{secret.number}/presence/").status_code == 404
    assert not TicketViewer.objects.exists()
