"""RestClient against a scripted loopback HTTP server (every fault on demand) and the simulator."""

from __future__ import annotations

import asyncio
import gzip
import os
import time
import urllib.parse
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import pytest_asyncio
from msgspec.structs import replace

from tests.ui.chart.support import demo_candles
from upbit_monitor.connection.rest import RestClient, parse_candle, parse_remaining_req, parse_ticker
from upbit_monitor.connection.rest_models import parse_orderbook, parse_trade_tick
from upbit_monitor.errors import ConnectionFailure, RestError

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
Reply = tuple[int, dict[str, str], bytes]


class FakeUpbit:
    """Serves Upbit quotation paths on 127.0.0.1; ``script`` replies can be queued per request."""

    def __init__(self) -> None:
        self.candles = demo_candles(count=450, end=END)
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self.script: list[Reply] = []
        self.remaining_sec = 9
        self.gzip = False
        self.server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ")[1].decode()
            parts = urllib.parse.urlsplit(target)
            query = dict(urllib.parse.parse_qsl(parts.query))
            self.requests.append((time.monotonic(), parts.path, query))
            status, headers, body = self.script.pop(0) if self.script else self._route(parts.path, query)
            headers.setdefault("Remaining-Req", f"group=candle; min=1800; sec={self.remaining_sec}")
            if self.gzip:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
        finally:
            writer.close()

    def _route(self, path: str, q: dict[str, str]) -> Reply:
        if path == "/v1/market/all":
            return 200, {}, orjson.dumps([
                {"market": "KRW-BTC", "korean_name": "비트코인", "english_name": "Bitcoin",
                 "market_event": {"warning": False, "caution": {"PRICE_FLUCTUATIONS": False}}},
                {"market": "KRW-XYZ", "korean_name": "엑스", "english_name": "Xyz",
                 "market_event": {"warning": True, "caution": {"PRICE_FLUCTUATIONS": True,
                                                               "TRADING_VOLUME_SOARING": False}}},
            ])
        if path.startswith("/v1/candles/minutes/"):
            to = datetime.fromisoformat(q["to"].replace("Z", "+00:00")) if "to" in q else END
            older = [c for c in self.candles if c.candle_date_time_utc < to.strftime("%Y-%m-%dT%H:%M:%S")]
            page = older[-int(q.get("count", "1")):][::-1]  # newest first, like Upbit
            return 200, {}, orjson.dumps([
                {"market": c.code, "candle_date_time_utc": c.candle_date_time_utc,
                 "candle_date_time_kst": c.candle_date_time_kst, "opening_price": c.opening_price,
                 "high_price": c.high_price, "low_price": c.low_price, "trade_price": c.trade_price,
                 "timestamp": c.timestamp, "candle_acc_trade_price": c.candle_acc_trade_price,
                 "candle_acc_trade_volume": c.candle_acc_trade_volume, "unit": 1}
                for c in page
            ])
        if path == "/v1/orderbook":
            return 200, {}, orjson.dumps([
                {"market": m, "timestamp": 1, "total_ask_size": 3.0, "total_bid_size": 4.0, "level": 0,
                 "orderbook_units": [
                     {"ask_price": 101.0, "bid_price": 100.0, "ask_size": 1.5, "bid_size": 2.0}
                 ]}
                for m in q["markets"].split(",")
            ])
        if path == "/v1/ticker":
            return 200, {}, orjson.dumps([
                {"market": m, "trade_price": 100.0, "opening_price": 90.0, "high_price": 110.0,
                 "low_price": 80.0, "prev_closing_price": 95.0, "change": "RISE", "change_price": 5.0,
                 "signed_change_price": 5.0, "change_rate": 0.0526, "signed_change_rate": 0.0526,
                 "acc_trade_price_24h": 1e9, "acc_trade_volume_24h": 1e7, "timestamp": 2}
                for m in q["markets"].split(",")
            ])
        return 404, {}, b'{"error":{"name":404,"message":"Code not found"}}'


@pytest_asyncio.fixture
async def upbit():
    server = FakeUpbit()
    await server.start()
    yield server
    await server.stop()


