"""Coin list refresh: only changed cells are signalled, and rows re-sort only when out of order."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from tests.ui.fake_source import FakeSource, ticker
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.coin_list.model import CODE_ROLE, CoinListModel, Col
from upbit_monitor.ui.coin_list.proxy import CoinFilterProxy
from upbit_monitor.ui.coin_list.view import RESORT_S, CoinList
from upbit_monitor.ui.common.frame_clock import FrameClock
from upbit_monitor.ui.common.theme import Palette

MARKETS = [
    MarketInfo("KRW-BTC", "비트코인", "Bitcoin"),
    MarketInfo("KRW-ETH", "이더리움", "Ethereum"),
    MarketInfo("KRW-XRP", "리플", "XRP"),
]


def _spans(model: CoinListModel) -> list[tuple[int, int, int, int]]:
    """Record every dataChanged as (top row, left col, bottom row, right col)."""
    out: list[tuple[int, int, int, int]] = []

    def record(tl: QModelIndex, br: QModelIndex, *_: Any) -> None:
        out.append((tl.row(), tl.column(), br.row(), br.column()))

    model.dataChanged.connect(record)
    return out


def _model(src: FakeSource) -> CoinListModel:
    m = CoinListModel(Palette())
    m.set_markets(MARKETS)
    src.put_ticker(ticker("KRW-BTC", 95_000_000, 0.012, 3.2e11))
    src.put_ticker(ticker("KRW-ETH", 4_500_000, -0.02, 1.1e11))
    src.put_ticker(ticker("KRW-XRP", 812.3, 0.05, 9.9e11))
    m.refresh(src)
    return m


def test_only_rows_and_cells_whose_text_changed_are_signalled() -> None:
    src = FakeSource()
    m = _model(src)
    spans = _spans(m)
    eth, xrp = m.codes().index("KRW-ETH"), m.codes().index("KRW-XRP")
    # ETH: a new ticker whose shown texts are all the same (value differs below 억 rounding).
    src.put_ticker(ticker("KRW-ETH", 4_500_000, -0.02, 1.1e11 + 1))
    # XRP: only the 24 h value changes visibly.
    src.put_ticker(ticker("KRW-XRP", 812.3, 0.05, 2.5e12))
    assert m.refresh(src) == 2  # both rows took the new ticker...
    assert spans == [(xrp, Col.VALUE, xrp, Col.VALUE)]  # ...but only one cell repaints
    assert m.key_version > 0
    spans.clear()
    # BTC: price and change move, value does not -> price..change of that row only.
    btc = m.codes().index("KRW-BTC")
    src.put_ticker(ticker("KRW-BTC", 96_000_000, 0.02, 3.2e11))
    assert m.refresh(src) == 1
    assert spans == [(btc, Col.PRICE, btc, Col.CHANGE)]
    spans.clear()
    # ETH turns from falling to rising: the colour of price and change flips even at the same text.
    src.put_ticker(ticker("KRW-ETH", 4_500_000, 0.02, 1.1e11))
    m.refresh(src)
    assert spans == [(eth, Col.PRICE, eth, Col.CHANGE)]
    spans.clear()
    assert m.refresh(src) == 0 and spans == []


def test_proxy_resorts_only_when_the_order_went_stale() -> None:
    src = FakeSource()
    m = _model(src)
    p = CoinFilterProxy()
    p.setSourceModel(m)
    p.sort(Col.VALUE, Qt.SortOrder.DescendingOrder)
    codes = lambda: [p.data(p.index(r, 0), CODE_ROLE) for r in range(p.rowCount())]  # noqa: E731
    assert codes() == ["KRW-XRP", "KRW-BTC", "KRW-ETH"]
    layouts: list[int] = []
    p.layoutChanged.connect(lambda *_: layouts.append(1))
    # Values move but the order holds: no re-sort (no layoutChanged, no whole-list repaint).
    src.put_ticker(ticker("KRW-BTC", 95_000_000, 0.012, 3.3e11))
    m.refresh(src)
    assert not p.order_is_stale() and not p.resort_if_needed() and layouts == []
    # ETH overtakes everyone: the proxy does not move rows by itself (no dynamic sort)...
    src.put_ticker(ticker("KRW-ETH", 4_500_000, -0.02, 5e12))
    m.refresh(src)
    assert codes() == ["KRW-XRP", "KRW-BTC", "KRW-ETH"] and p.order_is_stale()
    # ...until asked: then once.
    assert p.resort_if_needed() and layouts == [1]
    assert codes() == ["KRW-ETH", "KRW-XRP", "KRW-BTC"]
    assert not p.order_is_stale()


def test_coin_list_throttles_resorts_but_updates_values(qtbot: Any, monkeypatch: Any) -> None:
    src = FakeSource()
    cl = CoinList(src, Palette())
    qtbot.addWidget(cl)
    FrameClock.shared().remove(cl)  # drive the ticks by hand
    cl.set_markets(MARKETS)
    now = [1000.0]
    monkeypatch.setattr("upbit_monitor.ui.coin_list.view.time.monotonic", lambda: now[0])
    src.put_ticker(ticker("KRW-BTC", 95_000_000, 0.012, 1.1e11))
    src.put_ticker(ticker("KRW-ETH", 4_500_000, -0.02, 3.2e11))
    cl.refresh()  # the order went stale: fixed at once (no re-sort happened recently)
    codes = lambda: [cl.proxy.code_at(r) for r in range(cl.proxy.rowCount())]  # noqa: E731
    assert codes()[:2] == ["KRW-ETH", "KRW-BTC"]
    src.put_ticker(ticker("KRW-BTC", 96_000_000, 0.012, 9e11))
    now[0] += RESORT_S / 2
    cl.refresh()
    btc = cl.model.codes().index("KRW-BTC")
    assert cl.model.data(cl.model.index(btc, Col.PRICE)) == "96,000,000"  # the value is live
    assert codes()[:2] == ["KRW-ETH", "KRW-BTC"]  # the order waits for the throttle
    now[0] += RESORT_S
    cl.refresh()
    assert codes()[:2] == ["KRW-BTC", "KRW-ETH"]


def test_rank_sort_matches_the_comparison_rules_both_orders() -> None:
    """sort() ranks rows once in Python; the result must equal the documented order:
    favourites pinned on top, then the key, ties by code ascending (both sort orders)."""
    import random

    rng = random.Random(5)
    markets = [MarketInfo(f"KRW-C{i:03d}", f"코인{i}", f"Coin {i}") for i in range(60)]
    src = FakeSource()
    m = CoinListModel(Palette())
    m.set_markets(markets)
    values = {}
    for mk in markets[:50]:  # ten without a ticker: key -inf
        values[mk.code] = float(rng.choice([1e11, 2e11, 3e11, rng.uniform(1e10, 9e11)]))
        src.put_ticker(ticker(mk.code, 1000.0, 0.01, values[mk.code]))
    m.refresh(src)
    favs = {mk.code for mk in rng.sample(markets, 6)}
    m.set_favourites(favs)
    p = CoinFilterProxy()
    p.setSourceModel(m)
    for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
        p.sort(Col.VALUE, order)
        got = [p.code_at(r) for r in range(p.rowCount())]
        sign = -1 if order == Qt.SortOrder.DescendingOrder else 1
        want = sorted((mk.code for mk in markets), key=lambda c: (
            c not in favs, sign * values.get(c, float("-inf")), c))
        assert got == want
        assert not p.order_is_stale()
