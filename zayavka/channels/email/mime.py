"""Walking the MIME tree: which parts are the body and which are attachments.

The tree comes from the stdlib's compat32 parser, which is lenient and keeps raw
bytes (8-bit header and body bytes survive as surrogate escapes); every decision
about charsets, filenames and structure is ours. The walk is bounded in depth and
part count so that a message nesting itself thousands of times costs no more than
a normal one.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.feedparser import FeedParser
from email.generator import BytesGenerator
from email.message import Message
from email.policy import Compat32

from zayavka.channels.email.charsets import decode_bytes, strip_nul
from zayavka.channels.email.filenames import attachment_filename, sanitize_filename
from zayavka.channels.email.headers import decode_header
from zayavka.channels.email.uuencode import extract_uuencoded

MAX_DEPTH = 12
MAX_PARTS = 300


class RawPolicy(Compat32):
    """compat32, but header values come back exactly as received (raw strings)."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


RAW_POLICY = RawPolicy(linesep="\n")
_FEED_CHUNK = 64 * 1024


def parse_bytes(raw: bytes) -> Message:
    """The stdlib's ``BytesParser.parsebytes`` in pieces: it decodes the whole message
    into one string and reads it through a StringIO (four bytes a character), so a 20 MB
    message cost over 100 MB before a single part was made. Each byte still maps to one
    character (ASCII with surrogate escapes), so any split point is safe."""
    feeder = FeedParser(policy=RAW_POLICY)
    for start in range(0, len(raw), _FEED_CHUNK):
        feeder.feed(raw[start : start + _FEED_CHUNK].decode("ascii", "surrogateescape"))
    return feeder.close()


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    """One attachment. ``filename`` is for display only and already sanitised."""

    filename: str
    content_type: str
    size: int
    md5: str
    sha256: str
    inline: bool
    content_id: str
    content: bytes


@dataclass(slots=True)
class BodyUnit:
    """One piece of the body: a plain and/or an HTML version of the same content."""

    plain: str | None = None
    html: str | None = None


@dataclass(slots=True)
class WalkResult:
    units: list[BodyUnit] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    report_types: set[str] = field(default_factory=set)
    part_types: set[str] = field(default_factory=set)
    parts_seen: int = 0


def make_attachment(
    content: bytes, filename: str, content_type: str, *, inline: bool = False, cid: str = ""
) -> ParsedAttachment:
    return ParsedAttachment(
        filename=filename,
        content_type=content_type,
        size=len(content),
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(content).hexdigest(),
        inline=inline,
        content_id=cid,
        content=content,
    )


def _content_type(part: Message) -> str:
    raw = part.get("content-type")
    if raw is None:
        return part.get_default_type()
    ctype = str(raw).split(";", 1)[0].strip().lower()
    if ctype.count("/") != 1 or not ctype.isascii() or " " in ctype:
        return "text/plain" if not ctype or "text" in ctype else "application/octet-stream"
    return ctype


def _disposition(part: Message) -> str:
    raw = part.get("content-disposition")
    return str(raw).split(";", 1)[0].strip().lower() if raw else ""


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    if isinstance(part.get_payload(), list):
        # message/delivery-status and friends parse as a list of header blocks.
        return b"\n".join(
            _flatten(block) for block in part.get_payload() if isinstance(block, Message)
        )
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # the stdlib decoders raise on some garbage; keep going
        defects.append(f"undecodable transfer encoding: {type(exc).__name__}")
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _charset(part: Message) -> str | None:
    try:
        value = part.get_param("charset")
    except Exception:  # malformed parameters: the label is simply unknown
        return None
    if isinstance(value, tuple):
        value = value[2]
    return str(value) if value else None


def _too_many_parts(msg: Message) -> bool:
    return any(count > MAX_PARTS for count, _ in enumerate(msg.walk()))


def _flatten(msg: Message) -> bytes:
    buf = io.BytesIO()
    # A tree the generator cannot write completely still yields what it wrote.
    with contextlib.suppress(Exception):
        BytesGenerator(buf, mangle_from_=False, policy=RAW_POLICY).flatten(msg)
    return buf.getvalue()


_BOUNDARY_LINE = re.compile(r"^--([^\s]{1,200})[ \t]*\r?$", re.M)


