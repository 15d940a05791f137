"""Embedding the private feed in the main window: two docks, an Account menu and the keys dialog.

The window stays unaware of private feeds; the composition root calls::

    await start_private_ui(window, mgr, stack, demo_keys=None)   # key store, feed, docks, menu

or, piece by piece::

    feed = PrivateFeed.create(mgr)
    await feed.start()
    private_ui = install_private_ui(window, feed)     # docks + "Account > API keys…" + notices

Everything here is additive to any ``QMainWindow``: docks get object names (``MyOrdersDock``,
``MyAssetsDock``) so ``saveState`` keeps their layout, and key-problem notices go to the window's status
panel when it has one (``window.status_panel.add_notice``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from upbit_monitor.features.private.feed import PrivateFeed, PrivateState, PrivateStatus
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.ui.private.key_dialog import ApiKeysDialog
from upbit_monitor.ui.private.panels import MyAssetsPanel, MyOrdersPanel

_NOTIFY = frozenset({PrivateState.KEY_PROBLEM, PrivateState.FAILED, PrivateState.CONNECTED})


class PrivateUi:
    """The private panels docked into ``window``, the Keys… action and the (lazily built) dialog."""

    def __init__(
        self,
        window: QMainWindow,
        feed: PrivateFeed,
        *,
        notice: Callable[[str], None] | None = None,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea,
    ) -> None:
        self.window = window
        self.feed = feed
        self._notice = notice
        self.dialog: ApiKeysDialog | None = None
        self.orders_panel = MyOrdersPanel(feed)
        self.assets_panel = MyAssetsPanel(feed)
        self.orders_dock = self._dock("My orders", "MyOrdersDock", self.orders_panel, area)
        self.assets_dock = self._dock("My assets", "MyAssetsDock", self.assets_panel, area)
        window.tabifyDockWidget(self.orders_dock, self.assets_dock)
        self.orders_dock.raise_()

        menu = window.menuBar().addMenu("&Account")
        self.keys_action = QAction("API &keys…", window)
        self.keys_action.setObjectName("ApiKeysAction")
        self.keys_action.setShortcut(QKeySequence("Ctrl+K"))
        self.keys_action.triggered.connect(self.open_keys_dialog)
        menu.addAction(self.keys_action)
        menu.addSeparator()
        menu.addAction(self.orders_dock.toggleViewAction())
        menu.addAction(self.assets_dock.toggleViewAction())
        self.orders_panel.keys_requested.connect(self.open_keys_dialog)
        self.assets_panel.keys_requested.connect(self.open_keys_dialog)
        self._last_notified: PrivateState | None = None
        self._unsubscribe = feed.add_status_listener(self._on_status)
        if notice is not None and feed.storage_notice:
            notice(f"API keys: {feed.storage_notice}")  # e.g. no system keyring: keys are session-only

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        return dock

    def open_keys_dialog(self) -> ApiKeysDialog:
        """Show the non-modal keys dialog (built on first use, then reused)."""
        if self.dialog is None:
            self.dialog = ApiKeysDialog(self.feed, self.window)
        self.dialog.reload()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def _on_status(self, status: PrivateStatus) -> None:
        # One notice per transition into a state worth telling (not every reconnect attempt).
        if self._notice is None or status.state not in _NOTIFY or status.state is self._last_notified:
            if status.state not in _NOTIFY:
                self._last_notified = None
            return
        self._last_notified = status.state
        prefix = "Private feed: "
        self._notice(prefix + ("connected" if status.state is PrivateState.CONNECTED else status.message))

    def close(self) -> None:
        """Stop listening to the feed (the docks die with the window)."""
        self._unsubscribe()


def install_private_ui(window: QMainWindow, feed: PrivateFeed) -> PrivateUi:
    """Dock the private panels into ``window`` and add "Account > API keys…"; notices go to the window's
    status panel when it has ``status_panel.add_notice``."""
    panel = getattr(window, "status_panel", None)
    add_notice = getattr(panel, "add_notice", None)
    return PrivateUi(window, feed, notice=add_notice if callable(add_notice) else None)


async def start_private_ui(
    window: QMainWindow,
    mgr: GlobalWebSocketManager,
    stack: contextlib.AsyncExitStack,
    *,
    demo_keys: tuple[str, str] | None = None,
) -> PrivateUi:
    """Build the key store and the feed, start it, dock the panels; cleanup goes on ``stack``.

    ``demo_keys`` (the simulator's access/secret key) selects a session-only store that ignores the
    environment and the user's keyring, pre-loaded with those keys (HS256: the simulator's demo secret is
    shorter than the 64 bytes RFC 7518 advises for HS512).
    """
    feed = PrivateFeed.create(mgr, demo_keys=demo_keys)
    await feed.start()
    stack.push_async_callback(feed.close)
    ui = install_private_ui(window, feed)
    stack.callback(ui.close)
    return ui
