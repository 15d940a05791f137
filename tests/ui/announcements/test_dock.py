"""Announcements dock: rows (KST time, category, title, listing marker), category filter, unread count in
the title, status-bar notice for a new listing, link opening, and the "needs API keys" hint."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from tests.features.announcements.test_feed import FakeManager, event
from upbit_monitor.features.announcements.feed import AnnouncementFeed
from upbit_monitor.features.private.status import PrivateState, PrivateStatus
from upbit_monitor.ui.announcements.dock import ALL, AnnouncementsDock, kst_time
from upbit_monitor.ui.announcements.setup import start_announcements_ui


def test_dock_rows_filter_unread_and_listing_notice(qtbot: object) -> None:
    window = QMainWindow()
    opened: list[str] = []
    feed = AnnouncementFeed(FakeManager())
    dock = AnnouncementsDock(feed, window, open_url=opened.append)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    assert dock.windowTitle() == "Announcements"
    feed.on_event(event("a", "서버 점검 안내", category="maintenance", ts=1_764_849_600_000))
    listing = "마스크네트워크(MASK) 신규 거래지원 안내 (KRW 마켓)"
    feed.on_event(event("b", listing, ts=1_764_849_660_000))
    assert dock.windowTitle() == "Announcements (2)"
    assert window.statusBar().currentMessage() == f"New listing: {listing}"
    model = dock.panel.model
    assert model.rowCount() == 2
    row0 = [model.index(0, c).data() for c in range(3)]
    assert row0 == [kst_time(1_764_849_660_000), "trade", f"LISTING  {listing}"]
    assert kst_time(1_764_849_660_000) == "12-04 21:01"  # 12:01 UTC = 21:01 KST
    assert model.index(0, 2).data(Qt.ItemDataRole.FontRole).bold()
    # UPDATED replaces the row, no new unread.
    feed.on_event(event("a", "서버 점검 안내 (연장)", category="maintenance", et="UPDATED",
                        ts=1_764_849_720_000))
    assert model.rowCount() == 2 and model.index(0, 2).data() == "서버 점검 안내 (연장)  (updated)"
    assert dock.windowTitle() == "Announcements (2)"
    # Category filter.
    box = dock.panel.filter
    assert [box.itemText(i) for i in range(box.count())] == [ALL, "maintenance", "trade"]
    box.setCurrentText("trade")
    assert model.rowCount() == 1 and model.notice_at(0) is not None and model.notice_at(0).uuid == "b"
    # Enter / double-click opens the link; looking at the list clears the count.
    dock.panel.table.activated.emit(model.index(0, 2))
    assert opened == ["https://upbit.com/service_center/notice?id=b"]
    dock.mark_read()
    assert dock.windowTitle() == "Announcements" and feed.unread == 0
    dock.close_feed_listener()
    window.deleteLater()


class FakePrivate:
    def __init__(self, state: PrivateState) -> None:
        self.status = PrivateStatus(state, "")
        self.listeners: list[object] = []
        self.attached: list[object] = []

    def add_status_listener(self, cb: object) -> object:
        self.listeners.append(cb)
        return lambda: None

    def attach(self, component: object, specs: object, callback: object) -> None:
        self.attached.append(specs)

    def detach(self, component: object) -> None:
        self.attached.clear()


@pytest.mark.asyncio
async def test_setup_says_keys_are_needed_and_adds_a_view_action(qtbot: object) -> None:
    window = QMainWindow()
    window.menuBar().addMenu("&View")
    private = FakePrivate(PrivateState.NO_KEYS)
    async with contextlib.AsyncExitStack() as stack:
        dock = await start_announcements_ui(window, SimpleNamespace(), private, stack)  # type: ignore[arg-type]
        assert not dock.panel.hint.isHidden() and "API key" in dock.panel.hint.text()
        assert private.attached and private.attached[0][0].type == "announcement"  # type: ignore[index]
        view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
        assert dock.toggleViewAction() in view.actions()  # type: ignore[union-attr]
        private.listeners[0](PrivateStatus(PrivateState.CONNECTED, ""))  # type: ignore[operator]
        assert dock.panel.hint.isHidden()
    window.deleteLater()
