"""The private panels: "My orders" (open orders + recent fills) and "My assets" (balances in KRW).

Both are components of the private feed: they attach to
:class:`~upbit_monitor.features.private.feed.PrivateFeed`
(``myOrder`` for all markets, ``myAsset``), which registers them with the manager on the ``upbit-private``
connection only while valid keys exist. The manager holds them weakly and drops their subscriptions when
they are destroyed, so closing a panel (or its dock) needs no bookkeeping here.

Without keys, or after the exchange rejected the key, a panel shows *why* (and a "Keys…" button) instead of
an empty table. The assets panel starts from a full REST balance snapshot (``GET /v1/accounts``, taken
by the feed after every (re)connect, since ``myAsset`` only reports changes) and values balances in KRW
from live tickers: it subscribes the public connection to ``ticker`` for the KRW markets of the currencies
it holds (through a child object, so the subscription dies with the panel) and reads prices through the
manager's pull API on a 1 s timer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from upbit_monitor.errors import RequestError
from upbit_monitor.features.private.feed import PrivateFeed, PrivateState, PrivateStatus
from upbit_monitor.protocol.events import AssetBalance, MyAsset, MyOrder
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.common.column_priority import PriorityTable
from upbit_monitor.ui.private.assets_model import AssetCol, MyAssetsModel
from upbit_monitor.ui.private.models import MyFillsModel, MyOrdersModel, OrderCol

# Least useful first; the side goes last (a 220 px dock at 1024x700 keeps market and price, and
# the row's tooltip says the rest). The fills table has the orders' columns up to Volume, then Funds.
_ORDERS_DROP = (OrderCol.TYPE, OrderCol.TIME, OrderCol.EXECUTED, OrderCol.VOLUME, OrderCol.STATE,
                OrderCol.SIDE)
_FILLS_DROP = (OrderCol.TYPE, OrderCol.TIME, 6, OrderCol.VOLUME, OrderCol.SIDE)
_ASSETS_DROP = (AssetCol.LOCKED, AssetCol.PRICE, AssetCol.BALANCE)
_SHOW_TABLE = frozenset({PrivateState.CONNECTED, PrivateState.CONNECTING, PrivateState.RECONNECTING})


def _table(model: Any, name: str, drop_order: tuple[int, ...] = ()) -> QTableView:
    """A docked table; ``drop_order``: columns hidden first when the dock is narrow (PriorityTable)."""
    view = PriorityTable(drop_order)
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.setAlternatingRowColors(True)
    return view


class PrivatePanel(QWidget):
    """Base: a notice page (why there is no data) and a content page, switched by the feed status."""

    keys_requested = Signal()
    """The user clicked "Keys…" on the notice page: the window opens the API keys dialog."""

    SPECS: tuple[SubscriptionSpec, ...] = ()
    OBJECT_NAME = "PrivatePanel"

    def __init__(self, feed: PrivateFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.OBJECT_NAME)  # before attaching: the manager lists components by it
        self._feed = feed
        self._stack = QStackedWidget()
        notice_page = QWidget()
        self.notice_label = QLabel()
        self.notice_label.setObjectName("privateNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        keys_button = QPushButton("Keys…")
        keys_button.clicked.connect(self.keys_requested.emit)
        nl = QVBoxLayout(notice_page)
        nl.addStretch(1)
        nl.addWidget(self.notice_label)
        nl.addWidget(keys_button, 0, Qt.AlignmentFlag.AlignCenter)
        nl.addStretch(1)
        self.status_label = QLabel()
        self.status_label.setObjectName("privateStatus")
        self._content = QWidget()
        self._content_layout = QVBoxLayout(self._content)
        self._content_layout.setContentsMargins(0, 0, 0, 0)
        self._content_layout.addWidget(self.status_label)
        self._stack.addWidget(notice_page)
        self._stack.addWidget(self._content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self._stack)
        # Bound methods: the feed holds them weakly, so a panel is never kept alive by the feed.
        self._unsubscribe_status = feed.add_status_listener(self._on_status)
        feed.attach(self, self.SPECS, self.on_event)
        self._on_status(feed.status)

    @property
    def showing_notice(self) -> bool:
        """True while the panel shows the "why no data" notice instead of its table."""
        return self._stack.currentIndex() == 0

    def _on_status(self, status: PrivateStatus) -> None:
        if status.state in _SHOW_TABLE:
            self._stack.setCurrentIndex(1)
            self.status_label.setText(status.message if status.state is not PrivateState.CONNECTED else "")
            self.status_label.setVisible(status.state is not PrivateState.CONNECTED)
        else:
            self.notice_label.setText(status.message)
            self._stack.setCurrentIndex(0)

    def on_event(self, event: Any) -> None:
        """Receive one private event (overridden)."""

    def detach(self) -> None:
        """Stop receiving (also happens automatically when the panel is destroyed)."""
        self._unsubscribe_status()
        self._feed.detach(self)


class MyOrdersPanel(PrivatePanel):
    """Open orders (and recently closed ones) plus a tab of recent fills, live from ``myOrder``."""

    SPECS = (SubscriptionSpec("myOrder"),)  # no codes: all markets
    OBJECT_NAME = "MyOrdersPanel"

    def __init__(self, feed: PrivateFeed, parent: QWidget | None = None) -> None:
        self.orders_model = MyOrdersModel()
        self.fills_model = MyFillsModel()
        super().__init__(feed, parent)
        tabs = QTabWidget()
        # Narrow docks keep market, side, price, amount and state; type and time go first.
        tabs.addTab(_table(self.orders_model, "myOrdersTable", _ORDERS_DROP), "Orders")
        tabs.addTab(_table(self.fills_model, "myFillsTable", _FILLS_DROP), "Fills")
        self._content_layout.addWidget(tabs)

    def on_event(self, event: Any) -> None:
        """Apply a ``myOrder`` event to both models."""
        if isinstance(event, MyOrder):
            self.orders_model.apply(event)
            self.fills_model.apply(event)


class _TickerInterest(QObject):
    """The assets panel's public-ticker subscription (a child, so it is destroyed with the panel)."""


