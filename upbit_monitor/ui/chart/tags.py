"""Price tags drawn on the right axis (last price, crosshair price), like a trading terminal.

A label inside the plot would cover the newest candles, which is exactly where a trader looks, so
the tag is a child of the axis item and is re-positioned whenever the view's y range or size changes.
The axis leaves out the tick labels a tag covers (:meth:`AxisTag.covered`, read by
:class:`~upbit_monitor.ui.chart.axes.PriceAxis`), as every trading chart does: a half-hidden
"146,150,000" peeking out under the last-price tag read as a second price.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor


class AxisTag:
    """A filled text box on the right axis of ``plot`` at a y value in data coordinates."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._axis = plot.getAxis("right")
        self._view = plot.getViewBox()
        self._value: float | None = None
        self._drawn: QRectF | None = None  # what the axis last left out for this tag
        self.item = pg.TextItem("", anchor=(0, 0.5))
        self.item.setParentItem(self._axis)
        self.item.setZValue(10)
        self.item.setVisible(False)
        self._view.sigYRangeChanged.connect(self._place)
        self._view.sigResized.connect(self._place)

    @property
    def text(self) -> str:
        """The tag's current text."""
        return str(self.item.toPlainText())

    def set(self, value: float, text: str, fill: QColor, foreground: QColor) -> None:
        """Show ``text`` at ``value`` with the given colours."""
        self._value = value
        self.item.setText(text, color=foreground)
        self.item.fill = pg.mkBrush(fill)
        self.item.border = pg.mkPen(fill)
        self._place()

    def hide(self) -> None:
        """Remove the tag until the next :meth:`set`."""
        self._value = None
        self.item.setVisible(False)
        self._relabel()

    def covered(self) -> QRectF | None:
        """The part of the axis the tag covers (axis coordinates), None while it is not shown."""
        if self._value is None or not self.item.isVisible():
            return None
        rect: QRectF = self.item.mapRectToParent(self.item.boundingRect())
        return rect

    def _relabel(self) -> None:
        # The axis caches its drawn labels: redraw them when the covered band moved, and only the
        # label strip around the old and new band. The axis draws the grid across the whole plot,
        # so a plain update() repainted every visible candle on each live tick.
        now = self.covered()
        if now == self._drawn:
            return
        bands = [r for r in (now, self._drawn) if r is not None]
        self._drawn = now
        self._axis.picture = None
        width = float(self._axis.width())
        for band in bands:
            self._axis.update(QRectF(0.0, band.top() - band.height(), width, 3 * band.height()))

    def _place(self, *_: object) -> None:
        if self._value is None:
            return
        scene = self._view.mapViewToScene(QPointF(0.0, self._value))
        y = self._axis.mapFromScene(scene).y()
        height = self._axis.boundingRect().height()
        # Off-range prices would sit over the other pane: hide instead.
        self.item.setVisible(0.0 <= y <= height)
        self.item.setPos(1.0, y)
        self.item.update()
        self._relabel()
