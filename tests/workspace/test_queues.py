"""Queues, their counts, and the filters of a queue page, as an agent uses them."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ContactFactory, ContractFactory
from tests.personas import Agents, file_ticket
from zayavka.tickets import access, catalog
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.models import Priority, StatusCategory, Ticket
from zayavka.workspace import queues
from zayavka.workspace.queues import queue_counts

pytestmark = pytest.mark.django_db


def listed(client: Client, url: str, **params: str) -> set[str]:
    """The subjects a queue page lists."""
    response = client.get(url, params)
    assert response.status_code == 200
    return set(
        re.findall(r'<td class="subject"><a href="[^"]+">([^<]+)</a>', response.content.decode())
    )


def set_state(ticket: Ticket, category: str) -> None:
    change_status(ticket, catalog.status_for(category))


@pytest.fixture
def board(agents: Agents) -> dict[str, Ticket]:
    w = agents.world
    now = timezone.now()
    tickets = {
        "mine": file_ticket(w, "mine"),
        "unassigned": file_ticket(w, "unassigned"),
        "team": file_ticket(w, "team", team=w.team),
        "pending": file_ticket(w, "pending"),
        "risk": file_ticket(w, "risk"),
        "overdue": file_ticket(w, "overdue"),
        "resolved": file_ticket(w, "resolved"),
        "closed": file_ticket(w, "closed"),
        "secret": file_ticket(w, "secret", team=agents.security),
    }
    for name in ("mine", "pending", "risk", "overdue", "resolved", "closed"):
        Ticket.objects.filter(pk=tickets[name].pk).update(assignee=agents.anna)
    Ticket.objects.filter(pk=tickets["team"].pk).update(assignee=agents.boris)
    Ticket.objects.filter(pk=tickets["secret"].pk).update(assignee=agents.vera)
    Ticket.objects.update(resolution_due=now + timedelta(days=2), first_response_due=None)
    Ticket.objects.filter(pk=tickets["risk"].pk).update(resolution_due=now + timedelta(hours=1))
    Ticket.objects.filter(pk=tickets["overdue"].pk).update(resolution_due=now - timedelta(hours=1))
    for name, state in (
        ("pending", StatusCategory.PENDING),
        ("resolved", StatusCategory.RESOLVED),
        ("closed", StatusCategory.CLOSED),
    ):
        tickets[name].refresh_from_db()
        set_state(tickets[name], state)
    return tickets


QUEUES = {
    "mine": {"mine", "pending", "risk", "overdue"},
    "unassigned": {"unassigned"},
    "team": {"team"},
    "open": {"mine", "unassigned", "team", "pending", "risk", "overdue"},
    "pending": {"pending"},
    "at_risk": {"risk", "overdue"},
    "closed": {"resolved", "closed"},
    "all": {"mine", "unassigned", "team", "pending", "risk", "overdue", "resolved", "closed"},
}


def test_each_queue_holds_its_tickets_and_counts_them(
    agents: Agents, board: dict[str, Ticket], client: Client
) -> None:
    client.force_login(agents.anna)
    for queue, names in QUEUES.items():
        assert listed(client, f"/desk/q/{queue}/") == names, queue
    counts = queue_counts(agents.anna, timezone.now())
    assert counts == {q: len(n) for q, n in QUEUES.items() if q != "all"}


def test_the_restricted_teams_member_counts_its_tickets(
    agents: Agents, board: dict[str, Ticket]
) -> None:
    counts = queue_counts(agents.vera, timezone.now())
    assert counts["open"] == len(QUEUES["open"]) + 1
    assert counts["team"] == 1 and counts["mine"] == 1


def test_counts_stop_at_the_cap_and_show_it(
    agents: Agents, board: dict[str, Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queues, "COUNT_CAP", 3)
    counts = queue_counts(agents.anna, timezone.now())
    # «All open» holds six and «my open tickets» four: past the cap, shown as «999+».
    assert counts["open"] is None and counts["mine"] is None
    assert counts["at_risk"] == 2 and counts["unassigned"] == 1
    assert counts["closed"] == 2


def test_each_count_reads_at_most_the_cap(agents: Agents, board: dict[str, Ticket]) -> None:
    """However large the desk, a count reads no more than COUNT_CAP rows: every counting
    query is limited, one a queue."""
    access.is_agent(agents.anna)  # the viewer's teams are read once per request
    with CaptureQueriesContext(connection) as queries:
        queue_counts(agents.anna, timezone.now())
    counting = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counting) == len([q for q in queues.QUEUES if q.counted])
    assert all(f"LIMIT {queues.COUNT_CAP}" in sql for sql in counting)
    assert len(queries) == len(counting) + 1  # and my teams


def test_at_risk_is_ordered_by_the_nearest_deadline(
    agents: Agents, board: dict[str, Ticket], client: Client
) -> None:
    client.force_login(agents.anna)
    html = client.get("/desk/q/at_risk/").content.decode()
    assert html.index(">overdue<") < html.index(">risk<")


def test_filters_narrow_the_queue(agents: Agents, client: Client) -> None:
    w = agents.world
    contract = ContractFactory.create(organization=w.veter, number="В-1")
    volkov = ContactFactory.create(name="Андрей Волков", organization=w.veter)
    urgent = Priority.objects.get(slug="urgent")
    file_ticket(w, "plain")
    file_ticket(
        w, "veter", requester=volkov, contract=contract, priority=urgent, channel="telegram"
    )
    web = file_ticket(w, "web", team=w.team, category=w.category)
    Ticket.objects.filter(pk=web.pk).update(assignee=agents.boris)
    old = file_ticket(w, "old", at=timezone.now() - timedelta(days=40))
    set_state(old, StatusCategory.PENDING)
    client.force_login(agents.anna)
    url = "/desk/q/all/"
    assert listed(client, url, priority="urgent") == {"veter"}
    assert listed(client, url, organization=str(w.veter.pk)) == {"veter"}
    assert listed(client, url, contract=str(contract.pk)) == {"veter"}
    assert listed(client, url, channel="telegram") == {"veter"}
    assert listed(client, url, category=w.category.slug) == {"web"}
    assert listed(client, url, team=str(w.team.pk)) == {"web"}
    assert listed(client, url, assignee=str(agents.boris.pk)) == {"web"}
    assert listed(client, url, assignee="none") == {"plain", "veter", "old"}
    assert listed(client, url, status="pending") == {"old"}
    month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert listed(client, url, created_to=month_ago) == {"old"}
    assert listed(client, url, created_from=month_ago) == {"plain", "veter", "web"}
    assert listed(client, url, priority="urgent", channel="email") == set()


def test_a_bad_filter_is_shown_and_left_out(agents: Agents, client: Client) -> None:
    file_ticket(agents.world, "plain")
    client.force_login(agents.anna)
    response = client.get("/desk/q/all/", {"priority": "nonsense", "created_from": "2026-13-45"})
    assert response.status_code == 200
    assert response.content.decode().count('class="errors"') == 2
    assert listed(client, "/desk/q/all/", priority="nonsense") == {"plain"}
    restricted = client.get("/desk/q/all/", {"team": str(agents.security.pk)})
    assert 'class="errors"' in restricted.content.decode()  # not a team anna may see


def test_sorting_by_number_both_ways(agents: Agents, client: Client) -> None:
    made = [file_ticket(agents.world, f"t{i}") for i in range(3)]
    client.force_login(agents.anna)
    for sort, expected in (("number", made), ("-number", made[::-1])):
        html = client.get("/desk/q/all/", {"sort": sort}).content.decode()
        positions = [html.index(f">{t.subject}<") for t in expected]
        assert positions == sorted(positions), sort


def test_an_unknown_queue_is_not_found(agents: Agents, client: Client) -> None:
    client.force_login(agents.anna)
    assert client.get("/desk/q/nonsense/").status_code == 404


def test_bulk_changes_status_priority_and_assignee(agents: Agents, client: Client) -> None:
    w = agents.world
    first, second, other = (file_ticket(w, s, team=w.team) for s in ("first", "second", "other"))
    client.force_login(agents.anna)
    picked = [first.pk, second.pk]

    def bulk(**data: object) -> None:
        response = client.post("/desk/bulk/", {"tickets": picked, "next": "/desk/q/open/", **data})
        assert response.status_code == 302 and response["Location"] == "/desk/q/open/"

    bulk(action="status", status="pending")
    bulk(action="priority", priority="high")
    bulk(action="assign", agent=str(agents.boris.pk))
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert (ticket.status.slug, ticket.priority.slug, ticket.assignee) == (
            "pending",
            "high",
            agents.boris,
        )
        kinds = set(ticket.events.filter(actor_user=agents.anna).values_list("kind", flat=True))
        assert {"status", "priority", "assigned"} <= kinds
    other.refresh_from_db()
    assert other.status.slug == "new" and other.assignee is None

    bulk(action="team", team=str(agents.security.pk))  # not a team anna may see: refused
    first.refresh_from_db()
    assert first.team == w.team


def test_bulk_assign_refuses_an_agent_outside_a_restricted_team(
    agents: Agents, client: Client
) -> None:
    secret = file_ticket(agents.world, "secret", team=agents.security)
    client.force_login(agents.vera)
    client.post(
        "/desk/bulk/", {"tickets": [secret.pk], "action": "assign", "agent": str(agents.anna.pk)}
    )
    secret.refresh_from_db()
    assert secret.assignee is None
    messages = [str(m) for m in client.get("/desk/q/open/").context["messages"]]
    assert any(secret.display_number in m for m in messages)


@pytest.mark.postgres
def test_the_migration_indexes_the_deadline_the_at_risk_queue_orders_by() -> None:
    """PostgreSQL uses an expression index only for the very same expression: the one
    with_next_due() writes, as the migration spells it (quotes and table names aside)."""
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    migration = importlib.import_module("zayavka.workspace.migrations.0002_queue_indexes")
    sql = str(queues.with_next_due(Ticket.objects.all()).query)
    written = "CASE " + sql.split(" CASE ", 1)[1].split(' AS "next_due"', 1)[0]
    written = written.replace('"tickets_ticket".', "").replace('"', "")
    assert written == migration.NEXT_DUE


def test_the_navigation_counts_come_in_their_own_request(agents: Agents, client: Client) -> None:
    """The page is sent without counting; it asks /desk/counts/ for the figures."""
    client.force_login(agents.anna)
    page = client.get("/desk/q/open/").content.decode()
    assert (
        'hx-get="/desk/counts/?current=open" hx-trigger="load, zv-ticket-changed from:body"' in page
    )
    assert 'class="count"' not in page
    counts = queue_counts(agents.anna, timezone.now())
    nav = client.get("/desk/counts/?current=open").content.decode()
    assert nav.count('<span class="count">') == len(counts)
    assert f'<span class="count">{counts["open"]}</span>' in nav
    assert 'hx-trigger="every 60s, zv-ticket-changed from:body"' in nav  # and again a minute later
    current = re.search(r'<a href="/desk/q/open/" aria-current="page">', nav)
    assert current is not None


def test_the_rows_escape_what_requesters_typed(agents: Agents, client: Client) -> None:
    """The queue's rows are written in Python (workspace/rows.py): every value in them is
    escaped, in text and in attributes alike."""
    evil = '<script>alert("x")</script>'
    requester = ContactFactory.create(name=f"Злоумышленник {evil}")
    ticket = file_ticket(agents.world, f"Тема {evil}", requester=requester)
    Ticket.objects.filter(pk=ticket.pk).update(
        is_flagged=True, flag_reason=f'" onmouseover="{evil}'
    )
    client.force_login(agents.anna)
    page = client.get("/desk/q/all/").content.decode()
    assert "<script>" not in page and 'onmouseover="' not in page
    assert "Тема &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Злоумышленник &lt;script&gt;" in page
    assert 'title="&quot; onmouseover=&quot;&lt;script&gt;' in page
