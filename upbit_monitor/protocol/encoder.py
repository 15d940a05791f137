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
from msgspec.structs import astuple

from upbit_monitor.errors import LocalProtocolError
from upbit_monitor.protocol import keys
from upbit_monitor.protocol.events import (
    DelistingDate,
    Event,
    ServerError,
    StatusUp,
    SubscriptionList,
    UnknownMessage,
    event_class,
)
from upbit_monitor.protocol.wire import UPBIT_WIRE_TYPES, WireType

Wire = dict[str, object]

# Legacy ticker fields Upbit no longer sends: omitted when None, so frames look like today's.
_DROP_IF_NONE = frozenset({"trade_status", "market_state_for_ios", "ts", "msfi"})


def _value(value: object) -> object:
    if isinstance(value, DelistingDate):
        return {"year": value.year, "month": value.month, "day": value.day}
    return value


def _struct(wt: WireType) -> Callable[[Any, bool], Wire]:
    names = (wt.keys(False), wt.keys(True))
    fields = [d for d, _ in wt.table]
    nested = [(i, name, _struct(wt.nested[name])) for i, name in enumerate(fields) if name in wt.nested]

    # Keyed maps (an indicator's params/value) get their own SIMPLE keys; indicator values are decimal
    # *strings* on the wire (protocol-2026.md).
    maps = [(fields.index(name), {d: s for d, s in table}) for name, table in wt.keyed_maps.items()]
    strings = fields.index("value") if "value" in wt.keyed_maps else None

    def enc(event: Any, simple: bool) -> Wire:
        # zip stops at the shorter side, which drops the trailing ``epoch`` field.
        values = list(astuple(event))
        for i, _, unit_enc in nested:
            inner = values[i]
            values[i] = (
                [unit_enc(u, simple) for u in inner] if isinstance(inner, tuple) else unit_enc(inner, simple)
            )
        if strings is not None:
            decimals = cast(dict[str, Decimal], values[strings])
            values[strings] = {k: format(v, "f") for k, v in decimals.items()}
        if simple:
            for i, table in maps:
                values[i] = {table.get(k, k): v for k, v in cast(dict[str, object], values[i]).items()}
        out: Wire = dict(zip(names[simple], map(_value, values), strict=False))
        for k in _DROP_IF_NONE.intersection(out):
            if out[k] is None:
                del out[k]
        return out

    return enc


def _subscription_list(event: Any, simple: bool) -> Wire:
    m, r, t = (s if simple else d for d, s in keys.LIST_SUBSCRIPTIONS)
    ty, cds, lv = (s if simple else d for d, s in keys.SUBSCRIPTION_ENTRY)
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
    **{wt.cls: _struct(wt) for wt in UPBIT_WIRE_TYPES},
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
    enc = _ENCODERS.get(event_class(event))
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
    if not isinstance(events, Sequence):
        seq: Sequence[Event] = [events]  # a single event
    else:
        seq = events
    if fmt not in keys.FORMATS:
        raise LocalProtocolError(f"unknown format {fmt!r}")
    if fmt in keys.LIST_FORMATS:
        if not seq:
            raise LocalProtocolError("a list frame needs at least one event")
        return dumps([encode(e, fmt) for e in seq])
    if len(seq) != 1:
        raise LocalProtocolError(f"{fmt} frames hold exactly one event, got {len(seq)}")
    return dumps(encode(seq[0], fmt))
