"""The strip above the chart: coin title, timeframe buttons, load status and the OHLCV readout."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QWidget

TIMEFRAME_LABELS = {
    1: "1m", 3: "3m", 5: "5m", 15: "15m", 30: "30m", 60: "1h", 240: "4h", 1440: "D", 10080: "W", 43200: "M",
}
"""Chart timeframes in (nominal) minutes: day, week (from Monday) and month candles come from REST and the
ticker, everything shorter from the candle stream."""
# Tighter than the window's tool buttons and no menu arrow: ten timeframes, the "more" button and
# Studies must fit a ~360 px dock in either theme.
_COMPACT = "QToolButton { padding: 2px 4px; } QToolButton::menu-indicator { image: none; width: 0px; }"
TIMEFRAME_NAMES = {1440: "day", 10080: "week", 43200: "month"}
PRIMARY_TIMEFRAMES = (1, 5, 15, 60, 240, 1440)
"""Shown as buttons; the others are in the "more" menu, so the strip fits a narrow dock."""


class ChartToolbar:
    """Widgets of the toolbar row plus the readout line; the chart lays them out and owns them."""

    def __init__(self, parent: QWidget, unit: int) -> None:
        self.layout = QHBoxLayout()
        self.layout.setContentsMargins(6, 4, 6, 0)
        self.layout.setSpacing(1)
        self.title = QLabel("—", parent)
        self.title.setObjectName("ChartTitle")
        self.title.setStyleSheet("font-weight: 600;")
        self.layout.addWidget(self.title)
        # Exclusive checkable buttons: one click switches, and the current timeframe stays visible.
        self.timeframes = QButtonGroup(parent)
        self.timeframes.setExclusive(True)
        for minutes in PRIMARY_TIMEFRAMES:
            label = TIMEFRAME_LABELS[minutes]
            button = QToolButton(parent)
            button.setText(label)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setStyleSheet(_COMPACT)
            button.setToolTip(f"{TIMEFRAME_NAMES.get(minutes, label)} candles")
            self.timeframes.addButton(button, minutes)
            self.layout.addWidget(button)
        # The other timeframes: a checkable button that shows the chosen one (e.g. "30m").
        self.more = QToolButton(parent)
        self.more.setObjectName("ChartMoreTimeframes")
        self.more.setCheckable(True)
        self.more.setAutoRaise(True)
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setToolTip("More timeframes")
        self.more.setStyleSheet(_COMPACT)
        self.more_menu = QMenu(self.more)
        for minutes, label in TIMEFRAME_LABELS.items():
            if minutes not in PRIMARY_TIMEFRAMES:
                action = self.more_menu.addAction(f"{label}  ({TIMEFRAME_NAMES.get(minutes, label)} candles)")
                action.setData(minutes)
        self.more.setMenu(self.more_menu)
        self.layout.addWidget(self.more)
        self.check(unit)
        self.studies = QToolButton(parent)
        self.studies.setObjectName("ChartStudiesButton")
        self.studies.setText("ƒx")  # short: the strip must fit a narrow dock (tooltip says what it is)
        self.studies.setToolTip("Studies: moving averages, Bollinger bands, VWAP, RSI, MACD, volume MA")
        self.studies.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.studies.setAutoRaise(True)
        self.studies.setStyleSheet(_COMPACT)
        self.layout.addWidget(self.studies)
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
        if button is not None:
            if not button.isChecked():
                button.setChecked(True)
            self.more.setChecked(False)
            self.more.setText("⋯")
            return
        # An exclusive group cannot be emptied while exclusive.
        self.timeframes.setExclusive(False)
        for other in self.timeframes.buttons():
            other.setChecked(False)
        self.timeframes.setExclusive(True)
        self.more.setText(TIMEFRAME_LABELS[unit])
        self.more.setChecked(True)
