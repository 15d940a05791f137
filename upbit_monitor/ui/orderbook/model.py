"""Ladder model of one orderbook: asks above bids, depth fractions and size-change flashes.

Rows ``0 .. depth-1`` are asks from the worst (top) to the best (just above the middle); rows
``depth .. 2*depth-1`` are bids from the best down. Columns: ask size | price | change % | bid size.
The row count is fixed at ``2*depth`` (empty levels show blanks), so a new snapshot only ever emits
``dataChanged``: the view never re-lays out while prices move.
"""

from __future__ import annotations

import time
from enum import IntEnum
from typing import Any, NamedTuple

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from upbit_monitor.protocol.events import Orderbook
from upbit_monitor.ui.common.display_guard import PLACEHOLDER, display_text, guarded
from upbit_monitor.ui.common.formatting import format_change_rate, format_price, format_size_compact, quote_of
from upbit_monitor.ui.common.table_model import FixedColumnsModel
from upbit_monitor.ui.common.theme import Palette

Index = QModelIndex | QPersistentModelIndex

DEPTH_ROLE = int(Qt.ItemDataRole.UserRole) + 10  # 0..1 fraction of the biggest visible size
SIDE_ROLE = int(Qt.ItemDataRole.UserRole) + 11  # "ask" / "bid"
FLASH_ROLE = int(Qt.ItemDataRole.UserRole) + 12  # True while a changed size is highlighted

FLASH_S = 0.3  # how long a changed size stays highlighted


class Cell(NamedTuple):
    """Paint data of one ladder cell."""

    text: str
    colour: QColor | None
    align: int
    bold: bool
    frac: float | None  # depth bar length 0..1 (own-side size cells only)
    flash: bool
    side: str  # "ask" / "bid"


class ObCol(IntEnum):
    """Orderbook ladder columns."""

    ASK_SIZE = 0
    PRICE = 1
    CHANGE = 2
    BID_SIZE = 3


N_OBCOLS = len(ObCol)  # constant: Enum len() is slow and Qt calls columnCount() often

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_ALIGN = (_RIGHT, int(Qt.AlignmentFlag.AlignCenter), _RIGHT, _LEFT)  # per ObCol

OB_HEADERS = {ObCol.ASK_SIZE: "Ask size", ObCol.PRICE: "Price", ObCol.CHANGE: "%", ObCol.BID_SIZE: "Bid size"}


def _own_col(row: int, depth: int) -> int:
    """The size column of a row's own side (asks on top, bids below)."""
    return ObCol.ASK_SIZE if row < depth else ObCol.BID_SIZE


