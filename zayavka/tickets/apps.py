from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.queue import register_periodic_job

# Closes resolved tickets the requester did not answer, by dotted path: see core.queue.
AUTO_CLOSE_JOB = "zayavka.tickets.lifecycle.auto_close"


class TicketsConfig(AppConfig):
    name = "zayavka.tickets"
    label = "tickets"
    verbose_name = _("Tickets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        register_periodic_job("auto_close", {"minute": "*/5"}, AUTO_CLOSE_JOB)
