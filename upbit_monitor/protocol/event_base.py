"""The base of the protocol events: validation constraints, value equality, the public class.

The annotations carry the validation rules the decoder enforces (``Annotated[..., Meta(...)]``):
prices > 0, sizes and amounts >= 0, millisecond timestamps not before 2017 (and, checked after
decoding against an injectable clock, not more than a day ahead). A JSON integer is accepted where a
float is expected (Upbit sends ``0`` and ``10000``). The events themselves are in
:mod:`~upbit_monitor.protocol.events` (market data, replies) and
:mod:`~upbit_monitor.protocol.private_events` (account, notices, indicators).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import Meta
from msgspec.structs import astuple

__all__ = [
    "MAX_FUTURE_MS",
    "MIN_CANDLE_TIME",
    "MIN_TIMESTAMP_MS",
    "BookPrice",
    "CandleTime",
    "Code",
    "Count",
    "EventBase",
    "Level",
    "Price",
    "Size",
    "TimestampMs",
    "event_class",
]

MIN_TIMESTAMP_MS = 1_483_228_800_000
"""2017-01-01T00:00:00Z: Upbit opened in October 2017; anything older is a broken clock or value."""
MIN_CANDLE_TIME = "2017-01-01T00:00:00"
MAX_FUTURE_MS = 86_400_000
"""How far ahead of the local clock a timestamp may be (a day: generous for skewed clocks)."""

Code = Annotated[str, Meta(min_length=1, max_length=40)]
Price = Annotated[float, Meta(gt=0)]
"""A trade or quote price: strictly positive."""
Size = Annotated[float, Meta(ge=0)]
"""A volume, an amount, an absolute change or rate: zero or more."""
BookPrice = Annotated[float, Meta(ge=0)]
"""An orderbook level price: 0 means "no level on this side" (upbit-protocol.md §3.3)."""
Level = Annotated[float, Meta(ge=0)]
"""Orderbook price aggregation unit (0 = the native tick)."""
TimestampMs = Annotated[int, Meta(ge=MIN_TIMESTAMP_MS)]
Count = Annotated[int, Meta(ge=0)]
CandleTime = Annotated[str, Meta(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")]
"""``yyyy-MM-ddTHH:mm:ss``; the range (2017 to a day ahead) is checked after decoding."""


class EventBase(msgspec.Struct, frozen=True, gc=False):
    """Value equality across the generated wire subclasses (SIMPLE vs DEFAULT decode classes).

    msgspec compares only identical classes; a ticker decoded from SIMPLE keys must still equal the
    same ticker built by hand. Only tests and rare bookkeeping compare events, never the hot path.
    """

    event_root: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_root" not in cls.__dict__ and not getattr(cls, "_wire", False):
            cls.event_root = cls

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventBase) and self.event_root is other.event_root:
            return astuple(self) == astuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.event_root, astuple(self)))


def event_class(event: object) -> type:
    """The public class of an event (``Ticker`` for a ticker decoded from SIMPLE keys)."""
    return getattr(event, "event_root", type(event))
