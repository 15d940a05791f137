"""The mutable state of one simulated market: price, book, day and 24 h statistics, last trade.

:class:`~upbit_monitor.sim.market.MarketModel` owns one per market and is the only writer; the
message builders (:mod:`upbit_monitor.sim.builders`) read it. Apart from the model because it is
what a ticker is made of, while the model is the random process that moves it.
"""

from __future__ import annotations

import math
import random
import time

from upbit_monitor.protocol.ticks import snap, tick_for
from upbit_monitor.sim.book import Book
from upbit_monitor.sim.catalog import KNOWN_COINS, SimMarket

DAY_MS = 86_400_000
_DAILY_TURNOVER_KRW = 3e12  # whole exchange, split over markets by weight
_QUOTE_KRW = {"KRW": 1.0, "BTC": KNOWN_COINS[0][3], "USDT": KNOWN_COINS[3][3]}
_TRADE_SIGMA = 4e-4  # relative price step scale per trade


class MarketState:
    """Mutable state of one market (read it, do not write it from outside the model)."""

    __slots__ = (
        "acc_ask",
        "acc_bid",
        "acc_price",
        "acc_volume",
        "book",
        "day",
        "h52",
        "h52_date",
        "high",
        "info",
        "l52",
        "l52_date",
        "last_sid",
        "last_side",
        "last_ts",
        "last_volume",
        "liquidity",
        "low",
        "move_p",
        "open",
        "prev_close",
        "prev_day_price",
        "prev_day_volume",
        "price",
        "quote_krw",
        "ref_price",
    )

    def __init__(self, info: SimMarket, rng: random.Random, now_ms: int, total_weight: float) -> None:
        self.info = info
        self.quote_krw = _QUOTE_KRW.get(info.quote, 1.0)
        tick = tick_for(info.code, info.initial_price)
        self.price = snap(info.initial_price, tick)
        self.ref_price = self.price
        self.prev_close = snap(self.price * math.exp(rng.gauss(0.0, 0.03)), tick_for(info.code, self.price))
        self.open = self.prev_close
        self.high = max(self.open, self.price)
        self.low = min(self.open, self.price)
        elapsed = (now_ms % DAY_MS) / DAY_MS
        daily_volume = _DAILY_TURNOVER_KRW * info.weight / total_weight / (self.price * self.quote_krw)
        self.acc_volume = round(daily_volume * elapsed * rng.uniform(0.8, 1.2), 8)
        self.acc_price = self.acc_volume * (self.open + self.price) / 2
        self.acc_bid = round(self.acc_volume * rng.uniform(0.4, 0.6), 8)
        self.acc_ask = round(self.acc_volume - self.acc_bid, 8)
        self.prev_day_volume = daily_volume * rng.uniform(0.7, 1.3)
        self.prev_day_price = self.prev_day_volume * self.prev_close
        year_ago = now_ms - rng.randrange(30, 360) * DAY_MS
        self.h52 = snap(self.high * rng.uniform(1.05, 2.5), tick_for(info.code, self.high * 2.5))
        self.h52_date = date_dash(now_ms - rng.randrange(1, 300) * DAY_MS)
        self.l52 = snap(self.low * rng.uniform(0.3, 0.95), tick_for(info.code, self.low * 0.3))
        self.l52_date = date_dash(year_ago)
        self.day = now_ms // DAY_MS
        mean_size = 2e6 / (self.price * self.quote_krw) * (0.2 + info.weight)
        self.book = Book(info.code, self.price, rng, mean_size)
        self.last_side = "BID"
        self.last_volume = round(mean_size * 0.05, 8)
        self.last_ts = now_ms - 1000
        self.last_sid = self.last_ts * 10_000
        self.move_p = min(0.6, _TRADE_SIGMA * self.price / tick_for(info.code, self.price))
        # Probability that a 1-minute interval has at least one trade (drives synthetic gaps).
        self.liquidity = min(1.0, 0.35 + info.weight * 30)

    def roll_day(self, now_ms: int) -> None:
        """UTC midnight: yesterday's close becomes prev_close and the accumulators restart."""
        self.prev_close = self.price
        self.open = self.high = self.low = self.price
        self.prev_day_volume, self.prev_day_price = self.acc_volume, self.acc_price
        self.acc_volume = self.acc_price = self.acc_ask = self.acc_bid = 0.0
        self.day = now_ms // DAY_MS

    def volume_24h(self, now_ms: int) -> float:
        """Rolling 24 h volume: today so far plus the part of yesterday still inside the window."""
        remaining = 1.0 - (now_ms % DAY_MS) / DAY_MS
        return round(self.acc_volume + self.prev_day_volume * remaining, 8)

    def price_24h(self, now_ms: int) -> float:
        """Rolling 24 h quote turnover."""
        remaining = 1.0 - (now_ms % DAY_MS) / DAY_MS
        return round(self.acc_price + self.prev_day_price * remaining, 8)


def date_dash(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts_ms / 1000))
