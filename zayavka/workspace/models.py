"""The workspace's own tables: canned responses (ready answers an agent inserts into a
reply and edits before sending) and who has which ticket open now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The only placeholders a canned text may hold. They are replaced by plain text, never
# through the template engine: a canned text is written by people, not by developers.
PLACEHOLDERS = ("requester_name", "ticket_number")
_PLACEHOLDER = re.compile(r"\{\{\s*(" + "|".join(PLACEHOLDERS) + r")\s*\}\}")


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """The text with {{ requester_name }} and {{ ticket_number }} replaced by `values`;
    anything else that looks like a placeholder stays as it was written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


class CannedResponseQuerySet(models.QuerySet["CannedResponse"]):
    def for_language(self, language: str) -> CannedResponseQuerySet:
        """The active responses written in `language` or for any language."""
        return self.filter(is_active=True).filter(
            models.Q(language="") | models.Q(language=language[:2])
        )


class CannedResponse(models.Model):
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(
        _("text"),
        help_text=_("May contain {{ requester_name }} and {{ ticket_number }}."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Offered to agents reading the desk in this language; empty: to all."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = CannedResponseQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title", "pk"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return self.title


# How long an agent counts as having a ticket open after the page last told us: the page
# checks in every 20 seconds, so two missed heartbeats in a row still count.
PRESENCE_WINDOW = timedelta(seconds=60)


class TicketViewerQuerySet(models.QuerySet["TicketViewer"]):
    def touch(self, ticket_id: int, user_id: int, *, composing: bool = False) -> None:
        """Note that the agent has the ticket open now (and whether they are typing a
        reply). Usually one UPDATE; an agent who had not had it open within the window
        gets a fresh row, "open since" now, written by one upsert that two processes can
        race on safely."""
        now = timezone.now()
        fresh = self.filter(
            ticket_id=ticket_id, user_id=user_id, seen_at__gte=now - PRESENCE_WINDOW
        ).update(seen_at=now, composing=composing)
        if not fresh:
            TicketViewer.objects.bulk_create(
                [
                    TicketViewer(
                        ticket_id=ticket_id,
                        user_id=user_id,
                        opened_at=now,
                        seen_at=now,
                        composing=composing,
                    )
                ],
                update_conflicts=True,
                unique_fields=["ticket", "user"],
                update_fields=["opened_at", "seen_at", "composing"],
            )

    def others(
        self, ticket_id: int, user_id: int, *, now: datetime | None = None
    ) -> list[TicketViewer]:
        """The other agents who have the ticket open now, who opened it first first."""
        cutoff = (now or timezone.now()) - PRESENCE_WINDOW
        return list(
            self.filter(ticket_id=ticket_id, seen_at__gte=cutoff)
            .exclude(user_id=user_id)
            .select_related("user")
            .order_by("opened_at", "pk")
        )

    def forget_stale(self, user_id: int) -> None:
        """Drop the agent's rows for tickets they have left, so the table stays as small
        as the number of agents."""
        self.filter(user_id=user_id, seen_at__lt=timezone.now() - PRESENCE_WINDOW).delete()


class TicketViewer(models.Model):
    """An agent who has a ticket's page open, kept fresh by the page's heartbeat: other
    agents see who else is on the ticket. A table rather than process memory, because
    the desk runs several web processes."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agent"),
    )
    opened_at = models.DateTimeField(_("open since"))
    seen_at = models.DateTimeField(_("last seen"))
    composing = models.BooleanField(_("typing a reply"), default=False)

    objects = TicketViewerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket viewer")
        verbose_name_plural = _("ticket viewers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="one_viewer_row_per_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.ticket_id}"
