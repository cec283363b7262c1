"""Mail about portal accounts (confirmation, password recovery), through the outbox.

These messages belong to no ticket, so they are queued here rather than through
`notifications.queue_email`; the worker delivers them like every other notice.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from zayavka.accounts.normalize import email_key
from zayavka.tickets.models import Outbox


def queue_account_email(
    *, recipient: str, template: str, dedupe_key: str, context: dict[str, Any]
) -> None:
    """Queue one account email; the same dedupe_key twice is a no-op. Links in the
    context are paths: the site address is added here."""
    host = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "zayavka.localhost"
    now = timezone.now()
    row = Outbox(
        kind=Outbox.Kind.EMAIL,
        dedupe_key=dedupe_key[:300],
        ticket=None,
        recipient=email_key(recipient)[:320],
        template=template,
        automatic=True,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        context={
            **context,
            "site_url": settings.SITE_URL,
            "link": settings.SITE_URL + str(context.get("path", "")),
            "message_id": f"zv.account.{secrets.token_hex(8)}@{host}",
            "in_reply_to": "",
        },
        next_attempt_at=now,
        created_at=now,
    )
    Outbox.objects.bulk_create([row], ignore_conflicts=True)
