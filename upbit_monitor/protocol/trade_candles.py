"""Live candles built from the trade stream, for venues whose WebSocket has no ``candle`` type.

Bithumb's public WebSocket offers ticker, trade and orderbook only (protocol-2026.md). The chart wants
``candle.1m`` events like Upbit's, so a connector that lacks them subscribes to ``trade`` instead and
feeds every trade through a :class:`TradeCandleBuilder`, which answers with the :class:`Candle` of each
wanted interval that the trade changed (``stream_type`` REALTIME, field for field what Upbit sends).

A builder that starts mid-interval has seen only part of the current bar; :meth:`reconcile` takes the
REST candle of that interval (everything the exchange counted up to the call) and keeps adding only
trades newer than the REST candle's last trade, so the live bar converges on the exchange's own.

Sans-I/O and clock-free: times come from the trades (``trade_timestamp``, ms since the epoch).
"""

from __future__ import annotations

import calendar
import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from upbit_monitor.protocol.events import REALTIME, Candle, Trade

KST_OFFSET_MS = 9 * 3_600_000


def interval_ms(candle_type: str) -> int:
    """Length of ``candle.1s`` / ``candle.Nm`` in milliseconds.

    Raises:
        ValueError: not a second/minute candle type.
    """
    unit = candle_type.partition(".")[2]
    if unit.endswith("s") and unit[:-1].isdigit():
        return int(unit[:-1]) * 1000
    if unit.endswith("m") and unit[:-1].isdigit():
        return int(unit[:-1]) * 60_000
    raise ValueError(f"not a candle type: {candle_type!r}")


@functools.lru_cache(maxsize=256)
def _fmt_s(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def _fmt(ms: int) -> str:
    # Cached per second: the simulator sends many candles per second that share their times.
    return _fmt_s(ms // 1000)


def _start_ms(utc: str) -> int:
    return calendar.timegm(time.strptime(utc[:19], "%Y-%m-%dT%H:%M:%S")) * 1000


class CandleBar(NamedTuple):
    """One OHLCV bar. ``start_ms`` is the interval start (UTC, ms); ``last_ms`` the last trade."""

    start_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    notional: float
    last_ms: int


def bar_candle(candle_type: str, code: str, bar: CandleBar, now_ms: int, stream_type: str) -> Candle:
    """The ``candle.*`` message for ``bar`` (the builder's live bars and the simulator's alike)."""
    return Candle(
        candle_type,
        code,
        _fmt(bar.start_ms),
        _fmt(bar.start_ms + KST_OFFSET_MS),
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        round(bar.volume, 8),
        round(bar.notional, 8),
        int(now_ms),
        stream_type,
    )


@dataclass(slots=True)
class _Bar:
    """The live bar of one key plus the trades counted into it."""

    ohlcv: CandleBar
    # Trades counted from the stream (sequential id -> (time, price, volume)): a snapshot resent after
    # a reconnect is not added twice, and a REST reconcile can re-add the ones newer than its data.
    trades: dict[int, tuple[int, float, float]] = field(default_factory=dict)

    def add(self, price: float, volume: float, ts: int) -> None:
        b = self.ohlcv
        self.ohlcv = CandleBar(b.start_ms, b.open, max(b.high, price), min(b.low, price), price,
                               b.volume + volume, b.notional + price * volume, max(b.last_ms, ts))


class TradeCandleBuilder:
    """Current bar per ``(code, candle type)``, updated by trades (see the module docstring)."""

    def __init__(self) -> None:
        self._bars: dict[tuple[str, str], _Bar] = {}
        # REST reconcile: per key, only trades after this time count (the REST bar already has them).
        self._after: dict[tuple[str, str], int] = {}

    def add(self, trade: Trade, candle_types: Iterable[str]) -> list[Candle]:
        """Count ``trade`` in each of ``candle_types``; returns the candles it changed."""
        out: list[Candle] = []
        ts = int(trade.trade_timestamp)
        price, volume = float(trade.trade_price), float(trade.trade_volume)
        for ctype in candle_types:
            key = (trade.code, ctype)
            if ts <= self._after.get(key, -1):
                continue
            length = interval_ms(ctype)
            start = ts - ts % length
            bar = self._bars.get(key)
            if bar is None or start > bar.ohlcv.start_ms:
                bar = self._bars[key] = _Bar(CandleBar(start, price, price, price, price, 0.0, 0.0, ts))
            elif start < bar.ohlcv.start_ms or trade.sequential_id in bar.trades:
                continue  # a late trade of a closed bar, or one counted already
            bar.trades[trade.sequential_id] = (ts, price, volume)
            bar.add(price, volume, ts)
            out.append(bar_candle(ctype, trade.code, bar.ohlcv, trade.timestamp, REALTIME))
        return out

    def reconcile(self, candle: Candle) -> Candle | None:
        """Adopt the REST ``candle`` of the current (or a newer) interval; returns the merged bar.

        Trades of this connection newer than the REST candle's last trade (its ``timestamp``) stay
        counted on top; older ones are already in the REST numbers. A REST candle older than the
        live bar changes nothing (returns None).
        """
        key = (candle.code, candle.type)
        start = _start_ms(candle.candle_date_time_utc)
        rest_last = int(candle.timestamp)
        bar = self._bars.get(key)
        if bar is not None and start < bar.ohlcv.start_ms:
            return None
        merged = _Bar(CandleBar(start, float(candle.opening_price), float(candle.high_price),
                                float(candle.low_price), float(candle.trade_price),
                                float(candle.candle_acc_trade_volume),
                                float(candle.candle_acc_trade_price), rest_last))
        if bar is not None and bar.ohlcv.start_ms == start:
            # Fills this connection saw after the REST snapshot was taken are not in its numbers.
            for seq, (ts, price, volume) in sorted(bar.trades.items(), key=lambda kv: kv[1][0]):
                if ts > rest_last:
                    merged.trades[seq] = (ts, price, volume)
                    merged.add(price, volume, ts)
        self._bars[key] = merged
        self._after[key] = rest_last
        return bar_candle(candle.type, candle.code, merged.ohlcv, merged.ohlcv.last_ms, REALTIME)

    def current(self, code: str, candle_type: str) -> Candle | None:
        """The live bar of ``code`` for ``candle_type`` as a candle, or None."""
        bar = self._bars.get((code, candle_type))
        return None if bar is None else bar_candle(candle_type, code, bar.ohlcv, bar.ohlcv.last_ms, REALTIME)

    def forget(self, keep: Iterable[tuple[str, str]]) -> None:
        """Drop the bars of every ``(code, candle type)`` not in ``keep`` (unsubscribed)."""
        wanted = set(keep)
        for key in [k for k in self._bars if k not in wanted]:
            del self._bars[key]
            self._after.pop(key, None)
