"""Files of a ticket's thread: putting back the ones the channel policy withheld (R9)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from zayavka.accounts.models import User
from zayavka.tickets import access
from zayavka.tickets.actions.events import record_event
from zayavka.tickets.models import Attachment, EventKind


def release_attachments(attachments: Iterable[Attachment], *, by: User | None = None) -> int:
    """Put withheld attachments back into their thread; returns how many were released.

    Each release is recorded on its ticket. Releasing one twice changes nothing.
    PermissionDenied, before anything is released, when `by` may not work on one of
    their tickets (None: the desk itself).
    """
    attachments = list(attachments)
    access.check_may_work(by, *(att.ticket for att in attachments))
    released = 0
    now = timezone.now()
    with transaction.atomic():
        for att in attachments:
            if not Attachment.objects.filter(pk=att.pk, withheld=True).update(
                withheld=False, withheld_reason=""
            ):
                continue
            released += 1
            record_event(
                att.ticket,
                EventKind.ATTACHMENT_RELEASED,
                actor_user=by,
                at=now,
                data={
                    "attachment": att.pk,
                    "message": att.message_id,
                    "filename": att.filename,
                    "reason": att.withheld_reason,
                },
            )
    return released
