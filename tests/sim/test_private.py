"""Private endpoint: JWT (HS256/HS512) checks, myOrder/myAsset from the simulated account."""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal

import jwt
import orjson
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.sim.conftest import client, recv_obj, recv_until
from tests.sim.test_rest import http_get
from upbit_monitor.sim.config import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio

PRIVATE_SUB = '[{"ticket":"p"},{"type":"myOrder"},{"type":"myAsset"},{"format":"DEFAULT"}]'


def token(alg: str = "HS512", secret: str = DEMO_SECRET_KEY, access: str = DEMO_ACCESS_KEY) -> str:
    return jwt.encode({"access_key": access, "nonce": str(uuid.uuid4())}, secret, algorithm=alg)


def auth(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


@pytest.mark.parametrize("alg", ["HS256", "HS512"])
async def test_jwt_accepted_and_account_events(sim: Simulator, alg: str) -> None:
    async with client(sim.ws_private_url, additional_headers=auth(token(alg))) as ws:
        await ws.send(PRIVATE_SUB)
        await ws.send("PING")
        assert await recv_obj(ws) == {"status": "UP"}  # no snapshot for private streams
        assert sim.connections[0].auth_alg == alg and sim.connections[0].auth_ok
        assert sim.connections[0].headers["Authorization"] == "<redacted>"
        sim.account.place_order("KRW-BTC", "bid", "price", price=10_000)
        frames = await recv_until(ws, lambda o: o.get("type") == "myOrder" and o["state"] == "done")
        states = [f["state"] for f in frames if f["type"] == "myOrder"]
        assert states == ["wait", "trade", "done"]
        done = frames[-1]
        assert done["code"] == "KRW-BTC" and done["ask_bid"] == "BID" and done["stream_type"] == "REALTIME"
        assert Decimal(str(done["executed_funds"])) > 0
        assets = await recv_until(ws, lambda o: o.get("type") == "myAsset")
        currencies = {a["currency"] for a in assets[-1]["assets"]}
        assert currencies == {"KRW", "BTC"}


async def test_resting_limit_order_fills_when_market_trades_through(sim: Simulator) -> None:
    # The book is read after the feed is paused: read before it, the market could move while the client
    # connected (slow under load), and the ASK print then landed above the resting bid (a flaky failure).
    sim.faults.pause_feed()
    price = sim.model.state("KRW-ETH").book.best_bid
    async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
        await ws.send('[{"ticket":"p"},{"type":"myOrder","codes":["KRW-ETH"]}]')
        await ws.send("PING")
        await recv_obj(ws)
        oid = sim.account.place_order("KRW-ETH", "bid", "limit", price=price, volume=0.01)
        assert (await recv_obj(ws))["state"] == "wait"
        # A different market's order is filtered out by the codes list.
        sim.account.place_order("KRW-BTC", "bid", "price", price=5_000)
        sim.model.print_trade("KRW-ETH", "ASK", 0.5, int(time.time() * 1000))
        assert sim.account.orders[oid].state == "done"
        frames = [await recv_obj(ws), await recv_obj(ws)]
        assert [f["state"] for f in frames] == ["trade", "done"]
        assert frames[0]["is_maker"] is True and frames[0]["code"] == "KRW-ETH"


async def test_cancel_releases_lock(sim: Simulator) -> None:
    oid = sim.account.place_order("KRW-XRP", "ask", "limit", price=10_000_000, volume=100)
    assert sim.account.balance("XRP") == (Decimal(1400), Decimal(100))
    sim.account.cancel_order(oid)
    assert sim.account.balance("XRP") == (Decimal(1500), Decimal(0))


@pytest.mark.parametrize(
    "headers",
    [
        auth(token(secret="w" * 64)),
        auth(token(access="someone-else-access-key-000")),
        {},
        {"Authorization": "Basic abc"},
        auth(jwt.encode({"access_key": DEMO_ACCESS_KEY, "nonce": "x"}, "k" * 64, algorithm="HS384")),
    ],
    ids=["wrong-secret", "wrong-access-key", "missing", "not-bearer", "hs384"],
)
async def test_bad_auth_gets_invalid_auth_frame(sim: Simulator, headers: dict[str, str]) -> None:
    async with client(sim.ws_private_url, additional_headers=headers) as ws:
        err = await recv_obj(ws)
        assert err["error"]["name"] == "INVALID_AUTH"
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 2.0)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1008
    assert sim.connections[0].auth_ok is False


async def test_reused_nonce_rejected(sim: Simulator) -> None:
    tok = token()
    async with client(sim.ws_private_url, additional_headers=auth(tok)) as ws:
        await ws.send("PING")
        assert await recv_obj(ws) == {"status": "UP"}
    async with client(sim.ws_private_url, additional_headers=auth(tok)) as ws:
        assert (await recv_obj(ws))["error"]["name"] == "INVALID_AUTH"


async def test_bad_auth_as_http_401() -> None:
    async with Simulator(msg_rate=0, auth_failure="http") as sim:
        with pytest.raises(InvalidStatus) as info:
            await client(sim.ws_private_url, additional_headers=auth(token(secret="x" * 64)))
        assert info.value.response.status_code == 401


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ('[{"ticket":"p"},{"type":"myAsset","codes":["KRW-BTC"]}]', "WRONG_FORMAT"),
        ('[{"ticket":"p"},{"type":"ticker","codes":["KRW-BTC"]}]', "INVALID_PARAM"),
    ],
)
async def test_private_request_errors(sim: Simulator, message: str, name: str) -> None:
    async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
        await ws.send(message)
        assert (await recv_obj(ws))["error"]["name"] == name


async def test_private_list_subscriptions(sim: Simulator) -> None:
    async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
        await ws.send(PRIVATE_SUB)
        await ws.send(orjson.dumps([{"ticket": "q"}, {"method": "LIST_SUBSCRIPTIONS"}]).decode())
        reply = await recv_obj(ws)
        assert [e["type"] for e in reply["result"]] == ["myOrder", "myAsset"]


async def test_rest_accounts_needs_jwt(sim: Simulator) -> None:
    status, _, data = await http_get(sim.rest_url, "/v1/accounts", auth(token("HS256")))
    assert status == 200
    assert {"currency": "KRW", "balance": "10000000", "locked": "0", "avg_buy_price": "0",
            "avg_buy_price_modified": False, "unit_currency": "KRW"} in data
    status, _, err = await http_get(sim.rest_url, "/v1/accounts", auth(token(secret="y" * 64)))
    assert status == 401 and err["error"]["name"] == "jwt_verification"


async def test_upbit_length_secret_accepted() -> None:
    secret = "S" * 40  # real Upbit secrets are 40 characters
    async with Simulator(msg_rate=0, secret_key=secret) as sim:
        headers = auth(token("HS256", secret=secret))
        async with client(sim.ws_private_url, additional_headers=headers) as ws:
            await ws.send("PING")
            assert await recv_obj(ws) == {"status": "UP"}


async def test_demo_activity_produces_private_events() -> None:
    async with Simulator(msg_rate=500, demo_orders_every_s=0.05) as sim:
        async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
            await ws.send(PRIVATE_SUB)
            frames = await recv_until(ws, lambda o: o.get("type") == "myOrder" and o["state"] == "done")
            assert any(f.get("type") == "myAsset" for f in frames)
