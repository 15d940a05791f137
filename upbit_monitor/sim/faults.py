"""Runtime fault injection: the failures a client must survive, on demand.

``sim.faults`` (a :class:`Faults`) acts on live connections. ``private`` selects the endpoint:
None = both, True = only ``/private``, False = only public; ``conn_id`` (a
:attr:`ConnectionRecord.id <upbit_monitor.sim.session.ConnectionRecord.id>`) picks one connection.
Every call is logged in :attr:`history`.

- :meth:`drop_all` - TCP reset without a close frame (client sees 1006)
- :meth:`close_all` - a close frame with a chosen code and reason
- :meth:`stall` / :meth:`unstall` - TCP stays open but nothing flows: no data, no pongs, requests unread
- :meth:`send_malformed` - a frame that is not valid JSON
- :meth:`send_error` - an ``{"error":{...}}`` frame
- :meth:`refuse_handshakes` - new handshakes answered with an HTTP error for N seconds
- :meth:`slow_feed` / :meth:`pause_feed` / :meth:`normal_feed` - slow down or stop market data
- restarting on the same port is :meth:`upbit_monitor.sim.server.Simulator.restart`
"""

from __future__ import annotations

import asyncio
import time

from upbit_monitor.errors import ConfigError
from upbit_monitor.protocol.encoder import dumps, encode
from upbit_monitor.protocol.events import ServerError
from upbit_monitor.sim.feed import Feed
from upbit_monitor.sim.session import Session
from upbit_monitor.sim.ws_server import WsServer

MALFORMED_DEFAULT = b'{"type":"ticker","code":"KRW-BTC","trade_price":'


class Faults:
    """Fault controls bound to one running WebSocket server."""

    def __init__(self, ws: WsServer, feed: Feed) -> None:
        self._ws = ws
        self._feed = feed
        self.history: list[tuple[float, str]] = []
        self._unstall_handle: asyncio.TimerHandle | None = None

    def _targets(self, private: bool | None, conn_id: int | None = None) -> list[Session]:
        return [
            s for s in self._ws.sessions
            if not s.closing and (private is None or s.record.private == private)
            and (conn_id is None or s.record.id == conn_id)
        ]

    def _note(self, what: str) -> None:
        self.history.append((time.monotonic(), what))

    def drop_all(self, *, private: bool | None = None, conn_id: int | None = None) -> int:
        """Reset every matching connection (no close frame). Returns how many were dropped."""
        targets = self._targets(private, conn_id)
        for s in targets:
            self._ws.abort(s)
        self._note(f"drop_all({len(targets)})")
        return len(targets)

    async def close_all(
        self, code: int = 1000, reason: str = "", *, private: bool | None = None, conn_id: int | None = None
    ) -> int:
        """Send a close frame with ``code``/``reason`` on every matching connection."""
        targets = self._targets(private, conn_id)
        self._note(f"close_all({code}, {reason!r}, {len(targets)})")
        await asyncio.gather(*(self._ws._close(s, code, reason) for s in targets))
        return len(targets)

    def stall(self, seconds: float | None = None, *, private: bool | None = None,
              conn_id: int | None = None, new_connections: bool = False) -> int:
        """Freeze matching connections (and, if asked, every new one) until :meth:`unstall`."""
        targets = self._targets(private, conn_id)
        for s in targets:
            self._ws.stall(s)
        self._ws.stall_new = new_connections
        self._note(f"stall({seconds}, {len(targets)})")
        if seconds is not None:
            if self._unstall_handle is not None:
                self._unstall_handle.cancel()
            self._unstall_handle = asyncio.get_running_loop().call_later(seconds, self.unstall)
        return len(targets)

    def unstall(self) -> int:
        """Resume every stalled connection."""
        self._ws.stall_new = False
        stalled = [s for s in self._ws.sessions if s.stalled]
        for s in stalled:
            self._ws.unstall(s)
        self._note(f"unstall({len(stalled)})")
        return len(stalled)

    def send_malformed(
        self, data: bytes = MALFORMED_DEFAULT, *, private: bool | None = None, conn_id: int | None = None
    ) -> int:
        """Send ``data`` (not valid JSON by default) as a binary frame to matching connections."""
        targets = self._targets(private, conn_id)
        for s in targets:
            s.push_frame(data)
        self._note(f"send_malformed({len(targets)})")
        return len(targets)

    def send_error(self, name: str = "INVALID_PARAM", message: str = "simulated error", *,
                   private: bool | None = None, conn_id: int | None = None) -> int:
        """Send an ``{"error":{"name":..,"message":..}}`` frame to matching connections."""
        frame = dumps(encode(ServerError("error", name, message)))
        targets = self._targets(private, conn_id)
        for s in targets:
            s.record.errors_sent.append(name)
            s.push_frame(frame, text=not self._ws.config.binary_control_frames)
        self._note(f"send_error({name}, {len(targets)})")
        return len(targets)

    def refuse_handshakes(self, seconds: float, status: int = 503) -> None:
        """Answer every handshake for ``seconds`` with HTTP ``status`` (e.g. 503, 429, 401)."""
        self._ws.gate.refuse_until = time.monotonic() + seconds
        self._ws.gate.refuse_status = status
        self._note(f"refuse_handshakes({seconds}, {status})")

    def accept_handshakes(self) -> None:
        """End a :meth:`refuse_handshakes` period early."""
        self._ws.gate.refuse_until = 0.0
        self._note("accept_handshakes")

    def slow_feed(self, factor: float) -> None:
        """Multiply the market message rate by ``factor`` (e.g. 0.01 for a trickle)."""
        if factor < 0:
            raise ConfigError("factor must be >= 0")
        self._feed.speed = factor
        self._feed.paused = False
        self._note(f"slow_feed({factor})")

    def pause_feed(self) -> None:
        """Stop generating market data (connections stay open and idle)."""
        self._feed.paused = True
        self._note("pause_feed")

    def normal_feed(self) -> None:
        """Undo :meth:`slow_feed` and :meth:`pause_feed`."""
        self._feed.speed = 1.0
        self._feed.paused = False
        self._note("normal_feed")
