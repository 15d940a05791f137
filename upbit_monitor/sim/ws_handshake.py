"""Who gets a WebSocket handshake on the simulator, and the record each accepted one starts.

Checked in order (upbit-protocol.md section 6): the path, a scripted refusal
(:meth:`~upbit_monitor.sim.faults.Faults.refuse_handshakes`), a persistent block after repeated
excess (``config.connect_block_after``), the connect rate per second (HTTP 429), the 1 per 10 s rule
for requests carrying ``Origin``, and on the private and info paths the JWT (HTTP 401 or, by
``config.auth_failure``, an error frame after the handshake). The Authorization header is redacted
in the record.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from http import HTTPStatus
from typing import TYPE_CHECKING

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.jwt_check import JwtVerifier
from upbit_monitor.sim.session import ConnectionRecord

if TYPE_CHECKING:
    from upbit_monitor.sim.ws_server import SimConnection

log = logging.getLogger(__name__)

__all__ = ["HandshakeGate"]


class HandshakeGate:
    """The handshake rules of one server; ``stats`` is the server's counter dict (shared)."""

    def __init__(
        self, config: SimConfig, verifier: JwtVerifier, stats: dict[str, int], tracked: type[SimConnection]
    ) -> None:
        self.config = config
        self.verifier = verifier
        self.stats = stats
        self._tracked = tracked  # connections of this type carry the auth result and the record
        # Persistent connect excess (config.connect_block_after): refused until this monotonic time.
        self.blocked_until = 0.0
        self.refuse_until = 0.0  # scripted refusal (faults) until this monotonic time ...
        self.refuse_status = 503  # ... answered with this HTTP status
        self._excess: deque[float] = deque()
        self._connects: deque[float] = deque()
        self._origin_connects: deque[float] = deque()
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        """The next connection id (records are numbered from 1)."""
        return next(self._ids)

    def admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """websockets' ``process_request``: None lets the handshake go on, a Response refuses it."""
        self.stats["handshakes"] += 1
        path = request.path.partition("?")[0]
        if path not in (self.config.public_path, self.config.private_path, self.config.info_path):
            return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        now = time.monotonic()
        if now < self.refuse_until:
            self.stats["rejected_refused"] += 1
            return connection.respond(self.refuse_status, "Service Unavailable\n")
        if now < self.blocked_until:
            self.stats["rejected_429"] += 1
            self.stats["rejected_blocked"] += 1
            return connection.respond(HTTPStatus.TOO_MANY_REQUESTS, "Too Many Requests (blocked)\n")
        limit = self.config.connect_rate_per_s
        if limit:
            window = self._connects
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                self.stats["rejected_429"] += 1
                self._note_excess(now)
                return connection.respond(HTTPStatus.TOO_MANY_REQUESTS, "Too Many Requests\n")
            window.append(now)
        if "Origin" in request.headers:
            # Section 6: requests carrying Origin (browsers, webviews) get 1 per 10 s.
            window = self._origin_connects
            while window and now - window[0] >= 10.0:
                window.popleft()
            if window:
                self.stats["rejected_429"] += 1
                return connection.respond(HTTPStatus.TOO_MANY_REQUESTS, "Too Many Requests\n")
            window.append(now)
        conn = connection if isinstance(connection, self._tracked) else None
        record = ConnectionRecord(self.next_id(), path, now, headers={
            k: ("<redacted>" if k.lower() == "authorization" else v) for k, v in request.headers.raw_items()
        })
        if path in (self.config.private_path, self.config.info_path):
            auth = self.verifier.verify(request.headers.get("Authorization"))
            record.auth_ok, record.auth_alg = auth.ok, auth.alg
            if not auth.ok:
                log.info("sim: private handshake with bad credentials: %s", auth.reason)
                if self.config.auth_failure == "http":
                    self.stats["rejected_auth"] += 1
                    return connection.respond(HTTPStatus.UNAUTHORIZED, "INVALID_AUTH\n")
            if conn is not None:
                conn.auth = auth
        if conn is not None:
            conn.record = record
        return None

    def _note_excess(self, now: float) -> None:
        """Count a 429; enough of them within 10 s block every handshake for connect_block_s."""
        after = self.config.connect_block_after
        if not after:
            return
        window = self._excess
        while window and now - window[0] >= 10.0:
            window.popleft()
        window.append(now)
        if len(window) >= after:
            self.blocked_until = now + self.config.connect_block_s
            window.clear()
            log.info("sim: persistent connect excess, blocking handshakes for %.0f s",
                     self.config.connect_block_s)
