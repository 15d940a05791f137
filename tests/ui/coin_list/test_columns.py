"""Coin list columns: shown by the user's choice (remembered by key), the data and the room; numeric
columns as wide as their widest text, so digits are never clipped."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont, QFontMetrics

from tests.ui.fake_source import FakeSource, ticker
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.coin_list.columns import CELL_PADDING, ColumnSpec
from upbit_monitor.ui.coin_list.model import Col
from upbit_monitor.ui.coin_list.view import MIN_WIDTH, NAME_FLOOR, CoinList
from upbit_monitor.ui.common.theme import Palette, apply_theme
from upbit_monitor.ui.main_window import MainWindow

MARKETS = [
    MarketInfo("KRW-BTC", "비트코인", "Bitcoin"),
    MarketInfo("KRW-PUMP", "펌프", "Pump"),
    MarketInfo("BTC-ETH", "이더리움", "Ethereum"),
]


def _source() -> FakeSource:
    src = FakeSource()
    src.put_ticker(ticker("KRW-BTC", 146_143_000, -0.0248, 5e11))
    src.put_ticker(ticker("KRW-PUMP", 1234, 0.1012, 1e11))  # "+10.12%": clipped at the old 68 px
    src.put_ticker(ticker("BTC-ETH", 0.03651234, 0.01, 75.362))  # "75.362 BTC"
    return src


def _list(qtbot, width: int) -> CoinList:
    cl = CoinList(_source(), Palette())
    qtbot.addWidget(cl)
    cl.resize(width, 400)
    cl.show()
    qtbot.waitExposed(cl)
    cl.set_markets(MARKETS)
    cl.refresh()
    cl._next_fit = 0.0
    cl.refresh()
    return cl


def _fits(cl: CoinList, col: int, text: str, bold: bool = False) -> bool:
    font = QFont(cl.table.font())
    font.setBold(bold)
    return cl.table.columnWidth(col) >= QFontMetrics(font).horizontalAdvance(text) + CELL_PADDING


def test_numeric_columns_fit_their_widest_text(qtbot) -> None:
    cl = _list(qtbot, 520)
    assert not cl.table.isColumnHidden(Col.CHANGE) and _fits(cl, Col.CHANGE, "+10.12%")
    assert _fits(cl, Col.PRICE, "146,143,000", bold=True)
    cl.set_quote("BTC")
    cl._next_fit = 0.0
    cl.refresh()
    assert cl.proxy.code_at(0) == "BTC-ETH"
    assert _fits(cl, Col.VALUE, "75.362 BTC") and _fits(cl, Col.PRICE, "0.03651234", bold=True)


def test_narrow_list_hides_the_least_important_columns_and_brings_them_back(qtbot) -> None:
    cl = _list(qtbot, 340)
    table = cl.table
    assert not table.isColumnHidden(Col.PRICE)  # required
    assert table.isColumnHidden(Col.VALUE) and "value" in cl.columns.auto_hidden  # value goes before change
    shown = [c for c in Col if not table.isColumnHidden(c)]
    total = sum(table.columnWidth(c) for c in shown)
    assert total <= table.viewport().width()  # nothing behind a scroll bar
    assert _fits(cl, Col.CHANGE, "+10.12%") or table.isColumnHidden(Col.CHANGE)
    cl.resize(560, 400)
    qtbot.waitUntil(lambda: not table.isColumnHidden(Col.VALUE))
    assert cl.columns.auto_hidden == []
    # The header menu says why a wanted column is missing.
    cl.resize(340, 400)
    qtbot.waitUntil(lambda: table.isColumnHidden(Col.VALUE))
    titles = [a.text() for a in cl.columns.header_menu(cl).actions()]
    assert any(t.startswith("Value 24h") and "no room" in t for t in titles)


@pytest.mark.parametrize("dark", [None, True, False])  # unstyled, then both themes' style sheets
def test_the_narrowest_list_keeps_price_and_change_and_elides_the_name(qtbot, qapp, dark) -> None:
    if dark is not None:
        apply_theme(qapp, dark)  # tests/ui/conftest.py puts the application's look back afterwards
    cl = _list(qtbot, MIN_WIDTH)  # the dock's minimum: what a 1024 x 700 screen gets
    table = cl.table
    assert not table.isColumnHidden(Col.CHANGE)  # a trader reads price and change first
    assert _fits(cl, Col.CHANGE, "+10.12%") and _fits(cl, Col.PRICE, "146,143,000", bold=True)
    assert table.isColumnHidden(Col.VALUE)  # the less important column went instead
    shown = [c for c in Col if not table.isColumnHidden(c)]
    assert sum(table.columnWidth(c) for c in shown) <= table.viewport().width()  # no digit scrolled away
    assert table.columnWidth(Col.NAME) >= NAME_FLOOR
    # The user may still hide the change column (kept only against lack of room).
    cl.columns.set_wanted("change", False)
    assert table.isColumnHidden(Col.CHANGE)


def test_column_choices_survive_a_restart_with_feature_columns_added_later(qtbot, tmp_path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)

    def window() -> MainWindow:
        win = MainWindow(_source(), store=store)
        qtbot.addWidget(win)
        win.coin_list.set_markets(MARKETS)
        return win

    win = window()
    table = win.coin_list.table
    assert table.isColumnHidden(Col.WARN) and table.isColumnHidden(Col.CODE)  # optional, off
    win.coin_list.columns.set_wanted("code", True)
    win.coin_list.columns.set_wanted("change", False)
    # A feature column appended after the window restored its state (the premium's KRW price).
    extra = win.coin_list.proxy.columnCount()  # no such column here: a spec for a future column
    win.coin_list.columns.set_wanted("premium_krw", True)
    table.sortByColumn(Col.CHANGE, Qt.SortOrder.AscendingOrder)
    win.close()
    again = window()
    fit, table = again.coin_list.columns, again.coin_list.table
    assert table.isColumnHidden(Col.WARN) and not table.isColumnHidden(Col.CODE)
    assert table.isColumnHidden(Col.CHANGE)
    assert fit.wanted("premium_krw") and fit.sort_state() == "change asc"
    assert extra >= len(Col)
    assert store.value("coins/header") is None  # the positional header state is gone


def test_a_feature_column_sort_waits_for_the_column(qtbot) -> None:
    cl = _list(qtbot, 520)
    cl.columns.restore_sort("premium desc")
    assert cl.columns.sort_state() == "value desc"  # unknown yet: the default stays
    col = Col.WARN  # stands in for an appended column's index
    cl.columns.add(ColumnSpec(col, "premium", "Premium", 4, lambda: "+9.99%"))
    assert cl.table.horizontalHeader().sortIndicatorSection() == col
    assert cl.columns.sort_state() == "premium desc"


def test_late_feature_columns_show_at_the_right_end_in_the_room_kept_for_them(qtbot) -> None:
    # Two feature columns announced at start, added later; the second one's data comes first (the
    # demo's spread before the premium). Whatever the order, nothing shown moves when one appears.
    cl = CoinList(_source(), Palette())
    qtbot.addWidget(cl)
    late_a = ColumnSpec(Col.CODE, "late_a", "Premium", 4, lambda: "+99.99%", appended=True)
    late_b = ColumnSpec(Col.WARN, "late_b", "Bithumb %", 3, lambda: "+99.99%", appended=True)
    cl.columns.expect(late_a, late_b)
    cl.resize(720, 400)
    cl.show()
    qtbot.waitExposed(cl)
    cl.set_markets(MARKETS)
    cl.refresh()
    header = cl.table.horizontalHeader()

    def places() -> dict[int, tuple[int, int]]:
        return {c: (header.sectionPosition(c), header.sectionSize(c)) for c in Col
                if not cl.table.isColumnHidden(c)}

    first_paint = places()
    assert set(first_paint) == {Col.FAV, Col.NAME, Col.PRICE, Col.CHANGE, Col.VALUE}
    data = {"late_a": False, "late_b": False}
    cl.columns.add(replace(late_a, available=lambda: data["late_a"]))
    cl.columns.add(replace(late_b, available=lambda: data["late_b"]))
    cl.fit_columns()
    assert places() == first_paint  # added, no data yet
    data["late_b"] = True
    cl.fit_columns()
    assert places() == {**first_paint, Col.WARN: places()[Col.WARN]}  # B took room, nothing moved
    b_place = places()[Col.WARN]
    data["late_a"] = True
    cl.fit_columns()
    assert places() == {**first_paint, Col.WARN: b_place, Col.CODE: places()[Col.CODE]}
    assert places()[Col.CODE][0] > b_place[0]  # A shows after B, at the right end
    assert sum(w for _, w in places().values()) <= cl.table.viewport().width()  # no scroll bar