def _client(server: FakeUpbit, **kw) -> RestClient:
    return RestClient(server.url, timeout_s=5, **kw)


def _candle_calls(server: FakeUpbit) -> list[dict[str, str]]:
    return [q for _, path, q in server.requests if path.startswith("/v1/candles")]


def test_parse_remaining_req():
    assert parse_remaining_req("group=candle; min=1800; sec=29") == ("candle", 29)
    assert parse_remaining_req("group=default; sec=0") == ("default", 0)
    assert parse_remaining_req("garbage") is None
    assert parse_remaining_req(None) is None


@pytest.mark.asyncio
async def test_market_all_parses_names_and_warnings(upbit):
    markets = await _client(upbit).market_all()
    assert [m.code for m in markets] == ["KRW-BTC", "KRW-XYZ"]
    assert markets[0].korean_name == "비트코인" and not markets[0].warning
    assert markets[1].warning and markets[1].cautions == ("PRICE_FLUCTUATIONS",)
    assert upbit.requests[0][2] == {"is_details": "true"}


@pytest.mark.asyncio
async def test_candles_minutes_oldest_first_with_encoded_to(upbit):
    client = _client(upbit)
    to = END - timedelta(minutes=100)
    candles = await client.candles_minutes("KRW-BTC", 1, to=to, count=5)
    assert [c.candle_date_time_utc for c in candles] == [
        c.candle_date_time_utc for c in upbit.candles[-105:-100]
    ]
    assert candles[0].type == "candle.1m" and candles[0].code == "KRW-BTC"
    assert _candle_calls(upbit)[0]["to"] == "2026-11-23T10:20:00Z"
    with pytest.raises(ValueError):
        await client.candles_minutes("KRW-BTC", 2)


@pytest.mark.asyncio
async def test_candles_range_pages_back_with_exclusive_to(upbit):
    start = END - timedelta(minutes=430)
    candles = await _client(upbit).candles_range("KRW-BTC", 1, start, END)
    assert candles == [replace(c, stream_type="REST") for c in upbit.candles[-430:]]
    calls = _candle_calls(upbit)
    assert [q["count"] for q in calls] == ["200", "200", "200"]
    # each page ends right before the oldest candle of the previous one
    assert calls[1]["to"] == upbit.candles[-200].candle_date_time_utc + "Z"
    assert calls[2]["to"] == upbit.candles[-400].candle_date_time_utc + "Z"


@pytest.mark.asyncio
async def test_candles_range_stops_at_the_start_of_history(upbit):
    candles = await _client(upbit).candles_range("KRW-BTC", 1, END - timedelta(days=3), END)
    assert len(candles) == 450
    assert len(_candle_calls(upbit)) == 3  # the third page was short: no older history


@pytest.mark.asyncio
async def test_429_is_retried_then_succeeds(upbit):
    upbit.script = [(429, {"Retry-After": "0"}, b'{"error":{"name":429,"message":"Too many"}}')] * 2
    client = _client(upbit)
    orderbooks = await client.orderbook(["KRW-BTC"])
    assert orderbooks[0].orderbook_units[0].bid_size == 2.0
    assert (client.throttled, client.requests) == (2, 3)


@pytest.mark.asyncio
async def test_429_gives_up_after_max_retries(upbit):
    upbit.script = [(429, {"Retry-After": "0"}, b"")] * 5
    client = _client(upbit, max_retries=2)
    with pytest.raises(RestError) as info:
        await client.market_all()
    assert info.value.status == 429 and client.requests == 3


@pytest.mark.asyncio
async def test_418_blocks_further_calls_without_touching_the_network(upbit):
    upbit.script = [(418, {"Retry-After": "60"}, b'{"error":{"name":418,"message":"blocked"}}')]
    client = _client(upbit)
    with pytest.raises(RestError) as info:
        await client.market_all()
    assert info.value.status == 418 and "blocked" in str(info.value)
    with pytest.raises(RestError) as again:
        await client.tickers(["KRW-BTC"])
    assert again.value.status == 418
    assert len(upbit.requests) == 1 and client.blocked == 1


