"""Volume profile: traded volume per price bin over a time range, split by side, with its POC.

The heatmap shows it beside the book for the visible time range, on the heatmap's own rows, so a
bar lines up with the resting size it traded into. The point of control (POC) is the bin with the
most volume; ties go to the bin nearer the range's last price (the one a trader looks at), and
failing that to the higher price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from upbit_monitor.features.orderflow.grid import price_bins
from upbit_monitor.features.orderflow.history import TradeRows

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Profile:
    """Per row (row 0 = highest bin): bought and sold volume; ``poc`` row or None when empty."""

    buy: F64
    sell: F64
    poc: int | None

    @property
    def total(self) -> F64:
        """Volume per row, both sides."""
        return self.buy + self.sell


def volume_profile(trades: TradeRows, bin_size: float, top_bin: int, n_rows: int) -> Profile:
    """Profile of ``trades`` on rows ``top_bin`` (row 0) down to ``top_bin - n_rows + 1``; trades
    outside the rows are left out."""
    rows = top_bin - price_bins(trades.prices, bin_size)
    ok = (rows >= 0) & (rows < n_rows)
    vol = trades.volumes.astype(np.float64)
    is_buy, is_sell = ok & trades.buy, ok & ~trades.buy
    buy = np.bincount(rows[is_buy], weights=vol[is_buy], minlength=n_rows).astype(np.float64)
    sell = np.bincount(rows[is_sell], weights=vol[is_sell], minlength=n_rows).astype(np.float64)
    total = buy + sell
    if not total.any():
        return Profile(buy, sell, None)
    best = np.flatnonzero(total == total.max())
    if best.size > 1 and ok.any():
        last_row = int(rows[ok][-1])
        best = best[np.abs(best - last_row) == np.abs(best - last_row).min()]
    return Profile(buy, sell, int(best[0]))


@dataclass(frozen=True, slots=True)
class Bubbles:
    """Trades summed per (time bucket, side): one bubble each, at the volume-weighted price."""

    buckets: npt.NDArray[np.int64]
    prices: F64
    values: F64  # price x volume (quote currency)
    buy: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.buckets.shape[0])


def trade_bubbles(trades: TradeRows, col_ms: int) -> Bubbles:
    """Aggregate prints per heatmap column and side. Drawing one ellipse per print costs ~6 µs
    each (bench: 4,000 prints = 25 ms a paint); per column and side it is at most two."""
    if not len(trades):
        empty = np.zeros(0)
        return Bubbles(empty.astype(np.int64), empty, empty, empty.astype(np.bool_))
    bucket = (trades.times // col_ms).astype(np.int64)
    key = bucket * 2 + trades.buy
    keys, inverse = np.unique(key, return_inverse=True)
    value = trades.prices * trades.volumes
    total_value = np.bincount(inverse, weights=value).astype(np.float64)
    total_volume = np.bincount(inverse, weights=trades.volumes).astype(np.float64)
    vwap = np.divide(total_value, total_volume, out=np.zeros_like(total_value), where=total_volume > 0)
    return Bubbles(keys // 2, vwap, total_value, (keys % 2).astype(np.bool_))
