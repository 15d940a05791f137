"""The UNCONFIRMED behaviours are configurable: each alternative mode, observed from a client."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from websockets.exceptions import ConnectionClosed

from tests.sim.conftest import client, kind, recv_obj, recv_until
from upbit_monitor.errors import ConfigError
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio

BOTH = (
    '[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"is_only_snapshot":true,"is_only_realtime":true}]'
)


async def test_both_flags_default_snapshot_only(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(BOTH)
        assert kind(await recv_obj(ws)) == ("ticker", "SNAPSHOT")
        await ws.send("PING")
        assert await recv_obj(ws) == {"status": "UP"}


async def test_both_flags_nothing_and_error() -> None:
    async with Simulator(msg_rate=1000, both_flags="nothing") as sim, client(sim.ws_url) as ws:
        await ws.send(BOTH)
        await ws.send("PING")
        assert await recv_obj(ws) == {"status": "UP"}
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)
    async with Simulator(msg_rate=0, both_flags="error") as sim, client(sim.ws_url) as ws:
        await ws.send(BOTH)
        assert (await recv_obj(ws))["error"]["name"] == "INVALID_PARAM"


async def test_list_batching() -> None:
    async with Simulator(msg_rate=4000, list_batch=50) as sim, client(sim.ws_url) as ws:
        codes = sim.model.codes("KRW")[:100]
        await ws.send(orjson.dumps([{"ticket": "t"}, {"type": "ticker", "codes": codes},
                                    {"format": "SIMPLE_LIST"}]).decode())
        sizes = []
        total = 0
        while total < 100:
            frame = await recv_obj(ws)
            assert isinstance(frame, list) and 1 <= len(frame) <= 50
            sizes.append(len(frame))
            total += len(frame)
        assert max(sizes) > 1  # the 100 snapshots were batched


async def test_error_clears_and_closes() -> None:
    async with Simulator(msg_rate=2000, error_clears_subscriptions=True) as sim, client(sim.ws_url) as ws:
        await ws.send('[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]')
        await recv_obj(ws)
        await ws.send('[{"ticket":"t"},{"type":"trade"}]')
        await recv_until(ws, lambda o: "error" in o)
        await ws.send("PING")
        assert (await recv_until(ws, lambda o: o == {"status": "UP"}))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)
    async with Simulator(msg_rate=0, close_on_error=True) as sim, client(sim.ws_url) as ws:
        await ws.send("[]")
        assert (await recv_obj(ws))["error"]["name"] == "WRONG_FORMAT"
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 2.0)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1008


async def test_bad_codes_error_mode() -> None:
    async with Simulator(msg_rate=0, bad_codes="error") as sim, client(sim.ws_url) as ws:
        await ws.send('[{"ticket":"t"},{"type":"ticker","codes":["krw-btc"]}]')
        assert (await recv_obj(ws))["error"]["name"] == "INVALID_PARAM"


async def test_text_control_frames_and_periodic_status() -> None:
    async with Simulator(msg_rate=0, binary_control_frames=False, status_up_interval_s=0.1) as sim:
        async with client(sim.ws_url) as ws:
            await ws.send("PING")
            frames = [await asyncio.wait_for(ws.recv(), 2.0) for _ in range(3)]
            assert frames == ['{"status":"UP"}'] * 3  # text frames, repeating after one PING


async def test_ping_counts_for_rate() -> None:
    async with Simulator(msg_rate=0, ping_counts_for_rate=True) as sim, client(sim.ws_url) as ws:
        for _ in range(6):
            await ws.send("PING")
        frames = [await recv_obj(ws) for _ in range(6)]
        assert frames[-1]["error"]["name"] == "TOO_MANY_SUBSCRIBE"


async def test_list_keeps_depth_suffix_option() -> None:
    async with Simulator(msg_rate=0, list_keeps_depth_suffix=True) as sim, client(sim.ws_url) as ws:
        await ws.send('[{"ticket":"t"},{"type":"orderbook","codes":["KRW-BTC.5"],"is_only_snapshot":true}]')
        await recv_obj(ws)
        await ws.send('[{"ticket":"q"},{"method":"LIST_SUBSCRIPTIONS"}]')
        reply = await recv_obj(ws)
        assert reply["result"] == [{"type": "orderbook", "codes": ["KRW-BTC.5"], "level": 0}]


async def test_invalid_options_rejected() -> None:
    with pytest.raises(ConfigError):
        SimConfig(rate_limit_reaction="explode")
    with pytest.raises(ConfigError):
        SimConfig(list_batch=0)


async def test_camel_case_can_be_refused() -> None:
    async with Simulator(msg_rate=2000, accept_camel_case=False) as sim, client(sim.ws_url) as ws:
        await ws.send('[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"],"isOnlyRealtime":true}]')
        assert kind(await recv_obj(ws)) == ("trade", "SNAPSHOT")  # flag ignored: snapshot comes


async def test_ticket_first_and_binary_requests_and_max_codes() -> None:
    async with Simulator(msg_rate=0, ticket_first_required=True, accept_binary_requests=False,
                         max_codes=2) as sim, client(sim.ws_url) as ws:
        await ws.send('[{"format":"SIMPLE"},{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]')
        assert (await recv_obj(ws))["error"]["name"] == "WRONG_FORMAT"
        await ws.send(b'[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]')
        assert (await recv_obj(ws))["error"]["name"] == "WRONG_FORMAT"
        await ws.send('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH","KRW-XRP"]}]')
        assert (await recv_obj(ws))["error"]["name"] == "INVALID_PARAM"


async def test_binary_requests_accepted_by_default(sim: Simulator) -> None:
    async with client(sim.ws_url) as ws:
        await ws.send(b'[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"is_only_snapshot":true}]')
        assert kind(await recv_obj(ws)) == ("ticker", "SNAPSHOT")
