"""Window layout: the minimum size works, wide windows give the chart the space, the layout version
discards an old layout, an unsettled layout is not saved, and a coin switch does not move the docks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

from tests.ui.test_window_behaviour import _source, _window
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.coin_list.model import Col
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.window_layout import LADDER_MAX, LADDER_MIN, LIST_MAX, MIN_SIZE, dock_widths, first_size


@pytest.fixture
def store(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def _shown(qtbot, store: QSettings, width: int, height: int) -> MainWindow:
    win = _window(qtbot, _source(), store, chart=ChartView(None, None))
    win.resize(width, height)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.layout_settled)
    QApplication.processEvents()  # the relayout resizeDocks asked for
    return win


def _widths(win: MainWindow) -> tuple[int, int, int]:
    assert win.chart_dock is not None
    return win.coin_dock.width(), win.orderbook.width(), win.chart_dock.width()


def test_dock_widths_policy() -> None:
    assert dock_widths(1600) == (566, 460, 566)
    listed, ladder, chart = dock_widths(2560)
    assert ladder == 460 and listed == LIST_MAX and chart > 1300  # the chart takes the extra space
    listed, ladder, chart = dock_widths(MIN_SIZE.width())
    assert ladder >= LADDER_MIN and listed >= 300 and chart >= 320


def test_minimum_window_keeps_every_part_readable(qtbot, store) -> None:
    win = _shown(qtbot, store, 800, 600)  # asked smaller than the minimum
    assert win.width() >= MIN_SIZE.width() and win.height() >= MIN_SIZE.height()
    win.resize(MIN_SIZE)
    qtbot.waitUntil(lambda: win.width() == MIN_SIZE.width())
    listed, ladder, chart = _widths(win)
    assert ladder >= LADDER_MIN and listed >= win.coin_list.minimumWidth() and chart >= 300
    assert listed + ladder + chart <= MIN_SIZE.width()  # nothing pushed off the right edge
    # The list shows star, name and price at least, never clipped (columns hide instead).
    table = win.coin_list.table
    assert not table.isColumnHidden(Col.PRICE)
    shown = [c for c in range(table.model().columnCount()) if not table.isColumnHidden(c)]
    assert sum(table.columnWidth(c) for c in shown) <= table.viewport().width() + 1


def test_wide_window_gives_the_extra_space_to_the_chart(qtbot, store) -> None:
    win = _shown(qtbot, store, 1600, 1000)
    win.resize(2560, 1400)  # maximised later: the ladder must not take it all
    qtbot.waitUntil(lambda: win.width() == 2560)
    qtbot.waitUntil(lambda: _widths(win)[1] <= LADDER_MAX)
    listed, ladder, chart = _widths(win)
    assert listed <= LIST_MAX and chart > ladder


def test_old_layout_version_is_discarded(qtbot, store) -> None:
    probe = QMainWindow()
    qtbot.addWidget(probe)
    dock = QDockWidget("Markets", probe)
    dock.setObjectName("CoinDock")
    probe.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)  # the old window's arrangement
    store.setValue("window/state", probe.saveState(0))
    win = _shown(qtbot, store, 1600, 1000)
    assert win.dockWidgetArea(win.coin_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert win.restore_dock_layout() is False
    listed, _ladder, chart = _widths(win)
    assert (listed, chart) == pytest.approx(dock_widths(1600)[::2], abs=12)


def test_a_quick_quit_saves_nothing_and_the_next_launch_is_the_default(qtbot, store) -> None:
    win = _window(qtbot, _source(), store, chart=ChartView(None, None))
    win.close()  # like --quit-after before the window was laid out
    assert store.value("window/state") is None
    default = _widths(_shown(qtbot, QSettings(store.fileName() + "-fresh", QSettings.Format.IniFormat),
                             1600, 1000))
    # A normal run and quit, then a launch: it looks like the default.
    first = _shown(qtbot, store, 1600, 1000)
    first.close()
    assert isinstance(store.value("window/state"), QByteArray)
    again = _shown(qtbot, store, 1600, 1000)
    assert again.restore_dock_layout() is True
    assert _widths(again) == pytest.approx(default, abs=4)


def test_a_coin_switch_does_not_move_the_docks(qtbot, store) -> None:
    win = _shown(qtbot, store, 1200, 800)
    names = [MarketInfo("KRW-BTC", "비트코인", "Bitcoin"),
             MarketInfo("KRW-ETH", "이더리움클래식에서갈라져나온긴이름", "A Very Long English Name")]
    win.coin_list.set_markets(names)
    win.select_coin("KRW-BTC")
    QApplication.processEvents()
    before = [d.geometry() for d in win.findChildren(QDockWidget) if d.isVisible()]
    for code in ("KRW-ETH", "KRW-BTC", "KRW-ETH"):
        win.select_coin(code)
        QApplication.processEvents()  # the relayout a longer title would ask for (posted event)
        assert [d.geometry() for d in win.findChildren(QDockWidget) if d.isVisible()] == before


def test_short_window_tabs_the_docks_under_the_chart(qtbot, store) -> None:
    win = _window(qtbot, _source(), store, chart=ChartView(None, None))
    assert win.chart_dock is not None
    under = []
    for name in ("PremiumDock", "AnnouncementsDock"):
        dock = QDockWidget(name, win)
        dock.setObjectName(name)
        dock.setWidget(QMainWindow())  # any content with a small minimum
        win.splitDockWidget(under[-1] if under else win.chart_dock, dock, Qt.Orientation.Vertical)
        under.append(dock)
    win.resize(MIN_SIZE)
    win.show()
    qtbot.waitUntil(lambda: win.layout_settled)
    QApplication.processEvents()
    assert win.tabifiedDockWidgets(under[0]) == [under[1]]
    assert not under[0].visibleRegion().isEmpty()  # the one next to the chart is the front tab
    column = win.chart_dock.height() + under[0].height()
    assert win.chart_dock.height() > 0.55 * column


@pytest.mark.parametrize(
    ("screen", "window"),
    [
        ((2560, 1400), (2304, 1260)),  # a large screen is used, not left two-thirds empty
        ((3840, 2100), (3456, 1890)),
        ((1920, 1040), (1728, 1000)),  # taller than the design: never shorter than it
        ((1600, 1000), (1536, 920)),  # the design size itself and smaller: ~95%, capped at the design
        ((1366, 728), (1311, 669)),
    ],
)
def test_first_start_size_follows_the_screen(screen, window):
    assert first_size(QSize(*screen)) == QSize(*window)
