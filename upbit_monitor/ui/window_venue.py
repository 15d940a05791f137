"""The main window's venue switch: the Upbit | Bithumb bar on the Markets dock and what follows it.

Apart from the window because a venue switch reaches every coin view at once (the coin list's
catalogue, the ladder's venue label, the main chart and every extra chart pane) while the window
itself only keeps which venue is shown. Without a :class:`VenueSource`, or with a single venue's
catalogue, there is no bar and nothing here runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from upbit_monitor.features.venues.source import LABELS, VenueSource
from upbit_monitor.ui.coin_list.venue_bar import VenueBar
from upbit_monitor.ui.coin_list.view import MarketLoader
from upbit_monitor.ui.common.layout import flush_column

if TYPE_CHECKING:
    from upbit_monitor.ui.main_window import MainWindow

VENUE_KEY = "markets/venue"


class WindowVenue:
    """Which venue the window shows, its bar (if any), and the switch that every coin view follows."""

    def __init__(self, source: VenueSource | None, loaders: Mapping[str, MarketLoader] | None,
                 store: QSettings) -> None:
        self.source = source
        self._loaders = dict(loaders or {})
        self._store = store
        self.bar: VenueBar | None = None

    @property
    def loaders(self) -> dict[str, MarketLoader]:
        """Each venue's market catalogue loader."""
        return dict(self._loaders)

    @property
    def label(self) -> str:
        """The shown venue's name ("" without a venue switch)."""
        return self.source.label if self.source is not None else ""

    def markets_widget(self, window: MainWindow) -> QWidget:
        """The Markets dock's content: the coin list, under the venue bar when there is a choice."""
        src = self.source
        if src is None or len(self._loaders) < 2:
            return window.coin_list
        self.bar = VenueBar([(v, LABELS.get(v, v)) for v in src.venues], src.venue)
        markets = QWidget(window)
        flush_column(markets, self.bar, (window.coin_list, 1))
        self.bar.venue_chosen.connect(window.set_venue)
        window.orderbook.set_venue_label(src.label)
        return markets

    def switch(self, window: MainWindow, venue: str) -> bool:
        """Show ``venue``'s markets; the orderbook, tape and charts follow. False: nothing changed."""
        src = self.source
        if src is None or not src.set_venue(venue):
            return False
        if self.bar is not None:
            self.bar.set_current(venue)
        self._store.setValue(VENUE_KEY, venue)
        loader = self._loaders.get(venue)
        if loader is not None:
            window.coin_list.set_loader(loader)
        window.orderbook.set_venue_label(src.label)
        window.orderbook.reload()
        # Every chart (the main one and extra chart panes) starts over on the new venue. Bithumb's
        # WebSocket has no candle type: the live bar is built from its trades.
        note = f"{src.label} · live candles built from trades" if venue == "bithumb" else ""
        for chart in window.findChildren(QWidget, "ChartView"):
            reload = getattr(chart, "reload", None)
            if callable(reload):
                reload(note)
        return True

    def restored(self, override: str | None) -> str | None:
        """The venue to show at start: ``override``, else the one shown last time, if still offered."""
        src = self.source
        if src is None:
            return None
        venue = override or str(self._store.value(VENUE_KEY, src.venue))
        return venue if venue in src.venues else None
