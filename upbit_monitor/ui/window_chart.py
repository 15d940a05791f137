"""The main window's candle chart wiring: its dock's signals, menu, studies, timeframe and colours.

Apart from the window's constructor because the chart may arrive after the window is shown: the
composition root builds it (and imports pyqtgraph) once the first prices are on screen, and
``MainWindow.attach_chart`` wires it then exactly as a chart given at construction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu, QWidget

from upbit_monitor.ui.common.theme import apply_palette
from upbit_monitor.ui.window_menus import ChartMenu
from upbit_monitor.ui.window_state import int_setting

if TYPE_CHECKING:
    from upbit_monitor.ui.main_window import MainWindow


def wire_chart(window: MainWindow, chart: QWidget, store: QSettings, view_menu: QMenu, *,
               restoring: bool) -> ChartMenu | None:
    """Connect ``chart`` (already docked as ``window.chart_dock``) to the window; its Chart menu.

    ``restoring``: a chart arriving after construction takes the saved timeframe and the window's
    colours here (construction restores both for every view at its end).
    """
    err = getattr(chart, "sigError", None)
    if err is not None:
        err.connect(window.status_panel.add_notice)
    tf = getattr(chart, "sigTimeframeChanged", None)
    if tf is not None:
        tf.connect(lambda unit: store.setValue("chart/timeframe", int(unit)))
    studies = getattr(chart, "sigStudiesChanged", None)
    if studies is not None:
        studies.connect(window.extras.main_studies_changed)
    window.extras.attach_chart(chart)
    window.extras.host.anchor = window.chart_dock
    if window.chart_dock is not None:
        # View menu: Markets, Chart, Status.
        view_menu.insertAction(window.status_dock.toggleViewAction(), window.chart_dock.toggleViewAction())
    menu: ChartMenu | None = None
    set_timeframe: Any = getattr(chart, "set_timeframe", None)
    if callable(set_timeframe):
        menu = ChartMenu(window, chart)  # type: ignore[arg-type]
        chart.sigTimeframeChanged.connect(menu.show_unit)  # type: ignore[attr-defined]
        if restoring:
            set_timeframe(int_setting(store.value("chart/timeframe", 1, type=int), 1))
    if restoring:
        # Only the chart: re-applying the app's theme would re-polish every widget of the window.
        apply_palette(chart, window.palette_)
    return menu
