"""Who may open what in the portal: every URL and file × every persona. A ticket or a
file one may not see answers 404 — exactly like one that does not exist."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import Customers
from zayavka.accounts.models import User
from zayavka.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "oleg", "irina", "maria", "pavel", "anna"]
# Oleg's ticket: Oleg filed it, Maria manages his company; nobody else sees it.
SEES_A = {"oleg", "maria"}


def sign_in(client: Client, customers: Customers, persona: str) -> None:
    if persona != "anonymous":
        user: User = getattr(customers, persona)
        client.force_login(user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_ticket_page(client: Client, customers: Customers, persona: str) -> None:
    sign_in(client, customers, persona)
    page = client.get(f"/portal/t/{customers.ticket_a.number}/")
    if persona == "anonymous":
        assert page.status_code == 302 and page["Location"].startswith("/portal/login/")
    else:
        assert page.status_code == (200 if persona in SEES_A else 404)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in SEES_A])
@pytest.mark.parametrize("action", ["reply", "solve", "reopen", "rate"])
def test_actions_on_a_ticket_one_may_not_see_change_nothing(
    client: Client, customers: Customers, persona: str, action: str
) -> None:
    sign_in(client, customers, persona)
    before = customers.ticket_a.messages.count(), customers.ticket_a.status_id
    page = client.post(
        f"/portal/t/{customers.ticket_a.number}/{action}/", {"text": "hi", "score": "5"}
    )
    assert page.status_code == (302 if persona == "anonymous" else 404)
    ticket = Ticket.objects.get(pk=customers.ticket_a.pk)
    assert (ticket.messages.count(), ticket.status_id) == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("which", ["public_file", "note_file", "withheld_file"])
def test_file_downloads(client: Client, customers: Customers, persona: str, which: str) -> None:
    sign_in(client, customers, persona)
    pk = getattr(customers, which).pk
    page = client.get(f"/portal/files/{pk}/")
    if persona == "anonymous":
        assert page.status_code == 302
    elif which == "public_file" and persona in SEES_A:
        assert page.status_code == 200
        assert page["Content-Disposition"].startswith("attachment")
        assert page["Content-Type"] == "application/octet-stream"
        assert b"".join(page.streaming_content) == b"public instruction"  # type: ignore[attr-defined]
    else:
        assert page.status_code == 404


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("oleg", {"ticket_a"}),
        ("irina", {"ticket_b"}),
        ("maria", {"ticket_a", "ticket_b"}),
        ("pavel", {"ticket_other"}),
    ],
)
def test_the_list_shows_one_s_own_or_one_s_company_s_tickets(
    client: Client, customers: Customers, persona: str, visible: set[str]
) -> None:
    sign_in(client, customers, persona)
    body = client.get("/portal/").content.decode()
    for name in ("ticket_a", "ticket_b", "ticket_other"):
        ticket: Ticket = getattr(customers, name)
        assert (f"/portal/t/{ticket.number}/" in body) == (name in visible), name


def test_the_list_needs_a_client_account(client: Client, customers: Customers) -> None:
    assert client.get("/portal/").status_code == 302
    client.force_login(customers.anna)
    assert client.get("/portal/").status_code == 404


def test_a_number_that_does_not_exist_looks_like_one_that_is_not_yours(
    client: Client, customers: Customers
) -> None:
    client.force_login(customers.oleg)
    assert client.get("/portal/t/999999/").status_code == 404
    assert client.get(f"/portal/t/{customers.ticket_b.number}/").status_code == 404


def test_the_thread_shows_no_internal_note_and_no_withheld_file(
    client: Client, customers: Customers
) -> None:
    client.force_login(customers.oleg)
    body = client.get(f"/portal/t/{customers.ticket_a.number}/").content.decode()
    assert "Проверьте, пожалуйста, ещё раз." in body
    assert "instruction.txt" in body
    assert "Внутренняя заметка" not in body and "secret-note.txt" not in body
    assert "setup.exe" not in body
    assert customers.ticket_a.messages.filter(kind=Message.Kind.NOTE).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_public_pages_answer_everyone(
    client: Client, customers: Customers, persona: str
) -> None:
    sign_in(client, customers, persona)
    for url in ("/portal/new/", "/portal/new/?embed=1", "/portal/new/thanks/"):
        assert client.get(url).status_code == 200, url
    for url in (
        "/portal/signup/",
        "/portal/login/",
        "/portal/password/reset/",
        "/portal/confirm/resend/",
    ):
        assert client.get(url).status_code in {200, 302}, url


@pytest.mark.parametrize("persona", PERSONAS)
def test_one_s_own_profile_and_password(client: Client, customers: Customers, persona: str) -> None:
    sign_in(client, customers, persona)
    profile = client.get("/portal/profile/")
    password = client.get("/portal/password/change/")
    if persona == "anonymous":
        for page in (profile, password):
            assert page.status_code == 302 and page["Location"].startswith("/portal/login/")
    elif persona == "anna":  # an agent without a contact has no client profile
        assert profile.status_code == 404
    else:
        assert profile.status_code == 200 and password.status_code == 200
        user: User = getattr(customers, persona)
        assert user.email in profile.content.decode()
