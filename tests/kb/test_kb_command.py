"""`zayavka kb search [--json]`: queries on standard input, one JSON line each."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from zayavka.kb.models import Article

pytestmark = pytest.mark.django_db


def search(monkeypatch: pytest.MonkeyPatch, lines: list[str], *args: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    out = io.StringIO()
    call_command("kb", "search", *args, stdout=out)
    return out.getvalue()


def test_each_query_gets_one_json_line_with_the_top_public_articles(
    monkeypatch: pytest.MonkeyPatch, kb: dict[str, Article]
) -> None:
    queries = [
        "аутлук не получает почту, ошибка 0x800CCC0F",
        "outlook error 0x800ccc0f",
        "сброс сертификата VPN",  # only an internal article answers it
        "",
        "x" * 10_000,
        '"NEAR(a b)" * - : ^ OR AND',
        "?!…",
    ]
    lines = search(monkeypatch, queries, "--json").splitlines()
    answers = [json.loads(line) for line in lines]
    assert [a["query"] for a in answers] == queries
    first = answers[0]["articles"][0]
    assert first["slug"] == "outlook-0x800ccc0f"
    assert first["title"] == "Outlook: ошибка 0x800CCC0F при получении почты"
    assert isinstance(first["score"], float) and first["score"] > 0
    english = answers[1]["articles"][0]
    assert english["title"] == "Outlook: error 0x800CCC0F when receiving mail"
    assert all(a["slug"] != "vpn-reset-internal" for x in answers for a in x["articles"])
    assert all(len(x["articles"]) <= 5 for x in answers)
    assert answers[3]["articles"] == [] and answers[6]["articles"] == []
    scores = [a["score"] for a in answers[0]["articles"]]
    assert scores == sorted(scores, reverse=True)


def test_drafts_are_not_found(monkeypatch: pytest.MonkeyPatch, kb: dict[str, Article]) -> None:
    Article.objects.filter(slug="outlook-0x800ccc0f").update(state=Article.State.DRAFT)
    [line] = search(monkeypatch, ["0x800CCC0F"], "--json").splitlines()
    assert json.loads(line)["articles"] == []


def test_without_json_the_answer_is_for_people(
    monkeypatch: pytest.MonkeyPatch, kb: dict[str, Article]
) -> None:
    text = search(monkeypatch, ["502 bad gateway"])
    assert text.startswith("502 bad gateway\n  1. site-502-bad-gateway\t")
