"""Qt models of the window: QAbstractItemModelTester plus behaviour (sorting, pinning, flashes)."""

from __future__ import annotations

from msgspec.structs import replace
from PySide6.QtCore import Qt

from tests.ui.fake_source import FakeMetrics, FakeSource, book, ticker, trade
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.coin_list.model import CODE_ROLE, CoinListModel, Col
from upbit_monitor.ui.coin_list.proxy import CoinFilterProxy
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.model import DEPTH_ROLE, FLASH_ROLE, ObCol, OrderbookModel
from upbit_monitor.ui.orderbook.trade_tape import TapeCol, TradeTapeModel
from upbit_monitor.ui.status.metrics_model import MetricsModel

MARKETS = [
    MarketInfo("KRW-BTC", "비트코인", "Bitcoin"),
    MarketInfo("KRW-ETH", "이더리움", "Ethereum"),
    MarketInfo("KRW-XRP", "리플", "XRP", cautions=("PRICE_FLUCTUATIONS",)),
    MarketInfo("BTC-ETH", "이더리움", "Ethereum"),
    MarketInfo("USDT-BTC", "비트코인", "Bitcoin"),
]


def _coin_model(src: FakeSource) -> CoinListModel:
    m = CoinListModel(Palette())
    m.set_markets(MARKETS)
    src.put_ticker(ticker("KRW-BTC", 95_000_000, 0.012, 3.2e11))
    src.put_ticker(ticker("KRW-ETH", 4_500_000, -0.02, 1.1e11))
    src.put_ticker(ticker("KRW-XRP", 812.0, 0.05, 9.9e11))
    m.refresh(src)
    return m


def _proxy_codes(p: CoinFilterProxy) -> list[str]:
    return [p.data(p.index(r, 0), CODE_ROLE) for r in range(p.rowCount())]


def test_coin_list_model_passes_tester_and_formats(qtmodeltester):
    src = FakeSource()
    m = _coin_model(src)
    qtmodeltester.check(m)
    row = m.codes().index("KRW-BTC")
    assert m.data(m.index(row, Col.PRICE)) == "95,000,000"
    assert m.data(m.index(row, Col.CHANGE)) == "+1.20%"
    assert m.data(m.index(row, Col.VALUE)) == "3,200억"
    pal = Palette()
    assert m.data(m.index(row, Col.CHANGE), Qt.ItemDataRole.ForegroundRole) == pal.up
    eth = m.codes().index("KRW-ETH")
    assert m.data(m.index(eth, Col.CHANGE), Qt.ItemDataRole.ForegroundRole) == pal.down
    xrp = m.codes().index("KRW-XRP")
    assert m.data(m.index(xrp, Col.PRICE)) == "812"
    assert m.data(m.index(xrp, Col.WARN)) == "유의"
    m.korean_units = False
    assert m.data(m.index(row, Col.VALUE)) == "320.00B"


def test_coin_list_refresh_touches_only_changed_rows(qtbot):
    src = FakeSource()
    m = _coin_model(src)
    assert m.refresh(src) == 0  # nothing changed since the last pull
    with qtbot.waitSignal(m.dataChanged) as sig:
        src.put_ticker(ticker("KRW-ETH", 4_600_000, -0.01))
        assert m.refresh(src) == 1
    top, bottom = sig.args[0], sig.args[1]
    assert top.row() == bottom.row() == m.codes().index("KRW-ETH")


def test_proxy_filters_quote_and_search_and_pins_favourites(qtmodeltester):
    src = FakeSource()
    m = _coin_model(src)
    p = CoinFilterProxy()
    p.setSourceModel(m)
    qtmodeltester.check(p)
    p.sort(Col.VALUE, Qt.SortOrder.DescendingOrder)
    assert _proxy_codes(p) == ["KRW-XRP", "KRW-BTC", "KRW-ETH"]
    m.toggle_favourite("KRW-ETH")
    p.invalidate()
    assert _proxy_codes(p)[0] == "KRW-ETH"  # pinned despite the smallest value
    p.sort(Col.VALUE, Qt.SortOrder.AscendingOrder)
    assert _proxy_codes(p) == ["KRW-ETH", "KRW-BTC", "KRW-XRP"]
    p.sort(Col.CHANGE, Qt.SortOrder.DescendingOrder)
    assert _proxy_codes(p) == ["KRW-ETH", "KRW-XRP", "KRW-BTC"]
    p.set_search("bit")  # English name
    assert _proxy_codes(p) == ["KRW-BTC"]
    p.set_search("이더")  # Korean name
    assert _proxy_codes(p) == ["KRW-ETH"]
    p.set_search("xrp/krw")  # display code
    assert _proxy_codes(p) == ["KRW-XRP"]
    p.set_search("")
    p.set_quote("BTC")
    assert _proxy_codes(p) == ["BTC-ETH"]
    p.set_quote("USDT")
    assert _proxy_codes(p) == ["USDT-BTC"]
    qtmodeltester.check(p)


def test_market_info_from_rest_reads_warning_and_cautions():
    mi = MarketInfo.from_rest({
        "market": "KRW-ABC", "korean_name": "에이비씨", "english_name": "ABC",
        "market_event": {"warning": False, "caution": {"PRICE_FLUCTUATIONS": True, "X": False}},
    })
    assert mi.flagged and mi.cautions == ("PRICE_FLUCTUATIONS",) and not mi.warning
    assert MarketInfo.from_rest({"market": "KRW-D", "market_warning": "CAUTION"}).warning


