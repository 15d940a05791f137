"""Announcements dock: the live notice list of :class:`AnnouncementFeed`.

Columns: time (KST), category, title; a new listing is marked ("LISTING", bold) and also shown in the
status bar. A category box filters the list; the dock title carries the unread count ("Announcements
(3)"), cleared when the user looks at the list. Double-click or Enter opens the notice in the browser.
Upbit serves notices on the private endpoint, so without API keys the dock says it needs them.
Notices are rare (a few an hour), so the model is updated per notice, not on the frame clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from upbit_monitor.features.announcements.feed import AnnouncementFeed
from upbit_monitor.features.announcements.model import Notice

ALL = "All categories"
HEADERS = ("Time (KST)", "Category", "Title")
_KST_S = 9 * 3600
ModelIndex = QModelIndex | QPersistentModelIndex


def kst_time(ts_ms: int) -> str:
    """``MM-DD HH:MM`` in KST."""
    return time.strftime("%m-%d %H:%M", time.gmtime(ts_ms // 1000 + _KST_S))


class NoticeModel(QAbstractTableModel):
    """The feed's notices (filtered by category), newest first."""

    def __init__(self, feed: AnnouncementFeed) -> None:
        super().__init__()
        self.feed = feed
        self.category = ""  # "" = all
        self.rows: list[Notice] = []
        self._bold = QFont()
        self._bold.setBold(True)
        self.reload()

    def reload(self) -> None:
        """Rebuild from the feed (a notice arrived or the filter changed)."""
        self.beginResetModel()
        self.rows = [n for n in self.feed.notices if not self.category or n.category == self.category]
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Rows shown."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Time, category, title."""
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
                   ) -> object:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Cell text, the listing marker's font and the URL as tooltip."""
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        n = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return kst_time(n.timestamp_ms)
            if col == 1:
                return n.category
            prefix = "LISTING  " if n.is_listing else ""
            suffix = "  (updated)" if n.event_type == "UPDATED" else ""
            return prefix + n.title + suffix
        if role == Qt.ItemDataRole.FontRole and n.is_listing:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return n.url or n.title
        return None

    def notice_at(self, row: int) -> Notice | None:
        """The notice on ``row``."""
        return self.rows[row] if 0 <= row < len(self.rows) else None


class AnnouncementsPanel(QWidget):
    """Category filter, key hint and the notice table."""

    def __init__(self, feed: AnnouncementFeed, open_url: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.feed = feed
        self._open_url = open_url or (lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.model = NoticeModel(feed)
        self.filter = QComboBox()
        self.filter.setObjectName("AnnouncementCategory")
        self.filter.addItem(ALL)
        self.filter.currentTextChanged.connect(self._on_filter)
        self.hint = QLabel()
        self.hint.setObjectName("AnnouncementHint")
        self.hint.setWordWrap(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._open)  # double-click or Enter
        top = QHBoxLayout()
        top.addWidget(self.filter)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        self.set_needs_keys(False)

    def set_needs_keys(self, needed: bool, why: str = "") -> None:
        """Say that notices need API keys (any key, no permission) when there are none usable."""
        text = why or ("Announcements come over Upbit's private connection: add an API key (any key, no "
                       "permission needed) under Account > API keys.")
        self.hint.setText(text if needed else "")
        self.hint.setVisible(needed)

    def refresh(self) -> None:
        """Reload rows and the category list."""
        current = self.filter.currentText()
        cats = [ALL, *self.feed.categories()]
        if [self.filter.itemText(i) for i in range(self.filter.count())] != cats:
            self.filter.blockSignals(True)
            self.filter.clear()
            self.filter.addItems(cats)
            self.filter.setCurrentText(current if current in cats else ALL)
            self.filter.blockSignals(False)
        self.model.reload()

    def _on_filter(self, text: str) -> None:
        self.model.category = "" if text == ALL else text
        self.model.reload()

    def _open(self, index: QModelIndex) -> None:
        notice = self.model.notice_at(index.row())
        if notice is not None and notice.url:
            self._open_url(notice.url)


class AnnouncementsDock(QDockWidget):
    """The dock; its title counts unread notices."""

    def __init__(self, feed: AnnouncementFeed, window: QMainWindow,
                 open_url: Callable[[str], None] | None = None) -> None:
        super().__init__("Announcements", window)
        self.setObjectName("AnnouncementsDock")
        self.feed = feed
        self.window_ = window
        self.panel = AnnouncementsPanel(feed, open_url)
        self.setWidget(self.panel)
        self.panel.table.clicked.connect(lambda _i: self.mark_read())
        self.visibilityChanged.connect(self._on_visible)
        self._remove = feed.add_listener(self._on_notice)
        self.panel.refresh()
        self._update_title()

    def _on_notice(self, notice: Notice, is_new: bool) -> None:
        self.panel.refresh()
        if is_new and notice.is_listing:
            message = f"New listing: {notice.title}"
            status_bar = self.window_.statusBar()
            status_bar.showMessage(message, 30_000)
        self._update_title()

    def _on_visible(self, visible: bool) -> None:
        if visible and not self.visibleRegion().isEmpty():
            self.mark_read()

    def mark_read(self) -> None:
        """The user has looked at the list."""
        self.feed.mark_read()
        self._update_title()

    def _update_title(self) -> None:
        unread = self.feed.unread
        self.setWindowTitle(f"Announcements ({unread})" if unread else "Announcements")

    def close_feed_listener(self) -> None:
        """Stop listening (the dock dies with the window)."""
        self._remove()
