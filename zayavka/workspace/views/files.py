"""Attachments, downloaded only by those who may see their ticket, never rendered inline."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from zayavka.tickets import access
from zayavka.tickets.models import Attachment
from zayavka.workspace.auth import agent_required

# Types a browser shows as inert data. Anything else (HTML, SVG, XML, scripts …) is
# sent as bytes: with Content-Disposition: attachment and nosniff it is saved, not run.
INERT_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
    }
)


def download_type(content_type: str) -> str:
    value = content_type.split(";", 1)[0].strip().lower()
    return value if value in INERT_TYPES else "application/octet-stream"


@agent_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    found = Attachment.objects.select_related("ticket").filter(pk=pk, withheld=False).first()
    if found is None or not access.can_view(request.user, found.ticket):
        raise Http404("no such file")
    try:
        stream = default_storage.open(found.storage_key, "rb")
    except FileNotFoundError as exc:
        raise Http404("the file is missing from storage") from exc
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=found.filename,
        content_type=download_type(found.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response
