"""Premium tracker, the coin list's premium columns and the premium chart (fake manager, no network)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow

from tests.ui.fake_source import FakeSource, ticker
from upbit_monitor.config import Settings
from upbit_monitor.exchanges.quotes import make_quote
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.coin_list.columns import FEATURE_COLUMNS
from upbit_monitor.ui.coin_list.model import CODE_ROLE, SORT_ROLE, CoinListModel, Col
from upbit_monitor.ui.coin_list.proxy import CoinFilterProxy
from upbit_monitor.ui.coin_list.view import CoinList
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.premium.chart import PremiumChart
from upbit_monitor.ui.premium.columns import PremiumColumns, PremiumTracker, format_premium, install_premium
from upbit_monitor.ui.premium.setup import start_premium_ui

RATE = 1365.0  # Upbit KRW-USDT


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Source(FakeSource):
    """FakeSource + per-connection registrations, unregister and real listener delivery."""

    by_owner: dict[str, tuple[str, tuple[Any, ...]]] = field(default_factory=dict)
    listeners: list[tuple[Callable[[Any], None], Collection[str] | None]] = field(default_factory=list)

    def register(self, component: object, specs: Sequence[Any], *, connection: str = "upbit-public",
                 callback: Callable[[Any], None] | None = None) -> None:
        super().register(component, specs, connection=connection, callback=callback)
        self.by_owner[repr(component)] = (connection, tuple(specs))

    def update(self, component: object, specs: Sequence[Any]) -> None:
        super().update(component, specs)
        connection = self.by_owner.get(repr(component), ("upbit-public", ()))[0]
        self.by_owner[repr(component)] = (connection, tuple(specs))

    def unregister(self, component: object) -> None:
        super().unregister(component)
        self.by_owner.pop(repr(component), None)

    def add_listener(self, callback: Callable[[Any], None], *,
                     types: Collection[str] | None = None) -> Callable[[], None]:
        entry = (callback, types)
        self.listeners.append(entry)
        return lambda: self.listeners.remove(entry)

    def emit(self, event: Any) -> None:
        for callback, types in list(self.listeners):
            if types is None or event.type in types:
                callback(event)

    def codes_on(self, connection: str) -> tuple[str, ...]:
        return tuple(c for conn, specs in self.by_owner.values() if conn == connection for s in specs
                     for c in s.codes)


MARKETS = [
    MarketInfo("KRW-BTC", "비트코인", "Bitcoin"),
    MarketInfo("KRW-ETH", "이더리움", "Ethereum"),
    MarketInfo("KRW-XRP", "리플", "XRP"),
    MarketInfo("KRW-USDT", "테더", "Tether"),
    MarketInfo("BTC-ETH", "이더리움", "Ethereum"),
]


@pytest.fixture
def source() -> Source:
    src = Source()
    src.put_ticker(ticker("KRW-USDT", RATE))
    src.put_ticker(ticker("KRW-BTC", 140_000_000.0))
    src.put_ticker(ticker("KRW-ETH", 5_000_000.0))
    src.put_ticker(ticker("KRW-XRP", 3_000.0))
    return src


def feed_binance(src: Source) -> None:
    # BTC +2.564 %, ETH -1 %, XRP no quote.
    src.emit(make_quote("binance", "BTCUSDT", 100_000.0))
    src.emit(make_quote("binance", "ETHUSDT", 5_000_000.0 / (RATE * 0.99)))


def test_tracker_subscriptions_follow_codes_and_selection(source: Source) -> None:
    tracker = PremiumTracker(source, ttl_s=10)
    assert source.codes_on("upbit-public") == ("KRW-USDT",)
    # Nothing wanted abroad yet: no registration, so the manager opens no idle foreign socket.
    assert set(source.by_owner) == {"PremiumTracker[upbit]"}
    tracker.set_codes(["KRW-BTC", "KRW-ETH", "KRW-USDT", "BTC-ETH"])
    assert source.codes_on("binance-public") == ("USDT-BTC", "USDT-ETH")
    assert source.codes_on("bybit-public") == ()
    tracker.set_selected("KRW-XRP")
    assert source.codes_on("binance-public") == ("USDT-BTC", "USDT-ETH", "USDT-XRP")
    assert source.codes_on("bybit-public") == ("USDT-XRP",)
    assert source.codes_on("upbit-public") == ("KRW-USDT", "KRW-XRP")
    tracker.set_selected("BTC-ETH")  # no USDT counterpart: nothing extra anywhere
    assert source.codes_on("bybit-public") == ()
    tracker.close()
    assert source.by_owner == {} and source.listeners == []


def test_tracker_premium_and_staleness(source: Source) -> None:
    clock = Clock()
    tracker = PremiumTracker(source, ttl_s=10, clock=clock)
    assert tracker.premium("KRW-BTC") is None and not tracker.has_fresh()
    feed_binance(source)
    source.emit(make_quote("bybit", "BTCUSDT", 101_000.0))
    source.emit(make_quote("okx", "BTCUSDT", 1.0))  # a venue we do not track: ignored
    assert tracker.quotes_received == 3 and tracker.version == 3
    btc = tracker.premium("KRW-BTC")
    assert btc is not None and btc.premium == pytest.approx(140 / 136.5 - 1)
    bybit = tracker.premium("KRW-BTC", "bybit")
    assert bybit is not None and bybit.premium == pytest.approx(140_000_000 / (101_000 * RATE) - 1)
    assert tracker.premium("KRW-ETH").premium == pytest.approx(-0.01)
    assert tracker.premium("KRW-XRP") is None
    assert tracker.has_fresh() and tracker.has_fresh("bybit")
    clock.now += 10.5  # no sleeping: the injected clock moves
    assert tracker.premium("KRW-BTC") is None and not tracker.has_fresh()


def test_tracker_history_samples(source: Source) -> None:
    wall = Clock()
    tracker = PremiumTracker(source, wall=wall)
    feed_binance(source)
    assert tracker.sample("KRW-BTC") == {"binance": pytest.approx(2.5641, abs=1e-3)}
    wall.now += 1
    source.put_ticker(ticker("KRW-BTC", 136_500_000.0))
    tracker.sample("KRW-BTC")
    hist = tracker.history("KRW-BTC", "binance")
    assert [t for t, _ in hist] == [100.0, 101.0]
    assert hist[1][1] == pytest.approx(0.0)
    assert tracker.history("KRW-BTC", "bybit") == []


def test_format_premium() -> None:
    assert format_premium(0.025641) == "+2.56%"
    assert format_premium(-0.01) == "-1.00%"
    assert format_premium(None) == "-"


def test_columns_append_sortable_premium(qtbot: Any, source: Source) -> None:
    tracker = PremiumTracker(source)
    model = CoinListModel(Palette(dark=True))
    model.set_markets(MARKETS)
    model.refresh(source)
    columns = PremiumColumns(tracker, Palette(dark=True))
    columns.setSourceModel(model)
    proxy = CoinFilterProxy()
    proxy.setSourceModel(columns)
    first = len(Col)
    assert columns.columnCount() == first + 2 and columns.first_extra == first
    assert columns.headerData(first, Qt.Orientation.Horizontal) == "Binance ₩"
    assert columns.headerData(first + 1, Qt.Orientation.Horizontal) == "Premium"
    assert columns.headerData(Col.PRICE, Qt.Orientation.Horizontal) == "Price"  # passthrough
    with qtbot.waitSignal(columns.availability_changed, timeout=1000) as blocker:
        feed_binance(source)
        columns.refresh()
    assert blocker.args == [True]
    btc = columns.index(0, first + 1)
    assert btc.data(CODE_ROLE) == "KRW-BTC"
    assert btc.data() == "+2.56%"
    assert columns.index(0, first).data() == "136,500,000"
    assert btc.data(SORT_ROLE) == pytest.approx(0.025641, abs=1e-6)
    assert columns.index(2, first + 1).data() == "-"  # XRP: no quote
    assert columns.index(2, first + 1).data(SORT_ROLE) == float("-inf")
    assert "Bybit: no fresh quote" in str(btc.data(Qt.ItemDataRole.ToolTipRole))
    assert columns.index(0, Col.PRICE).data() == model.index(0, Col.PRICE).data()
    proxy.sort(first + 1, Qt.SortOrder.DescendingOrder)
    order = [proxy.code_at(r) for r in range(proxy.rowCount())]
    assert order[:2] == ["KRW-BTC", "KRW-ETH"] and sorted(order[2:]) == ["KRW-USDT", "KRW-XRP"]


def test_install_premium_hides_columns_until_a_fresh_quote(qtbot: Any, source: Source) -> None:
    clock = Clock()
    tracker = PremiumTracker(source, ttl_s=5, clock=clock)
    coin_list = CoinList(source, Palette(dark=True))
    qtbot.addWidget(coin_list)
    columns = install_premium(coin_list, tracker, Palette(dark=True))
    coin_list.set_markets(MARKETS)
    assert source.codes_on("binance-public") == ("USDT-BTC", "USDT-ETH", "USDT-XRP")
    first = columns.first_extra
    assert coin_list.table.isColumnHidden(first) and coin_list.table.isColumnHidden(first + 1)
    feed_binance(source)
    columns.refresh()
    assert not coin_list.table.isColumnHidden(first + 1)
    assert coin_list.table.isColumnHidden(first)  # the KRW price column is opt-in
    columns.set_krw_price_visible(True)
    assert not coin_list.table.isColumnHidden(first)
    header = coin_list.table.horizontalHeader()
    # At the right end, where the list keeps its room (the list's own columns never move for it).
    assert header.visualIndex(first + 1) > max(header.visualIndex(c) for c in Col)
    coin_list.select("KRW-BTC")
    assert source.codes_on("bybit-public") == ("USDT-BTC",)
    clock.now += 6  # every Binance quote is stale now
    columns.refresh()
    assert coin_list.table.isColumnHidden(first + 1)
    assert tracker.premium("KRW-BTC") is None


def test_chart_plots_history_per_venue(qtbot: Any, source: Source) -> None:
    tracker = PremiumTracker(source)
    chart = PremiumChart(tracker, interval_ms=60_000)
    qtbot.addWidget(chart)
    chart.set_code("KRW-BTC")
    assert source.codes_on("bybit-public") == ("USDT-BTC",)
    feed_binance(source)
    source.emit(make_quote("bybit", "BTCUSDT", 101_000.0))
    chart.tick()
    chart.tick()
    xs, ys = chart.curves["binance"].getData()
    assert len(xs) == 2 and ys[-1] == pytest.approx(2.5641, abs=1e-3)
    _, bybit_ys = chart.curves["bybit"].getData()
    assert bybit_ys[-1] == pytest.approx((140_000_000 / (101_000 * RATE) - 1) * 100)
    assert "Binance +2.56%" in chart.title.full_text() and "BTC/KRW" in chart.title.full_text()


class Window(QMainWindow):
    """The parts of MainWindow that start_premium_ui uses."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.palette_ = Palette(dark=True)
        self.coin_list = CoinList(source, self.palette_, parent=self)
        self.chart_dock = QDockWidget("Chart", self)
        self.chart_dock.setObjectName("ChartDock")
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.chart_dock)
        self.view_menu = self.menuBar().addMenu("&View")
        self.code: str | None = None

    closing = Signal()


