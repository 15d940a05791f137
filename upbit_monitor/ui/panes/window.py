"""What issue 19 adds to the main window, in one place: extra panes, workspaces, price lines, studies.

:class:`WindowPanes` is built by the window once its own docks exist. It owns the
:class:`PaneHost` (orderbook and watch-grid panes; the composition root registers chart panes,
which need the history loader), the :class:`WorkspaceController`, the shared
:class:`PriceLineBook` and the persistence of the main chart's studies. The window calls
:meth:`coin_selected`, :meth:`palette_changed`, :meth:`save` and :meth:`fill_view_menu`.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from upbit_monitor.errors import UpbitMonitorError
from upbit_monitor.features.studies import PriceLineBook, studies_from_list, studies_to_list
from upbit_monitor.ui.common.source import MarketSource
from upbit_monitor.ui.common.theme import Palette, apply_palette
from upbit_monitor.ui.orderbook.view import OrderbookView
from upbit_monitor.ui.panes.host import PaneHost
from upbit_monitor.ui.panes.workspaces import MainChart, WorkspaceController, read_json
from upbit_monitor.ui.watch.grid import HISTORY_MINUTES, RecentCloses, WatchGrid

PRICE_LINES_KEY = "chart/price_lines"
STUDIES_KEY = "chart/studies"


class PanesWindow(Protocol):
    """The window as seen from here (MainWindow fits)."""

    palette_: Palette

    @property
    def code(self) -> str | None: ...
    def select_coin(self, code: str) -> None: ...


class WindowPanes:
    """Pane host, workspaces, price lines and main-chart studies of one window."""

    def __init__(
        self,
        window: QMainWindow,
        source: MarketSource,
        store: QSettings,
        *,
        codes: Callable[[], list[str]],
        names: Callable[[str], str],
        favourites: Callable[[], list[str]],
        chart: QWidget | None,
        notice: Callable[[str], None],
        default_layout: Callable[[], None],
        repaint_hz: float = 25.0,
    ) -> None:
        self.store = store
        self._source = source
        self._names = names
        self._favourites = favourites
        self._notice = notice
        self._repaint_hz = repaint_hz
        self._market_names: dict[str, str] = {}
        self.premium: Callable[[str], float | None] | None = None
        self.recent_closes: RecentCloses | None = None  # the composition root's history (watch grid)
        win = weakref.ref(window)  # the callables below are kept by Qt objects: never the window itself
        self.book, problems = PriceLineBook.from_dict(self._json(PRICE_LINES_KEY, {}))
        self.host = PaneHost(window, codes)
        self.host.sigNotice.connect(notice)
        self.host.hub.selection_listeners.append(lambda code: _call(win, "select_coin", code))
        self.host.register_kind("orderbook", "Orderbook", self._new_orderbook)
        self.host.register_kind("watch", "Watch grid", self._new_watch_grid)
        self.chart: MainChart | None = chart if _is_main_chart(chart) else None  # type: ignore[assignment]
        self.workspaces = WorkspaceController(
            window,
            self.host,
            store,
            chart=self.chart,
            selected=lambda: _attr(win, "code"),
            select=lambda code: _call(win, "select_coin", code),
            default_layout=default_layout,
        )
        self.workspaces.sigNotice.connect(notice)
        for problem in problems:
            notice(problem)
        if chart is not None:
            self.attach_chart(chart)

    def attach_chart(self, chart: QWidget) -> None:
        """The main chart (at construction or when it arrives later): price lines, studies, workspaces."""
        self.chart = chart if _is_main_chart(chart) else None  # type: ignore[assignment]
        self.workspaces.chart = self.chart
        use_lines = getattr(chart, "use_price_lines", None)
        if callable(use_lines):
            use_lines(self.book)
        if self.chart is not None:
            self._restore_main_studies()

    # ---- pane factories ----------------------------------------------------------------------
    def _palette(self) -> Palette:
        window = self.host.window
        return window.palette_  # type: ignore[attr-defined,no-any-return]

    def _new_orderbook(self) -> QWidget:
        view = OrderbookView(self._source, self._palette(), repaint_hz=self._repaint_hz)
        view.set_names(self._market_names)
        return view

    def _new_watch_grid(self) -> QWidget:
        grid = WatchGrid(self._source, self._palette(), names=self._names, premium=self._premium_of,
                         history=self._recent_closes)
        grid.set_codes(self._favourites())
        return grid

    def _premium_of(self, code: str) -> float | None:
        return self.premium(code) if self.premium is not None else None

    async def _recent_closes(self, code: str) -> list[float]:
        return list(await self.recent_closes(code)) if self.recent_closes is not None else []

    # ---- window events -----------------------------------------------------------------------
    def coin_selected(self, code: str) -> None:
        """The Markets list selected ``code``: every following pane switches (same event-loop turn)."""
        self.host.hub.select(code)

    def favourites_changed(self) -> None:
        """Watch grids show the new favourites."""
        for frame in self.host.frames.values():
            if isinstance(frame.body, WatchGrid):
                frame.body.set_codes(self._favourites())

    def markets_loaded(self, names: dict[str, str]) -> None:
        """Orderbook panes show Korean names; coin boxes complete the codes."""
        self._market_names = dict(names)
        for frame in self.host.frames.values():
            if isinstance(frame.body, OrderbookView):
                frame.body.set_names(names)
            frame.refresh_completions()

    def palette_changed(self, palette: Palette) -> None:
        """Repaint every pane in the new theme/colours."""
        for frame in self.host.frames.values():
            body = frame.body
            apply_palette(body, palette)
            if isinstance(body, OrderbookView):
                body.model.repaint()
                body.gauge.update()
                body.refresh_colours()
            if isinstance(body, WatchGrid):
                body.canvas.update()
            body.update()

    def fill_view_menu(self, view: QMenu) -> None:
        """New panes, Workspaces, Reset layout."""
        self.workspaces.fill_view_menu(view)

    # ---- persistence -------------------------------------------------------------------------
    def main_studies_changed(self, studies: list[Any]) -> None:
        """The main chart's studies changed: remember them."""
        self.store.setValue(STUDIES_KEY, json.dumps(studies_to_list(studies)))

    def _restore_main_studies(self) -> None:
        studies, problems = studies_from_list(self._json(STUDIES_KEY, []))
        for problem in problems:
            self._notice(problem)
        assert self.chart is not None
        try:
            self.chart.set_studies(studies)
        except UpbitMonitorError as exc:
            self._notice(f"chart studies not restored: {exc}")

    def save(self) -> None:
        """Price lines, main-chart studies and the session's panes."""
        self.store.setValue(PRICE_LINES_KEY, json.dumps(self.book.to_dict()))
        if self.chart is not None:
            self.main_studies_changed(self.chart.studies)
        self.workspaces.save_session()

    def _json(self, key: str, default: Any) -> Any:
        return read_json(self.store, key, default, self._notice)


