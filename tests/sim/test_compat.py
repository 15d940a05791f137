"""Clients other than ours: third-party request shapes, and our own protocol package end to end."""

from __future__ import annotations

import uuid

import orjson
import pytest

from tests.sim.conftest import client, kind, recv_obj, recv_until
from upbit_monitor.protocol.events import Orderbook, Ticker, Trade, UnknownMessage, event_class
from upbit_monitor.protocol.parser import Parser
from upbit_monitor.protocol.requests import build_list_subscriptions, build_request
from upbit_monitor.protocol.subscriptions import SubscriptionSet, SubscriptionSpec
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio


async def test_pyupbit_shape(sim: Simulator) -> None:
    # pyupbit: 6-char ticket, camelCase realtime flag, no format (DEFAULT), decodes bytes itself.
    message = [{"ticket": str(uuid.uuid4())[:6]},
               {"type": "ticker", "codes": ["KRW-BTC", "KRW-XRP"], "isOnlyRealtime": True}]
    async with client(sim.ws_url, ping_interval=60) as ws:
        await ws.send(orjson.dumps(message).decode())
        raw = await ws.recv()
        assert isinstance(raw, bytes)
        data = orjson.loads(raw.decode("utf8"))
        assert data["type"] == "ticker" and data["stream_type"] == "REALTIME"


async def test_cryptofeed_shape_format_second(sim: Simulator) -> None:
    message = [{"ticket": str(uuid.uuid4())}, {"format": "SIMPLE"},
               {"type": "orderbook", "codes": ["KRW-BTC"], "isOnlyRealtime": True},
               {"type": "trade", "codes": ["KRW-BTC"], "isOnlyRealtime": True}]
    async with client(sim.ws_url) as ws:
        await ws.send(orjson.dumps(message).decode())
        frames = [await recv_obj(ws) for _ in range(20)]
        assert {f["ty"] for f in frames} == {"orderbook", "trade"}
        book = next(f for f in frames if f["ty"] == "orderbook")
        assert {"ap", "bp", "as", "bs"} == set(book["obu"][0])


async def test_ccxt_shape_resends_everything(sim: Simulator) -> None:
    # ccxt accumulates subscriptions and resends all of them on every watch call.
    first = [{"ticket": "ccxt-1"}, {"type": "ticker", "codes": ["KRW-SOL"]}]
    second = [{"ticket": "ccxt-2"}, {"type": "ticker", "codes": ["KRW-SOL"]},
              {"type": "orderbook", "codes": ["KRW-SOL"]}]
    async with client(sim.ws_url) as ws:
        await ws.send(orjson.dumps(first).decode())
        await recv_until(ws, lambda o: kind(o) == ("ticker", "SNAPSHOT"))
        await ws.send(orjson.dumps(second).decode())
        await recv_until(ws, lambda o: kind(o) == ("orderbook", "SNAPSHOT"))
        seen = {kind(await recv_obj(ws))[0] for _ in range(20)}
        assert seen == {"ticker", "orderbook"}


async def test_our_request_builder_and_parser_round_trip(sim: Simulator) -> None:
    subs = SubscriptionSet()
    subs.set_owner("list", [SubscriptionSpec("ticker", ("KRW-BTC", "KRW-ETH"))])
    subs.set_owner("book", [SubscriptionSpec("orderbook", ("KRW-BTC",), depth=15)])
    chart = [SubscriptionSpec("trade", ("KRW-BTC",)), SubscriptionSpec("candle.1m", ("KRW-BTC",))]
    subs.set_owner("chart", chart)
    parser = Parser()
    async with client(sim.ws_url) as ws:
        text = build_request(subs.merged(), ticket="um-test", fmt="SIMPLE")
        await ws.send(text)
        seen: set[type] = set()
        for _ in range(300):
            for event in parser.parse(await ws.recv()):
                assert not isinstance(event, UnknownMessage), event
                seen.add(event_class(event))  # decoded events are wire subclasses
                if isinstance(event, Orderbook):
                    assert len(event.orderbook_units) == 15
        assert {Ticker, Trade, Orderbook} <= seen
        assert parser.unknown_messages == 0 and not parser.unknown_fields
        await ws.send(build_list_subscriptions(ticket="um-list", fmt="SIMPLE"))
        record = await sim.wait_for_request(lambda r: r.text.startswith('[{"ticket":"um-list"'))
        assert record.parsed is not None and record.parsed.method == "LIST_SUBSCRIPTIONS"
    assert sim.requests[0].text == text
