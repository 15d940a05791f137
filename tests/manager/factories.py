"""Small event factories for manager/connection unit tests."""

from __future__ import annotations

from upbit_monitor.protocol.events import (
    Candle,
    Orderbook,
    OrderbookUnit,
    ServerError,
    Ticker,
    Trade,
    UnknownMessage,
)


def ticker(code: str = "KRW-BTC", price: float = 100.0, epoch: int = 1) -> Ticker:
    return Ticker(
        "ticker", code, price, price, price, price, price, "EVEN", 0.0, 0.0, 0.0, 0.0,
        1.0, 1.0, 1.0, price, price, "20261123", "112233", 1, "BID", 0.5, 0.5,
        price, "2026-01-01", price, "2026-01-01", "ACTIVE", False, None, "NONE", 1, "REALTIME",
        epoch=epoch,
    )


def trade(code: str = "KRW-BTC", seq: int = 1, epoch: int = 1) -> Trade:
    return Trade(
        "trade", code, 100.0, 1.0, "BID", 100.0, "EVEN", 0.0, "2026-11-23", "11:22:33",
        1, 1, seq, 101.0, 1.0, 99.0, 1.0, "REALTIME", epoch=epoch,
    )


def orderbook(code: str = "KRW-BTC", epoch: int = 1) -> Orderbook:
    units = (OrderbookUnit(101.0, 99.0, 1.0, 2.0),)
    return Orderbook("orderbook", code, 1.0, 2.0, units, 1, 0.0, "REALTIME", epoch=epoch)


def candle(code: str = "KRW-BTC", start: str = "2026-11-23T11:22:00", price: float = 100.0,
           epoch: int = 1) -> Candle:
    return Candle("candle.1m", code, start, start, price, price, price, price, 1.0, price, 1,
                  "REALTIME", epoch=epoch)


def server_error(name: str = "NO_CODES", message: str = "codes missing", epoch: int = 1) -> ServerError:
    return ServerError("error", name, message, epoch=epoch)


def unknown(epoch: int = 1) -> UnknownMessage:
    return UnknownMessage("unknown", "no type", b"{}", epoch=epoch)
