"""Files and text people send through the desk's forms: the limits, the one check of
attached files (`check_files`), and names and types made safe before anything is
stored. Pure checks: nothing here writes or reads the database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.policy import Policy, Reason, check, kind_labels

MAX_FILES = 10
MAX_TEXT = 100_000
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


@dataclass(frozen=True)
class Upload:
    """A file an agent attached, as the browser sent it."""

    filename: str
    content_type: str
    content: bytes


# What the checks read of a file before its bytes: (name, size) or (name, size, type).
FileInfo = tuple[str, int] | tuple[str, int, str]


def describe_uploads(files: Sequence[UploadedFile]) -> list[FileInfo]:
    """What `check_files` reads of files a browser sent, before anything reads them."""
    return [(f.name or "", f.size or 0, f.content_type or "") for f in files]


def read_uploads(files: Sequence[UploadedFile]) -> list[Upload]:
    """Files a browser sent, read into memory: only once `check_files` passed them."""
    return [
        Upload(filename=f.name or "", content_type=f.content_type or "", content=f.read())
        for f in files
    ]


def max_file_bytes() -> int:
    limit: int = settings.ZAYAVKA_MAX_ATTACHMENT_BYTES
    return limit


def max_total_bytes() -> int:
    return 2 * max_file_bytes()


def check_files(files: Sequence[FileInfo], policy: Policy, *, max_total: int | None = None) -> None:
    """The one check of files people attach in the desk's forms, before they are read:
    at most MAX_FILES, each admitted by the channel `policy` (size and kinds), and
    together at most `max_total` bytes when given. ValidationError lists what is wrong,
    in words for whoever attached them. The portal and the web form pass the policy of
    the sender's contract (what intake will apply); the desk's agents the desk-wide one
    (`policy.default_policy()`) with `max_total_bytes()`."""
    errors: list[str] = []
    if len(files) > MAX_FILES:
        errors.append(
            ngettext("Attach at most %(count)d file.", "Attach at most %(count)d files.", MAX_FILES)
            % {"count": MAX_FILES}
        )
    for name, size, *rest in files:
        name = safe_filename(name)
        att = InboundAttachment(filename=name, content_type=rest[0] if rest else "", size=size)
        reason = check(att, policy)
        if reason == Reason.NO_FILES:
            errors.append(_("Files cannot be attached here."))
            break
        if reason == Reason.SIZE:
            errors.append(
                _("%(name)s is %(size)s: files may be at most %(limit)s.")
                % {
                    "name": name,
                    "size": filesizeformat(size),
                    "limit": filesizeformat(policy.max_bytes),
                }
            )
        elif reason == Reason.KIND:
            errors.append(
                _("%(name)s is a kind of file not accepted here. Accepted: %(kinds)s.")
                % {"name": name, "kinds": kind_labels(policy.allowed_kinds) or "—"}
            )
    if max_total is not None and sum(info[1] for info in files) > max_total:
        errors.append(
            _("The files together are larger than %(limit)s.")
            % {"limit": filesizeformat(max_total)}
        )
    if errors:
        errors.append(_("Everything else you typed is kept; choose the files again."))
        raise ValidationError(errors)


def safe_filename(name: str) -> str:
    """The file's own name without any path, control characters or surrounding dots."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    return name[:200] or "file"


def safe_content_type(content_type: str) -> str:
    value = content_type.split(";", 1)[0].strip().lower()
    return value if _CONTENT_TYPE.match(value) else "application/octet-stream"
