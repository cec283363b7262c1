"""Every workspace URL refuses anonymous visitors and customers; a restricted team's
tickets do not exist for agents outside it: not in queues, search, pages or downloads."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.tickets.actions.messages import add_note
from zayavka.tickets.models import Message, Ticket
from zayavka.tickets.uploads import Upload
from zayavka.workspace import urls as workspace_urls

pytestmark = pytest.mark.django_db

OPEN_TO_ALL = {"login", "logout"}


@pytest.fixture
def secret(agents: Agents) -> Ticket:
    ticket = file_ticket(agents.world, "Утечка пароля бухгалтерии", team=agents.security)
    add_note(
        ticket,
        agents.vera,
        "Журнал входов",
        [Upload("журнал.txt", "text/plain", b"secret log")],
    )
    return ticket


def every_url(ticket: Ticket) -> list[str]:
    """Each workspace URL, with arguments that point at `ticket` and its file."""
    attachment = ticket.attachments.get()
    samples = {
        "number": ticket.number,
        "slug": "mine",
        "pk": attachment.pk,
        "other": ticket.number,
        "file_pk": attachment.pk,
    }
    found = []
    for pattern in workspace_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in OPEN_TO_ALL:
            continue
        names = pattern.pattern.regex.groupindex
        found.append(reverse(f"workspace:{pattern.name}", kwargs={n: samples[n] for n in names}))
    return found


def test_anonymous_visitors_are_sent_to_sign_in_from_every_url(
    client: Client, secret: Ticket
) -> None:
    for url in every_url(secret):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/desk/login/?next="), url


def test_an_expired_session_inside_htmx_navigates_to_sign_in(client: Client, db: None) -> None:
    response = client.post("/desk/t/10001/note/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("workspace:login")


def test_customers_are_refused_everywhere(client: Client, agents: Agents, secret: Ticket) -> None:
    own = file_ticket(agents.world, "Мой вопрос")  # Oleg's own ticket: still not for the desk UI
    client.force_login(agents.oleg)
    for url in [*every_url(secret), reverse("workspace:ticket", args=[own.number])]:
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url


def test_a_customer_cannot_sign_in_to_the_workspace(client: Client, agents: Agents) -> None:
    response = client.post(reverse("workspace:login"), {"username": "oleg", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    agent = client.post(reverse("workspace:login"), {"username": "anna", "password": PASSWORD})
    assert agent.status_code == 302 and agent["Location"] == reverse("workspace:home")


def test_a_restricted_teams_ticket_is_hidden_from_other_agents(
    client: Client, agents: Agents, secret: Ticket
) -> None:
    visible = file_ticket(agents.world, "Утечка воды в серверной")
    client.force_login(agents.anna)
    page = client.get(reverse("workspace:ticket", args=[secret.number]))
    assert page.status_code == 404
    download = client.get(reverse("workspace:attachment", args=[secret.attachments.get().pk]))
    assert download.status_code == 404
    found = client.get(reverse("workspace:queue", args=["all"]), {"q": "Утечка"})
    assert visible.subject in found.content.decode()
    assert secret.subject not in found.content.decode()
    for queue in ("open", "unassigned", "all"):
        assert secret.subject not in client.get(f"/desk/q/{queue}/").content.decode()
    by_number = client.get(reverse("workspace:queue", args=["all"]), {"q": str(secret.number)})
    assert secret.subject not in by_number.content.decode()

    note = client.post(reverse("workspace:note", args=[secret.number]), {"note-text": "я тут"})
    assert note.status_code == 404
    client.post(
        reverse("workspace:bulk"),
        {"tickets": [secret.pk], "action": "priority", "priority": "urgent"},
    )
    secret.refresh_from_db()
    assert secret.priority.slug == "normal"
    assert not Message.objects.filter(ticket=secret, author_user=agents.anna).exists()


def test_the_restricted_teams_member_works_on_it(
    client: Client, agents: Agents, secret: Ticket
) -> None:
    client.force_login(agents.vera)
    page = client.get(reverse("workspace:ticket", args=[secret.number]))
    assert page.status_code == 200 and "Журнал входов" in page.content.decode()
    download = client.get(reverse("workspace:attachment", args=[secret.attachments.get().pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"secret log"  # type: ignore[attr-defined]
    found = client.get(reverse("workspace:queue", args=["all"]), {"q": "бухгалтерии"})
    assert secret.subject in found.content.decode()
