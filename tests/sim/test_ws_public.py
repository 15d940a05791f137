"""Public WebSocket behaviour of the simulator, checked with a plain websockets client."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from tests.sim.conftest import client, kind, recv_obj, recv_until
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio


def req(*objs: object) -> str:
    return orjson.dumps([{"ticket": "test"}, *objs]).decode()


async def test_binary_default_frames_snapshot_then_realtime(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "ticker", "codes": ["KRW-BTC"]}))
        first = await recv_obj(ws)
        assert kind(first) == ("ticker", "SNAPSHOT")
        assert first["code"] == "KRW-BTC"
        assert first["trade_date"].isdigit() and len(first["trade_date"]) == 8
        second = await recv_obj(ws)
        assert kind(second) == ("ticker", "REALTIME")
    record = sim.connections[0]
    assert record.requests[0].text == req({"type": "ticker", "codes": ["KRW-BTC"]})
    assert record.requests[0].parsed is not None


async def test_server_sends_nothing_before_a_request(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)


async def test_request_replaces_subscription_set(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]}))
        await recv_until(ws, lambda o: kind(o) == ("ticker", "REALTIME"))
        await ws.send(req({"type": "trade", "codes": ["KRW-XRP"]}))
        await recv_until(ws, lambda o: kind(o) == ("trade", "SNAPSHOT"))
        # Everything after the new snapshot belongs to the new set only.
        frames = [await recv_obj(ws) for _ in range(5)]
        assert {(kind(f), f["code"]) for f in frames} == {(("trade", "REALTIME"), "KRW-XRP")}


async def test_same_type_is_replaced_too(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "orderbook", "codes": ["KRW-ETH"]}))
        await recv_until(ws, lambda o: kind(o) == ("orderbook", "SNAPSHOT"))
        await ws.send(req({"type": "orderbook", "codes": ["KRW-BTC"]}))
        await recv_until(ws, lambda o: kind(o) == ("orderbook", "SNAPSHOT") and o["code"] == "KRW-BTC")
        frames = [await recv_obj(ws) for _ in range(5)]
        assert {f["code"] for f in frames} == {"KRW-BTC"}


async def test_format_is_connection_wide(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "trade", "codes": ["KRW-BTC"]}, {"format": "SIMPLE"}))
        obj = await recv_obj(ws)
        assert obj["ty"] == "trade" and "type" not in obj and "td" in obj
        # LIST_SUBSCRIPTIONS with JSON_LIST switches the whole connection to list frames.
        await ws.send(req({"method": "LIST_SUBSCRIPTIONS"}, {"format": "JSON_LIST"}))
        frames = await recv_until(ws, lambda o: isinstance(o, list) and "method" in o[0])
        listing = frames[-1][0]
        assert listing == {
            "method": "LIST_SUBSCRIPTIONS",
            "result": [{"type": "trade", "codes": ["KRW-BTC"]}],
            "ticket": "test",
        }
        nxt = await recv_obj(ws)
        assert isinstance(nxt, list) and len(nxt) == 1 and nxt[0]["type"] == "trade"
        await ws.send(req({"type": "trade", "codes": ["KRW-BTC"]}, {"format": "SIMPLE_LIST"}))
        frames = await recv_until(ws, lambda o: isinstance(o, list) and o[0].get("st") == "SNAPSHOT")
        assert frames[-1][0]["ty"] == "trade"


@pytest.mark.parametrize("flag", ["is_only_snapshot", "isOnlySnapshot"])
async def test_only_snapshot(sim: Simulator, flag: str) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"], flag: True}))
        a, b = await recv_obj(ws), await recv_obj(ws)
        assert {kind(a), kind(b)} == {("ticker", "SNAPSHOT")}
        assert {a["code"], b["code"]} == {"KRW-BTC", "KRW-ETH"}
        await ws.send("PING")
        assert await recv_obj(ws) == {"status": "UP"}  # no realtime frame in between


@pytest.mark.parametrize("flag", ["is_only_realtime", "isOnlyRealtime"])
async def test_only_realtime(sim: Simulator, flag: str) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "trade", "codes": ["KRW-BTC"], flag: True}))
        frames = [await recv_obj(ws) for _ in range(3)]
        assert all(kind(f) == ("trade", "REALTIME") for f in frames)


@pytest.mark.parametrize(("suffix", "depth"), [(".1", 1), (".5", 5), (".15", 15), ("", 30), (".7", 30)])
async def test_orderbook_depth(sim: Simulator, suffix: str, depth: int) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "orderbook", "codes": ["KRW-BTC" + suffix]}))
        snap = await recv_obj(ws)
        live = await recv_obj(ws)
        for ob in (snap, live):
            assert ob["code"] == "KRW-BTC" and ob["level"] == 0
            units = ob["orderbook_units"]
            assert len(units) == depth
            assert units[0]["ask_price"] > units[0]["bid_price"]
            assert ob["total_ask_size"] == pytest.approx(sum(u["ask_size"] for u in units))


async def test_orderbook_consistent_with_last_trade(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "trade", "codes": ["KRW-BTC"]}))
        for _ in range(10):
            t = await recv_obj(ws)
            assert t["best_bid_price"] < t["best_ask_price"]
            assert t["best_bid_price"] <= t["trade_price"] <= t["best_ask_price"]


async def test_orderbook_level_aggregation(sim: Simulator) -> None:
    levels = sim.model.state("KRW-BTC").book.supported_levels()
    level = levels[1]
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "orderbook", "codes": ["KRW-BTC.5"], "level": level}))
        ob = await recv_obj(ws)
        assert ob["level"] == level and len(ob["orderbook_units"]) == 5
        for u in ob["orderbook_units"]:
            assert u["ask_price"] % level == 0 and u["bid_price"] % level == 0
        # An unsupported level gives no data at all.
        await ws.send(req({"type": "orderbook", "codes": ["KRW-BTC"], "level": 123}))
        await ws.send("PING")
        assert await recv_until(ws, lambda o: o == {"status": "UP"}) is not None
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)


async def test_candle_snapshot_and_realtime(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(
            req({"type": "candle.1s", "codes": ["KRW-BTC"]}, {"type": "candle.1m", "codes": ["KRW-BTC"]})
        )
        snaps = [await recv_obj(ws), await recv_obj(ws)]
        assert {kind(s) for s in snaps} == {("candle.1s", "SNAPSHOT"), ("candle.1m", "SNAPSHOT")}
        live = await recv_until(ws, lambda o: o["stream_type"] == "REALTIME", within=3.0)
        c = live[-1]
        assert c["low_price"] <= c["trade_price"] <= c["high_price"]
        assert c["candle_date_time_utc"].endswith("00") or c["type"] == "candle.1s"


async def test_list_subscriptions_default(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "ticker", "codes": ["KRW-BTC"], "is_only_snapshot": True},
                          {"type": "orderbook", "codes": ["KRW-ETH.5"]}, {"format": "SIMPLE"}))
        await ws.send(orjson.dumps([{"ticket": "q1"}, {"method": "LIST_SUBSCRIPTIONS"}]).decode())
        frames = await recv_until(ws, lambda o: "method" in o)
        assert frames[-1] == {
            "method": "LIST_SUBSCRIPTIONS",
            "result": [{"type": "ticker", "codes": ["KRW-BTC"]},
                       {"type": "orderbook", "codes": ["KRW-ETH"], "level": 0}],
            "ticket": "q1",
        }
        # DEFAULT from the LIST request now applies to the stream.
        nxt = await recv_obj(ws)
        assert nxt["type"] == "orderbook"


async def test_text_ping_and_protocol_ping(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send("PING")
        assert await recv_obj(ws) == {"status": "UP"}
        latency = await asyncio.wait_for(await ws.ping(), 2.0)
        assert latency >= 0


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ('[{"type":"ticker","codes":["KRW-BTC"]}]', "NO_TICKET"),
        ('[{"ticket":"t"},{"codes":["KRW-BTC"]}]', "NO_TYPE"),
        ('[{"ticket":"t"},{"format":"SIMPLE"}]', "NO_TYPE"),
        ('[{"ticket":"t"},{"type":"ticker"}]', "NO_CODES"),
        ('[{"ticket":"t"},{"type":"ticker","codes":[]}]', "NO_CODES"),
        ('{not json', "WRONG_FORMAT"),
        ('"hello"', "WRONG_FORMAT"),
        ('[{"ticket":"t"},{"type":"ticker","codes":"KRW-BTC"}]', "WRONG_FORMAT"),
        ('[{"ticket":"t"},{"type":"tickers","codes":["KRW-BTC"]}]', "INVALID_PARAM"),
        ('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]},{"format":"XML"}]', "INVALID_PARAM"),
        ('[{"ticket":"t"},{"type":"myOrder"}]', "INVALID_PARAM"),
        ('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"is_only_snapshot":"yes"}]', "INVALID_PARAM"),
    ],
)
async def test_request_errors(sim: Simulator, message: str, name: str) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(message)
        err = await recv_obj(ws)
        assert err["error"]["name"] == name
        assert isinstance(err["error"]["message"], str)
    assert sim.connections[0].requests[0].error == name


async def test_error_keeps_previous_subscription(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "trade", "codes": ["KRW-BTC"]}))
        await recv_obj(ws)
        await ws.send('[{"ticket":"t"},{"type":"ticker"}]')
        frames = await recv_until(ws, lambda o: "error" in o)
        assert frames[-1]["error"]["name"] == "NO_CODES"
        nxt = await recv_obj(ws)
        assert kind(nxt) == ("trade", "REALTIME")


async def test_lowercase_codes_accepted_without_data(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(req({"type": "ticker", "codes": ["krw-btc"]}))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)


async def test_many_markets_and_subscribers_share_frames() -> None:
    async with Simulator(seed=3, msg_rate=5000, connect_rate_per_s=0) as sim:
        codes = sim.model.codes("KRW")
        assert len(codes) == 200 and "KRW-USDT" in codes
        assert sim.model.codes("BTC") and sim.model.codes("USDT")
        clients = [await client(sim.ws_url) for _ in range(3)]
        try:
            for ws in clients:
                await ws.send(req({"type": "ticker", "codes": codes}, {"format": "SIMPLE"}))
            for ws in clients:
                frames = [await recv_obj(ws) for _ in range(250)]
                assert {f["st"] for f in frames[:200]} == {"SNAPSHOT"}
                assert {f["cd"] for f in frames[:200]} == set(codes)
                assert frames[-1]["st"] == "REALTIME"
        finally:
            for ws in clients:
                await ws.close()


async def test_trickle_rate_still_trades() -> None:
    async with Simulator(seed=2, msg_rate=10) as sim, client(sim.ws_url) as ws:
        codes = sim.model.codes()
        await ws.send(req({"type": "trade", "codes": codes, "is_only_realtime": True}))
        first = await recv_obj(ws, within=10.0)
        assert kind(first) == ("trade", "REALTIME")
