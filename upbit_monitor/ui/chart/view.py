"""ChartView: candles + volume of the selected coin, history from DB/REST, live from the stream.

Data flow. History comes from :class:`~upbit_monitor.features.history.loader.HistoryLoader`
(database first, REST
for gaps) in an asyncio task. Live data is *pulled*: a QTimer at ``repaint_hz`` asks the manager for
``version("candle.Nm", code)`` and only when it moved reads ``latest_candle``; so the chart's cost is
bounded by the frame rate, never by the message rate. A live candle changes one bar, and the items
re-render only that bar's cached picture (see ``chart_items``).

Subscriptions. The view registers itself once (``mgr.register``) and replaces its one spec on every
coin or timeframe switch (``mgr.update``). Unregistration is the manager's weakref/``destroyed`` path;
the view keeps no bookkeeping for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QContextMenuEvent
from PySide6.QtWidgets import QMenu, QVBoxLayout, QWidget

from upbit_monitor.errors import UpbitMonitorError
from upbit_monitor.features.studies import PriceLineBook, StudySettings, studies_from_list, studies_to_list
from upbit_monitor.features.studies.periods import PERIOD_UNITS, PeriodBar, PeriodBarTracker
from upbit_monitor.protocol.events import Candle
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.chart.lines import PriceLines
from upbit_monitor.ui.chart.plots import ChartPlots
from upbit_monitor.ui.chart.series import Bar, BarSeries, Change, bar_from_candle
from upbit_monitor.ui.chart.source import ChartSource
from upbit_monitor.ui.chart.studies import StudyLayer
from upbit_monitor.ui.chart.study_menu import StudiesMenu
from upbit_monitor.ui.chart.theme import DARK, DEFAULT_DOWN, DEFAULT_UP, LIGHT, readout_html, readout_text
from upbit_monitor.ui.chart.toolbar import TIMEFRAME_LABELS, ChartToolbar
from upbit_monitor.ui.common.formatting import format_price, quote_of
from upbit_monitor.ui.common.frame_clock import CHART_MS, FrameClock

if TYPE_CHECKING:  # the UI never needs the storage stack imported just for a type
    from upbit_monitor.features.history.loader import HistoryLoader, HistoryResult

log = logging.getLogger(__name__)

__all__ = ["ChartSource", "ChartView"]


class ChartView(QWidget):
    """Candlestick chart with volume, KST time axis, crosshair readout and timeframe buttons.

    **Signals:** ``sigTimeframeChanged(int)`` unit in minutes; ``sigHistoryLoaded(str, int, int)``
    code, unit, bar count; ``sigError(str)`` a history/DB/subscription problem (the chart keeps going);
    ``sigStudiesChanged(list)`` the user changed the studies (the owner persists them).
    """

    TIMEFRAMES: tuple[int, ...] = tuple(TIMEFRAME_LABELS)
    OLDER_BATCH = 200  # candle slots fetched when the user scrolls past the oldest bar
    MAX_BARS = 5000  # bounds memory and the cost of a full cache rebuild
    sigTimeframeChanged = Signal(int)
    sigHistoryLoaded = Signal(str, int, int)
    sigError = Signal(str)
    sigStudiesChanged = Signal(list)

    def __init__(
        self,
        manager: ChartSource | None,
        history: HistoryLoader | None,
        parent: QWidget | None = None,
        *,
        repaint_hz: float = 25.0,
        window: int = 300,
        visible_bars: int = 120,
        price_lines: PriceLineBook | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ChartView")
        self._manager = manager
        self._history = history
        self._window = window
        self._visible_bars = visible_bars
        self._code: str | None = None
        self._note = ""  # the venue's words after the code in the title
        self._unit = 1
        self._seen_version = -1
        self._generation = 0
        self._history_task: asyncio.Task[None] | None = None
        self._older_task: asyncio.Task[None] | None = None
        self._older_exhausted = False
        self._hover_index: int | None = None
        self._up, self._down = QColor(DEFAULT_UP), QColor(DEFAULT_DOWN)
        self._theme = DARK
        self.readout_plain = ""  # the readout without markup (tests, copy)
        self.last_context_menu: QMenu | None = None
        self._context_actions: list[Callable[[QMenu, float], None]] = []
        self.series = BarSeries(60)
        # Day+ timeframes have no candle stream: their newest bar is folded from the ticker.
        self._period: PeriodBarTracker | None = None

        self.toolbar = ChartToolbar(self, self._unit)
        self.title, self.status, self.readout = self.toolbar.title, self.toolbar.status, self.toolbar.readout
        self._tf_group = self.toolbar.timeframes
        self._tf_group.idClicked.connect(self.set_timeframe)
        self.toolbar.more_menu.triggered.connect(self._on_more_timeframe)
        self.plots = ChartPlots(self.series, self._up, self._down, visible_bars)
        self.graphics = self.plots.widget
        self.candles = self.plots.candle_item
        self.volume = self.plots.volume_item
        self.study_layer = StudyLayer(self.plots)
        self.studies_menu = StudiesMenu(self, self._current_studies)
        self.studies_menu.sigStudiesChanged.connect(self._studies_chosen)
        self.toolbar.studies.setMenu(self.studies_menu)
        self.price_lines = PriceLines(self.plots, price_lines or PriceLineBook())
        self.plots.price.scene().sigMouseMoved.connect(self._on_price_mouse_moved)
        self.plots.volume.scene().sigMouseMoved.connect(self._on_volume_mouse_moved)
        self.plots.price.getViewBox().sigXRangeChanged.connect(self._maybe_load_older)
        for scene in (self.plots.price.scene(), self.plots.volume.scene()):
            scene.sigMouseClicked.connect(self._on_mouse_clicked)
        self.graphics.setToolTip("wheel: zoom time · drag: pan · double-click: back to the newest bars")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.toolbar.layout)
        layout.addWidget(self.readout)
        layout.addWidget(self.graphics, 1)
        self.set_dark(True)
        self.plots.set_placeholder("select a coin")

        FrameClock.shared().add(self, self.poll_live, interval_ms=1000 / repaint_hz, phase_ms=CHART_MS)

    # ---- public API --------------------------------------------------------------------------
    @property
    def code(self) -> str | None:
        """The coin shown, e.g. ``KRW-BTC``."""
        return self._code

    @property
    def unit(self) -> int:
        """Timeframe in minutes."""
        return self._unit

    @property
    def candle_type(self) -> str:
        """The stream type of the current timeframe, e.g. ``candle.15m``."""
        return f"candle.{self._unit}m"

    @property
    def live_type(self) -> str:
        """What the live bar comes from: the candle stream, or the ticker for day/week/month."""
        return "ticker" if self._unit in PERIOD_UNITS else self.candle_type

    def set_code(self, code: str) -> None:
        """Show another coin: one subscription update, then reload history."""
        if code == self._code:
            return
        self._code = code
        self.plots.set_quote(quote_of(code))
        self.title.setText(f"{code}  {self._note}" if self._note else code)
        self.price_lines.set_code(code)
        self._switch()

    def reload(self, note: str = "") -> None:
        """Start over on the same coin and timeframe (another venue): resubscribe, reload history.

        ``note`` goes after the code in the title (e.g. "Bithumb · candles built from trades").
        """
        self._note = note
        if self._code is not None:
            self.title.setText(f"{self._code}  {note}" if note else self._code)
            self._switch()

    def show_code(self, code: str) -> None:
        """Pane API: the same as :meth:`set_code`."""
        self.set_code(code)

    def use_price_lines(self, book: PriceLineBook) -> None:
        """Draw the lines of ``book`` (the window's shared, persisted book)."""
        self.price_lines.book = book
        self.price_lines.set_code(self._code)

    # ---- studies -----------------------------------------------------------------------------
    @property
    def studies(self) -> list[StudySettings]:
        """The studies shown, in order."""
        return self.study_layer.studies

    def set_studies(self, studies: Sequence[StudySettings]) -> None:
        """Show exactly ``studies`` (kept across coin and timeframe switches)."""
        self.study_layer.set_studies(studies)
        self._refresh_readout()

    def _current_studies(self) -> list[StudySettings]:
        return self.study_layer.studies

    def _on_more_timeframe(self, action: QAction) -> None:
        self.set_timeframe(int(action.data()))

    def _studies_chosen(self, studies: list[StudySettings]) -> None:
        try:
            self.set_studies(studies)
        except UpbitMonitorError as exc:
            self._report(f"studies not changed: {exc}")
            return
        self.sigStudiesChanged.emit(self.studies)

    def pane_settings(self) -> dict[str, object]:
        """What a workspace stores for a chart pane."""
        return {"timeframe": self._unit, "studies": studies_to_list(self.studies)}

    def apply_pane_settings(self, settings: dict[str, object]) -> None:
        """Restore :meth:`pane_settings` output; damaged parts are reported and skipped."""
        unit = settings.get("timeframe")
        if isinstance(unit, int) and unit in TIMEFRAME_LABELS:
            self.set_timeframe(unit)
        studies, problems = studies_from_list(settings.get("studies", []))
        for problem in problems:
            self._report(problem)
        self.set_studies(studies)

    def set_timeframe(self, unit: int) -> None:
        """Switch to ``unit``-minute candles (one of :attr:`TIMEFRAMES`)."""
        if unit not in TIMEFRAME_LABELS:
            raise ValueError(f"timeframe must be one of {self.TIMEFRAMES}, got {unit}")
        self.toolbar.check(unit)
        if unit == self._unit:
            return
        self._unit = unit
        self.series.unit_s = unit * 60
        self._switch()
        self.sigTimeframeChanged.emit(unit)

    def set_colors(self, up: str | QColor, down: str | QColor) -> None:
        """Colours of rising and falling bars (default red up / blue down)."""
        self._up, self._down = QColor(up), QColor(down)
        self.plots.set_colors(self._up, self._down)
        self._refresh_readout()

    def set_dark(self, dark: bool) -> None:
        """Dark (default) or light chart surface."""
        self._theme = DARK if dark else LIGHT
        self.plots.apply_theme(self._theme)
        self.study_layer.apply_theme(self._theme)
        self._refresh_readout()

    def set_candles(self, candles: Sequence[Candle]) -> None:
        """Replace the series with ``candles`` (demo data, tests; history uses the same path)."""
        self.series.replace(bar_from_candle(c) for c in candles)
        self._series_replaced()

    async def history_done(self) -> None:
        """Wait until the current history loads (window and older bars) finished, however they ended."""
        tasks = {t for t in (self._history_task, self._older_task) if t is not None and not t.done()}
        if tasks:
            await asyncio.wait(tasks)

    def readout_for(self, x: float) -> str:
        """The readout text for the bar at ``x`` (epoch seconds); the crosshair uses it."""
        index = self.series.nearest(x)
        if index is None:
            return ""
        prev_close = self.series[index - 1].close if index > 0 else None
        return readout_text(self.series[index], prev_close, self.plots.quote)

    def move_crosshair(self, x: float, y: float | None) -> None:
        """Put the crosshair at data coordinates (the mouse handler uses it; tests may too)."""
        self.plots.place_crosshair(x, y)
        self._hover_index = self.series.nearest(x)
        self._set_readout(self._hover_index)

    def hide_crosshair(self) -> None:
        """Hide the crosshair; the readout returns to the newest bar."""
        self.plots.show_crosshair(False)
        self._hover_index = None
        self._show_last_readout()

    # ---- live updates ------------------------------------------------------------------------
    def poll_live(self) -> None:
        """Timer tick: merge the manager's newest candle if its version moved (cheap otherwise)."""
        self.price_lines.sync()
        if self._manager is None or self._code is None:
            return
        version = self._manager.version(self.live_type, self._code)
        if version == self._seen_version:
            return
        self._seen_version = version
        if self._period is not None:
            ticker = self._manager.latest_ticker(self._code)
            if ticker is not None and ticker.code == self._code:
                folded = self._period.on_ticker(ticker)
                if folded is not None:
                    self._apply_bar(Bar(*folded))
            return
        candle = self._manager.latest_candle(self._code, self.candle_type)
        if candle is None or candle.code != self._code or candle.type != self.candle_type:
            return
        self._apply_live(candle)

    def _apply_live(self, candle: Candle) -> None:
        self._apply_bar(bar_from_candle(candle))

    def _apply_bar(self, bar: Bar) -> None:
        was_following = self.plots.is_following()
        applied = self.series.apply(bar)
        self.plots.bar_applied(applied, was_following)
        if applied.change is Change.INSERTED:
            self.study_layer.reset(self.series.bars)
        elif applied.change is not Change.IGNORED:
            self.study_layer.apply(bar)
        self.study_layer.refresh()
        if applied.change is not Change.IGNORED and self._hover_index is None:
            self._show_last_readout()

    # ---- switching and history ---------------------------------------------------------------
    def _switch(self) -> None:
        """Coin or timeframe changed: clear, resubscribe, reload history."""
        self.series.replace(())
        self._series_replaced()
        self.plots.set_placeholder(f"waiting for {self._code} candles…" if self._code else "select a coin")
        self._seen_version = -1
        self._older_exhausted = False
        self._subscribe()
        self._start_history()

    def _subscribe(self) -> None:
        if self._manager is None or self._code is None:
            return
        specs = [SubscriptionSpec(self.live_type, (self._code,))]
        try:
            self._manager.want(self, specs)
        except UpbitMonitorError as exc:
            self._report(f"chart subscription failed: {exc}")

    def _start_history(self) -> None:
        self._generation += 1
        if self._history_task is not None and not self._history_task.done():
            self._history_task.cancel()
        self._history_task = None
        if self._history is None or self._code is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._report("chart history needs a running event loop")
            return
        self.status.setText("loading…")
        self.plots.set_placeholder(f"loading {self._code} {TIMEFRAME_LABELS[self._unit]}…")
        self._history_task = loop.create_task(
            self._load_history(self._generation, self._code, self._unit)
        )

    async def _load_history(self, generation: int, code: str, unit: int) -> None:
        assert self._history is not None
        try:
            result = await self._history.load(code, unit, self._window)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the chart must survive any loader failure
            log.exception("chart history failed for %s %dm", code, unit)
            if shiboken6.isValid(self) and generation == self._generation:
                self.status.setText("history unavailable")
                self.plots.set_placeholder("history unavailable: waiting for live candles")
                self._report(f"chart history failed: {exc}")
            return
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the user switched again meanwhile, or the widget is gone
        self._history_loaded(result)

    def _history_loaded(self, result: HistoryResult) -> None:
        self.plots.set_placeholder("no candles yet" if not result.rest_error else "history unavailable")
        self.series.replace(bar_from_candle(c) for c in result.candles)
        self._series_replaced()
        # A live candle may have arrived while loading: merge it on the next tick.
        self._seen_version = -1
        self.poll_live()
        parts = [f"DB {result.from_db} + REST {result.fetched}"]
        if result.rest_error:
            parts.append("REST failed")
            self._report(f"chart REST history: {result.rest_error}")
        if result.db_error:
            parts.append("DB failed")
            self._report(f"chart database: {result.db_error}")
        self.status.setText(" · ".join(parts))
        self.status.setToolTip("\n".join(e for e in (result.rest_error, result.db_error) if e))
        self.sigHistoryLoaded.emit(result.code, result.unit, len(self.series))

    def _maybe_load_older(self, *_: object) -> None:
        """The user scrolled to the oldest bar: fetch the ``OLDER_BATCH`` slots before it."""
        busy = any(t is not None and not t.done() for t in (self._history_task, self._older_task))
        if (
            busy
            or self._older_exhausted
            or self._history is None
            or self._code is None
            or not len(self.series)
            or len(self.series) >= self.MAX_BARS
        ):
            return
        oldest = self.series[0].t
        if self.plots.x_range()[0] > oldest + 5 * self.series.unit_s:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        end = datetime.fromtimestamp(oldest, UTC)
        self.status.setText("loading older…")
        self._older_task = loop.create_task(self._load_older(self._generation, self._code, self._unit, end))

    async def _load_older(self, generation: int, code: str, unit: int, end: datetime) -> None:
        assert self._history is not None
        try:
            result = await self._history.load_before(code, unit, end, self.OLDER_BATCH)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let a history failure break the chart
            log.exception("chart: older history failed for %s %dm", code, unit)
            result = None
            error = str(exc)
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        if result is None or result.rest_error:
            # Stop asking until the next switch: scrolling must not hammer a failing server.
            self._older_exhausted = True
            self._report(f"chart older history: {error if result is None else result.rest_error}")
            self.status.setText("older history unavailable")
            return
        if not result.candles:
            self._older_exhausted = True  # nothing older (or a long stretch without trades)
            self.status.setText(f"{len(self.series)} bars · start of history")
            return
        older = [bar_from_candle(c) for c in result.candles]
        self.series.replace([*older, *self.series.bars])
        self.study_layer.reset(self.series.bars)
        self.plots.extended()
        self.status.setText(f"{len(self.series)} bars")
        self.sigHistoryLoaded.emit(code, unit, len(self.series))

    def _report(self, message: str) -> None:
        log.warning("%s", message)
        self.sigError.emit(message)

    # ---- view maintenance --------------------------------------------------------------------
    def _series_replaced(self) -> None:
        self.study_layer.reset(self.series.bars)
        self._period = None
        if self._unit in PERIOD_UNITS:
            last = self.series[-1] if len(self.series) else None
            history = PeriodBar(*last) if last is not None else None
            self._period = PeriodBarTracker(self._unit, history)
        self.plots.replaced()
        self.study_layer.refresh()
        if self._hover_index is None or self._hover_index >= len(self.series):
            self._hover_index = None
            self._show_last_readout()

    def _show_last_readout(self) -> None:
        self._set_readout(len(self.series) - 1 if len(self.series) else None)

    def _refresh_readout(self) -> None:
        if self._hover_index is not None and self._hover_index < len(self.series):
            self._set_readout(self._hover_index)
        else:
            self._show_last_readout()

    def _set_readout(self, index: int | None) -> None:
        """Plain text kept in :attr:`readout_plain`; the label shows it coloured (values by direction)."""
        if index is None:
            self.readout_plain = ""
            self.readout.setText(" ")
            self.study_layer.update_legends(None)
            return
        bar = self.series[index]
        prev_close = self.series[index - 1].close if index > 0 else None
        quote = self.plots.quote
        self.readout_plain = readout_text(bar, prev_close, quote)
        self.readout.setText(readout_html(bar, prev_close, self._up, self._down, self._theme.axis, quote))
        self.study_layer.update_legends(index)

    def _on_price_mouse_moved(self, pos: QPointF) -> None:
        self._mouse_moved(pos, in_volume=False)

    def _on_volume_mouse_moved(self, pos: QPointF) -> None:
        self._mouse_moved(pos, in_volume=True)

    def _mouse_moved(self, pos: QPointF, in_volume: bool) -> None:
        point = self.plots.scene_to_data(pos, in_volume)
        if point is None:
            self.hide_crosshair()
        else:
            self.move_crosshair(*point)

    def _on_mouse_clicked(self, event: object) -> None:
        # pyqtgraph's MouseClickEvent; a double-click returns to the newest bars (auto-scroll resumes),
        # Ctrl+click draws a price line.
        if getattr(event, "double", lambda: False)():
            self.show_recent()
            return
        modifiers = getattr(event, "modifiers", lambda: Qt.KeyboardModifier.NoModifier)()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            price = self.price_lines.price_at(event.scenePos())  # type: ignore[attr-defined]
            if price is not None:
                self._add_line(price)

    def _add_line(self, price: float) -> None:
        if not self.price_lines.add(price):
            self._report(f"price line not added: {self.price_lines.error}")

    @property
    def price_plot(self) -> pg.PlotItem:
        """The candle plot (other features draw their own lines on it, e.g. alert levels)."""
        return self.plots.price

    def add_context_action(self, add: Callable[[QMenu, float], None]) -> None:
        """``add(menu, price)`` puts entries into the context menu opened at ``price`` (e.g. alerts)."""
        self._context_actions.append(add)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Price-line commands at the clicked price (non-blocking menu)."""
        view = self.plots.price_view
        price = self.price_lines.price_at(view.mapToScene(view.mapFromGlobal(event.globalPos())))
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if price is not None and self._code is not None:
            menu.addAction(f"Add price line at {format_price(price, self.plots.quote)}").triggered.connect(
                lambda: self._add_line(price)
            )
            y0, y1 = self.plots.price.getViewBox().viewRange()[1]
            near = self.price_lines.nearest(price, (y1 - y0) * 0.02)
            if near is not None:
                menu.addAction("Remove this price line").triggered.connect(
                    lambda: self.price_lines.remove(near)
                )
        if self._code is not None and self.price_lines.count():
            clear = menu.addAction(f"Remove all price lines on {self._code}")
            clear.triggered.connect(self.price_lines.clear)
        if price is not None:
            for add in self._context_actions:
                add(menu, price)
        menu.addSeparator()
        menu.addMenu(self.studies_menu)
        self.last_context_menu = menu
        menu.popup(event.globalPos())

    def show_recent(self) -> None:
        """Scroll/zoom back to the newest bars; live updates then keep them in view."""
        self.plots.show_recent()

    def leaveEvent(self, event: QEvent) -> None:
        """Mouse left the widget: drop the crosshair."""
        self.hide_crosshair()
        super().leaveEvent(event)
