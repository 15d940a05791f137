"""A 30-level order book per market, kept consistent with the last trade.

The book is a price grid (best ask / best bid plus 29 further ticks each side on the market's tick
table) and two lists of sizes. A buy-initiated trade prints at the best ask, a sell-initiated one at
the best bid, and price moves shift the grid, dropping consumed levels and adding fresh ones at the
far end. ``level`` aggregation (KRW markets only) groups native levels into buckets of ``level`` KRW.
"""

from __future__ import annotations

import math
import random
import zlib

from upbit_monitor.protocol.events import OrderbookUnit
from upbit_monitor.protocol.ticks import decimals, snap, tick_down, tick_for, tick_up

DEPTH = 30
VALID_DEPTHS = (1, 5, 15, 30)


def _size(rng: random.Random, mean: float) -> float:
    return round(mean * rng.lognormvariate(0.0, 0.8), 8)


class Book:
    """Order book of one market. Sizes are in the base currency."""

    __slots__ = ("_cache_key", "_prices", "ask_sizes", "best_ask", "best_bid", "bid_sizes", "code",
                 "mean_size")

    def __init__(self, code: str, price: float, rng: random.Random, mean_size: float) -> None:
        self.code = code
        self.mean_size = mean_size
        tick = tick_for(code, price)
        self.best_bid = snap(price, tick)
        self.best_ask = tick_up(code, self.best_bid)
        self.ask_sizes = [_size(rng, mean_size) for _ in range(DEPTH)]
        self.bid_sizes = [_size(rng, mean_size) for _ in range(DEPTH)]
        self._cache_key: tuple[float, float] = (0.0, 0.0)
        self._prices: tuple[list[float], list[float]] = ([], [])

    def prices(self) -> tuple[list[float], list[float]]:
        """(ask prices, bid prices), best first; bid prices that would go <= 0 are 0."""
        key = (self.best_ask, self.best_bid)
        if key != self._cache_key:
            self._prices = (self._ladder(self.best_ask, 1), self._ladder(self.best_bid, -1))
            self._cache_key = key
        return self._prices

    def _ladder(self, best: float, direction: int) -> list[float]:
        code = self.code
        tick = tick_for(code, best if direction > 0 else best * (1 - 1e-12))
        far = best + direction * (DEPTH - 1) * tick
        if far > 0 and tick_for(code, far if direction > 0 else far * (1 - 1e-12)) == tick:
            # Fast path: the whole ladder lies inside one tick band.
            nd = decimals(tick)
            base = round(best / tick)
            return [round((base + direction * i) * tick, nd) for i in range(DEPTH)]
        prices = [best]
        for _ in range(DEPTH - 1):
            last = prices[-1]
            if direction > 0:
                prices.append(tick_up(code, last))
            else:
                prices.append(tick_down(code, last) if last > 0 else 0.0)
        return prices

    def units(self, depth: int = DEPTH) -> tuple[OrderbookUnit, ...]:
        """The top ``depth`` levels as wire units (empty bid levels have price 0 and size 0)."""
        asks, bids = self.prices()
        a_sz, b_sz = self.ask_sizes, self.bid_sizes
        if bids[depth - 1] > 0:  # the common case: no empty bid level, build via map (fast)
            return tuple(map(OrderbookUnit, asks[:depth], bids[:depth], a_sz[:depth], b_sz[:depth]))
        return tuple(
            OrderbookUnit(asks[i], bids[i], a_sz[i], b_sz[i] if bids[i] > 0 else 0.0) for i in range(depth)
        )

    def move(self, ticks: int, rng: random.Random) -> None:
        """Shift the whole grid ``ticks`` steps up (positive) or down, refreshing exposed levels."""
        n = min(abs(ticks), DEPTH)
        if ticks > 0:
            for _ in range(abs(ticks)):
                self.best_bid = self.best_ask
                self.best_ask = tick_up(self.code, self.best_ask)
            # Asks consumed from the front; bids gain fresh levels at the front.
            self.ask_sizes = self.ask_sizes[n:] + [_size(rng, self.mean_size) for _ in range(n)]
            self.bid_sizes = [_size(rng, self.mean_size) for _ in range(n)] + self.bid_sizes[: DEPTH - n]
        elif ticks < 0:
            for _ in range(abs(ticks)):
                lower = tick_down(self.code, self.best_bid)
                if lower <= 0:
                    break
                self.best_ask = self.best_bid
                self.best_bid = lower
            self.bid_sizes = self.bid_sizes[n:] + [_size(rng, self.mean_size) for _ in range(n)]
            self.ask_sizes = [_size(rng, self.mean_size) for _ in range(n)] + self.ask_sizes[: DEPTH - n]

    def perturb(self, rng: random.Random, levels: int = 3) -> None:
        """Quote activity without a trade: a few levels change size."""
        for _ in range(levels):
            i = min(int(rng.expovariate(0.3)), DEPTH - 1)
            sizes = self.ask_sizes if rng.random() < 0.5 else self.bid_sizes
            sizes[i] = _size(rng, self.mean_size)

    def take(self, side: str, volume: float) -> None:
        """Remove ``volume`` from the best level hit by a trade of ``side`` (BID hits asks)."""
        sizes = self.ask_sizes if side == "BID" else self.bid_sizes
        sizes[0] = round(max(sizes[0] - volume, self.mean_size * 0.05), 8)

    def totals(self, depth: int) -> tuple[float, float]:
        """Total ask and bid size over the first ``depth`` levels."""
        return round(sum(self.ask_sizes[:depth]), 8), round(sum(self.bid_sizes[:depth]), 8)

    def supported_levels(self) -> tuple[float, ...]:
        """Aggregation units this market accepts: 0 (native) and, on KRW markets, 10^k ticks."""
        if not self.code.startswith("KRW-"):
            return (0.0,)
        tick = tick_for(self.code, self.best_bid)
        return (0.0, *(snap(tick * 10**k, tick) for k in range(1, 5)))

    def aggregated(self, level: float, depth: int) -> tuple[OrderbookUnit, ...]:
        """Units grouped into ``level``-wide buckets (asks rounded up, bids down)."""
        asks, bids = self.prices()
        nd = decimals(level)
        ask_start = math.ceil(round(self.best_ask / level, 9)) * level
        bid_start = math.floor(round(self.best_bid / level, 9)) * level
        ask_buckets = [0.0] * depth
        bid_buckets = [0.0] * depth
        for price, size in zip(asks, self.ask_sizes, strict=True):
            i = math.ceil(round((price - ask_start) / level, 9))
            if 0 <= i < depth:
                ask_buckets[i] += size
        for price, size in zip(bids, self.bid_sizes, strict=True):
            i = math.ceil(round((bid_start - price) / level, 9))
            if price > 0 and 0 <= i < depth:
                bid_buckets[i] += size
        native_per_bucket = max(1.0, level / tick_for(self.code, self.best_bid))
        units = []
        for i in range(depth):
            ap = round(ask_start + i * level, nd)
            bp = round(bid_start - i * level, nd)
            # Buckets past the native 30 levels get a deterministic synthetic size.
            filler = self.mean_size * min(native_per_bucket, 50.0) * (
                1.0 + zlib.crc32(f"{self.code}/{i}".encode()) % 7 / 10
            )
            a = ask_buckets[i] or round(filler, 8)
            b = (bid_buckets[i] or round(filler, 8)) if bp > 0 else 0.0
            units.append(OrderbookUnit(ap, max(bp, 0.0), round(a, 8), round(b, 8)))
        return tuple(units)
