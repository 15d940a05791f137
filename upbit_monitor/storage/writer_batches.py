"""The writer's write path and bookkeeping (worker thread): one batch, the per-record fallback,
and what each outcome does to the counters.

A mixin of :class:`~upbit_monitor.storage.writer.StreamWriter` (see its docstring for the policy);
every counter change happens under the writer's lock, so ``status()`` is always consistent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable

from upbit_monitor.errors import StorageUnavailable
from upbit_monitor.storage.batch import Entry, Prepared, describe, is_own, prepare, write_prepared
from upbit_monitor.storage.context import DbContext
from upbit_monitor.storage.writer_status import WriterCounters, WriterState

log = logging.getLogger("upbit_monitor.storage.writer")

_LOG_FIRST_REJECTS = 5
_LOG_EVERY_REJECTS = 1000


class BatchMixin:
    """Writing batches; the attributes below belong to the writer and are guarded by its lock."""

    _db: DbContext
    _lock: threading.Lock
    _progress: threading.Condition
    _own: deque[Entry]
    _market: deque[Entry]
    _inflight: deque[Entry]
    _state: WriterState
    _counts: WriterCounters
    _outage_since: float | None

    def _write(self, batch: list[Entry]) -> bool:
        """Write one batch. False: the database refused for a cause that may clear (put back)."""
        started = time.monotonic()
        prepared: list[Prepared] = []
        for event in batch:
            try:
                prepared.append(prepare(event))
            except Exception as exc:  # any bad field: reject this record only
                self._reject(event, exc)
        if not prepared:
            return True
        try:
            self._db.run(write_prepared, prepared)
        except StorageUnavailable as exc:
            self._refused(exc)
            return False
        except Exception as exc:  # a data error somewhere in the batch
            log.info("storage writer: batch of %d failed (%s); writing record by record",
                     len(prepared), exc)
            return self._write_each(prepared)
        self._committed(len(prepared), time.monotonic() - started)
        return True

    def _write_each(self, prepared: list[Prepared]) -> bool:
        for item in prepared:
            started = time.monotonic()
            try:
                self._db.run(write_prepared, [item])
            except StorageUnavailable as exc:
                self._refused(exc)
                return False
            except Exception as exc:  # this record is the bad one
                self._reject(item[0], exc)
            else:
                self._committed(1, time.monotonic() - started)
        return True

    # -- bookkeeping (worker side) --------------------------------------------------------------

    def _resolve(self, n: int) -> None:
        for _ in range(min(n, len(self._inflight))):
            self._inflight.popleft()

    def _committed(self, n: int, elapsed: float) -> None:
        with self._lock:
            self._resolve(n)
            self._counts.written += n
            self._counts.batches += 1
            if self._counts.retrying:
                down = time.monotonic() - (self._outage_since or time.monotonic())
                log.warning("storage writer: database writable again after %.1f s (%s)",
                            down, self._counts.cause)
            self._counts.retrying = False
            self._counts.cause = None
            self._counts.last_error = None
            self._outage_since = None
            if self._state == "retrying":
                self._state = "running"
            self._counts.last_flush = time.time()
            self._counts.last_batch_rows = n
            self._counts.last_batch_s = elapsed
            self._progress.notify_all()

    def _reject(self, event: Entry, exc: BaseException) -> None:
        reason = f"{describe(event)}: {type(exc).__name__}: {str(exc)[:120]}"
        with self._lock:
            # The record may be in the in-flight batch (write fallback) or not yet (conversion).
            if self._inflight and self._inflight[0] is event:
                self._inflight.popleft()
            else:
                try:
                    self._inflight.remove(event)
                except ValueError:
                    pass
            self._counts.rejected += 1
            self._counts.last_rejected = reason
            n = self._counts.rejected
            self._progress.notify_all()
        if n <= _LOG_FIRST_REJECTS or n % _LOG_EVERY_REJECTS == 0:
            log.error("storage writer: bad record skipped (#%d): %s", n, reason)

    def _refused(self, exc: StorageUnavailable) -> None:
        with self._lock:
            rest = list(self._inflight)
            self._inflight.clear()
            self._put_back(rest)
            if not self._counts.retrying:
                self._outage_since = time.monotonic()
                log.warning("storage writer: database refuses writes (%s); keeping events: %s",
                            exc.cause, exc)
            self._counts.retrying = True
            self._counts.cause = exc.cause
            self._counts.last_error = str(exc)
            if self._state == "running":
                self._state = "retrying"
            self._progress.notify_all()

    def _put_back(self, events: Iterable[Entry]) -> None:
        """Return unwritten events to the front of their queues (caller holds the lock).

        Market events go back to the head of the memory queue: they are the oldest there, so the
        spill moves them to disk first and the bound policy drops them first.
        """
        own = [e for e in events if is_own(e)]
        market = [e for e in events if not is_own(e)]
        self._own.extendleft(reversed(own))
        self._market.extendleft(reversed(market))
