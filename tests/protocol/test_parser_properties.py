"""Property tests: nothing but ParseError escapes, and no produced event holds a wrong value.

Every event any test here gets back is checked field by field against its declared type and range
(:func:`tests.protocol.validity.assert_valid`), including the type-mutation test that puts text,
lists, objects, booleans, negatives, zeros, huge numbers and far-future times into valid frames.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from tests.protocol import samples
from tests.protocol.validity import assert_valid
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
NOW_MS = 1_765_000_000_000  # 2025-12-06: the fixed clock of every parser here
TABLES = (keys.TICKER, keys.TRADE, keys.ORDERBOOK, keys.ORDERBOOK_UNIT, keys.CANDLE, keys.MY_ORDER,
          keys.MY_ASSET, keys.ASSET_BALANCE, keys.LIST_SUBSCRIPTIONS, keys.SUBSCRIPTION_ENTRY,
          keys.ANNOUNCEMENT, keys.INDICATOR, keys.INDICATOR_SIGNAL, keys.INDICATOR_PARAMS,
          keys.INDICATOR_EVENT_PARAMS, keys.INDICATOR_VALUES)  # fmt: skip
_ALL_KEYS = sorted(
    {k for table in TABLES for pair in table for k in pair} | {"status", "error", "name", "message"}
)
_TYPE_NAMES = [*PUBLIC_TYPES, *PRIVATE_TYPES, "LIST_SUBSCRIPTIONS", "UP", "announcement", "indicator"]


def parser() -> Parser:
    return Parser(clock=lambda: NOW_MS / 1000)


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
    """Parse; only ParseError may escape, and every produced event must be valid."""
    try:
        events = p.parse(data, epoch=3)
    except ParseError as exc:
        assert exc.reason and len(exc.reason) < 120  # a bounded reason for the counters
        return []
    assert isinstance(events, list)
    for e in events:
        assert isinstance(e, EVENT_TYPES)
        assert e.epoch == 3
        assert_valid(e, NOW_MS)
    assert p.unknown_messages >= sum(isinstance(e, UnknownMessage) for e in events)
    return events


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_parse_error(data: bytes) -> None:
    _check(parser(), data)


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_parse_error(data: str) -> None:
    _check(parser(), data)


@SETTINGS
@given(json_values)
def test_arbitrary_json_never_raises(value: Any) -> None:
    frame = orjson.dumps(value)
    events = _check(parser(), frame)
    assert events == _check(parser(), frame.decode())  # text and binary frames agree


_BASES = [
    *samples.ALL_EVENTS.values(),
    samples.orderbook("KRW-BTC", 15),
    samples.ANNOUNCEMENT,
    samples.INDICATOR,
    samples.INDICATOR_SIGNAL,
]
_VALID = [encode(e, fmt) for e in _BASES for fmt in ("DEFAULT", "SIMPLE")]


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
    p = parser()
    for frame in (dumps(obj), dumps([obj, base])):
        _check(p, frame)


# -- type mutations: a valid frame with one to three values replaced by a value of another kind ----

mutants = st.one_of(
    st.text(max_size=8),
    st.from_regex(r"-?\d{1,12}(\.\d{1,8})?", fullmatch=True),  # numbers sent as text
    st.lists(st.integers() | st.floats(allow_nan=False), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.booleans(),
    st.none(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, -0.5, 0.0, 1e300, -1e300, 2**63, 10**19]),
    st.sampled_from([NOW_MS + 86_400_000 * 3, 253402214400000, 1_000_000_000_000, 0]),  # times
    st.sampled_from(["9999-12-31T00:00:00", "2016-12-31T23:59:59", "2025-13-45T99:99:99", "garbage"]),
)


def _paths(obj: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every leaf key path of a wire object (into lists of objects and nested objects)."""
    out: list[tuple[str, ...]] = []
    for k, v in obj.items():
        out.append((k,))
        if isinstance(v, dict):
            out.extend((k, *p) for p in _paths(v))
        elif isinstance(v, list):
            for i, item in enumerate(v[:3]):
                if isinstance(item, dict):
                    out.extend((k, str(i), *p) for p in _paths(item))
    return out


