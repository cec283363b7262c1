"""What only the portal keeps: requests of portal users to join their organization."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JoinRequest(models.Model):
    """A portal user asks to belong to an organization (R19); an agent or one of the
    organization's managers approves it. Until then the user sees only their own tickets."""

    class Via(models.TextChoices):
        EMAIL_DOMAIN = "email_domain", _("Email domain")
        CONTRACT = "contract", _("Contract number")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("contact"),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("organization"),
    )
    via = models.CharField(_("found by"), max_length=16, choices=Via.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("request to join an organization")
        verbose_name_plural = _("requests to join an organization")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "organization"],
                condition=models.Q(state="pending"),
                name="one_pending_join_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.organization} ({self.get_state_display()})"
