"""Qt table models of the "My orders" panel: orders (one row per uuid) and recent fills.

Fed by ``myOrder`` events (upbit-protocol.md section 3.5). One Upbit fact shapes them:

on a ``myOrder`` message with ``state == "trade"``, ``price`` and ``volume`` are the *fill's* price and
volume, not the order's. The order row therefore keeps the order price/volume it saw before and takes only
the progress fields (executed, remaining, state) from a trade message, while the fills model takes exactly
those fields.

Orders change rarely (human trading speed), so the orders model simply resets when the row order changes
and emits ``dataChanged`` otherwise. The assets model lives in
:mod:`upbit_monitor.ui.private.assets_model` (re-exported here).
"""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from functools import cache
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from upbit_monitor.exchanges.order_state import OrderState, map_upbit_state
from upbit_monitor.protocol.events import MyOrder
from upbit_monitor.ui.common.formatting import (
    display_code,
    format_price,
    format_size,
    format_time_kst,
    quote_of,
)
from upbit_monitor.ui.common.table_model import FixedColumnsModel, Index
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.private.assets_model import ASSET_HEADERS, AssetCol, MyAssetsModel, PriceLookup

__all__ = [
    "ASSET_HEADERS",
    "ORDER_HEADERS",
    "AssetCol",
    "FillRow",
    "MyAssetsModel",
    "MyFillsModel",
    "MyOrdersModel",
    "OrderCol",
    "OrderRow",
    "PriceLookup",
]


_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_SIDE = {"BID": "Buy", "ASK": "Sell"}
_ORDER_TYPE = {"limit": "Limit", "price": "Market buy", "market": "Market sell", "best": "Best"}


@cache
def _bold() -> QFont:
    """Made on first use: a QFont needs the QGuiApplication to exist."""
    font = QFont()
    font.setBold(True)
    return font


def _f(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _dec(value: Decimal | None) -> str:
    return format_size(_f(value))


class OrderCol(IntEnum):
    """Columns of the orders table (and, minus STATE, of the fills table)."""

    TIME = 0
    MARKET = 1
    SIDE = 2
    TYPE = 3
    PRICE = 4
    VOLUME = 5
    EXECUTED = 6
    STATE = 7


ORDER_HEADERS = ("Time", "Market", "Side", "Type", "Price", "Volume", "Executed", "State")
_NUMERIC_ORDER_COLS = frozenset({OrderCol.PRICE, OrderCol.VOLUME, OrderCol.EXECUTED})


class OrderRow:
    """The merged view of one order: order price/volume from non-fill messages, progress from all."""

    __slots__ = ("event", "executed", "first_seen", "price", "remaining", "state", "volume")

    def __init__(self, event: MyOrder) -> None:
        self.event = event
        self.first_seen = event.order_timestamp or event.timestamp
        is_fill = event.state == "trade"
        self.price: Decimal | None = None if is_fill else event.price
        self.volume: Decimal | None = None if is_fill else event.volume
        self.executed = event.executed_volume
        self.remaining = event.remaining_volume
        self.state = self._map(event)

    @staticmethod
    def _map(event: MyOrder) -> OrderState:
        return map_upbit_state(
            event.state, executed_volume=event.executed_volume, remaining_volume=event.remaining_volume
        )

    def update(self, event: MyOrder) -> None:
        """Take a newer message for the same uuid."""
        self.event = event
        if event.state != "trade":
            self.price = event.price if event.price is not None else self.price
            self.volume = event.volume if event.volume is not None else self.volume
        self.executed = event.executed_volume if event.executed_volume is not None else self.executed
        self.remaining = event.remaining_volume if event.remaining_volume is not None else self.remaining
        self.state = self._map(event)

    def sort_key(self) -> tuple[int, str]:
        """Newest first by the time the Time column shows (when the order was placed).

        Not "open first" nor by the latest message: both put an older row above a newer one, which
        reads as out of order wherever the State column is scrolled off (a narrow dock). Open rows
        are bold instead. The uuid breaks ties so equal times keep one order.
        """
        return (-self.first_seen, self.event.uuid)


class MyOrdersModel(FixedColumnsModel):
    """Open orders and recently closed ones, one row per order uuid (newest message wins)."""

    HEADERS = ORDER_HEADERS
    SELECTABLE = True

    def __init__(self, max_closed: int = 100, parent: Any = None) -> None:
        super().__init__(parent)
        self._max_closed = max_closed
        self._rows: list[OrderRow] = []
        self._by_uuid: dict[str, OrderRow] = {}
        self.palette: Palette | None = None  # the window's: side and price in buy/sell colours

    # -- feeding --------------------------------------------------------------------------------------

    def apply(self, event: MyOrder) -> None:
        """Merge one ``myOrder`` event. Older messages than the one shown are ignored."""
        row = self._by_uuid.get(event.uuid)
        if row is not None and event.timestamp < row.event.timestamp:
            return  # out of order (e.g. replayed after a reconnect): the newer state stays
        if row is None:
            row = OrderRow(event)
            self._by_uuid[event.uuid] = row
            self._rows.append(row)
        else:
            row.update(event)
        ordered = sorted(self._rows, key=OrderRow.sort_key)
        ordered = self._trim(ordered)
        if ordered == self._rows:
            r = self._rows.index(row)
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(ORDER_HEADERS) - 1))
            return
        self.beginResetModel()
        self._rows = ordered
        self.endResetModel()

    def _trim(self, ordered: list[OrderRow]) -> list[OrderRow]:
        closed = [r for r in ordered if not r.state.is_open]
        for stale in closed[self._max_closed :]:
            self._by_uuid.pop(stale.event.uuid, None)
        keep = set(map(id, closed[: self._max_closed]))
        return [r for r in ordered if r.state.is_open or id(r) in keep]

    def clear(self) -> None:
        """Drop every row (e.g. the keys changed to another account)."""
        self.beginResetModel()
        self._rows.clear()
        self._by_uuid.clear()
        self.endResetModel()

    # -- queries (tests, panel status line) ------------------------------------------------------------

    def row_of(self, uuid: str) -> OrderRow | None:
        """The merged row for ``uuid``, if shown."""
        return self._by_uuid.get(uuid)

    def open_count(self) -> int:
        """How many shown orders are still open."""
        return sum(1 for r in self._rows if r.state.is_open)

    # -- Qt model API ---------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Number of orders shown."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text and alignment."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = OrderCol(index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if col in _NUMERIC_ORDER_COLS else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.event.uuid}\nUpbit state: {row.event.state}"
        if role == Qt.ItemDataRole.FontRole:
            return _bold() if row.state.is_open else None  # open orders stand out without a State column
        if role == Qt.ItemDataRole.ForegroundRole:
            return side_colour(self.palette, row.event.ask_bid) if col in _SIDE_COLOURED else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        e = row.event
        if col is OrderCol.TIME:
            return format_time_kst(row.first_seen)
        if col is OrderCol.MARKET:
            return display_code(e.code)
        if col is OrderCol.SIDE:
            return _SIDE.get(e.ask_bid, e.ask_bid)
        if col is OrderCol.TYPE:
            return _ORDER_TYPE.get(e.order_type, e.order_type)
        if col is OrderCol.PRICE:
            price = row.price if row.price is not None else e.avg_price
            return format_price(_f(price), quote_of(e.code))
        if col is OrderCol.VOLUME:
            return _dec(row.volume)
        if col is OrderCol.EXECUTED:
            return _dec(row.executed)
        return row.state.label


