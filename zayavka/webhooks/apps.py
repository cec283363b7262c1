"""Webhooks as a Django app: subscriptions, their deliveries' log, and the outbox's
handler for the `webhook` kind."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.refcache import clear_on_change


class WebhooksConfig(AppConfig):
    name = "zayavka.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, as Django asks: the outbox and the handler need the models.
        from zayavka.tickets import outbox
        from zayavka.tickets.models import Outbox
        from zayavka.webhooks.delivery import deliver

        outbox.HANDLERS[Outbox.Kind.WEBHOOK] = deliver
        # `emit` reads the active subscriptions through the per-process cache.
        clear_on_change(self.get_model("Subscription"))
