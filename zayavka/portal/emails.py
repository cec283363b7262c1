"""Mail about portal accounts (confirmation, password recovery), through the outbox.

These messages belong to no ticket; `notices` builds and queues them like every other
notice, and their templates build their links with ``{% url %}`` from the tokens in the
context.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation

from zayavka.tickets import notices
from zayavka.tickets.notices import Audience


def queue_account_email(
    *, recipient: str, template: str, dedupe_key: str, context: dict[str, Any]
) -> None:
    """Queue one account email in the current language; the same dedupe_key twice is a
    no-op. It counts toward the recipient's caps on automatic mail but is never held
    back by them: a person who asked for it is waiting for it (sign-ups and password
    requests have their own limits, in `accounts.throttle`). Links are the templates'
    (``{% url %}``) from the tokens in the context; rows queued before carry a ready
    ``link``, which the templates still show.
    """
    notices.queue(
        [
            notices.build(
                audience=Audience.REQUESTER,
                recipient=recipient,
                template=template,
                dedupe_key=dedupe_key,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                capped=False,
                context=context,
            )
        ]
    )


def queue_password_reset(*, recipient: str, uidb64: str, token: str, dedupe_key: str) -> None:
    """The password recovery email, with the link to Django's form for a new password."""
    queue_account_email(
        recipient=recipient,
        template="portal_password_reset",
        dedupe_key=dedupe_key,
        context={"uidb64": uidb64, "token": token},
    )
