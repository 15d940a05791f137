"""Notices in the database, off the loop thread (``DbContext.run_async``)."""

from __future__ import annotations

import asyncio

from upbit_monitor.features.announcements.model import Notice, notice_row
from upbit_monitor.storage import DbContext
from upbit_monitor.storage import announcements as db


class AnnouncementStore:
    """Async persistence of notices (deduplicated by venue + uuid; UPDATED replaces)."""

    def __init__(self, ctx: DbContext) -> None:
        self.ctx = ctx
        # Writes run on worker threads; two of them for one uuid (CREATED then UPDATED moments apart)
        # would both see "no row" and both insert. One at a time, in arrival order (the lock is FIFO).
        self._lock = asyncio.Lock()

    async def save(self, notice: Notice) -> bool:
        """Insert or replace ``notice``; True if it was new to the database."""
        async with self._lock:
            return await self.ctx.run_async(db.upsert_announcement, notice_row(notice))

    async def recent(self, venue: str, limit: int = 500) -> list[Notice]:
        """The newest stored notices of ``venue``, newest first."""
        records = await self.ctx.run_async(db.load_recent, venue, limit)
        return [Notice(r.venue, r.uuid, r.category, r.title, r.body, r.url, r.listed_at, r.first_listed_at,
                       r.event_type, r.timestamp_ms, r.is_listing) for r in records]
