"""Menus and hotkeys: File -> Quit (Ctrl+Q), shortcuts shown in the menus, timeframe and coin keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from tests.ui.test_window_behaviour import _codes, _source, _window
from upbit_monitor.ui.chart.toolbar import TIMEFRAME_LABELS
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.main_window import MainWindow


@pytest.fixture
def store(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def _active(qtbot, win: MainWindow) -> None:
    # Window shortcuts only fire in the active window.
    win.show()
    win.activateWindow()
    win.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)


def _menu_titles(win: MainWindow) -> list[str]:
    return [a.text().replace("&", "") for a in win.menuBar().actions()]


def test_file_quit_ctrl_q_closes_the_window_and_saves(qtbot, store):
    win = _window(qtbot, _source(), store)
    _active(qtbot, win)
    assert _menu_titles(win)[0] == "File"
    assert win.quit_action.shortcut().toString() == "Ctrl+Q"
    win.select_coin("KRW-ETH")
    with qtbot.waitSignal(win.closing):
        qtbot.keyClick(win, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not win.isVisible()
    assert store.value("coin/last") == "KRW-ETH" and store.value("window/state") is not None


def test_timeframe_hotkeys_follow_the_menu_and_the_toolbar(qtbot, store):
    chart = ChartView(None, None)
    win = _window(qtbot, _source(), store, chart=chart)
    _active(qtbot, win)
    menu = win.chart_menu
    assert menu is not None and "Chart" in _menu_titles(win)
    # Every timeframe has a key, shown in the menu: Ctrl+1 .. Ctrl+9, Ctrl+0, and Ctrl+Y for the year.
    keys = [menu.actions[u].shortcut().toString() for u in TIMEFRAME_LABELS]
    assert keys == [*(f"Ctrl+{d}" for d in "1234567890"), "Ctrl+Y"]
    qtbot.keyClick(win, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert chart.unit == 15 and menu.actions[15].isChecked()
    qtbot.keyClick(win, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert chart.unit == 43200
    # A click on the toolbar moves the menu's tick too.
    chart.set_timeframe(60)
    assert menu.actions[60].isChecked() and not menu.actions[43200].isChecked()


def test_next_and_previous_coin_keys_walk_the_list_as_shown(qtbot, store):
    win = _window(qtbot, _source(), store)
    _active(qtbot, win)
    order = _codes(win.coin_list)  # by 24 h value: BTC, ETH, XRP
    assert win.code == order[0]
    assert win.next_coin_action.shortcut().toString() == "Ctrl+Down"
    assert win.previous_coin_action.shortcut().toString() == "Ctrl+Up"
    qtbot.keyClick(win, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert win.code == order[1] and win.orderbook.code == order[1]
    assert win.coin_list.table.currentIndex().data(Qt.ItemDataRole.DisplayRole) is not None
    assert win.coin_list.proxy.code_at(win.coin_list.table.currentIndex().row()) == order[1]
    qtbot.keyClick(win, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(win, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)  # stops at the end
    assert win.code == order[2]
    qtbot.keyClick(win, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert win.code == order[1]
    # The list's filter decides what "next" is.
    win.coin_list.search.setText("XRP")
    win.coin_list.step(1)
    assert win.code == "KRW-XRP"


def test_menus_show_their_shortcuts(qtbot, store):
    win = _window(qtbot, _source(), store, chart=ChartView(None, None))
    menus = {a.text().replace("&", ""): a.menu() for a in win.menuBar().actions()}
    market = [a.text() for a in menus["Market"].actions() if not a.isSeparator()]
    assert any(t.endswith("\t/, Ctrl+F") for t in market)  # the coin list's own keys, shown
    for name in ("File", "Market", "Chart"):
        keyed = [a for a in menus[name].actions() if not a.isSeparator() and not a.menu()]
        assert keyed and all(a.shortcut().toString() or "\t" in a.text() for a in keyed), name