@dataclass
class ManagerLike(Source):
    settings: Settings = field(default_factory=Settings)
    added: list[Any] = field(default_factory=list)

    def add_connection(self, connector: Any) -> None:
        self.added.append(connector)


def test_start_premium_ui_with_demo_urls(qtbot: Any, source: Source) -> None:
    mgr = ManagerLike(tickers=source.tickers, versions=source.versions)
    window = Window(mgr)
    qtbot.addWidget(window)
    tracker = start_premium_ui(window, mgr, {"binance": "ws://127.0.0.1:1/stream", "bybit": "ws://127.0.0.1:2/x"})
    assert tracker is not None and tracker.venues == ("binance", "bybit")
    assert [(type(c).__name__, c.url) for c in mgr.added] == [
        ("BinanceConnector", "ws://127.0.0.1:1/stream"), ("BybitConnector", "ws://127.0.0.1:2/x")
    ]
    dock = window.findChild(QDockWidget, "PremiumDock")
    assert dock is not None and isinstance(dock.widget(), PremiumChart)
    actions = window.view_menu.actions()
    assert dock.toggleViewAction() in actions
    [krw] = [a for a in actions if a.text() == "Binance price in KRW column"]
    columns = window.coin_list.proxy.sourceModel()
    krw.setChecked(True)
    assert columns.krw_price_visible
    chart = dock.widget()
    window.code = "KRW-ETH"  # selected in code (no signal): the chart follows on its next tick
    chart.tick()
    assert chart.code == "KRW-ETH" and tracker.selected == "KRW-ETH"
    window.coin_list.set_markets(MARKETS)
    assert isinstance(window.coin_list.proxy.sourceModel(), PremiumColumns)
    assert mgr.codes_on("binance-public") == ("USDT-BTC", "USDT-ETH", "USDT-XRP")


