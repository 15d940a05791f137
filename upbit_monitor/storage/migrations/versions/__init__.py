"""Alembic revisions, oldest first: ``r0001_initial``, ``r0002_account_tables``, ``r0003_alerts``,
``r0004_venue``, ``r0005_announcements``, ``r0006_candle_provisional``."""
