"""Coin list selection: search ranks exact matches first, the highlight is always the coin on screen,
and the selected row stays in view through re-sorts and the first layout."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest

from tests.ui.fake_source import FakeSource, ticker
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.coin_list.model import CODE_ROLE, Col
from upbit_monitor.ui.coin_list.proxy import match_rank
from upbit_monitor.ui.coin_list.view import CoinList
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.main_window import MainWindow

# Bigger 24 h value first: USDT (Tether) and ETC sort above ETH, as in the demo where "eth" + Enter
# picked ETC.
SEARCH_MARKETS = [
    MarketInfo("KRW-USDT", "테더", "Tether"),
    MarketInfo("KRW-ETC", "이더리움클래식", "Ethereum Classic"),
    MarketInfo("KRW-ETH", "이더리움", "Ethereum"),
    MarketInfo("KRW-BTC", "비트코인", "Bitcoin"),
    MarketInfo("KRW-ETHFI", "이더파이", "ether.fi"),
]


def _source(markets: list[MarketInfo]) -> FakeSource:
    src = FakeSource()
    for i, m in enumerate(markets):
        src.put_ticker(ticker(m.code, 1000.0 + i, 0.01, 1e12 - i * 1e10))
    return src


def _window(qtbot, tmp_path, markets: list[MarketInfo]) -> MainWindow:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(_source(markets), store=store)
    qtbot.addWidget(win)
    win.coin_list.set_markets(markets)
    win.coin_list.markets_loaded.emit(len(markets))
    win.coin_list.refresh()
    return win


def _codes(cl: CoinList) -> list[str]:
    return [cl.proxy.code_at(r) for r in range(cl.proxy.rowCount())]


def _row_point(cl: CoinList, code: str, col: int) -> QPoint:
    return cl.table.visualRect(cl.proxy.index(cl.proxy.row_of(code), col)).center()


def _highlighted(cl: CoinList) -> str:
    return str(cl.table.currentIndex().data(CODE_ROLE))


def test_match_rank_orders_exact_prefix_and_inside() -> None:
    assert match_rank("eth", ("eth", "이더리움", "ethereum")) == 0
    assert match_rank("eth", ("ethfi", "이더파이", "ether.fi")) == 1
    assert match_rank("eth", ("etc", "이더리움클래식", "ethereum classic")) == 2
    assert match_rank("eth", ("usdt", "테더", "tether")) == 3
    assert match_rank("이더리움", ("eth", "이더리움", "ethereum")) == 0
    assert match_rank("x", None) == 3


def test_search_enter_picks_the_exact_match_not_the_biggest(qtbot, tmp_path) -> None:
    win = _window(qtbot, tmp_path, SEARCH_MARKETS)
    cl = win.coin_list
    win.select_coin("KRW-ETC")  # highlighted before the search: Enter must not keep it
    cl.search.setText("eth")
    assert _codes(cl) == ["KRW-ETH", "KRW-ETHFI", "KRW-ETC", "KRW-USDT"]
    cl.search.setFocus()
    with qtbot.waitSignal(cl.coin_selected) as sig:
        QTest.keyClick(cl.search, Qt.Key.Key_Return)
    assert sig.args == ["KRW-ETH"] and win.code == "KRW-ETH" and _highlighted(cl) == "KRW-ETH"
    # Korean name, exact: 이더리움 before 이더리움클래식.
    cl.search.setText("이더리움")
    assert _codes(cl)[0] == "KRW-ETH"
    # Without a search the list is in its sort order again (by 24 h value).
    cl.search.clear()
    assert _codes(cl) == [m.code for m in SEARCH_MARKETS]


def test_star_click_and_press_drag_keep_highlight_and_coin_together(qtbot, tmp_path) -> None:
    win = _window(qtbot, tmp_path, SEARCH_MARKETS)
    cl = win.coin_list
    win.show()
    qtbot.waitExposed(win)
    assert win.code == "KRW-BTC" and _highlighted(cl) == "KRW-BTC"
    # A star click stars that row and moves nothing else.
    QTest.mouseClick(cl.table.viewport(), Qt.MouseButton.LeftButton, pos=_row_point(cl, "KRW-ETC", Col.FAV))
    assert cl.model.favourites() == {"KRW-ETC"}
    assert win.code == "KRW-BTC" and _highlighted(cl) == "KRW-BTC"
    # Press on one row, drag over another, release there: the pressed coin is on screen and lit.
    viewport = cl.table.viewport()
    start, end = _row_point(cl, "KRW-USDT", Col.PRICE), _row_point(cl, "KRW-ETHFI", Col.PRICE)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    assert win.code == "KRW-USDT"  # a press switches at once
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert win.code == "KRW-USDT" and _highlighted(cl) == "KRW-USDT"
    # Arrow keys move the highlight and the coin together.
    cl.table.setFocus()
    QTest.keyClick(cl.table, Qt.Key.Key_Down)
    assert _highlighted(cl) == win.code != "KRW-USDT"


def test_selected_row_stays_in_view_through_resorts_until_the_user_scrolls(qtbot) -> None:
    markets = [MarketInfo(f"KRW-C{i:03d}", f"코인{i}", f"Coin {i}") for i in range(80)]
    src = FakeSource()
    for i, m in enumerate(markets):
        src.put_ticker(ticker(m.code, 100.0, 0.01, 1e9 * (80 - i)))
    cl = CoinList(src, Palette())
    qtbot.addWidget(cl)
    cl.resize(460, 400)
    cl.show()
    qtbot.waitExposed(cl)
    cl.set_markets(markets)
    cl.refresh()
    cl.select("KRW-C005", emit=False)
    cl.refresh()

    def in_view(code: str) -> bool:
        rect = cl.table.visualRect(cl.proxy.index(cl.proxy.row_of(code), Col.NAME))
        return cl.table.viewport().rect().contains(rect)

    assert in_view("KRW-C005")
    # Its 24 h value jumps it to the bottom of the list: the list follows it there.
    src.put_ticker(ticker("KRW-C005", 100.0, 0.01, 1.0))
    cl._next_sort = 0.0
    cl.refresh()
    assert cl.proxy.row_of("KRW-C005") == 79 and in_view("KRW-C005")
    # The dock shrinks (the window lays itself out after the first scroll): still in view.
    cl.resize(460, 220)
    qtbot.waitUntil(lambda: in_view("KRW-C005"))
    # Once the user scrolls away, a re-sort does not pull the list back.
    bar = cl.table.verticalScrollBar()
    bar.triggerAction(bar.SliderAction.SliderToMinimum)
    src.put_ticker(ticker("KRW-C005", 100.0, 0.01, 1e9 * 40.5))
    cl._next_sort = 0.0
    cl.refresh()
    assert bar.value() == 0 and not in_view("KRW-C005")
