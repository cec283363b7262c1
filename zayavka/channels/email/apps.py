"""The email channel as a Django app: it registers its raw parser with intake."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailChannelConfig(AppConfig):
    name = "zayavka.channels.email"
    label = "email_channel"
    verbose_name = _("Email channel")

    def ready(self) -> None:
        # Imported here, as Django asks: both need the models, which are loaded only now.
        from zayavka.channels.email.inbound import replay_raw
        from zayavka.tickets.actions import intake

        intake.RAW_PARSERS["email"] = replay_raw
