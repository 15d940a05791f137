"""The Heatmap pane in the window: opened from View > New pane, paints the recorded book, keeps its
settings, and closing it releases the recorder (registrations back to baseline)."""

from __future__ import annotations

import gc
import time

import numpy as np
import pytest
from msgspec.structs import replace
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from tests.ui.fake_source import book, trade
from tests.ui.test_window_behaviour import _source, _window
from upbit_monitor.features.orderflow import FlowRecorder
from upbit_monitor.ui.orderflow.heatmap import HeatmapPane
from upbit_monitor.ui.orderflow.setup import install_orderflow_panes


def recorders(src) -> int:
    return sum(r.component_name == "FlowRecorder" for r in src.registrations())


def test_heatmap_pane_from_the_view_menu_paints_and_releases(qtbot, tmp_path):
    src = _source()
    win = _window(qtbot, src, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    install_orderflow_panes(win, src, minutes=1.0, repaint_hz=25.0)
    baseline = len(src.registrations())
    menu = win.extras.workspaces.new_menu
    menu.aboutToShow.emit()
    action = next(a for a in menu.actions() if a.text() == "Heatmap")
    action.trigger()
    host = win.extras.host
    (pane_id, frame), = host.frames.items()
    pane = frame.body
    assert isinstance(pane, HeatmapPane)
    frame.show_code("KRW-ETH")
    assert recorders(src) == 1 and len(src.registrations()) == baseline + 1
    rec = pane.recorder
    assert isinstance(rec, FlowRecorder) and len(rec.book) == 1  # seeded from the pool
    assert len(rec.trades) == 1
    # Two more books and a print arrive through the manager's callback.
    now = int(time.time() * 1000)  # the picture ends at the wall clock
    rec.on_event(replace(book("KRW-ETH", 4_501_000, tick=1000, size=50.0), timestamp=now))
    rec.on_event(trade("KRW-ETH", 4_501_000, 2, ts=now, side="ASK"))
    host.dock(pane_id).setFloating(True)
    host.dock(pane_id).resize(900, 500)
    host.dock(pane_id).show()
    pane.refresh()
    grid = pane.grid
    assert grid is not None and grid.values.max() >= 50.0  # the big book is in the picture
    assert pane.canvas.scene.profile is not None and pane.canvas.scene.profile.poc is not None
    assert pane.canvas.scene.bid == 4_501_000 and pane.canvas.scene.ask == 4_502_000
    img = pane.canvas.grab().toImage()
    assert img.width() > 0 and pane.canvas.paints >= 1
    assert pane.image is not None
    assert len(np.unique(pane.image.pixels)) > 3  # not a blank image: several colours of size

    pane.group_box.setCurrentIndex(pane.group_box.findData(5))
    pane.agg_box.setCurrentIndex(pane.agg_box.findData(1000))
    pane.log_box.setChecked(True)
    assert pane.pane_settings() == {"grouping": 5, "col_ms": 1000, "clip": 99.0, "log": True}
    pane.refresh()
    assert pane.grid is not None and pane.grid.spec.bin_size == 5000.0 and pane.grid.spec.col_ms == 1000
    assert [s.kind.value for s in host.states()] == ["heatmap"]  # a workspace can save it

    del rec, pane, grid, frame  # the test's own references (the window keeps none)
    host.dock(pane_id).close()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert pane_id not in host.frames
    assert recorders(src) == 0 and len(src.registrations()) == baseline


def test_order_flow_pane_choices_survive_a_workspace_round_trip(qtbot, tmp_path):
    from upbit_monitor.errors import WorkspaceError
    from upbit_monitor.features.panes import PaneState

    src = _source()
    win = _window(qtbot, src, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    install_orderflow_panes(win, src, minutes=1.0, repaint_hz=25.0)
    host = win.extras.host
    frame = host.add_pane("heatmap", code="KRW-ETH")
    pane = frame.body
    pane.group_box.setCurrentIndex(pane.group_box.findData(10))
    pane.clip_box.setCurrentIndex(pane.clip_box.findData(95.0))
    (state,) = host.states()
    assert dict(state.options) == {"grouping": 10, "col_ms": 500, "clip": 95.0, "log": False}
    saved = state.to_dict()
    back = PaneState.from_dict(saved)  # through JSON-safe data, as a workspace is stored
    assert back == state
    host.close_all()
    host.restore([back])
    (restored,) = host.frames.values()
    assert restored.body.pane_settings() == {"grouping": 10, "col_ms": 500, "clip": 95.0, "log": False}
    for bad in ({"grouping": [1, 2]}, ["grouping"]):
        with pytest.raises(WorkspaceError, match="options"):
            PaneState.from_dict({**saved, "options": bad})
