"""The audit log: one row per change of the desk's configuration (contracts, SLA,
routing, the catalogue, people and their roles, channel policies, teams, canned
responses, mailboxes, sign-in authenticators), written by audit.recorder."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", pgettext_lazy("audit action", "created")
        UPDATE = "update", pgettext_lazy("audit action", "changed")
        DELETE = "delete", pgettext_lazy("audit action", "deleted")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Kept as text too: the entry outlives the account that made the change.
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("model")
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    # {field: [before, after]}; a many-to-many field: {field: {"added": [...], "removed": [...]}}.
    changes = models.JSONField(_("changes"), default=dict, encoder=DjangoJSONEncoder)
    # The request's method and path, or "command" outside a request.
    source = models.CharField(_("where"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '—'} {self.action} {self.object_repr}"
