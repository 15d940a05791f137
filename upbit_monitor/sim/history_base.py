"""One synthetic past per market, from which every timeframe's history is cut (issue 18).

Before the simulator started, a market has a deterministic history: a backward random walk of
4-hour *parent* bars ending at the market's starting price, the newest parent covering only the part
of its 4 hours before the start (``partial``). 4-hour, day, week, month and year bars are aggregates of
parents; bars of 1-240 minutes are cut from the parent's *minutes*: a Brownian bridge from the parent's
open to its close, mapped so that it reaches the parent's high and low exactly, thinned by the market's
liquidity (minutes without a trade have no bar), with the parent's volume split over the minutes that
traded. So a day is its six 4-hour bars, an hour its four 15-minute bars and a 15-minute bar its
minutes: one series at every timeframe (before, each interval had its own random walk, and ETC's 15 m
history rose while its 1 h history over the same span fell).

Everything is seeded by (seed, market, parent start): the same request always returns the same bars.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from upbit_monitor.protocol.ticks import decimals, snap, tick_for
from upbit_monitor.protocol.trade_candles import CandleBar

if TYPE_CHECKING:
    import numpy as np

PARENT_MS = 4 * 3_600_000
MINUTE_MS = 60_000
MAX_PARENTS = 20_000  # about nine years; older requests get nothing, like a market's listing date
_SIGMA_MIN = 0.0008  # log-price standard deviation per minute
_MINUTE_CACHE = 96  # parents whose minute bars are kept


class SyntheticPast:
    """The synthetic history of one market, ending at ``anchor_ms`` (the minute the simulator started)."""

    def __init__(self, code: str, seed: int, anchor_ms: int, anchor_price: float, liquidity: float,
                 volume_per_s: Callable[[], float], *, floor_ms: int | None = None) -> None:
        self.code = code
        self.seed = seed
        self.anchor_ms = anchor_ms - anchor_ms % MINUTE_MS
        self.anchor_price = anchor_price
        self.liquidity = liquidity  # probability that a minute has a trade
        self.volume_per_s = volume_per_s
        self.floor_ms = floor_ms  # a market listed at runtime has no past before its listing
        self._parents: list[CandleBar] = []  # newest first; [0] may be partial
        self._rng = random.Random(f"past-{seed}-{code}")
        self._minutes: OrderedDict[int, list[CandleBar]] = OrderedDict()

    # -- parents ---------------------------------------------------------------------------------
    def _parent_span(self, k: int) -> tuple[int, int]:
        first = self.anchor_ms - self.anchor_ms % PARENT_MS
        start = first - k * PARENT_MS
        end = self.anchor_ms if k == 0 else start + PARENT_MS
        return start, end

    def _grow(self, n: int) -> None:
        rng = self._rng
        while len(self._parents) < min(n, MAX_PARENTS):
            k = len(self._parents)
            start, end = self._parent_span(k)
            if self.floor_ms is not None and end <= self.floor_ms:
                break
            close = self._parents[-1].open if self._parents else self.anchor_price
            minutes = max((end - start) // MINUTE_MS, 0)
            if minutes == 0:
                self._parents.append(CandleBar(start, close, close, close, close, 0.0, 0.0, start))
                continue
            sigma = _SIGMA_MIN * math.sqrt(minutes)
            tick = tick_for(self.code, close)
            open_ = snap(close * math.exp(rng.gauss(0.0, sigma)), tick)
            high = snap(max(open_, close) * (1 + abs(rng.gauss(0.0, sigma / 2))), tick)
            low = max(snap(min(open_, close) * (1 - abs(rng.gauss(0.0, sigma / 2))), tick), tick)
            per_s = self.volume_per_s()
            if per_s > 0:  # the live process's expected volume, so history and live share one scale
                mean = per_s * minutes * 60
            else:
                mean = minutes * 1e6 / max(close, 1e-8) * self.liquidity / 240
            # Mean-one noise, mild per parent: the per-minute split below carries most of the variation.
            volume = round(mean * rng.lognormvariate(-0.03125, 0.25), 8)
            last = start + rng.randrange(max(end - start, 1))
            self._parents.append(CandleBar(start, open_, high, min(low, open_, close), close, volume,
                                     volume * (open_ + close) / 2, last))

    def parents_before(self, to_ms: int, count: int) -> list[CandleBar]:
        """Up to ``count`` parents starting before ``to_ms`` (newest first; empty ones skipped)."""
        out: list[CandleBar] = []
        k = 0
        while len(out) < count:
            if k >= len(self._parents):
                self._grow(k + max(count - len(out), 16))
                if k >= len(self._parents):
                    break
            bar = self._parents[k]
            k += 1
            if bar.start_ms < to_ms and bar.volume > 0:
                out.append(bar)
        return out

    # -- minutes ---------------------------------------------------------------------------------
    def minutes_of(self, parent: CandleBar) -> list[CandleBar]:
        """The minute bars of ``parent`` (oldest first), generated once and cached."""
        cached = self._minutes.get(parent.start_ms)
        if cached is not None:
            self._minutes.move_to_end(parent.start_ms)
            return cached
        bars = self._refine(parent)
        self._minutes[parent.start_ms] = bars
        if len(self._minutes) > _MINUTE_CACHE:
            self._minutes.popitem(last=False)
        return bars

    def _refine(self, p: CandleBar) -> list[CandleBar]:
        # numpy here, not at module import: the demo's first prices need no minute bars, and numpy is
        # a tenth of a second of the start to the first painted ticker (issue 18).
        import numpy as np

        end = self.anchor_ms if p.start_ms + PARENT_MS > self.anchor_ms else p.start_ms + PARENT_MS
        n = (end - p.start_ms) // MINUTE_MS
        rng = np.random.default_rng([self.seed, _code_key(self.code), p.start_ms // MINUTE_MS])
        # Brownian bridge in log price from open to close over n minutes (n + 1 points).
        steps = rng.normal(0.0, _SIGMA_MIN, n)
        walk = np.concatenate(([0.0], np.cumsum(steps)))
        t = np.linspace(0.0, 1.0, n + 1)
        log_path = math.log(p.open) + walk - t * walk[-1] + t * (math.log(p.close) - math.log(p.open))
        path = np.exp(log_path)
        path = _fit(path, p.open, p.close, p.high, p.low)
        opens, closes = path[:-1], path[1:]
        wick = np.abs(rng.normal(0.0, _SIGMA_MIN / 2, (2, n)))
        highs = np.minimum(np.maximum(opens, closes) * (1 + wick[0]), p.high)
        lows = np.maximum(np.minimum(opens, closes) * (1 - wick[1]), p.low)
        hi_i, lo_i = int(np.argmax(highs)), int(np.argmin(lows))
        highs[hi_i], lows[lo_i] = p.high, p.low  # the parent's extremes are printed in some minute
        traded = rng.random(n) < self.liquidity
        traded[[0, n - 1, hi_i, lo_i]] = True
        weights = rng.lognormal(-0.32, 0.8, n) * traded
        volumes = weights / weights.sum() * p.volume
        lasts = rng.integers(0, MINUTE_MS, n)
        # One tick for the parent (the one at its low: a grid at least as fine as every band it spans),
        # snapped in numpy: a Python loop per minute made a 200-bar hourly page cost half a second.
        tick = tick_for(self.code, p.low)
        places = decimals(tick)
        idx = np.flatnonzero(traded)
        o, h, lo, c = (np.round(np.round(a[idx] / tick) * tick, places) for a in (opens, highs, lows, closes))
        v = np.round(volumes[idx], 8)
        starts = p.start_ms + idx * MINUTE_MS
        columns = (starts, o, h, lo, c, v, lasts[idx])
        out = [CandleBar(int(st), oo, hh, ll, cc, vv, vv * (oo + cc) / 2, int(st) + int(la))
               for st, oo, hh, ll, cc, vv, la in zip(*(col.tolist() for col in columns), strict=True)]
        # Endpoints exactly the parent's (snap bands can differ by a tick at band edges).
        first, last = out[0], out[-1]
        out[0] = first._replace(open=p.open, high=max(first.high, p.open), low=min(first.low, p.open))
        out[-1] = last._replace(close=p.close, high=max(last.high, p.close), low=min(last.low, p.close))
        return out

    # -- any interval ------------------------------------------------------------------------------
    def bars(self, interval_ms: int, to_ms: int, count: int) -> list[CandleBar]:
        """Up to ``count`` bars of ``interval_ms`` starting before ``to_ms``, newest first."""
        if interval_ms >= PARENT_MS:
            return self._aggregate_parents(interval_ms, to_ms, count)
        out: list[CandleBar] = []
        cursor = to_ms
        while len(out) < count:
            parents = self.parents_before(cursor, 1)
            if not parents:
                break
            parent = parents[0]
            groups: dict[int, list[CandleBar]] = {}
            for m in self.minutes_of(parent):
                groups.setdefault(m.start_ms - m.start_ms % interval_ms, []).append(m)
            for start in sorted(groups, reverse=True):
                if start < to_ms and len(out) < count:
                    out.append(merge(groups[start], start))
            cursor = parent.start_ms
        return out

    def _aggregate_parents(self, interval_ms: int, to_ms: int, count: int) -> list[CandleBar]:
        per = interval_ms // PARENT_MS
        parents = self.parents_before(to_ms + interval_ms, (count + 1) * per)
        groups: dict[int, list[CandleBar]] = {}
        for bar in reversed(parents):
            groups.setdefault(bar.start_ms - bar.start_ms % interval_ms, []).append(bar)
        return [merge(g, s) for s, g in sorted(groups.items(), reverse=True) if s < to_ms][:count]


def merge(bars: list[CandleBar], start_ms: int) -> CandleBar:
    """One bar from ``bars`` (oldest first)."""
    volume = round(sum(b.volume for b in bars), 8)
    high, low = max(b.high for b in bars), min(b.low for b in bars)
    return CandleBar(start_ms, bars[0].open, high, low, bars[-1].close, volume,
                     sum(b.notional for b in bars), max(b.last_ms for b in bars))


def _fit(path: np.ndarray, open_: float, close: float, high: float, low: float) -> np.ndarray:
    """Bend ``path`` so its maximum is ``high`` and its minimum ``low``, ends unchanged, with no lone
    wick and no cliff.

    Where the path overshoots an extreme it is compressed toward it (a monotone map of the part beyond
    the open/close band). Where it falls short it is lifted (or lowered) by a tent: zero at the ends,
    the full gap at the path's highest (lowest) point in the middle three fifths of its span, so the
    price climbs to the parent's high over many minutes and leaves it over many minutes. Stretching
    the part beyond the band put the whole gap into one minute (6% of 4-hour parents showed a lone
    0.5-1.7% wick); a tent peaking at the path's own highest point did the same whenever that point
    was a minute from an end: a 0.8-1.7% one-minute cliff (21:00 KST on the demo's BTC chart).
    """
    import numpy as np

    out = path.copy()
    n = len(out) - 1
    lo_oc, hi_oc = min(open_, close), max(open_, close)
    if n < 2:  # no inner point: the one minute is the parent itself
        out[0], out[-1] = open_, close
        return out
    top = _middle(out, 0, n, np.argmax)
    if out[top] < high:
        out += (high - out[top]) * _tent(n, 0, top, n)
    top = 1 + int(np.argmax(out[1:n]))
    if out[top] > high:  # overshoot (of the path, or of a lifted point near an end): compress
        above = out > hi_oc
        out[above] = hi_oc + (out[above] - hi_oc) * (high - hi_oc) / (out[top] - hi_oc)
    # The low's tent stays on one side of the high (the side of the path's own low, if it has room),
    # so the high point keeps its value.
    lo_i = 1 + int(np.argmin(out[1:n]))
    left, right = (0, top) if lo_i < top else (top, n)
    if right - left < 2:
        left, right = (top, n) if left == 0 else (0, top)
    if out[lo_i] > low and right - left >= 2:
        lo_i = _middle(out, left, right, np.argmin)
        out -= (out[lo_i] - low) * _tent(n, left, lo_i, right)
    lo_i = 1 + int(np.argmin(out[1:n]))
    if out[lo_i] < low:
        below = out < lo_oc
        out[below] = low + (out[below] - out[lo_i]) * (lo_oc - low) / (lo_oc - out[lo_i])
    out[0], out[-1] = open_, close
    return out


def _middle(out: np.ndarray, left: int, right: int, pick: Callable[[np.ndarray], Any]) -> int:
    """The index ``pick`` chooses among the inner points of ``[left, right]``, a fifth of the span
    away from either end (at least one point in): where a tent may peak without a cliff."""
    margin = max(1, (right - left) // 5)
    lo, hi = left + margin, max(right - margin, left + margin + 1)
    return lo + int(pick(out[lo:hi]))


def _tent(n: int, left: int, peak: int, right: int) -> np.ndarray:
    """n + 1 weights: 0 outside ``[left, right]``, rising linearly to 1 at ``peak`` and back to 0."""
    import numpy as np

    i = np.arange(n + 1, dtype=float)
    up = (i - left) / max(peak - left, 1)
    down = (right - i) / max(right - peak, 1)
    return np.clip(np.minimum(up, down), 0.0, 1.0)


def _code_key(code: str) -> int:
    return int.from_bytes(code.encode()[:16].ljust(16, b"\0"), "little") % (2**63)
