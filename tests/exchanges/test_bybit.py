"""Bybit v5 spot normaliser (documented sample messages), exact op messages, heartbeat rules."""

from __future__ import annotations

import orjson
import pytest

from upbit_monitor.config import Settings
from upbit_monitor.errors import ParseError
from upbit_monitor.exchanges.bybit import (
    MAX_ARGS_PER_REQUEST,
    PING_TEXT,
    BybitConnector,
    BybitNormalizer,
    op_message,
    topics_for,
)
from upbit_monitor.exchanges.quotes import ControlAck, PriceQuote
from upbit_monitor.exchanges.registry import available_connectors, create_connector
from upbit_monitor.protocol.events import ServerError, UnknownMessage
from upbit_monitor.protocol.subscriptions import SubscriptionSpec, merge_specs

# --- documented samples (Bybit v5 "Ticker" spot tab and "Connect") --------------------------------
SPOT_TICKER = {
    "topic": "tickers.BTCUSDT",
    "ts": 1672305380595,
    "type": "snapshot",
    "cs": 496622841,
    "data": {
        "symbol": "BTCUSDT", "lastPrice": "16363.78", "highPrice24h": "16566.64", "lowPrice24h": "16009.19",
        "prevPrice24h": "16443.66", "volume24h": "5865.470182", "turnover24h": "95949815.680875",
        "price24hPcnt": "-0.0049",
    },
}
LINEAR_TICKER = {
    "topic": "tickers.BTCUSDT", "type": "snapshot", "cs": 24987956059, "ts": 1673272861686,
    "data": {
        "symbol": "BTCUSDT", "tickDirection": "PlusTick", "price24hPcnt": "0.017103", "lastPrice": "17216.00",
        "prevPrice24h": "16926.50", "highPrice24h": "17281.50", "lowPrice24h": "16915.00",
        "turnover24h": "1570383121.943499", "volume24h": "91705.276", "bid1Price": "17215.50",
        "bid1Size": "84.489", "ask1Price": "17216.00", "ask1Size": "83.020",
    },
}
PONG_SPOT = {
    "success": True, "ret_msg": "pong", "conn_id": "0970e817-426e-429a-a679-ff7f55e0b16a", "op": "ping"
}
PONG_PRIVATE = {
    "req_id": "test", "op": "pong", "args": ["1675418560633"], "conn_id": "cfcb4ocsvfriu23r3er0-1b"
}
SUBSCRIBE_OK = {
    "success": True, "ret_msg": "subscribe", "conn_id": "2324d924-aa4d-45b0-a858-7b8be29ab52b",
    "req_id": "10001", "op": "subscribe",
}
SUBSCRIBE_FAIL = {"success": False, "ret_msg": "args size >10", "conn_id": "x", "op": "subscribe"}


def test_spot_ticker_normalises_to_quote_without_bid_ask() -> None:
    [quote] = BybitNormalizer().parse(orjson.dumps(SPOT_TICKER), epoch=2)
    assert quote == PriceQuote(
        "quote", "bybit:BTCUSDT", "bybit", "BTCUSDT", 16363.78, None, None, 5865.470182, -0.0049,
        1672305380595, 2,
    )  # price24hPcnt is already a fraction


def test_ticker_with_best_bid_ask_and_array_data() -> None:
    [quote] = BybitNormalizer().parse(orjson.dumps(LINEAR_TICKER), epoch=0)
    assert (quote.price, quote.bid, quote.ask, quote.change_24h) == (17216.0, 17215.5, 17216.0, 0.017103)
    as_array = dict(SPOT_TICKER, data=[SPOT_TICKER["data"]])
    [quote2] = BybitNormalizer().parse(orjson.dumps(as_array).decode(), epoch=0)
    assert quote2.price == 16363.78


def test_control_replies() -> None:
    norm = BybitNormalizer()
    pong = ControlAck("ack", "bybit", "ping", None, (), 1)
    assert norm.parse(orjson.dumps(PONG_SPOT), epoch=1) == [pong]
    assert norm.parse(orjson.dumps(PONG_PRIVATE), epoch=1) == [pong]
    assert norm.parse(orjson.dumps(SUBSCRIBE_OK), epoch=1) == [
        ControlAck("ack", "bybit", "subscribe", "10001", (), 1)
    ]
    assert norm.parse(orjson.dumps(SUBSCRIBE_FAIL), epoch=1) == [
        ServerError("error", "bybit:subscribe", "args size >10", 1)
    ]
    assert norm.unknown_messages == 0


