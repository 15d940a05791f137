"""The writer's traffic with its spill files (worker thread only): move the excess out of memory,
read segments back for replay, make room past the bound, save everything at shutdown.

A mixin of :class:`~upbit_monitor.storage.writer.StreamWriter`, kept apart because it is the one
place where the bound policy is applied: past ``spill_max_bytes`` the oldest segment's market data
is dropped (and counted) while its own-account events go back to memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from upbit_monitor.storage.batch import Entry, is_own
from upbit_monitor.storage.spill import SpillStore
from upbit_monitor.storage.writer_status import WriterCounters

log = logging.getLogger(__name__)

_SPILL_RETRY_S = 1.0  # after a failed segment write (e.g. disk full), try again this much later
_BYTES_PER_EVENT = 320  # estimate for the first segment (a candle line is ~250 bytes)


class SpillMixin:
    """Spill handling; the attributes below belong to the writer and are guarded by its lock."""

    _lock: threading.Lock
    _spill: SpillStore | None
    _spill_chunk: int
    _spill_from: int
    _own: deque[Entry]
    _front: deque[Entry]
    _market: deque[Entry]
    _moving: list[Entry]
    _spilled: int
    _counts: WriterCounters
    _spill_retry_at: float = 0.0
    _spill_error: str | None = None

    def _spill_excess(self) -> None:
        """Move the oldest market events beyond the spill level from memory to disk."""
        spill = self._spill
        if spill is None or time.monotonic() < self._spill_retry_at:
            return
        while True:
            with self._lock:
                excess = len(self._market) - self._spill_from
                if excess <= 0:
                    return
                n = min(self._spill_chunk, len(self._market))
                chunk = [self._market.popleft() for _ in range(n)]
                self._moving = chunk
            if not self._write_segment(spill, chunk):
                with self._lock:
                    self._market.extendleft(reversed(chunk))
                    self._moving = []
                return

    def _spill_all(self) -> None:
        """Shutdown with the database still refusing: everything in memory goes to disk."""
        spill = self._spill
        if spill is None:
            return
        for source in ("_own", "_front", "_market"):
            while True:
                with self._lock:
                    queue: deque[Entry] = getattr(self, source)
                    chunk = [queue.popleft() for _ in range(min(self._spill_chunk, len(queue)))]
                    self._moving = chunk
                if not chunk:
                    break
                if not self._write_segment(spill, chunk, at_shutdown=True):
                    with self._lock:
                        queue.extendleft(reversed(chunk))
                        self._moving = []
                    return

    def _write_segment(self, spill: SpillStore, chunk: list[Entry], *, at_shutdown: bool = False) -> bool:
        """Append *chunk* (held in ``_moving``) as a segment; False if it stays in memory."""
        avg = spill.size / spill.events if spill.events else _BYTES_PER_EVENT
        if not self._make_room(spill, int(avg * len(chunk))):
            return False
        try:
            written, bad = spill.append(chunk)
        except OSError as exc:
            self._spill_retry_at = time.monotonic() + _SPILL_RETRY_S
            if self._spill_error is None or at_shutdown:
                log.error("storage writer: cannot write spill file in %s: %s", spill.directory, exc)
            self._spill_error = f"{type(exc).__name__}: {exc.strerror or exc}"
            return False
        self._spill_error = None
        with self._lock:
            self._moving = []
            self._spilled += written
            if bad:
                self._counts.rejected += len(bad)
                self._counts.last_rejected = f"{len(bad)} unserialisable events (spill)"
        return True

    def _make_room(self, spill: SpillStore, incoming: int) -> bool:
        """Drop the oldest segments while *incoming* bytes would exceed the bound.

        False when even an empty spill cannot take the chunk (it then stays in memory).
        """
        while spill.over_bound(incoming):
            if spill.segments == 0:
                return False
            events, count = spill.take_oldest()
            own = [e for e in events if is_own(e)]
            with self._lock:
                self._spilled -= count
                self._own.extend(own)  # the user's orders are never dropped
                self._counts.dropped += count - len(own)
            log.warning("storage writer: spill bound (%d bytes) reached: dropped the oldest %d "
                        "market events", spill.max_bytes, count - len(own))
        return True

    def _load_segment(self) -> None:
        """Read the oldest segment back into memory for replay."""
        spill = self._spill
        if spill is None:
            return
        events, count = spill.take_oldest()
        with self._lock:
            self._spilled -= count
            self._own.extend(e for e in events if is_own(e))
            self._front.extend(e for e in events if not is_own(e))
            self._counts.dropped += count - len(events)  # unreadable lines of a damaged segment
