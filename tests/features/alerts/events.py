"""Event factories with explicit times for alert tests."""

from __future__ import annotations

from msgspec.structs import replace

from tests.manager.factories import orderbook, ticker, trade
from upbit_monitor.protocol.events import Orderbook, Ticker, Trade

T0 = 1_764_806_400_000  # a minute boundary (2025-12-04 00:00 UTC), epoch ms


def tick(price: float, t_ms: int = T0, code: str = "KRW-BTC", change_rate: float = 0.0) -> Ticker:
    return replace(ticker(code, price), timestamp=t_ms, trade_timestamp=t_ms,
                                        signed_change_rate=change_rate)


def fill(price: float, volume: float, t_ms: int = T0, code: str = "KRW-BTC", side: str = "BID") -> Trade:
    return replace(trade(code), trade_price=price, trade_volume=volume, trade_timestamp=t_ms,
                                timestamp=t_ms, ask_bid=side)


def book(bid_total: float, ask_total: float, t_ms: int = T0, code: str = "KRW-BTC") -> Orderbook:
    return replace(orderbook(code), total_bid_size=bid_total, total_ask_size=ask_total, timestamp=t_ms)
