"""The frame the order-flow panes share: a control row with an info line, one canvas, the frame clock.

Heatmap, depth chart and footprint each show one coin as a row of choices (combo boxes, a check box)
followed by a line of facts about what is drawn, above a canvas that takes the rest of the pane. A
:class:`ToolPane` builds that frame and has the shared frame clock call the pane's ``refresh``;
a :class:`RecorderPane` (heatmap, footprint) also holds the coin's :class:`FlowRecorder` from the
window's :class:`FlowHub`, which is what keeps the coin's history recorded while the pane shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from upbit_monitor.features.orderflow import FlowHub, FlowRecorder
from upbit_monitor.ui.common.frame_clock import CHART_MS, ClockedView
from upbit_monitor.ui.common.layout import flush_column

# Panes that draw from a recorder repaint at most 10 Hz: the finest heatmap column is 100 ms, and a
# live footprint candle read ten times a second is live enough; a faster repaint adds only cost.
RECORDER_MAX_HZ = 10.0


class ToolPane(ClockedView):
    """Controls and info line on top, the canvas below; ``refresh`` runs on the frame clock."""

    def __init__(self, name: str, parent: QWidget | None, *, hz: float, phase_ms: int) -> None:
        super().__init__(name, parent, hz=hz, phase_ms=phase_ms)
        self.code: str | None = None
        self.info = QLabel("", self)
        # The info line may clip in a narrow pane rather than widen the dock.
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def _combo(self, items: Iterable[tuple[str, object]], current: object = None, *,
               tip: str = "") -> QComboBox:
        """A combo box of (label, value) items, ``current`` chosen when given."""
        box = QComboBox(self)
        if tip:
            box.setToolTip(tip)
        for label, value in items:
            box.addItem(label, value)
        if current is not None:
            box.setCurrentIndex(box.findData(current))
        return box

    @staticmethod
    def _restore_boxes(settings: Mapping[str, object], boxes: Sequence[tuple[QComboBox, str]]) -> None:
        """Choose each box's saved value; a value the box does not offer keeps its choice."""
        for box, key in boxes:
            idx = box.findData(settings.get(key))
            if idx >= 0:
                box.setCurrentIndex(idx)

    def _assemble(self, controls: Sequence[QWidget], canvas: QWidget) -> None:
        """Lay out the control row over ``canvas``."""
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        for w in controls:
            bar.addWidget(w)
        bar.addSpacing(10)
        bar.addWidget(self.info, 1)
        flush_column(self, bar, (canvas, 1))


class RecorderPane(ToolPane):
    """A pane that draws one coin's recorded book and trades, held through the shared hub."""

    def __init__(self, name: str, hub: FlowHub, repaint_hz: float, parent: QWidget | None) -> None:
        super().__init__(name, parent, hz=min(repaint_hz, RECORDER_MAX_HZ), phase_ms=CHART_MS)
        self._hub = hub
        self.recorder: FlowRecorder | None = None
        self.tick: float | None = None  # the coin's price step, inferred from its book

    def show_code(self, code: str) -> None:
        """Watch ``code`` (the previous coin's recorder is let go: released if no one else holds it)."""
        if code == self.code:
            return
        self.code = code
        self.recorder = self._hub.watch(code)
        self.tick = None
        self._coin_changed(code, self.recorder)
        self.refresh()

    def _coin_changed(self, code: str, recorder: FlowRecorder) -> None:
        """Forget what was drawn for the previous coin (before the first refresh of ``recorder``)."""
        raise NotImplementedError
