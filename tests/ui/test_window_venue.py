"""The window's venue switch (Markets dock: Upbit | Bithumb) against both simulators: every view moves
to Bithumb's connection and pool, titles name the venue, and switching back restores Upbit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from upbit_monitor.config import Settings
from upbit_monitor.features.premium.domestic import DomesticSpread
from upbit_monitor.features.private.feed import PrivateState
from upbit_monitor.features.venues.source import VenueSource
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.models import MarketInfo
from upbit_monitor.sim.bithumb import BithumbSimulator, WanderingSpread
from upbit_monitor.sim.server import Simulator
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.premium.domestic_column import install_domestic
from upbit_monitor.ui.private.embed import start_private_ui


async def until(pred: Callable[[], bool], limit_s: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not pred():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


pytestmark = pytest.mark.usefixtures("keep_loop_on_close")


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


@pytest.mark.asyncio
async def test_private_panels_follow_the_venue_with_that_venues_keys(tmp_path: Path) -> None:
    """My orders / My assets show the account of the venue on screen: Bithumb's orders come from the
    Bithumb simulator's private v2 endpoint, signed with Bithumb's keys; the keys dialog follows."""
    async with Simulator(msg_rate=200, seed=5, n_krw_markets=20) as upbit:
        async with BithumbSimulator(beside=upbit, spread=WanderingSpread(0.03, 0.0)) as bithumb:
            settings = Settings(ws_public_url=upbit.ws_url, ws_private_url=upbit.ws_private_url,
                                rest_url=upbit.rest_url, bithumb_ws_url=bithumb.ws_url,
                                bithumb_ws_private_url=bithumb.ws_private_url,
                                bithumb_rest_url=bithumb.rest_url, coalesce_window_s=0.01)
            mgr = GlobalWebSocketManager(settings)
            await mgr.start()
            source = VenueSource(mgr)
            store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
            window = MainWindow(source, chart=ChartView(source, None), store=store, venue_source=source,
                                market_loaders={"upbit": loader(upbit), "bithumb": loader(upbit)},
                                load_markets=loader(upbit))
            keys = {"upbit": (upbit.config.access_key, upbit.config.secret_key),
                    "bithumb": (bithumb.config.access_key, bithumb.config.secret_key)}
            try:
                async with contextlib.AsyncExitStack() as stack:
                    ui = await start_private_ui(window, mgr, stack, demo_keys=keys)
                    window.show()
                    assert set(ui.feeds) == {"upbit", "bithumb"} and ui.venue == "upbit"
                    assert ui.orders_dock.windowTitle() == "My orders · Upbit"
                    connected = (PrivateState.CONNECTED,)
                    await until(lambda: all(f.status.state in connected for f in ui.feeds.values())
                                and all(sim.feed.index.get(("myOrder", "*")) for sim in (upbit, bithumb)),
                                what="both private feeds connected and subscribed")
                    # Each simulator saw one private connection, signed with its own venue's key.
                    assert [r.private for r in bithumb.connections].count(True) == 1
                    assert [r.private for r in upbit.connections].count(True) == 1
                    upbit_oid = upbit.account.place_order("KRW-XRP", "ask", "limit", price=10_000_000,
                                                          volume=1)
                    bithumb_oid = bithumb.account.place_order("KRW-XRP", "ask", "limit", price=20_000_000,
                                                              volume=2)
                    upbit_orders, _ = ui.panels("upbit")
                    bithumb_orders, bithumb_assets = ui.panels("bithumb")
                    # Bithumb's balances: a REST /v1/accounts snapshot signed with its keys (timestamp claim).
                    await until(lambda: bithumb_assets.snapshots_loaded >= 1, what="Bithumb balances")
                    assert bithumb_assets.assets_model.balance("XRP") is not None
                    await until(lambda: bithumb_orders.orders_model.row_of(bithumb_oid) is not None
                                and upbit_orders.orders_model.row_of(upbit_oid) is not None,
                                what="each venue's order in its own panel")
                    assert bithumb_orders.orders_model.row_of(upbit_oid) is None
                    assert upbit_orders.orders_model.row_of(bithumb_oid) is None
                    assert ui.orders_panel is upbit_orders and upbit_orders.isVisible()

                    assert window.venue_bar is not None
                    window.venue_bar.buttons["bithumb"].click()
                    assert ui.venue == "bithumb" and ui.orders_panel is bithumb_orders
                    assert ui.orders_dock.windowTitle() == "My orders · Bithumb"
                    assert ui.assets_dock.windowTitle() == "My assets · Bithumb"
                    assert bithumb_orders.isVisible() and not upbit_orders.isVisible()
                    row = bithumb_orders.orders_model.row_of(bithumb_oid)
                    assert row is not None and row.state.is_open  # v2 fields normalised to a standard state
                    dialog = ui.open_keys_dialog()
                    assert dialog.venue == "bithumb" and dialog.windowTitle() == "Bithumb API keys"
                    assert dialog.access_edit.text() == bithumb.config.access_key
                    dialog.set_venue("upbit")
                    assert dialog.access_edit.text() == upbit.config.access_key
                    dialog.close()

                    window.venue_bar.buttons["upbit"].click()
                    assert ui.orders_panel is upbit_orders
                    assert ui.orders_dock.windowTitle() == "My orders · Upbit"
            finally:
                window.close()
                await mgr.shutdown()
