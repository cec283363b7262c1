"""The public request form (R2), embeddable in a provider's site with ?embed=1."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from zayavka.accounts import throttle
from zayavka.accounts.models import Channel, Contact
from zayavka.channels.web.receive import effective_policy, file_request
from zayavka.channels.web.tokens import new_form_token
from zayavka.core.clientip import client_ip
from zayavka.portal.forms import HONEYPOT, RequestForm
from zayavka.portal.visitors import note_request_filed
from zayavka.tickets.actions.intake import Result
from zayavka.tickets.models import Urgency
from zayavka.tickets.models.ticket import format_ticket_number
from zayavka.tickets.uploads import check_files, describe_uploads

log = logging.getLogger(__name__)

THANKS_SALT = "zayavka.portal.thanks"


def contact_of(request: HttpRequest) -> Contact | None:
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return None
    return Contact.objects.filter(user_id=user.pk).select_related("organization").first()


def _embedded(request: HttpRequest) -> bool:
    return request.GET.get("embed") == "1"


def _initial(contact: Contact | None) -> dict[str, object]:
    initial: dict[str, object] = {"token": new_form_token(), "urgency": Urgency.NORMAL}
    if contact is not None:
        phone = contact.addresses.filter(kind="phone").values_list("value", flat=True).first()
        initial |= {
            "name": contact.name,
            "email": contact.email,
            "phone": phone or "",
            "company": contact.organization.name if contact.organization else "",
        }
    return initial


def framable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The form may be shown in a frame by the sites in ZAYAVKA_EMBED_ORIGINS: both the
    old X-Frame-Options and the CSP's frame-ancestors let it, the rest of the policy stays."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.xframe_options_exempt = True
        response._csp_config = {  # type: ignore[attr-defined]
            **settings.SECURE_CSP,
            "frame-ancestors": list(settings.ZAYAVKA_EMBED_ORIGINS) or ["'none'"],
        }
        return response

    return wrapped


def _csrf_passed(request: HttpRequest) -> bool:
    """Django's CSRF check, run by hand: see `new_request`."""
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    return check.process_view(request, lambda _request: HttpResponse(), (), {}) is None


@csrf_exempt
@framable
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    """The form, also inside a provider's iframe, where browsers withhold our cookies
    (SameSite): so the CSRF check does not refuse a post, it only decides whether the
    post may speak for the signed-in user. Without it, the request is anonymous."""
    contact = contact_of(request)
    if request.method == "POST" and contact is not None and not _csrf_passed(request):
        contact = None
    if request.method != "POST":
        form = RequestForm(initial=_initial(contact), contact=contact)
        return _page(request, form)
    if request.POST.get(HONEYPOT, "").strip():
        # A bot filled in the hidden field: answer as if filed, keep nothing.
        log.warning(
            "web form: honeypot filled, nothing stored",
            extra={"ip": client_ip(request)},
        )
        return _to_thanks(request, None)
    form = RequestForm(request.POST, request.FILES, initial=_initial(contact), contact=contact)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    email = contact.email if contact is not None else data["email"]
    files = data["attachments"]
    try:
        check_files(describe_uploads(files), effective_policy(contact, email, Channel.WEB))
    except ValidationError as problems:
        form.add_error("attachments", problems)
        return _page(request, form, status=400)
    ip = client_ip(request)
    if not throttle.allow("request", ip, email):
        log.warning("web form: rate limit reached", extra={"ip": ip})
        form.add_error(None, _("Too many requests from you in a short time; try again later."))
        return _page(request, form, status=429)
    result = file_request(
        token=data["token"],
        company=data["company"],
        name=data["name"],
        email=email,
        phone=data["phone"],
        category=data["category"],
        urgency=data["urgency"],
        subject=data["subject"],
        description=data["description"],
        answers=data["answers"],
        files=files,
        contact=contact,
    )
    if result.result not in {Result.CREATED, Result.DUPLICATE, Result.APPENDED}:
        log.error("web form: intake did not file the request", extra={"result": result.result})
    elif result.result == Result.CREATED:
        note_request_filed(request, result.ticket_id)
    return _to_thanks(request, result.ticket_number)


def _page(request: HttpRequest, form: RequestForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "portal/new.html",
        {"form": form, "embed": _embedded(request), "signed_in": form.contact is not None},
        status=status,
    )


def _to_thanks(request: HttpRequest, number: int | None) -> HttpResponse:
    url = reverse("portal:thanks") + "?t=" + signing.dumps(number or 0, salt=THANKS_SALT)
    if _embedded(request):
        url += "&embed=1"
    return redirect(url)


@framable
@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    number = 0
    try:
        number = int(signing.loads(request.GET.get("t", ""), salt=THANKS_SALT, max_age=86400))
    except (signing.BadSignature, TypeError, ValueError):
        number = 0
    return render(
        request,
        "portal/thanks.html",
        {
            "number": format_ticket_number(number) if number else "",
            "embed": _embedded(request),
        },
    )
