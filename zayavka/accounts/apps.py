from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "zayavka.accounts"
    label = "accounts"
    verbose_name = _("Clients and staff")
    default_auto_field = "django.db.models.BigAutoField"
