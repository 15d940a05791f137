"""Trades, own orders, asset snapshots, markets and settings: idempotent writes, exact decimals."""

from __future__ import annotations

from decimal import Decimal

from upbit_monitor.models import MarketInfo
from upbit_monitor.storage import (
    DbContext,
    get_order,
    get_setting,
    insert_trades,
    latest_balances,
    load_markets,
    load_trades,
    order_history,
    record_assets,
    record_my_orders,
    set_setting,
    upsert_markets,
)

from .factories import make_asset, make_order, make_trade

T0 = 1_704_067_200_000


def test_trades_are_unique_per_sequential_id(db: DbContext) -> None:
    trades = [make_trade(seq) for seq in range(1, 6)]
    db.run(insert_trades, trades)
    db.run(insert_trades, [*trades, make_trade(3), make_trade(6)])  # replay + one new
    stored = db.run(load_trades, "KRW-BTC", T0, T0 + 100)
    assert [t.sequential_id for t in stored] == [1, 2, 3, 4, 5, 6]
    # The same number on another market is another fill.
    db.run(insert_trades, [make_trade(1, code="KRW-ETH")])
    assert len(db.run(load_trades, "KRW-ETH", T0, T0 + 100)) == 1


def test_my_orders_keep_transitions_and_are_idempotent(db: DbContext) -> None:
    events = [
        make_order("o-1", "wait", T0),
        make_order("o-1", "trade", T0 + 10, executed="0.5", trade_uuid="t-1"),
        make_order("o-1", "trade", T0 + 20, executed="1.5", trade_uuid="t-2"),
        make_order("o-1", "done", T0 + 20, executed="1.5"),
    ]
    assert db.run(record_my_orders, events) == 4
    db.run(record_my_orders, events)  # replay: nothing new
    order = db.run(get_order, "o-1")
    assert order is not None
    assert (order.state, order.executed_volume, order.timestamp) == ("done", Decimal("1.5"), T0 + 20)
    history = db.run(order_history, "o-1")
    assert [(h.state, h.trade_uuid) for h in history] == [
        ("wait", ""), ("trade", "t-1"), ("trade", "t-2"), ("done", ""),
    ]


def test_my_orders_do_not_regress_on_an_older_event(db: DbContext) -> None:
    db.run(record_my_orders, [make_order("o-2", "done", T0 + 50, executed="1.5")])
    db.run(record_my_orders, [make_order("o-2", "wait", T0)])  # late, older event
    order = db.run(get_order, "o-2")
    assert order is not None and order.state == "done"
    assert [h.state for h in db.run(order_history, "o-2")] == ["wait", "done"]


def test_asset_snapshots_are_exact_and_idempotent(db: DbContext) -> None:
    db.run(record_assets, [make_asset("a-1", T0)])
    db.run(record_assets, [make_asset("a-1", T0)])
    db.run(record_assets, [make_asset("a-2", T0 + 5, krw="5.000000000000000001")])
    balances = db.run(latest_balances)
    assert balances["KRW"].balance == Decimal("5.000000000000000001")  # beyond double precision
    assert balances["BTC"].balance == Decimal("0.00000001")

    def count(session: object) -> int:
        from sqlalchemy import func, select

        from upbit_monitor.storage.schema import AssetSnapshot

        return int(session.scalar(select(func.count()).select_from(AssetSnapshot)))  # type: ignore[attr-defined]

    assert db.run(count) == 4


def test_markets_and_settings_round_trip(db: DbContext) -> None:
    db.run(upsert_markets, [MarketInfo("KRW-BTC", "비트코인", "Bitcoin")])
    db.run(upsert_markets, [MarketInfo("KRW-BTC", "비트코인", "Bitcoin", True, ("PRICE_FLUCTUATIONS",))])
    assert db.run(load_markets) == [
        MarketInfo("KRW-BTC", "비트코인", "Bitcoin", True, ("PRICE_FLUCTUATIONS",))
    ]
    assert db.run(get_setting, "favourites", []) == []
    db.run(set_setting, "favourites", ["KRW-BTC", "KRW-ETH"])
    db.run(set_setting, "favourites", ["KRW-XRP"])
    assert db.run(get_setting, "favourites") == ["KRW-XRP"]
