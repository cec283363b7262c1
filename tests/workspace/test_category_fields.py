"""The ticket's category and its form's fields, edited on the ticket page: the required
ones are marked and checked, every change reads in the history as "old → new"."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import Agents, file_ticket
from zayavka.tickets.actions.tickets import change_category
from zayavka.tickets.models import Category, CategoryField, EventKind, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail(agents: Agents) -> Category:
    """A second category whose form shares the "version" question with the site's."""
    category = Category.objects.create(slug="mail", name_ru="Почта", name_en="Mail")
    CategoryField.objects.create(
        category=category, key="version", label_ru="Версия", label_en="Version"
    )
    CategoryField.objects.create(
        category=category,
        key="client",
        label_ru="Почтовая программа",
        label_en="Mail client",
        kind=CategoryField.Kind.CHOICE,
        choices=["Outlook", "Thunderbird"],
        required=True,
    )
    return category


@pytest.fixture
def ticket(agents: Agents) -> Ticket:
    w = agents.world
    CategoryField.objects.create(
        category=w.category,
        key="site_domain",
        label_ru="Адрес сайта",
        label_en="Site address",
        required=True,
    )
    CategoryField.objects.create(
        category=w.category, key="version", label_ru="Версия", label_en="Version"
    )
    return file_ticket(
        w,
        "Сайт не открывается",
        team=w.team,
        category=w.category,
        fields={"site_domain": "romashka-shop.ru", "version": "1.2", "api_ref": "A-17"},
    )


def test_the_page_shows_the_fields_editable_with_the_required_ones_marked(
    agents: Agents, client: Client, ticket: Ticket
) -> None:
    client.force_login(agents.anna)
    html = client.get(f"/desk/t/{ticket.number}/").content.decode()
    assert f'action="/desk/t/{ticket.number}/category/"' in html
    assert 'for="id_field-site_domain">Site address *</label>' in html
    assert (
        'name="field-site_domain" id="id_field-site_domain" value="romashka-shop.ru" required'
        in html
    )
    assert 'name="field-version" id="id_field-version" value="1.2">' in html
    assert "A-17" in html  # an answer no form asks for is still shown


def test_an_agent_edits_a_field_and_the_history_says_old_and_new(
    agents: Agents, client: Client, ticket: Ticket
) -> None:
    client.force_login(agents.anna)
    response = client.post(
        f"/desk/t/{ticket.number}/category/",
        {
            "category": str(agents.world.category.pk),
            "field-site_domain": "romashka-shop.ru",
            "field-version": "1.3",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.fields == {"site_domain": "romashka-shop.ru", "version": "1.3", "api_ref": "A-17"}
    event = ticket.events.get(kind=EventKind.FIELDS)
    assert event.actor_user == agents.anna
    assert event.data["fields"] == [{"key": "version", "from": "1.2", "to": "1.3"}]
    assert "category" not in event.data
    html = client.get(f"/desk/t/{ticket.number}/").content.decode()
    assert "Fields changed</strong>: Version: 1.2 → 1.3" in html


def test_changing_the_category_keeps_the_answers_the_new_form_also_asks(
    agents: Agents, client: Client, ticket: Ticket, mail: Category
) -> None:
    client.force_login(agents.anna)
    # Without JavaScript the old form's fields come along; "version" carries over.
    response = client.post(
        f"/desk/t/{ticket.number}/category/",
        {
            "category": str(mail.pk),
            "field-site_domain": "romashka-shop.ru",
            "field-version": "1.2",
            "field-client": "Outlook",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Category and fields saved." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.category == mail
    assert ticket.fields == {"version": "1.2", "client": "Outlook", "api_ref": "A-17"}
    assert ticket.team == agents.world.team  # not re-routed: the agent reassigns if need be
    html = client.get(f"/desk/t/{ticket.number}/").content.decode()
    assert (
        "Category: Site is not working → Mail; Mail client: — → Outlook;"
        " Site address: romashka-shop.ru → —"
    ) in html


def test_the_picked_categorys_fields_come_filled_with_the_tickets_answers(
    agents: Agents, client: Client, ticket: Ticket, mail: Category
) -> None:
    client.force_login(agents.anna)
    response = client.get(f"/desk/t/{ticket.number}/category/fields/", {"category": str(mail.pk)})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="category-fields"')
    assert 'value="1.2"' in html and "Mail client *" in html
    assert "site_domain" not in html and 'class="errors"' not in html


def test_a_required_field_left_empty_or_a_choice_not_offered_saves_nothing(
    agents: Agents, client: Client, ticket: Ticket, mail: Category
) -> None:
    client.force_login(agents.anna)
    url = f"/desk/t/{ticket.number}/category/"
    empty = client.post(url, {"category": str(mail.pk), "field-version": "2.0"})
    assert empty.status_code == 400
    html = empty.content.decode()
    assert "This field is required." in html
    assert 'value="2.0"' in html  # what was typed comes back
    wrong = client.post(url, {"category": str(mail.pk), "field-client": "The Bat!"})
    assert wrong.status_code == 400
    assert "Choose one of the offered values." in wrong.content.decode()
    cleared = client.post(
        url, {"category": str(agents.world.category.pk), "field-site_domain": " "}
    )
    assert cleared.status_code == 400
    ticket.refresh_from_db()
    assert ticket.category == agents.world.category
    assert ticket.fields["version"] == "1.2"
    assert not ticket.events.filter(kind=EventKind.FIELDS).exists()


def test_an_inactive_category_cannot_be_chosen(
    agents: Agents, client: Client, ticket: Ticket, mail: Category
) -> None:
    mail.is_active = False
    mail.save(update_fields=["is_active"])
    client.force_login(agents.anna)
    response = client.post(f"/desk/t/{ticket.number}/category/", {"category": str(mail.pk)})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.category == agents.world.category


def test_saving_the_same_answers_changes_nothing(agents: Agents, ticket: Ticket) -> None:
    assert not change_category(
        ticket, agents.world.category, {"site_domain": "romashka-shop.ru", "version": "1.2"}
    )
    assert not ticket.events.filter(kind=EventKind.FIELDS).exists()


def test_customers_and_agents_outside_a_restricted_team_are_refused(
    agents: Agents, client: Client, ticket: Ticket, mail: Category
) -> None:
    data = {"category": str(mail.pk), "field-client": "Outlook"}
    client.force_login(agents.oleg)  # the requester himself, with a portal account
    assert client.post(f"/desk/t/{ticket.number}/category/", data).status_code == 403
    secret = file_ticket(agents.world, "Утечка", team=agents.security)
    client.force_login(agents.anna)
    assert client.post(f"/desk/t/{secret.number}/category/", data).status_code == 404
    for one in (ticket, secret):
        one.refresh_from_db()
        assert one.category != mail
