"""Deterministic, seeded market model shared by every simulated venue.

Public API (used by the Upbit simulator here and by the Binance/Bybit simulators later)::

    model = MarketModel(seed=1, n_krw=200, now_ms=None, event_rate=0.0)
    model.markets                      # tuple[SimMarket, ...]: code, korean_name, english_name, weight
    model.codes(quote="KRW")           # ["KRW-BTC", ...] in activity order (quote=None: all)
    model.price(code)                  # last trade price, float, on the market's tick grid
    model.state(code)                  # MarketState: book, daily/24h statistics, last trade
    unsubscribe = model.add_trade_listener(cb)   # cb(TradeTick) for every trade, synchronously
    for kind, code in model.advance(now_ms, n_events): ...  # generator of (TRADE|BOOK, code)
    model.print_trade(code, side, volume, now_ms)  # a trade of given size (private fills)
    model.series(code, "candle.1m")    # CandleSeries (REST history, candle snapshots)
    model.take_traded_codes()          # codes that traded since the last call (1 s candle push)

The model has no clock and no I/O: the caller passes ``now_ms`` and an event budget (each trade
costs 3 events: trade, ticker, orderbook; a quote-only book change costs 1), so the same seed and the
same sequence of calls always give the same trades. Prices follow a bursty random walk with weak
mean reversion; activity is Zipf-distributed over markets (BTC busiest).
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import NamedTuple

from upbit_monitor.sim.candles import ALL_UNITS, CandleSeries
from upbit_monitor.sim.catalog import SimMarket, build_catalog
from upbit_monitor.sim.history_base import SyntheticPast
from upbit_monitor.sim.market_state import DAY_MS, MarketState, date_dash

__all__ = ["BOOK", "DAY_MS", "TRADE", "MarketModel", "MarketState", "TradeTick"]

TRADE = 1
BOOK = 2
_MEAN_TRADE_KRW = 80_000 * math.exp(1.6**2 / 2)  # mean of the per-trade notional draw
_TRADE_RING = 2_000  # live trades kept per market for REST /v1/trades/ticks
_UNAPPLIED_MAX = 256  # a market's trades waiting for its candle series (see MarketModel._apply_trades)


class TradeTick(NamedTuple):
    """One simulated trade, venue-neutral."""

    code: str
    price: float
    volume: float
    side: str  # BID = buyer-initiated, ASK = seller-initiated
    timestamp_ms: int
    sequential_id: int


class MarketModel:
    """All simulated markets; see the module docstring for the API."""

    def __init__(self, seed: int = 1, n_krw: int = 200, now_ms: int | None = None, *,
                 event_rate: float = 0.0) -> None:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        self.seed = seed
        self.markets: tuple[SimMarket, ...] = build_catalog(seed, n_krw)
        self._rng = random.Random(f"market-{seed}")
        total = sum(m.weight for m in self.markets)
        self._states = {m.code: MarketState(m, self._rng, now, total) for m in self.markets}
        self._codes = [m.code for m in self.markets]
        self._cum = list(accumulate(m.weight for m in self.markets))
        self._weights: dict[str, float] = {}  # activity overrides (a listing pump)
        self.listed_ms: dict[str, int] = {}  # markets listed at runtime -> listing time
        self._recent: dict[str, deque[TradeTick]] = {}  # live prints per market (REST trades/ticks)
        self._pasts: dict[str, SyntheticPast] = {}
        # Where each market's synthetic past ends: its price when the simulator started.
        self._anchor_price = {code: st.price for code, st in self._states.items()}
        self._listeners: list[Callable[[TradeTick], None]] = []
        self._series: dict[tuple[str, str], CandleSeries] = {}
        self._unapplied: dict[str, list[tuple[int, float, float]]] = {}  # trades not yet in the series
        self._traded: set[str] = set()
        self._seq = 0
        self.trades_total = 0
        self.created_ms = now
        self._total_weight = total
        # Market events per second the feed drives (the simulator's msg_rate). The synthetic candle
        # past uses it so history volumes match what the live stream produces.
        self.event_rate = event_rate
        for code in self._codes:
            self._day_from_past(code, now)

    # -- queries -------------------------------------------------------------------------------
    def codes(self, quote: str | None = None) -> list[str]:
        """Market codes, busiest first within each quote currency."""
        if quote is None:
            return list(self._codes)
        prefix = quote + "-"
        return [c for c in self._codes if c.startswith(prefix)]

    def has(self, code: str) -> bool:
        """Whether ``code`` is a simulated market."""
        return code in self._states

    def state(self, code: str) -> MarketState:
        """State of ``code`` (KeyError if unknown)."""
        return self._states[code]

    def price(self, code: str) -> float:
        """Last trade price of ``code``."""
        return self._states[code].price

    def series(self, code: str, candle_type: str) -> CandleSeries:
        """The candle series of ``code`` for ``candle_type`` (e.g. ``candle.1m``), created on demand."""
        if code in self._unapplied:
            self._apply_trades(code)
        st = self._states[code]
        return self._series_of(code, candle_type, st.price, st.last_ts)

    def _series_of(self, code: str, candle_type: str, price: float, ts_ms: int) -> CandleSeries:
        key = (code, candle_type)
        series = self._series.get(key)
        if series is None:
            interval = ALL_UNITS[candle_type]
            liquidity = 1.0 - (1.0 - self._states[code].liquidity) ** (interval / 60)
            series = CandleSeries(code, interval, self.seed, liquidity, price, ts_ms,
                                  volume_per_s=lambda: self.expected_volume_per_s(code),
                                  shared_past=self.past(code) if interval >= 60 else None)
            self._series[key] = series
        return series

    def _apply_trades(self, code: str) -> None:
        """Put the trades of ``code`` not yet in its candle series into every one of them, in order.

        Trades reach the series when a series is asked for (or every ``_UNAPPLIED_MAX`` trades), not
        as they print: a series' first trade cuts the market's synthetic past (numpy, minute bars),
        which at a market's first print made the demo's first prices wait for it (issue 18). A
        series is created with its first trade's price and time, as when it was built at that print.
        """
        for ts_ms, price, volume in self._unapplied.pop(code, ()):
            for ctype in ALL_UNITS:
                self._series_of(code, ctype, price, ts_ms).add_trade(ts_ms, price, volume)

    def recent_trades(self, code: str) -> tuple[TradeTick, ...]:
        """The last live trades of ``code`` (oldest first, up to a bounded ring)."""
        return tuple(self._recent.get(code, ()))

    def past(self, code: str) -> SyntheticPast:
        """The one synthetic history of ``code`` before the simulator started (or before its listing)."""
        past = self._pasts.get(code)
        if past is None:
            st = self._states[code]
            listed = self.listed_ms.get(code)
            anchor = self.created_ms if listed is None else listed
            price = self._anchor_price.get(code, st.price)
            past = SyntheticPast(code, self.seed, anchor, price, st.liquidity,
                                 lambda: self.expected_volume_per_s(code), floor_ms=listed)
            self._pasts[code] = past
        return past

    def _day_from_past(self, code: str, now_ms: int) -> None:
        """The ticker's day so far is the synthetic past's (its 4-hour bars since UTC midnight).

        Before, the ticker's previous close was drawn on its own: the coin list said -4.7% while the
        chart's day candle, cut from the past, said -3.4%, and the day's high and low disagreed too.
        """
        st = self._states[code]
        day_start = now_ms - now_ms % DAY_MS
        today = [p for p in self.past(code).parents_before(now_ms + 1, 7) if p.start_ms >= day_start]
        if not today:  # the first minute of a UTC day: the day opens at the last price
            st.prev_close = st.open = st.high = st.low = st.price
        else:
            st.prev_close = st.open = today[-1].open  # a parent opens at its predecessor's close
            st.high = max(st.price, *(p.high for p in today))
            st.low = min(st.price, *(p.low for p in today))
        st.acc_price = st.acc_volume * (st.open + st.price) / 2
        st.prev_day_price = st.prev_day_volume * st.prev_close
        st.h52, st.l52 = max(st.h52, st.high), min(st.l52, st.low)

    def expected_volume_per_s(self, code: str) -> float:
        """Mean traded volume per second of ``code`` under the current event rate (0 = unknown).

        ``advance`` spends half its events on trades (3 budget units each) and half on book moves
        (1 unit), so 1/4 of the budget rate becomes trades, split by market weight; the mean trade
        is E[lognormal(log 80,000 KRW, 1.6)] = 80,000 * e^1.28 KRW (see ``_random_trade``).
        """
        if self.event_rate <= 0:
            return 0.0
        st = self._states[code]
        trades_per_s = self.event_rate / 4 * st.info.weight / self._total_weight
        return trades_per_s * _MEAN_TRADE_KRW / (st.price * st.quote_krw)

    def add_trade_listener(self, callback: Callable[[TradeTick], None]) -> Callable[[], None]:
        """Call ``callback(tick)`` for every trade; returns a function that removes it."""
        self._listeners.append(callback)

        def remove() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return remove

    def take_traded_codes(self) -> set[str]:
        """Codes with at least one trade since the previous call."""
        traded, self._traded = self._traded, set()
        return traded

    # -- listings ------------------------------------------------------------------------------
    def list_market(self, info: SimMarket, now_ms: int) -> MarketState:
        """Add a market at runtime (a new listing): it trades from now on and has no history before."""
        if info.code in self._states:
            raise ValueError(f"{info.code} is already listed")
        st = MarketState(info, self._rng, now_ms, self._total_weight)
        # A new coin has no previous day: its day starts at the listing price.
        st.prev_close = st.open = st.high = st.low = st.price
        st.acc_volume = st.acc_price = st.acc_bid = st.acc_ask = 0.0
        st.prev_day_volume = st.prev_day_price = 0.0
        st.h52 = st.l52 = st.price
        st.h52_date = st.l52_date = date_dash(now_ms)
        self._states[info.code] = st
        self.listed_ms[info.code] = now_ms
        self._anchor_price[info.code] = st.price
        self.markets = (*self.markets, info)
        self._codes.append(info.code)
        self._rebuild_weights()
        return st

    def set_activity(self, code: str, weight: float, target_price: float | None = None) -> None:
        """Change a market's share of the activity and, optionally, the price it drifts towards."""
        self._weights[code] = weight
        if target_price is not None:
            self._states[code].ref_price = target_price
        self._rebuild_weights()

    def _rebuild_weights(self) -> None:
        self._cum = list(accumulate(self._weights.get(c, self._states[c].info.weight) for c in self._codes))

    # -- activity ------------------------------------------------------------------------------
    def advance(self, now_ms: int, n_events: int) -> Iterator[tuple[int, str]]:
        """Generate about ``n_events`` market events at ``now_ms``, yielding ``(kind, code)``.

        A generator: the model state reflects exactly the change just yielded, so a consumer that
        builds messages per change (the feed) sees every trade, not just the last of a batch.
        """
        rng = self._rng
        budget = n_events
        cum, codes, total = self._cum, self._codes, self._cum[-1]
        while budget > 0:
            code = codes[min(bisect_right(cum, rng.random() * total), len(codes) - 1)]
            # A trade may overshoot a small budget (it costs 3); the caller carries the debt, so a
            # trickle of 1 event per tick still produces trades, just less often.
            if rng.random() < 0.5:
                self._random_trade(code, now_ms)
                budget -= 3
                yield TRADE, code
            else:
                self._states[code].book.perturb(rng)
                budget -= 1
                yield BOOK, code

    def _random_trade(self, code: str, now_ms: int) -> TradeTick:
        st = self._states[code]
        rng = self._rng
        # Weak mean reversion keeps prices near their starting level over long runs.
        drift = max(-0.2, min(0.2, math.log(st.price / st.ref_price) * 2))
        side = "BID" if rng.random() < 0.5 - drift else "ASK"
        notional = rng.lognormvariate(math.log(80_000), 1.6) / st.quote_krw
        volume = max(round(notional / st.price, 8), 1e-8)
        move = 0
        if rng.random() < st.move_p:
            move = 1 + int(rng.expovariate(2.0))
            move = move if side == "BID" else -move
        return self._trade(st, side, volume, now_ms, move)

    def print_trade(self, code: str, side: str, volume: float, now_ms: int) -> TradeTick:
        """Record a trade of ``volume`` at the best price for ``side`` (used for private fills)."""
        return self._trade(self._states[code], side, round(volume, 8), now_ms, 0)

    def _trade(self, st: MarketState, side: str, volume: float, now_ms: int, move: int) -> TradeTick:
        if now_ms // DAY_MS != st.day:
            st.roll_day(now_ms)
        book = st.book
        step = (move > 0) - (move < 0)
        if move - step:
            # A sweep: the book walks first, so the print lands on the last level taken and stays
            # inside the spread that follows it.
            book.move(move - step, self._rng)
        price = book.best_ask if side == "BID" else book.best_bid
        book.take(side, volume)
        if step:
            book.move(step, self._rng)
        st.price = price
        st.high = max(st.high, price)
        st.low = min(st.low, price)
        if price > st.h52:
            st.h52, st.h52_date = price, date_dash(now_ms)
        if price < st.l52:
            st.l52, st.l52_date = price, date_dash(now_ms)
        st.acc_volume = round(st.acc_volume + volume, 8)
        st.acc_price += price * volume
        if side == "BID":
            st.acc_bid = round(st.acc_bid + volume, 8)
        else:
            st.acc_ask = round(st.acc_ask + volume, 8)
        st.last_side, st.last_volume = side, volume
        self._seq = (self._seq + 1) % 10_000
        st.last_ts = now_ms
        st.last_sid = now_ms * 10_000 + self._seq
        code = st.info.code
        unapplied = self._unapplied.setdefault(code, [])
        unapplied.append((now_ms, price, volume))
        if len(unapplied) >= _UNAPPLIED_MAX:
            self._apply_trades(code)
        self._traded.add(code)
        self.trades_total += 1
        tick = TradeTick(code, price, volume, side, now_ms, st.last_sid)
        ring = self._recent.get(code)
        if ring is None:
            ring = self._recent[code] = deque(maxlen=_TRADE_RING)
        ring.append(tick)
        for listener in tuple(self._listeners):
            listener(tick)
        return tick
