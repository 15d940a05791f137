"""Defence in depth: views given values they cannot format show a placeholder, count it, never raise.

The decoder refuses such values on the wire; these events are built by hand (Struct constructors do
not validate), as a buggy normaliser or REST path could. Every view is grabbed (rendered offscreen),
which is what once crashed ``--screenshot`` with exit 139.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from msgspec.structs import replace

from tests.ui.fake_source import FakeMetrics, FakeSource, book, ticker, trade
from upbit_monitor.models import MarketInfo
from upbit_monitor.protocol.events import OrderbookUnit
from upbit_monitor.ui.coin_list.model import Col
from upbit_monitor.ui.coin_list.view import CoinList
from upbit_monitor.ui.common.display_guard import DISPLAY_FAULTS, PLACEHOLDER
from upbit_monitor.ui.common.frame_clock import FrameClock
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.model import ObCol
from upbit_monitor.ui.orderbook.view import OrderbookView
from upbit_monitor.ui.status.panel import StatusPanel

ODD: list[Any] = ["abc", None, [1, 2], {"x": 1}, float("nan"), float("inf"), -1e308, 10**30]


def _faults() -> int:
    return sum(DISPLAY_FAULTS.values())


def test_orderbook_view_with_odd_values_shows_placeholders_and_grabs(qtbot: Any) -> None:
    src = FakeSource()
    view = OrderbookView(src, Palette())
    qtbot.addWidget(view)
    view.resize(600, 900)
    view.set_code("KRW-BTC")
    view.refresh()  # the stale-pool guard: only versions after the switch are shown
    before = _faults()
    good = book("KRW-BTC", 50_000_000, depth=15)
    units = list(good.orderbook_units)
    for i, odd in enumerate(ODD):
        u = units[i]
        units[i] = OrderbookUnit(odd if i % 2 else u.ask_price, u.bid_price, odd, u.bid_size)  # type: ignore[arg-type]
    src.put_book(replace(good, orderbook_units=tuple(units), total_ask_size="many"))  # type: ignore[arg-type]
    src.put_ticker(replace(ticker("KRW-BTC", 50_000_000), trade_price="x", signed_change_rate=None))  # type: ignore[arg-type]
    src.put_trade(replace(trade("KRW-BTC", 50_000_000, 1), trade_price=[1], trade_timestamp="noon"))  # type: ignore[arg-type]
    src.put_trade(trade("KRW-BTC", 50_000_000, 2))
    view.refresh()  # must not raise
    assert view.model.book is not None
    texts = [view.model.data(view.model.index(r, c)) for r in range(view.model.rowCount()) for c in ObCol]
    assert all(isinstance(t, str) for t in texts)
    assert PLACEHOLDER in texts
    assert not view.grab().isNull()
    assert _faults() > before
    # Good data afterwards shows normally again.
    src.put_book(good)
    view.refresh()
    assert view.model.data(view.model.index(15, ObCol.PRICE)) == "50,000,000"
    assert not view.grab().isNull()


MARKETS = [MarketInfo("KRW-BTC", "비트코인", "Bitcoin"), MarketInfo("KRW-ETH", "이더리움", "Ethereum"),
           MarketInfo("KRW-XRP", "리플", "Ripple")]  # fmt: skip


def test_coin_list_with_odd_values_shows_placeholders_and_grabs(qtbot: Any) -> None:
    src = FakeSource()
    cl = CoinList(src, Palette())
    qtbot.addWidget(cl)
    FrameClock.shared().remove(cl)  # ticks by hand
    cl.resize(700, 400)
    cl.set_markets(MARKETS)
    before = _faults()
    src.put_ticker(replace(ticker("KRW-BTC", 95_000_000), trade_price="95M"))  # type: ignore[arg-type]
    src.put_ticker(replace(ticker("KRW-ETH", 4_500_000), signed_change_rate={"r": 1},  # type: ignore[arg-type]
                           acc_trade_price_24h=None))  # type: ignore[arg-type]
    src.put_ticker(ticker("KRW-XRP", 950_000))
    cl.refresh()  # must not raise, and sorting by a broken column must not either
    for col in (Col.PRICE, Col.CHANGE, Col.VALUE):
        cl.proxy.sort(col)
    btc = cl.model.codes().index("KRW-BTC")
    assert cl.model.data(cl.model.index(btc, Col.PRICE)) == PLACEHOLDER
    xrp = cl.model.codes().index("KRW-XRP")
    assert cl.model.data(cl.model.index(xrp, Col.PRICE)) == "950,000"
    assert not cl.grab().isNull()
    assert _faults() > before


def test_status_panel_shows_rejections_and_survives_odd_metrics(qtbot: Any) -> None:
    metrics = FakeMetrics()
    odd: dict[str, Any] = {
        "parse_errors_by_reason": MappingProxyType(
            {"ticker.trade_price: wrong type": 9, "frame: malformed JSON": 1}
        ),
        "unexpected_events": 200_000,
        "msgs_per_s": "fast",
        "health": [0.5],
    }
    src = FakeSource(metrics_={"upbit-public": metrics, "odd": odd})
    panel = StatusPanel(src)
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.refresh()
    model = panel.metrics_model
    rows = model.field_names()
    col = model.connection_names().index("odd")
    shown = model.data(model.index(rows.index("parse_errors_by_reason"), col))
    assert shown == "ticker.trade_price: wrong type ×9 (+1 more)"
    assert model.data(model.index(rows.index("unexpected_events"), col)) == "200,000"
    for r in range(model.rowCount()):  # odd values of known fields: text, never an exception
        assert isinstance(model.data(model.index(r, col)), str | None)
    assert not panel.grab().isNull()



def test_status_panel_announces_display_faults_once_per_place_then_at_most_every_30_s(
        qtbot: Any, monkeypatch: Any) -> None:
    import upbit_monitor.ui.status.panel as panel_module
    from upbit_monitor.ui.common.display_guard import note_fault

    note_fault("earlier.place", ValueError("before the panel"))  # not this panel's to announce
    panel = StatusPanel(FakeSource())
    qtbot.addWidget(panel)
    panel.refresh()
    assert panel.notices.count() == 0

    note_fault("ft.one", ValueError("x"))
    note_fault("ft.one", ValueError("x"))
    panel.refresh()
    assert panel.notices.count() == 1
    assert "display: 2 value(s) could not be shown in ft.one (shown as '?'" in panel.notices.item(0).text()

    note_fault("ft.one", ValueError("x"))  # the same place again, within 30 s: counted, not announced
    panel.refresh()
    assert panel.notices.count() == 1
    note_fault("ft.two", ValueError("y"))  # a new place: announced at once, with the pending one
    panel.refresh()
    assert panel.notices.count() == 2
    assert "2 value(s) could not be shown in ft.one, ft.two" in panel.notices.item(0).text()

    note_fault("ft.one", ValueError("x"))
    monkeypatch.setattr(panel_module, "FAULT_NOTICE_S", 0.0)  # as if 30 s had passed
    panel.refresh()
    assert panel.notices.count() == 3
    assert "1 value(s) could not be shown in ft.one" in panel.notices.item(0).text()
