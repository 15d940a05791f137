"""Python's cyclic garbage collector, run only on the Qt GUI thread.

Why: CPython runs an automatic collection on whichever thread happens to allocate when the
generation-0 threshold is crossed. In this app that is often a worker thread (``asyncio.to_thread``
for REST and database work, the storage writer thread). If that collection frees a reference cycle
holding a QObject (a widget, a closed qasync loop's timers and notifiers), the C++ object is
destroyed on the wrong thread while Qt still has its timers registered on the GUI thread, and Qt
later crashes in ``QTimerInfoList::activateTimers`` (a use-after-free; seen in the test suite, fixed
there the same way in tests/conftest.py). pyqtgraph's ``GarbageCollector`` exists for the same
reason. So automatic collection is switched off and a QTimer on the GUI thread collects instead.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadGc(QObject):
    """Disable automatic GC and collect from a GUI-thread QTimer.

    Every ``interval_ms`` generation 0 is collected (cheap: only young objects); generation 1 when
    its count passes the interpreter's threshold, and a full collection every ``full_every`` ticks
    so long-lived cycles are still reclaimed. :meth:`stop` restores automatic collection.
    """

    def __init__(
        self, parent: QObject | None = None, *, interval_ms: int = 1000, full_every: int = 60
    ) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._full_every = max(1, full_every)
        self._ticks = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    @property
    def active(self) -> bool:
        """True while the timer runs (automatic GC is off)."""
        return self._timer.isActive()

    def collect(self) -> int:
        """One tick: collect generation 0, 1 or 2 as due; returns the number of unreachable objects."""
        self._ticks += 1
        if self._ticks % self._full_every == 0:
            return gc.collect()
        found = gc.collect(0)
        if gc.get_count()[1] > gc.get_threshold()[1]:
            found += gc.collect(1)
        return found

    def stop(self) -> None:
        """Stop the timer, run a last full collection here, and restore automatic GC if it was on."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
