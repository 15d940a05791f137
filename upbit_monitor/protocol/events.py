"""Typed, immutable events decoded from Upbit WebSocket frames.

Events are frozen ``msgspec.Struct`` classes (``gc=False``: they only hold immutable values, so they
cannot form reference cycles and the cyclic GC need not track millions of them). The parser decodes
wire bytes straight into them, checking types and ranges on the way (see :mod:`.wire`); building one
by hand costs about as much as building a NamedTuple did. Construction by position still works in
the old field order, so ``Ticker("ticker", code, ...)`` reads as before; there is no tuple unpacking
or indexing: use the field names, ``msgspec.structs.replace`` and ``msgspec.structs.asdict``.

Field names are the DEFAULT-format names of upbit-protocol.md section 3 (snake_case). Every event
carries ``type`` first (the wire ``type``; candles keep their full ``candle.1m`` form) and ``epoch``
last: the connection epoch the parser stamps, so events from before a reconnect can be recognised
and dropped.

The annotations carry the validation rules the decoder enforces (:mod:`.event_base`). The private and
info endpoint events live in :mod:`.private_events` and are re-exported here; private money fields
are exact ``Decimal``.

The parser decodes SIMPLE and DEFAULT frames into subclasses generated from these classes (one per
key style and wire tag). They compare equal to the classes here and pass ``isinstance``; code that
dispatches on the exact class must use :func:`event_class`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated

from msgspec import Meta

from upbit_monitor.protocol.event_base import (
    MAX_FUTURE_MS,
    MIN_CANDLE_TIME,
    MIN_TIMESTAMP_MS,
    BookPrice,
    CandleTime,
    Code,
    Count,
    EventBase,
    Level,
    Price,
    Size,
    TimestampMs,
    event_class,
)
from upbit_monitor.protocol.private_events import (
    Announcement,
    AssetBalance,
    Indicator,
    IndicatorParams,
    IndicatorSignal,
    MyAsset,
    MyOrder,
)

__all__ = [
    "CANDLE_TYPES",
    "INFO_TYPES",
    "MAX_FUTURE_MS",
    "MIN_CANDLE_TIME",
    "MIN_TIMESTAMP_MS",
    "PRIVATE_TYPES",
    "PUBLIC_TYPES",
    "REALTIME",
    "SNAPSHOT",
    "Announcement",
    "AssetBalance",
    "BookPrice",
    "Candle",
    "CandleTime",
    "Code",
    "Count",
    "DelistingDate",
    "Event",
    "EventBase",
    "Indicator",
    "IndicatorParams",
    "IndicatorSignal",
    "Level",
    "MarketEvent",
    "MyAsset",
    "MyOrder",
    "Orderbook",
    "OrderbookUnit",
    "Price",
    "ServerError",
    "Size",
    "StatusUp",
    "SubscriptionEntry",
    "SubscriptionList",
    "Ticker",
    "TimestampMs",
    "Trade",
    "UnknownMessage",
    "event_class",
]

# ``stream_type`` values.
SNAPSHOT = "SNAPSHOT"
REALTIME = "REALTIME"

CANDLE_TYPES: tuple[str, ...] = (
    "candle.1s",
    "candle.1m",
    "candle.3m",
    "candle.5m",
    "candle.10m",
    "candle.15m",
    "candle.30m",
    "candle.60m",
    "candle.240m",
)
PUBLIC_TYPES: tuple[str, ...] = ("ticker", "trade", "orderbook", *CANDLE_TYPES)
PRIVATE_TYPES: tuple[str, ...] = ("myOrder", "myAsset")
INFO_TYPES: tuple[str, ...] = ("indicator", "indicator_signal")
"""Types of the ``/websocket/v1/info`` endpoint (protocol-2026.md)."""

class DelistingDate(EventBase, frozen=True, gc=False):
    """Ticker ``delisting_date`` as the official SDK sends it: ``{year, month, day}``."""

    year: Annotated[int, Meta(ge=2000, le=9999)]
    month: Annotated[int, Meta(ge=1, le=12)]
    day: Annotated[int, Meta(ge=1, le=31)]


class Ticker(EventBase, frozen=True, gc=False):
    """``ticker``: current price and 24 h statistics of one market."""

    type: str
    code: Code
    opening_price: Price
    high_price: Price
    low_price: Price
    trade_price: Price
    prev_closing_price: Price
    change: str  # RISE / EVEN / FALL
    change_price: Size
    signed_change_price: float
    change_rate: Size
    signed_change_rate: float
    trade_volume: Size
    acc_trade_volume: Size
    acc_trade_volume_24h: Size
    acc_trade_price: Size
    acc_trade_price_24h: Size
    trade_date: str  # yyyyMMdd (UTC)
    trade_time: str  # HHmmss (UTC)
    trade_timestamp: TimestampMs
    ask_bid: str  # ASK / BID
    acc_ask_volume: Size
    acc_bid_volume: Size
    highest_52_week_price: Price
    highest_52_week_date: str
    lowest_52_week_price: Price
    lowest_52_week_date: str
    market_state: str  # PREVIEW / ACTIVE / DELISTED
    # Legacy (optional on the wire): the SDK's ticker no longer lists it.
    is_trading_suspended: bool | None
    # An object {year, month, day} (SDK), an older date string, or null; optional on the wire.
    delisting_date: DelistingDate | str | None
    market_warning: str | None  # NONE / CAUTION; legacy, optional on the wire
    timestamp: TimestampMs
    stream_type: str
    trade_status: str | None = None  # legacy, usually absent
    market_state_for_ios: str | None = None  # legacy, usually absent
    epoch: int = 0

    @property
    def delisting_day(self) -> _dt.date | None:
        """``delisting_date`` as a date, whichever wire form it came in (None if absent/unreadable)."""
        value = self.delisting_date
        try:
            if isinstance(value, DelistingDate):
                return _dt.date(value.year, value.month, value.day)
            if isinstance(value, str):
                return _dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
        return None


class Trade(EventBase, frozen=True, gc=False):
    """``trade``: one fill. ``sequential_id`` is unique but does not guarantee order."""

    type: str
    code: Code
    trade_price: Price
    trade_volume: Size
    ask_bid: str  # ASK = sell-initiated, BID = buy-initiated
    prev_closing_price: Price
    change: str
    change_price: Size
    trade_date: str  # yyyy-MM-dd (UTC) - differs from the ticker's yyyyMMdd
    trade_time: str  # HH:mm:ss (UTC)
    trade_timestamp: TimestampMs
    timestamp: TimestampMs
    sequential_id: Count
    # Added by Upbit on 2024-11-27: optional on the wire (older servers, Bithumb); 0 = empty side.
    best_ask_price: BookPrice | None
    best_ask_size: Size | None
    best_bid_price: BookPrice | None
    best_bid_size: Size | None
    stream_type: str
    epoch: int = 0


class OrderbookUnit(EventBase, frozen=True, gc=False):
    """One level of the ladder: ask level i paired with bid level i (price 0 = empty side)."""

    ask_price: BookPrice
    bid_price: BookPrice
    ask_size: Size
    bid_size: Size


class Orderbook(EventBase, frozen=True, gc=False):
    """``orderbook``: a full top-N snapshot (never a delta); index 0 is the best level."""

    type: str
    code: Code
    total_ask_size: Size
    total_bid_size: Size
    orderbook_units: tuple[OrderbookUnit, ...]
    timestamp: TimestampMs
    level: Level  # aggregation unit; a string ("10000") or a number on the wire, always a float here
    stream_type: str
    epoch: int = 0


class Candle(EventBase, frozen=True, gc=False):
    """``candle.*``: the in-progress (or just finished) candle; the last message per start wins."""

    type: str  # e.g. "candle.1m"
    code: Code
    candle_date_time_utc: CandleTime  # candle start
    candle_date_time_kst: CandleTime
    opening_price: Price
    high_price: Price
    low_price: Price
    trade_price: Price
    candle_acc_trade_volume: Size
    candle_acc_trade_price: Size
    timestamp: TimestampMs
    stream_type: str
    epoch: int = 0

    @property
    def unit(self) -> str:
        """The interval part of the type, e.g. ``"1m"`` or ``"1s"``."""
        return self.type.partition(".")[2]


class SubscriptionEntry(EventBase, frozen=True, gc=False):
    """One entry of a LIST_SUBSCRIPTIONS reply."""

    type: str
    codes: tuple[str, ...]
    level: float | None


class SubscriptionList(EventBase, frozen=True, gc=False):
    """Reply to ``{"method": "LIST_SUBSCRIPTIONS"}``: what the server thinks we subscribe to."""

    type: str  # always "LIST_SUBSCRIPTIONS"
    result: tuple[SubscriptionEntry, ...]
    ticket: str | None
    epoch: int = 0


class StatusUp(EventBase, frozen=True, gc=False):
    """``{"status": "UP"}``: the reply to a text ``PING``."""

    type: str  # always "status"
    status: str
    epoch: int = 0


class ServerError(EventBase, frozen=True, gc=False):
    """``{"error": {"name": ..., "message": ...}}``: the server rejected a request."""

    type: str  # always "error"
    name: str
    message: str
    epoch: int = 0


class UnknownMessage(EventBase, frozen=True, gc=False):
    """Valid JSON of a type we do not know (or a shape without any type).

    Never raised, always returned, so a new Upbit message type cannot break the client; the caller
    counts these. ``raw`` holds at most 500 bytes of the offending object for diagnostics.
    """

    type: str  # always "unknown"
    reason: str
    raw: bytes
    epoch: int = 0


Event = (
    Ticker
    | Trade
    | Orderbook
    | Candle
    | MyOrder
    | MyAsset
    | Announcement
    | Indicator
    | IndicatorSignal
    | SubscriptionList
    | StatusUp
    | ServerError
    | UnknownMessage
)
"""Everything :meth:`upbit_monitor.protocol.parser.Parser.parse` can return."""

MarketEvent = Ticker | Trade | Orderbook | Candle
"""Public market-data events: the ones routed by ``(type, code)``."""
