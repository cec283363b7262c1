"""The sign-in limits are checked on every sign-in page with the portal's personas (a
portal user, an agent) and its fixtures: fast password hashing, English pages."""

from __future__ import annotations

from tests.portal.conftest import _fast_passwords, _fresh_rate_limits, _in_english, client, people

__all__ = ["_fast_passwords", "_fresh_rate_limits", "_in_english", "client", "people"]
