"""Delivery of ``indicator`` / ``indicator_signal`` events to ``/websocket/v1/info`` connections.

The feed's 1 s timer calls :meth:`InfoFeed.tick`; when a candle of a subscribed timeframe has closed
since the previous tick, every subscription of that timeframe gets its values (``indicator``) or its
condition transitions (``indicator_signal``) computed from the bars before the new interval. Tests
need not wait for a 5-minute close: :meth:`InfoFeed.close_now` evaluates as if the current bar had
just closed, and with ``force_signals`` every subscribed signal fires at that close (its condition is
taken as newly met), so a client's handling of a signal can be tested without scripting a crossing.
Calculations live in :mod:`upbit_monitor.sim.indicators`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import orjson

from upbit_monitor.sim.indicators import (
    INDICATOR_SIGNAL,
    SIMPLE_EVENT_PARAMS,
    SIMPLE_PARAMS,
    SIMPLE_TOP,
    SIMPLE_VALUES,
    TIMEFRAMES,
    BarSource,
    IndicatorSpec,
    condition,
    decimal_text,
    values_at,
    warmup_bars,
)

if TYPE_CHECKING:
    from upbit_monitor.sim.requests import TypeRequest
    from upbit_monitor.sim.session import Session


def _utc(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_ms // 1000))


def encode_indicator(event: dict[str, object], simple: bool) -> bytes:
    """JSON bytes with DEFAULT or SIMPLE keys (params, event params and values have their own maps)."""
    if not simple:
        return orjson.dumps(event)
    out: dict[str, object] = {}
    for key, value in event.items():
        if key == "params" and isinstance(value, dict):
            value = {SIMPLE_PARAMS.get(k, k): v for k, v in value.items()}
        elif key == "event_params" and isinstance(value, dict):
            value = {SIMPLE_EVENT_PARAMS.get(k, k): v for k, v in value.items()}
        elif key == "value" and isinstance(value, dict):
            value = {SIMPLE_VALUES.get(k, k): v for k, v in value.items()}
        out[SIMPLE_TOP.get(key, key)] = value
    return orjson.dumps(out)


class InfoFeed:
    """Subscriptions of the info endpoint and the close-driven evaluation."""

    def __init__(self, bars: BarSource) -> None:
        self.bars = bars
        self.subs: dict[Session, tuple[TypeRequest, ...]] = {}
        self.events_sent = 0
        self._last_start: dict[str, int] = {}

    def register(self, session: Session, types: tuple[TypeRequest, ...]) -> None:
        """Replace ``session``'s indicator subscriptions (empty = none)."""
        if types:
            self.subs[session] = types
            now = int(time.time() * 1000)
            for req in types:
                # Upbit: values start with the first close AFTER subscribing (no snapshot).
                self._last_start.setdefault(req.timeframe, now - now % TIMEFRAMES[req.timeframe])
        else:
            self.subs.pop(session, None)

    def tick(self, now_ms: int) -> None:
        """Evaluate every timeframe whose candle closed since the previous tick."""
        for tf, last in list(self._last_start.items()):
            start = now_ms - now_ms % TIMEFRAMES[tf]
            if start > last:
                self._last_start[tf] = start
                self.evaluate(tf, start, now_ms)

    def close_now(self, timeframe: str | None = None, now_ms: int | None = None, *,
                  force_signals: bool = False) -> None:
        """Evaluate as if the current bar of ``timeframe`` (None = every subscribed one) closed now
        (``force_signals``: every signal subscription fires, whatever its condition)."""
        now = int(time.time() * 1000) if now_ms is None else now_ms
        for tf in [timeframe] if timeframe else sorted({r.timeframe for t in self.subs.values() for r in t}):
            span = TIMEFRAMES[tf]
            self.evaluate(tf, now - now % span + span, now, force_signals=force_signals)

    def evaluate(self, timeframe: str, to_ms: int, now_ms: int, *, force_signals: bool = False) -> None:
        """Send the events of every ``timeframe`` subscription for the bar closing at ``to_ms``."""
        cache: dict[tuple[str, int], list[tuple[int, float, float]]] = {}
        for session, types in list(self.subs.items()):
            if session.closing:
                continue
            for req in types:
                if req.timeframe != timeframe:
                    continue
                need = warmup_bars(req.indicators)
                for code in req.codes:
                    key = (code, need)
                    if key not in cache:
                        cache[key] = self.bars(code, timeframe, to_ms, need)
                    for event in self._events(req, code, cache[key], now_ms, force_signals):
                        session.push(encode_indicator(event, session.simple))
                        self.events_sent += 1

    def _events(self, req: TypeRequest, code: str, bars: list[tuple[int, float, float]], now_ms: int,
                force: bool = False) -> list[dict[str, object]]:
        if not bars:
            return []
        closes = [b[1] for b in bars]
        volumes = [b[2] for b in bars]
        i = len(bars) - 1
        out: list[dict[str, object]] = []
        for spec in req.indicators:
            now_v = values_at(spec, closes, volumes, i)
            if now_v is None:
                continue  # not enough history for this period yet
            if req.type == INDICATOR_SIGNAL and not force:
                prev_v = values_at(spec, closes, volumes, i - 1) if i > 0 else None
                if not condition(spec, now_v, closes[i]) or (
                        prev_v is not None and condition(spec, prev_v, closes[i - 1])):
                    continue  # only the unmet -> met transition is an event
            out.append(self._event(req, spec, code, bars[i][0], now_v, now_ms))
        return out

    @staticmethod
    def _event(req: TypeRequest, spec: IndicatorSpec, code: str, start_ms: int, values: dict[str, float],
               now_ms: int) -> dict[str, object]:
        event: dict[str, object] = {
            "type": req.type, "code": code, "timeframe": req.timeframe, "indicator": spec.kind,
            "params": dict(spec.params), "value": {k: decimal_text(v) for k, v in values.items()},
            "candle_date_time_utc": _utc(start_ms), "timestamp": now_ms, "stream_type": "REALTIME",
        }
        if req.type == INDICATOR_SIGNAL:
            event["trigger"] = spec.trigger
            event["event_params"] = dict(spec.event_params)
        return event
