"""The Binance- and Bybit-shaped simulators: protocol replies, pushed quotes and the configured premium.

Raw websockets clients talk to the simulators; what they receive is decoded with OUR normalisers,
so these tests also prove the normalisers read what the simulators (modelled on the docs) send.
"""

from __future__ import annotations

import asyncio

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from upbit_monitor.exchanges.binance import BinanceNormalizer
from upbit_monitor.exchanges.bybit import BybitNormalizer
from upbit_monitor.exchanges.quotes import ControlAck, PriceQuote, premium
from upbit_monitor.protocol.events import ServerError
from upbit_monitor.sim.binance import BinanceSim
from upbit_monitor.sim.bybit import BybitSim
from upbit_monitor.sim.foreign_prices import ForeignSimConfig
from upbit_monitor.sim.market import MarketModel

FAST = ForeignSimConfig(premium=0.025, push_interval_s=0.05)


@pytest.fixture
def model() -> MarketModel:
    return MarketModel(seed=7, n_krw=30, now_ms=1_700_000_000_000)


# The simulators run inside each test (``async with``), not in an async fixture: qasync runs one
# last round of callbacks after a test's coroutine returns, outside the running loop, and a server
# handler finishing in that round fails with "no running event loop". Closing inside the test
# waits for every handler first.
def binance_sim(model: MarketModel) -> BinanceSim:
    return BinanceSim(model, FAST)


def bybit_sim(model: MarketModel) -> BybitSim:
    return BybitSim(model, ForeignSimConfig(premium=0.03, push_interval_s=0.05, max_requests_per_s=0))


async def recv_json(ws: ClientConnection) -> object:
    return orjson.loads(await asyncio.wait_for(ws.recv(), 5))


async def next_quote(ws: ClientConnection, normalizer: BinanceNormalizer | BybitNormalizer) -> PriceQuote:
    while True:
        frame = await asyncio.wait_for(ws.recv(), 5)
        for event in normalizer.parse(frame, epoch=1):
            if isinstance(event, PriceQuote):
                return event


@pytest.mark.asyncio
async def test_binance_subscribe_reply_and_ticker_at_configured_premium(model: MarketModel) -> None:
    async with binance_sim(model) as binance:
        async with connect(binance.url, proxy=None) as ws:
            await ws.send('{"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":1}')
            assert await recv_json(ws) == {"result": None, "id": 1}
            quote = await next_quote(ws, BinanceNormalizer())
            assert quote.code == "binance:BTCUSDT" and quote.bid is not None and quote.volume is not None
            value = premium(model.price("KRW-BTC"), quote.price, model.price("KRW-USDT"))
            assert value == pytest.approx(0.025, abs=2e-4)  # up to USDT tick rounding
            await ws.send('{"method":"LIST_SUBSCRIPTIONS","id":2}')
            # A quote may be in flight before the reply.
            while (reply := await recv_json(ws)) and "id" not in reply:  # type: ignore[operator]
                pass
            assert reply == {"result": ["btcusdt@ticker"], "id": 2}


@pytest.mark.asyncio
async def test_binance_book_ticker_and_raw_path(model: MarketModel) -> None:
    async with binance_sim(model) as binance:
        raw_url = binance.url.replace("/stream", "/ws/ethusdt@bookTicker")
        async with connect(raw_url, proxy=None) as ws:
            payload = await recv_json(ws)
            assert isinstance(payload, dict) and "stream" not in payload  # raw: not wrapped
            assert payload["s"] == "ETHUSDT" and float(payload["b"]) <= float(payload["a"])
            [quote] = BinanceNormalizer().parse(orjson.dumps(payload), epoch=0)
            assert quote.symbol == "ETHUSDT"


