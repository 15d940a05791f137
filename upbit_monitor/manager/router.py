"""Routing: parsed events -> data pool + subscribed callbacks by ``(type, code)`` + listeners.

Every callback runs isolated: one that raises is counted and logged (rate-limited) and never stops
the receive loop or other subscribers. Events stamped with an epoch older than the connection's
current one were received before a reconnect; they are dropped and counted, because the fresh
snapshot of the new connection supersedes them.
"""

from __future__ import annotations

import inspect
import logging
import time
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from upbit_monitor.connection.stats import CONTROL_TYPES
from upbit_monitor.manager.pool import DataPool
from upbit_monitor.protocol.events import CANDLE_TYPES
from upbit_monitor.protocol.subscriptions import ALL_MARKETS, SubscriptionSpec

logger = logging.getLogger(__name__)

EventCallback = Callable[[Any], None]
RouteKey = tuple[str, str]

POOLED_TYPES = frozenset({"ticker", "trade", "orderbook", *CANDLE_TYPES})
"""Event types the data pool keeps (the only ones checked against the subscribed pairs)."""

# Log the first few failures of one subscriber with a traceback, then only every Nth: a subscriber
# failing at 1,000 msgs/s must not turn the log into the bottleneck.
_LOG_FIRST = 3
_LOG_EVERY = 1000


class Subscriber:
    """A callback reference: bound methods are held weakly (WeakMethod), plain functions strongly.

    Holding a bound method strongly would keep its object (often the component itself) alive and
    defeat the weak registry.
    """

    __slots__ = ("_strong", "_weak", "errors", "name", "venues")

    def __init__(
        self, callback: EventCallback, name: str = "", venues: Collection[str] | None = None
    ) -> None:
        self._strong: EventCallback | None = None
        self._weak: weakref.WeakMethod[EventCallback] | None = None
        if inspect.ismethod(callback):
            self._weak = weakref.WeakMethod(callback)
        else:
            self._strong = callback
        self.name = name or getattr(callback, "__qualname__", repr(callback))
        self.errors = 0
        # Listeners only: deliver events of connections of these venues (None = every venue).
        self.venues: frozenset[str] | None = None if venues is None else frozenset(venues)

    def resolve(self) -> EventCallback | None:
        """The callable, or None if its object is gone (or :meth:`drop` was called)."""
        if self._strong is not None:
            return self._strong
        return self._weak() if self._weak is not None else None

    def drop(self) -> None:
        """Deliver nothing more: the owner is being destroyed, though its Python wrapper may live on."""
        self._strong = self._weak = None


@dataclass(slots=True)
class RouteStats:
    """Per-connection routing counters (read by the metrics snapshot)."""

    events: int = 0
    stale_dropped: int = 0
    callback_errors: int = 0
    unknown_messages: int = 0
    server_errors: int = 0
    # Market events for a (type, code) pair the connection does not subscribe to: routed, never
    # stored (a misbehaving server must not grow the pool; 200,000 such tickers once added 381 MB).
    unexpected: int = 0
    last_server_error: tuple[str, str] | None = None
    last_seen: dict[RouteKey, float] = field(default_factory=dict)


def _call(sub: Subscriber, event: object, stats: RouteStats) -> None:
    fn = sub.resolve()
    if fn is None:
        return
    try:
        fn(event)
    except Exception:
        stats.callback_errors += 1
        sub.errors += 1
        if sub.errors <= _LOG_FIRST or sub.errors % _LOG_EVERY == 0:
            logger.exception("subscriber %s raised (failure #%d); other subscribers unaffected",
                             sub.name, sub.errors)


