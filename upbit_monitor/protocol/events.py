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

The annotations carry the validation rules the decoder enforces (``Annotated[..., Meta(...)]``):
prices > 0, sizes and amounts >= 0, millisecond timestamps not before 2017 (and, checked after
decoding against an injectable clock, not more than a day ahead). A JSON integer is accepted where a
float is expected (Upbit sends ``0`` and ``10000``). Private money fields are exact ``Decimal``.

The parser decodes SIMPLE and DEFAULT frames into subclasses generated from these classes (one per
key style and wire tag). They compare equal to the classes here and pass ``isinstance``; code that
dispatches on the exact class must use :func:`event_class`.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import Meta
from msgspec.structs import astuple

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

MIN_TIMESTAMP_MS = 1_483_228_800_000
"""2017-01-01T00:00:00Z: Upbit opened in October 2017; anything older is a broken clock or value."""
MIN_CANDLE_TIME = "2017-01-01T00:00:00"
MAX_FUTURE_MS = 86_400_000
"""How far ahead of the local clock a timestamp may be (a day: generous for skewed clocks)."""

Code = Annotated[str, Meta(min_length=1, max_length=40)]
Price = Annotated[float, Meta(gt=0)]
"""A trade or quote price: strictly positive."""
Size = Annotated[float, Meta(ge=0)]
"""A volume, an amount, an absolute change or rate: zero or more."""
BookPrice = Annotated[float, Meta(ge=0)]
"""An orderbook level price: 0 means "no level on this side" (upbit-protocol.md §3.3)."""
Level = Annotated[float, Meta(ge=0)]
"""Orderbook price aggregation unit (0 = the native tick)."""
TimestampMs = Annotated[int, Meta(ge=MIN_TIMESTAMP_MS)]
Count = Annotated[int, Meta(ge=0)]
CandleTime = Annotated[str, Meta(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")]
"""``yyyy-MM-ddTHH:mm:ss``; the range (2017 to a day ahead) is checked after decoding."""


class _Event(msgspec.Struct, frozen=True, gc=False):
    """Value equality across the generated wire subclasses (SIMPLE vs DEFAULT decode classes).

    msgspec compares only identical classes; a ticker decoded from SIMPLE keys must still equal the
    same ticker built by hand. Only tests and rare bookkeeping compare events, never the hot path.
    """

    event_root: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_root" not in cls.__dict__ and not getattr(cls, "_wire", False):
            cls.event_root = cls

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Event) and self.event_root is other.event_root:
            return astuple(self) == astuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.event_root, astuple(self)))


def event_class(event: object) -> type:
    """The public class of an event (``Ticker`` for a ticker decoded from SIMPLE keys)."""
    return getattr(event, "event_root", type(event))


class DelistingDate(_Event, frozen=True, gc=False):
    """Ticker ``delisting_date`` as the official SDK sends it: ``{year, month, day}``."""

    year: Annotated[int, Meta(ge=2000, le=9999)]
    month: Annotated[int, Meta(ge=1, le=12)]
    day: Annotated[int, Meta(ge=1, le=31)]


class Ticker(_Event, frozen=True, gc=False):
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


class Trade(_Event, frozen=True, gc=False):
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


class OrderbookUnit(_Event, frozen=True, gc=False):
    """One level of the ladder: ask level i paired with bid level i (price 0 = empty side)."""

    ask_price: BookPrice
    bid_price: BookPrice
    ask_size: Size
    bid_size: Size


class Orderbook(_Event, frozen=True, gc=False):
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


class Candle(_Event, frozen=True, gc=False):
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


class MyOrder(_Event, frozen=True, gc=False):
    """``myOrder`` (private): an order state change or fill of the account.

    Money fields are exact; the decoder rejects negative or non-finite amounts.
    """

    type: str
    code: Code
    uuid: str
    ask_bid: str
    order_type: str  # limit / price / market / best
    state: str  # wait / watch / trade / done / cancel / prevented
    trade_uuid: str | None
    price: Decimal | None
    avg_price: Decimal | None
    volume: Decimal | None
    remaining_volume: Decimal | None
    executed_volume: Decimal | None
    trades_count: Count
    reserved_fee: Decimal | None
    remaining_fee: Decimal | None
    paid_fee: Decimal | None
    locked: Decimal | None
    executed_funds: Decimal | None
    time_in_force: str | None  # ioc / fok / post_only / null
    trade_fee: Decimal | None
    is_maker: bool | None
    identifier: str | None
    smp_type: str | None
    prevented_volume: Decimal | None
    prevented_locked: Decimal | None
    trade_timestamp: TimestampMs | None
    order_timestamp: TimestampMs | None
    timestamp: TimestampMs
    stream_type: str
    epoch: int = 0


