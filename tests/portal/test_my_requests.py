"""My requests: the requester follows, answers, closes and rates; a manager sees the
company's requests; an email link opens one ticket without signing in."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.personas import Customers
from zayavka.accounts.models import ChannelPolicy
from zayavka.tickets import catalog, tokens
from zayavka.tickets.actions.messages import add_message
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.models import (
    EventKind,
    Message,
    Outbox,
    StatusCategory,
    Ticket,
    TicketRating,
)

pytestmark = pytest.mark.django_db


def reply_token(client: Client, ticket: Ticket) -> str:
    page = client.get(f"/portal/t/{ticket.number}/").content.decode()
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def resolve(ticket: Ticket) -> Ticket:
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED))
    return Ticket.objects.get(pk=ticket.pk)


def test_a_reply_with_a_file_reaches_the_desk_as_the_requester_s_message(
    client: Client, customers: Customers
) -> None:
    client.force_login(customers.oleg)
    ticket = customers.ticket_a
    log = SimpleUploadedFile("error.log", b"502 Bad Gateway", content_type="text/plain")
    data = {"token": reply_token(client, ticket), "text": "Снова 502", "attachments": [log]}
    page = client.post(f"/portal/t/{ticket.number}/reply/", data)
    assert page.status_code == 302
    # The same form sent again is the same message.
    client.post(f"/portal/t/{ticket.number}/reply/", {**data, "attachments": []})
    message = ticket.messages.get(text="Снова 502")
    assert message.direction == Message.Direction.INBOUND
    assert message.channel == "portal"
    assert message.author_contact == customers.world.oleg
    assert [a.filename for a in message.attachments.all()] == ["error.log"]
    assert "error.log" in client.get(f"/portal/t/{ticket.number}/").content.decode()


def test_a_reply_with_a_file_the_policy_refuses_keeps_the_text(
    client: Client, customers: Customers
) -> None:
    ChannelPolicy.objects.create(
        contract=customers.world.romashka_contract, channel="portal", max_attachment_bytes=1024
    )
    client.force_login(customers.oleg)
    ticket = customers.ticket_a
    big = SimpleUploadedFile("dump.bin", b"x" * 2048)
    page = client.post(
        f"/portal/t/{ticket.number}/reply/",
        {
            "token": reply_token(client, ticket),
            "text": "Вот дамп <b>памяти</b>",
            "attachments": [big],
        },
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert "dump.bin is 2.0" in body and "choose the files again" in body
    assert "Вот дамп &lt;b&gt;памяти&lt;/b&gt;" in body
    assert not ticket.messages.filter(channel="portal").exists()


def test_problem_solved_resolves_and_the_rating_is_saved(
    client: Client, customers: Customers
) -> None:
    client.force_login(customers.oleg)
    ticket = customers.ticket_a
    client.post(f"/portal/t/{ticket.number}/solve/")
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.RESOLVED
    assert Outbox.objects.filter(template="ticket_resolved").exists()
    page = client.get(f"/portal/t/{ticket.number}/").content.decode()
    assert "Rate the solution" in page
    client.post(f"/portal/t/{ticket.number}/rate/", {"score": "4", "comment": "Быстро"})
    rating = TicketRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment, rating.resolved_at) == (4, "Быстро", ticket.resolved_at)


def test_reopening_a_resolved_ticket(client: Client, customers: Customers) -> None:
    ticket = resolve(customers.ticket_a)
    client.force_login(customers.oleg)
    client.post(f"/portal/t/{ticket.number}/reopen/")
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.OPEN
    assert ticket.events.filter(kind=EventKind.REOPENED).exists()


def test_a_reply_to_a_resolved_ticket_reopens_it(client: Client, customers: Customers) -> None:
    ticket = resolve(customers.ticket_a)
    client.force_login(customers.oleg)
    client.post(
        f"/portal/t/{ticket.number}/reply/",
        {"token": reply_token(client, ticket), "text": "Не помогло"},
    )
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.OPEN


def test_only_the_requester_rates(client: Client, customers: Customers) -> None:
    ticket = resolve(customers.ticket_a)
    client.force_login(customers.maria)
    assert "Rate the solution" not in client.get(f"/portal/t/{ticket.number}/").content.decode()
    assert client.post(f"/portal/t/{ticket.number}/rate/", {"score": "1"}).status_code == 404
    assert not TicketRating.objects.exists()


def test_a_manager_filters_the_company_s_requests(client: Client, customers: Customers) -> None:
    resolve(customers.ticket_b)
    client.force_login(customers.maria)
    a, b = customers.ticket_a, customers.ticket_b
    by_status = client.get("/portal/", {"status": "resolved"}).content.decode()
    assert f"/portal/t/{b.number}/" in by_status and f"/portal/t/{a.number}/" not in by_status
    by_person = client.get("/portal/", {"requester": customers.world.oleg.pk}).content.decode()
    assert f"/portal/t/{a.number}/" in by_person and f"/portal/t/{b.number}/" not in by_person
    assert "Ирина Белова" in client.get("/portal/").content.decode()


def test_a_requester_has_no_requester_filter(client: Client, customers: Customers) -> None:
    client.force_login(customers.oleg)
    assert 'name="requester"' not in client.get("/portal/").content.decode()


def test_an_email_link_opens_the_ticket_without_signing_in(
    client: Client, customers: Customers
) -> None:
    path = reverse("portal:open", args=[tokens.ticket_token(customers.ticket_a.pk)])
    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Проверьте, пожалуйста, ещё раз." in body
    assert "Внутренняя заметка" not in body
    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get(f"/portal/open/{customers.ticket_a.number}/").status_code == 404


def test_script_tags_in_the_thread_are_shown_escaped(client: Client, customers: Customers) -> None:
    ticket = Ticket.objects.get(pk=customers.ticket_a.pk)
    Ticket.objects.filter(pk=ticket.pk).update(subject="<script>alert(1)</script>")
    add_message(
        ticket,
        direction=Message.Direction.INBOUND,
        channel="web",
        text="<script>alert(2)</script>",
        author_contact=customers.world.oleg,
    )
    client.force_login(customers.oleg)
    for url in ("/portal/", f"/portal/t/{ticket.number}/"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(client: Client, customers: Customers) -> None:
    ticket = customers.ticket_a
    change_status(ticket, catalog.status_for(StatusCategory.CLOSED))
    client.force_login(customers.oleg)
    page = client.post(
        f"/portal/t/{ticket.number}/reply/",
        {"token": reply_token(client, ticket), "text": "Опять сломалось"},
    )
    follow_up = Ticket.objects.get(messages__text="Опять сломалось")
    assert follow_up.pk != ticket.pk
    assert page["Location"] == f"/portal/t/{follow_up.number}/"
    assert client.get(page["Location"]).status_code == 200
