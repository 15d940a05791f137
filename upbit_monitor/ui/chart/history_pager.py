"""HistoryPager: the chart's history loads, the first window on a switch and older pages on scroll.

Both loads run as asyncio tasks on the qasync loop. A *generation* number ties each task to the coin
and timeframe it was started for: a coin switch bumps it, so a load that finishes after the user moved
on is dropped instead of painting the old coin's bars. The view may be deleted while a load is pending
(the dock closed): every completion checks ``shiboken6.isValid`` before touching it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import shiboken6

from upbit_monitor.ui.chart.series import bar_from_candle
from upbit_monitor.ui.chart.toolbar import TIMEFRAME_LABELS
from upbit_monitor.ui.common.loop import running_loop

if TYPE_CHECKING:  # the UI never needs the storage stack imported just for a type
    from upbit_monitor.features.history.loader import HistoryLoader, HistoryResult
    from upbit_monitor.ui.chart.view import ChartView

log = logging.getLogger(__name__)

__all__ = ["HistoryPager"]


class HistoryPager:
    """Loads the shown window of candles into ``view`` and pages older ones in when scrolled to."""

    OLDER_BATCH = 200  # candle slots fetched when the user scrolls past the oldest bar
    MAX_BARS = 5000  # bounds memory and the cost of a full cache rebuild

    def __init__(self, view: ChartView, loader: HistoryLoader | None, window: int) -> None:
        self._view = view
        self._loader = loader
        self._window = window
        self._generation = 0
        self.task: asyncio.Task[None] | None = None  # the window load of the current switch
        self.older_task: asyncio.Task[None] | None = None
        self._older_exhausted = False

    async def done(self) -> None:
        """Wait until the current loads (window and older bars) finished, however they ended."""
        tasks = {t for t in (self.task, self.older_task) if t is not None and not t.done()}
        if tasks:
            await asyncio.wait(tasks)

    def pending(self) -> list[asyncio.Task[None]]:
        """The loads still running (for the window's close: cancelled, then awaited)."""
        return [t for t in (self.task, self.older_task) if t is not None and not t.done()]

    def start(self, code: str | None, unit: int) -> None:
        """Coin or timeframe switched: drop pending loads, load the window of ``code`` at ``unit``."""
        view = self._view
        self._generation += 1
        self._older_exhausted = False
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.task = None
        if self._loader is None or code is None:
            return
        loop = running_loop()
        if loop is None:
            view.report("chart history needs a running event loop")
            return
        view.status.setText("loading…")
        view.plots.set_placeholder(f"loading {code} {TIMEFRAME_LABELS[unit]}…")
        self.task = loop.create_task(self._load(self._generation, code, unit))

    def _current(self, generation: int) -> bool:
        # False when the user switched again meanwhile, or the widget is gone.
        return shiboken6.isValid(self._view) and generation == self._generation

    async def _load(self, generation: int, code: str, unit: int) -> None:
        assert self._loader is not None
        view = self._view
        try:
            result = await self._loader.load(code, unit, self._window)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the chart must survive any loader failure
            log.exception("chart history failed for %s %dm", code, unit)
            if self._current(generation):
                view.status.setText("history unavailable")
                view.plots.set_placeholder("history unavailable: waiting for live candles")
                view.report(f"chart history failed: {exc}")
            return
        if self._current(generation):
            self._loaded(result)

    def _loaded(self, result: HistoryResult) -> None:
        view = self._view
        view.plots.set_placeholder("no candles yet" if not result.rest_error else "history unavailable")
        view.set_bars(bar_from_candle(c) for c in result.candles)
        # Where the bars came from is a diagnostic: the tooltip says it; the strip only shows problems
        # (or the venue's note), so it does not fill a narrow dock with "DB 299 + REST 1".
        problems = []
        if result.rest_error:
            problems.append("REST failed")
            view.report(f"chart REST history: {result.rest_error}")
        if result.db_error:
            problems.append("DB failed")
            view.report(f"chart database: {result.db_error}")
        source = f"{len(view.series)} bars: DB {result.from_db} + REST {result.fetched}"
        view.set_status(" · ".join(problems), source, result.rest_error, result.db_error)
        view.sigHistoryLoaded.emit(result.code, result.unit, len(view.series))

    def maybe_load_older(self, *_: object) -> None:
        """The user scrolled to the oldest bar: fetch the ``OLDER_BATCH`` slots before it."""
        view = self._view
        series = view.series
        busy = any(t is not None and not t.done() for t in (self.task, self.older_task))
        code = view.code
        if (
            busy
            or self._older_exhausted
            or self._loader is None
            or code is None
            or not len(series)
            or len(series) >= self.MAX_BARS
        ):
            return
        oldest = series[0].t
        if view.plots.x_range()[0] > oldest + 5 * series.unit_s:
            return
        loop = running_loop()
        if loop is None:
            return
        end = datetime.fromtimestamp(oldest, UTC)
        view.status.setText("loading older…")
        self.older_task = loop.create_task(self._load_older(self._generation, code, view.unit, end))

    async def _load_older(self, generation: int, code: str, unit: int, end: datetime) -> None:
        assert self._loader is not None
        try:
            result = await self._loader.load_before(code, unit, end, self.OLDER_BATCH)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let a history failure break the chart
            log.exception("chart: older history failed for %s %dm", code, unit)
            result = None
            error = str(exc)
        if not self._current(generation):
            return
        view = self._view
        if result is None or result.rest_error:
            # Stop asking until the next switch: scrolling must not hammer a failing server.
            self._older_exhausted = True
            view.report(f"chart older history: {error if result is None else result.rest_error}")
            view.status.setText("older history unavailable")
            return
        if not result.candles:
            self._older_exhausted = True  # nothing older (or a long stretch without trades)
            view.set_status("", f"{len(view.series)} bars · start of history")
            return
        view.prepend_bars([bar_from_candle(c) for c in result.candles])
        view.set_status("", f"{len(view.series)} bars")
        view.sigHistoryLoaded.emit(code, unit, len(view.series))
