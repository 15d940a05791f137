"""Trades, own orders and asset snapshots: idempotent writes from stream events, simple reads.

Every writer here can be replayed with the same events without creating duplicates: trades are
keyed by (venue, code, sequential_id), order state transitions by (venue, uuid, timestamp, state,
trade_uuid), asset snapshots by (venue, asset_uuid, currency). ``my_orders`` keeps one row per
(venue, uuid) and only moves forward in time (an older replayed event does not overwrite a newer
state). Every function takes ``venue`` (default Upbit): events do not say which exchange sent them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from upbit_monitor.protocol.events import MyAsset, MyOrder, Trade
from upbit_monitor.storage.schema import (
    DEFAULT_VENUE,
    AssetSnapshot,
    BookSnapshotRecord,
    CandleCoverage,
    CandleRecord,
    MyOrderRecord,
    MyOrderState,
    TradeRecord,
)
from upbit_monitor.storage.upsert import dedupe, insert_ignore, table, upsert

TRADE_KEYS = ("venue", "code", "sequential_id")
ORDER_KEYS = ("venue", "uuid")
ORDER_STATE_KEYS = ("venue", "uuid", "timestamp", "state", "trade_uuid")
ASSET_KEYS = ("venue", "asset_uuid", "currency")


def trade_row(t: Trade, venue: str = DEFAULT_VENUE) -> dict[str, Any]:
    """A ``trades`` row from a :class:`Trade` event of ``venue``."""
    return {
        "venue": venue,
        "code": t.code,
        "sequential_id": t.sequential_id,
        "price": t.trade_price,
        "volume": t.trade_volume,
        "ask_bid": t.ask_bid,
        "trade_timestamp": t.trade_timestamp,
    }


def insert_trades(session: Session, trades: Iterable[Trade], venue: str = DEFAULT_VENUE) -> int:
    """Record trades; ones already stored (same venue, code and sequential_id) are skipped."""
    rows = dedupe([trade_row(t, venue) for t in trades], TRADE_KEYS)
    return insert_ignore(session, table("trades"), rows, TRADE_KEYS)


def load_trades(
    session: Session, code: str, start_ms: int, end_ms: int, venue: str = DEFAULT_VENUE
) -> list[TradeRecord]:
    """Recorded trades of *code* with ``start_ms <= trade_timestamp <= end_ms``, oldest first."""
    stmt = (
        select(TradeRecord)
        .where(
            TradeRecord.venue == venue,
            TradeRecord.code == code,
            TradeRecord.trade_timestamp >= start_ms,
            TradeRecord.trade_timestamp <= end_ms,
        )
        .order_by(TradeRecord.trade_timestamp, TradeRecord.sequential_id)
    )
    return list(session.scalars(stmt))


def _order_row(o: MyOrder, venue: str) -> dict[str, Any]:
    return {
        "venue": venue,
        "uuid": o.uuid,
        "code": o.code,
        "ask_bid": o.ask_bid,
        "order_type": o.order_type,
        "state": o.state,
        "price": o.price,
        "avg_price": o.avg_price,
        "volume": o.volume,
        "remaining_volume": o.remaining_volume,
        "executed_volume": o.executed_volume,
        "trades_count": o.trades_count,
        "paid_fee": o.paid_fee,
        "executed_funds": o.executed_funds,
        "identifier": o.identifier,
        "order_timestamp": o.order_timestamp,
        "timestamp": o.timestamp,
    }


def _state_row(o: MyOrder, venue: str) -> dict[str, Any]:
    return {
        "venue": venue,
        "uuid": o.uuid,
        "state": o.state,
        "trade_uuid": o.trade_uuid or "",
        "executed_volume": o.executed_volume,
        "remaining_volume": o.remaining_volume,
        "trade_fee": o.trade_fee,
        "timestamp": o.timestamp,
    }


def record_my_orders(session: Session, orders: Iterable[MyOrder], venue: str = DEFAULT_VENUE) -> int:
    """Apply ``myOrder`` events: newest state per uuid in ``my_orders``, every transition kept.

    Idempotent: replaying the same events changes nothing. Returns the number of events applied.
    """
    events = sorted(orders, key=lambda o: o.timestamp)  # within a batch the newest must win
    if not events:
        return 0
    current = dedupe([_order_row(o, venue) for o in events], ORDER_KEYS)
    upsert(session, table("my_orders"), current, ORDER_KEYS, newer_than="timestamp")
    states = dedupe([_state_row(o, venue) for o in events], ORDER_STATE_KEYS)
    insert_ignore(session, table("my_order_states"), states, ORDER_STATE_KEYS)
    return len(events)


def get_order(session: Session, uuid: str, venue: str = DEFAULT_VENUE) -> MyOrderRecord | None:
    """The latest stored state of order *uuid* on *venue*."""
    return session.get(MyOrderRecord, (venue, uuid))


def order_history(session: Session, uuid: str, venue: str = DEFAULT_VENUE) -> list[MyOrderState]:
    """Every stored transition of order *uuid* on *venue*, oldest first."""
    stmt = (
        select(MyOrderState)
        .where(MyOrderState.venue == venue, MyOrderState.uuid == uuid)
        .order_by(MyOrderState.timestamp, MyOrderState.id)
    )
    return list(session.scalars(stmt))


def record_assets(session: Session, assets: Iterable[MyAsset], venue: str = DEFAULT_VENUE) -> int:
    """Store each ``myAsset`` message as one snapshot row per currency (idempotent)."""
    rows = [
        {
            "venue": venue,
            "asset_uuid": a.asset_uuid,
            "currency": b.currency,
            "balance": b.balance,
            "locked": b.locked,
            "asset_timestamp": a.asset_timestamp,
        }
        for a in assets
        for b in a.assets
    ]
    return insert_ignore(session, table("asset_snapshots"), dedupe(rows, ASSET_KEYS), ASSET_KEYS)


def latest_balances(session: Session, venue: str = DEFAULT_VENUE) -> dict[str, AssetSnapshot]:
    """The newest stored snapshot row per currency on *venue*."""
    stmt = (select(AssetSnapshot).where(AssetSnapshot.venue == venue)
            .order_by(AssetSnapshot.asset_timestamp, AssetSnapshot.id))
    return {row.currency: row for row in session.scalars(stmt)}


MARKET_DATA = (CandleRecord, CandleCoverage, TradeRecord, BookSnapshotRecord)
"""What the stream writer and the chart store about the market itself (not the user's alerts, orders or
notices)."""


def clear_market_data(session: Session) -> int:
    """Delete every row of :data:`MARKET_DATA`; returns how many rows went.

    For the demo database only: each demo run's simulator invents its market anew (its own past and its
    own walk), so bars an earlier run stored would be shown DB-first beside this run's, with a step where
    one run's prices end and the other's begin.
    """
    return sum(int(getattr(session.execute(delete(model)), "rowcount", 0) or 0) for model in MARKET_DATA)
