"""The only code that writes tickets, their threads, links, ratings and history.

One module per resource: `tickets` (open, status, priority, category, contract,
deadlines), `messages` (the thread: inbound messages, agents' replies and notes, the
abuse mark), `assignment` (routing a new ticket, taking and assigning), `relations`
(merge and links), `lifecycle` (auto-close, the requester's «solved», «reopen» and
rating, closing without a reply), `attachments` (releasing withheld files),
`escalation` (the SLA scanner's steps) and `intake` (every channel's input).

The contract of an action (Zulip's `do_*`, our `verb_object`):
- it opens its own transaction (nesting into the caller's when there is one);
- it locks the rows it reads to decide (the ticket's row, with `lock_ticket`), so two
  agents acting at once cannot both win;
- it checks that the actor may do it (PermissionDenied otherwise), with the rules of
  `tickets.access`;
- it writes, records a `TicketEvent` for what changed, and queues its notices in the
  outbox in the same transaction.

Views, channels, admin actions, jobs and tests call actions; none writes a ticket
model itself (`tests/test_layers.py` fails when one does).
"""
