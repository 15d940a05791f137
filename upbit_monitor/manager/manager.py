"""GlobalWebSocketManager: one place that owns every exchange connection of the app.

Components (widgets, the chart, the storage writer...) say what they want with
:meth:`GlobalWebSocketManager.register`; the manager merges all wishes per connection, sends ONE
request with the full merged set (coalesced over ``settings.coalesce_window_s``, paced by the
connection's rate limit), keeps the connections alive, routes every event to the data pool and
to subscribers, and reports metrics and state changes. Components are held weakly: when one dies
its subscriptions disappear and the request on the wire shrinks.

It is plain asyncio (no Qt import) and runs unchanged on a qasync loop. Use it from the loop thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from upbit_monitor.config import Settings
from upbit_monitor.connection.connection import Connection
from upbit_monitor.connection.state import StateChange
from upbit_monitor.errors import ManagerError
from upbit_monitor.exchanges.base import Connector
from upbit_monitor.exchanges.registry import create_connector
from upbit_monitor.manager.metrics import ConnectionMetrics, snapshot
from upbit_monitor.manager.pool import DataPool
from upbit_monitor.manager.registry import ComponentRegistry, Registration, RegistrationInfo
from upbit_monitor.manager.router import EventCallback, Router, Subscriber
from upbit_monitor.protocol.events import Candle, Event, Orderbook, Ticker, Trade
from upbit_monitor.protocol.policy import Disposition, backoff
from upbit_monitor.protocol.subscriptions import MergedSubscriptions, SubscriptionSet, SubscriptionSpec

logger = logging.getLogger(__name__)

PUBLIC = "upbit-public"
DEFAULT_VENUE = "upbit"
# Pause after the server refuses a request as too fast (a full 1 s window plus slack) before resending.
_REJECTION_HOLD_S = 1.5
StateCallback = Callable[[StateChange], None]


class GlobalWebSocketManager:
    """The app-wide connection and subscription manager (see the module docstring).

    Prefer ``await GlobalWebSocketManager.instance()``; constructing one directly (on a running
    loop) gives an independent manager, which tests and benchmarks use.

    Args:
        settings: timeouts, coalescing window, backoff, URLs.
        connectors: connector instances to use instead of building them from the registry by name
            (tests pass a connector pointed at the simulator; the private feed passes one with keys).
    """

    _instance: ClassVar[GlobalWebSocketManager | None] = None
    _lock: ClassVar[asyncio.Lock | None] = None
    _lock_loop: ClassVar[asyncio.AbstractEventLoop | None] = None

    def __init__(
        self, settings: Settings | None = None, connectors: Iterable[Connector] | None = None
    ) -> None:
        self.settings = settings if settings is not None else Settings()
        self._loop = asyncio.get_running_loop()
        # One pool per venue: KRW-BTC on Upbit and on Bithumb are different prices of one code.
        self._pools: dict[str, DataPool] = {DEFAULT_VENUE: DataPool(self.settings.trade_ring)}
        self._venues: dict[str, str] = {}  # connection name -> venue
        self._router = Router(self._pools[DEFAULT_VENUE], pool_for=self._pool_of_connection,
                              venue_of=self.venue_of, on_server_error=self._on_server_error)
        self._registry = ComponentRegistry(self._loop, self._on_component_dead)
        self._connectors: dict[str, Connector] = {c.name: c for c in connectors or ()}
        self._connections: dict[str, Connection] = {}
        self._subsets: dict[str, SubscriptionSet] = {}
        self._flush_handles: dict[str, asyncio.Handle] = {}
        self._last_flush: dict[str, float] = {}  # loop time of each connection's last flush
        self._dirty: set[str] = set()
        # Names given up by remove_connection() and not yet replaced by add_connection(): their
        # registrations wait, and nothing re-creates the connection from the registry meanwhile
        # (which would make the replacing add_connection() fail).
        self._detached: set[str] = set()
        # (type, code) pairs of the set last flushed per connection: when a pair leaves, its data
        # leaves the pool.
        self._wanted_pairs: dict[str, frozenset[tuple[str, str]]] = {}
        self._state_listeners: tuple[StateCallback, ...] = ()
        self._started = False
        self._closed = False

    # ------------------------------------------------------------------ singleton
    @classmethod
    async def instance(
        cls, settings: Settings | None = None, connectors: Iterable[Connector] | None = None
    ) -> GlobalWebSocketManager:
        """The shared manager, created on first call with ``settings`` and ``connectors``.

        Later calls may pass the same settings (or None) and more connectors (added with
        :meth:`add_connection`).

        Raises:
            ManagerError: different settings are passed to an existing instance, a connector's
                connection already exists, or the instance lives on another running loop.
        """
        loop = asyncio.get_running_loop()
        if cls._lock is None or cls._lock_loop is not loop:
            # An asyncio.Lock binds to the loop it first waits on; tests use a loop per test.
            cls._lock, cls._lock_loop = asyncio.Lock(), loop
        async with cls._lock:
            inst = cls._instance
            if inst is not None and inst._loop is not loop:
                if not (inst._loop.is_closed() or inst._closed):
                    raise ManagerError("the manager belongs to another running event loop")
                inst = cls._instance = None  # its loop is gone, and its tasks with it
            if inst is None:
                inst = cls._instance = cls(settings, connectors)
            else:
                if settings is not None and settings != inst.settings:
                    raise ManagerError("instance() already created with other settings; reset() first")
                for connector in connectors or ():
                    inst.add_connection(connector)  # ManagerError if that connection already runs
            return inst

    @classmethod
    async def reset(cls) -> None:
        """Shut down and forget the shared instance (tests)."""
        inst, cls._instance = cls._instance, None
        if inst is not None and not inst._closed and not inst._loop.is_closed():
            if inst._loop is asyncio.get_running_loop():
                await inst.shutdown()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Connect the public connection and every connection that has subscriptions."""
        self._check_open()
        self._started = True
        for name in dict.fromkeys((PUBLIC, *self._subsets)):
            if name not in self._detached:
                self._connection(name).start()

    async def shutdown(self) -> None:
        """Close every socket and cancel every task and timer this manager started."""
        if self._closed:
            return
        self._closed = True
        for handle in self._flush_handles.values():
            handle.cancel()
        self._flush_handles.clear()
        connections = list(self._connections.values())
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)
        if type(self)._instance is self:
            type(self)._instance = None

    @property
    def closed(self) -> bool:
        """True after :meth:`shutdown`."""
        return self._closed

    def add_connection(self, connector: Connector) -> None:
        """Use ``connector`` for connection ``connector.name`` (before anything registers on it).

        Raises:
            ManagerError: a connection of that name already exists.
        """
        self._check_open()
        if connector.name in self._connections:
            raise ManagerError(f"connection {connector.name!r} already exists")
        self._connectors[connector.name] = connector
        self._detached.discard(connector.name)
        if self._started and connector.name in self._subsets:
            # _connection() hands the registrations kept since remove_connection() to the new
            # connection, so they go out right after it opens.
            self._connection(connector.name).start()

    async def remove_connection(self, name: str) -> None:
        """Close connection ``name`` and forget its connector (its registrations stay, idle).

        Until :meth:`add_connection` supplies a new connector of that name, registration changes on
        it are recorded but open nothing; the new connection then subscribes the current set.
        """
        self._detached.add(name)
        conn = self._connections.pop(name, None)
        self._connectors.pop(name, None)
        handle = self._flush_handles.pop(name, None)
        if handle is not None:
            handle.cancel()
        if conn is not None:
            await conn.close()
        subset = self._subsets.get(name)
        if subset is not None:
            subset.reset_sent()

    # ------------------------------------------------------------------ registration
    def register(
        self,
        component: object,
        specs: Sequence[SubscriptionSpec],
        *,
        connection: str = PUBLIC,
        callback: EventCallback | None = None,
    ) -> None:
        """Subscribe ``component`` (held weakly) to ``specs`` on ``connection``.

        ``callback`` receives the events of exactly those ``(type, code)`` pairs; a bound method
        is held weakly. Never pass a lambda that captures the component: it would keep it alive.

        Raises:
            ManagerError: after shutdown, a component already registered, or not weak-referenceable.
            ConfigError: ``connection`` names no known connector.
        """
        self._check_open()
        specs = _check_specs(specs)
        live = connection not in self._detached
        if live:
            self._connection(connection)  # fail fast on an unknown connection name
        reg = self._registry.add(component, connection, specs, callback)
        self._apply(reg.connection, reg.token, reg.specs)
        if self._started and live:
            self._connection(connection).start()

    def want(
        self,
        component: object,
        specs: Sequence[SubscriptionSpec],
        *,
        connection: str = PUBLIC,
        callback: EventCallback | None = None,
        unregister_empty: bool = False,
    ) -> None:
        """Declare what ``component`` wants, in one call: register it the first time, update it after.

        Views call this on every coin switch instead of tracking "am I registered yet". ``callback``
        is taken at the first registration only. Asking for another ``connection`` than the one the
        component is registered on moves it there (unregister + register, still one coalesced request
        per connection).

        ``unregister_empty=True`` is the mode for components that want nothing most of the time (the
        premium tracker before a reference venue is chosen, the alerts engine without rules): empty
        ``specs`` unregister the component, or leave it unregistered, instead of registering an empty
        set, which would start an idle connection to that venue. The next non-empty call registers it
        again, so pass ``callback`` on every call in this mode.

        Raises:
            ManagerError: after shutdown, or ``component`` is not weak-referenceable.
            ConfigError: ``connection`` names no known connector.
        """
        if unregister_empty and not specs:
            self.unregister(component)
            return
        reg = self._registry.find(component)
        if reg is not None and reg.connection != connection:
            self.unregister(component)
            reg = None
        if reg is None:
            self.register(component, specs, connection=connection, callback=callback)
        else:
            self.update(component, specs)

    def update(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        """Replace ``component``'s specs (e.g. a coin switch); one coalesced request follows.

        Raises:
            ManagerError: the component is not registered.
        """
        self._check_open()
        specs = _check_specs(specs)
        reg = self._registry.find(component)
        if reg is None:
            raise ManagerError("update() of a component that is not registered")
        reg.specs = specs
        self._apply(reg.connection, reg.token, specs)

    def unregister(self, component: object) -> None:
        """Remove ``component``'s subscriptions (no error if it is not registered)."""
        reg = self._registry.find(component)
        if reg is not None:
            self._registry.remove(reg.token)
            self._apply(reg.connection, reg.token, ())

    def _on_component_dead(self, reg: Registration) -> None:
        if not self._closed:
            self._apply(reg.connection, reg.token, ())

    def _apply(self, connection: str, token: int, specs: tuple[SubscriptionSpec, ...]) -> None:
        subset = self._subsets.setdefault(connection, SubscriptionSet())
        self._dirty.add(connection)
        if subset.set_owner(token, specs) and connection not in self._flush_handles:
            # Coalesce, leading edge first: a change after a quiet window (a click) goes out on the
            # next loop turn, merged with whatever else this turn changes (the orderbook and the
            # chart switch coins in one call); changes within the window after a request wait for
            # its end and go out as one. Waiting the whole window every time cost a click 25 ms.
            window = self.settings.coalesce_window_s
            since = self._loop.time() - self._last_flush.get(connection, float("-inf"))
            loop = self._loop
            self._flush_handles[connection] = (
                loop.call_soon(self._flush, connection) if since >= window
                else loop.call_later(window - since, self._flush, connection)
            )

    def _flush(self, connection: str) -> None:
        self._flush_handles.pop(connection, None)
        self._last_flush[connection] = self._loop.time()
        if self._closed:
            return
        self._reindex(connection)
        subset = self._subsets[connection]
        self._release_pairs(connection, subset.merged())
        conn = self._connections.get(connection)
        if conn is None:
            return  # removed: the next connection of that name subscribes the current set
        if subset.needs_request():
            merged = subset.merged()
            conn.set_subscriptions(merged)
            subset.mark_sent(merged)

    def _release_pairs(self, connection: str, merged: MergedSubscriptions) -> None:
        """Drop pool data of pairs that left ``connection``'s set and no other connection wants.

        Runs when the reduced set is handed to the connection (it goes out right away, or on the
        next connect). Frames of those pairs that the server sent before it saw the request are
        still routed to listeners but not stored, so the pool stays empty for them. A reconnect
        does not come through here: data survives it (metrics count it as carried over).
        """
        pairs = frozenset((e.type, code) for e in merged.entries for code in e.codes)
        old = self._wanted_pairs.get(connection, frozenset())
        self._wanted_pairs[connection] = pairs
        self._router.set_wanted(connection, pairs)
        venue = self.venue_of(connection)
        pool = self.pool(venue)
        unstored = pool.unstored
        unstored.difference_update(pairs)  # wanted (again): store its frames
        left = set(old - pairs)
        if not left:
            return
        for other, wanted in self._wanted_pairs.items():
            # Only a connection of the same venue keeps a pair alive: the pools are per venue.
            if other != connection and self.venue_of(other) == venue:
                left -= wanted
        self._router.forget_pairs(connection, left)
        for type_, code in left:
            pool.drop(type_, code)
        unstored.update(left)

    def _reindex(self, connection: str) -> None:
        if connection not in self._dirty:
            return
        self._dirty.discard(connection)
        pairs: list[tuple[Subscriber, Sequence[SubscriptionSpec]]] = [
            (reg.subscriber, reg.specs)
            for reg in self._registry
            if reg.connection == connection and reg.subscriber is not None
        ]
        self._router.set_subscribers(connection, pairs)

    # ------------------------------------------------------------------ connections and events
    def _connection(self, name: str) -> Connection:
        conn = self._connections.get(name)
        if conn is None:
            if name in self._detached:
                raise ManagerError(f"connection {name!r} was removed; add_connection() a new connector")
            connector = self._connectors.get(name) or create_connector(name, self.settings)
            self._venues[name] = connector_venue(connector)
            s = self.settings
            conn = Connection(
                connector,
                sink=self._on_events,
                on_state=self._on_state,
                connect_timeout_s=s.connect_timeout_s,
                stale_after_s=s.stale_after_s,
                close_timeout_s=s.close_timeout_s,
                backoff_factory=lambda: backoff(s.backoff_steps_s, jitter=s.backoff_jitter),
                retry_slow_s=s.retry_slow_s,
            )
            self._connections[name] = conn
            # A connection re-created after remove_connection() serves the registrations still here.
            subset = self._subsets.get(name)
            if subset is not None and not subset.merged().is_empty:
                merged = subset.merged()
                conn.set_subscriptions(merged)
                subset.mark_sent(merged)
        return conn

    def connection(self, name: str = PUBLIC) -> Connection:
        """The :class:`Connection` object of ``name`` (created if needed; for diagnostics/tests)."""
        return self._connection(name)

    def _on_events(self, connection: str, events: Sequence[Any], epoch: int) -> None:
        if connection in self._dirty:
            self._reindex(connection)  # a registration changed since the last flush
        self._router.dispatch(connection, events, epoch)

    def _on_server_error(self, connection: str, event: Any) -> None:
        conn = self._connections.get(connection)
        name, message = str(event.name), str(event.message)
        logger.warning("%s: server error %s: %s", connection, name, message)
        if conn is None:
            return
        conn.stats.note_error(time.monotonic(), f"server error {name}: {message}")
        disposition, key_problem = conn.connector.failure(conn.connector.classify_server_error(name), name)
        if disposition is Disposition.FATAL:
            conn.fail(f"server error {name}: {message}", key_problem=key_problem)
        elif disposition is Disposition.RETRY_SLOW:
            # A throttling error FRAME means the socket is fine but a request was refused: resend
            # the full set after a pause instead of dropping the connection for retry_slow_s.
            conn.resend_after_rejection(_REJECTION_HOLD_S)
        elif disposition is Disposition.RETRY:
            # e.g. Binance "serverShutdown": the server is about to drop us, reconnect now.
            conn.reconnect(f"server error {name}")

    def _on_state(self, change: StateChange) -> None:
        for cb in self._state_listeners:
            try:
                cb(change)
            except Exception:
                logger.exception("state listener raised")

    def add_listener(
        self,
        callback: Callable[[Event], None],
        *,
        types: Collection[str] | None = None,
        venues: Collection[str] | None = None,
    ) -> Callable[[], None]:
        """Receive every event (of ``types``) of every connection; returns an unsubscribe function.

        ``types={"error"}`` delivers Upbit error frames (:class:`ServerError`: name, message).
        ``venues={"bithumb"}`` limits delivery to connections of those venues (events do not say
        which exchange sent them; the storage writer keys its rows by venue this way).
        """
        return self._router.add_listener(callback, types, venues)

    def add_state_listener(self, cb: StateCallback) -> Callable[[], None]:
        """Receive :class:`StateChange` events (connected, reconnecting, failed, key problem...)."""
        self._state_listeners = (*self._state_listeners, cb)

        def remove() -> None:
            self._state_listeners = tuple(x for x in self._state_listeners if x is not cb)

        return remove

    # ------------------------------------------------------------------ pull API
    # Every read takes the venue (default Upbit, so the existing views read as before); a view
    # showing another venue reads ``mgr.pool("bithumb")``, which has the same read methods.
    def pool(self, venue: str = DEFAULT_VENUE) -> DataPool:
        """The data pool of ``venue`` (created empty on first use)."""
        pool = self._pools.get(venue)
        if pool is None:
            pool = self._pools[venue] = DataPool(self.settings.trade_ring)
        return pool

    def venue_of(self, connection: str) -> str:
        """The venue whose pool ``connection``'s market data goes to."""
        venue = self._venues.get(connection)
        if venue is None:
            connector = self._connectors.get(connection)
            venue = connector_venue(connector) if connector is not None else DEFAULT_VENUE
        return venue

    def _pool_of_connection(self, connection: str) -> DataPool:
        return self.pool(self.venue_of(connection))

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

    # ------------------------------------------------------------------ introspection
    def metrics(self) -> dict[str, ConnectionMetrics]:
        """A frozen snapshot per connection."""
        now = time.monotonic()
        return {
            name: snapshot(conn, self._router.stats(name), now)
            for name, conn in self._connections.items()
        }

    def subscriptions(self, connection: str = PUBLIC) -> MergedSubscriptions:
        """The merged set wanted on ``connection`` right now (before coalescing)."""
        subset = self._subsets.get(connection)
        return subset.merged() if subset is not None else MergedSubscriptions()

    def registrations(self) -> list[RegistrationInfo]:
        """Every live registration."""
        return [reg.info() for reg in self._registry]

    def _check_open(self) -> None:
        if self._closed:
            raise ManagerError("the manager has been shut down")


def connector_venue(connector: Connector) -> str:
    """``connector.venue`` when the connector declares one, else Upbit.

    Only venues whose events the pool stores (the Upbit protocol family) need to declare one;
    Binance/Bybit quotes never enter a pool.
    """
    venue = getattr(connector, "venue", "")
    return venue if isinstance(venue, str) and venue else DEFAULT_VENUE


def _check_specs(specs: Sequence[SubscriptionSpec]) -> tuple[SubscriptionSpec, ...]:
    out = tuple(specs)
    for spec in out:
        if not isinstance(spec, SubscriptionSpec):
            raise ManagerError(f"expected SubscriptionSpec, got {type(spec).__name__}")
    return out
