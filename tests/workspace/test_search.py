"""Finding a ticket by what one remembers of it: words of the subject or the thread,
the requester's name, email or phone, the number. Full-text on PostgreSQL (Russian
stemming), substring search on SQLite."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import ContactFactory
from tests.personas import Agents, file_ticket
from zayavka.accounts.models import Contact, ContactAddress
from zayavka.tickets.actions.messages import add_note
from zayavka.tickets.models import Ticket
from zayavka.workspace import search


def found(client: Client, query: str) -> set[str]:
    ids = search.matching_ticket_ids(query)
    assert ids is not None
    via_ids = set(Ticket.objects.filter(pk__in=ids).values_list("subject", flat=True))
    page = client.get("/desk/q/all/", {"q": query}).content.decode()
    missing = {s for s in via_ids if f">{s}<" not in page}
    assert not missing, "found but not listed on the page"
    return via_ids


@pytest.fixture
def tickets(agents: Agents) -> dict[str, Ticket]:
    w = agents.world
    volkov = ContactFactory.create(name="Андрей Волков", email="volkov@sever-veter.ru")
    ContactAddress.objects.create(contact=volkov, kind="phone", value="+7 495 555-02-20")
    made = {
        "server": file_ticket(w, "Упал сервер 1С", "Бухгалтерия стоит, сервер не отвечает."),
        "mail": file_ticket(w, "Не уходит почта из Outlook", "Ошибка 0x800CCC0F при отправке"),
        "volkov": file_ticket(w, "Вопрос по договору", "Сколько стоит?", requester=volkov),
    }
    add_note(made["mail"], agents.anna, "Проверить пароль SMTP на шлюзе")
    return made


@pytest.mark.django_db
def test_words_of_the_subject_and_the_thread_find_the_ticket(
    agents: Agents, client: Client, tickets: dict[str, Ticket]
) -> None:
    client.force_login(agents.anna)
    assert found(client, "сервер") == {"Упал сервер 1С"}
    assert found(client, "Бухгалтерия") == {"Упал сервер 1С"}
    assert found(client, "0x800CCC0F") == {"Не уходит почта из Outlook"}
    assert found(client, "SMTP") == {"Не уходит почта из Outlook"}  # an internal note
    assert found(client, "Outlook") == {"Не уходит почта из Outlook"}
    assert found(client, "принтер") == set()


@pytest.mark.django_db
def test_the_requester_is_found_by_name_email_or_phone_and_the_ticket_by_number(
    agents: Agents, client: Client, tickets: dict[str, Ticket]
) -> None:
    client.force_login(agents.anna)
    volkov = {"Вопрос по договору"}
    assert found(client, "Волков") == volkov
    assert found(client, "VOLKOV@sever-veter.ru") == volkov
    assert found(client, "8 (495) 555-02-20") == volkov
    number = tickets["server"].number
    assert found(client, str(number)) == {"Упал сервер 1С"}
    assert found(client, f"#{number}") == {"Упал сервер 1С"}


@pytest.mark.django_db
def test_search_combines_with_the_queue_and_filters(
    agents: Agents, client: Client, tickets: dict[str, Ticket]
) -> None:
    client.force_login(agents.anna)
    page = client.get("/desk/q/all/", {"q": "сервер", "priority": "urgent"}).content.decode()
    assert "Упал сервер 1С" not in page
    page = client.get("/desk/q/unassigned/", {"q": "сервер"}).content.decode()
    assert "Упал сервер 1С" in page


def test_the_migration_indexes_the_expressions_the_search_queries() -> None:
    migration = importlib.import_module("zayavka.workspace.migrations.0001_search_indexes")
    indexed = {table: expression for _name, table, expression in migration.INDEXES}
    assert indexed == {
        "tickets_ticket": search.vector_sql("subject"),
        "tickets_message": search.vector_sql("text", search.MESSAGE_CHARS),
        "accounts_contact": search.vector_sql("name"),
    }


def test_query_words_are_normalised() -> None:
    assert search.terms_of("Всё  про СЕРВЕР-1С!!") == ["все", "про", "сервер", "1с"]
    assert search.terms_of("'; DROP TABLE x; --") == ["drop", "table", "x"]
    assert len(search.terms_of("слово " * 50)) == search.MAX_TERMS


# --- PostgreSQL: stemming, prefixes, the indexes ------------------------------------------


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("full-text search runs on PostgreSQL; SQLite searches substrings")


@pytest.mark.postgres
@pytest.mark.django_db
def test_russian_words_are_found_in_any_form(
    agents: Agents, client: Client, tickets: dict[str, Ticket]
) -> None:
    needs_postgres()
    client.force_login(agents.anna)
    server = {"Упал сервер 1С"}
    assert found(client, "серверы") == server  # another form of the word
    assert found(client, "сервером бухгалтерии") == server  # every word, each in any form
    assert found(client, "сервер принтер") == set()
    assert found(client, "бухгал") == server  # a half-typed last word
    assert found(client, "отправки") == {"Не уходит почта из Outlook"}
    assert found(client, "Волкова") == {"Вопрос по договору"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_yo_and_ye_are_one_letter(agents: Agents, client: Client) -> None:
    needs_postgres()
    file_ticket(agents.world, "Всё зависло", "Ёлка не грузится")
    client.force_login(agents.anna)
    assert found(client, "все зависло") == {"Всё зависло"}
    assert found(client, "елка") == {"Всё зависло"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_stop_words_and_symbols_do_not_break_the_query(
    agents: Agents, client: Client, tickets: dict[str, Ticket]
) -> None:
    needs_postgres()
    client.force_login(agents.anna)
    assert found(client, "не уходит") == {"Не уходит почта из Outlook"}
    assert found(client, "!!! & | :* ()") == set()
    assert client.get("/desk/q/all/", {"q": "a:* & !b | (c"}).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_search_uses_the_full_text_indexes(agents: Agents) -> None:
    """The ticket's search document and the contacts' names are read through their GIN
    indexes (an expression index serves only the very expression it was built on)."""
    needs_postgres()
    terms = search.terms_of("сервер")
    for rows, index in (
        (Ticket.objects.filter(search.document_matches(terms)), "workspace_ticket_search_document"),
        (Contact.objects.filter(search.FullTextMatch("name", terms)), "workspace_contact_name_fts"),
    ):
        sql, params = rows.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_codes_are_found_as_postgresql_reads_them(agents: Agents, client: Client) -> None:
    """PostgreSQL indexes «E-02» as `e-02`, `e` and `-02`: searching the words «e» and
    «02» alone would miss it; the query as PostgreSQL parses it finds it."""
    needs_postgres()
    file_ticket(agents.world, "Не печатает принтер", "Принтер выдаёт ошибку E-02.")
    file_ticket(agents.world, "Касса", "Ошибка 02 при печати чека")
    client.force_login(agents.anna)
    assert found(client, "E-02") == {"Не печатает принтер"}
    assert found(client, "ошибку e-02") == {"Не печатает принтер"}
    assert found(client, "192.168.1.10") == set()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_search_document_follows_the_thread(agents: Agents) -> None:
    """Kept by triggers: a new message is found at once; a changed subject, a message
    moved to another ticket or deleted change what finds the ticket."""
    needs_postgres()

    def finds(query: str) -> set[int]:
        condition = search.ticket_condition(query)
        assert condition is not None
        return set(Ticket.objects.filter(condition).values_list("pk", flat=True))

    first = file_ticket(agents.world, "Касса", "Не печатает чек")
    second = file_ticket(agents.world, "Склад", "Накладные")
    assert finds("чек") == {first.pk} and finds("касса") == {first.pk}
    add_note(first, author=agents.anna, text="Замените термоленту")
    assert finds("термоленту") == {first.pk}
    Ticket.objects.filter(pk=first.pk).update(subject="Терминал")
    assert finds("касса") == set() and finds("терминал") == {first.pk}
    assert finds("чек") == {first.pk}  # the thread stays in the rebuilt document
    message = first.messages.get(text="Не печатает чек")
    message.ticket = second
    message.save(update_fields=["ticket"])
    assert finds("чек") == {second.pk}
    message.delete()
    assert finds("чек") == set() and finds("накладные") == {second.pk}


@pytest.mark.postgres
@pytest.mark.django_db
def test_rare_words_are_looked_up_first_and_common_ones_tested_in_the_queues_order(
    agents: Agents, client: Client, monkeypatch: pytest.MonkeyPatch, tickets: dict[str, Ticket]
) -> None:
    """A rare word's few tickets are read from the index first and taken by id (left
    to itself, PostgreSQL may read every ticket looking for them); a common word is
    tested on each ticket of the queue in its order, until a page is full. Either way
    the same tickets are found."""
    needs_postgres()
    client.force_login(agents.anna)
    monkeypatch.setattr(search, "COMMON_SHARE", 10**9)  # no word is common
    with CaptureQueriesContext(connection) as queries:
        rare = found(client, "сервер")
    assert rare == {"Упал сервер 1С"}
    page_query = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT 51" in q["sql"]]
    assert page_query and all('"search_document" @@' not in sql for sql in page_query)

    monkeypatch.setattr(search, "COMMON_SHARE", 0)  # every word is common
    with CaptureQueriesContext(connection) as queries:
        assert found(client, "сервер") == rare
    page_query = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT 51" in q["sql"]]
    assert page_query and all('"search_document" @@' in sql for sql in page_query)

    monkeypatch.setattr(search, "COMMON_SHARE", 10**9)
    monkeypatch.setattr(search, "SPARSE_MATCHES", 0)  # more matches than the ids taken
    assert found(client, "сервер") == rare
    assert found(client, "Волков") == {"Вопрос по договору"}
