"""My orders / fills / assets in a narrow dock: least useful columns hide, nothing scrolls sideways."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.features.private.helpers import my_order
from upbit_monitor.ui.private.models import MyOrdersModel, OrderCol
from upbit_monitor.ui.private.panels import _ORDERS_DROP, _table


def _shown(view: Any) -> list[str]:
    model = view.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
            if not view.isColumnHidden(c)]


def test_orders_keep_market_side_price_first_and_show_the_rest_as_room_comes(qtbot: Any) -> None:
    model = MyOrdersModel()
    model.apply(my_order("o-1", "wait", price="146143000", volume="0.00003421", timestamp=1_796_342_400_000))
    model.apply(my_order("o-2", "done", price="20000", volume="0.1", executed="0.1", remaining="0",
                         timestamp=1_796_342_401_000))
    view = _table(model, "myOrdersTable", _ORDERS_DROP)
    qtbot.addWidget(view)
    view.show()
    seen = {}
    for width in (220, 300, 400, 900):  # a 1024x700 dock, 1600x1000's, a wider one, a floating one
        view.resize(width, 200)
        QApplication.processEvents()
        seen[width] = _shown(view)
        assert view.horizontalScrollBar().maximum() == 0, (width, seen[width])  # nothing off to the side
    # Hidden are always the first k of the drop order (type, time, executed, volume, state, side):
    # a wider dock shows more, never other, columns; market and price are never hidden.
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    dropped = [headers[c] for c in _ORDERS_DROP]
    counts = []
    for width, shown in seen.items():
        hidden = [h for h in dropped if h not in shown]
        assert set(headers) - set(shown) == set(hidden), width  # only droppable columns hide
        assert hidden == dropped[:len(hidden)], width
        assert {"Market", "Price"} <= set(shown), width
        counts.append(len(shown))
    assert counts == sorted(counts) and counts[0] < counts[-1] == len(headers)
    # Narrow again: the hidden values are one hover away, before the model's own tooltip.
    view.resize(220, 200)
    QApplication.processEvents()
    row = next(r for r in range(model.rowCount())
               if model.data(model.index(r, OrderCol.PRICE)) == "146,143,000")
    text = view.hidden_text(row)
    assert text.startswith("Time ") and "Volume 0.00003421" in text, text
    assert text.endswith("Upbit state: wait"), text


def test_side_and_price_take_the_tapes_buy_and_sell_colours(qtbot: Any) -> None:
    from upbit_monitor.ui.common.theme import Palette
    from upbit_monitor.ui.private.models import MyFillsModel

    orders, fills = MyOrdersModel(), MyFillsModel()
    buy = my_order("o-1", "trade", price="100", volume="1", trade_uuid="t-1", timestamp=1_796_342_400_000)
    orders.apply(buy)
    fills.apply(buy)
    fg = Qt.ItemDataRole.ForegroundRole
    assert orders.data(orders.index(0, OrderCol.PRICE), fg) is None  # no palette given: the style's colour
    palette = Palette()
    orders.palette = fills.palette = palette
    side = "BID" if buy.ask_bid == "BID" else "ASK"
    want = palette.up if side == "BID" else palette.down
    for model in (orders, fills):
        assert model.data(model.index(0, OrderCol.PRICE), fg) == want
        assert model.data(model.index(0, OrderCol.SIDE), fg) == want
        assert model.data(model.index(0, OrderCol.MARKET), fg) is None
    palette.korean_colours = False  # View > Korean colours off: the same palette object, new colours
    assert orders.data(orders.index(0, OrderCol.SIDE), fg) == (palette.up if side == "BID" else palette.down)
