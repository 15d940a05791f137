"""REST reads still in flight when the window closes: cancelled at once, awaited before the loop ends.

A coin switch starts REST reads that outlive the click: the tape's recent fills (every orderbook
view) and the chart's history pages (every chart). Closing the window used to leave them running
while the app shut the manager, the simulator and the loop down under them; a read cut off that way
could leave its loopback socket for the garbage collector (a ResourceWarning seen once in the test
suite). The window cancels them in ``closeEvent`` and the composition root awaits
:func:`reads_finished` before it shuts anything else down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtWidgets import QWidget

from upbit_monitor.ui.orderbook.view import OrderbookView
from upbit_monitor.ui.watch.grid import WatchGrid


def in_flight_reads(window: QWidget) -> list[asyncio.Task[Any]]:
    """The unfinished REST read tasks of every orderbook view, watch grid and chart in ``window``."""
    tasks: list[asyncio.Task[Any]] = []
    for view in window.findChildren(OrderbookView):
        tasks += view.pending_reads()
    for grid in window.findChildren(WatchGrid):
        tasks += grid.pending_reads()
    for chart in window.findChildren(QWidget, "ChartView"):
        pending: Callable[[], Iterable[asyncio.Task[Any]]] | None = getattr(
            getattr(chart, "history_pager", None), "pending", None)
        if pending is not None:
            tasks += pending()
    return [t for t in tasks if not t.done()]


def cancel_reads(window: QWidget) -> list[asyncio.Task[Any]]:
    """Cancel every read :func:`in_flight_reads` finds; returns them for :func:`reads_finished`."""
    tasks = in_flight_reads(window)
    for task in tasks:
        task.cancel()
    return tasks


async def reads_finished(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Wait until the cancelled reads have ended (their own cleanup included), however they end."""
    pending = {t for t in tasks if not t.done()}
    if pending:
        await asyncio.wait(pending)
