"""One incremental calculator per study kind, on top of ``talipp`` (an incremental TA library).

Why talipp (bench/studies.py has the figures; the README's Benchmarks section repeats them): every
indicator keeps its own running state, ``add`` costs O(1) (O(period) for the standard deviation),
and ``update`` replaces the *last* input, which is exactly a live candle changing in place. The
alternative measured side by side, numpy over the visible window, recomputes the window on every
tick and, for the recursive studies (EMA, RSI, MACD), must also recompute a warm-up before the
window or its values depend on where the user scrolled.

A calculator turns a bar into the tuple of its lines' values (NaN while a study is warming up):
``add(bar)`` for a new bar, ``update(bar)`` for a new version of the newest bar.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from talipp.indicators import BB, EMA, MACD, RSI, SMA, VWAP
from talipp.ohlcv import OHLCV

from upbit_monitor.features.studies.settings import (
    BollingerSettings,
    EmaSettings,
    MacdSettings,
    RsiSettings,
    SmaSettings,
    StudySettings,
    VolumeSettings,
    VwapSettings,
)

NAN = math.nan
SESSION_SECONDS = 86_400
"""VWAP session length. Upbit's trading day (and its day candle) starts at 00:00 UTC = 09:00 KST."""


class BarLike(Protocol):
    """What a study reads from a bar (the chart's ``Bar`` fits; ``t`` is the start, epoch seconds)."""

    @property
    def t(self) -> int: ...
    @property
    def high(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def close(self) -> float: ...
    @property
    def volume(self) -> float: ...


Values = tuple[float, ...]


class Calculator(Protocol):
    """Incremental computation of one study."""

    def add(self, bar: BarLike) -> Values:
        """A new newest bar: its lines' values."""
        ...

    def update(self, bar: BarLike) -> Values:
        """The newest bar changed in place: its lines' new values."""
        ...


def _num(value: Any) -> float:
    return NAN if value is None else float(value)


class _Talipp:
    """A talipp indicator fed one number (or OHLCV) per bar, unpacked into line values."""

    def __init__(
        self, indicator: Any, feed: Callable[[BarLike], Any], unpack: Callable[[Any, BarLike], Values]
    ) -> None:
        self._ind = indicator
        self._feed = feed
        self._unpack = unpack

    def add(self, bar: BarLike) -> Values:
        self._ind.add(self._feed(bar))
        return self._unpack(self._ind[-1], bar)

    def update(self, bar: BarLike) -> Values:
        # talipp's update = remove the last input (and every derived value) + add the new one.
        self._ind.update(self._feed(bar))
        return self._unpack(self._ind[-1], bar)


def _close(bar: BarLike) -> float:
    return bar.close


def _single(value: Any, _bar: BarLike) -> Values:
    return (_num(value),)


def _bands(value: Any, _bar: BarLike) -> Values:
    if value is None:
        return (NAN, NAN, NAN)
    return (_num(value.ub), _num(value.cb), _num(value.lb))


def _macd(value: Any, _bar: BarLike) -> Values:
    if value is None:
        return (NAN, NAN, NAN)
    return (_num(value.macd), _num(value.signal), _num(value.histogram))


def _volume(value: Any, bar: BarLike) -> Values:
    return (bar.volume, _num(value))


def _ohlcv(bar: BarLike) -> OHLCV:
    return OHLCV(None, bar.high, bar.low, bar.close, bar.volume)


class SessionVwap:
    """VWAP of the typical price (H+L+C)/3, restarted at each session (talipp's VWAP never resets)."""

    def __init__(self) -> None:
        self._session: int | None = None
        self._ind: Any = VWAP()

    def add(self, bar: BarLike) -> Values:
        session = bar.t // SESSION_SECONDS
        if session != self._session:
            self._session = session
            self._ind = VWAP()
        self._ind.add(_ohlcv(bar))
        return (_num(self._ind[-1]),)

    def update(self, bar: BarLike) -> Values:
        self._ind.update(_ohlcv(bar))
        return (_num(self._ind[-1]),)


def make_calculator(study: StudySettings) -> Calculator:
    """A fresh calculator for ``study`` (settings are validated by the caller)."""
    match study:
        case SmaSettings(period=period):
            return _Talipp(SMA(period), _close, _single)
        case EmaSettings(period=period):
            return _Talipp(EMA(period), _close, _single)
        case BollingerSettings(period=period, mult=mult):
            return _Talipp(BB(period, float(mult)), _close, _bands)
        case RsiSettings(period=period):
            return _Talipp(RSI(period), _close, _single)
        case MacdSettings(fast=fast, slow=slow, signal=signal):
            return _Talipp(MACD(fast, slow, signal), _close, _macd)
        case VolumeSettings(period=period):
            return _Talipp(SMA(period), _volume_of, _volume)
        case VwapSettings():
            return SessionVwap()
    raise TypeError(f"no calculator for {study!r}")  # unreachable while the union is complete


def _volume_of(bar: BarLike) -> float:
    return bar.volume
