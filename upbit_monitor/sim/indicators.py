"""``indicator`` and ``indicator_signal`` on ``/websocket/v1/info`` (protocol-2026.md; upbit-sdk 1.1.0).

A subscription names KRW ``codes``, one ``timeframe`` (5m, 15m, 60m, 240m, 1d) and ``indicators``: six
kinds (volume, rsi, moving_average, ma_crossover, bollinger_bands, macd) whose ``params`` come from
fixed value sets (:data:`VALUE_SETS`, read from the SDK's request types). REALTIME only: nothing is sent
on subscribe. ``indicator`` sends the values computed from the simulator's own candles each time a
candle of the timeframe closes; ``indicator_signal`` sends an event when its condition goes from unmet
to met (Upbit: no repeat while it stays met, again after it was left). Values are decimal strings.

How the simulator evaluates a signal (UNCONFIRMED, Upbit does not publish formulas): the condition is
judged on the closed bar and on the bar before it, and the event fires when it holds now but did not
then. Conditions: rsi overbought ``rsi >= threshold`` / oversold ``rsi <= threshold``; moving_average
``close > ma`` / ``close < ma``; ma_crossover golden ``short > long`` / dead ``short < long``;
bollinger_bands ``close > upper`` / ``close < lower``; macd golden/dead ``macd >< signal``, zero cross
``macd >< 0``; volume_spike ``volume >= multiplier * avg_volume``. ``avg_volume`` is the mean of the
``period`` bars before the closed one. RSI uses Wilder's smoothing, EMA seeds with the SMA of its
first ``period`` values, Bollinger uses the population standard deviation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from upbit_monitor.protocol import keys

INDICATOR = "indicator"
INDICATOR_SIGNAL = "indicator_signal"
TIMEFRAMES: dict[str, int] = {"5m": 300_000, "15m": 900_000, "60m": 3_600_000, "240m": 14_400_000,
                              "1d": 86_400_000}
_MA_PAIRS = ((5, 20), (20, 60), (30, 90), (50, 200))
_MACD_SETS = ((12, 26, 9), (8, 17, 9), (5, 35, 5))
# Allowed params per (kind, signal?) from upbit-sdk's request TypedDicts.
VALUE_SETS: dict[tuple[str, bool], dict[str, tuple[object, ...]]] = {
    ("volume", False): {"period": (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)},
    ("volume", True): {"period": (10, 20, 50)},
    ("rsi", False): {"period": (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 21, 25)},
    ("rsi", True): {"period": (7, 9, 14, 21, 25)},
    ("moving_average", False): {"period": (3, 5, 7, 10, 15, 20, 25, 30, 50, 60, 90, 99, 100, 120, 200),
                                "type": ("SMA", "EMA")},
    ("moving_average", True): {"period": (5, 10, 20, 30, 60, 90, 120, 200), "type": ("SMA", "EMA")},
    ("bollinger_bands", False): {"period": (10, 20, 50)},
    ("bollinger_bands", True): {"period": (20,)},
}
TRIGGERS: dict[str, tuple[str, ...]] = {
    "volume": ("volume_spike",), "rsi": ("overbought", "oversold"),
    "moving_average": ("price_cross_above", "price_cross_below"),
    "ma_crossover": ("golden_cross", "dead_cross"),
    "bollinger_bands": ("price_cross_above", "price_cross_below"),
    "macd": ("golden_cross", "dead_cross", "zero_cross_above", "zero_cross_below"),
}
EVENT_PARAMS: dict[str, dict[str, tuple[int, ...]]] = {
    "volume_spike": {"multiplier": (2, 3, 5)}, "overbought": {"threshold": (70, 80)},
    "oversold": {"threshold": (20, 30)},
}
# DEFAULT -> SIMPLE keys: the client's tables (upbit-sdk simple_*indicator*), one source for both
# sides; tests/protocol decode literal SDK-shaped frames to check the tables themselves.
SIMPLE_TOP = dict(keys.INDICATOR_SIGNAL)
SIMPLE_PARAMS = dict(keys.INDICATOR_PARAMS)
SIMPLE_EVENT_PARAMS = dict(keys.INDICATOR_EVENT_PARAMS)
SIMPLE_VALUES = dict(keys.INDICATOR_VALUES)


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One validated ``indicators[]`` entry (params as sent, in wire order)."""

    kind: str
    params: tuple[tuple[str, object], ...]
    trigger: str = ""  # indicator_signal only
    event_params: tuple[tuple[str, object], ...] = ()

    def param(self, name: str) -> object:
        """One parameter's value."""
        return dict(self.params)[name]


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    return float(value)


