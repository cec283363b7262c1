"""The phone channel (R7): an agent writes down a call in the workspace.

The receiver is the workspace's call form (`workspace.views.phone`); it calls
`receive.record_call`, which finds or registers the caller (`callers`), keeps the call
raw as JSON and turns it into the InboundMessage with the pure `parse.parse`, then hands
it to `intake.receive`. A quarantined call replays through the same `parse`
(`intake.RAW_PARSERS["phone"]`, registered in `apps`). A phone number proves nothing
about who is calling, so intake marks phone tickets unverified (R27).
"""
