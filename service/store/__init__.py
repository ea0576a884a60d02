"""Persistence: ORM models, migrations, repositories and the event log."""