class OrderbookModel(FixedColumnsModel):
    """``2*depth`` rows x 4 columns for one market."""

    HEADERS = tuple(OB_HEADERS[c] for c in ObCol)

    def __init__(self, palette: Palette, depth: int = 15, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette
        self._depth = depth
        self._book: Orderbook | None = None
        self._quote = "KRW"
        self._prev_close: float | None = None
        self._max_size = 0.0
        # (side, price) -> size of the previous snapshot, and -> flash expiry (monotonic).
        self._last_sizes: dict[tuple[str, float], float] = {}
        self._flash_until: dict[tuple[str, float], float] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    @property
    def depth(self) -> int:
        """Levels shown per side (15 or 30)."""
        return self._depth

    def set_depth(self, depth: int) -> None:
        """Change the number of levels per side (a reset: the row count changes)."""
        if depth != self._depth:
            self.beginResetModel()
            self._depth = depth
            self._recompute_max()
            self.endResetModel()

    @property
    def book(self) -> Orderbook | None:
        """The snapshot shown."""
        return self._book

    @property
    def code(self) -> str | None:
        """Market code of the snapshot shown."""
        return None if self._book is None else self._book.code

    def set_prev_close(self, price: float | None) -> None:
        """Previous close, for the change-% column and price colours."""
        if price != self._prev_close:
            self._prev_close = price
            self._emit_all()

    def clear(self) -> None:
        """Show an empty ladder (coin switch before the first snapshot arrives)."""
        self._book = None
        self._last_sizes.clear()
        self._flash_until.clear()
        self._max_size = 0.0
        self._emit_all()

    def _adopt_after_fault(self, book: Orderbook, now: float | None = None) -> None:
        """A snapshot whose values broke the diffing: show it whole, cells guard their own text."""
        self._book = book
        self._quote = book.code.partition("-")[0] if isinstance(book.code, str) else "KRW"
        self._last_sizes = {}
        self._flash_until.clear()
        self._max_size = 0.0
        self._emit_all()

    @guarded("orderbook.set_book", _adopt_after_fault)
    def set_book(self, book: Orderbook, now: float | None = None) -> None:
        """Show a new snapshot; sizes that changed at an unchanged price flash briefly."""
        now = time.monotonic() if now is None else now
        same_market = self._book is not None and self._book.code == book.code
        sizes: dict[tuple[str, float], float] = {}
        for u in book.orderbook_units[: self._depth]:
            if u.ask_price:
                sizes[("ask", u.ask_price)] = u.ask_size
            if u.bid_price:
                sizes[("bid", u.bid_price)] = u.bid_size
        if same_market:
            for key, size in sizes.items():
                old = self._last_sizes.get(key)
                if old is not None and old != size:
                    self._flash_until[key] = now + FLASH_S
        else:
            self._flash_until.clear()
        self._last_sizes = sizes
        before = [self.level(r) for r in range(2 * self._depth)] if same_market else None
        old_max = self._max_size
        self._book = book
        self._quote = quote_of(book.code)
        self._recompute_max()
        if before is None:
            self._emit_all()
            return
        # Repaint only the cells that changed: a level whose price moved repaints its whole row;
        # a size change at the same price only its own size cell. A new maximum changes every
        # bar, but still only the size columns (prices and % stay as they were).
        rows: set[int] = set()
        cells: set[tuple[int, int]] = set()
        for r in range(2 * self._depth):
            was, lvl = before[r], self.level(r)
            if was == lvl:
                continue
            if was is None or lvl is None or was[0] != lvl[0] or was[1] != lvl[1]:
                rows.add(r)
            else:
                cells.add((r, _own_col(r, self._depth)))
        if old_max != self._max_size:
            cells.update((r, _own_col(r, self._depth)) for r in range(2 * self._depth))
        self._emit_cells(rows, cells)

    @guarded("orderbook.flashes", lambda *_a, **_k: False)
    def expire_flashes(self, now: float | None = None) -> bool:
        """Drop finished flashes; True (and a repaint of those cells) when any ended."""
        now = time.monotonic() if now is None else now
        ended = {k for k, t in self._flash_until.items() if t <= now}
        for k in ended:
            del self._flash_until[k]
        if ended:
            cells = set()
            for r in range(2 * self._depth):
                lvl = self.level(r)
                if lvl is not None and (lvl[0], lvl[1]) in ended:
                    cells.add((r, _own_col(r, self._depth)))
            self._emit_cells(set(), cells)
        return bool(ended)

    def _emit_cells(self, rows: set[int], cells: set[tuple[int, int]]) -> None:
        """One ``dataChanged`` per column and run of adjacent rows (the view repaints just those
        rectangles; one range over everything would repaint the whole ladder)."""
        by_col: dict[int, set[int]] = {c: set(rows) for c in range(N_OBCOLS)} if rows else {}
        for r, c in cells:
            by_col.setdefault(c, set()).add(r)
        for c, col_rows in sorted(by_col.items()):
            ordered = sorted(col_rows)
            start = prev = ordered[0]
            for r in [*ordered[1:], -2]:
                if r != prev + 1:
                    self.dataChanged.emit(self.index(start, c), self.index(prev, c))
                    start = r
                prev = r

    def _no_max(self) -> None:
        self._max_size = 0.0  # no depth bars rather than a crash

    @guarded("orderbook.max_size", _no_max)
    def _recompute_max(self) -> None:
        m = 0.0
        if self._book is not None:
            for u in self._book.orderbook_units[: self._depth]:
                m = max(m, u.ask_size, u.bid_size)
        self._max_size = m

    def repaint(self) -> None:
        """Re-emit every cell (after a colour-scheme switch)."""
        self._emit_all()

    def _emit_all(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, N_OBCOLS - 1))

    # -- level access ---------------------------------------------------------------------
    def level(self, row: int) -> tuple[str, float, float] | None:
        """``(side, price, size)`` shown on a row, or None for an empty level."""
        if self._book is None or not 0 <= row < 2 * self._depth:
            return None
        units = self._book.orderbook_units
        if row < self._depth:
            i = self._depth - 1 - row
            if i >= len(units) or not units[i].ask_price:
                return None
            return ("ask", units[i].ask_price, units[i].ask_size)
        i = row - self._depth
        if i >= len(units) or not units[i].bid_price:
            return None
        return ("bid", units[i].bid_price, units[i].bid_size)

    # -- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Fixed ``2*depth`` rows."""
        return 0 if parent.isValid() else 2 * self._depth

    def _placeholder_cell(self, row: int, col: int) -> Cell:
        side = "ask" if row < self._depth else "bid"
        return Cell(PLACEHOLDER, None, _ALIGN[col], False, None, False, side)

    @guarded("orderbook.cell", _placeholder_cell)
    def cell(self, row: int, col: int) -> Cell:
        """Everything needed to paint one cell, computed once (the delegate's fast path)."""
        side = "ask" if row < self._depth else "bid"
        lvl = self.level(row)
        if lvl is None:
            return Cell("", None, _ALIGN[col], col == ObCol.PRICE, None, False, side)
        _, price, size = lvl
        own = (col == ObCol.ASK_SIZE and side == "ask") or (col == ObCol.BID_SIZE and side == "bid")
        colour = None
        if col == ObCol.PRICE or col == ObCol.CHANGE:
            rate = self._rate(price)
            colour = self._palette.change_colour(rate) if rate is not None else None
            text = format_price(price, self._quote) if col == ObCol.PRICE else format_change_rate(rate)
            return Cell(text, colour, _ALIGN[col], col == ObCol.PRICE, None, False, side)
        if not own:
            return Cell("", None, _ALIGN[col], False, None, False, side)
        frac = size / self._max_size if self._max_size > 0 else None
        flash = (side, price) in self._flash_until
        return Cell(format_size_compact(size), None, _ALIGN[col], False, frac, flash, side)

    @guarded("orderbook.data", display_text)
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, colours, depth fraction and flash state (views paint via :meth:`cell`)."""
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        c = self.cell(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return c.text
        if role == SIDE_ROLE:
            return c.side
        if role == DEPTH_ROLE:
            return c.frac
        if role == FLASH_ROLE:
            return c.flash
        if role == Qt.ItemDataRole.ForegroundRole:
            return c.colour
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return c.align
        if role == Qt.ItemDataRole.FontRole and c.bold:
            return self._bold
        return None

    def _rate(self, price: float) -> float | None:
        if not self._prev_close:
            return None
        return price / self._prev_close - 1.0

    # -- summary figures ------------------------------------------------------------------
    def spread(self) -> tuple[float, float] | None:
        """``(spread, mid)`` from the best ask and bid, None when either side is empty."""
        if self._book is None or not self._book.orderbook_units:
            return None
        best = self._book.orderbook_units[0]
        if not best.ask_price or not best.bid_price:
            return None
        return best.ask_price - best.bid_price, (best.ask_price + best.bid_price) / 2.0

    def totals(self) -> tuple[float, float]:
        """Total ask and bid size over the snapshot's levels (as sent by Upbit)."""
        if self._book is None:
            return 0.0, 0.0
        return self._book.total_ask_size, self._book.total_bid_size

    def imbalance(self) -> float | None:
        """Bid share of the shown depth in [-1, 1]: +1 all bids, -1 all asks."""
        if self._book is None:
            return None
        units = self._book.orderbook_units[: self._depth]
        a = sum(u.ask_size for u in units)
        b = sum(u.bid_size for u in units)
        return None if a + b <= 0 else (b - a) / (a + b)
