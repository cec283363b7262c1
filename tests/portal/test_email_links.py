"""The emails to a requester carry a signed link that opens their request's thread —
unless the address is not known to be theirs."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from tests.factories import inbound, ticket_of
from tests.personas import Customers
from zayavka.tickets import catalog, outbox
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.messages import reply_to_requester
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.models import Outbox, StatusCategory, Ticket

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(https?://\S+?)(/portal/open/[^/\s]+/)")


def delivered_to(address: str, template: str) -> str:
    """The body of the email the worker sent from the outbox row of this template."""
    assert Outbox.objects.filter(template=template, recipient=address).exists()
    mail.outbox.clear()
    outbox.deliver_due()
    row = Outbox.objects.filter(template=template, recipient=address).latest("pk")
    assert row.state == Outbox.State.SENT
    sent = [m for m in mail.outbox if m.to == [address]]
    assert sent, f"nothing sent to {address}"
    return str(sent[-1].body)


def follow(client: Client, body: str) -> str:
    """Open the link of the email, as the requester would; the page's text."""
    found = LINK.search(body)
    assert found, body
    assert found.group(1) == settings.SITE_URL
    page = client.get(found.group(2))
    assert page.status_code == 200
    return page.content.decode()


def email_request(sender: str, subject: str) -> Ticket:
    return ticket_of(intake.receive(inbound("Не работает сайт", email=sender, subject=subject)))


def test_the_registration_notice_links_to_the_request(client: Client, customers: Customers) -> None:
    ticket = email_request("o.smirnov@romashka.ru", "Сайт отдаёт 502")
    body = delivered_to("o.smirnov@romashka.ru", "ticket_created")
    assert "Следить за заявкой:" in body  # in the requester's Russian
    page = follow(client, body)
    assert ticket.display_number in page and "Сайт отдаёт 502" in page
    assert "Не работает сайт" in page


def test_an_unconfirmed_senders_acknowledgement_has_no_link(
    client: Client, customers: Customers
) -> None:
    email_request("stranger@spam.example", "Купите таблетки")
    row = Outbox.objects.get(template="ticket_created", recipient="stranger@spam.example")
    assert "ticket_token" not in row.context
    body = delivered_to("stranger@spam.example", "ticket_created")
    assert "/portal/open/" not in body and "Следить за заявкой" not in body


def test_the_desks_reply_links_to_the_thread_with_the_reply(
    client: Client, customers: Customers
) -> None:
    ticket = email_request("o.smirnov@romashka.ru", "Не уходит почта")
    reply_to_requester(ticket, customers.anna, "Очистили очередь, проверьте.")
    body = delivered_to("o.smirnov@romashka.ru", "agent_reply")
    page = follow(client, body)
    assert "Очистили очередь, проверьте." in page


def test_the_resolution_notice_links_to_the_request(client: Client, customers: Customers) -> None:
    ticket = email_request("o.smirnov@romashka.ru", "Принтер не печатает")
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED), actor_user=customers.anna)
    body = delivered_to("o.smirnov@romashka.ru", "ticket_resolved")
    assert "Принтер не печатает" in follow(client, body)


def test_an_unconfirmed_requesters_resolution_notice_has_no_link(customers: Customers) -> None:
    ticket = email_request("stranger@spam.example", "Купите таблетки")
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED), actor_user=customers.anna)
    body = delivered_to("stranger@spam.example", "ticket_resolved")
    assert "/portal/open/" not in body
