"""Late docks (ui/dock_reserve.py): they take the places kept for them, so the window shown first does not
re-flow; places nobody claims are dropped; the next start keeps places for the docks this one had."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel

from tests.ui.test_window_behaviour import MARKETS, _source
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.dock_reserve import DEFAULT_DOCKS, DOCKS_KEY
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.panes.workspaces import SESSION_KEY


def _reserving(qtbot, store: QSettings) -> MainWindow:
    win = MainWindow(_source(), store=store, reserve_docks=True)
    qtbot.addWidget(win)
    win.coin_list.set_markets(MARKETS)
    win.coin_list.markets_loaded.emit(len(MARKETS))
    win.resize(1600, 1000)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.layout_settled)
    QApplication.processEvents()
    return win


def _places(win: MainWindow) -> dict[str, QRect]:
    return {d.objectName(): d.geometry() for d in win.findChildren(QDockWidget)
            if d.objectName() and d.isVisible()}


def _real(title: str, name: str) -> QDockWidget:
    dock = QDockWidget(title)
    dock.setObjectName(name)
    dock.setWidget(QLabel(title))
    return dock


def test_late_chart_and_docks_take_their_places_without_moving_anything(qtbot, tmp_path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = _reserving(qtbot, store)
    assert win.chart is None and win.reservations is not None
    before = _places(win)
    # The default arrangement: Chart, Premium under it and Announcements on the right; My orders and
    # My assets tabbed beside Status; Alerts hidden.
    assert {"ChartDock", "PremiumDock", "AnnouncementsDock", "MyOrdersDock"} <= set(before)
    assert "AlertsDock" not in before
    ladder = win.orderbook.geometry()

    chart = ChartView(None, None)
    win.attach_chart(chart)
    orders = _real("My orders", "MyOrdersDock")
    win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, orders)  # the private docks' way
    premium = _real("Premium", "PremiumDock")
    assert win.chart_dock is not None
    win.splitDockWidget(win.chart_dock, premium, Qt.Orientation.Vertical)  # the premium dock's way
    notices = _real("Announcements", "AnnouncementsDock")
    assert win.restoreDockWidget(notices)  # Alerts' and Premium's first try
    QApplication.processEvents()

    after = _places(win)
    assert after == before  # every dock where it was, the real ones where their placeholders were
    assert win.orderbook.geometry() == ladder
    assert win.chart_dock.widget() is chart
    assert win.findChild(QDockWidget, "PremiumDock") is premium
    assert win.findChild(QDockWidget, "AnnouncementsDock") is notices
    # The Chart's menu entry sits between Markets and Status, and its Chart menu exists.
    view = [a.text() for a in win._view_menu.actions()]
    assert view[view.index("Markets"):][:3] == ["Markets", "Chart", "Status"]
    assert win.chart_menu is not None

    assert sorted(win.release_reserved_docks()) == ["AlertsDock", "MyAssetsDock"]  # never claimed
    assert win.reservations is None
    assert win.findChild(QDockWidget, "MyAssetsDock") is None


def test_the_next_start_keeps_places_for_this_sessions_docks(qtbot, tmp_path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = _reserving(qtbot, store)
    win.attach_chart(ChartView(None, None))
    win.release_reserved_docks()
    pane = _real("Chart 1", "Pane-chart-1")
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, pane)
    pane.show()
    QApplication.processEvents()
    win.save_state()
    saved = str(store.value(DOCKS_KEY))
    assert "Pane-chart-1" in saved and "CoinDock" not in saved and "StatusDock" not in saved
    win.close()

    again = _reserving(qtbot, store)
    assert again.reservations is not None
    kept = set(again.reservations.placeholders)
    assert {"ChartDock", "Pane-chart-1"} <= kept
    assert "MyOrdersDock" not in kept  # not in the last session (released above)
    pane_again = _real("Chart 1", "Pane-chart-1")
    place = again.reservations.placeholders["Pane-chart-1"].geometry()
    assert again.reservations.placeholders["Pane-chart-1"].isVisible()
    again.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, pane_again)
    QApplication.processEvents()
    assert pane_again.geometry() == place


def test_closing_before_the_late_docks_keeps_the_last_sessions_panes(qtbot, tmp_path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    session = '[{"pane_id": "chart-1", "kind": "chart"}]'
    store.setValue(SESSION_KEY, session)
    win = _reserving(qtbot, store)
    win.save_state()  # e.g. --quit-after 0.5: the panes of the last session were not rebuilt yet
    assert store.value(SESSION_KEY) == session
    assert DEFAULT_DOCKS[0].name == "ChartDock"  # the window adds the Chart's place itself, first


def test_a_window_without_reservations_behaves_as_before(qtbot, tmp_path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(_source(), store=store)
    qtbot.addWidget(win)
    assert win.reservations is None and win.chart_dock is None
    dock = _real("Extra", "ExtraDock")
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    assert win.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert win.release_reserved_docks() == []
