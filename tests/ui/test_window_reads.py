"""Closing the window cancels the REST reads a coin switch started (tape fill, chart history) and the
app can await their end before it shuts the connections and the loop down."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from PySide6.QtCore import QSettings

from tests.manager.waiting import wait_until
from tests.ui.chart.support import FakeManager
from tests.ui.fake_source import FakeSource, ticker
from upbit_monitor.features.history.loader import HistoryLoader
from upbit_monitor.models import MarketInfo
from upbit_monitor.protocol.events import Candle, Trade
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.window_reads import in_flight_reads, reads_finished


class Hanging:
    """A REST read that never answers; records that it was cancelled (its cleanup ran)."""

    def __init__(self) -> None:
        self.started = 0
        self.cancelled = 0

    async def _hang(self) -> None:
        self.started += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise

    async def trades(self, code: str) -> list[Trade]:
        await self._hang()
        return []

    async def candles_range(self, market: str, unit: int, start: datetime, end: datetime) -> list[Candle]:
        await self._hang()
        return []


@pytest.mark.asyncio
async def test_close_cancels_the_reads_in_flight_and_they_can_be_awaited(qtbot, tmp_path) -> None:
    src = FakeSource()
    src.put_ticker(ticker("KRW-BTC", 95_000_000))
    rest = Hanging()
    chart = ChartView(FakeManager(), HistoryLoader(rest, None))
    win = MainWindow(src, chart=chart, store=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.orderbook.set_trades_loader(rest.trades)
    win.coin_list.set_markets([MarketInfo("KRW-BTC", "비트코인", "Bitcoin")])
    win.select_coin("KRW-BTC")
    # Both reads reached the network: the tape's fill and the chart's history.
    await wait_until(lambda: rest.started == 2, 5)
    assert len(in_flight_reads(win)) == 2
    win.close()
    assert len(win.cancelled_reads) == 2
    await asyncio.wait_for(reads_finished(win.cancelled_reads), 5)
    assert rest.cancelled == 2 and in_flight_reads(win) == []
