"""Keyset pages: walking them gives every ticket exactly once, in order, at any depth,
also when many tickets share a sort value or have no deadline at all."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.personas import Agents, file_ticket
from zayavka.tickets.models import Ticket
from zayavka.workspace import pagination
from zayavka.workspace.pagination import SORTS, Cursor, Sort, keyset_page
from zayavka.workspace.queues import with_next_due

pytestmark = pytest.mark.django_db


def make_tickets(agents: Agents, seed: int, count: int = 23) -> list[Ticket]:
    """Tickets whose times fall on a few shared instants; some without deadlines."""
    rng = random.Random(seed)
    start = timezone.now().replace(microsecond=0) - timedelta(days=3)
    made = []
    for _ in range(count):
        at = start + timedelta(minutes=rng.choice([0, 0, 5, 5, 5, 30]))
        ticket = file_ticket(agents.world, at=at)
        due = rng.choice([None, at + timedelta(hours=4), at + timedelta(hours=8)])
        Ticket.objects.filter(pk=ticket.pk).update(
            updated_at=at + timedelta(seconds=rng.choice([0, 1])),
            resolution_due=due,
            first_response_due=None,
        )
        made.append(ticket)
    return made


def expected_order(sort: Sort) -> list[int]:
    rows = list(with_next_due(Ticket.objects.all()).values("pk", sort.field))
    present = [r for r in rows if r[sort.field] is not None]
    absent = [r for r in rows if r[sort.field] is None]
    present.sort(key=lambda r: (r[sort.field], r["pk"]), reverse=sort.descending)
    absent.sort(key=lambda r: r["pk"], reverse=sort.descending)
    return [r["pk"] for r in present + absent]  # no deadline: always last


def walk(sort: Sort, size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = keyset_page(with_next_due(Ticket.objects.all()), sort, cursor, size)
        seen += [t.pk for t in page.rows]
        if page.next_cursor is None:
            return seen
        cursor = Cursor.decode(page.next_cursor, sort)
        assert cursor is not None
    raise AssertionError("pages never ended")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_walking_the_pages_gives_every_ticket_once_in_order(agents: Agents, seed: int) -> None:
    make_tickets(agents, seed)
    for code, sort in SORTS.items():
        for size in (1, 4, 7):
            assert walk(sort, size) == expected_order(sort), (code, size)


def test_a_tampered_or_foreign_cursor_starts_at_the_first_page(agents: Agents) -> None:
    updated = SORTS["-updated"]
    assert Cursor.decode("garbage!", updated) is None
    assert Cursor.decode(Cursor("-number", 5, 1).encode(), updated) is None
    assert Cursor.decode(Cursor("-updated", "yesterday", 1).encode(), updated) is None  # type: ignore[arg-type]
    assert Cursor.decode(Cursor("-updated", None, 1).encode(), updated) is None  # not nullable
    moment = timezone.now()
    assert Cursor.decode(Cursor("-updated", moment, 7).encode(), updated) == Cursor(
        "-updated", moment, 7
    )
    assert Cursor.decode(Cursor("deadline", None, 7).encode(), SORTS["deadline"]) is not None


def test_the_queue_pages_through_links_without_offsets(
    agents: Agents, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_tickets(agents, seed=4, count=12)
    monkeypatch.setattr(pagination, "PAGE_SIZE", 5)
    client.force_login(agents.anna)
    url: str | None = "/desk/q/all/?sort=number"
    numbers: list[int] = []
    pages = 0
    while url:
        html = client.get(url).content.decode()
        numbers += [int(n) for n in re.findall(r'<td class="num"><a href="/desk/t/(\d+)/"', html)]
        following = re.search(r'<a href="(\?[^"]*)" rel="next"', html)
        url = "/desk/q/all/" + following.group(1).replace("&amp;", "&") if following else None
        pages += 1
    assert pages == 3
    assert numbers == sorted(t.number for t in made)


def test_columns_never_null_are_ordered_as_their_index_is() -> None:
    """NULLS LAST on a NOT NULL column changes no order, but PostgreSQL would then not
    walk the (updated_at, id) index: only the deadline, which may be missing, asks for it."""
    for code, sort in SORTS.items():
        sql = str(with_next_due(Ticket.objects.all()).order_by(*sort.order_by()).query)
        assert ("NULLS LAST" in sql) == (sort.field == "next_due"), code


def walk_back(sort: Sort, size: int) -> list[int]:
    """From the last page to the first through the previous-page cursors."""
    page = keyset_page(with_next_due(Ticket.objects.all()), sort, None, size)
    while page.next_cursor is not None:
        page = keyset_page(
            with_next_due(Ticket.objects.all()), sort, Cursor.decode(page.next_cursor, sort), size
        )
    seen = [t.pk for t in page.rows]
    for _ in range(100):
        if page.previous_cursor is None:
            assert page.is_first
            return seen
        cursor = Cursor.decode(page.previous_cursor, sort)
        page = keyset_page(with_next_due(Ticket.objects.all()), sort, cursor, size, backward=True)
        assert len(page.rows) == size  # a previous page is always a full one
        seen = [t.pk for t in page.rows] + seen
    raise AssertionError("pages never ended")


@pytest.mark.parametrize("seed", [5, 6])
def test_walking_back_gives_every_ticket_once_in_order(agents: Agents, seed: int) -> None:
    """Also across the tickets without a deadline, which come last in every order."""
    make_tickets(agents, seed)
    for code, sort in SORTS.items():
        for size in (1, 4, 7):
            assert walk_back(sort, size) == expected_order(sort), (code, size)


def test_the_previous_page_link_goes_back_one_page(
    agents: Agents, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = sorted(t.number for t in make_tickets(agents, seed=7, count=12))
    monkeypatch.setattr(pagination, "PAGE_SIZE", 5)
    client.force_login(agents.anna)

    def numbers(html: str) -> list[int]:
        return [int(n) for n in re.findall(r'<td class="num"><a href="/desk/t/(\d+)/"', html)]

    def link(html: str, rel: str) -> str | None:
        found = re.search(rf'<a href="(\?[^"]*)" rel="{rel}"', html)
        return "/desk/q/all/" + found.group(1).replace("&amp;", "&") if found else None

    first = client.get("/desk/q/all/?sort=number").content.decode()
    assert link(first, "prev") is None
    second_url = link(first, "next")
    assert second_url is not None
    second = client.get(second_url).content.decode()
    third_url = link(second, "next")
    assert third_url is not None
    third = client.get(third_url).content.decode()
    assert numbers(third) == made[10:] and link(third, "next") is None
    back_url = link(third, "prev")
    assert back_url is not None and "before=" in back_url and "after=" not in back_url
    back = client.get(back_url).content.decode()
    assert numbers(back) == made[5:10]
    again_url = link(back, "prev")
    assert again_url is not None
    again = client.get(again_url).content.decode()
    assert numbers(again) == made[:5]
    assert link(again, "prev") is None  # back at the start
    assert link(again, "next") is not None