def test_start_premium_ui_from_settings_and_disabled_venues(qtbot: Any, source: Source) -> None:
    mgr = ManagerLike(tickers=source.tickers, settings=Settings(bybit_ws_url=""))
    window = Window(mgr)
    qtbot.addWidget(window)
    tracker = start_premium_ui(window, mgr)
    assert tracker is not None and tracker.venues == ("binance",) and mgr.added == []  # registry builds it
    none_left = ManagerLike(settings=Settings(binance_ws_url="", bybit_ws_url=""))
    other = Window(none_left)
    qtbot.addWidget(other)
    assert start_premium_ui(other, none_left) is None


def test_history_keeps_a_bounded_number_of_series(source: Source, monkeypatch: pytest.MonkeyPatch) -> None:
    import upbit_monitor.features.premium.tracker as tracker_mod

    monkeypatch.setattr(tracker_mod, "HISTORY_SERIES", 2)
    tracker = PremiumTracker(source, venues=("binance",))
    feed_binance(source)
    tracker.sample("KRW-BTC")
    tracker.sample("KRW-ETH")
    tracker.sample("KRW-BTC")  # BTC is now the most recent: ETH goes first
    source.put_ticker(ticker("KRW-SOL", 200_000.0))
    source.emit(make_quote("binance", "SOLUSDT", 150.0))
    tracker.sample("KRW-SOL")
    assert tracker.history("KRW-ETH", "binance") == []
    assert len(tracker.history("KRW-BTC", "binance")) == 2
    assert len(tracker.history("KRW-SOL", "binance")) == 1


