"""The private panels' Qt models: orders merged per uuid, fills deduplicated, assets valued in KRW."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from tests.features.private.helpers import my_asset, my_order
from upbit_monitor.exchanges.order_state import OrderState
from upbit_monitor.ui.private.models import AssetCol, MyAssetsModel, MyFillsModel, MyOrdersModel, OrderCol


def _text(model, row: int, col: int) -> str:
    return model.data(model.index(row, col), Qt.ItemDataRole.DisplayRole)


def test_order_lifecycle_keeps_order_price_and_volume(qtmodeltester) -> None:
    m = MyOrdersModel()
    m.apply(my_order("o-1", "wait", price="50000000", volume="0.1", timestamp=1000))
    assert m.rowCount() == 1 and _text(m, 0, OrderCol.STATE) == "Open"
    # A fill message carries the FILL's price/volume; the row keeps the order's.
    m.apply(my_order("o-1", "trade", price="49990000", volume="0.04", executed="0.04", remaining="0.06",
                     trade_uuid="t-1", timestamp=2000))
    row = m.row_of("o-1")
    assert row is not None and row.state is OrderState.PARTIALLY_FILLED
    assert row.price == Decimal("50000000") and row.volume == Decimal("0.1")
    assert _text(m, 0, OrderCol.EXECUTED) == "0.04" and _text(m, 0, OrderCol.VOLUME) == "0.1"
    assert _text(m, 0, OrderCol.PRICE) == "50,000,000"
    m.apply(my_order("o-1", "done", executed="0.1", remaining="0", timestamp=3000))
    assert m.row_of("o-1").state is OrderState.FILLED and m.open_count() == 0
    # An older message (replay) does not move the state back.
    m.apply(my_order("o-1", "wait", timestamp=1500))
    assert m.row_of("o-1").state is OrderState.FILLED
    qtmodeltester.check(m)


def test_orders_are_in_time_order_and_closed_are_capped() -> None:
    m = MyOrdersModel(max_closed=2)
    m.apply(my_order("open-old", "wait", timestamp=1))
    for i in range(4):
        m.apply(my_order(f"c{i}", "cancel", timestamp=10 + i))
    m.apply(my_order("open-new", "wait", timestamp=100))
    uuids = [m._rows[r].event.uuid for r in range(m.rowCount())]
    # Newest first by the shown Time, open or not; only the oldest closed rows are dropped.
    assert uuids == ["open-new", "c3", "c2", "open-old"]
    assert m.row_of("c0") is None
    times = [_text(m, r, OrderCol.TIME) for r in range(m.rowCount())]
    assert times == sorted(times, reverse=True)
    # A later message (a fill of the old order) does not move its row: the Time column stays ordered.
    m.apply(my_order("open-old", "trade", executed="0.05", remaining="0.05", trade_uuid="t", timestamp=200))
    assert [m._rows[r].event.uuid for r in range(m.rowCount())][-1] == "open-old"
    # Open orders are bold (visible when the State column is off-screen), closed ones are not.
    assert m.data(m.index(0, OrderCol.MARKET), Qt.ItemDataRole.FontRole).bold()
    assert m.data(m.index(1, OrderCol.MARKET), Qt.ItemDataRole.FontRole) is None
    assert _text(m, 0, OrderCol.MARKET) == "BTC/KRW"  # the app's one market-name form


def test_fills_dedupe_and_order(qtmodeltester) -> None:
    f = MyFillsModel(max_rows=3)
    f.apply(my_order("o-1", "wait"))  # not a fill
    assert f.rowCount() == 0
    fill = my_order("o-1", "trade", price="1000", volume="2", trade_uuid="t-1", trade_timestamp=5)
    f.apply(fill)
    f.apply(fill)  # same fill resent after a reconnect
    assert f.rowCount() == 1
    assert _text(f, 0, 4) == "1,000" and _text(f, 0, 5) == "2.000" and _text(f, 0, 6) == "2,000"
    for i in range(2, 6):
        f.apply(my_order("o-1", "trade", trade_uuid=f"t-{i}", trade_timestamp=5 + i))
    assert [e.trade_uuid for e in f.fills()] == ["t-5", "t-4", "t-3"]
    qtmodeltester.check(f)


def test_assets_merge_value_and_refresh(qtmodeltester) -> None:
    prices = {"BTC": 50_000_000.0}
    m = MyAssetsModel(price_of=prices.get)
    m.apply(my_asset(("KRW", "1000000", "0"), ("BTC", "0.5", "0.1"), ("XRP", "10", "0"), ts=1))
    assert m.rowCount() == 3
    assert _text(m, 0, AssetCol.CURRENCY) == "BTC"  # largest value first
    assert m.value_krw("BTC") == 30_000_000.0
    assert m.value_krw("XRP") is None and _text(m, 2, AssetCol.VALUE) == "-"
    assert m.total_krw() == (31_000_000.0, 1)
    # Partial update: only BTC changed; KRW and XRP stay.
    m.apply(my_asset(("BTC", "0.6", "0"), ts=2))
    assert m.balance("BTC").balance == Decimal("0.6") and m.balance("KRW") is not None
    # Live price moves: refresh signals the value cells.
    changed: list[tuple[int, int]] = []
    m.dataChanged.connect(lambda a, b: changed.append((a.row(), a.column())))
    prices["BTC"] = 60_000_000.0
    prices["XRP"] = 800.0
    assert m.refresh_prices()
    assert len(changed) == 2 and all(col == AssetCol.PRICE for _, col in changed)
    assert not m.refresh_prices()
    # Zero balance and zero locked: the currency disappears; older messages are ignored.
    m.apply(my_asset(("XRP", "0", "0"), ts=3))
    m.apply(my_asset(("XRP", "99", "0"), ts=2))
    assert m.balance("XRP") is None and m.rowCount() == 2
    qtmodeltester.check(m)
