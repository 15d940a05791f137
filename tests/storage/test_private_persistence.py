"""Order and asset events go through the storage StreamWriter idempotently (same event twice = one row)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.features.private.helpers import my_asset, my_order
from upbit_monitor.storage import DbContext, StreamWriter, get_order, latest_balances, order_history
from upbit_monitor.storage.schema import AssetSnapshot, MyOrderRecord, MyOrderState

# Wire timestamps must be real times: the parser rejects anything before 2017.
T1, T2, T3 = 1_700_000_001_000, 1_700_000_002_000, 1_700_000_003_000


def _count(db: DbContext, model: type) -> int:
    return db.run(lambda s: s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.mark.asyncio
async def test_private_events_are_idempotent(tmp_path) -> None:
    db_file = tmp_path / "private.db"
    db = DbContext.open(f"sqlite:///{db_file}")
    writer = StreamWriter(db, interval=0.05)
    await writer.start()
    try:
        placed = my_order("o-1", "wait", timestamp=T1)
        fill = my_order("o-1", "trade", price="49990000", volume="0.04", executed="0.04",
                        remaining="0.06", trade_uuid="t-1", timestamp=T2, trade_timestamp=T2)
        balances = my_asset(("KRW", "1000000", "0"), ("BTC", "0.04", "0"), asset_uuid="a-1", ts=T2)
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


@pytest.mark.asyncio
async def test_private_stream_persisted_end_to_end_without_secret(tmp_path) -> None:
    """myOrder/myAsset from the simulator's private socket -> manager listener -> StreamWriter -> DB;
    the same frames resent (e.g. after a reconnect) add no rows, and the DB never holds the secret."""
    from tests.features.private.env import Sink, feed_env, valid_creds, wait_until
    from tests.features.private.helpers import SECRET
    from upbit_monitor.features.private.feed import PrivateState
    from upbit_monitor.protocol.subscriptions import SubscriptionSpec

    db_file = tmp_path / "e2e.db"
    db = DbContext.open(f"sqlite:///{db_file}")
    writer = StreamWriter(db, interval=0.05)
    await writer.start()
    try:
        async with feed_env(valid_creds()) as (sim, mgr, h):
            unsubscribe = mgr.add_listener(writer.on_event, types=writer.types)
            sink = Sink()
            await h.feed.start()
            h.feed.attach(sink, [SubscriptionSpec("myOrder"), SubscriptionSpec("myAsset")], sink.on_event)
            await h.wait_state(PrivateState.CONNECTED)
            index = sim.feed.index
            await wait_until(lambda: index.get(("myOrder", "*")) and index.get(("myAsset", "*")))
            events = [
                ("myOrder", my_order("o-9", "wait", timestamp=T1)),
                ("myOrder", my_order("o-9", "trade", executed="0.1", remaining="0", trade_uuid="t-9",
                                     timestamp=T2, trade_timestamp=T2)),
                ("myAsset", my_asset(("KRW", "5", "0"), ("BTC", "0.1", "0"), asset_uuid="a-9", ts=T2)),
            ]
            for _round in range(2):
                for key, event in events:
                    sim.feed.send(tuple(index[(key, "*")]), event)
            await wait_until(lambda: len(sink.events) == 6)
            unsubscribe()
        assert await writer.flush()
    finally:
        await writer.stop()
    assert _count(db, MyOrderRecord) == 1
    assert _count(db, MyOrderState) == 2
    assert _count(db, AssetSnapshot) == 2
    db.close()
    files = [f for f in tmp_path.iterdir() if f.name.startswith(db_file.name)]  # the DB plus any -wal/-shm
    assert db_file in files
    for f in files:
        assert SECRET.encode() not in f.read_bytes()
