"""pyqtgraph items that draw candles and volume bars, caching one ``QPicture`` per bar.

Each bar is recorded once into its own ``QPicture`` (the vnpy ``ChartItem`` idea); ``paint`` only
replays the pictures of the bars inside the exposed rectangle and renders the ones missing from the
cache. A live candle update invalidates exactly one picture, so a 25 Hz repaint of the last bar costs
one bar render plus cheap replays, whatever the length of the history. ``render_count`` counts bar
renders so tests can prove older bars are not re-rendered.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPicture
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from upbit_monitor.ui.chart.series import Applied, Bar, BarSeries, Change

# Body width as a share of the bar slot; the rest is the gap between candles.
BODY_FRACTION = 0.7


class BarItem(pg.GraphicsObject):  # type: ignore[misc]
    """Base: per-bar picture cache over a shared :class:`BarSeries`."""

    def __init__(self, series: BarSeries, up: QColor, down: QColor) -> None:
        super().__init__()
        self.series = series
        self.render_count = 0
        self.replay_count = 0  # bar pictures drawn by paint(), cached or not (tests, bench)
        self._last_drawn: tuple[float, float] | None = None  # y extent of the newest bar's picture
        self._pictures: list[QPicture | None] = []
        self._bounds = QRectF()
        self._up = QColor(up)
        self._down = QColor(down)
        # Ask Qt for the exposed rectangle so paint() can skip bars outside the view.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    # ---- cache maintenance -----------------------------------------------------------------
    def reset(self) -> None:
        """The whole series changed (history loaded, coin/timeframe switched): drop every picture."""
        self._pictures = [None] * len(self.series)
        self._set_bounds(self._compute_bounds(0, len(self.series)))

    def bar_changed(self, applied: Applied) -> None:
        """Invalidate only what :meth:`BarSeries.apply` touched."""
        if applied.change is Change.IGNORED:
            return
        if applied.change is Change.INSERTED:
            self._pictures.insert(applied.index, None)
        elif applied.change is Change.APPENDED:
            self._pictures.append(None)
        else:
            self._pictures[applied.index] = None
        grown = self._compute_bounds(applied.index, applied.index + 1)
        before = QRectF(self._bounds)
        self._set_bounds(self._bounds.united(grown) if not self._bounds.isNull() else grown)
        if applied.change is Change.INSERTED or self._bounds != before:
            self.update()
            return
        # Repaint just this bar's slot, over the vertical span of its old and new drawing, so
        # a live tick costs one bar (plus the bars crossing the moved last-price line) instead
        # of a replay of every visible bar.
        bar = self.series[applied.index]
        low, high = self._y_extent(bar)
        if applied.change is Change.UPDATED:
            if applied.index == len(self.series) - 1 and self._last_drawn is not None:
                low, high = min(low, self._last_drawn[0]), max(high, self._last_drawn[1])
            else:  # an older bar changed: its old drawing is unknown, repaint the full column
                low, high = self._bounds.top(), self._bounds.bottom()
        half = self.series.unit_s / 2
        self.update(QRectF(bar.t - half, low, 2 * half, max(high - low, 1e-12)))

    def set_colors(self, up: QColor, down: QColor) -> None:
        """New up/down colours: every picture is stale."""
        self._up, self._down = QColor(up), QColor(down)
        self._pictures = [None] * len(self.series)
        self.update()

    def cached_count(self) -> int:
        """Number of bars that currently have a rendered picture."""
        return sum(p is not None for p in self._pictures)

    def _set_bounds(self, rect: QRectF) -> None:
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect

    # ---- QGraphicsItem ---------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        """Everything the item can draw (Qt uses it for culling and exposure)."""
        return QRectF(self._bounds)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Replay cached bar pictures inside the exposed area, rendering missing ones."""
        if len(self._pictures) != len(self.series):  # series replaced without reset(): be safe
            self._pictures = [None] * len(self.series)
        exposed = option.exposedRect
        i0, i1 = self.series.index_range(exposed.left(), exposed.right())
        # A thin horizontal strip (e.g. the last-price line moved) exposes every column:
        # skip bars whose vertical extent misses it.
        check_y = exposed.height() < self._bounds.height()
        y0, y1 = exposed.top(), exposed.bottom()
        series = self.series
        for i in range(i0, i1):
            if check_y:
                low, high = self._y_extent(series[i])
                if high < y0 or low > y1:
                    continue
            picture = self._pictures[i]
            if picture is None:
                picture = self._render(i)
            painter.drawPicture(0, 0, picture)
            self.replay_count += 1

    def _render(self, index: int) -> QPicture:
        picture = QPicture()
        p = QPainter(picture)
        try:
            bar = self.series[index]
            self._draw_bar(p, bar, self._up if bar.close >= bar.open else self._down)
        finally:
            p.end()
        self._pictures[index] = picture
        self.render_count += 1
        if index == len(self.series) - 1:
            self._last_drawn = self._y_extent(bar)
        return picture

    # ---- per-kind drawing ------------------------------------------------------------------
    def _draw_bar(self, p: QPainter, bar: Bar, color: QColor) -> None:
        raise NotImplementedError

    def _compute_bounds(self, i0: int, i1: int) -> QRectF:
        raise NotImplementedError

    def _y_extent(self, bar: Bar) -> tuple[float, float]:
        raise NotImplementedError

    def _half_width(self) -> float:
        return self.series.unit_s * BODY_FRACTION / 2


