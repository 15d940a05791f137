"""Composition root for the order-flow panes: one :class:`FlowHub` per window, kinds on the host."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMainWindow, QWidget

from upbit_monitor.features.orderflow import FlowHub
from upbit_monitor.features.orderflow.archive import BookArchive
from upbit_monitor.features.orderflow.watch import TradeLoader
from upbit_monitor.ui.orderflow.depth import DepthPane
from upbit_monitor.ui.orderflow.footprint import FootprintPane
from upbit_monitor.ui.orderflow.heatmap import HeatmapPane


def install_orderflow_panes(window: QMainWindow, source: Any, minutes: float, repaint_hz: float,
                            trade_loader: TradeLoader | None = None,
                            archive: BookArchive | None = None) -> FlowHub:
    """Register Heatmap, Depth chart and Footprint (View > New pane) on the window's pane host.
    Heatmaps and footprints of one coin share its recorder through the returned hub."""
    hub = FlowHub(source, minutes, trade_loader, archive)
    extras = window.extras  # type: ignore[attr-defined]
    palette = window.palette_  # type: ignore[attr-defined]

    def new_heatmap() -> QWidget:
        return HeatmapPane(hub, palette, repaint_hz=repaint_hz)

    def new_depth() -> QWidget:
        return DepthPane(source, palette, repaint_hz=repaint_hz)

    def new_footprint() -> QWidget:
        return FootprintPane(hub, palette, repaint_hz=repaint_hz)

    extras.host.register_kind("heatmap", "Heatmap", new_heatmap)
    extras.host.register_kind("depth", "Depth chart", new_depth)
    extras.host.register_kind("footprint", "Footprint", new_footprint)
    return hub
