"""FootprintPane: footprint candles of one coin from its trade history (REST past + live prints).

Shares the coin's :class:`FlowRecorder` with any heatmap on the same coin (the trade ring is the
same). On the frame clock its :class:`FootprintBook` recomputes the live candle only, and the
canvas repaints only the live candle's column (finished ones are cached pixmaps). Grouping
"auto" picks the smallest tick multiple whose rows are tall enough for the numbers.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from upbit_monitor.features.orderflow import FlowHub, FlowRecorder, infer_tick
from upbit_monitor.features.orderflow.footprint import FootprintBook
from upbit_monitor.ui.common.formatting import display_code, format_price, quote_of
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderflow.footprint_canvas import FOOT_H, MIN_TEXT_ROW, FootprintCanvas
from upbit_monitor.ui.orderflow.pane import RecorderPane

TIMEFRAMES_MIN = (1, 3, 5, 15)
GROUPINGS = (0, 1, 2, 5, 10, 25, 50, 100)  # 0 = auto
RATIOS = (2.0, 3.0, 4.0)


class FootprintPane(RecorderPane):
    """Footprint candles of one coin (see the module doc)."""

    def __init__(self, hub: FlowHub, palette: Palette, *, repaint_hz: float = 25.0,
                 parent: QWidget | None = None) -> None:
        super().__init__("FootprintPane", hub, repaint_hz, parent)
        self.book: FootprintBook | None = None
        self.minutes = 1
        self.grouping = 0
        self.ratio = 3.0
        self._resets = 0
        self.tf_box = self._combo((f"{m} min", m) for m in TIMEFRAMES_MIN)
        self.group_box = self._combo((("auto rows" if g == 0 else f"{g}× tick", g) for g in GROUPINGS),
                                     tip="Price rows in ticks (auto: the smallest that fits the numbers)")
        self.ratio_box = self._combo(((f"imbalance {r:g}×", r) for r in RATIOS), self.ratio,
                                     tip="Diagonal imbalance: one side at least this many times the other")
        for box in (self.tf_box, self.group_box, self.ratio_box):
            box.currentIndexChanged.connect(self._controls_changed)
        self.canvas = FootprintCanvas(palette, self)
        self._assemble((self.tf_box, self.group_box, self.ratio_box), self.canvas)

    # ---- pane API ----------------------------------------------------------------------------
    def _coin_changed(self, code: str, recorder: FlowRecorder) -> None:
        self._resets = recorder.resets
        self.book = None
        self.canvas.quote = quote_of(code)
        self.canvas.message = f"waiting for {display_code(code)} trades"
        self.canvas.set_candles([], 1.0)

    def pane_settings(self) -> dict[str, object]:
        """Candle minutes, grouping (0 = auto), imbalance ratio."""
        return {"minutes": self.minutes, "grouping": self.grouping, "ratio": self.ratio}

    def apply_pane_settings(self, settings: dict[str, object]) -> None:
        """Restore :meth:`pane_settings` output; unknown values keep the defaults."""
        self._restore_boxes(settings, ((self.tf_box, "minutes"), (self.group_box, "grouping"),
                                       (self.ratio_box, "ratio")))

    def set_dark(self, dark: bool) -> None:
        """Theme switch: cached candles are repainted (the cache key holds the theme)."""
        self.canvas.update()

    def _controls_changed(self, *_: object) -> None:
        self.minutes = int(self.tf_box.currentData())
        self.grouping = int(self.group_box.currentData())
        self.ratio = float(self.ratio_box.currentData())
        self.book = None
        self.refresh()

    # ---- frame -------------------------------------------------------------------------------
    def _auto_grouping(self, tick: float) -> int:
        """Smallest multiple whose rows fit the numbers for the candles shown now."""
        height = max(40, self.canvas.height() - FOOT_H - 4)
        probe = FootprintBook(self.minutes * 60_000, tick, self.ratio)
        assert self.recorder is not None
        probe.update(self.recorder.trades)
        span_ticks = 0
        shown = probe.candles[-self.canvas.visible_count():]
        if shown:
            span_ticks = max(c.high_bin for c in shown) - min(c.low_bin for c in shown) + 1
        for g in GROUPINGS[1:]:
            if (span_ticks / g + 4) * MIN_TEXT_ROW * 1.25 <= height:
                return g
        return GROUPINGS[-1]

    def refresh(self) -> None:
        """Frame tick: catch up with the trades; repaint when a candle changed."""
        rec = self.recorder
        if rec is None:
            return
        if rec.resets != self._resets:  # another venue's stream: its own candles
            self._resets = rec.resets
            self.tick = None
            self.book = None
        if self.tick is None:
            self.tick = infer_tick(rec.book.since(rec.book.newest_time() or 0.0)) if len(rec.book) else None
            if self.tick is None:
                return
        if self.book is None:
            group = self.grouping or self._auto_grouping(self.tick)
            self.book = FootprintBook(self.minutes * 60_000, self.tick * group, self.ratio)
        if self.book.update(rec.trades):
            self.canvas.set_candles(self.book.candles, self.book.bin_size)
            rows = self.canvas.rows
            if self.grouping == 0 and rows is not None and rows.row_h < MIN_TEXT_ROW:
                # The range grew (history arrived, the price ran): coarser rows from the next frame.
                coarser = self._auto_grouping(self.tick)
                if coarser * self.tick > self.book.bin_size:
                    self.book = None
                    return
            problem = self._hub.history_problem.get(rec.code, "")
            self.info.setText(problem or f"row {format_price(self.book.bin_size, self.canvas.quote)} · "
                              f"{len(self.book.candles)} candles from {len(rec.trades):,} trades")
