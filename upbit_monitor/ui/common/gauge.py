"""Small painted indicators: the orderbook imbalance gauge and the status-bar health dot."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from upbit_monitor.ui.common.theme import Palette


class ImbalanceGauge(QWidget):
    """Horizontal bar split into bid share (left, up colour) and ask share (right, down colour)."""

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ImbalanceGauge")
        self._palette = palette
        self._value: float | None = None
        self.setMinimumHeight(16)
        self.setToolTip("Order-book imbalance over the shown levels: bid share vs ask share")

    @property
    def value(self) -> float | None:
        """Imbalance in [-1, 1] (+1 = all bids), None when unknown."""
        return self._value

    def set_value(self, value: float | None) -> None:
        """Set the imbalance and repaint if it changed visibly."""
        if value is not None:
            value = max(-1.0, min(1.0, value))
        if value != self._value:
            self._value = value
            self.update()

    def sizeHint(self) -> QSize:
        """A wide, thin bar."""
        return QSize(160, 16)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint both shares with their percentages."""
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self._palette.muted.darker(180))
        p.drawRoundedRect(r, 3, 3)
        if self._value is not None:
            bid_share = (self._value + 1.0) / 2.0
            split = r.left() + r.width() * bid_share
            up, down = QColor(self._palette.up), QColor(self._palette.down)
            up.setAlpha(170)
            down.setAlpha(170)
            p.setBrush(up)
            p.drawRoundedRect(QRectF(r.left(), r.top(), split - r.left(), r.height()), 3, 3)
            p.setBrush(down)
            p.drawRoundedRect(QRectF(split, r.top(), r.right() - split, r.height()), 3, 3)
            p.setPen(QColor("#ffffff"))
            font = p.font()
            font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
            p.setFont(font)
            left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            p.drawText(r.adjusted(4, 0, 0, 0), left, f"Bid {bid_share * 100:.0f}%")
            p.drawText(r.adjusted(0, 0, -4, 0), right, f"Ask {(1 - bid_share) * 100:.0f}%")
        p.end()


class HealthDot(QWidget):
    """A coloured dot for the status bar: the worst connection health at a glance."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HealthDot")
        self._colour = QColor("#7d8590")
        self.setFixedSize(14, 14)

    @property
    def colour(self) -> QColor:
        """The colour shown."""
        return QColor(self._colour)

    def set_colour(self, colour: QColor) -> None:
        """Change the dot colour."""
        if colour != self._colour:
            self._colour = QColor(colour)
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """A filled circle with a slightly darker rim."""
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(self._colour.darker(150))
        p.setBrush(self._colour)
        p.drawEllipse(QRectF(self.rect()).adjusted(2, 2, -2, -2))
        p.end()
