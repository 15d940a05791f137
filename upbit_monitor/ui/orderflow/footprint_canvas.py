"""Painting footprint candles: per candle a column of price bins with sold x bought volume,
imbalances highlighted, the candle's POC outlined, its OHLC bar at the left edge, and the delta
and volume under it; the price axis on the right.

Finished candles do not change, so each is painted once into a pixmap and reused while the rows
stay where they are (the range is sticky: it grows when prices leave it and shrinks only when the
candles use less than half of it). Only the live candle is painted per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from upbit_monitor.features.orderflow.footprint import FootprintCandle
from upbit_monitor.ui.common.formatting import KST, format_price, format_size_compact, format_value_english
from upbit_monitor.ui.common.theme import Palette

CANDLE_W = 128
AXIS_MIN_W = 70
FOOT_H = 34  # delta + volume + time under the candles
MIN_TEXT_ROW = 12  # rows lower than this are shaded without numbers


def amount(v: float) -> str:
    """Compact volume for a cell."""
    if v == 0:
        return ""
    return format_value_english(v) if abs(v) >= 10_000 else format_size_compact(abs(v), 3)


@dataclass(frozen=True, slots=True)
class Rows:
    """Vertical layout: bins ``low_bin..high_bin``, ``row_h`` px each, from ``top`` px."""

    low_bin: int
    high_bin: int
    row_h: float
    top: float

    def y(self, bin_: int) -> float:
        """Top edge of a bin's row."""
        return self.top + (self.high_bin - bin_) * self.row_h