def test_orderbook_model_ladder_layout_depth_and_flash(qtmodeltester):
    m = OrderbookModel(Palette(), depth=15)
    qtmodeltester.check(m)
    b = book("KRW-BTC", 95_000_000, depth=30)
    m.set_book(b, now=100.0)
    qtmodeltester.check(m)
    assert m.rowCount() == 30
    # Best ask sits just above the middle, best bid just below it.
    assert m.level(14) == ("ask", b.orderbook_units[0].ask_price, b.orderbook_units[0].ask_size)
    assert m.level(15) == ("bid", b.orderbook_units[0].bid_price, b.orderbook_units[0].bid_size)
    assert m.level(0)[1] == b.orderbook_units[14].ask_price  # worst shown ask on top
    assert m.data(m.index(14, ObCol.PRICE)) == "95,001,000"
    assert m.data(m.index(14, ObCol.BID_SIZE)) == ""  # an ask row has no bid size
    fracs = [m.data(m.index(r, ObCol.BID_SIZE), DEPTH_ROLE) for r in range(15, 30)]
    assert max(fracs) == 1.0 and all(0 < f <= 1 for f in fracs)
    spread, mid = m.spread()
    assert spread == 1000.0 and mid == 95_000_500.0
    assert -1 < m.imbalance() < 1
    # A size change at an unchanged price flashes, then expires.
    units = list(b.orderbook_units)
    units[0] = replace(units[0], bid_size=9.0)
    m.set_book(replace(b, orderbook_units=tuple(units)), now=101.0)
    assert m.data(m.index(15, ObCol.BID_SIZE), FLASH_ROLE) == 1.0
    assert m.data(m.index(16, ObCol.BID_SIZE), FLASH_ROLE) == 0.0
    assert m.expire_flashes(now=105.0)
    assert m.data(m.index(15, ObCol.BID_SIZE), FLASH_ROLE) == 0.0
    m.set_depth(30)
    qtmodeltester.check(m)
    assert m.rowCount() == 60 and m.level(29)[0] == "ask" and m.level(30)[0] == "bid"
    m.clear()
    assert m.level(0) is None


def test_orderbook_model_change_colours_follow_prev_close():
    pal = Palette()
    m = OrderbookModel(pal, depth=15)
    m.set_prev_close(95_000_000)
    m.set_book(book("KRW-BTC", 95_000_000, depth=15))
    assert m.data(m.index(14, ObCol.PRICE), Qt.ItemDataRole.ForegroundRole) == pal.up
    assert m.data(m.index(16, ObCol.PRICE), Qt.ItemDataRole.ForegroundRole) == pal.down
    pal.korean_colours = False
    assert m.data(m.index(14, ObCol.PRICE), Qt.ItemDataRole.ForegroundRole) == pal.up  # now green
    assert pal.up != Palette().up


def test_trade_tape_inserts_new_fills_on_top_and_caps(qtmodeltester):
    m = TradeTapeModel(Palette(), limit=5)
    qtmodeltester.check(m)
    ts = 1_795_000_000_000
    m.set_trades([trade("KRW-BTC", 100 + i, i, ts + i) for i in range(3)][::-1])
    assert [t.sequential_id for t in m.trades()] == [2, 1, 0]
    newest_first = [trade("KRW-BTC", 100 + i, i, ts + i, "ASK") for i in range(7)][::-1]
    assert m.set_trades(newest_first) == 4
    assert [t.sequential_id for t in m.trades()] == [6, 5, 4, 3, 2]
    assert m.set_trades(newest_first) == 0
    assert m.data(m.index(0, TapeCol.SIDE)) == "Sell"
    qtmodeltester.check(m)
    m.set_trades([trade("KRW-ETH", 5, 1, ts)])  # another coin replaces the tape
    assert [t.code for t in m.trades()] == ["KRW-ETH"]


def test_metrics_model_shows_every_field(qtmodeltester):
    m = MetricsModel()
    qtmodeltester.check(m)
    m.set_metrics({"upbit-public": FakeMetrics(), "upbit-private": FakeMetrics(state="failed", health=0.1)})
    qtmodeltester.check(m)
    assert m.connection_names() == ["upbit-public", "upbit-private"]  # the venue's public feed first
    assert set(m.field_names()) == {"state", "msgs_per_s", "health", "last_server_error",
                                    "last_close_reason", "reconnects"}
    # One column per connection ("cards" side by side), one row per metric.
    assert m.columnCount() == 2 and m.rowCount() == 6
    assert m.headerData(0, Qt.Orientation.Horizontal) == "upbit"  # short title, full name as tooltip
    assert m.headerData(1, Qt.Orientation.Horizontal) == "upbit priv"
    row = m.field_names().index("health")
    assert m.headerData(row, Qt.Orientation.Vertical) == "Health"
    assert m.data(m.index(row, 0)) == "100%"
    assert m.data(m.index(row, 1)) == "10%"
    m.set_metrics({"upbit-public": FakeMetrics(msgs_per_s=99.0), "upbit-private": FakeMetrics()})
    assert m.value("upbit-public", "msgs_per_s") == 99.0


def test_metrics_columns_put_the_korean_venues_first() -> None:
    # Sorted by name, Upbit came last and sat behind the table's scroll bar at 1024 and 1600 px.
    m = MetricsModel()
    names = ["binance-public", "bithumb-private", "bithumb-public", "bybit-public", "upbit-private",
             "upbit-public", "zzz-test"]
    m.set_metrics({n: FakeMetrics() for n in names})
    assert m.connection_names() == ["upbit-public", "upbit-private", "bithumb-public", "bithumb-private",
                                    "binance-public", "bybit-public", "zzz-test"]
