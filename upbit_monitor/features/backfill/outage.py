"""Backfill after an outage: trades the stream missed come from REST, touched candles are refetched.

While a connection is down (dropped, stalled, the server restarting) the exchange keeps trading;
those trades never reach us over the WebSocket. :class:`OutageBackfill` (Qt-free) watches the
manager's connection states and the trades and candles it routes. When a connection is CONNECTED
again after an outage it, for every market whose trades were being recorded:

1. pages ``/v1/trades/ticks`` (newest first, ``cursor`` = the last ``sequential_id``) back to the
   last trade seen before the outage, and hands every trade of the gap that the stream did not
   deliver to ``store_trade`` (the storage writer, whose insert is idempotent on
   ``(venue, code, sequential_id)``: dedupe twice, here by ``sequential_id`` and in the database);
2. marks the candles the gap touched for refetch (``mark_for_refetch``: provisional, coverage cut)
   for every market whose candles were being recorded, so the chart reloads them from REST.

Each outage ends in an :class:`OutageReport` (gap length, trades recovered per market, what could
not be done) kept in :attr:`OutageBackfill.reports` and logged. Limits, on purpose: one UTC day
of ticks (an outage across midnight recovers from midnight on), ``max_pages`` pages of 500 per
market (``truncated`` says when that was not enough).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from upbit_monitor.errors import RestError, StorageError
from upbit_monitor.manager import ConnState, StateChange
from upbit_monitor.protocol.events import CANDLE_TYPES, Trade

log = logging.getLogger(__name__)

PAGE = 500  # /v1/trades/ticks maximum count
SEEN_PER_MARKET = 4096  # live sequential ids remembered per market (dedupe against the stream)


class BackfillSource(Protocol):
    """What the backfill needs of the manager (the real one satisfies it structurally)."""

    def add_listener(self, callback: Callable[[Any], None], *, types: Collection[str] | None = ...,
                     venues: Collection[str] | None = ...) -> Callable[[], None]:
        """Receive events of ``types``."""

    def add_state_listener(self, cb: Callable[[StateChange], None]) -> Callable[[], None]:
        """Receive connection state changes."""


class TradeHistory(Protocol):
    """The REST call used (``RestClient.trades_ticks``)."""

    async def trades_ticks(self, market: str, count: int = ..., cursor: int | None = ...,
                           days_ago: int = ...) -> list[Trade]:
        """One page of recent trades, newest first."""


@dataclass
class OutageReport:
    """One outage of one connection and what the backfill did about it."""

    connection: str
    started: float  # wall clock: the connection left CONNECTED
    ended: float  # wall clock: CONNECTED again
    trades_recovered: dict[str, int] = field(default_factory=dict)  # per market
    candles_marked: dict[str, int] = field(default_factory=dict)  # per market, stored candles
    truncated: list[str] = field(default_factory=list)  # markets whose gap exceeded max_pages
    errors: list[str] = field(default_factory=list)
    done: bool = False

    @property
    def gap_s(self) -> float:
        """Length of the outage in seconds."""
        return max(0.0, self.ended - self.started)

    @property
    def total_recovered(self) -> int:
        """Trades recovered over all markets."""
        return sum(self.trades_recovered.values())

    def summary(self) -> str:
        """One line for the log and the status panel."""
        text = (f"{self.connection}: outage of {self.gap_s:.1f} s, {self.total_recovered:,} trades "
                f"recovered in {len(self.trades_recovered)} markets, candles of "
                f"{len(self.candles_marked)} markets marked for refetch")
        if self.truncated:
            text += f"; gap longer than the backfill limit in {len(self.truncated)} markets"
        if self.errors:
            text += f"; {len(self.errors)} errors (last: {self.errors[-1]})"
        return text


@dataclass
class _Market:
    last_ms: int = 0  # newest trade timestamp seen
    before_outage: int = 0  # last_ms when the connection went down
    seen: deque[int] = field(default_factory=lambda: deque(maxlen=SEEN_PER_MARKET))
    seen_set: set[int] = field(default_factory=set)

    def note(self, sid: int, ts: int) -> None:
        if len(self.seen) == self.seen.maxlen:
            self.seen_set.discard(self.seen[0])
        self.seen.append(sid)
        self.seen_set.add(sid)
        self.last_ms = max(self.last_ms, ts)


class OutageBackfill:
    """Watches one venue's connections; backfills after every reconnect.

    Args:
        source: the manager.
        rest: where trades come from (``RestClient``).
        store_trade: receives each recovered trade (e.g. ``writer.listener(venue)``); None: trades
            are not backfilled (not recorded).
        mark_refetch: ``async (code, start_s, end_s) -> candles marked`` (e.g. ``mark_for_refetch``
            through ``DbContext.run_async``); None: candles are not marked.
        connections: the connection names to watch (default: the venue's public one).
        venue: only this venue's events count.
    """

    def __init__(
        self,
        source: BackfillSource,
        rest: TradeHistory,
        *,
        store_trade: Callable[[Trade], None] | None,
        mark_refetch: Callable[[str, int, int], Any] | None = None,
        connections: Sequence[str] = ("upbit-public",),
        venue: str = "upbit",
        max_pages: int = 20,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._rest = rest
        self._store_trade = store_trade
        self._mark_refetch = mark_refetch
        self._connections = frozenset(connections)
        self._venue = venue
        self._max_pages = max_pages
        self._clock = clock
        self._trades: dict[str, _Market] = {}
        self._candle_codes: set[str] = set()
        self._down_since: dict[str, float] = {}
        self._was_connected: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe: list[Callable[[], None]] = []
        self.reports: list[OutageReport] = []
        self.on_report: Callable[[OutageReport], None] | None = None

    def start(self) -> None:
        """Begin watching (call on the loop)."""
        src = self._source
        self._unsubscribe = [
            src.add_listener(self._on_event, types=("trade", *CANDLE_TYPES), venues=(self._venue,)),
            src.add_state_listener(self._on_state),
        ]

    async def close(self) -> None:
        """Stop watching and cancel a backfill in progress."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_idle(self) -> None:
        """Wait until no backfill runs (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- listeners (loop thread) -------------------------------------------------------------------

    def _on_event(self, event: Any) -> None:
        if event.type == "trade":
            market = self._trades.get(event.code)
            if market is None:
                market = self._trades[event.code] = _Market()
            market.note(event.sequential_id, event.trade_timestamp)
        else:
            self._candle_codes.add(event.code)

    def _on_state(self, change: StateChange) -> None:
        name = change.connection
        if name not in self._connections:
            return
        if change.state is ConnState.CONNECTED:
            self._was_connected.add(name)
            since = self._down_since.pop(name, None)
            if since is not None:
                report = OutageReport(name, since, change.at or self._clock())
                self.reports.append(report)
                task = asyncio.get_running_loop().create_task(
                    self._backfill(report), name=f"upbit-monitor:backfill:{name}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        elif change.state in (ConnState.RECONNECTING, ConnState.CONNECTING):
            # The first connect is not an outage: nothing was being received before it.
            if name in self._was_connected and name not in self._down_since:
                self._down_since[name] = change.at or self._clock()
                for market in self._trades.values():
                    market.before_outage = market.last_ms

    # -- the backfill --------------------------------------------------------------------------------

    async def _backfill(self, report: OutageReport) -> None:
        try:
            if self._store_trade is not None:
                for code, market in list(self._trades.items()):
                    await self._trades_of(code, market, report)
            if self._mark_refetch is not None:
                start_s, end_s = int(report.started) - 1, int(report.ended) + 1
                for code in sorted(self._candle_codes | set(self._trades)):
                    try:
                        report.candles_marked[code] = int(await self._mark_refetch(code, start_s, end_s))
                    except StorageError as exc:
                        report.errors.append(f"{code}: {exc}")
        finally:
            report.done = True
            log.info("backfill: %s", report.summary())
            if self.on_report is not None:
                self.on_report(report)

    async def _trades_of(self, code: str, market: _Market, report: OutageReport) -> None:
        """Page back from the newest trade to the last one seen before the outage."""
        # A stall starts before it is detected: the last trade seen is the better bound. A market
        # that had not traded yet is bounded by the outage start (a second of clock slack).
        since_ms = market.before_outage or int(report.started * 1000) - 1000
        recovered: list[Trade] = []
        cursor: int | None = None
        try:
            for page_no in range(self._max_pages):
                page = await self._rest.trades_ticks(code, PAGE, cursor)
                for trade in page:
                    if trade.trade_timestamp < since_ms:
                        break
                    if trade.sequential_id not in market.seen_set:
                        recovered.append(trade)
                else:
                    if len(page) == PAGE:
                        cursor = page[-1].sequential_id
                        if page_no == self._max_pages - 1:
                            report.truncated.append(code)
                        continue
                break
        except RestError as exc:
            report.errors.append(f"{code}: {exc}")
        store = self._store_trade
        assert store is not None
        for trade in reversed(recovered):  # oldest first, as the stream would have sent them
            market.note(trade.sequential_id, trade.trade_timestamp)
            store(trade)
        report.trades_recovered[code] = len(recovered)



def for_storage(source: BackfillSource, rest: TradeHistory, writer: Any, db: Any,
                venue: str = "upbit") -> OutageBackfill:
    """The app's backfill: trades into *writer* when it records them, candle gaps marked in *db*.

    *writer* is a :class:`~upbit_monitor.storage.StreamWriter` (or None), *db* a
    :class:`~upbit_monitor.storage.DbContext` (or None). Call :meth:`OutageBackfill.start` after.
    """
    from upbit_monitor.storage import mark_for_refetch

    records_trades = writer is not None and "trade" in writer.types
    mark = None
    if db is not None:
        async def mark(code: str, start: int, end: int) -> int:
            return int(await db.run_async(mark_for_refetch, code, start, end, venue))

    return OutageBackfill(source, rest, venue=venue, mark_refetch=mark,
                          connections=(f"{venue}-public",),
                          store_trade=writer.listener(venue) if records_trades else None)