def test_sort_keys_fast_path_matches_the_data_role(source: Source) -> None:
    tracker = PremiumTracker(source)
    model = CoinListModel(Palette(dark=True))
    model.set_markets(MARKETS)
    model.refresh(source)
    columns = PremiumColumns(tracker)
    columns.setSourceModel(model)
    feed_binance(source)
    for col in (columns.first_extra, columns.first_extra + 1):
        keys = columns.sort_keys(col)
        assert [k[2] for k in keys] == [m.code for m in MARKETS]
        assert [k[1] for k in keys] == [columns.index(r, col).data(SORT_ROLE) for r in range(len(MARKETS))]
    assert columns.sort_keys(Col.PRICE) == model.sort_keys(Col.PRICE)


class ThemedWindow(Window):
    """A window with MainWindow's theme signal (dark: bool)."""

    theme_changed = Signal(bool)


def test_premium_chart_follows_the_light_theme(qtbot: Any, source: Source) -> None:
    from upbit_monitor.ui.chart.theme import DARK, LIGHT

    mgr = ManagerLike(tickers=source.tickers, versions=source.versions)
    window = ThemedWindow(mgr)
    window.palette_ = Palette(dark=False)
    qtbot.addWidget(window)
    start_premium_ui(window, mgr, {"binance": "ws://127.0.0.1:1/stream", "bybit": "ws://127.0.0.1:2/x"})
    dock = window.findChild(QDockWidget, "PremiumDock")
    chart = dock.widget()

    def surface() -> tuple[str, str, str]:
        axis = chart.plot.getPlotItem().getAxis("left")
        return (chart.plot.backgroundBrush().color().name(), axis.textPen().color().name(),
                chart.curves["binance"].opts["pen"].color().name())

    assert surface() == (LIGHT.background, LIGHT.text, "#b07d00")  # readable on white
    window.theme_changed.emit(True)  # View > Light theme off
    assert surface() == (DARK.background, DARK.text, "#f0b90b")
    window.theme_changed.emit(False)
    assert surface()[0] == LIGHT.background


