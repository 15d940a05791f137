"""Short soak (about 30 s): invariants under churn, never timings.

The real manager, window and views against the in-process simulator (firehose of 30 markets) while
coin switches, view create/destroy cycles, plain-object components and a storage writer run at
once. Checked all along: every queue and window is bounded (per-code trade rings, the writer's
backlog, the connection's rate windows, the rate limiter's history, the router's last-seen map).
Checked at the end: the registry, the merged subscription set (in the manager AND on the wire), the
widget count and the listener lists are back to their baseline. The long version with figures is
bench/soak.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from upbit_monitor.config import Settings
from upbit_monitor.exchanges.base import RateLimit
from upbit_monitor.exchanges.upbit import UpbitConnector
from upbit_monitor.features.panes import LinkMode, PaneLink
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.models import MarketInfo
from upbit_monitor.protocol.events import Event
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.sim.server import Simulator
from upbit_monitor.storage import DbContext, StreamWriter
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.coin_list.view import CoinList
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.orderbook.view import OrderbookView
from upbit_monitor.ui.panes.window import install_chart_panes
from upbit_monitor.ui.status.panel import StatusPanel

pytestmark = [pytest.mark.soak, pytest.mark.usefixtures("keep_loop_on_close")]

TRADE_RING = 50
MAX_BACKLOG = 300
SWITCHES = 100
CYCLES = 20
PLAIN = 100


async def until(pred: Callable[[], bool], limit_s: float, what: str) -> None:
    """Wait for ``pred()`` while the loop runs; fail after ``limit_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not pred():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class Firehose:
    """A component wanting many markets; no callback (the pool stores, views pull)."""


class PlainComponent:
    """A non-Qt component with a bound-method callback (held weakly by the manager)."""

    def __init__(self) -> None:
        self.seen = 0

    def on_event(self, event: Event) -> None:
        self.seen += 1




@contextlib.asynccontextmanager
async def running() -> AsyncIterator[tuple[Simulator, GlobalWebSocketManager]]:
    """Simulator + manager, created inside the test body (not async fixtures: pytest-qt's event
    processing between fixture phases can stall live qasync I/O)."""
    # Server-side request limits off: pacing is tested elsewhere; here requests must keep up.
    async with Simulator(msg_rate=2000, seed=21, bursty=False, msg_rate_per_s=0,
                         msg_rate_per_min=0, connect_rate_per_s=0) as sim:
        connector = UpbitConnector(url=sim.ws_url)
        connector.rate_limit = RateLimit(per_second=20, per_minute=0)
        settings = Settings(ws_public_url=sim.ws_url, trade_ring=TRADE_RING, coalesce_window_s=0.02)
        mgr = GlobalWebSocketManager(settings, connectors=[connector])
        await mgr.start()
        try:
            yield sim, mgr
        finally:
            await mgr.shutdown()


def _listeners(mgr: GlobalWebSocketManager) -> tuple[int, int]:
    router = mgr._router
    return (len(router._listeners_all) + sum(len(v) for v in router._listeners_by_type.values()),
            len(mgr._state_listeners))


def _wire_types(sim: Simulator) -> dict[str, set[str]]:
    """``{type: codes}`` of the last subscription request the simulator received."""
    last = [r for r in sim.requests if r.parsed is not None and r.parsed.types]
    return {t.type: set(t.codes) for t in last[-1].parsed.types} if last else {}


def _check_bounds(mgr: GlobalWebSocketManager, writer: StreamWriter, n_keys_max: int) -> None:
    pool = mgr.pool()
    assert all(len(ring) <= TRADE_RING for ring in pool._trades.values())
    assert writer.status().backlog <= MAX_BACKLOG
    conn = mgr.connection()
    window = conn.stats.window
    assert len(window._buckets) <= window.window_s + 1
    assert len(conn.stats.error_times) <= 256 and len(conn.stats.reconnect_times) <= 64
    assert len(conn.limiter._sent) <= 20 * 61  # 20/s over the 60 s it remembers
    assert len(mgr._router.stats("upbit-public").last_seen) <= n_keys_max


@pytest.mark.asyncio
async def test_soak_returns_to_baseline_and_stays_bounded(tmp_path: Path) -> None:
    async with running() as (sim, mgr):
        await soak(sim, mgr, tmp_path)


