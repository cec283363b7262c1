"""Attachments, downloaded only by those who may see their ticket, never rendered inline."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from zayavka.core.downloads import attachment_response, download_type
from zayavka.tickets import access
from zayavka.tickets.models import Attachment
from zayavka.workspace.auth import agent_required


@agent_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    found = Attachment.objects.select_related("ticket").filter(pk=pk, withheld=False).first()
    if found is None or not access.can_view(request.user, found.ticket):
        raise Http404("no such file")
    return attachment_response(found, download_type(found.content_type))
