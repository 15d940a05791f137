"""Recorded orderbook snapshots (order-flow replay): insert a batch, load a coin's recent ones."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from upbit_monitor.storage.schema import BookSnapshotRecord
from upbit_monitor.storage.upsert import table, upsert

KEYS = ("venue", "code", "timestamp_ms")


def insert_snapshots(session: Session, venue: str, rows: Sequence[tuple[str, int, bytes]]) -> int:
    """Store ``(code, timestamp_ms, data)`` rows in one statement; a key already stored (two
    snapshots in one millisecond) keeps the newest. Returns how many rows were written."""
    latest = {(code, ts): data for code, ts, data in rows}  # PostgreSQL: one row per key a statement
    return upsert(session, table("book_snapshots"),
                  [{"venue": venue, "code": code, "timestamp_ms": ts, "data": data}
                   for (code, ts), data in latest.items()], KEYS)


def load_snapshots(session: Session, venue: str, code: str, since_ms: int,
                   limit: int) -> list[tuple[int, bytes]]:
    """The newest ``limit`` snapshots of ``code`` at or after ``since_ms``, oldest first."""
    stmt = (select(BookSnapshotRecord.timestamp_ms, BookSnapshotRecord.data)
            .where(BookSnapshotRecord.venue == venue, BookSnapshotRecord.code == code,
                   BookSnapshotRecord.timestamp_ms >= since_ms)
            .order_by(BookSnapshotRecord.timestamp_ms.desc()).limit(limit))
    return [(int(ts), bytes(data)) for ts, data in reversed(list(session.execute(stmt)))]


def prune_snapshots(session: Session, before_ms: int) -> int:
    """Delete every recorded snapshot older than ``before_ms`` (the retention); returns how many."""
    result = session.execute(delete(BookSnapshotRecord).where(BookSnapshotRecord.timestamp_ms < before_ms))
    return int(getattr(result, "rowcount", 0) or 0)
