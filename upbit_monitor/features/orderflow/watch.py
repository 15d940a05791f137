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

import weakref
from collections.abc import Callable, Sequence
from typing import Any, Protocol

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


class FlowSource(Protocol):
    """What a recorder needs of the manager (the app's VenueSource and the manager fit)."""

    def want(self, component: object, specs: Sequence[Any], *,
             callback: Callable[[Event], None] | None = ...) -> None: ...
    def latest_orderbook(self, code: str) -> Orderbook | None: ...
    def recent_trades(self, code: str, n: int = ...) -> list[Trade]: ...


class FlowRecorder:
    """Book and trade history of one coin while referenced (see the module doc)."""

    def __init__(self, source: FlowSource, code: str, minutes: float) -> None:
        self.code = code
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
        elif isinstance(event, Trade) and event.code == self.code:
            self.trades.append(event)

    def reset(self) -> None:
        """Forget everything (another venue's stream follows)."""
        self.book = BookHistory(self.book.capacity)
        self.trades = TradeHistory(self.trades.capacity)
        self.resets += 1


class FlowHub:
    """One recorder per watched coin, shared by the panes that watch it; held weakly here."""

    def __init__(self, source: FlowSource, minutes: float = 30.0) -> None:
        self.source = source
        self.minutes = minutes
        self._live: weakref.WeakValueDictionary[str, FlowRecorder] = weakref.WeakValueDictionary()

    def watch(self, code: str) -> FlowRecorder:
        """The coin's recorder (made and subscribed on first use). Keep the reference while you
        need the history; drop it to release."""
        rec = self._live.get(code)
        if rec is None:
            rec = FlowRecorder(self.source, code, self.minutes)
            self._live[code] = rec
        return rec

    def watched(self) -> list[str]:
        """Codes with a live recorder."""
        return sorted(self._live.keys())


def _venue_of(source: object) -> str | None:
    venue = getattr(source, "venue", None)
    return venue if isinstance(venue, str) else None
