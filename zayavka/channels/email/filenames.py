"""Attachment filenames: decoded from every encoding mailers use, then made safe.

A filename is display-only (storage uses a server-generated key), but it is shown
to agents and offered on download, so it must not carry path separators, control
characters, bidirectional overrides (the "invoice\u202egpj.exe" trick) or an
unbounded length.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message

from zayavka.channels.email.charsets import decode_bytes
from zayavka.channels.email.headers import decode_header

MAX_FILENAME_BYTES = 200

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class FileName:
    name: str
    defect: str = ""


def sanitize_filename(name: str) -> str:
    """Make a decoded filename safe to display and offer for download.

    Keeps only the last path component, removes control and bidi-override
    characters, collapses whitespace, strips leading dots and trailing dots or
    spaces, and shortens it to at most 200 UTF-8 bytes keeping the extension.
    May return "" when nothing usable remains.
    """
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE.sub("", name)
    name = re.split(r"[/\\]", name)[-1]
    name = _SPACES.sub(" ", name).strip()
    while ".." in name:
        name = name.replace("..", ".")
    name = name.lstrip(". ").rstrip(". ")
    if len(name.encode("utf-8")) > MAX_FILENAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 16:
            stem, ext = name, ""
        budget = MAX_FILENAME_BYTES - len(ext.encode("utf-8")) - 1
        short = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip()
        name = f"{short}.{ext}" if ext else short
    return name


def _param(part: Message, name: str, header: str) -> str | tuple[str, str, str] | None:
    try:
        value = part.get_param(name, header=header)
    except Exception:  # malformed parameter lists: treat as absent
        return None
    if isinstance(value, tuple):
        return (str(value[0] or ""), str(value[1] or ""), str(value[2] or ""))
    return value if isinstance(value, str) and value else None


def _decode_param(value: str | tuple[str, str, str], fallbacks: Sequence[str]) -> str:
    if isinstance(value, tuple):
        charset, _lang, text = value
        try:
            data = text.encode("latin-1")
        except UnicodeEncodeError:
            data = text.encode("utf-8", "surrogateescape")
        return decode_bytes(data, charset or None, fallbacks).text
    return decode_header(value, fallbacks).text


def attachment_filename(
    part: Message, content_type: str, fallbacks: Sequence[str], *, fallback: str = ""
) -> FileName:
    """The display name of an attachment part; never raises, never empty.

    Reads Content-Disposition ``filename`` then Content-Type ``name``, each in RFC
    2231 (with continuations and any charset), RFC 2047 (what Outlook sends) or raw
    8-bit form, and falls back to ``fallback`` or a name made from the type.
    """
    defect = ""
    for pname, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = _param(part, pname, header)
        if value is None:
            continue
        try:
            decoded = _decode_param(value, fallbacks)
        except Exception:  # best effort: fall through to the next source
            decoded = ""
            defect = "undecodable attachment filename"
        clean = sanitize_filename(decoded)
        if clean != decoded.strip():
            defect = "attachment filename sanitised"
        if clean:
            return FileName(clean, defect)
    clean = sanitize_filename(fallback)
    if clean:
        return FileName(clean, defect)
    ext = mimetypes.guess_extension(content_type, strict=False) or ".bin"
    return FileName(f"attachment{ext}", defect)
