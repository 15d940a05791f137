"""The simulator's REST rate limits (upbit-protocol.md section 6, protocol-2026.md).

Every response carries ``Remaining-Req: group=<group>; min=1800; sec=<left>``. Past
``config.rest_rate_per_s`` requests per second in a group (30/s in the exchange API's default group,
1 per 10 s for requests carrying ``Origin``) the answer is 429 with ``Retry-After``; a client that
keeps going after ``rest_ban_after`` 429s within 10 s is blocked with 418, each repeat offence twice
as long, like Upbit's escalating block.
"""

from __future__ import annotations

import math
from collections import deque

from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.http_server import HttpError

__all__ = ["RestLimits"]


def _retry_headers(extra: dict[str, str], wait_s: float) -> None:
    # Retry-After is whole seconds (RFC 9110), rounded up so a client never comes back early;
    # retry-after-ms carries the precise wait.
    extra["Retry-After"] = str(max(1, math.ceil(wait_s)))
    extra["retry-after-ms"] = str(max(1, math.ceil(wait_s * 1000)))


class RestLimits:
    """Per-group request windows and the 418 block of one REST server."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._windows: dict[str, deque[float]] = {}
        self._429s: deque[float] = deque()
        self._banned_until = 0.0
        self._ban_s = config.rest_ban_s

    def admit(self, group: str, now: float, extra: dict[str, str]) -> None:
        """Count one request of ``group``; sets ``Remaining-Req`` in ``extra``.

        Raises:
            HttpError: 418 while blocked, 429 over the group's limit (``Retry-After`` set in ``extra``).
        """
        if now < self._banned_until:
            _retry_headers(extra, self._banned_until - now)
            raise HttpError(418, f"Blocked for {self._banned_until - now:.1f}s after repeated 429s")
        left = self._take(group, now)
        extra["Remaining-Req"] = f"group={group}; min=1800; sec={max(left, 0)}"
        if left < 0:
            self._note_429(now)
            # protocol-2026.md [SDK]: 429 carries Retry-After (and retry-after-ms).
            _retry_headers(extra, self._window_wait(group, now))
            raise HttpError(429, "Too many API requests.")

    def _take(self, group: str, now: float) -> int:
        """Count one request in ``group``; returns calls left this second (-1 = over the limit)."""
        limit = 1 if group == "origin" else self.config.rest_rate_per_s
        if group == "default" and limit:
            limit = 30  # exchange API default group: 30/s
        span = 10.0 if group == "origin" else 1.0
        if not limit:
            return 9
        window = self._windows.setdefault(group, deque())
        while window and now - window[0] >= span:
            window.popleft()
        if len(window) >= limit:
            return -1
        window.append(now)
        return limit - len(window)

    def _window_wait(self, group: str, now: float) -> float:
        """Seconds until the oldest call of ``group``'s window leaves it (a slot frees up)."""
        window = self._windows.get(group)
        span = 10.0 if group == "origin" else 1.0
        return max(window[0] + span - now, 0.0) if window else 0.0

    def _note_429(self, now: float) -> None:
        window = self._429s
        window.append(now)
        while window and now - window[0] >= 10.0:
            window.popleft()
        if len(window) >= self.config.rest_ban_after:
            # Repeat offences get longer blocks, like Upbit's escalating 418.
            self._banned_until = now + self._ban_s
            self._ban_s *= 2
            window.clear()