def _recover_multipart(part: Message, defects: list[str]) -> Message | None:
    """Re-parse a multipart whose declared boundary never occurs in its body."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    for match in _BOUNDARY_LINE.finditer(payload):
        boundary = match.group(1).removesuffix("--")
        if not boundary or f"--{boundary}" not in payload[match.end() :]:
            continue
        ctype = _content_type(part)
        head = f'Content-Type: {ctype}; boundary="{boundary}"\n\n'
        data = head.encode("ascii", "replace") + payload.encode("utf-8", "surrogateescape")
        fixed: Message | None = None
        with contextlib.suppress(Exception):  # a failed candidate: try the next one
            fixed = parse_bytes(data)
        if fixed is not None and fixed.is_multipart():
            defects.append("multipart boundary not found; recovered from body")
            return fixed
    return None


class Walker:
    """Collects body units and attachments from a parsed message, within budgets."""

    def __init__(self, fallbacks: Sequence[str]) -> None:
        self.fallbacks = fallbacks
        self.result = WalkResult()

    def walk(self, root: Message) -> WalkResult:
        self._part(root, depth=0, is_root=True)
        return self.result

    # -- helpers -----------------------------------------------------------
    def _text_of(self, part: Message, data: bytes) -> str:
        decoded = decode_bytes(data, _charset(part), self.fallbacks)
        if decoded.defect:
            self.result.defects.append(decoded.defect)
        return strip_nul(decoded.text.replace("\r\n", "\n").replace("\r", "\n"))

    def _attach(self, part: Message, data: bytes, ctype: str, *, fallback_name: str = "") -> None:
        name = attachment_filename(part, ctype, self.fallbacks, fallback=fallback_name)
        if name.defect:
            self.result.defects.append(name.defect)
        cid = str(part.get("content-id") or "").strip()
        cid = decode_header(cid).text.strip().strip("<>").strip()
        inline = _disposition(part) == "inline" or (
            bool(cid) and _disposition(part) != "attachment"
        )
        self.result.attachments.append(
            make_attachment(data, name.name, ctype, inline=inline, cid=cid)
        )

    # -- the walk ----------------------------------------------------------
    def _part(self, part: Message, *, depth: int, is_root: bool) -> None:
        res = self.result
        res.parts_seen += 1
        if res.parts_seen > MAX_PARTS:
            if res.parts_seen == MAX_PARTS + 1:
                res.defects.append(f"more than {MAX_PARTS} MIME parts; the rest is ignored")
            return
        try:
            self._dispatch(part, depth=depth, is_root=is_root)
        finally:
            # Read after decoding: the stdlib records transfer-encoding faults lazily.
            res.defects.extend(_defect_text(d) for d in getattr(part, "defects", []) or [])

    def _dispatch(self, part: Message, *, depth: int, is_root: bool) -> None:
        res = self.result
        ctype = _content_type(part)
        res.part_types.add(ctype)
        if ctype.startswith("multipart/"):
            self._multipart(part, ctype, depth=depth, is_root=is_root)
            return
        if ctype in ("message/rfc822", "message/global"):
            self._attached_message(part)
            return
        data = _payload_bytes(part, res.defects)
        disposition = _disposition(part)
        has_name = bool(
            part.get_param("filename", header="content-disposition") or part.get_param("name")
        )
        is_text = ctype in ("text/plain", "text/html") or (is_root and ctype.startswith("text/"))
        if is_text and disposition != "attachment" and (not has_name or is_root):
            text = self._text_of(part, data)
            if ctype == "text/html":
                res.units.append(BodyUnit(html=text))
            else:
                text, found = extract_uuencoded(text)
                for filename, content in found:
                    mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
                    res.attachments.append(make_attachment(content, filename, mime))
                res.units.append(BodyUnit(plain=text))
            return
        if (
            ctype == "application/ms-tnef"
            or (str(part.get_param("name") or "").lower() == "winmail.dat")
        ) and self._tnef(data):
            return
        if ctype == "message/delivery-status":
            res.report_types.add("delivery-status")
        elif ctype == "message/feedback-report":
            res.report_types.add("feedback-report")
        fallback = {
            "message/delivery-status": "delivery-status.txt",
            "message/disposition-notification": "disposition-notification.txt",
            "message/feedback-report": "feedback-report.txt",
            "text/rfc822-headers": "headers.txt",
        }.get(ctype, "")
        described = self._described_name(part, ctype)
        self._attach(part, data, ctype, fallback_name=described or fallback)

    def _described_name(self, part: Message, ctype: str) -> str:
        """A name from Content-Description ("Delivery report"), as mail clients show."""
        text = decode_header(part.get("content-description"), self.fallbacks).text
        if not text or len(text) > 100:
            return ""
        if ctype.startswith(("text/", "message/")) and ctype != "message/rfc822":
            return f"{text}.txt"
        ext = mimetypes.guess_extension(ctype, strict=False) or ""
        return text if "." in text[-6:] or not ext else f"{text}{ext}"

    def _multipart(self, part: Message, ctype: str, *, depth: int, is_root: bool) -> None:
        res = self.result
        children = part.get_payload()
        if not isinstance(children, list):
            recovered = _recover_multipart(part, res.defects)
            if recovered is not None:
                children = recovered.get_payload()
            else:
                res.defects.append("multipart without parts; body kept as text")
                data = _payload_bytes(part, res.defects)
                res.units.append(BodyUnit(plain=self._text_of(part, data)))
                return
        if depth >= MAX_DEPTH:
            res.defects.append(f"MIME nesting deeper than {MAX_DEPTH}; inner parts ignored")
            return
        if ctype == "multipart/report":
            report = str(part.get_param("report-type") or "").lower()
            res.report_types.add(report or "report")
        if ctype == "multipart/alternative":
            self._alternative([c for c in children if isinstance(c, Message)], depth)
            return
        for child in children:
            if isinstance(child, Message):
                self._part(child, depth=depth + 1, is_root=False)

    def _alternative(self, children: list[Message], depth: int) -> None:
        """Merge the alternatives of one content into one body unit."""
        res = self.result
        unit = BodyUnit()
        for child in children:
            if not isinstance(child, Message):
                continue
            before = len(res.units)
            self._part(child, depth=depth + 1, is_root=False)
            produced = res.units[before:]
            del res.units[before:]
            plain = "\n\n".join(u.plain for u in produced if u.plain is not None)
            html = "".join(u.html for u in produced if u.html is not None)
            if any(u.plain is not None for u in produced) and unit.plain is None:
                unit.plain = plain
            if any(u.html is not None for u in produced):
                # The last alternative is the richest (RFC 2046); prefer its HTML.
                unit.html = html
        if unit.plain is not None or unit.html is not None:
            res.units.append(unit)

    def _attached_message(self, part: Message) -> None:
        res = self.result
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message) and _too_many_parts(inner):
            # Re-serialising thousands of nested parts costs seconds; the raw source,
            # which the intake stores first, still has them.
            res.defects.append("attached message with too many parts; kept only in the source")
            return
        if isinstance(inner, Message):
            data = _flatten(inner)
            subject = decode_header(inner.get("subject"), self.fallbacks).text
        else:
            data = _payload_bytes(part, res.defects)
            subject = ""
        description = decode_header(part.get("content-description"), self.fallbacks).text
        if subject:
            fallback = f"{subject[:120]}.eml"
        elif description and len(description) <= 100:
            fallback = f"{description}.eml"
        else:
            fallback = "message.eml"
        self._attach(part, data, "message/rfc822", fallback_name=fallback)

    def _tnef(self, data: bytes) -> bool:
        """Unpack winmail.dat into its attachments; False if it cannot be read."""
        try:
            from tnefparse import TNEF  # type: ignore[import-untyped]
        except ImportError:
            return False
        try:
            tnef = TNEF(data)
            found = [
                (a.long_filename() or a.name or "attachment.bin", a.data) for a in tnef.attachments
            ]
        except Exception:  # corrupt TNEF: keep winmail.dat as it is
            self.result.defects.append("unreadable winmail.dat kept as is")
            return False
        if not found:
            return False
        for name, content in found:
            clean = sanitize_filename(str(name)) or "attachment.bin"
            mime = mimetypes.guess_type(clean)[0] or "application/octet-stream"
            self.result.attachments.append(make_attachment(bytes(content), clean, mime))
        return True


def _defect_text(defect: object) -> str:
    name = type(defect).__name__
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("Defect")).lower()
    return f"MIME: {words}"
