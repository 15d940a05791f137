"""Client pacing and REST throttling per Upbit's 2026 limits (protocol-2026.md), against the simulator."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

import pytest

from upbit_monitor.config import Settings, settings_from_env
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.errors import ConfigError
from upbit_monitor.exchanges.upbit import upbit_private, upbit_public
from upbit_monitor.sim.server import Simulator


def test_upbit_pacing_is_per_second_only_by_default() -> None:
    for factory in (upbit_public, upbit_private):
        limit = factory(Settings()).rate_limit
        assert (limit.per_second, limit.per_minute) == (5, 0)
        on = factory(Settings(ws_requests_per_minute=100)).rate_limit
        assert (on.per_second, on.per_minute) == (5, 100)


def test_per_minute_setting_from_env() -> None:
    assert settings_from_env({}).ws_requests_per_minute == 0
    assert settings_from_env({"UPBIT_MONITOR_WS_PER_MINUTE": "100"}).ws_requests_per_minute == 100
    with pytest.raises(ConfigError):
        settings_from_env({"UPBIT_MONITOR_WS_PER_MINUTE": "-1"})


@pytest.mark.asyncio
async def test_rest_client_waits_what_retry_after_says() -> None:
    async with Simulator(msg_rate=0, rest_rate_per_s=1) as sim:
        client = RestClient(sim.rest_url, timeout_s=5)

        def rogue() -> int:  # another program on this IP spends the ticker group's second
            with urllib.request.urlopen(f"{sim.rest_url}/v1/ticker?markets=KRW-ETH", timeout=5) as resp:
                return int(resp.status)

        assert await asyncio.to_thread(rogue) == 200
        tickers = await client.tickers(["KRW-BTC"])
        assert [t.market for t in tickers] == ["KRW-BTC"]
        assert client.throttled == 1
        records = [r for r in sim.rest.records if r.path == "/v1/ticker"]
        assert [r.status for r in records] == [200, 429, 200]
        # The retry came after the slot freed (retry-after-ms), not at once and not after a blind 1 s+.
        assert records[2].at - records[0].at >= 1.0
        assert records[2].at - records[1].at < 1.5


def test_retry_after_ms_preferred() -> None:
    from email.message import Message

    from upbit_monitor.connection.rest_http import retry_after as _retry_after

    headers = Message()
    headers["Retry-After"] = "1"
    headers["retry-after-ms"] = "250"
    assert _retry_after(headers) == 0.25
    only = Message()
    only["Retry-After"] = "2"
    assert _retry_after(only) == 2.0
    junk = Message()
    junk["Retry-After"] = "Wed, 21 Oct 2026 07:28:00 GMT"
    assert _retry_after(junk) is None
