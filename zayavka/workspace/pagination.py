"""Keyset pagination of ticket lists: as fast on page 10,000 as on page 1.

A page ends with a cursor, the (sort value, id) of its last row, and the next page is
"the rows after that cursor" in the same order: an index range, never an OFFSET that
makes the database walk and drop every row before the page. The id breaks ties, so
rows with equal sort values are neither skipped nor repeated, and a row that moves
while someone pages is simply found where it now is.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zayavka.tickets.models import Ticket

PAGE_SIZE = 50


@dataclass(frozen=True)
class Sort:
    code: str  # as it appears in the URL: "-updated"
    field: str  # the model field or annotation it orders by
    descending: bool
    label: str | Promise
    nullable: bool = False
    # Nulls come last in every sort people choose (a ticket without a deadline is the
    # least pressing); only a sort read backwards, for the previous page, has them first.
    nulls_first: bool = False

    def order_by(self) -> list[OrderBy]:
        """A column that is never null is ordered plainly, so that a plain B-tree index
        on (column, id) serves the order in either direction (PostgreSQL does not know
        that NULLS LAST makes no difference on a NOT NULL column)."""
        nulls_last = True if self.nullable and not self.nulls_first else None
        nulls_first = True if self.nullable and self.nulls_first else None
        column = F(self.field)
        if self.descending:
            ordered = column.desc(nulls_last=nulls_last, nulls_first=nulls_first)
            return [ordered, F("pk").desc()]
        return [column.asc(nulls_last=nulls_last, nulls_first=nulls_first), F("pk").asc()]

    def reversed(self) -> Sort:
        """The same order read from the end: the rows before a cursor, nearest first."""
        return replace(self, descending=not self.descending, nulls_first=not self.nulls_first)

    def after(self, cursor: Cursor) -> Q:
        """The rows that come after `cursor` in this order."""
        beyond = "lt" if self.descending else "gt"
        if cursor.value is None:
            condition = Q(**{f"{self.field}__isnull": True, f"pk__{beyond}": cursor.pk})
            if self.nulls_first:  # every row with a value comes after the nulls
                condition |= Q(**{f"{self.field}__isnull": False})
            return condition
        # field >= v AND (field > v OR id > pk): the first half is an index range.
        same_or_beyond = "lte" if self.descending else "gte"
        condition = Q(**{f"{self.field}__{same_or_beyond}": cursor.value}) & (
            Q(**{f"{self.field}__{beyond}": cursor.value}) | Q(**{f"pk__{beyond}": cursor.pk})
        )
        if self.nullable and not self.nulls_first:
            condition |= Q(**{f"{self.field}__isnull": True})
        return condition


def _sorts(*items: tuple[str, str, str | Promise, bool]) -> dict[str, Sort]:
    sorts: dict[str, Sort] = {}
    for code, field, label, nullable in items:
        sorts[f"-{code}"] = Sort(f"-{code}", field, True, label, nullable)
        sorts[code] = Sort(code, field, False, label, nullable)
    return sorts


SORTS = _sorts(
    ("updated", "updated_at", _("updated"), False),
    ("created", "created_at", _("created"), False),
    ("number", "number", _("number"), False),
    # next_due: the nearest deadline still to meet (see queues.with_next_due).
    ("deadline", "next_due", _("deadline"), True),
)


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: int | datetime | None
    pk: int

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        raw = json.dumps([self.sort, value, self.pk], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: Sort) -> Cursor | None:
        """The cursor in `text` if it is well formed and made for `sort`; else None
        (the list then starts at its first page)."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            code, value, pk = json.loads(raw)
        except (ValueError, TypeError, binascii.Error):
            return None
        if code != sort.code or not isinstance(pk, int) or isinstance(pk, bool):
            return None
        if value is None:
            return cls(code, None, pk) if sort.nullable else None
        if sort.field == "number":
            return cls(code, value, pk) if type(value) is int else None
        if not isinstance(value, str):
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return cls(code, moment, pk) if moment.tzinfo is not None else None


@dataclass(frozen=True)
class Page:
    rows: list[Ticket]
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool


def keyset_page(
    tickets: QuerySet[Ticket],
    sort: Sort,
    cursor: Cursor | None,
    size: int | None = None,
    *,
    backward: bool = False,
) -> Page:
    """One page of `tickets` in `sort` order: the rows after `cursor`, or with
    `backward` the rows just before it (the previous page), still shown in `sort` order.

    Going back reads the reversed order from the cursor, the same index range walked
    the other way, and so costs what going forward does."""
    size = size or PAGE_SIZE
    order = sort.reversed() if backward else sort
    if cursor is not None:
        tickets = tickets.filter(order.after(cursor))
    rows = list(tickets.order_by(*order.order_by())[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        # Back at the start when nothing lies before these rows.
        is_first = not more
        has_next, has_previous = True, more  # the cursor's own row comes next
    else:
        is_first = cursor is None
        has_next, has_previous = more, not is_first
    return Page(
        rows=rows,
        next_cursor=_cursor(rows[-1], sort) if has_next and rows else None,
        previous_cursor=_cursor(rows[0], sort) if has_previous and rows else None,
        is_first=is_first,
    )


def _cursor(row: Ticket, sort: Sort) -> str:
    return Cursor(sort.code, getattr(row, sort.field), row.pk).encode()
