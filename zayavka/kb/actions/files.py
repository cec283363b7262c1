"""An article's files and images: checked like the files agents attach to replies,
stored like ticket attachments (content-addressed, `core.storage.store_blob`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from zayavka.accounts.models import User
from zayavka.core.storage import store_blob
from zayavka.kb.models import Article, ArticleFile
from zayavka.tickets import access
from zayavka.tickets.policy import default_policy
from zayavka.tickets.uploads import (
    Upload,
    check_files,
    max_total_bytes,
    safe_content_type,
    safe_filename,
)


def attach_files(
    article: Article, uploads: Sequence[Upload], *, by: User | None, at: datetime | None = None
) -> list[ArticleFile]:
    """Store the files and add them to the article. ValidationError (nothing stored)
    when the desk's file policy refuses one; PermissionDenied for a non-agent."""
    if by is not None and not access.is_agent(by):
        raise PermissionDenied("only the desk's agents edit articles")
    check_files(
        [(u.filename, len(u.content), u.content_type) for u in uploads],
        default_policy(),
        max_total=max_total_bytes(),
    )
    now = at or timezone.now()
    stored = []
    for upload in uploads:
        key, digest = store_blob("kb", upload.content)
        stored.append(
            ArticleFile(
                article=article,
                storage_key=key,
                sha256=digest,
                filename=safe_filename(upload.filename),
                content_type=safe_content_type(upload.content_type),
                size=len(upload.content),
                uploaded_by=by,
                uploaded_at=now,
            )
        )
    with transaction.atomic():
        return ArticleFile.objects.bulk_create(stored)


def remove_file(article_file: ArticleFile, *, by: User | None) -> None:
    """Take a file off its article (the stored bytes stay: another may share them)."""
    if by is not None and not access.is_agent(by):
        raise PermissionDenied("only the desk's agents edit articles")
    article_file.delete()
