"""The public knowledge base at /kb/: who reads what, in which language, what readers
say of an article, and the articles suggested while a client describes a problem."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import PASSWORD, Agents
from tests.portal.test_webform import request_data
from zayavka.kb.actions.files import attach_files
from zayavka.kb.models import Article, ArticleFeedback, ArticleShown
from zayavka.kb.stats import deflections, failing_articles
from zayavka.tickets.models import Ticket
from zayavka.tickets.uploads import Upload

pytestmark = pytest.mark.django_db


def test_the_knowledge_base_shows_its_sections_and_public_articles(
    client: Client, kb: dict[str, Article]
) -> None:
    page = client.get("/kb/").content.decode()
    assert "Email" in page and "Websites and certificates" in page
    assert "Outlook: error 0x800CCC0F when receiving mail" in page
    assert "VPN" not in page  # its only article is internal
    section = client.get("/kb/c/mail/").content.decode()
    assert 'href="/kb/outlook-0x800ccc0f/"' in section


def test_an_article_is_read_in_the_readers_language_with_a_fallback(
    client: Client, plain_client: Client, kb: dict[str, Article]
) -> None:
    english = client.get("/kb/outlook-0x800ccc0f/").content.decode()
    assert "<h1>Outlook: error 0x800CCC0F when receiving mail</h1>" in english
    assert "<strong>993</strong>" in english
    russian = plain_client.get("/kb/outlook-0x800ccc0f/").content.decode()
    assert "<h1>Outlook: ошибка 0x800CCC0F при получении почты</h1>" in russian
    only_russian = client.get("/kb/site-502-bad-gateway/").content.decode()
    assert "Сайт отвечает 502 Bad Gateway" in only_russian
    assert "available in Russian only" in only_russian
    only_english = plain_client.get("/kb/printer-offline/").content.decode()
    assert "The printer shows" in only_english


def test_internal_articles_and_drafts_exist_only_for_agents(
    client: Client, kb: dict[str, Article], agents: Agents
) -> None:
    internal = "/kb/vpn-reset-internal/"
    assert client.get(internal).status_code == 404
    client.login(username="oleg", password=PASSWORD)  # a client of the desk
    assert client.get(internal).status_code == 404
    assert "vpn-reset-internal" not in client.get("/kb/").content.decode()
    Article.objects.filter(slug="printer-offline").update(state=Article.State.DRAFT)
    assert client.get("/kb/printer-offline/").status_code == 404
    assert client.post(internal + "feedback/", {"helpful": "1"}).status_code == 404
    client.logout()
    client.login(username="anna", password=PASSWORD)
    page = client.get(internal)
    assert page.status_code == 200 and "internal: agents only" in page.content.decode()
    assert "draft" in client.get("/kb/printer-offline/").content.decode()


def test_a_view_is_one_counter_update_and_one_row_per_visitor(
    client: Client, kb: dict[str, Article]
) -> None:
    url = "/kb/outlook-0x800ccc0f/"
    client.get(url)
    client.get(url)
    client.get(url)
    article = Article.objects.get(slug="outlook-0x800ccc0f")
    assert article.views == 3
    assert ArticleShown.objects.filter(article=article).count() == 1


def test_helped_and_did_not_help_are_counted_once_per_visitor(
    client: Client, kb: dict[str, Article]
) -> None:
    url = "/kb/outlook-0x800ccc0f/feedback/"
    page = client.post(url, {"helpful": "1"}, headers={"HX-Request": "true"})
    assert "glad it helped" in page.content.decode()
    client.post(url, {"helpful": "1"})
    article = Article.objects.get(slug="outlook-0x800ccc0f")
    assert (article.helpful, article.not_helpful) == (1, 0)
    changed = client.post(url, {"helpful": "0"}, headers={"HX-Request": "true"})
    assert "File a request" in changed.content.decode()
    article.refresh_from_db()
    assert (article.helpful, article.not_helpful) == (0, 1)
    Client().post(url, {"helpful": "0"})  # another visitor
    article.refresh_from_db()
    assert (article.helpful, article.not_helpful) == (0, 2)
    assert client.post(url, {"helpful": "maybe"}).status_code == 404
    assert "Actually, it helped" in client.get("/kb/outlook-0x800ccc0f/").content.decode()


def test_the_knowledge_base_search_finds_word_forms_and_codes(
    client: Client, kb: dict[str, Article]
) -> None:
    page = client.get("/kb/", {"q": "не получается получить почту"}).content.decode()
    assert 'href="/kb/outlook-0x800ccc0f/"' in page
    assert (
        'href="/kb/outlook-0x800ccc0f/"' in client.get("/kb/", {"q": "0x800ccc0f"}).content.decode()
    )
    internal = client.get("/kb/", {"q": "сертификат VPN"}).content.decode()
    assert "vpn-reset-internal" not in internal
    for hostile in ['"', "*", "NEAR(", "- : ^", "x" * 10_000, "!!!???"]:
        assert client.get("/kb/", {"q": hostile}).status_code == 200


def test_articles_are_suggested_while_a_client_describes_the_problem(
    client: Client, kb: dict[str, Article]
) -> None:
    form = client.get("/portal/new/").content.decode()
    assert 'hx-get="/kb/suggest/"' in form and "delay:600ms" in form
    typed = {"subject": "Outlook не получает почту", "description": "ошибка 0x800CCC0F"}
    fragment = client.get("/kb/suggest/", typed).content.decode()
    assert "/kb/outlook-0x800ccc0f/?from=suggestion" in fragment
    assert "vpn-reset-internal" not in fragment
    article = Article.objects.get(slug="outlook-0x800ccc0f")
    assert article.suggested == 1
    client.get("/kb/suggest/", typed)  # the same visitor typing on: recorded once
    article.refresh_from_db()
    assert article.suggested == 1
    assert client.get("/kb/suggest/", {"subject": "", "description": ""}).content == b"\n"


def test_a_client_helped_by_a_suggestion_who_does_not_file_is_a_deflection(
    client: Client, kb: dict[str, Article]
) -> None:
    client.get("/kb/suggest/", {"subject": "Outlook 0x800CCC0F"})
    answer = client.post(
        "/kb/outlook-0x800ccc0f/feedback/",
        {"helpful": "1", "from": "suggestion", "compact": "1"},
        headers={"HX-Request": "true"},
    )
    assert "You do not need to send the request" in answer.content.decode()
    assert deflections() == 1
    feedback = ArticleFeedback.objects.get()
    assert feedback.placement == "suggestion" and feedback.ticket is None


def test_a_request_filed_after_an_article_counts_against_the_article(
    client: Client, kb: dict[str, Article]
) -> None:
    client.get("/kb/site-502-bad-gateway/")
    client.post("/kb/site-502-bad-gateway/feedback/", {"helpful": "1", "from": "suggestion"})
    client.post("/portal/new/", request_data(client), follow=True)
    ticket = Ticket.objects.get()
    shown = ArticleShown.objects.get(article__slug="site-502-bad-gateway")
    assert shown.ticket == ticket
    assert deflections() == 0  # it said «helped», then filed anyway
    [row] = failing_articles()
    assert row.article.slug == "site-502-bad-gateway"
    assert (row.shown, row.followed, row.followed_share) == (1, 1, 1.0)


def test_an_articles_files_are_served_to_those_who_may_read_it(
    client: Client, kb: dict[str, Article], agents: Agents
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    [image] = attach_files(
        kb["outlook-0x800ccc0f"], [Upload("screen.png", "image/png", png)], by=agents.anna
    )
    [secret] = attach_files(
        kb["vpn-reset-internal"], [Upload("howto.txt", "text/plain", b"x")], by=agents.anna
    )
    got = client.get(f"/kb/files/{image.pk}/screen.png")
    assert got.status_code == 200 and got.getvalue() == png
    assert got["Content-Type"] == "image/png" and got["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/kb/files/{image.pk}/other.png").status_code == 404
    assert client.get(f"/kb/files/{secret.pk}/howto.txt").status_code == 404
