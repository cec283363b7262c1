"""Who sent it and for which client (R20, R21): contacts, organizations, contracts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from zayavka.accounts.models import (
    Contact,
    ContactAddress,
    Contract,
    Organization,
    OrganizationIdentifier,
    address_key,
)
from zayavka.accounts.normalize import domain_key, email_domain, number_key
from zayavka.core.refcache import cached
from zayavka.tickets.inbound import Sender

# Where numbers and domains are looked for: the subject and the start of the text.
SCAN_CHARS = 20_000
MAX_CANDIDATES = 200

_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:https?://)?((?:[a-zа-яё0-9](?:[a-zа-яё0-9-]{0,61}[a-zа-яё0-9])?\.)+"
    r"(?:[a-z]{2,63}|рф|рус|москва|онлайн|сайт))(?![\w-])",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[№#]?\s?([\w][\w/.-]*\d[\w/-]*)", re.UNICODE)


@dataclass(frozen=True)
class ClientMatch:
    organization: Organization | None
    contract: Contract | None
    identified_by: str


NO_CLIENT = ClientMatch(None, None, "")


def find_contact(sender: Sender) -> Contact | None:
    """The registered contact matching any of the sender's keys (email first)."""
    keys = [
        (kind, address_key(kind, value))
        for kind, value in (
            (ContactAddress.Kind.EMAIL, sender.email),
            (ContactAddress.Kind.TELEGRAM, sender.telegram_id),
            (ContactAddress.Kind.PHONE, sender.phone),
        )
        if value.strip()
    ]
    keys = [(kind, key) for kind, key in keys if key]
    if not keys:
        return None
    condition = Q()
    for kind, key in keys:
        condition |= Q(kind=kind, key=key)
    rank: dict[str, int] = {kind: i for i, (kind, _) in enumerate(keys)}
    found = list(ContactAddress.objects.filter(condition).select_related("contact__organization"))
    if not found:
        return None
    found.sort(key=lambda a: rank[a.kind])
    contact = found[0].contact
    if found[0].kind == ContactAddress.Kind.EMAIL:
        contact.__dict__["email"] = found[0].value  # primes Contact.email: no second query
    return contact


def email_confirmed(sender: Sender) -> bool:
    """The sender's email address is a contact's and was confirmed (by a portal account,
    an authenticated mail or an agent), not merely recorded from earlier mail."""
    key = address_key(ContactAddress.Kind.EMAIL, sender.email) if sender.email.strip() else ""
    return bool(key) and (
        ContactAddress.objects.filter(kind=ContactAddress.Kind.EMAIL, key=key)
        .exclude(confirmed_by=ContactAddress.Confirmation.NONE)
        .exists()
    )


def confirm_email(sender: Sender, how: str) -> None:
    """Record that the sender's email address is proven theirs (``how``: a
    ``ContactAddress.Confirmation``); an address already confirmed keeps its reason."""
    key = address_key(ContactAddress.Kind.EMAIL, sender.email) if sender.email.strip() else ""
    if key:
        ContactAddress.objects.filter(
            kind=ContactAddress.Kind.EMAIL, key=key, confirmed_by=ContactAddress.Confirmation.NONE
        ).update(confirmed_by=how)


def create_contact(
    sender: Sender, organization: Organization | None, *, email_confirmed_by: str = ""
) -> Contact:
    """A new contact with the sender's addresses; the email is confirmed only when the
    caller says how (``email_confirmed_by``), the others never."""
    language = sender.language if sender.language in dict(settings.LANGUAGES) else ""
    contact = Contact.objects.create(
        name=sender.name.strip()[:300], organization=organization, language=language
    )
    rows = [
        ContactAddress(
            contact=contact,
            kind=kind,
            value=value.strip()[:320],
            key=address_key(kind, value),
            is_primary=True,
            confirmed_by=email_confirmed_by if kind == ContactAddress.Kind.EMAIL else "",
        )
        for kind, value in (
            (ContactAddress.Kind.EMAIL, sender.email),
            (ContactAddress.Kind.PHONE, sender.phone),
            (ContactAddress.Kind.TELEGRAM, sender.telegram_id),
        )
        if value.strip() and address_key(kind, value)
    ]
    ContactAddress.objects.bulk_create(rows)
    contact.__dict__["email"] = next((r.value for r in rows if r.kind == "email"), "")
    return contact


