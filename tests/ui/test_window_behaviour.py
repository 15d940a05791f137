"""Window behaviour with an in-memory source: keyboard, favourites, persistence, theme, notices."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel

from tests.ui.fake_source import FakeMetrics, FakeSource, book, ticker, trade
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.coin_list import view as coin_list_module
from upbit_monitor.ui.coin_list.model import CODE_ROLE
from upbit_monitor.ui.coin_list.view import CoinList
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.main_window import MainWindow

MARKETS = [
    MarketInfo("KRW-BTC", "비트코인", "Bitcoin"),
    MarketInfo("KRW-ETH", "이더리움", "Ethereum"),
    MarketInfo("KRW-XRP", "리플", "XRP", warning=True),
    MarketInfo("BTC-ETH", "이더리움", "Ethereum"),
]


def _source() -> FakeSource:
    src = FakeSource()
    src.put_ticker(ticker("KRW-BTC", 95_000_000, 0.01, 5e11))
    src.put_ticker(ticker("KRW-ETH", 4_500_000, -0.02, 3e11))
    src.put_ticker(ticker("KRW-XRP", 812.3, 0.05, 1e11))
    src.put_book(book("KRW-BTC", 95_000_000))
    src.put_book(book("KRW-ETH", 4_500_000, tick=1000))
    src.put_trade(trade("KRW-ETH", 4_500_000, 1))
    return src


def _window(qtbot, src: FakeSource, store: QSettings, chart=None) -> MainWindow:
    win = MainWindow(src, store=store, chart=chart)
    qtbot.addWidget(win)
    win.coin_list.set_markets(MARKETS)
    win.coin_list.markets_loaded.emit(len(MARKETS))
    win.coin_list.refresh()
    return win


def _codes(cl: CoinList) -> list[str]:
    return [cl.proxy.code_at(r) for r in range(cl.proxy.rowCount())]


@pytest.fixture
def store(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def test_keyboard_search_navigate_select_and_star(qtbot, store):
    src = _source()
    win = _window(qtbot, src, store)
    win.show()
    # Window shortcuts ("/", Ctrl+F) only fire in the active window.
    win.activateWindow()
    win.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    cl = win.coin_list
    assert win.code == "KRW-BTC"  # default coin once the markets arrived
    cl.table.setFocus()
    qtbot.keyClick(cl.table, Qt.Key.Key_Slash)
    assert cl.search.hasFocus()
    qtbot.keyClicks(cl.search, "ether")
    assert _codes(cl) == ["KRW-ETH"]  # KRW only; BTC-ETH is behind the BTC toggle
    with qtbot.waitSignal(cl.coin_selected) as sig:
        qtbot.keyClick(cl.search, Qt.Key.Key_Return)
    assert sig.args == ["KRW-ETH"]
    assert win.code == "KRW-ETH" and win.orderbook.code == "KRW-ETH"
    assert cl.table.hasFocus()
    qtbot.keyClick(cl.table, Qt.Key.Key_Space)
    assert cl.model.favourites() == {"KRW-ETH"}
    qtbot.keyClick(cl.search, Qt.Key.Key_Escape)
    cl.search.clear()
    assert _codes(cl)[0] == "KRW-ETH"  # the star pins it above the bigger BTC
    # Arrow keys choose the row they move to: the highlight is always the coin on screen.
    cl.table.setCurrentIndex(cl.proxy.index(0, 1))
    with qtbot.waitSignal(cl.coin_selected) as sig:
        qtbot.keyClick(cl.table, Qt.Key.Key_Down)
    assert sig.args == [cl.table.currentIndex().data(CODE_ROLE)] == ["KRW-BTC"] == [win.code]
    # One component per view: the coin list holds ONE ticker spec for every KRW code.
    ticker_specs = [s for s in src.subscriptions().entries if s.type == "ticker"]
    assert len(ticker_specs) == 1 and set(ticker_specs[0].codes) == {"KRW-BTC", "KRW-ETH", "KRW-XRP"}


def test_quote_toggle_resubscribes_once(qtbot, store):
    src = _source()
    win = _window(qtbot, src, store)
    before = len(src.calls)
    win.coin_list.set_quote("BTC")
    assert _codes(win.coin_list) == ["BTC-ETH"]
    updates = src.calls[before:]
    assert [(c[0], c[1]) for c in updates] == [("update", "CoinList")]
    assert updates[0][2][0].codes == ("BTC-ETH",)


def test_state_is_restored_at_next_start(qtbot, store):
    from upbit_monitor.ui.chart.view import ChartView

    src = _source()
    win = _window(qtbot, src, store, chart=ChartView(None, None))
    win.chart.set_timeframe(15)
    win.select_coin("KRW-ETH")
    win.coin_list.model.toggle_favourite("KRW-XRP")
    win.orderbook.set_depth(30)
    win.set_light(True)
    win.set_korean_units(False)
    win.close()  # closeEvent saves
    again = _window(qtbot, _source(), store, chart=ChartView(None, None))
    assert again.code == "KRW-ETH"
    assert again.chart.unit == 15
    assert again.coin_list.model.favourites() == {"KRW-XRP"}
    assert _codes(again.coin_list)[0] == "KRW-XRP"
    assert again.orderbook.model.depth == 30
    assert again.palette_.dark is False and again.light_action.isChecked()
    assert again.coin_list.model.korean_units is False
    again.set_light(False)
    assert "#12161c" in QApplication.instance().styleSheet()  # dark QSS back


def test_colour_convention_switch_recolours(qtbot, store):
    win = _window(qtbot, _source(), store)
    red_up = Palette(korean_colours=True).up
    assert win.palette_.up == red_up
    win.korean_colours_action.setChecked(False)
    assert win.palette_.up != red_up and win.palette_.up.green() > win.palette_.up.red()


def test_errors_become_notices_not_dialogs(qtbot, store):
    src = _source()
    win = _window(qtbot, src, store)
    panel = win.status_panel
    panel.refresh()
    src.metrics_["upbit-public"] = FakeMetrics(state="reconnecting", health=0.2,
                                               last_server_error="INVALID_PARAM: bad code",
                                               last_close_reason="keepalive ping timeout")
    with qtbot.waitSignal(panel.notice_added):
        panel.refresh()
    log = [panel.notices.item(i).text() for i in range(panel.notices.count())]
    assert any("INVALID_PARAM" in line for line in log)
    assert any("connected -> reconnecting (keepalive ping timeout)" in line for line in log)
    shown = win.statusBar().currentMessage()
    assert "INVALID_PARAM" in shown or "reconnecting" in shown
    assert win.health_dot.colour.red() > 200  # worst health 0.2 -> red
    assert QApplication.activeModalWidget() is None


def test_status_panel_lists_owners_and_merged_set(qtbot, store):
    src = _source()
    win = _window(qtbot, src, store)
    win.select_coin("KRW-ETH")
    panel = win.status_panel
    panel.refresh()
    items = []
    for i in range(panel.subs_tree.topLevelItemCount()):
        top = panel.subs_tree.topLevelItem(i)
        items.append(top.text(0))
        items.extend(f"{top.child(j).text(0)}|{top.child(j).text(1)}" for j in range(top.childCount()))
    assert any(s.startswith("orderbook|1 codes: KRW-ETH") for s in items)
    assert any(s.startswith("CoinList") for s in items) and any(s.startswith("OrderbookView") for s in items)


@pytest.mark.asyncio
async def test_market_list_load_retries_with_a_notice(qtbot, monkeypatch):
    monkeypatch.setattr(coin_list_module, "RETRY_DELAYS", (0.01,))
    calls = 0

    async def flaky() -> list[MarketInfo]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("network is unreachable")
        return MARKETS

    cl = CoinList(_source(), Palette(), flaky)
    qtbot.addWidget(cl)
    notices: list[str] = []
    cl.notice.connect(notices.append)
    loaded: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    cl.markets_loaded.connect(lambda n: loaded.done() or loaded.set_result(n))
    assert cl.placeholder.isVisibleTo(cl)  # "Loading markets…" until the catalogue arrives
    cl.start_loading()
    assert await asyncio.wait_for(loaded, 5) == len(MARKETS)
    assert not cl.placeholder.isVisibleTo(cl)
    assert calls == 2 and "network is unreachable" in notices[0]


def test_stale_pool_book_is_not_shown_after_a_switch(qtbot):
    """A book left in the pool from an earlier visit is old: wait for a fresh version."""
    from upbit_monitor.ui.orderbook.view import OrderbookView

    src = _source()  # the pool already holds a KRW-ETH book
    view = OrderbookView(src, Palette())
    qtbot.addWidget(view)
    view.set_code("KRW-ETH")
    view.refresh()
    assert view.model.book is None
    src.put_book(book("KRW-ETH", 4_600_000, tick=1000))  # the snapshot our request brings
    view.refresh()
    assert view.model.book is not None and view.model.book.orderbook_units[0].bid_price == 4_600_000
    assert [c[0] for c in src.calls] == ["register"]  # one registration, specs for ETH
    assert {s.type for s in src.calls[0][2]} == {"orderbook", "trade"}


def _late_docks(win: MainWindow) -> dict[str, QDockWidget]:
    """Docks added after the window restored its state, as app.py's private and premium UIs do."""
    docks = {}
    names = (("My orders", "MyOrdersDock"), ("My assets", "MyAssetsDock"), ("Premium", "PremiumDock"))
    for title, name in names:
        dock = QDockWidget(title, win)
        dock.setObjectName(name)
        dock.setWidget(QLabel(title))
        win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        docks[name] = dock
    win.tabifyDockWidget(docks["MyOrdersDock"], docks["MyAssetsDock"])
    return docks


