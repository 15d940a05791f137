"""An independent check that a produced event obeys its declared types and ranges.

Walks every field of an event (and nested structs) against the annotation of its public class and the
``Meta`` bounds written there, in plain Python, so the fuzz tests do not trust the decoder they test.
"""

from __future__ import annotations

import math
import re
import types
import typing
from decimal import Decimal
from typing import Any

import msgspec

from upbit_monitor.protocol.events import (
    MAX_FUTURE_MS,
    MIN_CANDLE_TIME,
    MIN_TIMESTAMP_MS,
    Orderbook,
    ServerError,
    StatusUp,
    SubscriptionList,
    UnknownMessage,
    event_class,
)

_CANDLE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
_UNTYPED = (StatusUp, ServerError, SubscriptionList, UnknownMessage)


def _fits(value: Any, annotation: Any, where: str) -> None:
    """Assert ``value`` fits ``annotation`` (Annotated/Union/tuple/dict/struct/scalars)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metas = typing.get_args(annotation)
        _fits(value, base, where)
        for meta in metas:
            if isinstance(meta, msgspec.Meta):
                _bounds(value, meta, where)
        return
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(annotation):
            try:
                _fits(value, option, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{where}: {value!r} fits none of {annotation}: {errors}")
    if annotation is type(None) or annotation is None:
        assert value is None, f"{where}: {value!r} is not None"
        return
    if origin is tuple:
        assert type(value) is tuple, f"{where}: {type(value).__name__} is not a tuple"
        (item, _) = typing.get_args(annotation)
        for i, v in enumerate(value):
            _fits(v, item, f"{where}[{i}]")
        return
    if origin is dict:
        assert type(value) is dict, f"{where}: not a dict"
        key_t, value_t = typing.get_args(annotation)
        for k, v in value.items():
            _fits(k, key_t, f"{where} key")
            _fits(v, value_t, f"{where}[{k!r}]")
        return
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        assert isinstance(value, annotation), f"{where}: {type(value).__name__} is not {annotation.__name__}"
        assert_fields(value, where)
        return
    if annotation is float:
        assert type(value) is float and math.isfinite(value), f"{where}: {value!r} is not a finite float"
    elif annotation is int:
        assert type(value) is int, f"{where}: {value!r} is not an int"
    elif annotation is bool:
        assert type(value) is bool, f"{where}: {value!r} is not a bool"
    elif annotation is str:
        assert type(value) is str, f"{where}: {value!r} is not a str"
    elif annotation is bytes:
        assert type(value) is bytes, f"{where}: {value!r} is not bytes"
    elif annotation is Decimal:
        assert type(value) is Decimal and value.is_finite(), f"{where}: {value!r} is not a finite Decimal"
    else:  # pragma: no cover - a new annotation kind needs a rule here
        raise AssertionError(f"{where}: no rule for {annotation!r}")


def _bounds(value: Any, meta: msgspec.Meta, where: str) -> None:
    for name, ok in (
        ("gt", lambda v, b: v > b),
        ("ge", lambda v, b: v >= b),
        ("lt", lambda v, b: v < b),
        ("le", lambda v, b: v <= b),
    ):
        bound = getattr(meta, name)
        if bound is not None:
            assert ok(value, bound), f"{where}: {value!r} breaks {name} {bound}"
    if meta.min_length is not None:
        assert len(value) >= meta.min_length, f"{where}: {value!r} too short"
    if meta.max_length is not None:
        assert len(value) <= meta.max_length, f"{where}: {value!r} too long"
    if meta.pattern is not None:
        assert re.search(meta.pattern, value), f"{where}: {value!r} does not match {meta.pattern}"


def assert_fields(struct: Any, where: str = "") -> None:
    """Every field of ``struct`` fits the annotation of its public class."""
    cls = event_class(struct)
    hints = typing.get_type_hints(cls, include_extras=True)
    for name in cls.__struct_fields__:
        _fits(getattr(struct, name), hints[name], f"{where}{cls.__name__}.{name}")


def assert_valid(event: Any, now_ms: int) -> None:
    """``event`` obeys its types, ranges and the clock window (``now_ms`` = the parser's clock)."""
    assert_fields(event)
    if isinstance(event, _UNTYPED):
        return
    hi = now_ms + MAX_FUTURE_MS
    for name in ("timestamp", "trade_timestamp", "order_timestamp", "asset_timestamp"):
        t = getattr(event, name, None)
        if t is not None:
            assert MIN_TIMESTAMP_MS <= t <= hi, f"{name} {t} outside the window"
    start = getattr(event, "candle_date_time_utc", None)
    if start is not None:
        assert _CANDLE_TIME.match(start) and start >= MIN_CANDLE_TIME, start
        assert start[:10] <= _iso_day(hi), f"candle start {start} after {hi}"
    if isinstance(event, Orderbook):
        assert type(event.level) is float
    for name in event.__struct_fields__:  # private money: exact, never negative
        v = getattr(event, name)
        if isinstance(v, Decimal):
            assert v >= 0, f"{name} {v} negative"
    for unit in getattr(event, "assets", ()):
        assert unit.balance >= 0 and unit.locked >= 0


def _iso_day(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d")
