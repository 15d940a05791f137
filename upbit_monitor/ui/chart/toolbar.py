"""The strip above the chart: coin title, timeframe buttons, load status and the OHLCV readout."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

TIMEFRAME_LABELS = {1: "1m", 3: "3m", 5: "5m", 15: "15m", 60: "1h", 240: "4h"}


class ChartToolbar:
    """Widgets of the toolbar row plus the readout line; the chart lays them out and owns them."""

    def __init__(self, parent: QWidget, unit: int) -> None:
        self.layout = QHBoxLayout()
        self.layout.setContentsMargins(6, 4, 6, 0)
        self.title = QLabel("—", parent)
        self.title.setObjectName("ChartTitle")
        self.title.setStyleSheet("font-weight: 600;")
        self.layout.addWidget(self.title)
        # Exclusive checkable buttons: one click switches, and the current timeframe stays visible.
        self.timeframes = QButtonGroup(parent)
        self.timeframes.setExclusive(True)
        for minutes, label in TIMEFRAME_LABELS.items():
            button = QToolButton(parent)
            button.setText(label)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolTip(f"{label} candles")
            self.timeframes.addButton(button, minutes)
            self.layout.addWidget(button)
        self.timeframes.button(unit).setChecked(True)
        self.layout.addStretch(1)
        self.status = QLabel("", parent)
        self.status.setObjectName("ChartStatus")
        self.layout.addWidget(self.status)
        self.readout = QLabel(" ", parent)
        self.readout.setObjectName("ChartReadout")
        self.readout.setContentsMargins(8, 0, 8, 0)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Long texts must not force a minimum width on the dock, nor be clipped in a narrow one
        # (the volume is last): the label wraps between fields and grows a line instead.
        self.readout.setMinimumWidth(1)
        self.readout.setWordWrap(True)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def check(self, unit: int) -> None:
        """Show ``unit`` as the selected timeframe (without emitting a click)."""
        button = self.timeframes.button(unit)
        if not button.isChecked():
            button.setChecked(True)
