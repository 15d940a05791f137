"""app.py: --demo keeps simulator data out of the user's real database, and says so; the events that
arrive before the database opens reach it."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from tests.ui.fake_source import FakeSource
from upbit_monitor.app_storage import DEMO_DB_NOTICE, EarlyEvents, choose_db_url
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


class _Mgr:
    """The manager's listener API: ``add_listener`` with types/venues, and the unsubscribe it returns."""

    def __init__(self) -> None:
        self.listeners: list[tuple[Any, frozenset[str] | None, tuple[str, ...]]] = []

    def add_listener(self, callback: Any, *, types: Any = None, venues: Any = None) -> Any:
        entry = (callback, frozenset(types) if types is not None else None, tuple(venues))
        self.listeners.append(entry)
        return lambda: self.listeners.remove(entry)

    def deliver(self, venue: str, event: Any) -> None:
        for callback, types, venues in list(self.listeners):
            if venue in venues and (types is None or event.type in types):
                callback(event)


class _Writer:
    types = frozenset({"trade"})

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []

    def on_event(self, event: Any, venue: str = "upbit") -> None:
        if event.type in self.types:
            self.got.append((venue, event.code))

    def listener(self, venue: str) -> Any:
        return lambda event: self.on_event(event, venue)


def _ev(type_: str, code: str) -> Any:
    return SimpleNamespace(type=type_, code=code)


def test_early_events_reach_the_writer_in_order_then_it_listens_itself() -> None:
    mgr = _Mgr()
    early = EarlyEvents(mgr)
    mgr.deliver("upbit", _ev("trade", "KRW-BTC"))
    mgr.deliver("upbit", _ev("orderbook", "KRW-BTC"))  # never stored: not even held
    mgr.deliver("bithumb", _ev("trade", "KRW-ETH"))
    mgr.deliver("upbit", _ev("trade", "KRW-XRP"))
    assert (early.held("upbit"), early.held("bithumb")) == (2, 1)
    writer = _Writer()
    with contextlib.ExitStack() as stack:
        early.hand_over(writer, mgr, stack)
        assert writer.got == [("upbit", "KRW-BTC"), ("upbit", "KRW-XRP"), ("bithumb", "KRW-ETH")]
        assert early.held("upbit") == 0 and len(mgr.listeners) == 2  # the writer's own, per venue
        mgr.deliver("bithumb", _ev("trade", "KRW-SOL"))
        assert writer.got[-1] == ("bithumb", "KRW-SOL")
    assert mgr.listeners == []  # unsubscribed when the app's stack closes


def test_early_events_are_bounded_and_dropped_without_storage(caplog: pytest.LogCaptureFixture) -> None:
    mgr = _Mgr()
    early = EarlyEvents(mgr, limit=2)
    for code in ("A", "B", "C"):
        mgr.deliver("upbit", _ev("trade", code))
    assert early.held("upbit") == 2 and early.dropped == 1
    with contextlib.ExitStack() as stack:
        early.hand_over(None, mgr, stack)  # storage did not open
    assert early.held("upbit") == 0 and mgr.listeners == []
    assert "1 early events were not kept" in caplog.text


@pytest.mark.asyncio
async def test_the_demo_database_starts_without_earlier_runs_market_data(tmp_path: Path) -> None:
    # Each demo run's simulator invents its market anew: an earlier run's stored bars, shown DB-first,
    # made a step in the chart where that run's prices ended and this run's began.
    from sqlalchemy import func, select

    from upbit_monitor.app_storage import open_storage
    from upbit_monitor.storage import DbContext
    from upbit_monitor.storage.schema import AlertRuleRecord, CandleCoverage, CandleRecord

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    seed = DbContext.open(url)

    def fill(session: Any) -> None:
        session.add(CandleRecord(venue="upbit", code="KRW-BTC", unit="1m", start=1_796_428_740, open=1.0,
                                 high=2.0, low=1.0, close=1.5, volume=1.0, value=1.5, timestamp=1,
                                 provisional=False))
        session.add(CandleCoverage(venue="upbit", code="KRW-BTC", unit="1m", start=0, end=1))
        session.add(AlertRuleRecord(kind="price_above", venue="upbit", market="KRW-BTC", params="{}",
                                    enabled=True, cooldown_s=0.0, rearm=0.0, note="", created_ms=1))

    seed.run(fill)
    seed.close()

    def counts(session: Any) -> tuple[int, ...]:
        return tuple(session.scalar(select(func.count()).select_from(m))
                     for m in (CandleRecord, CandleCoverage, AlertRuleRecord))

    for fresh, expected in ((False, (1, 1, 1)), (True, (0, 0, 1))):
        async with contextlib.AsyncExitStack() as stack:
            storage = await open_storage(Settings(db_url=url), stack, fresh_market_data=fresh)
            assert storage.db is not None, storage.error
            assert storage.db.run(counts) == expected  # the user's alert rule is kept either way
