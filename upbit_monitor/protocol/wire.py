"""Wire schemas: how one event class is read from one venue's frames, in both key styles.

A :class:`WireType` ties a public event class (:mod:`.events`) to its key table (:mod:`.keys`), the
wire tags it answers to (``ticker``; the nine ``candle.*`` types), the fields the server may leave
out, and nested object tables. :func:`decode_classes` turns it into msgspec Struct subclasses, one per
(key style, tag), that msgspec decodes straight from bytes: ``rename`` maps the DEFAULT or SIMPLE keys,
``tag_field``/``tag`` make them members of a tagged union on ``type``/``ty``, and the ``Meta``
constraints of the public class are enforced during decoding.

The subclasses keep the public class's fields (``type`` and ``epoch`` are defaults the parser fills in
and checks), so a decoded ticker *is a* :class:`~.events.Ticker`. A venue with different wire names for
a type supplies its own :class:`WireType` (e.g. Bithumb's myOrder v2 with its own Struct, normalised by
the venue module afterwards); see :class:`upbit_monitor.protocol.parser.Parser`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from upbit_monitor.protocol import keys
from upbit_monitor.protocol.events import (
    CANDLE_TYPES,
    Announcement,
    AssetBalance,
    Candle,
    Indicator,
    IndicatorSignal,
    Level,
    MyAsset,
    MyOrder,
    Orderbook,
    OrderbookUnit,
    Ticker,
    Trade,
)

# Wire keys for the two fields that never come from the server. They must be valid msgspec names; a
# hostile frame could still send them, so the parser overwrites ``epoch`` and checks ``type``.
_OWN_KEYS = {"type": "~type", "epoch": "~epoch"}


@dataclass(frozen=True, slots=True)
class WireType:
    """One event class as a venue sends it.

    Attributes:
        cls: the public event class (its annotations carry the value rules).
        table: ``(DEFAULT key, SIMPLE key)`` per field in field order (``epoch`` excluded).
        tags: the wire ``type`` values that decode into ``cls``.
        optional: fields the server may leave out, with the value they then take.
        nested: field name -> wire type of the objects in that list field (orderbook units, assets).
        wire_annotations: field name -> a wider type accepted on the wire and normalised by the parser
            (orderbook ``level`` may be a decimal string).
        keyed_maps: field name -> the key table of that JSON object's own keys (an indicator's
            ``params`` and ``value``, abbreviated in SIMPLE frames); the parser renames them to the
            DEFAULT names after decoding, the encoder back.
        name: the type name used in counters and rejection reasons (``ticker``, ``candle``).
    """

    cls: type
    table: keys.KeyTable
    tags: tuple[str, ...]
    name: str
    optional: Mapping[str, Any] = field(default_factory=dict)
    nested: Mapping[str, WireType] = field(default_factory=dict)
    wire_annotations: Mapping[str, Any] = field(default_factory=dict)
    keyed_maps: Mapping[str, keys.KeyTable] = field(default_factory=dict)

    def keys(self, simple: bool) -> tuple[str, ...]:
        """The wire keys in field order for one key style."""
        return tuple(s if simple else d for d, s in self.table)

    def field_of(self, key: str) -> str:
        """The field (DEFAULT) name of a wire key of either style (the key itself if unknown)."""
        for d, s in self.table:
            if key in (d, s):
                return d
        return key


def _fields(wt: WireType, simple: bool, tag: str | None, strict: bool) -> list[tuple[Any, ...]]:
    info = {f.name: f for f in msgspec.structs.fields(wt.cls)}
    if [d for d, _ in wt.table] != [n for n in info if n != "epoch"]:
        raise AssertionError(f"key table out of step with {wt.cls.__name__}")
    out: list[tuple[Any, ...]] = []
    for name, f in info.items():
        annotation = wt.wire_annotations.get(name, f.type)
        if name in wt.nested:
            unit = decode_class(wt.nested[name], simple, None, strict)
            is_list = getattr(f.type, "__origin__", None) is tuple
            annotation = tuple[unit, ...] if is_list else unit  # type: ignore[valid-type]
        if name == "type" and tag is not None:
            out.append((name, str, tag))
        elif name == "epoch" and tag is not None:
            out.append((name, int, 0))
        elif name in wt.optional:
            out.append((name, annotation, wt.optional[name]))
        elif f.default is not msgspec.NODEFAULT:
            out.append((name, annotation, f.default))
        else:
            out.append((name, annotation))
    return out


_CACHE: dict[tuple[int, bool, str | None, bool], type] = {}


def decode_class(wt: WireType, simple: bool, tag: str | None, strict: bool = True) -> type:
    """The msgspec class that decodes ``wt`` in one key style (cached).

    Args:
        wt: the wire type.
        simple: SIMPLE keys (``ty``, ``tp``, ...) rather than DEFAULT ones.
        tag: the wire ``type`` value (None for nested objects, which carry no type).
        strict: unknown fields fail the decode (the parser then takes its slow path, which counts
            them and decodes with ``strict=False``).
    """
    key = (id(wt), simple, tag, strict)
    cls = _CACHE.get(key)
    if cls is not None:
        return cls
    rename = {d: s if simple else d for d, s in wt.table}
    rename.update((k, v) for k, v in _OWN_KEYS.items() if tag is not None)
    tag_kwargs: dict[str, Any] = {}
    if tag is not None:
        tag_kwargs = {"tag_field": "ty" if simple else "type", "tag": tag}
    cls = msgspec.defstruct(
        wt.cls.__name__,
        _fields(wt, simple, tag, strict),
        bases=(wt.cls,),
        namespace={"_wire": True, "__module__": wt.cls.__module__},
        kw_only=True,  # the wire order of optional and required fields differs from the public one
        rename=rename,
        forbid_unknown_fields=strict,
        frozen=True,
        gc=False,
        **tag_kwargs,
    )
    _CACHE[key] = cls
    return cls


def decode_classes(wt: WireType, simple: bool, strict: bool = True) -> dict[str, type]:
    """Tag -> decode class of ``wt`` for one key style."""
    return {tag: decode_class(wt, simple, tag, strict) for tag in wt.tags}


ORDERBOOK_UNIT = WireType(OrderbookUnit, keys.ORDERBOOK_UNIT, (), "orderbook_unit")
ASSET_BALANCE = WireType(AssetBalance, keys.ASSET_BALANCE, (), "asset")

_MY_ORDER_NULLABLE = (
    "trade_uuid", "price", "avg_price", "volume", "remaining_volume", "executed_volume",
    "reserved_fee", "remaining_fee", "paid_fee", "locked", "executed_funds", "time_in_force",
    "trade_fee", "is_maker", "identifier", "smp_type", "prevented_volume", "prevented_locked",
    "trade_timestamp", "order_timestamp",
)  # fmt: skip

TICKER = WireType(
    Ticker,
    keys.TICKER,
    ("ticker",),
    "ticker",
    optional=dict.fromkeys(
        ("is_trading_suspended", "delisting_date", "market_warning", "trade_status", "market_state_for_ios")
    ),
)
TRADE = WireType(
    Trade,
    keys.TRADE,
    ("trade",),
    "trade",
    optional=dict.fromkeys(("best_ask_price", "best_ask_size", "best_bid_price", "best_bid_size")),
)
ORDERBOOK = WireType(
    Orderbook,
    keys.ORDERBOOK,
    ("orderbook",),
    "orderbook",
    optional={"level": 0.0},
    nested={"orderbook_units": ORDERBOOK_UNIT},
    # protocol-2026.md: ``level`` is a decimal string in the SDK ("10000"); numbers still arrive too.
    wire_annotations={"level": Level | str},
)
CANDLE = WireType(Candle, keys.CANDLE, CANDLE_TYPES, "candle")
MY_ORDER = WireType(
    MyOrder,
    keys.MY_ORDER,
    ("myOrder",),
    "myOrder",
    # Everything that is null for some order type or state may also be left out.
    optional=dict.fromkeys(_MY_ORDER_NULLABLE),
)
MY_ASSET = WireType(MyAsset, keys.MY_ASSET, ("myAsset",), "myAsset", nested={"assets": ASSET_BALANCE})
ANNOUNCEMENT = WireType(
    Announcement,
    keys.ANNOUNCEMENT,
    ("announcement",),
    "announcement",
    optional=dict.fromkeys(("body", "url", "listed_at", "first_listed_at")),
)
INDICATOR = WireType(
    Indicator,
    keys.INDICATOR,
    ("indicator",),
    "indicator",
    keyed_maps={"params": keys.INDICATOR_PARAMS, "value": keys.INDICATOR_VALUES},
)
INDICATOR_SIGNAL = WireType(
    IndicatorSignal,
    keys.INDICATOR_SIGNAL,
    ("indicator_signal",),
    "indicator_signal",
    # The SDK declares event_params on every signal; a server that leaves an empty one out loses nothing.
    optional={"event_params": {}},
    keyed_maps={
        "params": keys.INDICATOR_PARAMS,
        "event_params": keys.INDICATOR_EVENT_PARAMS,
        "value": keys.INDICATOR_VALUES,
    },
)

UPBIT_WIRE_TYPES: tuple[WireType, ...] = (
    TICKER,
    TRADE,
    ORDERBOOK,
    CANDLE,
    MY_ORDER,
    MY_ASSET,
    ANNOUNCEMENT,
    INDICATOR,
    INDICATOR_SIGNAL,
)
"""Every type Upbit sends on its public, private and info endpoints."""
