"""Two-factor authentication as an agent and an administrator meet it: setting up an
authenticator app in the workspace, signing in with its code after the password (the
desk's, the site's and the admin's sign-in alike), recovery codes that work once, and
the desk requiring it."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP

from tests.personas import PASSWORD, Agents

pytestmark = pytest.mark.django_db

DESK = "/desk/login/"
SECURITY = "/desk/security/"


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for this secret (the one on the enrolment
    page), computed with django-otp's own TOTP. A step ahead is a code not used yet:
    a used code never works twice."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(client: Client) -> tuple[str, list[str]]:
    """Set up the authenticator on the workspace's page; its secret and recovery codes."""
    page = client.get(SECURITY)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and 'class="qr"' in text
    secret = re.search(r'id="totp-secret" class="secret">([A-Z2-7 ]+)<', text)
    assert secret is not None
    done = client.post(SECURITY, {"action": "confirm", "code": code_for(secret.group(1))})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    return secret.group(1), codes


def password(client: Client, url: str, username: str) -> Any:
    return client.post(url, {"username": username, "password": PASSWORD})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_an_agent_sets_it_up_and_then_signs_in_with_the_code(
    client: Client, agents: Agents
) -> None:
    client.force_login(agents.anna)
    secret, _codes = enrol(client)
    assert "On: signing in asks for a code" in client.get(SECURITY).content.decode()
    client.post("/desk/logout/")

    asked = password(client, DESK, "anna")
    assert asked.status_code == 302 and asked["Location"] == "/login/code/"
    assert not signed_in(client)
    assert client.get("/desk/").status_code == 302  # nothing before the code

    wrong = client.post("/login/code/", {"code": "000000"})
    assert "This code is not right" in wrong.content.decode() and not signed_in(client)
    # django-otp makes the authenticator wait a second after a wrong code.
    hasty = client.post("/login/code/", {"code": code_for(secret, 1)})
    assert "After a wrong code, wait 1 second" in hasty.content.decode()
    time.sleep(1.1)
    page = client.post("/login/code/", {"code": code_for(secret, 1)})
    assert page.status_code == 302 and page["Location"] == "/desk/"
    assert signed_in(client)
    assert client.get("/desk/q/all/").status_code == 200


def test_a_recovery_code_works_once(client: Client, agents: Agents) -> None:
    client.force_login(agents.anna)
    _secret, codes = enrol(client)
    client.post("/desk/logout/")

    password(client, DESK, "anna")
    assert client.post("/login/code/", {"code": codes[0]}).status_code == 302
    assert signed_in(client)
    assert "9 recovery codes left." in client.get(SECURITY).content.decode()
    client.post("/desk/logout/")

    password(client, DESK, "anna")
    again = client.post("/login/code/", {"code": codes[0]})
    assert again.status_code == 200 and not signed_in(client)
    assert "This recovery code is not right or was used already." in again.content.decode()
    time.sleep(1.1)  # the wait after a wrong code
    assert client.post("/login/code/", {"code": codes[1]}).status_code == 302


def test_the_admin_sign_in_asks_for_the_code_too(client: Client, agents: Agents) -> None:
    client.force_login(agents.root)
    secret, _codes = enrol(client)
    client.post("/desk/logout/")
    asked = password(client, "/admin/login/?next=/admin/", "root")
    assert asked.status_code == 302 and asked["Location"] == "/login/code/"
    assert client.get("/admin/").status_code == 302
    page = client.post("/login/code/", {"code": code_for(secret, 1)})
    assert page["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_too_many_wrong_codes_ask_for_the_password_again(client: Client, agents: Agents) -> None:
    client.force_login(agents.anna)
    secret, _codes = enrol(client)
    client.post("/desk/logout/")
    password(client, DESK, "anna")
    for _n in range(4):
        assert client.post("/login/code/", {"code": "wrong"}).status_code == 200
        time.sleep(2**_n + 0.1)  # django-otp's wait doubles with each wrong code
    back = client.post("/login/code/", {"code": "wrong"})
    assert back.status_code == 302 and back["Location"] == DESK
    assert client.post("/login/code/", {"code": code_for(secret, 1)})["Location"] == "/login/"
    assert not signed_in(client)


def test_a_session_that_did_not_give_the_code_is_signed_out(client: Client, agents: Agents) -> None:
    """A session made some other way than the code step does not count."""
    client.force_login(agents.anna)
    enrol(client)
    other = Client()
    other.force_login(agents.anna)
    page = other.get("/desk/")
    assert page.status_code == 302 and page["Location"].startswith("/desk/login/")
    assert not signed_in(other)


def test_the_desk_can_require_it_of_every_agent(
    client: Client, agents: Agents, settings: Any
) -> None:
    settings.ZAYAVKA_TWO_FACTOR = "agents"
    password(client, DESK, "anna")
    page = client.get("/desk/q/all/")
    assert page.status_code == 302 and page["Location"] == SECURITY
    setup = client.get(SECURITY)
    assert "The desk requires two-factor authentication" in setup.content.decode()
    enrol(client)
    assert client.get("/desk/q/all/").status_code == 200
    assert b"Turn off" not in client.get(SECURITY).content


def test_required_of_administrators_only(client: Client, agents: Agents, settings: Any) -> None:
    settings.ZAYAVKA_TWO_FACTOR = "admins"
    root = Client()
    root.force_login(agents.root)
    assert root.get("/admin/")["Location"] == SECURITY
    agents.anna.is_staff = False  # an agent, not an administrator
    agents.anna.save(update_fields=["is_staff"])
    client.force_login(agents.anna)
    assert client.get("/desk/q/all/").status_code == 200


def test_turning_it_off_where_it_is_optional(client: Client, agents: Agents) -> None:
    client.force_login(agents.anna)
    _secret, codes = enrol(client)
    client.post(SECURITY, {"action": "off", "code": codes[0]})
    client.post("/desk/logout/")
    assert password(client, DESK, "anna")["Location"] == "/desk/"


def test_the_pages_are_in_russian(plain_client: Client, agents: Agents) -> None:
    plain_client.force_login(agents.anna)
    page = plain_client.get(SECURITY).content.decode()
    assert "Двухфакторная аутентификация" in page
    assert "Секретный ключ" in page


def test_a_session_alone_cannot_weaken_the_second_factor(client: Client, agents: Agents) -> None:
    """A stolen session cookie must not turn two-factor off or mint recovery codes:
    both ask for a current code, and a wrong one changes nothing."""
    client.force_login(agents.anna)
    _secret, codes = enrol(client)
    for action in ("off", "codes"):
        refused = client.post(SECURITY, {"action": action})
        assert refused.status_code == 400
        assert client.post(SECURITY, {"action": action, "code": "000000"}).status_code == 400
    page = client.get(SECURITY).content.decode()
    assert "10 recovery codes left" in page
    # django-otp now makes the authenticator wait after the wrong codes; a recovery code
    # is the other way to prove it is her.
    fresh = client.post(SECURITY, {"action": "codes", "code": codes[0]})
    assert fresh.status_code == 200
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", fresh.content.decode())
    assert len(new) == 10 and not set(new) & set(codes)
