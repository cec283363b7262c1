"""Signed links to one ticket's public thread, for the emails we send its requester.

Kept free of the portal's views and of the ticket actions, so that the notifications
(which the actions import) can use it without an import cycle."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.core import signing
from django.urls import reverse

if TYPE_CHECKING:
    from zayavka.tickets.models import Ticket

LINK_SALT = "zayavka.portal.ticket"
LINK_MAX_AGE = timedelta(days=30)


def ticket_link(ticket: Ticket) -> str:
    """A signed, expiring path that shows the ticket to whoever holds the email it was
    sent in; no ticket number and address can be guessed into one."""
    token = signing.TimestampSigner(salt=LINK_SALT).sign_object({"t": ticket.pk})
    return reverse("portal:open", args=[token])


def linked_ticket_pk(token: str) -> int:
    """The ticket a link was made for. signing.BadSignature (SignatureExpired included)
    for a forged or old link; KeyError, TypeError or ValueError for a malformed one."""
    data = signing.TimestampSigner(salt=LINK_SALT).unsign_object(token, max_age=LINK_MAX_AGE)
    return int(data["t"])
