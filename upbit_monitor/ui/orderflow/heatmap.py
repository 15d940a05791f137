"""HeatmapPane: resting size over time (historical DOM) with trades and the visible volume profile.

A pane of the issue-19 pane API (``show_code``, ``pane_settings``/``apply_pane_settings``,
``set_dark``): the host puts it in a dock with the link header. The pane holds the coin's
:class:`FlowRecorder` from the shared :class:`FlowHub` (that is its manager registration: closing
the pane or switching coin lets go of it, and the history goes when no pane watches the coin). On
the shared frame clock it brings its :class:`HeatGrid` up to date (a few columns), recolours only
those columns of the image, recomputes the profile when trades or the range changed, and asks for
one paint. Grouping, time aggregation and the colour scale are toolbar choices; changing one
rebuilds the grid from the recorded history.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QCheckBox, QWidget

from upbit_monitor.features.orderflow import (
    ColourScale,
    FlowHub,
    FlowRecorder,
    GridSpec,
    HeatGrid,
    choose_scale,
    colour_table,
    infer_tick,
    needs_rescale,
    trade_bubbles,
    volume_profile,
)
from upbit_monitor.features.orderflow.colors import PERCENTILES
from upbit_monitor.ui.common.formatting import display_code, format_price, quote_of
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderflow.heat_canvas import HeatCanvas
from upbit_monitor.ui.orderflow.heat_image import HeatImage
from upbit_monitor.ui.orderflow.pane import RecorderPane

GROUPINGS = (1, 2, 5, 10, 25, 50, 100)  # price bin in ticks
AGGREGATIONS_MS = (100, 250, 500, 1000, 2000, 5000)  # time per column
RESCALE_EVERY = 20  # refreshes between colour-scale checks (2 s at 10 Hz)


class HeatmapPane(RecorderPane):
    """Heatmap + volume profile of one coin (see the module doc)."""

    def __init__(self, hub: FlowHub, palette: Palette, *, repaint_hz: float = 25.0,
                 parent: QWidget | None = None) -> None:
        super().__init__("HeatmapPane", hub, repaint_hz, parent)
        self.palette_ = palette
        self.grouping = 1
        self.col_ms = 500
        self.percentile = 99.0
        self.log = False
        self.grid: HeatGrid | None = None
        self.image: HeatImage | None = None
        self.scale: ColourScale | None = None
        self._trades_seen = (-1, -1, -1)
        self._frames = 0
        self._resets = (0, 0)

        self.group_box = self._combo(((f"{g}× tick", g) for g in GROUPINGS),
                                     tip="Price grouping: rows are this many ticks tall")
        self.agg_box = self._combo(((f"{ms / 1000:g} s", ms) for ms in AGGREGATIONS_MS), self.col_ms,
                                   tip="Time per column")
        self.clip_box = self._combo(
            (("clip max" if pct == 100 else f"clip {pct:g}%", pct) for pct in PERCENTILES), self.percentile,
            tip="Colour scale: sizes above this percentile of the cells are full colour",
        )
        self.log_box = QCheckBox("log", self)
        self.log_box.setToolTip("Logarithmic colour scale (two decades below the clip level)")
        self.info.setObjectName("HeatInfo")
        for box in (self.group_box, self.agg_box, self.clip_box):
            box.currentIndexChanged.connect(self._controls_changed)
        self.log_box.toggled.connect(self._controls_changed)
        self.canvas = HeatCanvas(palette, self)
        self._assemble((self.group_box, self.agg_box, self.clip_box, self.log_box), self.canvas)

    # ---- pane API ----------------------------------------------------------------------------
    def _coin_changed(self, code: str, recorder: FlowRecorder) -> None:
        self._resets = (recorder.resets, recorder.book.generation)
        self._reset_grid()
        self.canvas.scene.quote = quote_of(code)
        self.canvas.scene.message = f"waiting for the {display_code(code)} book"

    def pane_settings(self) -> dict[str, object]:
        """Grouping, time per column, colour clip and log (kept in workspaces)."""
        return {"grouping": self.grouping, "col_ms": self.col_ms, "clip": self.percentile, "log": self.log}

    def apply_pane_settings(self, settings: dict[str, object]) -> None:
        """Restore :meth:`pane_settings` output; unknown or bad values keep the defaults."""
        self._restore_boxes(settings, ((self.group_box, "grouping"), (self.agg_box, "col_ms"),
                                       (self.clip_box, "clip")))
        if isinstance(settings.get("log"), bool):
            self.log_box.setChecked(bool(settings["log"]))

    def set_dark(self, dark: bool) -> None:
        """Theme switch: new colour table, every column recoloured."""
        if self.image is not None and self.grid is not None:
            self.image.set_table(colour_table(dark))
            self.grid.full = True
        self.canvas.update()

    # ---- frame -------------------------------------------------------------------------------
    def _controls_changed(self, *_: object) -> None:
        self.grouping = int(self.group_box.currentData())
        self.col_ms = int(self.agg_box.currentData())
        self.percentile = float(self.clip_box.currentData())
        self.log = self.log_box.isChecked()
        self._reset_grid()
        self.refresh()

    def _reset_grid(self) -> None:
        self.grid = None
        self.image = None
        self.scale = None
        self._trades_seen = (-1, -1, -1)

    def refresh(self) -> None:
        """Frame tick: new columns, their colours, the profile; one paint if anything changed."""
        rec = self.recorder
        if rec is None:
            return
        if (rec.resets, rec.book.generation) != self._resets:
            # Another venue's stream (its own picture), or recorded snapshots merged under the live ones.
            self._resets = (rec.resets, rec.book.generation)
            self.tick = None
            self._reset_grid()
        if not len(rec.book):
            return
        self._frames += 1
        if self.tick is None:
            self.tick = infer_tick(rec.book.since(rec.book.newest_time() or 0.0))
            if self.tick is None:
                return
        n_cols, n_rows = self.canvas.grid_shape()
        spec = GridSpec(self.tick * self.grouping, self.col_ms, n_cols, n_rows)
        if self.grid is None or self.grid.spec != spec:
            self.grid = HeatGrid(spec)
            self.image = HeatImage(n_rows, n_cols, colour_table(self.palette_.dark))
            self.scale = None
        grid, image = self.grid, self.image
        assert image is not None
        changed = grid.update(rec.book, now_ms=time.time() * 1000)
        if self.scale is None or grid.full or self._frames % RESCALE_EVERY == 0:
            proposed = choose_scale(grid.values, self.percentile, self.log)
            if needs_rescale(self.scale, proposed):
                self.scale = proposed
                grid.full = True
        full, dirty = grid.take_dirty()
        assert self.scale is not None
        image.apply(grid, self.scale, full, dirty)
        trades_changed = self._update_trades(rec, grid)
        if changed or trades_changed or full:
            self._update_scene(grid, image)
            self.canvas.update()

    def _update_trades(self, rec: FlowRecorder, grid: HeatGrid) -> bool:
        first = grid.first_bucket()
        key = (rec.trades.appended + rec.trades.generation, first or 0, grid.top_bin or 0)
        if key == self._trades_seen or first is None or grid.top_bin is None:
            return False
        self._trades_seen = key
        trades = rec.trades.since(first * grid.spec.col_ms)
        scene = self.canvas.scene
        scene.bubbles = trade_bubbles(trades, grid.spec.col_ms)
        scene.profile = volume_profile(trades, grid.spec.bin_size, grid.top_bin, grid.spec.n_rows)
        return True

    def _update_scene(self, grid: HeatGrid, image: HeatImage) -> None:
        scene = self.canvas.scene
        scene.grid, scene.image, scene.message = grid, image, ""
        assert grid.last_bucket is not None
        pos = grid.position(grid.last_bucket)
        bid, ask = float(grid.best_bid[pos]), float(grid.best_ask[pos])
        scene.bid = bid if bid == bid else None  # NaN: no book in that bucket
        scene.ask = ask if ask == ask else None
        if scene.ask is not None:
            self.canvas.fit_axis(format_price(scene.ask * 1.1, scene.quote))
        rec = self.recorder
        if rec is not None and self._frames % 12 == 0:
            kept = (rec.book.newest_time() or 0) - (rec.book.oldest_time() or 0)
            self.info.setText(
                f"row {format_price(grid.spec.bin_size, scene.quote)} · "
                f"{grid.spec.n_cols * grid.spec.col_ms / 60000:.1f} min shown · "
                f"history {kept / 60000:.1f}/{rec.minutes:g} min, {rec.nbytes / 1e6:.1f} MB"
            )
