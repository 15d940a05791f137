"""One frame clock for every view: a single 25 Hz tick, views called in phases, hidden views skipped.

Views pull from the manager's pool; nothing repaints per message. Before this module each view ran its
own QTimer (eight of them) and a table of start offsets kept them apart. Now one precise timer ticks
every :data:`FRAME_MS` and calls the subscribed views:

* **Phases.** Started in one event-loop turn, a ladder, a chart, a list and the status panel would
  update their models together and land in one long paint pass, which is what the loop-lag p99
  measures. Each subscriber names a phase (ms into the frame); phase 0 runs in the tick itself, later
  phases each in their own turn via a zero-cost single shot, so repaints stay spread across the frame.
* **Rates.** A subscriber asks for an interval; it runs every ``round(interval / FRAME_MS)`` frames
  (the list at ~10 Hz, the status panel at 4 Hz, ladders and charts every frame).
* **Hidden views do not tick.** A dock tabbed behind another, a closed pane or a minimised window costs
  nothing; when it shows again the next frame repaints it from the pool's versions.
* **Weak.** The clock holds a view through a weak method and forgets it on ``destroyed`` (the slot does
  not capture the view), like the manager's registry.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

FRAME_MS = 40  # 25 Hz: smooth for a ladder, and a 5,000 msgs/s pool changes far more often than that

# Phases (ms into the frame). Chart first, then the status panel, the list, ladders + tapes.
CHART_MS = 0
STATUS_MS = 5
LIST_MS = 10
LADDER_MS = 20


@dataclass(eq=False, slots=True)
class _Sub:
    view: weakref.ref[QWidget]
    method: Callable[[], Callable[[], None] | None]
    every: int
    phase_ms: int
    only_visible: bool


class FrameClock(QObject):
    """The shared frame clock (one per QApplication: :meth:`shared`)."""

    _instance: FrameClock | None = None

    def __init__(self, parent: QObject | None = None, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self.frame_ms = frame_ms
        self.frames = 0
        self.calls = 0  # view callbacks run (tests/benchmarks)
        self.skipped_hidden = 0
        self._subs: dict[int, _Sub] = {}
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # coarse timers cluster expiries again
        self._timer.setInterval(frame_ms)
        self._timer.timeout.connect(self._on_frame)

    @classmethod
    def shared(cls) -> FrameClock:
        """The application's clock, created on first use and parented to the QApplication."""
        inst = cls._instance
        if inst is None or not shiboken6.isValid(inst):
            inst = cls(QCoreApplication.instance())
            cls._instance = inst
        return inst

    def add(
        self,
        view: QWidget,
        refresh: Callable[[], None],
        *,
        interval_ms: float = FRAME_MS,
        phase_ms: int = 0,
        only_visible: bool = True,
    ) -> None:
        """Call ``refresh`` (a bound method of ``view``) about every ``interval_ms``, at ``phase_ms``.

        Adding the same view again replaces its entry. ``only_visible=False`` is for views whose
        refresh also does bookkeeping that must not pause while hidden.
        """
        key = id(view)
        # A bound method is held weakly; any other callable strongly (it must not capture the view).
        method: Callable[[], Callable[[], None] | None] = (
            weakref.WeakMethod(refresh) if inspect.ismethod(refresh) else (lambda: refresh)
        )
        self._subs[key] = _Sub(
            weakref.ref(view),
            method,
            max(1, round(interval_ms / self.frame_ms)),
            max(0, min(phase_ms, self.frame_ms - 1)),
            only_visible,
        )
        view.destroyed.connect(lambda *_a, k=key: self._drop_dead(k))
        if not self._timer.isActive():
            self._timer.start()

    def remove(self, view: QWidget) -> None:
        """Stop ticking ``view`` (also automatic when it is destroyed)."""
        self._subs.pop(id(view), None)

    def _drop_dead(self, key: int) -> None:
        # ids are reused: only drop the entry if its view is really gone (not a newer view's entry).
        sub = self._subs.get(key)
        if sub is not None and ((view := sub.view()) is None or not shiboken6.isValid(view)):
            del self._subs[key]

    def __len__(self) -> int:
        return len(self._subs)

    def _on_frame(self) -> None:
        self.frames += 1
        frame = self.frames
        phases = sorted({s.phase_ms for s in self._subs.values()})
        for phase in phases:
            if phase == 0:
                self._run(0, frame)
            else:
                # The clock is the context object: if it dies first, the shot never runs.
                QTimer.singleShot(phase, self, lambda p=phase, f=frame: self._run(p, f))
        if not self._subs:
            self._timer.stop()

    def _run(self, phase: int, frame: int) -> None:
        for key, sub in list(self._subs.items()):
            if sub.phase_ms != phase or frame % sub.every:
                continue
            view = sub.view()
            method = sub.method()
            if view is None or method is None or not shiboken6.isValid(view):
                self._subs.pop(key, None)
                continue
            if sub.only_visible and not view.isVisible():
                self.skipped_hidden += 1
                continue
            self.calls += 1
            method()


class ClockedView(QWidget):
    """A view the shared clock refreshes: ``refresh`` about ``hz`` times a second at ``phase_ms``.

    Subscribing in the constructor is safe before the subclass has built its parts: the clock only
    ticks from the event loop, after the constructor has returned.
    """

    def __init__(self, name: str, parent: QWidget | None, *, hz: float, phase_ms: int,
                 only_visible: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        FrameClock.shared().add(self, self.refresh, interval_ms=1000.0 / hz, phase_ms=phase_ms,
                                only_visible=only_visible)

    def refresh(self) -> None:
        """Frame tick: bring the view up to date from the pool."""
        raise NotImplementedError
