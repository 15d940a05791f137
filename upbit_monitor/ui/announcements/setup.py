"""Wiring the Announcements dock into the main window (called by the composition root)::

    dock = await start_announcements_ui(window, mgr, private_feed, stack, store=AnnouncementStore(db))
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMenu

from upbit_monitor.features.announcements.feed import AnnouncementFeed
from upbit_monitor.features.announcements.store import AnnouncementStore
from upbit_monitor.features.private.feed import PrivateFeed, PrivateState, PrivateStatus
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.ui.announcements.dock import AnnouncementsDock

_NEEDS_KEYS = {
    PrivateState.NO_KEYS: "",
    PrivateState.KEY_PROBLEM: "The API key was rejected, so no announcements arrive: check it under "
                              "Account > API keys (any key works, no permission needed).",
}


async def start_announcements_ui(
    window: QMainWindow,
    mgr: GlobalWebSocketManager,
    private: PrivateFeed,
    stack: contextlib.AsyncExitStack,
    *,
    store: AnnouncementStore | None = None,
) -> AnnouncementsDock:
    """Start the notice feed on the private connection and dock its list; cleanup goes on ``stack``."""
    feed = AnnouncementFeed(mgr, private=private, store=store)
    await feed.start()
    stack.push_async_callback(feed.stop)
    dock = AnnouncementsDock(feed, window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    stack.callback(dock.close_feed_listener)

    def on_status(status: PrivateStatus) -> None:
        why = _NEEDS_KEYS.get(status.state)
        dock.panel.set_needs_keys(why is not None, why or "")

    on_status(private.status)
    stack.callback(private.add_status_listener(on_status))
    for action in window.menuBar().actions():
        menu = action.menu()
        if action.text().replace("&", "") == "View" and isinstance(menu, QMenu):
            menu.addAction(dock.toggleViewAction())
            break
    return dock
