"""Client-side pacing of messages we send: at most N per second and M per minute per connection.

Sliding windows over the send times of the last minute (Upbit: 5/s per connection; a per-minute
cap only when a setting asks). The sender asks :meth:`RateLimiter.delay` before each message and waits;
because it builds the request only after waiting, the latest subscription set always wins.

The windows are padded (``margin_s``): the server counts *arrival* times, and a send that leaves
exactly 1.000 s after the fifth-last one can arrive inside the server's window when the earlier
frame was delayed in a buffer (seen under load: the simulator rejected correctly paced requests).
After a rejection the sender also holds off (:meth:`RateLimiter.hold`) before resending.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from upbit_monitor.exchanges.base import RateLimit


class RateLimiter:
    """Sliding-window budget of one connection."""

    def __init__(
        self,
        limit: RateLimit,
        clock: Callable[[], float] = time.monotonic,
        *,
        margin_s: float = 0.15,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sent: deque[float] = deque()
        self._second = 1.0 + margin_s
        self._minute = 60.0 + 4 * margin_s
        self._hold_until = 0.0

    def _trim(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self._minute:
            self._sent.popleft()

    def hold(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (the server just told us we were too fast)."""
        self._hold_until = max(self._hold_until, self._clock() + seconds)

    def _in_last(self, now: float, window: float) -> int:
        count = 0
        for t in reversed(self._sent):
            if t <= now - window:
                break
            count += 1
        return count

    def delay(self) -> float:
        """Seconds to wait before one more message fits both windows (0.0 = send now)."""
        now = self._clock()
        self._trim(now)
        wait = self._hold_until - now
        per_s, per_min = self.limit.per_second, self.limit.per_minute
        if per_s and self._in_last(now, self._second) >= per_s:
            # The oldest of the last `per_s` sends must leave the (padded) 1 s window.
            wait = max(wait, self._sent[-per_s] + self._second - now)
        if per_min and len(self._sent) >= per_min:
            wait = max(wait, self._sent[-per_min] + self._minute - now)
        return max(wait, 0.0)

    def record(self) -> None:
        """Count one message sent now."""
        now = self._clock()
        self._trim(now)
        self._sent.append(now)

    def remaining(self) -> tuple[int, int]:
        """Messages still allowed (in the current 1 s window, in the current 60 s window).

        An unlimited window reports -1.
        """
        now = self._clock()
        self._trim(now)
        per_s, per_min = self.limit.per_second, self.limit.per_minute
        left_s = per_s - self._in_last(now, 1.0) if per_s else -1
        left_min = per_min - len(self._sent) if per_min else -1
        return max(left_s, -1), max(left_min, -1)
