"""The premium tracker: foreign quotes from the manager + Upbit's USDT rate -> premium per coin.

:class:`PremiumTracker` (no widgets) subscribes foreign tickers through the manager - every shown KRW
coin on the primary venue (Binance: one ``@ticker`` per coin, 1 msg/s each), the selected coin only
on the other venues (Bybit pushes every 50-100 ms per symbol, too much for 200 coins) - plus the
``KRW-USDT`` ticker of the Korean venue shown (its own dollar rate: Bithumb's premium on Bithumb) and of
Upbit (premium alerts). It listens to ``"quote"`` events into a
:class:`~upbit_monitor.exchanges.quotes.QuoteCache` (TTL: stale quotes are never shown) and keeps a
short, bounded premium history per (coin, venue) for the chart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Protocol

from upbit_monitor.exchanges.quotes import (
    QUOTE_TYPE,
    USDT_KRW_CODE,
    PremiumValue,
    PriceQuote,
    QuoteCache,
    foreign_symbol,
    subscription_code,
)
from upbit_monitor.exchanges.registry import descriptor, descriptors, premium_venues
from upbit_monitor.features.premium.history import BACKGROUND_S, SeriesStore, Throttle
from upbit_monitor.manager.registry import NamedOwner
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

# The reference venues and every venue's display name come from the venue descriptors.
VENUE_CONNECTIONS: dict[str, str] = {d.venue: d.public.name for d in premium_venues()}
VENUE_LABELS: dict[str, str] = {d.venue: d.label for d in descriptors()}
HISTORY_POINTS = 3600  # per (coin, venue): one hour at one sample a second
# (coin, venue) series kept; the least recently sampled is dropped first. Every shown coin is sampled
# in the background (~200 KRW coins on the primary venue), so this is well above the coin count.
HISTORY_SERIES = 512


class PremiumSource(Protocol):
    """What the tracker needs of the manager (the real one satisfies it structurally)."""

    def want(
        self,
        component: object,
        specs: Sequence[SubscriptionSpec],
        *,
        connection: str = ...,
        unregister_empty: bool = ...,
    ) -> None:
        """Register or update a component (held weakly); empty specs unregister it in that mode."""

    def unregister(self, component: object) -> None:
        """Forget a component."""

    def latest_ticker(self, code: str, venue: str = ...) -> Ticker | None:
        """Newest ticker of a code on a Korean venue (its pool)."""

    def add_listener(
        self, callback: Callable[[Any], None], *, types: Collection[str] | None = ...
    ) -> Callable[[], None]:
        """Receive every event of the given types; returns an unsubscribe function."""


class _Owner(NamedOwner):
    """The tracker's subscription owner per venue."""

    feature = "PremiumTracker"


