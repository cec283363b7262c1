"""Signed tokens for the links we email: a ticket's public thread and one resolution's
rating. A leaf: it knows no views and no actions, so notices, actions and views all use
it; the URLs themselves are the templates' (`{% url %}`).

Neither token names the ticket's number: none can be guessed from an address and a
number, and each does the one thing it was issued for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core import signing

TICKET_SALT = "zayavka.portal.ticket"
TICKET_MAX_AGE = timedelta(days=30)
RATING_SALT = "zayavka.rating"
RATING_MAX_AGE = timedelta(days=60)


def ticket_token(ticket_pk: int) -> str:
    """A signed, expiring token that shows the ticket's public thread to whoever holds
    the email it was sent in (the portal's `open` page)."""
    return signing.TimestampSigner(salt=TICKET_SALT).sign_object({"t": ticket_pk})


def ticket_of_token(token: str) -> int:
    """The ticket a link was made for. signing.BadSignature (SignatureExpired included)
    for a forged or old link; KeyError, TypeError or ValueError for a malformed one."""
    data = signing.TimestampSigner(salt=TICKET_SALT).unsign_object(token, max_age=TICKET_MAX_AGE)
    return int(data["t"])


def rating_token(ticket_pk: int, resolved_at: datetime) -> str:
    """A token for rating this one resolution of the ticket; nothing else can be done
    with it, and a later resolution needs a new one."""
    return signing.dumps(
        {"t": ticket_pk, "r": resolved_at.isoformat()}, salt=RATING_SALT, compress=True
    )


def rating_of_token(token: str) -> tuple[int, datetime]:
    """The ticket id and resolution time a rating token was issued for.
    signing.BadSignature (or SignatureExpired) for a forged or old token; KeyError or
    ValueError for a malformed one."""
    data: dict[str, Any] = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
    return int(data["t"]), datetime.fromisoformat(str(data["r"]))
