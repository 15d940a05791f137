"""What the chart's studies are drawn with: the RSI/MACD sub-panes and each study's item set.

:class:`SubPane` is one indicator pane (legend row + plot) that sits between the price and the volume
plots, x-linked to the price plot with the same right-axis width so every pane lines up bar for bar.
:func:`add_items` builds a study's items: every line is a history curve plus a one-segment tail
(why: ``studies``' module docstring), the MACD histogram and the Bollinger fill likewise.
:class:`~upbit_monitor.ui.chart.studies.StudyLayer` decides what to build and feeds the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QLabel,
    QSizePolicy,
    QWidget,
)

from upbit_monitor.features.studies import Source, StudySettings
from upbit_monitor.ui.chart.plots import AXIS_WIDTH, ChartPlots
from upbit_monitor.ui.chart.theme import ChartTheme
from upbit_monitor.ui.common.layout import flush_column

__all__ = ["PALETTE", "SUB_PANES", "Drawn", "Line", "SubPane", "add_items", "alpha", "legend_label"]

PALETTE = ("#f0b429", "#3ecf8e", "#c678dd", "#56b6c2", "#ff8c42", "#9fd356", "#e86ff0")
"""Line colours, assigned to studies in order (readable on both chart themes)."""
SUB_PANES = ("rsi", "macd")
_SUB_PANE_MIN, _SUB_PANE_MAX = 56, 150
_RSI_LEVELS = (30.0, 70.0)  # the usual oversold / overbought guides
SIGNAL_COLOR = "#ff8c42"


@dataclass(slots=True)
class Line:
    """One study line: the history curve and the live tail segment (see ``studies``)."""

    hist: pg.PlotDataItem
    tail: QGraphicsLineItem  # one segment: setLine costs microseconds, a curve's setData a millisecond


@dataclass(slots=True)
class Drawn:
    """The items of one study."""

    study: StudySettings
    color: str
    plot: pg.PlotItem
    lines: dict[str, Line] = field(default_factory=dict)
    bars: pg.BarGraphItem | None = None
    tail_bar: QGraphicsRectItem | None = None
    fill: pg.FillBetweenItem | None = None
    tail_fill: QGraphicsPolygonItem | None = None

    def items(self) -> list[QGraphicsItem]:
        """Every item drawn for the study (to remove them together)."""
        out: list[QGraphicsItem] = [x for line in self.lines.values() for x in (line.hist, line.tail)]
        return out + [x for x in (self.bars, self.tail_bar, self.fill, self.tail_fill) if x is not None]


def legend_label(parent: QWidget | None = None) -> QLabel:
    """A legend row: rich text (colours per study), hidden until it has something to say."""
    label = QLabel("", parent)
    label.setObjectName("StudyLegend")
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setContentsMargins(8, 0, 8, 0)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setVisible(False)
    return label


class SubPane:
    """One indicator pane (legend row + plot) between the price and the volume plots."""

    def __init__(self, name: str, plots: ChartPlots) -> None:
        self.name = name
        self.container = QWidget()
        self.container.setObjectName(f"StudyPane-{name}")
        self.title = legend_label(self.container)
        self.title.setVisible(True)
        self.view = pg.GraphicsLayoutWidget()
        self.view.ci.setContentsMargins(2, 1, 2, 1)
        flush_column(self.container, self.title, (self.view, 1))
        self.container.setMinimumHeight(_SUB_PANE_MIN)
        self.container.setMaximumHeight(_SUB_PANE_MAX)
        self.plot = self.view.addPlot(row=0, col=0)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.showAxis("right")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.enableAutoRange(x=False, y=False)
        self.plot.getAxis("right").setWidth(AXIS_WIDTH)
        self.plot.setXLink(plots.price)
        self.guides: list[pg.InfiniteLine] = []
        levels = (*_RSI_LEVELS,) if name == "rsi" else (0.0,)
        if name == "rsi":
            self.plot.setYRange(0, 100, padding=0)
            self.plot.getAxis("right").setTicks([[(v, f"{v:.0f}") for v in (*_RSI_LEVELS, 50.0)]])
        for level in levels:
            line = pg.InfiniteLine(pos=level, angle=0, movable=False)
            self.guides.append(line)
            self.plot.addItem(line, ignoreBounds=True)

    def apply_theme(self, theme: ChartTheme) -> None:
        """Surface, grid, axis and guide colours of ``theme``."""
        self.view.setBackground(theme.background)
        self.container.setStyleSheet(f"background: {theme.background};")
        self.plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
        axis = self.plot.getAxis("right")
        axis.setPen(pg.mkPen(theme.axis))
        axis.setTextPen(pg.mkPen(theme.text))
        for line in self.guides:
            line.setPen(pg.mkPen(theme.axis, width=1, style=Qt.PenStyle.DashLine))


def add_items(drawn: Drawn) -> None:
    """Create the pyqtgraph items of ``drawn`` on its plot (history curve + tail per line)."""
    plot, color = drawn.plot, QColor(drawn.color)
    overlay = drawn.study.pane == "price"
    for name in drawn.study.lines:
        if name == "volume":
            continue  # the volume bars are the chart's own VolumeItem
        if name == "histogram":
            brush = alpha(color, 110)
            drawn.bars = pg.BarGraphItem(x=[], height=[], width=1.0, brush=brush, pen=None)
            drawn.tail_bar = QGraphicsRectItem()
            drawn.tail_bar.setBrush(brush)
            drawn.tail_bar.setPen(QPen(Qt.PenStyle.NoPen))
            plot.addItem(drawn.bars)
            plot.addItem(drawn.tail_bar, ignoreBounds=True)
            continue
        pen = pg.mkPen(QColor(SIGNAL_COLOR) if name == "signal" else color,
                       width=1.0 if name in ("upper", "lower") else 1.4)  # cosmetic: pixels
        # Upbit's values exist only for the closes seen since subscribing: dots keep a lone one visible.
        dots = {"symbol": "o", "symbolSize": 4, "symbolPen": None, "symbolBrush": pen.color()} \
            if drawn.study.source is Source.SERVER else {}
        line = Line(pg.PlotDataItem(pen=pen, connect="finite", **dots), QGraphicsLineItem())
        line.tail.setPen(pen)
        line.tail.setVisible(False)
        for item in (line.hist, line.tail):
            item.setZValue(5)
            plot.addItem(item, ignoreBounds=overlay or item is line.tail)
        drawn.lines[name] = line
    if "upper" in drawn.lines and "lower" in drawn.lines:
        up, low = drawn.lines["upper"], drawn.lines["lower"]
        drawn.fill = pg.FillBetweenItem(up.hist, low.hist, brush=alpha(color, 22))
        drawn.tail_fill = QGraphicsPolygonItem()
        drawn.tail_fill.setBrush(alpha(color, 22))
        drawn.tail_fill.setPen(QPen(Qt.PenStyle.NoPen))
        plot.addItem(drawn.fill)
        plot.addItem(drawn.tail_fill, ignoreBounds=True)


def alpha(color: QColor, value: int) -> QColor:
    """``color`` with alpha ``value`` (0-255)."""
    out = QColor(color)
    out.setAlpha(value)
    return out


def set_sparse(item: pg.PlotDataItem, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> None:
    """Draw only the finite points of a sparse line (Upbit's values: one per close seen), as dots joined
    where two are adjacent in ``y``. The dots' scatter must not get NaNs: its bounds warn on all-NaN data."""
    keep = np.flatnonzero(np.isfinite(y))
    if not keep.size:
        item.setData([], [])
        return
    item.setData(x[keep], y[keep], connect=np.append(np.diff(keep) == 1, False))
