"""Build protocol events (ticker, trade, orderbook, candle) from the market model's state.

These return the same NamedTuples the client parses (:mod:`upbit_monitor.protocol.events`), so the
simulator and the client share one definition of every message.
"""

from __future__ import annotations

import functools
import time

from upbit_monitor.protocol.events import Orderbook, Ticker, Trade
from upbit_monitor.sim.market import MarketState


def _change(price: float, prev: float) -> str:
    if price > prev:
        return "RISE"
    if price < prev:
        return "FALL"
    return "EVEN"


@functools.lru_cache(maxsize=256)
def _gm_s(seconds: int, fmt: str) -> str:
    return time.strftime(fmt, time.gmtime(seconds))


def _gm(ts_ms: int, fmt: str) -> str:
    # Cached per second: many messages per second share their date/time strings.
    return _gm_s(ts_ms // 1000, fmt)


def ticker_event(st: MarketState, stream_type: str, now_ms: int) -> Ticker:
    """The ``ticker`` message for one market."""
    price, prev = st.price, st.prev_close
    signed = price - prev
    rate = round(signed / prev, 10) if prev else 0.0
    ts = st.last_ts
    return Ticker(
        "ticker",
        st.info.code,
        st.open,
        st.high,
        st.low,
        price,
        prev,
        _change(price, prev),
        abs(signed),
        signed,
        abs(rate),
        rate,
        st.last_volume,
        st.acc_volume,
        st.volume_24h(now_ms),
        round(st.acc_price, 8),
        st.price_24h(now_ms),
        _gm(ts, "%Y%m%d"),
        _gm(ts, "%H%M%S"),
        ts,
        st.last_side,
        st.acc_ask,
        st.acc_bid,
        st.h52,
        st.h52_date,
        st.l52,
        st.l52_date,
        "ACTIVE",
        False,
        None,
        "CAUTION" if st.info.warning else "NONE",
        now_ms,
        stream_type,
        None,
        None,
    )


def trade_event(st: MarketState, stream_type: str, now_ms: int) -> Trade:
    """The ``trade`` message for the market's last trade."""
    price, prev = st.price, st.prev_close
    book = st.book
    ts = st.last_ts
    return Trade(
        "trade",
        st.info.code,
        price,
        st.last_volume,
        st.last_side,
        prev,
        _change(price, prev),
        abs(price - prev),
        _gm(ts, "%Y-%m-%d"),
        _gm(ts, "%H:%M:%S"),
        ts,
        now_ms,
        st.last_sid,
        book.best_ask,
        book.ask_sizes[0],
        book.best_bid,
        book.bid_sizes[0],
        stream_type,
    )


def orderbook_event(
    st: MarketState, depth: int, level: float, stream_type: str, now_ms: int
) -> Orderbook | None:
    """The ``orderbook`` message at ``depth`` levels; None when ``level`` is unsupported (no data)."""
    book = st.book
    if level:
        if level not in book.supported_levels():
            return None
        units = book.aggregated(level, depth)
        tas = round(sum(u.ask_size for u in units), 8)
        tbs = round(sum(u.bid_size for u in units), 8)
    else:
        units = book.units(depth)
        tas, tbs = book.totals(depth)
    wire_level = int(level) if level == int(level) else level
    return Orderbook("orderbook", st.info.code, tas, tbs, units, now_ms, wire_level, stream_type)
