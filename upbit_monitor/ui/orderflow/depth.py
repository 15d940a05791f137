"""DepthPane: cumulative bid/ask size (or value) against price for the current book, mid marked.

A pane of the issue-19 API and a manager component of its own: it wants the coin's 30-level book
(``want`` on every coin switch) and, on the shared frame clock, repaints only when the pool's book
version moved. The curve has at most 60 points, so a book is drawn whole; there is no image to
append to, and a frame without a new book costs one version compare.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QCheckBox, QSizePolicy, QWidget

from upbit_monitor.features.orderflow.depth import DepthCurve, depth_curve
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.common.formatting import (
    format_price,
    format_size_compact,
    format_value_english,
    quote_of,
)
from upbit_monitor.ui.common.frame_clock import LADDER_MS
from upbit_monitor.ui.common.source import MarketSource
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderflow.pane import ToolPane

AXIS_H = 20
AXIS_W = 64
LABEL_PX = 110  # room per price label


def _amount(value: float, in_value: bool) -> str:
    return format_value_english(value) if in_value or value >= 1e4 else format_size_compact(value)


class DepthCanvas(QWidget):
    """Stepped, filled cumulative curves; bids left of the mid, asks right."""

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.palette_ = palette
        self.curve: DepthCurve | None = None
        self.quote = "KRW"
        self.in_value = False
        self.message = ""
        self.paints = 0
        self.setMinimumSize(300, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        pal = self.palette_
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#0e1118") if pal.dark else QColor("#ffffff"))
        font = QFont(self.font())
        font.setPointSizeF(max(7.5, font.pointSizeF() - 1))
        p.setFont(font)
        curve = self.curve
        span = curve.price_span() if curve is not None else None
        if curve is None or span is None or curve.peak <= 0:
            p.setPen(pal.muted)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message or "waiting for the book")
            p.end()
            return
        plot = QRectF(4, 22, self.width() - AXIS_W - 8, self.height() - AXIS_H - 26)
        lo, hi = span
        top = curve.peak * 1.08

        def x_of(price: float) -> float:
            return plot.left() + (price - lo) / (hi - lo) * plot.width()

        def y_of(cum: float) -> float:
            return plot.bottom() - cum / top * plot.height()

        self._grid(p, plot, top)
        for prices, cums, colour, outward in ((curve.bid_prices, curve.bid_cum, pal.up, lo),
                                              (curve.ask_prices, curve.ask_cum, pal.down, hi)):
            path = QPainterPath(QPointF(x_of(float(prices[0])), plot.bottom()))
            for price, cum in zip(prices.tolist(), cums.tolist(), strict=True):
                # Steps: the total holds until the next level's price.
                path.lineTo(x_of(price), path.currentPosition().y())
                path.lineTo(x_of(price), y_of(cum))
            path.lineTo(x_of(outward), path.currentPosition().y())
            line = QPainterPath(path)
            path.lineTo(x_of(outward), plot.bottom())
            path.closeSubpath()
            fill = QColor(colour)
            fill.setAlpha(70)
            p.fillPath(path, fill)
            p.setPen(QPen(colour, 1.6))
            p.drawPath(line)
        self._axes(p, plot, lo, hi)
        mid_x = x_of(curve.mid or 0.0)
        p.setPen(QPen(pal.flat, 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(mid_x, plot.top()), QPointF(mid_x, plot.bottom()))
        label = f"mid {format_price(curve.mid, self.quote)}"
        width = p.fontMetrics().horizontalAdvance(label) + 10
        box = QRectF(min(max(mid_x - width / 2, 0), self.width() - width), 2, width, 17)
        p.fillRect(box, QColor(255, 255, 255, 30) if pal.dark else QColor(0, 0, 0, 20))
        p.setPen(pal.flat)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        p.end()

    def _grid(self, p: QPainter, plot: QRectF, top: float) -> None:
        pal = self.palette_
        step = _nice_step(top / 5)
        grid_pen = QPen(QColor(255, 255, 255, 25) if pal.dark else QColor(0, 0, 0, 25), 1)
        level = step
        while level < top:
            y = plot.bottom() - level / top * plot.height()
            p.setPen(grid_pen)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(pal.muted)
            p.drawText(QRectF(plot.right() + 4, y - 8, AXIS_W, 16), Qt.AlignmentFlag.AlignVCenter,
                       _amount(level, self.in_value))
            level += step

    def _axes(self, p: QPainter, plot: QRectF, lo: float, hi: float) -> None:
        pal = self.palette_
        p.setPen(pal.muted)
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        count = max(2, int(plot.width() // LABEL_PX))
        step = _nice_step((hi - lo) / count)
        price = math.ceil(lo / step) * step
        while price <= hi:
            x = plot.left() + (price - lo) / (hi - lo) * plot.width()
            p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3))
            # Edge labels slide inwards rather than lose their first digits.
            left = min(max(x - LABEL_PX / 2, 0.0), self.width() - AXIS_W - LABEL_PX)
            align = Qt.AlignmentFlag.AlignHCenter
            if left != x - LABEL_PX / 2:
                align = Qt.AlignmentFlag.AlignLeft if left == 0.0 else Qt.AlignmentFlag.AlignRight
            p.drawText(QRectF(left, plot.bottom() + 3, LABEL_PX, AXIS_H - 3), align,
                       format_price(price, self.quote))
            price += step


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``raw``."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


class DepthPane(ToolPane):
    """Depth chart of one coin (see the module doc)."""

    def __init__(self, source: MarketSource, palette: Palette, *, repaint_hz: float = 25.0,
                 parent: QWidget | None = None) -> None:
        super().__init__("DepthPane", parent, hz=repaint_hz, phase_ms=LADDER_MS)
        self._source = source
        self._version = -1
        self.value_box = QCheckBox("value", self)
        self.value_box.setToolTip("Cumulate price x size (quote currency) instead of size")
        self.value_box.toggled.connect(self._value_toggled)
        self.canvas = DepthCanvas(palette, self)
        self._assemble((self.value_box,), self.canvas)

    def show_code(self, code: str) -> None:
        """Switch coin: one register-or-update call for the 30-level book."""
        self.code = code
        self._version = -1
        self.canvas.curve = None
        self.canvas.quote = quote_of(code)
        self.canvas.message = f"waiting for the {code} book"
        self._source.want(self, [SubscriptionSpec("orderbook", (code,), depth=30)])
        self.refresh()
        self.canvas.update()

    def pane_settings(self) -> dict[str, object]:
        """Size or value (kept in workspaces)."""
        return {"value": self.value_box.isChecked()}

    def apply_pane_settings(self, settings: dict[str, object]) -> None:
        """Restore :meth:`pane_settings` output."""
        if isinstance(settings.get("value"), bool):
            self.value_box.setChecked(bool(settings["value"]))

    def set_dark(self, dark: bool) -> None:
        """Theme switch (colours are read from the shared palette at paint time)."""
        self.canvas.update()

    def _value_toggled(self, on: bool) -> None:
        self.canvas.in_value = on
        self._version = -1
        self.refresh()

    def refresh(self) -> None:
        """Frame tick: a new curve when the pool's book moved."""
        if self.code is None:
            return
        version = self._source.version("orderbook", self.code)
        if version == self._version:
            return
        self._version = version
        book = self._source.latest_orderbook(self.code)
        if book is None:
            return
        curve = depth_curve(book, value=self.canvas.in_value)
        self.canvas.curve = curve
        total_bid = float(curve.bid_cum[-1]) if curve.bid_cum.size else 0.0
        total_ask = float(curve.ask_cum[-1]) if curve.ask_cum.size else 0.0
        share = total_bid / (total_bid + total_ask) if total_bid + total_ask else 0.5
        unit = self.canvas.in_value
        self.info.setText(f"bids {_amount(total_bid, unit)} · asks {_amount(total_ask, unit)} · "
                          f"bid share {share:.0%} ({len(curve.bid_prices)}+{len(curve.ask_prices)} levels)")
        self.canvas.update()
