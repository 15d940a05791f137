"""Embedding the private feeds in the main window: two docks, an Account menu and the keys dialog.

The window stays unaware of private feeds; the composition root calls::

    await start_private_ui(window, mgr, stack, demo_keys=None)   # one feed per Korean venue, docks, menu

or, piece by piece::

    feed = PrivateFeed.create(mgr)                    # venue="bithumb" for Bithumb's
    await feed.start()
    private_ui = install_private_ui(window, feed)     # docks + "Account > API keys…" + notices

With several feeds (Upbit and Bithumb) each dock holds one panel per venue and shows the venue of the
market on screen (:meth:`PrivateUi.set_venue`, driven by the window's venue source); the dock titles say
which, and the keys dialog has a venue field. Every venue's panels stay attached while hidden, so a
switch shows that account's orders at once instead of an empty table.

Everything here is additive to any ``QMainWindow``: docks get object names (``MyOrdersDock``,
``MyAssetsDock``) so ``saveState`` keeps their layout, and key-problem notices go to the window's status
panel when it has one (``window.status_panel.add_notice``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStackedWidget, QWidget

from upbit_monitor.exchanges.registry import krw_venues
from upbit_monitor.features.private.feed import PrivateFeed, PrivateState, PrivateStatus
from upbit_monitor.features.venues.source import LABELS
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.ui.private.key_dialog import ApiKeysDialog
from upbit_monitor.ui.private.panels import MyAssetsPanel, MyOrdersPanel

_NOTIFY = frozenset({PrivateState.KEY_PROBLEM, PrivateState.FAILED, PrivateState.CONNECTED})


class PrivateUi:
    """The private panels docked into ``window`` (one per feed's venue), the Keys… action and the
    (lazily built) dialog. The first feed's venue is shown first."""

    def __init__(
        self,
        window: QMainWindow,
        *feeds: PrivateFeed,
        notice: Callable[[str], None] | None = None,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea,
    ) -> None:
        if not feeds:
            raise ValueError("PrivateUi needs at least one private feed")
        self.window = window
        self.feed = feeds[0]
        self.feeds: dict[str, PrivateFeed] = {f.venue: f for f in feeds}
        self.venue = self.feed.venue
        self._notice = notice
        self.dialog: ApiKeysDialog | None = None
        self._orders = {v: MyOrdersPanel(f) for v, f in self.feeds.items()}
        palette = getattr(window, "palette_", None)
        if palette is not None:  # buy/sell colours as in the tape; they follow theme and colour switches
            for orders in self._orders.values():
                orders.orders_model.palette = orders.fills_model.palette = palette
            theme_changed = getattr(window, "theme_changed", None)
            if theme_changed is not None:
                theme_changed.connect(self._repaint_orders)
        self._assets = {v: MyAssetsPanel(f) for v, f in self.feeds.items()}
        self._orders_stack, self._assets_stack = QStackedWidget(), QStackedWidget()
        for venue in self.feeds:
            self._orders_stack.addWidget(self._orders[venue])
            self._assets_stack.addWidget(self._assets[venue])
            for panel in (self._orders[venue], self._assets[venue]):
                panel.keys_requested.connect(lambda v=venue: self.open_keys_dialog(v))
        self.orders_dock = self._dock("My orders", "MyOrdersDock", self._orders_stack, area)
        self.assets_dock = self._dock("My assets", "MyAssetsDock", self._assets_stack, area)
        window.tabifyDockWidget(self.orders_dock, self.assets_dock)
        self.orders_dock.raise_()
        self._show(self.venue)

        menu = window.menuBar().addMenu("&Account")
        self.keys_action = QAction("API &keys…", window)
        self.keys_action.setObjectName("ApiKeysAction")
        self.keys_action.setShortcut(QKeySequence("Ctrl+K"))
        self.keys_action.triggered.connect(lambda: self.open_keys_dialog())
        menu.addAction(self.keys_action)
        menu.addSeparator()
        menu.addAction(self.orders_dock.toggleViewAction())
        menu.addAction(self.assets_dock.toggleViewAction())
        self._last_notified: dict[str, PrivateState | None] = {}
        # Held strongly by the feeds (plain functions) until close() unsubscribes them.
        self._unsubscribe = [f.add_status_listener(self._status_listener(v)) for v, f in self.feeds.items()]
        if notice is not None and self.feed.storage_notice:
            notice(f"API keys: {self.feed.storage_notice}")  # e.g. no system keyring: keys are session-only

    def _repaint_orders(self, *_: object) -> None:
        for orders in self._orders.values():
            for model in (orders.orders_model, orders.fills_model):
                if model.rowCount():
                    model.dataChanged.emit(model.index(0, 0),
                                           model.index(model.rowCount() - 1, model.columnCount() - 1))

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        return dock

    @property
    def orders_panel(self) -> MyOrdersPanel:
        """The shown venue's My orders panel."""
        return self._orders[self.venue]

    @property
    def assets_panel(self) -> MyAssetsPanel:
        """The shown venue's My assets panel."""
        return self._assets[self.venue]

    def panels(self, venue: str) -> tuple[MyOrdersPanel, MyAssetsPanel]:
        """``venue``'s (My orders, My assets) panels, shown or not."""
        return self._orders[venue], self._assets[venue]

    def set_venue(self, venue: str) -> None:
        """Show ``venue``'s orders and assets (the venue of the market on screen). A venue without a
        private feed here leaves the panels as they are."""
        if venue in self.feeds and venue != self.venue:
            self._show(venue)

    def _show(self, venue: str) -> None:
        self.venue = venue
        self._orders_stack.setCurrentWidget(self._orders[venue])
        self._assets_stack.setCurrentWidget(self._assets[venue])
        # One feed: the plain titles. Several: the title says whose orders these are.
        suffix = f" · {self._label(venue)}" if len(self.feeds) > 1 else ""
        self.orders_dock.setWindowTitle(f"My orders{suffix}")
        self.assets_dock.setWindowTitle(f"My assets{suffix}")

    @staticmethod
    def _label(venue: str) -> str:
        return LABELS.get(venue, venue)

    def open_keys_dialog(self, venue: str | None = None) -> ApiKeysDialog:
        """Show the non-modal keys dialog (built on first use, then reused) on ``venue``'s keys
        (default: the shown venue)."""
        if self.dialog is None:
            labels = {v: self._label(v) for v in self.feeds}
            self.dialog = ApiKeysDialog(dict(self.feeds), self.window, labels=labels)
        self.dialog.set_venue(venue or self.venue)
        self.dialog.reload()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def _status_listener(self, venue: str) -> Callable[[PrivateStatus], None]:
        return lambda status: self._on_status(venue, status)

    def _on_status(self, venue: str, status: PrivateStatus) -> None:
        # One notice per transition into a state worth telling (not every reconnect attempt).
        last = self._last_notified.get(venue)
        if self._notice is None or status.state not in _NOTIFY or status.state is last:
            if status.state not in _NOTIFY:
                self._last_notified[venue] = None
            return
        self._last_notified[venue] = status.state
        prefix = f"Private feed ({self._label(venue)}): " if len(self.feeds) > 1 else "Private feed: "
        self._notice(prefix + ("connected" if status.state is PrivateState.CONNECTED else status.message))

    def close(self) -> None:
        """Stop listening to the feeds (the docks die with the window)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []


def install_private_ui(window: QMainWindow, *feeds: PrivateFeed) -> PrivateUi:
    """Dock the private panels into ``window`` and add "Account > API keys…"; notices go to the window's
    status panel when it has ``status_panel.add_notice``."""
    panel = getattr(window, "status_panel", None)
    add_notice = getattr(panel, "add_notice", None)
    return PrivateUi(window, *feeds, notice=add_notice if callable(add_notice) else None)


async def start_private_ui(
    window: QMainWindow,
    mgr: GlobalWebSocketManager,
    stack: contextlib.AsyncExitStack,
    *,
    demo_keys: Mapping[str, tuple[str, str]] | tuple[str, str] | None = None,
    venues: Sequence[str] | None = None,
) -> PrivateUi:
    """Build a key store and a feed per venue, start them, dock the panels; cleanup goes on ``stack``.

    ``venues``: default every Korean venue with a private connection (Upbit first). ``demo_keys`` (per
    venue, or one pair for Upbit: the simulators' access/secret keys) selects session-only stores that
    ignore the environment and the user's keyring, pre-loaded with those keys (HS256: the simulator's
    demo secret is shorter than the 64 bytes RFC 7518 advises for HS512). When the window has a
    ``venue_source``, the panels follow the venue it shows.
    """
    if venues is None:
        venues = [d.venue for d in krw_venues() if d.private is not None]
    demo = demo_keys is not None
    keys = {"upbit": demo_keys} if isinstance(demo_keys, tuple) else dict(demo_keys or {})
    feeds = []
    for venue in venues:
        feed = PrivateFeed.create(mgr, demo_keys=keys.get(venue), venue=venue, demo=demo)
        await feed.start()
        stack.push_async_callback(feed.close)
        feeds.append(feed)
    ui = install_private_ui(window, *feeds)
    stack.callback(ui.close)
    source = getattr(window, "venue_source", None)
    if source is not None:
        ui.set_venue(source.venue)
        stack.callback(source.add_venue_listener(ui.set_venue))
    return ui
