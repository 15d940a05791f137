"""Events of the private endpoint (account orders and balances, notices) and of the info endpoint.

``myOrder`` / ``myAsset`` (upbit-protocol.md section 3) carry exact ``Decimal`` money fields;
``announcement`` arrives on the private endpoint since 2026-08-31; ``indicator`` and
``indicator_signal`` come from ``/websocket/v1/info`` (protocol-2026.md). Like the market events
(:mod:`~upbit_monitor.protocol.events`, which re-exports these) they are frozen, validated structs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from msgspec import Meta

from upbit_monitor.protocol.event_base import CandleTime, Code, Count, EventBase, TimestampMs

__all__ = [
    "Announcement",
    "AssetBalance",
    "Indicator",
    "IndicatorParams",
    "IndicatorSignal",
    "MyAsset",
    "MyOrder",
]


class MyOrder(EventBase, frozen=True, gc=False):
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


class AssetBalance(EventBase, frozen=True, gc=False):
    """One currency of a ``myAsset`` message."""

    currency: Annotated[str, Meta(min_length=1)]
    balance: Decimal
    locked: Decimal


class MyAsset(EventBase, frozen=True, gc=False):
    """``myAsset`` (private): balances after a change."""

    type: str
    asset_uuid: str
    assets: tuple[AssetBalance, ...]
    asset_timestamp: TimestampMs
    timestamp: TimestampMs
    stream_type: str
    epoch: int = 0


class Announcement(EventBase, frozen=True, gc=False):
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


class Indicator(EventBase, frozen=True, gc=False):
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


class IndicatorSignal(EventBase, frozen=True, gc=False):
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
