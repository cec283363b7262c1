"""The public request form: what a visitor types becomes a ticket, once; bad input is
refused with everything typed kept; bots and floods are turned away."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from tests.factories import World
from tests.personas import Customers
from zayavka.accounts.models import ChannelPolicy
from zayavka.tickets.models import Category, CategoryField, Outbox, RawInput, Ticket, Verification

pytestmark = pytest.mark.django_db


def form_token(client: Client, url: str = "/portal/new/") -> str:
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'name="token" value="([^"]+)"', page.content.decode())
    assert found
    return found.group(1)


def request_data(client: Client, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token": form_token(client),
        "company": "ООО «Тюльпан»",
        "name": "Анна Иванова",
        "email": "anna@tulpan.example",
        "phone": "+7 921 000-00-00",
        "category": "",
        "urgency": "normal",
        "subject": "Не открывается сайт",
        "description": "С утра ошибка 502.",
        "website": "",
    }
    data.update(overrides)
    return data


def test_a_visitor_files_a_request_and_sees_its_number(client: Client, world: World) -> None:
    page = client.post("/portal/new/", request_data(client), follow=True)
    ticket = Ticket.objects.get()
    assert ticket.channel == "web"
    assert ticket.verification == Verification.NONE
    assert ticket.messages.get().text == "С утра ошибка 502."
    assert ticket.fields["company"] == "ООО «Тюльпан»"
    assert ticket.display_number in page.content.decode()


def test_the_acknowledgement_to_an_unconfirmed_address_does_not_echo_the_text(
    client: Client, world: World
) -> None:
    client.post("/portal/new/", request_data(client, subject="КУПИТЕ СЛОНА"))
    ack = Outbox.objects.get(template="ticket_created")
    assert ack.recipient == "anna@tulpan.example"
    assert "КУПИТЕ" not in str(ack.context)
    assert "Анна" not in str(ack.context)


def test_a_visitor_typing_a_registered_clients_address_is_not_taken_for_them(
    client: Client, world: World
) -> None:
    """Anyone can type o.smirnov@romashka.ru into the public form (R27): the request is
    unverified, and the acknowledgement to the real Oleg does not relay what was typed."""
    client.post(
        "/portal/new/",
        request_data(client, email="o.smirnov@romashka.ru", subject="Смените пароль бухгалтеру"),
    )
    ticket = Ticket.objects.get()
    assert ticket.verification == Verification.NONE
    ack = Outbox.objects.get(template="ticket_created")
    assert ack.recipient == "o.smirnov@romashka.ru"
    assert "пароль" not in str(ack.context)


def test_the_same_form_sent_twice_files_one_ticket(client: Client, world: World) -> None:
    data = request_data(client)
    first = client.post("/portal/new/", data, follow=True)
    second = client.post("/portal/new/", data, follow=True)
    ticket = Ticket.objects.get()
    assert ticket.display_number in first.content.decode()
    assert ticket.display_number in second.content.decode()


def test_a_signed_in_client_files_a_verified_request_as_themselves(
    client: Client, customers: Customers
) -> None:
    client.force_login(customers.oleg)
    page = client.get("/portal/new/").content.decode()
    assert "o.smirnov@romashka.ru" in page
    client.post(
        "/portal/new/",
        request_data(client, email="someone.else@example.org", name="Олег Смирнов"),
    )
    ticket = Ticket.objects.get(
        channel="web", subject="Не открывается сайт", verification="authenticated"
    )
    assert ticket.requester_id == customers.world.oleg.pk
    assert ticket.organization_id == customers.world.romashka.pk


def test_the_category_form_asks_for_its_own_fields_with_hints(client: Client, world: World) -> None:
    CategoryField.objects.create(
        category=world.category,
        key="site_url",
        label_ru="Адрес сайта",
        label_en="Site address",
        hint_en="The address you open, e.g. https://example.ru",
        required=True,
    )
    page = client.get("/portal/new/").content.decode()
    assert "Site address *" in page
    assert "e.g. https://example.ru" in page
    missing = client.post(
        "/portal/new/", request_data(client, category=world.category.pk, subject="Сайт")
    )
    assert missing.status_code == 400
    assert "This field is required." in missing.content.decode()
    assert not Ticket.objects.exists()
    client.post(
        "/portal/new/",
        request_data(
            client,
            category=world.category.pk,
            **{f"cf_{world.category.pk}_site_url": "https://tulpan.example"},
        ),
    )
    ticket = Ticket.objects.get()
    assert ticket.category == world.category
    assert ticket.fields["site_url"] == "https://tulpan.example"


def test_only_the_chosen_categorys_form_is_checked_by_the_phone_forms_rule(
    client: Client, world: World
) -> None:
    CategoryField.objects.create(
        category=world.category,
        key="site_url",
        label_ru="Адрес сайта",
        label_en="Site address",
        required=True,
    )
    other = Category.objects.create(slug="mail", name_ru="Почта", name_en="Mail")
    CategoryField.objects.create(
        category=other,
        key="client",
        label_ru="Программа",
        label_en="Mail client",
        kind=CategoryField.Kind.CHOICE,
        choices=["Outlook", "Thunderbird"],
        required=True,
    )
    # Every category's form is on the page; JavaScript shows the chosen one.
    page = client.get("/portal/new/").content.decode()
    assert f'data-category="{world.category.pk}"' in page and f'data-category="{other.pk}"' in page
    assert f'name="cf_{other.pk}_client"' in page
    wrong = client.post(
        "/portal/new/",
        request_data(client, category=other.pk, **{f"cf_{other.pk}_client": "The Bat!"}),
    )
    assert wrong.status_code == 400
    assert "Choose one of the offered values." in wrong.content.decode()
    assert not Ticket.objects.exists()
    # The mail form's required answer is not asked of a request about the site.
    client.post(
        "/portal/new/",
        request_data(
            client,
            category=world.category.pk,
            **{
                f"cf_{world.category.pk}_site_url": " https://tulpan.example ",
                f"cf_{other.pk}_client": "x",
            },
        ),
    )
    assert Ticket.objects.get().fields == {
        "site_url": "https://tulpan.example",
        "company": "ООО «Тюльпан»",
        "phone": "+7 921 000-00-00",
    }


@pytest.mark.parametrize("field", ["company", "name", "email", "phone", "subject", "description"])
def test_a_missing_required_field_is_named_and_the_rest_is_kept(
    client: Client, world: World, field: str
) -> None:
    data = request_data(client, **{field: ""})
    page = client.post("/portal/new/", data)
    assert page.status_code == 400
    body = page.content.decode()
    assert "This field is required." in body
    for name in ("company", "name", "email", "phone", "subject", "description"):
        if name != field:
            assert escape(data[name]) in body, name
    assert not Ticket.objects.exists()


def test_a_ten_thousand_character_subject_is_refused(client: Client, world: World) -> None:
    page = client.post("/portal/new/", request_data(client, subject="Ы" * 10_000))
    assert page.status_code == 400
    assert "at most 500 characters" in page.content.decode()
    assert not Ticket.objects.exists()


def test_an_oversized_file_is_refused_clearly_and_the_text_is_kept(
    client: Client, world: World
) -> None:
    # Romashka's contract takes 300 KB on the web form; the sender's domain is Romashka's.
    ChannelPolicy.objects.create(
        contract=world.romashka_contract, channel="web", max_attachment_bytes=300 * 1024
    )
    big = SimpleUploadedFile("screen.png", b"x" * (301 * 1024), content_type="image/png")
    page = client.post(
        "/portal/new/",
        request_data(client, email="o.new@romashka.ru", attachments=[big]),
    )
    assert page.status_code == 400
    body = page.content.decode().replace("\xa0", " ")
    assert "screen.png is 301.0 KB: files may be at most 300.0 KB." in body
    assert "choose the files again" in body
    assert "С утра ошибка 502." in body and "o.new@romashka.ru" in body
    assert not Ticket.objects.exists()
    assert not RawInput.objects.exists()


def test_a_kind_of_file_the_policy_forbids_is_refused(client: Client, world: World) -> None:
    ChannelPolicy.objects.create(
        contract=world.romashka_contract, channel="web", allowed_kinds=["image", "document"]
    )
    program = SimpleUploadedFile("fix.exe", b"MZ", content_type="application/octet-stream")
    page = client.post(
        "/portal/new/", request_data(client, email="o.new@romashka.ru", attachments=[program])
    )
    assert page.status_code == 400
    assert "fix.exe is a kind of file not accepted here. Accepted: Images, Documents." in (
        page.content.decode()
    )
    assert not Ticket.objects.exists()


def test_an_allowed_file_is_attached(client: Client, world: World) -> None:
    shot = SimpleUploadedFile("screen.png", b"\x89PNG small", content_type="image/png")
    client.post("/portal/new/", request_data(client, attachments=[shot]))
    att = Ticket.objects.get().attachments.get()
    assert (att.filename, att.withheld) == ("screen.png", False)


def test_script_tags_in_every_field_are_shown_escaped(client: Client, world: World) -> None:
    evil = "<script>alert(1)</script>"
    page = client.post(
        "/portal/new/",
        request_data(
            client,
            company=evil,
            name=evil,
            email="not an email " + evil,
            phone=evil,
            subject=evil,
            description=evil,
        ),
    )
    assert page.status_code == 400  # the email is not an address
    body = page.content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_bot_filling_the_honeypot_sees_thanks_and_nothing_is_stored(
    client: Client, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    page = client.post(
        "/portal/new/", request_data(client, website="http://spam.example"), follow=True
    )
    assert page.status_code == 200
    assert "Your request has been sent." in page.content.decode()
    assert not Ticket.objects.exists() and not RawInput.objects.exists()
    assert "honeypot" in caplog.text


def test_too_many_requests_from_one_address_are_refused(
    client: Client, world: World, settings: Any
) -> None:
    settings.ZAYAVKA_WEBFORM_RATE_PER_EMAIL = 2
    for n in range(2):
        client.post("/portal/new/", request_data(client, subject=f"Вопрос {n}"))
    page = client.post("/portal/new/", request_data(client, subject="Вопрос 3"))
    assert page.status_code == 429
    assert "Too many requests" in page.content.decode()
    assert "Вопрос 3" in page.content.decode()  # kept for later
    assert Ticket.objects.count() == 2


def test_too_many_requests_from_one_ip_are_refused(
    client: Client, world: World, settings: Any
) -> None:
    settings.ZAYAVKA_WEBFORM_RATE_PER_IP = 1
    client.post("/portal/new/", request_data(client, email="a@one.example"))
    page = client.post("/portal/new/", request_data(client, email="b@two.example"))
    assert page.status_code == 429
    assert Ticket.objects.count() == 1


def test_the_embedded_form_may_be_framed_and_has_no_site_chrome(
    client: Client, world: World
) -> None:
    page = client.get("/portal/new/?embed=1")
    assert "X-Frame-Options" not in page.headers
    assert 'class="embed"' in page.content.decode()
    assert client.get("/portal/").headers.get("X-Frame-Options") == "DENY"


def test_a_forged_form_token_files_nothing(client: Client, world: World) -> None:
    page = client.post("/portal/new/", request_data(client, token="made-up"))
    assert page.status_code == 400
    assert not Ticket.objects.exists()


def test_the_embedded_form_files_without_our_cookies(world: World) -> None:
    # In a provider's iframe the browser withholds our cookies, the CSRF one included.
    framed = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    page = framed.post("/portal/new/?embed=1", request_data(framed), follow=True)
    assert page.status_code == 200
    assert Ticket.objects.get().channel == "web"


def test_a_forged_cross_site_post_does_not_speak_for_the_signed_in_client(
    customers: Customers,
) -> None:
    victim = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    victim.force_login(customers.oleg)
    victim.post(
        "/portal/new/", request_data(victim, email="attacker@evil.example", subject="Удалите всё")
    )
    ticket = Ticket.objects.get(subject="Удалите всё")
    assert ticket.verification == Verification.NONE
    assert ticket.requester_id != customers.world.oleg.pk


def test_a_request_in_a_registered_clients_name_is_marked_unverified_wherever_it_shows(
    client: Client, customers: Customers
) -> None:
    """Anyone may type Oleg's address into the public form. The request still reaches
    Oleg and his manager (he must learn that someone wrote in his name, and the desk
    replies to his address anyway), but every list and page says nothing confirms it."""
    client.post(
        "/portal/new/",
        request_data(client, email="o.smirnov@romashka.ru", subject="Смените пароль бухгалтеру"),
    )
    forged = Ticket.objects.get(subject="Смените пароль бухгалтеру")
    assert forged.verification == Verification.NONE
    client.force_login(customers.oleg)
    client.post("/portal/new/", request_data(client, subject="Мой настоящий запрос"))
    own = Ticket.objects.get(subject="Мой настоящий запрос")
    assert own.verification == Verification.AUTHENTICATED

    def row(html: str, ticket: Ticket) -> str:
        found = re.search(
            rf"<tr>\s*<td><a href=\"/portal/t/{ticket.number}/\">.*?</tr>", html, re.S
        )
        assert found, ticket
        return found.group(0)

    for person in (customers.oleg, customers.maria):
        client.force_login(person)
        html = client.get("/portal/").content.decode()
        assert 'class="unverified"' in row(html, forged)
        assert 'class="unverified"' not in row(html, own)
        page = client.get(f"/portal/t/{forged.number}/").content.decode()
        assert "Unverified request." in page and "nothing confirms that" in page
        assert "Unverified request." not in client.get(f"/portal/t/{own.number}/").content.decode()

    client.force_login(customers.anna)
    queue = client.get("/desk/q/all/").content.decode()
    one_row = r"<tr>(?:(?!</tr>).)*/desk/t/{}/(?:(?!</tr>).)*</tr>"
    forged_row = re.search(one_row.format(forged.number), queue, re.S)
    own_row = re.search(one_row.format(own.number), queue, re.S)
    assert forged_row and 'class="unverified"' in forged_row.group(0)
    assert own_row and 'class="unverified"' not in own_row.group(0)
    ticket_page = client.get(f"/desk/t/{forged.number}/").content.decode()
    assert "The requester is not verified." in ticket_page
