"""The manager's connections by name: built on first use, removed and replaced, told about error frames.

:class:`ConnectionSet` is the part of :class:`~upbit_monitor.manager.manager.GlobalWebSocketManager`
that deals in sockets rather than in components: which connector serves a name (one passed in, or the
venue registry's), the :class:`Connection` built from it with the settings' timeouts and backoff, the
names :meth:`ConnectionSet.remove` gave up until a new connector replaces them, and what a server's
error frame does to the connection that carried it (the connector's policy decides; this module acts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from upbit_monitor.config import Settings
from upbit_monitor.connection.connection import Connection
from upbit_monitor.connection.state import StateChange
from upbit_monitor.errors import ManagerError
from upbit_monitor.exchanges.base import Connector
from upbit_monitor.exchanges.registry import create_connector
from upbit_monitor.manager.book import SubscriptionBook
from upbit_monitor.manager.pool import VenuePools
from upbit_monitor.protocol.policy import Disposition, backoff

logger = logging.getLogger(__name__)

# Pause after the server refuses a request as too fast (a full 1 s window plus slack) before resending.
REJECTION_HOLD_S = 1.5

EventSink = Callable[[str, Sequence[Any], int], None]


class ConnectionSet:
    """Connections by name, and the connectors that build them.

    ``by_name`` is shared with the :class:`SubscriptionBook` (it sends the merged sets on them) and
    ``connectors`` with the :class:`VenuePools` (a connection's venue is its connector's); both are
    changed in place, never replaced.
    """

    def __init__(
        self,
        settings: Settings,
        connectors: Iterable[Connector],
        *,
        sink: EventSink,
        on_state: Callable[[StateChange], None],
    ) -> None:
        self.settings = settings
        self.connectors: dict[str, Connector] = {c.name: c for c in connectors}
        self.by_name: dict[str, Connection] = {}
        # Names given up by remove() and not yet replaced by add(): their registrations wait, and
        # nothing re-creates the connection from the registry meanwhile (which would make the
        # replacing add() fail).
        self.detached: set[str] = set()
        self._sink = sink
        self._on_state = on_state
        self._pools: VenuePools | None = None
        self._book: SubscriptionBook | None = None

    def attach(self, pools: VenuePools, book: SubscriptionBook) -> None:
        """Give the set the pools and the book (they are built around its dicts, so after it)."""
        self._pools, self._book = pools, book

    def get(self, name: str) -> Connection:
        """The connection of ``name``, built now if it does not exist yet (not started).

        Raises:
            ManagerError: ``name`` was removed and no connector has replaced it.
            ConfigError: ``name`` names no connector passed in and none the registry knows.
        """
        conn = self.by_name.get(name)
        if conn is not None:
            return conn
        if name in self.detached:
            raise ManagerError(f"connection {name!r} was removed; add_connection() a new connector")
        assert self._pools is not None and self._book is not None, "attach() first"
        connector = self.connectors.get(name) or create_connector(name, self.settings)
        self._pools.note(name, connector)
        s = self.settings
        conn = Connection(
            connector,
            sink=self._sink,
            on_state=self._on_state,
            connect_timeout_s=s.connect_timeout_s,
            stale_after_s=s.stale_after_s,
            close_timeout_s=s.close_timeout_s,
            backoff_factory=lambda: backoff(s.backoff_steps_s, jitter=s.backoff_jitter),
            retry_slow_s=s.retry_slow_s,
        )
        self.by_name[name] = conn
        # A connection re-created after remove() serves the registrations still here.
        subset = self._book.subsets.get(name)
        if subset is not None and not subset.merged().is_empty:
            merged = subset.merged()
            conn.set_subscriptions(merged)
            subset.mark_sent(merged)
        return conn

    def add(self, connector: Connector) -> None:
        """Use ``connector`` for connection ``connector.name`` from now on.

        Raises:
            ManagerError: a connection of that name already exists.
        """
        if connector.name in self.by_name:
            raise ManagerError(f"connection {connector.name!r} already exists")
        self.connectors[connector.name] = connector
        self.detached.discard(connector.name)

    async def remove(self, name: str) -> None:
        """Close connection ``name`` and forget its connector until :meth:`add` supplies another."""
        assert self._book is not None, "attach() first"
        self.detached.add(name)
        conn = self.by_name.pop(name, None)
        self.connectors.pop(name, None)
        self._book.cancel(name)
        if conn is not None:
            await conn.close()
        subset = self._book.subsets.get(name)
        if subset is not None:
            subset.reset_sent()

    def on_server_error(self, connection: str, event: Any) -> None:
        """Act on an error frame received on ``connection`` as its connector's policy says."""
        conn = self.by_name.get(connection)
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
            conn.resend_after_rejection(REJECTION_HOLD_S)
        elif disposition is Disposition.RETRY:
            # e.g. Binance "serverShutdown": the server is about to drop us, reconnect now.
            conn.reconnect(f"server error {name}")
