"""The Footprint pane in the window: opened from View > New pane, shares the coin's recorder with a
heatmap, builds candles from the recorded prints, repaints only the live candle, and releases the
recorder when both panes are closed."""

from __future__ import annotations

import gc
import time

from msgspec.structs import replace
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from tests.ui.fake_source import book, trade
from tests.ui.test_window_behaviour import _source, _window
from upbit_monitor.ui.orderflow.footprint import FootprintPane
from upbit_monitor.ui.orderflow.heatmap import HeatmapPane
from upbit_monitor.ui.orderflow.setup import install_orderflow_panes


def recorders(src) -> int:
    return sum(r.component_name == "FlowRecorder" for r in src.registrations())


def test_footprint_pane_shares_the_recorder_and_paints_candles(qtbot, tmp_path):
    src = _source()
    win = _window(qtbot, src, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    hub = install_orderflow_panes(win, src, minutes=1.0, repaint_hz=25.0)
    baseline = len(src.registrations())
    menu = win.extras.workspaces.new_menu
    menu.aboutToShow.emit()
    for title in ("Footprint", "Heatmap"):
        next(a for a in menu.actions() if a.text() == title).trigger()
    host = win.extras.host
    (fp_id, fp_frame), (hm_id, hm_frame) = host.frames.items()
    fp, hm = fp_frame.body, hm_frame.body
    assert isinstance(fp, FootprintPane) and isinstance(hm, HeatmapPane)
    fp_frame.show_code("KRW-ETH")
    hm_frame.show_code("KRW-ETH")
    assert fp.recorder is hm.recorder and recorders(src) == 1  # one history per coin
    assert hub.watched() == ["KRW-ETH"]
    rec = fp.recorder
    assert rec is not None
    now = int(time.time() * 1000)
    minute = now // 60_000 * 60_000
    rec.on_event(replace(book("KRW-ETH", 4_500_000, tick=1000), timestamp=now))
    for seq, (dt, price, side) in enumerate([(-60_000, 4_500_000, "BID"), (-59_000, 4_501_000, "ASK"),
                                            (0, 4_500_000, "BID"), (1, 4_499_000, "ASK")], start=10):
        rec.on_event(trade("KRW-ETH", price, seq, ts=minute + dt, side=side))
    fp.group_box.setCurrentIndex(fp.group_box.findData(1))
    dock = host.dock(fp_id)
    dock.setFloating(True)
    dock.resize(900, 500)
    dock.show()
    fp.refresh()
    assert fp.book is not None and fp.book.bin_size == 1000.0
    starts = [c.start_ms for c in fp.canvas.candles]
    assert starts[-2:] == [minute - 60_000, minute]
    live = fp.canvas.candles[-1]
    assert live.buy.tolist() == [0.0, 0.01] and live.sell.tolist() == [0.01, 0.0]
    fp.canvas.grab()
    fp.canvas.grab()  # the finished candles come from their pixmaps the second time
    assert fp.canvas.cached_paints >= 1
    assert fp.pane_settings() == {"minutes": 1, "grouping": 1, "ratio": 3.0}

    del fp, hm, rec, fp_frame, hm_frame
    for pane_id in (fp_id, hm_id):
        host.dock(pane_id).close()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert recorders(src) == 0 and len(src.registrations()) == baseline and hub.watched() == []
