"""``StreamWriter``: persists stream events in batches on its own thread, surviving DB outages.

Wiring (app.py)::

    writer = StreamWriter(db, record_trades=False)
    await writer.start()
    unsubscribe = mgr.add_listener(writer.on_event, types=writer.types, venues=("upbit",))
    # another venue's rows: its own listener, filtered to that venue's connections
    mgr.add_listener(writer.listener("bithumb"), types=writer.types, venues=("bithumb",))
    ...
    unsubscribe(); await writer.stop()      # flushes what is left

:meth:`StreamWriter.on_event` runs on the caller's (GUI/loop) thread and only appends to a queue:
no conversion, no I/O. A worker thread wakes every ``interval`` seconds (or as soon as
``batch_rows`` events are waiting), converts the events and writes them in ONE transaction through
:meth:`DbContext.run`. If the database is unavailable the batch goes back to the front of the
queue and is retried with backoff; events keep queueing meanwhile. Only when the queue exceeds
``max_backlog`` are the *oldest* events dropped, and every drop is counted in :meth:`status`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from upbit_monitor.errors import StorageError, StorageUnavailable
from upbit_monitor.protocol.events import CANDLE_TYPES, Candle, Event, MyAsset, MyOrder, Trade
from upbit_monitor.storage.candles import upsert_candles
from upbit_monitor.storage.context import DbContext
from upbit_monitor.storage.records import insert_trades, record_assets, record_my_orders
from upbit_monitor.storage.schema import DEFAULT_VENUE

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriterStatus:
    """What the status panel shows about the writer."""

    running: bool
    backlog: int  # events waiting (queued + the batch being written)
    dropped: int  # oldest events discarded because the backlog exceeded max_backlog
    failed: int  # events discarded after a non-transient database error
    written: int  # events committed
    batches: int  # committed transactions
    retrying: bool  # the last attempt failed with a transient error; waiting to retry
    last_error: str | None
    last_flush: float | None  # time.time() of the last commit
    last_batch_rows: int
    last_batch_s: float  # duration of the last commit


class StreamWriter:
    """Batching, outage-tolerant persistence of Candle/Trade/MyOrder/MyAsset events."""

    def __init__(
        self,
        db: DbContext,
        *,
        interval: float = 0.25,
        batch_rows: int = 1000,
        max_backlog: int = 100_000,
        record_trades: bool = False,
        retry_delay: float = 0.25,
        max_retry_delay: float = 5.0,
    ) -> None:
        if interval <= 0 or batch_rows <= 0 or max_backlog <= 0:
            raise StorageError("interval, batch_rows and max_backlog must be positive")
        self._db = db
        self._interval = interval
        self._max_backlog = max_backlog
        # A batch larger than the bound could not be put back whole after a failure.
        self._batch_rows = min(batch_rows, max_backlog)
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        accepted = {*CANDLE_TYPES, "myOrder", "myAsset"}
        if record_trades:
            accepted.add("trade")
        self.types: frozenset[str] = frozenset(accepted)
        """Event types this writer stores: pass to ``mgr.add_listener(..., types=writer.types)``."""

        self._queue: deque[tuple[str, Event]] = deque()  # (venue, event)
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)  # notified when events are done
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._stop_deadline = 0.0
        # Counters; written by the worker (or on_event for drops) under the lock.
        self._enqueued = 0
        self._inflight = 0
        self._dropped = 0
        self._failed = 0
        self._written = 0
        self._batches = 0
        self._retrying = False
        self._last_error: str | None = None
        self._last_flush: float | None = None
        self._last_batch_rows = 0
        self._last_batch_s = 0.0

    # -- caller side (GUI / loop thread) --------------------------------------------------------

    def listener(self, venue: str) -> Callable[[Event], None]:
        """A manager listener storing events as *venue*'s (register it for that venue only)."""

        def on_venue_event(event: Event) -> None:
            self.on_event(event, venue)

        return on_venue_event

    def on_event(self, event: Event, venue: str = DEFAULT_VENUE) -> None:
        """Manager listener: queue *event* if its type is stored. Cheap; never touches the DB."""
        if event.type not in self.types:
            return
        with self._lock:
            queue = self._queue
            if len(queue) + self._inflight >= self._max_backlog and queue:
                queue.popleft()
                self._dropped += 1
                self._progress.notify_all()
            queue.append((venue, event))
            self._enqueued += 1
            full = len(queue) >= self._batch_rows
        if full:
            self._wake.set()

    def status(self) -> WriterStatus:
        """A consistent snapshot of the counters."""
        with self._lock:
            return WriterStatus(
                running=self._thread is not None and self._thread.is_alive(),
                backlog=len(self._queue) + self._inflight,
                dropped=self._dropped,
                failed=self._failed,
                written=self._written,
                batches=self._batches,
                retrying=self._retrying,
                last_error=self._last_error,
                last_flush=self._last_flush,
                last_batch_rows=self._last_batch_rows,
                last_batch_s=self._last_batch_s,
            )

    async def start(self) -> None:
        """Start the worker thread (no-op when running). Events queued before are written too."""
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            self._stopping = False
        self._thread = threading.Thread(target=self._run, name="storage-writer", daemon=True)
        self._thread.start()

    async def stop(self, grace_s: float = 10.0) -> bool:
        """Flush the backlog and stop the worker. Returns False if events were left unwritten
        because the database stayed unavailable for *grace_s* seconds (they stay in the queue
        and are written by a later :meth:`start`)."""
        thread = self._thread
        if thread is None:
            return self.status().backlog == 0
        with self._lock:
            self._stopping = True
            self._stop_deadline = time.monotonic() + grace_s
        self._wake.set()
        await asyncio.to_thread(thread.join, grace_s + 5.0)
        self._thread = None
        return self.status().backlog == 0

    async def flush(self, wait_s: float = 10.0) -> bool:
        """Write everything queued so far now; True once it is committed (or dropped/failed).

        Off the loop thread: the wait happens in ``asyncio.to_thread``.
        """
        with self._lock:
            target = self._enqueued
        self._wake.set()
        return await asyncio.to_thread(self._wait_done, target, wait_s)

    def _done_count(self) -> int:
        return self._written + self._dropped + self._failed

    def _wait_done(self, target: int, timeout: float) -> bool:
        with self._progress:
            return self._progress.wait_for(lambda: self._done_count() >= target, timeout)

    # -- worker thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        delay = self._retry_delay
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            while True:
                batch = self._take()
                if not batch:
                    break
                if self._write(batch):
                    delay = self._retry_delay
                    continue
                # Transient failure: back off, then start a fresh drain cycle.
                remaining = self._stop_deadline - time.monotonic() if self._stopping else delay
                if self._stopping and remaining <= 0:
                    return
                time.sleep(min(delay, max(remaining, 0.0)))
                delay = min(delay * 2, self._max_retry_delay)
            with self._lock:
                if self._stopping and not self._queue:
                    return

    def _take(self) -> list[tuple[str, Event]]:
        with self._lock:
            n = min(len(self._queue), self._batch_rows)
            batch = [self._queue.popleft() for _ in range(n)]
            self._inflight = n
            return batch

    def _write(self, batch: list[tuple[str, Event]]) -> bool:
        """Write one batch in one transaction. False = transient failure (batch requeued)."""
        started = time.monotonic()
        try:
            self._db.run(_write_events, batch)
        except StorageUnavailable as exc:
            self._requeue(batch, str(exc))
            return False
        except StorageError as exc:
            # Not retryable (bad data, schema problem): retrying would block the stream forever.
            log.error("storage writer dropped %d events: %s", len(batch), exc)
            with self._lock:
                self._inflight = 0
                self._failed += len(batch)
                self._last_error = str(exc)
                self._retrying = False
                self._progress.notify_all()
            return True
        elapsed = time.monotonic() - started
        with self._lock:
            self._inflight = 0
            self._written += len(batch)
            self._batches += 1
            self._retrying = False
            self._last_flush = time.time()
            self._last_batch_rows = len(batch)
            self._last_batch_s = elapsed
            self._progress.notify_all()
        return True

    def _requeue(self, batch: list[tuple[str, Event]], error: str) -> None:
        with self._lock:
            self._inflight = 0
            self._queue.extendleft(reversed(batch))
            while len(self._queue) > self._max_backlog:
                self._queue.popleft()
                self._dropped += 1
            if not self._retrying:
                log.warning("storage writer: database unavailable, buffering events: %s", error)
            self._retrying = True
            self._last_error = error
            self._progress.notify_all()


def _write_events(session: Session, batch: list[tuple[str, Event]]) -> None:
    """Split a batch by venue and kind; write everything in the caller's (one) transaction."""
    by_venue: dict[str, list[Event]] = {}
    for venue, event in batch:
        by_venue.setdefault(venue, []).append(event)
    for venue, events in by_venue.items():
        candles: list[Candle] = []
        trades: list[Trade] = []
        orders: list[MyOrder] = []
        assets: list[MyAsset] = []
        sinks: dict[type, Callable[[Event], None]] = {
            Candle: candles.append,  # type: ignore[dict-item]
            Trade: trades.append,  # type: ignore[dict-item]
            MyOrder: orders.append,  # type: ignore[dict-item]
            MyAsset: assets.append,  # type: ignore[dict-item]
        }
        for event in events:
            sink = sinks.get(type(event))
            if sink is not None:
                sink(event)
        upsert_candles(session, candles, venue)
        insert_trades(session, trades, venue)
        record_my_orders(session, orders, venue)
        record_assets(session, assets, venue)
