"""Phases of the views' repaint timers, so their ticks (and the repaints they cause) do not pile up.

Every view pulls from the manager's pool on its own QTimer. Started in the same event-loop turn,
a 25 Hz ladder, a 25 Hz chart, a 10 Hz list and a 4 Hz status panel fire together every 200 ms,
and their model updates land in the same paint pass: one long frame instead of several short
ones, which is what the event-loop lag p99 measures. Each timer is therefore started at its own
offset within the 40 ms frame, and as a precise timer: Qt's default coarse timers round their
expiry to common boundaries, which clusters them again.

Offsets (ms within a 40 ms frame): chart 0 (its own timer, started at once), status panel 5,
coin list 10 (100 ms period: lands on 10 and 30), ladder + tape 20.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

STATUS_MS = 5
LIST_MS = 10
LADDER_MS = 20


def start_phased(timer: QTimer, offset_ms: int) -> None:
    """Start ``timer`` (interval already set) ``offset_ms`` from now, as a precise timer."""
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    if offset_ms <= 0:
        timer.start()
    else:
        # The timer is the context object: if its owner dies first, the start never runs.
        QTimer.singleShot(offset_ms, timer, timer.start)
