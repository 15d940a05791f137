"""Upbit's server indicators as the source of a chart study (issue 15).

Upbit computes RSI, moving averages, Bollinger bands and MACD itself and streams them on
``/websocket/v1/info`` (protocol-2026.md): KRW markets only, timeframes 5m/15m/60m/240m/1d, parameters
from fixed value sets, values only at candle closes (no history, no live bar), and the endpoint signs in
with the API keys. A study whose ``source`` is :attr:`Source.SERVER` shows those values instead of
computing its own; :func:`server_problem` says why a study cannot use them (the dialog disables the
choice with that sentence as the tooltip).

:class:`ServerStudyFeed` is one chart's subscription: it asks :class:`ServerIndicators` for the server
studies of the shown coin and timeframe, keeps every value received per (code, timeframe, definition),
so switching back shows them again, and hands each one to the chart as ``(study, start_s, values)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from upbit_monitor.features.indicators.server import IndicatorDef, ServerIndicators
from upbit_monitor.features.studies.settings import (
    BollingerSettings,
    EmaSettings,
    MacdSettings,
    RsiSettings,
    SmaSettings,
    Source,
    StudySettings,
)

SERVER_TIMEFRAMES: dict[int, str] = {5: "5m", 15: "15m", 60: "60m", 240: "240m", 1440: "1d"}
"""Chart timeframe (minutes) -> Upbit's indicator timeframe."""
SERVER_KINDS = ("sma", "ema", "bb", "rsi", "macd")
"""Study kinds Upbit computes (its volume indicator averages the bars *before* the closed one, unlike
the chart's volume MA, and there is no server VWAP)."""

# Value sets of upbit-sdk 1.1.0's request types (``indicators[]`` of ``indicator``, not of signals).
_RSI_PERIODS = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 21, 25)
_MA_PERIODS = (3, 5, 7, 10, 15, 20, 25, 30, 50, 60, 90, 99, 100, 120, 200)
_BB_PERIODS = (10, 20, 50)
_BB_MAX_MULT = 5.0  # the SDK says only "float"; the simulator accepts (0, 5] (UNCONFIRMED)
_MACD_SETS = ((12, 26, 9), (8, 17, 9), (5, 35, 5))
_VALUE_KEYS: dict[str, dict[str, str]] = {
    "sma": {"sma": "value"},
    "ema": {"ema": "value"},
    "bb": {"upper": "bb_upper", "middle": "bb_middle", "lower": "bb_lower"},
    "rsi": {"rsi": "rsi"},
    "macd": {"macd": "macd", "signal": "macd_signal", "histogram": "histogram"},
}
NEEDS_KEYS = "Upbit's indicators need API keys (the info endpoint signs in): Account > API keys…"

Values = tuple[float, ...]
Listener = Callable[[StudySettings, int, Values], None]


def _periods(values: Iterable[int]) -> str:
    return ", ".join(str(v) for v in values)


def server_definition(study: StudySettings) -> IndicatorDef | None:
    """The ``indicators[]`` entry Upbit serves for ``study`` (None: not a kind or parameter set it has)."""
    match study:
        case SmaSettings(period=p) | EmaSettings(period=p) if p in _MA_PERIODS:
            return IndicatorDef("moving_average", (("period", p), ("type", study.kind.upper())))
        case RsiSettings(period=p) if p in _RSI_PERIODS:
            return IndicatorDef("rsi", (("period", p),))
        case BollingerSettings(period=p, mult=m) if p in _BB_PERIODS and 0 < m <= _BB_MAX_MULT:
            return IndicatorDef("bollinger_bands", (("period", p), ("multiplier", float(m))))
        case MacdSettings(fast=f, slow=s, signal=g) if (f, s, g) in _MACD_SETS:
            return IndicatorDef("macd", (("fast", f), ("slow", s), ("signal_period", g)))
    return None


def _parameter_problem(study: StudySettings) -> str:
    match study:
        case SmaSettings() | EmaSettings():
            return f"Upbit serves {study.kind.upper()} periods {_periods(_MA_PERIODS)}"
        case RsiSettings():
            return f"Upbit serves RSI periods {_periods(_RSI_PERIODS)}"
        case BollingerSettings():
            return f"Upbit serves Bollinger periods {_periods(_BB_PERIODS)} with a multiplier up to 5"
        case MacdSettings():
            return "Upbit serves MACD 12/26/9, 8/17/9 and 5/35/5"
    return f"Upbit does not compute {study.label()} (RSI, SMA, EMA, Bollinger and MACD only)"


