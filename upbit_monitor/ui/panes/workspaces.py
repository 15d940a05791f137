"""Workspaces and Reset layout: the View menu's pane, workspace and layout commands.

A workspace captures the extra panes (kind, link, coin, chart settings), the dock arrangement
(``QMainWindow.saveState``), the selected coin and the main chart's timeframe and studies. The
book of workspaces lives in QSettings as JSON (``workspaces/book``); the panes of the running
session are stored on exit (``panes/session``) and come back at start unless a default workspace
is set. Reset layout closes the extra panes and puts every built-in dock back where the window
first placed it (the arrangement captured before any saved state was restored).

Names are asked for with non-modal input dialogs: no nested event loop ever runs under qasync.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMainWindow, QMenu

from upbit_monitor.errors import UpbitMonitorError, WorkspaceError
from upbit_monitor.features.panes import PaneState, Workspace, WorkspaceBook
from upbit_monitor.features.studies import StudySettings
from upbit_monitor.ui.panes.host import PaneHost
from upbit_monitor.ui.window_layout import LAYOUT_VERSION

BOOK_KEY = "workspaces/book"
SESSION_KEY = "panes/session"


def read_json(store: QSettings, key: str, default: Any, notice: Callable[[str], None]) -> Any:
    """The JSON value stored under ``key``; ``default`` when absent or damaged (``notice`` says so)."""
    raw = store.value(key)
    if raw in (None, ""):
        return default
    try:
        return json.loads(str(raw))
    except ValueError:
        notice(f"stored {key} is not valid JSON; ignored")
        return default


class MainChart(Protocol):
    """What a workspace reads from and restores to the main Chart dock."""

    @property
    def unit(self) -> int: ...
    @property
    def studies(self) -> list[StudySettings]: ...
    def set_timeframe(self, unit: int) -> None: ...
    def set_studies(self, studies: list[StudySettings]) -> None: ...


class WorkspaceController(QObject):
    """Owns the workspace book; **Signals:** ``sigNotice(str)`` for the status panel."""

    sigNotice = Signal(str)

    def __init__(
        self,
        window: QMainWindow,
        host: PaneHost,
        store: QSettings,
        *,
        chart: MainChart | None,
        selected: Callable[[], str | None],
        select: Callable[[str], None],
        default_layout: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.host = host
        self.store = store
        self.chart = chart
        self._selected = selected
        self._select = select
        self._default_layout = default_layout
        self._initial_state: QByteArray | None = None
        self.current: str | None = None
        self.book, problems = WorkspaceBook.from_dict(self._read_json(BOOK_KEY, {}))
        for problem in problems:
            self.sigNotice.emit(problem)
        self._dialog: QInputDialog | None = None

    # ---- capture / apply ---------------------------------------------------------------------
    def capture_initial_layout(self) -> None:
        """Remember the built-in arrangement (call after every dock was added, before restoring)."""
        self._initial_state = self.window.saveState(LAYOUT_VERSION)

    def capture(self, name: str) -> Workspace:
        """The window as a workspace called ``name``."""
        state = bytes(self.window.saveState(LAYOUT_VERSION).data())
        return Workspace(
            name,
            panes=tuple(self.host.states()),
            dock_state=base64.b64encode(state).decode(),
            selected_code=self._selected(),
            main_studies=tuple(self.chart.studies) if self.chart is not None else (),
            main_timeframe=self.chart.unit if self.chart is not None else None,
        )

    def apply(self, workspace: Workspace) -> None:
        """Replace the panes and the arrangement with ``workspace``'s."""
        self.host.close_all()
        self.host.restore(list(workspace.panes))
        if workspace.dock_state:
            try:
                state = base64.b64decode(workspace.dock_state, validate=True)
            except ValueError:
                self.sigNotice.emit(f"workspace {workspace.name}: damaged dock layout, panes kept")
            else:
                self.window.restoreState(QByteArray(state), LAYOUT_VERSION)
        if self.chart is not None:
            try:
                if workspace.main_timeframe is not None:
                    self.chart.set_timeframe(workspace.main_timeframe)
                self.chart.set_studies(list(workspace.main_studies))
            except (UpbitMonitorError, ValueError) as exc:
                self.sigNotice.emit(f"workspace {workspace.name}: chart settings skipped ({exc})")
        if workspace.selected_code:
            self._select(workspace.selected_code)
        self.current = workspace.name

    def reset_layout(self) -> None:
        """View -> Reset layout: extra panes closed, built-in docks back at their first places."""
        self.host.close_all()
        if self._initial_state is not None:
            self.window.restoreState(self._initial_state, LAYOUT_VERSION)
        for dock in self.window.findChildren(QDockWidget):
            if not dock.objectName().startswith("Pane-") and dock.isFloating():
                dock.setFloating(False)
        self._default_layout()
        self.current = None

    # ---- book operations ---------------------------------------------------------------------
    def save_as(self, name: str) -> None:
        """Save the window under ``name`` (overwrites a workspace of that name)."""
        try:
            self.book.save(self.capture(name))
        except WorkspaceError as exc:
            self.sigNotice.emit(str(exc))
            return
        self.current = name.strip()
        self._write_book()

    def load(self, name: str) -> None:
        """Apply the stored workspace ``name``."""
        try:
            self.apply(self.book.get(name))
        except WorkspaceError as exc:
            self.sigNotice.emit(str(exc))

    def rename(self, old: str, new: str) -> None:
        """Rename a stored workspace."""
        try:
            self.book.rename(old, new)
        except WorkspaceError as exc:
            self.sigNotice.emit(str(exc))
            return
        if self.current == old:
            self.current = new.strip()
        self._write_book()

    def delete(self, name: str) -> None:
        """Delete a stored workspace."""
        try:
            self.book.delete(name)
        except WorkspaceError as exc:
            self.sigNotice.emit(str(exc))
            return
        self._write_book()

    def set_default(self, name: str | None) -> None:
        """Load ``name`` at start (None: the last session's panes)."""
        self.book.set_default(name)
        self._write_book()

    # ---- start and exit ----------------------------------------------------------------------
    def restore_at_start(self) -> bool:
        """The default workspace, else the last session's panes. True if a workspace was applied."""
        if self.book.default is not None:
            self.load(self.book.default)
            return True
        data = self._read_json(SESSION_KEY, [])
        states: list[PaneState] = []
        for item in data if isinstance(data, list) else []:
            try:
                states.append(PaneState.from_dict(item))
            except WorkspaceError as exc:
                self.sigNotice.emit(f"a pane of the last session was skipped: {exc}")
        self.host.restore(states)
        return False

    def save_session(self) -> None:
        """Store the running session's panes (the window stores the dock arrangement itself)."""
        self.store.setValue(SESSION_KEY, json.dumps([s.to_dict() for s in self.host.states()]))

    def _write_book(self) -> None:
        self.store.setValue(BOOK_KEY, json.dumps(self.book.to_dict()))

    def _read_json(self, key: str, default: Any) -> Any:
        return read_json(self.store, key, default, self.sigNotice.emit)

    # ---- menus -------------------------------------------------------------------------------
    def fill_view_menu(self, view: QMenu) -> None:
        """Add the pane, workspace and Reset layout entries to the View menu."""
        view.addSeparator()
        # Rebuilt when shown: the composition root registers kinds (chart panes) after the menus.
        self.new_menu = view.addMenu("New pane")
        self.new_menu.aboutToShow.connect(self._rebuild_new_menu)
        self.new_menu.triggered.connect(self._new_pane_chosen)
        self.menu = view.addMenu("Workspaces")
        self.menu.aboutToShow.connect(self._rebuild_menu)
        view.addAction("Reset layout").triggered.connect(self.reset_layout)

    def _rebuild_new_menu(self) -> None:
        self.new_menu.clear()
        for kind, info in self.host.kinds.items():
            self.new_menu.addAction(info.title).setData(kind)

    def _new_pane_chosen(self, action: QAction) -> None:
        kind = action.data()
        if isinstance(kind, str) and kind in self.host.kinds:
            self.host.add_pane(kind)

    def _rebuild_menu(self) -> None:
        menu = self.menu
        menu.clear()
        menu.addAction("Save current as…").triggered.connect(self._ask_save)
        names = self.book.names()
        load = menu.addMenu("Load")
        rename = menu.addMenu("Rename")
        delete = menu.addMenu("Delete")
        default = menu.addMenu("Load at start")
        last = default.addAction("Last session's panes")
        last.setCheckable(True)
        last.setChecked(self.book.default is None)
        last.triggered.connect(lambda: self.set_default(None))
        for name in names:
            mark = " (current)" if name == self.current else ""
            load.addAction(name + mark).triggered.connect(lambda _=False, n=name: self.load(n))
            rename.addAction(name).triggered.connect(lambda _=False, n=name: self._ask_rename(n))
            delete.addAction(name).triggered.connect(lambda _=False, n=name: self.delete(n))
            act = default.addAction(name)
            act.setCheckable(True)
            act.setChecked(self.book.default == name)
            act.triggered.connect(lambda _=False, n=name: self.set_default(n))
        for sub in (load, rename, delete):
            sub.setEnabled(bool(names))

    def _ask(self, title: str, label: str, text: str, done: Callable[[str], None]) -> None:
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        dialog.setModal(False)
        dialog.textValueSelected.connect(done)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def _ask_save(self) -> None:
        self._ask("Save workspace", "Name:", self.current or "", self.save_as)

    def _ask_rename(self, old: str) -> None:
        self._ask("Rename workspace", f"New name for {old}:", old, lambda new: self.rename(old, new))
