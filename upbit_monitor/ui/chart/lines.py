"""Horizontal price lines the user draws on the chart, kept per market.

User lines live in a shared :class:`~upbit_monitor.features.studies.PriceLineBook` (one per window),
so every chart showing a market draws the same lines and a line survives a coin switch and a
restart (the owner persists the book). A line is drawn with Ctrl+click or the chart's context menu,
dragged to move, and removed from the context menu. Charts re-read the book when its version moves
(another chart changed it), at frame time.

Alert lines are drawn by the alerts feature on the same plot (``ChartView.price_plot``), and its
"alert at this price" command joins the chart's context menu through
``ChartView.add_context_action``; neither is stored here.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF

from upbit_monitor.errors import StudySettingsError
from upbit_monitor.features.studies import PriceLineBook
from upbit_monitor.ui.chart.plots import ChartPlots
from upbit_monitor.ui.common.formatting import format_price

_USER_COLOR = "#f0b429"


class PriceLines:
    """The price lines of one chart (its current market)."""

    def __init__(self, plots: ChartPlots, book: PriceLineBook) -> None:
        self.plots = plots
        self.book = book
        self._code: str | None = None
        self._seen = -1
        self._items: dict[int, pg.InfiniteLine] = {}
        self.error: str | None = None  # the last refused edit (shown by the chart as a notice)

    # ---- market and sync ---------------------------------------------------------------------
    def set_code(self, code: str | None) -> None:
        """Show ``code``'s lines."""
        self._code = code
        self._seen = -1
        self.sync()

    def sync(self) -> None:
        """Redraw if the book changed since the last call (another chart, a drag); cheap otherwise."""
        if self.book.version != self._seen:
            self._seen = self.book.version
            self._draw_user()

    def _draw_user(self) -> None:
        for item in self._items.values():
            self.plots.price.removeItem(item)
        self._items = {}
        if self._code is None:
            return
        for line in self.book.lines(self._code):
            item = pg.InfiniteLine(
                pos=line.price, angle=0, movable=True,
                pen=pg.mkPen(_USER_COLOR, width=1.2),
                hoverPen=pg.mkPen(_USER_COLOR, width=2.5),
                label=format_price(line.price, self.plots.quote),
                labelOpts={"position": 0.04, "color": _USER_COLOR, "anchors": [(0, 1), (0, 1)]},
            )
            item.setZValue(20)
            item.line_id = line.line_id
            # A bound method (held weakly by the signal), not a lambda: no cycle through Qt.
            item.sigPositionChangeFinished.connect(self._moved)
            self.plots.price.addItem(item, ignoreBounds=True)
            self._items[line.line_id] = item

    # ---- edits -------------------------------------------------------------------------------
    def add(self, price: float) -> bool:
        """Draw a user line at ``price`` on the current market."""
        if self._code is None:
            return False
        try:
            self.book.add(self._code, price)
        except StudySettingsError as exc:
            self.error = str(exc)
            return False
        self.sync()
        return True

    def _moved(self, item: pg.InfiniteLine) -> None:
        if self._code is None:
            return
        try:
            self.book.move(self._code, int(item.line_id), float(item.value()))
        except (KeyError, StudySettingsError) as exc:
            self.error = str(exc)
        self.sync()

    def nearest(self, price: float, tolerance: float) -> int | None:
        """The user line within ``tolerance`` of ``price`` (closest), else None."""
        if self._code is None:
            return None
        best = min(self.book.lines(self._code), key=lambda line: abs(line.price - price), default=None)
        if best is None or abs(best.price - price) > tolerance:
            return None
        return best.line_id

    def remove(self, line_id: int) -> None:
        """Delete a user line of the current market."""
        if self._code is not None:
            self.book.remove(self._code, line_id)
            self.sync()

    def clear(self) -> None:
        """Delete every user line of the current market."""
        if self._code is not None:
            self.book.clear(self._code)
            self.sync()

    def count(self) -> int:
        """User lines drawn now (tests)."""
        return len(self._items)

    def price_at(self, scene_pos: QPointF) -> float | None:
        """The price under a scene position of the price view, or None outside the price plot."""
        point = self.plots.scene_to_data(scene_pos)
        return None if point is None or point[1] is None else point[1]
