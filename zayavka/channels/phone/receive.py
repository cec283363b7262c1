"""The phone channel's receiving end: the workspace's call form hands over the call and
its caller, and this records it through intake (channel "phone").

The call goes through intake like every other channel's input (same client
identification, priority, deadlines, routing, events and registration notice).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zayavka.accounts.models import Channel, Contact, User
from zayavka.channels.phone.callers import NewCaller, register, sender_of
from zayavka.channels.phone.parse import CallRecord, parse, raw_call
from zayavka.tickets.actions import intake
from zayavka.tickets.models import Category, RawInput, Urgency


@dataclass(frozen=True)
class Call:
    """What the caller asks for; `fields` are the category form's answers, checked."""

    subject: str
    description: str
    category: Category | None = None
    fields: dict[str, str] = field(default_factory=dict)
    urgency: str = Urgency.NORMAL


class CallNotRecorded(Exception):
    """Intake could not open the ticket; the call is kept in quarantine."""

    def __init__(self, result: intake.IntakeResult) -> None:
        super().__init__(result.reason)
        self.result = result


def record_call(
    call: Call,
    *,
    agent: User,
    token: str,
    contact: Contact | None = None,
    new_caller: NewCaller | None = None,
) -> intake.IntakeResult:
    """Open a ticket (channel «phone») for a call, for `contact` or a `new_caller`.

    `token` comes with the agent's form: submitting the same form twice returns the
    first ticket instead of opening another. Raises CallerExists when the new caller's
    phone or email is already a contact's, ValueError when neither caller is given or
    the contact cannot be reached by phone or email, CallNotRecorded when intake
    quarantined the call.
    """
    external_id = f"call:{token}"
    done = (
        RawInput.objects.filter(channel=Channel.PHONE, external_id=external_id)
        .select_related("ticket")
        .first()
    )
    if done is not None:
        return intake.IntakeResult(
            intake.Result.DUPLICATE,
            ticket_number=done.ticket.number if done.ticket else None,
            ticket_id=done.ticket_id,
            raw_id=done.pk,
        )
    if contact is None and new_caller is not None:
        contact = register(new_caller)
    if contact is None:
        raise ValueError("a call needs a caller")
    record = CallRecord(
        recorded_by=agent.pk,
        recorded_by_name=agent.display_name,
        sender=sender_of(contact),
        subject=call.subject,
        description=call.description,
        category=call.category.slug if call.category else "",
        fields=call.fields,
        urgency=call.urgency,
    )
    result = intake.receive(parse(raw_call(record), external_id))
    if result.result == intake.Result.QUARANTINED:
        raise CallNotRecorded(result)
    return result
