"""Rate limits and field formats as Upbit documents them in 2026 (protocol-2026.md)."""

from __future__ import annotations

import asyncio

import pytest

from tests.sim.conftest import client, recv_obj
from tests.sim.test_rest import http_get
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio

TICKER = '[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"is_only_snapshot":true}]'


async def test_no_per_minute_cap_by_default() -> None:
    assert SimConfig().msg_rate_per_min == 0 and SimConfig().msg_rate_per_s == 5
    # 150 requests (the old cap was 100/min) with the per-second limit lifted: all answered.
    async with Simulator(msg_rate=0, msg_rate_per_s=0) as sim:
        async with client(sim.ws_url) as ws:
            for _ in range(150):
                await ws.send(TICKER)
            frames = [await recv_obj(ws) for _ in range(150)]
        assert all(f["type"] == "ticker" for f in frames)
        assert sim.stats["rate_limited"] == 0


async def test_five_requests_per_second_per_connection() -> None:
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_url) as a, client(sim.ws_url) as b:
            for _ in range(6):
                await a.send(TICKER)
            for _ in range(5):
                await b.send(TICKER)  # a second connection has its own budget
            got_a = [await recv_obj(a) for _ in range(6)]
            got_b = [await recv_obj(b) for _ in range(5)]
        assert [f.get("type") for f in got_a[:5]] == ["ticker"] * 5
        assert got_a[5]["error"]["name"] == "TOO_MANY_SUBSCRIBE"
        assert all(f["type"] == "ticker" for f in got_b)
        assert [r.text for r in sim.requests if r.rate_limited] == [TICKER]


async def test_rest_429_carries_retry_after() -> None:
    async with Simulator(msg_rate=0, rest_rate_per_s=1) as sim:
        first, _, _ = await http_get(sim.rest_url, "/v1/ticker?markets=KRW-BTC")
        status, headers, body = await http_get(sim.rest_url, "/v1/ticker?markets=KRW-BTC")
        assert (first, status) == (200, 429)
        assert body == {"error": {"name": 429, "message": "Too many API requests."}}
        assert headers["retry-after"] == "1"  # whole seconds, rounded up
        assert 0 < int(headers["retry-after-ms"]) <= 1000
        assert headers["remaining-req"] == "group=ticker; min=1800; sec=0"


async def test_rest_418_carries_retry_after() -> None:
    async with Simulator(msg_rate=0, rest_rate_per_s=1, rest_ban_after=1, rest_ban_s=7.0) as sim:
        await http_get(sim.rest_url, "/v1/ticker?markets=KRW-BTC")
        status_429, _, _ = await http_get(sim.rest_url, "/v1/ticker?markets=KRW-BTC")
        status, headers, _ = await http_get(sim.rest_url, "/v1/ticker?markets=KRW-BTC")
        assert (status_429, status) == (429, 418)
        assert headers["retry-after"] == "7" and 6000 < int(headers["retry-after-ms"]) <= 7000


async def test_instruments_plain_decimal_strings() -> None:
    async with Simulator(msg_rate=0) as sim:
        _, _, data = await http_get(sim.rest_url, "/v1/orderbook/instruments?markets=KRW-BTC,KRW-XRP,BTC-ETH")
        by_market = {d["market"]: d for d in data}
        btc = by_market["KRW-BTC"]
        assert btc["tick_size"] == "1000"
        assert all("e" not in lv and "E" not in lv for lv in btc["supported_levels"])
        big = [lv for lv in btc["supported_levels"] if float(lv) >= 1_000_000]
        assert big and all(lv.isdigit() for lv in big)  # "1000000", never "1e+06"
        assert by_market["BTC-ETH"]["tick_size"] == "0.00000001"  # no "1e-08"
        assert by_market["BTC-ETH"]["supported_levels"] == ["0"]


@pytest.mark.parametrize("level", ["10000", 10000, "10000.0"])
async def test_orderbook_level_string_or_number(level: object) -> None:
    import orjson

    async with Simulator(msg_rate=0) as sim:
        text = orjson.dumps([{"ticket": "t"}, {"type": "orderbook", "codes": ["KRW-BTC.5"], "level": level,
                                               "is_only_snapshot": True}]).decode()
        assert 10_000 in sim.model.state("KRW-BTC").book.supported_levels()
        async with client(sim.ws_url) as ws:
            await ws.send(text)
            ob = await asyncio.wait_for(recv_obj(ws), 3)
        assert ob["type"] == "orderbook" and ob["level"] == 10000
        assert all(u["ask_price"] % 10000 == 0 for u in ob["orderbook_units"])