def test_late_docks_are_restored_after_they_exist(qtbot, store):
    win = _window(qtbot, _source(), store)
    assert win.restore_dock_layout() is False  # nothing saved yet
    docks = _late_docks(win)
    win.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks["MyOrdersDock"])
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, docks["PremiumDock"])
    docks["MyAssetsDock"].hide()
    win.show()  # a layout is saved once the window has laid it out (see save_window_state)
    qtbot.waitUntil(lambda: win.layout_settled)
    win.close()  # closeEvent saves

    again = _window(qtbot, _source(), store)
    late = _late_docks(again)  # created at their defaults: bottom, tabbed
    assert again.dockWidgetArea(late["PremiumDock"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert again.restore_dock_layout() is True
    assert again.dockWidgetArea(late["MyOrdersDock"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert again.dockWidgetArea(late["PremiumDock"]) == Qt.DockWidgetArea.RightDockWidgetArea
    assert late["MyAssetsDock"].isHidden()
    assert again.dockWidgetArea(again.coin_dock) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_default_layout_shares_columns_with_feature_docks(qtbot, store):
    from upbit_monitor.ui.chart.view import ChartView

    win = _window(qtbot, _source(), store, chart=ChartView(None, None))
    late = _late_docks(win)  # My orders + My assets (tabbed) beside Status; Premium goes under the chart
    win.splitDockWidget(win.chart_dock, late["PremiumDock"], Qt.Orientation.Vertical)
    win.resize(1536, 920)
    win.show()
    qtbot.waitExposed(win)
    # Status keeps ~70% of the bottom row (one share for the tabbed pair), the chart ~60% of its column.
    qtbot.waitUntil(lambda: win.status_dock.width() > 1.3 * late["MyOrdersDock"].width(), timeout=3000)
    qtbot.waitUntil(lambda: win.chart_dock.height() > 1.3 * late["PremiumDock"].height(), timeout=3000)
