"""The admin app, configured with the desk's admin site (accounts.adminsite)."""

from django.contrib.admin.apps import SimpleAdminConfig


class DeskAdminConfig(SimpleAdminConfig):
    # Admin modules load with the URLconf (admin.autodiscover() in urls.py), so that
    # command-line tools such as the MTA pipe start without them.
    default_site = "zayavka.accounts.adminsite.DeskAdminSite"