def test_chart_spreads_its_first_seconds_over_the_plot_with_seconds_labels(
        qtbot: Any, source: Source, monkeypatch: Any) -> None:
    # A fixed two-minute window squeezed the first samples against the right edge, then the axis
    # jumped to the data once two minutes had passed.
    from upbit_monitor.ui.premium.chart import MIN_SPAN_S

    chart = PremiumChart(PremiumTracker(source), interval_ms=60_000)
    qtbot.addWidget(chart)
    chart.resize(600, 260)
    t0 = 1_796_342_400.0
    shown = {"points": [(t0, 3.0)]}
    monkeypatch.setattr(chart, "_history", lambda code, venue: shown["points"] if venue == "binance" else [])
    chart.set_code("KRW-BTC")
    chart.grab()
    (x0, x1), _ = chart.plot.getViewBox().viewRange()
    assert x1 - x0 >= MIN_SPAN_S * 0.99  # one sample: a short labelled span, not a point

    axis = chart.plot.getPlotItem().getAxis("bottom")
    for seconds in (40, 100, 180, 600):  # no switch of mode at any age: the axis follows the samples
        shown["points"] = [(t0 + i, 3.0 + 0.01 * (i % 7)) for i in range(seconds)]
        chart.redraw()
        chart.grab()
        (x0, x1), _ = chart.plot.getViewBox().viewRange()
        span = seconds - 1
        assert t0 - 0.05 * span <= x0 and x1 <= t0 + span * 1.05, seconds  # the lines fill the width
        [(step, values)] = axis.tickValues(x0, x1, 500)
        assert len(values) >= 3, seconds
        labels = axis.tickStrings(values, 1.0, step)
        if seconds < 120:
            assert step < 60 and labels[1].count(":") == 2, labels  # 21:00:15: seconds while it is short


def test_premium_chart_stops_sampling_when_the_window_closes(qtbot: Any, source: Source) -> None:
    # After the window closes the manager shuts down; a later tick re-subscribed on it (a traceback on quit).
    mgr = ManagerLike(tickers=source.tickers, versions=source.versions)
    window = Window(mgr)
    qtbot.addWidget(window)
    start_premium_ui(window, mgr, {"binance": "ws://127.0.0.1:1/stream"})
    dock = window.findChild(QDockWidget, "PremiumDock")
    assert dock is not None
    chart = dock.widget()
    assert chart._timer.isActive()
    window.closing.emit()
    assert not chart._timer.isActive()


