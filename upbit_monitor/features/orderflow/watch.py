"""Who keeps order-flow history: one :class:`FlowRecorder` per watched coin, alive while a pane holds it.

A recorder is a manager component like every view: it registers ``orderbook`` (30 levels) and
``trade`` for its coin through the source's ``want`` with its own bound method as the callback, so
it sees every snapshot and print (the pool keeps only the newest book). The manager holds it weakly;
:class:`FlowHub` hands the same recorder to every pane watching that coin through a
``WeakValueDictionary``. When the last pane lets go (coin switch, pane closed), the recorder is
collected, the manager drops its subscriptions, and the history's memory is freed: nothing is
recorded for a coin nobody watches. Qt-free.

A source that follows a venue (Upbit | Bithumb) moves the registration on a switch; the recorder
then starts over, because one venue's book continued with another's is not a history.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Protocol

from upbit_monitor.errors import StorageError, UpbitMonitorError
from upbit_monitor.features.orderflow.archive import BookArchive
from upbit_monitor.features.orderflow.history import (
    BOOK_RATE_HZ,
    LEVELS,
    TRADE_RATE_HZ,
    BookHistory,
    TradeHistory,
    capacity_for,
)
from upbit_monitor.protocol.events import Event, Orderbook, Trade
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

log = logging.getLogger(__name__)
HISTORY_PAGES = 4  # /v1/trades/ticks pages (500 each) fetched when a coin is first watched


class FlowSource(Protocol):
    """What a recorder needs of the manager (the app's VenueSource and the manager fit)."""

    def want(self, component: object, specs: Sequence[Any], *,
             callback: Callable[[Event], None] | None = ...) -> None: ...
    def latest_orderbook(self, code: str) -> Orderbook | None: ...
    def recent_trades(self, code: str, n: int = ...) -> list[Trade]: ...


class FlowRecorder:
    """Book and trade history of one coin while referenced (see the module doc)."""

    def __init__(self, source: FlowSource, code: str, minutes: float,
                 archive: BookArchive | None = None) -> None:
        self.code = code
        self.archive = archive
        self.minutes = minutes
        self.book = BookHistory(capacity_for(minutes, BOOK_RATE_HZ))
        self.trades = TradeHistory(capacity_for(minutes, TRADE_RATE_HZ))
        self.resets = 0
        self._source = source
        self._venue = _venue_of(source)
        # What the pool already has: the heatmap starts with the current book, not a blank column.
        seed = source.latest_orderbook(code)
        if seed is not None:
            self.book.append(seed)
        for trade in reversed(source.recent_trades(code, 500)):
            self.trades.append(trade)
        source.want(self, self.specs(), callback=self.on_event)

    def specs(self) -> list[SubscriptionSpec]:
        """The full-depth book and the prints of the coin."""
        return [
            SubscriptionSpec("orderbook", (self.code,), depth=LEVELS),
            SubscriptionSpec("trade", (self.code,)),
        ]

    @property
    def nbytes(self) -> int:
        """Memory of both histories."""
        return self.book.nbytes + self.trades.nbytes

    def on_event(self, event: Event) -> None:
        """The manager's callback: every book snapshot and trade of the coin."""
        venue = _venue_of(self._source)
        if venue != self._venue:
            self._venue = venue
            self.reset()
        if isinstance(event, Orderbook):
            if event.code == self.code:
                self.book.append(event)
                if self.archive is not None:
                    self.archive.add(self._venue or "upbit", event)
        elif isinstance(event, Trade) and event.code == self.code:
            self.trades.append(event)

    def reset(self) -> None:
        """Forget everything (another venue's stream follows)."""
        self.book = BookHistory(self.book.capacity)
        self.trades = TradeHistory(self.trades.capacity)
        self.resets += 1


TradeLoader = Callable[[str], Awaitable[list[Trade]]]


class FlowHub:
    """One recorder per watched coin, shared by the panes that watch it; held weakly here.

    ``trade_loader`` (optional) fetches a coin's recent trades over REST (``/v1/trades/ticks``)
    when its recorder is made, so footprint candles have a past; it runs as a task on the running
    loop and merges into the recorder only if the recorder is still alive. A failure is kept in
    :attr:`history_problem` for the panes to show; the live stream goes on either way.
    """

    def __init__(self, source: FlowSource, minutes: float = 30.0,
                 trade_loader: TradeLoader | None = None, archive: BookArchive | None = None) -> None:
        self.source = source
        self.minutes = minutes
        self.trade_loader = trade_loader
        self.archive = archive
        if archive is not None:
            archive.start()
        self.history_problem: dict[str, str] = {}
        self._live: weakref.WeakValueDictionary[str, FlowRecorder] = weakref.WeakValueDictionary()
        self._tasks: set[asyncio.Task[None]] = set()

    def watch(self, code: str) -> FlowRecorder:
        """The coin's recorder (made and subscribed on first use). Keep the reference while you
        need the history; drop it to release."""
        rec = self._live.get(code)
        if rec is None:
            rec = FlowRecorder(self.source, code, self.minutes, self.archive)
            self._live[code] = rec
            if self.trade_loader is not None:
                self._spawn(self._load(weakref.ref(rec), code))
            if self.archive is not None:
                self._spawn(self._replay(weakref.ref(rec), code, _venue_of(self.source) or "upbit"))
        return rec

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replay(self, ref: weakref.ReferenceType[FlowRecorder], code: str, venue: str) -> None:
        """The coin's recorded snapshots of the last ``minutes`` go under the live ones."""
        assert self.archive is not None
        rec = ref()
        if rec is None:
            return
        since = int(time.time() * 1000 - self.minutes * 60_000)
        capacity = rec.book.capacity
        del rec  # not held across the await: closing the pane must still release it
        try:
            books = await self.archive.load(venue, code, since, capacity)
        except StorageError as exc:
            self.history_problem[code] = f"recorded book unavailable: {exc}"
            return
        rec = ref()
        if rec is not None:
            rec.book.merge_older(books)

    async def _load(self, ref: weakref.ReferenceType[FlowRecorder], code: str) -> None:
        assert self.trade_loader is not None
        try:
            trades = await self.trade_loader(code)
        except UpbitMonitorError as exc:
            # The heatmap and live footprint do not need it: say so, keep going.
            self.history_problem[code] = f"trade history unavailable: {exc}"
            log.warning("order flow: trade history of %s unavailable: %s", code, exc)
            return
        self.history_problem.pop(code, None)
        rec = ref()
        if rec is not None:
            rec.trades.merge_history([t for t in trades if t.code == code])

    async def close(self) -> None:
        """Cancel history loads still running and write the recording's last batch (shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.archive is not None:
            await self.archive.close()

    def watched(self) -> list[str]:
        """Codes with a live recorder."""
        return sorted(self._live.keys())


def _venue_of(source: object) -> str | None:
    venue = getattr(source, "venue", None)
    return venue if isinstance(venue, str) else None


class TicksClient(Protocol):
    """The REST call the loader pages through (``RestClient`` fits)."""

    async def trades_ticks(self, market: str, count: int = ..., cursor: int | None = ...,
                           days_ago: int = ...) -> list[Trade]: ...


async def load_recent_trades(rest: TicksClient, code: str, pages: int = HISTORY_PAGES) -> list[Trade]:
    """Up to ``pages`` x 500 of the coin's newest trades (newest first), paging by cursor."""
    out: list[Trade] = []
    cursor: int | None = None
    for _ in range(pages):
        page = await rest.trades_ticks(code, 500, cursor)
        out.extend(page)
        if len(page) < 500:
            break
        cursor = min(t.sequential_id for t in page)
    return out
