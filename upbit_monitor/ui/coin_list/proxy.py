"""Sort/filter proxy of the coin list: quote-currency toggle, text search, favourites pinned on top."""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from upbit_monitor.ui.coin_list.model import CODE_ROLE, NAMES_ROLE, SEARCH_ROLE, SORT_ROLE, Col
from upbit_monitor.ui.common.formatting import quote_of

Index = QModelIndex | QPersistentModelIndex


def match_rank(needle: str, names: object) -> int:
    """How well a market matches a search (lower = better): ranks order the rows while searching.

    0: the code or a whole name ("eth" -> ETH, not 이더리움클래식 / Ethereum Classic / Tether);
    1: the code starts with it; 2: a name or a word of the English name does; 3: it is inside.
    """
    if not isinstance(names, tuple) or len(names) != 3:
        return 3
    base, korean, english = names
    if needle in (base, korean, english):
        return 0
    if base.startswith(needle):
        return 1
    if korean.startswith(needle) or any(w.startswith(needle) for w in english.split()):
        return 2
    return 3


class CoinFilterProxy(QSortFilterProxyModel):
    """Filters by quote currency and a case-insensitive search over code and both names.

    Sorting uses the numeric :data:`SORT_ROLE`, so "1,234" sorts as a number, and favourites stay
    on top in both sort orders.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._quote = "KRW"
        self._needle = ""
        self._ranks: dict[str, int] = {}  # match rank per code while searching (filterAcceptsRow)
        self._keys: list[tuple[bool, Any, str]] | None = None
        self._keys_at: tuple[object, int] = (None, -1)
        self._ascending = True
        # (keys version, rank per source row) while one sort() runs: see sort().
        self._rank: tuple[tuple[object, int], list[int]] | None = None
        self.setSortRole(SORT_ROLE)
        # No dynamic sort: with it every ticker dataChanged re-sorts the moved rows and emits
        # layoutChanged, which repaints the whole list ~10 times a second. The owner calls
        # resort_if_needed() instead (CoinList: at most ~2 Hz), and rows are re-sorted only when
        # their order is really wrong; filtering depends on codes and names only, never on tickers.
        self.setDynamicSortFilter(False)

    @property
    def quote(self) -> str:
        """The quote currency shown (KRW, BTC or USDT)."""
        return self._quote

    def set_quote(self, quote: str) -> None:
        """Show only markets of this quote currency."""
        if quote != self._quote:
            self.beginFilterChange()
            self._quote = quote
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
            self.resort_if_needed()  # rows let back in are not placed by sort order without dynamic sort

    @property
    def search_text(self) -> str:
        """The current search needle."""
        return self._needle

    def set_search(self, text: str) -> None:
        """Filter rows to those whose code, Korean or English name contains ``text``."""
        needle = text.strip().casefold()
        if needle != self._needle:
            self.beginFilterChange()
            self._needle = needle
            self._ranks = {}
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
            self.resort_if_needed()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """Accept a market of the current quote matching the search text."""
        model = self.sourceModel()
        idx = model.index(source_row, 0, source_parent)
        code = model.data(idx, CODE_ROLE)
        if not isinstance(code, str) or quote_of(code) != self._quote:
            return False
        if not self._needle:
            return True
        hay = model.data(idx, SEARCH_ROLE)
        if not (isinstance(hay, str) and self._needle in hay):
            return False
        self._ranks[code] = match_rank(self._needle, model.data(idx, NAMES_ROLE))
        return True

    def _keys_for(self, col: int) -> list[tuple[bool, Any, str]]:
        model = self.sourceModel()
        version = getattr(model, "key_version", None)
        if self._keys is None or self._keys_at != (version, col) or version is None:
            # One pass over the source per change instead of several data() calls per comparison:
            # a 200-row re-sort makes ~1,500 comparisons, ten times a second.
            self._keys = model.sort_keys(col)  # type: ignore[attr-defined]
            self._keys_at = (version, col)
        return self._keys

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column. The order is computed once here in plain Python (cheap comparisons
        over ~200 rows); Qt's ~1,500 lessThan callbacks then only compare two ranks."""
        self._ascending = order == Qt.SortOrder.AscendingOrder
        self._rank = None
        if 0 <= column < self.columnCount() and self.sourceModel() is not None:
            keys = self._keys_for(column)
            less = self._less

            def cmp(a: int, b: int) -> int:
                return -1 if less(keys[a], keys[b]) else (1 if less(keys[b], keys[a]) else 0)

            ordered = sorted(range(len(keys)), key=cmp_to_key(cmp))
            rank = [0] * len(keys)
            for pos, row in enumerate(ordered):
                rank[row] = pos
            self._rank = (self._keys_at, rank)
        try:
            super().sort(column, order)
        finally:
            self._rank = None  # valid for this sort only: the keys move afterwards

    def lessThan(self, left: Index, right: Index) -> bool:
        """Favourites first (whatever the order), then by the column's sort key, then by code."""
        ranked = self._rank
        if ranked is not None and ranked[0] == self._keys_at:
            rank = ranked[1]
            return rank[left.row()] < rank[right.row()]
        keys = self._keys_for(left.column())
        return self._less(keys[left.row()], keys[right.row()])

    def _less(self, left: tuple[bool, Any, str], right: tuple[bool, Any, str]) -> bool:
        lf, a, ca = left
        rf, b, cb = right
        ascending = self._ascending
        if self._ranks:
            # While searching the best match leads in either order (Qt reverses the comparison for
            # a descending sort, so the better side flips with it), even above favourites.
            ra, rb = self._ranks.get(ca, 3), self._ranks.get(cb, 3)
            if ra != rb:
                return ra < rb if ascending else ra > rb
        if lf != rf:
            # Qt reverses the comparison for a descending sort, so the pinned side flips with it.
            return lf if ascending else rf
        if a == b:
            # Stable, deterministic tie-break: market code ascending in both orders.
            return ca < cb if ascending else ca > cb
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)

    def order_is_stale(self) -> bool:
        """True when the shown rows are no longer in sort order (keys moved since the last sort)."""
        col = self.sortColumn()
        rows = self.rowCount()
        if col < 0 or rows < 2:
            return False
        keys = self._keys_for(col)
        less, ascending = self._less, self._ascending
        prev = keys[self.mapToSource(self.index(0, col)).row()]
        for r in range(1, rows):
            cur = keys[self.mapToSource(self.index(r, col)).row()]
            # Ascending: no row may sort before its predecessor; descending: none after it.
            if less(cur, prev) if ascending else less(prev, cur):
                return True
            prev = cur
        return False

    def resort_if_needed(self) -> bool:
        """Re-sort when the order went stale; True if it did (one layoutChanged, full repaint)."""
        if not self.order_is_stale():
            return False
        self.sort(self.sortColumn(), self.sortOrder())
        return True

    def code_at(self, proxy_row: int) -> str | None:
        """Market code shown on a proxy row."""
        idx = self.index(proxy_row, Col.CODE)
        code = self.data(idx, CODE_ROLE)
        return code if isinstance(code, str) else None

    def row_of(self, code: str) -> int:
        """Proxy row of a code, or -1 when it is filtered out."""
        for r in range(self.rowCount()):
            if self.code_at(r) == code:
                return r
        return -1