def test_premium_per_korean_venue_uses_that_venues_price_and_rate(source: Source) -> None:
    """Bithumb's premium on Bithumb: its own KRW price over Binance at its own KRW-USDT rate; Upbit's
    premium (what premium alerts read) stays computable meanwhile, and quotes age on the injected clock."""
    clock = Clock()
    tracker = PremiumTracker(source, ttl_s=10, clock=clock)
    bithumb_rate = 1370.0
    source.put_ticker(ticker("KRW-USDT", bithumb_rate), venue="bithumb")
    source.put_ticker(ticker("KRW-BTC", 141_000_000.0), venue="bithumb")
    tracker.set_selected("KRW-BTC")
    feed_binance(source)
    upbit = tracker.premium("KRW-BTC")
    assert upbit is not None and upbit.premium == pytest.approx(140_000_000 / (100_000 * RATE) - 1)
    version = tracker.version
    tracker.set_home("bithumb")
    assert tracker.home == "bithumb" and tracker.version > version  # the views repaint
    # The shown venue's rate and selected coin are subscribed on its own connection; Upbit's stay.
    assert source.codes_on("bithumb-public") == ("KRW-BTC", "KRW-USDT")
    assert source.codes_on("upbit-public") == ("KRW-BTC", "KRW-USDT")
    bithumb = tracker.premium("KRW-BTC")
    assert bithumb is not None
    assert bithumb.premium == pytest.approx(141_000_000 / (100_000 * bithumb_rate) - 1)
    pinned = tracker.on_venue("upbit").premium("KRW-BTC")
    assert pinned is not None and pinned.premium == pytest.approx(upbit.premium)
    clock.now += 11  # past the TTL: no venue shows a stale foreign quote
    assert tracker.premium("KRW-BTC") is None and tracker.on_venue("upbit").premium("KRW-BTC") is None
    tracker.set_home("upbit")
    assert source.codes_on("bithumb-public") == ()  # nothing left on Bithumb once it is not shown
    tracker.close()
    assert source.by_owner == {}


def _sections(coin_list: CoinList) -> dict[int, tuple[int, int]]:
    """The list's own shown columns: (x, width) each."""
    header = coin_list.table.horizontalHeader()
    return {c: (header.sectionPosition(c), header.sectionSize(c)) for c in Col
            if not coin_list.table.isColumnHidden(c)}


@pytest.mark.parametrize("width", [480, 720])  # the list at 1600 px (one feature column fits) and wider
def test_the_premium_column_takes_the_room_kept_for_it_and_moves_nothing(
        qtbot: Any, source: Source, width: int) -> None:
    # The app announces the feature columns before the first paint and attaches them later; their
    # quotes come seconds after that. The columns a trader reads from the first paint stay put.
    clock = Clock()
    coin_list = CoinList(source, Palette(dark=True))
    qtbot.addWidget(coin_list)
    coin_list.columns.expect(*FEATURE_COLUMNS)
    coin_list.resize(width, 400)
    coin_list.show()
    qtbot.waitExposed(coin_list)
    coin_list.set_markets(MARKETS)
    coin_list.refresh()
    first_paint = _sections(coin_list)
    assert coin_list.columns.reserved > 0

    columns = install_premium(coin_list, PremiumTracker(source, ttl_s=5, clock=clock), Palette(dark=True))
    assert _sections(coin_list) == first_paint  # attached, no quotes yet: nothing moves
    assert coin_list.table.isColumnHidden(columns.first_extra + 1)
    feed_binance(source)
    columns.refresh()
    coin_list._next_fit = 0.0
    coin_list.refresh()
    premium = columns.first_extra + 1
    assert not coin_list.table.isColumnHidden(premium)
    assert _sections(coin_list) == first_paint  # the quotes came: still nothing moves
    header = coin_list.table.horizontalHeader()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    assert sum(header.sectionSize(c) for c in shown) <= coin_list.table.viewport().width()  # no scroll bar
    # The domestic spread column never attached here (a feature that did not start): its room goes back.
    left = coin_list.columns.release_expected()
    assert "premium" not in left
    if width == 720:
        assert "domestic" in left  # at 480 px it had no room kept: the premium outranks it
    coin_list._fit_name_column()
    assert coin_list.columns.reserved == 0
