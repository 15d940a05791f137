"""Helpers for manager/connection tests against the simulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.manager.waiting import wait_until
from upbit_monitor.config import Settings
from upbit_monitor.exchanges.base import CredentialsProvider
from upbit_monitor.exchanges.upbit import UpbitConnector
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.sim.server import Simulator

CODES = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-USDT", "KRW-SOL", "KRW-DOGE", "KRW-ADA", "KRW-TRX",
         "KRW-LINK", "KRW-AVAX", "KRW-XLM", "KRW-SUI", "KRW-BCH", "KRW-HBAR", "KRW-DOT", "KRW-ETC"]


class Comp:
    """A plain, weak-referenceable component that records the events routed to it."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, ev: object) -> None:
        self.events.append(ev)


def fast_settings(sim: Simulator, **overrides: Any) -> Settings:
    """Settings for tests: the simulator's URL, a fast exact backoff, short timeouts."""
    base = Settings(
        ws_public_url=sim.ws_url,
        coalesce_window_s=0.025,
        connect_timeout_s=2.0,
        stale_after_s=10.0,
        close_timeout_s=0.2,
        backoff_steps_s=(0.05, 0.1, 0.2),
        backoff_jitter=0.0,
        retry_slow_s=0.3,
    )
    return base.with_overrides(**overrides)


def subscription_requests(sim: Simulator) -> list[Any]:
    """Every subscription request received (PINGs and LIST_SUBSCRIPTIONS excluded), oldest first."""
    return [
        r for r in sim.requests
        if not r.ping and r.text.startswith("[") and "LIST_SUBSCRIPTIONS" not in r.text
    ]


def wire_set(text: str) -> dict[str, list[str]]:
    """``{type: codes as sent}`` of one request text."""
    out: dict[str, list[str]] = {}
    for obj in json.loads(text):
        if "type" in obj:
            out.setdefault(obj["type"], []).extend(obj.get("codes", []))
    return out


def our_tasks() -> list[asyncio.Task[Any]]:
    """Pending tasks started by upbit-monitor's connection layer."""
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("upbit-monitor:") and not t.done()]


# The simulator and the manager live INSIDE each test body, never in async fixtures: pytest-qt calls
# QApplication.processEvents() between test phases, which would run the qasync loop's socket and
# timer callbacks while no asyncio loop is running ("RuntimeError: no running event loop").
@asynccontextmanager
async def simulator(**sim_overrides: Any) -> AsyncIterator[Simulator]:
    """A small, fast simulator for one test; waits for every connection to close before stopping."""
    kw: dict[str, Any] = {"msg_rate": 300, "n_krw_markets": 40, "seed": 7}
    kw.update(sim_overrides)
    async with Simulator(**kw) as sim:
        try:
            yield sim
        finally:
            # Let the simulator finish its side of closing handshakes before it stops.
            with contextlib.suppress(TimeoutError):
                await wait_until(lambda: not sim.open_connections(), within=2.0)


@asynccontextmanager
async def running(**settings_overrides: Any) -> AsyncIterator[tuple[Simulator, GlobalWebSocketManager]]:
    """A simulator plus a started manager pointed at it; shut down (no task left) on exit."""
    async with simulator() as sim:
        mgr = GlobalWebSocketManager(fast_settings(sim, **settings_overrides))
        await mgr.start()
        try:
            yield sim, mgr
        finally:
            await mgr.shutdown()
            assert our_tasks() == []


@asynccontextmanager
async def running_with_keys() -> AsyncIterator[tuple[Simulator, GlobalWebSocketManager, CredentialsProvider]]:
    """A small simulator, a started manager with only its public connection, and the simulator's keys.

    Whoever needs the info connection adds it with these keys (as the app does with the private
    feed's), so the test sees it appear only when something asks for it.
    """
    async with Simulator(msg_rate=100, n_krw_markets=10, connect_rate_per_s=0) as sim:
        keys = CredentialsProvider(Credentials.create(sim.config.access_key, sim.config.secret_key, "HS256"))
        settings = Settings(ws_public_url=sim.ws_url, ws_info_url=sim.ws_info_url, coalesce_window_s=0.005)
        mgr = GlobalWebSocketManager(settings, connectors=[UpbitConnector(url=sim.ws_url)])
        await mgr.start()
        try:
            yield sim, mgr, keys
        finally:
            await mgr.shutdown()
