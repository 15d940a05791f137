"""Optional recording of watched coins' book snapshots to the database, and their replay.

Off by default (``Settings.orderflow_record`` / ``UPBIT_MONITOR_ORDERFLOW_RECORD=1``). When on, every
snapshot a :class:`FlowRecorder` receives is packed (levels as float64 prices and float32 sizes,
zlib level 1: about 0.5-0.6 KB a snapshot, README) and written in batches every ``flush_s`` on a
worker thread (``DbContext.run_async``), so the loop never waits on the disk. When a coin is watched
again, the last ``minutes`` come back from the table into its ring before the live ones, and the
heatmap shows the past at once. Snapshots older than ``keep_hours`` (default 24) are deleted every
ten minutes. A database problem is kept in :attr:`problem` and the batch is kept
(up to ``max_pending`` snapshots, the oldest dropped and counted beyond that); the live views go on.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import zlib
from collections import deque
from typing import Any, Protocol

import numpy as np

from upbit_monitor.errors import StorageError
from upbit_monitor.protocol.events import Orderbook, OrderbookUnit
from upbit_monitor.storage.book_snapshots import insert_snapshots, load_snapshots, prune_snapshots

log = logging.getLogger(__name__)
_HEADER = struct.Struct("<B")


def encode(book: Orderbook) -> bytes:
    """Pack a snapshot's levels (prices exact as float64, sizes as float32, like the ring)."""
    units = book.orderbook_units[:255]
    n = len(units)
    prices = np.array([[u.bid_price for u in units], [u.ask_price for u in units]], np.float64)
    sizes = np.array([[u.bid_size for u in units], [u.ask_size for u in units]], np.float32)
    return zlib.compress(_HEADER.pack(n) + prices.tobytes() + sizes.tobytes(), 1)


def decode(code: str, timestamp_ms: int, data: bytes) -> Orderbook:
    """The snapshot :func:`encode` packed (totals recomputed from the levels)."""
    raw = zlib.decompress(data)
    (n,) = _HEADER.unpack_from(raw)
    prices = np.frombuffer(raw, np.float64, 2 * n, _HEADER.size).reshape(2, n)
    sizes = np.frombuffer(raw, np.float32, 2 * n, _HEADER.size + 16 * n).reshape(2, n)
    units = tuple(OrderbookUnit(float(prices[1, i]), float(prices[0, i]), float(sizes[1, i]),
                                float(sizes[0, i])) for i in range(n))
    return Orderbook("orderbook", code, float(sizes[1].sum()), float(sizes[0].sum()), units, timestamp_ms,
                     0.0, "RECORDED")


class ArchiveDb(Protocol):
    """The database context as the archive uses it (``DbContext`` fits)."""

    async def run_async(self, fn: Any, *args: object) -> Any: ...


class BookArchive:
    """Batched writer and loader of recorded snapshots (see the module doc)."""

    def __init__(self, db: ArchiveDb, flush_s: float = 2.0, max_pending: int = 50_000,
                 keep_hours: float = 24.0, prune_every_s: float = 600.0) -> None:
        self.db = db
        self.flush_s = flush_s
        self.max_pending = max_pending
        self.keep_hours = keep_hours
        self.prune_every_s = prune_every_s
        self.pruned = 0
        self._pruned_at = float("-inf")
        self.written = 0
        self.dropped = 0
        self.problem = ""
        self._pending: deque[tuple[str, str, int, bytes]] = deque()
        self._task: asyncio.Task[None] | None = None

    def add(self, venue: str, book: Orderbook) -> None:
        """Queue one snapshot (the loop thread: packing only, no I/O)."""
        if len(self._pending) >= self.max_pending:
            self._pending.popleft()
            self.dropped += 1
        self._pending.append((venue, book.code, int(book.timestamp), encode(book)))

    def start(self) -> None:
        """Flush every ``flush_s`` on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_s)
            await self.flush()

    async def flush(self) -> None:
        """Write what is queued; on a database error keep it for the next try."""
        if not self._pending:
            return
        batch = list(self._pending)
        by_venue: dict[str, list[tuple[str, int, bytes]]] = {}
        for venue, code, ts, data in batch:
            by_venue.setdefault(venue, []).append((code, ts, data))
        try:
            for venue, rows in by_venue.items():
                await self.db.run_async(insert_snapshots, venue, rows)
        except StorageError as exc:
            self.problem = f"order-flow recording paused: {exc}"
            log.warning("%s", self.problem)
            return
        for _ in batch:
            self._pending.popleft()
        self.written += len(batch)
        self.problem = ""
        await self.prune()

    async def prune(self, now_s: float | None = None) -> None:
        """Drop snapshots older than ``keep_hours`` (at most every ``prune_every_s``): at ~20 MB an
        hour per coin the table must not grow without end."""
        now_s = time.time() if now_s is None else now_s
        if now_s - self._pruned_at < self.prune_every_s:
            return
        self._pruned_at = now_s
        try:
            cutoff_ms = int((now_s - self.keep_hours * 3600) * 1000)
            self.pruned += await self.db.run_async(prune_snapshots, cutoff_ms)
        except StorageError as exc:
            self.problem = f"order-flow recording: pruning failed: {exc}"
            log.warning("%s", self.problem)

    async def load(self, venue: str, code: str, since_ms: int, limit: int) -> list[Orderbook]:
        """Recorded snapshots of ``code`` since ``since_ms`` (at most ``limit``, the newest), oldest first."""
        rows = await self.db.run_async(load_snapshots, venue, code, since_ms, limit)
        return [decode(code, ts, data) for ts, data in rows]

    async def close(self) -> None:
        """Stop the timer and write what is left."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush()
