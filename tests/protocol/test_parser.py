"""Parser: spec frames, round trips in every format, list frames, unknown counting, decimals, errors."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from msgspec.structs import replace

from tests.protocol import samples
from upbit_monitor.errors import ParseError
from upbit_monitor.protocol import parser as parser_module
from upbit_monitor.protocol.encoder import dumps, encode, encode_frame
from upbit_monitor.protocol.events import (
    CANDLE_TYPES,
    Event,
    MyAsset,
    MyOrder,
    Orderbook,
    ServerError,
    StatusUp,
    SubscriptionList,
    Ticker,
    UnknownMessage,
    event_class,
)
from upbit_monitor.protocol.keys import FORMATS
from upbit_monitor.protocol.parser import Parser, parse

EVENTS = sorted(samples.ALL_EVENTS.items())


@pytest.mark.parametrize("name", sorted(samples.LITERAL_FRAMES))
def test_spec_frames_parse_to_expected_events(name: str) -> None:
    frame, expected = samples.LITERAL_FRAMES[name]
    p = Parser()
    assert p.parse(frame) == [expected]
    assert p.parse(frame.decode()) == [expected]  # text frames too
    assert p.unknown_messages == 0
    assert not p.unknown_fields
    assert not p.rejected


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("name", "event"), EVENTS)
def test_round_trip_every_type_every_format(name: str, event: Event, fmt: str) -> None:
    p = Parser()
    assert p.parse(encode_frame([event], fmt), epoch=5) == [replace(event, epoch=5)]
    assert p.unknown_messages == 0 and not p.unknown_fields


@pytest.mark.parametrize("candle_type", CANDLE_TYPES)
@pytest.mark.parametrize("fmt", ["DEFAULT", "SIMPLE"])
def test_every_candle_type(candle_type: str, fmt: str) -> None:
    event = replace(samples.CANDLE, type=candle_type)
    (parsed,) = parse(encode_frame(event, fmt))
    assert parsed == event
    assert parsed.unit == candle_type.split(".")[1]  # type: ignore[union-attr]


@pytest.mark.parametrize("levels", [1, 5, 15, 30])
def test_deep_orderbooks(levels: int) -> None:
    book = samples.orderbook("KRW-BTC", levels)
    for fmt in FORMATS:
        (parsed,) = parse(encode_frame(book, fmt))
        assert isinstance(parsed, Orderbook)
        assert parsed == book
        assert len(parsed.orderbook_units) == levels
        assert isinstance(parsed.orderbook_units, tuple)


@pytest.mark.parametrize("fmt", ["JSON_LIST", "SIMPLE_LIST"])
def test_multi_object_list_frames(fmt: str) -> None:
    stream = [e for _, e in EVENTS] + [samples.orderbook("KRW-XRP", 15), samples.TICKER]
    assert Parser().parse(encode_frame(stream, fmt), epoch=2) == [replace(e, epoch=2) for e in stream]


def test_mixed_styles_in_one_list_frame() -> None:
    frame = orjson.dumps([encode(samples.TICKER, "SIMPLE"), encode(samples.TRADE, "DEFAULT")])
    assert parse(frame) == [samples.TICKER, samples.TRADE]
    assert parse(b"[]") == []


def test_legacy_ticker_fields_with_and_without() -> None:
    with_legacy = replace(samples.TICKER, trade_status="ACTIVE", market_state_for_ios="ACTIVE")
    p = Parser()
    assert p.parse(encode_frame(with_legacy, "DEFAULT")) == [with_legacy]
    wire = encode(samples.TICKER, "SIMPLE") | {"ts": None}  # one legacy field, null
    assert p.parse(orjson.dumps(wire)) == [samples.TICKER]
    assert not p.unknown_fields


def test_unknown_fields_counted_not_fatal() -> None:
    p = Parser()
    wire = encode(samples.TICKER, "SIMPLE") | {"new_field": 1, "other": [1, 2]}
    assert p.parse(orjson.dumps(wire)) == [samples.TICKER]
    assert p.unknown_fields == {"ticker.new_field": 1, "ticker.other": 1}
    # Same key count as a complete trade (one known field renamed): still detected exactly.
    trade = encode(samples.TRADE, "DEFAULT")
    del trade["best_bid_size"]
    trade["best_bid_qty"] = 0.02
    (parsed,) = p.parse(orjson.dumps(trade))
    assert parsed == replace(samples.TRADE, best_bid_size=None)
    assert p.unknown_fields["trade.best_bid_qty"] == 1  # best_bid_size is optional on the wire
    # Extra field inside an orderbook unit.
    book = encode(samples.ORDERBOOK, "SIMPLE")
    book["obu"][1]["x"] = 1  # type: ignore[index]
    assert p.parse(orjson.dumps(book)) == [samples.ORDERBOOK]
    assert p.unknown_fields["orderbook.orderbook_units.x"] == 1
    assert p.unknown_messages == 0


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b'{"type":"notice","code":"KRW-BTC"}', "unknown type"),
        (b'{"ty":"indicator_v2"}', "unknown type"),
        (b'{"type":["ticker"],"code":"KRW-BTC"}', "unknown type"),
        (b'{"ty":5}', "unknown type"),
        (b'{"hello":"world"}', "no type"),
        (b'{"status":5}', "no type"),
        (b'{"error":[1]}', "no type"),
        (b'{"method":"LIST_SUBSCRIPTIONS","result":{"a":1}}', "not a list"),
        (b'{"mthd":"LIST_SUBSCRIPTIONS","rslt":[{"ty":"ticker","cds":"KRW-BTC"}]}', "malformed"),
        (b'{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"orderbook","codes":[],"level":"x"}]}', "level"),
        (b"42", "top level"),
        (b'"PONG"', "top level"),
        (b"null", "top level"),
        (b"[1]", "not an object"),
    ],
)
def test_unknown_messages_are_results(frame: bytes, reason: str) -> None:
    p = Parser()
    (result,) = p.parse(frame, epoch=9)
    assert isinstance(result, UnknownMessage)
    assert reason in result.reason
    assert result.epoch == 9
    assert result.raw and len(result.raw) <= 500
    assert p.unknown_messages == 1


def test_unknown_raw_is_truncated() -> None:
    (result,) = parse(orjson.dumps({"type": "big", "data": "x" * 2000}))
    assert isinstance(result, UnknownMessage)
    assert len(result.raw) == 500


@pytest.mark.parametrize(
    "frame",
    [
        *(b"", b"{", b"PING", b'{"a":1', b"\xff\xfe{}", b'{"a":"\xc3"}', b"[1,]", b"NaN", b"1e400"),
        '{"a": "\ud800"}',  # lone surrogate in a text frame
        b'"\\ud800"',  # escaped lone surrogate: orjson refuses it
    ],
)
def test_malformed_frames_raise_parse_error(frame: bytes | str) -> None:
    with pytest.raises(ParseError) as info:
        parse(frame)
    assert isinstance(info.value.sample, bytes)
    assert len(info.value.sample) <= 200
    assert info.value.reason == "frame: malformed JSON"


def test_wrong_argument_type_is_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        parse(12345)  # type: ignore[arg-type]
    assert info.value.reason == "frame: not bytes or str"


def test_private_messages_keep_exact_decimals() -> None:
    (asset,) = parse(samples.MY_ASSET_DEFAULT)
    assert isinstance(asset, MyAsset)
    assert asset.assets[0].balance == Decimal("1386929.37231066771348207123")
    assert str(asset.assets[0].balance) == "1386929.37231066771348207123"
    assert isinstance(asset.assets[1].locked, Decimal)  # JSON integer 0 -> Decimal too
    (order,) = parse(samples.MY_ORDER_SIMPLE)
    assert isinstance(order, MyOrder)
    assert str(order.avg_price) == "0.00145300"  # trailing zeros preserved
    assert order.trades_count == 1 and type(order.trades_count) is int
    assert order.time_in_force is None and order.is_maker is False
    # Inside a list frame next to public data, the right element is re-decoded.
    frame = b"[" + samples.TICKER_SIMPLE + b"," + samples.MY_ASSET_DEFAULT + b"]"
    assert parse(frame) == [samples.TICKER, samples.MY_ASSET]


def test_private_optional_fields_become_none() -> None:
    wire = encode(samples.MY_ORDER, "DEFAULT")
    for key in ("volume", "trade_uuid", "avg_price", "identifier"):
        del wire[key]
    (order,) = Parser().parse(dumps(wire | {"price": "5000.5"}))  # a decimal string is fine
    assert isinstance(order, MyOrder)
    assert order.price == Decimal("5000.5") and order.volume is None and order.trade_uuid is None


def test_status_error_and_list_subscriptions() -> None:
    assert parse(b'{"status":"UP"}', epoch=1) == [StatusUp("status", "UP", 1)]
    assert parse(b'{"error":{"name":404,"message":"Code not found"}}') == [
        ServerError("error", "404", "Code not found")
    ]
    assert parse(b'{"error":"INVALID_AUTH"}') == [ServerError("error", "INVALID_AUTH", "")]
    (reply,) = parse(b'{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"myAsset"}],"ticket":12345}')
    assert isinstance(reply, SubscriptionList)
    assert reply.ticket == "12345"
    assert reply.result[0].type == "myAsset" and reply.result[0].codes == ()


def test_module_parse_counts_on_shared_parser() -> None:
    before = parser_module._DEFAULT_PARSER.unknown_messages
    parse(b'{"type":"nope"}')
    assert parser_module._DEFAULT_PARSER.unknown_messages == before + 1


def test_events_are_typed_and_immutable() -> None:
    (t,) = parse(samples.TICKER_SIMPLE)
    assert isinstance(t, Ticker) and event_class(t) is Ticker
    assert t.code == "KRW-BTC" and t.epoch == 0
    assert type(t.trade_price) is float  # a JSON integer where a decimal is expected
    with pytest.raises(AttributeError):
        t.code = "x"  # type: ignore[misc]
    # SIMPLE- and DEFAULT-decoded events are different wire classes that compare as one.
    (d,) = parse(encode_frame(samples.TICKER, "DEFAULT"))
    assert type(d) is not type(t) and d == t and hash(d) == hash(t) and event_class(d) is Ticker


def test_several_private_objects_in_one_list_frame() -> None:
    frame = encode_frame([samples.MY_ORDER, samples.MY_ASSET, samples.MY_ORDER], "SIMPLE_LIST")
    p = Parser()
    assert p.parse(frame) == [samples.MY_ORDER, samples.MY_ASSET, samples.MY_ORDER]
    assert p.parse(bytes(bytearray(frame)), epoch=1) == [
        replace(e, epoch=1) for e in (samples.MY_ORDER, samples.MY_ASSET, samples.MY_ORDER)
    ]
