"""Trade tape: the last ~100 fills of the selected coin (time, price, size, side colour).

New fills are *inserted* at the top (``beginInsertRows``) and the oldest removed at the bottom,
rather than resetting the model, so the view keeps its scroll position and selection.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from upbit_monitor.protocol.events import Trade
from upbit_monitor.ui.common.display_guard import display_text, guarded
from upbit_monitor.ui.common.formatting import format_price, format_size, format_time_kst, quote_of
from upbit_monitor.ui.common.table_model import FixedColumnsModel
from upbit_monitor.ui.common.theme import Palette

Index = QModelIndex | QPersistentModelIndex

TAPE_ROWS = 100


class TapeCol(IntEnum):
    """Trade tape columns."""

    TIME = 0
    PRICE = 1
    SIZE = 2
    SIDE = 3


N_TAPECOLS = len(TapeCol)  # constant: Enum len() is slow and Qt calls columnCount() often

TAPE_HEADERS = {
    TapeCol.TIME: "Time (KST)",
    TapeCol.PRICE: "Price",
    TapeCol.SIZE: "Size",
    TapeCol.SIDE: "Side",
}


def _key(t: Trade) -> tuple[int, int]:
    return (t.trade_timestamp, t.sequential_id)


class TradeTapeModel(FixedColumnsModel):
    """Newest fill on row 0."""

    HEADERS = tuple(TAPE_HEADERS[c] for c in TapeCol)

    def __init__(self, palette: Palette, limit: int = TAPE_ROWS, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette
        self._limit = limit
        self._trades: list[Trade] = []

    @property
    def limit(self) -> int:
        """How many fills the tape keeps."""
        return self._limit

    def repaint(self) -> None:
        """Re-emit every cell (after a colour-scheme switch)."""
        if self._trades:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._trades) - 1, N_TAPECOLS - 1))

    def trades(self) -> list[Trade]:
        """The fills shown, newest first."""
        return list(self._trades)

    def clear(self) -> None:
        """Empty the tape (coin switch)."""
        if self._trades:
            self.beginRemoveRows(QModelIndex(), 0, len(self._trades) - 1)
            self._trades = []
            self.endRemoveRows()

    def _reset_after_fault(self, newest_first: Sequence[Trade]) -> int:
        self.clear()  # rows whose keys cannot be compared: start the tape afresh
        return 0

    @guarded("trade_tape.set_trades", _reset_after_fault)
    def set_trades(self, newest_first: Sequence[Trade]) -> int:
        """Merge a newest-first list from the pool; returns how many rows were inserted."""
        incoming = list(newest_first[: self._limit])
        if not incoming:
            return 0
        code = incoming[0].code
        if self._trades and self._trades[0].code != code:
            self.clear()
        if not self._trades:
            self.beginInsertRows(QModelIndex(), 0, len(incoming) - 1)
            self._trades = incoming
            self.endInsertRows()
            return len(incoming)
        head = _key(self._trades[0])
        seen = {t.sequential_id for t in self._trades}
        fresh = [t for t in incoming if _key(t) >= head and t.sequential_id not in seen]
        if not fresh:
            return 0
        self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
        self._trades[0:0] = fresh
        self.endInsertRows()
        overflow = len(self._trades) - self._limit
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), self._limit, len(self._trades) - 1)
            del self._trades[self._limit :]
            self.endRemoveRows()
        return len(fresh)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Number of fills shown."""
        return 0 if parent.isValid() else len(self._trades)

    @guarded("trade_tape.data", display_text)
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text and the side colour (buy-initiated = up colour, sell-initiated = down)."""
        if not index.isValid() or not 0 <= index.row() < len(self._trades):
            return None
        t = self._trades[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == TapeCol.TIME:
                return format_time_kst(t.trade_timestamp)
            if col == TapeCol.PRICE:
                return format_price(t.trade_price, quote_of(t.code))
            if col == TapeCol.SIZE:
                return format_size(t.trade_volume)
            return "Buy" if t.ask_bid == "BID" else "Sell"
        if role == Qt.ItemDataRole.ForegroundRole and col != TapeCol.TIME:
            return self._palette.up if t.ask_bid == "BID" else self._palette.down
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._palette.muted
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col == TapeCol.TIME:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class TradeTapeView(QTableView):
    """Compact read-only table for the tape."""

    def __init__(self, model: TradeTapeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TradeTape")
        self.setModel(model)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(20)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        h = self.horizontalHeader()
        h.setHighlightSections(False)
        h.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(TapeCol.SIDE, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(TapeCol.SIDE, 44)