@pytest.mark.asyncio
async def test_binance_errors_and_unlisted_or_uppercase_streams(model: MarketModel) -> None:
    async with binance_sim(model) as binance:
        async with connect(binance.url, proxy=None) as ws:
            norm = BinanceNormalizer()
            await ws.send("{nope")
            [err] = norm.parse(await ws.recv(), epoch=0)
            assert isinstance(err, ServerError) and err.name == "binance:3"
            await ws.send('{"method":"SUBSCRIBEX","params":[],"id":4}')
            [err] = norm.parse(await ws.recv(), epoch=0)
            assert err.name == "binance:2" and "unknown variant" in err.message
            await ws.send('{"method":"SUBSCRIBE","params":["BTCUSDT@ticker","nocoinusdt@ticker"],"id":5}')
            assert await recv_json(ws) == {"result": None, "id": 5}
            await ws.send('{"method":"LIST_SUBSCRIPTIONS","id":6}')
            assert await recv_json(ws) == {"result": ["BTCUSDT@ticker", "nocoinusdt@ticker"], "id": 6}
            # Neither stream ever sends data: the next frame is the reply to our next request.
            await ws.send('{"method":"UNSUBSCRIBE","params":["BTCUSDT@ticker"],"id":7}')
            assert await recv_json(ws) == {"result": None, "id": 7}


@pytest.mark.asyncio
async def test_binance_closes_a_connection_over_five_messages_per_second(model: MarketModel) -> None:
    async with binance_sim(model) as binance:
        async with connect(binance.url, proxy=None) as ws:
            for i in range(6):
                await ws.send(f'{{"method":"LIST_SUBSCRIPTIONS","id":{i}}}')
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1008


@pytest.mark.asyncio
async def test_binance_server_shutdown_event(model: MarketModel) -> None:
    async with binance_sim(model) as binance:
        async with connect(binance.url, proxy=None) as ws:
            await ws.send('{"method":"LIST_SUBSCRIPTIONS","id":1}')
            await recv_json(ws)
            await binance.announce_shutdown()
            [event] = BinanceNormalizer().parse(await ws.recv(), epoch=0)
            assert isinstance(event, ServerError) and event.name == "serverShutdown"


@pytest.mark.asyncio
async def test_bybit_ops_pong_and_ticker_at_configured_premium(model: MarketModel) -> None:
    async with bybit_sim(model) as bybit:
        norm = BybitNormalizer()
        async with connect(bybit.url, proxy=None) as ws:
            await ws.send('{"op":"ping"}')
            assert norm.parse(await ws.recv(), epoch=1) == [ControlAck("ack", "bybit", "ping", None, (), 1)]
            await ws.send('{"op":"subscribe","args":["tickers.BTCUSDT"],"req_id":"1"}')
            reply = await recv_json(ws)
            assert reply == {
                "success": True, "ret_msg": "subscribe", "conn_id": "sim-bybit-1", "req_id": "1",
                "op": "subscribe",
            }
            quote = await next_quote(ws, norm)
            assert quote.code == "bybit:BTCUSDT" and quote.bid is None  # spot tickers carry no bid/ask
            value = premium(model.price("KRW-BTC"), quote.price, model.price("KRW-USDT"))
            assert value == pytest.approx(0.03, abs=2e-4)


@pytest.mark.asyncio
async def test_bybit_refusals(model: MarketModel) -> None:
    async with bybit_sim(model) as bybit:
        norm = BybitNormalizer()
        async with connect(bybit.url, proxy=None) as ws:
            eleven = [f"tickers.X{i}USDT" for i in range(11)]
            await ws.send(orjson.dumps({"op": "subscribe", "args": eleven, "req_id": "2"}).decode())
            [err] = norm.parse(await ws.recv(), epoch=0)
            assert err == ServerError("error", "bybit:subscribe", "args size >10", 0)
            await ws.send('{"op":"subscribe","args":["tickers.NOPEUSDT"]}')
            [err] = norm.parse(await ws.recv(), epoch=0)
            assert isinstance(err, ServerError) and "NOPEUSDT" in err.message


@pytest.mark.asyncio
async def test_bybit_heartbeat_timeout_closes_silent_clients(model: MarketModel) -> None:
    config = ForeignSimConfig(push_interval_s=0.05, heartbeat_timeout_s=0.2, max_requests_per_s=0)
    sim = BybitSim(model, config)
    await sim.start()
    try:
        async with connect(sim.url, proxy=None) as ws:
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            assert info.value.rcvd is not None and info.value.rcvd.reason == "heartbeat timeout"
    finally:
        await sim.close()
