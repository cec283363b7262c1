"""The workspace's views, one module per resource: queues, tickets, files."""
