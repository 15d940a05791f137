"""Typed, immutable events decoded from Upbit WebSocket frames.

Events are ``NamedTuple`` classes rather than frozen dataclasses: construction is a single
``tuple.__new__`` call, which keeps parsing of a 35-field ticker within a few microseconds
(frozen dataclasses pay one ``object.__setattr__`` per field). They are just as immutable and typed.

Field names are the DEFAULT-format names of upbit-protocol.md section 3 (snake_case). Every event
carries ``type`` first (the wire ``type``; candles keep their full ``candle.1m`` form) and ``epoch``
last: the connection epoch the manager stamps while parsing, so events from before a reconnect can be
recognised and dropped.

Numbers are kept as the JSON numbers orjson returns (``int`` or ``float``). Prices on KRW markets are
integers or short decimals that floats represent exactly; private balances, which can exceed double
precision, are decoded as :class:`~decimal.Decimal` (see ``MyAsset``/``MyOrder``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

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


class Ticker(NamedTuple):
    """``ticker``: current price and 24 h statistics of one market."""

    type: str
    code: str
    opening_price: float
    high_price: float
    low_price: float
    trade_price: float
    prev_closing_price: float
    change: str  # RISE / EVEN / FALL
    change_price: float
    signed_change_price: float
    change_rate: float
    signed_change_rate: float
    trade_volume: float
    acc_trade_volume: float
    acc_trade_volume_24h: float
    acc_trade_price: float
    acc_trade_price_24h: float
    trade_date: str  # yyyyMMdd (UTC)
    trade_time: str  # HHmmss (UTC)
    trade_timestamp: int
    ask_bid: str  # ASK / BID
    acc_ask_volume: float
    acc_bid_volume: float
    highest_52_week_price: float
    highest_52_week_date: str
    lowest_52_week_price: float
    lowest_52_week_date: str
    market_state: str  # PREVIEW / ACTIVE / DELISTED
    is_trading_suspended: bool
    delisting_date: str | None
    market_warning: str  # NONE / CAUTION (deprecated by Upbit, still sent)
    timestamp: int
    stream_type: str
    trade_status: str | None = None  # legacy, usually null
    market_state_for_ios: str | None = None  # legacy, usually null
    epoch: int = 0


class Trade(NamedTuple):
    """``trade``: one fill. ``sequential_id`` is unique but does not guarantee order."""

    type: str
    code: str
    trade_price: float
    trade_volume: float
    ask_bid: str  # ASK = sell-initiated, BID = buy-initiated
    prev_closing_price: float
    change: str
    change_price: float
    trade_date: str  # yyyy-MM-dd (UTC) - differs from the ticker's yyyyMMdd
    trade_time: str  # HH:mm:ss (UTC)
    trade_timestamp: int
    timestamp: int
    sequential_id: int
    best_ask_price: float
    best_ask_size: float
    best_bid_price: float
    best_bid_size: float
    stream_type: str
    epoch: int = 0


class OrderbookUnit(NamedTuple):
    """One level of the ladder: ask level i paired with bid level i (price 0 = empty side)."""

    ask_price: float
    bid_price: float
    ask_size: float
    bid_size: float


class Orderbook(NamedTuple):
    """``orderbook``: a full top-N snapshot (never a delta); index 0 is the best level."""

    type: str
    code: str
    total_ask_size: float
    total_bid_size: float
    orderbook_units: tuple[OrderbookUnit, ...]
    timestamp: int
    level: float
    stream_type: str
    epoch: int = 0


class Candle(NamedTuple):
    """``candle.*``: the in-progress (or just finished) candle; the last message per start wins."""

    type: str  # e.g. "candle.1m"
    code: str
    candle_date_time_utc: str  # yyyy-MM-ddTHH:mm:ss, candle start
    candle_date_time_kst: str
    opening_price: float
    high_price: float
    low_price: float
    trade_price: float
    candle_acc_trade_volume: float
    candle_acc_trade_price: float
    timestamp: int
    stream_type: str
    epoch: int = 0

    @property
    def unit(self) -> str:
        """The interval part of the type, e.g. ``"1m"`` or ``"1s"``."""
        return self.type.partition(".")[2]


class MyOrder(NamedTuple):
    """``myOrder`` (private): an order state change or fill of the account."""

    type: str
    code: str
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
    trades_count: int
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
    trade_timestamp: int | None
    order_timestamp: int | None
    timestamp: int
    stream_type: str
    epoch: int = 0


class AssetBalance(NamedTuple):
    """One currency of a ``myAsset`` message."""

    currency: str
    balance: Decimal
    locked: Decimal


class MyAsset(NamedTuple):
    """``myAsset`` (private): balances after a change."""

    type: str
    asset_uuid: str
    assets: tuple[AssetBalance, ...]
    asset_timestamp: int
    timestamp: int
    stream_type: str
    epoch: int = 0


class SubscriptionEntry(NamedTuple):
    """One entry of a LIST_SUBSCRIPTIONS reply."""

    type: str
    codes: tuple[str, ...]
    level: float | None


class SubscriptionList(NamedTuple):
    """Reply to ``{"method": "LIST_SUBSCRIPTIONS"}``: what the server thinks we subscribe to."""

    type: str  # always "LIST_SUBSCRIPTIONS"
    result: tuple[SubscriptionEntry, ...]
    ticket: str | None
    epoch: int = 0


class StatusUp(NamedTuple):
    """``{"status": "UP"}``: the reply to a text ``PING``."""

    type: str  # always "status"
    status: str
    epoch: int = 0


class ServerError(NamedTuple):
    """``{"error": {"name": ..., "message": ...}}``: the server rejected a request."""

    type: str  # always "error"
    name: str
    message: str
    epoch: int = 0


class UnknownMessage(NamedTuple):
    """Valid JSON that is not a known message: unknown type, wrong shape, missing key fields.

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
    | SubscriptionList
    | StatusUp
    | ServerError
    | UnknownMessage
)
"""Everything :func:`upbit_monitor.protocol.parser.parse` can return."""

MarketEvent = Ticker | Trade | Orderbook | Candle
"""Public market-data events: the ones routed by ``(type, code)``."""
