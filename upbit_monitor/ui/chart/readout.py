"""ChartReadout: the one-line OHLCV readout above the chart and the study legends that follow it.

The readout shows the bar under the crosshair while the mouse is over the chart, otherwise the newest
bar (so a live tick updates it). It keeps the plain text in :attr:`plain` next to the coloured label:
tests and copy want the words, the label wants colours by direction.
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from upbit_monitor.ui.chart.plots import ChartPlots
from upbit_monitor.ui.chart.series import BarSeries
from upbit_monitor.ui.chart.studies import StudyLayer
from upbit_monitor.ui.chart.theme import DARK, ChartTheme, readout_html, readout_text

__all__ = ["ChartReadout"]


class ChartReadout:
    """Which bar the readout shows (hovered or newest) and its text in ``label``."""

    def __init__(
        self,
        label: QLabel,
        series: BarSeries,
        plots: ChartPlots,
        studies: StudyLayer,
        up: QColor,
        down: QColor,
    ) -> None:
        self._label = label
        self._series = series
        self._plots = plots
        self._studies = studies
        self._up, self._down = up, down
        self._theme = DARK
        self.hover_index: int | None = None  # the bar under the crosshair, None = follow the newest
        self.plain = ""

    def set_style(self, up: QColor, down: QColor, theme: ChartTheme) -> None:
        """New bar colours or surface: redraw the text in them."""
        self._up, self._down, self._theme = up, down, theme
        self.refresh()

    def text_for(self, x: float) -> str:
        """The plain readout for the bar at ``x`` (epoch seconds)."""
        index = self._series.nearest(x)
        if index is None:
            return ""
        prev_close = self._series[index - 1].close if index > 0 else None
        return readout_text(self._series[index], prev_close, self._plots.quote)

    def hover(self, x: float) -> None:
        """The crosshair is at ``x``: show the bar nearest to it (none if there is no bar there)."""
        self.hover_index = self._series.nearest(x)
        self._show(self.hover_index)

    def leave(self) -> None:
        """The crosshair is gone: back to the newest bar."""
        self.hover_index = None
        self.show_last()

    def bar_changed(self) -> None:
        """A live bar changed: the newest bar's readout follows unless the user is hovering."""
        if self.hover_index is None:
            self.show_last()

    def series_replaced(self) -> None:
        """The bars were replaced: keep a hovered bar that still exists, else show the newest."""
        if self.hover_index is None or self.hover_index >= len(self._series):
            self.leave()

    def refresh(self) -> None:
        """Redraw the bar shown (style, studies or quote changed)."""
        if self.hover_index is not None and self.hover_index < len(self._series):
            self._show(self.hover_index)
        else:
            self.show_last()

    def show_last(self) -> None:
        """Show the newest bar (blank when there is none)."""
        self._show(len(self._series) - 1 if len(self._series) else None)

    def _show(self, index: int | None) -> None:
        if index is None:
            self.plain = ""
            self._label.setText(" ")
            self._studies.update_legends(None)
            return
        series = self._series
        bar = series[index]
        prev_close = series[index - 1].close if index > 0 else None
        quote = self._plots.quote
        self.plain = readout_text(bar, prev_close, quote)
        self._label.setText(readout_html(bar, prev_close, self._up, self._down, self._theme.axis, quote))
        self._studies.update_legends(index)
