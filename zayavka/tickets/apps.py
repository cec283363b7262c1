from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.queue import register_periodic_job
from zayavka.core.refcache import clear_on_change

# The jobs, by dotted path (see core.queue): closing resolved tickets the requester did
# not answer, and the SLA scanner's steps (warnings, breaches, escalation).
AUTO_CLOSE_JOB = "zayavka.tickets.actions.lifecycle.auto_close"
SCAN_JOB = "zayavka.tickets.actions.escalation.scan"


class TicketsConfig(AppConfig):
    name = "zayavka.tickets"
    label = "tickets"
    verbose_name = _("Tickets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Rows that cached loaders read (core.refcache): a change clears the cache.
        clear_on_change(*map(self.get_model, ("Status", "Priority", "Category")))
        register_periodic_job("auto_close", {"minute": "*/5"}, AUTO_CLOSE_JOB)
        register_periodic_job("sla_scan", {"minute": "*"}, SCAN_JOB)