@pytest.mark.asyncio
async def test_exhausted_budget_waits_for_the_next_second(upbit):
    upbit.remaining_sec = 0
    client = _client(upbit)
    await client.candles_minutes("KRW-BTC", 1, count=1)
    await client.candles_minutes("KRW-BTC", 1, count=1)
    (t1, _, _), (t2, _, _) = upbit.requests
    assert t2 - t1 >= 0.9  # the second call waited for Upbit's next one-second window


@pytest.mark.asyncio
async def test_error_body_is_mapped(upbit):
    upbit.script = [(404, {}, b'{"error":{"name":404,"message":"Code not found"}}')]
    with pytest.raises(RestError) as info:
        await _client(upbit).tickers(["KRW-NOPE"])
    err = info.value
    assert isinstance(err, ConnectionFailure)
    assert (err.status, err.name) == (404, "404") and "Code not found" in str(err)


@pytest.mark.asyncio
async def test_gzip_and_garbage_bodies(upbit):
    upbit.gzip = True
    tickers = await _client(upbit).tickers(["KRW-BTC", "KRW-ETH"])
    assert [t.market for t in tickers] == ["KRW-BTC", "KRW-ETH"]
    assert tickers[0].as_ticker().code == "KRW-BTC" and tickers[0].as_ticker().trade_price == 100.0
    upbit.gzip = False
    upbit.script = [(200, {}, b"<html>oops</html>")]
    with pytest.raises(RestError, match="not JSON"):
        await _client(upbit).market_all()
    upbit.script = [(200, {}, b'{"not": "a list"}')]
    with pytest.raises(RestError, match="expected a JSON array"):
        await _client(upbit).market_all()
    upbit.script = [(200, {}, b'[{"korean_name": "no market key"}]')]
    with pytest.raises(RestError, match="unexpected element"):
        await _client(upbit).market_all()


@pytest.mark.asyncio
async def test_connection_refused_is_a_rest_error(upbit):
    url = upbit.url
    await upbit.stop()
    upbit.server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)  # for teardown
    with pytest.raises(RestError) as info:
        await RestClient(url, timeout_s=2).market_all()
    assert info.value.status == 0


@pytest.mark.live
@pytest.mark.skipif(not os.environ.get("UPBIT_MONITOR_LIVE"), reason="set UPBIT_MONITOR_LIVE=1")
@pytest.mark.asyncio
async def test_real_upbit_quotation_api():
    client = RestClient()
    markets = await client.market_all()
    assert any(m.code == "KRW-BTC" for m in markets)
    end = datetime.now(UTC)
    candles = await client.candles_range("KRW-BTC", 1, end - timedelta(minutes=250), end)
    assert 0 < len(candles) <= 250
    assert candles == sorted(candles, key=lambda c: c.candle_date_time_utc)
    assert (await client.orderbook(["KRW-BTC"]))[0].orderbook_units


_TICKER = {
    "market": "KRW-BTC", "trade_price": 100.0, "opening_price": 99.0, "high_price": 101.0, "low_price": 98.0,
    "prev_closing_price": 99.0, "change": "RISE", "change_price": 1.0, "signed_change_price": 1.0,
    "change_rate": 0.01, "signed_change_rate": 0.01, "acc_trade_price_24h": 1e9, "acc_trade_volume_24h": 1e7,
}
_CANDLE = {
    "market": "KRW-BTC", "candle_date_time_utc": "2026-12-04T00:00:00",
    "candle_date_time_kst": "2026-12-04T09:00:00", "opening_price": 100.0, "high_price": 101.0,
    "low_price": 99.0, "trade_price": 100.5, "candle_acc_trade_volume": 2.0,
    "candle_acc_trade_price": 201.0, "timestamp": 1_796_342_400_000, "unit": 1,
}

