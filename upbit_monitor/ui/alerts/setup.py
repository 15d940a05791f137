"""One call that adds alerts to the main window (used by ``app.py``).

    alerts = await start_alerts_ui(window, mgr, stack, db=storage.db, premium=tracker)

* builds the :class:`~upbit_monitor.features.alerts.AlertEngine` (rules from the database when
  there is one), desktop notifications with the fallback said once in the status panel;
* an "Alerts" dock (rules table, trigger log, sound switch) with its View-menu toggle, and a badge
  in the status bar (click: show the dock, mark seen);
* "Alert at <price>…" on the ladder's right-click, "Alert on ±5 %…" / "Price alert…" on the coin
  list's, alert levels as dashed draggable lines on the chart's price plot;
* closes the engine (subscriptions released, pending writes done) before the manager shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QCheckBox, QDockWidget, QMainWindow, QMenu, QWidget

from upbit_monitor.errors import StorageError
from upbit_monitor.features.alerts import (
    AlertEngine,
    AlertRule,
    AlertStore,
    Delivery,
    DesktopNotifierBackend,
    RuleKind,
)
from upbit_monitor.features.alerts.evaluators import PremiumInput
from upbit_monitor.features.alerts.rules import fmt_price
from upbit_monitor.ui.alerts.chart_lines import AlertLines
from upbit_monitor.ui.alerts.dialog import RuleDialog
from upbit_monitor.ui.alerts.panel import AlertBadge, AlertsPanel, open_rule_dialog

log = logging.getLogger(__name__)


class ClickableBadge(AlertBadge):
    """The status-bar badge; a click opens the Alerts dock."""

    def __init__(self, on_click: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_click = on_click
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._on_click()
        event.accept()


class AlertsUi:
    """Everything :func:`start_alerts_ui` wired (the engine, dock, badge, hooks)."""

    def __init__(self, window: QMainWindow, engine: AlertEngine, desktop: DesktopNotifierBackend) -> None:
        self.window = window
        self.engine = engine
        self.desktop = desktop
        self.panel = AlertsPanel(engine)
        self.sound = QCheckBox("Sound")
        self.sound.setToolTip("Ask the desktop to play its notification sound with each alert")
        self.sound.toggled.connect(lambda on: setattr(self.desktop, "sound", bool(on)))
        self.panel.layout().itemAt(0).layout().addWidget(self.sound)  # type: ignore[union-attr]
        self.dock = QDockWidget("Alerts", window)
        self.dock.setObjectName("AlertsDock")
        self.dock.setWidget(self.panel)
        if not window.restoreDockWidget(self.dock):
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
            self.dock.hide()  # first run: out of the way until the badge or View menu opens it
        self.dock.visibilityChanged.connect(self._on_visibility)
        self.badge = ClickableBadge(self.show_dock)
        window.statusBar().addPermanentWidget(self.badge)
        self.panel.unseen_changed.connect(self.badge.set_count)
        self.last_menu: QMenu | None = None
        self.lines: AlertLines | None = None
        self._chart_price: float | None = None
        self._hook_view_menu()
        self._hook_ladder()
        self._catalogue_reads: list[asyncio.Task[None]] = []
        self._hook_coin_list()
        self._hook_chart()

    # -- dock ------------------------------------------------------------------------------------
    def _on_visibility(self, shown: bool) -> None:
        if shown:
            self.panel.mark_seen()

    def show_dock(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel.mark_seen()

    def _hook_view_menu(self) -> None:
        for action in self.window.menuBar().actions():
            menu = action.menu()
            if isinstance(menu, QMenu) and action.text().replace("&", "") == "View":
                menu.addAction(self.dock.toggleViewAction())
                return

    def open_dialog(self, template: AlertRule) -> RuleDialog:
        """The rule dialog, prefilled; OK stores the rule."""
        return open_rule_dialog(self.window, self.engine, template, self.panel.runner)

    def _popup(self, menu: QMenu, widget: QWidget, pos: QPoint) -> None:
        self.last_menu = menu
        menu.popup(widget.mapToGlobal(pos))  # non-blocking: no nested event loop

    # -- ladder: "Alert at this price" ---------------------------------------------------------
    def _hook_ladder(self) -> None:
        orderbook = getattr(self.window, "orderbook", None)
        table = getattr(orderbook, "table", None)
        if table is None:
            return
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(lambda pos: self.ladder_menu(table, pos))

    def ladder_menu(self, table: Any, pos: QPoint) -> QMenu | None:
        """The ladder's right-click menu at ``pos`` (None on an empty row)."""
        code = getattr(self.window, "code", None)
        level = self.window.orderbook.model.level(table.indexAt(pos).row())  # type: ignore[attr-defined]
        if not code or level is None:
            return None
        price = float(level[1])
        ticker = self.engine.source.latest_ticker(code)
        above = ticker is None or price >= ticker.trade_price
        menu = QMenu(table)
        action = menu.addAction(f"Alert at {fmt_price(price)} ({'above' if above else 'below'})…")
        direction = "above" if above else "below"
        template = AlertRule(RuleKind.PRICE, code, {"level": price, "direction": direction})
        action.triggered.connect(lambda: self.open_dialog(template))
        self._popup(menu, table.viewport(), pos)
        return menu

    # -- coin list: "Alert on ±x %" ----------------------------------------------------------------
    def _hook_coin_list(self) -> None:
        coin_list = getattr(self.window, "coin_list", None)
        table = getattr(coin_list, "table", None)
        if coin_list is None or table is None:
            return
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(lambda pos: self.coin_menu(table, pos))
        coin_list.markets_loaded.connect(lambda _n: self.engine.set_markets(
            self._shown_venue(), [m.code for m in coin_list.model.markets()]))
        # The other venues' rules need their catalogues too (a KRW-* rule subscribes every KRW
        # market of its venue), whichever venue the list shows.
        loaders = getattr(self.window, "market_loaders", None) or {}
        for venue in self.engine.venues:
            if venue != self._shown_venue() and venue in loaders:
                self._catalogue_reads.append(asyncio.ensure_future(self._file_markets(venue, loaders[venue])))

    async def _file_markets(self, venue: str, loader: Any) -> None:
        try:
            markets = await loader()
        except Exception as exc:  # that venue's rules stay unchecked until the list shows it
            log.warning("%s market list for alert rules unavailable: %s", venue, exc)
            return
        self.engine.set_markets(venue, [m.code for m in markets])

    def _shown_venue(self) -> str:
        # The list loads the catalogue of the venue it shows: Bithumb's markets are Bithumb's. Filed
        # under Upbit, they refused Upbit rules for coins Bithumb lacks and subscribed Bithumb's
        # codes for Upbit's KRW-* rules.
        source = getattr(self.window, "venue_source", None)
        return str(source.venue) if source is not None else "upbit"

    def coin_menu(self, table: Any, pos: QPoint) -> QMenu | None:
        """The coin list's right-click menu for the row at ``pos``."""
        row = table.indexAt(pos).row()
        code = self.window.coin_list.proxy.code_at(row) if row >= 0 else None  # type: ignore[attr-defined]
        if not code:
            return None
        menu = QMenu(table)
        for pct in (5.0, -5.0):
            rule = AlertRule(RuleKind.MOVE, code, {"pct": pct, "window_s": 300.0})
            act = menu.addAction(f"Alert on {pct:+g} % in 5 min…")
            act.triggered.connect(lambda _=False, r=rule: self.open_dialog(r))
        ticker = self.engine.source.latest_ticker(code)
        level = float(ticker.trade_price) if ticker is not None else 1.0
        price = AlertRule(RuleKind.PRICE, code, {"level": level})
        menu.addAction("Price alert…").triggered.connect(lambda: self.open_dialog(price))
        self._popup(menu, table.viewport(), pos)
        return menu

    # -- chart: dashed draggable levels ------------------------------------------------------------
    def _hook_chart(self) -> None:
        plots = getattr(getattr(self.window, "chart", None), "plots", None)
        price_plot = getattr(plots, "price", None)
        if price_plot is None:
            return
        code = getattr(self.window, "code", "") or ""
        self.lines = AlertLines(self.engine, price_plot, self.panel.runner, code)
        coin_changed = getattr(self.window, "coin_changed", None)
        if coin_changed is not None:
            coin_changed.connect(self.lines.set_code)
        # "Alert at this price" in the price plot's own right-click menu; the price is where the
        # right button went down (the scene reports the click before the menu opens).
        vb = price_plot.getViewBox()
        menu = getattr(vb, "menu", None)
        if isinstance(menu, QMenu):
            self.chart_action = menu.addAction("Alert at this price…")
            self.chart_action.triggered.connect(lambda: self.chart_alert(self._chart_price))

            def clicked(ev: Any) -> None:
                if ev.button() == Qt.MouseButton.RightButton:
                    self._chart_price = float(vb.mapSceneToView(ev.scenePos()).y())

            price_plot.scene().sigMouseClicked.connect(clicked)

    def chart_alert(self, price: float | None) -> RuleDialog | None:
        """The chart's "Alert at this price": the dialog prefilled with ``price``."""
        code = getattr(self.window, "code", None)
        if not code or price is None or price <= 0:
            return None
        ticker = self.engine.source.latest_ticker(code)
        direction = "above" if ticker is None or price >= ticker.trade_price else "below"
        return self.open_dialog(AlertRule(RuleKind.PRICE, code, {"level": price, "direction": direction}))

    async def aclose(self) -> None:
        """Finish pending edits, stop following the engine, close it (before the manager)."""
        for task in self._catalogue_reads:
            task.cancel()
        await asyncio.gather(*self._catalogue_reads, return_exceptions=True)
        await self.panel.runner.drain()
        if self.lines is not None:
            self.lines.close()
        self.panel.close_panel()
        await self.engine.aclose()


async def start_alerts_ui(window: QMainWindow, mgr: Any, stack: contextlib.AsyncExitStack, *,
                          db: Any = None, premium: PremiumInput | None = None,
                          venues: tuple[str, ...] = ("upbit",), signals: Any = None) -> AlertsUi:
    """Build the alerts engine and its UI on ``window`` (see the module docstring)."""
    status = getattr(window, "status_panel", None)

    def notice(text: str) -> None:
        if status is not None:
            status.add_notice(text)

    desktop = DesktopNotifierBackend("upbit-monitor")
    delivery = Delivery([desktop], on_notice=notice)
    reason = desktop.unavailable_reason()
    if reason is not None:  # say it at start, not at the first alert
        delivery.mark_unavailable(desktop.name, reason)
    store = AlertStore(db) if db is not None else None
    engine = AlertEngine(mgr, store=store, delivery=delivery, premium=premium, venues=venues,
                         signals=signals)
    try:
        await engine.load()
    except StorageError as exc:
        notice(f"Alert rules could not be loaded: {exc}")
    for reason in store.skipped if store is not None else ():
        notice(reason)
    ui = AlertsUi(window, engine, desktop)
    stack.push_async_callback(ui.aclose)
    return ui
