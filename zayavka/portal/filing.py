"""Turning what a portal user typed into an InboundMessage for intake."""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile

from zayavka.accounts.models import Channel, Contact, Contract
from zayavka.portal.forms import form_token_id
from zayavka.tickets.actions import intake
from zayavka.tickets.identify import organization_by_email_domain
from zayavka.tickets.inbound import InboundAttachment, InboundMessage, ReplyHints, Sender
from zayavka.tickets.models import Category, Ticket
from zayavka.tickets.policy import Policy, policy_for
from zayavka.tickets.uploads import safe_content_type, safe_filename


def effective_policy(contact: Contact | None, email: str, channel: str) -> Policy:
    """The channel policy intake will apply: the contract of the sender's organization
    (their own, else the one owning the email domain), else the desk default."""
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
    # The typed phone goes with the answers: it proves nothing and must not pick out
    # a registered contact (intake matches senders by phone too).
    fields = {**answers, "company": company, "phone": phone}
    if contact is not None:
        email = contact.email
        sender = Sender(email=email, name=name, organization=company, authenticated=True)
    else:
        sender = Sender(email=email, name=name, organization=company)
    raw = json.dumps(
        {
            "company": company,
            "name": name,
            "email": email,
            "phone": phone,
            "category": category.slug if category else "",
            "urgency": urgency,
            "subject": subject,
            "description": description,
            "fields": answers,
        },
        ensure_ascii=False,
    ).encode()
    message = InboundMessage(
        channel=Channel.WEB,
        external_id=f"form:{form_token_id(token)}",
        raw=raw,
        sender=sender,
        subject=subject,
        text=description,
        attachments=_attachments(files),
        urgency=urgency,
        category=category.slug if category else "",
        fields=fields,
    )
    return intake.receive(message)


def file_reply(
    *, ticket: Ticket, contact: Contact, token: str, text: str, files: Sequence[UploadedFile]
) -> intake.IntakeResult:
    """The requester's reply from the portal: an inbound message on the ticket, through
    intake like any channel's (it reopens a resolved ticket and tells the assignee)."""
    message = InboundMessage(
        channel=Channel.PORTAL,
        external_id=f"reply:{form_token_id(token)}",
        raw=text.encode(),
        sender=Sender(email=contact.email, name=contact.name, authenticated=True),
        subject=ticket.subject,
        text=text,
        attachments=_attachments(files),
        reply=ReplyHints(ticket_id=ticket.pk),
    )
    return intake.receive(message)
