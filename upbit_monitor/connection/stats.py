"""Raw per-connection counters, updated on the hot path and read by the manager's metrics snapshot.

Two clocks per connection: ``last_message_at`` moves on every frame, including the answers to
our keepalive pings (liveness), ``last_data_at`` only on frames carrying data (freshness). A feed
that stops sending data but still answers ``PING`` is alive and stale at the same time.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field


class RateWindow:
    """Messages and bytes per second over a sliding window of whole-second buckets.

    ``add`` is O(1) amortised (one bucket per second), so it can run for every message.
    """

    __slots__ = ("_buckets", "window_s")

    def __init__(self, window_s: int = 5) -> None:
        self.window_s = window_s
        # [second, messages, bytes]
        self._buckets: deque[list[int]] = deque()

    def add(self, nbytes: int, now: float) -> None:
        """Count one message of ``nbytes`` at monotonic time ``now``."""
        sec = int(now)
        buckets = self._buckets
        if buckets and buckets[-1][0] == sec:
            b = buckets[-1]
            b[1] += 1
            b[2] += nbytes
            return
        buckets.append([sec, 1, nbytes])
        while buckets and buckets[0][0] <= sec - self.window_s:
            buckets.popleft()

    def rates(self, now: float, since: float | None = None) -> tuple[float, float]:
        """(messages/s, bytes/s) over the window ending at ``now``.

        ``since`` (when the stream started) shortens the divisor for a young stream, so the first
        seconds are not under-reported.
        """
        first = int(now) - self.window_s + 1
        span = now - first
        if since is not None:
            span = min(span, max(now - since, 1e-3))
        msgs = nbytes = 0
        for sec, m, b in self._buckets:
            if sec >= first:
                msgs += m
                nbytes += b
        if span <= 0:
            return 0.0, 0.0
        return msgs / span, nbytes / span


@dataclass(slots=True)
class ConnStats:
    """Counters of one connection over its whole life (all epochs)."""

    msgs_total: int = 0
    bytes_total: int = 0
    parse_errors: int = 0
    # ParseError.reason -> count: bounded keys like "ticker.trade_price: wrong type".
    parse_errors_by_reason: Counter[str] = field(default_factory=Counter)
    errors: int = 0  # failed connects, abnormal closes, stale detections, parse errors, internal
    reconnects: int = 0
    requests_sent: int = 0
    text_pings_sent: int = 0
    last_request: str | None = None
    last_close_code: int | None = None
    last_close_reason: str = ""
    last_error: str = ""
    connected_since: float | None = None  # wall clock
    connected_since_mono: float | None = None
    last_message_at: float | None = None  # monotonic; any frame (liveness)
    last_data_at: float | None = None  # monotonic; a frame with market data (freshness)
    proxy: str | None = None  # the proxy of the current/last connect (None: direct)
    window: RateWindow = field(default_factory=RateWindow)
    error_times: deque[float] = field(default_factory=lambda: deque(maxlen=256))
    reconnect_times: deque[float] = field(default_factory=lambda: deque(maxlen=64))

    def note_error(self, now: float, text: str) -> None:
        """Count an error (for the health score's recent error rate)."""
        self.errors += 1
        self.error_times.append(now)
        self.last_error = text

    @staticmethod
    def recent(times: deque[float], now: float, window_s: float) -> int:
        """How many of ``times`` fall in the last ``window_s`` seconds."""
        count = 0
        for t in reversed(times):
            if t <= now - window_s:
                break
            count += 1
        return count


CONTROL_TYPES = frozenset({"status", "ack", "error", "unknown", "LIST_SUBSCRIPTIONS"})
"""Event types that carry no market data: ping answers, acks, errors, undecodable objects."""


def carries_data(events: object) -> bool:
    """True if any of *events* (a parsed frame) is market or account data."""
    for ev in events:  # type: ignore[attr-defined]
        if getattr(ev, "type", "") not in CONTROL_TYPES:
            return True
    return False
