"""The web forms' one-time tokens: each form carries one, and what it files has the
token's id as its external id, so that the same form submitted twice files once."""

from __future__ import annotations

import secrets

from django.core import signing

FORM_SALT = "zayavka.portal.form"
MAX_AGE = 7 * 24 * 3600


def new_form_token() -> str:
    """A one-time token for one form."""
    return signing.dumps(secrets.token_urlsafe(16), salt=FORM_SALT)


def form_token_id(token: str) -> str:
    """The id inside a token we issued; BadSignature for anything else."""
    value: str = signing.loads(token, salt=FORM_SALT, max_age=MAX_AGE)
    return value
