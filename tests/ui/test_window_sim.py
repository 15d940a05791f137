"""The window against the real manager and the simulator: one request per coin switch, data shown,
weakref/destroyed unregistration, and the composition root rendering a screenshot.

Async tests wait on awaitables only (no nested Qt loops): ``until`` polls a condition while the
qasync loop keeps running Qt and the sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from tests.manager.waiting import wait_until
from upbit_monitor.config import Settings
from upbit_monitor.connection.state import ConnState
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.models import MarketInfo
from upbit_monitor.sim.server import Simulator
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.coin_list.model import Col
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.orderbook.view import OrderbookView

ROOT = Path(__file__).resolve().parents[2]


async def until(pred: Callable[[], bool], limit_s: float = 10.0, what: str = "condition") -> None:
    """Wait for ``pred()`` while the loop runs (checked every 10 ms); fail after ``limit_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not pred():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def _types(req) -> dict[str, set[str]]:
    if req.parsed is None:
        return {}
    return {t.type: set(t.codes) for t in req.parsed.types}


pytestmark = pytest.mark.usefixtures("keep_loop_on_close")


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(msg_rate=300, seed=3) as s:
        yield s
        # As tests/manager/simtools does: let the client's last sockets (a recycled, emptied
        # subscription reconnects at once) finish closing before the server and the loop stop.
        with contextlib.suppress(TimeoutError):
            await wait_until(lambda: not s.open_connections(), within=2.0)


@pytest_asyncio.fixture
async def mgr(sim: Simulator) -> AsyncIterator[GlobalWebSocketManager]:
    settings = Settings(ws_public_url=sim.ws_url, ws_private_url=sim.ws_private_url)
    m = GlobalWebSocketManager(settings)
    await m.start()
    yield m
    await m.shutdown()


def _window(mgr: GlobalWebSocketManager, tmp_path: Path) -> MainWindow:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    return MainWindow(mgr, chart=ChartView(mgr, None), store=store)


def _markets(sim: Simulator) -> list[MarketInfo]:
    return [MarketInfo(m.code, m.korean_name, m.english_name, bool(m.warning)) for m in sim.model.markets]


@pytest.mark.asyncio
async def test_coin_click_sends_one_merged_request_and_shows_new_coin(qtbot, sim, mgr, tmp_path):
    win = _window(mgr, tmp_path)
    qtbot.addWidget(win)
    win.show()
    win.coin_list.set_markets(_markets(sim))
    win.select_coin("KRW-BTC")
    await sim.wait_for_request(lambda r: "KRW-BTC" in _types(r).get("orderbook", ()), timeout_s=10)
    await until(lambda: win.orderbook.model.code == "KRW-BTC", what="BTC orderbook")
    await until(lambda: win.coin_list.proxy.row_of("KRW-ETH") >= 0, what="ETH row")

    shown: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    win.orderbook.first_paint.connect(lambda c: c == "KRW-ETH" and not shown.done() and shown.set_result(c))
    n = len(sim.requests)
    table = win.coin_list.table
    index = win.coin_list.proxy.index(win.coin_list.proxy.row_of("KRW-ETH"), Col.PRICE)
    table.scrollTo(index)
    rect = table.visualRect(index)
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(rect.center()))
    assert await asyncio.wait_for(shown, 10) == "KRW-ETH"

    subscribe = [r for r in sim.requests[n:] if r.parsed is not None and r.parsed.types]
    assert len(subscribe) == 1, [r.text for r in subscribe]
    types = _types(subscribe[0])
    # Orderbook, trades and chart switched together in that ONE request; the list's tickers stay.
    assert types["orderbook"] == {"KRW-ETH"}
    assert types["trade"] == {"KRW-ETH"}
    assert types[f"candle.{win.chart.unit}m"] == {"KRW-ETH"}
    assert "KRW-ETH" in types["ticker"] and "KRW-BTC" in types["ticker"]
    # ... and the views show the new coin's simulator data.
    book = win.orderbook.model.book
    assert book is not None and book.code == "KRW-ETH" and book.orderbook_units
    await until(lambda: win.orderbook.tape_model.rowCount() > 0, what="ETH trades")
    assert {t.code for t in win.orderbook.tape_model.trades()} == {"KRW-ETH"}
    assert win.windowTitle().endswith("(ETH/KRW)")  # one market-name form everywhere
    # The status panel shows every field of the manager's ConnectionMetrics, live.
    win.status_panel.refresh()
    snap = mgr.metrics()["upbit-public"]
    shown = set(win.status_panel.metrics_model.field_names())
    assert shown == {f.name for f in dataclasses.fields(snap)} - {"name"}  # name = the column title
    assert win.status_panel.metrics_model.value("upbit-public", "msgs_total") > 0


