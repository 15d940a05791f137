"""ChartView: candles + volume of the selected coin, history from DB/REST, live from the stream.

Data flow. History comes from :class:`~upbit_monitor.features.history.loader.HistoryLoader`
(database first, REST for gaps), loaded and paged by :class:`HistoryPager` in asyncio tasks. Live
data is *pulled*: the shared frame clock at ``repaint_hz`` asks the manager for
``version("candle.Nm", code)`` and only when it moved reads ``latest_candle``; so the chart's cost is
bounded by the frame rate, never by the message rate. A live candle changes one bar, and the items
re-render only that bar's cached picture (see ``chart_items``).

Subscriptions. ``mgr.want`` registers the view the first time and replaces its one spec on every
coin or timeframe switch. Unregistration is the manager's weakref/``destroyed`` path;
the view keeps no bookkeeping for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QAction, QColor, QContextMenuEvent
from PySide6.QtWidgets import QMenu, QWidget

from upbit_monitor.errors import UpbitMonitorError
from upbit_monitor.features.studies import PriceLineBook, StudySettings, studies_from_list, studies_to_list
from upbit_monitor.features.studies.periods import PERIOD_UNITS, PeriodBarTracker
from upbit_monitor.protocol.events import Candle
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.chart.history_pager import HistoryPager
from upbit_monitor.ui.chart.lines import PriceLines
from upbit_monitor.ui.chart.plots import ChartPlots
from upbit_monitor.ui.chart.pointer import ChartPointer
from upbit_monitor.ui.chart.readout import ChartReadout
from upbit_monitor.ui.chart.series import Bar, BarSeries, Change, bar_from_candle
from upbit_monitor.ui.chart.server_source import ServerStudies
from upbit_monitor.ui.chart.source import ChartSource
from upbit_monitor.ui.chart.studies import StudyLayer
from upbit_monitor.ui.chart.study_menu import StudiesMenu
from upbit_monitor.ui.chart.theme import DARK, DEFAULT_DOWN, DEFAULT_UP, LIGHT
from upbit_monitor.ui.chart.toolbar import TIMEFRAME_LABELS, ChartToolbar
from upbit_monitor.ui.common.formatting import display_code, quote_of
from upbit_monitor.ui.common.frame_clock import CHART_MS, ClockedView
from upbit_monitor.ui.common.layout import flush_column

if TYPE_CHECKING:  # the UI never needs the storage stack imported just for a type
    from upbit_monitor.features.history.loader import HistoryLoader
    from upbit_monitor.features.studies.server import ServerStudyFeed

log = logging.getLogger(__name__)

__all__ = ["ChartSource", "ChartView"]


class ChartView(ClockedView):
    """Candlestick chart with volume, KST time axis, crosshair readout and timeframe buttons.

    **Signals:** ``sigTimeframeChanged(int)`` unit in minutes; ``sigHistoryLoaded(str, int, int)``
    code, unit, bar count; ``sigError(str)`` a history/DB/subscription problem (the chart keeps going);
    ``sigStudiesChanged(list)`` the user changed the studies (the owner persists them).
    """

    TIMEFRAMES: tuple[int, ...] = tuple(TIMEFRAME_LABELS)
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
        super().__init__("ChartView", parent, hz=repaint_hz, phase_ms=CHART_MS)
        self._manager = manager
        self._visible_bars = visible_bars
        self._code: str | None = None
        self._note = ""  # the venue's words after the code in the title
        self._unit = 1
        self._seen_version = -1
        self._up, self._down = QColor(DEFAULT_UP), QColor(DEFAULT_DOWN)
        self._theme = DARK
        self.series = BarSeries(60)
        self.history_pager = HistoryPager(self, history, window)
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
        self.readout_line = ChartReadout(
            self.readout, self.series, self.plots, self.study_layer, self._up, self._down
        )
        self.readout.resized.connect(self.readout_line.refresh)
        self.server_studies: ServerStudies | None = None  # Upbit's values for studies (use_server_studies)
        self.studies_menu = StudiesMenu(self, self._current_studies)
        self.studies_menu.sigStudiesChanged.connect(self._studies_chosen)
        self.toolbar.studies.setMenu(self.studies_menu)
        self.price_lines = PriceLines(self.plots, price_lines or PriceLineBook())
        self.plots.price.getViewBox().sigXRangeChanged.connect(self.history_pager.maybe_load_older)
        self.pointer = ChartPointer(self)
        self.graphics.setToolTip("wheel: zoom time · drag: pan · double-click: back to the newest bars")
        flush_column(self, self.toolbar.layout, self.readout, (self.graphics, 1), spacing=2)
        self.set_dark(True)
        self.plots.set_placeholder("select a coin")

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
        self.title.setText(display_code(code))  # BTC/KRW, as the ladder and the list write it
        self.price_lines.set_code(code)
        self._switch()

    def reload(self, note: str = "") -> None:
        """Start over on the same coin and timeframe (another venue): resubscribe, reload history.

        ``note`` goes after the code in the title (e.g. "Bithumb · candles built from trades").
        """
        self._note = note
        self.status.setText(note)
        if self._code is not None:
            self._switch()

    def set_status(self, problem: str, details: str, *errors: str | None) -> None:
        """The strip's status: a problem if any, else the venue's note; details in the tooltip."""
        self.status.setText(problem or self._note)
        tip = "\n".join([details, *(e for e in errors if e)])
        self.status.setToolTip(tip)
        self.title.setToolTip(tip)  # the status may be empty: hovering the coin shows it too

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
        if self.server_studies is not None:
            self.server_studies.follow()
        self.readout_line.refresh()

    def use_server_studies(self, feed: ServerStudyFeed) -> None:
        """Let studies take Upbit's server values (chosen per study in Study settings)."""
        self.server_studies = ServerStudies(self, feed)
        self.studies_menu.server_problem = self.server_studies.problem
        self.server_studies.follow()

    def _current_studies(self) -> list[StudySettings]:
        return self.study_layer.studies

    def _on_more_timeframe(self, action: QAction) -> None:
        self.set_timeframe(int(action.data()))

    def _studies_chosen(self, studies: list[StudySettings]) -> None:
        try:
            self.set_studies(studies)
        except UpbitMonitorError as exc:
            self.report(f"studies not changed: {exc}")
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
            self.report(problem)
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
        self.readout_line.set_style(self._up, self._down, self._theme)

    def set_dark(self, dark: bool) -> None:
        """Dark (default) or light chart surface."""
        self._theme = DARK if dark else LIGHT
        self.plots.apply_theme(self._theme)
        self.study_layer.apply_theme(self._theme)
        self.readout_line.set_style(self._up, self._down, self._theme)

    def set_candles(self, candles: Sequence[Candle]) -> None:
        """Replace the series with ``candles`` (demo data, tests; history uses the same path)."""
        self.series.replace(bar_from_candle(c) for c in candles)
        self._series_replaced()

    async def history_done(self) -> None:
        """Wait until the current history loads (window and older bars) finished, however they ended."""
        await self.history_pager.done()

    @property
    def readout_plain(self) -> str:
        """The readout without markup (tests, copy)."""
        return self.readout_line.plain

    def readout_for(self, x: float) -> str:
        """The readout text for the bar at ``x`` (epoch seconds); the crosshair uses it."""
        return self.readout_line.text_for(x)

    def move_crosshair(self, x: float, y: float | None) -> None:
        """Put the crosshair at data coordinates (the mouse handler uses it; tests may too)."""
        self.plots.place_crosshair(x, y)
        self.readout_line.hover(x)

    def hide_crosshair(self) -> None:
        """Hide the crosshair; the readout returns to the newest bar."""
        self.plots.show_crosshair(False)
        self.readout_line.leave()

    # ---- live updates ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Frame tick: merge the manager's newest candle if its version moved (cheap otherwise)."""
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
                    self._apply_bar(folded)
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
        if applied.change is not Change.IGNORED:
            self.readout_line.bar_changed()

    # ---- switching ----------------------------------------------------------------------------
    def _switch(self) -> None:
        """Coin or timeframe changed: clear, resubscribe, reload history."""
        self.series.replace(())
        self._series_replaced()
        self.plots.set_placeholder(f"waiting for {self._code} candles…" if self._code else "select a coin")
        self._seen_version = -1
        self._subscribe()
        if self.server_studies is not None:
            self.server_studies.follow()
        self.history_pager.start(self._code, self._unit)

    def _subscribe(self) -> None:
        if self._manager is None or self._code is None:
            return
        specs = [SubscriptionSpec(self.live_type, (self._code,))]
        try:
            self._manager.want(self, specs)
        except UpbitMonitorError as exc:
            self.report(f"chart subscription failed: {exc}")

    def set_bars(self, bars: Iterable[Bar]) -> None:
        """Replace the series with ``bars`` (a loaded history window) and merge any live bar."""
        self.series.replace(bars)
        self._series_replaced()
        # A live candle may have arrived while loading: merge it now.
        self._seen_version = -1
        self.refresh()

    def prepend_bars(self, older: Sequence[Bar]) -> None:
        """Put ``older`` (an older history page) before the bars shown; the view keeps its place."""
        self.series.replace([*older, *self.series.bars])
        self.study_layer.reset(self.series.bars)
        self.plots.extended()

    def report(self, message: str) -> None:
        """Log ``message`` and emit it on ``sigError`` (the chart keeps going)."""
        log.warning("%s", message)
        self.sigError.emit(message)

    # ---- view maintenance --------------------------------------------------------------------
    def _series_replaced(self) -> None:
        self.study_layer.reset(self.series.bars)
        self._period = None
        if self._unit in PERIOD_UNITS:
            last = self.series[-1] if len(self.series) else None
            self._period = PeriodBarTracker(self._unit, last)
        self.plots.replaced()
        self.study_layer.refresh()
        self.readout_line.series_replaced()

    @property
    def price_plot(self) -> pg.PlotItem:
        """The candle plot (other features draw their own lines on it, e.g. alert levels)."""
        return self.plots.price

    @property
    def last_context_menu(self) -> QMenu | None:
        """The newest context menu (tests inspect its entries)."""
        return self.pointer.last_menu

    def add_context_action(self, add: Callable[[QMenu, float], None]) -> None:
        """``add(menu, price)`` puts entries into the context menu opened at ``price`` (e.g. alerts)."""
        self.pointer.add_context_action(add)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Price-line commands at the clicked price (non-blocking menu)."""
        self.pointer.open_menu(event.globalPos())

    def show_recent(self) -> None:
        """Scroll/zoom back to the newest bars; live updates then keep them in view."""
        self.plots.show_recent()

    def leaveEvent(self, event: QEvent) -> None:
        """Mouse left the widget: drop the crosshair."""
        self.hide_crosshair()
        super().leaveEvent(event)
