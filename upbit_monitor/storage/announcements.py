"""Exchange notices: one row per (venue, uuid); an UPDATED event replaces the row (newest state wins)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from upbit_monitor.storage.schema import AnnouncementRecord

FIELDS = ("venue", "uuid", "category", "title", "body", "url", "listed_at", "first_listed_at", "event_type",
          "timestamp_ms", "is_listing")


def upsert_announcement(session: Session, row: Mapping[str, Any]) -> bool:
    """Insert or replace one notice; returns True if it was new.

    An event older than the stored one (a late UPDATED after a newer one) does not roll it back.
    """
    rec = session.get(AnnouncementRecord, (row["venue"], row["uuid"]))
    if rec is None:
        session.add(AnnouncementRecord(**{k: row[k] for k in FIELDS}))
        session.flush()
        return True
    if row["timestamp_ms"] >= rec.timestamp_ms:
        for key in FIELDS[2:]:
            setattr(rec, key, row[key])
    session.flush()
    return False


def load_recent(session: Session, venue: str, limit: int = 500) -> list[AnnouncementRecord]:
    """The newest ``limit`` notices of ``venue``, newest first."""
    stmt = (select(AnnouncementRecord).where(AnnouncementRecord.venue == venue)
            .order_by(AnnouncementRecord.timestamp_ms.desc()).limit(limit))
    return list(session.scalars(stmt))