def server_problem(study: StudySettings, code: str | None, unit: int, keys_ok: bool,
                   venue: str = "upbit") -> str | None:
    """Why ``study`` cannot show Upbit's values on ``code`` at ``unit`` minutes (None: it can).

    ``venue`` is the exchange the chart shows: Upbit's values describe Upbit's candles only.
    """
    if study.kind not in SERVER_KINDS:
        return f"Upbit does not compute {study.label()} (RSI, SMA, EMA, Bollinger and MACD only)"
    if venue != "upbit":
        return f"Upbit's indicators describe Upbit's candles; the chart shows {venue.title()}"
    if code is not None and not code.startswith("KRW-"):
        return "Upbit computes indicators for KRW markets only"
    if unit not in SERVER_TIMEFRAMES:
        return "Upbit computes indicators at 5m, 15m, 1h, 4h and D only"
    if server_definition(study) is None:
        return _parameter_problem(study)
    if not keys_ok:
        return NEEDS_KEYS
    return None


def server_values(study: StudySettings, value: Mapping[str, Decimal]) -> Values:
    """``study``'s line values (its ``lines`` order) from an ``indicator`` event's ``value``."""
    keys = _VALUE_KEYS[study.kind]
    return tuple(float(value[keys[line]]) if keys[line] in value else float("nan") for line in study.lines)


def start_seconds(candle_date_time_utc: str) -> int:
    """A candle start (``yyyy-MM-ddTHH:mm:ss`` UTC) as epoch seconds, the chart's bar ``t``."""
    return int(datetime.fromisoformat(candle_date_time_utc).replace(tzinfo=UTC).timestamp())


class ServerStudyFeed:
    """The server-source studies of one chart: subscription, value cache, delivery to the chart.

    The manager holds this object weakly (as every component): the chart keeps it. Events arrive on
    the event loop (the Qt thread under qasync), so ``listener`` may touch widgets.
    """

    def __init__(self, indicators: ServerIndicators, keys_ok: Callable[[], bool],
                 venue: Callable[[], str] = lambda: "upbit") -> None:
        self.indicators = indicators
        self.keys_ok = keys_ok
        self.venue = venue  # the exchange the chart shows (the app's venue switch)
        self.listener: Listener | None = None
        self.code: str | None = None
        self.timeframe: str | None = None
        self._wanted: dict[IndicatorDef, list[StudySettings]] = {}
        # (code, timeframe, definition) -> {bar start (s): raw value}; bounded by what a session sees.
        self._cache: dict[tuple[str, str, IndicatorDef], dict[int, Mapping[str, Decimal]]] = {}

    def problem(self, study: StudySettings, code: str | None, unit: int) -> str | None:
        """:func:`server_problem` with this feed's key state."""
        return server_problem(study, code, unit, self.keys_ok(), self.venue())

    def follow(self, code: str | None, unit: int, studies: Iterable[StudySettings]) -> None:
        """Subscribe to the server studies among ``studies`` that ``code`` at ``unit`` can have.

        Cached values of that view are delivered at once (before the first new close).
        """
        wanted: dict[IndicatorDef, list[StudySettings]] = {}
        for study in studies:
            definition = server_definition(study)
            if study.source is Source.SERVER and definition is not None and code is not None \
                    and self.problem(study, code, unit) is None:
                wanted.setdefault(definition, []).append(study)
        timeframe = SERVER_TIMEFRAMES.get(unit)
        if not wanted or code is None or timeframe is None:
            self.release()
            return
        self.code, self.timeframe, self._wanted = code, timeframe, wanted
        self.indicators.want(self, code, timeframe, sorted(wanted, key=repr), self.on_event)
        for definition in wanted:
            for start, value in sorted(self._cache.get((code, timeframe, definition), {}).items()):
                self._deliver(definition, start, value)

    def release(self) -> None:
        """Subscribe to nothing (no server study, or none the view allows)."""
        if self._wanted:
            self.indicators.release(self)
        self._wanted = {}
        self.code = self.timeframe = None

    def on_event(self, event: Any) -> None:
        """An ``indicator`` event from the manager's router."""
        if getattr(event, "type", None) != "indicator":
            return
        definition = IndicatorDef(event.indicator, tuple(event.params.items()))
        start = start_seconds(event.candle_date_time_utc)
        self._cache.setdefault((event.code, event.timeframe, definition), {})[start] = event.value
        if (event.code, event.timeframe) == (self.code, self.timeframe):
            self._deliver(definition, start, event.value)

    def _deliver(self, definition: IndicatorDef, start: int, value: Mapping[str, Decimal]) -> None:
        if self.listener is None:
            return
        for study in self._wanted.get(definition, ()):
            self.listener(study, start, server_values(study, value))
