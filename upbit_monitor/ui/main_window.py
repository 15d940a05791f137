"""The main window: CoinList (left), OrderbookView + tape (centre), ChartView (right), StatusPanel.

The window wires views together but holds no subscription bookkeeping: each view registers itself
with the manager and is dropped by the manager's weakref/``destroyed`` path. A coin switch calls
``set_code`` on the orderbook view and the chart in the same event-loop turn, so the manager's
coalescing window merges both updates into ONE request.

Errors never open modal dialogs: they become notices (status bar message for a few seconds, plus a
line in the StatusPanel log).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QWidget

from upbit_monitor.features.venues.source import VenueSource
from upbit_monitor.ui.coin_list.venue_bar import VenueBar
from upbit_monitor.ui.coin_list.view import CoinList, MarketLoader
from upbit_monitor.ui.common.formatting import display_code
from upbit_monitor.ui.common.gauge import HealthDot
from upbit_monitor.ui.common.paint_hold import PaintHold
from upbit_monitor.ui.common.source import IntrospectableSource
from upbit_monitor.ui.common.theme import Palette, apply_palette, apply_theme, health_colour
from upbit_monitor.ui.dock_reserve import DockReservations, ReservingWindow, reserved_docks
from upbit_monitor.ui.orderbook.view import OrderbookView
from upbit_monitor.ui.panes.window import WindowPanes
from upbit_monitor.ui.status.health import health_summary
from upbit_monitor.ui.status.panel import DbStatus, StatusPanel
from upbit_monitor.ui.window_chart import wire_chart
from upbit_monitor.ui.window_layout import LAYOUT_VERSION, apply_default_layout, constrain, fit_to_screen
from upbit_monitor.ui.window_menus import ChartMenu, build_file_menu, build_market_menu
from upbit_monitor.ui.window_reads import cancel_reads
from upbit_monitor.ui.window_state import int_setting, restore_window_state, save_window_state
from upbit_monitor.ui.window_venue import WindowVenue

DEFAULT_COIN = "KRW-BTC"
NOTICE_MS = 8000


def _model_call(ref: weakref.ReferenceType[Any], name: str, default: Any, *args: Any) -> Any:
    """Call a method of a weakly held model (the callables live in Qt-owned objects)."""
    model = ref()
    return getattr(model, name)(*args) if model is not None else default



class MainWindow(ReservingWindow):
    """Top-level window; the composition root builds it and shows it."""

    closing = Signal()  # emitted from closeEvent, after the state was saved
    coin_changed = Signal(str)
    theme_changed = Signal(bool)  # dark; feature widgets the window does not know (premium chart) follow it
    venue_changed = Signal(str)  # the Markets dock switched venue (the views follow it already)

    def __init__(
        self,
        source: IntrospectableSource,
        *,
        load_markets: MarketLoader | None = None,
        chart: QWidget | None = None,
        db_status: DbStatus | None = None,
        store: QSettings | None = None,
        dark: bool | None = None,
        repaint_hz: float = 25.0,
        title_suffix: str = "",
        venue_source: VenueSource | None = None,
        market_loaders: Mapping[str, MarketLoader] | None = None,
        reserve_docks: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self._store = store if store is not None else QSettings("upbit-monitor", "upbit-monitor")
        self._title_suffix = title_suffix
        saved_dark = self._store.value("theme/dark", True, type=bool)
        self.palette_ = Palette(
            dark=bool(saved_dark) if dark is None else dark,
            korean_colours=bool(self._store.value("theme/korean_colours", True, type=bool)),
        )
        self._code: str | None = None
        self._source = source
        self._needs_default_layout = False

        self.coin_list = CoinList(source, self.palette_, load_markets, repaint_hz=repaint_hz, parent=self)
        self.coin_list.model.korean_units = bool(self._store.value("units/korean", True, type=bool))
        self.orderbook = OrderbookView(
            source,
            self.palette_,
            depth=int_setting(self._store.value("orderbook/depth", 15, type=int), 15),
            repaint_hz=repaint_hz,
            store=self._store,
            parent=self,
        )
        self.status_panel = StatusPanel(source, db_status, parent=self)
        self._paint_hold = PaintHold(self, self.orderbook.first_paint)
        self.chart: QWidget | None = None

        self.setCentralWidget(self.orderbook)
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        # Venue switch (Upbit | Bithumb) on the Markets dock when the source can follow a venue.
        self._venue = WindowVenue(venue_source, market_loaders, self._store)
        markets = self._venue.markets_widget(self)
        self.coin_dock = self._dock("Markets", "CoinDock", markets, left)
        self.chart_dock: QDockWidget | None = None
        self.chart_menu: ChartMenu | None = None
        # reserve_docks: the chart and the feature docks arrive after the first show, into places
        # kept for them (ui/dock_reserve.py); the Chart's is made here, where the chart dock goes.
        reserved = reserved_docks(self._store) if reserve_docks else None
        if reserved is not None:
            self.reservations = DockReservations(self, LAYOUT_VERSION)
            self.reservations.reserve(reserved[0][:1], reserved[1])
            self.chart_dock = self.reservations.placeholder("ChartDock")
        self.status_dock = self._dock(
            "Status", "StatusDock", self.status_panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        if reserved is not None and self.reservations is not None:
            self.reservations.reserve(reserved[0][1:], reserved[1])
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        # Extra panes, workspaces, price lines, chart studies (issue 19).
        model = weakref.ref(self.coin_list.model)
        self.extras = WindowPanes(
            self,
            source,
            self._store,
            codes=lambda: _model_call(model, "codes", []),
            names=lambda code: getattr(_model_call(model, "market", None, code), "korean_name", ""),
            favourites=lambda: sorted(_model_call(model, "favourites", set())),
            chart=None,
            notice=self.status_panel.add_notice,
            default_layout=self._default_layout,
            repaint_hz=repaint_hz,
        )

        self.health_dot = HealthDot(self)
        self.health_label = QLabel("connecting…", self)
        self.health_label.setObjectName("HealthLabel")
        self.statusBar().addPermanentWidget(self.health_label)
        self.statusBar().addPermanentWidget(self.health_dot)

        self.coin_list.coin_selected.connect(self.select_coin)
        self.coin_list.notice.connect(self.status_panel.add_notice)
        self.coin_list.model.favourites_changed.connect(self._save_favourites)
        self.coin_list.markets_loaded.connect(self._on_markets_loaded)
        self.status_panel.notice_added.connect(self.show_notice)
        self.status_panel.metrics_model.modelReset.connect(self._update_health)
        self.status_panel.metrics_model.dataChanged.connect(self._update_health)
        self.coin_list.model.favourites_changed.connect(self.extras.favourites_changed)
        self.extras.host.anchor = self.chart_dock

        self._build_menus()
        if chart is not None:
            self.attach_chart(chart, restoring=False)
        constrain(self, self.orderbook, markets)
        self.layout_settled = False  # see save_window_state
        fit_to_screen(self)
        self.extras.workspaces.capture_initial_layout()  # View > Reset layout goes back to this
        self._needs_default_layout = not restore_window_state(self, self._store)
        self._apply_palette()

    # -- construction helpers -------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def attach_chart(self, chart: QWidget, *, restoring: bool = True) -> None:
        """Dock and wire the candle chart: at construction, or later into the place kept for it."""
        self.chart = chart
        self.chart_dock = self._dock("Chart", "ChartDock", chart, Qt.DockWidgetArea.RightDockWidgetArea)
        self.chart_menu = wire_chart(self, chart, self._store, self._view_menu, restoring=restoring)
        if restoring:
            self._update_title()
            if self._code is not None:
                chart.set_code(self._code)  # type: ignore[attr-defined]

    def _build_menus(self) -> None:
        self.quit_action = build_file_menu(self)
        view = self._view_menu = self.menuBar().addMenu("&View")
        self.light_action = self._toggle(view, "Light theme", not self.palette_.dark, self.set_light)
        self.korean_colours_action = self._toggle(
            view, "Red up / blue down (Korean colours)", self.palette_.korean_colours, self.set_korean_colours
        )
        self.korean_units_action = self._toggle(
            view, "Korean value units (억/조)", self.coin_list.model.korean_units, self.set_korean_units
        )
        self.depth_action = self._toggle(
            view, "30 orderbook levels", self.orderbook.model.depth == 30,
            lambda on: self.orderbook.set_depth(30 if on else 15),
        )
        self.orderbook.depth_toggle.toggled.connect(self.depth_action.setChecked)
        view.addSeparator()
        for dock in (self.coin_dock, self.status_dock):  # the Chart's goes between them (attach_chart)
            view.addAction(dock.toggleViewAction())
        self.extras.fill_view_menu(view)
        self.next_coin_action, self.previous_coin_action = build_market_menu(self, self.coin_list)

    def _toggle(self, menu: Any, text: str, checked: bool, slot: Callable[[bool], None]) -> QAction:
        act = QAction(text, self)
        act.setCheckable(True)
        act.setChecked(checked)
        act.toggled.connect(slot)
        menu.addAction(act)
        return act

    # -- coin switching -------------------------------------------------------------------
    @property
    def code(self) -> str | None:
        """The selected coin."""
        return self._code

    def select_coin(self, code: str) -> None:
        """Switch every coin view at once: one merged request sent inside the click, the ladder first."""
        if code == self._code:
            return
        self._paint_hold.hold([self.coin_list, self.orderbook.tape_panel], named="ChartView")
        self._code = code
        self.orderbook.set_code(code)
        if self.chart is not None:
            self.chart.set_code(code)  # type: ignore[attr-defined]
        if self.coin_list.selected_code != code:
            self.coin_list.select(code, emit=False)
        self.extras.coin_selected(code)
        self._store.setValue("coin/last", code)
        self._update_title()
        self.coin_changed.emit(code)
        self._source.flush()  # every view and linked pane switched: the request leaves inside the click

    # -- venue switching ------------------------------------------------------------------
    @property
    def venue_source(self) -> VenueSource | None:
        """The source that follows the shown venue (None: one venue, no switch)."""
        return self._venue.source

    @property
    def venue_bar(self) -> VenueBar | None:
        """The Upbit | Bithumb bar on the Markets dock (None with one venue)."""
        return self._venue.bar

    @property
    def market_loaders(self) -> dict[str, MarketLoader]:
        """Each venue's market catalogue loader (empty with one venue)."""
        return self._venue.loaders

    @property
    def venue_label(self) -> str:
        """The shown venue's name ("" without a venue switch)."""
        return self._venue.label

    def set_venue(self, venue: str) -> None:
        """Show another venue's markets; the orderbook, tape and chart follow (same coin if listed)."""
        if self._venue.switch(self, venue):
            self._update_title()
            self.venue_changed.emit(venue)

    def restore_venue(self, override: str | None = None) -> None:
        """Show ``override`` or the venue shown last time (default: the source's first venue)."""
        venue = self._venue.restored(override)
        if venue is not None:
            self.set_venue(venue)

    def _on_markets_loaded(self, count: int) -> None:
        names = {m.code: m.korean_name for m in self.coin_list.model.markets()}
        self.orderbook.set_names(names)
        self.extras.markets_loaded(names)
        self._update_title()
        if self._code is not None and names and self._code not in names:
            self._code = None  # not listed on this venue: fall back below
        if self._code is None:
            last = str(self._store.value("coin/last", DEFAULT_COIN))
            if last not in names:
                last = DEFAULT_COIN if DEFAULT_COIN in names else next(iter(names), "")
            if last:
                self.select_coin(last)

    def _update_title(self) -> None:
        m = self.coin_list.model.market(self._code) if self._code else None
        coin = f" — {self._code}" if self._code else ""
        if m is not None:
            coin = f" — {m.korean_name} {m.english_name} ({display_code(m.code)})"
        venue = f" — {self.venue_label}" if self.venue_label else ""
        self.setWindowTitle(f"upbit-monitor{venue}{coin}{self._title_suffix}")
        if venue:
            self.coin_dock.setWindowTitle(f"Markets{venue}")
            if self.chart_dock is not None:
                self.chart_dock.setWindowTitle(f"Chart{venue}")

    # -- notices and health ---------------------------------------------------------------
    def show_notice(self, text: str) -> None:
        """Non-blocking notice: the status bar shows it for a few seconds (the log keeps it)."""
        self.statusBar().showMessage(text, NOTICE_MS)

    def _update_health(self, *_: object) -> None:
        worst, summary, tip = health_summary(self.status_panel.metrics_model)
        self.health_label.setText(summary)
        self.health_dot.set_colour(health_colour(worst))
        if tip:  # with no connection the last tooltip stays, as before
            self.health_dot.setToolTip(tip)
            self.health_label.setToolTip(tip)

    # -- appearance -----------------------------------------------------------------------
    def set_light(self, light: bool) -> None:
        """Switch between the dark (default) and light theme."""
        self.palette_.dark = not light
        self._store.setValue("theme/dark", not light)
        self._apply_palette()

    def set_korean_colours(self, on: bool) -> None:
        """Red up / blue down (on) or green up / red down (off)."""
        self.palette_.korean_colours = on
        self._store.setValue("theme/korean_colours", on)
        self._apply_palette()

    def set_korean_units(self, on: bool) -> None:
        """Traded value in 억/조 (on) or M/B (off)."""
        self.coin_list.model.korean_units = on
        self._store.setValue("units/korean", on)
        self.coin_list.model.repaint_all()

    def _apply_palette(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.palette_.dark)
        self.theme_changed.emit(self.palette_.dark)
        self.coin_list.model.repaint_all()
        self.orderbook.model.repaint()
        self.orderbook.gauge.update()
        self.orderbook.refresh_colours()
        apply_palette(self.chart, self.palette_)
        self.extras.palette_changed(self.palette_)

    # -- persistence ----------------------------------------------------------------------
    def restore_dock_layout(self) -> bool:
        """Re-apply the saved dock layout; call once every feature has added its docks.

        ``restoreState`` only places docks that exist when it runs. The window restores its state
        in ``__init__``, before the composition root adds feature docks (My orders / My assets,
        Premium), so those would otherwise always come back at their default places. Returns
        False when there is no saved layout (the default layout is then applied on first show).
        """
        state = self._store.value("window/state")
        if not isinstance(state, QByteArray | bytes):
            return False
        return bool(self.restoreState(state, LAYOUT_VERSION))

    def showEvent(self, event: QShowEvent) -> None:
        """First show without saved state: give the docks sensible widths."""
        super().showEvent(event)
        if self._needs_default_layout:
            self._needs_default_layout = False
            QTimer.singleShot(0, self, self._default_layout)
        elif not self.layout_settled:
            QTimer.singleShot(0, self, self._settled)  # a restored layout, laid out once shown

    def _settled(self) -> None:
        self.layout_settled = True

    def _default_layout(self) -> None:
        apply_default_layout(self, self.coin_dock, self.chart_dock, self.status_dock)
        self.layout_settled = True

    def _save_favourites(self) -> None:
        self._store.setValue("coins/favourites", sorted(self.coin_list.model.favourites()))

    def save_state(self) -> None:
        """Persist geometry, dock layout, coin, timeframe, favourites and view options."""
        save_window_state(self, self._store)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save state, tell the composition root, and close (no confirmation dialog)."""
        self.save_state()
        self.cancelled_reads: list[Any] = cancel_reads(self)  # REST reads in flight; the app awaits them
        event.accept()
        self.closing.emit()
