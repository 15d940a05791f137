"""One call that adds the kimchi premium to the main window (used by ``app.py``).

    tracker = start_premium_ui(window, mgr, urls)   # urls: {"binance": ws-url, ...} or None

* ``urls`` given (demo: the simulators' addresses): a connector per venue is added to the manager
  with that URL before anything subscribes. ``urls`` None: the registry builds the connectors from
  settings (each venue's descriptor names its URL setting; an empty URL disables that venue).
* The CoinList gets the premium columns (:func:`install_premium`), a "Premium" dock holds the chart
  and follows the selected coin, and the dock's toggle joins the window's View menu.
* The extra connections appear in the status panel by themselves: it lists ``mgr.metrics()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from upbit_monitor.config import Settings
from upbit_monitor.exchanges.registry import descriptor
from upbit_monitor.features.premium.domestic import DomesticSpread
from upbit_monitor.ui.premium.chart import PremiumChart
from upbit_monitor.ui.premium.columns import VENUE_CONNECTIONS, VENUE_LABELS, PremiumTracker, install_premium


def _settings(mgr: Any) -> Settings:
    settings = getattr(mgr, "settings", None)
    return settings if isinstance(settings, Settings) else Settings()


def start_premium_ui(
    window: QMainWindow, mgr: Any, urls: Mapping[str, str] | None = None,
    domestic: DomesticSpread | None = None,
) -> PremiumTracker | None:
    """Wire the premium columns, chart dock and foreign connections; None if every venue is disabled."""
    venues: list[str] = []
    settings = _settings(mgr)
    for venue in VENUE_CONNECTIONS:
        exchange = descriptor(venue)
        url = urls.get(venue, "") if urls is not None else exchange.url(settings)
        if not url:
            continue
        if urls is not None:
            mgr.add_connection(exchange.create(settings, url=url))
        venues.append(venue)
    if not venues:
        return None
    tracker = PremiumTracker(mgr, primary=venues[0], venues=venues)
    coin_list = getattr(window, "coin_list")  # noqa: B009 - any window with a CoinList
    palette = getattr(window, "palette_", None)
    columns = install_premium(coin_list, tracker, palette)
    venue_source = getattr(window, "venue_source", None)
    if venue_source is not None:
        # The Premium column is the premium of the venue the list shows (Bithumb's own prices and
        # dollar rate on Bithumb); the header names it.
        def follow(venue: str) -> None:
            tracker.set_home(venue)
            columns.headerDataChanged.emit(Qt.Orientation.Horizontal, columns.first_extra,
                                           columns.first_extra + columns.EXTRA - 1)

        follow(venue_source.venue)
        venue_source.add_venue_listener(follow)

    chart = PremiumChart(tracker, follow=lambda: getattr(window, "code", None), domestic=domestic,
                         parent=window)
    chart.set_dark(palette is None or bool(palette.dark))
    theme_changed = getattr(window, "theme_changed", None)
    if theme_changed is not None:
        theme_changed.connect(chart.set_dark)  # View > Light theme at run time
    dock = QDockWidget("Premium", window)
    dock.setObjectName("PremiumDock")
    dock.setWidget(chart)
    chart_dock = getattr(window, "chart_dock", None)
    if window.restoreDockWidget(dock):
        pass  # placed where the user left it (the window restored its state before we existed)
    elif isinstance(chart_dock, QDockWidget):
        window.splitDockWidget(chart_dock, dock, Qt.Orientation.Vertical)  # under the candle chart
    else:
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "View":
            menu.addAction(dock.toggleViewAction())
            krw = QAction(f"{VENUE_LABELS.get(venues[0], venues[0])} price in KRW column", window)
            krw.setCheckable(True)
            krw.setChecked(columns.krw_price_visible)
            krw.toggled.connect(columns.set_krw_price_visible)
            columns.visibility_changed.connect(lambda a=krw: a.setChecked(columns.krw_price_visible))
            menu.addAction(krw)
            break
    coin_list.coin_selected.connect(chart.set_code)
    chart.set_code(coin_list.selected_code)
    closing = getattr(window, "closing", None)  # MainWindow: emitted before the orderly shutdown
    if closing is not None:
        closing.connect(chart.stop)
    return tracker
