"""Factories for the domain, and a small world of named clients and people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory

from zayavka.accounts.models import (
    Agent,
    Contact,
    ContactAddress,
    Contract,
    Organization,
    OrganizationIdentifier,
    Team,
    User,
)
from zayavka.tickets.actions.intake import IntakeResult
from zayavka.tickets.inbound import InboundMessage, Sender
from zayavka.tickets.models import Category, Ticket


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"ООО «Клиент {n}»")
    kind = Organization.Kind.CLIENT


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: f"Д-2026/{n:03d}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Контакт {n}")
    organization = None

    @factory.post_generation
    def email(obj: Contact, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            # Entered by the desk: an agent's confirmation.
            ContactAddress.objects.create(
                contact=obj, kind="email", value=extracted, is_primary=True, confirmed_by="agent"
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@desk.example")
    is_staff = True


class AgentFactory(factory.django.DjangoModelFactory):
    """An agent of the desk; `teams=[...]` makes them a member."""

    class Meta:
        model = Agent
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    skills: Any = factory.LazyFunction(list)

    @factory.post_generation
    def teams(obj: Agent, create: bool, extracted: list[Team] | None, **kwargs: Any) -> None:
        if create and extracted:
            obj.teams.set(extracted)


def ticket_of(result: IntakeResult) -> Ticket:
    """The ticket an intake result points at (fails the test if there is none)."""
    assert result.ticket_id is not None, result
    return Ticket.objects.select_related("status", "priority").get(pk=result.ticket_id)


def inbound(
    text: str = "Не работает сайт",
    *,
    email: str = "someone@example.org",
    subject: str = "Не открывается сайт",
    external_id: str = "",
    channel: str = "email",
    **kwargs: Any,
) -> InboundMessage:
    """An input as a channel would hand it to intake."""
    sender = kwargs.pop("sender", None) or Sender(email=email, name=kwargs.pop("name", ""))
    raw = kwargs.pop("raw", None) or f"Subject: {subject}\n\n{text}".encode()
    return InboundMessage(
        channel=channel,
        external_id=external_id,
        raw=raw,
        sender=sender,
        subject=subject,
        text=text,
        **kwargs,
    )


@dataclass
class World:
    romashka: Organization
    romashka_contract: Contract
    veter: Organization
    veter_contract: Contract
    prospect: Organization
    maria: Contact  # manager at Romashka
    oleg: Contact  # requester at Romashka
    team: Team
    category: Category


def build_world() -> World:
    romashka: Organization = OrganizationFactory.create(name="ООО «Ромашка»")
    for kind, value in (
        ("email_domain", "romashka.ru"),
        ("site_domain", "romashka-shop.ru"),
        ("account_number", "СЧ-2024-117"),
    ):
        OrganizationIdentifier.objects.create(organization=romashka, kind=kind, value=value)
    romashka_contract: Contract = ContractFactory.create(organization=romashka, number="Д-2024/117")
    veter: Organization = OrganizationFactory.create(name="АО «Северный ветер»")
    veter_contract: Contract = ContractFactory.create(
        organization=veter, number="КС-24/7-005", is_24x7=True
    )
    prospect: Organization = OrganizationFactory.create(
        name="ИП Петров", kind=Organization.Kind.PROSPECT
    )
    maria: Contact = ContactFactory.create(
        name="Мария Кузнецова",
        organization=romashka,
        role=Contact.Role.MANAGER,
        email="m.kuznetsova@romashka.ru",
    )
    oleg: Contact = ContactFactory.create(
        name="Олег Смирнов", organization=romashka, email="o.smirnov@romashka.ru"
    )
    ContactAddress.objects.create(contact=oleg, kind="phone", value="8 (921) 555-01-11")
    ContactAddress.objects.create(contact=oleg, kind="telegram", value="100200300")
    team = Team.objects.create(name="Веб-разработка", email="web@desk.example")
    category = Category.objects.create(
        slug="site-down", name_ru="Не работает сайт", name_en="Site is not working", team=team
    )
    return World(
        romashka, romashka_contract, veter, veter_contract, prospect, maria, oleg, team, category
    )
