"""Bounded numpy histories of one coin's book snapshots and trades (the heatmap's memory).

A heatmap needs every snapshot the stream sent, not only the newest one the pool keeps, and it
needs them again whenever the user changes the price grouping or the time aggregation (the image is
rebuilt from here). Both rings are preallocated numpy arrays with a write cursor: appending is a
few row copies, nothing is allocated per event, and the memory of a watched coin is fixed up front
(``nbytes``) however long it runs. Capacity comes from settings (minutes x the book's update rate).

Times are milliseconds (the exchange's timestamps). Reads return copies in time order, so a caller
never sees a row that the next append overwrites.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from upbit_monitor.errors import ConfigError
from upbit_monitor.protocol.events import Orderbook, Trade

_T = TypeVar("_T", bound=np.generic)
F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
BOOL = npt.NDArray[np.bool_]

LEVELS = 30  # Upbit sends at most 30 levels per side
BOOK_RATE_HZ = 10.0  # a busy KRW market's book update rate: sizes the ring from minutes
TRADE_RATE_HZ = 20.0  # trades per second the trade ring is sized for (a busy market's average)
RECENT_IDS = 512  # live trade ids remembered to drop a reconnect's repeats


@dataclass(frozen=True, slots=True)
class BookRows:
    """Snapshots in time order: ``times`` (n,), prices/sizes (n, LEVELS); price 0 = empty level."""

    times: F64
    bid_prices: F64
    bid_sizes: F32
    ask_prices: F64
    ask_sizes: F32

    def __len__(self) -> int:
        return int(self.times.shape[0])


@dataclass(frozen=True, slots=True)
class TradeRows:
    """Trades in time order: ``times``, ``prices``, ``volumes`` and ``buy`` (bid-initiated)."""

    times: F64
    prices: F64
    volumes: F64  # float64: footprint sums must add up to what the exchange printed
    buy: BOOL

    def __len__(self) -> int:
        return int(self.times.shape[0])


def capacity_for(minutes: float, rate_hz: float) -> int:
    """Rows needed for ``minutes`` at ``rate_hz`` (at least 16)."""
    if minutes <= 0 or rate_hz <= 0:
        raise ConfigError(f"order-flow history needs positive minutes and rate, got {minutes}, {rate_hz}")
    return max(16, int(minutes * 60 * rate_hz))


def _ordered(arr: npt.NDArray[_T], start: int, count: int, cap: int) -> npt.NDArray[_T]:
    """Rows ``start .. start+count`` of a ring in order, as a copy."""
    end = start + count
    if end <= cap:
        return arr[start:end].copy()
    return np.concatenate((arr[start:], arr[: end - cap]))


class _Ring:
    """What both histories share: a write cursor over ``capacity`` rows, their times and counters.

    A subclass adds its column arrays (``capacity`` rows each) and lists them in ``_columns``.
    """

    def __init__(self, capacity: int, what: str) -> None:
        if capacity < 1:
            raise ConfigError(f"{what} history capacity must be positive, got {capacity}")
        self.capacity = capacity
        self._times = np.zeros(capacity, np.float64)
        self._columns: tuple[npt.NDArray[Any], ...] = (self._times,)
        self._next = 0  # slot of the next write
        self._count = 0
        self.appended = 0  # rows ever appended (readers compare it to see what is new)
        self.generation = 0  # bumped when older rows are merged in: readers rebuild

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(a.nbytes for a in self._columns)

    def __len__(self) -> int:
        return self._count

    def _advance(self) -> None:
        """The row at the cursor is written: move the cursor on."""
        self._next = (self._next + 1) % self.capacity
        self._count = min(self._count + 1, self.capacity)

    def _start(self) -> int:
        """Slot of the oldest row kept."""
        return (self._next - self._count) % self.capacity

    def _since(
        self, t_ms: float, columns: tuple[npt.NDArray[Any], ...], *, resting: bool = False
    ) -> list[npt.NDArray[Any]]:
        """Times and ``columns`` of the rows at or after ``t_ms``, in time order (copies).

        ``resting``: plus the row before ``t_ms`` (a book snapshot still stands until the next one).
        """
        start = self._start()
        times = _ordered(self._times, start, self._count, self.capacity)
        first = int(np.searchsorted(times, t_ms, side="left"))
        if resting:
            first = max(0, first - 1)
        skip = (start + first) % self.capacity
        count = self._count - first
        return [times[first:], *(_ordered(a, skip, count, self.capacity) for a in columns)]

    def newest_time(self) -> float | None:
        """Time of the newest row (None when empty)."""
        if not self._count:
            return None
        return float(self._times[(self._next - 1) % self.capacity])

    def time_of(self, number: int) -> float | None:
        """Time of the ``number``-th row ever appended (0-based); the oldest kept if it was
        overwritten; None if it has not arrived yet."""
        if number >= self.appended or not self._count:
            return None
        back = min(self.appended - number, self._count)
        return float(self._times[(self._next - back) % self.capacity])

    def oldest_time(self) -> float | None:
        """Time of the oldest row kept (None when empty)."""
        if not self._count:
            return None
        return float(self._times[self._start()])


class BookHistory(_Ring):
    """Ring of the last ``capacity`` book snapshots of one coin."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity, "book")
        self._bp = np.zeros((capacity, LEVELS), np.float64)
        self._bs = np.zeros((capacity, LEVELS), np.float32)
        self._ap = np.zeros((capacity, LEVELS), np.float64)
        self._as = np.zeros((capacity, LEVELS), np.float32)
        self._columns = (self._times, self._bp, self._bs, self._ap, self._as)

    def append(self, book: Orderbook) -> None:
        """Store one snapshot. A timestamp older than the newest is clamped to it (order kept)."""
        i = self._next
        units = book.orderbook_units[:LEVELS]
        n = len(units)
        # One slice assignment per column from a list: a tenth of the cost of 120 scalar stores.
        self._bp[i, :n] = [u.bid_price for u in units]
        self._bs[i, :n] = [u.bid_size for u in units]
        self._ap[i, :n] = [u.ask_price for u in units]
        self._as[i, :n] = [u.ask_size for u in units]
        if n < LEVELS:  # a shallower book: the slot's old levels must not survive
            for arr in (self._bp, self._bs, self._ap, self._as):
                arr[i, n:] = 0.0
        newest = self.newest_time()
        t = float(book.timestamp)
        self._times[i] = t if newest is None or t >= newest else newest
        self._advance()
        self.appended += 1

    def merge_older(self, books: list[Orderbook]) -> int:
        """Put recorded snapshots older than the oldest kept under the live ones (a replay from the
        database); the newest ``capacity`` of the whole stay. Returns how many went in."""
        oldest = self.oldest_time()
        older = sorted((b for b in books if oldest is None or b.timestamp < oldest),
                       key=lambda b: b.timestamp)
        if not older:
            return 0
        current = self.since(float("-inf"))
        tmp = BookHistory(len(older))
        for b in older:
            tmp.append(b)
        past = tmp.since(float("-inf"))
        keep = min(self.capacity, len(past) + len(current))
        for mine, theirs, now in ((self._times, past.times, current.times),
                                  (self._bp, past.bid_prices, current.bid_prices),
                                  (self._bs, past.bid_sizes, current.bid_sizes),
                                  (self._ap, past.ask_prices, current.ask_prices),
                                  (self._as, past.ask_sizes, current.ask_sizes)):
            mine[:keep] = np.concatenate((theirs, now))[-keep:]
        self._next = keep % self.capacity
        self._count = keep
        self.appended += len(older)
        self.generation += 1
        return len(older)

    def since(self, t_ms: float) -> BookRows:
        """Snapshots at or after ``t_ms`` (a copy), plus the one before, which was still resting at
        ``t_ms`` (so a quiet book still fills the first bucket)."""
        return BookRows(*self._since(t_ms, (self._bp, self._bs, self._ap, self._as), resting=True))


