"""The Alerts UI in the main window: a rule created from the ladder's right-click menu."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDockWidget

from tests.manager.waiting import wait_until
from tests.ui.fake_source import FakeSource, book, ticker
from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts import AlertRule, RuleKind
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.alerts.dialog import RuleDialog
from upbit_monitor.ui.alerts.setup import start_alerts_ui
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.orderbook.model import ObCol

MARKETS = [MarketInfo("KRW-BTC", "비트코인", "Bitcoin"), MarketInfo("KRW-ETH", "이더리움", "Ethereum")]


class Source(FakeSource):
    """The window's fake source plus what the alerts engine needs."""

    def add_state_listener(self, cb: Callable[[Any], None]) -> Callable[[], None]:
        return lambda: None


@pytest.mark.asyncio
async def test_price_alert_created_from_the_ladder_context_menu(qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    src = Source()
    src.put_ticker(ticker("KRW-BTC", 95_000_000))
    src.put_ticker(ticker("KRW-ETH", 4_500_000))
    win = MainWindow(src, store=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.coin_list.set_markets(MARKETS)
    win.coin_list.markets_loaded.emit(len(MARKETS))
    win.select_coin("KRW-BTC")
    src.put_book(book("KRW-BTC", 95_000_000))  # the snapshot the switch brings
    win.orderbook.refresh()
    win.show()
    async with contextlib.AsyncExitStack() as stack:
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
        ui = await start_alerts_ui(win, src, stack)
        # No notification service here: said once, at start, in the status panel.
        log = win.status_panel.notices
        notices = [log.item(i).text().partition("  ")[2] for i in range(log.count())
                   if "Desktop notifications" in log.item(i).text()]
        assert notices == ["Desktop notifications unavailable (no D-Bus session bus); "
                           "alerts show in the Alerts dock only"]
        assert ui.engine.rules() == [] and ui.badge.isHidden()
        assert isinstance(win.findChild(QDockWidget, "AlertsDock"), QDockWidget)
        table = win.orderbook.table
        row = next(r for r in range(win.orderbook.model.rowCount())
                   if (lv := win.orderbook.model.level(r)) is not None and lv[0] == "ask")
        price = win.orderbook.model.level(row)[1]  # type: ignore[index]
        pos = table.visualRect(win.orderbook.model.index(row, ObCol.PRICE)).center()
        table.customContextMenuRequested.emit(pos)  # what a right-click on that cell sends
        menu = ui.last_menu
        assert menu is not None
        [action] = menu.actions()
        assert action.text().startswith("Alert at ") and "(above)" in action.text()
        action.trigger()
        [dialog] = [d for d in win.findChildren(RuleDialog) if d.isVisible()]
        assert dialog.market.text() == "KRW-BTC"
        dialog.try_accept()
        await wait_until(lambda: len(ui.engine.rules()) == 1)
        rule = ui.engine.rules()[0]
        assert (rule.kind, rule.market, rule.num("level"), rule.text("direction")) == (
            RuleKind.PRICE, "KRW-BTC", price, "above")
        assert ui.panel.rules_model.rowCount() == 1
        assert any(r.component_name == "AlertOwner" for r in src.registrations())  # its own wants
        assert ui.lines is None  # no chart in this window
        # The coin list's menu offers the surge/plunge alerts for the row under the mouse.
        cl = win.coin_list.table
        row_eth = next(r for r in range(win.coin_list.proxy.rowCount())
                       if win.coin_list.proxy.code_at(r) == "KRW-ETH")
        cl.customContextMenuRequested.emit(cl.visualRect(win.coin_list.proxy.index(row_eth, 1)).center())
        assert ui.last_menu is not None
        assert [a.text() for a in ui.last_menu.actions()] == [
            "Alert on +5 % in 5 min…", "Alert on -5 % in 5 min…", "Price alert…"]
        ui.last_menu.close()
        menu.close()
        # The chart's "Alert at this price" prefills the dialog the same way (below the last price).
        chart_dialog = ui.chart_alert(94_000_000.0)
        assert chart_dialog is not None and chart_dialog.param_widget("direction").currentText() == "below"
        chart_dialog.reject()
    assert [r for r in src.registrations() if r.component_name == "AlertOwner"] == []  # released


def _refuses(engine: Any, code: str, venue: str) -> bool:
    try:
        engine.validate(AlertRule(RuleKind.PRICE, code, {"level": 1}, venue=venue))
    except AlertRuleError:
        return True
    return False


class _Venues:
    """The venue source as the window and the alerts hook read it (no connections behind it)."""

    venues = ("upbit", "bithumb")

    def __init__(self) -> None:
        self.venue = "upbit"

    @property
    def label(self) -> str:
        return self.venue.title()

    def set_venue(self, venue: str) -> bool:
        changed, self.venue = venue != self.venue, venue
        return changed


@pytest.mark.asyncio
async def test_the_list_files_its_markets_under_the_venue_it_shows(qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    catalogues = {"upbit": [*MARKETS, MarketInfo("KRW-UPONLY", "업비트만", "Upbit only")],
                  "bithumb": [*MARKETS, MarketInfo("KRW-BTONLY", "빗썸만", "Bithumb only")]}

    def loader(venue: str) -> Callable[[], Any]:
        async def load() -> list[MarketInfo]:
            return catalogues[venue]
        return load

    src = Source()
    win = MainWindow(src, store=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
                     venue_source=_Venues(),  # type: ignore[arg-type]
                     market_loaders={v: loader(v) for v in catalogues}, load_markets=loader("upbit"))
    qtbot.addWidget(win)
    async with contextlib.AsyncExitStack() as stack:
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
        ui = await start_alerts_ui(win, src, stack, venues=("upbit", "bithumb"))
        engine = ui.engine
        # Bithumb's list arrives before the Markets dock ever shows it: its rules are checked at once.
        await wait_until(lambda: _refuses(engine, "KRW-UPONLY", "bithumb"))
        loaded: list[int] = []
        win.coin_list.markets_loaded.connect(loaded.append)
        win.coin_list.start_loading()
        await wait_until(lambda: len(loaded) == 1)
        win.set_venue("bithumb")
        await wait_until(lambda: len(loaded) == 2)
        # Upbit still knows its own list, Bithumb its own: each refuses the other's coin.
        assert engine.validate(AlertRule(RuleKind.PRICE, "KRW-UPONLY", {"level": 1}, venue="upbit"))
        assert engine.validate(AlertRule(RuleKind.PRICE, "KRW-BTONLY", {"level": 1}, venue="bithumb"))
        with pytest.raises(AlertRuleError, match="KRW-BTONLY is not a market on upbit"):
            engine.validate(AlertRule(RuleKind.PRICE, "KRW-BTONLY", {"level": 1}, venue="upbit"))
        with pytest.raises(AlertRuleError, match="KRW-UPONLY is not a market on bithumb"):
            engine.validate(AlertRule(RuleKind.PRICE, "KRW-UPONLY", {"level": 1}, venue="bithumb"))
