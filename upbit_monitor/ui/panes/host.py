"""Extra panes as docks: creation from the View menu, linking through one LinkHub, close = gone.

:class:`PaneHost` is the window's registry of pane *kinds* (chart, orderbook, watch grid; other
features may register theirs) and of the panes that exist. Each pane is a :class:`PaneFrame` in a
``QDockWidget`` that can float or tab; closing the dock deletes it (``WA_DeleteOnClose``): the
pane's widget registered itself with the manager, whose weak registry and ``destroyed`` hook drop
its subscriptions, so the merged request shrinks with no bookkeeping here. The host only forgets
the pane (hub and table) from the frame's ``destroyed`` signal, through a closure that holds the id,
never the frame.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from upbit_monitor.errors import UpbitMonitorError
from upbit_monitor.features.panes import LinkHub, LinkMode, PaneKind, PaneLink, PaneState
from upbit_monitor.features.studies import studies_from_list, studies_to_list
from upbit_monitor.ui.panes.frame import PaneFrame


@dataclass(frozen=True, slots=True)
class KindInfo:
    """How to make a pane of one kind."""

    title: str
    factory: Callable[[], QWidget]


class PaneHost(QObject):
    """Extra panes of one window. **Signals:** ``sigPanesChanged()`` a pane was added or closed;
    ``sigNotice(str)`` a problem for the status panel."""

    sigPanesChanged = Signal()
    sigNotice = Signal(str)

    def __init__(self, window: QMainWindow, codes: Callable[[], list[str]]) -> None:
        super().__init__(window)
        self.window = window
        self.hub = LinkHub()
        self._codes = codes
        self.kinds: dict[str, KindInfo] = {}
        self.frames: dict[str, PaneFrame] = {}
        self._counter = itertools.count(1)
        self._tokens: dict[str, int] = {}
        self.anchor: QDockWidget | None = None  # new panes open as tabs beside it (the main Chart)
        self.created = 0  # panes made since start (soak, tests)

    def register_kind(self, kind: str, title: str, factory: Callable[[], QWidget]) -> None:
        """Make ``kind`` available ("New <title> pane" in the View menu)."""
        self.kinds[kind] = KindInfo(title, factory)

    # ---- panes -------------------------------------------------------------------------------
    def add_pane(
        self,
        kind: str,
        *,
        pane_id: str | None = None,
        link: PaneLink | None = None,
        code: str | None = None,
        settings: dict[str, object] | None = None,
        floating: bool = False,
    ) -> PaneFrame:
        """Create a pane in a new dock; it shows ``code`` or, by its link, the right coin."""
        info = self.kinds[kind]
        pane_id = pane_id or self._new_id(kind)
        body = info.factory()
        frame = PaneFrame(pane_id, kind, body, self._codes)
        dock = QDockWidget(f"{info.title} {pane_id.rsplit('-', 1)[-1]}", self.window)
        dock.setObjectName(f"Pane-{pane_id}")
        dock.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dock.setWidget(frame)
        # New panes join the anchor dock (the main Chart) as tabs: adding panes never grows the
        # window past the screen, and drag-and-drop splits or floats them. One long-lived tab group
        # also matters for memory: Qt keeps the tab bar of every tab group that ever existed, so
        # groups made and emptied per pane would leak a QTabBar each (found by the soak).
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        anchor = self.anchor if self.anchor is not None and shiboken6.isValid(self.anchor) else None
        if anchor is not None and not anchor.isFloating() and self.window.dockWidgetArea(anchor) != (
            Qt.DockWidgetArea.NoDockWidgetArea
        ):
            self.window.tabifyDockWidget(anchor, dock)
        dock.setFloating(floating)
        self.frames[pane_id] = frame
        self.created += 1
        token = self.created
        self._tokens[pane_id] = token
        host = weakref.ref(self)

        def gone(*_: object, pid: str = pane_id) -> None:
            # Holds the id and a weak host only: Qt keeps this closure, and a strong reference to
            # the frame or the host from here would be a cycle Python's collector cannot see.
            alive = host()
            if alive is not None and shiboken6.isValid(alive):  # the host may go first at exit
                alive._forget(pid, token)

        frame.destroyed.connect(gone)
        frame.sigLinkChosen.connect(self.set_link)
        frame.sigCodeEntered.connect(self._code_entered)
        apply = getattr(body, "apply_pane_settings", None)
        if settings and callable(apply):
            apply(settings)
        link = link or PaneLink()
        self.hub.add(pane_id, link, frame)
        frame.set_link(link)
        first = code if link.mode is not LinkMode.FOLLOW else None
        first = first or self._group_code(link, pane_id) or self.hub.selected
        if first:
            frame.show_code(first)
        frame.refresh_completions()
        dock.show()
        dock.raise_()
        self.sigPanesChanged.emit()
        return frame

    def _forget(self, pane_id: str, token: int) -> None:
        # A workspace load may already have reused the id for a new pane: leave that one be.
        if self._tokens.get(pane_id) == token:
            del self._tokens[pane_id]
            self.hub.remove(pane_id)
            self.frames.pop(pane_id, None)
            self.sigPanesChanged.emit()

    def _code_entered(self, pane_id: str, code: str) -> None:
        if pane_id in self.frames:
            self.hub.select(code, source=pane_id)

    def _new_id(self, kind: str) -> str:
        while True:
            pane_id = f"{kind}-{next(self._counter)}"
            if pane_id not in self.frames:
                return pane_id

    def _group_code(self, link: PaneLink, pane_id: str) -> str | None:
        if link.mode is not LinkMode.GROUP:
            return None
        for pid in self.hub.members(link):
            frame = self.frames.get(pid)
            if pid != pane_id and frame is not None and frame.code:
                return frame.code
        return None

    def set_link(self, pane_id: str, link: PaneLink) -> None:
        """Change a pane's link; joining a group adopts the group's coin (one switch)."""
        frame = self.frames[pane_id]
        frame.set_link(link)
        self.hub.set_link(pane_id, link)
        code = self._group_code(link, pane_id)
        if code and code != frame.code:
            frame.show_code(code)

    def dock(self, pane_id: str) -> QDockWidget:
        """The dock holding a pane."""
        dock = self.frames[pane_id].parentWidget()
        assert isinstance(dock, QDockWidget)
        return dock

    def close_pane(self, pane_id: str) -> None:
        """Close (and delete) one pane; it leaves the hub at once (the delete itself is deferred)."""
        dock = self.dock(pane_id)
        self._tokens.pop(pane_id, None)
        self.frames.pop(pane_id, None)
        self.hub.remove(pane_id)
        dock.close()
        self.sigPanesChanged.emit()

    def close_all(self) -> None:
        """Close every extra pane (Reset layout, loading a workspace)."""
        for pane_id in list(self.frames):
            self.close_pane(pane_id)

    # ---- workspace state ---------------------------------------------------------------------
    def states(self) -> list[PaneState]:
        """Every pane as plain data, in creation order."""
        out = []
        for pane_id, frame in self.frames.items():
            settings: dict[str, Any] = getattr(frame.body, "pane_settings", dict)()
            timeframe = settings.get("timeframe")
            studies, _ = studies_from_list(settings.get("studies", []))
            options = tuple(sorted((k, v) for k, v in settings.items() if k not in ("timeframe", "studies")
                                   and isinstance(v, bool | int | float | str)))
            out.append(PaneState(pane_id, PaneKind(frame.kind), frame.link, frame.code,
                                 timeframe if isinstance(timeframe, int) else None, tuple(studies), options))
        return out

    def restore(self, states: list[PaneState]) -> None:
        """Recreate panes (after :meth:`close_all`); kinds not available here are reported, skipped."""
        for state in states:
            if state.kind.value not in self.kinds:
                self.sigNotice.emit(f"workspace pane {state.pane_id}: no {state.kind.value} panes here")
                continue
            settings: dict[str, object] = dict(state.options)
            settings["studies"] = studies_to_list(list(state.studies))
            if state.timeframe is not None:
                settings["timeframe"] = state.timeframe
            try:
                self.add_pane(state.kind.value, pane_id=state.pane_id, link=state.link, code=state.code,
                              settings=settings)
            except UpbitMonitorError as exc:
                self.sigNotice.emit(f"workspace pane {state.pane_id} skipped: {exc}")
