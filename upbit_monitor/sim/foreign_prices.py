"""Foreign-venue prices for the simulators: USDT markets priced at a target kimchi premium.

Foreign prices are derived from the Upbit KRW prices of the shared :class:`MarketModel` and a
configurable premium, so the app's premium column shows exactly what was configured (up to tick
rounding)::

    usdt_price = upbit_krw_price / (upbit KRW-USDT price * (1 + premium(t)))

``premium(t)`` is ``premium`` plus an optional slow sine ``wobble`` (so the premium chart moves), a
per-venue offset and, optionally, each coin's own seeded offset. The model is only *read*; the Upbit
simulator (or a test) advances it. Binance and Bybit simulators share this module.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from upbit_monitor.errors import ConfigError
from upbit_monitor.protocol.ticks import snap, usdt_tick
from upbit_monitor.sim.market import MarketModel

__all__ = ["USDT_KRW", "ForeignPricer", "ForeignSimConfig", "ForeignTick", "fmt"]

USDT_KRW = "KRW-USDT"


@dataclass(frozen=True, slots=True)
class ForeignSimConfig:
    """Knobs of a foreign-venue simulator. Durations in seconds."""

    premium: float = 0.025  # the kimchi premium the app should display (fraction)
    wobble: float = 0.0  # amplitude of a slow sine on top of ``premium`` (0 = constant)
    wobble_period_s: float = 300.0
    venue_offset: float = 0.0  # added to the premium for this venue only
    # Each coin's own premium (issue 18: every coin showed the same +2.77 %): a seeded offset per coin
    # (standard deviation ``coin_spread``) that wanders by up to ``coin_wander`` over minutes. Shared by
    # both venues (the premium is a Korean-market effect). 0 = every coin exactly at ``premium``.
    coin_spread: float = 0.0
    coin_wander: float = 0.0
    push_interval_s: float = 1.0  # Binance @ticker: 1000 ms
    max_requests_per_s: int = 5  # incoming JSON messages per connection per second; 0 = off
    max_connection_s: float = 86_400.0  # Binance closes every connection after 24 h
    heartbeat_timeout_s: float | None = None  # close if the client sends nothing for this long
    ping_interval_s: float | None = 20.0  # server protocol PINGs

    def __post_init__(self) -> None:
        if not -0.5 < self.premium < 1.0 or self.push_interval_s <= 0 or self.wobble_period_s <= 0:
            raise ConfigError("ForeignSimConfig: premium in (-0.5, 1), positive intervals required")


class ForeignTick(NamedTuple):
    """One venue-neutral snapshot of a foreign USDT market."""

    symbol: str
    price: float
    bid: float
    ask: float
    volume_24h: float
    turnover_24h: float
    prev_price_24h: float
    high_24h: float
    low_24h: float


class ForeignPricer:
    """Maps the model's KRW markets to USDT symbols priced at a target premium over Upbit."""

    def __init__(self, model: MarketModel, config: ForeignSimConfig, clock: Callable[[], float] = time.time):
        self.model = model
        self.config = config
        self._clock = clock
        self._t0 = clock()
        self._coins: dict[str, tuple[float, float, float, float, float]] = {}
        self._symbols = {
            m.base + "USDT": m.code for m in model.markets if m.quote == "KRW" and m.code != USDT_KRW
        }

    def symbols(self) -> list[str]:
        """Every USDT symbol this venue lists (the model's KRW coins except USDT itself)."""
        return sorted(self._symbols)

    def has(self, symbol: str) -> bool:
        """Whether ``symbol`` (uppercase, e.g. ``BTCUSDT``) is listed."""
        return symbol in self._symbols

    def premium_now(self, symbol: str | None = None) -> float:
        """The premium this venue's prices embody right now (fraction); ``symbol`` adds that coin's own."""
        cfg = self.config
        elapsed = self._clock() - self._t0
        phase = 2 * math.pi * elapsed / cfg.wobble_period_s
        premium = cfg.premium + cfg.venue_offset + cfg.wobble * math.sin(phase)
        if symbol is not None and (cfg.coin_spread or cfg.coin_wander):
            premium += self._coin_offset(symbol, elapsed)
        return premium

    def _coin_offset(self, symbol: str, elapsed: float) -> float:
        params = self._coins.get(symbol)
        if params is None:
            # Seeded by the model and the coin only, so Binance and Bybit agree on a coin's premium.
            rng = random.Random(f"premium-{self.model.seed}-{symbol}")
            params = self._coins[symbol] = (rng.gauss(0.0, 1.0), rng.uniform(0.4, 1.0), rng.uniform(180, 900),
                                            rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi))
        base, amp, period, phase_a, phase_b = params
        cfg = self.config
        # Two incommensurate sines: a slow, irregular-looking wander.
        wander = math.sin(2 * math.pi * elapsed / period + phase_a) + 0.5 * math.sin(
            2 * math.pi * elapsed / (period * 2.63) + phase_b)
        return cfg.coin_spread * base + cfg.coin_wander * amp * wander / 1.5

    def _usdt(self, krw: float, rate: float, factor: float) -> float:
        value = krw / (rate * factor)
        return snap(value, usdt_tick(value))

    def tick(self, symbol: str, now_ms: int) -> ForeignTick | None:
        """The current snapshot of ``symbol``, None if unlisted or the USDT rate is unknown."""
        code = self._symbols.get(symbol)
        if code is None or not self.model.has(USDT_KRW):
            return None
        rate = self.model.price(USDT_KRW)
        if rate <= 0:
            return None
        factor = 1.0 + self.premium_now(symbol)
        st = self.model.state(code)
        price = self._usdt(st.price, rate, factor)
        bid = self._usdt(st.book.best_bid, rate, factor) if st.book.best_bid > 0 else price
        ask = self._usdt(st.book.best_ask, rate, factor)
        if ask <= bid:  # tick rounding can merge the two sides; keep a one-tick spread
            ask = bid + usdt_tick(bid)
        volume = st.volume_24h(now_ms)
        return ForeignTick(
            symbol,
            price,
            bid,
            ask,
            volume,
            volume * price,
            self._usdt(st.prev_close, rate, factor),
            self._usdt(st.high, rate, factor),
            self._usdt(st.low, rate, factor),
        )


def fmt(x: float) -> str:
    """A decimal string the way both venues send numbers (no exponent, trailing zeros trimmed)."""
    text = f"{x:.8f}".rstrip("0").rstrip(".")
    return text or "0"
