"""Painting the heatmap pane: the image, best bid/ask, trade bubbles, volume profile, axes.

Everything here reads a :class:`HeatScene` the pane fills on its frame tick; ``paintEvent`` does
no data work beyond mapping coordinates with numpy. Layout, left to right: the heat image (one cell
per grid bin, ``COL_PX`` wide), the volume profile of the visible range (``PROFILE_W``), the price
axis (as wide as its longest label); the time axis runs under the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from upbit_monitor.features.orderflow import Bubbles, HeatGrid, Profile
from upbit_monitor.ui.common.formatting import (
    KST,
    format_price,
    format_size_compact,
    format_value_english,
)
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderflow.heat_image import HeatImage

COL_PX = 2  # screen pixels per time bucket
ROW_PX = 6  # screen pixels per price bin (about)
PROFILE_W = 84
AXIS_MIN_W = 64
TIME_H = 18
_TIME_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800)


@dataclass(slots=True)
class HeatScene:
    """What one paint shows (filled by the pane)."""

    grid: HeatGrid | None = None
    image: HeatImage | None = None
    bubbles: Bubbles | None = None
    profile: Profile | None = None
    quote: str = "KRW"
    message: str = ""  # shown instead of the picture (no book yet)
    bid: float | None = None
    ask: float | None = None


class HeatCanvas(QWidget):
    """The painted part of the heatmap pane."""

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HeatCanvas")
        self.palette_ = palette
        self.scene = HeatScene()
        self.paints = 0
        self.axis_w = AXIS_MIN_W
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def grid_shape(self) -> tuple[int, int]:
        """(columns, rows) a grid needs to fill the image area at the current size."""
        w, h = self.image_rect().width(), self.image_rect().height()
        return max(2, int(w) // COL_PX), max(20, int(h) // ROW_PX)

    def image_rect(self) -> QRectF:
        """Where the heat image goes."""
        return QRectF(0, 0, max(40, self.width() - PROFILE_W - self.axis_w), max(40, self.height() - TIME_H))

    def fit_axis(self, widest_label: str) -> None:
        """Make the price axis wide enough for ``widest_label`` (prices are never clipped). The
        grid follows the new image width at the pane's next frame."""
        font = QFont(self.font())
        font.setPointSizeF(max(7.5, font.pointSizeF() - 1))
        self.axis_w = max(AXIS_MIN_W, QFontMetrics(font).horizontalAdvance(widest_label) + 12)

    # ---- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        pal = self.palette_
        p = QPainter(self)
        bg = QColor("#0e1118") if pal.dark else QColor("#ffffff")
        s = self.scene
        font = QFont(self.font())
        font.setPointSizeF(max(7.5, font.pointSizeF() - 1))
        p.setFont(font)
        grid, image = s.grid, s.image
        if grid is None or image is None or grid.last_bucket is None or grid.top_bin is None:
            p.fillRect(self.rect(), bg)
            p.setPen(pal.muted)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, s.message or "waiting for the book")
            p.end()
            return
        rect = self.image_rect()
        # The image covers its rectangle: only the strips beside and below it need the background.
        p.fillRect(QRectF(rect.right(), 0, self.width() - rect.right(), self.height()), bg)
        p.fillRect(QRectF(0, rect.bottom(), rect.right(), self.height() - rect.bottom()), bg)
        image.draw(p, rect, grid)
        row_h = rect.height() / grid.spec.n_rows
        col_w = rect.width() / grid.spec.n_cols
        p.setClipRect(rect)
        self._best_lines(p, rect, grid, row_h, col_w)
        self._bubbles(p, rect, grid, row_h, col_w)
        if s.profile is not None and s.profile.poc is not None:
            y = rect.top() + (s.profile.poc + 0.5) * row_h
            p.setPen(QPen(pal.warning, 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right() + PROFILE_W, y))
        p.setClipping(False)
        self._profile(p, rect, grid, row_h)
        self._price_axis(p, rect, grid, row_h)
        self._time_axis(p, rect, grid, col_w)
        p.end()

    def _y(self, rect: QRectF, grid: HeatGrid, prices: np.ndarray, row_h: float) -> np.ndarray:
        top = grid.top_bin
        assert top is not None
        return rect.top() + ((top + 1) - prices / grid.spec.bin_size) * row_h

    def _best_lines(self, p: QPainter, rect: QRectF, grid: HeatGrid, row_h: float, col_w: float) -> None:
        assert grid.last_bucket is not None
        n = grid.spec.n_cols
        order = (np.arange(n) + grid.position(grid.last_bucket) + 1) % n
        xs = rect.left() + (np.arange(n) + 0.5) * col_w
        sides = ((grid.best_bid[order], self.palette_.up), (grid.best_ask[order], self.palette_.down))
        for values, colour in sides:
            # Price lines sit on the bin's lower edge + half a tick: on the cell for ungrouped rows.
            ys = self._y(rect, grid, values, row_h) - row_h / 2
            pen = QPen(colour, 1.4)
            p.setPen(pen)
            ok = np.isfinite(ys)
            # Split at gaps (no book) so the line does not bridge them.
            breaks = np.flatnonzero(~ok)
            start = 0
            for stop in [*breaks.tolist(), n]:
                if stop - start >= 2:
                    p.drawPolyline(QPolygonF([QPointF(x, y) for x, y in zip(xs[start:stop], ys[start:stop],
                                                                               strict=True)]))
                start = stop + 1

    def _bubbles(self, p: QPainter, rect: QRectF, grid: HeatGrid, row_h: float, col_w: float) -> None:
        bubbles = self.scene.bubbles
        first = grid.first_bucket()
        if bubbles is None or not len(bubbles) or first is None:
            return
        xs = rect.left() + (bubbles.buckets - first + 0.5) * col_w
        ys = self._y(rect, grid, bubbles.prices, row_h) - row_h / 2
        ref = float(np.percentile(bubbles.values, 90)) or 1.0
        # Area proportional to traded value, relative to the range's 90th percentile bubble.
        radius = np.clip(4.0 * np.sqrt(bubbles.values / ref), 1.5, 18.0)
        outline = QColor(0, 0, 0, 140) if not self.palette_.dark else QColor(255, 255, 255, 120)
        for side, colour in ((True, self.palette_.up), (False, self.palette_.down)):
            fill = QColor(colour)
            fill.setAlpha(170)
            p.setBrush(fill)
            p.setPen(QPen(outline, 0.8))
            sel = bubbles.buy == side
            for x, y, r in zip(xs[sel].tolist(), ys[sel].tolist(), radius[sel].tolist(), strict=True):
                p.drawEllipse(QPointF(x, y), r, r)
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _profile(self, p: QPainter, rect: QRectF, grid: HeatGrid, row_h: float) -> None:
        prof = self.scene.profile
        left = rect.right() + 1
        area = QRectF(left, rect.top(), PROFILE_W - 2, rect.height())
        p.fillRect(area, QColor(255, 255, 255, 8) if self.palette_.dark else QColor(0, 0, 0, 8))
        if prof is None or prof.poc is None:
            return
        total = prof.total
        peak = float(total.max())
        width = area.width() - 4
        buy_c, sell_c = QColor(self.palette_.up), QColor(self.palette_.down)
        buy_c.setAlpha(200)
        sell_c.setAlpha(200)
        for row in np.flatnonzero(total).tolist():
            y = rect.top() + row * row_h
            wb = width * float(prof.buy[row]) / peak
            ws = width * float(prof.sell[row]) / peak
            h = max(1.0, row_h - 1)
            p.fillRect(QRectF(left + 2, y, wb, h), buy_c)
            p.fillRect(QRectF(left + 2 + wb, y, ws, h), sell_c)
        y = rect.top() + prof.poc * row_h
        p.setPen(QPen(self.palette_.warning, 1.2))
        p.drawRect(QRectF(left + 1, y - 0.5, width * float(total[prof.poc]) / peak + 2, max(1.0, row_h)))
        volume = float(total[prof.poc])
        text = format_value_english(volume) if volume >= 1000 else format_size_compact(volume)
        p.drawText(QRectF(left + 2, y - 14 if prof.poc > 2 else y + row_h, width, 13),
                   Qt.AlignmentFlag.AlignLeft, f"POC {text}")

    def _price_axis(self, p: QPainter, rect: QRectF, grid: HeatGrid, row_h: float) -> None:
        pal = self.palette_
        x0 = rect.right() + PROFILE_W
        p.setPen(pal.muted)
        p.drawLine(QPointF(x0, rect.top()), QPointF(x0, rect.bottom()))
        every = max(1, math.ceil(22 / row_h))
        top = grid.top_bin
        assert top is not None
        for row in range(grid.spec.n_rows):
            # Label bins that are multiples of ``every``: labels stay put as the grid re-centres.
            bin_ = top - row
            if bin_ % every:
                continue
            y = rect.top() + (row + 0.5) * row_h
            p.drawText(QRectF(x0 + 4, y - 8, self.axis_w - 6, 16), Qt.AlignmentFlag.AlignVCenter,
                       format_price(bin_ * grid.spec.bin_size, self.scene.quote))
        # Best ask above best bid, never overlapping (one tick apart is a few pixels).
        ask_y: float | None = None
        bid_y: float | None = None
        if self.scene.ask is not None:
            ask_y = float(self._y(rect, grid, np.array([self.scene.ask]), row_h)[0]) - row_h / 2
        if self.scene.bid is not None:
            bid_y = float(self._y(rect, grid, np.array([self.scene.bid]), row_h)[0]) - row_h / 2
        if ask_y is not None and bid_y is not None and bid_y - ask_y < 16:
            centre = (ask_y + bid_y) / 2
            ask_y, bid_y = centre - 8, centre + 8
        for price, tag_y, colour in ((self.scene.ask, ask_y, pal.down), (self.scene.bid, bid_y, pal.up)):
            if price is None or tag_y is None or not rect.top() <= tag_y <= rect.bottom():
                continue
            box = QRectF(x0 + 1, tag_y - 8, self.axis_w - 2, 16)
            p.fillRect(box, colour)
            p.setPen(QColor("#ffffff"))
            p.drawText(box.adjusted(3, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter,
                       format_price(price, self.scene.quote))

    def _time_axis(self, p: QPainter, rect: QRectF, grid: HeatGrid, col_w: float) -> None:
        first = grid.first_bucket()
        assert first is not None
        col_ms = grid.spec.col_ms
        px_per_s = col_w * 1000 / col_ms
        step = next((s for s in _TIME_STEPS_S if s * px_per_s >= 80), _TIME_STEPS_S[-1])
        t0 = first * col_ms / 1000
        t1 = t0 + grid.spec.n_cols * col_ms / 1000
        p.setPen(self.palette_.muted)
        y = rect.bottom()
        p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        t = math.ceil(t0 / step) * step
        fmt = "%H:%M:%S" if step < 60 else "%H:%M"
        while t < t1:
            x = rect.left() + (t - t0) * px_per_s
            p.drawLine(QPointF(x, y), QPointF(x, y + 3))
            # KST, like every time Upbit (and the rest of the app) shows.
            label = datetime.fromtimestamp(t, tz=UTC).astimezone(KST).strftime(fmt)
            p.drawText(QRectF(x - 40, y + 2, 80, TIME_H - 2), Qt.AlignmentFlag.AlignHCenter, label)
            t += step
