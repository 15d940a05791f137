"""Against the simulator: a link-group switch costs ONE merged request whatever the pane count, and
closing panes shrinks the merged set."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from tests.ui.test_window_sim import _markets, _types, _window, mgr, sim, until
from upbit_monitor.features.panes import LinkMode, PaneLink
from upbit_monitor.ui.panes.window import install_chart_panes

__all__ = ["mgr", "sim"]  # fixtures shared with test_window_sim
pytestmark = pytest.mark.usefixtures("keep_loop_on_close")

RED = PaneLink(LinkMode.GROUP, "red")


def _subscribes(sim, after: int):
    return [r for r in sim.requests[after:] if r.parsed is not None and r.parsed.types]


@pytest.mark.asyncio
@pytest.mark.parametrize("pairs", [1, 4])
async def test_a_link_group_switch_is_one_merged_request(qtbot, sim, mgr, tmp_path, pairs):
    win = _window(mgr, tmp_path)
    qtbot.addWidget(win)
    install_chart_panes(win, mgr, None, None, 25.0)
    win.coin_list.set_markets(_markets(sim))
    win.select_coin("KRW-BTC")
    host = win.extras.host
    frames = []
    for _ in range(pairs):
        frames.append(host.add_pane("chart", link=RED, code="KRW-ETH"))
        frames.append(host.add_pane("orderbook", link=RED, code="KRW-ETH"))
    await sim.wait_for_request(lambda r: "KRW-ETH" in _types(r).get("orderbook", ()), timeout_s=10)
    await asyncio.sleep(0.1)  # let the coalescing window pass: nothing else pending
    n = len(sim.requests)
    frames[0].coin_box.setText("KRW-XRP")
    frames[0]._entered()
    await sim.wait_for_request(lambda r: "KRW-XRP" in _types(r).get("orderbook", ()), timeout_s=10)
    await asyncio.sleep(0.1)  # 4x the coalescing window: room for an unwanted second request
    sent = _subscribes(sim, n)
    assert len(sent) == 1, [r.text for r in sent]
    types = _types(sent[0])
    assert "KRW-ETH" not in types["orderbook"] and {"KRW-XRP", "KRW-BTC"} <= types["orderbook"]
    assert "KRW-XRP" in types["candle.1m"]
    assert all(f.code == "KRW-XRP" for f in frames)

    # Closing every group pane shrinks the merged set (XRP leaves it) in one more request.
    n = len(sim.requests)
    for f in frames:
        host.close_pane(f.pane_id)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    await until(lambda: bool(_subscribes(sim, n)), what="the shrunk request")
    await asyncio.sleep(0.1)
    last = _types(_subscribes(sim, n)[-1])
    assert "KRW-XRP" not in last.get("orderbook", set()) and "KRW-XRP" not in last.get("candle.1m", set())
    assert not [r for r in mgr.registrations() if "PaneFrame" in r.component_name]
    win.close()
