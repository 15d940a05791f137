"""Issue 14 item 8: WebSockets and REST follow the same proxy rule (system settings, never for
loopback), and the metrics say which proxy is in use.

The simulator listens on 127.0.0.1. To prove traffic to a remote host really goes through the
proxy, the clients use the name ``upbit-sim.test`` that only the recording proxy can resolve
(it routes it to 127.0.0.1): a working connection to that name went through the proxy.
"""

from __future__ import annotations

import pytest

from tests.connection.http_proxy import RecordingProxy
from tests.connection.test_connection_sim import make
from tests.manager.simtools import simulator
from tests.manager.waiting import wait_until
from upbit_monitor.connection.proxy import display_proxy, is_loopback, proxy_for
from upbit_monitor.connection.rest import RestClient

REMOTE = "upbit-sim.test"


def _proxy_env(monkeypatch: pytest.MonkeyPatch, url: str, no_proxy: str = "") -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("http_proxy", url)
    monkeypatch.setenv("https_proxy", url)
    if no_proxy:
        monkeypatch.setenv("no_proxy", no_proxy)


def test_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    _proxy_env(monkeypatch, "http://user:secret@proxy.corp:3128", no_proxy="internal.corp")
    for url in ("ws://127.0.0.1:1/x", "http://localhost:8/x", "wss://[::1]:9/x", "ws://127.8.0.1/"):
        assert proxy_for(url) is None, url  # loopback: never, whatever the settings
    assert proxy_for("wss://api.upbit.com/websocket/v1") == "http://user:secret@proxy.corp:3128"
    assert proxy_for("https://api.upbit.com/v1/ticker") == "http://user:secret@proxy.corp:3128"
    assert proxy_for("ws://internal.corp:80/ws") is None  # the bypass list applies to both
    assert display_proxy(proxy_for("wss://api.upbit.com")) == "http://proxy.corp:3128"  # no secret
    assert display_proxy(None) == "direct"
    assert is_loopback("::1") and is_loopback("LOCALHOST") and not is_loopback("10.0.0.1")
    monkeypatch.delenv("http_proxy")
    monkeypatch.delenv("https_proxy")
    assert proxy_for("wss://api.upbit.com/websocket/v1") is None  # nothing configured: direct


@pytest.mark.asyncio
async def test_loopback_never_goes_through_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = RecordingProxy({})
    await proxy.start()
    try:
        _proxy_env(monkeypatch, proxy.url)
        async with simulator() as sim:
            h = await make(sim)  # ws://127.0.0.1:...: connected and streaming
            try:
                assert h.metrics().proxy == "direct"
                rest = RestClient(sim.rest_url)
                assert rest.proxy is None
                assert await rest.market_all()
            finally:
                await h.mgr.shutdown()
        assert proxy.requests == []  # the demo's Bearer token can never reach a proxy
    finally:
        await proxy.stop()


@pytest.mark.asyncio
async def test_remote_hosts_use_the_system_proxy_for_websocket_and_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = RecordingProxy({REMOTE: "127.0.0.1"})
    await proxy.start()
    try:
        _proxy_env(monkeypatch, proxy.url)
        async with simulator() as sim:
            ws_port = sim.ws_url.split(":")[2].split("/")[0]
            remote_ws = sim.ws_url.replace("127.0.0.1", REMOTE)
            h = await make(sim, ws_public_url=remote_ws)  # resolvable only by the proxy
            try:
                m = h.metrics()
                assert m.proxy == proxy.url and m.url == remote_ws
                assert ("CONNECT", f"{REMOTE}:{ws_port}") in [(r[0], r[1]) for r in proxy.requests]

                rest = RestClient(sim.rest_url.replace("127.0.0.1", REMOTE))
                assert rest.proxy == proxy.url
                markets = await rest.market_all()
                assert markets
                gets = [r for r in proxy.requests if r[0] == "GET"]
                assert gets and gets[0][1].startswith(f"http://{REMOTE}:")
                assert "/v1/market/all" in gets[0][1]
            finally:
                await h.mgr.shutdown()
                await wait_until(lambda: not sim.open_connections())
    finally:
        await proxy.stop()