def _set(obj: Any, path: tuple[str, ...], value: Any) -> None:
    """Set ``path`` to ``value``; no-op when an earlier mutation replaced a parent of the path."""
    for step in path[:-1]:
        obj = _child(obj, step)
        if obj is None:
            return
    last = path[-1]
    if isinstance(obj, list) and last.isdigit() and int(last) < len(obj):
        obj[int(last)] = value
    elif isinstance(obj, dict):
        obj[last] = value


def _child(obj: Any, step: str) -> Any:
    if isinstance(obj, list) and step.isdigit() and int(step) < len(obj):
        return obj[int(step)]
    if isinstance(obj, dict):
        return obj.get(step)
    return None


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    base = orjson.loads(dumps(draw(st.sampled_from(_VALID))))  # a deep copy
    paths = _paths(base)
    for _ in range(draw(st.integers(1, 3))):
        _set(base, draw(st.sampled_from(paths)), draw(mutants))
    as_list = draw(st.booleans())
    # stdlib json: integers beyond 64 bits are fair game for a hostile server.
    return json.dumps([base] if as_list else base, ensure_ascii=False).encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_type_mutations_never_produce_a_wrong_value(frame: bytes) -> None:
    _check(parser(), frame)
    _check(parser(), frame.decode())


# -- round trips of generated valid events ----------------------------------------------------------

prices = st.floats(min_value=1e-8, max_value=1e15, allow_nan=False) | st.integers(1, 10**12)
sizes = st.floats(min_value=0, max_value=1e15, allow_nan=False) | st.integers(0, 10**12)
signed = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False)
codes = st.from_regex(r"(KRW|BTC|USDT)-[A-Z0-9]{1,6}", fullmatch=True)
stream = st.sampled_from(["SNAPSHOT", "REALTIME"])
times = st.integers(1_483_228_800_000, NOW_MS + 86_400_000)
units = st.builds(OrderbookUnit, sizes, sizes, sizes, sizes)


@st.composite
def public_events(draw: st.DrawFn) -> Event:
    kind = draw(st.sampled_from(["ticker", "trade", "orderbook", "candle"]))
    code = draw(codes)
    if kind == "ticker":
        return replace(samples.TICKER,
            code=code, trade_price=draw(prices), acc_trade_price_24h=draw(sizes), stream_type=draw(stream),
            signed_change_rate=draw(signed), timestamp=draw(times),
            delisting_date=draw(st.none() | st.just("2026-01-01") | st.just(samples.DELISTING)),
            trade_status=draw(st.none() | st.just("X")),
        )  # fmt: skip
    if kind == "trade":
        sid = draw(st.integers(0, 2**62))
        return replace(samples.TRADE, code=code, trade_price=draw(prices), sequential_id=sid,
                       trade_timestamp=draw(times))  # fmt: skip
    if kind == "orderbook":
        return Orderbook(
            "orderbook", code, draw(sizes), draw(sizes), tuple(draw(st.lists(units, max_size=30))),
            draw(times), draw(st.sampled_from([0.0, 10000.0, 0.5])), draw(stream),
        )  # fmt: skip
    candle_type = draw(st.sampled_from(CANDLE_TYPES))
    return replace(samples.CANDLE, type=candle_type, code=code, high_price=draw(prices))


@SETTINGS
@given(st.lists(public_events(), min_size=1, max_size=4), st.sampled_from(keys.FORMATS))
def test_generated_events_round_trip(events: list[Event], fmt: str) -> None:
    p = parser()
    if fmt in keys.LIST_FORMATS:
        assert p.parse(encode_frame(events, fmt)) == events
    else:
        for e in events:
            assert p.parse(encode_frame(e, fmt)) == [e]
    assert p.unknown_messages == 0 and not p.unknown_fields and not p.rejected
    assert all(isinstance(e, Ticker | Trade | Orderbook) or e.type in CANDLE_TYPES for e in events)
