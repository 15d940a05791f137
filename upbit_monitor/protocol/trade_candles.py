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
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

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


def _fmt(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))


def _start_ms(utc: str) -> int:
    return calendar.timegm(time.strptime(utc[:19], "%Y-%m-%dT%H:%M:%S")) * 1000


@dataclass(slots=True)
class _Bar:
    start_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    notional: float
    last_ms: int
    # Trades counted from the stream (sequential id -> (time, price, volume)): a snapshot resent after
    # a reconnect is not added twice, and a REST reconcile can re-add the ones newer than its data.
    trades: dict[int, tuple[int, float, float]] = field(default_factory=dict)

    def add(self, price: float, volume: float, ts: int) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += volume
        self.notional += price * volume
        self.last_ms = max(self.last_ms, ts)


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
            if bar is None or start > bar.start_ms:
                bar = self._bars[key] = _Bar(start, price, price, price, price, 0.0, 0.0, ts)
            elif start < bar.start_ms or trade.sequential_id in bar.trades:
                continue  # a late trade of a closed bar, or one counted already
            bar.trades[trade.sequential_id] = (ts, price, volume)
            bar.add(price, volume, ts)
            out.append(self._candle(trade.code, ctype, bar, trade.timestamp))
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
        if bar is not None and start < bar.start_ms:
            return None
        merged = _Bar(start, float(candle.opening_price), float(candle.high_price),
                      float(candle.low_price), float(candle.trade_price),
                      float(candle.candle_acc_trade_volume), float(candle.candle_acc_trade_price),
                      rest_last)
        if bar is not None and bar.start_ms == start:
            # Fills this connection saw after the REST snapshot was taken are not in its numbers.
            for seq, (ts, price, volume) in sorted(bar.trades.items(), key=lambda kv: kv[1][0]):
                if ts > rest_last:
                    merged.trades[seq] = (ts, price, volume)
                    merged.add(price, volume, ts)
        self._bars[key] = merged
        self._after[key] = rest_last
        return self._candle(candle.code, candle.type, merged, merged.last_ms)

    def current(self, code: str, candle_type: str) -> Candle | None:
        """The live bar of ``code`` for ``candle_type`` as a candle, or None."""
        bar = self._bars.get((code, candle_type))
        return None if bar is None else self._candle(code, candle_type, bar, bar.last_ms)

    def forget(self, keep: Iterable[tuple[str, str]]) -> None:
        """Drop the bars of every ``(code, candle type)`` not in ``keep`` (unsubscribed)."""
        wanted = set(keep)
        for key in [k for k in self._bars if k not in wanted]:
            del self._bars[key]
            self._after.pop(key, None)

    @staticmethod
    def _candle(code: str, ctype: str, bar: _Bar, now_ms: int) -> Candle:
        return Candle(
            ctype,
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
            REALTIME,
        )
