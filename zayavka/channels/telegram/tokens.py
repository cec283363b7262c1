"""The signed deep link that links a chat to a contact: ``t.me/<bot>?start=<token>``.

Telegram passes the start parameter to the bot as ``/start <token>``; it may hold at
most 64 characters of ``A-Z a-z 0-9 _ -``, so this is not `django.core.signing`'s
token (it has colons and is longer): the contact's id and the time, in base 36, and an
HMAC of both under the project's secret key (Django's `salted_hmac`, as its signing
uses), cut to 144 bits.
"""

from __future__ import annotations

import base64
import time

from django.utils.crypto import constant_time_compare, salted_hmac

LINK_SALT = "zayavka.telegram.link"
LINK_MAX_AGE = 24 * 3600
MAC_BYTES = 18


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _mac(value: str) -> str:
    digest = salted_hmac(LINK_SALT, value, algorithm="sha256").digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def link_token(contact_pk: int, *, now: float | None = None) -> str:
    """A token that links the chat it is sent from to this contact, for a day."""
    value = f"{_b36(contact_pk)}-{_b36(int(time.time() if now is None else now))}"
    return f"{value}-{_mac(value)}"


def contact_of_link_token(token: str, *, now: float | None = None) -> int | None:
    """The contact a token was made for; None for a forged, malformed or old one."""
    pk, _, rest = token.partition("-")
    stamp, _, mac = rest.partition("-")
    if not (pk and stamp and mac) or len(token) > 64:
        return None
    if not constant_time_compare(mac, _mac(f"{pk}-{stamp}")):
        return None
    try:
        issued, contact_pk = int(stamp, 36), int(pk, 36)
    except ValueError:
        return None
    age = (time.time() if now is None else now) - issued
    return contact_pk if 0 <= age <= LINK_MAX_AGE else None
