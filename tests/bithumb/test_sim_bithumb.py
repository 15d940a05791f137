"""The simulator's Bithumb profile: paths, no candles, v2 private fields, JWT timestamp, limits, spread."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request

import orjson
import pytest
from websockets.exceptions import InvalidStatus

from tests.sim.conftest import client, recv_obj, recv_until
from upbit_monitor.protocol.auth import make_jwt
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.sim.bithumb import (
    BITHUMB_ACCESS_KEY,
    BITHUMB_SECRET_KEY,
    BithumbSimulator,
    WanderingSpread,
    spread_transform,
)
from upbit_monitor.sim.server import Simulator


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_spread_wanders_with_the_clock_around_its_base() -> None:
    clock = Clock()
    spread = WanderingSpread(base=0.002, amplitude=0.004, period_s=100.0, clock=clock)
    first = spread.value("KRW-BTC")
    assert 0.002 - 0.004 <= first <= 0.002 + 0.004
    clock.t += 100.0  # one full period later: the same value
    assert spread.value("KRW-BTC") == pytest.approx(first)
    clock.t += 50.0  # half a period: mirrored around the base
    assert spread.value("KRW-BTC") - 0.002 == pytest.approx(-(first - 0.002))
    assert spread.factor("KRW-ETH") == pytest.approx(1 + spread.value("KRW-ETH"))
    flat = WanderingSpread(base=0.01, amplitude=0.0, clock=clock)
    assert flat.value("KRW-BTC") == pytest.approx(0.01)


def test_transform_moves_prices_by_the_spread_on_the_tick_grid() -> None:
    spread = WanderingSpread(base=0.01, amplitude=0.0, clock=Clock())
    ticker = Ticker("ticker", "KRW-BTC", 100_000_000.0, 101_000_000.0, 99_000_000.0, 100_000_000.0,
                    98_000_000.0, "RISE", 2e6, 2e6, 0.0204, 0.0204, 0.1, 1.0, 2.0, 1e8, 2e8, "20261204",
                    "170000", 1, "BID", 0.5, 0.5, 1.5e8, "2026-01-01", 5e7, "2026-06-01", "ACTIVE", False,
                    None, "NONE", 1, "REALTIME")
    moved = spread_transform(spread)(ticker)
    assert isinstance(moved, Ticker)
    assert moved.trade_price == 101_000_000.0  # x1.01, already on the 1,000 KRW grid
    assert moved.prev_closing_price == 98_980_000.0
    assert moved.signed_change_price == 101_000_000.0 - 98_980_000.0
    assert moved.signed_change_rate == pytest.approx(moved.signed_change_price / 98_980_000.0)
    assert moved.acc_trade_volume == ticker.acc_trade_volume  # volumes are not prices


def bearer(*, timestamp: bool = True) -> dict[str, str]:
    token = make_jwt(BITHUMB_ACCESS_KEY, BITHUMB_SECRET_KEY, alg="HS256",
                     timestamp_ms=int(time.time() * 1000) if timestamp else None)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.asyncio
async def test_public_stream_beside_upbit_serves_spread_prices_and_refuses_candles() -> None:
    async with Simulator(seed=3, msg_rate=500, n_krw_markets=20) as upbit:
        spread = WanderingSpread(base=0.02, amplitude=0.0)
        async with BithumbSimulator(beside=upbit, spread=spread) as bithumb:
            assert bithumb.ws_url.endswith("/websocket/v1")
            assert bithumb.ws_private_url.endswith("/websocket/v2/private")
            async with client(bithumb.ws_url) as ws:
                await ws.send('[{"ticket":"t"},{"type":"candle.1m","codes":["KRW-BTC"]}]')
                err = await recv_obj(ws)
                assert err["error"]["name"] == "INVALID_PARAM"
                await ws.send('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]},{"format":"DEFAULT"}]')
                snap = await recv_obj(ws)
                upbit_price = upbit.model.price("KRW-BTC")
                assert snap["type"] == "ticker"
                assert snap["trade_price"] == pytest.approx(upbit_price * 1.02, rel=1e-4)
                # Live frames come from Upbit's feed: the model keeps moving, Bithumb follows it.
                frames = await recv_until(ws, lambda o: o.get("stream_type") == "REALTIME", within=5)
                live = frames[-1]
                assert abs(live["trade_price"] / upbit.model.price("KRW-BTC") - 1.02) < 0.005
                assert bithumb.stats["events_generated"] == 0  # it never advances the shared model


@pytest.mark.asyncio
async def test_private_v2_needs_the_timestamp_claim_and_sends_v2_order_fields() -> None:
    async with BithumbSimulator(msg_rate=0, n_krw_markets=10) as sim:
        async with client(sim.ws_private_url, additional_headers=bearer(timestamp=False)) as ws:
            err = await recv_obj(ws)
            assert err["error"]["name"] == "INVALID_AUTH"
        async with client(sim.ws_private_url, additional_headers=bearer()) as ws:
            await ws.send('[{"ticket":"t"},{"type":"myOrder"},{"type":"myAsset"}]')
            await sim.wait_for_request(lambda r: r.parsed is not None)
            sim.account.place_order("KRW-BTC", "bid", "price", price=10_000)
            frames = await recv_until(ws, lambda o: o.get("type") == "myOrder", within=5)
            order = frames[-1]
            assert {"order_id", "side", "executed_quantity", "remaining_quantity"} <= set(order)
            assert "uuid" not in order and "ask_bid" not in order and order["side"] == "buy"


@pytest.mark.asyncio
async def test_upbit_private_path_is_not_bithumbs() -> None:
    async with BithumbSimulator(msg_rate=0, n_krw_markets=5) as sim:
        url = sim.ws_url.replace("/websocket/v1", "/websocket/v1/private")
        with pytest.raises(InvalidStatus) as info:
            async with client(url, additional_headers=bearer()):
                pass
        assert info.value.response.status_code == 404


@pytest.mark.asyncio
async def test_persistent_connect_excess_blocks_every_handshake() -> None:
    async with BithumbSimulator(msg_rate=0, n_krw_markets=5, connect_rate_per_s=1,
                                connect_block_after=2, connect_block_s=60.0) as sim:
        statuses = []
        for _ in range(4):
            try:
                async with client(sim.ws_url):
                    statuses.append(101)
            except InvalidStatus as exc:
                statuses.append(exc.response.status_code)
        assert statuses == [101, 429, 429, 429]
        assert sim.stats["rejected_blocked"] >= 1
        await asyncio.sleep(1.1)  # the 1/s window is over; the block is not
        with pytest.raises(InvalidStatus):
            async with client(sim.ws_url):
                pass


@pytest.mark.asyncio
async def test_unconfirmed_facts_are_settings() -> None:
    async with BithumbSimulator(msg_rate=0, n_krw_markets=5, simple_format=False,
                                answer_text_ping=False, depth_suffix=False) as sim:
        async with client(sim.ws_url) as ws:
            await ws.send('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]},{"format":"SIMPLE"}]')
            assert (await recv_obj(ws))["error"]["name"] == "INVALID_PARAM"
            await ws.send("PING")
            await ws.send('[{"ticket":"t"},{"type":"orderbook","codes":["KRW-BTC.15","KRW-ETH"]}]')
            first = await recv_obj(ws)  # no status frame before it: the PING got no answer
            assert first["type"] == "orderbook" and first["code"] == "KRW-ETH"
            assert len(first["orderbook_units"]) == 30


def _get(url: str) -> object:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return orjson.loads(r.read())
    except urllib.error.HTTPError as exc:
        exc.close()  # an HTTPError holds the response socket
        return exc.code


@pytest.mark.asyncio
async def test_rest_has_day_candles_no_seconds_and_spread_prices() -> None:
    async with Simulator(seed=3, msg_rate=0, n_krw_markets=10) as upbit:
        async with BithumbSimulator(beside=upbit, spread=WanderingSpread(0.01, 0.0)) as sim:
            base = sim.rest_url
            days = await asyncio.to_thread(_get, f"{base}/v1/candles/days?market=KRW-BTC&count=3")
            assert isinstance(days, list) and len(days) == 3
            assert days[0]["candle_date_time_utc"].endswith("T00:00:00")
            [tick] = await asyncio.to_thread(_get, f"{base}/v1/ticker?markets=KRW-BTC")  # type: ignore[misc]
            assert tick["trade_price"] == pytest.approx(upbit.model.price("KRW-BTC") * 1.01, rel=1e-4)
            assert await asyncio.to_thread(_get, f"{base}/v1/candles/seconds?market=KRW-BTC") == 404
            listing = await asyncio.to_thread(_get, f"{base}/v1/market/all?isDetails=true")
            assert isinstance(listing, list)
            assert {"market", "korean_name", "english_name", "market_warning"} <= set(listing[0])
            json.dumps(listing)
