"""The generic full-text index, on whichever back end the suite runs (SQLite, then
PostgreSQL under bin/check): the same documents are found on both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zayavka.search import FullTextIndex, Query

pytestmark = pytest.mark.django_db

DOCS = {
    1: {"title": "Не уходит почта", "body": "Outlook пишет ошибку 0x800CCC0F при отправке"},
    2: {"title": "Принтер не печатает", "body": "На экране ошибка E-02, замятие бумаги"},
    3: {"title": "Ёлка на сайте", "body": "Баннер с ёлкой не грузится: 502 Bad Gateway"},
    4: {"title": "1С:Предприятие 8.3", "body": "Не хватает лицензий, ERR_CONNECTION_REFUSED"},
    5: {"title": "Касса", "body": "Ошибка 02 при печати чека, почта тут ни при чём"},
}


@pytest.fixture
def index() -> Iterator[FullTextIndex]:
    made = FullTextIndex("test_docs", fields=("title", "body"), weights=(3.0, 1.0))
    made.create()  # in the test's transaction: gone after it
    made.update_many(DOCS.items())
    yield made


def keys(index: FullTextIndex, query: str | Query, **options: object) -> list[int]:
    return [key for key, _score in index.search(query, limit=10, **options)]  # type: ignore[arg-type]


def test_word_forms_yo_and_codes_are_found(index: FullTextIndex) -> None:
    assert keys(index, "почты") == [1, 5]  # the title outranks the body
    assert keys(index, "елка") == [3]
    assert keys(index, "0x800ccc0f") == [1]
    assert keys(index, "E-02") == [2]  # whole: not the «02» of the till
    assert keys(index, "предприятие лицензия") == [4]
    assert keys(index, "1C 8.3") == [4]  # Latin «C»
    assert keys(index, "connection refused") == [4]
    assert keys(index, "печатает принтер") == [2]
    assert keys(index, "принтер сайт") == []


def test_prefix_while_typing_and_any_word(index: FullTextIndex) -> None:
    assert keys(index, "замят") == []
    assert keys(index, "замят", prefix=True) == [2]
    assert keys(index, "err_conn", prefix=True) == [4]
    typed = index.query("замят", prefix=True)
    assert keys(index, index.expand(typed)) == [2]  # exact terms on SQLite
    assert keys(index, "принтер сайт", match="any") == [2, 3] or keys(
        index, "принтер сайт", match="any"
    ) == [3, 2]


def test_query_syntax_and_junk_never_raise(index: FullTextIndex) -> None:
    for query in [
        '"почта',
        "почта*",
        "NEAR(почта outlook)",
        "-почта",
        "title:почта",
        "почта AND (outlook OR NOT принтер)",
        "'; DROP TABLE fulltext_test_docs; --",
        "!!! ,,, ... :* ()",
        "почта " * 2_000,
        "",
    ]:
        index.search(query, prefix=True)
        index.search(query, match="any")
    assert keys(index, "почта AND outlook") == [1]  # AND is a stop word, not an operator


def test_documents_change_with_their_sources(index: FullTextIndex) -> None:
    index.append(2, {"body": "Заменили картридж"})
    assert keys(index, "картриджа") == [2]
    assert keys(index, "замятие") == [2]  # what it held stays
    index.update(2, {"title": "Сканер"})
    assert keys(index, "картридж") == [] and keys(index, "сканер") == [2]
    index.append(9, {"title": "Новая", "body": "заявка"})
    assert keys(index, "новая заявка") == [9]
    index.delete(9)
    assert keys(index, "заявка") == []


def test_search_among_keys(index: FullTextIndex) -> None:
    assert keys(index, "ошибка", among=[2, 5]) == [2, 5] or keys(index, "ошибка", among=[2, 5]) == [
        5,
        2,
    ]
    assert keys(index, "ошибка", among=[]) == []
    assert keys(index, "почта", among=[5]) == [5]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200), st.booleans(), st.sampled_from(["all", "any"]))
def test_any_text_is_a_valid_query_on_the_back_end(
    index: FullTextIndex, text: str, prefix: bool, match: str
) -> None:
    index.search(text, prefix=prefix, match=match)  # type: ignore[arg-type]
