"""A small pyqtgraph chart of the selected coin's kimchi premium over time, one line per venue.

It samples :meth:`PremiumTracker.sample` once a second (the premium is a slow quantity and Binance
tickers arrive once a second anyway), every other shown coin in the background (``sample_all``), and
redraws from the tracker's bounded history, so its cost does not depend on the message rate. A venue
without a fresh quote stops extending its line, and the hole is drawn as a gap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from upbit_monitor.features.premium.domestic import DomesticSpread
from upbit_monitor.features.premium.history import with_gaps
from upbit_monitor.ui.chart.axes import KstTimeAxis
from upbit_monitor.ui.chart.theme import DARK, LIGHT, ChartTheme
from upbit_monitor.ui.common.fitting_label import FittingLabel
from upbit_monitor.ui.common.formatting import display_code
from upbit_monitor.ui.premium.columns import VENUE_LABELS, PremiumTracker, format_premium

VENUE_COLOURS = {"binance": "#f0b90b", "bybit": "#8e7cff", "bithumb": "#ff7a45"}
# Binance yellow and the light violet vanish on a white surface: darker shades of the same hues.
VENUE_COLOURS_LIGHT = {"binance": "#b07d00", "bybit": "#5b45d6", "bithumb": "#c4501c"}
# The Bithumb line: Upbit's price over Bithumb's (the domestic spread seen from Bithumb), like a premium.
DOMESTIC = "bithumb"
# The narrowest time span shown: the first sample alone would give an empty, unlabelled axis.
MIN_SPAN_S = 10.0


class PremiumChart(QWidget):
    """Premium (%) of one coin against each venue, plotted against time."""

    def __init__(
        self,
        tracker: PremiumTracker,
        *,
        interval_ms: int = 1000,
        follow: Callable[[], str | None] | None = None,
        domestic: DomesticSpread | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``follow``, if given, returns the window's selected coin; the chart switches to it on its
        next tick (selections made in code emit no signal)."""
        super().__init__(parent)
        self.setObjectName("PremiumChart")
        self.tracker = tracker
        self.domestic = domestic
        self._follow = follow
        self._code: str | None = None
        self.title = FittingLabel(self)
        self.title.setObjectName("PremiumTitle")
        # The KST axis of the candle chart: DateAxisItem labels sub-minute zooms as "56.000" and follows
        # the machine's zone; premiums are read against the same KST clock as the candles. With
        # seconds ticks: the time axis follows the samples from the first seconds (autorange), so
        # the lines use the plot's width at once. A fixed two-minute window squeezed them against
        # the right edge for the first two minutes, and then the axis jumped to the data.
        self.plot = pg.PlotWidget(parent=self, axisItems={"bottom": KstTimeAxis(fine=True)})
        self.plot.getViewBox().setLimits(minXRange=MIN_SPAN_S)
        self.plot.setMinimumHeight(120)
        self.plot.setLabel("left", "premium", units="%")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        # The zero line is a reference, not data: autorange follows the premium lines only, so the
        # slow wobble (a few tenths of a percent) is visible instead of a flat line far from 0.
        self.zero = pg.InfiniteLine(pos=0.0, angle=0)
        self.plot.addItem(self.zero, ignoreBounds=True)
        self.curves: dict[str, Any] = {
            venue: self.plot.plot([], [], name=VENUE_LABELS.get(venue, venue)) for venue in tracker.venues
        }
        if domestic is not None:
            self.curves[DOMESTIC] = self.plot.plot([], [], name="Bithumb")
        self.dark = True
        self.set_dark(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    def set_dark(self, dark: bool) -> None:
        """Dark or light surface (the candle chart's colours): background, axes, grid, legend, lines."""
        self.dark = dark
        theme: ChartTheme = DARK if dark else LIGHT
        colours = VENUE_COLOURS if dark else VENUE_COLOURS_LIGHT
        self.plot.setBackground(theme.background)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=theme.grid_alpha)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(theme.axis))
            axis.setTextPen(pg.mkPen(theme.text))
        self.zero.setPen(pg.mkPen(theme.crosshair, width=1, style=Qt.PenStyle.DashLine))
        for venue, curve in self.curves.items():
            curve.setPen(pg.mkPen(colours.get(venue, theme.text), width=1.6))
        self.redraw()  # the title names each venue in its line's colour (no legend over the lines)

    @property
    def code(self) -> str | None:
        """The coin shown."""
        return self._code

    def set_code(self, code: str | None) -> None:
        """Show ``code`` (redraws its recorded history at once)."""
        self._code = code
        self.tracker.set_selected(code)
        self.plot.enableAutoRange(axis=pg.ViewBox.XAxis)  # a user zoom on the last coin does not carry over
        self.redraw()

    def stop(self) -> None:
        """Stop sampling (the window closed): the manager shuts down next, and a tick after that
        would re-subscribe on it (ManagerError traceback on quit)."""
        self._timer.stop()

    def tick(self) -> None:
        """Timer: follow the selection, record the current premium of the shown coin and redraw."""
        if self._follow is not None:
            wanted = self._follow()
            if wanted != self._code:
                self.set_code(wanted)
        if self._code is not None:
            self.tracker.sample(self._code)
            if self.domestic is not None:
                self.domestic.sample(self._code, DOMESTIC)
        # Every other shown coin, every BACKGROUND_S: coming back to a coin shows its recent past.
        self.tracker.sample_all()
        if self.domestic is not None:
            self.domestic.sample_all(DOMESTIC)
        self.redraw()

    def redraw(self) -> None:
        """Set every venue's line from the tracker's history and update the title."""
        code = self._code
        parts: list[str] = []
        plain: list[str] = []
        for venue, curve in self.curves.items():
            points = self._history(code, venue) if code else []
            # A hole in the samples (no fresh quote, a venue that only follows the selected coin)
            # is drawn as a gap, not as a straight line that looks like data.
            xs, ys = with_gaps(points)
            curve.setData(xs, ys, connect="finite")
            label = VENUE_LABELS.get(venue, "Bithumb" if venue == DOMESTIC else venue)
            colour = (VENUE_COLOURS if self.dark else VENUE_COLOURS_LIGHT).get(venue)
            text = f"{label} {format_premium(self._value(code, venue) if code else None)}"
            parts.append(f'<span style="color:{colour}">{text}</span>' if colour else text)
            plain.append(text)
        if code is None:
            self.title.set_variants([("Premium: select a KRW coin", "Premium: select a KRW coin")])
            return
        # A narrow dock drops the words before the values (the dock's title says "Premium" and the
        # coin is the chart's), never a venue's value.
        head = f"Premium {display_code(code)}:"
        values, values_plain = "&nbsp;&nbsp; ".join(parts), "   ".join(plain)
        self.title.set_variants([
            (f"{head}&nbsp; {values}", f"{head}  {values_plain}"),
            (f"{display_code(code)}&nbsp; {values}", f"{display_code(code)}  {values_plain}"),
            (values, values_plain),
        ])


    def _history(self, code: str, venue: str) -> list[tuple[float, float]]:
        if venue == DOMESTIC and self.domestic is not None:
            return self.domestic.history(code)
        return self.tracker.history(code, venue)

    def _value(self, code: str, venue: str) -> float | None:
        """The premium (fraction) of ``code`` against ``venue`` right now."""
        if venue == DOMESTIC and self.domestic is not None:
            spread = self.domestic.spread(code, DOMESTIC)  # percent, seen from Bithumb
            return None if spread is None else spread / 100.0
        value = self.tracker.premium(code, venue)
        return None if value is None else value.premium


def add_premium_dock(window: QMainWindow, chart: PremiumChart) -> QDockWidget:
    """Dock the chart at the bottom of ``window`` (object name ``PremiumDock`` for saveState)."""
    dock = QDockWidget("Premium", window)
    dock.setObjectName("PremiumDock")
    dock.setWidget(chart)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    return dock