class FootprintCanvas(QWidget):
    """The painted part of the footprint pane."""

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.palette_ = palette
        self.candles: list[FootprintCandle] = []
        self.bin_size = 1.0
        self.quote = "KRW"
        self.message = ""
        self.rows: Rows | None = None
        self.paints = 0
        self.axis_w = AXIS_MIN_W
        self.cached_paints = 0  # finished candles drawn from their pixmap
        self._cache: dict[int, QPixmap] = {}
        self._cache_key: tuple[object, ...] = ()
        self.setMinimumSize(360, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def visible_count(self) -> int:
        """Candles that fit the width."""
        return max(1, (self.width() - self.axis_w) // CANDLE_W)

    def set_candles(self, candles: list[FootprintCandle], bin_size: float) -> None:
        """New data (the pane calls this when candles changed), then the rows are re-fitted."""
        if bin_size != self.bin_size:
            self._cache.clear()
        self.bin_size = bin_size
        if candles:
            # The axis is as wide as its longest label, so prices are never clipped.
            label = format_price(max(c.high for c in candles[-20:]) * 1.1, self.quote)
            self.axis_w = max(AXIS_MIN_W, QFontMetrics(self._small_font()).horizontalAdvance(label) + 12)
        self.candles = candles[-self.visible_count():]
        self._fit_rows()
        self.update()

    def _fit_rows(self) -> None:
        if not self.candles:
            self.rows = None
            return
        lo = min(c.low_bin for c in self.candles)
        hi = max(c.high_bin for c in self.candles)
        rows = self.rows
        span = (rows.high_bin - rows.low_bin + 1) if rows else 0
        if rows is None or lo < rows.low_bin or hi > rows.high_bin or (hi - lo + 1) * 2 < span:
            pad = max(2, (hi - lo + 1) // 5)
            lo, hi = lo - pad, hi + pad
        else:
            lo, hi = rows.low_bin, rows.high_bin
        height = max(40.0, self.height() - FOOT_H - 4)
        self.rows = Rows(lo, hi, height / (hi - lo + 1), 2.0)

    def rows_needed(self) -> int:
        """Bins the visible candles span (the pane picks a grouping that fits the height)."""
        if not self.candles:
            return 0
        return max(c.high_bin for c in self.candles) - min(c.low_bin for c in self.candles) + 1

    def resizeEvent(self, event: object) -> None:
        self._fit_rows()
        self._cache.clear()

    # ---- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        pal = self.palette_
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#0e1118") if pal.dark else QColor("#ffffff"))
        rows = self.rows
        if rows is None or not self.candles:
            p.setPen(pal.muted)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message or "waiting for trades")
            p.end()
            return
        key = (rows, pal.dark, pal.korean_colours, self.bin_size, self.width(), self.height())
        if key != self._cache_key:
            self._cache.clear()
            self._cache_key = key
        live = self.candles[-1].start_ms
        for i, candle in enumerate(self.candles):
            x = i * CANDLE_W
            pix = self._cache.get(candle.start_ms) if candle.start_ms != live else None
            if pix is None:
                pix = self._render(candle, rows)
                if candle.start_ms != live:
                    self._cache[candle.start_ms] = pix
            else:
                self.cached_paints += 1
            p.drawPixmap(int(x), 0, pix)
        for stale in set(self._cache) - {c.start_ms for c in self.candles}:
            del self._cache[stale]
        self._axis(p, rows)
        p.end()

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        return font

    def _render(self, c: FootprintCandle, rows: Rows) -> QPixmap:
        pal = self.palette_
        pix = QPixmap(CANDLE_W, self.height())
        pix.fill(QColor(0, 0, 0, 0))
        p = QPainter(pix)
        font = self._small_font()
        p.setFont(font)
        up, down, muted = QColor(pal.up), QColor(pal.down), pal.muted
        cell_x, half = 12.0, (CANDLE_W - 16) / 2
        peak = float(max(c.buy.max(), c.sell.max())) or 1.0
        text_rows = rows.row_h >= MIN_TEXT_ROW
        for i in range(len(c.buy)):
            bin_ = c.low_bin + i
            y = rows.y(bin_)
            h = max(1.0, rows.row_h - 1)
            for side, vol, colour, x0, imb in ((0, c.sell[i], down, cell_x, c.sell_imbalance[i]),
                                               (1, c.buy[i], up, cell_x + half, c.buy_imbalance[i])):
                shade = QColor(colour)
                shade.setAlpha(int(25 + 150 * float(vol) / peak) if vol > 0 else 0)
                if imb:
                    shade.setAlpha(235)
                p.fillRect(QRectF(x0, y, half - 1, h), shade)
                if text_rows and vol > 0:
                    p.setPen(QColor("#ffffff") if imb or pal.dark else QColor("#202020"))
                    font.setBold(bool(imb))
                    p.setFont(font)
                    align = Qt.AlignmentFlag.AlignRight if side == 0 else Qt.AlignmentFlag.AlignLeft
                    p.drawText(QRectF(x0 + 3, y, half - 7, h), align | Qt.AlignmentFlag.AlignVCenter,
                               amount(float(vol)))
        font.setBold(False)
        p.setFont(font)
        poc_y = rows.y(c.low_bin + c.poc)
        p.setPen(QPen(pal.warning, 1.4))
        p.drawRect(QRectF(cell_x - 1, poc_y - 0.5, 2 * half, max(2.0, rows.row_h)))
        self._ohlc(p, c, rows)
        self._foot(p, c, rows, muted)
        p.end()
        return pix

    def _ohlc(self, p: QPainter, c: FootprintCandle, rows: Rows) -> None:
        colour = self.palette_.up if c.close >= c.open else self.palette_.down

        def y_of(price: float) -> float:
            # A tick price sits in the middle of its (ungrouped) row.
            return rows.top + (rows.high_bin + 0.5 - price / self.bin_size) * rows.row_h

        p.setPen(QPen(colour, 1))
        p.drawLine(QPointF(5, y_of(c.high)), QPointF(5, y_of(c.low)))
        top, bottom = sorted((y_of(c.open), y_of(c.close)))
        p.fillRect(QRectF(3, top, 5, max(1.5, bottom - top)), colour)

    def _foot(self, p: QPainter, c: FootprintCandle, rows: Rows, muted: QColor) -> None:
        y = self.height() - FOOT_H
        delta = c.delta
        p.setPen(self.palette_.up if delta > 0 else self.palette_.down if delta < 0 else muted)
        sign = "+" if delta > 0 else "-" if delta < 0 else ""
        p.drawText(QRectF(4, y, CANDLE_W - 8, 12), Qt.AlignmentFlag.AlignHCenter,
                   f"Δ {sign}{amount(abs(delta)) or '0'}")
        p.setPen(muted)
        when = datetime.fromtimestamp(c.start_ms / 1000, tz=UTC).astimezone(KST).strftime("%H:%M")
        p.drawText(QRectF(4, y + 12, CANDLE_W - 8, 12), Qt.AlignmentFlag.AlignHCenter,
                   f"{when} · vol {amount(c.volume)}")
        p.drawLine(QPointF(CANDLE_W - 1, 0), QPointF(CANDLE_W - 1, self.height()))

    def _axis(self, p: QPainter, rows: Rows) -> None:
        pal = self.palette_
        x0 = self.width() - self.axis_w
        bg = QColor("#0e1118") if pal.dark else QColor("#ffffff")
        p.fillRect(QRectF(x0, 0, self.axis_w, self.height()), bg)
        p.setFont(self._small_font())
        p.setPen(pal.muted)
        p.drawLine(QPointF(x0, 0), QPointF(x0, self.height() - FOOT_H))
        every = max(1, int(16 // rows.row_h) + 1)
        for bin_ in range(rows.low_bin, rows.high_bin + 1):
            if bin_ % every:
                continue
            y = rows.y(bin_)
            p.drawText(QRectF(x0 + 4, y, self.axis_w - 6, max(rows.row_h, 14)), Qt.AlignmentFlag.AlignVCenter,
                       format_price(bin_ * self.bin_size, self.quote))
