"""Canned responses: ready answers an agent inserts into a reply and edits before sending."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings
from django.db import models
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
