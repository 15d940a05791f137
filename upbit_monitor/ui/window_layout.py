"""Where the main window's docks go and how big they start: the sizing policy, apart from the wiring.

Designed for 1600x1000: Markets list ~600 px, Chart ~580 px, the orderbook ladder in between; narrower
windows give up list and chart width first, because the ladder's numbers must stay readable. Used on the
first show without a saved layout and by View > Reset layout.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow


def fit_to_screen(window: QMainWindow) -> None:
    """Start at the designed 1600x1000, or at most ~95% of a smaller screen."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(1600, 1000)
        return
    avail = screen.availableGeometry()
    window.resize(min(1600, int(avail.width() * 0.96)), min(1000, int(avail.height() * 0.92)))


def apply_default_layout(
    window: QMainWindow, coin_dock: QDockWidget, chart_dock: QDockWidget | None, status_dock: QDockWidget
) -> None:
    """Give the docks their default widths and heights (call once the window is laid out)."""
    docks = [coin_dock] + ([chart_dock] if chart_dock is not None else [])
    # Designed for 1600 px: list 600, chart 580, the ladder in between. Narrower windows give
    # up list and chart width first: the ladder's numbers must stay readable.
    w = window.width()
    list_w = 600 if w >= 1600 else max(420, int(w * 0.34))
    chart_w = 580 if w >= 1600 else max(500, int(w * 0.36))
    sizes = [list_w] + ([chart_w] if chart_dock is not None else [])
    window.resizeDocks(docks, sizes, Qt.Orientation.Horizontal)
    window.resizeDocks([status_dock], [int(240 * window.height() / 1000.0)], Qt.Orientation.Vertical)
    if chart_dock is not None:
        # Docks stacked under the chart (e.g. Premium) get ~40%: candles need the height.
        area = window.dockWidgetArea(chart_dock)
        below = [
            d
            for d in window.findChildren(QDockWidget)
            if d is not chart_dock
            and window.dockWidgetArea(d) == area
            and d.isVisible()
            and not d.isFloating()
            and chart_dock not in window.tabifiedDockWidgets(d)
        ]
        if below:
            column = max(1, chart_dock.height() + sum(d.height() for d in below))
            rest = max(1, int(column * 0.38) // len(below))
            vertical = Qt.Orientation.Vertical
            heights = [int(column * 0.62)] + [rest] * len(below)
            window.resizeDocks([chart_dock, *below], heights, vertical)
    # Other features may dock beside the status panel (e.g. My orders): status keeps ~70%
    # (its metrics table has a column per connection and must show "connected" unclipped).
    bottom: list[QDockWidget] = []
    for d in window.findChildren(QDockWidget):
        if (
            d is not status_dock
            and window.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea
            and d.isVisible()
            and not d.isFloating()
            # one entry per tab group (My orders + My assets share a place)
            and not any(o in window.tabifiedDockWidgets(d) for o in (status_dock, *bottom))
        ):
            bottom.append(d)
    if bottom:
        width = max(1, window.width() - sizes[0])
        share = int(width * 0.7)
        rest = max(1, (width - share) // len(bottom))
        horizontal = Qt.Orientation.Horizontal
        window.resizeDocks([status_dock, *bottom], [share] + [rest] * len(bottom), horizontal)
