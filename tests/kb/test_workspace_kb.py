"""The knowledge base in the workspace: agents write, edit and publish articles, put
them into replies, make them from solved tickets, and see which ones fail."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.kb.actions.readers import give_feedback
from zayavka.kb.models import Article, KbCategory
from zayavka.tickets import catalog
from zayavka.tickets.actions.messages import reply_to_requester
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.models import StatusCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(client: Client, agents: Agents) -> Client:
    client.login(username="anna", password=PASSWORD)
    return client


def test_an_agent_writes_a_draft_then_publishes_it(
    anna: Client, agents: Agents, kb: dict[str, Article]
) -> None:
    mail = KbCategory.objects.get(slug="mail")
    answer = anna.post(
        "/desk/kb/new/",
        {
            "title_ru": "Почта не приходит на телефон",
            "body_ru": "Проверьте **порт 993**.\n\n<iframe src='https://evil.example'></iframe>",
            "category": mail.pk,
            "visibility": "public",
            "tags": "iphone, android",
        },
    )
    article = Article.objects.get(slug="pochta-ne-prikhodit-na-telefon")
    assert answer.status_code == 302 and answer["Location"] == f"/desk/kb/{article.pk}/"
    assert article.state == Article.State.DRAFT and article.author == agents.anna
    assert "<iframe" not in article.html_ru and "<strong>порт 993</strong>" in article.html_ru
    assert Client().get("/kb/pochta-ne-prikhodit-na-telefon/").status_code == 404
    anna.post(f"/desk/kb/{article.pk}/state/", {"state": "published"})
    assert Client().get("/kb/pochta-ne-prikhodit-na-telefon/").status_code == 200
    found = Client().get("/kb/", {"q": "почта на телефоне"}).content.decode()
    assert "/kb/pochta-ne-prikhodit-na-telefon/" in found  # indexed on save


def test_editing_keeps_every_version_and_the_address(anna: Client, kb: dict[str, Article]) -> None:
    article = kb["site-502-bad-gateway"]
    page = anna.get(f"/desk/kb/{article.pk}/").content.decode()
    assert "Сайт отвечает 502 Bad Gateway" in page
    anna.post(
        f"/desk/kb/{article.pk}/",
        {
            "title_ru": "Сайт отвечает 502",
            "body_ru": "Подождите десять минут.",
            "title_en": "The site answers 502",
            "body_en": "Wait ten minutes.",
            "visibility": "public",
            "slug": article.slug,
            "note": "short",
        },
    )
    article.refresh_from_db()
    assert article.title_en == "The site answers 502" and article.slug == "site-502-bad-gateway"
    assert article.revisions.count() == 2  # imported as published, then edited
    old = anna.get(f"/desk/kb/{article.pk}/v/1/").content.decode()
    assert "Ошибка **502** значит" in old
    assert (
        "десять минут"
        in Client()
        .get("/kb/site-502-bad-gateway/", headers={"Accept-Language": "ru"})
        .content.decode()
    )


def test_a_huge_article_is_refused_and_what_was_typed_is_kept(
    anna: Client, kb: dict[str, Article]
) -> None:
    answer = anna.post(
        "/desk/kb/new/",
        {"title_ru": "Огромная", "body_ru": "я" * 600_000, "visibility": "public"},
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "an article may be at most 256.0" in text and "Огромная" in text
    assert not Article.objects.filter(title_ru="Огромная").exists()


def test_customers_and_strangers_do_not_edit_articles(
    client: Client, agents: Agents, kb: dict[str, Article]
) -> None:
    assert client.get("/desk/kb/").status_code == 302  # to the sign-in page
    client.login(username="oleg", password=PASSWORD)
    assert client.get("/desk/kb/").status_code == 403
    assert client.post("/desk/kb/new/", {"title_ru": "x", "body_ru": "y"}).status_code == 403
    assert not Article.objects.filter(title_ru="x").exists()


def test_an_agent_inserts_an_article_into_a_reply_as_a_link_or_as_text(
    anna: Client, agents: Agents, kb: dict[str, Article], settings: object
) -> None:
    ticket = file_ticket(agents.world, "Outlook не получает почту", "Ошибка 0x800CCC0F")
    page = anna.get(f"/desk/t/{ticket.number}/").content.decode()
    outlook = kb["outlook-0x800ccc0f"]
    assert f'<option value="{outlook.pk}">' in page  # found for the ticket's own words
    assert "vpn-reset-internal" not in page
    url = f"/desk/t/{ticket.number}/article/"
    link = anna.get(
        url,
        {"article": str(outlook.pk), "mode": "link", "reply-text": "Здравствуйте!"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Здравствуйте!\n\n«Outlook: ошибка 0x800CCC0F при получении почты»: http" in link
    assert "/kb/outlook-0x800ccc0f/</textarea>" in link
    text = anna.get(url, {"article": str(outlook.pk), "mode": "text"}).content.decode()
    assert "3. В настройках учётной записи укажите порт **993**" in text
    assert "[напишите нам](http" in text  # this site's links made absolute for mail
    internal = kb["vpn-reset-internal"]
    unchanged = anna.get(url, {"article": str(internal.pk), "reply-text": "Текст"}).content.decode()
    assert "Только для инженеров" not in unchanged


def test_an_article_is_made_from_a_solved_ticket(
    anna: Client, agents: Agents, world: object
) -> None:
    ticket = file_ticket(agents.world, "Не работает сканер", "Сканер пишет «Ошибка 0x01»")
    assert anna.get(f"/desk/kb/new/?ticket={ticket.number}").status_code == 404  # not solved
    reply_to_requester(ticket, agents.anna, "Переустановите драйвер TWAIN и перезагрузите ПК.", [])
    change_status(
        ticket, catalog.status_for(StatusCategory.RESOLVED), actor_user=agents.anna, channel="agent"
    )
    page = anna.get(f"/desk/t/{ticket.number}/").content.decode()
    assert f'/desk/kb/new/?ticket={ticket.number}"' in page
    form = anna.get(f"/desk/kb/new/?ticket={ticket.number}").content.decode()
    assert 'value="Не работает сканер"' in form
    assert "## Проблема\n\nСканер пишет «Ошибка 0x01»\n\n## Решение\n\n" in form
    assert "Переустановите драйвер TWAIN" in form
    assert 'value="internal" selected' in form or 'value="internal" checked' in form
    anna.post(
        "/desk/kb/new/",
        {
            "ticket": ticket.number,
            "title_ru": "Не работает сканер",
            "body_ru": "Переустановите драйвер TWAIN.",
            "visibility": "internal",
        },
    )
    article = Article.objects.get(title_ru="Не работает сканер")
    assert article.source_ticket == ticket


def test_the_failing_articles_page_puts_the_worst_first(
    anna: Client, kb: dict[str, Article]
) -> None:
    outlook, site = kb["outlook-0x800ccc0f"], kb["site-502-bad-gateway"]
    give_feedback(outlook, False, placement="page", visitor="v1")
    give_feedback(outlook, True, placement="page", visitor="v2")
    give_feedback(site, False, placement="page", visitor="v1")
    give_feedback(kb["printer-offline"], True, placement="suggestion", visitor="v3")
    page = anna.get("/desk/kb/failing/").content.decode()
    assert page.index(site.title) < page.index(outlook.title)
    assert "The printer shows" not in page
    assert "1 request was not filed because a suggested article helped" in page


def test_the_admin_configures_sections_and_shows_articles_with_their_versions(
    client: Client, agents: Agents, kb: dict[str, Article]
) -> None:
    client.login(username="root", password=PASSWORD)
    assert client.get("/admin/kb/kbcategory/").status_code == 200
    article = kb["outlook-0x800ccc0f"]
    page = client.get(f"/admin/kb/article/{article.pk}/change/")
    assert page.status_code == 200 and "outlook-0x800ccc0f" in page.content.decode()
    client.post(f"/admin/kb/article/{article.pk}/change/", {"title_ru": "changed in the admin"})
    article.refresh_from_db()
    assert article.title_ru.startswith("Outlook")  # written in the workspace, not here
    assert client.get("/admin/kb/article/add/").status_code == 403
