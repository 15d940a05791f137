"""The watch grid's sparkline starts with the coin's last minutes from history, not empty."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from PySide6.QtCore import QSettings

from tests.manager.waiting import wait_until
from tests.ui.fake_source import FakeSource, ticker
from tests.ui.test_window_behaviour import _source, _window
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.panes.window import install_chart_panes
from upbit_monitor.ui.watch.grid import HISTORY_MINUTES, PER_MINUTE, SAMPLES, WatchGrid
from upbit_monitor.ui.window_reads import in_flight_reads


def _grid(qtbot, src: FakeSource, history) -> WatchGrid:  # type: ignore[no-untyped-def]
    grid = WatchGrid(src, Palette(), history=history)
    qtbot.addWidget(grid)
    return grid


@pytest.mark.asyncio
async def test_a_new_tile_starts_with_the_line_through_its_last_minute_closes(qtbot) -> None:
    src = FakeSource(tickers={"KRW-BTC": ticker("KRW-BTC", 103.0)})
    asked: list[str] = []

    async def history(code: str) -> Sequence[float]:
        asked.append(code)
        return [float(p) for p in range(80, 103)]  # more minutes than the ring holds

    grid = _grid(qtbot, src, history)
    grid.set_codes(["KRW-BTC"])
    assert grid.samples("KRW-BTC") == [103.0]  # the live sample at once
    await wait_until(lambda: len(grid.samples("KRW-BTC")) > 1)
    samples = grid.samples("KRW-BTC")
    # The line from the close 10 minutes ago (92) to the last one (102), 1/12 of a minute a sample;
    # the oldest sample gives way to the live one.
    assert HISTORY_MINUTES * PER_MINUTE == SAMPLES
    first = 102 - HISTORY_MINUTES
    assert samples[:-1] == pytest.approx([first + (i + 2) / PER_MINUTE for i in range(SAMPLES - 1)])
    assert samples[-1] == 103.0 and len(samples) == SAMPLES
    assert asked == ["KRW-BTC"]
    grid.set_codes(["KRW-BTC", "KRW-ETH"])  # a kept tile is not loaded again
    await wait_until(lambda: not grid.pending_reads())
    assert asked == ["KRW-BTC", "KRW-ETH"]


@pytest.mark.asyncio
async def test_a_failing_or_cancelled_history_leaves_the_live_line(qtbot) -> None:
    src = FakeSource(tickers={"KRW-BTC": ticker("KRW-BTC", 103.0), "KRW-ETH": ticker("KRW-ETH", 5.0)})
    gate = asyncio.Event()

    async def history(code: str) -> Sequence[float]:
        if code == "KRW-BTC":
            raise OSError("REST down")
        await gate.wait()
        return [4.0, 4.5]

    grid = _grid(qtbot, src, history)
    grid.set_codes(["KRW-BTC", "KRW-ETH"])
    eth_read = grid.pending_reads()[-1]  # started in the order of the codes
    await wait_until(lambda: len(grid.pending_reads()) == 1)  # BTC's read ended (and was logged)
    assert grid.samples("KRW-BTC") == [103.0]
    grid.set_codes(["KRW-BTC"])  # ETH unstarred while its past loads: the read is cancelled
    await wait_until(eth_read.done)
    assert eth_read.cancelled() and grid.pending_reads() == []


@pytest.mark.asyncio
@pytest.mark.usefixtures("keep_loop_on_close")
async def test_watch_panes_read_the_chart_history_and_the_window_cancels_it(qtbot, tmp_path) -> None:
    src = _source()
    win = _window(qtbot, src, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    loads: list[tuple[str, int, int]] = []
    gate = asyncio.Event()

    class History:
        async def load(self, code: str, unit: int, count: int) -> object:
            loads.append((code, unit, count))
            await gate.wait()
            raise AssertionError("cancelled before it returns")

    install_chart_panes(win, src, History(), None, 25.0)
    win.coin_list.model.toggle_favourite("KRW-BTC")
    frame = win.extras.host.add_pane("watch")
    grid = frame.body
    assert isinstance(grid, WatchGrid)
    await wait_until(lambda: loads == [("KRW-BTC", 1, HISTORY_MINUTES + 1)])
    [read] = in_flight_reads(win)
    win.close()
    await wait_until(read.done)
    assert read.cancelled()
