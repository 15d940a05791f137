"""Textbook study formulas, written out plainly and independently of talipp (the test oracle)."""

from __future__ import annotations

import math
from typing import NamedTuple

NAN = math.nan


class Bar(NamedTuple):
    t: int
    open: float
    high: float
    low: float
    close: float
    volume: float


def sma(x: list[float], p: int) -> list[float]:
    return [sum(x[i + 1 - p : i + 1]) / p if i + 1 >= p else NAN for i in range(len(x))]


def ema(x: list[float], p: int, alpha: float | None = None) -> list[float]:
    """Seeded with the SMA of the first ``p`` values (the common convention, TA-Lib's too)."""
    a = 2 / (p + 1) if alpha is None else alpha
    out = [NAN] * len(x)
    if len(x) >= p:
        out[p - 1] = sum(x[:p]) / p
        for i in range(p, len(x)):
            out[i] = a * x[i] + (1 - a) * out[i - 1]
    return out


def bollinger(x: list[float], p: int, k: float) -> tuple[list[float], list[float], list[float]]:
    mid = sma(x, p)
    upper, lower = [NAN] * len(x), [NAN] * len(x)
    for i in range(p - 1, len(x)):
        window = x[i + 1 - p : i + 1]
        sd = math.sqrt(sum((v - mid[i]) ** 2 for v in window) / p)  # population deviation
        upper[i], lower[i] = mid[i] + k * sd, mid[i] - k * sd
    return upper, mid, lower


def rsi(x: list[float], p: int) -> list[float]:
    """Wilder: first averages are plain means of ``p`` changes, then (prev*(p-1) + now) / p."""
    out = [NAN] * len(x)
    if len(x) <= p:
        return out
    changes = [x[i] - x[i - 1] for i in range(1, len(x))]
    gain = sum(max(c, 0) for c in changes[:p]) / p
    loss = sum(max(-c, 0) for c in changes[:p]) / p
    for i in range(p, len(x)):
        if i > p:
            c = changes[i - 1]
            gain = (gain * (p - 1) + max(c, 0)) / p
            loss = (loss * (p - 1) + max(-c, 0)) / p
        out[i] = 100.0 if loss == 0 else 100 - 100 / (1 + gain / loss)
    return out


def macd(x: list[float], fast: int, slow: int, signal: int) -> tuple[list[float], list[float], list[float]]:
    line = [f - s for f, s in zip(ema(x, fast), ema(x, slow), strict=True)]
    first = slow - 1
    sig = [NAN] * first + ema(line[first:], signal)
    hist = [m - s for m, s in zip(line, sig, strict=True)]
    return line, sig, hist


def session_vwap(bars: list[Bar], session_s: int = 86_400) -> list[float]:
    out, pv, vol, session = [], 0.0, 0.0, None
    for b in bars:
        if b.t // session_s != session:
            session, pv, vol = b.t // session_s, 0.0, 0.0
        pv += (b.high + b.low + b.close) / 3 * b.volume
        vol += b.volume
        out.append(pv / vol if vol else NAN)
    return out
