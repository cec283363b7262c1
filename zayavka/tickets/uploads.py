"""Files and text people send through the desk's forms: the limits, and names and types
made safe before anything is stored. Pure checks: nothing here writes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_FILES = 10
MAX_TEXT = 100_000
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


@dataclass(frozen=True)
class Upload:
    """A file an agent attached, as the browser sent it."""

    filename: str
    content_type: str
    content: bytes


def max_file_bytes() -> int:
    limit: int = settings.ZAYAVKA_MAX_ATTACHMENT_BYTES
    return limit


def max_total_bytes() -> int:
    return 2 * max_file_bytes()


def check_uploads(files: Sequence[tuple[str, int]]) -> None:
    """Refuse too many files or too large ones, by (name, size), before reading them."""
    errors: list[str] = []
    if len(files) > MAX_FILES:
        errors.append(
            ngettext("Attach at most %(count)d file.", "Attach at most %(count)d files.", MAX_FILES)
            % {"count": MAX_FILES}
        )
    limit = max_file_bytes()
    for name, size in files:
        if size > limit:
            errors.append(
                _("%(name)s is larger than %(limit)s.")
                % {"name": safe_filename(name), "limit": filesizeformat(limit)}
            )
    if sum(size for _name, size in files) > max_total_bytes():
        errors.append(
            _("The files together are larger than %(limit)s.")
            % {"limit": filesizeformat(max_total_bytes())}
        )
    if errors:
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
