"""Which team a new ticket goes to and which agent gets it (R25): the choice only. The
writes are `actions.assignment.route_and_assign`'s, which locks the team's row while it
chooses, so that two intakes at once never choose from the same round-robin cursor or
the same counts.

Rules are read from the per-process reference cache, so routing a ticket costs no
query for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count

from zayavka.accounts.models import Agent, RoutingRule, Team
from zayavka.core.refcache import cached
from zayavka.tickets.models import Category, StatusCategory, Ticket

# Keywords are looked for in the subject and this much of the first message.
SCAN_CHARS = 20_000
DONE_STATES = (StatusCategory.RESOLVED, StatusCategory.CLOSED)

_WORD = re.compile(r"\w+")


# --- Text matching (pure) -------------------------------------------------------------


def normalize_words(text: str) -> str:
    """Words in lower case, one space apart, «ё» read as «е».

    «1С:Бухгалтерия — всё!» -> «1с бухгалтерия все»
    """
    return " ".join(_WORD.findall(text.casefold().replace("ё", "е")))


@dataclass(frozen=True)
class Keyword:
    words: str  # normalised
    prefix: bool  # «бухгалтер*»: the last word may go on


def compile_keywords(raw: Iterable[object]) -> tuple[Keyword, ...]:
    keywords = []
    for item in raw:
        text = str(item).strip()
        words = normalize_words(text.rstrip("*"))
        if words:
            keywords.append(Keyword(words, prefix=text.endswith("*")))
    return tuple(keywords)


def mentions(text: str, keywords: Iterable[Keyword]) -> bool:
    """True when `text` holds one of the keywords as whole words (or as a word start)."""
    padded = f" {normalize_words(text)} "
    return any(f" {k.words}{'' if k.prefix else ' '}" in padded for k in keywords)


def skill_set(skills: object) -> frozenset[str]:
    """Skills compared like keywords: «1С» and «1с» are one skill, «ё» is «е»."""
    if not isinstance(skills, list):
        return frozenset()
    return frozenset(filter(None, (normalize_words(str(s)) for s in skills)))


# --- Rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    rule: RoutingRule
    keywords: tuple[Keyword, ...]
    skills: frozenset[str]

    def matches(self, ticket: Ticket, categories: set[int], text: str) -> bool:
        rule = self.rule
        if rule.category_id is not None and rule.category_id not in categories:
            return False
        if rule.organization_id is not None and rule.organization_id != ticket.organization_id:
            return False
        if rule.contract_id is not None and rule.contract_id != ticket.contract_id:
            return False
        if rule.channel and rule.channel != ticket.channel:
            return False
        return not self.keywords or mentions(text, self.keywords)


def active_rules() -> list[CompiledRule]:
    """The active rules in the order they are tried, cached per process."""
    return cached("routing_rules", _load_rules)


def _load_rules() -> list[CompiledRule]:
    rules = RoutingRule.objects.filter(is_active=True).select_related("team")
    return [
        CompiledRule(rule, compile_keywords(rule.keywords), skill_set(rule.required_skills))
        for rule in rules.order_by("position", "pk")
    ]


def _category_lineage(category_id: int | None) -> set[int]:
    """The category and its ancestors: a rule for «Site» also takes «Site / SSL»."""
    if category_id is None:
        return set()
    parents: dict[int, int | None] = cached(
        "category_parents", lambda: dict(Category.objects.values_list("pk", "parent_id"))
    )
    lineage: set[int] = set()
    current: int | None = category_id
    while current is not None and current not in lineage:
        lineage.add(current)
        current = parents.get(current)
    return lineage


def matching_rule(ticket: Ticket, text: str) -> CompiledRule | None:
    """The first active rule, by position, whose every condition holds for the ticket."""
    rules = active_rules()
    if not rules:
        return None
    categories = _category_lineage(ticket.category_id)
    haystack = f"{ticket.subject}\n{text[:SCAN_CHARS]}"
    return next((r for r in rules if r.matches(ticket, categories, haystack)), None)


def route(ticket: Ticket, text: str) -> Team | None:
    """The team for a new ticket: the first matching rule's, else its category's, else
    none (the desk's general queue). Pure selection: nothing is written."""
    return _route(ticket, text)[0]


# The team a ticket goes to and the rule that chose it (None: its category's team).
Routed = tuple[Team | None, CompiledRule | None]


def choose_route(ticket: Ticket, text: str) -> Routed:
    """`route`'s choice with its rule, for a ticket not saved yet: intake opens the ticket
    in its team's queue at once, instead of inserting it and moving it in a second write.
    Hand the result to `route_and_assign`."""
    return _route(ticket, text)


def _route(ticket: Ticket, text: str) -> Routed:
    match = matching_rule(ticket, text)
    if match is not None:
        return match.rule.team, match
    category: Category | None = ticket.category
    return (category.team if category is not None else None), None


# --- Assignment -----------------------------------------------------------------------


def eligible_agents(team: Team, skills: Iterable[str] = ()) -> list[Agent]:
    """The team's agents who may get a ticket now: on shift, active, with every skill."""
    needed = skill_set(list(skills))
    agents = team.agents.filter(is_on_shift=True, user__is_active=True).select_related("user")
    return [a for a in agents.order_by("pk") if needed <= skill_set(a.skills)]


def open_ticket_counts(agents: Sequence[Agent]) -> dict[int, int]:
    """Open (not resolved or closed) tickets per agent's user id, all teams together."""
    rows = (
        Ticket.objects.filter(assignee_id__in=[a.user_id for a in agents])
        .exclude(state__in=DONE_STATES)
        .values("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    return {user_id: n for user_id, n in rows if user_id is not None}


def choose_agent(team: Team, agents: Sequence[Agent]) -> Agent | None:
    """The team's mode picks one of the eligible agents (ordered by id)."""
    if not agents or team.assignment == Team.Assignment.MANUAL:
        return None
    if team.assignment == Team.Assignment.ROUND_ROBIN:
        # The first one after the cursor, by id: fair when agents join, leave or skip a turn.
        cursor = team.last_assigned_id or 0
        return next((a for a in agents if a.pk > cursor), agents[0])
    load = open_ticket_counts(agents)
    never = datetime.min.replace(tzinfo=UTC)
    return min(agents, key=lambda a: (load.get(a.user_id, 0), a.last_assigned_at or never, a.pk))
