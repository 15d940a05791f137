"""The window's venue switch (Markets dock: Upbit | Bithumb) against both simulators: every view moves
to Bithumb's connection and pool, titles name the venue, and switching back restores Upbit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from upbit_monitor.config import Settings
from upbit_monitor.features.premium.domestic import DomesticSpread
from upbit_monitor.features.venues.source import VenueSource
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.models import MarketInfo
from upbit_monitor.sim.bithumb import BithumbSimulator, WanderingSpread
from upbit_monitor.sim.server import Simulator
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.premium.domestic_column import install_domestic


async def until(pred: Callable[[], bool], limit_s: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not pred():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def _keep_loop_on_close(qapp):  # type: ignore[no-untyped-def]
    old = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(old)


def loader(sim: Simulator, drop: str = "") -> Callable[[], object]:
    async def load() -> list[MarketInfo]:
        return [MarketInfo(m.code, m.korean_name, m.english_name, m.warning, ())
                for m in sim.model.markets if m.code != drop]

    return load


def view_connections(mgr: GlobalWebSocketManager) -> dict[str, str]:
    return {r.component_name: r.connection for r in mgr.registrations()}


def mid(window: MainWindow) -> float:
    spread = window.orderbook.model.spread()
    book = window.orderbook.model.book
    assert book is not None and spread is not None
    return (book.orderbook_units[0].ask_price + book.orderbook_units[0].bid_price) / 2


@pytest.mark.asyncio
async def test_venue_switch_moves_every_view_to_bithumb_and_back(tmp_path: Path) -> None:
    async with Simulator(msg_rate=400, seed=3, n_krw_markets=20) as upbit:
        async with BithumbSimulator(beside=upbit, spread=WanderingSpread(0.03, 0.0)) as bithumb:
            settings = Settings(ws_public_url=upbit.ws_url, bithumb_ws_url=bithumb.ws_url,
                                coalesce_window_s=0.01)
            mgr = GlobalWebSocketManager(settings)
            await mgr.start()
            source = VenueSource(mgr)
            store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
            window = MainWindow(source, chart=ChartView(source, None), store=store, venue_source=source,
                                market_loaders={"upbit": loader(upbit), "bithumb": loader(upbit, "KRW-ETH")},
                                load_markets=loader(upbit))
            spread = DomesticSpread(mgr)
            column = install_domestic(window.coin_list, spread, lambda: source.venue, window.palette_)
            try:
                window.resize(1600, 1000)  # the designed size: the list has room for the spread column
                window.show()
                window.coin_list.start_loading()
                await until(lambda: window.orderbook.model.book is not None
                            and window.orderbook.model.code == "KRW-BTC", what="Upbit BTC book")
                assert window.venue_bar is not None
                # The domestic spread column: Bithumb's price over Upbit's, shown once both are fresh.
                await until(lambda: column.value("KRW-BTC") is not None and column.available,
                            what="domestic spread")
                header = column.headerData(column.column, Qt.Orientation.Horizontal)
                assert header == "Bithumb %"
                assert column.value("KRW-BTC") == pytest.approx(3.0, abs=0.3)
                assert not window.coin_list.table.isColumnHidden(column.column)
                window.coin_list.select("KRW-ETH")  # listed on Upbit only (the fake catalogue)
                await until(lambda: window.code == "KRW-ETH", what="ETH selected")

                window.venue_bar.buttons["bithumb"].click()
                assert source.venue == "bithumb" and store.value("markets/venue") == "bithumb"
                views = {n: c for n, c in view_connections(mgr).items() if "DomesticSpread" not in n}
                assert set(views.values()) == {"bithumb-public"}
                # ETH is not listed on this Bithumb: the window falls back to BTC.
                await until(lambda: window.code == "KRW-BTC" and window.orderbook.model.book is not None
                            and window.orderbook.model.code == "KRW-BTC", what="Bithumb BTC book")
                assert "Bithumb" in window.windowTitle()
                assert window.orderbook.title.text().startswith("Bithumb · ")
                assert column.headerData(column.column, Qt.Orientation.Horizontal) == "Upbit %"
                assert column.value("KRW-BTC") == pytest.approx(-2.9, abs=0.3)
                assert window.coin_dock.windowTitle() == "Markets — Bithumb"
                assert window.chart_dock is not None and window.chart_dock.windowTitle() == "Chart — Bithumb"
                assert window.chart is not None and "built from trades" in window.chart.status.text()
                assert mid(window) / upbit.model.price("KRW-BTC") == pytest.approx(1.03, abs=0.01)
                wanted = mgr.subscriptions("bithumb-public").as_dict()
                assert "KRW-BTC" in wanted["candle.1m"] and "KRW-BTC" in wanted["orderbook"]
                await until(lambda: mgr.latest_candle("KRW-BTC", "candle.1m", "bithumb") is not None,
                            what="a Bithumb candle built from trades")

                window.venue_bar.buttons["upbit"].click()
                views = {n: c for n, c in view_connections(mgr).items() if "DomesticSpread" not in n}
                assert set(views.values()) == {"upbit-public"}
                await until(lambda: window.orderbook.model.book is not None
                            and mid(window) / upbit.model.price("KRW-BTC") < 1.01, what="Upbit book again")
                assert "Bithumb" not in window.windowTitle()
            finally:
                spread.close()
                window.close()
                await mgr.shutdown()
