"""The drawing surface of the chart: price and volume plots, crosshair, last-price line, ranges.

:class:`ChartPlots` owns the pyqtgraph objects and the view maintenance (visible window, y auto-range
on the visible bars, theme). It knows the :class:`BarSeries` but nothing about coins, managers or
history; :class:`~upbit_monitor.ui.chart.view.ChartView` drives it.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from upbit_monitor.ui.chart.axes import KstTimeAxis, PriceAxis, VolumeAxis
from upbit_monitor.ui.chart.items import CandleItem, VolumeItem
from upbit_monitor.ui.chart.series import Applied, BarSeries, Change
from upbit_monitor.ui.chart.tags import AxisTag
from upbit_monitor.ui.chart.theme import ChartTheme
from upbit_monitor.ui.common.formatting import format_price
from upbit_monitor.ui.common.layout import flush_column

# Width of both right axes: equal widths keep the two x axes aligned bar for bar.
AXIS_WIDTH = 84
_MAX_VISIBLE_BARS = 1000


class ChartPlots:
    """Price plot (candles) above a volume plot with a linked x axis."""

    def __init__(self, series: BarSeries, up: QColor, down: QColor, visible_bars: int = 120) -> None:
        self.series = series
        self.visible_bars = visible_bars
        self._up, self._down = QColor(up), QColor(down)
        # Two views, not one: Qt repaints the bounding rect of a view's dirty areas, so a live
        # tick touching both panes (last bar, volume bar, last-price line) would otherwise replay
        # every visible bar of both.
        self.price_view = pg.GraphicsLayoutWidget()
        self.volume_view = pg.GraphicsLayoutWidget()
        self.price_view.ci.setContentsMargins(2, 2, 2, 1)  # 1 px: room for the pane separator
        self.volume_view.ci.setContentsMargins(2, 0, 2, 2)
        self.price_axis = PriceAxis()
        price_axes = {"right": self.price_axis, "bottom": KstTimeAxis()}
        volume_axes = {"right": VolumeAxis(), "bottom": KstTimeAxis()}
        self.price = self.price_view.addPlot(row=0, col=0, axisItems=price_axes)
        self.volume = self.volume_view.addPlot(row=0, col=0, axisItems=volume_axes)
        self.widget = QWidget()
        flush_column(self.widget, (self.price_view, 4), (self.volume_view, 1))
        for plot in (self.price, self.volume):
            plot.hideAxis("left")
            plot.showAxis("right")
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=True, y=False)  # y follows the visible bars (auto-range)
            plot.enableAutoRange(x=False, y=False)
            plot.getAxis("right").setWidth(AXIS_WIDTH)
        self.price.getAxis("bottom").setStyle(showValues=False)
        self.price.getAxis("bottom").setHeight(0)
        self.volume.setXLink(self.price)
        self.volume_view.setMaximumHeight(170)
        # Tall enough for two volume labels above the time axis (one label gave no scale).
        self.volume_view.setMinimumHeight(84)

        self.candle_item = CandleItem(series, self._up, self._down)
        self.volume_item = VolumeItem(series, self._up, self._down)
        self.price.addItem(self.candle_item)
        self.volume.addItem(self.volume_item)

        self.last_line = pg.InfiniteLine(angle=0, movable=False)
        self.last_line.setVisible(False)
        self.price.addItem(self.last_line, ignoreBounds=True)
        self.vlines = [pg.InfiniteLine(angle=90, movable=False) for _ in range(2)]
        self.hline = pg.InfiniteLine(angle=0, movable=False)
        self.price.addItem(self.vlines[0], ignoreBounds=True)
        self.volume.addItem(self.vlines[1], ignoreBounds=True)
        self.price.addItem(self.hline, ignoreBounds=True)
        # Shown instead of meaningless 0..1 axes while there is nothing to draw.
        self.placeholder = pg.TextItem("", anchor=(0.5, 0.5))
        self.price.addItem(self.placeholder, ignoreBounds=True)
        self.last_tag = AxisTag(self.price)
        self.cross_tag = AxisTag(self.price)
        self.price_axis.covers = (self.last_tag.covered, self.cross_tag.covered)
        self._theme: ChartTheme | None = None
        self.show_crosshair(False)
        self.price.getViewBox().sigXRangeChanged.connect(self._on_x_range_changed)

    # ---- series changes ----------------------------------------------------------------------
    def set_placeholder(self, text: str) -> None:
        """Message shown while the series is empty (e.g. "loading…", "no candles")."""
        self.placeholder.setText(text)
        self._update_empty_state()

    def _update_empty_state(self) -> None:
        empty = not len(self.series)
        self.placeholder.setVisible(empty)
        if empty:
            x0, x1 = self.x_range()
            y0, y1 = self.price.getViewBox().viewRange()[1]
            self.placeholder.setPos((x0 + x1) / 2, (y0 + y1) / 2)
        for plot in (self.price, self.volume):
            plot.getAxis("right").setStyle(showValues=not empty)
        self.volume.getAxis("bottom").setStyle(showValues=not empty)

    def replaced(self) -> None:
        """The whole series changed: drop caches, show the newest bars."""
        self.candle_item.reset()
        self.volume_item.reset()
        self.candle_item.update()
        self.volume_item.update()
        self.update_limits()
        self.show_recent()
        self.update_last_line()
        self._update_empty_state()

    def extended(self) -> None:
        """Older bars were prepended: rebuild caches (indices shifted), keep the user's view."""
        self.candle_item.reset()
        self.volume_item.reset()
        self.candle_item.update()
        self.volume_item.update()
        self.update_limits()
        self.fit_y()

    def bar_applied(self, applied: Applied, was_following: bool) -> None:
        """One bar changed (live update): re-render only it, scroll if the user follows the tip."""
        if applied.change is Change.IGNORED:
            return
        if applied.change is Change.INSERTED:  # indices shifted: rebuild caches
            self.candle_item.reset()
            self.volume_item.reset()
        else:
            self.candle_item.bar_changed(applied)
            self.volume_item.bar_changed(applied)
        if applied.change is Change.APPENDED and len(self.series) == 1:
            self.show_recent()
            self._update_empty_state()
        elif applied.change is Change.APPENDED and was_following:
            # Keep the newest bar in view, like a trading terminal's auto-scroll.
            x0, x1 = self.x_range()
            self.price.setXRange(x0 + self.series.unit_s, x1 + self.series.unit_s, padding=0)
        self.update_limits()
        self.fit_y()
        self.update_last_line()

    @property
    def quote(self) -> str:
        """Quote currency of the shown market: axis labels and price tags use its precision."""
        return str(self.price_axis.quote)

    def set_quote(self, quote: str) -> None:
        """Show prices with ``quote``'s precision (the axis relabels on its next paint)."""
        if quote != self.price_axis.quote:
            self.price_axis.quote = quote
            self.price_axis.picture = None  # pyqtgraph caches the drawn labels
            self.price_axis.update()
            self.update_last_line()

    def set_colors(self, up: QColor, down: QColor) -> None:
        """New up/down colours for candles, volume and the last-price line."""
        self._up, self._down = QColor(up), QColor(down)
        self.candle_item.set_colors(self._up, self._down)
        self.volume_item.set_colors(self._up, self._down)
        self.update_last_line()

    # ---- ranges ------------------------------------------------------------------------------
    def x_range(self) -> tuple[float, float]:
        """Visible x range (epoch seconds)."""
        x0, x1 = self.price.getViewBox().viewRange()[0]
        return float(x0), float(x1)

    def is_following(self) -> bool:
        """True when the newest bar is on screen (then new bars scroll the view)."""
        if not len(self.series):
            return True
        return self.x_range()[1] >= self.series[-1].t

    def show_recent(self) -> None:
        """Show the newest ``visible_bars`` bars with a little room on the right."""
        if not len(self.series):
            return
        unit_s = self.series.unit_s
        last = self.series[-1].t
        first = max(self.series[0].t, last - (self.visible_bars - 1) * unit_s)
        self.price.setXRange(first - unit_s, last + 4 * unit_s, padding=0)
        self.fit_y()

    def update_limits(self) -> None:
        """Panning limits follow the series so the user cannot get lost in empty time."""
        if not len(self.series):
            return
        unit_s = self.series.unit_s
        self.price.getViewBox().setLimits(
            xMin=self.series[0].t - 20 * unit_s,
            xMax=self.series[-1].t + 60 * unit_s,
            minXRange=10 * unit_s,
            # Zoomed out further, candles are sub-pixel and every frame replays thousands of bars.
            maxXRange=max(_MAX_VISIBLE_BARS, 2 * self.visible_bars) * unit_s,
        )

    def fit_y(self) -> None:
        """Auto-range y of both plots on the bars inside the visible x window."""
        x0, x1 = self.x_range()
        i0, i1 = self.series.index_range(x0, x1)
        ext = self.series.extent(i0, i1)
        if ext is None:
            return
        low, high, vmax = ext
        pad = (high - low) * 0.06 or abs(high) * 0.01 or 1.0
        self.price.setYRange(low - pad, high + pad, padding=0)
        self.volume.setYRange(0, vmax * 1.08 if vmax > 0 else 1.0, padding=0)

    def _on_x_range_changed(self, *_: object) -> None:
        self.fit_y()

    # ---- overlays ----------------------------------------------------------------------------
    def update_last_line(self) -> None:
        """Dotted line and label at the newest close, in the bar's direction colour."""
        if not len(self.series):
            self.last_line.setVisible(False)
            self.last_tag.hide()
            return
        bar = self.series[-1]
        color = self._up if bar.close >= bar.open else self._down
        self.last_line.setVisible(True)
        self.last_line.setPen(pg.mkPen(color, width=1, style=Qt.PenStyle.DotLine))
        self.last_line.setPos(bar.close)
        self.last_tag.set(bar.close, format_price(bar.close, self.quote), color, QColor("#ffffff"))

    def show_crosshair(self, visible: bool) -> None:
        """Show or hide the crosshair lines."""
        for line in (*self.vlines, self.hline):
            line.setVisible(visible)
        if not visible:
            self.cross_tag.hide()

    def place_crosshair(self, x: float, y: float | None) -> None:
        """Crosshair at data coordinates; no horizontal line when ``y`` is None (volume pane)."""
        self.show_crosshair(True)
        for line in self.vlines:
            line.setPos(x)
        self.hline.setVisible(y is not None)
        if y is None:
            self.cross_tag.hide()
        else:
            self.hline.setPos(y)
            theme = self._theme
            fill = QColor(theme.crosshair_tag if theme else "#3a404c")
            text = QColor(theme.text if theme else "#ffffff")
            self.cross_tag.set(y, format_price(y, self.quote), fill, text)

    def scene_to_data(self, pos: QPointF, in_volume: bool = False) -> tuple[float, float | None] | None:
        """Map a position in the price (or volume) view's scene to (x, price or None); None outside."""
        plot = self.volume if in_volume else self.price
        if not plot.getViewBox().sceneBoundingRect().contains(pos):
            return None
        point = plot.getViewBox().mapSceneToView(pos)
        return float(point.x()), (None if in_volume else float(point.y()))

    def apply_theme(self, theme: ChartTheme) -> None:
        """Background, grid, axes and crosshair colours."""
        self._theme = theme
        for view in (self.price_view, self.volume_view):
            view.setBackground(theme.background)
        axis_pen = pg.mkPen(theme.axis)
        for plot in (self.price, self.volume):
            plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
            for name in ("right", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(axis_pen)
                axis.setTextPen(pg.mkPen(theme.text))
        self.placeholder.setColor(theme.axis)
        cross = pg.mkPen(theme.crosshair, width=1, style=Qt.PenStyle.DashLine)
        for line in (*self.vlines, self.hline):
            line.setPen(cross)
