"""The heatmap's numbers: resting size per (time bucket, price bin), kept up to date incrementally.

:class:`HeatGrid` is a ring of ``n_cols`` columns (one per time bucket of ``col_ms``) by ``n_rows``
price bins of ``bin_size`` (a tick multiple), row 0 the highest price. A column is the mean size per
bin over the snapshots of its bucket; a bucket without a snapshot carries the previous book forward
(the stream only sends a book when it changes, and resting orders rest). :meth:`update` recomputes
only the buckets since the last one written (the newest may have gained snapshots) and reports them
in :attr:`dirty` as ring positions, so the image recolours a few columns per frame instead of the
whole picture. It rebuilds everything from the :class:`BookHistory` only when it must: first use,
the price leaving the middle of the grid (re-centring), or a gap longer than the grid.

Binning is ``floor(price / bin_size)`` on both sides: a bin covers ``[k * bin, (k + 1) * bin)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from upbit_monitor.errors import ConfigError
from upbit_monitor.features.orderflow.history import BookHistory, BookRows

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_EPS = 1e-7  # 0.3 / 0.1 is 2.9999999999999996 in binary: nudge before flooring
RECENTRE_MARGIN = 6  # re-centre when the mid comes closer than n_rows / this to an edge


@dataclass(frozen=True, slots=True)
class GridSpec:
    """Shape of a heat grid: price per row, time per column, and how many of each."""

    bin_size: float
    col_ms: int
    n_cols: int
    n_rows: int

    def __post_init__(self) -> None:
        if not (self.bin_size > 0 and math.isfinite(self.bin_size)):
            raise ConfigError(f"price bin must be a positive number, got {self.bin_size}")
        if self.col_ms < 1 or self.n_cols < 2 or self.n_rows < 4:
            raise ConfigError(
                f"heat grid too small: {self.col_ms} ms x {self.n_cols} cols x {self.n_rows} rows"
            )


def price_bins(prices: F64, bin_size: float) -> I64:
    """Bin index of each price (see module doc)."""
    return np.floor(prices / bin_size + _EPS).astype(np.int64)


class HeatGrid:
    """Resting size per (bucket, bin) over the last ``n_cols`` buckets (see module doc)."""

    def __init__(self, spec: GridSpec) -> None:
        self.spec = spec
        self.values: F32 = np.zeros((spec.n_rows, spec.n_cols), np.float32)
        self.best_bid: F64 = np.full(spec.n_cols, np.nan)
        self.best_ask: F64 = np.full(spec.n_cols, np.nan)
        self.top_bin: int | None = None  # bin of row 0
        self.last_bucket: int | None = None  # newest bucket written
        self.dirty: set[int] = set()  # ring positions changed since the image last took them
        self.full = True  # every column changed (re-centre, rebuild): recolour all
        self.rebuilds = 0
        self._seen = -1  # history.appended at the last update
        self._generation = 0  # history.generation at the last update (older snapshots merged: rebuild)

    # ---- geometry ----------------------------------------------------------------------------
    def row_of(self, price: float) -> float:
        """Fractional row of a price (0 = top edge of row 0); for drawing trades and lines."""
        assert self.top_bin is not None
        return (self.top_bin + 1) - price / self.spec.bin_size

    def row_price(self, row: int) -> float:
        """Lower edge price of a row."""
        assert self.top_bin is not None
        return (self.top_bin - row) * self.spec.bin_size

    def position(self, bucket: int) -> int:
        """Ring position (image column) of a bucket."""
        return bucket % self.spec.n_cols

    def first_bucket(self) -> int | None:
        """Oldest bucket shown."""
        return None if self.last_bucket is None else self.last_bucket - self.spec.n_cols + 1

    # ---- updating ----------------------------------------------------------------------------
    def update(self, history: BookHistory, now_ms: float | None = None) -> bool:
        """Bring the grid up to ``now_ms`` (default: the newest snapshot). True if anything changed."""
        newest = history.newest_time()
        if newest is None:
            return False
        spec = self.spec
        now_bucket = int(max(newest, now_ms or newest) // spec.col_ms)
        if self.last_bucket is not None:
            now_bucket = max(now_bucket, self.last_bucket)  # time shown never runs backwards
        if history.appended == self._seen and now_bucket == self.last_bucket:
            return False
        seen_before, self._seen = self._seen, history.appended
        mid_bin = self._mid_bin(history)
        margin = spec.n_rows // RECENTRE_MARGIN
        if (
            self.top_bin is None
            or self.last_bucket is None
            or history.generation != self._generation
            or now_bucket - self.last_bucket >= spec.n_cols
            or not margin <= self.top_bin - mid_bin < spec.n_rows - margin
        ):
            self._generation = history.generation
            self._full_fill(history, now_bucket, mid_bin + spec.n_rows // 2)
        else:
            first_new = history.time_of(seen_before)
            if first_new is None:
                # No new snapshot, the clock moved on: only the new buckets (the book carried).
                b0 = self.last_bucket + 1
            else:
                # From the bucket of the oldest new snapshot: it, and every bucket after it (the
                # wall clock may have run ahead of the stream), may have changed.
                b0 = min(self.last_bucket, int(first_new // spec.col_ms))
            self._fill(history, max(b0, self.last_bucket - spec.n_cols + 1), now_bucket)
        self.last_bucket = now_bucket
        return True

    def rebuild(self, history: BookHistory, last_bucket: int, top_bin: int) -> None:
        """Everything from the history, ending at ``last_bucket`` with ``top_bin`` on row 0 (what
        a fresh render of that view shows)."""
        self._seen = history.appended
        self._generation = history.generation
        self._full_fill(history, last_bucket, top_bin)
        self.last_bucket = last_bucket

    def _full_fill(self, history: BookHistory, last_bucket: int, top_bin: int) -> None:
        self.top_bin = top_bin
        self.values[:] = 0.0
        self._fill(history, last_bucket - self.spec.n_cols + 1, last_bucket)
        self.full = True
        self.rebuilds += 1

    def take_dirty(self) -> tuple[bool, list[int]]:
        """(all columns?, changed ring positions) since the last call; clears both."""
        full, dirty = self.full, sorted(self.dirty)
        self.full = False
        self.dirty.clear()
        return full, dirty

    def _mid_bin(self, history: BookHistory) -> int:
        rows = history.since(history.newest_time() or 0.0)
        bid, ask = float(rows.bid_prices[-1, 0]), float(rows.ask_prices[-1, 0])
        mid = (bid + ask) / 2 if bid > 0 and ask > 0 else max(bid, ask)
        return int(price_bins(np.array([mid]), self.spec.bin_size)[0])

    def _fill(self, history: BookHistory, b0: int, b1: int) -> None:
        """Recompute buckets ``b0..b1`` (inclusive) from the history."""
        spec = self.spec
        m = b1 - b0 + 1
        rows = history.since(b0 * spec.col_ms)
        sums = np.zeros((m + 1, spec.n_rows), np.float64)  # slot 0: the book resting before b0
        lasts = np.zeros((m + 1, spec.n_rows), np.float64)  # each slot's last snapshot
        counts = np.zeros(m + 1, np.int64)
        bids = np.full(m + 1, np.nan)
        asks = np.full(m + 1, np.nan)
        if len(rows):
            # Slot 0 holds at most one snapshot: the one resting when b0 began (see since()).
            slot = np.clip((rows.times // spec.col_ms).astype(np.int64) - b0 + 1, 0, m)
            sums = self._sums(slot, rows, m + 1)
            counts = np.bincount(slot, minlength=m + 1)
            last = np.full(m + 1, -1, np.int64)
            np.maximum.at(last, slot, np.arange(len(slot)))
            has = last >= 0
            picked = last[has]
            lasts = self._sums(np.flatnonzero(has), _take(rows, picked), m + 1)
            bids[has] = np.where(rows.bid_prices[last[has], 0] > 0, rows.bid_prices[last[has], 0], np.nan)
            asks[has] = np.where(rows.ask_prices[last[has], 0] > 0, rows.ask_prices[last[has], 0], np.nan)
        means = sums / np.maximum(counts, 1)[:, None]
        # A bucket with snapshots shows their mean; one without shows the book resting then: the
        # last snapshot before it (orders rest until the stream says otherwise). Slot 0 is that
        # snapshot for b0, so a fill starting at any bucket agrees with a full one.
        src = np.maximum.accumulate(np.where(counts > 0, np.arange(m + 1), 0))
        cols = np.where((counts > 0)[:, None], means, lasts[src])[1:]
        bids, asks = bids[src][1:], asks[src][1:]
        positions = (np.arange(b0, b1 + 1) % spec.n_cols)
        self.values[:, positions] = cols.T.astype(np.float32)
        self.best_bid[positions] = bids
        self.best_ask[positions] = asks
        self.dirty.update(positions.tolist())

    def _sums(self, slot: I64, rows: BookRows, n_slots: int) -> F64:
        """Size per (slot, row), summed over snapshots and both sides (one bincount: a full
        rebuild is 30 min x 60 levels = about a million entries)."""
        n_rows = self.spec.n_rows
        assert self.top_bin is not None
        prices = np.concatenate((rows.bid_prices, rows.ask_prices), axis=1)
        sizes = np.concatenate((rows.bid_sizes, rows.ask_sizes), axis=1)
        r = self.top_bin - price_bins(prices, self.spec.bin_size)
        ok = (prices > 0) & (r >= 0) & (r < n_rows)
        flat = (np.broadcast_to(slot[:, None], prices.shape) * n_rows + r)[ok]
        sums = np.bincount(flat, weights=sizes[ok].astype(np.float64), minlength=n_slots * n_rows)
        return sums.astype(np.float64).reshape(n_slots, n_rows)


def infer_tick(rows: BookRows) -> float | None:
    """The price step of the newest snapshot: the smallest gap between its levels (Upbit's tick
    depends on the price band, so it is read from the book, not a table). None without two levels."""
    if not len(rows):
        return None
    prices = np.concatenate((rows.bid_prices[-1], rows.ask_prices[-1]))
    prices = np.unique(prices[prices > 0])
    if prices.size < 2:
        return None
    gap = float(np.diff(prices).min())
    return float(f"{gap:.10g}")  # 0.1 + 0.2 noise off: ticks are short decimals


def _take(rows: BookRows, index: I64) -> BookRows:
    return BookRows(rows.times[index], rows.bid_prices[index], rows.bid_sizes[index],
                    rows.ask_prices[index], rows.ask_sizes[index])
