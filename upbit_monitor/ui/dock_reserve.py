"""Docks that arrive after the window is shown take the place kept for them: no re-flow at start.

The composition root shows the window with the coin list, the ladder and the status panel first and
builds the chart and the feature docks (premium, announcements, my orders, panes of the last session)
a few hundred milliseconds later. A dock added to a shown window would push the others aside, so the
window keeps an empty *placeholder* dock under each name it expects: the names the last session
saved (``window/docks``), or on a first run the default arrangement below, built the way the features
add their docks. The saved layout is restored with the placeholders in it, and the default layout
sizes them on first show, so the first painted frame already has the final arrangement.

When a feature adds its dock (``addDockWidget``, ``splitDockWidget`` or ``restoreDockWidget``), the
window asks :meth:`DockReservations.claim`: the placeholder of that name gives up its place to the
real dock (``saveState`` / ``restoreState`` around the swap, which places docks by object name, in one
event-loop turn so no frame shows the intermediate state). :meth:`release` drops placeholders nobody
claimed (a feature that did not start) once the late steps are done.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

DOCKS_KEY = "window/docks"

RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


@dataclass(frozen=True)
class Reserved:
    """One expected dock of the default arrangement and how its feature places it."""

    name: str
    title: str
    area: Qt.DockWidgetArea = RIGHT
    tab_with: str = ""  # tabified with this dock (My orders + My assets)
    under: str = ""  # split under this dock (Premium under the Chart)
    hidden: bool = False  # added hidden (Alerts: opened by its badge)
    # The real dock body's minimum size (its minimumSizeHint with the bundled fonts). The placeholder
    # asks for it too, so the first layout already leaves the real dock room: at 1024x700 an empty
    # placeholder was given less (Premium 130 px high, My orders 216 px wide) and the real dock
    # pushed the chart and the status panel aside when it arrived.
    min_width: int = 0
    min_height: int = 0


# The window's own Chart dock first, then the feature docks in the order the composition root adds
# them (app_attach.py) and where each feature puts them without a saved layout.
DEFAULT_DOCKS: tuple[Reserved, ...] = (
    Reserved("ChartDock", "Chart"),
    Reserved("MyOrdersDock", "My orders", BOTTOM, min_width=217),
    Reserved("MyAssetsDock", "My assets", BOTTOM, tab_with="MyOrdersDock", min_width=217),
    Reserved("AnnouncementsDock", "Announcements"),
    Reserved("PremiumDock", "Premium", under="ChartDock", min_height=146),
    Reserved("AlertsDock", "Alerts", BOTTOM, hidden=True),
)


def saved_docks(store: QSettings) -> list[Reserved] | None:
    """The dock names and titles the last session saved (None: nothing usable saved)."""
    try:
        raw = json.loads(str(store.value(DOCKS_KEY, "")))
    except ValueError:
        return None
    if not isinstance(raw, list):
        return None
    out = [Reserved(str(item[0]), str(item[1])) for item in raw
           if isinstance(item, list) and len(item) == 2 and item[0]]
    return out or None


def reserved_docks(store: QSettings) -> tuple[list[Reserved], bool]:
    """The docks to keep places for, and whether a saved layout arranges them (else the defaults do).

    The Chart's place comes first: the window adds it between the Markets and Status docks.
    """
    saved = saved_docks(store)
    if saved is None:
        return list(DEFAULT_DOCKS), False
    known = {d.name: d for d in DEFAULT_DOCKS}
    # A saved dock of the default set keeps its body's minimum (the saved sizes were the real dock's).
    kept = [replace(d, min_width=known[d.name].min_width, min_height=known[d.name].min_height)
            if d.name in known else d for d in saved if d.name != DEFAULT_DOCKS[0].name]
    return [DEFAULT_DOCKS[0], *kept], True


def save_docks(window: QMainWindow, store: QSettings, own: Sequence[str]) -> None:
    """Remember every dock's name and title but the window's always-built ``own`` ones."""
    docks = [[d.objectName(), _base_title(d)] for d in window.findChildren(QDockWidget)
             if d.objectName() and d.objectName() not in own]
    store.setValue(DOCKS_KEY, json.dumps(docks))


def _base_title(dock: QDockWidget) -> str:
    # "Chart — Upbit", "My orders · Upbit", "Announcements (2)": its feature sets the live title again.
    return dock.windowTitle().split(" — ")[0].split(" · ")[0].split(" (")[0]


class DockReservations:
    """The placeholders of one window (see the module docstring)."""

    def __init__(self, window: QMainWindow, version: int) -> None:
        self.window = window
        self.version = version
        self.placeholders: dict[str, QDockWidget] = {}
        self.claimed: list[str] = []

    def reserve(self, docks: Sequence[Reserved], with_layout: bool) -> None:
        """Add a placeholder per dock; ``with_layout``: a saved layout will place them (no defaults)."""
        w = self.window
        for spec in docks:
            if spec.name in self.placeholders or w.findChild(QDockWidget, spec.name) is not None:
                continue
            ph = QDockWidget(spec.title, w)
            ph.setObjectName(spec.name)
            body = QWidget(ph)  # an empty body in the theme's background until the real one
            body.setMinimumSize(spec.min_width, spec.min_height)
            ph.setWidget(body)
            ph.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
            self.placeholders[spec.name] = ph
            under = self.placeholders.get(spec.under) if not with_layout else None
            tab = self.placeholders.get(spec.tab_with) if not with_layout else None
            if under is not None:
                QMainWindow.splitDockWidget(w, under, ph, Qt.Orientation.Vertical)
            else:
                QMainWindow.addDockWidget(w, spec.area, ph)
            if tab is not None:
                QMainWindow.tabifyDockWidget(w, tab, ph)
                tab.raise_()
            if spec.hidden and not with_layout:
                ph.hide()

    def placeholder(self, name: str) -> QDockWidget | None:
        """The placeholder kept under ``name``, if any."""
        return self.placeholders.get(name)

    def claim(self, dock: QDockWidget) -> bool:
        """Put ``dock`` where its placeholder is; False when none is kept for its name."""
        ph = self.placeholders.pop(dock.objectName(), None) if dock.objectName() else None
        if ph is None:
            return False
        w = self.window
        state = w.saveState(self.version)
        area = w.dockWidgetArea(ph)
        w.removeDockWidget(ph)
        ph.setObjectName("")  # restoreState finds docks by name: only the real one may answer
        ph.deleteLater()
        QMainWindow.addDockWidget(w, area if area != Qt.DockWidgetArea.NoDockWidgetArea else RIGHT, dock)
        w.restoreState(state, self.version)
        self.claimed.append(dock.objectName())
        return True

    def release(self) -> list[str]:
        """Drop the placeholders nobody claimed (their feature did not start); returns their names."""
        left = list(self.placeholders)
        for ph in self.placeholders.values():
            self.window.removeDockWidget(ph)
            ph.setObjectName("")  # the name is free at once for a dock added later (deleteLater is not)
            ph.deleteLater()
        self.placeholders.clear()
        return left

    @property
    def pending(self) -> bool:
        """Placeholders are still waiting for their docks."""
        return bool(self.placeholders)


class ReservingWindow(QMainWindow):
    """A main window whose late docks take the places kept for them (``self.reservations``).

    The three ways features add a dock end in :meth:`DockReservations.claim` when a place is kept
    under the dock's name; everything else is Qt's own behaviour.
    """

    reservations: DockReservations | None = None

    def _claimed(self, dock: QDockWidget) -> bool:
        return self.reservations is not None and self.reservations.claim(dock)

    def addDockWidget(self, area: Qt.DockWidgetArea, dock: QDockWidget, *args: object) -> None:
        """Qt's addDockWidget, or into the place kept for ``dock``."""
        if not self._claimed(dock):
            super().addDockWidget(area, dock, *args)

    def splitDockWidget(self, first: QDockWidget, second: QDockWidget,
                        orientation: Qt.Orientation) -> None:
        """Qt's splitDockWidget, or ``second`` into the place kept for it."""
        if not self._claimed(second):
            super().splitDockWidget(first, second, orientation)

    def restoreDockWidget(self, dock: QDockWidget) -> bool:
        """Qt's restoreDockWidget (a place from the restored state), or the place kept for ``dock``."""
        return self._claimed(dock) or super().restoreDockWidget(dock)

    def release_reserved_docks(self) -> list[str]:
        """Every late dock is in: drop the places nobody claimed (a feature that did not start)."""
        left = self.reservations.release() if self.reservations is not None else []
        self.reservations = None
        return left
