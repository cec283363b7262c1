from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zayavka.core.models import WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """An internal table the desk writes itself (raw inputs, the outbox, heartbeats): the
    admin shows it to look into, and nobody adds, edits or deletes a row by hand."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker", "beat_at")


# An administrator's everyday settings, in the order one sets up a new client: each a
# line of what it decides and a link to its list (the admin's URL name of the model).
EVERYDAY = [
    (
        "accounts_contract",
        _("Contracts"),
        _(
            "Who is served, under which SLA plan; each contract's channel policies say "
            "which channels it accepts and how large files may be."
        ),
    ),
    (
        "sla_slaplan",
        _("SLA plans"),
        _("The first response and resolution targets per priority, and the escalation steps."),
    ),
    (
        "sla_calendar",
        _("Calendars"),
        _("Working hours, holidays and the time zone that SLA deadlines count in."),
    ),
    (
        "tickets_category",
        _("Categories and their fields"),
        _("The topics a client chooses from, the team each goes to, and the form it asks."),
    ),
    (
        "accounts_routingrule",
        _("Routing"),
        _("Which support team gets a new ticket: by organization, channel or category."),
    ),
    (
        "accounts_team",
        _("Support teams"),
        _("The teams and their agents; a restricted team's tickets are seen by it alone."),
    ),
    (
        "workspace_cannedresponse",
        _("Canned responses"),
        _("Ready answers that agents insert into a reply, filled for the ticket."),
    ),
]


def everyday(request: HttpRequest) -> HttpResponse:
    """The administrator's everyday settings on one page, each with what it decides: the
    ones this user may look at in the admin (an agent who may see none gets 403, as on
    the admin's own pages)."""
    items = []
    for name, title, text in EVERYDAY:
        app_label, model_name = name.split("_", 1)
        model = apps.get_model(app_label, model_name)
        if not (
            request.user.has_perm(f"{app_label}.view_{model_name}")
            or request.user.has_perm(f"{app_label}.change_{model_name}")
        ):
            continue
        items.append(
            {
                "title": title,
                "text": text,
                "url": reverse(f"admin:{name}_changelist"),
                "count": model._default_manager.count(),
            }
        )
    if not items:
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("Everyday settings"),
        "items": items,
    }
    return TemplateResponse(request, "admin/everyday.html", context)


admin.site.index_template = "admin/zayavka_index.html"
