"""Every notice that concerns a ticket links to it: an agent's into the desk, a
requester's into the portal (unless the address may not see the thread). The mails are
rendered as the worker sends them, and their links are followed."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.factories import inbound, ticket_of
from tests.personas import Agents
from zayavka.accounts.models import ChannelPolicy, ContentKind
from zayavka.tickets import catalog, notices, outbox
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.assignment import assign_ticket
from zayavka.tickets.actions.messages import reply_to_requester
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.inbound import InboundAttachment, ReplyHints
from zayavka.tickets.models import Outbox, StatusCategory, Ticket
from zayavka.tickets.notices import Audience

pytestmark = pytest.mark.django_db

EMAILS = Path(settings.BASE_DIR) / "zayavka" / "templates" / "emails"
DESK = {
    "agent_assigned",
    "agent_new_ticket",
    "agent_requester_replied",
    "sla_warning",
    "sla_breach",
    "sla_escalated",
}
REQUESTER = {"ticket_created", "agent_reply", "ticket_resolved", "attachment_withheld"}
ACCOUNT = {"portal_confirm", "portal_password_reset"}
OLEG = "o.smirnov@romashka.ru"
PORTAL_LINK = re.compile(r"(\S*)(/portal/open/[^/\s]+/)")


def body_of(row: Outbox) -> str:
    """The body of the email the worker sent for this row."""
    outbox.deliver_due()
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT, row.last_error
    header = f"<{row.context['message_id']}>"
    (sent,) = [m for m in mail.outbox if m.extra_headers["Message-ID"] == header]
    return str(sent.body)


def row(template: str, recipient: str = OLEG) -> Outbox:
    return Outbox.objects.filter(template=template, recipient=recipient).latest("pk")


def desk_path(ticket: Ticket) -> str:
    return f"/desk/t/{ticket.number}/"


def portal_path(body: str) -> str:
    """The portal link of a requester's mail, checked to be on this site."""
    found = PORTAL_LINK.search(body)
    assert found, body
    assert found.group(1) == settings.SITE_URL
    return found.group(2)


def test_every_mail_template_is_known_here() -> None:
    """A new template must say whom it is for, and so how it links to its ticket."""
    names = {path.name.removesuffix(".txt") for path in EMAILS.glob("*.txt")}
    names = {name for name in names if not name.endswith(".subject")}
    assert names == DESK | REQUESTER | ACCOUNT


@pytest.mark.parametrize("template", sorted(DESK))
def test_each_notice_to_the_desk_links_to_the_ticket_in_the_workspace(
    agents: Agents, client: Client, template: str
) -> None:
    ticket = ticket_of(intake.receive(inbound(email=OLEG, subject="Сайт лежит")))
    Ticket.objects.filter(pk=ticket.pk).update(team=agents.world.team)
    notices.queue(
        [
            notices.build(
                ticket=ticket,
                audience=Audience.DESK,
                recipient=agents.anna.email,
                template=template,
                dedupe_key=f"test:{template}",
                context={"subject": ticket.subject, "target": "resolution", "deadline": "…"},
            )
        ]
    )
    body = body_of(row(template, agents.anna.email))
    assert f"{settings.SITE_URL}{desk_path(ticket)}" in body
    assert "/portal/" not in body  # the desk works in the workspace
    client.force_login(agents.anna)
    assert client.get(desk_path(ticket)).status_code == 200


@pytest.mark.parametrize("template", sorted(REQUESTER))
@pytest.mark.parametrize("echo", [True, False])
def test_each_notice_to_a_requester_links_to_the_request_when_the_address_may_see_it(
    agents: Agents, client: Client, template: str, echo: bool
) -> None:
    ticket = ticket_of(intake.receive(inbound(email=OLEG, subject="Сайт лежит")))
    notices.queue(
        [
            notices.build(
                ticket=ticket,
                audience=Audience.REQUESTER,
                echo=echo,
                recipient=OLEG,
                template=template,
                dedupe_key=f"test:{template}",
                context={"count": 1},  # attachment_withheld's number of files
            )
        ]
    )
    body = body_of(row(template))
    assert "/desk/" not in body
    if not echo:
        assert "/portal/open/" not in body
        return
    page = client.get(portal_path(body))
    assert page.status_code == 200
    assert "Сайт лежит" in page.content.decode()


