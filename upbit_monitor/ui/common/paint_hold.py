"""Paint the ladder first: other panes' repaints wait during a coin switch until it is painted.

A click switches every view in one call. Qt repaints all of them on its next pass, before it reads
the socket again, and the chart alone takes ~7 ms to repaint (the tape another ~1 ms). The new
coin's orderbook comes back within 1-2 ms on loopback, so it waited behind them. While a hold is
on, the held widgets have updates disabled (Qt drops their update requests); the hold ends when
``release_on`` fires (the ladder's first paint of the new coin) or after ``timeout_ms`` (no book
came: a venue down, a hidden ladder), and re-enabling repaints each held widget once, whole,
which a coin switch did anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

import shiboken6
from PySide6.QtCore import QObject, QTimer, SignalInstance
from PySide6.QtWidgets import QWidget

HOLD_MS = 150  # longest hold: a trader sees a slow book, never a frozen chart


class PaintHold(QObject):
    """Holds repaints of some widgets until a signal or a timeout (see the module docstring)."""

    def __init__(self, parent: QObject, release_on: SignalInstance, timeout_ms: int = HOLD_MS) -> None:
        super().__init__(parent)
        self._held: list[QWidget] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.release)
        release_on.connect(self.release)

    @property
    def holding(self) -> bool:
        """True while some widget's repaint is held."""
        return bool(self._held)

    def hold(self, widgets: Iterable[QWidget], *, named: str = "") -> None:
        """Disable updates of ``widgets`` (and of the parent's children called ``named``: every chart)
        until the release; a new hold restarts the timeout."""
        parent = self.parent()
        found = parent.findChildren(QWidget, named) if named and parent is not None else []
        for widget in (*widgets, *found):
            # A widget someone else disabled stays theirs: re-enabling it here would be wrong.
            if widget.updatesEnabled() and widget not in self._held:
                widget.setUpdatesEnabled(False)
                self._held.append(widget)
        if self._held:
            self._timer.start()

    def release(self, *_args: object) -> None:
        """Repaint every held widget (the ones still alive) and end the hold."""
        self._timer.stop()
        held, self._held = self._held, []
        for widget in held:
            if shiboken6.isValid(widget):
                widget.setUpdatesEnabled(True)
