"""Footprint candles: per candle, traded volume per price bin split into buy and sell, delta, POC
and diagonal imbalances, from the trade history.

Imbalance is read diagonally, as on a footprint chart: buyers lifting the offer at price ``p`` are
compared with sellers hitting the bid one bin lower (``p - bin``), and sellers at ``p`` with buyers
one bin higher. A bin is a buy imbalance when ``buy[p] >= ratio * sell[p - bin]`` and a sell
imbalance when ``sell[p] >= ratio * buy[p + bin]`` (with its own side at least ``min_volume``);
a neighbour bin that traded nothing counts as zero, one outside the candle's range does not count.

:class:`FootprintBook` keeps finished candles and recomputes only the candle the newest trades
fall in, so a frame costs one candle's worth of numpy however long the chart is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from upbit_monitor.errors import ConfigError
from upbit_monitor.features.orderflow.grid import price_bins
from upbit_monitor.features.orderflow.history import TradeHistory, TradeRows

F64 = npt.NDArray[np.float64]
BOOL = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FootprintCandle:
    """One candle; bin arrays run from the lowest bin (``low_bin``) up."""

    start_ms: int
    open: float
    high: float
    low: float
    close: float
    low_bin: int
    buy: F64
    sell: F64
    buy_imbalance: BOOL
    sell_imbalance: BOOL
    trades: int

    @property
    def delta(self) -> float:
        """Bought minus sold volume."""
        return float(self.buy.sum() - self.sell.sum())

    @property
    def volume(self) -> float:
        """Total traded volume."""
        return float(self.buy.sum() + self.sell.sum())

    @property
    def poc(self) -> int:
        """Index of the bin with the most volume (the lowest on a tie)."""
        return int(np.argmax(self.buy + self.sell))

    @property
    def high_bin(self) -> int:
        """Bin of the candle's highest trade."""
        return self.low_bin + len(self.buy) - 1


def candle_of(times: F64, prices: F64, volumes: F64, buy: BOOL, start_ms: int, bin_size: float,
              ratio: float = 3.0, min_volume: float = 0.0) -> FootprintCandle:
    """The footprint of the trades given (all in one candle, time order)."""
    bins = price_bins(prices, bin_size)
    lo = int(bins.min())
    idx = bins - lo
    n = int(idx.max()) + 1
    vol = volumes.astype(np.float64)
    b = np.bincount(idx[buy], weights=vol[buy], minlength=n).astype(np.float64)
    s = np.bincount(idx[~buy], weights=vol[~buy], minlength=n).astype(np.float64)
    below = np.concatenate(([np.inf], s[:-1]))  # the bin under the lowest is outside the candle
    above = np.concatenate((b[1:], [np.inf]))
    buy_imb = (b > 0) & (b >= min_volume) & (b >= ratio * below)
    sell_imb = (s > 0) & (s >= min_volume) & (s >= ratio * above)
    return FootprintCandle(start_ms, float(prices[0]), float(prices.max()), float(prices.min()),
                           float(prices[-1]), lo, b, s, buy_imb, sell_imb, len(prices))


def footprints(trades: TradeRows, candle_ms: int, bin_size: float, ratio: float = 3.0,
               min_volume: float = 0.0) -> list[FootprintCandle]:
    """Every candle of ``trades`` (oldest first); candles without trades are left out."""
    if candle_ms < 1000:
        raise ConfigError(f"footprint candles must be at least 1 s, got {candle_ms} ms")
    if not len(trades):
        return []
    starts = (trades.times // candle_ms).astype(np.int64)
    cuts = np.flatnonzero(np.diff(starts)) + 1
    out = []
    for part in np.split(np.arange(len(trades)), cuts):
        out.append(candle_of(trades.times[part], trades.prices[part], trades.volumes[part].astype(np.float64),
                             trades.buy[part], int(starts[part[0]]) * candle_ms, bin_size, ratio, min_volume))
    return out


class FootprintBook:
    """Candles of one trade history at one (timeframe, bin, ratio); finished ones are kept."""

    def __init__(self, candle_ms: int, bin_size: float, ratio: float = 3.0, max_candles: int = 120) -> None:
        if candle_ms < 1000 or bin_size <= 0 or ratio < 1:
            raise ConfigError(f"bad footprint settings: {candle_ms} ms, bin {bin_size}, ratio {ratio}")
        self.candle_ms = candle_ms
        self.bin_size = bin_size
        self.ratio = ratio
        self.max_candles = max_candles
        self.candles: list[FootprintCandle] = []
        self._seen = (-1, -1)  # (appended, generation) of the history at the last update
        self.recomputed = 0  # candles computed since creation (tests, bench)

    def update(self, history: TradeHistory) -> bool:
        """Catch up with ``history``; True if any candle changed."""
        key = (history.appended, history.generation)
        if key == self._seen:
            return False
        rebuild = key[1] != self._seen[1] or not self.candles
        self._seen = key
        if rebuild:
            # First use or REST history merged underneath: everything the ring holds.
            oldest = history.since(float("-inf"))
            self.candles = footprints(oldest, self.candle_ms, self.bin_size, self.ratio)[-self.max_candles:]
            self.recomputed += len(self.candles)
            return True
        # Only the last candle and any after it can have changed (times never run backwards).
        last = self.candles[-1].start_ms
        fresh = footprints(history.since(last), self.candle_ms, self.bin_size, self.ratio)
        self.candles[-1:] = fresh
        del self.candles[: max(0, len(self.candles) - self.max_candles)]
        self.recomputed += len(fresh)
        return True
