"""ChartReadout: the one-line OHLCV readout above the chart and the study legends that follow it.

The readout shows the bar under the crosshair while the mouse is over the chart, otherwise the newest
bar (so a live tick updates it). It keeps the plain text in :attr:`plain` next to the coloured label:
tests and copy want the words, the label wants colours by direction.

It is ONE line, always: a wrapped readout made the chart's plot jump by a line whenever a coin with
longer prices came up. When the chart is too narrow for every field, the least important go first
(:data:`~upbit_monitor.ui.chart.theme.DROP_ORDER`); the close and its digits are never cut, and the
label's tooltip has the whole line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QLabel

from upbit_monitor.ui.chart.plots import ChartPlots
from upbit_monitor.ui.chart.series import BarSeries
from upbit_monitor.ui.chart.studies import StudyLayer
from upbit_monitor.ui.chart.theme import DARK, DROP_ORDER, ChartTheme, readout_fields, readout_text

__all__ = ["ChartReadout"]


@dataclass(eq=False)
class ChartReadout:
    """Which bar the readout shows (hovered or newest) and its text in ``label``."""

    label: QLabel
    series: BarSeries
    plots: ChartPlots
    studies: StudyLayer
    up: QColor
    down: QColor
    theme: ChartTheme = field(default=DARK, init=False)
    hover_index: int | None = field(default=None, init=False)  # the bar under the crosshair; None = newest
    plain: str = field(default="", init=False)

    def set_style(self, up: QColor, down: QColor, theme: ChartTheme) -> None:
        """New bar colours or surface: redraw the text in them."""
        self.up, self.down, self.theme = up, down, theme
        self.refresh()

    def text_for(self, x: float) -> str:
        """The plain readout for the bar at ``x`` (epoch seconds)."""
        index = self.series.nearest(x)
        if index is None:
            return ""
        prev_close = self.series[index - 1].close if index > 0 else None
        return readout_text(self.series[index], prev_close, self.plots.quote)

    def hover(self, x: float) -> None:
        """The crosshair is at ``x``: show the bar nearest to it (none if there is no bar there)."""
        self.hover_index = self.series.nearest(x)
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
        if self.hover_index is None or self.hover_index >= len(self.series):
            self.leave()

    def refresh(self) -> None:
        """Redraw the bar shown (style, studies or quote changed)."""
        if self.hover_index is not None and self.hover_index < len(self.series):
            self._show(self.hover_index)
        else:
            self.show_last()

    def show_last(self) -> None:
        """Show the newest bar (blank when there is none)."""
        self._show(len(self.series) - 1 if len(self.series) else None)

    def _show(self, index: int | None) -> None:
        if index is None:
            self.plain = ""
            self.label.setText(" ")
            self.studies.update_legends(None)
            return
        series = self.series
        bar = series[index]
        prev_close = series[index - 1].close if index > 0 else None
        quote = self.plots.quote
        self.plain = readout_text(bar, prev_close, quote)
        fields = readout_fields(bar, prev_close, self.up, self.down, self.theme.axis, quote)
        self.label.setText("&nbsp; ".join(html for _, _, html in fit_fields(fields, self.label)))
        self.label.setToolTip(self.plain)
        self.studies.update_legends(index)


def fit_fields(fields: list[tuple[str, str, str]], label: QLabel) -> list[tuple[str, str, str]]:
    """The fields that fit on one line of ``label``, dropping them in :data:`DROP_ORDER`."""
    metrics = QFontMetrics(label.font())
    margins = label.contentsMargins()
    room = label.width() - margins.left() - margins.right()
    kept = list(fields)
    for key in DROP_ORDER:
        if metrics.horizontalAdvance("  ".join(plain for _, plain, _ in kept)) <= room:
            break
        kept = [f for f in kept if f[0] != key]
    return kept
