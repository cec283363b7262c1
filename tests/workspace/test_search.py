"""Finding a ticket by what one remembers of it: words of the subject or the thread,
the requester's name, email or phone, the number. The same full-text index and
normaliser on SQLite and PostgreSQL (bin/check runs every test here on both), so each
expectation below is also the parity of the two back ends."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import ContactFactory
from tests.personas import Agents, file_ticket
from zayavka.accounts.models import ContactAddress
from zayavka.tickets.actions.messages import add_note
from zayavka.tickets.actions.relations import merge_tickets
from zayavka.tickets.fulltext import TICKETS
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


@pytest.mark.django_db
def test_russian_words_are_found_in_any_form(
    agents: Agents, client: Client, tickets: dict[str, Ticket]
) -> None:
    client.force_login(agents.anna)
    server = {"Упал сервер 1С"}
    assert found(client, "серверы") == server  # another form of the word
    assert found(client, "сервером бухгалтерии") == server  # every word, each in any form
    assert found(client, "сервер принтер") == set()
    assert found(client, "бухгал") == server  # a half-typed last word
    assert found(client, "отправки") == {"Не уходит почта из Outlook"}
    assert found(client, "почты") == {"Не уходит почта из Outlook"}
    assert found(client, "Волкова") == {"Вопрос по договору"}
    assert found(client, "1C") == server  # a Latin «C» for the Cyrillic «С»


@pytest.mark.django_db
def test_yo_and_ye_are_one_letter(agents: Agents, client: Client) -> None:
    file_ticket(agents.world, "Всё зависло", "Ёлка не грузится")
    client.force_login(agents.anna)
    assert found(client, "все зависло") == {"Всё зависло"}
    assert found(client, "елка") == {"Всё зависло"}
    assert found(client, "ёлки") == {"Всё зависло"}


@pytest.mark.django_db
def test_stop_words_and_query_syntax_do_not_break_the_query(
    agents: Agents, client: Client, tickets: dict[str, Ticket]
) -> None:
    client.force_login(agents.anna)
    assert found(client, "не уходит") == {"Не уходит почта из Outlook"}
    assert found(client, "!!! & | :* ()") == set()
    for query in [
        "a:* & !b | (c",
        '"почта',
        "почта*",
        "NEAR(почта outlook)",
        "-почта",
        "subject:почта",
        "почта AND (outlook OR NOT принтер)",
        "'; DROP TABLE fulltext_tickets; --",
        "почта " * 2_000,
        "." * 10_000,
    ]:
        assert client.get("/desk/q/all/", {"q": query}).status_code == 200
    assert found(client, '"почта" outlook*') == {"Не уходит почта из Outlook"}


@pytest.mark.django_db
def test_codes_are_found_whole(agents: Agents, client: Client) -> None:
    """«E-02» is one term (and «e», «02» are not what it is found by), so the till's
    «ошибка 02» is not a match; «5.7.1» and «ERR_CONNECTION_REFUSED» likewise."""
    file_ticket(agents.world, "Не печатает принтер", "Принтер выдаёт ошибку E-02.")
    file_ticket(agents.world, "Касса", "Ошибка 02 при печати чека")
    file_ticket(agents.world, "Письма не доходят", "SMTP отвечает 5.7.1 Relay denied")
    file_ticket(agents.world, "Сайт", "Chrome: ERR_CONNECTION_REFUSED")
    client.force_login(agents.anna)
    assert found(client, "E-02") == {"Не печатает принтер"}
    assert found(client, "ошибку e-02") == {"Не печатает принтер"}
    assert found(client, "5.7.1") == {"Письма не доходят"}
    assert found(client, "err_connection_refused") == {"Сайт"}
    assert found(client, "connection refused") == {"Сайт"}  # its parts too
    assert found(client, "192.168.1.10") == set()


@pytest.mark.django_db
def test_the_index_follows_the_thread_and_merges(agents: Agents) -> None:
    """Kept by the actions: a new message is found at once; after a merge, the merged
    ticket's words also find the ticket it went into."""

    def finds(query: str) -> set[int]:
        condition = search.ticket_condition(query)
        assert condition is not None
        return set(Ticket.objects.filter(condition).values_list("pk", flat=True))

    first = file_ticket(agents.world, "Касса", "Не печатает чек")
    second = file_ticket(agents.world, "Склад", "Накладные")
    assert finds("чек") == {first.pk} and finds("касса") == {first.pk}
    add_note(first, author=agents.anna, text="Замените термоленту")
    assert finds("термоленту") == {first.pk}
    merge_tickets(first, second, by=agents.root)
    assert finds("термолента") == {first.pk, second.pk}
    assert finds("накладные") == {second.pk}


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_search_uses_the_full_text_index(agents: Agents) -> None:
    """On PostgreSQL the tickets' documents are read through their GIN index."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    found_sql = TICKETS.keys_sql("сервер")
    assert found_sql is not None
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + found_sql[0], found_sql[1])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "fulltext_tickets_document" in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_rare_words_are_looked_up_first_and_common_ones_joined_in_the_queues_order(
    agents: Agents, client: Client, monkeypatch: pytest.MonkeyPatch, tickets: dict[str, Ticket]
) -> None:
    """A rare word's few tickets are read from the index first and taken by id; a
    common word is tested on each ticket of the page's query. Either way the same
    tickets."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    client.force_login(agents.anna)
    monkeypatch.setattr(search, "COMMON_SHARE", 10**9)  # no word is common
    with CaptureQueriesContext(connection) as queries:
        rare = found(client, "сервер")
    assert rare == {"Упал сервер 1С"}
    page_query = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT 51" in q["sql"]]
    assert page_query and all("fulltext_tickets" not in sql for sql in page_query)

    monkeypatch.setattr(search, "COMMON_SHARE", 0)  # every word is common
    with CaptureQueriesContext(connection) as queries:
        assert found(client, "сервер") == rare
    page_query = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT 51" in q["sql"]]
    assert page_query and all("fulltext_tickets" in sql for sql in page_query)

    monkeypatch.setattr(search, "COMMON_SHARE", 10**9)
    monkeypatch.setattr(search, "SPARSE_MATCHES", 0)  # more matches than the ids taken
    assert found(client, "сервер") == rare
    assert found(client, "Волков") == {"Вопрос по договору"}


@pytest.mark.django_db
def test_each_way_of_applying_the_words_finds_the_same_tickets(
    agents: Agents, client: Client, monkeypatch: pytest.MonkeyPatch, tickets: dict[str, Ticket]
) -> None:
    """Ids first, every match as a subquery, or each row tested in the queue's order
    (which one depends on how many tickets match): the same tickets on either back end."""
    client.force_login(agents.anna)
    expected = {"сервер": {"Упал сервер 1С"}, "бухгал": {"Упал сервер 1С"}, "печать": set()}
    for sparse, dense, common in [(2_000, 0.1, 0.01), (0, 1.0, 10**9), (0, 0.0, 0)]:
        monkeypatch.setattr(search, "SPARSE_MATCHES", sparse)
        monkeypatch.setattr(search, "DENSE_SHARE", dense)
        monkeypatch.setattr(search, "COMMON_SHARE", common)
        for query, subjects in expected.items():
            assert found(client, query) == subjects, (query, sparse, dense)
