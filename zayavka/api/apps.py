"""The REST API (v1) as a Django app: its tokens and idempotency keys."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.queue import register_periodic_job

PRUNE_JOB = "zayavka.api.idempotency.prune"


class ApiConfig(AppConfig):
    name = "zayavka.api"
    label = "api"
    verbose_name = _("REST API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        register_periodic_job("api_prune_idempotency", {"minute": "17", "hour": "3"}, PRUNE_JOB)