class FillRow:
    """One fill (a ``myOrder`` message with ``state == "trade"``)."""

    __slots__ = ("event", "key")

    def __init__(self, event: MyOrder, key: str) -> None:
        self.event = event
        self.key = key

    @property
    def time(self) -> int:
        """Fill time in epoch ms."""
        return self.event.trade_timestamp or self.event.timestamp


class MyFillsModel(FixedColumnsModel):
    """Recent fills, newest first, deduplicated by ``trade_uuid`` (a resent fill is one row)."""

    HEADERS = ("Time", "Market", "Side", "Type", "Price", "Volume", "Funds")
    SELECTABLE = True

    def __init__(self, max_rows: int = 200, parent: Any = None) -> None:
        super().__init__(parent)
        self._max_rows = max_rows
        self._rows: list[FillRow] = []
        self._seen: set[str] = set()
        self.palette: Palette | None = None  # the window's: side and price in buy/sell colours

    def apply(self, event: MyOrder) -> None:
        """Add the fill ``event`` carries, if it is a new one."""
        if event.state != "trade":
            return
        key = event.trade_uuid or f"{event.uuid}@{event.trade_timestamp or event.timestamp}"
        if key in self._seen:
            return
        self._seen.add(key)
        row = FillRow(event, key)
        pos = 0
        while pos < len(self._rows) and self._rows[pos].time > row.time:
            pos += 1
        self.beginInsertRows(QModelIndex(), pos, pos)
        self._rows.insert(pos, row)
        self.endInsertRows()
        if len(self._rows) > self._max_rows:
            last = len(self._rows) - 1
            self.beginRemoveRows(QModelIndex(), self._max_rows, last)
            for dropped in self._rows[self._max_rows :]:
                self._seen.discard(dropped.key)
            del self._rows[self._max_rows :]
            self.endRemoveRows()

    def clear(self) -> None:
        """Drop every row."""
        self.beginResetModel()
        self._rows.clear()
        self._seen.clear()
        self.endResetModel()

    def fills(self) -> list[MyOrder]:
        """The fill events shown, newest first (tests)."""
        return [r.event for r in self._rows]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of fills shown."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text and alignment."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        col = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if col >= 4 else None
        e = self._rows[index.row()].event
        if role == Qt.ItemDataRole.ForegroundRole:
            return side_colour(self.palette, e.ask_bid) if col in _SIDE_COLOURED else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        quote = quote_of(e.code)
        values = (
            format_time_kst(self._rows[index.row()].time),
            display_code(e.code),
            _SIDE.get(e.ask_bid, e.ask_bid),
            _ORDER_TYPE.get(e.order_type, e.order_type),
            format_price(_f(e.price), quote),
            _dec(e.volume),
            format_price(_fill_funds(e), quote),
        )
        return values[col] if 0 <= col < len(values) else None


# Side and price in the tape's buy/sell colours: in a narrow dock, where the Side column is hidden,
# the price still says which side the order is on.
_SIDE_COLOURED = frozenset({OrderCol.SIDE, OrderCol.PRICE})


def side_colour(palette: Palette | None, ask_bid: str) -> QColor | None:
    """The buy (``BID``) or sell colour of ``palette`` (the trade tape's), None without one."""
    if palette is None:
        return None
    return palette.up if ask_bid == "BID" else palette.down


def _fill_funds(e: MyOrder) -> float | None:
    if e.price is None or e.volume is None:
        return None
    return float(e.price * e.volume)
