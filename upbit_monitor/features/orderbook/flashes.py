"""Which ladder sizes just changed, and how brightly to mark them.

A flash means "the size at this price changed": the same (side, price) in two consecutive snapshots
with a different size. Levels that merely moved rows (the price grid shifted), appeared at the far
end, or belong to another coin never flash. A flash fades linearly over ``FLASH_S`` and ends;
every snapshot first drops the ended ones. (Before, flashes only ended on a frame *without* a new
snapshot, so on a busy coin they piled up until most rows were outlined.)
"""

from __future__ import annotations

from collections.abc import Iterable

FLASH_S = 0.25  # short: a flash says "this moved", not "look here"
# A change smaller than this share of the biggest size on the ladder is noise to the eye (a few
# coins taken off a wall): it repaints the number but does not flash.
MIN_SHARE = 0.1
# At most this many sizes flash at once (the newest, biggest changes win): on a busy coin nearly
# every snapshot changes several levels, and a ladder where most rows light up says nothing.
MAX_ACTIVE = 4

Key = tuple[str, float]  # (side, price)


class SizeFlashes:
    """Per-(side, price) last size and flash start."""

    __slots__ = ("_last", "_started")

    def __init__(self) -> None:
        self._last: dict[Key, float] = {}
        self._started: dict[Key, float] = {}

    def clear(self) -> None:
        """Forget everything (coin switch, depth or grouping change: nothing to compare with)."""
        self._last.clear()
        self._started.clear()

    def update(self, sizes: Iterable[tuple[Key, float]], now: float, compare: bool = True,
               scale: float = 0.0) -> set[Key]:
        """Take a snapshot's sizes; returns the keys that started flashing now.

        ``compare`` False adopts the sizes without flashing (the first snapshot of a coin).
        ``scale`` is the biggest size shown: changes under ``MIN_SHARE`` of it do not flash.
        """
        self.expire(now)
        last = self._last
        fresh: dict[Key, float] = {}
        started: set[Key] = set()
        least = scale * MIN_SHARE
        changes: list[tuple[float, Key]] = []
        for key, size in sizes:
            fresh[key] = size
            if compare:
                old = last.get(key)
                if old is not None and old != size and abs(size - old) >= least:
                    changes.append((abs(size - old), key))
        self._last = fresh
        for key in [k for k in self._started if k not in fresh]:
            del self._started[key]  # the level left the ladder: nothing to mark
        changes.sort(reverse=True)
        for _, key in changes[:MAX_ACTIVE]:
            self._started[key] = now
            started.add(key)
        if len(self._started) > MAX_ACTIVE:
            # Older flashes give way to the new ones (dicts keep insertion order: oldest first).
            by_age = sorted(self._started, key=lambda k: self._started[k])
            for key in by_age[: len(self._started) - MAX_ACTIVE]:
                del self._started[key]
        return started

    def expire(self, now: float) -> set[Key]:
        """Drop flashes older than ``FLASH_S``; returns the keys that ended."""
        ended = {k for k, t in self._started.items() if now - t >= FLASH_S}
        for k in ended:
            del self._started[k]
        return ended

    def active(self) -> set[Key]:
        """Keys flashing now (call :meth:`expire` first for an exact answer)."""
        return set(self._started)

    def strength(self, key: Key, now: float) -> float:
        """1.0 at the change, fading linearly to 0.0 at ``FLASH_S``; 0.0 when not flashing."""
        t = self._started.get(key)
        if t is None:
            return 0.0
        return max(0.0, 1.0 - (now - t) / FLASH_S)
