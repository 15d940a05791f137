"""Extra panes (PaneHost), links, the watch grid and workspaces inside the MainWindow."""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication, QDockWidget

from tests.ui.chart.support import FakeManager
from tests.ui.test_window_behaviour import _source, _window
from upbit_monitor.features.panes import LinkMode, PaneLink
from upbit_monitor.features.studies import RsiSettings, SmaSettings
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.orderbook.view import OrderbookView
from upbit_monitor.ui.panes.window import install_chart_panes
from upbit_monitor.ui.watch.grid import WatchGrid

RED = PaneLink(LinkMode.GROUP, "red")


def _flush() -> None:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _store(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def _win(qtbot, tmp_path, chart=None):
    src = _source()
    win = _window(qtbot, src, _store(tmp_path), chart=chart)
    install_chart_panes(win, src, None, None, 25.0)
    return win, src


def test_view_menu_creates_each_pane_kind_and_close_forgets_it(qtbot, tmp_path):
    win, _src = _win(qtbot, tmp_path)
    host = win.extras.host
    menu = win.extras.workspaces.new_menu
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions()] == ["Orderbook", "Watch grid", "Chart"]
    for action in menu.actions():
        action.trigger()
    kinds = [f.kind for f in host.frames.values()]
    assert kinds == ["orderbook", "watch", "chart"]
    bodies = [type(f.body) for f in host.frames.values()]
    assert bodies == [OrderbookView, WatchGrid, ChartView]
    docks = [d for d in win.findChildren(QDockWidget) if d.objectName().startswith("Pane-")]
    assert len(docks) == 3
    pane_id = next(iter(host.frames))
    host.dock(pane_id).close()
    _flush()
    assert pane_id not in host.frames and len(host.hub) == 2


def test_followers_switch_with_the_list_groups_together_pinned_alone(qtbot, tmp_path):
    win, _src = _win(qtbot, tmp_path)
    host = win.extras.host
    follow = host.add_pane("orderbook")
    red1 = host.add_pane("orderbook", link=RED, code="KRW-ETH")
    red2 = host.add_pane("chart", link=RED)
    pinned = host.add_pane("orderbook", link=PaneLink(LinkMode.PINNED), code="KRW-XRP")
    assert red2.code == "KRW-ETH"  # joined the group's coin
    win.select_coin("KRW-BTC")
    assert follow.code == "KRW-BTC" and red1.code == "KRW-ETH" and pinned.code == "KRW-XRP"
    red2.coin_box.setText("xrp")
    red2._entered()
    assert red1.code == red2.code == "KRW-XRP" and follow.code == "KRW-BTC"
    assert red1.body.code == "KRW-XRP"  # the pane body switched, not only the header
    follow.coin_box.setText("KRW-ETH")
    follow._entered()  # a following pane moves the app selection
    assert win.code == "KRW-ETH" and win.orderbook.code == "KRW-ETH"
    red1.coin_box.setText("KRW-NOPE")
    red1._entered()
    assert red1.problem.text() == "no market KRW-NOPE" and red1.code == "KRW-XRP"
    host.set_link(pinned.pane_id, PaneLink())
    win.select_coin("KRW-BTC")
    assert pinned.code == "KRW-BTC"


def test_watch_grid_shows_favourites_and_a_click_selects_through_its_link(qtbot, tmp_path):
    win, _src = _win(qtbot, tmp_path)
    win.coin_list.model.set_favourites(["KRW-BTC", "KRW-ETH"])
    win.coin_list.model.favourites_changed.emit()
    frame = win.extras.host.add_pane("watch")
    grid = frame.body
    assert isinstance(grid, WatchGrid) and grid.codes == ["KRW-BTC", "KRW-ETH"]
    grid.poll()
    assert grid.samples("KRW-BTC")  # a first sparkline sample from the ticker
    frame.resize(400, 300)
    frame.show()
    rect = grid.canvas.rect_of(1)
    assert grid.code_at(rect.center().x(), rect.center().y()) == "KRW-ETH"
    grid.sigCodeClicked.emit("KRW-ETH")
    assert win.code == "KRW-ETH"
    win.coin_list.model.set_favourites(["KRW-XRP"])
    win.coin_list.model.favourites_changed.emit()
    assert grid.codes == ["KRW-XRP"]


