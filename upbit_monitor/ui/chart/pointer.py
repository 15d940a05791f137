"""ChartPointer: what the mouse does on the chart.

Moving shows the crosshair and its readout, a double-click returns to the newest bars, Ctrl+click
draws a price line, and the right-click menu offers the price-line commands at the clicked price plus
whatever other features added (e.g. "Alert here" from the alerts pane). The menu is opened with
``popup`` (non-blocking): ``exec()`` would run a nested Qt event loop under the qasync loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMenu

from upbit_monitor.ui.common.formatting import format_price

if TYPE_CHECKING:
    from upbit_monitor.ui.chart.view import ChartView

__all__ = ["ChartPointer"]


class ChartPointer:
    """Connects the chart's scenes to the view's crosshair, price lines and context menu."""

    def __init__(self, view: ChartView) -> None:
        self._view = view
        self._context_actions: list[Callable[[QMenu, float], None]] = []
        self.last_menu: QMenu | None = None  # the newest context menu (tests inspect it)
        plots = view.plots
        plots.price.scene().sigMouseMoved.connect(self._on_price_mouse_moved)
        plots.volume.scene().sigMouseMoved.connect(self._on_volume_mouse_moved)
        for scene in (plots.price.scene(), plots.volume.scene()):
            scene.sigMouseClicked.connect(self._on_mouse_clicked)

    def add_context_action(self, add: Callable[[QMenu, float], None]) -> None:
        """``add(menu, price)`` puts entries into the context menu opened at ``price``."""
        self._context_actions.append(add)

    def _on_price_mouse_moved(self, pos: QPointF) -> None:
        self._mouse_moved(pos, in_volume=False)

    def _on_volume_mouse_moved(self, pos: QPointF) -> None:
        self._mouse_moved(pos, in_volume=True)

    def _mouse_moved(self, pos: QPointF, in_volume: bool) -> None:
        point = self._view.plots.scene_to_data(pos, in_volume)
        if point is None:
            self._view.hide_crosshair()
        else:
            self._view.move_crosshair(*point)

    def _on_mouse_clicked(self, event: object) -> None:
        # pyqtgraph's MouseClickEvent; a double-click returns to the newest bars (auto-scroll resumes),
        # Ctrl+click draws a price line.
        if getattr(event, "double", lambda: False)():
            self._view.show_recent()
            return
        modifiers = getattr(event, "modifiers", lambda: Qt.KeyboardModifier.NoModifier)()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            price = self._view.price_lines.price_at(event.scenePos())  # type: ignore[attr-defined]
            if price is not None:
                self.add_line(price)

    def add_line(self, price: float) -> None:
        """Draw a price line at ``price``; a refusal (limit, bad price) is reported, not raised."""
        lines = self._view.price_lines
        if not lines.add(price):
            self._view.report(f"price line not added: {lines.error}")

    def open_menu(self, global_pos: QPoint) -> None:
        """Price-line commands at the clicked price, the added entries, then the studies menu."""
        view = self._view
        lines = view.price_lines
        price_view = view.plots.price_view
        price = lines.price_at(price_view.mapToScene(price_view.mapFromGlobal(global_pos)))
        code = view.code
        menu = QMenu(view)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if price is not None and code is not None:
            menu.addAction(f"Add price line at {format_price(price, view.plots.quote)}").triggered.connect(
                lambda: self.add_line(price)
            )
            y0, y1 = view.plots.price.getViewBox().viewRange()[1]
            near = lines.nearest(price, (y1 - y0) * 0.02)
            if near is not None:
                menu.addAction("Remove this price line").triggered.connect(lambda: lines.remove(near))
        if code is not None and lines.count():
            clear = menu.addAction(f"Remove all price lines on {code}")
            clear.triggered.connect(lines.clear)
        if price is not None:
            for add in self._context_actions:
                add(menu, price)
        menu.addSeparator()
        menu.addMenu(view.studies_menu)
        self.last_menu = menu
        menu.popup(global_pos)
