"""Kimchi premium columns of the coin list (see :mod:`upbit_monitor.features.premium.tracker` for the data).

* :class:`PremiumColumns` is an identity proxy that appends "Binance ₩" and "Premium" columns to the
  coin list model (sortable through the list's numeric sort role and its ``sort_keys`` fast path).
* :func:`install_premium` wires it and a :class:`PremiumTracker` into a ``CoinList`` without touching
  its code: the proxy goes between the list's model and its filter proxy, the columns hide while no
  primary quote is fresh.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QStyledItemDelegate

from upbit_monitor.features.premium.tracker import (
    HISTORY_POINTS,
    HISTORY_SERIES,
    VENUE_CONNECTIONS,
    VENUE_LABELS,
    PremiumSource,
    PremiumTracker,
)
from upbit_monitor.ui.coin_list.columns import KRW_PRICE_COLUMN, PREMIUM_COLUMN
from upbit_monitor.ui.coin_list.model import CODE_ROLE, FAVOURITE_ROLE, SORT_ROLE
from upbit_monitor.ui.common.appended_columns import AppendedColumns, Index
from upbit_monitor.ui.common.formatting import format_price
from upbit_monitor.ui.common.theme import Palette

__all__ = [
    "HISTORY_POINTS",
    "HISTORY_SERIES",
    "VENUE_CONNECTIONS",
    "VENUE_LABELS",
    "PremiumColumns",
    "PremiumSource",
    "PremiumTracker",
    "format_premium",
    "install_premium",
]


KRW_PRICE_KEY = KRW_PRICE_COLUMN.key  # the coin list's settings key of the "<venue> ₩" column


def format_premium(value: float | None) -> str:
    """A premium fraction as signed percent: ``0.0253`` -> ``"+2.53%"``; None -> ``"-"``."""
    return "-" if value is None else f"{value * 100:+.2f}%"


class PremiumColumns(AppendedColumns):
    """Appends "<venue> ₩" (foreign price in KRW) and "Premium" columns to a coin list model.

    The source model must provide ``CODE_ROLE`` on column 0 (the coin list model does). The extra
    columns answer the display, numeric sort (``SORT_ROLE``), colour, alignment and tooltip roles;
    every other role (code, favourite, search...) is taken from column 0 of the same row, so the
    list's filter proxy and favourite pinning keep working on them.
    """

    availability_changed = Signal(bool)  # True when the primary venue has fresh quotes
    visibility_changed = Signal()  # the KRW price column was switched on or off

    EXTRA = 2

    def __init__(
        self, tracker: PremiumTracker, palette: Palette | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.tracker = tracker
        self._palette = palette
        self._available = False
        self._seen_version = -1
        # The list dock is narrow: the foreign price in KRW is opt-in (View menu); the premium
        # tooltip shows it anyway.
        self.krw_price_visible = False

    def set_krw_price_visible(self, on: bool) -> None:
        """Show or hide the "<venue> ₩" column (it still hides while no quote is fresh)."""
        if on != self.krw_price_visible:
            self.krw_price_visible = on
            self.visibility_changed.emit()

    def sort_keys(self, col: int) -> list[tuple[bool, Any, str]]:
        """``(favourite, key, code)`` per row for one column: the coin list proxy's fast path."""
        src = self.sourceModel()
        if col < self.first_extra and hasattr(src, "sort_keys"):
            keys: list[tuple[bool, Any, str]] = src.sort_keys(col)
            return keys
        if hasattr(src, "sort_keys"):
            # One pass in Python (no per-cell data() round trips): ~10x cheaper for 200 rows.
            krw_column = col == self.first_extra
            fast: list[tuple[bool, Any, str]] = []
            for fav, _, code in src.sort_keys(0):
                value = self.tracker.premium(code)
                if value is None:
                    fast.append((fav, float("-inf"), code))
                else:
                    fast.append((fav, value.foreign_price_krw if krw_column else value.premium, code))
            return fast
        out: list[tuple[bool, Any, str]] = []
        for row in range(self.rowCount()):
            head = self.index(row, 0)
            key = self.index(row, col).data(SORT_ROLE)
            out.append((bool(head.data(FAVOURITE_ROLE)), key, str(head.data(CODE_ROLE))))
        return out

    @property
    def available(self) -> bool:
        """Whether the primary venue had fresh quotes at the last refresh."""
        return self._available

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Titles of the appended columns."""
        extra = section - self.first_extra
        if orientation == Qt.Orientation.Horizontal and 0 <= extra < self.EXTRA:
            venue = VENUE_LABELS.get(self.tracker.primary, self.tracker.primary)
            home = VENUE_LABELS.get(self.tracker.home, self.tracker.home)
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{venue} ₩" if extra == 0 else "Premium"
            if role == Qt.ItemDataRole.ToolTipRole:
                if extra == 0:
                    return f"{venue} USDT price x {home} KRW-USDT"
                return f"Kimchi premium: {home} KRW price / ({venue} USDT price x {home} KRW-USDT) - 1"
            return None
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Premium cells; other columns pass through."""
        if not index.isValid():
            return None
        extra = index.column() - self.first_extra
        if extra < 0:
            return super().data(index, role)
        row_head, code = self.row_code(index, CODE_ROLE)
        value = self.tracker.premium(code) if isinstance(code, str) else None
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return "-"
            if extra == 0:
                return format_price(value.foreign_price_krw, "KRW")
            return format_premium(value.premium)
        if role == SORT_ROLE:
            if value is None:
                return float("-inf")
            return float(value.foreign_price_krw if extra == 0 else value.premium)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._palette is None or value is None:
                return None
            return self._palette.change_colour(value.premium) if extra == 1 else self._palette.muted
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(code) if isinstance(code, str) else None
        return self.sourceModel().data(row_head, role)  # code, favourite, search...: the row's own values

    def tooltip(self, code: str) -> str:
        """Every venue's premium for ``code`` with the inputs it was computed from."""
        rate = self.tracker.usdt_krw()
        home = VENUE_LABELS.get(self.tracker.home, self.tracker.home)
        lines = [f"{code}: {home} KRW-USDT {format_price(rate, 'KRW') if rate else '-'}"]
        for venue in self.tracker.venues:
            value = self.tracker.premium(code, venue)
            label = VENUE_LABELS.get(venue, venue)
            if value is None:
                lines.append(f"{label}: no fresh quote")
            else:
                lines.append(
                    f"{label} {value.symbol} {value.foreign_price:,.8g} USDT = "
                    f"{format_price(value.foreign_price_krw, 'KRW')} KRW, premium "
                    f"{format_premium(value.premium)} (quote {value.quote_age_s:.1f} s old)"
                )
        return "\n".join(lines)

    def refresh(self) -> None:
        """Timer tick: repaint the premium columns if quotes arrived or freshness changed."""
        available = self.tracker.has_fresh()
        if available != self._available:
            self._available = available
            self.availability_changed.emit(available)
        if self.tracker.version == self._seen_version and not available:
            return
        self._seen_version = self.tracker.version
        self._repaints += 1
        self.emit_extra_changed()


