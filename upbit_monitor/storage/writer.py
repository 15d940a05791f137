"""``StreamWriter``: persists stream events in batches on a supervised thread; nothing lost silently.

Wiring (app.py)::

    writer = StreamWriter(db, spill_dir=data_dir() / "spill")
    await writer.start()
    unsubscribe = mgr.add_listener(writer.on_event, types=writer.types, venues=("upbit",))
    # another venue's rows: its own listener, filtered to that venue's connections
    mgr.add_listener(writer.listener("bithumb"), types=writer.types, venues=("bithumb",))
    ...
    unsubscribe(); saved = await writer.stop(); report = writer.report()

:meth:`StreamWriter.on_event` runs on the caller's (GUI/loop) thread and only appends to a queue.
A worker thread wakes every ``interval`` seconds (or as soon as ``batch_rows`` events wait) and
writes a batch in ONE transaction through :meth:`DbContext.run`.

**Bad records.** Each event is converted on its own; one that cannot be converted is rejected
(counted, the reason kept in the status) and the batch goes on. When a batch fails on a data error,
the writer falls back to one transaction per record, so only the offending records are rejected.

**A writer that cannot die.** A supervisor thread restarts the worker thread if it ever ends
abnormally (with a growing pause); the batch it held is put back first. The status says so
(``state == "restarting"``, ``restarts``, ``last_crash``) for the status panel to show in red.

**Database refuses writes** (locked, disk full, read-only, server down: ``StorageUnavailable``):
the batch goes back to the front, the writer retries with capped backoff for as long as the app
runs, and the status reads ``database: N events waiting, cause: disk full``. The error is cleared
by the next successful commit.

**The bound and the policy past it.** Market events (candles, trades) wait in memory up to
``max_backlog`` (default 100,000 events, roughly 60 MB, counting the batch being written and a
spill segment being replayed). From half of that the worker moves the
oldest ``spill_chunk`` events at a time to spill files in ``spill_dir`` (append-only segments,
bounded by ``spill_max_bytes``, default 256 MiB, about a million events; see ``spill.py``), which
are replayed before newer events once writing works again, and at the next start if the app stops
first. Past both bounds the *oldest market data* goes first: the oldest spill segment, or when no
spill is possible (no spill directory, or its disk is full as well) the oldest events in memory.
Every dropped event is counted. Own-account events (``myOrder``/``myAsset``) are never dropped:
they wait in memory without bound (they are a handful per trade) and are spilled at shutdown.

**Shutdown.** :meth:`stop` writes what it can within ``grace_s``, spills the rest to disk, and
returns True only when every event was written; :meth:`report` says what could not be saved.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from upbit_monitor.errors import StorageError
from upbit_monitor.protocol.events import CANDLE_TYPES, Event
from upbit_monitor.storage.batch import OWN_TYPES, Entry
from upbit_monitor.storage.context import DbContext
from upbit_monitor.storage.schema import DEFAULT_VENUE
from upbit_monitor.storage.spill import DEFAULT_SPILL_BYTES, SpillStore
from upbit_monitor.storage.writer_batches import BatchMixin
from upbit_monitor.storage.writer_spill import SpillMixin
from upbit_monitor.storage.writer_status import WriterCounters, WriterState, WriterStatus

log = logging.getLogger(__name__)

_RESTART_DELAYS = (0.05, 5.0)  # first pause before restarting a dead worker, cap


class StreamWriter(BatchMixin, SpillMixin):
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
        spill_dir: Path | None = None,
        spill_max_bytes: int = DEFAULT_SPILL_BYTES,
        spill_chunk: int = 5000,
    ) -> None:
        if interval <= 0 or batch_rows <= 0 or max_backlog <= 0 or spill_chunk <= 0:
            raise StorageError("interval, batch_rows, max_backlog and spill_chunk must be positive")
        self._db = db
        self._interval = interval
        self._max_backlog = max_backlog
        self._batch_rows = min(batch_rows, max_backlog)
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._spill = SpillStore(spill_dir, spill_max_bytes) if spill_dir is not None else None
        self._spill_chunk = min(spill_chunk, max(1, max_backlog // 2))
        self._spill_from = max_backlog // 2  # memory level from which market events go to disk
        accepted = {*CANDLE_TYPES, *OWN_TYPES}
        if record_trades:
            accepted.add("trade")
        self.types: frozenset[str] = frozenset(accepted)
        """Event types this writer stores: pass to ``mgr.add_listener(..., types=writer.types)``."""

        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)  # notified when events are resolved
        self._wake = threading.Event()
        self._stop_evt = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._worker: threading.Thread | None = None
        # Queues, all under the lock. Order of writing: own, front, spill segments, market.
        self._own: deque[Entry] = deque()  # myOrder/myAsset: never dropped
        self._front: deque[Entry] = deque()  # market events read back from a spill segment
        self._market: deque[Entry] = deque()  # new market events
        self._inflight: deque[Entry] = deque()  # the batch being written, unresolved part
        self._moving: list[Entry] = []  # a chunk on its way to a spill segment
        self._spilled = 0  # events in spill segments (mirrors the store for status())
        self._scanned = False
        self._state: WriterState = "not started"
        self._stopping = False
        self._finished = False
        self._stop_deadline = 0.0
        self._outage_since: float | None = None
        # Counters (see writer_status.py for the identity they satisfy).
        self._counts = WriterCounters()

    # -- caller side (GUI / loop thread) --------------------------------------------------------

    def listener(self, venue: str) -> Callable[[Event], None]:
        """A manager listener storing events as *venue*'s (register it for that venue only)."""

        def on_venue_event(event: Event) -> None:
            self.on_event(event, venue)

        return on_venue_event

    def on_event(self, event: Event, venue: str = DEFAULT_VENUE) -> None:
        """Manager listener: queue *event* (of *venue*) if its type is stored. Cheap; no disk."""
        if event.type not in self.types:
            return
        with self._lock:
            self._counts.received += 1
            if event.type in OWN_TYPES:
                self._own.append((venue, event))
                wake = True
            else:
                market = self._market
                market.append((venue, event))
                in_memory = len(market) + len(self._front) + len(self._inflight) + len(self._moving)
                if in_memory > self._max_backlog:
                    # The worker could not move the excess to disk fast enough (or at all):
                    # past the memory bound the oldest market event goes, and is counted.
                    market.popleft()
                    self._counts.dropped += 1
                    self._progress.notify_all()
                wake = len(market) >= self._batch_rows or (
                    self._spill is not None and len(market) > self._spill_from)
        if wake:
            self._wake.set()

    def status(self) -> WriterStatus:
        """A consistent snapshot of the counters."""
        with self._lock:
            worker = self._worker
            running = worker is not None and worker.is_alive()
            state = self._state
            if state in ("running", "retrying") and not running:
                state = "restarting"
            return WriterStatus(state=state, running=running, waiting=self._waiting(), spilled=self._spilled,
                                **asdict(self._counts))

    async def start(self) -> None:
        """Start the supervised worker (no-op when running). Events queued before are written too,
        and so are events a previous run left in the spill directory."""
        if self._supervisor is not None and self._supervisor.is_alive():
            return
        if self._spill is not None and not self._scanned:
            restored = await asyncio.to_thread(self._spill.scan)
            self._scanned = True
            if restored:
                log.warning("storage writer: %d events left by a previous run are replayed", restored)
            with self._lock:
                self._counts.restored += restored
                self._spilled += restored
        with self._lock:
            self._stopping = False
            self._finished = False
            self._state = "retrying" if self._counts.retrying else "running"
        self._stop_evt.clear()
        self._supervisor = threading.Thread(
            target=self._supervise, name="storage-writer-supervisor", daemon=True
        )
        self._supervisor.start()

    async def stop(self, grace_s: float = 10.0) -> bool:
        """Write what is left (for up to *grace_s* while the database refuses), spill the rest to
        disk, stop the threads. True only if every event received was written to the database;
        otherwise :meth:`report` says what was kept for the next start and what was lost."""
        supervisor = self._supervisor
        if supervisor is not None:
            with self._lock:
                self._stopping = True
                self._stop_deadline = time.monotonic() + grace_s
            self._stop_evt.set()
            self._wake.set()
            # The grace period plus one blocking database call (busy/connect timeout).
            await asyncio.to_thread(supervisor.join, grace_s + 30.0)
            self._supervisor = None
        with self._lock:
            self._state = "stopped"
        report = self.report()
        if report is not None:
            log.error("%s", report)
        status = self.status()
        return status.waiting == 0 and status.lost == 0

    def report(self) -> str | None:
        """What could not be saved to the database, or None when everything was written."""
        s = self.status()
        if not s.waiting and not s.lost:
            return None
        parts = [f"storage: {s.waiting + s.lost:,} events not saved to the database"
                 + (f" (cause: {s.cause})" if s.cause else "")]
        if s.spilled:
            where = self._spill.directory if self._spill is not None else "?"
            parts.append(f"{s.spilled:,} kept in {where} for the next start")
        in_memory = s.waiting - s.spilled
        if in_memory:
            parts.append(f"{in_memory:,} only in memory (lost at exit)")
        if s.lost:
            parts.append(f"{s.lost:,} lost ({s.rejected:,} bad records, "
                         f"{s.dropped:,} dropped past the bound)")
        return "; ".join(parts)

    async def flush(self, wait_s: float = 10.0) -> bool:
        """Write everything queued so far now; True once it is resolved (written/rejected/dropped).

        Off the loop thread: the wait happens in ``asyncio.to_thread``.
        """
        with self._lock:
            target = self._counts.received + self._counts.restored
        self._wake.set()
        return await asyncio.to_thread(self._wait_done, target, wait_s)

    def _waiting(self) -> int:
        return (len(self._own) + len(self._front) + len(self._market) + len(self._inflight)
                + len(self._moving) + self._spilled)

    def _wait_done(self, target: int, timeout: float) -> bool:
        def done() -> bool:
            return self._counts.written + self._counts.rejected + self._counts.dropped >= target
        with self._progress:
            return self._progress.wait_for(done, timeout)

    # -- supervisor ----------------------------------------------------------------------------

    def _supervise(self) -> None:
        delay = _RESTART_DELAYS[0]
        while True:
            worker = threading.Thread(target=self._guarded_run, name="storage-writer", daemon=True)
            with self._lock:
                self._worker = worker
            worker.start()
            worker.join()
            with self._lock:
                if self._finished:
                    return
                self._counts.restarts += 1
                self._put_back(list(self._inflight))
                self._inflight.clear()
                self._market.extendleft(reversed(self._moving))
                self._moving = []
                restarts, crash = self._counts.restarts, self._counts.last_crash
            log.error("storage writer thread died (%s); restart #%d in %.2f s", crash, restarts, delay)
            self._stop_evt.wait(delay)
            delay = min(delay * 2, _RESTART_DELAYS[1])

    def _guarded_run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # anything that ends the thread is reported
            with self._lock:
                self._counts.last_crash = f"{type(exc).__name__}: {exc}"[:200]
            log.exception("storage writer thread crashed")
            return
        with self._lock:
            self._finished = True

    # -- worker thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        delay = self._retry_delay
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            while True:
                if self._past_deadline():
                    self._spill_all()
                    return
                self._spill_excess()
                batch = self._take()
                if not batch:
                    break
                if self._write(batch):
                    delay = self._retry_delay
                    continue
                self._backoff(delay)
                delay = min(delay * 2, self._max_retry_delay)
            with self._lock:
                if self._stopping and not (self._own or self._front or self._market or self._spilled):
                    return

    def _past_deadline(self) -> bool:
        with self._lock:
            return self._stopping and time.monotonic() >= self._stop_deadline

    def _backoff(self, delay: float) -> None:
        """Wait *delay* before the next attempt, moving excess events to disk meanwhile."""
        end = time.monotonic() + delay
        while (now := time.monotonic()) < end:
            with self._lock:
                stopping, deadline = self._stopping, self._stop_deadline
            if stopping:
                # No early wake-up while stopping: retry at the backoff pace until the deadline.
                time.sleep(max(0.0, min(end, deadline) - now))
                return
            self._spill_excess()
            self._stop_evt.wait(min(0.05, end - now))

    def _take(self) -> list[Entry]:
        """The next batch: own events, then replayed spill segments (oldest first), then memory."""
        # While the database refuses, segments stay on disk (reading them back would only churn):
        # the next attempt probes with new events instead.
        with self._lock:
            probing = self._counts.retrying
            need_segment = not self._front and self._spilled > 0 and not probing
        if need_segment:
            self._load_segment()
        with self._lock:
            batch: list[Entry] = []
            for source in (self._own, self._front):
                while source and len(batch) < self._batch_rows:
                    batch.append(source.popleft())
            if not self._front and (self._spilled == 0 or probing):
                market = self._market
                while market and len(batch) < self._batch_rows:
                    batch.append(market.popleft())
            self._inflight = deque(batch)
            return batch
