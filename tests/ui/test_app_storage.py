"""app.py: --demo keeps simulator data out of the user's real database, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from tests.ui.fake_source import FakeSource
from upbit_monitor.app_storage import DEMO_DB_NOTICE, choose_db_url
from upbit_monitor.cli import parse_args
from upbit_monitor.config import Settings
from upbit_monitor.storage.engine import default_db_path
from upbit_monitor.ui.main_window import MainWindow


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # platformdirs' user data dir on Linux
    return tmp_path


def test_demo_without_db_url_uses_a_separate_file(data_home: Path) -> None:
    real = Settings(db_url="postgresql://u:p@db/real")  # e.g. UPBIT_MONITOR_DB_URL: ignored in demo
    url, notice = choose_db_url(parse_args(["--demo"]), real)
    assert url == "sqlite:///" + str(data_home / "upbit-monitor" / "demo.db")
    assert url != "sqlite:///" + str(default_db_path())
    assert notice == DEMO_DB_NOTICE


def test_explicit_db_url_wins_in_demo_and_real_runs(data_home: Path) -> None:
    assert choose_db_url(parse_args(["--demo", "--db-url", "sqlite://"]), Settings()) == ("sqlite://", None)
    assert choose_db_url(parse_args(["--db-url", "sqlite://"]), Settings()) == ("sqlite://", None)


def test_real_run_keeps_the_configured_database(data_home: Path) -> None:
    assert choose_db_url(parse_args([]), Settings()) == (None, None)  # None = the default user database
    assert choose_db_url(parse_args([]), Settings(db_url="sqlite:///x.db")) == ("sqlite:///x.db", None)


def test_status_panel_database_line_says_demo(qtbot, tmp_path: Path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    status = {"url": "sqlite:////data/upbit-monitor/demo.db", "pool": "0/15 in use"}
    win = MainWindow(FakeSource(), store=store, db_status=lambda: status)
    qtbot.addWidget(win)
    win.status_panel.set_db_notice(DEMO_DB_NOTICE)
    text = win.status_panel.db_label.text()
    assert text.startswith("Database: " + DEMO_DB_NOTICE)
    assert "demo.db" in text
