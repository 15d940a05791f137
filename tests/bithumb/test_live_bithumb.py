"""Opt-in checks of the UNCONFIRMED Bithumb facts against the real exchange (never run by default).

    UPBIT_MONITOR_LIVE=1 pytest -m live tests/bithumb/test_live_bithumb.py -v
    # private v2 too:     BITHUMB_ACCESS_KEY=... BITHUMB_SECRET_KEY=...
    # idle timeout (slow): UPBIT_MONITOR_LIVE_SLOW=1

Each test asserts the behaviour the simulator's Bithumb profile assumes by default (Upbit's). A failure
names the SimConfig setting to change (sim/bithumb.py) and, where it matters, the client choice in
exchanges/bithumb.py that depends on it.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import connect

from upbit_monitor.config import BITHUMB_REST, BITHUMB_WS_PRIVATE, BITHUMB_WS_PUBLIC
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.exchanges.bithumb import REST_DETAILS_PARAM
from upbit_monitor.protocol.auth import Credentials

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("UPBIT_MONITOR_LIVE"), reason="set UPBIT_MONITOR_LIVE=1"),
    pytest.mark.asyncio,
]


async def _ask(request: str, *, within: float = 5.0, url: str = BITHUMB_WS_PUBLIC,
               headers: dict[str, str] | None = None) -> list[Any]:
    """Send ``request`` and collect the decoded frames of the next ``within`` seconds (at most 5)."""
    out: list[Any] = []
    async with connect(url, proxy=None, additional_headers=headers or {}) as ws:
        await ws.send(request)
        try:
            async with asyncio.timeout(within):
                while len(out) < 5:
                    raw = await ws.recv()
                    out.append(orjson.loads(raw))
        except TimeoutError:
            pass
    return out


async def test_rest_market_list_tickers_orderbook_and_candles() -> None:
    client = RestClient(BITHUMB_REST, details_param=REST_DETAILS_PARAM)
    markets = await client.market_all()
    assert any(m.code == "KRW-BTC" and m.korean_name for m in markets)
    [ticker] = await client.tickers(["KRW-BTC"])
    assert ticker.trade_price > 0
    assert (await client.orderbook(["KRW-BTC"]))[0].orderbook_units
    assert await client.candles("KRW-BTC", 1, count=5)
    assert await client.candles("KRW-BTC", 1440, count=5)


async def test_default_format_request_gets_upbit_field_names() -> None:
    frames = await _ask('[{"ticket":"live"},{"type":"ticker","codes":["KRW-BTC"]},{"format":"DEFAULT"}]')
    assert frames and frames[0].get("type") == "ticker" and "trade_price" in frames[0]


async def test_simple_format_is_supported() -> None:
    """SimConfig.simple_format (default True). If False here, keep fmt="DEFAULT" in BithumbConnector."""
    frames = await _ask('[{"ticket":"live"},{"type":"ticker","codes":["KRW-BTC"]},{"format":"SIMPLE"}]')
    assert frames and frames[0].get("ty") == "ticker", frames[:1]


async def test_orderbook_depth_suffix_is_honoured() -> None:
    """SimConfig.depth_suffix (default True); the client sends no suffix (depth_suffix=False)."""
    frames = await _ask('[{"ticket":"live"},{"type":"orderbook","codes":["KRW-BTC.5"]}]')
    books = [f for f in frames if f.get("type") == "orderbook"]
    assert books and len(books[0]["orderbook_units"]) == 5, frames[:1]


async def test_text_ping_is_answered_with_status_up() -> None:
    """SimConfig.answer_text_ping (default True); the client's quiet-stream keepalive relies on it."""
    async with connect(BITHUMB_WS_PUBLIC, proxy=None) as ws:
        await ws.send("PING")
        reply = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
    assert reply == {"status": "UP"}


async def test_candle_request_error_name() -> None:
    """SimConfig.candle_error_name (default INVALID_PARAM): what a candle.1m request is answered with."""
    frames = await _ask('[{"ticket":"live"},{"type":"candle.1m","codes":["KRW-BTC"]}]')
    errors = [f["error"]["name"] for f in frames if isinstance(f, dict) and "error" in f]
    assert errors == ["INVALID_PARAM"], frames[:2]


@pytest.mark.skipif(not (os.environ.get("BITHUMB_ACCESS_KEY") and os.environ.get("BITHUMB_SECRET_KEY")),
                    reason="set BITHUMB_ACCESS_KEY and BITHUMB_SECRET_KEY")
async def test_private_v2_accepts_our_jwt_and_subscription() -> None:
    creds = Credentials.create(os.environ["BITHUMB_ACCESS_KEY"], os.environ["BITHUMB_SECRET_KEY"],
                               os.environ.get("BITHUMB_JWT_ALG", "HS256"))
    token = creds.token(timestamp_ms=int(time.time() * 1000))
    frames = await _ask('[{"ticket":"live"},{"type":"myOrder"},{"type":"myAsset"},{"format":"DEFAULT"}]',
                        url=BITHUMB_WS_PRIVATE, headers={"Authorization": f"Bearer {token}"}, within=3)
    assert not [f for f in frames if isinstance(f, dict) and "error" in f], frames[:2]


@pytest.mark.skipif(not os.environ.get("UPBIT_MONITOR_LIVE_SLOW"), reason="set UPBIT_MONITOR_LIVE_SLOW=1")
async def test_idle_timeout_is_about_120_s() -> None:
    """SimConfig.idle_timeout_s (default 120) and idle_close_code (default None = TCP drop)."""
    started = time.monotonic()
    async with connect(BITHUMB_WS_PUBLIC, proxy=None, ping_interval=None) as ws:
        try:
            await asyncio.wait_for(ws.wait_closed(), 300)
        except TimeoutError:
            pytest.fail("no idle close within 300 s")
        closed_after = time.monotonic() - started
        code = ws.close_code
    assert 100 <= closed_after <= 140, (closed_after, code)