@pytest.mark.asyncio
async def test_closed_views_disappear_from_the_registry(qtbot, sim, mgr, tmp_path):
    def names() -> list[str]:
        return [r.component_name for r in mgr.registrations()]

    view = OrderbookView(mgr, Palette())
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    view.set_code("KRW-BTC")
    assert any(n.startswith("OrderbookView") for n in names())
    view.show()
    view.close()
    del view  # the deferred delete + the last Python reference: destroyed/weakref fire
    await until(lambda: not any(n.startswith("OrderbookView") for n in names()), what="unregistration")

    win = _window(mgr, tmp_path)
    win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    win.coin_list.set_markets(_markets(sim))
    win.select_coin("KRW-XRP")
    assert len(names()) == 3  # CoinList, OrderbookView, ChartView
    await sim.wait_for_request(lambda r: "KRW-XRP" in _types(r).get("orderbook", ()), timeout_s=10)
    conn = mgr.connection()
    epoch = conn.epoch
    win.show()
    win.close()
    del win
    await until(lambda: names() == [], what="window children unregistered")
    # The wire follows: the merged set shrinks to nothing for orderbook/trade.
    assert mgr.subscriptions().codes_for("orderbook") == ()
    # Upbit cannot unsubscribe everything, so the emptied set recycles the socket. Let that
    # reconnect finish here, on the running loop: pytest-qt's teardown processes Qt events before
    # the fixtures shut the manager down, and a connect stepped from there has no running loop
    # (RuntimeError in the supervisor, and its half-open loopback socket leaks: the
    # ResourceWarning this test and the next one's setup used to fail on, now and then).
    await until(lambda: conn.epoch > epoch and conn.state is ConnState.CONNECTED,
                what="the emptied connection reconnected")


def test_main_renders_demo_screenshot(tmp_path):
    """The composition root end to end: --demo, render to PNG, exit 0."""
    png = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NO_PROXY="127.0.0.1,localhost")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--demo", "--no-db", "--screenshot", str(png),
         "--screenshot-delay", "3", "--settings-file", str(tmp_path / "s.ini")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=90, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    img = QImage(str(png))
    assert not img.isNull() and img.width() >= 800 and img.height() >= 600
    # Not a blank frame: the dark theme plus coloured prices give many distinct colours.
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 50
    # State was persisted at exit (last coin, layout).
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert store.value("coin/last") and store.value("window/state") is not None


@pytest.mark.asyncio
async def test_upbit_error_frame_and_drop_become_notices(qtbot, sim, mgr, tmp_path):
    """Faults from the simulator reach the user as notices (log + status bar), never a dialog."""
    win = _window(mgr, tmp_path)
    qtbot.addWidget(win)
    win.coin_list.set_markets(_markets(sim))
    win.select_coin("KRW-BTC")
    await sim.wait_for_request(lambda r: "KRW-BTC" in _types(r).get("orderbook", ()), timeout_s=10)
    panel = win.status_panel

    def log() -> list[str]:
        return [panel.notices.item(i).text() for i in range(panel.notices.count())]

    sim.faults.send_error("INVALID_PARAM", "simulated error")
    await until(lambda: any("INVALID_PARAM" in line for line in log()), what="error-frame notice")
    sim.faults.drop_all()
    await until(lambda: any("upbit-public: connected ->" in line for line in log()), what="drop notice")
    # ... and the connection comes back by itself, which is announced as well.
    await until(lambda: any(line.endswith("-> connected") for line in log()[:3]), 20, "reconnect notice")
    assert win.statusBar().currentMessage()
