"""How the desk names a user wherever it shows one: their full name, else their username."""

from __future__ import annotations

import pytest

from zayavka.accounts.models import Agent, User


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Анна", "Иванова", "Анна Иванова"),
        ("Анна", "", "Анна"),
        ("", "Иванова", "Иванова"),
        ("", "", "anna"),
        ("  ", " ", "anna"),
    ],
)
def test_a_user_is_shown_by_full_name_else_by_username(first: str, last: str, shown: str) -> None:
    user = User(username="anna", first_name=first, last_name=last)
    assert user.display_name == shown


def test_an_agent_reads_as_their_users_name() -> None:
    assert str(Agent(user=User(username="anna"))) == "anna"
    assert str(Agent(user=User(username="anna", first_name="Анна"))) == "Анна"
