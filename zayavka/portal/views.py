from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from zayavka.portal.badlinks import Link, bad_link
from zayavka.portal.forms import RatingForm
from zayavka.tickets import tokens
from zayavka.tickets.actions.lifecycle import rate_resolution
from zayavka.tickets.models import Ticket, TicketRating


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """Rate one resolution from the link in the resolution notice.

    Opening the link only shows the form (with the score clicked in the email
    preselected): mail scanners that prefetch links cannot rate. Saving needs a POST.
    """
    try:
        ticket_pk, resolved_at = tokens.rating_of_token(token)
        ticket = Ticket.objects.select_related("requester").get(pk=ticket_pk)
    except (signing.BadSignature, Ticket.DoesNotExist, KeyError, ValueError) as exc:
        return bad_link(request, Link.RATING, exc)
    existing = TicketRating.objects.filter(ticket=ticket, resolved_at=resolved_at).first()
    saved = False
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            rate_resolution(
                ticket, resolved_at, form.cleaned_data["score"], form.cleaned_data["comment"]
            )
            saved = True
    else:
        initial: dict[str, object] = {}
        if existing is not None:
            initial = {"score": existing.score, "comment": existing.comment}
        elif request.GET.get("score", "").isdigit():
            initial = {"score": int(request.GET["score"])}
        form = RatingForm(initial=initial)
    return render(
        request,
        "portal/rate.html",
        {"ticket": ticket, "form": form, "saved": saved, "existing": existing},
    )
