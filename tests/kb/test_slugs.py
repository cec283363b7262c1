"""Readable, stable addresses: Russian titles in Latin letters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zayavka.kb.slugs import MAX_SLUG, is_valid_slug, numbered, slug_from_title


def test_russian_titles_are_transliterated() -> None:
    assert slug_from_title("Почта не приходит") == "pochta-ne-prikhodit"
    assert slug_from_title("Ошибка 1С: «Лицензия не обнаружена»") == (
        "oshibka-1s-litsenziia-ne-obnaruzhena"
    )
    assert slug_from_title("Щёлкните «Пуск», ёлка") == "shchelknite-pusk-elka"


def test_codes_and_english_titles_stay_readable() -> None:
    assert slug_from_title("Outlook: error 0x800CCC0F") == "outlook-error-0x800ccc0f"
    assert slug_from_title("SMTP 5.7.1 — relay denied") == "smtp-5-7-1-relay-denied"


def test_a_title_of_signs_only_gets_a_placeholder() -> None:
    assert slug_from_title("?!…") == "article"


def test_long_titles_are_cut_at_a_word() -> None:
    slug = slug_from_title("очень " * 40)
    assert len(slug) <= MAX_SLUG and not slug.endswith("-") and slug.endswith("ochen")


def test_taken_slugs_are_numbered_within_the_limit() -> None:
    assert numbered("pochta", 2) == "pochta-2"
    assert len(numbered("a" * MAX_SLUG, 12)) == MAX_SLUG


@given(st.text(max_size=200))
def test_every_title_gives_a_valid_slug(title: str) -> None:
    assert is_valid_slug(slug_from_title(title))
