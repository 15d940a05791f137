"""The coin list's domestic spread column: this coin on the other Korean venue, in percent.

:class:`DomesticColumn` appends one sortable column to whatever model the coin list's filter proxy
reads (after the kimchi premium columns when those are installed). Its numbers come from
:class:`~upbit_monitor.features.premium.domestic.DomesticSpread` seen from the venue the Markets dock
shows: on Upbit the header says "Bithumb %" (Bithumb's price over Upbit's), on Bithumb "Upbit %".
The column hides while no coin has fresh prices on both venues (the 15 s rule of the premium).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QStyledItemDelegate

from upbit_monitor.features.premium.domestic import DomesticSpread
from upbit_monitor.features.venues.source import LABELS
from upbit_monitor.ui.coin_list.columns import DOMESTIC_COLUMN
from upbit_monitor.ui.coin_list.model import CODE_ROLE, SORT_ROLE
from upbit_monitor.ui.common.appended_columns import AppendedColumns, Index
from upbit_monitor.ui.common.theme import Palette


class DomesticColumn(AppendedColumns):
    """One appended "<other venue> %" column (see the module docstring)."""

    def __init__(self, spread: DomesticSpread, venue: Callable[[], str], palette: Palette | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spread = spread
        self._venue = venue
        self._palette = palette
        self.available = False
        self._seen = -1

    @property
    def column(self) -> int:
        """Index of the appended column."""
        return self.first_extra

    def other_label(self) -> str:
        """The venue the column compares with."""
        first, second = self.spread.venues
        return LABELS.get(second if self._venue() == first else first, "other")

    def value(self, code: str) -> float | None:
        """The spread of ``code`` seen from the shown venue (percent), None while stale."""
        return self.spread.spread(code, self._venue())

    def sort_keys(self, col: int) -> list[tuple[bool, Any, str]]:
        """``(favourite, key, code)`` per row: the list proxy's fast sort path."""
        src: Any = self.sourceModel()
        keys: list[tuple[bool, Any, str]] = src.sort_keys(col if col < self.column else 0)
        if col < self.column:
            return keys
        out: list[tuple[bool, Any, str]] = []
        for fav, _, code in keys:
            value = self.value(code)
            out.append((fav, float("-inf") if value is None else value, code))
        return out

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The appended column's title names the other venue."""
        if orientation == Qt.Orientation.Horizontal and section == self.column:
            other = self.other_label()
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{other} %"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Domestic spread: {other}'s price / this venue's price - 1 (hidden while stale)"
            return None
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Spread cells; other columns pass through."""
        if not index.isValid() or index.column() != self.column:
            return super().data(index, role)
        head, code = self.row_code(index, CODE_ROLE)
        value = self.value(code) if isinstance(code, str) else None
        if role == Qt.ItemDataRole.DisplayRole:
            return "-" if value is None else f"{value:+.2f}%"
        if role == SORT_ROLE:
            return float("-inf") if value is None else value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if self._palette is None or value is None else self._palette.change_colour(value)
        return self.sourceModel().data(head, role)

    def refresh(self) -> None:
        """Timer tick: repaint the column when prices arrived; track whether it can be shown."""
        self.available = self.spread.has_fresh()
        if self.spread.version == self._seen:
            return
        self._seen = self.spread.version
        self._repaints += 1
        self.emit_extra_changed()


def install_domestic(coin_list: Any, spread: DomesticSpread, venue: Callable[[], str],
                     palette: Palette | None = None) -> DomesticColumn:
    """Put a :class:`DomesticColumn` between the coin list's models and its filter proxy.

    The spread follows the list's KRW codes; the column hides while it has nothing fresh.
    """
    column = DomesticColumn(spread, venue, palette, coin_list)
    column.setSourceModel(coin_list.proxy.sourceModel())
    coin_list.proxy.setSourceModel(column)
    table = coin_list.table
    table.setItemDelegateForColumn(column.column, QStyledItemDelegate(table))

    def follow(*_: object) -> None:
        spread.set_codes(coin_list.model.codes("KRW"))

    # The list's column fitter shows it (user's choice, fresh prices on both venues, room) and sizes it.
    coin_list.columns.add(replace(DOMESTIC_COLUMN, col=column.column, available=lambda: column.available))
    shown = [column.available]

    def show() -> None:
        if column.available != shown[0]:  # the fitter runs only when the data came or went
            shown[0] = column.available
            coin_list.fit_columns()

    column._timer.timeout.connect(show)
    coin_list.markets_loaded.connect(follow)
    follow()
    return column
