"""An in-memory stand-in for the manager's pull + registration API (model/view tests only)."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from upbit_monitor.protocol.events import Event, Orderbook, OrderbookUnit, Ticker, Trade
from upbit_monitor.protocol.subscriptions import SubscriptionSet


@dataclass
class FakeMetrics:
    state: str = "connected"
    msgs_per_s: float = 12.0
    health: float = 1.0
    last_server_error: str | None = None
    last_close_reason: str = ""
    reconnects: int = 0


@dataclass
class FakeReg:
    component_name: str
    connection: str
    specs: tuple[Any, ...]


@dataclass
class FakeSource:
    tickers: dict[str, Ticker] = field(default_factory=dict)
    venue_tickers: dict[tuple[str, str], Ticker] = field(default_factory=dict)  # other venues than Upbit
    books: dict[str, Orderbook] = field(default_factory=dict)
    trades: dict[str, list[Trade]] = field(default_factory=dict)
    versions: dict[tuple[str, str], int] = field(default_factory=dict)
    calls: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)
    metrics_: dict[str, Any] = field(default_factory=lambda: {"upbit-public": FakeMetrics()})
    deliver: bool = False  # call registered callbacks on put_* (after storing), as the router does
    flushes: int = 0  # flush() calls (a coin switch sends its request at once)

    def __post_init__(self) -> None:
        self._comps: weakref.WeakKeyDictionary[Any, tuple[Any, ...]] = weakref.WeakKeyDictionary()
        # Bound methods weakly, as the manager's router holds them: a callback must not keep its
        # component alive (the order-flow tests check registrations go back to baseline on close).
        self._callbacks: list[Callable[[], Callable[[Event], None] | None]] = []

    # registration
    def register(self, component: object, specs: Sequence[Any], *, connection: str = "upbit-public",
                 callback: Callable[[Event], None] | None = None) -> None:
        self._comps[component] = tuple(specs)
        self.calls.append(("register", type(component).__name__, tuple(specs)))
        if callback is not None:
            held = callback
            self._callbacks.append(
                weakref.WeakMethod(callback) if inspect.ismethod(callback) else (lambda: held))

    def want(self, component: object, specs: Sequence[Any], *, connection: str = "upbit-public",
             callback: Callable[[Event], None] | None = None, unregister_empty: bool = False) -> None:
        if unregister_empty and not specs:
            self.unregister(component)
        elif component in self._comps:
            self.update(component, specs)
        else:
            self.register(component, specs, connection=connection, callback=callback)

    def update(self, component: object, specs: Sequence[Any]) -> None:
        self._comps[component] = tuple(specs)
        self.calls.append(("update", type(component).__name__, tuple(specs)))

    def unregister(self, component: object) -> None:
        self._comps.pop(component, None)

    # feeding
    def _bump(self, type_: str, code: str) -> None:
        self.versions[(type_, code)] = self.versions.get((type_, code), 0) + 1

    def put_ticker(self, t: Ticker, venue: str = "upbit") -> None:
        if venue != "upbit":
            self.venue_tickers[(venue, t.code)] = t
            return
        self.tickers[t.code] = t
        self._bump("ticker", t.code)

    def put_book(self, b: Orderbook) -> None:
        self.books[b.code] = b
        self._bump("orderbook", b.code)
        if self.deliver:
            for ref in list(self._callbacks):
                cb = ref()
                if cb is not None:
                    cb(b)

    def put_trade(self, t: Trade) -> None:
        self.trades.setdefault(t.code, []).insert(0, t)
        self._bump("trade", t.code)

    # pull API
    def latest_ticker(self, code: str, venue: str = "upbit") -> Ticker | None:
        return self.tickers.get(code) if venue == "upbit" else self.venue_tickers.get((venue, code))

    def latest_orderbook(self, code: str) -> Orderbook | None:
        return self.books.get(code)

    def recent_trades(self, code: str, n: int = 100) -> list[Trade]:
        return self.trades.get(code, [])[:n]

    def latest_candle(self, code: str, type: str) -> None:
        return None  # no candles here: chart panes stay on their (empty) history

    def version(self, type: str, code: str) -> int:
        return self.versions.get((type, code), 0)

    def all_tickers(self) -> Mapping[str, Ticker]:
        return dict(self.tickers)

    # introspection
    def metrics(self) -> Mapping[str, Any]:
        return dict(self.metrics_)

    def subscriptions(self, connection: str = "upbit-public") -> Any:
        s = SubscriptionSet()
        for i, (_c, specs) in enumerate(list(self._comps.items())):
            s.set_owner(i, specs)
        return s.merged()

    def flush(self) -> None:
        self.flushes += 1

    def registrations(self) -> list[FakeReg]:
        return [FakeReg(type(c).__name__, "upbit-public", specs) for c, specs in list(self._comps.items())]

    def add_listener(self, callback: Callable[[Event], None], *,
                     types: Collection[str] | None = None) -> Callable[[], None]:
        return lambda: None


def ticker(code: str, price: float, rate: float = 0.01, value: float = 1.5e11) -> Ticker:
    prev = price / (1 + rate)
    return Ticker(
        "ticker", code, prev, price * 1.02, prev * 0.98, price, prev, "RISE" if rate > 0 else "FALL",
        abs(price - prev), price - prev, abs(rate), rate, 0.1, 100.0, 200.0, value / 2, value,
        "20261123", "120000", 1_795_000_000_000, "BID", 50.0, 50.0, price * 2, "2026-01-01",
        price / 2, "2026-06-01", "ACTIVE", False, None, "NONE", 1_795_000_000_000, "REALTIME",
    )


def book(code: str, mid: float, depth: int = 30, tick: float = 1000.0, size: float = 1.0) -> Orderbook:
    units = tuple(
        OrderbookUnit(mid + tick * (i + 1), mid - tick * i, size + i * 0.1, size + i * 0.2)
        for i in range(depth)
    )
    return Orderbook("orderbook", code, sum(u.ask_size for u in units), sum(u.bid_size for u in units),
                     units, 1_795_000_000_000, 0.0, "REALTIME")


def trade(code: str, price: float, sid: int, ts: int = 1_795_000_000_000, side: str = "BID") -> Trade:
    return Trade("trade", code, price, 0.01, side, price * 0.99, "RISE", price * 0.01, "2026-11-23",
                 "12:00:00", ts, ts, sid, price + 1000, 1.0, price, 1.0, "REALTIME")
