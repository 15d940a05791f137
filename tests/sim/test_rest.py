"""Quotation REST endpoints of the simulator: shapes, paging, limits and errors."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any
from urllib.parse import quote

import orjson
import pytest
import pytest_asyncio

from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio


async def http_get(
    base: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """Minimal HTTP/1.1 GET (one request per connection) returning (status, headers, JSON)."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split(" ")[1])
    hdrs = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if hdrs.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return status, hdrs, orjson.loads(body)


@pytest_asyncio.fixture
async def rsim():
    async with Simulator(seed=5, msg_rate=500) as s:
        yield s


async def test_market_all(rsim: Simulator) -> None:
    status, hdrs, data = await http_get(rsim.rest_url, "/v1/market/all")
    assert status == 200
    assert hdrs["remaining-req"] == "group=market; min=1800; sec=9"
    assert data[0] == {"market": "KRW-BTC", "korean_name": "비트코인", "english_name": "Bitcoin"}
    assert len([m for m in data if m["market"].startswith("KRW-")]) == 200
    assert all(m["korean_name"] and m["english_name"] for m in data)
    _, _, detailed = await http_get(rsim.rest_url, "/v1/market/all?is_details=true")
    assert set(detailed[0]["market_event"]["caution"]) >= {"PRICE_FLUCTUATIONS", "TRADING_VOLUME_SOARING"}


async def test_ticker_and_errors(rsim: Simulator) -> None:
    status, _, data = await http_get(rsim.rest_url, "/v1/ticker?markets=KRW-BTC,KRW-ETH")
    assert status == 200
    assert [t["market"] for t in data] == ["KRW-BTC", "KRW-ETH"]
    t = data[0]
    assert t["low_price"] <= t["trade_price"] <= t["high_price"]
    assert len(t["trade_date_kst"]) == 8 and "code" not in t
    status, _, err = await http_get(rsim.rest_url, "/v1/ticker?markets=KRW-NOPE")
    assert status == 404 and err == {"error": {"name": 404, "message": "Code not found"}}
    status, _, err = await http_get(rsim.rest_url, "/v1/ticker")
    assert status == 400 and err["error"]["name"] == 400
    status, _, data = await http_get(rsim.rest_url, "/v1/ticker/all?quote_currencies=BTC")
    assert status == 200 and {t["market"][:4] for t in data} == {"BTC-"}


async def test_candles_paging_exclusive_to_newest_first(rsim: Simulator) -> None:
    status, _, page1 = await http_get(rsim.rest_url, "/v1/candles/minutes/1?market=KRW-BTC&count=200")
    assert status == 200 and len(page1) == 200
    times = [c["candle_date_time_utc"] for c in page1]
    assert times == sorted(times, reverse=True) and len(set(times)) == 200
    c = page1[0]
    assert c["unit"] == 1 and c["low_price"] <= c["trade_price"] <= c["high_price"]
    oldest = page1[-1]["candle_date_time_utc"]
    _, _, page2 = await http_get(rsim.rest_url, f"/v1/candles/minutes/1?market=KRW-BTC&count=50&to={oldest}")
    assert len(page2) == 50 and all(c["candle_date_time_utc"] < oldest for c in page2)
    # Same page again: deterministic.
    _, _, again = await http_get(rsim.rest_url, f"/v1/candles/minutes/1?market=KRW-BTC&count=50&to={oldest}")
    assert again == page2
    # KST offset form, URL-encoded, names the same instant.
    kst = page2[0]["candle_date_time_kst"] + "+09:00"
    url = f"/v1/candles/minutes/1?market=KRW-BTC&count=1&to={quote(kst)}"
    _, _, page3 = await http_get(rsim.rest_url, url)
    assert page3 == [page2[1]]
    status, _, _ = await http_get(rsim.rest_url, "/v1/candles/minutes/1?market=KRW-BTC&count=201")
    assert status == 400
    status, _, _ = await http_get(rsim.rest_url, "/v1/candles/minutes/2?market=KRW-BTC")
    assert status == 400
    url = "/v1/candles/minutes/240?market=KRW-ETH&to=2025-06-24T13:56:53+09:00"
    status, _, _ = await http_get(rsim.rest_url, url)
    assert status == 400  # unencoded '+' reads as a space: invalid, like Upbit
    status, _, data = await http_get(rsim.rest_url, "/v1/candles/minutes/240?market=KRW-ETH&count=3")
    assert status == 200 and all(c["candle_date_time_utc"][11:13] in {"00", "04", "08", "12", "16", "20"}
                                 for c in data)


async def test_orderbook_rest(rsim: Simulator) -> None:
    status, _, data = await http_get(rsim.rest_url, "/v1/orderbook?markets=KRW-BTC,BTC-ETH&count=5",
                                     {"Accept-Encoding": "gzip"})
    assert status == 200 and [o["market"] for o in data] == ["KRW-BTC", "BTC-ETH"]
    assert len(data[0]["orderbook_units"]) == 5 and data[0]["level"] == 0
    _, _, instruments = await http_get(rsim.rest_url, "/v1/orderbook/instruments?markets=KRW-BTC")
    levels = instruments[0]["supported_levels"]
    assert levels[0] == "0" and instruments[0]["tick_size"] == "1000"
    _, _, agg = await http_get(rsim.rest_url, f"/v1/orderbook?markets=KRW-BTC&level={levels[1]}")
    assert agg[0]["level"] == int(levels[1])
    _, _, none = await http_get(rsim.rest_url, "/v1/orderbook?markets=KRW-BTC&level=7")
    assert none == []


async def test_rate_limit_429_per_group_then_418() -> None:
    async with Simulator(msg_rate=0, rest_ban_after=3, rest_ban_s=0.5) as sim:
        results = [await http_get(sim.rest_url, "/v1/ticker?markets=KRW-BTC") for _ in range(11)]
        assert [r[0] for r in results] == [200] * 10 + [429]
        assert results[9][1]["remaining-req"] == "group=ticker; min=1800; sec=0"
        assert results[10][2] == {"error": {"name": 429, "message": "Too many API requests."}}
        # Another group has its own budget.
        status, _, _ = await http_get(sim.rest_url, "/v1/orderbook?markets=KRW-BTC")
        assert status == 200
        for _ in range(2):
            await http_get(sim.rest_url, "/v1/ticker?markets=KRW-BTC")
        status, _, err = await http_get(sim.rest_url, "/v1/market/all")
        assert status == 418 and err["error"]["name"] == 418


async def test_origin_header_group(rsim: Simulator) -> None:
    first = await http_get(rsim.rest_url, "/v1/market/all", {"Origin": "http://x"})
    second = await http_get(rsim.rest_url, "/v1/market/all", {"Origin": "http://x"})
    assert first[0] == 200 and first[1]["remaining-req"].startswith("group=origin")
    assert second[0] == 429