class PremiumTracker:
    """Foreign quotes + Upbit USDT rate -> premium per coin, with a short history per coin and venue.

    Args:
        source: the manager (or a fake with the same methods).
        primary: venue shown in the coin list columns (subscribed for every shown coin).
        venues: all venues; the non-primary ones follow only the selected coin (chart, tooltip).
        ttl_s: a quote older than this (local receive time) is not used.
        clock: monotonic clock for the cache (tests inject one).
        wall: wall clock (seconds) for the history timestamps.
        home: the Korean venue whose KRW prices and KRW-USDT rate the premium is computed from
            (Upbit by default; :meth:`set_home` follows the venue the coin list shows).
    """

    def __init__(
        self,
        source: PremiumSource,
        *,
        primary: str = "binance",
        venues: Sequence[str] = ("binance", "bybit"),
        ttl_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        home: str = "upbit",
    ) -> None:
        if primary not in venues:
            raise ValueError("the primary venue must be one of the venues")
        self.source = source
        self.primary = primary
        self.venues = tuple(venues)
        self.cache = QuoteCache(ttl_s, clock=clock)
        self._wall = wall
        self.version = 0  # bumped on every quote: views repaint only when it changed
        self.quotes_received = 0
        self._codes: tuple[str, ...] = ()
        self._selected: str | None = None
        self._owners = {v: _Owner(v) for v in self.venues}
        self._home = home
        # Korean venues whose rate (and selected coin) are subscribed: Upbit's always (premium alerts
        # read Upbit's premium whatever the list shows, see on_venue), the shown venue's too.
        self._krw_owners: dict[str, _Owner] = {}
        self._history = SeriesStore(HISTORY_POINTS, HISTORY_SERIES)
        self._background = Throttle(BACKGROUND_S)
        self._unlisten: Callable[[], None] | None = source.add_listener(self._on_event, types=(QUOTE_TYPE,))
        self._apply()

    # -- subscriptions -------------------------------------------------------------------------------
    def set_codes(self, codes: Iterable[str]) -> None:
        """The Upbit markets shown in the list; their foreign tickers are subscribed on the primary venue."""
        codes = tuple(sorted({c for c in codes if foreign_symbol(c) is not None and c.startswith("KRW-")}))
        if codes != self._codes:
            self._codes = codes
            self._apply()

    def set_selected(self, code: str | None) -> None:
        """The selected coin: followed on every venue (and its Upbit ticker kept subscribed)."""
        if code != self._selected:
            self._selected = code
            self._apply()

    @property
    def home(self) -> str:
        """The Korean venue the premium is computed for."""
        return self._home

    def set_home(self, venue: str) -> None:
        """Compute the premium from ``venue``'s prices and its own KRW-USDT rate (Bithumb's premium
        on Bithumb: its KRW prices differ from Upbit's, and so does its dollar rate).

        Raises:
            ConfigError: unknown venue.
        """
        if venue == self._home:
            return
        descriptor(venue)  # an unknown venue fails here, before anything moves
        self._home = venue
        self.version += 1  # every shown premium changes meaning: repaint
        self._apply()

    def on_venue(self, venue: str) -> PinnedPremium:
        """``premium(code, exchange)`` of ``venue`` whatever the list shows (premium alerts: Upbit)."""
        return PinnedPremium(self, venue)

    @property
    def selected(self) -> str | None:
        """The selected coin."""
        return self._selected

    def _apply(self) -> None:
        selected = self._selected if self._selected and foreign_symbol(self._selected) else None
        for venue in self.venues:
            wanted = set(self._codes) if venue == self.primary else set()
            if selected is not None:
                wanted.add(selected)
            subs = tuple(sorted(filter(None, (subscription_code(c) for c in wanted))))
            self._set(self._owners[venue], VENUE_CONNECTIONS[venue], subs)
        rate = tuple(sorted({USDT_KRW_CODE, *([selected] if selected else [])}))
        for venue in dict.fromkeys(("upbit", self._home, *self._krw_owners)):
            owner = self._krw_owners.setdefault(venue, _Owner(venue))
            self._set(owner, descriptor(venue).public.name, rate if venue in ("upbit", self._home) else ())

    def _set(self, owner: _Owner, connection: str, codes: tuple[str, ...]) -> None:
        specs = [SubscriptionSpec("ticker", codes)] if codes else []
        # Wanting nothing unregisters: an empty registration would open an idle socket to that venue.
        self.source.want(owner, specs, connection=connection, unregister_empty=True)

    def close(self) -> None:
        """Stop listening and drop every subscription."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for owner in (*self._owners.values(), *self._krw_owners.values()):
            self.source.unregister(owner)

    # -- data -----------------------------------------------------------------------------------------
    def _on_event(self, event: object) -> None:
        if isinstance(event, PriceQuote) and event.exchange in self._owners:
            self.cache.put(event)
            self.quotes_received += 1
            self.version += 1

    def usdt_krw(self, venue: str | None = None) -> float | None:
        """The KRW-USDT price of ``venue`` (default home; the conversion rate), None until it is known."""
        ticker = self.source.latest_ticker(USDT_KRW_CODE, venue=venue or self._home)
        return None if ticker is None else float(ticker.trade_price)

    def upbit_price(self, code: str, venue: str | None = None) -> float | None:
        """The last KRW price of ``code`` on ``venue`` (default home: Upbit unless :meth:`set_home`)."""
        ticker = self.source.latest_ticker(code, venue=venue or self._home)
        return None if ticker is None else float(ticker.trade_price)

    def premium(
        self, code: str, exchange: str | None = None, upbit_krw: float | None = None, *,
        venue: str | None = None,
    ) -> PremiumValue | None:
        """The premium of ``code`` on ``venue`` (default home) against ``exchange`` (default primary);
        None if not computable now."""
        price = upbit_krw if upbit_krw is not None else self.upbit_price(code, venue)
        return self.cache.premium_for(code, price, self.usdt_krw(venue), exchange or self.primary)

    def has_fresh(self, exchange: str | None = None) -> bool:
        """True if any quote of ``exchange`` (default primary) is fresh: the columns are shown."""
        return self.cache.has_fresh(exchange or self.primary)

    # -- history -------------------------------------------------------------------------------------
    def sample(self, code: str) -> dict[str, float]:
        """Record the current premium of ``code`` per venue (percent) and return what was recorded."""
        now = self._wall()
        recorded: dict[str, float] = {}
        for venue in self.venues:
            value = self.premium(code, venue)
            if value is None:
                continue
            self._history.record((self._home, code, venue), now, value.premium * 100.0,
                                 max_series=HISTORY_SERIES)
            recorded[venue] = value.premium * 100.0
        return recorded

    def sample_all(self) -> int:
        """Every ``BACKGROUND_S``: record the primary venue's premium of every shown coin.

        Call it as often as convenient (the chart calls it every second); it does the work only when
        due. Only the primary venue has quotes for every coin (the others follow the selected coin).
        Returns how many coins were recorded (0 when not due). Cost: ~200 cache look-ups, measured
        in ``bench/premium_sampling.py``.
        """
        now = self._wall()
        if not self._background.due(now):
            return 0
        rate = self.usdt_krw()
        if rate is None:
            return 0
        count = 0
        primary = self.primary
        for code in self._codes:
            value = self.cache.premium_for(code, self.upbit_price(code), rate, primary)
            if value is not None:
                self._history.record((self._home, code, primary), now, value.premium * 100.0,
                                     max_series=HISTORY_SERIES)
                count += 1
        return count

    def history(self, code: str, exchange: str) -> list[tuple[float, float]]:
        """``[(unix seconds, premium %)]`` recorded for ``code`` on the home venue against ``exchange``,
        oldest first (each home venue keeps its own series: Upbit's and Bithumb's premiums differ)."""
        return self._history.get((self._home, code, exchange))


class PinnedPremium:
    """The tracker's premium on one Korean venue, whatever venue the views show."""

    def __init__(self, tracker: PremiumTracker, venue: str) -> None:
        self.tracker = tracker
        self.venue = venue

    def premium(
        self, code: str, exchange: str | None = None, *, venue: str | None = None
    ) -> PremiumValue | None:
        """The premium of ``code`` on ``venue`` (default :attr:`venue`) against ``exchange`` (default
        primary)."""
        return self.tracker.premium(code, exchange, venue=venue or self.venue)
