"""The Telegram channel as a Django app: it registers its raw parser with intake and
its delivery handler with the outbox."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramChannelConfig(AppConfig):
    name = "zayavka.channels.telegram"
    label = "telegram_channel"
    verbose_name = _("Telegram channel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, as Django asks: intake needs the models, which are loaded only now.
        from zayavka.channels.telegram.receive import inbound_for
        from zayavka.channels.telegram.send import deliver
        from zayavka.tickets import outbox
        from zayavka.tickets.actions import intake

        intake.RAW_PARSERS["telegram"] = inbound_for
        outbox.HANDLERS["telegram"] = deliver  # Outbox.Kind.TELEGRAM
