"""The strip above the chart: coin title, timeframe buttons, load status and the OHLCV readout."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QWidget

TIMEFRAME_LABELS = {
    1: "1m", 3: "3m", 5: "5m", 15: "15m", 30: "30m", 60: "1h", 240: "4h", 1440: "D", 10080: "W", 43200: "M",
    525600: "Y",
}
"""Chart timeframes in (nominal) minutes: day, week (from Monday) and month candles come from REST and the
ticker, everything shorter from the candle stream."""
# Tighter than the window's tool buttons and no menu arrow: ten timeframes, the "more" button and
# Studies must fit a ~360 px dock in either theme.
_COMPACT = "QToolButton { padding: 2px 4px; } QToolButton::menu-indicator { image: none; width: 0px; }"
TIMEFRAME_NAMES = {1440: "day", 10080: "week", 43200: "month", 525600: "year"}
PRIMARY_TIMEFRAMES = (1, 5, 15, 60, 240, 1440)
"""Shown as buttons; the others are in the "more" menu, so the strip fits a narrow dock."""


class ReadoutLabel(QLabel):
    """The readout's label; says when its width changed (the fields that fit change with it)."""

    resized = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(" ", parent)

    def sizeHint(self) -> QSize:
        """One line of the current font, whatever the text (the theme sets the font later)."""
        margins = self.contentsMargins()
        return QSize(1, self.fontMetrics().height() + margins.top() + margins.bottom() + 2)

    def minimumSizeHint(self) -> QSize:
        """As :meth:`sizeHint`: the dock may be narrower than the text."""
        return self.sizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-fit the fields to the new width."""
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.resized.emit()


class CodeTitle(QLabel):
    """The coin title: ``BTC/KRW`` where it fits, else the base alone (``BTC``), never a cut ``BTC/K``.

    ``text()`` stays the whole code (the tooltip and tests read it); only the painting shortens it.
    """

    def shown_text(self) -> str:
        """What is painted at the current width."""
        text, room = self.text(), self.contentsRect().width()
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(text) <= room or "/" not in text:
            return text
        base = text.split("/", 1)[0]
        return metrics.elidedText(base, Qt.TextElideMode.ElideRight, room)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint :meth:`shown_text` where QLabel would paint the whole text."""
        shown = self.shown_text()
        if shown == self.text():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), shown)


class ChartToolbar:
    """Widgets of the toolbar row plus the readout line; the chart lays them out and owns them."""

    def __init__(self, parent: QWidget, unit: int) -> None:
        self.layout = QHBoxLayout()
        self.layout.setContentsMargins(6, 4, 6, 0)
        self.layout.setSpacing(1)
        self.title = CodeTitle("—", parent)
        self.title.setObjectName("ChartTitle")
        self.title.setStyleSheet("font-weight: 600;")
        # The coin's name must not set the dock's minimum width: a longer one moved the docks on a
        # coin switch, and at 1024 px it pushed the chart off the window. In a narrow dock it shows
        # the base alone (the ladder and the window title name the market too).
        self.title.setMinimumWidth(1)
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
        # The status takes the rest of the row, right-aligned, and never widens the dock (a long
        # venue note is cut at the dock's edge; its tooltip and the title's have the details).
        self.status = QLabel("", parent)
        self.status.setObjectName("ChartStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status.setMinimumWidth(1)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.layout.addWidget(self.status, 1)
        self.readout = ReadoutLabel(parent)
        self.readout.setObjectName("ChartReadout")
        self.readout.setContentsMargins(8, 0, 8, 0)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # One line at any width: no minimum width forced on the dock, no height change (the chart
        # below would jump); ChartReadout drops the least important fields to fit.
        self.readout.setMinimumWidth(1)
        self.readout.setWordWrap(False)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

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
