"""Property tests: the parser raises nothing but ParseError, and round-trips generated events."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.protocol import samples
from upbit_monitor.errors import ParseError
from upbit_monitor.protocol import keys
from upbit_monitor.protocol.encoder import dumps, encode, encode_frame
from upbit_monitor.protocol.events import (
    CANDLE_TYPES,
    PRIVATE_TYPES,
    PUBLIC_TYPES,
    Event,
    Orderbook,
    OrderbookUnit,
    Ticker,
    Trade,
    UnknownMessage,
)
from upbit_monitor.protocol.parser import Parser

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EVENT_TYPES = tuple(Event.__args__)  # type: ignore[attr-defined]

_ALL_KEYS = sorted(
    {k for table in (keys.TICKER, keys.TRADE, keys.ORDERBOOK, keys.ORDERBOOK_UNIT, keys.CANDLE,
                     keys.MY_ORDER, keys.MY_ASSET, keys.ASSET_BALANCE, keys.LIST_SUBSCRIPTIONS,
                     keys.SUBSCRIPTION_ENTRY) for pair in table for k in pair}
    | {"status", "error", "name", "message"}
)  # fmt: skip
_TYPE_NAMES = [*PUBLIC_TYPES, *PRIVATE_TYPES, "LIST_SUBSCRIPTIONS", "UP", "announcement"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(_TYPE_NAMES)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.sampled_from(_ALL_KEYS) | st.text(max_size=6), inner, max_size=8),
    max_leaves=30,
)


def _check(p: Parser, data: bytes | str) -> list[Event]:
    try:
        events = p.parse(data, epoch=3)
    except ParseError:
        return []
    assert isinstance(events, list)
    for e in events:
        assert isinstance(e, EVENT_TYPES)
        assert e.epoch == 3
    assert p.unknown_messages >= sum(isinstance(e, UnknownMessage) for e in events)
    return events


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_parse_error(data: bytes) -> None:
    _check(Parser(), data)


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_parse_error(data: str) -> None:
    _check(Parser(), data)


@SETTINGS
@given(json_values)
def test_arbitrary_json_never_raises(value: Any) -> None:
    frame = orjson.dumps(value)
    p = Parser()
    events = _check(p, frame)
    assert events == _check(Parser(), frame.decode())  # text and binary frames agree
    if isinstance(value, dict):
        assert len(events) == 1


_VALID = [encode(e, fmt) for e in samples.ALL_EVENTS.values() for fmt in ("DEFAULT", "SIMPLE")] + [
    encode(samples.orderbook("KRW-BTC", 15), "SIMPLE")
]


@SETTINGS
@given(
    st.sampled_from(_VALID),
    st.lists(st.tuples(st.sampled_from(_ALL_KEYS) | st.text(max_size=4), json_values), max_size=4),
    st.lists(st.sampled_from(_ALL_KEYS), max_size=3),
)
def test_mutated_messages_never_raise(
    base: dict[str, Any], sets: list[tuple[str, Any]], drops: list[str]
) -> None:
    obj = dict(base)
    for key in drops:
        obj.pop(key, None)
    for key, value in sets:
        obj[key] = value
    p = Parser()
    for frame in (dumps(obj), dumps([obj, base])):
        _check(p, frame)


finite = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False) | st.integers(-(10**12), 10**12)
codes = st.from_regex(r"(KRW|BTC|USDT)-[A-Z0-9]{1,6}", fullmatch=True)
stream = st.sampled_from(["SNAPSHOT", "REALTIME"])
units = st.builds(OrderbookUnit, finite, finite, finite, finite)


@st.composite
def public_events(draw: st.DrawFn) -> Event:
    kind = draw(st.sampled_from(["ticker", "trade", "orderbook", "candle"]))
    code = draw(codes)
    if kind == "ticker":
        base = samples.TICKER
        return base._replace(
            code=code, trade_price=draw(finite), acc_trade_price_24h=draw(finite), stream_type=draw(stream),
            delisting_date=draw(st.none() | st.just("2026-01-01")),
            trade_status=draw(st.none() | st.just("X")),
        )  # fmt: skip
    if kind == "trade":
        sid = draw(st.integers(0, 2**62))
        return samples.TRADE._replace(code=code, trade_price=draw(finite), sequential_id=sid)
    if kind == "orderbook":
        return Orderbook(
            "orderbook", code, draw(finite), draw(finite), tuple(draw(st.lists(units, max_size=30))),
            draw(st.integers(0, 2**50)), draw(st.sampled_from([0, 10000, 0.5])), draw(stream),
        )  # fmt: skip
    candle_type = draw(st.sampled_from(CANDLE_TYPES))
    return samples.CANDLE._replace(type=candle_type, code=code, high_price=draw(finite))


@SETTINGS
@given(st.lists(public_events(), min_size=1, max_size=4), st.sampled_from(keys.FORMATS))
def test_generated_events_round_trip(events: list[Event], fmt: str) -> None:
    p = Parser()
    if fmt in keys.LIST_FORMATS:
        assert p.parse(encode_frame(events, fmt)) == events
    else:
        for e in events:
            assert p.parse(encode_frame(e, fmt)) == [e]
    assert p.unknown_messages == 0 and not p.unknown_fields
    assert all(type(a) is type(b) for a, b in zip(events, events, strict=True))
    assert all(isinstance(e, Ticker | Trade | Orderbook) or e.type in CANDLE_TYPES for e in events)