async def soak(sim: Simulator, mgr: GlobalWebSocketManager, tmp_path: Path) -> None:
    """The soak body (see the module docstring)."""
    markets = [MarketInfo(m.code, m.korean_name, m.english_name, bool(m.warning)) for m in sim.model.markets]
    codes = tuple(m.code for m in markets)
    krw = [c for c in codes if c.startswith("KRW-")][:30]
    db = DbContext.open(f"sqlite:///{tmp_path / 'soak.db'}")
    # Flushes rarely and in big batches: the backlog must hit its bound and drop, not grow.
    writer = StreamWriter(db, interval=3.0, batch_rows=5000, max_backlog=MAX_BACKLOG, record_trades=True)
    await writer.start()
    win = MainWindow(mgr, chart=ChartView(mgr, None),
                     store=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    try:
        win.show()
        win.coin_list.set_markets(markets)
        install_chart_panes(win, mgr, None, None, 25.0)
        host = win.extras.host
        win.coin_list.model.set_favourites(krw[:5])  # shown by the watch-grid panes
        win.select_coin(krw[0])
        await until(lambda: mgr.latest_orderbook(krw[0]) is not None, 20, "first orderbook")
        await until(lambda: _wire_types(sim).get("orderbook") == {krw[0]}, 20, "baseline on the wire")
        # Warm-up: the first pane creates the tab group it shares with the Chart dock (one QTabBar
        # that stays); the baseline is taken after it.
        host.close_pane(host.add_pane("orderbook").pane_id)
        await until(lambda: not [r for r in mgr.registrations() if "PaneFrame" in r.component_name], 20,
                    "warm-up pane gone")
        await asyncio.sleep(0.05)
        gc.collect()
        base_regs = sorted(r.component_name for r in mgr.registrations())
        base_subs = mgr.subscriptions()
        base_wire = _wire_types(sim)
        base_widgets = len(QApplication.allWidgets())
        base_listeners = _listeners(mgr)
        # Every (type, code) the router may ever see here: candles of the chart's unit included.
        n_keys_max = len(codes) * 4 + 10

        unsubscribe = mgr.add_listener(writer.on_event, types=writer.types)
        hot = codes[:30]
        hose = Firehose()
        mgr.register(hose, [SubscriptionSpec("ticker", hot), SubscriptionSpec("trade", hot),
                            SubscriptionSpec("orderbook", hot, depth=15)])
        done = asyncio.Event()

        async def switches() -> None:
            for i in range(SWITCHES):
                win.select_coin(krw[(i + 1) % len(krw)])
                await asyncio.sleep(0.01)

        async def churn() -> None:
            pal = Palette()
            for i in range(CYCLES):
                code = krw[i % len(krw)]
                ob = OrderbookView(mgr, pal)
                ob.set_code(code)
                ch = ChartView(mgr, None)
                ch.set_code(code)
                cl = CoinList(mgr, pal)
                cl.set_markets(markets)
                views = [ob, ch, cl, StatusPanel(mgr)]
                for v in views:
                    v.show()
                # The new pane kinds (chart, orderbook, watch grid), following / pinned / grouped.
                link = (PaneLink(), PaneLink(LinkMode.PINNED), PaneLink(LinkMode.GROUP, "red"))[i % 3]
                panes = [host.add_pane(kind, link=link, code=code)
                         for kind in ("chart", "orderbook", "watch")]
                await asyncio.sleep(0.02)
                for v in views:
                    v.close()
                    v.deleteLater()
                for frame in panes:
                    host.close_pane(frame.pane_id)
                del ob, ch, cl, views, v, panes, frame
                await asyncio.sleep(0)

        async def plain() -> None:
            for i in range(PLAIN):
                comp = PlainComponent()
                mgr.register(comp, [SubscriptionSpec("trade", (krw[i % len(krw)],))], callback=comp.on_event)
                await asyncio.sleep(0.01)
                del comp  # no unregister(): the weak reference must clean up

        async def watch() -> None:
            while not done.is_set():
                _check_bounds(mgr, writer, n_keys_max)
                await asyncio.sleep(0.05)

        watcher = asyncio.ensure_future(watch())
        await asyncio.gather(switches(), churn(), plain())
        # Keep the firehose running until the writer's bound has been exercised.
        await until(lambda: writer.status().dropped > 0, 20, "writer backlog bound reached")
        mgr.unregister(hose)
        unsubscribe()
        win.select_coin(krw[0])
        done.set()
        await watcher

        gc.collect()
        await until(lambda: sorted(r.component_name for r in mgr.registrations()) == base_regs, 20,
                    "registrations back to baseline")
        await until(lambda: mgr.subscriptions() == base_subs, 20, "merged set back to baseline")
        await until(lambda: _wire_types(sim) == base_wire, 20, "wire set back to baseline")
        await until(lambda: len(QApplication.allWidgets()) == base_widgets, 20, "widgets deleted")
        assert _listeners(mgr) == base_listeners
        assert host.frames == {} and len(host.hub) == 0 and host.created == 3 * CYCLES + 1
        _check_bounds(mgr, writer, n_keys_max)
        assert mgr.metrics()["upbit-public"].callback_errors == 0
        assert writer.status().failed == 0
    finally:
        win.close()
        win.deleteLater()
        await writer.stop()
        db.close()
