"""The normaliser: what a text becomes as search terms, and what a query asks for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from zayavka.search import build_query, document_terms, query_terms
from zayavka.search.normalize import MAX_QUERY_TERMS, fold_scripts


def test_word_forms_meet_at_one_term() -> None:
    assert query_terms("почты") == query_terms("почта") == query_terms("ПОЧТОЙ")
    assert query_terms("серверы") == query_terms("сервером") == query_terms("сервер")
    assert query_terms("printers") == query_terms("printer") == ["printer"]


def test_yo_is_ye_and_case_does_not_matter() -> None:
    assert query_terms("Ёлка") == query_terms("елка") == query_terms("ЕЛКА")
    assert query_terms("всё зависло") == query_terms("зависло")  # «всё» is a stop word


def test_function_words_are_dropped_but_content_words_stay() -> None:
    assert query_terms("не уходит почта из outlook") == query_terms("уходит почта outlook")
    assert query_terms("the printer is not working") == query_terms("printer working")
    # The stopwords package's Russian list holds these; a desk needs them.
    assert query_terms("нет времени") != []
    assert len(query_terms("нет интернета")) == 2


def test_codes_stay_whole_and_their_parts_are_indexed_too() -> None:
    text = "Ошибка 0x800CCC0F, код E-02, SMTP 5.7.1, ERR_CONNECTION_REFUSED, 1С:Предприятие 8.3"
    terms = document_terms(text)
    for code in ["0x800ccc0f", "e-02", "5.7.1", "err_connection_refused", "1c:предприятие", "8.3"]:
        assert code in terms
    assert set(query_terms("предприятие connection")) <= set(terms)
    assert query_terms("E-02") == ["e-02"]
    assert query_terms("0x800CCC0F") == ["0x800ccc0f"]


def test_mixed_scripts_are_read_in_one() -> None:
    assert query_terms("Outlооk") == query_terms("Outlook")  # Cyrillic «о»
    assert query_terms("пpинтep") == query_terms("принтер")  # Latin «p», «e»
    assert query_terms("1С") == query_terms("1C")  # Cyrillic and Latin «С»
    assert fold_scripts("сервер") == "сервер" and fold_scripts("server") == "server"


def test_fts_syntax_is_only_words() -> None:
    for text in ['"a', "a*", "NEAR(a b)", "-x", "col:word", "a AND (b OR NOT c)", "'; DROP"]:
        query = build_query(text, prefix=True)
        assert '"' not in "".join(query.terms) and "'" not in "".join(query.terms)
    assert build_query("!!! ,,, ... :* ()", prefix=True).terms == ()


def test_the_last_word_while_typing_is_a_prefix() -> None:
    assert build_query("принтер", prefix=True).fts5() == '"принтер"*'
    assert build_query("принтер ", prefix=True).fts5() == '"принтер"'
    assert build_query("принтер не", prefix=True).fts5() == '"принтер"'  # «не» dropped
    assert build_query("пр", prefix=True).fts5() == '"пр"'  # too short for a prefix
    # A surname's forms: the stem and the stem of the stem.
    assert build_query("Волкова ").tsquery() == "('волков' | 'волк')"
    assert build_query("бухгал", prefix=True).tsquery() == "('бухга':* | 'бухг':*)"
    assert build_query("почта outlook", match="any").tsquery() == "'почт' | 'outlook'"


def test_huge_input_is_bounded() -> None:
    query = build_query("слово, " * 10_000 + "x" * 10_000, prefix=True)
    assert len(query.terms) <= MAX_QUERY_TERMS
    assert all(len(t) <= 64 for t in document_terms("a" * 100_000 + " " + "б" * 100_000))
    assert document_terms("." * 1_000_000) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_safe_terms(text: str) -> None:
    for term in document_terms(text) + query_terms(text):
        assert term and " " not in term and '"' not in term and "'" not in term
        assert len(term) <= 64
    query = build_query(text, prefix=True)
    assert query.fts5().count('"') == 2 * len(query.terms)
