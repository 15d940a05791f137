"""The premium chart draws a gap where there was no data, and shows coins it never showed before."""

from __future__ import annotations

import math
from typing import Any

from tests.ui.premium.test_columns import Clock, Source, feed_binance, source  # noqa: F401 - fixture
from upbit_monitor.exchanges.quotes import make_quote
from upbit_monitor.features.premium.history import BACKGROUND_S
from upbit_monitor.ui.premium.chart import PremiumChart
from upbit_monitor.ui.premium.columns import PremiumTracker


def test_returning_after_minutes_draws_a_gap_not_a_line(qtbot: Any, source: Source) -> None:  # noqa: F811
    wall = Clock()
    tracker = PremiumTracker(source, wall=wall, venues=("binance",), ttl_s=1e9)
    tracker.set_codes(["KRW-BTC", "KRW-ETH"])
    chart = PremiumChart(tracker, interval_ms=60_000)
    qtbot.addWidget(chart)
    feed_binance(source)
    chart.set_code("KRW-BTC")
    for _ in range(3):
        chart.tick()
        wall.now += 1
    # The user looks at ETH for five minutes; Binance stops quoting BTC after the first 20 s.
    chart.set_code("KRW-ETH")
    tracker.cache = type(tracker.cache)(1e9, clock=lambda: 0.0)  # BTC's quote is gone...
    source.emit(make_quote("binance", "ETHUSDT", 3_700.0))  # ...ETH's keeps coming
    for _ in range(30):
        chart.tick()
        wall.now += BACKGROUND_S
    # Back to BTC, whose quote returns.
    source.emit(make_quote("binance", "BTCUSDT", 100_000.0))
    chart.set_code("KRW-BTC")
    chart.tick()
    xs, ys = chart.curves["binance"].getData()
    breaks = [i for i, y in enumerate(ys) if math.isnan(y)]
    assert len(breaks) == 1 and xs[breaks[0] - 1] < xs[breaks[0]] < xs[breaks[0] + 1]
    # ETH, never selected before the switch, was sampled in the background meanwhile.
    chart.set_code("KRW-ETH")
    eth_xs, eth_ys = chart.curves["binance"].getData()
    assert len(eth_xs) >= 30 and not any(math.isnan(y) for y in eth_ys)
    assert "ETH/KRW" in chart.title.full_text()


def test_the_title_never_widens_the_dock_and_drops_words_before_values(qtbot):
    # At 1024x700 the title's width was the Premium dock's minimum: the dock, plot and axis ran past
    # the window's right edge. Now a narrow dock shows the values alone, every venue still named.
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from upbit_monitor.ui.common.fitting_label import FittingLabel

    dock = QWidget()
    qtbot.addWidget(dock)
    label = FittingLabel(dock)
    QVBoxLayout(dock).addWidget(label)
    label.set_variants([("Premium BTC/KRW:  Binance +3.09%", "Premium BTC/KRW:  Binance +3.09%"),
                        ("Binance +3.09%", "Binance +3.09%")])
    assert dock.minimumSizeHint().width() < 30  # the text does not set the dock's minimum width
    metrics = label.fontMetrics()
    margins = 40  # the layout's margins, with room to spare
    dock.resize(metrics.horizontalAdvance("Premium BTC/KRW:  Binance +3.09%") + margins, 30)
    dock.show()
    qtbot.waitExposed(dock)
    assert label.text() == "Premium BTC/KRW:  Binance +3.09%"
    dock.resize(metrics.horizontalAdvance("Binance +3.09%") + margins, 30)
    qtbot.waitUntil(lambda: label.text() == "Binance +3.09%")
    dock.resize(40, 30)  # nothing fits: the shortest, elided, never an overflow
    qtbot.waitUntil(lambda: label.text().endswith("…"))
    assert label.full_text() == "Premium BTC/KRW:  Binance +3.09%"
