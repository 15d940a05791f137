"""Trade tape: recent fills of the selected coin (time, price, size, value, side colour).

New fills are *inserted* at the top (``beginInsertRows``) and the oldest removed at the bottom,
rather than resetting the model, so the view keeps its scroll position. The model keeps more fills
than it shows (``KEEP``) so a minimum-value filter still has rows to show; a filter change is the
one reset. Fills worth at least the big-trade threshold are bold on a tint of their side's colour.
Values are compared in KRW: a BTC- or USDT-quoted fill is converted with the KRW price of its quote
currency (``krw_per_quote``); without one, no fill is filtered or highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, NamedTuple

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from upbit_monitor.protocol.events import Trade
from upbit_monitor.ui.common.display_guard import display_text, guarded
from upbit_monitor.ui.common.formatting import (
    format_price,
    format_size_compact,
    format_time_kst,
    format_traded_value,
    quote_of,
)
from upbit_monitor.ui.common.table_model import FixedColumnsModel
from upbit_monitor.ui.common.theme import Palette

Index = QModelIndex | QPersistentModelIndex

TAPE_ROWS = 100  # fills shown
KEEP = 500  # fills kept for filtering (one REST page of /v1/trades/ticks)
BIG_ALPHA = 60  # big-trade row tint (of 255)


class TapeCol(IntEnum):
    """Trade tape columns."""

    TIME = 0
    PRICE = 1
    SIZE = 2
    VALUE = 3
    SIDE = 4


N_TAPECOLS = len(TapeCol)  # constant: Enum len() is slow and Qt calls columnCount() often

TAPE_HEADERS = {
    TapeCol.TIME: "Time (KST)",
    TapeCol.PRICE: "Price",
    TapeCol.SIZE: "Size",
    TapeCol.VALUE: "Value",
    TapeCol.SIDE: "Side",
}


def _key(t: Trade) -> tuple[int, int]:
    return (t.trade_timestamp, t.sequential_id)


class TapeRow(NamedTuple):
    """Everything the tape's delegate paints for one fill, formatted once per fill."""

    texts: tuple[str, str, str, str, str]  # per TapeCol
    buy: bool
    big: bool


