"""Message-IDs that prove which ticket a reply belongs to.

Our outgoing Message-IDs carry the ticket number and an HMAC of it, so a reply's
In-Reply-To/References names its ticket without a lookup, and cannot be forged
for a ticket the sender never received mail about.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

# Every mail we send carries this header; mail that comes back with it is our own (a loop).
LOOP_HEADER = "X-Zayavka-Loop"

_OURS = re.compile(r"^zv\.(\d{1,18})\.([0-9a-z]{6,32})\.([0-9a-f]{16})@", re.IGNORECASE)


def _mac(number: int, nonce: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"ticket:{number}:{nonce}".encode(), hashlib.sha256).hexdigest()[:16]


def make_message_id(ticket_number: int, domain: str | None = None) -> str:
    """A fresh Message-ID (without angle brackets) bound to the ticket."""
    nonce = secrets.token_hex(6)
    host = domain or settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "zayavka.localhost"
    return f"zv.{ticket_number}.{nonce}.{_mac(ticket_number, nonce)}@{host}"


def ticket_number_from_message_id(message_id: str) -> int | None:
    """The ticket a Message-ID of ours was issued for; None if not ours or forged."""
    match = _OURS.match(message_id.strip().strip("<>"))
    if match is None:
        return None
    number, nonce, mac = int(match.group(1)), match.group(2), match.group(3)
    return number if hmac.compare_digest(mac.lower(), _mac(number, nonce)) else None


def ticket_number_from_subject(subject: str) -> int | None:
    """The number in a subject tag such as "[#10042]" (in the configured number format)."""
    fmt: str = settings.ZAYAVKA_TICKET_NUMBER_FORMAT
    prefix, _, rest = fmt.partition("{number")
    suffix = rest.partition("}")[2]
    pattern = r"\[#\s?" + re.escape(prefix) + r"0*([0-9]{1,18})" + re.escape(suffix) + r"\]"
    match = re.search(pattern, subject, re.IGNORECASE)
    return int(match.group(1)) if match else None
