"""One writer batch: convert events to rows one by one, write them in one transaction.

Conversion is per record (:func:`prepare`), so one event with a malformed field (a null candle
time, a dict where a string belongs) is rejected on its own before any database work. The prepared
rows of a batch are written by :func:`write_prepared` inside the caller's single transaction; the
writer falls back to one transaction per record when a batch fails on a data error, so only the
offending record is lost (see :mod:`upbit_monitor.storage.writer`).

Stream candles are stored *provisional*: a live candle only shows the trades seen so far, and after
a restart or an outage it would otherwise be trusted as complete. The chart history refetches
provisional candles over REST, which stores them complete once their interval has closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from upbit_monitor.protocol.events import Candle, Event, MyAsset, MyOrder, Trade
from upbit_monitor.storage.candles import CandleRow, upsert_candles
from upbit_monitor.storage.records import insert_trades, record_assets, record_my_orders

OWN_TYPES = frozenset({"myOrder", "myAsset"})
"""Own-account event types: never dropped by the writer, whatever the bound."""

Entry = tuple[str, Event]
"""(venue, event): what the writer queues; the venue is part of every row's key."""
Prepared = tuple[Entry, Any]
"""(the entry, what the repository function takes for it)."""


def is_own(entry: Entry) -> bool:
    """An own-account event (never dropped)."""
    return entry[1].type in OWN_TYPES


def prepare(entry: Entry) -> Prepared:
    """Convert one event for writing. Raises (StorageError, TypeError, ValueError...) if it is bad.

    Candles become :class:`CandleRow` (time parsed, marked provisional); the other kinds are taken
    as they are by their repository functions, whose conversion is field access only.
    """
    venue, event = entry
    if not isinstance(venue, str):
        raise TypeError(f"venue must be a string, not {type(venue).__name__}")
    if isinstance(event, Candle):
        return entry, CandleRow.from_event(event, venue, provisional=True)
    if isinstance(event, (Trade, MyOrder, MyAsset)):
        return entry, event
    raise TypeError(f"not a stored event type: {type(event).__name__}")


def write_prepared(session: Session, items: Sequence[Prepared]) -> None:
    """Write prepared events by venue and kind, all in the caller's (one) transaction."""
    by_venue: dict[str, list[Prepared]] = {}
    for item in items:
        by_venue.setdefault(item[0][0], []).append(item)
    for venue, group in by_venue.items():
        candles: list[CandleRow] = []
        trades: list[Trade] = []
        orders: list[MyOrder] = []
        assets: list[MyAsset] = []
        for (_, event), value in group:
            if isinstance(value, CandleRow):
                candles.append(value)  # carries its venue
            elif isinstance(event, Trade):
                trades.append(event)
            elif isinstance(event, MyOrder):
                orders.append(event)
            elif isinstance(event, MyAsset):
                assets.append(event)
        upsert_candles(session, candles, venue)
        insert_trades(session, trades, venue)
        record_my_orders(session, orders, venue)
        record_assets(session, assets, venue)


def describe(entry: Entry) -> str:
    """A short label of an entry for error messages (venue, type and market, no payload)."""
    venue, event = entry
    kind = getattr(event, "type", type(event).__name__)
    code = getattr(event, "code", "")
    label = f"{kind} {code}" if isinstance(code, str) and code else str(kind)
    return f"{venue} {label}"[:60]
