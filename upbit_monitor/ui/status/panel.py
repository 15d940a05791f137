"""StatusPanel: connection metrics, merged subscriptions and their owners, database, notices.

It polls the manager's introspection API a few times per second (metrics are snapshots, not a
stream), so it costs nothing per market message. Notices (REST failures, Upbit error frames,
reconnects, a missing database) are appended to a log here and shown briefly by the main window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from upbit_monitor.ui.common.display_guard import DISPLAY_FAULTS, PLACEHOLDER
from upbit_monitor.ui.common.frame_clock import STATUS_MS, ClockedView
from upbit_monitor.ui.common.source import IntrospectableSource
from upbit_monitor.ui.status.metrics_model import MetricsModel, metric_fields, state_text

DbStatus = Callable[[], Mapping[str, Any] | None]
"""Key/value lines for the database row; a true ``alarm`` turns the row red, a ``problem`` text is
also announced as a notice (and so in the status bar) when it appears and when it clears."""
DB_ALARM_STYLE = "color: #e74c3c; font-weight: bold;"
MAX_NOTICES = 300
FAULT_NOTICE_S = 30.0  # a value that keeps failing to show is re-announced at most this often
CONNECTIONS = ("upbit-public", "upbit-private")


def _spec_text(spec: Any) -> str:
    codes = getattr(spec, "codes", ())
    depth = getattr(spec, "depth", None)
    head = f"{spec.type}" + (f"[{depth}]" if depth else "")
    if not codes:
        return head
    shown = ", ".join(codes[:4]) + (f" … (+{len(codes) - 4})" if len(codes) > 4 else "")
    return f"{head}: {shown}"


STATE_SAMPLE = "connecting"  # the longest state text seen at every start


class StatusPanel(ClockedView):
    """Bottom dock content."""

    notice_added = Signal(str)

    def __init__(
        self,
        source: IntrospectableSource,
        db_status: DbStatus | None = None,
        *,
        refresh_hz: float = 4.0,
        parent: QWidget | None = None,
    ) -> None:
        # At most 20 Hz. Its refresh also turns new error frames and state changes into status-bar
        # notices, which must reach the user with the Status dock closed: it ticks while hidden.
        super().__init__("StatusPanel", parent, hz=min(refresh_hz, 20.0), phase_ms=STATUS_MS,
                         only_visible=False)
        self._source = source
        self._db_status = db_status
        self._db_notice = ""
        self._db_alarm = False
        self._db_problem = ""
        self._tree_sig: object = None
        self._last_errors: dict[str, str] = {}
        self._last_states: dict[str, str] = {}
        # Faults counted before this panel existed were another window's (or test's) to announce.
        self._faults_seen: dict[str, int] = dict(DISPLAY_FAULTS)
        self._faults_noticed = float("-inf")

        self.metrics_model = MetricsModel(self)
        self.metrics_view = QTableView(self)
        self.metrics_view.setObjectName("MetricsTable")
        self.metrics_view.setModel(self.metrics_model)
        # Connections side by side (one column each), metric titles down the left.
        self.metrics_view.verticalHeader().setDefaultSectionSize(20)
        self.metrics_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.metrics_view.setWordWrap(False)
        self.metrics_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.metrics_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.notices = QListWidget(self)
        self.notices.setObjectName("NoticeLog")
        self.notices.setWordWrap(True)


        self.subs_tree = QTreeWidget(self)
        self.subs_tree.setObjectName("SubscriptionTree")
        self.subs_tree.setHeaderLabels(["Subscription / owner", "Detail"])
        self.subs_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.db_label = QLabel("Database: -", self)
        self.db_label.setObjectName("DbStatus")
        self.db_label.setWordWrap(True)
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Tabs, not a splitter: the dock is ~220 px high, too short for both lists at once (each
        # showed two rows under its own scroll bar). Notices first: that is where problems appear.
        lists = QTabWidget(self)
        lists.setObjectName("StatusTabs")
        lists.setDocumentMode(True)
        lists.addTab(self.notices, "Notices")
        lists.addTab(self.subs_tree, "Subs")  # "Subscriptions" did not fit beside "Notices"
        lists.setTabToolTip(1, "Merged subscriptions per connection and the components that own them")
        self.tabs = lists
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.metrics_view)
        split.addWidget(lists)
        # The metrics table needs a column per connection ("connected" unclipped); the tabs cope
        # with less width (notices wrap).
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(split, 1)
        # The database line spans the whole panel: in the side column it wrapped into 4-5 lines.
        layout.addWidget(self.db_label)

    # -- notices --------------------------------------------------------------------------
    def add_notice(self, text: str) -> None:
        """Append a timestamped notice to the log (newest on top) and announce it."""
        self.notices.insertItem(0, f"{time.strftime('%H:%M:%S')}  {text}")
        while self.notices.count() > MAX_NOTICES:
            self.notices.takeItem(self.notices.count() - 1)
        self.notice_added.emit(text)

    def set_db_status(self, db_status: DbStatus | None) -> None:
        """The database's status callable, once storage is open (it opens after the window shows)."""
        self._db_status = db_status
        self._refresh_db()

    def set_db_notice(self, text: str) -> None:
        """A fixed database message (e.g. 'database unavailable, running without storage')."""
        self._db_notice = text
        self._refresh_db()

    # -- refresh --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Poll metrics, subscriptions, registrations and database status."""
        metrics = self._source.metrics()
        self.metrics_model.set_metrics(metrics)
        # Every connection column wide enough for its state word in the font the theme set ("connec…"
        # in a narrow dock): the table scrolls sideways instead of clipping it.
        header = self.metrics_view.horizontalHeader()
        wanted = self.metrics_view.fontMetrics().horizontalAdvance(STATE_SAMPLE) + 18
        if header.minimumSectionSize() != wanted:
            header.setMinimumSectionSize(wanted)
        self._watch_for_notices(metrics)
        self._watch_display_faults()
        self._refresh_tree()
        self._refresh_db()

    def _watch_for_notices(self, metrics: Mapping[str, object]) -> None:
        # Metrics are snapshots: announce *changes* of the error frame and the connection state.
        for name, snap in metrics.items():
            fields = metric_fields(snap)
            err = fields.get("last_server_error")
            err_text = "" if err is None else str(err)
            if err_text and err_text != self._last_errors.get(name, ""):
                self.add_notice(f"{name}: Upbit error frame {err_text}")
            self._last_errors[name] = err_text
            state = state_text(fields.get("state", ""))
            prev = self._last_states.get(name)
            if prev is not None and state != prev:
                reason = fields.get("last_close_reason") or ""
                extra = f" ({reason})" if reason and state != "connected" else ""
                self.add_notice(f"{name}: {prev} -> {state}{extra}")
            self._last_states[name] = state

    def _watch_display_faults(self) -> None:
        # A value a view could not format shows as "?" in its cell (ui/common/display_guard.py); the
        # trader must learn why, without a notice per repaint: a new place at once, growth every 30 s.
        grown = {w: n for w, n in DISPLAY_FAULTS.items() if n > self._faults_seen.get(w, 0)}
        if not grown:
            return
        now = time.monotonic()
        new_place = any(w not in self._faults_seen for w in grown)
        if not new_place and now - self._faults_noticed < FAULT_NOTICE_S:
            return
        added = sum(n - self._faults_seen.get(w, 0) for w, n in grown.items())
        self._faults_seen.update(grown)
        self._faults_noticed = now
        places = ", ".join(sorted(grown))
        self.add_notice(f"display: {added:,} value(s) could not be shown in {places} "
                        f"(shown as {PLACEHOLDER!r}; details in the log)")

    def _refresh_tree(self) -> None:
        merged: dict[str, dict[str, list[str]]] = {}
        names = list(self._source.metrics()) or list(CONNECTIONS[:1])
        for conn in names:
            try:
                merged[conn] = dict(self._source.subscriptions(conn).as_dict())
            except Exception:  # an unknown connection name: nothing subscribed there
                merged[conn] = {}
        regs = [
            (r.component_name, r.connection, tuple(_spec_text(s) for s in r.specs))
            for r in self._source.registrations()
        ]
        sig = (tuple((c, tuple((t, tuple(v)) for t, v in d.items())) for c, d in merged.items()), tuple(regs))
        if sig == self._tree_sig:
            return
        self._tree_sig = sig
        tops = [self.subs_tree.topLevelItem(i) for i in range(self.subs_tree.topLevelItemCount())]
        expanded = {t.text(0) for t in tops if t is not None and t.isExpanded()}
        self.subs_tree.clear()
        for conn, types in merged.items():
            top = QTreeWidgetItem([f"{conn}: merged set", f"{len(types)} types"])
            for type_, codes in types.items():
                shown = ", ".join(codes[:6]) + (f" … (+{len(codes) - 6})" if len(codes) > 6 else "")
                child = QTreeWidgetItem([type_, f"{len(codes)} codes: {shown}" if codes else "-"])
                child.setToolTip(1, ", ".join(codes))
                top.addChild(child)
            self.subs_tree.addTopLevelItem(top)
            top.setExpanded(not expanded or top.text(0) in expanded)
        owners = QTreeWidgetItem(["Owners (registered components)", f"{len(regs)}"])
        for name, conn, specs in regs:
            item = QTreeWidgetItem([name, conn])
            for s in specs:
                leaf = QTreeWidgetItem(["", s])
                leaf.setToolTip(1, s)
                item.addChild(leaf)
            owners.addChild(item)
        self.subs_tree.addTopLevelItem(owners)
        owners.setExpanded(True)
        for i in range(owners.childCount()):
            child_item = owners.child(i)
            if child_item is not None:
                child_item.setExpanded(True)

    def _refresh_db(self) -> None:
        if self._db_status is None:
            self.db_label.setText(f"Database: {self._db_notice or 'not configured'}")
            return
        try:
            status = self._db_status()
        except Exception as exc:  # a failing status probe is itself a status
            self.db_label.setText(f"Database: status unavailable ({exc})")
            return
        if status is None:
            self.db_label.setText(f"Database: {self._db_notice or 'unavailable'}")
            return
        # "alarm" (the writer stopped or cannot write) is shown as colour, not as text.
        alarm = bool(status.get("alarm"))
        shown = {k: v for k, v in status.items() if k != "alarm"}
        # The label sits in a narrow column: the URL is shortened to its file name (SQLite) and
        # the full text goes to the tooltip.
        full = [f"{k.replace('_', ' ')}: {v}" for k, v in shown.items()]
        short = [_short_url(str(shown["url"]))] if "url" in shown else []
        short += [f"{k.replace('_', ' ')}: {v}" for k, v in shown.items() if k != "url"]
        prefix = [self._db_notice] if self._db_notice else []
        self.db_label.setText("Database: " + " · ".join(prefix + short))
        self.db_label.setToolTip("\n".join(prefix + full))
        if alarm != self._db_alarm:
            self.db_label.setStyleSheet(DB_ALARM_STYLE if alarm else "")
            self._db_alarm = alarm
        # A new problem (or its end) also goes to the notices, and from there to the status bar.
        problem = str(shown.get("problem") or "")
        if problem != self._db_problem:
            if problem:
                self.add_notice(problem if problem.startswith("database") else f"database: {problem}")
            elif self._db_problem:
                self.add_notice("database: writing again, nothing waiting")
            self._db_problem = problem


def _short_url(url: str) -> str:
    """``sqlite:////home/u/.local/share/upbit-monitor/demo.db`` -> ``demo.db``; other URLs unchanged."""
    if url.startswith("sqlite"):
        path = url.split("://", 1)[-1].lstrip("/")
        return path.rsplit("/", 1)[-1] or "in-memory SQLite"
    return url