def install_premium(
    coin_list: Any, tracker: PremiumTracker, palette: Palette | None = None
) -> PremiumColumns:
    """Put :class:`PremiumColumns` into a ``CoinList`` and keep the tracker following it.

    ``coin_list`` needs ``model`` (CoinListModel), ``proxy`` (its filter proxy), ``table``,
    ``shown_codes()``, ``selected_code`` and the ``coin_selected`` / ``markets_loaded`` signals,
    which :class:`upbit_monitor.ui.coin_list.view.CoinList` has. Returns the proxy.
    """
    columns = PremiumColumns(tracker, palette, coin_list)
    columns.setSourceModel(coin_list.model)
    coin_list.proxy.setSourceModel(columns)
    table = coin_list.table

    fit = coin_list.columns
    krw_col, premium_col = columns.first_extra, columns.first_extra + 1

    def show(*_: object) -> None:
        coin_list.fit_columns()

    def follow_codes(*_: object) -> None:
        tracker.set_codes(coin_list.model.codes("KRW"))

    # The list's own delegate paints straight from CoinListModel cells it knows; our columns get
    # the standard delegate (display text, colour and alignment roles from PremiumColumns.data).
    plain = QStyledItemDelegate(table)
    for col in (krw_col, premium_col):
        table.setItemDelegateForColumn(col, plain)
    # The list's column fitter shows them (user's choice, fresh quotes, room) and sizes them. The
    # KRW price is opt-in: the list dock is narrow and the premium tooltip shows it anyway.
    fit.add(replace(KRW_PRICE_COLUMN, col=krw_col, available=lambda: columns.available))
    fit.add(replace(PREMIUM_COLUMN, col=premium_col, available=lambda: columns.available))
    # One truth, the fitter's (remembered in the settings file); the proxy's flag and the View menu's
    # "<venue> price in KRW column" follow it, whichever of them the user clicked.
    columns.krw_price_visible = fit.wanted(KRW_PRICE_KEY)
    columns.visibility_changed.connect(lambda: fit.set_wanted(KRW_PRICE_KEY, columns.krw_price_visible))
    fit.prefs_changed.connect(lambda: columns.set_krw_price_visible(fit.wanted(KRW_PRICE_KEY)))
    show()
    # Appended at the right end, where the list kept their room from the start (ColumnFit.expect):
    # the columns left of them stay put when the quotes arrive (less important ones hide first anyway).
    columns.availability_changed.connect(show)
    columns.visibility_changed.connect(show)
    coin_list.markets_loaded.connect(follow_codes)
    coin_list.coin_selected.connect(tracker.set_selected)
    follow_codes()
    tracker.set_selected(coin_list.selected_code)
    return columns
