"""The head of the orderbook pane: coin title, grouping and depth pickers, price, day change, 체결강도."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from upbit_monitor.features.orderbook.levels import GROUPS
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.ui.common.display_guard import PLACEHOLDER, guarded, nothing
from upbit_monitor.ui.common.formatting import (
    format_change_rate,
    format_price,
    format_price_delta,
    format_strength,
    quote_of,
)
from upbit_monitor.ui.common.layout import flush_column
from upbit_monitor.ui.common.theme import Palette


def _widest_fitting(label: QLabel, texts: tuple[str, ...], default: str) -> str:
    """The first of ``texts`` (longest first) that fits ``label``'s width, else ``default``."""
    fm = label.fontMetrics()
    room = label.width()
    return next((t for t in texts if fm.horizontalAdvance(t) <= room), default)


STRENGTH_TIP = (
    "체결강도 (trade strength): buy-initiated volume / sell-initiated volume x 100.\n"
    "Above 100: buyers lift offers more than sellers hit bids."
)


class CoinHeader(QWidget):
    """Two lines: ``name  BASE/QUOTE  [grouping] [30 levels]`` and ``price  change  체결강도``."""

    def __init__(self, palette: Palette, depth: int, group: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._palette = palette
        self._colours = ("", "")  # (price/change, strength) colours applied: restyle only on change
        self.title = QLabel("-", self)
        self.title.setObjectName("CoinTitle")
        # Title variants from the longest (venue · name  BASE/QUOTE) to the shortest (BASE/QUOTE):
        # the widest one that fits beside the pickers is shown, the full one as its tooltip.
        self._title_texts: tuple[str, ...] = ("-",)
        self.title.installEventFilter(self)
        self.price_label = QLabel("", self)
        self.price_label.setObjectName("CoinPrice")
        self.change_label = QLabel("", self)
        self.change_label.setObjectName("CoinChange")
        self.strength_label = QLabel("체결강도 -", self)
        self.strength_label.setObjectName("ObSummary")
        self.strength_label.setToolTip(STRENGTH_TIP)
        # Texts from the longest to the shortest; the widest one that fits is shown (never clipped).
        self._strength_texts: tuple[str, ...] = ("체결강도 -",)
        self.strength_label.installEventFilter(self)
        self.depth_toggle = QCheckBox("30 levels", self)
        self.depth_toggle.setToolTip("Show 30 levels per side instead of 15")
        self.depth_toggle.setChecked(depth == 30)
        self.group_box = QComboBox(self)
        self.group_box.setObjectName("GroupBox")
        for g in GROUPS:
            self.group_box.addItem("1 tick" if g == 1 else f"{g} ticks", g)
        self.group_box.setToolTip("Price grouping: sum the ladder's sizes in buckets of this many ticks")
        self.group_box.setCurrentIndex(GROUPS.index(group) if group in GROUPS else 0)
        # A long title gives way instead of forcing the window wider (venue, then name dropped);
        # the price row never clips a digit: 체결강도 gives way (shorter text, then hidden) first.
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.strength_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.strength_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        name_row = QHBoxLayout()
        name_row.addWidget(self.title, 1)
        name_row.addWidget(self.group_box)
        name_row.addWidget(self.depth_toggle)
        price_row = QHBoxLayout()
        price_row.addWidget(self.price_label)
        price_row.addSpacing(8)
        price_row.addWidget(self.change_label)
        price_row.addWidget(self.strength_label, 1)
        flush_column(self, name_row, price_row)

    def _ticker_fault(self, t: Ticker, code: str) -> None:
        self.price_label.setText(PLACEHOLDER)
        self.change_label.setText(PLACEHOLDER)

    @guarded("orderbook.ticker", _ticker_fault)
    def show_ticker(self, t: Ticker, code: str) -> None:
        """Last price and the day's change ("-2.48%  -3,712,000"), in the change colour."""
        quote = quote_of(code)
        colour = self._palette.change_colour(t.signed_change_rate).name()
        self.price_label.setText(format_price(t.trade_price, quote))
        self.change_label.setText(
            f"{format_change_rate(t.signed_change_rate)}  "
            f"{format_price_delta(t.signed_change_price, t.trade_price, quote)}"
        )
        if colour != self._colours[0]:
            # setStyleSheet re-polishes the widget: only when the colour really changes.
            self._colours = (colour, self._colours[1])
            self.price_label.setStyleSheet(f"color: {colour};")
            self.change_label.setStyleSheet(f"color: {colour};")

    @guarded("orderbook.strength", nothing)
    def show_strength(self, day: float | None, recent: float | None, fills: int) -> None:
        """The day's 체결강도 (the ticker's running volumes) and that of the tape's last fills."""
        short = f"체결강도 {format_strength(day)}"
        full = f"{short} · {format_strength(recent)}" if recent is not None else short
        self._strength_texts = (full, short, format_strength(day))
        self._fit_strength()
        self.strength_label.setToolTip(
            f"{STRENGTH_TIP}\nDay (Upbit's running volumes since 00:00 UTC): {format_strength(day)}\n"
            f"Last {fills} fills on the tape: {format_strength(recent)}"
        )
        colour = "" if day is None else self._palette.change_colour(day - 100.0).name()
        if colour != self._colours[1]:
            self._colours = (self._colours[0], colour)
            self.strength_label.setStyleSheet(f"color: {colour};" if colour else "")

    def _fit_strength(self) -> None:
        text = _widest_fitting(self.strength_label, self._strength_texts, "")
        if text != self.strength_label.text():
            self.strength_label.setText(text)

    def show_title(self, *texts: str) -> None:
        """The pane title: the widest of ``texts`` (longest first) that fits; never under the pickers."""
        self._title_texts = texts or ("-",)
        self.title.setToolTip(self._title_texts[0] if len(self._title_texts) > 1 else "")
        self._fit_title()

    def _fit_title(self) -> None:
        texts = self._title_texts
        # Not laid out yet (hidden): its width means nothing, the full title stands until shown.
        text = _widest_fitting(self.title, texts, texts[-1]) if self.title.isVisible() else texts[0]
        if text != self.title.text():
            self.title.setText(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Re-pick the title and 체결강도 texts whenever their labels' widths change."""
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            if watched is self.strength_label:
                self._fit_strength()
            elif watched is self.title:
                self._fit_title()
        return super().eventFilter(watched, event)

    def forget_colours(self) -> None:
        """Re-apply colours on the next update (after a colour-scheme switch)."""
        self._colours = ("", "")
