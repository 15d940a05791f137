"""The Markets dock's venue switch: one checkable button per Korean venue (Upbit | Bithumb)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QWidget


class VenueBar(QWidget):
    """Exclusive venue buttons; ``venue_chosen(venue)`` when the user picks another one."""

    venue_chosen = Signal(str)

    def __init__(
        self, venues: Sequence[tuple[str, str]], current: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("VenueBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(QLabel("Venue", self))
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for venue, label in venues:
            button = QPushButton(label, self)
            button.setObjectName(f"venue-{venue}")
            button.setCheckable(True)
            # The checked style is bold: room for the bold label so it is never clipped.
            bold = button.font()
            bold.setBold(True)
            button.setFont(bold)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(label) + 28)
            button.setChecked(venue == current)
            button.setToolTip(f"Show {label}'s markets; the orderbook, tape and chart follow")
            self.group.addButton(button)
            self.buttons[venue] = button
            layout.addWidget(button)
            button.clicked.connect(lambda _checked=False, v=venue: self.venue_chosen.emit(v))
        layout.addStretch(1)

    def set_current(self, venue: str) -> None:
        """Check ``venue``'s button without emitting."""
        button = self.buttons.get(venue)
        if button is not None and not button.isChecked():
            button.setChecked(True)
