from zayavka.tickets.models.catalog import (
    Category,
    CategoryField,
    Priority,
    Status,
    StatusCategory,
    Urgency,
)
from zayavka.tickets.models.delivery import Outbox, RawInput
from zayavka.tickets.models.events import EventKind, TicketEvent
from zayavka.tickets.models.thread import Attachment, Message
from zayavka.tickets.models.ticket import (
    Ticket,
    TicketCounter,
    TicketLink,
    TicketRating,
    Verification,
    format_ticket_number,
)

__all__ = [
    "Attachment",
    "Category",
    "CategoryField",
    "EventKind",
    "Message",
    "Outbox",
    "Priority",
    "RawInput",
    "Status",
    "StatusCategory",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TicketLink",
    "TicketRating",
    "Urgency",
    "Verification",
    "format_ticket_number",
]
