"""Candles built from the simulated trades, plus a deterministic synthetic past for REST paging.

One :class:`CandleSeries` per (market, interval). Live trades update the in-progress bar; finished bars
move into a bounded history. When REST asks for bars older than anything recorded, the series grows a
synthetic past backwards from its oldest bar (a random walk seeded by the market and interval), so
paging with ``to`` always returns the same bars for the same seed. Intervals with no trades have no
bar (Upbit does not emit empty candles), and illiquid markets get such gaps in the past too.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections import deque
from collections.abc import Callable

from upbit_monitor.protocol.ticks import snap, tick_for
from upbit_monitor.protocol.trade_candles import (
    CandleBar as CandleBar,  # re-exported: the bar type of every series
)
from upbit_monitor.sim.history_base import SyntheticPast

# candle type -> interval in seconds
CANDLE_UNITS: dict[str, int] = {
    "candle.1s": 1,
    "candle.1m": 60,
    "candle.3m": 180,
    "candle.5m": 300,
    "candle.10m": 600,
    "candle.15m": 900,
    "candle.30m": 1800,
    "candle.60m": 3600,
    "candle.240m": 14400,
}
# Live-only series (no WebSocket candle type): UTC days, for REST /v1/candles/days|weeks|months|years.
DAY_TYPE = "candle.1d"
ALL_UNITS: dict[str, int] = {**CANDLE_UNITS, DAY_TYPE: 86_400}
REST_MINUTE_UNITS = (1, 3, 5, 10, 15, 30, 60, 240)
MAX_SYNTHETIC_BARS = 20_000  # per series; deeper pages return nothing (like a market's listing date)
_LIVE_HISTORY = 2_000


class CandleSeries:
    """Bars of one (market, interval): the in-progress one, recorded ones and a synthetic past."""

    __slots__ = (
        "_past", "_rng", "_volume_per_s", "anchor", "code", "current", "history", "interval_ms", "liquidity",
        "shared_past",
    )

    def __init__(
        self,
        code: str,
        interval_s: int,
        seed: int,
        liquidity: float,
        price: float,
        now_ms: int,
        *,
        volume_per_s: Callable[[], float] | None = None,
        shared_past: SyntheticPast | None = None,
    ) -> None:
        self.code = code
        self.interval_ms = interval_s * 1000
        # The synthetic past ends at this (open price, interval start) when nothing live exists.
        self.anchor = (price, now_ms - now_ms % self.interval_ms)
        self.liquidity = liquidity  # 0..1, probability that an interval has at least one trade
        self.current: CandleBar | None = None
        self.history: deque[CandleBar] = deque(maxlen=_LIVE_HISTORY)
        self._past: list[CandleBar] = []  # synthetic, oldest last (grown backwards)
        self._rng = random.Random(f"candles-{seed}-{code}-{interval_s}")
        # Mean live volume per second (0 = unknown): synthetic bars use it so the history a chart
        # loads over REST is on the same scale as the live candle next to it.
        self._volume_per_s = volume_per_s
        # The market's one synthetic past (minute intervals and days): every timeframe is cut from it.
        self.shared_past = shared_past
        if shared_past is not None:
            # The interval containing the simulator's start already has its pre-start part: the live
            # trades extend that bar instead of starting a new one (so it matches the finer bars).
            anchor = shared_past.anchor_ms
            start = anchor - anchor % self.interval_ms
            if start < anchor:
                seed_bars = shared_past.bars(self.interval_ms, anchor, 1)
                if seed_bars and seed_bars[0].start_ms == start:
                    self.current = CandleBar(*seed_bars[0])

    def start_of(self, ts_ms: int) -> int:
        """Start of the interval containing ``ts_ms``."""
        return ts_ms - ts_ms % self.interval_ms

    def add_trade(self, ts_ms: int, price: float, volume: float) -> None:
        """Fold one trade into the in-progress bar, closing the previous bar on a new interval."""
        cur = self.current
        start = ts_ms - ts_ms % self.interval_ms
        if cur is not None and cur.start_ms == start:
            self.current = CandleBar(
                start,
                cur.open,
                price if price > cur.high else cur.high,
                price if price < cur.low else cur.low,
                price,
                cur.volume + volume,
                cur.notional + price * volume,
                ts_ms,
            )
            return
        if cur is not None:
            self.history.append(cur)
        self.current = CandleBar(start, price, price, price, price, volume, price * volume, ts_ms)

    def latest(self, now_ms: int) -> CandleBar | None:
        """The bar a SNAPSHOT shows: the current interval's, else the most recent earlier one."""
        if self.current is not None:
            return self.current
        if self.history:
            return self.history[-1]
        past = self.before(now_ms, 1)
        return past[0] if past else None

    def before(self, to_ms: int, count: int) -> list[CandleBar]:
        """Up to ``count`` bars starting strictly before ``to_ms``, newest first (REST semantics)."""
        live = [b for b in (*self.history, self.current) if b is not None]
        out = [b for b in reversed(live) if b.start_ms < to_ms][:count]
        if len(out) >= count:
            return out
        if self.shared_past is not None:
            # Synthetic bars start strictly before everything recorded live (the straddling bar is live).
            limit_ms = min(to_ms, live[0].start_ms) if live else to_ms
            past = self.shared_past.bars(self.interval_ms, limit_ms, count - len(out))
            out.extend(CandleBar(*bar) for bar in past)
            return out
        # Synthetic bars start strictly before everything recorded live.
        live_floor = live[0].start_ms if live else self.anchor[1]
        limit = min(to_ms, live_floor)
        need = count - len(out)
        anchor_open, anchor_start = self._oldest_anchor(live)
        self._grow_past_until(limit, need, anchor_open, anchor_start)
        starts = [-b.start_ms for b in self._past]  # ascending in -start
        i = bisect_left(starts, -(limit - 1))
        out.extend(self._past[i : i + need])
        return out

    def _oldest_anchor(self, live: list[CandleBar]) -> tuple[float, int]:
        if self._past:
            bar = self._past[-1]
            return bar.open, bar.start_ms
        if live:
            return live[0].open, live[0].start_ms
        return self.anchor

    def _grow_past_until(self, limit_ms: int, need: int, anchor_open: float, anchor_start: int) -> None:
        """Extend the synthetic past until ``need`` bars start before ``limit_ms`` (or the cap)."""
        have = sum(1 for b in self._past if b.start_ms < limit_ms)
        next_close = anchor_open
        start = anchor_start
        sigma = 0.002 * math.sqrt(self.interval_ms / 60_000)
        rng = self._rng
        while have < need and len(self._past) < MAX_SYNTHETIC_BARS:
            start -= self.interval_ms
            if rng.random() > self.liquidity:
                continue  # no trade in this interval: a gap, like the real candles
            tick = tick_for(self.code, next_close)
            close = next_close
            open_ = snap(close * math.exp(rng.gauss(0.0, sigma)), tick)
            high = snap(max(open_, close) * (1 + abs(rng.gauss(0.0, sigma / 2))), tick)
            low = snap(min(open_, close) * (1 - abs(rng.gauss(0.0, sigma / 2))), tick)
            per_s = self._volume_per_s() if self._volume_per_s is not None else 0.0
            if per_s > 0:
                # Mean-one noise around the live process's expected volume for a traded interval.
                mean = per_s * self.interval_ms / 1000 / max(self.liquidity, 1e-3)
                volume = round(mean * rng.lognormvariate(-0.32, 0.8), 8)
            else:
                volume = round(rng.lognormvariate(0.0, 1.0) * 1e6 / max(close, 1e-8) * self.liquidity, 8)
            last = start + rng.randrange(self.interval_ms)
            bar = CandleBar(start, open_, high, max(low, tick), close, volume, volume * (open_ + close) / 2,
                            last)
            self._past.append(bar)
            next_close = open_
            if start < limit_ms:
                have += 1
