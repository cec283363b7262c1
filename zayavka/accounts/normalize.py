"""Canonical forms of identifiers, so that lookups are exact index hits."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")
_NOT_DIGITS = re.compile(r"\D+")


def email_key(address: str) -> str:
    return address.strip().lower()


def email_domain(address: str) -> str:
    _, _, domain = address.strip().lower().rpartition("@")
    return domain.rstrip(".")


def phone_key(phone: str) -> str:
    """Digits only, with a Russian trunk prefix 8 turned into the country code 7."""
    digits = _NOT_DIGITS.sub("", phone)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return digits


def domain_key(value: str) -> str:
    """A site domain from a domain or URL: lower-case, no scheme, path, port or www."""
    value = value.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = re.split(r"[/?#:]", value, maxsplit=1)[0]
    value = value.rstrip(".")
    if value.startswith("www."):
        value = value[4:]
    try:
        return value.encode("idna").decode("ascii")
    except UnicodeError:
        return value


def number_key(value: str) -> str:
    """Contract and account numbers compare without case, spaces or a leading «№»."""
    value = _SPACES.sub("", value.strip().upper())
    return value[1:] if value[:1] in {"№", "#"} else value


def identifier_key(kind: str, value: str) -> str:
    if kind in {"email_domain", "site_domain"}:
        return domain_key(value)
    return number_key(value)