def organization_by_email_domain(email: str) -> Organization | None:
    domain = email_domain(email)
    if not domain:
        return None
    ident = (
        OrganizationIdentifier.objects.filter(
            kind=OrganizationIdentifier.Kind.EMAIL_DOMAIN, key=domain_key(domain)
        )
        .select_related("organization")
        .first()
    )
    return ident.organization if ident else None


def candidate_keys(*texts: str) -> tuple[list[str], list[str]]:
    """Contract/account-number and site-domain candidates found in free text."""
    numbers: dict[str, None] = {}
    domains: dict[str, None] = {}
    for text in texts:
        chunk = text[:SCAN_CHARS]
        for match in _DOMAIN.finditer(chunk):
            domains.setdefault(domain_key(match.group(1)), None)
        for match in _NUMBER.finditer(chunk):
            token = match.group(1).strip(".-/")
            if token:
                numbers.setdefault(number_key(token), None)
        if len(numbers) + len(domains) > MAX_CANDIDATES:
            break
    return list(numbers)[:MAX_CANDIDATES], list(domains)[:MAX_CANDIDATES]


def identify_client(
    contact: Contact | None, sender: Sender, subject: str, text: str, fields: dict[str, str]
) -> ClientMatch:
    """Organization and contract of a request, from the strongest evidence available.

    A registered contact's own organization wins; then the sender's email domain
    (the organization owns it), then contract numbers, site domains and account
    numbers from the form's fields or quoted in the text. Evidence
    in the text never moves a contact out of the organization it belongs to. ``contact``
    is None for a sender not registered yet.
    """
    hints = (
        fields.get("contract_number", ""),
        fields.get("site_domain", ""),
        fields.get("contract_or_domain", ""),
        fields.get("account_number", ""),
    )
    numbers, domains = candidate_keys(*hints, subject, text)
    if contact is not None and contact.organization is not None:
        org = contact.organization
        return ClientMatch(org, _contract_of(org, numbers), "contact")
    by_domain = organization_by_email_domain(sender.email)
    if by_domain is not None:
        return ClientMatch(by_domain, _contract_of(by_domain, numbers), "email_domain")
    if numbers:
        contract = (
            Contract.objects.filter(number_key__in=numbers, is_active=True)
            .select_related("organization", "calendar")
            .first()
        )
        if contract is not None:
            return ClientMatch(contract.organization, contract, "contract_number")
    keys = domains + numbers
    if keys:
        ident = (
            OrganizationIdentifier.objects.filter(
                kind__in=[
                    OrganizationIdentifier.Kind.SITE_DOMAIN,
                    OrganizationIdentifier.Kind.ACCOUNT_NUMBER,
                ],
                key__in=keys,
            )
            .select_related("organization")
            .first()
        )
        if ident is not None:
            org = ident.organization
            return ClientMatch(org, _contract_of(org, numbers), ident.kind)
    return NO_CLIENT


def active_contracts(org: Organization) -> list[Contract]:
    """The organization's active contracts, the current one first, with their calendars.

    Read by nearly every new request, so cached per process (`core.refcache`, keyed by
    the organization): a contract or calendar saved here clears it at once, other
    processes see the change within the cache's TTL, as with SLA plans and targets.
    """
    return cached(
        f"active_contracts:{org.pk}",
        lambda: list(
            Contract.objects.filter(organization=org, is_active=True)
            .select_related("calendar")
            .order_by("-starts_on", "pk")
        ),
    )


def _contract_of(org: Organization, numbers: list[str]) -> Contract | None:
    """The contract a request falls under: the one it quotes, else the current one."""
    contracts = active_contracts(org)
    wanted = set(numbers)
    for contract in contracts:
        if contract.number_key in wanted:
            return contract
    return contracts[0] if contracts else None
