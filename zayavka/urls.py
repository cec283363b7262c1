from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from zayavka.accounts.signin import LimitedLoginView, login_code
from zayavka.api import pages as api_pages
from zayavka.api.main import api
from zayavka.core.admin import everyday
from zayavka.core.views import favicon, healthz
from zayavka.portal import front

# The admin's own sign-in page is the desk's (accounts/adminsite.py): every sign-in page
# counts failed passwords under the same limits.
admin.autodiscover()

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's, files).
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/everyday/", admin.site.admin_view(everyday), name="admin-everyday"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("desk/api-tokens/", api_pages.tokens, name="api-tokens"),
    path("desk/api-tokens/<int:pk>/revoke/", api_pages.revoke, name="api-token-revoke"),
    path("desk/", include("zayavka.workspace.urls")),
    path("", include("zayavka.channels.telegram.urls")),
    path("", include("zayavka.portal.urls")),
    path("login/", LimitedLoginView.as_view(), name="login"),
    path("login/code/", login_code, name="login-code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", front.home, name="home"),
]
