"""The tape's box under the ladder: title, minimum-value filter, big-trade threshold, the tape.

The thresholds are KRW values (what a trader on Upbit thinks in), chosen from a short list and
remembered in QSettings (``tape/min_value``, ``tape/big_value``).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QWidget,
)

from upbit_monitor.ui.common.formatting import format_value_korean
from upbit_monitor.ui.common.layout import flush_column
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.fitted_table import FittedTable
from upbit_monitor.ui.orderbook.tape_delegate import TapeDelegate
from upbit_monitor.ui.orderbook.trade_tape import TAPE_HEADERS, TapeCol, TradeTapeModel

MIN_CHOICES = (0.0, 100_000.0, 1_000_000.0, 10_000_000.0, 100_000_000.0)
BIG_CHOICES = (0.0, 1_000_000.0, 10_000_000.0, 50_000_000.0, 100_000_000.0, 1_000_000_000.0)
DEFAULT_MIN = 0.0
DEFAULT_BIG = 10_000_000.0
MIN_ROWS = 6  # the tape never shrinks below this many fills (it was squeezed to 4)
PAD = 16  # cell text inset plus air
# Widest texts per fixed column; Size takes the rest and must fit NARROWEST_SIZE, else Value and
# then Side are hidden (a narrow window loses columns, never digits).
WIDEST = {TapeCol.TIME: "88:88:88", TapeCol.VALUE: "8,888만", TapeCol.SIDE: "Sell"}
NARROWEST_SIZE = "0.00008888"  # four significant digits of a small fill (format_size_compact)
MIN_KEY, BIG_KEY = "tape/min_value", "tape/big_value"


class TradeTapeView(FittedTable):
    """Compact read-only table for the tape; columns sized from font metrics, never eliding digits."""

    def __init__(self, model: TradeTapeModel, parent: QWidget | None = None) -> None:
        super().__init__("TradeTape", 20, parent)
        self.setModel(model)
        self._model = model
        h = self.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        h.setSectionResizeMode(TapeCol.SIZE, QHeaderView.ResizeMode.Stretch)
        self._price_for: tuple[str, int] = ("", 0)  # (code, width) of the price column
        self._size_for: tuple[str, int] = ("", 0)  # (code, least width) of the size column
        self._fixed_w: dict[TapeCol, int] = {}
        model.rowsInserted.connect(self._fit_price)
        model.modelReset.connect(self._fit_price)
        self._font_changed()

    def _font_changed(self) -> None:
        """Widths of the fixed columns in the current font (again after a style sheet sets one)."""
        # Kept: a hidden column's columnWidth() is 0, and Value was then judged to fit for free.
        self._fixed_w = {col: self._text_w(col, widest) for col, widest in WIDEST.items()}
        for col, width in self._fixed_w.items():
            self.setColumnWidth(col, width)
        self._price_for = self._size_for = ("", 0)
        self.setColumnWidth(TapeCol.PRICE, self._text_w(TapeCol.PRICE, "88,888"))
        self._fit_price()
        self._fit_width()

    def _text_w(self, col: TapeCol, text: str) -> int:
        hm = self.horizontalHeader().fontMetrics()
        return max(self.fontMetrics().horizontalAdvance(text), hm.horizontalAdvance(TAPE_HEADERS[col])) + PAD

    def _fit_price(self, _parent: object = None, first: int = 0, last: int = -1) -> None:
        """Price and Size never elide: their columns are as wide as the coin's texts with every digit an
        8 (Size sets the least width left to it, so Value and Side hide first)."""
        rows = self._model.rowCount()
        if not rows:
            return
        # rowsInserted says which rows are new; a reset (a coin's recent fills) measures them all.
        last = rows - 1 if last < 0 else last
        code = self._model.trades()[0].code
        price_w, size_w = self._price_for[1], self._size_for[1]
        if code != self._price_for[0]:
            price_w = size_w = 0
        for r in range(first, min(last, rows - 1) + 1):
            try:
                row = self._model.row(r)
            except (TypeError, ValueError, ArithmeticError):
                continue  # a malformed fill: its cells show '?' (display_guard), nothing to measure
            if row is not None:
                price_w = max(price_w, self._text_w(TapeCol.PRICE, _widest(row.texts[TapeCol.PRICE])))
                size_w = max(size_w, self._text_w(TapeCol.SIZE, _widest(row.texts[TapeCol.SIZE])))
        if (code, price_w, size_w) != (self._price_for[0], self._price_for[1], self._size_for[1]):
            self._price_for, self._size_for = (code, price_w), (code, size_w)
            self.setColumnWidth(TapeCol.PRICE, price_w)
            self._fit_width()

    def _fit_width(self) -> None:
        """Hide Value, then Side, when the sizes would not fit."""
        need_size = max(self.fontMetrics().horizontalAdvance(NARROWEST_SIZE) + PAD, self._size_for[1])
        fixed = sum(self.columnWidth(c) for c in (TapeCol.TIME, TapeCol.PRICE))
        room = self.viewport().width() - fixed - need_size
        side, value = self._fixed_w[TapeCol.SIDE], self._fixed_w[TapeCol.VALUE]
        show_side = room >= side
        show_value = room >= side + value
        if self.isColumnHidden(TapeCol.SIDE) == show_side:
            self.setColumnHidden(TapeCol.SIDE, not show_side)
        if self.isColumnHidden(TapeCol.VALUE) == show_value:
            self.setColumnHidden(TapeCol.VALUE, not show_value)



def _widest(text: str) -> str:
    return "".join("8" if c.isdigit() else c for c in text)


def _label(value: float, off: str) -> str:
    return off if not value else f"₩{format_value_korean(value)}"


def _float_setting(store: QSettings | None, key: str, default: float, choices: tuple[float, ...]) -> float:
    if store is None:
        return default
    try:
        value = float(store.value(key, default))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return value if value in choices else default


class TapePanel(QWidget):
    """Title row with the two threshold pickers, then the tape."""

    def __init__(self, model: TradeTapeModel, palette: Palette, store: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TapePanel")
        self._store = store
        self.model = model
        self.tape = TradeTapeView(model, self)
        self.tape.setItemDelegate(TapeDelegate(palette, model, self.tape))
        title = QLabel("Trades", self)
        title.setObjectName("SectionTitle")
        self.min_box = self._combo(MIN_CHOICES, "All sizes", "Hide fills worth less than this (KRW)")
        self.big_box = self._combo(BIG_CHOICES, "No highlight", "Highlight fills worth at least this (KRW)")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(QLabel("Min", self))
        row.addWidget(self.min_box)
        row.addSpacing(6)
        row.addWidget(QLabel("Big", self))
        row.addWidget(self.big_box)
        flush_column(self, row, (self.tape, 1), spacing=2)
        header_h = self.tape.horizontalHeader().sizeHint().height()
        self.tape.setMinimumHeight(header_h + MIN_ROWS * self.tape.verticalHeader().defaultSectionSize() + 4)
        self.tape.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        min_v = _float_setting(store, MIN_KEY, DEFAULT_MIN, MIN_CHOICES)
        big_v = _float_setting(store, BIG_KEY, DEFAULT_BIG, BIG_CHOICES)
        self.min_box.setCurrentIndex(MIN_CHOICES.index(min_v))
        self.big_box.setCurrentIndex(BIG_CHOICES.index(big_v))
        model.set_thresholds(min_v, big_v)
        self.min_box.currentIndexChanged.connect(self._changed)
        self.big_box.currentIndexChanged.connect(self._changed)

    def _combo(self, choices: tuple[float, ...], off: str, tip: str) -> QComboBox:
        box = QComboBox(self)
        for v in choices:
            box.addItem(_label(v, off), v)
        box.setToolTip(tip)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return box

    def _changed(self) -> None:
        min_v = float(self.min_box.currentData())
        big_v = float(self.big_box.currentData())
        self.model.set_thresholds(min_v, big_v)
        if self._store is not None:
            self._store.setValue(MIN_KEY, min_v)
            self._store.setValue(BIG_KEY, big_v)

    def set_thresholds(self, min_value: float, big_value: float) -> None:
        """Pick the thresholds (menus, tests); unknown values fall back to the defaults."""
        self.min_box.setCurrentIndex(MIN_CHOICES.index(min_value) if min_value in MIN_CHOICES else 0)
        self.big_box.setCurrentIndex(
            BIG_CHOICES.index(big_value) if big_value in BIG_CHOICES else BIG_CHOICES.index(DEFAULT_BIG)
        )
