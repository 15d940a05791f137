"""Qt table model of the "My assets" panel: balances per currency, valued in KRW from live prices.

Fed by ``myAsset`` events (upbit-protocol.md section 3.6), which list only the currencies whose
balance *changed*: balances are merged by currency, a currency whose balance and locked amount both
reach zero is removed, and a full REST snapshot (``/v1/accounts``) can replace everything
(:meth:`MyAssetsModel.replace_all`). Valuation pulls live prices through a ``price_of(currency)``
callable (the manager's ticker pool) on the panel's timer; only changed cells are signalled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from upbit_monitor.protocol.events import AssetBalance, MyAsset
from upbit_monitor.ui.common.formatting import format_price, format_size
from upbit_monitor.ui.common.table_model import FixedColumnsModel, Index

PriceLookup = Callable[[str], float | None]
"""``price_of(currency) -> KRW price or None`` (``KRW`` itself is 1)."""

_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class AssetCol(IntEnum):
    """Columns of the assets table."""

    CURRENCY = 0
    BALANCE = 1
    LOCKED = 2
    PRICE = 3
    VALUE = 4


ASSET_HEADERS = ("Currency", "Balance", "Locked", "Price (KRW)", "Value (KRW)")


class MyAssetsModel(FixedColumnsModel):
    """Balances per currency, valued in KRW from live prices; sorted by value, largest first."""

    HEADERS = ASSET_HEADERS
    SELECTABLE = True

    def __init__(self, price_of: PriceLookup | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._price_of: PriceLookup = price_of or (lambda currency: 1.0 if currency == "KRW" else None)
        self._balances: dict[str, AssetBalance] = {}
        self._order: list[str] = []
        self._prices: dict[str, float | None] = {}
        self._last_timestamp = 0

    def set_price_lookup(self, price_of: PriceLookup) -> None:
        """Replace the price source and revalue."""
        self._price_of = price_of
        self.refresh_prices()

    def apply(self, event: MyAsset) -> None:
        """Merge the currencies of one ``myAsset`` event (older messages than the last are ignored)."""
        if event.asset_timestamp < self._last_timestamp:
            return
        self._last_timestamp = event.asset_timestamp
        for bal in event.assets:
            if bal.balance == 0 and bal.locked == 0:
                self._balances.pop(bal.currency, None)
            else:
                self._balances[bal.currency] = bal
        self._prices = {c: self._lookup(c) for c in self._balances}
        self.beginResetModel()
        self._order = self._sorted()
        self.endResetModel()

    def replace_all(self, balances: Sequence[AssetBalance], timestamp_ms: int) -> None:
        """Replace every balance with a full snapshot (REST ``/v1/accounts``) taken at ``timestamp_ms``;
        stream messages older than it are ignored afterwards."""
        self._balances = {b.currency: b for b in balances if b.balance != 0 or b.locked != 0}
        self._last_timestamp = max(self._last_timestamp, timestamp_ms)
        self._prices = {c: self._lookup(c) for c in self._balances}
        self.beginResetModel()
        self._order = self._sorted()
        self.endResetModel()

    def refresh_prices(self) -> bool:
        """Re-read live prices; emit ``dataChanged`` for the value cells that changed. True if any did."""
        changed = False
        for r, currency in enumerate(self._order):
            price = self._lookup(currency)
            if price != self._prices.get(currency):
                self._prices[currency] = price
                changed = True
                self.dataChanged.emit(self.index(r, AssetCol.PRICE), self.index(r, AssetCol.VALUE))
        return changed

    def clear(self) -> None:
        """Drop every balance."""
        self.beginResetModel()
        self._balances.clear()
        self._order.clear()
        self._prices.clear()
        self._last_timestamp = 0
        self.endResetModel()

    def balance(self, currency: str) -> AssetBalance | None:
        """The latest balance of ``currency``."""
        return self._balances.get(currency)

    def value_krw(self, currency: str) -> float | None:
        """(balance + locked) x live KRW price, or None without a price."""
        bal = self._balances.get(currency)
        price = self._prices.get(currency)
        if bal is None or price is None:
            return None
        return float(bal.balance + bal.locked) * price

    def total_krw(self) -> tuple[float, int]:
        """(sum of known values, number of currencies without a price)."""
        total, unpriced = 0.0, 0
        for currency in self._order:
            value = self.value_krw(currency)
            if value is None:
                unpriced += 1
            else:
                total += value
        return total, unpriced

    def _lookup(self, currency: str) -> float | None:
        if currency == "KRW":
            return 1.0
        try:
            return self._price_of(currency)
        except Exception:  # a price source hiccup must not break the table
            return None

    def _sorted(self) -> list[str]:
        def key(currency: str) -> tuple[float, str]:
            value = self.value_krw(currency)
            return (-(value if value is not None else -1.0), currency)

        return sorted(self._balances, key=key)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of currencies held."""
        return 0 if parent.isValid() else len(self._order)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text and alignment."""
        if not index.isValid() or not 0 <= index.row() < len(self._order):
            return None
        col = AssetCol(index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if col is not AssetCol.CURRENCY else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        currency = self._order[index.row()]
        bal = self._balances[currency]
        if col is AssetCol.CURRENCY:
            return currency
        if col is AssetCol.BALANCE:
            return format_size(float(bal.balance))
        if col is AssetCol.LOCKED:
            return format_size(float(bal.locked))
        if col is AssetCol.PRICE:
            return format_price(self._prices.get(currency))
        value = self.value_krw(currency)
        return "-" if value is None else f"{value:,.0f}"
