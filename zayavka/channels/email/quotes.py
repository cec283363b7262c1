"""Reply extraction: the new words of a message, without quoted history.

Clients quote differently and in the user's language: Gmail writes "пн, 5 мая
2025 г. в 10:00, Поддержка <a@b>:", Outlook a block of "От:/Отправлено:/Кому:"
lines, Apple Mail "написал(а):", Thunderbird "пишет:", English clients "On ...
wrote:" or "-----Original Message-----". The rules below find the first line where
history starts and cut there; a message whose own content is a forward keeps the
forwarded part, because that part is the request. ``text`` is always kept whole
elsewhere, so a wrong cut loses nothing.
"""

from __future__ import annotations

import re

_MAX_LINES = 5000

_WROTE = re.compile(
    r"(wrote|writes|schrieb|a écrit|escribió|escreveu|ha scritto|scrisse|schreef|skrev|"
    r"kirjoitti|napisał\(a\)|napisał|napisala|napsal|írta|yazdı|пишет|писал|"
    r"написал\(а\)|написала|написал|написав|пише|έγραψε)\s*:?\s*$",
    re.I,
)
_STARTS_ON = re.compile(r"^(on|am|le|el|il|em|op|den|på|dnia|w dniu|dne|в|le\s)\b", re.I)
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_DATE = re.compile(
    r"\b(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}\s+\w{3,}\.?\s+\d{4}|\w{3,}\.?\s+\d{1,2},?\s+\d{4})",
)
_ANGLE_EMAIL = re.compile(r"<[^<>\s]+@[^<>\s]+>|\[mailto:[^\]]+\]|\S+@\S+\.\w+")

