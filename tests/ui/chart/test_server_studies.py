"""A chart study sourced from Upbit's server indicators: the choice in Study settings, the drawn values,
the legend notes."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtGui import QStandardItemModel

from tests.ui.chart.support import FakeManager, demo_candles
from upbit_monitor.features.studies import RsiSettings, SmaSettings, Source, VwapSettings
from upbit_monitor.features.studies.server import NEEDS_KEYS, ServerStudyFeed
from upbit_monitor.protocol.events import Indicator
from upbit_monitor.ui.chart.axes import format_kst
from upbit_monitor.ui.chart.view import ChartView

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
RSI = RsiSettings(14, source=Source.SERVER)
TIMEFRAMES_ONLY = "Upbit computes indicators at 5m, 15m, 1h, 4h and D only"


class FakeIndicators:
    """ServerIndicators' API, recording what is asked."""

    def __init__(self) -> None:
        self.wants: list[tuple[str, str, list[Any]]] = []

    def want(self, owner: object, code: str, timeframe: str, indicators: list[Any], callback: Any) -> None:
        self.wants.append((code, timeframe, indicators))

    def release(self, owner: object) -> None:
        self.wants.append(("released", "", []))


def _chart(qtbot: Any, keys: bool = True) -> tuple[ChartView, FakeIndicators, ServerStudyFeed]:
    view = ChartView(FakeManager(), None)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    indicators = FakeIndicators()
    feed = ServerStudyFeed(indicators, keys_ok=lambda: keys)  # type: ignore[arg-type]
    view.use_server_studies(feed)
    view.set_timeframe(5)
    view.set_code("KRW-BTC")
    view.set_candles(demo_candles(unit=5, count=100, end=END))
    return view, indicators, feed


def _indicator(start: datetime, rsi: str, code: str = "KRW-BTC") -> Indicator:
    return Indicator("indicator", code, "5m", "rsi", {"period": 14}, {"rsi": Decimal(rsi)},
                     start.strftime("%Y-%m-%dT%H:%M:%S"), int(END.timestamp() * 1000), "REALTIME")


def _upbit_item(view: ChartView, row: int) -> Any:
    box = view.studies_menu.dialog.sources[row]  # type: ignore[union-attr]
    model = box.model()
    assert isinstance(model, QStandardItemModel)
    return box, model.item(1)


def test_server_values_are_drawn_on_their_bars(qtbot: Any) -> None:
    view, indicators, feed = _chart(qtbot)
    view.set_studies([RSI, RsiSettings(14)])
    assert indicators.wants[-1][:2] == ("KRW-BTC", "5m")
    assert [d.wire() for d in indicators.wants[-1][2]] == [{"type": "rsi", "params": {"period": 14}}]
    assert "RSI 14 · Upbit — from Upbit's next 5m close" in view.study_layer.legend_text["rsi"]
    starts = view.study_layer.engine.starts
    closed = datetime.fromtimestamp(starts[-2], UTC)
    feed.on_event(_indicator(closed, "61.25"))
    feed.on_event(_indicator(closed, "10", code="KRW-ETH"))  # another coin's value: not drawn here
    server = view.study_layer.engine.lines(RSI)["rsi"]
    assert server[-2] == 61.25 and math.isnan(server[-1]) and math.isnan(server[-3])
    local = view.study_layer.engine.lines(RsiSettings(14))["rsi"]
    assert not math.isnan(local[-1])  # the local twin is computed as before
    # The newest (live) bar has no server value yet: the legend shows Upbit's newest, with its bar.
    when = format_kst(starts[-2], short=True)
    assert f"RSI 14 · Upbit 61.25 ({when})" in view.study_layer.legend_text["rsi"]
    view.study_layer.update_legends(10)  # the crosshair before the first value: no history from Upbit
    assert "RSI 14 · Upbit — Upbit sends no history" in view.study_layer.legend_text["rsi"]
    item = view.study_layer._drawn[0].lines["rsi"].hist
    assert item.opts["symbol"] == "o"  # a lone value is a dot, not an invisible one-point line
    for back, rsi in ((3, "60"), (6, "55")):
        feed.on_event(_indicator(datetime.fromtimestamp(starts[-back], UTC), rsi))
    view.study_layer.refresh()
    xs, ys = item.getData()
    assert list(ys) == [55.0, 60.0, 61.25] and list(xs) == [starts[-6], starts[-3], starts[-2]]
    assert list(item.opts["connect"]) == [False, True, False]  # joined only where closes are adjacent
    # The window's venue switch reloads the chart: Upbit's values do not describe Bithumb's candles.
    venue = "bithumb"
    feed.venue = lambda: venue
    view.reload("Bithumb · live candles built from trades")
    assert indicators.wants[-1][0] == "released" and not view.study_layer.engine.has_values(RSI)
    assert "the chart shows Bithumb" in view.study_layer.legend_text["rsi"]
    venue = "upbit"
    view.reload()
    view.set_code("KRW-ETH")
    assert indicators.wants[-1][0] == "KRW-ETH"
    assert not view.study_layer.engine.has_values(RSI)


def test_one_minute_or_btc_market_cannot_choose_upbit(qtbot: Any) -> None:
    view, indicators, _ = _chart(qtbot)
    view.set_studies([RsiSettings(14), VwapSettings()])
    view.studies_menu.open_settings()
    box, item = _upbit_item(view, 0)
    assert item.isEnabled() and box.currentText() == "Local"
    box.setCurrentIndex(1)
    view.studies_menu.dialog.apply()  # type: ignore[union-attr]
    assert view.studies[0] == RSI and indicators.wants[-1][0] == "KRW-BTC"
    _, vwap = _upbit_item(view, 1)
    assert not vwap.isEnabled() and "does not compute VWAP" in vwap.toolTip()

    view.set_timeframe(1)
    assert indicators.wants[-1][0] == "released"
    view.set_studies([RsiSettings(14)])
    view.studies_menu.open_settings()
    _, item = _upbit_item(view, 0)
    assert not item.isEnabled() and item.toolTip() == TIMEFRAMES_ONLY

    view.set_timeframe(5)
    view.set_code("BTC-ETH")
    view.studies_menu.open_settings()
    _, item = _upbit_item(view, 0)
    assert not item.isEnabled() and item.toolTip() == "Upbit computes indicators for KRW markets only"

    # A server study restored onto a market Upbit does not serve says why it is empty.
    view.set_studies([RSI])
    assert "Upbit computes indicators for KRW markets only" in view.study_layer.legend_text["rsi"]


def test_parameters_outside_upbits_sets_and_no_keys(qtbot: Any) -> None:
    view, _, _ = _chart(qtbot)
    view.set_studies([RSI, SmaSettings(20)])
    dialog = view.studies_menu
    dialog.open_settings()
    assert dialog.dialog is not None
    dialog.dialog._rows[0][1]["period"].setValue(15)
    dialog.dialog.apply()
    assert "RSI from Upbit: Upbit serves RSI periods" in dialog.dialog.error.text()
    assert view.studies[0] == RSI  # nothing changed

    keyless, indicators, _ = _chart(qtbot, keys=False)
    keyless.set_studies([SmaSettings(20)])
    keyless.studies_menu.open_settings()
    _, item = _upbit_item(keyless, 0)
    assert not item.isEnabled() and item.toolTip() == NEEDS_KEYS
    assert indicators.wants == []
