"""ChartView: subscriptions on coin/timeframe switch, history into the view, live pull, readout, PNG."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QTextDocumentFragment

from tests.manager.waiting import wait_until
from tests.ui.chart.support import FakeManager, FakeRest, FakeStore, demo_candles, make_candle
from upbit_monitor.features.history.loader import HistoryLoader
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.common.frame_clock import FrameClock

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NOW = END - timedelta(seconds=30)


def _view(qtbot, manager=None, history=None, **kw):
    view = ChartView(manager, history, **kw)
    qtbot.addWidget(view)
    view.resize(900, 520)
    view.show()
    return view


def test_switches_register_once_then_update(qtbot):
    mgr = FakeManager()
    view = _view(qtbot, mgr)
    view.set_code("KRW-BTC")
    view.set_timeframe(5)
    view.set_code("KRW-ETH")
    view.set_code("KRW-ETH")  # no-op
    assert [(kind, comp is view, specs) for kind, comp, specs in mgr.calls] == [
        ("register", True, (SubscriptionSpec("candle.1m", ("KRW-BTC",)),)),
        ("update", True, (SubscriptionSpec("candle.5m", ("KRW-BTC",)),)),
        ("update", True, (SubscriptionSpec("candle.5m", ("KRW-ETH",)),)),
    ]
    assert view._tf_group.checkedId() == 5


def test_timeframe_button_click_switches(qtbot):
    mgr = FakeManager()
    view = _view(qtbot, mgr)
    view.set_code("KRW-BTC")
    seen = []
    view.sigTimeframeChanged.connect(seen.append)
    view._tf_group.button(240).click()
    assert view.unit == 240 and seen == [240]
    assert mgr.calls[-1][2] == (SubscriptionSpec("candle.240m", ("KRW-BTC",)),)
    with pytest.raises(ValueError):
        view.set_timeframe(7)


@pytest.mark.asyncio
async def test_history_db_first_then_rest_for_gaps(qtbot):
    candles = demo_candles(count=400, end=END)
    rest, store = FakeRest(candles), FakeStore()
    loader = HistoryLoader(rest, store, clock=lambda: NOW)
    view = _view(qtbot, FakeManager(), loader, window=300)
    loaded = []
    view.sigHistoryLoaded.connect(lambda *a: loaded.append(a))
    view.set_code("KRW-BTC")
    await view.history_done()
    assert loaded == [("KRW-BTC", 1, 300)]
    assert len(rest.calls) == 1 and len(store.rows) == 300
    # Where the bars came from is in the tooltip, not on the strip.
    assert view.status.text() == "" and view.status.toolTip() == "300 bars: DB 0 + REST 300"
    assert view.title.text() == "BTC/KRW" and view.title.toolTip() == view.status.toolTip()

    # switch away and back: the second load comes from the database plus the in-progress candle
    view.set_code("KRW-ETH")
    await view.history_done()
    rest.calls.clear()
    view.set_code("KRW-BTC")
    await view.history_done()
    assert rest.calls == [(END - timedelta(minutes=1), END)]
    assert view.status.toolTip().startswith("300 bars: DB 300 + REST 1")
    assert len(view.series) == 300


@pytest.mark.asyncio
async def test_quick_switch_discards_stale_history(qtbot):
    btc = demo_candles("KRW-BTC", count=50, end=END)
    eth = demo_candles("KRW-ETH", count=30, end=END, price=4_000_000)
    loader = HistoryLoader(FakeRest(btc + eth), None, clock=lambda: NOW)
    view = _view(qtbot, FakeManager(), loader)
    view.set_code("KRW-BTC")
    view.set_code("KRW-ETH")  # before BTC's history arrived
    await view.history_done()
    await asyncio.sleep(0)
    assert len(view.series) == 30
    assert view.series[-1].close == eth[-1].trade_price


@pytest.mark.asyncio
async def test_db_failure_is_reported_and_chart_still_loads(qtbot):
    candles = demo_candles(count=100, end=END)
    store = FakeStore()
    store.down = True
    view = _view(qtbot, FakeManager(), HistoryLoader(FakeRest(candles), store, clock=lambda: NOW), window=100)
    errors = []
    view.sigError.connect(errors.append)
    view.set_code("KRW-BTC")
    await view.history_done()
    assert len(view.series) == 100
    assert any("database" in e for e in errors)
    assert "DB failed" in view.status.text()


@pytest.mark.asyncio
async def test_loader_crash_does_not_break_the_chart(qtbot):
    class Broken:
        async def load(self, code, unit, count):
            raise RuntimeError("kaboom")

    mgr = FakeManager()
    view = _view(qtbot, mgr, Broken())
    errors = []
    view.sigError.connect(errors.append)
    view.set_code("KRW-BTC")
    await view.history_done()
    assert errors and "kaboom" in errors[0]
    # live data still flows
    mgr.push(make_candle("KRW-BTC", 1, END, 1, 2, 1, 2, 3))
    view.refresh()
    assert len(view.series) == 1


@pytest.mark.asyncio
async def test_live_updates_pull_on_version_change_and_render_one_bar(qtbot):
    candles = demo_candles(count=120, end=END)
    mgr = FakeManager()
    view = _view(qtbot, mgr, HistoryLoader(FakeRest(candles), None, clock=lambda: NOW), window=120)
    view.set_code("KRW-BTC")
    await view.history_done()
    view.grab()
    renders = view.candles.render_count
    reads = mgr.reads
    view.refresh()  # version unchanged: the manager is not even read
    assert mgr.reads == reads

    last = candles[-1]
    start = END - timedelta(minutes=1)
    mgr.push(make_candle("KRW-BTC", 1, start, last.opening_price, last.high_price + 9000,
                         last.low_price, last.high_price + 9000, 5.0))
    view.refresh()
    assert view.series[-1].close == last.high_price + 9000
    view.grab()
    assert view.candles.render_count == renders + 1

    x0, x1 = view.plots.x_range()
    mgr.push(make_candle("KRW-BTC", 1, END, 1.5e8, 1.5e8, 1.5e8, 1.5e8, 0.1))
    view.refresh()
    assert len(view.series) == 121
    nx0, nx1 = view.plots.x_range()
    assert (nx0 - x0, nx1 - x1) == (60, 60)  # following the tip scrolls by one bar
    assert view.plots.last_tag.text == "150,000,000"
    # a candle of another timeframe or coin is ignored
    mgr.push(make_candle("KRW-ETH", 1, END, 1, 1, 1, 1, 1))
    view.refresh()
    assert len(view.series) == 121


@pytest.mark.asyncio
async def test_timer_drives_live_updates(qtbot):
    mgr = FakeManager()
    view = _view(qtbot, mgr, None, repaint_hz=50)
    view.set_code("KRW-BTC")
    mgr.push(make_candle("KRW-BTC", 1, END, 1, 2, 1, 2, 3))
    # Nothing calls refresh here: only the shared frame clock can bring the candle in.
    await wait_until(lambda: len(view.series) == 1, 5)
    assert FrameClock.shared().calls > 0


def test_hidden_chart_is_not_ticked(qtbot):
    mgr = FakeManager()
    view = _view(qtbot, mgr, None, repaint_hz=50)
    view.hide()
    clock = FrameClock.shared()
    skipped = clock.skipped_hidden
    view.set_code("KRW-BTC")
    mgr.push(make_candle("KRW-BTC", 1, END, 1, 2, 1, 2, 3))
    qtbot.waitUntil(lambda: clock.skipped_hidden > skipped + 2, timeout=3000)
    assert len(view.series) == 0  # a hidden pane costs nothing: its tick was skipped
    view.show()
    qtbot.waitUntil(lambda: len(view.series) == 1, timeout=3000)  # shown again: repainted from the pool


def test_crosshair_readout(qtbot):
    view = _view(qtbot)
    candles = [
        make_candle("KRW-BTC", 1, END, 100_000_000, 101_000_000, 99_500_000, 100_500_000, 1.5),
        make_candle("KRW-BTC", 1, END + timedelta(minutes=1), 100_500_000, 102_000_000,
                    100_400_000, 101_505_000, 0.25),
    ]
    view.set_candles(candles)
    x = (END + timedelta(minutes=1)).timestamp() + 10
    view.move_crosshair(x, 101_000_000)
    assert view.readout_plain == (
        "11-23 21:01  O 100,500,000  H 102,000,000  L 100,400,000  C 101,505,000  +1.00%  V 0.2500"
    )
    assert view.plots.cross_tag.text == "101,000,000"
    view.hide_crosshair()
    assert view.readout_plain.startswith("11-23 21:01")
    view.move_crosshair(END.timestamp() - 3600, None)  # no bar there
    assert view.readout_plain.strip() == ""


def test_usdt_chart_labels_prices_like_the_usdt_ladder(qtbot):
    # One formatter for every view: a USDT market keeps its cents on the axis, the price tags and
    # the readout (the chart once rounded 1,234.56 USDT to 1,235 like a KRW price).
    view = _view(qtbot, FakeManager())
    view.set_code("USDT-BTC")
    view.set_candles([make_candle("USDT-BTC", 1, END, 1234.5, 1240.25, 1230.0, 1234.56, 2.0)])
    view.move_crosshair(END.timestamp() + 10, 1235.5)
    assert "C 1,234.56" in view.readout_plain
    assert view.plots.cross_tag.text == "1,235.50"
    assert view.plots.last_tag.text == "1,234.56"
    assert view.plots.price_axis.tickStrings([1230.0, 1240.0], 1.0, 10.0) == ["1,230.00", "1,240.00"]
    view.set_code("KRW-BTC")
    assert view.plots.price_axis.tickStrings([1230.0], 1.0, 10.0) == ["1,230"]


def test_mouse_move_moves_crosshair(qtbot):
    view = _view(qtbot)
    view.set_candles(demo_candles(count=60, end=END))
    qtbot.waitExposed(view)
    vb = view.plots.price.getViewBox()
    bar = view.series[-10]
    scene_pos = vb.mapViewToScene(QPointF(bar.t, bar.close))
    view.plots.price.scene().sigMouseMoved.emit(scene_pos)
    assert view.plots.vlines[0].isVisible()
    assert view.readout_plain == view.readout_for(bar.t)


def test_renders_to_png(qtbot, tmp_path):
    view = _view(qtbot)
    view.set_code("KRW-BTC")
    view.set_candles(demo_candles(count=300, end=END))
    qtbot.waitExposed(view)
    path = tmp_path / "chart.png"
    assert view.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() == 900
    # the plot is not blank: both candle colours appear
    colours = {image.pixelColor(x, y).name() for x in range(0, 900, 3) for y in range(60, 400, 3)}
    assert "#f75467" in colours and "#4c8dff" in colours


@pytest.mark.asyncio
async def test_widget_deleted_during_history_load_is_harmless(qtbot):
    import shiboken6

    gate = asyncio.get_running_loop().create_future()
    candles = demo_candles(count=10, end=END)

    class Slow:
        async def load(self, code, unit, count):
            await gate
            from upbit_monitor.features.history.loader import HistoryResult

            return HistoryResult(code, unit, candles)

    view = ChartView(FakeManager(), Slow())
    view.set_code("KRW-BTC")
    task = view.history_pager.task
    shiboken6.delete(view)
    gate.set_result(None)
    await asyncio.wait({task})
    assert task.exception() is None


def test_show_recent_after_panning_away(qtbot):
    view = _view(qtbot)
    view.set_candles(demo_candles(count=300, end=END))
    home = view.plots.x_range()
    view.plots.price.setXRange(home[0] - 100 * 60, home[1] - 100 * 60, padding=0)
    assert not view.plots.is_following()
    view.show_recent()
    assert view.plots.x_range() == pytest.approx(home)
    assert view.plots.is_following()


def test_y_autorange_follows_the_visible_window(qtbot):
    view = _view(qtbot)
    view.set_candles(demo_candles(count=300, end=END))
    x0, x1 = view.series[10].t, view.series[60].t
    view.plots.price.setXRange(x0, x1, padding=0)
    i0, i1 = view.series.index_range(x0, x1)
    low, high, vmax = view.series.extent(i0, i1)
    y0, y1 = view.plots.price.getViewBox().viewRange()[1]
    assert y0 < low < high < y1
    assert (y1 - y0) < (high - low) * 1.2  # fitted to these bars, not to the whole series
    glow, ghigh, _ = view.series.extent()
    assert (ghigh - glow) > (high - low) * 1.3  # (the demo series does range wider overall)
    v0, v1 = view.plots.volume.getViewBox().viewRange()[1]
    assert v0 == pytest.approx(0) and vmax < v1 < vmax * 1.2


@pytest.mark.asyncio
async def test_scrolling_past_the_oldest_bar_loads_older_history(qtbot):
    candles = demo_candles(count=500, end=END)
    rest, store = FakeRest(candles), FakeStore()
    view = _view(qtbot, FakeManager(), HistoryLoader(rest, store, clock=lambda: NOW), window=200)
    view.set_code("KRW-BTC")
    await view.history_done()
    assert len(view.series) == 200
    rest.calls.clear()

    def scroll_to_oldest():
        t0 = view.series[0].t
        view.plots.price.setXRange(t0 - 5 * 60, t0 + 60 * 60, padding=0)

    scroll_to_oldest()
    await view.history_done()
    oldest_before = END - timedelta(minutes=200)
    assert rest.calls == [(oldest_before - timedelta(minutes=200), oldest_before)]
    assert len(view.series) == 400
    assert [b.t for b in view.series.bars] == sorted({b.t for b in view.series.bars})
    x0, _ = view.plots.x_range()
    assert x0 < view.series[200].t  # the user's view stayed where it was
    view.grab()  # caches rebuilt for shifted indices: renders without error

    scroll_to_oldest()
    await view.history_done()
    assert len(view.series) == 500  # only 100 more exist
    scroll_to_oldest()
    await view.history_done()
    calls = len(rest.calls)
    assert "start of history" in view.status.toolTip() and view.status.text() == ""
    scroll_to_oldest()  # exhausted: no further requests
    await view.history_done()
    assert len(rest.calls) == calls


@pytest.mark.asyncio
async def test_older_history_failure_stops_asking(qtbot):
    candles = demo_candles(count=300, end=END)
    rest = FakeRest(candles)
    view = _view(qtbot, FakeManager(), HistoryLoader(rest, None, clock=lambda: NOW), window=100)
    errors = []
    view.sigError.connect(errors.append)
    view.set_code("KRW-BTC")
    await view.history_done()
    rest.fail = True
    t0 = view.series[0].t
    view.plots.price.setXRange(t0 - 300, t0 + 3600, padding=0)
    await view.history_done()
    assert errors and len(view.series) == 100
    calls = len(rest.calls)
    view.plots.price.setXRange(t0 - 600, t0 + 3000, padding=0)
    await view.history_done()
    assert len(rest.calls) == calls


def test_timeframe_before_any_coin(qtbot):
    mgr = FakeManager()
    view = _view(qtbot, mgr)
    view.set_timeframe(15)
    assert mgr.calls == [] and view.plots.placeholder.toPlainText() == "select a coin"
    view.set_code("KRW-BTC")
    assert mgr.calls[0][2] == (SubscriptionSpec("candle.15m", ("KRW-BTC",)),)
    assert "KRW-BTC" in view.plots.placeholder.toPlainText()


def test_view_is_collected_after_use(qtbot):
    import gc
    import weakref

    view = ChartView(None, None)
    view.set_code("KRW-BTC")
    view.set_candles(demo_candles(count=50, end=END))
    view.grab()
    view.move_crosshair(view.series[3].t, view.series[3].close)
    refs = [weakref.ref(view), weakref.ref(view.plots), weakref.ref(view.plots.candle_item)]
    del view
    gc.collect()
    assert [r() for r in refs] == [None, None, None]  # no reference cycle keeps the chart alive


def test_live_tick_repaints_only_a_few_bars(qtbot):
    from PySide6.QtWidgets import QApplication

    mgr = FakeManager()
    view = _view(qtbot, mgr)
    candles = demo_candles(count=300, end=END)
    view.set_code("KRW-BTC")
    view.set_candles(candles)
    qtbot.waitExposed(view)
    for _ in range(5):
        QApplication.processEvents()
    assert view.candles.replay_count >= 100  # the first paint drew every visible bar
    last = candles[-1]
    start = END - timedelta(minutes=1)
    for i in range(5):
        replayed = view.candles.replay_count
        close = last.high_price - (i % 2 + 1) * 1000  # inside the bar: no y rescale
        mgr.push(make_candle("KRW-BTC", 1, start, last.opening_price, last.high_price,
                             last.low_price, close, 1.0 + i))
        view.refresh()
        QApplication.processEvents()
        if i > 0:  # (the first tick after the initial paint may still repaint the whole view)
            assert 1 <= view.candles.replay_count - replayed < 30  # not the ~120 visible bars


def test_readout_is_one_line_and_drops_fields_instead_of_wrapping(qtbot):
    view = _view(qtbot)
    candles = [
        make_candle("KRW-BTC", 1, END, 100_000_000, 101_000_000, 99_500_000, 100_500_000, 1.5),
        make_candle("KRW-BTC", 1, END + timedelta(minutes=1), 100_500_000, 102_000_000,
                    100_400_000, 101_505_000, 1234.5678),
    ]
    view.set_candles(candles)
    label = view.readout
    view.resize(1400, 500)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: label.width() > 1000)
    one_line, plot_top = label.height(), view.graphics.geometry().top()
    assert ">V</span>" in label.text() and "11-23" in label.text()
    view.resize(360, 500)
    qtbot.waitUntil(lambda: label.width() < 400)  # no wide minimum forced on the dock
    qtbot.waitUntil(lambda: ">V</span>" not in label.text())
    # Same height, the plot does not move; the close and its digits stay; the tooltip has it all.
    assert label.height() == one_line and view.graphics.geometry().top() == plot_top
    assert "101,505,000" in label.text() and ">C</span>" in label.text()
    assert label.toolTip() == view.readout_plain and "V 1.23K" in view.readout_plain
    text = QTextDocumentFragment.fromHtml(label.text()).toPlainText()
    assert label.fontMetrics().horizontalAdvance(text) <= label.width()


def test_a_narrow_chart_names_the_coin_by_its_base_not_a_cut_code(qtbot):
    # At 1024x700 the chart dock is ~360 px and the timeframe buttons leave the title ~40 px:
    # it painted "BTC/K". The whole code where it fits, else the base; text() stays whole.
    view = _view(qtbot, FakeManager())
    view.set_code("KRW-BTC")
    qtbot.waitUntil(lambda: view.title.width() > view.title.fontMetrics().horizontalAdvance("BTC/KRW"))
    assert view.title.shown_text() == "BTC/KRW"
    view.resize(362, 300)  # the chart dock at 1024x700
    qtbot.waitUntil(lambda: view.title.width() < view.title.fontMetrics().horizontalAdvance("BTC/KRW"))
    assert view.title.shown_text() == "BTC" and view.title.text() == "BTC/KRW"
    image = view.title.grab()  # the painted title: what a trader sees
    assert not image.isNull()
