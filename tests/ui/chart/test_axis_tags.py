"""The price axis leaves out the tick labels under its price tags (last price, crosshair)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QImage, QPainter

from tests.ui.chart.support import FakeManager
from upbit_monitor.ui.chart.series import Bar
from upbit_monitor.ui.chart.view import ChartView

T0 = 1_796_342_400


def _labels(view: ChartView) -> list[str]:
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        return sorted(text for _rect, _flags, text in view.plots.price_axis.generateDrawSpecs(painter)[2])
    finally:
        painter.end()


def test_a_price_tag_hides_the_tick_label_it_covers_and_gives_it_back(qtbot: Any) -> None:
    view = ChartView(FakeManager(), None)
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    # A rise to 159, then the last bar closes at 130: the last-price tag sits on the "130" tick.
    bars = [Bar(T0 + 60 * i, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 1.0) for i in range(59)]
    view.set_bars([*bars, Bar(T0 + 60 * 59, 131.0, 132.0, 129.0, 130.0, 1.0)])
    view.grab()
    assert view.plots.last_tag.text == "130"
    assert "130" not in _labels(view) and {"120", "140"} <= set(_labels(view))
    view.plots.last_tag.hide()
    assert view.plots.price_axis.picture is None  # the cached labels are redrawn
    assert "130" in _labels(view)
    # The crosshair's tag does the same where the mouse is.
    view.plots.place_crosshair(T0 + 60 * 30, 120.0)
    view.grab()
    assert view.plots.cross_tag.covered() is not None
    assert "120" not in _labels(view) and "130" in _labels(view)
