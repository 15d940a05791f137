"""The ladder keeps the spread at the viewport's vertical centre at every depth and height,
until the user scrolls away (then a visible re-centre button and a key bring it back)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSlider, QApplication

from tests.ui.fake_source import FakeSource, book
from upbit_monitor.ui.common.theme import Palette, apply_theme
from upbit_monitor.ui.orderbook.model import ObCol
from upbit_monitor.ui.orderbook.view import OrderbookView


def _view(qtbot, height: int, depth: int) -> tuple[OrderbookView, FakeSource]:
    src = FakeSource()
    view = OrderbookView(src, Palette(), depth=depth)
    qtbot.addWidget(view)
    view.resize(420, height)
    view.show()
    qtbot.waitExposed(view)
    view.set_code("KRW-BTC")
    src.put_book(book("KRW-BTC", 95_000_000, depth=30))
    view.refresh()
    return view, src


def _spread_offset(view: OrderbookView) -> tuple[int, int]:
    """(spread y - viewport centre, one row height), in viewport pixels."""
    t = view.table
    y = t.verticalHeader().sectionViewportPosition(view.model.depth)
    return y - t.viewport().height() // 2, t.verticalHeader().sectionSize(view.model.depth)


@pytest.mark.parametrize("depth", [15, 30])
@pytest.mark.parametrize("height", [300, 520, 700, 1000, 1400])
def test_spread_is_at_the_vertical_centre(qtbot, depth: int, height: int) -> None:
    view, src = _view(qtbot, height, depth)
    off, row = _spread_offset(view)
    assert abs(off) <= row, (off, row)
    # ... and stays there through later snapshots and a resize (dock drag).
    src.put_book(book("KRW-BTC", 95_001_000, depth=30))
    view.refresh()
    view.resize(420, height + 137)
    qtbot.waitUntil(lambda: abs(_spread_offset(view)[0]) <= _spread_offset(view)[1])


def test_rows_fill_a_tall_viewport_symmetrically(qtbot) -> None:
    view, _ = _view(qtbot, 1400, 15)
    t = view.table
    rows = [t.rowHeight(r) for r in range(view.model.rowCount())]
    assert min(rows) >= 20 and sum(rows) <= t.viewport().height()
    assert t.viewport().height() - sum(rows) < 2  # no band left empty under the ladder
    assert t.verticalScrollBar().maximum() == 0


def test_depth_switch_recentres(qtbot) -> None:
    view, _ = _view(qtbot, 600, 15)
    view.set_depth(30)
    off, row = _spread_offset(view)
    assert abs(off) <= row
    view.set_depth(15)
    off, row = _spread_offset(view)
    assert abs(off) <= row


def test_user_scroll_pins_the_view_until_recentred(qtbot) -> None:
    view, src = _view(qtbot, 400, 30)
    t = view.table
    button = t.recentre_button
    assert t.following and not button.isVisibleTo(view)
    bar = t.verticalScrollBar()
    vp = t.viewport()
    for _ in range(3):  # the mouse wheel, upwards
        QApplication.sendEvent(vp, QWheelEvent(
            QPointF(50, 50), QPointF(vp.mapToGlobal(QPoint(50, 50))), QPoint(0, 0), QPoint(0, 120),
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False))
    assert not t.following and button.isVisibleTo(view)
    where = bar.value()
    src.put_book(book("KRW-BTC", 95_002_000, depth=30))
    view.refresh()
    assert bar.value() == where  # a new snapshot does not yank the view back
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert t.following and not button.isVisibleTo(view)
    off, row = _spread_offset(view)
    assert abs(off) <= row
    # The key does the same.
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    assert not t.following
    t.recentre_shortcut.activated.emit()
    assert t.following and abs(_spread_offset(view)[0]) <= row


def test_coin_switch_follows_the_spread_again(qtbot) -> None:
    view, src = _view(qtbot, 400, 30)
    view.table.verticalScrollBar().triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    view.set_code("KRW-ETH")
    src.put_book(book("KRW-ETH", 4_600_000, depth=30))
    view.refresh()
    assert view.table.following
    off, row = _spread_offset(view)
    assert abs(off) <= row


def test_price_and_percent_columns_fit_their_widest_text(qtbot) -> None:
    view, _ = _view(qtbot, 500, 15)
    view.model.set_prev_close(60_000_000)  # +58 %: wider than an ordinary day's change
    view.table.fit_columns()
    fm = view.table.fontMetrics()
    for col in (ObCol.PRICE, ObCol.CHANGE):
        for r in (0, view.model.rowCount() - 1):
            text = view.model.cell(r, col).text
            assert text and not text.endswith("…")
            # The delegate insets text by 5 px on each side; bold prices are wider.
            assert view.table.columnWidth(col) - 10 >= fm.horizontalAdvance(text), (col, text)


def test_a_narrow_ladder_hides_percent_rather_than_eliding_sizes(qtbot) -> None:
    view, _ = _view(qtbot, 500, 15)
    assert not view.table.isColumnHidden(ObCol.CHANGE)
    view.resize(250, 500)
    qtbot.waitUntil(lambda: view.table.isColumnHidden(ObCol.CHANGE))
    fm = view.table.fontMetrics()
    for r in range(view.model.rowCount()):
        for col in (ObCol.ASK_SIZE, ObCol.BID_SIZE):
            text = view.model.cell(r, col).text
            assert view.table.columnWidth(col) - 10 >= fm.horizontalAdvance(text), text
    view.resize(420, 500)
    qtbot.waitUntil(lambda: not view.table.isColumnHidden(ObCol.CHANGE))


def test_the_first_book_of_a_new_coin_is_painted_when_it_arrives(qtbot) -> None:
    """Paint on arrival: the routed snapshot is shown and painted without waiting for a timer."""
    src = FakeSource(deliver=True)
    view = OrderbookView(src, Palette())
    qtbot.addWidget(view)
    view.resize(420, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_code("KRW-ETH")
    view._fast.stop()  # no fast poll, no frame tick: only the arrival path is left
    with qtbot.waitSignal(view.first_paint, timeout=5000) as painted:
        src.put_book(book("KRW-ETH", 4_600_000, depth=30))
        assert view.model.code == "KRW-ETH"  # shown synchronously, inside the delivery
    assert painted.args == ["KRW-ETH"]


@pytest.fixture(params=["unstyled", "dark", "light"])
def style(request: pytest.FixtureRequest, qapp: QApplication):
    """The app always runs with a theme's style sheet, which makes the pane wider (its minimum is
    293 px unstyled, 322 px themed): test both, and leave no style sheet behind for other tests
    (a window test that left one made this test order-dependent)."""
    before = qapp.styleSheet()
    if request.param != "unstyled":
        apply_theme(qapp, dark=request.param == "dark")
    yield request.param
    qapp.setStyleSheet(before)


def test_header_gives_way_with_strength_never_clipping_price_or_change(qtbot, style: str) -> None:
    from tests.ui.fake_source import ticker

    view, src = _view(qtbot, 500, 15)
    src.put_ticker(ticker("KRW-BTC", 146_152_000, -0.0248))
    view.refresh()
    view.header.show_strength(73.13, 150.2, 100)
    h = view.header
    floor = view.minimumSizeHint().width()  # the pane's minimum: the tape's picker row
    assert floor <= 330, floor
    for width in (700, 420, 330, floor):
        view.resize(width, 500)
        qtbot.waitUntil(lambda w=width: h.width() <= w)
        for label in (h.price_label, h.change_label):
            assert label.width() >= label.fontMetrics().horizontalAdvance(label.text()), (width, label.text())
        s = h.strength_label
        assert s.fontMetrics().horizontalAdvance(s.text()) <= s.width(), (width, s.text())
    view.resize(700, 500)
    qtbot.waitUntil(lambda: h.strength_label.text() == "체결강도 73.13% · 150.20%")


def test_title_gives_way_to_the_pickers_venue_first_then_name(qtbot, style: str) -> None:
    view, _ = _view(qtbot, 500, 15)
    view.set_venue_label("Upbit")
    view.set_names({"KRW-BTC": "비트코인"})
    h, title = view.header, view.header.title
    seen = []
    for width in (700, 420, 360, view.minimumSizeHint().width()):
        view.resize(width, 500)
        qtbot.waitUntil(lambda w=width: h.width() <= w)
        text = title.text()
        seen.append(text)
        # Whole words, inside the label, left of the grouping box: never letters under the picker.
        fits = title.fontMetrics().horizontalAdvance(text) <= title.width()
        assert fits or text == "BTC/KRW", (width, text)
        assert title.geometry().right() < h.group_box.geometry().left(), width
    assert seen[0] == "Upbit · 비트코인  BTC/KRW" and seen[-1] != seen[0], seen  # the narrowest drops some
    assert set(seen) <= {"Upbit · 비트코인  BTC/KRW", "비트코인  BTC/KRW", "BTC/KRW"}
    assert title.toolTip() == "Upbit · 비트코인  BTC/KRW"  # the full title stays one hover away
    view.resize(700, 500)
    qtbot.waitUntil(lambda: title.text() == "Upbit · 비트코인  BTC/KRW")
