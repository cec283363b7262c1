"""The webhook tests use the API's fixtures (tests/api/conftest.py): `api`, `anna_token`."""

from tests.api.conftest import anna_token, api

__all__ = ["anna_token", "api"]
