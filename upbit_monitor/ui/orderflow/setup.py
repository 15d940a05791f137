"""Composition root for the order-flow panes: one :class:`FlowHub` per window, kinds on the host."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMainWindow, QWidget

from upbit_monitor.features.orderflow import FlowHub
from upbit_monitor.ui.orderflow.heatmap import HeatmapPane


def install_orderflow_panes(window: QMainWindow, source: Any, minutes: float, repaint_hz: float) -> FlowHub:
    """Register the Heatmap pane kind (View > New pane) on the window's pane host."""
    hub = FlowHub(source, minutes)
    extras = window.extras  # type: ignore[attr-defined]
    palette = window.palette_  # type: ignore[attr-defined]

    def new_heatmap() -> QWidget:
        return HeatmapPane(hub, palette, repaint_hz=repaint_hz)

    extras.host.register_kind("heatmap", "Heatmap", new_heatmap)
    return hub
