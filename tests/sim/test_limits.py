"""Idle timeout, connect rate (HTTP 429) and per-connection message limits."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.sim.conftest import client, recv_obj
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio

TICKER = '[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"is_only_snapshot":true}]'


async def test_idle_connection_is_dropped() -> None:
    async with Simulator(idle_timeout_s=0.5, msg_rate=0) as sim:
        async with client(sim.ws_url) as ws:
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), 5.0)
            assert info.value.rcvd is None  # TCP dropped, no close frame: clients see 1006
        await sim.wait_for(lambda: not sim.open_connections())


async def test_idle_close_code_configurable() -> None:
    async with Simulator(idle_timeout_s=0.5, idle_close_code=1000, msg_rate=0) as sim:
        async with client(sim.ws_url) as ws:
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), 5.0)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1000


async def test_pings_keep_an_idle_connection_open() -> None:
    async with Simulator(idle_timeout_s=0.6, msg_rate=0) as sim:
        async with client(sim.ws_url, ping_interval=0.1, ping_timeout=1.0) as ws:
            await asyncio.sleep(1.5)  # well past the idle timeout; keepalive pings count as traffic
            await ws.send("PING")
            assert await recv_obj(ws) == {"status": "UP"}
        assert sim.connections[0].close_code != 1006


async def test_streaming_data_counts_as_traffic() -> None:
    async with Simulator(idle_timeout_s=0.5, msg_rate=2000) as sim:
        async with client(sim.ws_url) as ws:
            await ws.send('[{"ticket":"t"},{"type":"orderbook","codes":["KRW-BTC"]}]')
            loop = asyncio.get_running_loop()
            end = loop.time() + 1.2
            while loop.time() < end:
                await recv_obj(ws)


async def test_connect_rate_limit_gives_http_429() -> None:
    async with Simulator(msg_rate=0, connect_rate_per_s=5) as sim:
        # Six handshakes at once: the sixth within the same second is refused.
        results = await asyncio.gather(*(client(sim.ws_url) for _ in range(6)), return_exceptions=True)
        refused = [r for r in results if isinstance(r, InvalidStatus)]
        assert len(refused) == 1 and refused[0].response.status_code == 429
        assert sim.stats["rejected_429"] == 1
        for ws in results:
            if not isinstance(ws, BaseException):
                await ws.close()


async def test_origin_header_is_throttled() -> None:
    async with Simulator(msg_rate=0) as sim:
        ws = await client(sim.ws_url, origin="http://localhost")  # type: ignore[arg-type]
        with pytest.raises(InvalidStatus) as info:
            await client(sim.ws_url, origin="http://localhost")  # type: ignore[arg-type]
        assert info.value.response.status_code == 429
        await ws.close()


async def test_unknown_path_is_404(sim: Simulator) -> None:
    with pytest.raises(InvalidStatus) as info:
        await client(sim.ws_url.replace("/websocket/v1", "/ws"))
    assert info.value.response.status_code == 404


async def test_message_rate_error_reaction() -> None:
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_url) as ws:
            for _ in range(6):
                await ws.send(TICKER)
            frames = [await recv_obj(ws) for _ in range(6)]
            assert [f.get("error", {}).get("name") for f in frames].count("TOO_MANY_SUBSCRIBE") == 1
            assert sum(1 for f in frames if f.get("type") == "ticker") == 5
        assert [r.rate_limited for r in sim.requests] == [False] * 5 + [True]


async def test_message_rate_per_minute() -> None:
    async with Simulator(msg_rate=0, msg_rate_per_s=0, msg_rate_per_min=3) as sim:
        async with client(sim.ws_url) as ws:
            for _ in range(4):
                await ws.send(TICKER)
            frames = [await recv_obj(ws) for _ in range(4)]
            assert frames[-1]["error"]["name"] == "TOO_MANY_SUBSCRIBE"
        assert sim.stats["rate_limited"] == 1


async def test_message_rate_close_reaction() -> None:
    async with Simulator(msg_rate=0, rate_limit_reaction="close") as sim:
        async with client(sim.ws_url) as ws:
            for _ in range(6):
                await ws.send(TICKER)
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await recv_obj(ws)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1008


async def test_message_rate_drop_reaction() -> None:
    async with Simulator(msg_rate=0, rate_limit_reaction="drop") as sim:
        async with client(sim.ws_url) as ws:
            for _ in range(6):
                await ws.send(TICKER)
            await ws.send("PING")  # not counted by default
            frames = [await recv_obj(ws) for _ in range(6)]
            assert frames[-1] == {"status": "UP"}
            assert all(f.get("type") == "ticker" for f in frames[:5])
        assert sim.stats["rate_limited"] == 1
