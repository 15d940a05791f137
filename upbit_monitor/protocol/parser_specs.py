"""Precomputed per-message parsing specs, built once at import from :mod:`keys` and :mod:`events`.

Each :class:`MessageSpec` holds what the parser's hot path needs for one message type in one key
style: the event class, the wire keys in field order, ``operator.itemgetter`` callables that pull
every value in one C call, expected key counts, and defaults for fields the server may omit. The
tables are checked against the event classes here, so a field added to an event without a key (or
the other way round) fails at import, not silently at runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Any

from upbit_monitor.protocol import keys
from upbit_monitor.protocol.events import (
    CANDLE_TYPES,
    AssetBalance,
    Candle,
    MyAsset,
    MyOrder,
    Orderbook,
    OrderbookUnit,
    Ticker,
    Trade,
)

# Fields whose absence makes a message meaningless: it cannot be routed without them.
_KEY_FIELDS = frozenset({"type", "code"})


# How often (in messages per spec) the getters re-learn orjson's key objects; see learn_keys.
RELEARN_EVERY = 1024


@dataclass(slots=True, eq=False)
class MessageSpec:
    """How to build one event class from one key style (DEFAULT or SIMPLE).

    Everything is fixed at import except the two getters and ``budget``, which
    :meth:`learn_keys` refreshes (a speed-only cache: results never depend on it).
    """

    cls: type
    type_name: str
    keys: tuple[str, ...]
    key_set: frozenset[str]
    n_all: int
    n_required: int
    get_all: Callable[[Any], tuple[Any, ...]]
    get_required: Callable[[Any], tuple[Any, ...]]
    optional_defaults: tuple[Any, ...]
    optional_keys: frozenset[str]
    fields: tuple[tuple[str, Any, bool], ...]
    """``(wire key, default, is key field)`` per field, for the slow path."""
    has_code: bool
    nested: tuple[int, MessageSpec] | None
    nested_name: str
    private: bool
    decimal_mask: tuple[bool, ...]
    make: Callable[[Any], Any]
    """``tuple.__new__`` bound to :attr:`cls`: builds the event from a tuple of values in C."""
    budget: int = 0

    def learn_keys(self, obj: dict[str, Any]) -> None:
        """Rebuild the getters from the key *objects* of a message that just parsed cleanly.

        orjson keeps a cache of key strings and hands out the same ``str`` objects for repeated
        keys, and a dict lookup whose key is the very object stored in the dict skips the string
        comparison. Looking up with orjson's own key objects makes a 33-key ticker lookup about
        2.4x faster (0.25 vs 0.6 us). The cache can evict keys, so this is re-learned every
        ``RELEARN_EVERY`` messages; with stale objects lookups are merely slower, never wrong.
        """
        self.budget = RELEARN_EVERY
        own = {k: k for k in obj}
        wire = tuple(own.get(k, k) for k in self.keys)
        self.get_all = itemgetter(*wire)
        self.get_required = itemgetter(*wire[: self.n_required])
        if self.nested is not None:
            i, unit = self.nested
            units = obj.get(wire[i])
            if type(units) is list and units and type(units[0]) is dict:
                unit.learn_keys(units[0])


def _build(
    cls: type,
    table: keys.KeyTable,
    simple: bool,
    *,
    type_name: str,
    nested: tuple[str, MessageSpec] | None = None,
    private: bool = False,
) -> MessageSpec:
    field_names = [f for f in cls._fields if f != "epoch"]  # type: ignore[attr-defined]
    if field_names != [d for d, _ in table]:
        raise AssertionError(f"key table out of step with {cls.__name__}")
    wire = tuple(s if simple else d for d, s in table)
    defaults: dict[str, Any] = cls._field_defaults  # type: ignore[attr-defined]
    optional = [f for f in field_names if f in defaults]
    n_required = len(field_names) - len(optional)
    if field_names[n_required:] != optional:
        raise AssertionError(f"{cls.__name__}: fields with defaults must come last")
    annotations: dict[str, str] = cls.__annotations__
    nested_index: tuple[int, MessageSpec] | None = None
    nested_name = ""
    if nested is not None:
        nested_name, unit = nested
        nested_index = (field_names.index(nested_name), unit)
    return MessageSpec(
        cls=cls,
        type_name=type_name,
        keys=wire,
        key_set=frozenset(wire),
        n_all=len(wire),
        n_required=n_required,
        get_all=itemgetter(*wire),
        get_required=itemgetter(*wire[:n_required]),
        optional_defaults=tuple(defaults[f] for f in optional),
        optional_keys=frozenset(wire[n_required:]),
        fields=tuple(
            (w, defaults.get(f), f in _KEY_FIELDS) for f, w in zip(field_names, wire, strict=True)
        ),
        has_code="code" in field_names,
        nested=nested_index,
        nested_name=nested_name,
        private=private,
        decimal_mask=tuple("Decimal" in str(annotations[f]) for f in field_names),
        make=partial(tuple.__new__, cls),
    )


def _specs(simple: bool) -> dict[str, MessageSpec]:
    unit = _build(OrderbookUnit, keys.ORDERBOOK_UNIT, simple, type_name="orderbook_unit")
    balance = _build(AssetBalance, keys.ASSET_BALANCE, simple, type_name="asset")
    candle = _build(Candle, keys.CANDLE, simple, type_name="candle")
    specs = {
        "ticker": _build(Ticker, keys.TICKER, simple, type_name="ticker"),
        "trade": _build(Trade, keys.TRADE, simple, type_name="trade"),
        "orderbook": _build(
            Orderbook, keys.ORDERBOOK, simple, type_name="orderbook", nested=("orderbook_units", unit)
        ),
        "myOrder": _build(MyOrder, keys.MY_ORDER, simple, type_name="myOrder", private=True),
        "myAsset": _build(
            MyAsset, keys.MY_ASSET, simple, type_name="myAsset", nested=("assets", balance), private=True
        ),
    }
    specs.update(dict.fromkeys(CANDLE_TYPES, candle))
    return specs


DEFAULT_SPECS: dict[str, MessageSpec] = _specs(simple=False)
"""Message type -> spec for objects with DEFAULT (long) keys."""
SIMPLE_SPECS: dict[str, MessageSpec] = _specs(simple=True)
"""Message type -> spec for objects with SIMPLE (short) keys."""


def to_decimal(value: Any) -> Decimal | None:
    """An exact ``Decimal`` for a JSON amount (``None`` stays ``None``).

    Raises:
        TypeError: the value is not a number (or numeric string).
        decimal.InvalidOperation: a string that is not a number.
    """
    kind = type(value)
    if value is None or kind is Decimal:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return Decimal(value)
    if kind is float:
        # Only reached when the exact re-decode failed; repr is the shortest round-trip text.
        return Decimal(repr(value))
    if kind is str:
        return Decimal(value)
    raise TypeError(f"not a number: {value!r}")
