"""#18: an unusable --db-url or --settings-file is said in plain words (terminal + status panel)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from tests.ui.fake_source import FakeSource
from upbit_monitor.app import market_loader, report_start, settings_store
from upbit_monitor.errors import StorageError
from upbit_monitor.storage import DbContext
from upbit_monitor.storage.unusable import CARRY_ON, explain_open_failure
from upbit_monitor.ui.main_window import MainWindow


def _failure(url: str) -> BaseException:
    try:
        DbContext.open(url)
    except Exception as exc:
        return exc
    raise AssertionError(f"{url} opened")


def test_unknown_database_type_is_named() -> None:
    text = explain_open_failure("nonsense://x", _failure("nonsense://x"))
    assert text.startswith("the database URL nonsense://x is not usable: unknown database type 'nonsense'")
    assert text.endswith(CARRY_ON)
    assert "NoSuchModuleError" not in text and "plugin" not in text


def test_missing_driver_is_named_and_the_password_masked() -> None:
    url = "mysql://me:hunter2@db.example/x"
    text = explain_open_failure(url, _failure(url))
    assert "the driver for mysql is not installed" in text
    assert "hunter2" not in text and "***" in text


def test_not_a_url_is_not_echoed() -> None:
    url = "pa:ss::word@@"
    text = explain_open_failure(url, _failure(url))
    assert text.startswith("the database URL is not a valid URL (expected e.g. sqlite:///")
    assert url not in text


def test_unreachable_server_says_so() -> None:
    exc = StorageError("database migration failed")
    text = explain_open_failure("postgresql://u:pw@127.0.0.1:1/db", exc)
    assert text.startswith("the database at postgresql://u:***@127.0.0.1:1/db cannot be opened")


def test_status_panel_shows_both_problems(qtbot, tmp_path: Path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(FakeSource(), store=store)
    qtbot.addWidget(win)
    db_problem = explain_open_failure("nonsense://x", _failure("nonsense://x"))
    report_start(win, db_problem, None, "settings file /x/y.ini: ... settings will not be saved")
    notices = [win.status_panel.notices.item(i).text() for i in range(win.status_panel.notices.count())]
    assert any(db_problem in n for n in notices)
    assert any("settings will not be saved" in n for n in notices)
    assert db_problem in win.status_panel.db_label.text()


def test_settings_store_never_creates_the_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "dir" / "x.ini"
    with contextlib.ExitStack() as stack:
        store, warning = settings_store(path, stack)
        assert store is not None and warning is not None
        store.setValue("window/geometry", "abc")
        store.sync()
        assert store.status() == QSettings.Status.NoError  # the run itself keeps working
        assert store.value("window/geometry") == "abc"
    assert not (tmp_path / "missing").exists()


def test_settings_store_uses_a_good_file(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        store, warning = settings_store(tmp_path / "ok.ini", stack)
        assert warning is None and store is not None
        assert store.fileName() == str(tmp_path / "ok.ini")


@pytest.mark.timeout(90)
def test_the_app_says_it_on_the_terminal_and_keeps_running(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), NO_PROXY="127.0.0.1,localhost")
    settings = tmp_path / "nope" / "x.ini"
    proc = subprocess.run(
        [sys.executable, "-m", "upbit_monitor", "--demo", "--db-url", "nonsense://x",
         "--settings-file", str(settings), "--quit-after", "0.5"],
        capture_output=True, text=True, env=env, timeout=80, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "the database URL nonsense://x is not usable: unknown database type 'nonsense'" in proc.stderr
    assert "the app runs without storage" in proc.stderr
    assert f"settings file {settings}: the directory" in proc.stderr
    assert not settings.parent.exists()


class _Rest:
    """RestClient stand-in: counts catalogue requests, fails when told to."""

    def __init__(self, fail_first: bool = False) -> None:
        self.calls = 0
        self.fail_first = fail_first

    async def market_all(self, is_details: bool = True) -> list[str]:
        self.calls += 1
        if self.fail_first and self.calls == 1:
            raise ConnectionError("sim down")
        return [f"KRW-{self.calls}"]


@pytest.mark.asyncio
async def test_the_catalogue_is_fetched_before_the_window_asks() -> None:
    rest = _Rest()
    async with contextlib.AsyncExitStack() as stack:
        load = market_loader(rest, stack)  # type: ignore[arg-type]
        await asyncio.sleep(0)  # the prefetch starts at the next loop turn, without being asked
        assert rest.calls == 1
        assert await load() == ["KRW-1"]  # the prefetched answer...
        assert await load() == ["KRW-2"]  # ...once; later calls (a retry, a venue switch) ask again


@pytest.mark.asyncio
async def test_a_failed_prefetch_is_retried_and_an_unused_one_is_cancelled() -> None:
    rest = _Rest(fail_first=True)
    async with contextlib.AsyncExitStack() as stack:
        load = market_loader(rest, stack)  # type: ignore[arg-type]
        with pytest.raises(ConnectionError):
            await load()
        assert await load() == ["KRW-2"]
    idle = _Rest()
    async with contextlib.AsyncExitStack() as stack:
        market_loader(idle, stack)  # type: ignore[arg-type]  # never asked: cancelled at exit
    assert idle.calls == 0
    lazy = _Rest()
    load = market_loader(lazy)  # type: ignore[arg-type]  # no stack: nothing until asked
    await asyncio.sleep(0)
    assert lazy.calls == 0 and await load() == ["KRW-1"]