class MyAssetsPanel(PrivatePanel):
    """Balances and locked amounts from ``myAsset``, valued in KRW from live tickers."""

    SPECS = (SubscriptionSpec("myAsset"),)
    OBJECT_NAME = "MyAssetsPanel"

    def __init__(self, feed: PrivateFeed, parent: QWidget | None = None, *, refresh_ms: int = 1000) -> None:
        self.assets_model = MyAssetsModel(price_of=self._price_of)
        self.snapshots_loaded = 0
        super().__init__(feed, parent)
        self.total_label = QLabel()
        self.total_label.setObjectName("assetsTotal")
        self._content_layout.addWidget(_table(self.assets_model, "myAssetsTable", _ASSETS_DROP))
        self._content_layout.addWidget(self.total_label)
        self._tickers = _TickerInterest(self)
        self._ticker_codes: tuple[str, ...] = ()
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._update_total()
        self._unsubscribe_balances = feed.add_balances_listener(self._on_balances)

    def _on_balances(self, balances: list[AssetBalance], taken_at_ms: int) -> None:
        # A full snapshot from the feed (every (re)connect): myAsset only reports changes after it.
        if not shiboken6.isValid(self):
            return
        self.assets_model.replace_all(balances, taken_at_ms)
        self._follow_tickers()
        self._update_total()
        self.snapshots_loaded += 1

    def _price_of(self, currency: str) -> float | None:
        ticker = self._feed.latest_ticker(f"KRW-{currency}")
        return None if ticker is None else float(ticker.trade_price)

    def on_event(self, event: Any) -> None:
        """Merge a ``myAsset`` event and follow the tickers of the currencies now held."""
        if isinstance(event, MyAsset):
            self.assets_model.apply(event)
            self._follow_tickers()
            self._update_total()

    def refresh(self) -> None:
        """Re-read live prices (timer slot)."""
        if self.assets_model.refresh_prices():
            self._update_total()

    def _follow_tickers(self) -> None:
        codes: list[str] = []
        for r in range(self.assets_model.rowCount()):
            currency = self.assets_model.data(self.assets_model.index(r, 0))
            if isinstance(currency, str) and currency != "KRW":
                codes.append(f"KRW-{currency}")
        wanted = tuple(sorted(codes))
        if wanted == self._ticker_codes:
            return
        self._ticker_codes = wanted
        try:
            specs: Sequence[SubscriptionSpec] = [SubscriptionSpec("ticker", wanted)] if wanted else []
        except RequestError:
            specs = []  # a currency name that is not a valid market code: value stays unknown
        self._feed.follow_public(self._tickers, specs)

    def _update_total(self) -> None:
        total, unpriced = self.assets_model.total_krw()
        text = f"Total ≈ {total:,.0f} KRW"
        if unpriced:
            text += f" ({unpriced} without a KRW price)"
        self.total_label.setText(text)