_TRADE = {
    "market": "KRW-BTC", "trade_date_utc": "2026-12-04", "trade_time_utc": "00:00:01",
    "timestamp": 1_796_342_401_000, "trade_price": 100.0, "trade_volume": 0.5,
    "prev_closing_price": 99.0, "change_price": 1.0, "ask_bid": "BID", "sequential_id": 17963424010000001,
}
_BOOK = {
    "market": "KRW-BTC", "timestamp": 1_796_342_401_000, "total_ask_size": 3.0, "total_bid_size": 4.0,
    "orderbook_units": [{"ask_price": 101.0, "bid_price": 100.0, "ask_size": 1.0, "bid_size": 2.0}],
    "level": 0,
}


def test_rest_ticker_defaults_what_some_answers_leave_out():
    t = parse_ticker(_TICKER)
    got = (t.market, t.trade_price, t.trade_volume, t.trade_date, t.timestamp)
    assert got == ("KRW-BTC", 100.0, 0.0, "", 0)
    assert t.as_ticker().stream_type == "REST"


def test_rest_candle_is_a_stream_candle_of_the_unit():
    c = parse_candle(_CANDLE, 15)
    assert (c.type, c.code, c.trade_price, c.stream_type) == ("candle.15m", "KRW-BTC", 100.5, "REST")


def test_rest_trade_is_a_stream_trade():
    t = parse_trade_tick(_TRADE)
    got = (t.code, t.trade_price, t.trade_volume, t.ask_bid, t.trade_date, t.sequential_id, t.change)
    assert got == ("KRW-BTC", 100.0, 0.5, "BID", "2026-12-04", 17963424010000001, "EVEN")
    assert (t.trade_timestamp, t.stream_type) == (1_796_342_401_000, "REST")


@pytest.mark.parametrize(("level", "want"), [(0, 0.0), (None, 0.0), ("10000", 10000.0), (0.5, 0.5)])
def test_rest_orderbook_is_a_stream_orderbook_with_a_float_level(level, want):
    book = parse_orderbook({**_BOOK, "level": level})
    assert (book.code, book.level, book.total_bid_size, book.stream_type) == ("KRW-BTC", want, 4.0, "REST")
    assert book.orderbook_units[0].bid_price == 100.0


@pytest.mark.parametrize("level", ["ten", "-5", -5.0, "nan"])
def test_rest_orderbook_refuses_a_level_that_is_none(level):
    with pytest.raises(RestError, match="level"):
        parse_orderbook({**_BOOK, "level": level})


@pytest.mark.parametrize(
    ("parse", "item", "field"),
    [
        (parse_ticker, {**_TICKER, "trade_price": "100.0"}, "trade_price"),  # a string where a number goes
        (parse_ticker, {**_TICKER, "high_price": -1.0}, "high_price"),  # a price must be positive
        (parse_ticker, {k: v for k, v in _TICKER.items() if k != "market"}, "market"),
        (lambda item: parse_candle(item, 1), {**_CANDLE, "low_price": None}, "low_price"),
        (lambda item: parse_candle(item, 1), {**_CANDLE, "candle_date_time_utc": "today"}, "date_time_utc"),
        (lambda item: parse_candle(item, 1), ["not", "an", "object"], "object"),
        (parse_ticker, "KRW-BTC", "object"),
        (parse_trade_tick, {**_TRADE, "trade_price": "100.0"}, "trade_price"),
        (parse_trade_tick, {**_TRADE, "trade_volume": -0.5}, "trade_volume"),
        (parse_trade_tick, {k: v for k, v in _TRADE.items() if k != "sequential_id"}, "sequential_id"),
        (parse_trade_tick, {**_TRADE, "timestamp": "1796342401000"}, "timestamp"),
        (parse_orderbook, {**_BOOK, "total_ask_size": "3"}, "total_ask_size"),
        (parse_orderbook, {**_BOOK, "orderbook_units": [{**_BOOK["orderbook_units"][0], "ask_size": None}]},
         "orderbook_units[0].ask_size"),
        (parse_orderbook, {**_BOOK, "orderbook_units": None}, "orderbook_units"),
    ],
)
def test_wrong_typed_rest_values_are_a_rest_error_naming_the_field(parse, item, field):
    with pytest.raises(RestError, match="unexpected element") as info:
        parse(item)
    assert field in str(info.value)
