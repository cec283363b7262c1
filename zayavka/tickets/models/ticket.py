"""The ticket, its links and its participants."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Channel
from zayavka.tickets.models.catalog import StatusCategory, Urgency


def new_ticket_key() -> str:
    return secrets.token_urlsafe(18)


def format_ticket_number(number: int) -> str:
    fmt: str = settings.ZAYAVKA_TICKET_NUMBER_FORMAT
    return fmt.format(number=number)


class Verification(models.TextChoices):
    """How sure we are that the requester is who they say (R27)."""

    NONE = "none", _("Not verified")
    ADDRESS = "address", _("Registered address, sender not authenticated")
    AUTHENTICATED = "authenticated", _("Verified")


class TicketCounter(models.Model):
    """One row per sequence; the next public ticket number is value + 1."""

    name = models.CharField(max_length=32, unique=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Ticket(models.Model):
    number = models.BigIntegerField(_("number"), unique=True, editable=False)
    key = models.CharField(max_length=32, unique=True, default=new_ticket_key, editable=False)
    subject = models.CharField(_("subject"), max_length=500)
    requester = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("requester"),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("organization"),
    )
    contract = models.ForeignKey(
        "accounts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("contract"),
    )
    identified_by = models.CharField(_("client identified by"), max_length=32, blank=True)
    category = models.ForeignKey(
        "tickets.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("category"),
    )
    fields = models.JSONField(_("form fields"), default=dict, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    priority = models.ForeignKey(
        "tickets.Priority",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("priority"),
    )
    status = models.ForeignKey(
        "tickets.Status",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("status"),
    )
    # The status's category, kept beside it so that queues filter on one indexed column.
    state = models.CharField(_("state"), max_length=16, choices=StatusCategory.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("team"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    verification = models.CharField(
        _("requester verification"),
        max_length=16,
        choices=Verification.choices,
        default=Verification.NONE,
    )
    is_flagged = models.BooleanField(_("flagged"), default=False)
    flag_reason = models.CharField(_("flag reason"), max_length=300, blank=True)
    participants = models.ManyToManyField(
        "accounts.Contact",
        blank=True,
        related_name="participating_tickets",
        verbose_name=_("participants"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created"), db_index=True)
    updated_at = models.DateTimeField(_("updated"))
    last_inbound_at = models.DateTimeField(_("last message from requester"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    # The resolution clock stops while the ticket waits for the requester or is resolved;
    # sla_paused is the sum of finished pauses, in the clock's own measure.
    sla_paused_at = models.DateTimeField(_("SLA clock paused since"), null=True, blank=True)
    sla_paused = models.DurationField(_("SLA clock paused in total"), default=timedelta(0))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the SLA scanner must next look at this ticket (an escalation warning or a
    # breach falls due); NULL when nothing is pending. Indexed, so a pass reads only
    # the tickets that are due, however many are open.
    sla_next_check_at = models.DateTimeField(_("next SLA check"), null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["state", "resolution_due"], name="ticket_state_due"),
            models.Index(fields=["state", "-number"], name="ticket_state_number"),
            models.Index(fields=["assignee", "state"], name="ticket_assignee_state"),
            models.Index(fields=["team", "state"], name="ticket_team_state"),
            models.Index(fields=["organization", "state"], name="ticket_org_state"),
            models.Index(fields=["requester", "state"], name="ticket_requester_state"),
            models.Index(
                fields=["sla_next_check_at"],
                name="ticket_sla_next_check",
                condition=models.Q(sla_next_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"[#{self.display_number}] {self.subject}"

    @property
    def display_number(self) -> str:
        return format_ticket_number(self.number)

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.AUTHENTICATED


class TicketLink(models.Model):
    class Kind(models.TextChoices):
        RELATED = "related", _("Related")
        PARENT = "parent", _("Parent of")
        FOLLOW_UP = "follow_up", _("Follow-up of")
        MERGED = "merged", _("Merged into")

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TicketRating(models.Model):
    """The requester's score for one resolution of a ticket (R18)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("ticket")
    )
    resolved_at = models.DateTimeField(_("resolution"))
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "resolved_at"], name="one_rating_per_resolution"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"