@dataclass(eq=False)
class Router:
    """Dispatches batches of events of one connection.

    Args:
        pool: where market events are stored (the pool of every connection ``pool_for`` does not map).
        pool_for: the pool of a connection (one pool per venue: ``upbit-public`` and
            ``bithumb-public`` carry the same codes at different prices). None = ``pool`` for all.
        clock: monotonic clock (for per-(type, code) last-message times).
        on_server_error: called with (connection, event) for every ``error`` frame, after it was
            counted; the manager uses it to classify the error and notify the UI.
    """

    pool: DataPool
    _: KW_ONLY
    pool_for: Callable[[str], DataPool] | None = None
    venue_of: Callable[[str], str] | None = None
    clock: Callable[[], float] = time.monotonic
    on_server_error: Callable[[str, Any], None] | None = None
    _stats: dict[str, RouteStats] = field(default_factory=dict, init=False)
    _index: dict[str, dict[RouteKey, tuple[Subscriber, ...]]] = field(default_factory=dict, init=False)
    _wildcard: dict[str, bool] = field(default_factory=dict, init=False)
    # Connection -> the (type, code) pairs it subscribes to (set by the manager with every
    # request). Market events of other pairs are not stored. No entry: store everything (a
    # router used without a manager, e.g. in a benchmark).
    _wanted: dict[str, frozenset[RouteKey]] = field(default_factory=dict, init=False)
    _listeners_all: tuple[Subscriber, ...] = field(default=(), init=False)
    _listeners_by_type: dict[str, tuple[Subscriber, ...]] = field(default_factory=dict, init=False)

    @property
    def unstored(self) -> set[RouteKey]:
        """The default pool's pairs that are routed but not stored (see :attr:`DataPool.unstored`)."""
        return self.pool.unstored

    def pool_of(self, connection: str) -> DataPool:
        """The pool events of ``connection`` are stored in."""
        return self.pool if self.pool_for is None else self.pool_for(connection)

    def stats(self, connection: str) -> RouteStats:
        """The counters of ``connection`` (created on first use)."""
        st = self._stats.get(connection)
        if st is None:
            st = self._stats[connection] = RouteStats()
        return st

    def set_subscribers(
        self, connection: str, subscribers: Iterable[tuple[Subscriber, Sequence[SubscriptionSpec]]]
    ) -> None:
        """Rebuild the ``(type, code) -> subscribers`` index of one connection.

        A spec without codes (``myOrder`` for all markets, ``myAsset``) subscribes to every event
        of its type.
        """
        index: dict[RouteKey, list[Subscriber]] = {}
        for sub, specs in subscribers:
            for spec in specs:
                for code in spec.codes or (ALL_MARKETS,):
                    subs = index.setdefault((spec.type, code), [])
                    if sub not in subs:
                        subs.append(sub)
        self._index[connection] = {k: tuple(v) for k, v in index.items()}
        self._wildcard[connection] = any(code == ALL_MARKETS for _, code in index)

    def set_wanted(self, connection: str, pairs: frozenset[RouteKey]) -> None:
        """The (type, code) pairs ``connection`` subscribes to; only their market data is stored."""
        self._wanted[connection] = pairs

    def add_listener(
        self,
        callback: EventCallback,
        types: Collection[str] | None = None,
        venues: Collection[str] | None = None,
    ) -> Callable[[], None]:
        """Deliver every event (of ``types``, or all) of every connection (of ``venues``, or all).

        Returns an unsubscribe function. ``venues`` needs the router's ``venue_of``.
        """
        sub = Subscriber(callback, venues=venues)
        if types is None:
            self._listeners_all = (*self._listeners_all, sub)
        else:
            for t in set(types):
                self._listeners_by_type[t] = (*self._listeners_by_type.get(t, ()), sub)

        def unsubscribe() -> None:
            self._listeners_all = tuple(s for s in self._listeners_all if s is not sub)
            for t, subs in list(self._listeners_by_type.items()):
                rest = tuple(s for s in subs if s is not sub)
                if rest:
                    self._listeners_by_type[t] = rest
                else:
                    del self._listeners_by_type[t]

        return unsubscribe

    def dispatch(self, connection: str, events: Sequence[Any], epoch: int) -> int:
        """Route ``events`` received on ``connection`` whose current epoch is ``epoch``.

        Returns:
            How many events were delivered (not dropped as stale).
        """
        st = self.stats(connection)
        now = self.clock()
        index = self._index.get(connection, {})
        wildcard = self._wildcard.get(connection, False)
        pool = self.pool_of(connection)
        store = pool.store
        last_seen = st.last_seen
        by_type = self._listeners_by_type
        unstored = pool.unstored
        wanted = self._wanted.get(connection)
        venue = self.venue_of(connection) if self.venue_of is not None else ""
        delivered = 0
        for ev in events:
            if ev.epoch < epoch:
                st.stale_dropped += 1
                continue
            delivered += 1
            t = ev.type
            code = getattr(ev, "code", ALL_MARKETS)
            if t == "error":
                st.server_errors += 1
                st.last_server_error = (str(getattr(ev, "name", "")), str(getattr(ev, "message", "")))
                if self.on_server_error is not None:
                    self.on_server_error(connection, ev)
            elif t == "unknown":
                st.unknown_messages += 1
            if wanted is not None and t in POOLED_TYPES and (t, code) not in wanted:
                st.unexpected += 1  # nobody subscribed to this pair: routed, never stored
            elif not unstored or (t, code) not in unstored:
                store(ev)
                if t not in CONTROL_TYPES:  # ('error', ''), ('status', ''): not streams
                    last_seen[(t, code)] = now
            subs = index.get((t, code))
            if subs:
                for sub in subs:
                    _call(sub, ev, st)
            if wildcard and code != ALL_MARKETS:
                subs = index.get((t, ALL_MARKETS))
                if subs:
                    for sub in subs:
                        _call(sub, ev, st)
            for sub in self._listeners_all:
                if sub.venues is None or venue in sub.venues:
                    _call(sub, ev, st)
            if by_type:
                subs = by_type.get(t)
                if subs:
                    for sub in subs:
                        if sub.venues is None or venue in sub.venues:
                            _call(sub, ev, st)
        st.events += delivered
        return delivered

    def forget_pairs(self, connection: str, pairs: Iterable[RouteKey]) -> None:
        """Drop the last-message times of ``pairs`` that ``connection`` no longer subscribes."""
        last_seen = self.stats(connection).last_seen
        for pair in pairs:
            last_seen.pop(pair, None)

    def forget(self, connection: str) -> None:
        """Drop the index of a removed connection (its stats stay readable)."""
        self._index.pop(connection, None)
        self._wanted.pop(connection, None)
        self._wildcard.pop(connection, None)

    def index_of(self, connection: str) -> Mapping[RouteKey, tuple[Subscriber, ...]]:
        """The current routing index (for tests and introspection)."""
        return self._index.get(connection, {})
