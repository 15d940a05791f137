"""One client connection on the simulator: its subscription state, outbound queue and records.

Frames are queued by the feed (one shared pre-encoded ``bytes`` object per format, never a dict per
subscriber) and written by a per-connection sender task, so one slow client never delays the others.
:class:`ConnectionRecord` and :class:`RequestRecord` are what tests inspect: the exact text the client
sent, how the server judged it, and what was sent back.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from websockets.exceptions import ConnectionClosed, InvalidState

from upbit_monitor.protocol.keys import LIST_FORMATS, SIMPLE_FORMATS
from upbit_monitor.sim.announcements import Subscription as AnnouncementSub
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.requests import ParsedRequest, TypeRequest

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

# Queue entry kinds.
FRAME = 0  # a complete binary frame
LIST_OBJ = 1  # one JSON object to be wrapped into a list frame (JSON_LIST / SIMPLE_LIST)
TEXT = 2  # a complete text frame
_BATCH = 256  # frames per transport write


@dataclass(slots=True)
class RequestRecord:
    """One text message a client sent and what the simulator made of it."""

    conn_id: int
    text: str
    at: float  # time.monotonic()
    parsed: ParsedRequest | None = None
    error: str | None = None  # Upbit error name sent back, if any
    rate_limited: bool = False
    ping: bool = False  # the literal text PING


@dataclass(slots=True)
class ConnectionRecord:
    """Everything the simulator knows about one connection (kept after it closes)."""

    id: int
    path: str  # "/websocket/v1" or "/websocket/v1/private"
    opened_at: float
    headers: dict[str, str] = field(default_factory=dict)  # Authorization redacted
    auth_ok: bool | None = None  # private only
    auth_alg: str | None = None
    requests: list[RequestRecord] = field(default_factory=list)
    frames_sent: int = 0
    bytes_sent: int = 0
    errors_sent: list[str] = field(default_factory=list)
    closed_at: float | None = None
    close_code: int | None = None
    close_reason: str = ""

    @property
    def private(self) -> bool:
        """Whether this is a ``/private`` connection."""
        return self.path.endswith("/private")

    @property
    def info(self) -> bool:
        """Whether this is an ``/info`` connection (indicator types)."""
        return self.path.endswith("/info")

    @property
    def authenticated(self) -> bool:
        """Whether the endpoint needs a JWT (``/private`` and ``/info``)."""
        return self.private or self.info

    @property
    def is_open(self) -> bool:
        """Still connected."""
        return self.closed_at is None


class Session:
    """Live state of one connection."""

    def __init__(self, ws: ServerConnection, record: ConnectionRecord, config: SimConfig) -> None:
        self.ws = ws
        self.record = record
        self.config = config
        self.fmt = "DEFAULT"
        self.simple = False
        self.is_list = False
        self.subs: tuple[TypeRequest, ...] = ()
        # Realtime keys registered in the feed index, and orderbook variants per code.
        self.rt_keys: set[tuple[str, str]] = set()
        self.ob_variants: dict[str, tuple[tuple[int, float], ...]] = {}
        self.private_codes: frozenset[str] | None = None  # myOrder filter; None = all
        self.announcement_sub: AnnouncementSub | None = None  # categories / include_body
        self.queue: deque[tuple[bytes, int]] = deque()
        self.wake = asyncio.Event()
        self.drained = asyncio.Event()  # set whenever the queue has been fully written
        self.drained.set()
        self.stalled = False
        self.closing = False
        self.last_activity = time.monotonic()
        self.req_sec: deque[float] = deque()
        self.req_min: deque[float] = deque()
        self.status_handle: asyncio.TimerHandle | None = None

    def set_format(self, fmt: str) -> None:
        """Switch the connection-wide format (applies to everything sent from now on)."""
        self.fmt = fmt
        self.simple = fmt in SIMPLE_FORMATS
        self.is_list = fmt in LIST_FORMATS

    def push(self, obj: bytes) -> None:
        """Queue one encoded data object in this connection's format."""
        self._enqueue(obj, LIST_OBJ if self.is_list else FRAME)

    def push_frame(self, data: bytes, *, text: bool = False) -> None:
        """Queue a complete frame (control replies, faults) as-is."""
        self._enqueue(data, TEXT if text else FRAME)

    def _enqueue(self, data: bytes, kind: int) -> None:
        if self.stalled or self.closing:
            return
        queue = self.queue
        if len(queue) >= self.config.max_queued_frames:
            # A client that stopped reading: drop it rather than buffer without bound.
            self.closing = True
            queue.clear()
            self.ws.loop.create_task(self.ws.close(1008, "send queue overflow"))
            return
        queue.append((data, kind))
        if len(queue) == 1:
            self.drained.clear()
            self.wake.set()

    def allow_request(self, now: float) -> bool:
        """Apply the per-connection message limits (5/s; per minute only if configured); True = within."""
        per_s, per_min = self.config.msg_rate_per_s, self.config.msg_rate_per_min
        sec, minute = self.req_sec, self.req_min
        while sec and now - sec[0] >= 1.0:
            sec.popleft()
        while minute and now - minute[0] >= 60.0:
            minute.popleft()
        if (per_s and len(sec) >= per_s) or (per_min and len(minute) >= per_min):
            return False
        sec.append(now)
        minute.append(now)
        return True

    async def run_sender(self) -> None:
        """Write queued frames until the connection closes.

        Frames are serialized through websockets' sans-I/O protocol (so permessage-deflate and
        framing stay exact) but written to the transport in batches of up to ``_BATCH`` frames with
        one ``write``: at thousands of frames per second one syscall per frame dominated the cost.
        """
        ws, queue, record = self.ws, self.queue, self.record
        batch_max = self.config.list_batch
        proto = ws.protocol
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while queue and not self.stalled:
                    transport = ws.transport
                    if transport.is_closing():
                        return
                    n = 0
                    while queue and n < _BATCH:
                        data, kind = queue.popleft()
                        if kind == LIST_OBJ:
                            if batch_max > 1 and queue and queue[0][1] == LIST_OBJ:
                                parts = [data]
                                while len(parts) < batch_max and queue and queue[0][1] == LIST_OBJ:
                                    parts.append(queue.popleft()[0])
                                data = b"[" + b",".join(parts) + b"]"
                            else:
                                data = b"[" + data + b"]"
                        if kind == TEXT:
                            proto.send_text(data)
                        else:
                            proto.send_binary(data)
                        n += 1
                        record.bytes_sent += len(data)
                    record.frames_sent += n
                    chunks = proto.data_to_send()
                    payload = b"".join(chunks)
                    if payload:
                        transport.write(payload)
                    if any(not c for c in chunks):  # the protocol asked for EOF: it is closing
                        return
                    self.last_activity = time.monotonic()
                    await ws.drain()
                if not queue:
                    self.drained.set()
        except (ConnectionClosed, InvalidState):
            pass
