"""Readability fixes found on screenshots: short volume axis, compact database line, tabs."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from tests.ui.fake_source import FakeSource
from upbit_monitor.ui.chart.axes import VolumeAxis
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.status.panel import _short_url


def test_short_volume_axis_keeps_one_label_clear_of_the_top(qtbot) -> None:
    axis = VolumeAxis()
    [(spacing, values)] = axis.tickValues(0.0, 0.2, 40)  # a ~40 px volume pane
    assert len(values) == 1 and 0 < values[0] <= 0.16 and spacing > 0
    tall = axis.tickValues(0.0, 0.2, 300)
    assert sum(len(v) for _, v in tall) > 1  # a tall pane keeps pyqtgraph's ticks


def test_short_url() -> None:
    assert _short_url("sqlite:////home/u/.local/share/upbit-monitor/demo.db") == "demo.db"
    assert _short_url("sqlite://") == "in-memory SQLite"
    assert _short_url("postgresql+psycopg://u:***@db/x") == "postgresql+psycopg://u:***@db/x"


def test_database_line_is_compact_with_the_full_text_in_the_tooltip(qtbot, tmp_path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    url = "sqlite:////data/upbit-monitor/upbit-monitor.db"
    win = MainWindow(FakeSource(), store=store, db_status=lambda: {"url": url, "pool": "0/15 in use"})
    qtbot.addWidget(win)
    win.status_panel.refresh()
    label = win.status_panel.db_label
    assert label.text() == "Database: upbit-monitor.db · pool: 0/15 in use"
    assert url in label.toolTip()
    tabs = win.status_panel.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Notices", "Subs"]


def test_status_columns_fit_the_state_word(qtbot, tmp_path) -> None:
    from upbit_monitor.ui.status.panel import STATE_SAMPLE

    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(FakeSource(), store=store)
    qtbot.addWidget(win)
    win.resize(1024, 700)
    win.show()
    qtbot.waitExposed(win)
    view = win.status_panel.metrics_view
    win.status_panel.refresh()
    need = view.fontMetrics().horizontalAdvance(STATE_SAMPLE)
    header = view.horizontalHeader()
    assert header.minimumSectionSize() > need  # text plus the cell's padding
    assert all(header.sectionSize(i) > need for i in range(header.count()))
