"""The Upbit WebSocket endpoints: ``/websocket/v1`` (public) and ``/websocket/v1/private``.

Behaviour (upbit-protocol.md sections 2-8): data as BINARY frames of UTF-8 JSON; each valid request
replaces the connection's subscription set; the format is connection-wide; SNAPSHOT then REALTIME;
LIST_SUBSCRIPTIONS; text ``PING`` -> ``{"status":"UP"}``; protocol pings answered (websockets does it
while reading, which is also why a stall - reading paused - stops the pongs); idle close; 5 connects/s
(HTTP 429 on the handshake, see ``ws_handshake``); per-connection message limits with a configurable
reaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from upbit_monitor.errors import SimulatorError
from upbit_monitor.protocol.encoder import dumps, encode
from upbit_monitor.protocol.events import ServerError, StatusUp, SubscriptionEntry, SubscriptionList
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.feed import Feed
from upbit_monitor.sim.jwt_check import AuthResult, JwtVerifier
from upbit_monitor.sim.requests import MESSAGES, ParsedRequest, RequestRejected, parse_request
from upbit_monitor.sim.session import ConnectionRecord, RequestRecord, Session
from upbit_monitor.sim.ws_handshake import HandshakeGate

log = logging.getLogger(__name__)

PUBLIC_PATH = "/websocket/v1"
PRIVATE_PATH = "/websocket/v1/private"


class SimConnection(ServerConnection):
    """A server connection that notes inbound traffic (the idle timer counts both directions)."""

    session: Session | None = None
    auth: AuthResult | None = None
    record: ConnectionRecord | None = None
    tracker: set[SimConnection] | None = None  # set on the per-server subclass (see WsServer.start)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tracker = self.tracker
        if tracker is not None:
            tracker.add(self)
            self.connection_lost_waiter.add_done_callback(lambda _f: tracker.discard(self))

    def data_received(self, data: bytes) -> None:
        """Stamp activity, then let websockets process the bytes (this is where pongs are sent)."""
        session = self.session
        if session is not None:
            session.last_activity = time.monotonic()
        super().data_received(data)


class WsServer:
    """Accepts connections and speaks the Upbit protocol on them."""

    def __init__(self, config: SimConfig, feed: Feed, verifier: JwtVerifier) -> None:
        self.config = config
        self.feed = feed
        self.verifier = verifier
        self.sessions: set[Session] = set()
        self.records: list[ConnectionRecord] = []
        self.stats: dict[str, int] = {
            "handshakes": 0, "accepted": 0, "rejected_429": 0, "rejected_refused": 0,
            "rejected_auth": 0, "requests": 0, "request_errors": 0, "rate_limited": 0, "pings": 0,
            "rejected_blocked": 0,
        }
        self.stall_new = False
        self.on_session_open: Callable[[Session], None] | None = None
        self.gate = HandshakeGate(config, verifier, self.stats, SimConnection)
        self._server: Server | None = None
        # Every socket from accept to connection_lost (handshaking, open or still closing): stop()
        # must close them all, not only the sessions whose handler is still running.
        self._conns: set[SimConnection] = set()
        self._watchdog: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # set in start()
        self._changed = asyncio.Condition()
        self.port = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop the server runs on (callbacks use it: they may run outside a running loop)."""
        if self._loop is None:
            raise SimulatorError("WsServer not started")
        return self._loop

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self, port: int) -> int:
        """Listen on ``config.host:port`` (0 = any free port); returns the bound port."""
        self._loop = asyncio.get_running_loop()
        self._server = await serve(
            self._handler,
            self.config.host,
            port,
            process_request=self.gate.admit,
            # A subclass per server so that every connection lands in this server's _conns.
            create_connection=type("TrackedSimConnection", (SimConnection,), {"tracker": self._conns}),
            ping_interval=None,  # Upbit does not ping clients; it only answers their pings
            compression="deflate" if self.config.compression else None,
            max_size=1 << 20,
            close_timeout=1.0,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().call_later(self._watch_period, self._idle_check)
        return self.port

    async def stop(self, *, graceful: bool = False) -> None:
        """Stop listening and end every connection (abort = TCP drop, graceful = close 1001).

        Returns once every server-side socket is closed, including connections whose handler has
        already returned while the client is still closing (websockets then waits up to
        ``close_timeout`` for the client's TCP close) and ones still in the handshake. Otherwise a
        loop stopped right after ``stop()`` leaks those sockets (ResourceWarning).
        """
        if self._server is not None:
            self._server.close(close_connections=False)
            sessions = list(self.sessions)
            if graceful:
                await asyncio.gather(*(self._close(s, 1001, "going away") for s in sessions))
            for session in sessions:
                self.abort(session)
            await self._abort_all()
            await self._server.wait_closed()
            self._server = None

    async def _abort_all(self, timeout_s: float = 2.0) -> None:
        """Abort every tracked socket and wait until each one's ``connection_lost`` ran.

        A socket accepted a moment ago has no transport until its ``connection_made`` callback
        runs, so this loops: abort what has a transport, give the loop a short turn, repeat.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._conns and loop.time() < deadline:
            conns = list(self._conns)
            for conn in conns:
                transport = getattr(conn, "transport", None)
                if transport is not None:
                    transport.abort()  # also ends a transport stuck in close() with unsent data
            # connection_lost (which closes the socket) runs on a later loop iteration.
            await asyncio.wait([c.connection_lost_waiter for c in conns], timeout=0.05)

    async def shutdown(self) -> None:
        """Stop everything including the idle watchdog."""
        await self.stop()
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    # -- connection ------------------------------------------------------------------------------
    async def _handler(self, ws: ServerConnection) -> None:
        conn = ws if isinstance(ws, SimConnection) else None
        record = conn.record if conn is not None and conn.record is not None else ConnectionRecord(
            self.gate.next_id(), ws.request.path if ws.request else PUBLIC_PATH, time.monotonic())
        session = Session(ws, record, self.config)
        if conn is not None:
            conn.session = session
        self.sessions.add(session)
        self.records.append(record)
        self.stats["accepted"] += 1
        sender = self.loop.create_task(session.run_sender())
        await self._notify()
        try:
            if self.on_session_open is not None:
                self.on_session_open(session)
            if self.stall_new:
                self.stall(session)
            auth = conn.auth if conn is not None else None
            if record.authenticated and (auth is None or not auth.ok):
                self.stats["rejected_auth"] += 1
                self._send_error(session, "INVALID_AUTH")
                await self._flush(session)
                await self._close(session, 1008, "INVALID_AUTH")
                return
            async for message in ws:
                self._on_message(session, message)
        except ConnectionClosed:
            pass
        finally:
            self.feed.unregister(session)
            self.sessions.discard(session)
            session.closing = True
            if session.status_handle is not None:
                session.status_handle.cancel()
            sender.cancel()
            record.closed_at = time.monotonic()
            record.close_code = ws.close_code
            record.close_reason = ws.close_reason or ""
            await self._notify()

    def _on_message(self, session: Session, message: str | bytes) -> None:
        now = time.monotonic()
        session.last_activity = now
        binary = isinstance(message, bytes)
        if isinstance(message, bytes):
            # UNCONFIRMED whether Upbit accepts binary requests (config.accept_binary_requests).
            message = message.decode("utf-8", errors="replace")
        rec = RequestRecord(session.record.id, message, now)
        session.record.requests.append(rec)
        self.stats["requests"] += 1
        if message.strip() == "PING":
            rec.ping = True
            self.stats["pings"] += 1
            if not self.config.answer_text_ping:
                self._wake_waiters()  # UNCONFIRMED on Bithumb: a server that ignores text PINGs
                return
            if self.config.ping_counts_for_rate and not self._rate_ok(session, rec, now):
                self._wake_waiters()
                return
            self._send_control(session, dumps(encode(StatusUp("status", "UP"))))
            if self.config.status_up_interval_s > 0 and session.status_handle is None:
                self._schedule_status(session)
            self._wake_waiters()
            return
        if not self._rate_ok(session, rec, now):
            self._wake_waiters()
            return
        try:
            if binary and not self.config.accept_binary_requests:
                raise RequestRejected("WRONG_FORMAT", "requests must be text frames")
            parsed = parse_request(message, private=session.record.private, config=self.config,
                                   known_codes=frozenset(self.feed.model.codes()), info=session.record.info)
        except RequestRejected as exc:
            rec.error = exc.name
            self.stats["request_errors"] += 1
            self._send_error(session, exc.name, exc.message)
            if self.config.error_clears_subscriptions:
                session.subs = ()
                self.feed.register(session, ())
            if self.config.close_on_error:
                session.closing = True
                self.loop.create_task(self._close(session, 1008, exc.name))
            self._wake_waiters()
            return
        rec.parsed = parsed
        self._apply(session, parsed)
        for name, _detail in parsed.partial_errors:
            # A dropped type object (bad announcement category): its error, the rest applied.
            rec.error = name
            self.stats["request_errors"] += 1
            self._send_error(session, name)
        self._wake_waiters()

    def _apply(self, session: Session, parsed: ParsedRequest) -> None:
        # The format of the most recent request applies to the whole connection.
        session.set_format(parsed.fmt or "DEFAULT")
        if parsed.method is not None:
            entries = []
            for req in session.subs:
                codes = req.wire_codes if self.config.list_keeps_depth_suffix else req.codes
                level = (int(req.level) if req.level == int(req.level) else req.level) \
                    if req.type == "orderbook" else None
                entries.append(SubscriptionEntry(req.type, tuple(codes), level))
            reply = SubscriptionList("LIST_SUBSCRIPTIONS", tuple(entries), parsed.ticket)
            session.push(dumps(encode(reply, "SIMPLE" if session.simple else "DEFAULT")))
            return
        session.subs = parsed.types
        self.feed.register(session, parsed.types)
        self.feed.snapshot(session, parsed.types, int(time.time() * 1000))

    def _rate_ok(self, session: Session, rec: RequestRecord, now: float) -> bool:
        if session.allow_request(now):
            return True
        rec.rate_limited = True
        self.stats["rate_limited"] += 1
        reaction = self.config.rate_limit_reaction
        if reaction == "error":
            name = self.config.rate_limit_error_name
            rec.error = name
            self._send_error(session, name, "요청 수 제한을 초과했습니다. (too many requests)")
        elif reaction == "close":
            session.closing = True
            self.loop.create_task(
                self._close(session, self.config.rate_limit_close_code, "too many requests"))
        return False

    # -- sending helpers -------------------------------------------------------------------------
    def _send_control(self, session: Session, data: bytes) -> None:
        session.push_frame(data, text=not self.config.binary_control_frames)

    def _send_error(self, session: Session, name: str, message: str | None = None) -> None:
        text = message if message is not None else MESSAGES.get(name, name)
        session.record.errors_sent.append(name)
        self._send_control(session, dumps(encode(ServerError("error", name, text))))

    def _schedule_status(self, session: Session) -> None:
        """UNCONFIRMED periodic mode: after the first PING, {"status":"UP"} every N seconds."""

        def fire() -> None:
            if not session.closing:
                self._send_control(session, dumps(encode(StatusUp("status", "UP"))))
                self._schedule_status(session)

        session.status_handle = self.loop.call_later(self.config.status_up_interval_s, fire)

    async def _flush(self, session: Session, limit_s: float = 1.0) -> None:
        """Wait (bounded) until the sender has written everything queued so far."""
        try:
            async with asyncio.timeout(limit_s):
                await session.drained.wait()
        except TimeoutError:
            pass

    async def _close(self, session: Session, code: int, reason: str) -> None:
        session.closing = True
        try:
            await session.ws.close(code, reason)
        except ConnectionClosed:
            pass

    def abort(self, session: Session) -> None:
        """Drop the TCP connection without a close frame (the client sees 1006)."""
        session.closing = True
        session.queue.clear()
        session.ws.transport.abort()

    def stall(self, session: Session) -> None:
        """Stop all traffic on ``session`` but keep TCP open: no data, no pongs, requests unread."""
        session.stalled = True
        session.queue.clear()
        session.ws.transport.pause_reading()

    def unstall(self, session: Session) -> None:
        """Resume a stalled session (buffered client frames are processed now)."""
        if session.stalled:
            session.stalled = False
            session.last_activity = time.monotonic()
            session.ws.transport.resume_reading()

    @property
    def _watch_period(self) -> float:
        return min(max(self.config.idle_timeout_s / 10, 0.05), 5.0)

    def _idle_check(self) -> None:
        # A call_later chain rather than a sleeping task (see Feed.start for why).
        now = time.monotonic()
        try:
            for session in list(self.sessions):
                if session.stalled or session.closing:
                    continue
                if now - session.last_activity >= self.config.idle_timeout_s:
                    log.info("sim: closing idle connection %d", session.record.id)
                    code = self.config.idle_close_code
                    if code is None:
                        self.abort(session)
                    else:
                        session.closing = True
                        self.loop.create_task(self._close(session, code, "idle timeout"))
        finally:
            if self._watchdog is not None:
                self._watchdog = self.loop.call_later(self._watch_period, self._idle_check)

    # -- waiting (tests) -------------------------------------------------------------------------
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _wake_waiters(self) -> None:
        self.loop.create_task(self._notify())

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float) -> None:
        """Wait until ``predicate()`` holds (re-checked on every connect, close and request)."""
        async with asyncio.timeout(timeout_s):
            async with self._changed:
                await self._changed.wait_for(predicate)
