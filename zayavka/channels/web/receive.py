"""The web channel's receiving end: the portal's views hand over what the form checked,
and this files it through intake (the request form as channel "web", a signed-in
requester's reply as channel "portal")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from django.core.files.uploadedfile import UploadedFile

from zayavka.accounts.models import Contact, Contract
from zayavka.channels.web.parse import WebRequest, parse, parse_reply, raw_request
from zayavka.channels.web.tokens import form_token_id
from zayavka.tickets.actions import intake
from zayavka.tickets.identify import organization_by_email_domain
from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.models import Category, Ticket
from zayavka.tickets.policy import Policy, policy_for
from zayavka.tickets.uploads import safe_content_type, safe_filename


def effective_policy(contact: Contact | None, email: str, channel: str) -> Policy:
    """The channel policy intake will apply: the contract of the sender's organization
    (their own, else the one owning the email domain), else the desk default. The forms
    check the chosen files against it (`uploads.check_files`) before filing."""
    organization = contact.organization if contact is not None else None
    if organization is None and email:
        organization = organization_by_email_domain(email)
    contract = None
    if organization is not None:
        contract = (
            Contract.objects.filter(organization=organization, is_active=True)
            .order_by("-starts_on", "pk")
            .first()
        )
    return policy_for(contract, channel)


def _attachments(files: Sequence[UploadedFile]) -> tuple[InboundAttachment, ...]:
    return tuple(
        InboundAttachment(
            filename=safe_filename(f.name or "file"),
            content_type=safe_content_type(f.content_type or ""),
            content=f.read(),
        )
        for f in files
    )


def file_request(
    *,
    token: str,
    company: str,
    name: str,
    email: str,
    phone: str,
    category: Category | None,
    urgency: str,
    subject: str,
    description: str,
    answers: dict[str, str],
    files: Sequence[UploadedFile],
    contact: Contact | None,
) -> intake.IntakeResult:
    """File a request from the web form through intake (channel "web").

    A signed-in requester files as their own contact and counts as authenticated (R27);
    an anonymous one is whoever they typed. The form's one-time token is the external id,
    so the same form sent twice is one ticket.
    """
    request = WebRequest(
        company=company,
        name=name,
        email=contact.email if contact is not None else email,
        phone=phone,
        subject=subject,
        description=description,
        urgency=urgency,
        category=category.slug if category else "",
        answers=answers,
        authenticated=contact is not None,
    )
    message = parse(raw_request(request), f"form:{form_token_id(token)}")
    return intake.receive(replace(message, attachments=_attachments(files)))


def file_reply(
    *, ticket: Ticket, contact: Contact, token: str, text: str, files: Sequence[UploadedFile]
) -> intake.IntakeResult:
    """The requester's reply from the portal: an inbound message on the ticket, through
    intake like any channel's (it reopens a resolved ticket and tells the assignee)."""
    message = parse_reply(
        text,
        ticket_id=ticket.pk,
        subject=ticket.subject,
        email=contact.email,
        name=contact.name,
        external_id=f"reply:{form_token_id(token)}",
    )
    return intake.receive(replace(message, attachments=_attachments(files)))