def _cosmetic_pen(color: QColor) -> QPen:
    pen: QPen = pg.mkPen(color, width=1)
    pen.setCosmetic(True)  # one device pixel wide at any zoom
    return pen


class CandleItem(BarItem):
    """OHLC candles: a wick from low to high and a filled body from open to close."""

    def _draw_bar(self, p: QPainter, bar: Bar, color: QColor) -> None:
        p.setPen(_cosmetic_pen(color))
        p.drawLine(QPointF(bar.t, bar.low), QPointF(bar.t, bar.high))
        half = self._half_width()
        if bar.open == bar.close:
            # A doji has no body height: a horizontal tick keeps it visible.
            p.drawLine(QPointF(bar.t - half, bar.open), QPointF(bar.t + half, bar.open))
            return
        p.setBrush(QBrush(color))
        p.drawRect(QRectF(bar.t - half, bar.open, 2 * half, bar.close - bar.open))

    def _compute_bounds(self, i0: int, i1: int) -> QRectF:
        ext = self.series.extent(i0, i1)
        if ext is None:
            return QRectF()
        low, high, _ = ext
        half = self.series.unit_s / 2
        left = self.series[i0].t - half
        right = self.series[i1 - 1].t + half
        return QRectF(left, low, right - left, max(high - low, 1e-12))


    def _y_extent(self, bar: Bar) -> tuple[float, float]:
        return bar.low, bar.high


class VolumeItem(BarItem):
    """Volume bars from zero, tinted with the candle's direction."""

    def __init__(self, series: BarSeries, up: QColor, down: QColor, alpha: int = 170) -> None:
        self._alpha = alpha
        super().__init__(series, up, down)

    def _draw_bar(self, p: QPainter, bar: Bar, color: QColor) -> None:
        fill = QColor(color)
        fill.setAlpha(self._alpha)
        p.setPen(_cosmetic_pen(fill))
        p.setBrush(QBrush(fill))
        half = self._half_width()
        p.drawRect(QRectF(bar.t - half, 0.0, 2 * half, bar.volume))

    def _compute_bounds(self, i0: int, i1: int) -> QRectF:
        ext = self.series.extent(i0, i1)
        if ext is None:
            return QRectF()
        half = self.series.unit_s / 2
        left = self.series[i0].t - half
        right = self.series[i1 - 1].t + half
        return QRectF(left, 0.0, right - left, max(ext[2], 1e-12))

    def _y_extent(self, bar: Bar) -> tuple[float, float]:
        return 0.0, bar.volume