_SEPARATOR = re.compile(
    r"^\s*[-_=*]{2,}\s*("
    r"original message|original-nachricht|ursprüngliche nachricht|originalnachricht|"
    r"исходное сообщение|оригинальное сообщение|первоначальное сообщение|"
    r"message d'origine|message original|mensaje original|mensagem original|"
    r"messaggio originale|oorspronkelijk bericht|oprindelig meddelelse|"
    r"opprinnelig melding|originalmeddelande|alkuperäinen viesti|wiadomość oryginalna|"
    r"původní zpráva|reply message|ответное сообщение"
    r")\s*[-_=*]{2,}\s*$",
    re.I,
)
_FORWARD = re.compile(
    r"^\s*(?:[-_=*]{2,}\s*)?("
    r"forwarded message|forwarded by|begin forwarded message|weitergeleitete nachricht|"
    r"пересылаемое сообщение|пересланное сообщение|перенаправленное сообщение|"
    r"начало переадресованного сообщения|переадресованное сообщение|"
    r"message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht"
    r")\b.*$",
    re.I,
)
_HEADER_FROM = re.compile(
    r"^\s*\*?\s*(from|от|von|de|da|van|fra|från|od|kimden|lähettäjä|feladó|от кого)\s*:\s*\*?\s*\S",
    re.I,
)
_HEADER_OTHER = re.compile(
    r"^\s*\*?\s*(sent|date|to|subject|cc|отправлено|дата|кому|тема|копия|gesendet|datum|an|"
    r"betreff|envoyé|envoyé le|date|à|objet|enviado|fecha|para|asunto|inviato|oggetto|a|verzonden|"
    r"aan|onderwerp|sendt|til|emne|skickat|ämne|wysłano|do|temat|lähetetty|aihe)\s*:",
    re.I,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_SIGNATURE = re.compile(r"^(-- ?|--|__)\s*$")
_MOBILE = re.compile(
    r"^\s*(sent from my|sent from|sent with|sent via|get outlook for|отправлено с|отправлено из|"
    r"отправлено через|envoyé de mon|envoyé depuis|envoyé à partir de|von meinem|gesendet von|"
    r"gesendet mit|enviado desde mi|enviado do meu|inviato da|verzonden met|skickat från|"
    r"sendt fra)\b[^,;:!?]{0,60}(?<!\.)$",
    re.I,
)
_URL = re.compile(r"<?(https?://|mailto:)\S*>?")
_DASHED_TITLE = re.compile(r"^\s*[-_=*]{3,}\s*[^-_=*\s][^-_=*]{1,50}[-_=*]{3,}\s*$")
_HEADERISH = re.compile(r"^\s*\*?[^\W\d][\w .'-]{0,25}\*?\s*:\s*\S")
_RULE = re.compile(r"^\s*[-_=*~]{3,}\s*$")


def _quote_header_at(lines: list[str], i: int) -> int:
    """Number of lines (1-3) forming a quote header starting at line ``i``, or 0."""
    for span in (1, 2, 3):
        if i + span > len(lines):
            break
        chunk = " ".join(s.strip() for s in lines[i : i + span])
        if len(chunk) > 400 or not chunk:
            break
        if span > 1 and not lines[i + span - 1].strip():
            break
        if span == 2 and not _header_start(lines[i]):
            break
        if not chunk.endswith(":"):
            # "On Wed, 14 Nov 2018 ... John <j@x> wrote" (no colon), "---- On ... wrote ----"
            bare = chunk.strip("-_ ")
            if (
                _STARTS_ON.match(bare)
                and _WROTE.search(bare.rstrip(":"))
                and (_ANGLE_EMAIL.search(bare) or _TIME.search(bare))
            ):
                return span
            continue
        if _WROTE.search(chunk) and (
            _STARTS_ON.search(chunk)
            or _TIME.search(chunk)
            or _ANGLE_EMAIL.search(chunk)
            or _DATE.search(chunk)
        ):
            return span
        if _ANGLE_EMAIL.search(chunk) and (_TIME.search(chunk) or _DATE.search(chunk)):
            return span
    return 0


def _header_start(line: str) -> bool:
    """Could a quote header begin on this line (date, time, address or "On")?"""
    return bool(
        _STARTS_ON.match(line.strip())
        or _TIME.search(line)
        or _DATE.search(line)
        or _ANGLE_EMAIL.search(line)
    )


def _outlook_block_at(lines: list[str], i: int) -> bool:
    """A "From: ... / Sent: ..." header block, as Outlook and webmails quote."""
    if not _HEADER_FROM.match(lines[i]):
        return False
    others = 0
    for line in lines[i + 1 : i + 7]:
        if _HEADER_OTHER.match(line):
            others += 1
        elif line.strip() and others:
            break
    return others >= 1


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_mobile_signature(line: str) -> bool:
    """ "Sent from my iPhone", "Get Outlook for Android<https://...>" on their own."""
    return bool(_MOBILE.match(_URL.sub("", line).rstrip()))


def _extend_up(lines: list[str], start: int) -> int:
    """Move a cut up over rules and header-like lines that belong to the history."""
    while start > 0:
        prev = lines[start - 1]
        if (
            not prev.strip()
            or _RULE.match(prev)
            or _HEADER_OTHER.match(prev)
            or _DASHED_TITLE.match(prev)
        ):
            start -= 1
            continue
        if re.match(r"^\s*message du\s*:", prev, re.I):
            start -= 1
            continue
        break
    return start


def _history_start(lines: list[str]) -> tuple[int, bool]:
    """Index of the first history line and whether a forward comes first."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _FORWARD.match(stripped):
            return i, True
        if _is_quote(line) or _SEPARATOR.match(stripped) or _quote_header_at(lines, i):
            return i, False
        if _outlook_block_at(lines, i):
            return _extend_up(lines, i), False
        if _DASHED_TITLE.match(stripped) and any(
            _HEADERISH.match(s) for s in lines[i + 1 : i + 4] if s.strip()
        ):
            return i, False
        if i > 0 and _is_mobile_signature(line):
            # The mobile client's signature ends what the sender typed; below is history.
            return i, False
        if _UNDERSCORES.match(stripped):
            nxt = next((s for s in lines[i + 1 : i + 4] if s.strip()), "")
            if _HEADER_FROM.match(nxt) or _HEADER_OTHER.match(nxt):
                return i, False
    return len(lines), False


def _strip_signature(lines: list[str]) -> list[str]:
    """Cut at the "-- " separator and drop a trailing mobile-client signature."""
    for i, line in enumerate(lines):
        if _SIGNATURE.match(line) and i > 0:
            lines = lines[:i]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > 1 and _is_mobile_signature(lines[-1]):
        lines = lines[:-1]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _drop_trailing_header(lines: list[str]) -> list[str]:
    """Remove a dangling "... wrote:" line left above an HTML quote wrapper."""
    while lines and not lines[-1].strip():
        lines.pop()
    for span in (1, 2, 3):
        start = len(lines) - span
        if start < 0:
            break
        if _quote_header_at(lines, start) == span or _outlook_block_at(lines, start):
            return lines[:start]
        if _FORWARD.match(lines[start].strip()) or _SEPARATOR.match(lines[start].strip()):
            return lines[:start]
    return lines


def extract_reply(text: str, html_before_quote: str | None = None) -> str:
    """Return the new content of a message: ``text`` without quoted history.

    Strips ">" quoting, attribution lines in Russian and other languages
    ("пишет:", "wrote:", Gmail/Yandex/mail.ru date lines), Outlook header blocks
    and "Original Message" separators, the "-- " signature and a trailing "Sent
    from my iPhone". A message that starts with a forward keeps the forwarded part.
    When ``html_before_quote`` (the HTML rendering cut at the quote wrapper) is
    given and not empty, it is used as the source. Never raises; returns "" only
    when the message has no own text at all.
    """
    source = html_before_quote if html_before_quote and html_before_quote.strip() else text
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:_MAX_LINES]
    start, forward = _history_start(lines)
    if forward:
        return "\n".join(_trim(lines)).strip("\n")
    own = lines[:start]
    own = _drop_trailing_header(own)
    own = _strip_signature(own)
    if any(s.strip() for s in own):
        return "\n".join(_trim(own)).strip("\n")
    # Bottom-posting or interleaved answers: keep every line that is not history.
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        span = _quote_header_at(lines, i)
        if span:
            i += span
            continue
        if _is_quote(line) or _SEPARATOR.match(line.strip()):
            i += 1
            continue
        if _outlook_block_at(lines, i):
            # An Outlook block quotes everything below it: nothing further is new.
            break
        kept.append(line)
        i += 1
    return "\n".join(_trim(_strip_signature(kept))).strip("\n")


def _trim(lines: list[str]) -> list[str]:
    out = [line.rstrip() for line in lines]
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    # Collapse runs of blank lines left by removed blocks.
    collapsed: list[str] = []
    for line in out:
        if not line and collapsed and not collapsed[-1]:
            continue
        collapsed.append(line)
    return collapsed
