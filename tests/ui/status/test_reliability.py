"""Issue 14 in the status panel: a writer that stopped or cannot write shows in red, its problem
("database: N events waiting, cause: disk full") reaches the notices and the status bar, and the
proxy and the data age of each connection are shown."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings

from tests.ui.fake_source import FakeSource
from upbit_monitor.app_storage import Storage, db_status_provider
from upbit_monitor.storage.writer_status import WriterStatus
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.status.metrics_model import TITLES, format_metric
from upbit_monitor.ui.status.panel import DB_ALARM_STYLE


def _status(**kw: Any) -> WriterStatus:
    base: dict[str, Any] = dict(
        state="running", running=True, received=10, restored=0, written=10, waiting=0, spilled=0,
        rejected=0, dropped=0, batches=1, retrying=False, cause=None, last_error=None,
        last_rejected=None, restarts=0, last_crash=None, last_flush=None, last_batch_rows=10,
        last_batch_s=0.01)
    base.update(kw)
    return WriterStatus(**base)


class FakePool:
    checked_out, capacity, utilisation, level = 0, 15, 0.0, "healthy"


class FakeDb:
    def pool_status(self) -> FakePool:
        return FakePool()


class FakeWriter:
    def __init__(self) -> None:
        self.now = _status()

    def status(self) -> WriterStatus:
        return self.now


def test_writer_problem_is_red_announced_and_cleared(qtbot, tmp_path) -> None:
    writer = FakeWriter()
    provider = db_status_provider(Storage(db=FakeDb(), writer=writer, url="sqlite:////d/x.db"))
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(FakeSource(), store=store, db_status=provider)
    qtbot.addWidget(win)
    panel = win.status_panel
    panel.refresh()
    assert panel.db_label.styleSheet() == "" and "alarm" not in panel.db_label.text()

    writer.now = _status(state="retrying", retrying=True, received=5010, waiting=5000,
                         spilled=3000, cause="disk full", last_error="database unavailable (...)")
    with qtbot.waitSignal(panel.notice_added):
        panel.refresh()
    assert panel.db_label.styleSheet() == DB_ALARM_STYLE
    assert "database: 5,000 events waiting, cause: disk full" in panel.db_label.text()
    assert "on disk: 3,000" in panel.db_label.text()
    assert "database: 5,000 events waiting, cause: disk full" in win.statusBar().currentMessage()

    writer.now = _status(state="restarting", running=False, restarts=1, last_crash="RuntimeError: x")
    panel.refresh()
    assert panel.db_label.styleSheet() == DB_ALARM_STYLE
    assert "writer: restarting" in panel.db_label.text()
    assert "storage writer stopped (RuntimeError: x); restarting" in panel.notices.item(0).text()

    writer.now = _status(received=5010, written=5010)
    panel.refresh()
    assert panel.db_label.styleSheet() == ""
    assert "writing again" in panel.notices.item(0).text()


def test_lost_events_stay_visible_in_red_after_shutdown_of_the_writer() -> None:
    provider = db_status_provider(Storage(db=FakeDb(), writer=FakeWriter(), url="sqlite://"))
    writer = FakeWriter()
    writer.now = _status(state="stopped", running=False, received=12, written=10, dropped=2)
    out = db_status_provider(Storage(db=FakeDb(), writer=writer, url="sqlite://"))()
    assert out is not None and out["alarm"] is True
    assert out["problem"] == "2 lost (0 bad records, 2 dropped past the bound)"
    healthy = provider()
    assert healthy is not None and healthy["alarm"] is False and "problem" not in healthy


def test_connection_rows_show_the_proxy_and_the_data_age() -> None:
    assert TITLES["proxy"] == "Proxy" and TITLES["last_data_age_s"] == "Data age"
    assert format_metric("proxy", "http://proxy.corp:3128") == "http://proxy.corp:3128"
    assert format_metric("last_data_age_s", 75.0) == format_metric("last_message_age_s", 75.0)
