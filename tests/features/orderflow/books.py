"""Book and trade factories for the order-flow tests (real-looking timestamps, exact prices)."""

from __future__ import annotations

from upbit_monitor.protocol.events import Orderbook, OrderbookUnit, Trade

T0 = 1_764_806_400_000.0  # 2025-12-04 00:00 UTC in ms: the parser's timestamp rules accept it


def book(t_ms: float, mid: float, tick: float = 1.0, levels: int = 30, size: float = 1.0,
         code: str = "KRW-XRP", sizes: dict[float, float] | None = None) -> Orderbook:
    """A book around ``mid`` (best ask = mid + tick/2 rounded up to a tick), ``size`` per level
    unless ``sizes`` names a price."""
    sizes = sizes or {}
    best_bid = (mid // tick) * tick
    units = []
    for i in range(levels):
        ask, bid = best_bid + (i + 1) * tick, best_bid - i * tick
        units.append(OrderbookUnit(ask, bid, sizes.get(ask, size), sizes.get(bid, size)))
    total_ask = sum(u.ask_size for u in units)
    total_bid = sum(u.bid_size for u in units)
    return Orderbook("orderbook", code, total_ask, total_bid, tuple(units), int(t_ms), 0.0, "REALTIME")


def trade(t_ms: float, price: float, volume: float, buy: bool, seq: int, code: str = "KRW-XRP") -> Trade:
    """One print (``buy``: bid-initiated)."""
    return Trade("trade", code, price, volume, "BID" if buy else "ASK", price, "EVEN", 0.0,
                 "2025-12-04", "00:00:00", int(t_ms), int(t_ms), seq, None, None, None, None, "REALTIME")
