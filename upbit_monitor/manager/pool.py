"""The data pool: the latest market state per code of ONE venue, for views that repaint on a timer.

The manager keeps one pool per venue (``"upbit"``, ``"bithumb"``): the same code (``KRW-BTC``) trades on
both Korean venues at different prices, so a pool keyed by code alone would mix them.

Views do not get a Qt signal per message; they poll ``version(type, code)`` at their frame rate and
repaint from ``latest_*`` only when it changed. Storing is a dict assignment per event, so the pool
costs well under a microsecond per message.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from upbit_monitor.exchanges.base import Connector
from upbit_monitor.protocol.events import Candle, Orderbook, Ticker, Trade, event_class

DEFAULT_TRADE_RING = 500
DEFAULT_VENUE = "upbit"


class DataPool:
    """Latest ticker and orderbook per code, a bounded trade ring per code and current candles.

    Args:
        trade_ring: how many recent trades to keep per code (oldest dropped first).
    """

    def __init__(self, trade_ring: int = DEFAULT_TRADE_RING) -> None:
        if trade_ring < 1:
            raise ValueError("trade_ring must be >= 1")
        self._trade_ring = trade_ring
        self._tickers: dict[str, Ticker] = {}
        self._orderbooks: dict[str, Orderbook] = {}
        self._trades: dict[str, deque[Trade]] = {}
        self._candles: dict[tuple[str, str], Candle] = {}
        self._versions: dict[tuple[str, str], int] = {}
        # (type, code) pairs that left every subscription of this venue: their late frames (sent by
        # the server before it processed the reduced request) are routed but not stored, so the pool
        # does not fill up again with a coin nobody shows. Kept up to date by the manager.
        self.unstored: set[tuple[str, str]] = set()
        # Dispatch on the exact class: one dict lookup per event, and events of other exchanges
        # (other classes) simply are not stored here.
        self._store: dict[type, Callable[[Any], bool]] = {
            Ticker: self._store_ticker,
            Trade: self._store_trade,
            Orderbook: self._store_orderbook,
            Candle: self._store_candle,
        }

    def store(self, event: object) -> bool:
        """Store one event if it is market data; returns True if the pool changed."""
        fn = self._store.get(type(event))
        if fn is None:
            # Decoded events are per-key-style subclasses of the public classes: learn each once.
            fn = self._store.get(event_class(event))
            if fn is None:
                return False
            self._store[type(event)] = fn
        return fn(event)

    def _bump(self, type_: str, code: str) -> None:
        key = (type_, code)
        self._versions[key] = self._versions.get(key, 0) + 1

    def _store_ticker(self, ev: Ticker) -> bool:
        self._tickers[ev.code] = ev
        self._bump(ev.type, ev.code)
        return True

    def _store_orderbook(self, ev: Orderbook) -> bool:
        self._orderbooks[ev.code] = ev
        self._bump(ev.type, ev.code)
        return True

    def _store_trade(self, ev: Trade) -> bool:
        ring = self._trades.get(ev.code)
        if ring is None:
            ring = self._trades[ev.code] = deque(maxlen=self._trade_ring)
        ring.append(ev)
        self._bump(ev.type, ev.code)
        return True

    def _store_candle(self, ev: Candle) -> bool:
        key = (ev.code, ev.type)
        current = self._candles.get(key)
        # Upbit resends candles (duplicates, snapshots of the previous interval after a request):
        # a message for an older start must not replace the newer in-progress candle.
        if current is not None and ev.candle_date_time_utc < current.candle_date_time_utc:
            return False
        self._candles[key] = ev
        self._bump(ev.type, ev.code)
        return True

    def latest_ticker(self, code: str) -> Ticker | None:
        """The newest ticker of ``code``, or None."""
        return self._tickers.get(code)

    def latest_orderbook(self, code: str) -> Orderbook | None:
        """The newest orderbook snapshot of ``code``, or None."""
        return self._orderbooks.get(code)

    def recent_trades(self, code: str, n: int = 100) -> list[Trade]:
        """Up to ``n`` most recent trades of ``code``, newest first."""
        ring = self._trades.get(code)
        if not ring or n <= 0:
            return []
        n = min(n, len(ring))
        return [ring[-i] for i in range(1, n + 1)]

    def latest_candle(self, code: str, type: str) -> Candle | None:
        """The current candle of ``code`` for ``type`` (e.g. ``"candle.1m"``), or None."""
        return self._candles.get((code, type))

    def version(self, type: str, code: str) -> int:
        """A counter bumped on every stored event of ``(type, code)``; 0 if none yet."""
        return self._versions.get((type, code), 0)

    def all_tickers(self) -> Mapping[str, Ticker]:
        """A read-only live view of the latest ticker per code."""
        return MappingProxyType(self._tickers)

    def drop(self, type_: str, code: str) -> bool:
        """Forget the stored data of ``(type_, code)`` (it is no longer subscribed).

        The version is bumped when something was held, so a view polling ``version`` repaints and
        finds nothing, instead of showing a coin's old trades from an earlier visit. Returns True if
        anything was dropped.
        """
        if type_ == "ticker":
            held = self._tickers.pop(code, None) is not None
        elif type_ == "orderbook":
            held = self._orderbooks.pop(code, None) is not None
        elif type_ == "trade":
            held = self._trades.pop(code, None) is not None
        else:
            held = self._candles.pop((code, type_), None) is not None
        if held:
            self._bump(type_, code)
        return held

    def clear(self) -> None:
        """Forget everything (versions keep counting up so views still notice the change)."""
        for key in self._versions:
            self._versions[key] += 1
        self._tickers.clear()
        self._orderbooks.clear()
        self._trades.clear()
        self._candles.clear()


class VenuePools:
    """One :class:`DataPool` per venue, and which venue each connection's market data goes to.

    ``connectors`` is the manager's table of connectors supplied by name (read, never changed here):
    a connection not built yet takes its venue from there.
    """

    def __init__(self, trade_ring: int, connectors: Mapping[str, Connector]) -> None:
        self._trade_ring = trade_ring
        self._connectors = connectors
        self._pools: dict[str, DataPool] = {DEFAULT_VENUE: DataPool(trade_ring)}
        self._venues: dict[str, str] = {}  # connection name -> venue

    def pool(self, venue: str = DEFAULT_VENUE) -> DataPool:
        """The data pool of ``venue`` (created empty on first use)."""
        pool = self._pools.get(venue)
        if pool is None:
            pool = self._pools[venue] = DataPool(self._trade_ring)
        return pool

    def note(self, name: str, connector: Connector) -> None:
        """Connection ``name`` is built on ``connector``: its events go to that connector's venue."""
        self._venues[name] = connector_venue(connector)

    def venue_of(self, connection: str) -> str:
        """The venue whose pool ``connection``'s market data goes to."""
        venue = self._venues.get(connection)
        if venue is None:
            connector = self._connectors.get(connection)
            venue = connector_venue(connector) if connector is not None else DEFAULT_VENUE
        return venue

    def of_connection(self, connection: str) -> DataPool:
        """The pool ``connection``'s market data goes to."""
        return self.pool(self.venue_of(connection))


