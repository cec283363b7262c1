"""Merging a duplicate into the ticket that stays, and linking tickets to each other."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests.factories import ContactFactory, inbound
from tests.personas import Agents, file_ticket, portal_user
from zayavka.accounts.models import Contact, User
from zayavka.tickets.access import contact_sees
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.relations import (
    TicketsNotLinked,
    merge_tickets,
    newcomers_by_merge,
    relate_tickets,
)
from zayavka.tickets.inbound import ReplyHints
from zayavka.tickets.models import (
    EventKind,
    Message,
    Outbox,
    StatusCategory,
    Ticket,
    TicketLink,
)
from zayavka.tickets.threading import make_message_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(agents: Agents) -> tuple[Ticket, Ticket]:
    w = agents.world
    stays = file_ticket(w, "Не работает сайт", "Сайт отдаёт 502", team=w.team)
    duplicate = file_ticket(
        w, "Сайт лежит!", "Повторяю: сайт недоступен", team=w.team, requester=w.maria
    )
    return duplicate, stays


def test_a_merged_ticket_is_closed_and_its_messages_show_in_the_target(
    agents: Agents, client: Client, pair: tuple[Ticket, Ticket]
) -> None:
    duplicate, stays = pair
    client.force_login(agents.anna)
    mails_before = Outbox.objects.count()
    response = client.post(f"/desk/t/{duplicate.number}/merge/", {"other": f"#{stays.number}"})
    assert response.status_code == 302

    duplicate.refresh_from_db()
    assert duplicate.merged_into == stays
    assert duplicate.state == StatusCategory.CLOSED
    assert TicketLink.objects.filter(
        source=duplicate, target=stays, kind=TicketLink.Kind.MERGED
    ).exists()
    # The messages stay where they were received; nobody is emailed about the merge.
    assert duplicate.messages.count() == 1
    assert Outbox.objects.count() == mails_before
    # Maria (the duplicate's requester) now takes part in the ticket that stays.
    assert stays.participants.filter(pk=agents.world.maria.pk).exists()

    source_events = {e.kind: e for e in duplicate.events.filter(actor_user=agents.anna)}
    assert source_events[EventKind.LINKED].data == {"kind": "merged", "ticket": stays.number}
    assert source_events[EventKind.STATUS].data["reason"] == "merged"
    target_event = stays.events.get(kind=EventKind.LINKED)
    assert target_event.data == {"kind": "merged_from", "ticket": duplicate.number}
    assert target_event.actor_user == agents.anna

    html = client.get(f"/desk/t/{stays.number}/").content.decode()
    assert "Сайт отдаёт 502" in html and "Повторяю: сайт недоступен" in html
    assert f"from merged #{duplicate.number}" in html
    assert f'Merged from <a href="/desk/t/{duplicate.number}/">' in html
    assert f"ticket #{duplicate.number} merged into this one" in html

    html = client.get(f"/desk/t/{duplicate.number}/").content.decode()
    assert "This ticket was merged into" in html
    assert f"merged into #{stays.number}" in html
    assert "Повторяю: сайт недоступен" in html
    assert "Сайт отдаёт 502" not in html


def test_a_reply_to_the_merged_tickets_mail_lands_in_the_target(
    agents: Agents, pair: tuple[Ticket, Ticket]
) -> None:
    duplicate, stays = pair
    merge_tickets(duplicate, stays, by=agents.anna)
    result = intake.receive(
        inbound(
            "Сайт снова работает",
            email="m.kuznetsova@romashka.ru",
            external_id="reply-1",
            reply=ReplyHints(message_ids=(make_message_id(duplicate.number),)),
        )
    )
    assert result.result == intake.Result.APPENDED
    assert result.ticket_id == stays.pk
    assert Message.objects.get(external_id="reply-1").ticket_id == stays.pk


def test_merges_the_desk_refuses(
    agents: Agents, client: Client, pair: tuple[Ticket, Ticket]
) -> None:
    duplicate, stays = pair
    third = file_ticket(agents.world, "Ещё один", team=agents.world.team)
    with pytest.raises(TicketsNotLinked):
        merge_tickets(stays, stays, by=agents.anna)
    merge_tickets(duplicate, stays, by=agents.anna)
    with pytest.raises(TicketsNotLinked):
        merge_tickets(third, duplicate, by=agents.anna)  # into a merged ticket
    with pytest.raises(TicketsNotLinked):
        merge_tickets(duplicate, third, by=agents.anna)  # merged already

    client.force_login(agents.anna)
    response = client.post(f"/desk/t/{third.number}/merge/", {"other": str(duplicate.number)})
    assert response.status_code == 302
    html = client.get(f"/desk/t/{third.number}/").content.decode()
    assert "That ticket was merged into another one" in html
    response = client.post(f"/desk/t/{third.number}/merge/", {"other": "99999999"})
    html = client.get(f"/desk/t/{third.number}/").content.decode()
    assert "There is no ticket with that number" in html
    third.refresh_from_db()
    assert third.merged_into is None and third.state == StatusCategory.NEW


def test_an_agent_cannot_merge_across_a_restricted_team(agents: Agents, client: Client) -> None:
    w = agents.world
    secret = file_ticket(w, "Утечка", team=agents.security)
    mine = file_ticket(w, "Обычный", team=w.team)
    with pytest.raises(PermissionDenied):
        merge_tickets(mine, secret, by=agents.anna)
    client.force_login(agents.anna)
    client.post(f"/desk/t/{mine.number}/merge/", {"other": str(secret.number)})
    mine.refresh_from_db()
    assert mine.merged_into is None
    # Vera, of the security team, may.
    merge_tickets(mine, secret, by=agents.vera)
    mine.refresh_from_db()
    assert mine.merged_into == secret


def test_links_related_parent_and_child_read_both_ways(
    agents: Agents, client: Client, pair: tuple[Ticket, Ticket]
) -> None:
    one, two = pair
    three = file_ticket(agents.world, "Массовый сбой", team=agents.world.team)
    client.force_login(agents.anna)
    client.post(f"/desk/t/{one.number}/link/", {"relation": "related", "other": str(two.number)})
    client.post(f"/desk/t/{one.number}/link/", {"relation": "child", "other": str(three.number)})

    assert TicketLink.objects.filter(source=one, target=two, kind="related").exists()
    assert TicketLink.objects.filter(source=three, target=one, kind="parent").exists()
    html = client.get(f"/desk/t/{one.number}/").content.decode()
    assert f'Related to <a href="/desk/t/{two.number}/">' in html
    assert f'Child of <a href="/desk/t/{three.number}/">' in html
    assert f"child of #{three.number}" in html  # history
    html = client.get(f"/desk/t/{three.number}/").content.decode()
    assert f'Parent of <a href="/desk/t/{one.number}/">' in html
    assert f"parent of #{one.number}" in html
    assert three.events.get(kind=EventKind.LINKED).actor_user == agents.anna

    # The same link again changes nothing; the reverse parent link is refused.
    assert not relate_tickets(one, three, "child", by=agents.anna)
    with pytest.raises(TicketsNotLinked):
        relate_tickets(one, three, "parent", by=agents.anna)
    with pytest.raises(TicketsNotLinked):
        relate_tickets(one, one, "related", by=agents.anna)
    assert TicketLink.objects.count() == 2


def test_links_to_tickets_the_agent_may_not_see_are_not_shown(
    agents: Agents, client: Client
) -> None:
    w = agents.world
    secret = file_ticket(w, "Секретный инцидент", team=agents.security)
    open_one = file_ticket(w, "Обычный", team=w.team)
    relate_tickets(open_one, secret, "related", by=agents.vera)
    client.force_login(agents.anna)
    html = client.get(f"/desk/t/{open_one.number}/").content.decode()
    assert "Секретный инцидент" not in html
    client.post(f"/desk/t/{open_one.number}/link/", {"relation": "parent", "other": secret.number})
    assert not TicketLink.objects.filter(kind="parent").exists()


# --- A merge never lets a stranger in silently --------------------------------------------


@pytest.fixture
def strangers_ticket(agents: Agents) -> tuple[Ticket, Ticket, Contact]:
    """A flagged stranger's ticket, and the victim's (Oleg's) ticket it would go into."""
    w = agents.world
    victim = file_ticket(w, "Доступ к бухгалтерии", "Пароль от 1С", team=w.team)
    stranger = ContactFactory.create(name="Посторонний", email="x@evil.example")
    portal_user(stranger, "x@evil.example")
    flagged = file_ticket(w, "Re: Доступ к бухгалтерии", "и мне", team=w.team, requester=stranger)
    return flagged, victim, stranger


def test_merging_a_strangers_ticket_asks_by_name_and_keeps_them_out_by_default(
    agents: Agents, client: Client, strangers_ticket: tuple[Ticket, Ticket, Contact]
) -> None:
    flagged, victim, stranger = strangers_ticket
    portal_account = User.objects.get(email="x@evil.example")
    client.force_login(agents.anna)
    url = f"/desk/t/{flagged.number}/merge/"
    page = client.post(url, {"other": str(victim.number)})
    html = page.content.decode()
    # Nothing merged yet: the agent is asked, naming who would gain access, unticked.
    assert page.status_code == 200
    flagged.refresh_from_db()
    assert flagged.merged_into is None
    assert f"Give Посторонний (x@evil.example) access to ticket #{victim.display_number}" in html
    assert f'name="give_access" value="{stranger.pk}">' in html
    assert f'name="give_access" value="{stranger.pk}" checked' not in html

    client.post(url, {"other": str(victim.number), "decided": "1"})
    flagged.refresh_from_db()
    assert flagged.merged_into == victim
    assert not victim.participants.filter(pk=stranger.pk).exists()
    assert not contact_sees(stranger, victim)
    event = victim.events.get(kind=EventKind.LINKED)
    assert event.data["kept_out"] == [stranger.pk] and event.data["let_in"] == []

    # The stranger signs in to the portal: the victim's ticket does not exist for them.
    portal = Client(headers={"Accept-Language": "en"})
    portal.force_login(portal_account)
    assert portal.get(f"/portal/t/{victim.number}/").status_code == 404
    assert f"/portal/t/{victim.number}/" not in portal.get("/portal/").content.decode()


def test_a_ticked_name_is_let_in_and_the_history_says_so(
    agents: Agents, client: Client, strangers_ticket: tuple[Ticket, Ticket, Contact]
) -> None:
    flagged, victim, stranger = strangers_ticket
    client.force_login(agents.anna)
    client.post(
        f"/desk/t/{flagged.number}/merge/",
        {"other": str(victim.number), "decided": "1", "give_access": str(stranger.pk)},
    )
    assert victim.participants.filter(pk=stranger.pk).exists()
    assert contact_sees(stranger, victim)
    assert victim.events.get(kind=EventKind.LINKED).data["let_in"] == [stranger.pk]


def test_the_action_lets_nobody_new_in_unless_named(
    agents: Agents, strangers_ticket: tuple[Ticket, Ticket, Contact]
) -> None:
    flagged, victim, stranger = strangers_ticket
    assert newcomers_by_merge(flagged, victim) == [stranger]
    before = set(victim.participants.all())
    # An id the agent was not asked about (Maria, not in the flagged ticket) is ignored.
    merge_tickets(flagged, victim, by=agents.anna, give_access=[agents.world.maria.pk])
    assert set(victim.participants.all()) == before
    assert not contact_sees(stranger, victim)


def test_merging_a_colleagues_duplicate_needs_no_question(
    agents: Agents, client: Client, pair: tuple[Ticket, Ticket]
) -> None:
    duplicate, stays = pair  # Maria manages Romashka: she sees the ticket that stays
    client.force_login(agents.anna)
    assert newcomers_by_merge(duplicate, stays) == []
    response = client.post(f"/desk/t/{duplicate.number}/merge/", {"other": str(stays.number)})
    assert response.status_code == 302
    assert stays.participants.filter(pk=agents.world.maria.pk).exists()
