"""A coin switch: the request leaves inside the click and the new ladder paints before the other panes."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from tests.ui.fake_source import FakeSource, book, ticker
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.common.paint_hold import PaintHold
from upbit_monitor.ui.main_window import MainWindow

MARKETS = [MarketInfo("KRW-BTC", "비트코인", "Bitcoin"), MarketInfo("KRW-ETH", "이더리움", "Ethereum")]


def _window(qtbot, tmp_path) -> tuple[MainWindow, FakeSource, ChartView]:
    src = FakeSource(deliver=True)
    for code, price in (("KRW-BTC", 95_000_000), ("KRW-ETH", 4_500_000)):
        src.put_ticker(ticker(code, price))
    chart = ChartView(None, None)  # no data source: it shows its placeholder
    win = MainWindow(src, chart=chart, store=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.coin_list.set_markets(MARKETS)
    win.show()
    win.select_coin("KRW-BTC")
    src.put_book(book("KRW-BTC", 95_000_000))
    qtbot.waitUntil(lambda: not win._paint_hold.holding)
    return win, src, chart


def test_a_switch_flushes_at_once_and_holds_other_panes_until_the_ladder_painted(qtbot, tmp_path):
    win, src, chart = _window(qtbot, tmp_path)
    flushes = src.flushes
    with qtbot.waitSignal(win.orderbook.first_paint, timeout=5000):
        win.select_coin("KRW-ETH")
        assert src.flushes == flushes + 1  # the merged request is sent from inside the click
        held = [chart, win.coin_list, win.orderbook.tape_panel]
        assert not any(w.updatesEnabled() for w in held)
        assert win.orderbook.table.updatesEnabled()  # the ladder is never held
        src.put_book(book("KRW-ETH", 4_500_000, tick=1000))  # the new book arrives: painted on arrival
    assert win.orderbook.model.code == "KRW-ETH"
    assert all(w.updatesEnabled() for w in held)


def test_a_hold_ends_by_itself_when_no_book_comes(qtbot, tmp_path):
    win, _src, chart = _window(qtbot, tmp_path)
    win.select_coin("KRW-ETH")  # no book for it: the ladder never paints
    assert not chart.updatesEnabled()
    qtbot.waitUntil(lambda: chart.updatesEnabled(), timeout=2000)
    assert not win._paint_hold.holding


def test_a_widget_disabled_by_its_owner_stays_disabled(qtbot):
    owner = QLabel()
    qtbot.addWidget(owner)
    mine, theirs = QLabel(owner), QLabel(owner)
    theirs.setUpdatesEnabled(False)
    hold = PaintHold(owner, owner.windowTitleChanged, timeout_ms=10_000)
    hold.hold([mine, theirs])
    assert not mine.updatesEnabled()
    owner.setWindowTitle("ladder painted")
    assert mine.updatesEnabled() and not theirs.updatesEnabled()
