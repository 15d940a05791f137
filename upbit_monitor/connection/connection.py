"""One WebSocket connection driven by a :class:`~upbit_monitor.exchanges.base.Connector`.

The only module of the manager stack that uses websockets. It owns the whole lifecycle, once for
every exchange:

* connect with a timeout (through the system proxy, never for loopback: the same rule as REST,
  :mod:`~upbit_monitor.connection.proxy`; no ``Origin`` header: Upbit throttles those to 1
  request per 10 s; a small ``close_timeout`` so a dead peer does not delay the reconnect by
  websockets' default 10 s);
* a reconnect loop with capped, jittered backoff (:func:`upbit_monitor.protocol.policy.backoff`);
  the schedule restarts after a session that received data;
* an epoch incremented on every successful connect and stamped on every parsed event;
* the full subscription set sent right after every (re)connect, then on every change, paced by the
  connector's rate limit (the request is built after waiting, so the latest set always wins);
* keepalive: protocol pings (websockets) plus the connector's text ping on quiet streams;
* a staleness watchdog: no message (not even a ping answer) for ``stale_after_s`` while
  subscribed = dead -> reconnect; frames with data are timed apart for the health score
  (the reader, sender and watchdog of one socket are :class:`~upbit_monitor.connection.session.Session`);
* counters for the metrics snapshot.

websockets exceptions are mapped to :mod:`upbit_monitor.errors` here and in
:mod:`~upbit_monitor.connection.transport`; they never leave the connection package.
Every task it starts is referenced, and cancelled and awaited on :meth:`Connection.close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from websockets.asyncio.client import ClientConnection

from upbit_monitor.connection.proxy import proxy_for
from upbit_monitor.connection.ratelimit import RateLimiter
from upbit_monitor.connection.session import EventSink, Session
from upbit_monitor.connection.state import ConnState, StateChange
from upbit_monitor.connection.stats import ConnStats
from upbit_monitor.connection.transport import Outcome, open_socket
from upbit_monitor.errors import (
    AuthError,
    ConfigError,
    ConnectionFailure,
    HandshakeRejected,
    KeyFormatError,
)
from upbit_monitor.exchanges.base import Connector
from upbit_monitor.protocol.policy import Disposition, backoff
from upbit_monitor.protocol.subscriptions import MergedSubscriptions

logger = logging.getLogger(__name__)

StateSink = Callable[[StateChange], None]


class Connection:
    """A self-healing WebSocket connection for one connector.

    Args:
        connector: the endpoint description (one instance per connection).
        sink: receives parsed events; must not raise (the manager's router isolates subscribers).
        on_state: receives :class:`StateChange` events (isolated: exceptions are logged).
        connect_timeout_s: handshake deadline.
        stale_after_s: no message for this long while subscribed = dead stream.
        close_timeout_s: closing-handshake deadline.
        backoff_factory: returns a fresh delay iterator; default 1, 2, 5, 10, 20 s jittered.
        retry_slow_s: minimum delay after a RETRY_SLOW disposition (429/418).
        clock: monotonic clock.
    """

    def __init__(
        self,
        connector: Connector,
        *,
        sink: EventSink,
        on_state: StateSink | None = None,
        connect_timeout_s: float = 10.0,
        stale_after_s: float = 60.0,
        close_timeout_s: float = 1.0,
        backoff_factory: Callable[[], Iterator[float]] | None = None,
        retry_slow_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connector = connector
        self.name = connector.name
        self._sink = sink
        self._on_state = on_state
        self.connect_timeout_s = connect_timeout_s
        self.stale_after_s = stale_after_s
        self.close_timeout_s = close_timeout_s
        self._backoff_factory = backoff_factory or (lambda: backoff())
        self.retry_slow_s = retry_slow_s
        self._clock = clock
        self.state = ConnState.IDLE
        self.epoch = 0
        self.stats = ConnStats()
        self.limiter = RateLimiter(connector.rate_limit, clock)
        self._desired = MergedSubscriptions()
        self._live: Session | None = None  # the connected socket, if any
        self._task: asyncio.Task[None] | None = None
        self._session_tasks: list[asyncio.Task[Any]] = []
        self._session_end: asyncio.Future[Outcome] | None = None
        self._request = asyncio.Event()
        self._wake = asyncio.Event()
        self._closing = False

    # ----------------------------------------------------------------- public API
    @property
    def desired(self) -> MergedSubscriptions:
        """The set we want subscribed (the latest given to :meth:`set_subscriptions`)."""
        return self._desired

    @property
    def sent(self) -> MergedSubscriptions | None:
        """The set the live socket is subscribed to (None: not connected or nothing sent yet)."""
        return None if self._live is None else self._live.sent

    @property
    def running(self) -> bool:
        """True while the supervisor task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start connecting (idempotent; also restarts after FAILED / KEY_PROBLEM). Call on the loop."""
        if self._closing:
            raise ConnectionFailure(f"{self.name}: connection is closed")
        if self.running:
            return
        self._fatal_pending = None  # a restart after FAILED/KEY_PROBLEM starts afresh
        self._task = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"upbit-monitor:{self.name}:supervisor"
        )

    def set_subscriptions(self, merged: MergedSubscriptions) -> None:
        """Make ``merged`` the wanted set; it is sent as soon as connected and within the rate limit.

        On a live, idle socket with budget left it leaves before this returns (``Session.send_now``).
        """
        self._desired = merged
        live = self._live
        if live is None or not live.send_now():
            self._request.set()

    def resend_after_rejection(self, hold_s: float) -> None:
        """The server refused our last request as too fast: send the whole set again later.

        No reconnect: the socket and the previous subscription are fine (a new session would cost
        a handshake, fresh snapshots and, on a 429, an even longer wait). The limiter holds off for
        ``hold_s`` so the retry cannot be refused for the same reason.
        """
        self.limiter.hold(hold_s)
        live = self._live
        if live is not None and live.sent is not None:
            live.sent = None  # unknown what the server kept: resend everything
            self._request.set()

    def reconnect(self, reason: str = "requested", *, slow: bool = False) -> None:
        """End the current session and reconnect (after ``retry_slow_s`` if ``slow``)."""
        disposition = Disposition.RETRY_SLOW if slow else Disposition.RETRY
        self._end_session(Outcome(disposition, reason, delay_s=None if slow else 0.0, expected=not slow))
        self._wake.set()

    def fail(self, reason: str, *, key_problem: bool = False) -> None:
        """Stop for good (FAILED / KEY_PROBLEM): e.g. the server rejected our credentials."""
        outcome = Outcome(Disposition.FATAL, reason, key_problem=key_problem)
        # Also remembered for the supervisor, in case we are between sessions (backoff sleep).
        self._fatal_pending = outcome
        self._end_session(outcome)
        self._wake.set()

    async def close(self) -> None:
        """Close the socket and cancel every task of this connection; safe to call twice."""
        self._closing = True
        self._end_session(Outcome(Disposition.FATAL, "closed", clean=True))
        self._wake.set()
        task = self._task
        if task is not None and not task.done():
            if self._session_end is None:
                task.cancel()  # connecting or in backoff: no socket to close gracefully
            # Room for the closing handshake (bounded by close_timeout); then force it.
            done, _ = await asyncio.wait({task}, timeout=self.close_timeout_s + 2.0)
            if not done:
                logger.warning("%s: supervisor did not stop in time; cancelling", self.name)
                task.cancel()
                await asyncio.wait({task})
            if not task.cancelled() and task.exception() is not None:
                logger.error("%s: supervisor failed while closing", self.name, exc_info=task.exception())
        self._task = None
        if self.state is not ConnState.CLOSED:
            self._set_state(ConnState.CLOSED, "closed")

    # ----------------------------------------------------------------- internals
    _fatal_pending: Outcome | None = None

    def _set_state(self, state: ConnState, reason: str = "", retry_in_s: float | None = None) -> None:
        self.state = state
        if self._on_state is None:
            return
        change = StateChange(self.name, state, self.epoch, reason, retry_in_s, time.time())
        try:
            self._on_state(change)
        except Exception:
            logger.exception("%s: state listener raised", self.name)

    def _end_session(self, outcome: Outcome) -> None:
        fut = self._session_end
        if fut is not None and not fut.done():
            fut.set_result(outcome)

    async def _connect(self) -> ClientConnection:
        # Decided per connect: the system proxy settings may change while the app runs.
        proxy = self.stats.proxy = proxy_for(self.connector.url)
        return await open_socket(
            self.connector,
            connect_timeout_s=self.connect_timeout_s,
            close_timeout_s=self.close_timeout_s,
            proxy=proxy,
        )

    async def _supervise(self) -> None:
        delays = self._backoff_factory()
        first = True
        try:
            while not self._closing:
                self._set_state(ConnState.CONNECTING if first else ConnState.RECONNECTING, "connecting")
                first = False
                outcome: Outcome
                try:
                    ws = await self._connect()
                except HandshakeRejected as exc:
                    disposition, key_problem = self.connector.failure(
                        self.connector.classify_handshake(exc.status), str(exc.status)
                    )
                    hold = self.connector.handshake_hold(exc.status)
                    outcome = Outcome(disposition, str(exc) if hold is None else f"{exc}; {hold[1]}",
                                      key_problem=key_problem,
                                      delay_s=None if hold is None else hold[0])
                except ConfigError as exc:
                    outcome = Outcome(Disposition.FATAL, str(exc))
                except (AuthError, KeyFormatError) as exc:
                    # Raised by the connector (e.g. headers() cannot sign a JWT with these keys).
                    # AuthError is a ConnectionFailure, but retrying with the same key cannot help:
                    # caught before the generic RETRY below so it never becomes a retry storm.
                    outcome = Outcome(Disposition.FATAL, str(exc), key_problem=True)
                except ConnectionFailure as exc:
                    outcome = Outcome(Disposition.RETRY, str(exc))
                else:
                    outcome, got_data = await self._session(ws)
                    if got_data:
                        delays = self._backoff_factory()  # a working session resets the schedule
                if self._fatal_pending is not None:
                    outcome, self._fatal_pending = self._fatal_pending, None
                if self._closing or outcome.clean:
                    break
                now = self._clock()
                if not outcome.expected:
                    self.stats.note_error(now, outcome.reason)
                if outcome.disposition is Disposition.FATAL:
                    state = ConnState.KEY_PROBLEM if outcome.key_problem else ConnState.FAILED
                    logger.error("%s: giving up: %s", self.name, outcome.reason)
                    self._set_state(state, outcome.reason)
                    return
                delay = outcome.delay_s if outcome.delay_s is not None else next(delays)
                if outcome.disposition is Disposition.RETRY_SLOW:
                    delay = max(delay, self.retry_slow_s)
                self.stats.reconnects += 1
                if not outcome.expected:
                    self.stats.reconnect_times.append(now)
                logger.log(logging.INFO if outcome.expected else logging.WARNING,
                           "%s: %s; reconnecting in %.2f s", self.name, outcome.reason, delay)
                self._set_state(ConnState.RECONNECTING, outcome.reason, retry_in_s=delay)
                if delay > 0:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)
        finally:
            await self._stop_session_tasks()

    async def _session(self, ws: ClientConnection) -> tuple[Outcome, bool]:
        """Run one connected socket until it ends; returns the outcome and whether data arrived."""
        loop = asyncio.get_running_loop()
        self.epoch += 1
        epoch = self.epoch
        live = self._live = Session(
            ws,
            name=self.name,
            connector=self.connector,
            epoch=epoch,
            stats=self.stats,
            limiter=self.limiter,
            clock=self._clock,
            sink=self._sink,
            desired=lambda: self._desired,
            request=self._request,
            stale_after_s=self.stale_after_s,
        )
        self.stats.connected_since = time.time()
        self.stats.connected_since_mono = self._clock()
        self._session_end = loop.create_future()
        if self._closing or self._fatal_pending is not None:
            # close()/fail() arrived while we were connecting: end this session at once.
            self._end_session(self._fatal_pending or Outcome(Disposition.FATAL, "closed", clean=True))
        self._session_tasks = [
            loop.create_task(live.reader(), name=f"upbit-monitor:{self.name}:reader"),
            loop.create_task(live.sender(), name=f"upbit-monitor:{self.name}:sender"),
            loop.create_task(live.watchdog(), name=f"upbit-monitor:{self.name}:watchdog"),
        ]
        for task in self._session_tasks:
            task.add_done_callback(self._session_task_done)
        self._request.set()  # resubscribe the full set right away
        self._set_state(ConnState.CONNECTED, f"connected (epoch {epoch})")
        try:
            outcome = await self._session_end
        finally:
            await self._stop_session_tasks()
            self._session_end = None
            self._live = None
            self.stats.connected_since = None
            self.stats.connected_since_mono = None
            # Bounded by close_timeout; the socket may already be closed.
            with contextlib.suppress(Exception):
                await ws.close()
        return outcome, live.got_data

    def _session_task_done(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            logger.error("%s: %s failed: %r", self.name, task.get_name(), exc, exc_info=exc)
            self._end_session(Outcome(Disposition.RETRY, f"internal error: {exc!r}"))
        else:
            result = task.result()
            if isinstance(result, Outcome):
                self._end_session(result)

    async def _stop_session_tasks(self) -> None:
        tasks, self._session_tasks = self._session_tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
