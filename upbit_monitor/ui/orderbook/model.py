"""Ladder model of one orderbook: asks above bids, depth bars, cumulative depth and size flashes.

Rows ``0 .. depth-1`` are asks from the worst (top) to the best (just above the middle); rows
``depth .. 2*depth-1`` are bids from the best down. Columns: ask size | price | change % | bid size.
The row count is fixed at ``2*depth`` (empty levels show blanks), so a new snapshot only ever emits
``dataChanged``: the view never re-lays out while prices move. Levels may be grouped into tick
multiples (features/orderbook/levels.py); each carries its cumulative size from the best price.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from enum import IntEnum
from typing import Any, NamedTuple

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from upbit_monitor.features.orderbook.flashes import FLASH_S, Key, SizeFlashes
from upbit_monitor.features.orderbook.levels import Level, cum_scale, grouped_levels
from upbit_monitor.protocol.events import Orderbook
from upbit_monitor.ui.common.display_guard import PLACEHOLDER, display_text, guarded
from upbit_monitor.ui.common.formatting import (
    format_change_rate,
    format_price,
    format_size_compact,
    format_traded_value,
    quote_of,
)
from upbit_monitor.ui.common.table_model import FixedColumnsModel
from upbit_monitor.ui.common.theme import Palette

Index = QModelIndex | QPersistentModelIndex

DEPTH_ROLE = int(Qt.ItemDataRole.UserRole) + 10  # 0..1 fraction of the biggest visible size
SIDE_ROLE = int(Qt.ItemDataRole.UserRole) + 11  # "ask" / "bid"
FLASH_ROLE = int(Qt.ItemDataRole.UserRole) + 12  # 0..1 strength of a changed-size flash (fades)

__all__ = ["FLASH_S", "Cell", "ObCol", "OrderbookModel"]


class Cell(NamedTuple):
    """Paint data of one ladder cell."""

    text: str
    colour: QColor | None
    align: int
    bold: bool
    frac: float | None  # depth bar length 0..1 (own-side size cells only)
    flash: float  # 0 = none, 1 = just changed, fading to 0 over FLASH_S
    side: str  # "ask" / "bid"
    cum: float | None = None  # cumulative depth bar 0..1 (own-side size cells only)


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
        self._group = 1
        self._book: Orderbook | None = None
        self._quote = "KRW"
        self._prev_close: float | None = None
        self._asks: list[Level] = []  # best first, at most depth
        self._bids: list[Level] = []
        self._max_size = 0.0
        self._max_cum = 0.0
        self._flashes = SizeFlashes()
        self._now = 0.0  # the time flashes are drawn for (last snapshot or frame tick)
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
            self._flashes.clear()
            self._rebuild()
            self.endResetModel()

    @property
    def group(self) -> int:
        """Price grouping in ticks (1 = native levels)."""
        return self._group

    def set_group(self, group: int) -> None:
        """Aggregate levels into buckets of ``group`` ticks (1 = off); rows keep their count."""
        group = max(1, int(group))
        if group != self._group:
            self._group = group
            self._flashes.clear()  # another grid: sizes are not comparable with the last one
            self._rebuild()
            self._emit_all()

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
        self._flashes.clear()
        self._rebuild()
        self._emit_all()

    def _adopt_after_fault(self, book: Orderbook, now: float | None = None) -> None:
        """A snapshot whose values broke the diffing: show it whole, cells guard their own text."""
        self._book = book
        self._quote = book.code.partition("-")[0] if isinstance(book.code, str) else "KRW"
        self._flashes.clear()
        # The levels as sent, without arithmetic (that is what failed): no bars, and each cell
        # shows its value or a placeholder on its own.
        units = book.orderbook_units[: self._depth] if isinstance(book.orderbook_units, tuple | list) else ()
        self._asks = [Level(u.ask_price, u.ask_size, 0.0) for u in units if u.ask_price]
        self._bids = [Level(u.bid_price, u.bid_size, 0.0) for u in units if u.bid_price]
        self._max_size = self._max_cum = 0.0
        self._emit_all()

    def _rebuild(self) -> None:
        """Levels, bar scales from the book (no signals)."""
        if self._book is None:
            self._asks, self._bids = [], []
        else:
            self._asks, self._bids = grouped_levels(
                self._book.code, self._book.orderbook_units, self._depth, self._group
            )
        self._max_size = max((lv.size for lv in self._levels()), default=0.0)
        self._max_cum = cum_scale(self._max_cum, max(self._asks[-1].cum if self._asks else 0.0,
                                                      self._bids[-1].cum if self._bids else 0.0))

    def _levels(self) -> Iterator[Level]:
        yield from self._asks
        yield from self._bids

    def _row_keys(self) -> Iterator[tuple[Key, float]]:
        for lv in self._asks:
            yield ("ask", lv.price), lv.size
        for lv in self._bids:
            yield ("bid", lv.price), lv.size

    @guarded("orderbook.set_book", _adopt_after_fault)
    def set_book(self, book: Orderbook, now: float | None = None) -> None:
        """Show a new snapshot; sizes that changed at an unchanged price flash briefly."""
        now = time.monotonic() if now is None else now
        self._now = now
        same_market = self._book is not None and self._book.code == book.code
        before = [self.level_at(r) for r in range(2 * self._depth)] if same_market else None
        ended = self._flashes.expire(now) | self._flashes.active()  # those may give way below
        old_scale = (self._max_size, self._max_cum)
        self._book = book
        self._quote = quote_of(book.code)
        self._rebuild()
        started = self._flashes.update(self._row_keys(), now, compare=same_market, scale=self._max_size)
        if before is None:
            self._emit_all()
            return
        # Repaint only the cells that changed: a level whose price moved repaints its whole row;
        # a size (or cumulative size) change at the same price only its own size cell, and so do
        # flashes starting, fading and ending. A new bar scale changes every bar, but still only
        # the size columns.
        rows: set[int] = set()
        cells: set[tuple[int, int]] = set()
        marked = started | ended | self._flashes.active()
        for r in range(2 * self._depth):
            was, lvl = before[r], self.level_at(r)
            if was == lvl:
                side = "ask" if r < self._depth else "bid"
                if lvl is not None and (side, lvl.price) in marked:
                    cells.add((r, _own_col(r, self._depth)))
                continue
            if was is None or lvl is None or was.price != lvl.price:
                rows.add(r)
            else:
                cells.add((r, _own_col(r, self._depth)))
        if old_scale != (self._max_size, self._max_cum):
            cells.update((r, _own_col(r, self._depth)) for r in range(2 * self._depth))
        self._emit_cells(rows, cells)

    @guarded("orderbook.flashes", lambda *_a, **_k: False)
    def expire_flashes(self, now: float | None = None) -> bool:
        """Frame tick without a new snapshot: fade the flashing cells, drop the finished ones.

        Returns True when any cell was repainted.
        """
        now = time.monotonic() if now is None else now
        self._now = now
        marked = self._flashes.expire(now) | self._flashes.active()
        if not marked:
            return False
        cells = set()
        for r in range(2 * self._depth):
            lvl = self.level(r)
            if lvl is not None and (lvl[0], lvl[1]) in marked:
                cells.add((r, _own_col(r, self._depth)))
        self._emit_cells(set(), cells)
        return bool(cells)

    def flashing(self) -> set[Key]:
        """(side, price) of the sizes flashing now."""
        return self._flashes.active()

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

    def repaint(self) -> None:
        """Re-emit every cell (after a colour-scheme switch)."""
        self._emit_all()

    def _emit_all(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, N_OBCOLS - 1))

    # -- level access ---------------------------------------------------------------------
    def level_at(self, row: int) -> Level | None:
        """The (possibly grouped) level shown on a row, or None for an empty row."""
        if row < 0:
            return None
        if row < self._depth:
            i = self._depth - 1 - row
            return self._asks[i] if i < len(self._asks) else None
        i = row - self._depth
        return self._bids[i] if i < len(self._bids) else None

    def level(self, row: int) -> tuple[str, float, float] | None:
        """``(side, price, size)`` shown on a row, or None for an empty level."""
        lv = self.level_at(row)
        if lv is None:
            return None
        return ("ask" if row < self._depth else "bid", lv.price, lv.size)

    # -- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Fixed ``2*depth`` rows."""
        return 0 if parent.isValid() else 2 * self._depth

    def _placeholder_cell(self, row: int, col: int) -> Cell:
        side = "ask" if row < self._depth else "bid"
        return Cell(PLACEHOLDER, None, _ALIGN[col], False, None, 0.0, side)

    @guarded("orderbook.cell", _placeholder_cell)
    def cell(self, row: int, col: int) -> Cell:
        """Everything needed to paint one cell, computed once (the delegate's fast path)."""
        side = "ask" if row < self._depth else "bid"
        lv = self.level_at(row)
        if lv is None:
            return Cell("", None, _ALIGN[col], col == ObCol.PRICE, None, 0.0, side)
        if col == ObCol.PRICE or col == ObCol.CHANGE:
            rate = self._rate(lv.price)
            colour = self._palette.change_colour(rate) if rate is not None else None
            text = format_price(lv.price, self._quote) if col == ObCol.PRICE else format_change_rate(rate)
            return Cell(text, colour, _ALIGN[col], col == ObCol.PRICE, None, 0.0, side)
        if col != _own_col(row, self._depth):
            return Cell("", None, _ALIGN[col], False, None, 0.0, side)
        frac = lv.size / self._max_size if self._max_size > 0 else None
        cum = lv.cum / self._max_cum if self._max_cum > 0 else None
        flash = self._flashes.strength((side, lv.price), self._now)
        return Cell(format_size_compact(lv.size), None, _ALIGN[col], False, frac, flash, side, cum)

    def _tooltip(self, row: int) -> str:
        lv = self.level_at(row)
        if lv is None:
            return ""
        value = lv.cum * lv.price
        return (f"{format_price(lv.price, self._quote)}: {format_size_compact(lv.size)}\n"
                f"Cumulative from the best price: {format_size_compact(lv.cum)} "
                f"(≈ {format_traded_value(value, self._quote)} {self._quote})")

    @guarded("orderbook.data", display_text)
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, colours, depth fraction and flash state (views paint via :meth:`cell`)."""
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(index.row()) or None
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
        a = self._asks[-1].cum if self._asks else 0.0
        b = self._bids[-1].cum if self._bids else 0.0
        return None if a + b <= 0 else (b - a) / (a + b)