def _check_params(kind: str, signal: bool, params: dict[str, object]) -> None:
    if kind == "ma_crossover":
        pair = (params.get("short_period"), params.get("long_period"))
        if pair not in _MA_PAIRS or params.get("type") not in ("SMA", "EMA") or len(params) != 3:
            raise ValueError("ma_crossover params must be short/long in 5/20, 20/60, 30/90, 50/200 and type")
        return
    if kind == "macd":
        triple = (params.get("fast"), params.get("slow"), params.get("signal_period"))
        if triple not in _MACD_SETS or len(params) != 3:
            raise ValueError("macd params must be fast/slow/signal_period 12/26/9, 8/17/9 or 5/35/5")
        return
    allowed = dict(VALUE_SETS[(kind, signal)])
    if kind == "bollinger_bands":
        # UNCONFIRMED: the SDK types the multiplier as any float; the simulator takes (0, 5].
        m = _number(params.get("multiplier"), "multiplier")
        if not 0 < m <= 5:
            raise ValueError("bollinger_bands multiplier must be in (0, 5]")
        allowed["multiplier"] = (params["multiplier"],)
    if set(params) != set(allowed):
        raise ValueError(f"{kind} params must be {sorted(allowed)}")
    for name, values in allowed.items():
        value = params[name]
        if isinstance(value, bool) or value not in values:
            raise ValueError(f"{kind} {name}={value!r} is not one of {list(values)}")


def parse_indicator_request(obj: dict[str, object], *, signal: bool) -> tuple[str, tuple[IndicatorSpec, ...]]:
    """Validate ``timeframe`` and ``indicators`` of one type object; ValueError names what is wrong."""
    timeframe = obj.get("timeframe")
    if timeframe not in TIMEFRAMES:
        raise ValueError(f"timeframe must be one of {list(TIMEFRAMES)}")
    raw = obj.get("indicators")
    if not isinstance(raw, list) or not raw:
        raise ValueError("indicators must be a non-empty array")
    specs: list[IndicatorSpec] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("params"), dict):
            raise ValueError("each indicator needs a type and a params object")
        kind = item.get("type")
        if kind not in TRIGGERS:
            raise ValueError(f"unknown indicator type {kind!r}")
        params: dict[str, object] = item["params"]
        _check_params(str(kind), signal, params)
        trigger, event_params = "", cast(tuple[tuple[str, object], ...], ())
        if signal:
            trigger = str(item.get("trigger"))
            if trigger not in TRIGGERS[str(kind)]:
                raise ValueError(f"{kind} trigger must be one of {list(TRIGGERS[str(kind)])}")
            ep = item.get("event_params", {})
            wanted = EVENT_PARAMS.get(trigger, {})
            if not isinstance(ep, dict) or set(ep) != set(wanted) or any(
                    isinstance(ep[k], bool) or ep[k] not in v for k, v in wanted.items()):
                raise ValueError(f"{trigger} event_params must be {dict(wanted)}")
            event_params = tuple(ep.items())
        specs.append(IndicatorSpec(str(kind), tuple(params.items()), trigger, event_params))
    return str(timeframe), tuple(specs)


# -- calculations (oldest first) ----------------------------------------------------------------------
def sma(values: Sequence[float], period: int) -> list[float | None]:
    """Simple moving average, None until ``period`` values exist."""
    out: list[float | None] = [None] * len(values)
    total = 0.0
    for i, v in enumerate(values):
        total += v
        if i >= period:
            total -= values[i - period]
        if i >= period - 1:
            out[i] = total / period
    return out


def ema(values: Sequence[float | None], period: int) -> list[float | None]:
    """Exponential moving average seeded with the SMA of the first ``period`` defined values."""
    out: list[float | None] = [None] * len(values)
    alpha = 2.0 / (period + 1)
    seed: list[float] = []
    prev: float | None = None
    for i, v in enumerate(values):
        if v is None:
            continue
        if prev is None:
            seed.append(v)
            if len(seed) == period:
                prev = sum(seed) / period
                out[i] = prev
            continue
        prev = prev + alpha * (v - prev)
        out[i] = prev
    return out


def rsi(closes: Sequence[float], period: int) -> list[float | None]:
    """Wilder's RSI."""
    out: list[float | None] = [None] * len(closes)
    if len(closes) <= period:
        return out
    gains = [max(closes[i] - closes[i - 1], 0.0) for i in range(1, len(closes))]
    losses = [max(closes[i - 1] - closes[i], 0.0) for i in range(1, len(closes))]
    avg_g, avg_l = sum(gains[:period]) / period, sum(losses[:period]) / period
    for i in range(period, len(closes)):
        if i > period:
            avg_g = (avg_g * (period - 1) + gains[i - 1]) / period
            avg_l = (avg_l * (period - 1) + losses[i - 1]) / period
        out[i] = 100.0 if avg_l == 0 else 100.0 - 100.0 / (1.0 + avg_g / avg_l)
    return out


