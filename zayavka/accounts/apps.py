from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.refcache import clear_on_change


class AccountsConfig(AppConfig):
    name = "zayavka.accounts"
    label = "accounts"
    verbose_name = _("Clients and staff")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        model = self.get_model
        # Rows that cached loaders read (core.refcache): a change clears the cache.
        # Team too: the cached routing rules carry their teams (round-robin cursors are
        # written with update(), which sends no signal). A sign-in saves only last_login
        # (and a password rehash only the password): no loader reads them.
        clear_on_change(model("User"), unread=("last_login", "password"))
        clear_on_change(
            *map(
                model, ("Agent", "Team", "Organization", "Contract", "ChannelPolicy", "RoutingRule")
            )
        )