@pytest.mark.parametrize(
    "frame",
    [
        b"[]",
        b"{}",
        b'{"topic": "publicTrade.BTCUSDT", "data": []}',
        b'{"topic": "tickers.BTCUSDT", "ts": 1, "data": {"symbol": "BTCUSDT"}}',  # no lastPrice
        b'{"topic": "tickers.BTCUSDT", "data": {"symbol": "BTCUSDT", "lastPrice": "1"}}',  # no ts
        b'{"topic": "tickers.BTCUSDT", "ts": 1, "data": "x"}',
    ],
)
def test_unknown_shapes_are_counted_never_raised(frame: bytes) -> None:
    norm = BybitNormalizer()
    [event] = norm.parse(frame, epoch=0)
    assert isinstance(event, UnknownMessage)
    assert norm.unknown_messages == 1


def test_malformed_json_raises_parse_error() -> None:
    with pytest.raises(ParseError):
        BybitNormalizer().parse(b"{", epoch=0)


def test_op_message_is_exact() -> None:
    assert op_message("subscribe", ["tickers.BTCUSDT"], "1") == (
        '{"op":"subscribe","args":["tickers.BTCUSDT"],"req_id":"1"}'
    )
    assert op_message("unsubscribe", ["tickers.ETHUSDT"], "7") == (
        '{"op":"unsubscribe","args":["tickers.ETHUSDT"],"req_id":"7"}'
    )
    assert orjson.loads(PING_TEXT) == {"op": "ping"}
    with pytest.raises(ValueError):
        op_message("ping", [], "1")


def test_topics_for_only_tickers_of_usdt_codes() -> None:
    merged = merge_specs(
        [
            SubscriptionSpec("ticker", ("USDT-ETH", "USDT-BTC", "KRW-BTC")),
            SubscriptionSpec("orderbook", ("USDT-BTC",)),
        ]
    )
    assert topics_for(merged) == ("tickers.BTCUSDT", "tickers.ETHUSDT")


def test_build_requests_diffs_and_chunks_ten_args() -> None:
    connector = BybitConnector("ws://127.0.0.1:1/v5/public/spot")
    bases = [f"C{i:02d}" for i in range(12)]
    many = merge_specs([SubscriptionSpec("ticker", tuple(f"USDT-{b}" for b in bases))])
    first = connector.build_requests(None, many)
    assert len(first) == 2
    msgs = [orjson.loads(m) for m in first]
    assert [len(m["args"]) for m in msgs] == [MAX_ARGS_PER_REQUEST, 2]
    assert [m["req_id"] for m in msgs] == ["1", "2"]
    assert msgs[0]["args"][0] == "tickers.C00USDT"
    fewer = merge_specs([SubscriptionSpec("ticker", ("USDT-C00", "USDT-NEW"))])
    assert connector.build_requests(many, fewer) == [
        '{"op":"subscribe","args":["tickers.NEWUSDT"],"req_id":"3"}',
        '{"op":"unsubscribe","args":["tickers.C01USDT","tickers.C02USDT","tickers.C03USDT",'
        '"tickers.C04USDT","tickers.C05USDT","tickers.C06USDT","tickers.C07USDT","tickers.C08USDT",'
        '"tickers.C09USDT","tickers.C10USDT"],"req_id":"4"}',
        '{"op":"unsubscribe","args":["tickers.C11USDT"],"req_id":"5"}',
    ]
    assert connector.build_requests(fewer, fewer) == []


def test_heartbeat_rule_and_registry() -> None:
    assert "bybit-public" in available_connectors()
    connector = create_connector("bybit-public", Settings(bybit_ws_url="ws://127.0.0.1:9/v5/public/spot"))
    assert isinstance(connector, BybitConnector)
    assert connector.url == "ws://127.0.0.1:9/v5/public/spot"
    keepalive = connector.keepalive
    # A JSON ping every 20 s whatever the traffic; no protocol pings (Bybit documents only the JSON one).
    assert keepalive.text_ping == '{"op":"ping"}'
    assert keepalive.text_ping_after_s == 20.0 and keepalive.text_ping_always
    assert keepalive.ping_interval_s is None
    assert not connector.clear_by_reconnect
