"""Chart studies: talipp incremental (the app's engine) vs numpy over the visible window, side by side.

Run: ``.venv/bin/python bench/studies.py [--bars 2000] [--ticks 2000]``

Seven studies as a trader sets them up (SMA 20, EMA 50, BB 20/2, session VWAP, RSI 14, MACD 12/26/9,
volume MA 20) on a synthetic 1-minute series. Measured per operation, best of 5 repeats (the 2
cores are shared, so the minimum is the stable figure):

- live tick: the newest candle changed in place. talipp: ``StudyEngine.apply`` (each indicator's
  ``update`` replaces its last input). numpy: recompute every study over the visible window plus a
  warm-up (EMA/RSI/MACD are recursive: without the warm-up their values depend on the scroll
  position) and, for VWAP, back to the session start.
- closed bar: a new candle appends.
- reset: a whole series (coin switch, history loaded).
- accuracy: the largest relative difference of the numpy-window values from the full-history values
  inside the visible window (what a user would see if the warm-up were dropped).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from common import header, table
from numpy.lib.stride_tricks import sliding_window_view

from upbit_monitor.features.studies import (
    BollingerSettings,
    EmaSettings,
    MacdSettings,
    RsiSettings,
    SmaSettings,
    StudyEngine,
    VolumeSettings,
    VwapSettings,
)

STUDIES = [
    SmaSettings(20), EmaSettings(50), BollingerSettings(20, 2.0), VwapSettings(),
    RsiSettings(14), MacdSettings(12, 26, 9), VolumeSettings(20),
]


class Bar(NamedTuple):
    t: int
    open: float
    high: float
    low: float
    close: float
    volume: float


def series(n: int, seed: int = 7) -> list[Bar]:
    rng = random.Random(seed)
    price, out = 50_000_000.0, []
    t0 = 1_764_000_000 - 1_764_000_000 % 86_400 + 3_600  # an hour into a session
    for i in range(n):
        o = price
        price *= 1 + rng.gauss(0, 0.002)
        out.append(Bar(t0 + 60 * i, o, max(o, price) * 1.001, min(o, price) * 0.999, price,
                       rng.expovariate(1 / 3)))
    return out


# ---- numpy over a window -------------------------------------------------------------------------
def sma(x: np.ndarray, p: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    if len(x) >= p:
        c = np.cumsum(np.insert(x, 0, 0.0))
        out[p - 1:] = (c[p:] - c[:-p]) / p
    return out


def smoothed(x: np.ndarray, alpha: float, seed_len: int) -> np.ndarray:
    """y = alpha*x + (1-alpha)*y[-1] seeded with the mean of the first ``seed_len`` values, no loop:
    y_t = b^t (y_s + alpha * sum_k x_k b^-k) with b = 1-alpha (positive terms: no cancellation)."""
    out = np.full(len(x), np.nan)
    if len(x) < seed_len:
        return out
    seed = x[:seed_len].mean()
    rest = x[seed_len:]
    b = 1.0 - alpha
    k = np.arange(1, len(rest) + 1)
    scaled = np.cumsum(rest * b ** -k) * alpha
    out[seed_len - 1] = seed
    out[seed_len:] = b ** k * (seed + scaled)
    return out


def ema(x: np.ndarray, p: int) -> np.ndarray:
    return smoothed(x, 2 / (p + 1), p)


def numpy_studies(bars: list[Bar], first: int) -> dict[str, np.ndarray]:
    """Every study over ``bars[first:]`` (VWAP from its session start)."""
    window = bars[first:]
    close = np.fromiter((b.close for b in window), float, len(window))
    vol = np.fromiter((b.volume for b in window), float, len(window))
    out: dict[str, np.ndarray] = {"sma": sma(close, 20), "ema": ema(close, 50), "volma": sma(vol, 20)}
    mid = sma(close, 20)
    std = np.full(len(close), np.nan)
    std[19:] = sliding_window_view(close, 20).std(axis=1)
    out["bb_upper"], out["bb_lower"] = mid + 2 * std, mid - 2 * std
    diff = np.diff(close, prepend=close[0])[1:]
    gain, loss = np.clip(diff, 0, None), np.clip(-diff, 0, None)
    ag, al = smoothed(gain, 1 / 14, 14), smoothed(loss, 1 / 14, 14)
    rsi = np.full(len(close), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi[1:] = np.where(al == 0, 100.0, 100 - 100 / (1 + ag / al))
    out["rsi"] = rsi
    macd = ema(close, 12) - ema(close, 26)
    signal = np.full(len(close), np.nan)
    signal[25:] = ema(macd[25:], 9)
    out["macd"], out["signal"] = macd, signal
    session = bars[-1].t // 86_400
    s0 = next(i for i, b in enumerate(bars) if b.t // 86_400 == session)
    day = bars[s0:]
    typical = np.fromiter(((b.high + b.low + b.close) / 3 for b in day), float, len(day))
    dvol = np.fromiter((b.volume for b in day), float, len(day))
    out["vwap"] = np.cumsum(typical * dvol) / np.cumsum(dvol)
    return out


def best_us(fn: Callable[[], None], n: int, repeats: int = 5) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n * 1e6)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bars", type=int, default=2000)
    ap.add_argument("--ticks", type=int, default=2000)
    args = ap.parse_args()
    history = series(args.bars)
    last = history[-1]
    print(header("bench/studies.py", f"{len(STUDIES)} studies, {args.bars} bars of 1m candles."))
    print()

    engine = StudyEngine(STUDIES)
    engine.reset(history)
    k = [0]

    def talipp_tick() -> None:
        k[0] += 1
        engine.apply(last._replace(close=last.close + k[0] % 7, volume=last.volume + k[0]))

    rows: list[list[str]] = []
    tick_us = best_us(talipp_tick, args.ticks)

    half = len(history) // 2

    def talipp_appends() -> None:  # the second half of the series, one closed bar at a time
        for bar in history[half:]:
            engine.apply(bar)

    reset_ms = best_us(lambda: engine.reset(history), 1, 3) / 1000
    append_us = math.inf
    for _ in range(3):
        engine.reset(history[:half])
        t0 = time.perf_counter()
        talipp_appends()
        append_us = min(append_us, (time.perf_counter() - t0) / (len(history) - half) * 1e6)
    # Cross-check: the engine against the numpy batch over the whole series (independent formulas).
    full = numpy_studies(history, 0)
    eng = {"sma": engine.lines(STUDIES[0])["sma"], "ema": engine.lines(STUDIES[1])["ema"],
           "rsi": engine.lines(STUDIES[4])["rsi"], "macd": engine.lines(STUDIES[5])["macd"],
           "vwap": engine.lines(STUDIES[3])["vwap"][-len(full["vwap"]):]}
    agree = max(float(np.nanmax(np.abs(eng[n] - full[n]) / np.abs(full[n]))) for n in eng)
    rows.append(["talipp incremental (chosen)", f"{tick_us:.0f}", f"{append_us:.0f}", f"{reset_ms:.1f}", "0"])

    for visible, warm in ((120, 300), (300, 300), (300, 0)):
        first = len(history) - visible - warm
        tick = best_us(lambda first=first: numpy_studies(history, first), max(50, args.ticks // 10))
        got = numpy_studies(history, first)
        err = 0.0
        for name in ("ema", "rsi", "macd", "signal"):
            a, b = got[name][-visible:], full[name][-visible:]
            ok = np.isfinite(a) & np.isfinite(b)
            if ok.any():
                err = max(err, float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-9))))
        rows.append([f"numpy, window {visible} + warm-up {warm}", f"{tick:.0f}", f"{tick:.0f}", "-",
                     f"{err:.1e}"])
    batch_ms = best_us(lambda: numpy_studies(history, 0), 20) / 1000
    rows.append([f"numpy, all {args.bars} bars", f"{batch_ms * 1000:.0f}", f"{batch_ms * 1000:.0f}",
                 f"{batch_ms:.1f}", "0"])
    print(table(["method", "live tick us", "closed bar us", "reset ms", "max rel. error in view"], rows))
    print()
    print(f"talipp live tick = {tick_us:.0f} us for {len(STUDIES)} studies "
          f"({tick_us / len(STUDIES):.1f} us per study); numpy over 300 bars + warm-up = "
          f"{rows[2][1]} us: {float(rows[2][1]) / tick_us:.1f}x the talipp tick. Engine vs numpy batch "
          f"(independent formulas, whole series): max relative difference {agree:.1e}.")


if __name__ == "__main__":
    main()