class TradeHistory(_Ring):
    """Ring of the last ``capacity`` trades of one coin (bubbles, volume profile, footprint)."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity, "trade")
        self._prices = np.zeros(capacity, np.float64)
        self._volumes = np.zeros(capacity, np.float64)
        self._buy = np.zeros(capacity, np.bool_)
        self._ids = np.zeros(capacity, np.int64)
        self._columns = (self._times, self._prices, self._volumes, self._buy, self._ids)
        # A reconnect's snapshot repeats the newest trades: live duplicates are recent, so a short
        # window of ids finds them without a set the size of the ring.
        self._recent: deque[int] = deque(maxlen=RECENT_IDS)
        self._recent_set: set[int] = set()

    def append(self, trade: Trade) -> bool:
        """Store one live trade; a repeat of a recent one (same ``sequential_id``) is skipped (False)."""
        sid = int(trade.sequential_id)
        if sid in self._recent_set:
            return False
        if len(self._recent) == RECENT_IDS:
            self._recent_set.discard(self._recent[0])
        self._recent.append(sid)
        self._recent_set.add(sid)
        newest = self.newest_time()
        t = float(trade.trade_timestamp)
        self._put(t if newest is None or t >= newest else newest, float(trade.trade_price),
                  float(trade.trade_volume), trade.ask_bid == "BID", sid)
        self.appended += 1
        return True

    def _put(self, t: float, price: float, volume: float, buy: bool, sid: int) -> None:
        i = self._next
        self._times[i] = t
        self._prices[i] = price
        self._volumes[i] = volume
        self._buy[i] = buy
        self._ids[i] = sid
        self._advance()

    def merge_history(self, trades: list[Trade]) -> int:
        """Merge trades from REST (any order, overlapping the live ones): the ring is rewritten in
        time order, keeping the newest ``capacity``. Returns how many new trades went in."""
        current = self.since(float("-inf"))
        start = self._start()
        ids = _ordered(self._ids, start, self._count, self.capacity)
        known = set(ids.tolist())
        fresh = [t for t in trades if int(t.sequential_id) not in known]
        if not fresh:
            return 0
        rows = [(float(t.trade_timestamp), float(t.trade_price), float(t.trade_volume),
                 t.ask_bid == "BID", int(t.sequential_id)) for t in fresh]
        rows += zip(current.times.tolist(), current.prices.tolist(), current.volumes.tolist(),
                    current.buy.tolist(), ids.tolist(), strict=True)
        rows.sort(key=lambda r: r[0])
        self._next = 0
        self._count = 0
        for row in rows[-self.capacity:]:
            self._put(*row)
        self.generation += 1
        return min(len(fresh), self.capacity)

    def since(self, t_ms: float) -> TradeRows:
        """Trades at or after ``t_ms`` (a copy), oldest first."""
        return TradeRows(*self._since(t_ms, (self._prices, self._volumes, self._buy)))