def test_workspace_round_trip_rename_default_and_reset(qtbot, tmp_path):
    chart_store = _store(tmp_path)
    win, _src = _win(qtbot, tmp_path, chart=ChartView(FakeManager(), None))
    ws = win.extras.workspaces
    host = win.extras.host
    win.chart.set_studies([SmaSettings(50)])
    pane = host.add_pane("chart", link=RED, code="KRW-ETH")
    pane.body.set_studies([RsiSettings(7)])
    pane.body.set_timeframe(15)
    host.add_pane("orderbook", link=PaneLink(LinkMode.PINNED), code="KRW-XRP")
    ws.save_as("scalp")
    ws.reset_layout()
    _flush()
    assert host.frames == {} and ws.current is None
    win.chart.set_studies([])
    ws.load("scalp")
    states = host.states()
    assert [(s.kind.value, s.link, s.code) for s in states] == [
        ("chart", RED, "KRW-ETH"), ("orderbook", PaneLink(LinkMode.PINNED), "KRW-XRP"),
    ]
    assert states[0].timeframe == 15 and states[0].studies == (RsiSettings(7),)
    assert win.chart.studies == [SmaSettings(50)]
    ws.rename("scalp", "day")
    ws.set_default("day")
    stored = json.loads(str(win.extras.store.value("workspaces/book")))
    assert stored["default"] == "day" and [w["name"] for w in stored["workspaces"]] == ["day"]
    ws.load("missing")  # a clear notice, nothing else changes
    assert len(host.frames) == 2
    del chart_store


def test_session_panes_and_price_lines_survive_a_restart(qtbot, tmp_path):
    store = _store(tmp_path)
    src = _source()
    win = _window(qtbot, src, store, chart=ChartView(FakeManager(), None))
    install_chart_panes(win, src, None, None, 25.0)
    win.extras.host.add_pane("chart", link=PaneLink(LinkMode.PINNED), code="KRW-ETH")
    win.extras.book.add("KRW-BTC", 123.0)
    win.chart.set_studies([SmaSettings(9)])
    win.save_state()
    win.close()
    win2 = _window(qtbot, src, store, chart=ChartView(FakeManager(), None))
    install_chart_panes(win2, src, None, None, 25.0)
    assert win2.extras.workspaces.restore_at_start() is False
    [state] = win2.extras.host.states()
    assert (state.kind.value, state.code, state.link.mode) == ("chart", "KRW-ETH", LinkMode.PINNED)
    assert [line.price for line in win2.extras.book.lines("KRW-BTC")] == [123.0]
    assert win2.chart.studies == [SmaSettings(9)]


def test_reset_layout_brings_back_closed_and_floating_built_in_docks(qtbot, tmp_path):
    win, _src = _win(qtbot, tmp_path, chart=ChartView(FakeManager(), None))
    win.show()
    win.status_dock.close()
    win.chart_dock.setFloating(True)
    win.extras.host.add_pane("orderbook")
    win.extras.workspaces.reset_layout()
    _flush()
    assert win.status_dock.isVisible() and not win.chart_dock.isFloating()
    assert win.extras.host.frames == {}


def test_every_new_chart_pane_is_handed_to_on_chart(qtbot, tmp_path):
    # The app passes install_server_studies here, so pane charts can take Upbit's server values too.
    src = _source()
    win = _window(qtbot, src, _store(tmp_path))
    seen: list[object] = []
    install_chart_panes(win, src, None, None, 25.0, on_chart=seen.append)
    host = win.extras.host
    host.add_pane("chart")
    host.add_pane("orderbook")
    assert [type(c) for c in seen] == [ChartView]
    assert seen[0] is next(f.body for f in host.frames.values() if f.kind == "chart")
