"""Which coin-list columns are shown, and how wide: the user's choice, the data, then the room.

Three rules, in this order, decide a column:

1. the user's choice (header right-click menu, View menu), remembered by a stable key, not by the
   column's position: feature columns (premium, domestic spread) are appended after the window restores
   its settings, and a header state saved with another set of columns restored the wrong flags (the
   optional Warn column came back after every restart);
2. the feature has data to show (the premium hides while no foreign quote is fresh);
3. the room: numeric columns are exactly as wide as their widest text, and when the dock is too narrow
   for all of them the least important ones hide (then come back), so digits are never clipped
   ("+10.1…", "75.362 …"). A column marked ``kept`` (the change %: a trader reads price and change
   first) never hides for room; the name column gives up width for it instead.

The name column takes what is left (``reserve`` when there is room, down to a floor when not).

A wanted feature column without data yet keeps its room (:attr:`ColumnFit.reserved`, left empty at
the right end, where the feature column shows when its data comes), and so does one announced with
:meth:`ColumnFit.expect` before its feature attached: when the quotes arrive it takes that room, and
the columns a trader is already reading neither narrow nor swap (they did once, a few seconds after
start: the premium pushed the name column aside, or replaced the domestic spread column).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QMenu, QTableView, QWidget

from upbit_monitor.ui.coin_list.model import CoinListModel, Col
from upbit_monitor.ui.common.formatting import display_code

# Room around a cell's text: the delegate's 6 + 5 px insets plus a pixel so columns do not touch.
CELL_PADDING = 12
# The header's section padding (QSS "padding: 3px 5px") and its border; the sorted column's arrow more.
HEADER_PADDING = 14
SORT_ARROW = 14


@dataclass
class ColumnSpec:
    """One column the fitter manages."""

    col: int
    key: str  # stable settings key
    title: str
    priority: int  # hidden first when narrow: lower goes first; never hidden when ``required``
    sample: Callable[[], str]  # the widest text the column shows now
    default_on: bool = True
    required: bool = False
    kept: bool = False  # never hidden for lack of room (the user may still hide it)
    bold: bool = False
    available: Callable[[], bool] = field(default=lambda: True)
    fixed_width: int = 0  # icon-like columns (the star) keep one width
    # A late feature column: each time its data comes it shows at the right end, where its room
    # was kept, so a feature column whose quotes came first (the spread) does not move aside.
    appended: bool = False


class ColumnFit(QObject):
    """Shows, hides and sizes the managed columns of one table (see the module docstring)."""

    prefs_changed = Signal()  # the user's choices changed: the window saves them

    def __init__(self, table: QTableView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table = table
        self._specs: dict[int, ColumnSpec] = {}
        self._prefs: dict[str, bool] = {}  # the user's choices, also for columns not added yet
        self._shown: dict[int, bool] = {}
        self._widths: dict[int, int] = {}
        self.auto_hidden: list[str] = []  # keys hidden for lack of room at the last fit
        # Unmanaged columns' minimum widths (the name column's), used instead of their current size.
        self.reserve: dict[int, int] = {}
        self._expected: dict[str, ColumnSpec] = {}  # feature columns announced, not added yet
        self.reserved = 0  # px kept empty for wanted columns without data yet (see the docstring)
        self._pending_sort: tuple[str, str] | None = None

    # -- columns and choices ------------------------------------------------------------------
    def add(self, spec: ColumnSpec) -> None:
        """Manage one more column (features append theirs after the list exists)."""
        self._specs[spec.col] = spec
        self.fit()
        self._apply_pending_sort()

    def expect(self, *specs: ColumnSpec) -> None:
        """Keep room for feature columns that are added later (their ``col`` is not used)."""
        self._expected.update((spec.key, spec) for spec in specs)
        self.fit()

    def release_expected(self) -> list[str]:
        """Every feature attached: drop the room of announced columns never added; their keys."""
        added = {spec.key for spec in self._specs.values()}
        left = [key for key in self._expected if key not in added]
        self._expected.clear()
        self.fit()
        return left

    def specs(self) -> list[ColumnSpec]:
        """Managed columns in column order."""
        return [self._specs[c] for c in sorted(self._specs)]

    def wanted(self, key: str) -> bool:
        """The user's choice for ``key`` (the column's default until chosen)."""
        spec = next((s for s in self._specs.values() if s.key == key), None)
        default = spec.default_on if spec is not None else True
        return self._prefs.get(key, default) or (spec is not None and spec.required)

    def set_wanted(self, key: str, on: bool) -> None:
        """Show or hide a column by the user's choice (remembered)."""
        if self._prefs.get(key) == on:
            return
        self._prefs[key] = on
        self.fit()
        self.prefs_changed.emit()

    def prefs(self) -> dict[str, bool]:
        """The user's choices, for the settings file."""
        return dict(self._prefs)

    def restore(self, prefs: Mapping[str, object]) -> None:
        """Take choices saved by :meth:`prefs` (unknown keys are kept for columns added later)."""
        self._prefs.update({str(k): bool(v) for k, v in prefs.items() if isinstance(v, bool)})
        self.fit()

    def title(self, spec: ColumnSpec) -> str:
        """The column's header text now (a feature's title may change, e.g. with the venue)."""
        model = self._table.model()
        if spec.col < 0:  # announced, not added yet (expect)
            return spec.title
        text = model.headerData(spec.col, Qt.Orientation.Horizontal) if model is not None else None
        return str(text) if text else spec.title

    # -- fitting --------------------------------------------------------------------------------
    def width_of(self, spec: ColumnSpec) -> int:
        """The width the column needs for its header and its widest text."""
        if spec.fixed_width:
            return spec.fixed_width
        font = QFont(self._table.font())
        font.setBold(spec.bold)
        text = QFontMetrics(font).horizontalAdvance(spec.sample()) + CELL_PADDING
        header = self._table.horizontalHeader()
        title = QFontMetrics(header.font()).horizontalAdvance(self.title(spec)) + HEADER_PADDING
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == spec.col:
            title += SORT_ARROW
        return max(text, title)

    def fit(self, room: int | None = None) -> bool:
        """Apply the three rules; True when a column was shown, hidden or resized.

        ``room`` is the width for the managed columns (default: the viewport minus what the other
        columns need); a table that is not on screen has no meaningful width, so only the first
        two rules apply to it.
        """
        table = self._table
        want = {c: self.wanted(s.key) and s.available() for c, s in self._specs.items()}
        widths = {c: self.width_of(s) for c, s in self._specs.items() if want[c]}
        # Wanted, but no data yet (or not added yet): compete for room like shown columns; the ones
        # that would be shown keep their width empty (keyed by settings key: they have no column).
        added = {s.key for s in self._specs.values()}
        waiting = [s for s in self._specs.values() if self.wanted(s.key) and not s.available()]
        waiting += [s for k, s in self._expected.items()
                    if k not in added and self._prefs.get(k, s.default_on)]
        held = {s.key: self.width_of(s) for s in waiting}
        self.auto_hidden = []
        if room is None and table.isVisible():
            room = self._room()
        if room is not None:
            candidates = [*(s for c, s in self._specs.items() if want[c]), *waiting]
            droppable = sorted((s for s in candidates if not s.required and not s.kept),
                               key=lambda s: s.priority)
            while sum(widths.values()) + sum(held.values()) > room and droppable:
                spec = droppable.pop(0)
                if held.pop(spec.key, None) is None:
                    want[spec.col] = False
                    widths.pop(spec.col)
                self.auto_hidden.append(spec.key)
        changed = self.reserved != sum(held.values())
        self.reserved = sum(held.values())
        for col, on in want.items():
            if self._shown.get(col) != on or table.isColumnHidden(col) == on:
                header = table.horizontalHeader()
                if on and self._specs[col].appended and header.visualIndex(col) != header.count() - 1:
                    header.moveSection(header.visualIndex(col), header.count() - 1)
                table.setColumnHidden(col, not on)
                self._shown[col] = on
                changed = True
            width = widths.get(col)
            if width is not None and table.columnWidth(col) != width:
                table.setColumnWidth(col, width)
                changed = True
        return changed

    def _room(self) -> int:
        """The viewport's width minus the unmanaged visible columns' minimum (the name column)."""
        header = self._table.horizontalHeader()
        others = sum(
            self.reserve.get(i, header.sectionSize(i))
            for i in range(header.count())
            if i not in self._specs and not header.isSectionHidden(i)
        )
        return max(0, self._table.viewport().width() - others)

    # -- the header's right-click menu -----------------------------------------------------------
    def header_menu(self, parent: QWidget) -> QMenu:
        """One checkable entry per optional column; says why a wanted column is not shown."""
        menu = QMenu(parent)
        for spec in self.specs():
            if spec.required:
                continue
            title = self.title(spec)
            if self.wanted(spec.key) and not spec.available():
                title += "  (no data yet)"
            elif spec.key in self.auto_hidden:
                title += "  (no room: widen the list)"
            act = menu.addAction(title)
            act.setCheckable(True)
            act.setChecked(self.wanted(spec.key))
            act.toggled.connect(lambda on, key=spec.key: self.set_wanted(key, on))
        return menu

    # -- sort order by key ------------------------------------------------------------------------
    def sort_state(self) -> str:
        """``"<key> <asc|desc>"`` of the table's sort, for the settings file."""
        header = self._table.horizontalHeader()
        spec = self._specs.get(header.sortIndicatorSection())
        if spec is None:
            return ""
        ascending = header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
        return f"{spec.key} {'asc' if ascending else 'desc'}"

    def restore_sort(self, state: object) -> None:
        """Sort as :meth:`sort_state` said; a feature column's sort waits until it is added."""
        key, _, order = str(state or "").partition(" ")
        self._pending_sort = (key, order) if key else None
        self._apply_pending_sort()

    def _apply_pending_sort(self) -> None:
        if self._pending_sort is None:
            return
        key, order = self._pending_sort
        spec = next((s for s in self._specs.values() if s.key == key), None)
        if spec is not None:
            self._pending_sort = None
            asc = Qt.SortOrder.AscendingOrder if order == "asc" else Qt.SortOrder.DescendingOrder
            self._table.sortByColumn(spec.col, asc)


