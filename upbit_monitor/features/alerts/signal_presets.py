"""The Upbit signals an alert rule can wait for: Upbit's own ``indicator_signal`` definitions.

Upbit evaluates these conditions on its servers at each candle close of a KRW market (``/websocket/
v1/info``, protocol-2026.md) and accepts only fixed parameter sets (INVALID_PARAM otherwise). A rule
names one preset by its label, which is what the rule dialog offers and the database keeps: a
trader picks "RSI(14) overbought (>= 70)" rather than composing a request the server would refuse.
"""

from __future__ import annotations

from typing import Final

from upbit_monitor.protocol.subscriptions import IndicatorDef

TIMEFRAMES: Final = ("5m", "15m", "60m", "240m", "1d")

_RSI = (("period", 14),)
_MACD = (("fast", 12), ("slow", 26), ("signal_period", 9))
_SMA_5_20 = (("short_period", 5), ("long_period", 20), ("type", "SMA"))
_EMA_20_60 = (("short_period", 20), ("long_period", 60), ("type", "EMA"))
_SMA_20 = (("period", 20), ("type", "SMA"))
_BB_20_2 = (("period", 20), ("multiplier", 2))

SIGNAL_PRESETS: Final[dict[str, IndicatorDef]] = {
    "RSI(14) overbought (>= 70)": IndicatorDef("rsi", _RSI, "overbought", (("threshold", 70),)),
    "RSI(14) oversold (<= 30)": IndicatorDef("rsi", _RSI, "oversold", (("threshold", 30),)),
    "MACD(12,26,9) golden cross": IndicatorDef("macd", _MACD, "golden_cross"),
    "MACD(12,26,9) dead cross": IndicatorDef("macd", _MACD, "dead_cross"),
    "MACD(12,26,9) crosses above 0": IndicatorDef("macd", _MACD, "zero_cross_above"),
    "MACD(12,26,9) crosses below 0": IndicatorDef("macd", _MACD, "zero_cross_below"),
    "SMA 5/20 golden cross": IndicatorDef("ma_crossover", _SMA_5_20, "golden_cross"),
    "SMA 5/20 dead cross": IndicatorDef("ma_crossover", _SMA_5_20, "dead_cross"),
    "EMA 20/60 golden cross": IndicatorDef("ma_crossover", _EMA_20_60, "golden_cross"),
    "EMA 20/60 dead cross": IndicatorDef("ma_crossover", _EMA_20_60, "dead_cross"),
    "Price crosses above SMA 20": IndicatorDef("moving_average", _SMA_20, "price_cross_above"),
    "Price crosses below SMA 20": IndicatorDef("moving_average", _SMA_20, "price_cross_below"),
    "Price breaks above Bollinger(20, 2)": IndicatorDef("bollinger_bands", _BB_20_2, "price_cross_above"),
    "Price breaks below Bollinger(20, 2)": IndicatorDef("bollinger_bands", _BB_20_2, "price_cross_below"),
    "Volume >= 3x its 20-bar average": IndicatorDef("volume", (("period", 20),), "volume_spike",
                                                     (("multiplier", 3),)),
}
"""Label -> the ``indicator_signal`` definition sent for it (parameters from Upbit's value sets)."""
