"""The web channel: the public request form and the portal's replies.

The receivers are the portal's views (`portal.webform`, `portal.mine`); they call
`receive.file_request` and `receive.file_reply`, which build the InboundMessage with the
pure step in `parse` and hand it to `intake.receive`. A request is kept raw as JSON,
which `parse.parse` turns into the InboundMessage both on arrival and when a
quarantined request is replayed (`intake.RAW_PARSERS["web"]`, registered in `apps`).
"""
