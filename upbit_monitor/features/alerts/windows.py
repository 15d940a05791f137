"""Sliding windows kept in O(1) amortised time per update, for the alert evaluators.

* :class:`WindowExtremes`: the minimum and maximum of a value over the last ``span_ms`` (monotonic
  deques: each sample is appended once and popped at most once from each deque, so a long window
  costs nothing per update however many samples it holds).
* :class:`MinuteSums`: traded value per minute with a ring of the last ``minutes`` complete minutes
  and their running total (the average is one division, never a re-sum).
"""

from __future__ import annotations

from collections import deque


class WindowExtremes:
    """Minimum and maximum of ``(time_ms, value)`` samples within the last ``span_ms``.

    Times and values sit in parallel deques rather than as ``(t, v)`` tuples: a push allocates
    nothing new (the event's own numbers are stored), which keeps the garbage collector quiet at
    thousands of ticks per second.
    """

    __slots__ = ("__weakref__", "_max_t", "_max_v", "_min_t", "_min_v", "last", "span_ms")

    def __init__(self, span_ms: int) -> None:
        self.span_ms = span_ms
        # The last event pushed: rules sharing this window push each event once.
        self.last: object = None
        # Increasing values for the minimum, decreasing for the maximum; oldest at the left.
        self._min_t: deque[int] = deque()
        self._min_v: deque[float] = deque()
        self._max_t: deque[int] = deque()
        self._max_v: deque[float] = deque()

    def push(self, t_ms: int, value: float) -> None:
        """Add a sample (times must not go backwards; an older one is treated as ``now``)."""
        min_t, min_v, max_t, max_v = self._min_t, self._min_v, self._max_t, self._max_v
        if min_t and t_ms < min_t[-1]:
            t_ms = min_t[-1]
        while min_v and min_v[-1] >= value:
            min_v.pop()
            min_t.pop()
        min_t.append(t_ms)
        min_v.append(value)
        while max_v and max_v[-1] <= value:
            max_v.pop()
            max_t.pop()
        max_t.append(t_ms)
        max_v.append(value)
        horizon = t_ms - self.span_ms
        while min_t[0] < horizon:
            min_t.popleft()
            min_v.popleft()
        while max_t[0] < horizon:
            max_t.popleft()
            max_v.popleft()

    @property
    def low(self) -> float:
        """The smallest value in the window (the newest sample is always in it)."""
        return self._min_v[0]

    @property
    def high(self) -> float:
        """The largest value in the window."""
        return self._max_v[0]

    def reset(self, t_ms: int, value: float) -> None:
        """Forget everything but one sample."""
        for d in (self._min_t, self._min_v, self._max_t, self._max_v):
            d.clear()
        self.push(t_ms, value)

    def __len__(self) -> int:
        return max(len(self._min_t), len(self._max_t))


class MinuteSums:
    """Sum of a value per UTC minute, with the last ``minutes`` complete minutes kept in a ring.

    Minutes without any sample count as zero, so a coin that suddenly trades after a quiet spell
    is compared with the quiet spell, not with the last busy minute.
    """

    __slots__ = ("_filled", "_i", "_ring", "_total", "current", "minute", "minutes")

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        self._ring = [0.0] * minutes
        self._i = 0
        self._total = 0.0
        self._filled = 0  # complete minutes seen, capped at ``minutes``
        self.minute: int | None = None  # the minute being summed (epoch minutes)
        self.current = 0.0

    def add(self, t_ms: int, value: float) -> None:
        """Add ``value`` at ``t_ms`` (a sample from an older minute is counted in the current one)."""
        minute = t_ms // 60_000
        if self.minute is None:
            self.minute = minute
        elif minute > self.minute:
            self._close(minute)
        self.current += value

    def _close(self, minute: int) -> None:
        assert self.minute is not None
        # The finished minute, then one zero per skipped minute (at most a full ring's worth).
        self._store(self.current)
        for _ in range(min(minute - self.minute - 1, self.minutes)):
            self._store(0.0)
        self.minute = minute
        self.current = 0.0

    def _store(self, value: float) -> None:
        ring, i = self._ring, self._i
        self._total += value - ring[i]
        ring[i] = value
        self._i = (i + 1) % self.minutes
        if self._filled < self.minutes:
            self._filled += 1

    @property
    def full(self) -> bool:
        """True once ``minutes`` complete minutes have been seen (before that there is no baseline)."""
        return self._filled >= self.minutes

    @property
    def average(self) -> float:
        """Mean of the complete minutes in the ring (0 before the first one closed)."""
        if not self._filled:
            return 0.0
        # Re-anchor against float drift: the running total may go a hair below zero.
        return max(self._total, 0.0) / self._filled
