"""Typed values decoded from Upbit quotation REST answers (upbit-protocol.md section 9).

REST names the market ``market`` where the WebSocket says ``code``; the parsers here convert to the
stream event types where one exists (:class:`Candle`, :class:`Orderbook`, :class:`Trade`) so the
chart and views handle history and live data alike. Every element is decoded with msgspec against
the stream's constraints: a malformed or wrong-typed one raises :class:`RestError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import msgspec

from upbit_monitor.errors import RestError
from upbit_monitor.models import MarketInfo
from upbit_monitor.protocol.event_base import Code, Count, Level, Price, Size, TimestampMs
from upbit_monitor.protocol.events import Candle, Orderbook, OrderbookUnit, Ticker, Trade

_S = TypeVar("_S", bound=msgspec.Struct)

# ``stream_type`` stamped on events built from REST answers (the stream uses SNAPSHOT/REALTIME).
REST_STREAM = "REST"


class RestTicker(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of ``/v1/ticker`` a monitor uses (REST tickers have no SIMPLE form).

    Decoded with msgspec like the stream's events, so a wrong-typed value (a price as a string) is
    a :class:`RestError` here, not a ``TypeError`` in a view. Fields some answers leave out
    (Bithumb's, older ones) default to neutral values.
    """

    market: Code
    trade_price: Price
    opening_price: Price
    high_price: Price
    low_price: Price
    prev_closing_price: float
    change: str
    change_price: float
    signed_change_price: float
    change_rate: float
    signed_change_rate: float
    trade_volume: Size = 0.0
    acc_trade_price: Size = 0.0
    acc_trade_price_24h: Size
    acc_trade_volume: Size = 0.0
    acc_trade_volume_24h: Size
    trade_date: str = ""
    trade_time: str = ""
    trade_timestamp: int = 0
    timestamp: int = 0

    def as_ticker(self) -> Ticker:
        """The same values as a stream :class:`Ticker` (fields REST lacks get neutral defaults)."""
        fields = msgspec.structs.asdict(self)
        fields["code"] = fields.pop("market")
        return Ticker(**fields, **_TICKER_DEFAULTS, type="ticker", stream_type=REST_STREAM)


# The stream ticker's fields that ``/v1/ticker`` does not carry, at their neutral values.
_TICKER_DEFAULTS: dict[str, Any] = {
    "ask_bid": "", "acc_ask_volume": 0.0, "acc_bid_volume": 0.0,
    "highest_52_week_price": 0.0, "highest_52_week_date": "",
    "lowest_52_week_price": 0.0, "lowest_52_week_date": "",
    "market_state": "ACTIVE", "is_trading_suspended": False, "delisting_date": None, "market_warning": "NONE",
}


class RestTrade(msgspec.Struct, frozen=True, kw_only=True,
                rename={"code": "market", "trade_date": "trade_date_utc", "trade_time": "trade_time_utc"}):
    """One ``/v1/trades/ticks`` element under the stream's field names, validated like a streamed trade.

    REST has no ``change`` or best bid/ask for a trade: :meth:`as_trade` gives ``"EVEN"`` and 0.
    ``prev_closing_price`` and ``change_price`` may be left out (0: unknown, as before).
    """

    code: Code
    trade_price: Price
    trade_volume: Size
    ask_bid: str
    timestamp: TimestampMs
    sequential_id: Count
    trade_date: str = ""
    trade_time: str = ""
    prev_closing_price: Size = 0.0
    change_price: float = 0.0

    def as_trade(self) -> Trade:
        """The same values as a stream :class:`Trade` (the fill's time is its ``timestamp``)."""
        return Trade(**msgspec.structs.asdict(self), **_NO_BEST_QUOTES, type="trade", change="EVEN",
                     trade_timestamp=self.timestamp, stream_type=REST_STREAM)


# A REST fill has no best bid/ask beside it: 0 is the stream's "empty side".
_NO_BEST_QUOTES: dict[str, Any] = dict.fromkeys(
    ("best_ask_price", "best_ask_size", "best_bid_price", "best_bid_size"), 0.0)


class RestOrderbook(msgspec.Struct, frozen=True, kw_only=True, rename={"code": "market"}):
    """One ``/v1/orderbook`` element under the stream's field names, its levels validated like a
    streamed orderbook's.

    ``level`` is a number, or (protocol-2026.md) a decimal string such as ``"10000"``; a missing
    ``timestamp`` is 0, as it always was for answers that leave it out.
    """

    code: Code
    total_ask_size: Size
    total_bid_size: Size
    orderbook_units: tuple[OrderbookUnit, ...]
    timestamp: Annotated[int, msgspec.Meta(ge=0)] = 0
    level: Level | str | None = 0.0

    def as_orderbook(self) -> Orderbook:
        """The same values as a stream :class:`Orderbook` (``level`` always a float)."""
        try:
            level = float(self.level or 0.0)
        except ValueError:
            level = -1.0
        if not level >= 0:  # a negative, NaN or non-numeric string
            raise RestError(f"REST orderbook: level {self.level!r} of {self.code} is not a level")
        fields = {**msgspec.structs.asdict(self), "level": level}
        return Orderbook(**fields, type="orderbook", stream_type=REST_STREAM)


def _shape_error(what: str, item: Mapping[str, Any], exc: Exception) -> RestError:
    return RestError(f"REST {what}: unexpected element ({type(exc).__name__}: {exc}) in {str(item)[:120]}")


def _convert(what: str, item: Mapping[str, Any], cls: type[_S]) -> _S:
    try:
        return msgspec.convert(item, cls)
    except msgspec.ValidationError as exc:
        raise _shape_error(what, item, exc) from exc


def parse_market(item: Mapping[str, Any]) -> MarketInfo:
    """Decode one ``/v1/market/all`` element (with or without ``market_event``).

    Bithumb (and Upbit's older answer) flag a warning with a flat ``market_warning`` of ``NONE`` /
    ``CAUTION`` instead of ``market_event.warning``; both are read.
    """
    try:
        return MarketInfo.from_rest(item)
    except (KeyError, TypeError, AttributeError) as exc:
        raise _shape_error("market", item, exc) from exc


def parse_ticker(item: Mapping[str, Any]) -> RestTicker:
    """Decode one ``/v1/ticker`` element."""
    return _convert("ticker", item, RestTicker)


def parse_candle(item: Mapping[str, Any], unit: int) -> Candle:
    """Decode one ``/v1/candles/minutes/{unit}`` element into a stream-style :class:`Candle`.

    REST names the market ``market`` (the stream: ``code``) and has no type or stream type; the rest
    of the element carries the stream's names and is validated like a streamed candle.
    """
    if not isinstance(item, Mapping):
        raise _shape_error("candle", item, TypeError(f"expected an object, got {type(item).__name__}"))
    fields = {**item, "type": f"candle.{unit}m", "code": item.get("market"), "stream_type": REST_STREAM}
    return _convert("candle", fields, Candle)


def parse_trade_tick(item: Mapping[str, Any]) -> Trade:
    """Decode one ``/v1/trades/ticks`` element into a stream-style :class:`Trade`."""
    return _convert("trade", item, RestTrade).as_trade()


def parse_orderbook(item: Mapping[str, Any]) -> Orderbook:
    """Decode one ``/v1/orderbook`` element into a stream-style :class:`Orderbook`."""
    return _convert("orderbook", item, RestOrderbook).as_orderbook()
