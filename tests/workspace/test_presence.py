"""Who else has the ticket open: the page and its heartbeat tell each agent about the
others who have it open now, and forget those who left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.workspace.conftest import Desk, file_ticket
from zayavka.tickets.models import Ticket
from zayavka.workspace.models import PRESENCE_WINDOW, TicketViewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(desk: Desk) -> Ticket:
    return file_ticket(desk.world, "Сайт не открывается", team=desk.world.team)


def test_the_second_agent_sees_the_first_and_who_is_typing(desk: Desk, ticket: Ticket) -> None:
    anna, boris = (
        Client(headers={"Accept-Language": "en"}),
        Client(headers={"Accept-Language": "en"}),
    )
    anna.force_login(desk.anna)
    boris.force_login(desk.boris)
    page = anna.get(f"/desk/t/{ticket.number}/").content.decode()
    assert 'hx-trigger="every 20s"' in page and "Also open" not in page
    opened = TicketViewer.objects.get(user=desk.anna).opened_at

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
    assert TicketViewer.objects.get(user=desk.anna).opened_at == opened


def test_an_agent_who_left_is_no_longer_listed(desk: Desk, ticket: Ticket) -> None:
    anna, boris = (
        Client(headers={"Accept-Language": "en"}),
        Client(headers={"Accept-Language": "en"}),
    )
    anna.force_login(desk.anna)
    boris.force_login(desk.boris)
    anna.get(f"/desk/t/{ticket.number}/")
    TicketViewer.objects.filter(user=desk.anna).update(
        seen_at=timezone.now() - PRESENCE_WINDOW - timedelta(seconds=1)
    )
    html = boris.post(f"/desk/t/{ticket.number}/presence/").content.decode()
    assert "Also open" not in html
    # Coming back later counts as opening it anew.
    anna.post(f"/desk/t/{ticket.number}/presence/")
    viewer = TicketViewer.objects.get(user=desk.anna)
    assert viewer.opened_at == viewer.seen_at
    assert "Anna (since" in boris.post(f"/desk/t/{ticket.number}/presence/").content.decode()


def test_opening_a_ticket_forgets_the_agents_stale_rows(desk: Desk, ticket: Ticket) -> None:
    other = file_ticket(desk.world, "Почта", team=desk.world.team)
    long_ago = timezone.now() - timedelta(hours=2)
    TicketViewer.objects.create(ticket=other, user=desk.anna, opened_at=long_ago, seen_at=long_ago)
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(desk.anna)
    client.get(f"/desk/t/{ticket.number}/")
    assert list(TicketViewer.objects.values_list("ticket_id", flat=True)) == [ticket.pk]


def test_customers_and_outsiders_get_no_heartbeat(desk: Desk, client: Client) -> None:
    secret = file_ticket(desk.world, "Утечка", team=desk.security)
    client.force_login(desk.oleg)
    assert client.post(f"/desk/t/{secret.number}/presence/").status_code == 403
    client.force_login(desk.anna)
    assert client.post(f"/desk/t/{secret.number}/presence/").status_code == 404
    assert not TicketViewer.objects.exists()
