"""Chart studies, price lines and the day+ timeframes inside ChartView."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from msgspec.structs import replace
from PySide6.QtGui import QContextMenuEvent

from tests.ui.chart.support import FakeManager, demo_candles, make_candle
from upbit_monitor.features.studies import (
    BollingerSettings,
    MacdSettings,
    PriceLineBook,
    RsiSettings,
    SmaSettings,
    StudyEngine,
    VolumeSettings,
)
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.chart.series import bar_from_candle
from upbit_monitor.ui.chart.view import ChartView

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FIVE = [SmaSettings(20), BollingerSettings(20, 2.0), RsiSettings(14), MacdSettings(), VolumeSettings(20)]


def _view(qtbot, manager=None, **kw):
    view = ChartView(manager, None, **kw)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    return view


def test_studies_follow_live_candles_and_survive_a_coin_switch(qtbot):
    mgr = FakeManager()
    view = _view(qtbot, mgr)
    view.set_code("KRW-BTC")
    view.set_studies(FIVE)
    candles = demo_candles(count=200, end=END)
    view.set_candles(candles)
    assert set(view.study_layer.panes) == {"rsi", "macd"}
    last = candles[-1]
    start = END - timedelta(minutes=1)
    mgr.push(make_candle("KRW-BTC", 1, start, last.opening_price, last.high_price + 5000,
                         last.low_price, last.high_price + 5000, 9.0))
    view.refresh()
    sma = view.study_layer.engine.lines(SmaSettings(20))["sma"]
    assert len(sma) == 200  # the live candle updated the last value in place
    closes = [bar_from_candle(c).close for c in candles[-20:-1]] + [last.high_price + 5000]
    assert sma[-1] == pytest.approx(sum(closes) / 20)
    mgr.push(make_candle("KRW-BTC", 1, END, 1, 1, 1, 1, 1.0))  # the next minute: appends
    view.refresh()
    assert len(view.study_layer.engine.lines(SmaSettings(20))["sma"]) == 201
    view.set_code("KRW-ETH")
    assert view.studies == FIVE and len(view.study_layer.engine) == 0
    view.set_candles(demo_candles("KRW-ETH", count=50, end=END))
    assert len(view.study_layer.engine.lines(RsiSettings(14))["rsi"]) == 50


def test_incremental_chart_values_equal_a_batch_computation(qtbot):
    mgr = FakeManager()
    view = _view(qtbot, mgr)
    view.set_code("KRW-BTC")
    view.set_studies(FIVE)
    candles = demo_candles(count=120, end=END)
    view.set_candles(candles[:60])
    for c in candles[60:]:
        mgr.push(replace(c, trade_price=c.opening_price))  # an early version of the candle
        view.refresh()
        mgr.push(c)
        view.refresh()
    batch = StudyEngine(FIVE)
    batch.reset([bar_from_candle(c) for c in candles])
    for study in FIVE:
        for name, values in batch.lines(study).items():
            got = view.study_layer.engine.lines(study)[name]
            np.testing.assert_allclose(got, values, rtol=1e-12, equal_nan=True)


def test_study_menu_toggles_and_the_curves_draw_only_the_visible_slice(qtbot):
    view = _view(qtbot, FakeManager())
    view.set_code("KRW-BTC")
    view.set_candles(demo_candles(count=2000, end=END))
    changed = []
    view.sigStudiesChanged.connect(changed.append)
    menu = view.studies_menu
    menu.aboutToShow.emit()
    [rsi] = [a for a in menu.actions() if a.text() == "RSI"]
    rsi.trigger()
    assert view.studies == [RsiSettings()] and changed == [[RsiSettings()]]
    line = view.study_layer._drawn[0].lines["rsi"]
    x, _ = line.hist.getData()
    assert 100 <= len(x) <= 130  # ~120 visible bars (+1 either side), not 2,000
    assert line.tail.line().x2() == view.series[-1].t  # previous bar -> live bar
    assert view.study_layer.legend_text["rsi"].startswith("RSI 14 ")
    menu.aboutToShow.emit()
    [rsi] = [a for a in menu.actions() if a.text() == "RSI"]
    rsi.trigger()
    assert view.studies == [] and view.study_layer.panes == {}


def test_settings_dialog_refuses_a_bad_macd_and_applies_good_values(qtbot):
    view = _view(qtbot, FakeManager())
    view.set_studies([MacdSettings()])
    view.studies_menu.open_settings()
    dialog = view.studies_menu.dialog
    assert dialog is not None
    _study, boxes = dialog._rows[0]
    boxes["fast"].setValue(30)
    dialog.apply()
    assert "fast" in dialog.error.text() and view.studies == [MacdSettings()]
    boxes["fast"].setValue(8)
    boxes["signal"].setValue(5)
    dialog.apply()
    assert view.studies == [MacdSettings(8, 26, 5)] and dialog.error.text() == ""
    dialog.close()


def test_pane_settings_round_trip_and_damaged_studies_are_reported(qtbot):
    view = _view(qtbot, FakeManager())
    errors = []
    view.sigError.connect(errors.append)
    view.apply_pane_settings({"timeframe": 15, "studies": [{"kind": "sma", "period": 50}, {"kind": "zz"}]})
    assert view.unit == 15 and view.studies == [SmaSettings(50)]
    assert errors and "zz" in errors[0]
    stored = [{"kind": "sma", "source": "local", "period": 50}]
    assert view.pane_settings() == {"timeframe": 15, "studies": stored}


def test_price_lines_are_per_market_and_shared_between_charts(qtbot):
    book = PriceLineBook()
    a = _view(qtbot, FakeManager(), price_lines=book)
    b = _view(qtbot, FakeManager(), price_lines=book)
    for view in (a, b):
        view.set_code("KRW-BTC")
        view.set_candles(demo_candles(count=100, end=END))
    assert a.price_lines.add(150_000_000)
    b.refresh()
    assert b.price_lines.count() == 1
    b.set_code("KRW-ETH")
    assert b.price_lines.count() == 0
    b.set_code("KRW-BTC")
    assert b.price_lines.count() == 1
    line_id = a.price_lines.nearest(150_000_100, 1000)
    assert line_id is not None
    a.price_lines.remove(line_id)
    assert book.lines("KRW-BTC") == []


def test_context_menu_offers_price_line_and_extra_actions(qtbot):
    view = _view(qtbot, FakeManager())
    view.set_code("KRW-BTC")
    view.set_candles(demo_candles(count=100, end=END))
    seen = []
    view.add_context_action(lambda menu, price: seen.append(price) or menu.addAction("Alert here"))
    centre = view.plots.price_view.geometry().center()
    pos = view.plots.price_view.mapTo(view, view.plots.price_view.rect().center())
    view.contextMenuEvent(QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.mapToGlobal(pos)))
    menu = view.last_context_menu
    assert menu is not None and centre is not None
    texts = [a.text() for a in menu.actions()]
    assert any(t.startswith("Add price line at") for t in texts) and "Alert here" in texts
    assert len(seen) == 1 and seen[0] > 0
    next(a for a in menu.actions() if a.text().startswith("Add price line")).trigger()
    assert view.price_lines.count() == 1
    menu.close()


def _ticker(code, date, o, h, low, c, vol, value):
    return SimpleNamespace(code=code, trade_date=date, opening_price=o, high_price=h, low_price=low,
                           trade_price=c, acc_trade_volume=vol, acc_trade_price=value)


def test_day_timeframe_subscribes_the_ticker_and_folds_it_into_the_last_bar(qtbot):
    mgr = FakeManager()
    view = _view(qtbot, mgr)
    view.set_code("KRW-BTC")
    view.set_timeframe(1440)
    assert mgr.calls[-1][2] == (SubscriptionSpec("ticker", ("KRW-BTC",)),)
    assert view.toolbar.more.text() == "D" or view.toolbar.timeframes.checkedId() == 1440
    days = demo_candles(count=30, unit=1440, end=datetime(2026, 11, 24, tzinfo=UTC))
    view.set_candles(days)
    mgr.push_ticker(_ticker("KRW-BTC", "20261123", 1.0, 2.0, 0.5, 1.5, 10.0, 15.0))
    view.refresh()
    assert len(view.series) == 30 and view.series[-1].close == 1.5 and view.series[-1].volume == 10.0
    mgr.push_ticker(_ticker("KRW-BTC", "20261124", 1.5, 1.6, 1.4, 1.55, 0.5, 0.8))  # the next day
    view.refresh()
    assert len(view.series) == 31 and view.series[-1].t == int(datetime(2026, 11, 24, tzinfo=UTC).timestamp())
    view.set_timeframe(43200)
    assert view.toolbar.more.text() == "M" and view.toolbar.more.isChecked()
    assert view.toolbar.timeframes.checkedId() == -1
    view.set_timeframe(525600)  # the year chart: REST years, the ticker folded into this year's bar
    assert view.toolbar.more.text() == "Y" and mgr.calls[-1][2] == (SubscriptionSpec("ticker", ("KRW-BTC",)),)
    assert view.series.unit_s == 525600 * 60
    view.set_timeframe(5)
    assert not view.toolbar.more.isChecked() and view.toolbar.timeframes.checkedId() == 5
    assert not math.isnan(view.series.unit_s)
