"""Who calls: the token of the request and the user it acts as, with the token's limits
(scopes, an organization) applied on top of the workspace's access rules."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from zayavka.accounts.models import Contact, User
from zayavka.api.errors import ApiError
from zayavka.api.models import ApiToken
from zayavka.api.tokens import Presented, present
from zayavka.tickets import access
from zayavka.tickets.models import Ticket


@dataclass(frozen=True)
class Caller:
    token: Presented
    user: User

    @property
    def is_integration(self) -> bool:
        return self.token.kind == ApiToken.Kind.INTEGRATION

    @property
    def organization_id(self) -> int | None:
        return self.token.organization_id

    def require(self, scope: str) -> None:
        if scope not in self.token.scopes:
            raise ApiError(403, "missing_scope", f"The token lacks the scope {scope}.")

    def tickets(self) -> QuerySet[Ticket]:
        """The tickets the token sees: its user's, narrowed to its organization."""
        tickets = access.agent_tickets(self.user)
        if self.organization_id is not None:
            tickets = tickets.filter(organization_id=self.organization_id)
        return tickets

    def ticket(self, number: int, *, write: bool = False) -> Ticket:
        """The ticket with this number if the token may see it (work on it, with
        `write`); Http404 otherwise, as in the workspace."""
        ticket = access.access_ticket(self.user, number, write=write)
        if self.organization_id is not None and ticket.organization_id != self.organization_id:
            raise Http404("no such ticket")
        return ticket

    def contacts(self) -> QuerySet[Contact]:
        contacts = Contact.objects.all()
        if self.organization_id is not None:
            contacts = contacts.filter(organization_id=self.organization_id)
        return contacts


class TokenAuth(HttpBearer):
    """`Authorization: Bearer zv_…`; each request counts against the token's rate limit."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        presented = present(token.strip())
        if presented is None:
            return None
        user = User.objects.filter(pk=presented.user_id, is_active=True).first()
        if user is None:
            return None
        request.rate_limit = presented  # type: ignore[attr-defined]
        if presented.over_limit:
            wait = max(1, math.ceil((presented.window_ends - timezone.now()).total_seconds()))
            raise ApiError(
                429,
                "rate_limited",
                f"Over {presented.rate_limit} requests a minute; try again in {wait} s.",
                headers={"Retry-After": str(wait)},
            )
        return Caller(token=presented, user=user)


def caller_of(request: HttpRequest) -> Caller:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, Caller)
    return auth
