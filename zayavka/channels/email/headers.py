"""Header text: RFC 2047 encoded-words and raw 8-bit bytes, decoded leniently.

The stdlib decodes each encoded-word on its own, so a UTF-8 character that a
mailer split across two words (legal per RFC 2047 only for whole characters, but
common) becomes two U+FFFD. Here adjacent words of the same charset are joined as
bytes before decoding. Header values come from a compat32 parse of bytes, so
8-bit bytes are present as surrogate escapes and are recovered exactly.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from zayavka.channels.email.charsets import (
    DEFAULT_FALLBACKS,
    decode_sibling,
    guess_decode,
    normalize_charset,
)

# The longest header value we decode; longer ones are truncated (a 200 KB Subject
# is an attack or a bug, and decoding it must stay linear and fast).
MAX_HEADER_CHARS = 65536

ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]*?)\?=")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_Q_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


@dataclass(frozen=True, slots=True)
class HeaderText:
    """A decoded header value and what it took to decode it."""

    text: str
    encoded_words: bool
    raw_8bit: bool
    defects: tuple[str, ...] = ()


def raw_bytes(value: str) -> bytes:
    """Recover the original bytes of a header value from a compat32 bytes parse."""
    return value.encode("utf-8", "surrogateescape")


def has_8bit(value: str) -> bool:
    return not value.isascii()


def decode_b(text: str) -> tuple[bytes, bool]:
    """Decode base64 leniently; returns (bytes, was_clean)."""
    data = text.encode("ascii", "ignore").strip()
    cleaned = _B64_JUNK.sub(b"", data)
    clean = cleaned == data.rstrip(b"=")
    if len(cleaned) % 4 == 1:
        # One stray character cannot encode anything: drop it rather than fail.
        cleaned = cleaned[:-1]
        clean = False
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned), clean
    except (binascii.Error, ValueError):
        return b"", False


def decode_q(text: str) -> bytes:
    """Decode the RFC 2047 "Q" encoding (underscore is a space)."""
    data = text.replace("_", " ").encode("utf-8", "surrogateescape")
    return _Q_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _decode_plain(segment: str, fallbacks: Sequence[str]) -> str:
    if segment.isascii():
        return segment
    return guess_decode(raw_bytes(segment), fallbacks).text


def clean_text(text: str) -> str:
    """Make decoded header text safe to store and show: no controls, one line."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _CONTROL.sub("", text)


def decode_header(value: str | None, fallbacks: Sequence[str] = DEFAULT_FALLBACKS) -> HeaderText:
    """Decode a raw header value to text; never raises.

    Encoded-words are decoded (adjacent ones of the same charset as one byte
    string), whitespace between encoded-words is dropped as RFC 2047 requires,
    raw 8-bit text is decoded with the fallback charsets, and unknown encoded-word
    charsets are guessed. The result is unfolded and free of control characters.
    """
    if not value:
        return HeaderText("", False, False)
    defects: list[str] = []
    if len(value) > MAX_HEADER_CHARS:
        value = value[:MAX_HEADER_CHARS]
        defects.append("header value truncated")
    value = _FOLD.sub("", value)
    pieces: list[str] = []
    pending: list[tuple[str | None, str, bytes]] = []  # (codec, label, bytes)
    last_end = 0
    found = False

    def flush() -> None:
        if not pending:
            return
        # Join runs of words that share a charset so split characters reassemble.
        run_codec, run_label, run_bytes = pending[0]
        groups: list[tuple[str | None, str, bytes]] = []
        for codec, label, data in pending[1:]:
            if codec == run_codec and label.lower() == run_label.lower():
                run_bytes += data
            else:
                groups.append((run_codec, run_label, run_bytes))
                run_codec, run_label, run_bytes = codec, label, data
        groups.append((run_codec, run_label, run_bytes))
        for codec, label, data in groups:
            if codec is None:
                defects.append(f"unknown encoded-word charset {label[:40]!r}")
                pieces.append(guess_decode(data, fallbacks).text)
                continue
            try:
                pieces.append(data.decode(codec))
            except UnicodeDecodeError:
                sibling = decode_sibling(data, codec)
                if sibling is not None:
                    pieces.append(sibling.text)
                    continue
                guessed = guess_decode(data, fallbacks)
                if codec == "utf-8" and guessed.charset != "utf-8" and not data.isascii():
                    pieces.append(guessed.text)
                else:
                    pieces.append(data.decode(codec, errors="replace"))
                defects.append(f"invalid bytes in {label[:40]} encoded-word")
            except LookupError:
                pieces.append(guess_decode(data, fallbacks).text)
        pending.clear()

    for match in ENCODED_WORD.finditer(value):
        found = True
        gap = value[last_end : match.start()]
        if gap.strip() or not pending:
            flush()
            pieces.append(_decode_plain(gap, fallbacks))
        label, enc, payload = match.group(1), match.group(2).upper(), match.group(3)
        if enc == "B":
            data, clean = decode_b(payload)
            if not clean:
                defects.append("malformed base64 encoded-word")
        else:
            data = decode_q(payload)
        pending.append((normalize_charset(label), label, data))
        last_end = match.end()
    flush()
    pieces.append(_decode_plain(value[last_end:], fallbacks))
    text = clean_text("".join(pieces)).strip()
    return HeaderText(text, found, has_8bit(value), tuple(defects))
