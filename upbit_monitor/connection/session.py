"""One connected socket of a :class:`~upbit_monitor.connection.connection.Connection`.

A :class:`Session` lives from a successful handshake to the end of that socket and runs three
loops, each as its own task (the connection starts, names and cancels them):

* :meth:`Session.reader` parses every frame with the connector and hands the events to the sink,
  timing frames for the health score; a parse error is counted, never fatal;
* :meth:`Session.sender` sends the wanted subscription set whenever it changes, paced by the
  connector's rate limit (the request is built after waiting, so the latest set always wins);
  :meth:`Session.send_now` writes it from the caller's stack when nothing has to wait;
* :meth:`Session.watchdog` sends the connector's text ping on a quiet stream and declares the
  stream dead after ``stale_after_s`` without any message while subscribed.

A loop that ends the session returns an :class:`~upbit_monitor.connection.transport.Outcome`;
``None`` means "the reader reports this close".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.protocol import State

from upbit_monitor.connection.ratelimit import RateLimiter
from upbit_monitor.connection.stats import ConnStats, carries_data
from upbit_monitor.connection.transport import Outcome, close_outcome
from upbit_monitor.errors import ConnectionFailure, ParseError
from upbit_monitor.exchanges.base import Connector
from upbit_monitor.protocol.policy import Disposition
from upbit_monitor.protocol.subscriptions import MergedSubscriptions

logger = logging.getLogger(__name__)

__all__ = ["EventSink", "Session"]

EventSink = Callable[[str, Sequence[Any], int], None]
"""``sink(connection_name, events, current_epoch)``, called on the loop for every frame."""


@dataclass(eq=False)
class Session:
    """The loops of one socket (see the module docstring)."""

    ws: ClientConnection
    _: KW_ONLY
    name: str
    connector: Connector
    epoch: int
    stats: ConnStats
    limiter: RateLimiter
    clock: Callable[[], float]
    sink: EventSink
    desired: Callable[[], MergedSubscriptions]
    request: asyncio.Event
    stale_after_s: float
    sent: MergedSubscriptions | None = field(default=None, init=False)  # a fresh socket has nothing
    got_data: bool = field(default=False, init=False)
    _sending: bool = field(default=False, init=False)  # the sender task is between a wake-up and its end
    _last_rx: float = field(init=False)
    _last_text_ping: float = field(init=False)

    def __post_init__(self) -> None:
        self._last_rx = self._last_text_ping = self.clock()

    def _close_outcome(self, exc: ConnectionClosed | None) -> Outcome:
        outcome = close_outcome(self.connector, self.ws, exc)
        self.stats.last_close_code = outcome.code
        self.stats.last_close_reason = self.ws.close_reason or ""
        return outcome

    async def reader(self) -> Outcome:
        """Read frames until the socket closes; returns how it closed."""
        parse = self.connector.parse
        sink = self.sink
        stats = self.stats
        window = stats.window
        clock = self.clock
        name = self.name
        epoch = self.epoch
        try:
            async for data in self.ws:
                now = clock()
                self._last_rx = now
                nbytes = len(data)
                stats.msgs_total += 1
                stats.bytes_total += nbytes
                stats.last_message_at = now
                window.add(nbytes, now)
                try:
                    events = parse(data, epoch)
                except ParseError as exc:
                    stats.parse_errors += 1
                    stats.parse_errors_by_reason[exc.reason] += 1
                    stats.note_error(now, f"parse error: {exc}")
                    continue
                if carries_data(events):
                    stats.last_data_at = now  # a PING answer proves liveness, not fresh data
                self.got_data = True
                try:
                    sink(name, events, epoch)
                except Exception:
                    stats.note_error(now, "event sink raised")
                    logger.exception("%s: event sink raised; frame dropped", name)
        except ConnectionClosed as exc:
            return self._close_outcome(exc)
        return self._close_outcome(None)

    async def _wait_budget(self) -> None:
        delay = self.limiter.delay()
        while delay > 0:
            await asyncio.sleep(delay)
            delay = self.limiter.delay()

    async def _send(self, text: str) -> None:
        self.limiter.record()
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            raise  # the reader sees the same close and reports it
        except WebSocketException as exc:
            raise ConnectionFailure(f"send failed: {exc}") from exc

    def send_now(self) -> bool:
        """Write the wanted set now, from the caller's stack; False = leave it to the sender task.

        Waking the sender costs a loop turn, and on a Qt loop that turn repaints the window first:
        a click's request left ~20 ms late, behind the repaint the click itself caused. This path
        writes the frame through websockets' sans-I/O protocol straight to the transport (as the
        simulator's sender does), only when the sender would send it at once anyway: it is idle,
        the rate limit has room, the change is one message and the socket is open. Connectors
        that number their messages are left to the sender (building a request draws an id).
        """
        desired = self.desired()
        ws = self.ws
        if not self.connector.pure_requests or self._sending or desired == self.sent:
            return False  # message ids (Binance, Bybit) are drawn by the sender alone
        if self.limiter.delay() > 0:
            return False
        if desired.is_empty or ws.protocol.state is not State.OPEN or ws.transport.is_closing():
            return False  # emptying may need a reconnect; a closing socket is the reader's
        messages = self.connector.build_requests(self.sent, desired)
        if len(messages) != 1:
            return False
        self.limiter.record()
        ws.protocol.send_text(messages[0].encode())
        for chunk in ws.protocol.data_to_send():
            if chunk:
                ws.transport.write(chunk)
        self.stats.requests_sent += 1
        self.stats.last_request = messages[0]
        self.sent = desired
        return True

    async def sender(self) -> Outcome | None:
        """Send the wanted set whenever it differs from what this socket is subscribed to."""
        connector = self.connector
        while True:
            await self.request.wait()
            self.request.clear()
            self._sending = True
            try:
                while self.desired() != self.sent:
                    await self._wait_budget()
                    desired = self.desired()  # read after waiting: the latest set wins
                    if desired == self.sent:
                        break
                    if desired.is_empty and connector.clear_by_reconnect:
                        if self.sent is not None and not self.sent.is_empty:
                            # Nothing can unsubscribe everything on this exchange: use a fresh socket.
                            return Outcome(
                                Disposition.RETRY, "subscription set emptied", delay_s=0.0, expected=True
                            )
                        self.sent = desired
                        break
                    messages = connector.build_requests(self.sent, desired)
                    for i, text in enumerate(messages):
                        if i:
                            await self._wait_budget()
                        try:
                            await self._send(text)
                        except ConnectionClosed:
                            return None
                        self.stats.requests_sent += 1
                        self.stats.last_request = text
                    self.sent = desired
            finally:
                self._sending = False

    async def watchdog(self) -> Outcome | None:
        """Keep a quiet stream alive with the text ping; end a stale one."""
        stale = self.stale_after_s
        keepalive = self.connector.keepalive
        # The text ping must come well before the stream is declared dead, or it cannot save it.
        ping_after = min(keepalive.text_ping_after_s, stale / 2)
        tick = min(1.0, stale / 5, ping_after / 2)
        while True:
            await asyncio.sleep(tick)
            now = self.clock()
            subscribed = self.sent is not None and not self.sent.is_empty
            if not subscribed:
                self._last_rx = now  # nothing is expected: silence is not staleness
                continue
            idle = now - self._last_rx
            if idle >= stale:
                self.stats.last_close_reason = f"stale: no message for {idle:.1f} s"
                return Outcome(Disposition.RETRY, f"stale: no message for {idle:.1f} s")
            if (
                keepalive.text_ping is not None
                # text_ping_always (Bybit): a heartbeat the server expects even on a busy stream.
                and (keepalive.text_ping_always or idle >= ping_after)
                and now - self._last_text_ping >= ping_after
                and self.limiter.delay() == 0
            ):
                self._last_text_ping = now
                try:
                    await self._send(keepalive.text_ping)
                except ConnectionClosed:
                    return None
                self.stats.text_pings_sent += 1
