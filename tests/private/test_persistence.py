"""Order and asset events go through the storage StreamWriter idempotently (same event twice = one row)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.private.helpers import my_asset, my_order
from upbit_monitor.storage import DbContext, StreamWriter, get_order, latest_balances, order_history
from upbit_monitor.storage.schema import AssetSnapshot, MyOrderRecord, MyOrderState


def _count(db: DbContext, model: type) -> int:
    return db.run(lambda s: s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.mark.asyncio
async def test_private_events_are_idempotent(tmp_path) -> None:
    db_file = tmp_path / "private.db"
    db = DbContext.open(f"sqlite:///{db_file}")
    writer = StreamWriter(db, interval=0.05)
    await writer.start()
    try:
        placed = my_order("o-1", "wait", timestamp=1000)
        fill = my_order("o-1", "trade", price="49990000", volume="0.04", executed="0.04",
                        remaining="0.06", trade_uuid="t-1", timestamp=2000, trade_timestamp=2000)
        balances = my_asset(("KRW", "1000000", "0"), ("BTC", "0.04", "0"), asset_uuid="a-1", ts=2000)
        for event in (placed, placed, fill, fill, balances, balances):
            writer.on_event(event)
        assert await writer.flush()
        # A replay (e.g. after a reconnect) adds nothing.
        for event in (placed, fill, balances):
            writer.on_event(event)
        assert await writer.flush()
    finally:
        await writer.stop()
    assert _count(db, MyOrderRecord) == 1
    assert _count(db, MyOrderState) == 2  # wait + one fill
    assert _count(db, AssetSnapshot) == 2  # KRW + BTC of one myAsset message
    order = db.run(get_order, "o-1")
    assert order is not None and order.state == "trade" and order.executed_volume == Decimal("0.04")
    assert [h.state for h in db.run(order_history, "o-1")] == ["wait", "trade"]
    assert db.run(latest_balances)["BTC"].balance == Decimal("0.04")
    assert writer.status().failed == 0 and writer.status().dropped == 0
    db.close()
