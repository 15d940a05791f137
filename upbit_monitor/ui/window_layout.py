"""Where the main window's docks go and how big they start: the sizing policy, apart from the wiring.

Designed for 1600x1000 and usable down to :data:`MIN_SIZE` (1024x700). The ladder (the central widget)
gets a comfortable fixed share first, because its numbers must stay readable: between
:data:`LADDER_MIN` and :data:`LADDER_MAX` wide. The Markets list and the chart share the rest (the list
capped at :data:`LIST_MAX`), so on a wide screen the extra space goes to the chart, not to the ladder,
also when the user maximises later (the ladder's maximum width makes Qt give it to the docks). Narrow
windows take width from the list and the chart, whose columns and readout fields hide instead of
clipping digits. Used on the first show without a saved layout and by View > Reset layout.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

# Saved with the dock layout; a layout saved by another version of the window (docks added, renamed or
# re-sized by a new policy) is discarded and the default arrangement used instead. Bump it whenever the
# docks or apply_default_layout change. 1: session 3 (issue 18: ladder bounds, feature docks).
LAYOUT_VERSION = 1


MIN_SIZE = QSize(1024, 700)
LADDER_MIN = 360  # ask size, price, %, bid size and the tape's prices without "0.…" / "146,0…"
LADDER = 460  # the ladder's default width from 1600 px up
LADDER_MAX = 640  # wider adds nothing a trader reads: the rest goes to the chart
LIST_MAX = 720  # room for every coin-list column incl. the premium and spread columns
LIST_SHARE = 0.5  # of what the ladder leaves, below LIST_MAX
LIST_MIN = 300  # star, name and the coloured price
CHART_MIN = 360  # the chart's whole toolbar: the coin, six timeframes, more, studies
SHORT_WINDOW = 850  # below this height the docks under the chart become tabs


def constrain(window: QMainWindow, ladder: QWidget, coin_list: QWidget) -> None:
    """Minimum window size and the ladder's and list's width bounds (see the module docstring)."""
    window.setMinimumSize(MIN_SIZE)
    ladder.setMinimumWidth(LADDER_MIN)
    ladder.setMaximumWidth(LADDER_MAX)
    coin_list.setMaximumWidth(LIST_MAX)


def dock_widths(width: int, chart: bool = True) -> tuple[int, int, int]:
    """``(list, ladder, chart)`` default widths for a window ``width`` px wide (chart 0 without one)."""
    ladder = LADDER if width >= 1600 else max(LADDER_MIN, min(LADDER, int(width * 0.34)))
    rest = max(0, width - ladder - 8)  # two 3 px separators and the frame
    if not chart:
        return min(LIST_MAX, rest), width - min(LIST_MAX, rest), 0
    # At 1024 px the chart needs its whole toolbar and the ladder its digits, so the list gets
    # LIST_MIN: star, name and the coloured price; its other columns come back from ~1100 px.
    listed = max(LIST_MIN, min(LIST_MAX, int(rest * LIST_SHARE), rest - CHART_MIN))
    return listed, ladder, max(0, rest - listed)


DESIGN_SIZE = QSize(1600, 1000)
LARGE_SCREEN_SHARE = 0.9  # of a screen larger than the design size, on the first start


def first_size(avail: QSize) -> QSize:
    """The window's size on a first start (no saved geometry) on a screen with ``avail`` free.

    A screen smaller than the design size gets ~95% of it. A larger one gets 90%: a trader with a
    2560x1440 screen bought it for the chart and the ladder's depth, and a 1600x1000 window there
    left a third of it empty; the rest stays free for the desktop's own bars and other windows.
    """
    if avail.width() <= DESIGN_SIZE.width() or avail.height() <= DESIGN_SIZE.height():
        return QSize(min(DESIGN_SIZE.width(), int(avail.width() * 0.96)),
                     min(DESIGN_SIZE.height(), int(avail.height() * 0.92)))
    return QSize(max(DESIGN_SIZE.width(), int(avail.width() * LARGE_SCREEN_SHARE)),
                 max(DESIGN_SIZE.height(), int(avail.height() * LARGE_SCREEN_SHARE)))


def fit_to_screen(window: QMainWindow) -> None:
    """Size the window for a first start (see :func:`first_size`) and centre it on the screen."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(DESIGN_SIZE)
        return
    avail = screen.availableGeometry()
    size = first_size(avail.size())
    window.resize(size)
    window.move(avail.x() + (avail.width() - size.width()) // 2,
                avail.y() + (avail.height() - size.height()) // 2)


def apply_default_layout(
    window: QMainWindow, coin_dock: QDockWidget, chart_dock: QDockWidget | None, status_dock: QDockWidget
) -> None:
    """Give the docks their default widths and heights (call once the window is laid out)."""
    docks = [coin_dock] + ([chart_dock] if chart_dock is not None else [])
    list_w, _ladder, chart_w = dock_widths(window.width(), chart_dock is not None)
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
        below.sort(key=lambda d: d.y())  # nearest the chart first: it stays in front as a tab
        if len(below) > 1 and window.height() < SHORT_WINDOW:
            # A short window cannot stack three panes under each other and keep the candles
            # readable: the docks under the chart share one place as tabs (the first one in front).
            for other in below[1:]:
                window.tabifyDockWidget(below[0], other)
            below[0].raise_()
            below = below[:1]
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