def test_the_desks_notices_from_intake_and_assignment_link_to_the_ticket(
    agents: Agents, client: Client
) -> None:
    world = agents.world
    ticket = ticket_of(intake.receive(inbound(email=OLEG, subject="Сайт лежит")))
    Ticket.objects.filter(pk=ticket.pk).update(team=world.team)
    ticket.refresh_from_db()
    assign_ticket(ticket, agent=agents.anna)
    # Oleg answers the registration notice.
    notice = row("ticket_created").context["message_id"]
    intake.receive(
        inbound(
            "Всё ещё лежит",
            email=OLEG,
            subject=f"Re: [#{ticket.display_number}] Сайт лежит",
            external_id="second",
            reply=ReplyHints(message_ids=(notice,)),
        )
    )
    client.force_login(agents.anna)
    for template in ("agent_assigned", "agent_requester_replied"):
        body = body_of(row(template, agents.anna.email))
        assert f"{settings.SITE_URL}{desk_path(ticket)}" in body, template
    assert client.get(desk_path(ticket)).status_code == 200

    heads_up = ticket_of(
        intake.receive(inbound(email=OLEG, subject="Не уходит почта", category="site-down"))
    )
    assert heads_up.team_id == world.team.pk  # the category routes it to the web team
    body = body_of(row("agent_new_ticket", world.team.email))
    assert f"{settings.SITE_URL}{desk_path(heads_up)}" in body


def test_the_requesters_notices_link_to_the_request_and_rate_it(
    agents: Agents, client: Client
) -> None:
    ChannelPolicy.objects.create(
        contract=agents.world.romashka_contract,
        channel="email",
        max_attachment_bytes=300 * 1024,
        allowed_kinds=[ContentKind.DOCUMENT],
    )
    big = InboundAttachment(
        filename="logs.pdf", content_type="application/pdf", content=b"x" * 400 * 1024
    )
    ticket = ticket_of(
        intake.receive(inbound(email=OLEG, subject="Сайт лежит", attachments=(big,)))
    )
    Ticket.objects.filter(pk=ticket.pk).update(team=agents.world.team)
    ticket.refresh_from_db()
    reply_to_requester(ticket, agents.anna, "Перезапустили, проверьте.")
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED), actor_user=agents.anna)
    for template in ("ticket_created", "attachment_withheld", "agent_reply"):
        page = client.get(portal_path(body_of(row(template))))
        assert page.status_code == 200 and "Перезапустили, проверьте." in page.content.decode()

    resolved = body_of(row("ticket_resolved"))
    assert client.get(portal_path(resolved)).status_code == 200
    rating = re.search(rf"5: {re.escape(settings.SITE_URL)}(/rate/\S+/)\?score=5", resolved)
    assert rating, resolved
    form = client.get(rating.group(1), {"score": "5"})
    assert form.status_code == 200 and ticket.display_number in form.content.decode()


# --- mail queued before the links were built in templates --------------------------------


def old_row(template: str, recipient: str, context: dict[str, Any]) -> Outbox:
    """An outbox row as the code before `notices` wrote it: URLs made in Python, no
    tokens, no ticket's integer number in an agent's notice."""
    now = timezone.now() - timedelta(minutes=1)
    result: Outbox = Outbox.objects.create(
        kind=Outbox.Kind.EMAIL,
        dedupe_key=f"old:{template}",
        recipient=recipient,
        template=template,
        language="ru",
        context={
            "site_url": settings.SITE_URL,
            "message_id": f"zv.old.{template}@zayavka.localhost",
            "in_reply_to": "",
            **context,
        },
        next_attempt_at=now,
        created_at=now,
    )
    return result


def test_mail_queued_the_old_way_is_still_delivered_with_its_links(agents: Agents) -> None:
    ticket = ticket_of(intake.receive(inbound(email=OLEG, subject="Сайт лежит")))
    Outbox.objects.all().delete()
    site = settings.SITE_URL
    about = {"number": ticket.display_number, "ticket_key": ticket.key, "subject": "Сайт лежит"}
    thread = {**about, "ticket_url": f"{site}/portal/open/old-token/"}
    anna = agents.anna.email
    expected = {
        old_row(
            "ticket_created", OLEG, thread
        ): f"Следить за заявкой: {site}/portal/open/old-token/",
        old_row("agent_reply", OLEG, {**thread, "text": "Ответ"}): f"{site}/portal/open/old-token/",
        old_row(
            "ticket_resolved", OLEG, {**thread, "rating_url": f"{site}/rate/old-rating/"}
        ): f"5: {site}/rate/old-rating/?score=5",
        old_row("attachment_withheld", OLEG, {**thread, "count": 1}): "/portal/open/old-token/",
        # The desk's notices linked to the site's root: they still do.
        old_row("agent_assigned", anna, about): f"{site}/\n",
        old_row("agent_new_ticket", anna, about): f"{site}/\n",
        old_row("agent_requester_replied", anna, about): f"{site}/\n",
        old_row("sla_warning", anna, {**about, "ticket_number": ticket.number}): (
            f"{site}{desk_path(ticket)}"
        ),
        old_row("portal_confirm", "irina@tulpan.example", {"link": f"{site}/confirm-old/"}): (
            f"{site}/confirm-old/"
        ),
        old_row("portal_password_reset", OLEG, {"link": f"{site}/reset-old/"}): (
            f"{site}/reset-old/"
        ),
    }
    for item, link in expected.items():
        assert link in body_of(item) + "\n", item.template
