"""The Depth chart pane in the window: opened from View > New pane, draws the pool's book as
cumulative curves (size or value), repaints only on a new book, and closing it drops its
registration."""

from __future__ import annotations

import gc

from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from tests.ui.fake_source import book
from tests.ui.test_window_behaviour import _source, _window
from upbit_monitor.ui.orderflow.depth import DepthPane
from upbit_monitor.ui.orderflow.setup import install_orderflow_panes


def test_depth_pane_from_the_view_menu(qtbot, tmp_path):
    src = _source()
    win = _window(qtbot, src, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    install_orderflow_panes(win, src, minutes=1.0, repaint_hz=25.0)
    baseline = len(src.registrations())
    menu = win.extras.workspaces.new_menu
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions()][-3:] == ["Heatmap", "Depth chart", "Footprint"]
    next(a for a in menu.actions() if a.text() == "Depth chart").trigger()
    host = win.extras.host
    (pane_id, frame), = host.frames.items()
    pane = frame.body
    assert isinstance(pane, DepthPane)
    frame.show_code("KRW-ETH")
    assert len(src.registrations()) == baseline + 1
    assert src.calls[-1][2][0].depth == 30  # the full book
    curve = pane.canvas.curve
    assert curve is not None and curve.mid == 4_500_500.0
    assert curve.bid_cum[0] == 1.0 and len(curve.ask_prices) == 30
    paints = pane.canvas.paints
    pane.canvas.grab()
    assert pane.canvas.paints == paints + 1
    pane.refresh()  # same pool version: no new curve
    assert pane.canvas.curve is curve
    src.put_book(book("KRW-ETH", 4_600_000, tick=1000, size=2.0))
    pane.refresh()
    assert pane.canvas.curve is not curve and pane.canvas.curve is not None
    assert pane.canvas.curve.mid == 4_600_500.0
    pane.value_box.setChecked(True)
    assert pane.canvas.curve.bid_cum[0] == 2.0 * 4_600_000
    assert pane.pane_settings() == {"value": True}
    assert "bid share" in pane.info.text()

    del pane, frame, curve
    host.dock(pane_id).close()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert len(src.registrations()) == baseline
