"""Attachments as downloads: saved by the browser, never rendered in our origin.

The workspace, the portal and the knowledge base decide who may have a file; all send
it through here.
"""

from __future__ import annotations

from typing import Protocol

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

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


class StoredFile(Protocol):
    """A file kept in storage: a ticket's attachment, a knowledge base article's file."""

    storage_key: str
    filename: str


def attachment_response(
    attachment: StoredFile, content_type: str = "application/octet-stream"
) -> FileResponse:
    """The file as an attachment with headers that keep it inert (nosniff, a sandboxing
    CSP, private caching); Http404 when storage has lost it."""
    try:
        stream = default_storage.open(attachment.storage_key, "rb")
    except FileNotFoundError as exc:
        raise Http404("the file is missing from storage") from exc
    response = FileResponse(
        stream, as_attachment=True, filename=attachment.filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response
