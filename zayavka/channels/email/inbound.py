"""The email channel's adapter: raw RFC 5322 bytes in, one ``InboundMessage`` out.

``to_inbound`` maps what ``parsing.parse_message`` reads into the shape intake
consumes, and decides what the message may be trusted with:

- The sender's address is handed to intake (and so matched to a registered contact)
  only when the From header is unambiguous; otherwise the claimed address stays in
  ``meta["claimed_email"]`` with ``meta["sender_ambiguous"]`` set (R27).
- ``Sender.authenticated`` is set only by a DKIM or DMARC pass for the From domain,
  recorded by our own MTA in the topmost ``Authentication-Results`` header, whose
  authserv-id must equal ``settings.ZAYAVKA_EMAIL_AUTHSERV_ID`` (empty: never).
- Machine mail (auto-replies, bounces, lists, our own notifications coming back with
  the ``X-Zayavka-Loop`` header) is marked ``auto_generated``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings

from zayavka.accounts.models import Channel
from zayavka.channels.email.mime import make_attachment
from zayavka.channels.email.parsing import ParsedEmail, lossy_defects, parse_message
from zayavka.tickets.inbound import InboundAttachment, InboundMessage, ReplyHints, Sender
from zayavka.tickets.threading import ticket_number_from_subject

CHANNEL = Channel.EMAIL
# Reply hints beyond this many are noise (or an attack on the lookup).
MAX_REPLY_IDS = 100
# Where the header section is searched for our loop header.
_HEADER_SCAN_BYTES = 256 * 1024
_LOOP_RE = re.compile(rb"(?im)^x-zayavka-loop[ \t]*:")
_BLANK_LINE_RE = re.compile(rb"\r?\n\r?\n")


def to_inbound(
    raw: bytes, *, external_id: str = "", received_at: datetime | None = None
) -> InboundMessage:
    """Read one raw message into an ``InboundMessage`` for ``intake.receive``.

    Guarantees: never does I/O and raises only on a programming error (the parser
    never raises); ``raw`` is kept unchanged; every string is free of NUL characters
    and encodable as UTF-8; ``external_id`` is the given one, else the Message-ID,
    else "" (intake then derives it from the raw bytes' SHA-256); ``sender.email`` is
    set only for an unambiguous From; ``sender.authenticated`` only for a DKIM/DMARC
    pass our own MTA recorded for the From domain.
    """
    parsed = parse_message(raw)
    lost = lossy_defects(parsed)
    attachments = list(parsed.attachments)
    if lost and not any(a.filename == "message.eml" and a.size == len(raw) for a in attachments):
        # Part of it was not read: the whole message goes with the ticket, to download.
        attachments.append(make_attachment(raw, "message.eml", "message/rfc822"))
    unambiguous = parsed.from_unambiguous and bool(parsed.from_email)
    from_email = _clean(parsed.from_email)
    subject = _clean(parsed.subject)
    number = ticket_number_from_subject(subject) if subject else None
    message_ids = _reply_ids(parsed)
    is_reply = bool(message_ids) or number is not None
    full_text = _clean(parsed.text)
    reply_text = _clean(parsed.reply_text)
    text = reply_text if is_reply and reply_text.strip() else full_text
    loop = has_loop_header(raw)

    meta: dict[str, Any] = {
        "from_unambiguous": unambiguous,
        "defects": [_clean(d) for d in parsed.defects],
    }
    if text != full_text:
        meta["full_text"] = full_text
    if parsed.to:
        meta["to"] = [_clean(a) for a in parsed.to]
    if parsed.date is not None:
        meta["date"] = parsed.date.isoformat()
    if parsed.bounce:
        meta["bounce"] = True
    if loop:
        meta["zayavka_loop"] = True
    if parsed.auto_reason or loop:
        meta["auto_reason"] = _clean(parsed.auto_reason or "our own X-Zayavka-Loop header")[:300]
    for key in ("auto_submitted", "list_id", "precedence"):
        value = getattr(parsed, key)
        if value:
            meta[key] = _clean(value)[:300]
    authenticated_by = ""
    if unambiguous:
        authenticated_by = authentication_method(
            parsed.authentication_results,
            getattr(settings, "ZAYAVKA_EMAIL_AUTHSERV_ID", "") or "",
            from_email,
        )
        if authenticated_by:
            meta["authenticated_by"] = authenticated_by
    else:
        meta["sender_ambiguous"] = True
        meta["claimed_email"] = from_email

    message = InboundMessage(
        channel=CHANNEL,
        external_id=external_id or _clean(parsed.message_id),
        raw=raw,
        sender=Sender(
            email=from_email if unambiguous else "",
            name=_clean(parsed.from_name),
            authenticated=bool(authenticated_by),
        ),
        subject=subject,
        text=text,
        html=_clean(parsed.html),
        attachments=tuple(
            InboundAttachment(
                filename=_clean(a.filename),
                content_type=_clean(a.content_type) or "application/octet-stream",
                content=a.content,
                inline=a.inline,
                content_id=_clean(a.content_id),
            )
            for a in attachments
        ),
        reply=ReplyHints(message_ids=message_ids, ticket_number=number),
        cc=tuple(_clean(a) for a in parsed.cc),
        message_id=_clean(parsed.message_id),
        auto_generated=parsed.auto_generated or parsed.bounce or loop,
        auto_suspected=parsed.auto_suspected and not loop,
        failed_recipients=failed_recipients(parsed) if parsed.bounce else (),
        problems=tuple(_clean(d) for d in lost),
        meta=meta,
    )
    if received_at is not None:
        message = replace(message, received_at=received_at)
    return message


_RECIPIENT_RE = re.compile(
    rb"(?im)^(?:final|original)-recipient[ \t]*:[ \t]*rfc822[ \t]*;[ \t]*<?([^\s<>;]+@[^\s<>;]+)>?"
)
MAX_FAILED_RECIPIENTS = 10


def failed_recipients(parsed: ParsedEmail) -> tuple[str, ...]:
    """Whom a bounce says our mail did not reach: the delivery-status parts'
    Final-/Original-Recipient fields, and X-Failed-Recipients; lower-cased, no repeats."""
    found: dict[str, None] = {}
    for value in parsed.failed_recipient_headers:
        for address in value.split(","):
            if "@" in address:
                found.setdefault(_clean(address).strip().strip("<>").lower(), None)
    for att in parsed.attachments:
        if att.content_type in ("message/delivery-status", "message/global-delivery-status"):
            for match in _RECIPIENT_RE.finditer(att.content[:200_000]):
                address = match.group(1).decode("utf-8", "replace")
                found.setdefault(_clean(address).lower(), None)
    return tuple(found)[:MAX_FAILED_RECIPIENTS]


def has_loop_header(raw: bytes) -> bool:
    """True when the header section carries our own loop header (our mail came back)."""
    head = raw[:_HEADER_SCAN_BYTES]
    end = _BLANK_LINE_RE.search(head)
    if end is not None:
        head = head[: end.start()]
    return _LOOP_RE.search(head) is not None


@dataclass(frozen=True, slots=True)
class AuthResult:
    """One result of an Authentication-Results header: method, result, properties."""

    method: str
    result: str
    properties: dict[str, str]


def parse_authentication_results(value: str) -> tuple[str, list[AuthResult]]:
    """(authserv-id, results) of one Authentication-Results header value (RFC 8601).

    Comments are dropped; names are lower-cased; a header that cannot be read gives
    an empty authserv-id, which matches no configured one.
    """
    text = _strip_comments(" ".join(value.split()))
    segments = _split_outside_quotes(text, ";")
    head = segments[0].split()
    authserv_id = _unquote(head[0]).lower().rstrip(".") if head else ""
    results: list[AuthResult] = []
    for segment in segments[1:]:
        pairs = [(k.lower(), _unquote(v)) for k, v in _PAIR_RE.findall(segment)]
        if not pairs:
            continue
        method, result = pairs[0]
        results.append(
            AuthResult(
                method=method.partition("/")[0],
                result=result.lower(),
                properties=dict(pairs[1:]),
            )
        )
    return authserv_id, results


def authentication_method(headers: list[str], authserv_id: str, from_email: str) -> str:
    """ "dmarc" or "dkim" when our MTA recorded a pass for the From domain, else "".

    Only the topmost Authentication-Results header counts (our MTA adds its own on
    top; any below it came with the message), and only when its authserv-id is the
    configured one. A DKIM pass counts when the signing domain (``header.d``, else
    the domain of ``header.i``) is the From domain or a parent of it; a DMARC pass
    when its ``header.from`` is the From domain.
    """
    wanted = authserv_id.strip().lower().rstrip(".")
    domain = from_email.rpartition("@")[2].strip().lower().rstrip(".")
    if not wanted or not headers or not domain or "@" not in from_email:
        return ""
    found_id, results = parse_authentication_results(headers[0])
    if found_id != wanted:
        return ""
    for res in results:
        if (
            res.method == "dmarc"
            and res.result == "pass"
            and _domain(res.properties.get("header.from", "")) == domain
        ):
            return "dmarc"
    for res in results:
        if res.method == "dkim" and res.result == "pass":
            signer = _domain(res.properties.get("header.d", "")) or _domain(
                res.properties.get("header.i", "")
            )
            if signer and (domain == signer or ("." in signer and domain.endswith("." + signer))):
                return "dkim"
    return ""


_PAIR_RE = re.compile(r'([A-Za-z0-9_.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;"]+)')


def _domain(value: str) -> str:
    return value.rpartition("@")[2].strip().lower().rstrip(".")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _strip_comments(text: str) -> str:
    """Drop (nested) RFC 5322 comments, leaving quoted strings alone."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            quoted = ch != '"'
            out.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            quoted = ch == '"'
            out.append(ch)
    return "".join(out)


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _reply_ids(parsed: ParsedEmail) -> tuple[str, ...]:
    """In-Reply-To, then References from the nearest to the oldest; no repeats."""
    ids: dict[str, None] = {}
    for mid in [*parsed.in_reply_to, *reversed(parsed.references)]:
        mid = _clean(mid).strip()
        if mid:
            ids.setdefault(mid, None)
    return tuple(ids)[:MAX_REPLY_IDS]


def _clean(value: str) -> str:
    """A string any database and JSON column accepts: no NUL, valid UTF-8."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def replay_raw(raw: bytes, external_id: str) -> InboundMessage:
    """A quarantined raw message through the adapter again (`intake.RAW_PARSERS`)."""
    return to_inbound(raw, external_id=external_id)
