"""Orderbook ladder: a new snapshot signals only the cells that changed, not the whole ladder."""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace
from PySide6.QtCore import QModelIndex

from tests.ui.fake_source import book
from upbit_monitor.protocol.events import Orderbook
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.model import ObCol, OrderbookModel

ASK, BID = ObCol.ASK_SIZE, ObCol.BID_SIZE


def _record(m: OrderbookModel) -> list[tuple[int, int, int, int]]:
    out: list[tuple[int, int, int, int]] = []

    def on(tl: QModelIndex, br: QModelIndex, *_: Any) -> None:
        out.append((tl.row(), tl.column(), br.row(), br.column()))

    m.dataChanged.connect(on)
    return out


def _with(b: Orderbook, i: int, **fields: float) -> Orderbook:
    units = list(b.orderbook_units)
    units[i] = replace(units[i], **fields)
    return replace(b, orderbook_units=tuple(units))


def test_size_change_signals_one_cell_and_a_new_maximum_only_the_size_columns() -> None:
    m = OrderbookModel(Palette(), depth=15)
    b = book("KRW-BTC", 95_000_000, depth=15)  # biggest size: bid level 14 (row 29), 3.8
    m.set_book(b, now=100.0)
    spans = _record(m)
    b = _with(b, 0, bid_size=1.5)  # best bid (row 15), below the maximum
    m.set_book(b, now=100.1)
    # Its size cell, and the bid cells below it whose cumulative depth grew; no asks, no prices.
    assert spans == [(15, ObCol.BID_SIZE, 29, ObCol.BID_SIZE)]
    spans.clear()
    b = _with(b, 13, bid_size=2.0)  # the next-to-worst bid (row 28), 3.6 -> 2.0: rows 28 and 29
    m.set_book(b, now=100.15)
    # (row 15 is still fading from its own change 50 ms ago: it repaints too)
    assert spans == [(15, BID, 15, BID), (28, BID, 29, BID)]
    m.expire_flashes(now=100.5)  # a frame tick after the flashes ended
    spans.clear()
    b = _with(b, 14, bid_size=25.0)  # a new maximum: every bar length changes
    m.set_book(b, now=101.0)
    assert sorted(spans) == [(0, ASK, 14, ASK), (15, BID, 29, BID)]
    m.expire_flashes(now=101.5)
    spans.clear()
    b = _with(b, 0, ask_price=95_000_500.0)  # the best ask (row 14) moves: its whole row
    m.set_book(b, now=102.0)
    assert sorted(spans) == [(14, c, 14, c) for c in ObCol]
    spans.clear()
    m.set_book(b, now=102.1)  # the same book again: nothing
    assert spans == []
    # A flash fades on frame ticks (only its cell repaints), ends, and then nothing repaints.
    b = _with(b, 5, bid_size=b.orderbook_units[5].bid_size)  # same size: no flash
    m.set_book(b, now=103.0)
    assert spans == [] and m.flashing() == set()
    units = list(b.orderbook_units)
    units[5] = replace(units[5], bid_size=units[5].bid_size + 3.0)  # over MIN_SHARE of the biggest
    m.set_book(replace(b, orderbook_units=tuple(units)), now=103.0)
    assert m.flashing() == {("bid", units[5].bid_price)}
    spans.clear()
    assert m.expire_flashes(now=103.1)
    assert spans == [(20, BID, 20, BID)]
    assert 0 < m.cell(20, BID).flash < 1  # fading
    spans.clear()
    assert m.expire_flashes(now=103.3)
    assert spans == [(20, BID, 20, BID)] and m.cell(20, BID).flash == 0.0
    spans.clear()
    assert not m.expire_flashes(now=104.0)
    assert spans == []
