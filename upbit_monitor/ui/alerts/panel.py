"""The Alerts dock's widget: rules table (enable/edit/delete), trigger log, status-bar badge.

Edits go through :class:`RuleDialog` (validated before anything is stored) and then the engine's
async API on the qasync loop; a storage failure is shown here and the rule is not activated.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from upbit_monitor.errors import UpbitMonitorError
from upbit_monitor.features.alerts import AlertEngine, AlertRule, Trigger
from upbit_monitor.ui.alerts.dialog import RuleDialog
from upbit_monitor.ui.alerts.models import RulesModel, TriggerModel


class AsyncRunner:
    """Runs engine coroutines from Qt slots, keeps the tasks, reports failures to a callback."""

    def __init__(self, on_error: Any) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error

    def run(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and isinstance(task.exception(), UpbitMonitorError):
            self._on_error(str(task.exception()))

    async def drain(self) -> None:
        """Wait for the tasks in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def open_rule_dialog(parent: QWidget | None, engine: AlertEngine, template: AlertRule,
                     runner: AsyncRunner) -> RuleDialog:
    """Open the (non-modal) rule dialog prefilled from ``template``; OK stores the rule."""
    dialog = RuleDialog(engine, template, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        rule = dialog.rule()
        if rule is not None:
            runner.run(engine.update_rule(rule) if rule.id is not None else engine.add_rule(rule))

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog


class AlertsPanel(QWidget):
    """Rules + trigger log (see the module docstring)."""

    unseen_changed = Signal(int)

    def __init__(self, engine: AlertEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.runner = AsyncRunner(self.show_problem)
        self.rules_model = RulesModel(engine, self)
        self.log_model = TriggerModel(engine, self)
        self.rules_view = _table(self.rules_model)
        self.rules_view.doubleClicked.connect(lambda _i: self.edit_selected())
        self.rules_view.clicked.connect(self._clicked)
        self.log_view = _table(self.log_model)
        self.new_button = QPushButton("New…")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        self.older_button = QPushButton("Older")
        self.new_button.clicked.connect(self.new_rule)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.older_button.clicked.connect(self.load_older)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        buttons = QHBoxLayout()
        for b in (self.new_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.older_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.rules_view)
        split.addWidget(self.log_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.problem)
        layout.addWidget(split, 1)
        self._unlisten = engine.add_trigger_listener(self._on_trigger)

    # -- rules ---------------------------------------------------------------------------------
    def selected_rule(self) -> AlertRule | None:
        rows = self.rules_view.selectionModel().selectedRows()
        return self.rules_model.rule_at(rows[0].row()) if rows else None

    def new_rule(self, template: AlertRule | None = None) -> RuleDialog:
        """Open the dialog for a new rule (optionally prefilled)."""
        from upbit_monitor.features.alerts import RuleKind

        return open_rule_dialog(self, self.engine, template or AlertRule(RuleKind.PRICE), self.runner)

    def edit_selected(self) -> RuleDialog | None:
        rule = self.selected_rule()
        return None if rule is None else open_rule_dialog(self, self.engine, rule, self.runner)

    def delete_selected(self) -> None:
        rule = self.selected_rule()
        if rule is not None and rule.id is not None:
            self.runner.run(self.engine.remove_rule(rule.id))

    def _clicked(self, index: Any) -> None:
        if index.column() != 0:
            return
        rule = self.rules_model.rule_at(index.row())
        if rule is not None and rule.id is not None:
            self.runner.run(self.engine.update_rule(dataclasses.replace(rule, enabled=not rule.enabled)))

    # -- log -------------------------------------------------------------------------------------
    def _on_trigger(self, _trig: Trigger) -> None:
        self.unseen_changed.emit(self.engine.unseen)

    def load_older(self) -> None:
        """Page the stored history back from the oldest trigger shown."""
        last = self.log_model.trigger_at(self.log_model.rowCount() - 1)

        async def page() -> None:
            before = last.id if last is not None else None
            older = await self.engine.history(100, before)
            rows = [self.log_model.trigger_at(i) for i in range(self.log_model.rowCount())]
            self.log_model.set_history([t for t in rows if t is not None] + older)

        self.runner.run(page())

    def mark_seen(self) -> None:
        """The user looked at the log: the badge clears."""
        self.engine.mark_seen()
        self.unseen_changed.emit(0)

    def show_problem(self, text: str) -> None:
        """A refusal or a storage failure, in words."""
        self.problem.setText(text)
        self.problem.show()

    def close_panel(self) -> None:
        """Stop following the engine (before the engine closes)."""
        self._unlisten()
        self.rules_model.close()
        self.log_model.close()


class AlertBadge(QLabel):
    """Status-bar badge: how many alerts fired since the user last looked (hidden at 0)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertBadge")
        self.set_count(0)

    def set_count(self, n: int) -> None:
        self.setText(f"🔔 {n}" if n else "")
        self.setToolTip(f"{n} alert(s) since you last looked" if n else "")
        self.setVisible(n > 0)


def _table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view
