"""Studies on the chart: overlay curves on the price plot, RSI/MACD sub-panes, the volume MA.

:class:`StudyLayer` owns a :class:`~upbit_monitor.features.studies.StudyEngine` and the pyqtgraph
items drawing it. The chart feeds it the same bars as its candles (``reset`` / ``apply``: O(1) per
study on a live tick) and calls :meth:`StudyLayer.refresh` once per frame.

Why every line is two items. A live tick changes only the newest value of each line, but a
pyqtgraph curve repaints its whole bounding rectangle when its data changes, which on a chart means
the whole plot, axes and grid included (bench/chart.py measured 2.2x the no-study tick cost that
way). So each line is a *history* curve (up to the previous bar: redrawn only when a bar closes or
the visible range moves, and then only the visible slice) and a two-point *tail* curve from the
previous bar to the live one, whose small rectangle is all a tick repaints. The MACD histogram and
the Bollinger fill are split the same way.

Legends (study names and values) are QLabels above each pane, not scene items: updating one on
every tick must not dirty the plots. Sub-panes sit between the price plot and the volume plot
(which carries the time labels), x-linked to the price plot with the same right-axis width, so
every pane lines up bar for bar. The panes and each study's items are built in ``study_panes``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QTimer
from PySide6.QtGui import QPolygonF
from PySide6.QtWidgets import QBoxLayout

from upbit_monitor.features.studies import Source, StudyEngine, StudySettings
from upbit_monitor.features.studies.calculators import BarLike
from upbit_monitor.ui.chart.axes import format_kst, format_volume
from upbit_monitor.ui.chart.plots import ChartPlots
from upbit_monitor.ui.chart.study_panes import (
    PALETTE,
    SUB_PANES,
    Drawn,
    SubPane,
    add_items,
    legend_label,
    set_sparse,
)
from upbit_monitor.ui.chart.theme import ChartTheme
from upbit_monitor.ui.common.formatting import format_price

__all__ = ["PALETTE", "SUB_PANES", "StudyLayer", "SubPane"]

LEGEND_MS = 250


class StudyLayer:
    """Studies of one chart: engine + drawing."""

    def __init__(self, plots: ChartPlots) -> None:
        self.plots = plots
        self.engine = StudyEngine()
        self._drawn: list[Drawn] = []
        self.panes: dict[str, SubPane] = {}
        self._theme: ChartTheme | None = None
        self._hist_key: tuple[int, float, float, int] | None = None
        self._structure = 0  # bumps when items are rebuilt: history must be redrawn
        self.refresh_count = 0  # history redraws (tests, bench)
        self.tail_count = 0  # tail-only updates (tests, bench)
        self.legend = legend_label()
        layout = self._layout()
        layout.insertWidget(0, self.legend)
        self.legend_text: dict[str, str] = {}  # pane -> plain legend text (tests, copy)
        self.notes: dict[StudySettings, str] = {}  # shown after a study's values (server source state)
        self._legend_html: dict[str, str] = {}
        self._legend_index: int | None = None
        self._visible = (0, 0)  # history slice drawn last
        self._legend_at = 0.0
        # Parented to the chart: the timer dies with it; the slot is a bound method (held weakly).
        self._legend_timer = QTimer(plots.widget)
        self._legend_timer.setSingleShot(True)
        self._legend_timer.timeout.connect(self._flush_legends)
        plots.price.getViewBox().sigXRangeChanged.connect(self._on_range)

    def _layout(self) -> QBoxLayout:
        layout = self.plots.widget.layout()
        assert isinstance(layout, QBoxLayout)
        return layout

    # ---- configuration -----------------------------------------------------------------------
    @property
    def studies(self) -> list[StudySettings]:
        """The studies shown, in order."""
        return self.engine.studies

    def set_studies(self, studies: Iterable[StudySettings]) -> None:
        """Show exactly ``studies`` (validated by the engine first; nothing changes on an error)."""
        self.engine.set_studies(studies)
        for drawn in self._drawn:
            for item in drawn.items():
                drawn.plot.removeItem(item)
        self._drawn = []
        wanted = {s.pane for s in self.engine.studies if s.pane in SUB_PANES}
        for name in [n for n in self.panes if n not in wanted]:
            pane = self.panes.pop(name)
            pane.container.setParent(None)
            pane.container.deleteLater()
        layout = self._layout()
        for name in SUB_PANES:  # fixed order: RSI above MACD, both above the volume pane
            if name in wanted and name not in self.panes:
                pane = SubPane(name, self.plots)
                if self._theme is not None:
                    pane.apply_theme(self._theme)
                self.panes[name] = pane
                layout.insertWidget(layout.indexOf(self.plots.volume_view), pane.container, 1)
        for i, study in enumerate(self.engine.studies):
            drawn = Drawn(study, PALETTE[i % len(PALETTE)], self._plot_for(study))
            add_items(drawn)
            self._drawn.append(drawn)
        self.legend.setVisible(any(d.study.pane in ("price", "volume") for d in self._drawn))
        self._structure += 1
        self.refresh()
        self._write_legends(self._legend_index)

    def _plot_for(self, study: StudySettings) -> pg.PlotItem:
        if study.pane == "price":
            return self.plots.price
        if study.pane == "volume":
            return self.plots.volume
        return self.panes[study.pane].plot

    # ---- data --------------------------------------------------------------------------------
    def reset(self, bars: Sequence[BarLike]) -> None:
        """The chart's series was replaced."""
        self.engine.reset(bars)

    def apply(self, bar: BarLike) -> None:
        """One live or appended bar (O(1) per study)."""
        self.engine.apply(bar)

    def _on_range(self, *_: object) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw what moved: the history slice (bar closed, range moved) or only the tails."""
        dirty = self.engine.take_dirty()
        if not self._drawn:
            return
        n = len(self.engine)
        x0, x1 = self.plots.x_range()
        key = (n, x0, x1, self._structure)
        if key != self._hist_key or (dirty is not None and dirty < n - 1):
            self._hist_key = key
            self._draw_history(n, x0, x1)
            self._draw_tails(n, refit=True)
        elif dirty is not None:
            self._draw_tails(n, refit=False)

    def _draw_history(self, n: int, x0: float, x1: float) -> None:
        self.refresh_count += 1
        i0, i1 = self.plots.series.index_range(x0, x1)
        # Up to and including the previous bar: the tail draws from there to the live bar.
        i0, i1 = max(0, i0 - 1), max(0, min(n - 1, i1 + 1))
        x = np.asarray(self.engine.starts[i0:i1], dtype=float)
        unit = self.plots.series.unit_s
        for drawn in self._drawn:
            lines = self.engine.lines(drawn.study)
            server = drawn.study.source is Source.SERVER
            for name, line in drawn.lines.items():
                (partial(set_sparse, line.hist) if server else line.hist.setData)(x, lines[name][i0:i1])
            if drawn.bars is not None:
                drawn.bars.setOpts(x=x, height=np.nan_to_num(lines["histogram"][i0:i1]), width=unit * 0.6)
        self._visible = (i0, i1)

    def _draw_tails(self, n: int, refit: bool) -> None:
        self.tail_count += 1
        starts = self.engine.starts
        if n < 2:
            for drawn in self._drawn:
                for item in drawn.items():
                    if not isinstance(item, pg.GraphicsObject):
                        item.setVisible(False)
            return
        xa, xb = float(starts[n - 2]), float(starts[n - 1])
        unit = self.plots.series.unit_s
        pixel: dict[int, float] = {}
        for drawn in self._drawn:
            lines = self.engine.lines(drawn.study)
            ends: dict[str, tuple[float, float]] = {}
            if id(drawn.plot) not in pixel:
                size = drawn.plot.getViewBox().viewPixelSize()
                pixel[id(drawn.plot)] = abs(float(size[1])) if size is not None else 0.0
            half_px = pixel[id(drawn.plot)] / 2
            for name, line in drawn.lines.items():
                ya, yb = float(lines[name][n - 2]), float(lines[name][n - 1])
                ok = bool(np.isfinite(ya) and np.isfinite(yb))
                if ok:
                    ends[name] = (ya, yb)
                    old = line.tail.line()
                    # A tick usually moves an average by less than a pixel: repainting that is waste.
                    moved = (old.x1() != xa or old.x2() != xb or abs(old.y1() - ya) > half_px
                             or abs(old.y2() - yb) > half_px or not line.tail.isVisible())
                    if moved:
                        line.tail.setLine(xa, ya, xb, yb)
                if line.tail.isVisible() != ok:
                    line.tail.setVisible(ok)
            if drawn.tail_fill is not None:
                up, low = ends.get("upper"), ends.get("lower")
                drawn.tail_fill.setVisible(up is not None and low is not None)
                if up is not None and low is not None:
                    drawn.tail_fill.setPolygon(QPolygonF([QPointF(xa, up[0]), QPointF(xb, up[1]),
                                                          QPointF(xb, low[1]), QPointF(xa, low[0])]))
            if drawn.tail_bar is not None:
                value = float(np.nan_to_num(lines["histogram"][n - 1]))
                half = unit * 0.3
                drawn.tail_bar.setRect(QRectF(xb - half, min(0.0, value), 2 * half, abs(value)))
        self._fit_macd(n, refit)

    def _fit_macd(self, n: int, refit: bool) -> None:
        """MACD's y range on the visible values; on a tick only when the live value leaves it."""
        macd = self.panes.get("macd")
        drawn = next((d for d in self._drawn if d.study.pane == "macd"), None)
        if macd is None or drawn is None:
            return
        lines = self.engine.lines(drawn.study)
        i0, _ = self._visible
        if not refit:
            lo, hi = macd.plot.getViewBox().viewRange()[1]
            live = [float(v[-1]) for v in lines.values() if n and np.isfinite(v[-1])]
            if all(lo <= v <= hi for v in live):
                return
        values = np.concatenate([v[i0:n] for v in lines.values()])
        values = values[np.isfinite(values)]
        if not values.size:
            return
        low, high = float(values.min()), float(values.max())
        pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
        macd.plot.setYRange(low - pad, high + pad, padding=0)

    # ---- legends and theme -------------------------------------------------------------------
    def update_legends(self, index: int | None) -> None:
        """Study names and values at bar ``index`` (None: the newest) in the legend rows.

        Following the live bar, the rows change at most every ``LEGEND_MS`` (a timer brings the
        last value in): digits flickering at the tick rate are unreadable and each change costs
        a label repaint. The crosshair (an index) updates at once.
        """
        self._legend_index = index
        if index is None and self._drawn:
            now = time.monotonic()
            if now - self._legend_at < LEGEND_MS / 1000:
                if not self._legend_timer.isActive():
                    self._legend_timer.start(LEGEND_MS)
                return
            self._legend_at = now
        self._write_legends(index)

    def _flush_legends(self) -> None:
        self._legend_at = time.monotonic()
        self._write_legends(self._legend_index)

    def _write_legends(self, index: int | None) -> None:
        n = len(self.engine)
        i = n - 1 if index is None or index >= n else index
        html: dict[str, list[str]] = {}
        plain: dict[str, list[str]] = {}
        for drawn in self._drawn:
            shown: list[str] = []
            if i >= 0:
                fmt = _formatter(drawn.study.pane, self.plots.quote)
                values = self.engine.values_at(drawn.study, i)
                shown = [fmt(v) for k, v in values.items() if k != "volume" and not np.isnan(v)]
                last = self.engine.last_values(drawn.study, i) if not shown and drawn.study.source is \
                    Source.SERVER else None
                if last is not None:  # Upbit's newest value, with the close it belongs to
                    shown = [fmt(v) for v in last[1].values() if not np.isnan(v)]
                    shown[-1] += f" ({format_kst(self.engine.starts[last[0]], short=True)})"
            note = "" if shown else self.notes.get(drawn.study, "")  # stands in for missing values
            text = " ".join(part for part in (drawn.study.label(), "/".join(shown), note) if part)
            row = "price" if drawn.study.pane == "volume" else drawn.study.pane
            html.setdefault(row, []).append(f'<span style="color:{drawn.color}">{escape(text)}</span>')
            plain.setdefault(row, []).append(text)
        self.legend_text = {row: "  ".join(parts) for row, parts in plain.items()}
        targets = {"price": self.legend} | {name: pane.title for name, pane in self.panes.items()}
        for row, label in targets.items():
            text = "&nbsp;&nbsp; ".join(html.get(row, []))
            if self._legend_html.get(row) != text:  # a QLabel relayout per tick is not free
                self._legend_html[row] = text
                label.setText(text)

    def set_notes(self, notes: dict[StudySettings, str]) -> None:
        """Words in a study's legend where it has no value (e.g. why Upbit's values are not shown)."""
        if notes != self.notes:
            self.notes = notes
            self._write_legends(self._legend_index)

    def colors(self) -> dict[StudySettings, str]:
        """The colour each study is drawn in (legends, menus)."""
        return {d.study: d.color for d in self._drawn}

    def apply_theme(self, theme: ChartTheme) -> None:
        """Sub-pane surfaces and legend rows follow the chart theme."""
        self._theme = theme
        self.legend.setStyleSheet(f"color: {theme.axis};")
        for pane in self.panes.values():
            pane.apply_theme(theme)


def _formatter(pane: str, quote: str) -> Callable[[float], str]:
    if pane == "price":
        return lambda value: format_price(value, quote)
    if pane == "volume":
        return format_volume
    return _plain


def _plain(value: float) -> str:
    return f"{value:,.2f}"
