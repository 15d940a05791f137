"""The domestic spread: a coin's price on the other Korean venue against this one, in percent.

Upbit and Bithumb both quote KRW markets; the gap between them is the "domestic spread" traders watch
next to the kimchi premium. :class:`DomesticSpread` (Qt-free) subscribes the tickers of the shown coins
on both venues through the manager, remembers each venue's last price with its local receive time,
and answers ``spread(code)`` only while BOTH quotes are fresh - the same 15 s rule as the kimchi
premium - so a stalled venue hides the column instead of showing an old number. It also keeps a
short per-coin history for the premium chart's Bithumb line.

Arithmetic: ``spread = (other / this - 1) * 100``. Bithumb at 101 and Upbit at 100 -> +1.0 % on the
Upbit list (and -0.990 % on the Bithumb list, the same gap seen from the other side).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Final, Protocol

from upbit_monitor.exchanges.registry import krw_venues
from upbit_monitor.features.premium.history import BACKGROUND_S, SeriesStore, Throttle
from upbit_monitor.manager.registry import NamedOwner
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

VENUE_CONNECTIONS: Final[Mapping[str, str]] = {d.venue: d.public.name for d in krw_venues()}
FRESH_S: Final = 15.0  # the kimchi premium's freshness rule
HISTORY_POINTS: Final = 3600  # per coin: one hour at one sample a second
HISTORY_SERIES: Final = 512  # every shown coin is sampled in the background (see history.py)


class SpreadSource(Protocol):
    """What the tracker needs of the manager (the real one satisfies it structurally)."""

    def want(self, component: object, specs: Sequence[SubscriptionSpec], *,
             connection: str = ..., unregister_empty: bool = ...) -> None:
        """Register or update a component (held weakly); empty specs unregister it in that mode."""

    def unregister(self, component: object) -> None:
        """Forget a component."""

    def add_listener(self, callback: Callable[[Any], None], *, types: Collection[str] | None = ...,
                     venues: Collection[str] | None = ...) -> Callable[[], None]:
        """Receive events of the given types from the given venues; returns an unsubscribe function."""


def spread_percent(this_price: float, other_price: float) -> float:
    """``(other / this - 1) * 100``; raises ValueError for a non-positive price."""
    if this_price <= 0 or other_price <= 0:
        raise ValueError("prices must be positive")
    return (other_price / this_price - 1.0) * 100.0


class DomesticSpreadOwner(NamedOwner):
    """The spread's subscription owner per venue."""

    feature = "DomesticSpread"


class DomesticSpread:
    """Both Korean venues' tickers of the shown coins -> the spread per coin (see the module docstring).

    Args:
        source: the manager (or a fake with the same methods).
        venues: the two venues compared.
        fresh_s: a price older than this (local receive time) is not used.
        clock: monotonic clock (tests inject one).
        wall: wall clock (seconds) for the history timestamps.
    """

    def __init__(self, source: SpreadSource, *, venues: tuple[str, str] = ("upbit", "bithumb"),
                 fresh_s: float = FRESH_S, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.source = source
        self.venues = venues
        self.fresh_s = fresh_s
        self._clock = clock
        self._wall = wall
        self.version = 0  # bumped on every price: views repaint only when it changed
        self._prices: dict[tuple[str, str], tuple[float, float]] = {}  # (venue, code) -> (price, t)
        self._owners = {v: DomesticSpreadOwner(v) for v in venues}
        self._codes: tuple[str, ...] = ()
        self._history = SeriesStore(HISTORY_POINTS, HISTORY_SERIES)
        self._background = Throttle(BACKGROUND_S)
        self._unlisten = [source.add_listener(self._listener(v), types=("ticker",), venues=(v,))
                          for v in venues]

    def _listener(self, venue: str) -> Callable[[Any], None]:
        def on_ticker(event: Any) -> None:
            if isinstance(event, Ticker):
                self._prices[(venue, event.code)] = (float(event.trade_price), self._clock())
                self.version += 1

        return on_ticker

    # -- subscriptions -------------------------------------------------------------------------------
    def set_codes(self, codes: Iterable[str]) -> None:
        """The KRW coins shown: their tickers are subscribed on both venues."""
        wanted = tuple(sorted({c for c in codes if c.startswith("KRW-")}))
        if wanted == self._codes:
            return
        self._codes = wanted
        for venue, owner in self._owners.items():
            specs = [SubscriptionSpec("ticker", wanted)] if wanted else []
            # Wanting nothing unregisters: an empty registration would open an idle socket to that venue.
            self.source.want(owner, specs, connection=VENUE_CONNECTIONS[venue], unregister_empty=True)

    def close(self) -> None:
        """Stop listening and drop every subscription."""
        for unlisten in self._unlisten:
            unlisten()
        self._unlisten = []
        for owner in self._owners.values():
            self.source.unregister(owner)

    # -- values --------------------------------------------------------------------------------------
    def price(self, code: str, venue: str) -> float | None:
        """``venue``'s last price of ``code`` while fresh, else None."""
        entry = self._prices.get((venue, code))
        if entry is None or self._clock() - entry[1] > self.fresh_s:
            return None
        return entry[0]

    def spread(self, code: str, venue: str | None = None) -> float | None:
        """The other venue's price of ``code`` against ``venue``'s (default the first), in percent.

        None while either price is missing or stale: the column is hidden, never shown old.
        """
        this = venue or self.venues[0]
        other = self.venues[1] if this == self.venues[0] else self.venues[0]
        a, b = self.price(code, this), self.price(code, other)
        if a is None or b is None or a <= 0 or b <= 0:
            return None
        return spread_percent(a, b)

    def has_fresh(self) -> bool:
        """True if any coin has fresh prices on both venues (the column is shown)."""
        return any(self.spread(code) is not None for code in self._codes)

    # -- history -------------------------------------------------------------------------------------
    def sample(self, code: str, venue: str | None = None) -> float | None:
        """Record the current spread of ``code`` seen from ``venue`` (default the first) and return it.

        Use one ``venue`` per tracker: the history of a code is one series.
        """
        value = self.spread(code, venue)
        if value is None:
            return None
        self._history.record(code, self._wall(), value)
        return value

    def sample_all(self, venue: str | None = None) -> int:
        """Every ``BACKGROUND_S``: record the spread of every shown coin seen from ``venue``.

        Call it as often as convenient; it works only when due. Returns how many coins were recorded.
        """
        now = self._wall()
        if not self._background.due(now):
            return 0
        count = 0
        for code in self._codes:
            value = self.spread(code, venue)
            if value is not None:
                self._history.record(code, now, value)
                count += 1
        return count

    def history(self, code: str) -> list[tuple[float, float]]:
        """``[(unix seconds, spread %)]`` recorded for ``code``, oldest first."""
        return self._history.get(code)
