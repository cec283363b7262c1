"""uuencoded files inside plain-text bodies (Lotus Notes and old Unix mailers)."""

from __future__ import annotations

import binascii
import re

from zayavka.channels.email.filenames import sanitize_filename

_BEGIN = re.compile(r"^begin(?:-base64)? [0-7]{3,4} ([^\n]{1,255})\n", re.M)
_MAX_FILES = 20


def _decode_line(line: str) -> bytes:
    if not line or line in ("`", " "):
        return b""
    try:
        return binascii.a2b_uu(line)
    except (binascii.Error, ValueError):
        # Some encoders pad lines with garbage; decode only the declared length.
        count = ((ord(line[0]) - 32) & 63) * 4 + 5
        try:
            return binascii.a2b_uu(line[: count // 3])
        except (binascii.Error, ValueError):
            return b""


def extract_uuencoded(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Remove uuencoded blocks from ``text`` and return them as (filename, bytes)."""
    if "begin " not in text:
        return text, []
    found: list[tuple[str, bytes]] = []
    pos = 0  # where the next search starts
    emitted = 0  # text before this index is already in ``out``
    out: list[str] = []
    while len(found) < _MAX_FILES:
        match = _BEGIN.search(text, pos)
        if match is None:
            break
        end = re.compile(r"^end[ \t]*$", re.M).search(text, match.end())
        if end is None:
            break
        body = text[match.end() : end.start()]
        lines = body.split("\n")
        if not lines or not all(
            not ln or (32 <= ord(ln[0]) <= 96 and ln.isascii()) for ln in lines
        ):
            pos = match.end()
            continue
        data = b"".join(_decode_line(ln.rstrip("\r")) for ln in lines)
        name = sanitize_filename(match.group(1).strip()) or "attachment.bin"
        found.append((name, data))
        out.append(text[emitted : match.start()])
        pos = emitted = end.end()
    out.append(text[emitted:])
    return "".join(out), found
