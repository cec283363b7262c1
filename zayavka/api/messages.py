"""/tickets/{number}/messages: the thread, and the desk's public replies and internal
notes with their files (multipart), through the same actions as the workspace."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from zayavka.api import cursors
from zayavka.api.caller import caller_of
from zayavka.api.errors import ERRORS, WRITE_ERRORS, ApiError
from zayavka.api.models import Scope
from zayavka.api.output import message_out
from zayavka.api.schemas import MessageOut, MessagePage, Slug, Text
from zayavka.api.tickets import Number
from zayavka.tickets import catalog
from zayavka.tickets.actions import messages as thread
from zayavka.tickets.models import Attachment, Message
from zayavka.tickets.policy import default_policy
from zayavka.tickets.uploads import (
    MAX_TEXT,
    Upload,
    check_files,
    describe_uploads,
    max_total_bytes,
)

router = Router(tags=["messages"])


class MessageFilters(Schema):
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(cursors.DEFAULT_LIMIT, ge=1, le=cursors.MAX_LIMIT)


@router.get(
    "/tickets/{number}/messages",
    response={200: MessagePage, **ERRORS},
    summary="List a ticket's messages, oldest first",
    operation_id="list_messages",
)
def list_messages(request: HttpRequest, number: Number, filters: Query[MessageFilters]) -> Any:
    caller = caller_of(request)
    caller.require(Scope.TICKETS_READ)
    ticket = caller.ticket(number)
    messages = (
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("pk")
    )
    if filters.cursor:
        (after,) = cursors.decode(filters.cursor, (int,))
        messages = messages.filter(pk__gt=after)
    page = list(messages[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [message_out(m) for m in page],
        "next_cursor": cursors.encode([page[-1].pk]) if more and page else None,
    }


@router.post(
    "/tickets/{number}/messages",
    response={201: MessageOut, **WRITE_ERRORS},
    summary="Reply to the requester, or add an internal note, with files",
    operation_id="create_message",
)
def create_message(
    request: HttpRequest,
    number: Number,
    kind: Annotated[Literal["reply", "note"], Form()],
    text: Annotated[Text, Form(min_length=1, max_length=MAX_TEXT)],
    status: Annotated[Slug | None, Form()] = None,
    files: Annotated[list[UploadedFile] | None, File()] = None,
) -> Status[Any]:
    """multipart/form-data. A `reply` goes to the requester by email and moves a new
    ticket into progress, or into `status` when given; a `note` stays inside the desk.
    Files are checked as in the workspace (count, size, kinds)."""
    caller = caller_of(request)
    caller.require(Scope.TICKETS_WRITE)
    ticket = caller.ticket(number, write=True)
    chosen = list(files or [])
    check_files(describe_uploads(chosen), default_policy(), max_total=max_total_bytes())
    uploads = [
        Upload(
            filename=f.name or "file",
            content_type=f.content_type or "application/octet-stream",
            content=f.read(),
        )
        for f in chosen
    ]
    if kind == "reply":
        then = None
        if status is not None:
            then = next((s for s in catalog.statuses() if s.slug == status), None)
            if then is None:
                raise ApiError(
                    422, "unknown_status", "No such status.", fields={"status": ["unknown"]}
                )
        message = thread.reply_to_requester(ticket, caller.user, text, uploads, then_status=then)
    else:
        message = thread.add_note(ticket, caller.user, text, uploads)
    loaded = (
        Message.objects.select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    return Status(201, message_out(loaded))
