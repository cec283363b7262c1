"""Mailbox parsing that an attacker cannot talk into naming someone else.

A helpdesk identifies the requester by the From address, so the address must come
from the header's structure, never from its decoded text: ``"victim@bank.ru"
<attacker@evil.com>`` is the attacker, and an encoded-word that decodes to
``victim@bank.ru`` is only ever a display name. The parser tokenises the raw header
(quoted strings, comments, angle brackets) first and decodes display names last.
Anything odd is recorded as a defect; the caller trusts a sender only when there
are none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from zayavka.channels.email.charsets import DEFAULT_FALLBACKS
from zayavka.channels.email.headers import (
    ENCODED_WORD,
    MAX_HEADER_CHARS,
    decode_header,
    raw_bytes,
)

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ADDRESS_IN_TEXT = re.compile(r"[^\s<>()\"'@,;:]+@[^\s<>()\"'@,;:]+\.[^\s<>()\"'@,;:]+")
_DOMAIN = re.compile(r"^(\[[^\[\]\s]+\]|[^\s@\[\]()<>,;:\"\\]+)$")
_MAX_MAILBOXES = 1000


@dataclass(frozen=True, slots=True)
class Mailbox:
    """One parsed mailbox: decoded display name and the address as written."""

    name: str
    address: str


@dataclass(slots=True)
class AddressList:
    """The mailboxes of one header, and every irregularity met while parsing it."""

    mailboxes: list[Mailbox] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        return [m.address.lower() for m in self.mailboxes if m.address]


@dataclass(slots=True)
class _Segment:
    phrase: list[str] = field(default_factory=list)  # raw atoms and quoted strings
    quoted: list[bool] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    angles: list[str] = field(default_factory=list)
    after_angle: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def _scan(raw: str) -> tuple[list[_Segment], list[str]]:
    """Split a header into mailbox segments, tracking quotes, comments and <>."""
    segments: list[_Segment] = []
    defects: list[str] = []
    seg = _Segment()
    atom: list[str] = []
    i, n = 0, len(raw)

    def end_atom() -> None:
        if atom:
            text = "".join(atom)
            (seg.after_angle if seg.angles else seg.phrase).append(text)
            if not seg.angles:
                seg.quoted.append(False)
            atom.clear()

    while i < n:
        ch = raw[i]
        if ch == '"':
            end_atom()
            j, buf = i + 1, []
            while j < n and raw[j] != '"':
                if raw[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(raw[j])
                j += 1
            if j >= n:
                seg.defects.append("unterminated quoted string")
            if seg.angles:
                seg.after_angle.append("".join(buf))
            else:
                seg.phrase.append("".join(buf))
                seg.quoted.append(True)
            i = j + 1
        elif ch == "(":
            end_atom()
            depth, j, buf = 1, i + 1, []
            while j < n and depth:
                c = raw[j]
                if c == "\\" and j + 1 < n:
                    buf.append(raw[j + 1])
                    j += 2
                    continue
                depth += c == "("
                depth -= c == ")"
                if depth:
                    buf.append(c)
                j += 1
            if depth:
                seg.defects.append("unterminated comment")
            seg.comments.append("".join(buf))
            i = j
        elif ch == "<":
            end_atom()
            j = raw.find(">", i + 1)
            if j < 0:
                seg.defects.append("unterminated angle address")
                j = n
            if seg.angles:
                seg.defects.append("several angle addresses in one mailbox")
            seg.angles.append(raw[i + 1 : j])
            i = j + 1
        elif ch == ">":
            seg.defects.append("stray '>'")
            i += 1
        elif ch == ",":
            end_atom()
            segments.append(seg)
            seg = _Segment()
            i += 1
            if len(segments) > _MAX_MAILBOXES:
                defects.append("too many addresses")
                return segments, defects
        elif (
            ch == ":"
            and not seg.angles
            and not any("@" in p for p in seg.phrase)
            and "@" not in "".join(atom)
        ):
            # A group ("Undisclosed recipients:;" or "team: a@x, b@y;"): drop the label.
            atom.clear()
            seg = _Segment()
            i += 1
        elif ch == ";" or ch in " \t\r\n":
            end_atom()
            i += 1
        elif ch == "=" and raw.startswith("=?", i):
            # An encoded-word is one atom even if (illegally) it contains "," or "<".
            word = ENCODED_WORD.match(raw, i)
            end = word.end() if word else i + 2
            atom.append(raw[i:end])
            i = end
        else:
            atom.append(ch)
            i += 1
    end_atom()
    segments.append(seg)
    return segments, defects


def _check_address(addr: str, defects: list[str]) -> str:
    """Return the address if it is structurally sound, else "" with a defect."""
    if not addr:
        return ""
    if "=?" in addr and "?=" in addr:
        defects.append("encoded-word in address")
        return ""
    if _CONTROL.search(addr) or any(c in addr for c in " \t"):
        defects.append("whitespace or control character in address")
        return ""
    if not addr.isascii():
        try:
            addr = raw_bytes(addr).decode("utf-8")
        except UnicodeDecodeError:
            defects.append("undecodable 8-bit address")
            return ""
        defects.append("non-ASCII address")
    local, at, domain = addr.rpartition("@")
    if not at:
        if any(c in addr for c in '<>()[]\\,;:"'):
            defects.append("invalid address")
            return ""
        defects.append("address has no domain")
        return addr
    if not local or not domain or not _DOMAIN.match(domain):
        defects.append("invalid address")
        return ""
    if "@" in local and not (local.startswith('"') and local.endswith('"')):
        defects.append("several '@' in address")
        return ""
    return addr


def _display_name(seg: _Segment, fallbacks: Sequence[str]) -> tuple[str, bool]:
    parts = seg.phrase or seg.comments
    if not parts:
        return "", False
    decoded = decode_header(" ".join(parts), fallbacks)
    return decoded.text.strip(), decoded.encoded_words


def _mailbox(seg: _Segment, fallbacks: Sequence[str]) -> tuple[Mailbox | None, list[str]]:
    defects = list(seg.defects)
    if not seg.phrase and not seg.angles and not seg.comments:
        return None, defects
    if seg.angles:
        if len(seg.angles) > 1:
            # Which of two addresses is the sender is exactly what an attacker wants
            # us to guess: take neither.
            return Mailbox(_display_name(seg, fallbacks)[0], ""), defects
        inner = seg.angles[0].strip()
        if inner.startswith("@") and ":" in inner:
            inner = inner.split(":", 1)[1].strip()  # obsolete source route
        if seg.after_angle:
            defects.append("text after angle address")
        address = _check_address(inner, defects)
        # "ivan@x.ru <ivan@x.ru>" is sloppy but honest; another address is not.
        bare = [p for p, q in zip(seg.phrase, seg.quoted, strict=False) if not q and "@" in p]
        if any(p.lower() != address.lower() for p in bare):
            defects.append("unquoted '@' in display name")
        name, _ = _display_name(seg, fallbacks)
    else:
        # addr-spec form, possibly "addr (Name)"; the comment is the name.
        address = _check_address("".join(seg.phrase) if len(seg.phrase) == 1 else "", defects)
        if len(seg.phrase) > 1:
            joined = " ".join(seg.phrase)
            defects.append(
                "display name without an angle address" if "@" not in joined else "invalid address"
            )
            if "@" not in joined:
                name = decode_header(joined, fallbacks).text
                return Mailbox(name, ""), defects
        elif seg.quoted and seg.quoted[0]:
            defects.append("quoted string is not an address")
            address = ""
        name = decode_header(" ".join(seg.comments), fallbacks).text if seg.comments else ""
    for shown in _ADDRESS_IN_TEXT.findall(name):
        if shown.strip(".").lower() != address.lower():
            defects.append("display name shows a different address")
            break
    return Mailbox(name, address), defects


def parse_address_list(
    raw: str | None, fallbacks: Sequence[str] = DEFAULT_FALLBACKS
) -> AddressList:
    """Parse a raw (undecoded) address header; never raises.

    Addresses are taken only from the header's structure; display names are decoded
    afterwards and can never supply an address. Mailboxes whose address is missing
    or malformed keep their name with an empty address, and every irregularity is
    listed in ``defects``.
    """
    result = AddressList()
    if not raw:
        return result
    if len(raw) > MAX_HEADER_CHARS:
        raw = raw[:MAX_HEADER_CHARS]
        result.defects.append("address header truncated")
    raw = re.sub(r"\r?\n(?=[ \t])", "", raw)
    if _CONTROL.search(raw.replace("\t", " ")):
        result.defects.append("control character in address header")
        raw = _CONTROL.sub(" ", raw)
    segments, defects = _scan(raw)
    result.defects.extend(defects)
    for seg in segments:
        box, seg_defects = _mailbox(seg, fallbacks)
        result.defects.extend(seg_defects)
        if box is not None:
            result.mailboxes.append(box)
    return result


def parse_message_id_list(raw: str | None) -> list[str]:
    """Message-IDs from In-Reply-To/References/Message-ID, without angle brackets."""
    if not raw:
        return []
    raw = raw[:MAX_HEADER_CHARS]
    ids = [m.strip() for m in re.findall(r"<([^<>]*)>", raw)]
    ids = [i for i in ids if i and not _CONTROL.search(i) and " " not in i]
    if not ids:
        # Some mailers omit the brackets: accept bare tokens that look like ids.
        ids = [t.strip("<>,") for t in raw.split() if "@" in t]
    seen: set[str] = set()
    out: list[str] = []
    for i in ids:
        if i and i not in seen and i.isascii():
            seen.add(i)
            out.append(i)
    return out[:200]