def _ma(values: Sequence[float], period: int, kind: str) -> list[float | None]:
    return sma(values, period) if kind == "SMA" else ema(values, period)


def values_at(spec: IndicatorSpec, closes: Sequence[float], volumes: Sequence[float], i: int
              ) -> dict[str, float] | None:
    """The indicator's values at bar ``i`` (None while it is still warming up)."""
    p = dict(spec.params)
    if spec.kind == "volume":
        period = int(p["period"])  # type: ignore[call-overload]
        if i < period:
            return None
        avg = sum(volumes[i - period:i]) / period
        return {"volume": volumes[i], "avg_volume": avg, "ratio": volumes[i] / avg if avg else 0.0}
    if spec.kind == "rsi":
        value = rsi(closes[: i + 1], int(p["period"]))[i]  # type: ignore[call-overload]
        return None if value is None else {"rsi": value}
    if spec.kind == "moving_average":
        value = _ma(closes[: i + 1], int(p["period"]), str(p["type"]))[i]  # type: ignore[call-overload]
        return None if value is None else {"value": value}
    if spec.kind == "ma_crossover":
        short = _ma(closes[: i + 1], int(p["short_period"]), str(p["type"]))[i]  # type: ignore[call-overload]
        long = _ma(closes[: i + 1], int(p["long_period"]), str(p["type"]))[i]  # type: ignore[call-overload]
        return None if short is None or long is None else {"ma_short": short, "ma_long": long}
    if spec.kind == "bollinger_bands":
        period, mult = int(p["period"]), float(p["multiplier"])  # type: ignore[call-overload, arg-type]
        if i < period - 1:
            return None
        window = closes[i - period + 1: i + 1]
        mid = sum(window) / period
        sd = math.sqrt(sum((c - mid) ** 2 for c in window) / period)
        return {"bb_upper": mid + mult * sd, "bb_middle": mid, "bb_lower": mid - mult * sd}
    fast, slow, sig = int(p["fast"]), int(p["slow"]), int(p["signal_period"])  # type: ignore[call-overload]
    head = closes[: i + 1]
    fast_e, slow_e = ema(head, fast), ema(head, slow)
    macd_line = [None if a is None or b is None else a - b for a, b in zip(fast_e, slow_e, strict=True)]
    signal_line = ema(macd_line, sig)
    m, s = macd_line[i], signal_line[i]
    return None if m is None or s is None else {"macd": m, "macd_signal": s, "histogram": m - s}


def condition(spec: IndicatorSpec, v: dict[str, float], close: float) -> bool:
    """Whether the signal's condition holds for values ``v`` at a bar closing at ``close``."""
    trig, ep = spec.trigger, dict(spec.event_params)
    if trig == "volume_spike":
        return v["avg_volume"] > 0 and v["volume"] >= float(ep["multiplier"]) * v["avg_volume"]  # type: ignore[arg-type]
    if trig == "overbought":
        return v["rsi"] >= float(ep["threshold"])  # type: ignore[arg-type]
    if trig == "oversold":
        return v["rsi"] <= float(ep["threshold"])  # type: ignore[arg-type]
    above = trig.endswith("above")
    if spec.kind == "moving_average":
        return close > v["value"] if above else close < v["value"]
    if spec.kind == "bollinger_bands":
        return close > v["bb_upper"] if above else close < v["bb_lower"]
    if trig in ("golden_cross", "dead_cross"):
        a, b = (v["ma_short"], v["ma_long"]) if spec.kind == "ma_crossover" else (v["macd"], v["macd_signal"])
        return a > b if trig == "golden_cross" else a < b
    return v["macd"] > 0 if above else v["macd"] < 0


def decimal_text(x: float) -> str:
    """A decimal string (no exponent, at most 8 decimals, no trailing zeros)."""
    text = format(Decimal(repr(round(x, 8))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def warmup_bars(specs: Sequence[IndicatorSpec]) -> int:
    """How many bars the specs need so EMAs have settled (3x the longest period, at least 60)."""
    longest = 1
    for spec in specs:
        for _, value in spec.params:
            if isinstance(value, int) and not isinstance(value, bool):
                longest = max(longest, value)
    return min(max(3 * longest + 2, 60), 800)


BarSource = Callable[[str, str, int, int], list[tuple[int, float, float]]]
"""(code, timeframe, to_ms, count) -> up to ``count`` (start_ms, close, volume) bars before ``to_ms``,
oldest first."""