class VenueReads:
    """The manager's pull API: every read takes the venue (default Upbit, so views read as before).

    A view showing another venue may also read ``mgr.pool("bithumb")``, which has the same methods.
    The manager sets ``_pools`` in its constructor.
    """

    _pools: VenuePools

    def pool(self, venue: str = DEFAULT_VENUE) -> DataPool:
        """The data pool of ``venue`` (created empty on first use)."""
        return self._pools.pool(venue)

    def venue_of(self, connection: str) -> str:
        """The venue whose pool ``connection``'s market data goes to."""
        return self._pools.venue_of(connection)

    def latest_ticker(self, code: str, venue: str = DEFAULT_VENUE) -> Ticker | None:
        """The newest ticker of ``code`` on ``venue``."""
        return self.pool(venue).latest_ticker(code)

    def latest_orderbook(self, code: str, venue: str = DEFAULT_VENUE) -> Orderbook | None:
        """The newest orderbook of ``code`` on ``venue``."""
        return self.pool(venue).latest_orderbook(code)

    def recent_trades(self, code: str, n: int = 100, venue: str = DEFAULT_VENUE) -> list[Trade]:
        """Up to ``n`` recent trades of ``code`` on ``venue``, newest first."""
        return self.pool(venue).recent_trades(code, n)

    def latest_candle(self, code: str, type: str, venue: str = DEFAULT_VENUE) -> Candle | None:
        """The current candle of ``code`` on ``venue`` for ``type`` (``"candle.1m"``...)."""
        return self.pool(venue).latest_candle(code, type)

    def version(self, type: str, code: str, venue: str = DEFAULT_VENUE) -> int:
        """Bumped on every stored event of ``(type, code)`` on ``venue``: repaint only when it changed."""
        return self.pool(venue).version(type, code)

    def all_tickers(self, venue: str = DEFAULT_VENUE) -> Mapping[str, Ticker]:
        """Read-only view of the latest ticker per code on ``venue``."""
        return self.pool(venue).all_tickers()


def connector_venue(connector: Connector) -> str:
    """``connector.venue`` when the connector declares one, else Upbit.

    Only venues whose events the pool stores (the Upbit protocol family) need to declare one;
    Binance/Bybit quotes never enter a pool.
    """
    venue = getattr(connector, "venue", "")
    return venue if isinstance(venue, str) and venue else DEFAULT_VENUE
