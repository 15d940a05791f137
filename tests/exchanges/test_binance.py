"""Binance normaliser (documented sample messages), exact SUBSCRIBE/UNSUBSCRIBE texts, connector rules."""

from __future__ import annotations

import orjson
import pytest

from upbit_monitor.config import Settings
from upbit_monitor.errors import ParseError
from upbit_monitor.exchanges.base import Connector
from upbit_monitor.exchanges.binance import (
    LIST_SUBSCRIPTIONS_PING,
    SERVER_SHUTDOWN,
    BinanceConnector,
    BinanceNormalizer,
    streams_for,
    subscribe_message,
)
from upbit_monitor.exchanges.quotes import ControlAck, PriceQuote
from upbit_monitor.exchanges.registry import available_connectors, create_connector
from upbit_monitor.protocol.events import ServerError, UnknownMessage
from upbit_monitor.protocol.policy import Disposition
from upbit_monitor.protocol.subscriptions import SubscriptionSpec, merge_specs

# --- documented samples (Binance spot "WebSocket Streams"), comments stripped ---------------------
TICKER_PAYLOAD = {
    "e": "24hrTicker", "E": 1672515782136, "s": "BNBBTC", "p": "0.0015", "P": "250.00", "w": "0.0018",
    "x": "0.0009", "c": "0.0025", "Q": "10", "b": "0.0024", "B": "10", "a": "0.0026", "A": "100",
    "o": "0.0010", "h": "0.0025", "l": "0.0010", "v": "10000", "q": "18", "O": 0, "C": 86400000,
    "F": 0, "L": 18150, "n": 18151,
}
BOOK_TICKER_PAYLOAD = {
    "u": 400900217, "s": "BNBUSDT", "b": "25.35190000", "B": "31.21000000", "a": "25.36520000",
    "A": "40.66000000",
}
SHUTDOWN_COMBINED = {"stream": "!serverShutdown", "data": {"e": "serverShutdown", "E": 1770123456789}}
SUBSCRIBE_REPLY = {"result": None, "id": 1}
LIST_REPLY = {"result": ["btcusdt@aggTrade"], "id": 3}
ERROR_REPLIES = [
    {"code": 0, "msg": "Unknown property", "id": 5},
    {"code": 1, "msg": "Invalid value type: expected Boolean"},
    {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"},
    {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"},
]


def wrap(stream: str, payload: object) -> bytes:
    return orjson.dumps({"stream": stream, "data": payload})


def test_combined_ticker_normalises_to_quote() -> None:
    [quote] = BinanceNormalizer().parse(wrap("bnbbtc@ticker", TICKER_PAYLOAD), epoch=4)
    assert isinstance(quote, PriceQuote)
    assert quote == PriceQuote(
        "quote", "binance:BNBBTC", "binance", "BNBBTC", 0.0025, 0.0024, 0.0026, 10000.0, 2.5, 1672515782136, 4
    )  # "P" is a percent: 250.00 % -> 2.5


def test_raw_stream_ticker_and_text_frames_are_accepted() -> None:
    [quote] = BinanceNormalizer().parse(orjson.dumps(TICKER_PAYLOAD).decode(), epoch=0)
    assert quote.symbol == "BNBBTC" and quote.price == 0.0025


def test_book_ticker_before_any_ticker_is_priced_at_mid() -> None:
    norm = BinanceNormalizer(clock_ms=lambda: 123)
    [quote] = norm.parse(wrap("bnbusdt@bookTicker", BOOK_TICKER_PAYLOAD), epoch=1)
    assert quote.bid == 25.3519 and quote.ask == 25.3652
    assert quote.price == pytest.approx((25.3519 + 25.3652) / 2)
    assert quote.timestamp == 123  # bookTicker has no time field: receive time
    assert quote.volume is None and quote.change_24h is None


def test_book_ticker_merges_into_the_last_ticker() -> None:
    norm = BinanceNormalizer(clock_ms=lambda: 999)
    ticker = dict(TICKER_PAYLOAD, s="BNBUSDT", c="25.36")
    norm.parse(wrap("bnbusdt@ticker", ticker), epoch=1)
    [quote] = norm.parse(wrap("bnbusdt@bookTicker", BOOK_TICKER_PAYLOAD), epoch=1)
    assert quote.price == 25.36 and quote.volume == 10000.0 and quote.change_24h == 2.5
    assert (quote.bid, quote.ask, quote.timestamp) == (25.3519, 25.3652, 999)


def test_merge_state_is_dropped_on_a_new_epoch() -> None:
    norm = BinanceNormalizer(clock_ms=lambda: 1)
    norm.parse(wrap("bnbusdt@ticker", dict(TICKER_PAYLOAD, s="BNBUSDT", c="99")), epoch=1)
    [quote] = norm.parse(wrap("bnbusdt@bookTicker", BOOK_TICKER_PAYLOAD), epoch=2)
    assert quote.price != 99.0 and quote.epoch == 2


def test_control_replies() -> None:
    norm = BinanceNormalizer()
    [ack] = norm.parse(orjson.dumps(SUBSCRIBE_REPLY), epoch=2)
    assert ack == ControlAck("ack", "binance", "", "1", (), 2)
    [listing] = norm.parse(orjson.dumps(LIST_REPLY), epoch=2)
    assert listing == ControlAck("ack", "binance", "list", "3", ("btcusdt@aggTrade",), 2)
    [empty_list] = norm.parse(orjson.dumps({"result": [], "id": 0}), epoch=2)
    assert empty_list.op == "list" and empty_list.result == ()


@pytest.mark.parametrize("reply", ERROR_REPLIES)
def test_documented_errors_become_server_errors(reply: dict[str, object]) -> None:
    [err] = BinanceNormalizer().parse(orjson.dumps(reply), epoch=3)
    assert err == ServerError("error", f"binance:{reply['code']}", str(reply["msg"]), 3)


def test_error_envelope_form() -> None:
    [err] = BinanceNormalizer().parse(b'{"error":{"code":2,"msg":"Invalid request"},"id":7}', epoch=0)
    assert err.name == "binance:2" and err.message == "Invalid request"


def test_server_shutdown_is_an_error_the_connector_retries_on() -> None:
    [err] = BinanceNormalizer().parse(orjson.dumps(SHUTDOWN_COMBINED), epoch=1)
    assert isinstance(err, ServerError) and err.name == SERVER_SHUTDOWN
    [raw] = BinanceNormalizer().parse(orjson.dumps(SHUTDOWN_COMBINED["data"]), epoch=1)
    assert raw.name == SERVER_SHUTDOWN
    connector = BinanceConnector("ws://x/stream")
    assert connector.classify_server_error(SERVER_SHUTDOWN) is Disposition.RETRY
    assert connector.classify_server_error("binance:2") is Disposition.IGNORE


@pytest.mark.parametrize(
    "frame",
    [
        b"[1, 2]",
        b'"hello"',
        b"{}",
        b'{"stream": "btcusdt@aggTrade", "data": {"e": "aggTrade", "s": "BTCUSDT", "p": "1"}}',
        b'{"stream": "!ticker@arr", "data": [{"e": "24hrTicker"}]}',
        b'{"stream": "x", "data": 5}',
        b'{"e": "24hrTicker", "s": "BTCUSDT"}',  # no price
        b'{"e": "24hrTicker", "s": "BTCUSDT", "c": "abc"}',  # price not a number
        b'{"u": 1, "s": "BTCUSDT", "b": "", "a": "1"}',  # empty bid
    ],
)
def test_unknown_shapes_are_counted_never_raised(frame: bytes) -> None:
    norm = BinanceNormalizer()
    events = norm.parse(frame, epoch=0)
    assert events and all(isinstance(e, UnknownMessage) for e in events)
    assert norm.unknown_messages == len(events)
    assert all(len(e.raw) <= 500 for e in events)


def test_malformed_json_raises_parse_error() -> None:
    with pytest.raises(ParseError):
        BinanceNormalizer().parse(b'{"stream": ', epoch=0)


# --- requests -------------------------------------------------------------------------------------


def test_subscribe_message_is_exact() -> None:
    assert subscribe_message("SUBSCRIBE", ["btcusdt@aggTrade", "btcusdt@depth"], 1) == (
        '{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@depth"],"id":1}'
    )
    assert subscribe_message("UNSUBSCRIBE", ["btcusdt@depth"], 312) == (
        '{"method":"UNSUBSCRIBE","params":["btcusdt@depth"],"id":312}'
    )
    with pytest.raises(ValueError):
        subscribe_message("LIST", [], 1)


def test_streams_for_maps_types_and_codes() -> None:
    merged = merge_specs(
        [
            SubscriptionSpec("ticker", ("USDT-BTC", "USDT-ETH")),
            SubscriptionSpec("orderbook", ("USDT-BTC",)),
            SubscriptionSpec("trade", ("USDT-BTC",)),  # no Binance counterpart here: ignored
            SubscriptionSpec("ticker", ("KRW-XRP",)),  # not a USDT code: ignored
        ]
    )
    assert streams_for(merged) == ("btcusdt@bookTicker", "btcusdt@ticker", "ethusdt@ticker")


def test_build_requests_diffs_with_increasing_ids() -> None:
    connector = BinanceConnector("ws://127.0.0.1:1/stream")
    one = merge_specs([SubscriptionSpec("ticker", ("USDT-BTC", "USDT-ETH"))])
    two = merge_specs([SubscriptionSpec("ticker", ("USDT-BTC", "USDT-XRP"))])
    assert connector.build_requests(None, one) == [
        '{"method":"SUBSCRIBE","params":["btcusdt@ticker","ethusdt@ticker"],"id":1}'
    ]
    assert connector.build_requests(one, two) == [
        '{"method":"SUBSCRIBE","params":["xrpusdt@ticker"],"id":2}',
        '{"method":"UNSUBSCRIBE","params":["ethusdt@ticker"],"id":3}',
    ]
    assert connector.build_requests(two, two) == []
    assert connector.build_requests(two, merge_specs([])) == [
        '{"method":"UNSUBSCRIBE","params":["btcusdt@ticker","xrpusdt@ticker"],"id":4}'
    ]
    # After a reconnect the server knows nothing: everything again.
    assert connector.build_requests(None, two) == [
        '{"method":"SUBSCRIBE","params":["btcusdt@ticker","xrpusdt@ticker"],"id":5}'
    ]


def test_connector_rules_and_registry() -> None:
    assert "binance-public" in available_connectors()
    connector = create_connector("binance-public", Settings(binance_ws_url="ws://127.0.0.1:9/stream"))
    assert isinstance(connector, BinanceConnector) and isinstance(connector, Connector)
    assert connector.url == "ws://127.0.0.1:9/stream"
    assert not connector.clear_by_reconnect
    # Our messages stay well under Binance's 5 incoming msgs/s (PINGs and PONGs count too).
    assert 0 < connector.rate_limit.per_second <= 4
    assert connector.keepalive.text_ping == LIST_SUBSCRIPTIONS_PING
    assert orjson.loads(LIST_SUBSCRIPTIONS_PING) == {"method": "LIST_SUBSCRIPTIONS", "id": 0}
    assert connector.keepalive.ping_interval_s is not None and connector.keepalive.ping_interval_s >= 20
    [ack] = connector.parse(orjson.dumps({"result": [], "id": 0}), epoch=1)
    assert ack.type == "ack"
    connector.parse(b"{}", epoch=1)
    assert connector.unknown_messages == 1
