"""Order price units (tick sizes) per quote market.

Pure facts of the exchange, shared by the simulator (which quotes on this grid) and the views
(which print prices with the decimals of this grid: one table, so the two never disagree).

KRW: Upbit's table as of 2025-07-31 for prices >= 100 KRW (docs.upbit.com "원화 마켓 주문 가격 단위");
below 100 KRW the 2024 table. KRW-USDT/KRW-USDC use 0.5 in the 1,000-10,000 band (changelog
2025-03-21). BTC markets: one unit of 0.00000001 BTC. USDT markets: about 5 significant digits
(the simulator's approximation; the real USDT table is not in our notes).
"""

from __future__ import annotations

import math

# (lower bound inclusive, tick), checked top-down.
KRW_TICKS: tuple[tuple[float, float], ...] = (
    (1_000_000.0, 1000.0),
    (500_000.0, 500.0),
    (100_000.0, 100.0),
    (50_000.0, 50.0),
    (10_000.0, 10.0),
    (5_000.0, 5.0),
    (1_000.0, 1.0),
    (100.0, 1.0),
    (10.0, 0.01),
    (1.0, 0.001),
    (0.1, 0.0001),
    (0.01, 0.00001),
    (0.001, 0.000001),
    (0.0001, 0.0000001),
    (0.0, 0.00000001),
)
STABLECOIN_KRW = frozenset({"KRW-USDT", "KRW-USDC"})
BTC_TICK = 0.00000001


def krw_tick(price: float, code: str = "") -> float:
    """The KRW order price unit at ``price`` (the band containing ``price``)."""
    if code in STABLECOIN_KRW and 1_000.0 <= price < 10_000.0:
        return 0.5
    for bound, tick in KRW_TICKS:
        if price >= bound:
            return tick
    return KRW_TICKS[-1][1]


def usdt_tick(price: float) -> float:
    """Approximate USDT-market tick: about five significant digits, at least 1e-8."""
    if price <= 0:
        return BTC_TICK
    exponent = math.floor(math.log10(price)) - 4
    return max(10.0**exponent, BTC_TICK)


def tick_for(code: str, price: float) -> float:
    """Order price unit of market ``code`` at ``price``."""
    quote = code.partition("-")[0]
    if quote == "KRW":
        return krw_tick(price, code)
    if quote == "BTC":
        return BTC_TICK
    return usdt_tick(price)


def decimals(tick: float) -> int:
    """Number of decimals needed to print prices on a ``tick`` grid."""
    if tick >= 1:
        return 0
    return max(0, -math.floor(math.log10(tick) + 1e-9))


def snap(price: float, tick: float) -> float:
    """``price`` rounded to the nearest multiple of ``tick`` (float noise removed)."""
    return round(round(price / tick) * tick, decimals(tick))


def tick_up(code: str, price: float) -> float:
    """The next price above ``price`` on the grid (uses the band of ``price``)."""
    tick = tick_for(code, price)
    return snap(price + tick, tick_for(code, price + tick))


def tick_down(code: str, price: float) -> float:
    """The next price below ``price`` on the grid (uses the band just below ``price``)."""
    tick = tick_for(code, price * (1 - 1e-12) - 1e-12)
    lower = price - tick
    if lower <= 0:
        return 0.0
    return snap(lower, tick)
