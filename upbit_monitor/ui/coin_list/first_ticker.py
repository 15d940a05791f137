"""Log when the first live price is on screen: the start-up time a user feels.

"Start to first painted ticker" is the figure issue #18 sets a target for. It is logged once
(INFO, ``startup: first ticker on screen ...``) from the coin list's paint events, so every way of
running the app reports it the same way: ``python main.py``, the installed ``upbit-monitor`` script
and the PyInstaller bundle, where bench/startup.py cannot patch the window from outside. The log
record's timestamp is wall-clock time; the seconds in the message count from the start of the
process (its creation time from the OS where available, else the import of this module).
"""

from __future__ import annotations

import logging
import os
import time

from PySide6.QtCore import QEvent, QObject, Signal

from upbit_monitor.ui.coin_list.model import CODE_ROLE, Col
from upbit_monitor.ui.coin_list.view import CoinList

log = logging.getLogger("upbit_monitor.startup")

MESSAGE = "startup: first ticker on screen"


def process_started() -> float:
    """Wall-clock time the process started (Linux: /proc; elsewhere: when this module was imported).

    The process's age is its start in clock ticks after boot (/proc/self/stat) against the boot-time
    clock now: 10 ms resolution. (Adding the start to /proc/stat's ``btime`` instead, whole seconds,
    put up to a second of error into every figure logged before session 4.)
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])  # field 22: starttime, clock ticks
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - age
    except (OSError, ValueError, IndexError, AttributeError):  # AttributeError: no CLOCK_BOOTTIME
        return _IMPORTED


_IMPORTED = time.time()


class FirstTickerProbe(QObject):
    """Event filter on the coin list's viewport; logs the first paint that shows a price, then leaves."""

    # Emitted once, as that paint arrives: the composition root attaches the rest of the app after it.
    ticker_painted = Signal()

    def __init__(self, coin_list: CoinList) -> None:
        super().__init__(coin_list)
        self._coin_list = coin_list
        self._started = process_started()
        coin_list.table.viewport().installEventFilter(self)

    def _top_row_has_ticker(self) -> bool:
        cl = self._coin_list
        if cl.proxy.rowCount() == 0:
            return False
        code = cl.proxy.index(0, Col.PRICE).data(CODE_ROLE)
        return isinstance(code, str) and cl.model.ticker(code) is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Watch paint events until one shows a price."""
        if event.type() == QEvent.Type.Paint and self._top_row_has_ticker():
            # Logged as the paint event arrives: Qt draws the row right after this returns.
            log.info("%s %.2f s after the process started", MESSAGE, time.time() - self._started)
            watched.removeEventFilter(self)
            self.ticker_painted.emit()
        return False
