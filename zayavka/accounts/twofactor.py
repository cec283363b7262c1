"""Two-factor authentication: a TOTP authenticator app (django-otp's TOTP devices) with
single-use recovery codes (its static devices), for the desk's agents and
administrators.

The sign-in asks for a code after the password when the user has a confirmed
authenticator (signin.py keeps the half-signed-in user in the session meanwhile). Who
must have one is the setting ZAYAVKA_TWO_FACTOR: "optional" (nobody), "admins" (staff
and superusers), "agents" (every agent, and the administrators). The workspace's
middleware sends whoever must and has none to the enrolment page before anything else.
"""

from __future__ import annotations

import base64
import math
import time
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

OPTIONAL, ADMINS, AGENTS = "optional", "admins", "agents"
RECOVERY_CODES = 10
_PENDING = "zv_2fa_pending"
# How long the code step waits after the password, and how many wrong codes it takes
# before the password must be given again.
PENDING_SECONDS = 300
PENDING_ATTEMPTS = 5


def policy() -> str:
    value = str(settings.ZAYAVKA_TWO_FACTOR).strip().lower()
    return value if value in {ADMINS, AGENTS} else OPTIONAL


def is_admin(user: Any) -> bool:
    return bool(user.is_staff or user.is_superuser)


def has_device(user: Any) -> bool:
    """Does the user sign in with an authenticator app (a confirmed TOTP device)?"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@dataclass(frozen=True)
class Verdict:
    device: Device | None
    wait: int = 0  # seconds before the device takes another code


def verify(user: Any, code: str) -> Verdict:
    """The device that accepts this code: six digits go to the authenticator (its
    current code, not one already used), anything else to the recovery codes (an unused
    one, then spent). After a wrong code django-otp makes its device wait, doubling
    with each further wrong code: `wait` says how long."""
    code = "".join(code.split()).lower()
    if not code:
        return Verdict(None)
    kind: type[Device] = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        for device in kind.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, why = device.verify_is_allowed()
            if not allowed:
                until = (why or {}).get("locked_until")
                wait = math.ceil((until - timezone.now()).total_seconds()) if until else 1
                return Verdict(None, max(1, wait))
            if device.verify_token(code):
                return Verdict(device)
    return Verdict(None)


# --- Enrolment -----------------------------------------------------------------------


def enrolling_device(user: Any) -> TOTPDevice:
    """The user's authenticator being set up: a new secret, kept unconfirmed until the
    user proves with a code that the app has it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as the apps take it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[n : n + 4] for n in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// link as a QR code, an SVG drawn here (no outside service)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#111", light="#fff", svgclass="qr"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup, of a link we made


def confirm(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a code from the app; the user's recovery codes
    (new ones) on success, None when the code is wrong. The user's other authenticators
    go: one app at a time."""
    code = "".join(code.split())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        return new_recovery_codes(device.user)


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes; answers them (this is the only time they can
    be read)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def turn_off(user: Any) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


# --- The code step of the sign-in ------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """Someone who gave the right password and owes a code."""

    user: Any
    backend: str
    name: str  # as typed: what the sign-in limits count
    next: str
    login_url: str


def begin(request: HttpRequest, user: Any, name: str, next_url: str) -> None:
    request.session[_PENDING] = {
        "user": user.pk,
        "backend": str(getattr(user, "backend", "")),
        "name": name,
        "next": next_url,
        "login": request.get_full_path(),
        "at": time.time(),
        "attempts": 0,
    }


def pending(request: HttpRequest) -> Pending | None:
    data = request.session.get(_PENDING)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=int(data.get("user", 0)), is_active=True).first()
    if user is None:
        return None
    return Pending(user, data["backend"], data["name"], data["next"], data["login"])


def count_wrong_code(request: HttpRequest) -> bool:
    """One more wrong code; False once there were too many (the password is asked for
    again)."""
    data = request.session.get(_PENDING) or {}
    data["attempts"] = int(data.get("attempts", 0)) + 1
    request.session[_PENDING] = data
    if data["attempts"] >= PENDING_ATTEMPTS:
        end(request)
        return False
    return True


def end(request: HttpRequest) -> None:
    request.session.pop(_PENDING, None)
