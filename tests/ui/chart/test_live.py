"""ChartView with the real manager against the simulator: live candles, timeframe switch, unregister."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import shiboken6
from PySide6.QtWidgets import QWidget

from tests.manager.waiting import wait_until as _wait_until
from upbit_monitor.config import Settings
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.sim.server import Simulator
from upbit_monitor.ui.chart.view import ChartView


async def wait_until(predicate: Callable[[], object], timeout_s: float = 8.0) -> None:
    """Poll a condition on the loop until true (TimeoutError fails the test)."""
    await _wait_until(predicate, within=timeout_s, step=0.02)


def candle_types_requested(sim: Simulator) -> list[set[str]]:
    out = []
    for r in sim.requests:
        if r.parsed is None or r.ping:
            continue
        objs = json.loads(r.text)
        types = {str(o.get("type", "")) for o in objs}
        out.append({t for t in types if t.startswith("candle")})
    return out


@pytest.mark.asyncio
async def test_live_candles_timeframe_switch_and_unregister(qtbot):
    async with Simulator(msg_rate=200) as sim:
        mgr = GlobalWebSocketManager(Settings(ws_public_url=sim.ws_url, coalesce_window_s=0.01))
        await mgr.start()
        try:
            host = QWidget()  # like the window's dock: deleting the chart must not close the app
            qtbot.addWidget(host)
            view = ChartView(mgr, None, host, repaint_hz=50)
            view.resize(800, 450)
            host.show()
            view.set_code("KRW-BTC")
            await wait_until(lambda: len(view.series) >= 1)
            assert view.readout_plain.strip()
            assert mgr.subscriptions().as_dict() == {"candle.1m": ["KRW-BTC"]}

            view.set_timeframe(5)
            await wait_until(lambda: {"candle.5m"} in candle_types_requested(sim))
            await wait_until(lambda: len(view.series) >= 1)
            assert mgr.subscriptions().as_dict() == {"candle.5m": ["KRW-BTC"]}
            assert all(bar.t % 300 == 0 for bar in view.series.bars)
            view.grab()  # renders live data without error

            shiboken6.delete(view)  # the Qt object dies: the manager drops the registration
            await wait_until(lambda: not mgr.registrations())
        finally:
            await mgr.shutdown()
