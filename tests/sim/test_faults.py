"""Fault injection: every fault observed from a plain websockets client."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.sim.conftest import client, kind, recv_obj, recv_until
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio

SUB = '[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]'


async def test_drop_all(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(SUB)
        await recv_obj(ws)
        assert sim.faults.drop_all() == 1
        with pytest.raises(ConnectionClosed) as info:
            while True:
                await recv_obj(ws)
        assert info.value.rcvd is None  # abnormal closure 1006
    await sim.wait_for(lambda: not sim.open_connections())


async def test_close_all_with_code(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(SUB)
        await recv_obj(ws)
        await sim.faults.close_all(4001, "maintenance")
        with pytest.raises(ConnectionClosed) as info:
            while True:
                await recv_obj(ws)
        assert info.value.rcvd is not None
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (4001, "maintenance")


async def test_stall_stops_data_and_pongs_then_resumes(sim: Simulator) -> None:
    async with client(sim.ws_url, ping_interval=None) as ws:
        await ws.send(SUB)
        await recv_obj(ws)
        sim.faults.stall()
        while True:  # drain what was in flight before the stall
            try:
                await asyncio.wait_for(ws.recv(), 0.3)
            except TimeoutError:
                break
        pong = await ws.ping()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pong), 0.4)
        assert sim.open_connections()  # TCP still open
        sim.faults.unstall()
        await asyncio.wait_for(pong, 2.0)  # the buffered ping is answered now
        obj = await recv_obj(ws)
        assert kind(obj) == ("trade", "REALTIME")


async def test_stall_for_a_duration(sim: Simulator) -> None:
    async with client(sim.ws_url, ping_interval=None) as ws:
        sim.faults.stall(0.3)
        await ws.send("PING")
        assert await recv_obj(ws, within=3.0) == {"status": "UP"}  # answered once the stall ends


async def test_send_malformed(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send("PING")
        await recv_obj(ws)
        sim.faults.send_malformed()
        raw = await asyncio.wait_for(ws.recv(), 2.0)
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(raw)


async def test_send_error_frame(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send("PING")
        await recv_obj(ws)
        sim.faults.send_error("INVALID_AUTH", "nope")
        assert await recv_obj(ws) == {"error": {"name": "INVALID_AUTH", "message": "nope"}}


async def test_refuse_handshakes(sim: Simulator) -> None:
    sim.faults.refuse_handshakes(0.3, status=503)
    with pytest.raises(InvalidStatus) as info:
        await client(sim.ws_url)
    assert info.value.response.status_code == 503
    await asyncio.sleep(0.35)
    async with client(sim.ws_url) as ws:
        await ws.send("PING")
        assert await recv_obj(ws) == {"status": "UP"}


async def test_slow_and_pause_feed(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(SUB)
        await recv_obj(ws)
        sim.faults.pause_feed()
        await asyncio.sleep(0.1)
        while True:
            try:
                await asyncio.wait_for(ws.recv(), 0.3)
            except TimeoutError:
                break
        before = sim.feed.events_generated
        await asyncio.sleep(0.2)
        assert sim.feed.events_generated == before
        sim.faults.slow_feed(0.5)
        assert sim.feed.speed == 0.5 and not sim.feed.paused
        await recv_obj(ws, within=3.0)
        sim.faults.normal_feed()
        assert sim.feed.speed == 1.0


async def test_restart_on_same_port(sim: Simulator) -> None:
    port = sim.port
    async with client(sim.ws_url) as ws:
        await ws.send(SUB)
        await recv_obj(ws)
        await sim.restart(downtime_s=0.2)
        with pytest.raises(ConnectionClosed):
            while True:
                await recv_obj(ws)
    assert sim.port == port
    async with client(sim.ws_url) as ws:
        await ws.send(SUB)
        frames = await recv_until(ws, lambda o: kind(o) == ("trade", "REALTIME"))
        assert frames[0]["stream_type"] == "SNAPSHOT"


async def test_graceful_restart_sends_1001(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send("PING")
        await recv_obj(ws)
        await sim.restart(graceful=True)
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 2.0)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1001


async def test_faults_can_target_one_endpoint(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send("PING")
        await recv_obj(ws)
        assert sim.faults.drop_all(private=True) == 0
        await ws.send("PING")
        assert await recv_obj(ws) == {"status": "UP"}


async def test_fault_on_one_connection(sim: Simulator) -> None:
    async with client(sim.ws_url) as a, client(sim.ws_url) as b:
        for ws in (a, b):
            await ws.send("PING")
            await recv_obj(ws)
        first = sim.connections[0].id
        assert sim.faults.drop_all(conn_id=first) == 1
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(a.recv(), 2.0)
        await b.send("PING")
        assert await recv_obj(b) == {"status": "UP"}