# The feature columns the composition root attaches after the first paint (ui/premium): announced
# with ColumnFit.expect at start, added with their column and data test by the feature.
KRW_PRICE_COLUMN = ColumnSpec(-1, "premium_krw", "Binance ₩", 2, lambda: "999,999,999", default_on=False,
                              appended=True)
PREMIUM_COLUMN = ColumnSpec(-1, "premium", "Premium", 4, lambda: "+99.99%", appended=True)
DOMESTIC_COLUMN = ColumnSpec(-1, "domestic", "Bithumb %", 3, lambda: "+99.99%", appended=True)
FEATURE_COLUMNS = (KRW_PRICE_COLUMN, PREMIUM_COLUMN, DOMESTIC_COLUMN)


def builtin_specs(model: CoinListModel, quote: Callable[[], str]) -> list[ColumnSpec]:
    """The coin list model's own columns: star, price (required); change (kept), value, code, warn.

    Samples are the longest text seen so far on the shown quote's markets (so a column grows once and
    does not twitch with every ticker), and at least a typical one before tickers arrive.
    """
    longest: dict[tuple[int, str], str] = {}

    def sample(col: int, floor: str) -> Callable[[], str]:
        def widest() -> str:
            key = (col, quote())
            now = model.widest(col, key[1])
            best = max((longest.get(key, floor), now), key=len)
            longest[key] = best
            return best
        return widest

    def codes() -> str:
        return max((display_code(c) for c in model.codes(quote())), key=len, default="BTC/KRW")

    return [
        ColumnSpec(Col.FAV, "star", "★", 99, lambda: "★", required=True, fixed_width=24),
        ColumnSpec(Col.PRICE, "price", "Price", 99, sample(Col.PRICE, "99,999"), required=True, bold=True),
        ColumnSpec(Col.CHANGE, "change", "Change", 6, sample(Col.CHANGE, "+99.99%"), kept=True),
        ColumnSpec(Col.VALUE, "value", "Value 24h", 5, sample(Col.VALUE, "9,999억")),
        ColumnSpec(Col.CODE, "code", "Market", 1, codes, default_on=False),
        ColumnSpec(Col.WARN, "warn", "Warn", 0, lambda: "유의", default_on=False, fixed_width=46),
    ]
