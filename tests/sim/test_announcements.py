"""``announcement`` on the private endpoint: categories, include_body, CREATED/UPDATED, REALTIME only,
scope of INVALID_PARAM for an unknown category, SIMPLE keys, demo listings."""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed

from tests.manager.waiting import wait_until
from tests.sim.conftest import client, recv_obj, recv_until
from tests.sim.test_private import auth, token
from tests.sim.test_rest import http_get
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio

ALL = '[{"ticket":"a"},{"type":"announcement"}]'
WALLET_BODY = '[{"ticket":"a"},{"type":"announcement","categories":["wallet","trade"],"include_body":true}]'
WITH_ASSET = '[{"ticket":"a"},{"type":"myAsset"},{"type":"announcement","categories":["wallet","bogus"]}]'
SIMPLE = '[{"ticket":"a"},{"type":"announcement","include_body":true},{"format":"SIMPLE"}]'


async def subscribed(ws: object, sim: Simulator, text: str) -> None:
    await ws.send(text)  # type: ignore[attr-defined]
    await ws.send("PING")  # type: ignore[attr-defined]
    assert await recv_obj(ws) == {"status": "UP"}  # type: ignore[arg-type]  # REALTIME only: no snapshot


async def test_created_and_updated_events() -> None:
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
            await subscribed(ws, sim, ALL)
            notice = sim.announce("비트코인(BTC) 입출금 일시 중단 안내", "wallet", body="점검")
            created = await recv_obj(ws)
            assert created == {
                "type": "announcement", "uuid": notice.uuid, "category": "wallet", "event_type": "CREATED",
                "title": "비트코인(BTC) 입출금 일시 중단 안내", "url": notice.url,
                "listed_at": notice.listed_at, "first_listed_at": notice.first_listed_at,
                "timestamp": created["timestamp"], "stream_type": "REALTIME",
            }  # no body: include_body defaults to false
            assert created["listed_at"].endswith("+09:00")
            sim.announcements.update(notice.uuid, title="비트코인(BTC) 입출금 재개 안내")
            updated = await recv_obj(ws)
            assert (updated["event_type"], updated["uuid"], updated["title"]) == (
                "UPDATED", notice.uuid, "비트코인(BTC) 입출금 재개 안내")
            assert updated["first_listed_at"] == created["first_listed_at"]


async def test_category_filter_and_body() -> None:
    async with Simulator(msg_rate=0, announcement_max_body_chars=10) as sim:
        async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
            await subscribed(ws, sim, WALLET_BODY)
            sim.announce("점검 안내", "maintenance", body="x")  # filtered out
            sim.announce("입출금 안내", "wallet", body="short")
            sim.announce("신규 거래지원 안내", "trade", body="a body longer than ten")
            first, second = await recv_obj(ws), await recv_obj(ws)
            assert (first["category"], first["body"]) == ("wallet", "short")
            assert (second["category"], second["body"]) == ("trade", None)  # large body -> null
            await ws.send("PING")
            assert await recv_obj(ws) == {"status": "UP"}  # the maintenance notice never came


async def test_unknown_category_keeps_the_rest_of_the_request() -> None:
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
            await ws.send(WITH_ASSET)
            error = await recv_obj(ws)
            assert error["error"]["name"] == "INVALID_PARAM"
            rec = sim.requests[-1]
            assert rec.text == WITH_ASSET and rec.error == "INVALID_PARAM"
            assert rec.parsed is not None and [t.type for t in rec.parsed.types] == ["myAsset"]
            sim.account.place_order("KRW-BTC", "bid", "price", price=10_000)
            assets = await recv_until(ws, lambda o: o.get("type") == "myAsset", within=5)
            assert assets[-1]["stream_type"] == "REALTIME"  # myAsset sent with it was not lost
            sim.announce("입출금 안내", "wallet")
            await ws.send("PING")
            frames = await recv_until(ws, lambda o: o == {"status": "UP"})
            assert not any(f.get("type") == "announcement" for f in frames)  # that object was dropped


async def test_unknown_category_request_scope_setting() -> None:
    async with Simulator(msg_rate=0, invalid_category="request") as sim:
        async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
            await ws.send(WITH_ASSET)
            assert (await recv_obj(ws))["error"]["name"] == "INVALID_PARAM"
            rec = sim.requests[-1]
            assert rec.parsed is None and rec.error == "INVALID_PARAM"  # the whole request failed
            # The connection stays open and a valid request works.
            await subscribed(ws, sim, ALL)


async def test_only_category_bad_rejects_request_and_keeps_previous_set() -> None:
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
            await subscribed(ws, sim, ALL)
            await ws.send('[{"ticket":"a"},{"type":"announcement","categories":["nope"]}]')
            assert (await recv_obj(ws))["error"]["name"] == "INVALID_PARAM"
            sim.announce("안내", "notice")
            assert (await recv_obj(ws))["type"] == "announcement"  # previous subscription still there


async def test_simple_keys_and_public_endpoint_refuses() -> None:
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
            await subscribed(ws, sim, SIMPLE)
            n = sim.announce("공시", "disclosure", body="본문")
            got = await recv_obj(ws)
            assert isinstance(got.pop("tms"), int)
            assert got == {
                "ty": "announcement", "uid": n.uuid, "cat": "disclosure", "et": "CREATED", "tt": "공시",
                "url": n.url, "lat": n.listed_at, "flat": n.first_listed_at, "st": "REALTIME", "bd": "본문",
            }
        async with client(sim.ws_url) as pub:
            await pub.send(ALL)
            assert (await recv_obj(pub))["error"]["name"] == "INVALID_PARAM"


async def test_requires_jwt() -> None:
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_private_url) as ws:
            assert (await recv_obj(ws))["error"]["name"] == "INVALID_AUTH"
            with pytest.raises(ConnectionClosed):
                await recv_obj(ws)


async def test_demo_listing_starts_trading_with_a_pump() -> None:
    async with Simulator(msg_rate=50, listing_delay_s=0.2) as sim:
        async with client(sim.ws_private_url, additional_headers=auth(token())) as ws:
            await subscribed(ws, sim, '[{"ticket":"a"},{"type":"announcement","categories":["trade"]}]')
            info = sim.demo_notices.announce_listing()
            notice = await recv_obj(ws)
            assert notice["category"] == "trade" and f"({info.base}) 신규 거래지원 안내" in notice["title"]
            assert not sim.model.has(info.code)
            await wait_until(lambda: sim.model.has(info.code), within=5)
            start = sim.model.price(info.code)
            async with client(sim.ws_url) as pub:
                await pub.send(f'[{{"ticket":"t"}},{{"type":"ticker","codes":["{info.code}"]}}]')
                ticks = await recv_until(pub, lambda o: o["trade_price"] > start * 1.02, within=8)
            assert ticks[-1]["code"] == info.code
            _, _, markets = await http_get(sim.rest_url, "/v1/market/all")
            assert info.code in {m["market"] for m in markets}


async def test_demo_mode_posts_notices_and_listings_by_itself() -> None:
    async with Simulator(msg_rate=20, demo_announcements_every_s=0.05, listing_every=2,
                         listing_delay_s=0.05) as sim:
        await wait_until(lambda: len(sim.announcements.history) >= 3 and sim.demo_notices.listed, within=10)
        assert {e for e, _ in sim.announcements.history} <= {"CREATED", "UPDATED"}
        listing = [n for _, n in sim.announcements.history if "신규 거래지원" in n.title]
        assert listing and listing[0].category == "trade"
        assert sim.model.has(sim.demo_notices.listed[0])
