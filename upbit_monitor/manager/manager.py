"""GlobalWebSocketManager: one place that owns every exchange connection of the app.

Components (widgets, the chart, the storage writer...) say what they want with
:meth:`GlobalWebSocketManager.register`; the manager merges all wishes per connection, sends ONE
request with the full merged set (coalesced over ``settings.coalesce_window_s``, paced by the
connection's rate limit), keeps the connections alive, routes every event to the data pool and
to subscribers, and reports metrics and state changes. Components are held weakly: when one dies
its subscriptions disappear and the request on the wire shrinks.

It is plain asyncio (no Qt import) and runs unchanged on a qasync loop. Use it from the loop thread.
The merged sets and their coalesced flushes are :class:`~upbit_monitor.manager.book.SubscriptionBook`;
the per-venue pools and the pull API are in :mod:`~upbit_monitor.manager.pool`; the connections by name
(built, removed, replaced, told about error frames) are in :mod:`~upbit_monitor.manager.connections`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, ClassVar

from upbit_monitor.config import Settings
from upbit_monitor.connection.connection import Connection
from upbit_monitor.connection.state import StateChange
from upbit_monitor.errors import ManagerError
from upbit_monitor.exchanges.base import Connector
from upbit_monitor.manager.book import SubscriptionBook
from upbit_monitor.manager.connections import ConnectionSet
from upbit_monitor.manager.metrics import ConnectionMetrics, snapshot
from upbit_monitor.manager.pool import VenuePools, VenueReads
from upbit_monitor.manager.registry import ComponentRegistry, Registration, RegistrationInfo
from upbit_monitor.manager.router import EventCallback, Router
from upbit_monitor.protocol.events import Event
from upbit_monitor.protocol.subscriptions import MergedSubscriptions, SubscriptionSpec

logger = logging.getLogger(__name__)

PUBLIC = "upbit-public"
StateCallback = Callable[[StateChange], None]


class GlobalWebSocketManager(VenueReads):
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
        self._conns = ConnectionSet(
            self.settings, connectors or (), sink=self._on_events, on_state=self._on_state
        )
        # One pool per venue: KRW-BTC on Upbit and on Bithumb are different prices of one code.
        self._pools = VenuePools(self.settings.trade_ring, self._conns.connectors)
        self._router = Router(self._pools.pool(), pool_for=self._pools.of_connection,
                              venue_of=self.venue_of, on_server_error=self._conns.on_server_error)
        self._registry = ComponentRegistry(self._loop, self._on_component_dead)
        self._state_listeners: tuple[StateCallback, ...] = ()
        self._started = False
        self._closed = False
        self._book = SubscriptionBook(
            loop=self._loop,
            window_s=self.settings.coalesce_window_s,
            router=self._router,
            registrations=lambda: self._registry,
            connections=self._conns.by_name,
            pool=self.pool,
            venue_of=self.venue_of,
            closed=lambda: self._closed,
        )
        self._conns.attach(self._pools, self._book)

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
        for name in dict.fromkeys((PUBLIC, *self._book.subsets)):
            if name not in self._conns.detached:
                self._conns.get(name).start()

    async def shutdown(self) -> None:
        """Close every socket and cancel every task and timer this manager started."""
        if self._closed:
            return
        self._closed = True
        self._book.cancel()
        connections = list(self._conns.by_name.values())
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
        self._conns.add(connector)
        if self._started and connector.name in self._book.subsets:
            # The new connection takes over the registrations kept since remove_connection(), so
            # they go out right after it opens.
            self._conns.get(connector.name).start()

    async def remove_connection(self, name: str) -> None:
        """Close connection ``name`` and forget its connector (its registrations stay, idle).

        Until :meth:`add_connection` supplies a new connector of that name, registration changes on
        it are recorded but open nothing; the new connection then subscribes the current set.
        """
        await self._conns.remove(name)

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
        live = connection not in self._conns.detached
        if live:
            self._conns.get(connection)  # fail fast on an unknown connection name
        reg = self._registry.add(component, connection, specs, callback)
        self._book.apply(reg.connection, reg.token, reg.specs)
        if self._started and live:
            self._conns.get(connection).start()

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
        self._book.apply(reg.connection, reg.token, specs)

    def unregister(self, component: object) -> None:
        """Remove ``component``'s subscriptions (no error if it is not registered)."""
        reg = self._registry.find(component)
        if reg is not None:
            self._registry.remove(reg.token)
            self._book.apply(reg.connection, reg.token, ())

    def flush(self) -> None:
        """Send pending changes now, not on the next loop turn, where a click's request waited behind
        the window's repaint. A change inside the coalescing window after a request still waits."""
        self._book.flush_leading()

    def _on_component_dead(self, reg: Registration) -> None:
        if not self._closed:
            self._book.apply(reg.connection, reg.token, ())

    # ------------------------------------------------------------------ connections and events
    def connection(self, name: str = PUBLIC) -> Connection:
        """The :class:`Connection` object of ``name`` (created if needed; for diagnostics/tests)."""
        return self._conns.get(name)

    def _on_events(self, connection: str, events: Sequence[Any], epoch: int) -> None:
        if connection in self._book.dirty:
            self._book.reindex(connection)  # a registration changed since the last flush
        self._router.dispatch(connection, events, epoch)

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

    # ------------------------------------------------------------------ introspection
    def metrics(self) -> dict[str, ConnectionMetrics]:
        """A frozen snapshot per connection."""
        now = time.monotonic()
        return {
            name: snapshot(conn, self._router.stats(name), now)
            for name, conn in self._conns.by_name.items()
        }

    def subscriptions(self, connection: str = PUBLIC) -> MergedSubscriptions:
        """The merged set wanted on ``connection`` right now (before coalescing)."""
        return self._book.merged(connection)

    def registrations(self) -> list[RegistrationInfo]:
        """Every live registration."""
        return [reg.info() for reg in self._registry]

    def _check_open(self) -> None:
        if self._closed:
            raise ManagerError("the manager has been shut down")


def _check_specs(specs: Sequence[SubscriptionSpec]) -> tuple[SubscriptionSpec, ...]:
    out = tuple(specs)
    for spec in out:
        if not isinstance(spec, SubscriptionSpec):
            raise ManagerError(f"expected SubscriptionSpec, got {type(spec).__name__}")
    return out
