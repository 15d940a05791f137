"""Issue 18: each coin has its own Binance/Bybit premium, and it wanders (it was ~+2.77 % everywhere)."""

from __future__ import annotations

import dataclasses
import statistics

from upbit_monitor.sim.bybit import BYBIT_DEFAULTS
from upbit_monitor.sim.foreign_prices import ForeignPricer, ForeignSimConfig
from upbit_monitor.sim.market import MarketModel


def _premium(pricer: ForeignPricer, model: MarketModel, symbol: str) -> float:
    tick = pricer.tick(symbol, 0)
    assert tick is not None
    usdt = model.price("KRW-USDT")
    return model.price("KRW-" + symbol.removesuffix("USDT")) / (tick.price * usdt) - 1


def test_each_coin_has_its_own_premium_that_wanders() -> None:
    model = MarketModel(seed=2)
    now = [1000.0]
    config = ForeignSimConfig(premium=0.025, coin_spread=0.01, coin_wander=0.004)
    pricer = ForeignPricer(model, config, clock=lambda: now[0])
    symbols = ["BTCUSDT", "ETHUSDT", "XRPUSDT", "SOLUSDT", "ETCUSDT", "ADAUSDT", "LINKUSDT", "AVAXUSDT"]
    at_start = {s: pricer.premium_now(s) for s in symbols}
    assert statistics.pstdev(at_start.values()) > 0.004  # spread out, not one number
    assert abs(statistics.mean(at_start.values()) - 0.025) < 0.015
    # What the app computes from the prices is that coin's premium (up to tick rounding).
    assert abs(_premium(pricer, model, "ETHUSDT") - at_start["ETHUSDT"]) < 1e-3
    now[0] += 240.0
    later = {s: pricer.premium_now(s) for s in symbols}
    assert all(later[s] != at_start[s] for s in symbols)
    assert max(abs(later[s] - at_start[s]) for s in symbols) < 0.01  # a wander, not a jump
    # Bybit shares each coin's premium, plus its venue offset.
    bybit_config = dataclasses.replace(BYBIT_DEFAULTS, premium=0.025, venue_offset=0.003, coin_spread=0.01,
                                       coin_wander=0.004)
    bybit = ForeignPricer(model, bybit_config, clock=lambda: now[0])
    bybit._t0 = pricer._t0
    assert abs(bybit.premium_now("ETHUSDT") - pricer.premium_now("ETHUSDT") - 0.003) < 1e-12


def test_without_per_coin_settings_every_coin_sits_at_the_configured_premium() -> None:
    model = MarketModel(seed=2)
    pricer = ForeignPricer(model, ForeignSimConfig(premium=0.025), clock=lambda: 5.0)
    assert {pricer.premium_now(s) for s in ("BTCUSDT", "ETHUSDT", "XRPUSDT")} == {0.025}
