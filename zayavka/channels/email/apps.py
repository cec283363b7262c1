"""The email channel as a Django app: it registers its raw parser with intake."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.tickets.inbound import InboundMessage


def parse_raw_email(raw: bytes, external_id: str) -> InboundMessage:
    """Replay a quarantined raw message through the adapter (imported on first use)."""
    from zayavka.channels.email.inbound import to_inbound

    return to_inbound(raw, external_id=external_id)


class EmailChannelConfig(AppConfig):
    name = "zayavka.channels.email"
    label = "email_channel"
    verbose_name = _("Email channel")

    def ready(self) -> None:
        from zayavka.tickets import intake

        intake.RAW_PARSERS["email"] = parse_raw_email
