"""Who reads the knowledge base, across pages: a random key in the visitor's session.

It links the articles someone was shown (and answered «Помогло / Не помогло» on) to
the request they file afterwards, signed in or not: signing in keeps the session's data.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.http import HttpRequest

from zayavka.accounts.models import Contact
from zayavka.kb.actions import readers
from zayavka.kb.models import Article
from zayavka.tickets.access import is_agent

VISITOR = "kb_visitor"
# The articles already recorded as shown to this visitor: each is recorded once.
SHOWN = "kb_shown"
SHOWN_KEPT = 200


def visitor_of(request: HttpRequest) -> str:
    """The visitor's key, made (and kept in the session) on first need."""
    key = request.session.get(VISITOR)
    if not isinstance(key, str) or not key:
        key = secrets.token_hex(16)
        request.session[VISITOR] = key
    return key


def known_visitor(request: HttpRequest) -> str:
    """The visitor's key if they have one already ("" otherwise): never makes one."""
    key = request.session.get(VISITOR, "")
    return key if isinstance(key, str) else ""


def remember_shown(
    request: HttpRequest,
    articles: Sequence[Article],
    placement: str,
    contact: Contact | None,
) -> None:
    """Record the articles a visitor meets for the first time (`readers.record_shown`);
    the desk's agents reading their own knowledge base are not counted."""
    if not articles or is_agent(request.user):
        return
    seen = request.session.get(SHOWN, [])
    seen = seen if isinstance(seen, list) else []
    new = [a for a in articles if a.pk not in seen]
    if not new:
        return
    readers.record_shown(new, placement, visitor=visitor_of(request), contact=contact)
    request.session[SHOWN] = (seen + [a.pk for a in new])[-SHOWN_KEPT:]


def note_request_filed(request: HttpRequest, ticket_id: int | None) -> None:
    """The visitor filed a request: what they were shown did not prevent it."""
    visitor = known_visitor(request)
    if visitor and ticket_id is not None:
        readers.note_request_filed(visitor, ticket_id)