class TradeTapeModel(FixedColumnsModel):
    """Newest fill on row 0."""

    HEADERS = tuple(TAPE_HEADERS[c] for c in TapeCol)

    def __init__(self, palette: Palette, limit: int = TAPE_ROWS, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette
        self._limit = limit
        self._all: list[Trade] = []  # newest first, up to KEEP, unfiltered
        self._trades: list[Trade] = []  # shown: newest first, filtered, up to limit
        self._min_value = 0.0  # KRW; 0 = every fill
        self._big_value = 0.0  # KRW; 0 = no highlighting
        self._krw_per_quote: float | None = 1.0
        # Formatted rows by sequential_id: a fill is formatted once, not on every repaint (the tape
        # repaints all its rows whenever a fill is inserted on top).
        self._rows: dict[int, TapeRow] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    @property
    def limit(self) -> int:
        """How many fills the tape shows."""
        return self._limit

    @property
    def min_value(self) -> float:
        """Smallest KRW value shown (0 = all)."""
        return self._min_value

    @property
    def big_value(self) -> float:
        """KRW value from which a fill is highlighted (0 = never)."""
        return self._big_value

    def set_thresholds(self, min_value: float, big_value: float) -> None:
        """New filter / highlight thresholds in KRW: the shown rows are rebuilt."""
        if (min_value, big_value) != (self._min_value, self._big_value):
            self._min_value, self._big_value = max(0.0, min_value), max(0.0, big_value)
            self._reshow()

    def set_krw_per_quote(self, rate: float | None) -> None:
        """KRW price of the quote currency (1 for KRW markets, None when unknown)."""
        if rate != self._krw_per_quote:
            self._krw_per_quote = rate
            self._reshow()

    def value_krw(self, t: Trade) -> float | None:
        """A fill's value in KRW, None when the quote's KRW price is unknown."""
        if self._krw_per_quote is None:
            return None
        return t.trade_price * t.trade_volume * self._krw_per_quote

    def is_big(self, t: Trade) -> bool:
        """At or above the big-trade threshold."""
        v = self.value_krw(t)
        return bool(self._big_value) and v is not None and v >= self._big_value

    def _passes(self, t: Trade) -> bool:
        if not self._min_value:
            return True
        v = self.value_krw(t)
        return v is None or v >= self._min_value

    def _reshow(self) -> None:
        self._rows.clear()  # "big" may have changed
        self.beginResetModel()
        self._trades = [t for t in self._all if self._passes(t)][: self._limit]
        self.endResetModel()

    def repaint(self) -> None:
        """Re-emit every cell (after a colour-scheme switch)."""
        if self._trades:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._trades) - 1, N_TAPECOLS - 1))

    def trades(self) -> list[Trade]:
        """The fills shown, newest first."""
        return list(self._trades)

    def kept(self) -> list[Trade]:
        """Every fill kept (unfiltered), newest first."""
        return list(self._all)

    def clear(self) -> None:
        """Empty the tape (coin switch)."""
        self._all = []
        self._rows.clear()
        if self._trades:
            self.beginRemoveRows(QModelIndex(), 0, len(self._trades) - 1)
            self._trades = []
            self.endRemoveRows()

    def _reset_after_fault(self, newest_first: Sequence[Trade]) -> int:
        self.clear()  # rows whose keys cannot be compared: start the tape afresh
        return 0

    @guarded("trade_tape.set_trades", _reset_after_fault)
    def set_trades(self, newest_first: Sequence[Trade]) -> int:
        """Merge a newest-first list (the pool's, or a REST page); returns how many rows were shown.

        Fills newer than the newest kept go on top; a page of *older* fills (the REST backfill
        arriving after the first live fills) goes below the oldest kept. Duplicates (the same
        ``sequential_id``) are dropped either way.
        """
        incoming = list(newest_first[:KEEP])
        if not incoming:
            return 0
        if self._all and self._all[0].code != incoming[0].code:
            self.clear()
        seen = {t.sequential_id for t in self._all}
        head = _key(self._all[0]) if self._all else None
        tail = _key(self._all[-1]) if self._all else None
        newer = [t for t in incoming if t.sequential_id not in seen and (head is None or _key(t) >= head)]
        older = [t for t in incoming if t.sequential_id not in seen and tail is not None and _key(t) < tail]
        added = 0
        if newer:
            self._all[0:0] = newer
            fresh = [t for t in newer if self._passes(t)]
            if fresh:
                self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
                self._trades[0:0] = fresh
                self.endInsertRows()
                added += len(fresh)
        if older:
            older.sort(key=_key, reverse=True)
            self._all.extend(older)
            room = self._limit - len(self._trades)
            extra = [t for t in older if self._passes(t)][: max(0, room)]
            if extra:
                n = len(self._trades)
                self.beginInsertRows(QModelIndex(), n, n + len(extra) - 1)
                self._trades.extend(extra)
                self.endInsertRows()
                added += len(extra)
        del self._all[KEEP:]
        if len(self._rows) > 2 * KEEP:
            shown = {t.sequential_id for t in self._trades}
            self._rows = {k: v for k, v in self._rows.items() if k in shown}
        overflow = len(self._trades) - self._limit
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), self._limit, len(self._trades) - 1)
            del self._trades[self._limit :]
            self.endRemoveRows()
        return added

    def row(self, r: int) -> TapeRow | None:
        """The formatted row ``r`` (None out of range); formatted on first use, then cached."""
        if not 0 <= r < len(self._trades):
            return None
        t = self._trades[r]
        cached = self._rows.get(t.sequential_id)
        if cached is None:
            texts = (self._text(t, 0), self._text(t, 1), self._text(t, 2), self._text(t, 3), self._text(t, 4))
            cached = TapeRow(texts, t.ask_bid == "BID", self.is_big(t))
            self._rows[t.sequential_id] = cached
        return cached

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Number of fills shown."""
        return 0 if parent.isValid() else len(self._trades)

    @guarded("trade_tape.data", display_text)
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, the side colour (buy-initiated = up colour) and the big-trade emphasis."""
        if not index.isValid() or not 0 <= index.row() < len(self._trades):
            return None
        t = self._trades[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(t, col)
        buy = t.ask_bid == "BID"
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == TapeCol.TIME:
                return self._palette.muted
            return self._palette.up if buy else self._palette.down
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col == TapeCol.TIME:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and self.is_big(t):
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and self.is_big(t):
            tint = QColor(self._palette.up if buy else self._palette.down)
            tint.setAlpha(BIG_ALPHA)
            return tint
        return None

    def _text(self, t: Trade, col: int) -> str:
        quote = quote_of(t.code)
        if col == TapeCol.TIME:
            return format_time_kst(t.trade_timestamp)
        if col == TapeCol.PRICE:
            return format_price(t.trade_price, quote)
        if col == TapeCol.SIZE:
            return format_size_compact(t.trade_volume)
        if col == TapeCol.VALUE:
            return format_traded_value(t.trade_price * t.trade_volume, quote)
        return "Buy" if t.ask_bid == "BID" else "Sell"
