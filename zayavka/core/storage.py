"""File storage that survives a power cut, and content-addressed blobs on top of it."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage


class DurableFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that fsyncs each file and its directory before returning.

    Intake acknowledges a message (SMTP 250, pipe exit 0, IMAP flag) only after
    its raw bytes are stored, so "stored" must mean on disk, not in a page cache.
    """

    def _save(self, name: str, content: Any) -> str:
        saved: str = super()._save(name, content)  # type: ignore[misc]
        path = self.path(saved)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        dir_fd = os.open(os.path.dirname(path), os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return saved


def store_blob(prefix: str, data: bytes) -> tuple[str, str]:
    """Store bytes under a key derived from their SHA-256; return (key, sha256).

    Storing the same bytes twice is a no-op, so a retried intake never writes a
    second copy, and a rolled-back transaction leaves at most an orphan blob.
    """
    digest = hashlib.sha256(data).hexdigest()
    key = f"{prefix}/{digest[:2]}/{digest[2:4]}/{digest}"
    if not default_storage.exists(key):
        saved = default_storage.save(key, ContentFile(data))
        if saved != key:  # a concurrent writer won the race with identical bytes
            default_storage.delete(saved)
    return key, digest


def read_blob(key: str) -> bytes:
    with default_storage.open(key, "rb") as fh:
        data: bytes = fh.read()
    return data
