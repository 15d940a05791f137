"""Events back to wire form: the exact inverse of :mod:`upbit_monitor.protocol.parser`.

Used by the built-in simulator to produce frames Upbit would send, and by tests for round trips
(``parse(encode_frame([e], fmt)) == [e]``). Keys come from :mod:`upbit_monitor.protocol.keys`, so
DEFAULT and SIMPLE stay in one table. ``epoch`` is ours and never encoded.

``Decimal`` values (private messages) are written as exact JSON numbers via ``orjson.Fragment``,
so ``1386929.37231066771348207123`` survives the trip digit for digit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

import orjson

from upbit_monitor.errors import LocalProtocolError
from upbit_monitor.protocol import keys
from upbit_monitor.protocol.events import (
    Candle,
    Event,
    MyAsset,
    MyOrder,
    Orderbook,
    ServerError,
    StatusUp,
    SubscriptionList,
    Ticker,
    Trade,
    UnknownMessage,
)

Wire = dict[str, object]

# Legacy ticker fields Upbit no longer sends: omitted when None, so frames look like today's.
_DROP_IF_NONE = frozenset({"trade_status", "market_state_for_ios", "ts", "msfi"})


def _names(table: keys.KeyTable, simple: bool) -> tuple[str, ...]:
    return tuple(s if simple else d for d, s in table)


def _flat(table: keys.KeyTable) -> Callable[[Any, bool], Wire]:
    names = (_names(table, False), _names(table, True))

    def enc(event: Any, simple: bool) -> Wire:
        # zip stops at the shorter side, which drops the trailing ``epoch`` field.
        out: Wire = dict(zip(names[simple], event, strict=False))
        for k in _DROP_IF_NONE.intersection(out):
            if out[k] is None:
                del out[k]
        return out

    return enc


def _nested(table: keys.KeyTable, field: str, unit_table: keys.KeyTable) -> Callable[[Any, bool], Wire]:
    names = (_names(table, False), _names(table, True))
    unit_names = (_names(unit_table, False), _names(unit_table, True))
    nested_key = (field, dict(table)[field])

    def enc(event: Any, simple: bool) -> Wire:
        out: Wire = dict(zip(names[simple], event, strict=False))
        un = unit_names[simple]
        key = nested_key[simple]
        units = cast(Sequence[tuple[object, ...]], out[key])
        out[key] = [dict(zip(un, unit, strict=True)) for unit in units]
        return out

    return enc


def _subscription_list(event: Any, simple: bool) -> Wire:
    m, r, t = _names(keys.LIST_SUBSCRIPTIONS, simple)
    ty, cds, lv = _names(keys.SUBSCRIPTION_ENTRY, simple)
    entries: list[Wire] = []
    for entry in event.result:
        obj: Wire = {ty: entry.type, cds: list(entry.codes)}
        if entry.level is not None:
            obj[lv] = entry.level
        entries.append(obj)
    out: Wire = {m: "LIST_SUBSCRIPTIONS", r: entries}
    if event.ticket is not None:
        out[t] = event.ticket
    return out


def _status(event: Any, simple: bool) -> Wire:
    return {"status": event.status}


def _error(event: Any, simple: bool) -> Wire:
    return {"error": {"name": event.name, "message": event.message}}


_ENCODERS: dict[type, Callable[[Any, bool], Wire]] = {
    Ticker: _flat(keys.TICKER),
    Trade: _flat(keys.TRADE),
    Candle: _flat(keys.CANDLE),
    MyOrder: _flat(keys.MY_ORDER),
    Orderbook: _nested(keys.ORDERBOOK, "orderbook_units", keys.ORDERBOOK_UNIT),
    MyAsset: _nested(keys.MY_ASSET, "assets", keys.ASSET_BALANCE),
    SubscriptionList: _subscription_list,
    StatusUp: _status,
    ServerError: _error,
}


def encode(event: Event, fmt: str = "DEFAULT") -> Wire:
    """Encode one event as the wire object Upbit sends in format ``fmt`` (no ``epoch``).

    Args:
        event: any event except :class:`UnknownMessage` (it has no wire form of its own).
        fmt: ``DEFAULT``/``JSON_LIST`` give long keys, ``SIMPLE``/``SIMPLE_LIST`` short ones.

    Raises:
        LocalProtocolError: unknown format or an event without a wire form.
    """
    if fmt not in keys.FORMATS:
        raise LocalProtocolError(f"unknown format {fmt!r}")
    enc = _ENCODERS.get(type(event))
    if enc is None:
        what = "UnknownMessage" if isinstance(event, UnknownMessage) else type(event).__name__
        raise LocalProtocolError(f"{what} has no wire form")
    return enc(event, fmt in keys.SIMPLE_FORMATS)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"{value} has no JSON form")
        # Exact digits in plain notation (0.00000001, not 1E-8), as Upbit writes them;
        # float() would round a long balance.
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(obj: object) -> bytes:
    """Serialize a wire object/array compactly (``Decimal`` kept exact).

    Raises:
        LocalProtocolError: a value has no JSON form (non-finite Decimal, foreign object).
    """
    try:
        return orjson.dumps(obj, default=_default)
    except orjson.JSONEncodeError as exc:
        raise LocalProtocolError(f"cannot encode frame: {exc}") from exc


def encode_frame(events: Sequence[Event] | Event, fmt: str = "DEFAULT") -> bytes:
    """Encode a whole frame as Upbit would send it (UTF-8 JSON bytes).

    ``DEFAULT``/``SIMPLE`` frames hold exactly one object; ``JSON_LIST``/``SIMPLE_LIST`` frames are
    a JSON array of one or more objects (Upbit may batch; upbit-protocol.md §2.3).
    A single event may be passed instead of a sequence.

    Raises:
        LocalProtocolError: unknown format, no events, or several events in a non-list format.
    """
    if isinstance(events, tuple) and hasattr(events, "_fields"):
        seq: Sequence[Event] = [cast(Event, events)]  # a single NamedTuple event
    else:
        seq = cast(Sequence[Event], events)
    if fmt not in keys.FORMATS:
        raise LocalProtocolError(f"unknown format {fmt!r}")
    if fmt in keys.LIST_FORMATS:
        if not seq:
            raise LocalProtocolError("a list frame needs at least one event")
        return dumps([encode(e, fmt) for e in seq])
    if len(seq) != 1:
        raise LocalProtocolError(f"{fmt} frames hold exactly one event, got {len(seq)}")
    return dumps(encode(seq[0], fmt))
