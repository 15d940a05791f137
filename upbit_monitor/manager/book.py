"""The manager's subscription book: per connection, every owner's specs merged and flushed coalesced.

A registration change calls :meth:`SubscriptionBook.apply`; the merged set goes to the connection in one
request per coalescing window (leading edge first: see ``apply``). When a flush shrinks the set, the
pairs nobody on that venue wants any more are released: the router forgets them and their data leaves
the venue's pool. The router learns the subscribers of a connection lazily (``reindex``), at the next
flush or event after a change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from upbit_monitor.connection.connection import Connection
from upbit_monitor.manager.pool import DataPool
from upbit_monitor.manager.registry import Registration
from upbit_monitor.manager.router import Router, Subscriber
from upbit_monitor.protocol.subscriptions import MergedSubscriptions, SubscriptionSet, SubscriptionSpec

__all__ = ["SubscriptionBook"]


@dataclass(eq=False, kw_only=True)
class SubscriptionBook:
    """Merged subscriptions per connection (see the module docstring).

    The fields are what it needs of the manager: its loop, coalescing window, router, registrations,
    connections, pools, venue lookup, and whether it has shut down.
    """

    loop: asyncio.AbstractEventLoop
    window_s: float
    router: Router
    registrations: Callable[[], Iterable[Registration]]
    connections: Mapping[str, Connection]
    pool: Callable[[str], DataPool]
    venue_of: Callable[[str], str]
    closed: Callable[[], bool]
    subsets: dict[str, SubscriptionSet] = field(default_factory=dict, init=False)
    flush_handles: dict[str, asyncio.Handle] = field(default_factory=dict, init=False)
    # Connections whose pending flush is a leading edge (``flush_leading`` may run it now).
    _leading: set[str] = field(default_factory=set, init=False)
    # Loop time of each connection's last flush.
    _last_flush: dict[str, float] = field(default_factory=dict, init=False)
    dirty: set[str] = field(default_factory=set, init=False)
    # (type, code) pairs of the set last flushed per connection: when a pair leaves, its data
    # leaves the pool.
    _wanted_pairs: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict, init=False)

    def merged(self, connection: str) -> MergedSubscriptions:
        """The merged set wanted on ``connection`` right now (before coalescing)."""
        subset = self.subsets.get(connection)
        return subset.merged() if subset is not None else MergedSubscriptions()

    def cancel(self, connection: str | None = None) -> None:
        """Drop the pending flush of ``connection`` (every connection when None)."""
        names = list(self.flush_handles) if connection is None else [connection]
        for name in names:
            self._leading.discard(name)
            handle = self.flush_handles.pop(name, None)
            if handle is not None:
                handle.cancel()

    def apply(self, connection: str, token: int, specs: tuple[SubscriptionSpec, ...]) -> None:
        """Owner ``token`` now wants ``specs`` on ``connection``: schedule a coalesced flush."""
        subset = self.subsets.setdefault(connection, SubscriptionSet())
        self.dirty.add(connection)
        if subset.set_owner(token, specs) and connection not in self.flush_handles:
            # Coalesce, leading edge first: a change after a quiet window (a click) goes out on the
            # next loop turn, merged with whatever else this turn changes (the orderbook and the
            # chart switch coins in one call); changes within the window after a request wait for
            # its end and go out as one. Waiting the whole window every time cost a click 25 ms.
            window = self.window_s
            since = self.loop.time() - self._last_flush.get(connection, float("-inf"))
            loop = self.loop
            if since >= window:
                self._leading.add(connection)
                self.flush_handles[connection] = loop.call_soon(self._flush, connection)
            else:
                self.flush_handles[connection] = loop.call_later(window - since, self._flush, connection)

    def flush_leading(self) -> None:
        """Flush now every connection whose pending flush is a leading edge (see ``apply``).

        A trailing flush (a change inside the window after a request) keeps waiting for the window.
        """
        for connection in list(self._leading):
            handle = self.flush_handles.get(connection)
            if handle is not None:
                handle.cancel()
            self._flush(connection)

    def _flush(self, connection: str) -> None:
        self.flush_handles.pop(connection, None)
        self._leading.discard(connection)
        self._last_flush[connection] = self.loop.time()
        if self.closed():
            return
        self.reindex(connection)
        subset = self.subsets[connection]
        self._release_pairs(connection, subset.merged())
        conn = self.connections.get(connection)
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
        self.router.set_wanted(connection, pairs)
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
        self.router.forget_pairs(connection, left)
        for type_, code in left:
            pool.drop(type_, code)
        unstored.update(left)

    def reindex(self, connection: str) -> None:
        """Hand the router the subscribers of ``connection`` if a registration changed."""
        if connection not in self.dirty:
            return
        self.dirty.discard(connection)
        pairs: list[tuple[Subscriber, Sequence[SubscriptionSpec]]] = [
            (reg.subscriber, reg.specs)
            for reg in self.registrations()
            if reg.connection == connection and reg.subscriber is not None
        ]
        self.router.set_subscribers(connection, pairs)