class AssetBalance(_Event, frozen=True, gc=False):
    """One currency of a ``myAsset`` message."""

    currency: Annotated[str, Meta(min_length=1)]
    balance: Decimal
    locked: Decimal


class MyAsset(_Event, frozen=True, gc=False):
    """``myAsset`` (private): balances after a change."""

    type: str
    asset_uuid: str
    assets: tuple[AssetBalance, ...]
    asset_timestamp: TimestampMs
    timestamp: TimestampMs
    stream_type: str
    epoch: int = 0


class Announcement(_Event, frozen=True, gc=False):
    """``announcement`` (private endpoint, since 2026-08-31): a notice was created or updated.

    ``body`` may be null when it is large or was not requested (``include_body``); the two listing
    times are the server's strings, kept as sent.
    """

    type: str
    uuid: str
    category: str
    event_type: str  # CREATED / UPDATED
    title: str
    body: str | None
    url: str | None
    listed_at: str | None
    first_listed_at: str | None
    timestamp: TimestampMs
    stream_type: str
    epoch: int = 0


IndicatorParams = dict[str, int | float | str]
"""``params`` / ``event_params`` of an indicator: ``{"period": 14}``, ``{"type": "EMA", ...}``, ``{}``."""


class Indicator(_Event, frozen=True, gc=False):
    """``indicator`` (``/websocket/v1/info``): the values of one indicator at a candle close.

    Flat like the wire (upbit-sdk ``types/*_indicator.py``): ``indicator`` names the kind (volume, rsi,
    moving_average, ma_crossover, bollinger_bands, macd), ``params`` its parameters, ``value`` the
    values keyed by name (``rsi``; ``bb_upper``/``bb_middle``/``bb_lower``; ``macd``/``macd_signal``/
    ``histogram`` ...). Values are decimal strings on the wire and exact ``Decimal`` here. Nested keys
    are always the DEFAULT names: the parser renames SIMPLE ones (``p``, ``bbu`` ...) after decoding.
    ``candle_date_time_utc`` is the start of the candle that closed.
    """

    type: str
    code: Code
    timeframe: str  # 5m / 15m / 60m / 240m / 1d
    indicator: str
    params: IndicatorParams
    value: dict[str, Decimal]
    candle_date_time_utc: CandleTime
    timestamp: TimestampMs
    stream_type: str
    epoch: int = 0


class IndicatorSignal(_Event, frozen=True, gc=False):
    """``indicator_signal`` (``/websocket/v1/info``): an indicator condition became true at a close.

    :class:`Indicator`'s fields plus ``trigger`` (overbought, oversold, golden_cross, dead_cross,
    price_cross_above, zero_cross_below, volume_spike ...) and ``event_params`` (``{"threshold": 70}``,
    ``{"multiplier": 3}``, often ``{}``).
    """

    type: str
    code: Code
    timeframe: str
    indicator: str
    params: IndicatorParams
    trigger: str
    event_params: IndicatorParams
    value: dict[str, Decimal]
    candle_date_time_utc: CandleTime
    timestamp: TimestampMs
    stream_type: str
    epoch: int = 0


class SubscriptionEntry(_Event, frozen=True, gc=False):
    """One entry of a LIST_SUBSCRIPTIONS reply."""

    type: str
    codes: tuple[str, ...]
    level: float | None


class SubscriptionList(_Event, frozen=True, gc=False):
    """Reply to ``{"method": "LIST_SUBSCRIPTIONS"}``: what the server thinks we subscribe to."""

    type: str  # always "LIST_SUBSCRIPTIONS"
    result: tuple[SubscriptionEntry, ...]
    ticket: str | None
    epoch: int = 0


class StatusUp(_Event, frozen=True, gc=False):
    """``{"status": "UP"}``: the reply to a text ``PING``."""

    type: str  # always "status"
    status: str
    epoch: int = 0


class ServerError(_Event, frozen=True, gc=False):
    """``{"error": {"name": ..., "message": ...}}``: the server rejected a request."""

    type: str  # always "error"
    name: str
    message: str
    epoch: int = 0


class UnknownMessage(_Event, frozen=True, gc=False):
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