class PremiumInput(Protocol):
    """The premium tracker as the watch grid reads it."""

    def premium(self, code: str) -> Any: ...


def install_chart_panes(
    window: QMainWindow, source: Any, history: Any, premium: PremiumInput | None, repaint_hz: float,
    *, on_chart: Callable[[Any], object] | None = None,
) -> None:
    """Composition root: chart panes (they need the history loader) and premium for the watch grid.

    ``on_chart`` is called with every new chart pane (the app lets it take Upbit's server studies).
    """
    from upbit_monitor.ui.chart.view import ChartView  # the window module does not import the chart

    extras: WindowPanes = window.extras  # type: ignore[attr-defined]
    book = extras.book

    def new_chart() -> QWidget:
        chart = ChartView(source, history, repaint_hz=repaint_hz, price_lines=book)
        if on_chart is not None:
            on_chart(chart)
        return chart

    extras.host.register_kind("chart", "Chart", new_chart)

    async def recent_closes(code: str) -> list[float]:
        # One page of minutes (database first, REST for the rest), the in-progress minute included.
        result = await history.load(code, 1, HISTORY_MINUTES + 1)
        return [c.trade_price for c in result.candles]

    extras.recent_closes = recent_closes
    if premium is not None:
        tracker = premium

        def fraction(code: str) -> float | None:
            value = tracker.premium(code)
            return None if value is None else float(value.premium)

        extras.premium = fraction


def _is_main_chart(chart: object) -> bool:
    return all(hasattr(chart, name) for name in ("studies", "set_studies", "unit", "set_timeframe"))


def _attr(ref: weakref.ReferenceType[QMainWindow], name: str) -> Any:
    obj = ref()
    return getattr(obj, name) if obj is not None else None


def _call(ref: weakref.ReferenceType[QMainWindow], name: str, *args: Any) -> None:
    obj = ref()
    if obj is not None:
        getattr(obj, name)(*args)


__all__ = ["MainChart", "WindowPanes", "install_chart_panes"]
