"""Order-flow data without Qt: book/trade histories per watched coin, heat grid, profile, footprint.

The heatmap, depth and footprint panes in ``ui/orderflow`` draw what these modules compute.
"""

from upbit_monitor.features.orderflow.colors import ColourScale, choose_scale, colour_table, needs_rescale
from upbit_monitor.features.orderflow.grid import GridSpec, HeatGrid, infer_tick, price_bins
from upbit_monitor.features.orderflow.history import BookHistory, BookRows, TradeHistory, TradeRows
from upbit_monitor.features.orderflow.profile import Bubbles, Profile, trade_bubbles, volume_profile
from upbit_monitor.features.orderflow.watch import FlowHub, FlowRecorder

__all__ = [
    "BookHistory",
    "BookRows",
    "Bubbles",
    "ColourScale",
    "FlowHub",
    "FlowRecorder",
    "GridSpec",
    "HeatGrid",
    "Profile",
    "TradeHistory",
    "TradeRows",
    "choose_scale",
    "colour_table",
    "infer_tick",
    "needs_rescale",
    "price_bins",
    "trade_bubbles",
    "volume_profile",
]
