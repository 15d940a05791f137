"""The views' market source for a switchable Korean venue (Upbit | Bithumb), over one manager.

The views (coin list, orderbook + tape, chart) talk to a ``MarketSource``: register/update their
specs and read the pool by code. :class:`VenueSource` is that source for "the venue the Markets dock
shows": components registered through it without naming a connection are subscribed on the current
venue's public connection, and every read goes to that venue's pool. :meth:`VenueSource.set_venue`
moves each such registration to the other venue's connection (unregister + register with the same
specs and callback: the manager merges and sends one request per connection) and bumps every version
the views see, so each view repaints from the new pool at its next tick.

Registrations that name a connection (the premium tracker's ``binance-public``...) pass through
untouched. Qt-free.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final

from upbit_monitor.errors import ManagerError
from upbit_monitor.exchanges.registry import descriptors, krw_venues
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.events import Candle, Event, Orderbook, Ticker, Trade

# From the venue descriptors, so a venue added there is selectable without another table here.
PUBLIC_CONNECTIONS: Final[Mapping[str, str]] = {d.venue: d.public.name for d in krw_venues()}
LABELS: Final[Mapping[str, str]] = {d.venue: d.label for d in descriptors()}
# Versions the views see are (switch generation << 40) + the pool's version: a switch always changes
# them, so no view mistakes the new pool's counter for one it has already painted.
_GENERATION_SHIFT: Final = 40


class VenueSource:
    """A ``MarketSource`` following the selected venue (see the module docstring).

    Args:
        manager: the app's manager.
        venue: the venue shown first.
        venues: the selectable venues (their public connections must be known to the manager).
    """

    def __init__(self, manager: GlobalWebSocketManager, venue: str = "upbit",
                 venues: Sequence[str] = ("upbit", "bithumb")) -> None:
        if venue not in venues:
            raise ManagerError(f"unknown venue {venue!r}")
        self.manager = manager
        self.venues = tuple(venues)
        self._venue = venue
        self._generation = 0
        # component -> (specs, callback) of registrations that follow the venue; weak like the manager.
        self._following: weakref.WeakKeyDictionary[object, tuple[Sequence[Any], Any]] = (
            weakref.WeakKeyDictionary())
        self._listeners: list[Callable[[str], None]] = []

    # -- venue -------------------------------------------------------------------------------------
    @property
    def venue(self) -> str:
        """The venue the views show (``"upbit"`` / ``"bithumb"``)."""
        return self._venue

    @property
    def label(self) -> str:
        """The venue's display name."""
        return LABELS.get(self._venue, self._venue.title())

    @property
    def connection_name(self) -> str:
        """The current venue's public connection."""
        return PUBLIC_CONNECTIONS[self._venue]

    def set_venue(self, venue: str) -> bool:
        """Show ``venue``: move the following registrations there. Returns False if it was shown.

        Raises:
            ManagerError: ``venue`` is not one of :attr:`venues`.
        """
        if venue not in self.venues:
            raise ManagerError(f"unknown venue {venue!r}")
        if venue == self._venue:
            return False
        self._venue = venue
        self._generation += 1
        connection = self.connection_name
        for component, (specs, callback) in list(self._following.items()):
            self.manager.unregister(component)
            self.manager.register(component, specs, connection=connection, callback=callback)
        for listener in list(self._listeners):
            listener(venue)
        return True

    def add_venue_listener(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call ``callback(venue)`` after every switch; returns a function that removes it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    # -- registration (MarketSource) ---------------------------------------------------------------
    def register(self, component: object, specs: Sequence[Any], *, connection: str | None = None,
                 callback: Callable[[Event], None] | None = None) -> None:
        """Register ``component``: on the current venue's connection unless one is named."""
        if connection is not None:
            self.manager.register(component, specs, connection=connection, callback=callback)
            return
        self.manager.register(component, specs, connection=self.connection_name, callback=callback)
        self._following[component] = (tuple(specs), callback)

    def want(self, component: object, specs: Sequence[Any], *, connection: str | None = None,
             callback: Callable[[Event], None] | None = None) -> None:
        """Register-or-update in one call (the manager's ``want``), following the venue by default."""
        if connection is not None:
            self._following.pop(component, None)
            self.manager.want(component, specs, connection=connection, callback=callback)
            return
        entry = self._following.get(component)
        if entry is None:
            self.register(component, specs, callback=callback)
            return
        self.manager.want(component, specs, connection=self.connection_name)
        self._following[component] = (tuple(specs), entry[1])

    def update(self, component: object, specs: Sequence[Any]) -> None:
        """Replace ``component``'s specs (it keeps following the venue if it did)."""
        self.manager.update(component, specs)
        entry = self._following.get(component)
        if entry is not None:
            self._following[component] = (tuple(specs), entry[1])

    def unregister(self, component: object) -> None:
        """Forget ``component``."""
        self._following.pop(component, None)
        self.manager.unregister(component)

    # -- reads (the current venue's pool) ----------------------------------------------------------
    def latest_ticker(self, code: str) -> Ticker | None:
        """Newest ticker of ``code`` on the current venue."""
        return self.manager.latest_ticker(code, self._venue)

    def latest_orderbook(self, code: str) -> Orderbook | None:
        """Newest orderbook of ``code`` on the current venue."""
        return self.manager.latest_orderbook(code, self._venue)

    def recent_trades(self, code: str, n: int = 100) -> list[Trade]:
        """Recent trades of ``code`` on the current venue, newest first."""
        return self.manager.recent_trades(code, n, self._venue)

    def latest_candle(self, code: str, type: str) -> Candle | None:
        """Current candle of ``code`` on the current venue (Bithumb's are built from trades)."""
        return self.manager.latest_candle(code, type, self._venue)

    def version(self, type: str, code: str) -> int:
        """The pool's version of ``(type, code)``, offset by the switch generation."""
        return (self._generation << _GENERATION_SHIFT) + self.manager.version(type, code, self._venue)

    def all_tickers(self) -> Mapping[str, Ticker]:
        """Latest ticker per code on the current venue."""
        return self.manager.all_tickers(self._venue)

    def flush(self) -> None:
        """Send pending subscription changes now (the manager's ``flush``)."""
        self.manager.flush()

    # -- introspection (status panel): every venue ---------------------------------------------------
    def metrics(self) -> Mapping[str, Any]:
        """Metrics of every connection (both venues side by side)."""
        return self.manager.metrics()

    def subscriptions(self, connection: str = "upbit-public") -> Any:
        """The merged set of a connection."""
        return self.manager.subscriptions(connection)

    def registrations(self) -> Sequence[Any]:
        """Every live registration."""
        return self.manager.registrations()

    def add_listener(self, callback: Callable[[Event], None], *, types: Collection[str] | None = None,
                     venues: Collection[str] | None = None) -> Callable[[], None]:
        """Receive events (of ``types``, from ``venues``); returns an unsubscribe function."""
        return self.manager.add_listener(callback, types=types, venues=venues)
