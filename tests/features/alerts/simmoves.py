"""Scripted simulator moves: the feed is paused, each call prints exactly the events a test needs."""

from __future__ import annotations

import random
import time

from upbit_monitor.sim.market import BOOK, TRADE
from upbit_monitor.sim.server import Simulator

_RNG = random.Random(17)


def now_ms() -> int:
    return int(time.time() * 1000)


def quiet(sim: Simulator) -> None:
    """Stop the random market: only scripted moves from now on."""
    sim.feed.paused = True


def trade_at(sim: Simulator, code: str, price: float, t_ms: int | None = None, *,
             volume: float | None = None, side: str | None = None) -> float:
    """Walk the book to ``price`` and print one trade there (trade + ticker + orderbook messages).

    Returns the printed price (the nearest tick on the walked side).
    """
    st = sim.model.state(code)
    book = st.book
    while book.best_ask < price:
        book.move(1, _RNG)
    while book.best_bid > price:
        book.move(-1, _RNG)
    if side is None:
        side = "BID" if price >= st.price else "ASK"
    if volume is None:
        volume = 10_000 / price  # a small 10,000 KRW trade
    t = now_ms() if t_ms is None else t_ms
    tick = sim.model.print_trade(code, side, volume, t)
    sim.feed.dispatch(TRADE, code, t)
    return tick.price


def set_book(sim: Simulator, code: str, bid_size: float, ask_size: float, t_ms: int | None = None) -> None:
    """Make every bid level ``bid_size`` and every ask level ``ask_size``; send the orderbook."""
    book = sim.model.state(code).book
    book.bid_sizes = [bid_size] * len(book.bid_sizes)
    book.ask_sizes = [ask_size] * len(book.ask_sizes)
    sim.feed.dispatch(BOOK, code, now_ms() if t_ms is None else t_ms)
