"""The venue-neutral part of the foreign stream simulators (Binance, Bybit).

:class:`ForeignStreamServer` serves one venue's public stream: the connection loop, the incoming
message rate limit (too many -> close 1008), the push loop at ``push_interval_s``, the connection
lifetime and the heartbeat timeout. A venue subclass says which paths are its own and what it replies
and pushes (:meth:`~ForeignStreamServer.on_message`, :meth:`~ForeignStreamServer.push_frames`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Self

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from upbit_monitor.sim.foreign_prices import ForeignPricer, ForeignSimConfig
from upbit_monitor.sim.market import MarketModel

__all__ = ["ConnState", "ForeignStreamServer"]


class ConnState:
    """Per-connection state of a foreign simulator."""

    def __init__(self, ws: ServerConnection, conn_id: str, now: float) -> None:
        self.ws = ws
        self.conn_id = conn_id
        self.subscriptions: set[str] = set()
        self.combined = True
        self.opened = now
        self.last_received = now
        self.recent: deque[float] = deque()
        self.close_code: int | None = None
        self.close_reason = ""


class ForeignStreamServer:
    """Serve one venue's public stream; subclasses define paths, replies and pushed frames.

    ``await start()`` listens on ``host:port`` (0 = any free port) by itself; :meth:`handler` can also
    be mounted by another server (the Simulator) for requests whose path :meth:`accepts`.
    """

    venue = "foreign"
    default_path = "/"
    default_config = ForeignSimConfig()

    def __init__(
        self,
        model: MarketModel,
        config: ForeignSimConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config if config is not None else self.default_config
        self.pricer = ForeignPricer(model, self.config, clock)
        self.host, self.port = host, port
        self._clock = clock
        self._server: Server | None = None
        self.connections: set[ConnState] = set()
        self.connections_total = 0
        self.requests_received = 0
        self.frames_sent = 0

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on ``host:port``; :attr:`url` is valid afterwards."""
        self._server = await serve(
            self.handler, self.host, self.port, ping_interval=self.config.ping_interval_s, ping_timeout=60
        )
        self.port = self._server.sockets[0].getsockname()[1] if self.port == 0 else self.port

    @property
    def url(self) -> str:
        """The endpoint URL of the venue's default path."""
        return f"ws://{self.host}:{self.port}{self.default_path}"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop listening, close every connection and wait for their handlers to end."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # -- venue hooks ---------------------------------------------------------------------------------
    def accepts(self, path: str) -> bool:
        """Whether a request path belongs to this venue."""
        return path.split("?", 1)[0] == self.default_path

    def on_open(self, conn: ConnState, path: str) -> None:
        """Inspect the request path (e.g. Binance's ``?streams=``)."""

    def on_message(self, conn: ConnState, message: str | bytes) -> list[str]:
        """Replies to one client message (set ``conn.close_code`` to close afterwards)."""
        raise NotImplementedError

    def push_frames(self, conn: ConnState, now_ms: int) -> list[str]:
        """Frames to push to ``conn`` on this push tick."""
        raise NotImplementedError

    # -- the connection ------------------------------------------------------------------------------
    async def handler(self, ws: ServerConnection) -> None:
        """Serve one client connection until it closes."""
        now = self._clock()
        self.connections_total += 1
        conn = ConnState(ws, f"sim-{self.venue}-{self.connections_total}", now)
        path = ws.request.path if ws.request is not None else self.default_path
        self.on_open(conn, path)
        self.connections.add(conn)
        pusher = asyncio.create_task(self._push_loop(conn))
        try:
            async for message in ws:
                conn.last_received = self._clock()
                self.requests_received += 1
                if self._over_rate(conn):
                    conn.close_code, conn.close_reason = 1008, "Too many requests"
                    break
                for reply in self.on_message(conn, message):
                    await ws.send(reply)
                    self.frames_sent += 1
                if conn.close_code is not None:
                    break
            if conn.close_code is not None:
                await ws.close(conn.close_code, conn.close_reason)
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(conn)
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await pusher

    def _over_rate(self, conn: ConnState) -> bool:
        limit = self.config.max_requests_per_s
        if limit <= 0:
            return False
        now = time.monotonic()
        conn.recent.append(now)
        while conn.recent and now - conn.recent[0] > 1.0:
            conn.recent.popleft()
        return len(conn.recent) > limit

    async def _push_loop(self, conn: ConnState) -> None:
        cfg = self.config
        while True:
            await asyncio.sleep(cfg.push_interval_s)
            now = self._clock()
            if now - conn.opened >= cfg.max_connection_s:
                await conn.ws.close(1000, "connection lifetime reached")
                return
            if cfg.heartbeat_timeout_s is not None and now - conn.last_received > cfg.heartbeat_timeout_s:
                await conn.ws.close(1000, "heartbeat timeout")
                return
            for frame in self.push_frames(conn, int(now * 1000)):
                await conn.ws.send(frame)
                self.frames_sent += 1
