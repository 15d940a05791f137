"""Connection lifecycle against the simulator: reconnect/backoff, epochs, staleness, bad frames."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.manager.factories import ticker
from tests.manager.simtools import Comp, fast_settings, our_tasks, simulator, subscription_requests, wire_set
from tests.manager.waiting import wait_until
from upbit_monitor.manager import ConnState, GlobalWebSocketManager, StateChange
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec
from upbit_monitor.sim.server import Simulator

PUBLIC = "upbit-public"


class Harness:
    def __init__(self, sim: Simulator, mgr: GlobalWebSocketManager) -> None:
        self.sim = sim
        self.mgr = mgr
        self.states: list[StateChange] = []
        mgr.add_state_listener(self.states.append)
        self.comp = Comp()

    def metrics(self) -> Any:
        return self.mgr.metrics()[PUBLIC]

    def of(self, state: ConnState) -> list[StateChange]:
        return [s for s in self.states if s.state is state]


async def make(sim: Simulator, **overrides: Any) -> Harness:
    mgr = GlobalWebSocketManager(fast_settings(sim, **overrides))
    h = Harness(sim, mgr)
    await mgr.start()
    mgr.register(h.comp, [Spec("ticker", ("KRW-BTC", "KRW-ETH")), Spec("trade", ("KRW-BTC",))],
                 callback=h.comp.on_event)
    await wait_until(lambda: h.comp.events)
    return h


@asynccontextmanager
async def harnessed() -> AsyncIterator[Harness]:
    async with simulator() as sim:
        h = await make(sim)
        try:
            yield h
        finally:
            await h.mgr.shutdown()
            assert our_tasks() == []


@pytest.mark.asyncio
async def test_restart_backoff_resubscribe_epoch() -> None:
    async with harnessed() as harness:
        h, sim = harness, harness.sim
        assert h.metrics().epoch == 1
        first_request = subscription_requests(sim)[0].text
        loop = asyncio.get_running_loop()
        await sim.restart(downtime_s=0.6)  # kill: connections dropped, port closed for 0.6 s
        t_up = loop.time()
        await wait_until(lambda: h.metrics().epoch == 2 and h.metrics().state is ConnState.CONNECTED)
        # Backoff schedule (0.05, 0.1, 0.2, then 0.2 forever); it restarts after a working session.
        delays = [s.retry_in_s for s in h.of(ConnState.RECONNECTING) if s.retry_in_s is not None]
        assert delays[:3] == [0.05, 0.1, 0.2] and all(d == 0.2 for d in delays[3:])
        assert len(delays) >= 4  # 0.6 s of downtime needs at least 0.05 + 0.1 + 0.2 + 0.2
        stamps = [s.at for s in h.of(ConnState.RECONNECTING) if s.retry_in_s is not None]
        for (a, b), d in zip(itertools.pairwise(stamps), delays, strict=False):
            assert b - a >= d * 0.9  # no attempt before its backoff delay elapsed
        # Resubscribed with the full set on the new socket, right after connecting.
        await wait_until(lambda: len(subscription_requests(sim)) == 2)
        reqs = subscription_requests(sim)
        assert len(reqs) == 2 and wire_set(reqs[1].text) == wire_set(first_request)
        assert reqs[1].conn_id != reqs[0].conn_id and reqs[1].at >= t_up
        m = h.metrics()
        assert m.reconnects == len(delays) and m.errors >= len(delays)
        # Events carry the new epoch, the pool keeps filling.
        n = len(h.comp.events)
        await wait_until(lambda: len(h.comp.events) > n + 2)
        assert h.comp.events[-1].epoch == 2


@pytest.mark.asyncio
async def test_stale_epoch_events_dropped() -> None:
    async with harnessed() as harness:
        h, sim = harness, harness.sim
        sim.faults.drop_all()
        await wait_until(lambda: h.metrics().epoch == 2 and h.metrics().state is ConnState.CONNECTED)
        conn = h.mgr.connection(PUBLIC)
        before = h.mgr.version("ticker", "KRW-XRP")
        # A frame parsed before the reconnect (epoch 1) reaching the router afterwards is dropped.
        conn._sink(PUBLIC, [ticker("KRW-XRP", epoch=1)], conn.epoch)
        assert h.metrics().stale_dropped == 1
        assert h.mgr.version("ticker", "KRW-XRP") == before


@pytest.mark.asyncio
async def test_stalled_stream_detected_as_dead() -> None:
    async with simulator() as sim:
        h = await make(sim, stale_after_s=0.4)
        try:
            sim.faults.stall()  # TCP open, nothing flows, PING unanswered
            await wait_until(lambda: h.metrics().epoch == 2 and h.metrics().state is ConnState.CONNECTED)
            stale = [s for s in h.of(ConnState.RECONNECTING) if s.reason.startswith("stale")]
            assert stale and "no message for" in stale[0].reason
            assert h.metrics().last_close_reason.startswith("stale")
            # The text PING went out first (at half the stale limit); the stalled server never answered.
            assert h.mgr.connection(PUBLIC).stats.text_pings_sent >= 1
            await wait_until(lambda: len(subscription_requests(sim)) == 2)  # resubscribed on the new socket
        finally:
            sim.faults.unstall()
            await h.mgr.shutdown()
            await wait_until(lambda: not sim.open_connections())


@pytest.mark.asyncio
async def test_quiet_stream_kept_alive_by_text_ping() -> None:
    async with simulator() as sim:
        h = await make(sim, stale_after_s=0.4)
        try:
            sim.faults.pause_feed()  # healthy server, no market data
            await wait_until(lambda: h.metrics().state is ConnState.CONNECTED
                             and len([r for r in sim.requests if r.ping]) >= 3, within=5.0)
            # {"status":"UP"} replies prove liveness: no reconnect although no market data arrives.
            assert h.metrics().epoch == 1 and h.of(ConnState.RECONNECTING) == []
        finally:
            sim.faults.normal_feed()
            await h.mgr.shutdown()
            await wait_until(lambda: not sim.open_connections())


@pytest.mark.asyncio
async def test_malformed_flood_counted_and_survived() -> None:
    async with harnessed() as harness:
        h, sim = harness, harness.sim
        for _ in range(200):
            sim.faults.send_malformed()
        await wait_until(lambda: h.metrics().parse_errors == 200)
        n = len(h.comp.events)
        await wait_until(lambda: len(h.comp.events) > n + 3)  # still streaming
        m = h.metrics()
        assert m.state is ConnState.CONNECTED and m.epoch == 1 and m.errors >= 200
        assert m.health == 0.0  # 200 errors in the last minute


@pytest.mark.asyncio
async def test_public_handshake_401_retries_slowly_never_key_problem() -> None:
    """A public connection sends no key, so a 401/403 there cannot be a key problem: it retries slowly
    and recovers by itself (a private connection stops with KEY_PROBLEM: tests/private,
    test_auth_failures)."""
    async with simulator() as sim:
        mgr = GlobalWebSocketManager(fast_settings(sim))
        states: list[StateChange] = []
        mgr.add_state_listener(states.append)
        sim.faults.refuse_handshakes(10.0, status=401)
        try:
            await mgr.start()
            await wait_until(lambda: sum(s.state is ConnState.RECONNECTING for s in states) >= 2, 5)
            assert mgr.connection(PUBLIC).running
            sim.faults.accept_handshakes()
            await wait_until(lambda: mgr.metrics()[PUBLIC].state is ConnState.CONNECTED, 5)
            assert not any(s.state in (ConnState.KEY_PROBLEM, ConnState.FAILED) for s in states)
        finally:
            sim.faults.accept_handshakes()
            await mgr.shutdown()
        assert our_tasks() == []


@pytest.mark.asyncio
async def test_handshake_429_retries_slowly() -> None:
    async with simulator() as sim:
        mgr = GlobalWebSocketManager(fast_settings(sim, retry_slow_s=0.3))
        states: list[StateChange] = []
        mgr.add_state_listener(states.append)
        sim.faults.refuse_handshakes(0.5, status=429)
        try:
            await mgr.start()
            await wait_until(lambda: mgr.metrics()[PUBLIC].state is ConnState.CONNECTED)
            slow = [s.retry_in_s for s in states if s.retry_in_s is not None]
            assert slow and all(d >= 0.3 for d in slow)  # never the fast 0.05 s step after a 429
        finally:
            await mgr.shutdown()
            await wait_until(lambda: not sim.open_connections())


@pytest.mark.asyncio
async def test_rate_limit_paces_requests_latest_wins() -> None:
    async with harnessed() as harness:
        h, sim = harness, harness.sim
        conn = h.mgr.connection(PUBLIC)
        codes = ["KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE", "KRW-ADA", "KRW-TRX", "KRW-LINK", "KRW-AVAX"]
        # Force a request per change by waiting out the coalescing window each time.
        for code in codes:
            h.mgr.update(h.comp, [Spec("ticker", (code,))])
            await asyncio.sleep(0.04)
        await wait_until(lambda: conn.sent is not None and conn.sent.codes_for("ticker") == ("KRW-AVAX",))
        await wait_until(lambda: wire_set(subscription_requests(sim)[-1].text) == {"ticker": ["KRW-AVAX"]})
        reqs = subscription_requests(sim)
        # Some intermediate sets were skipped: they were superseded while waiting for the budget.
        assert len(reqs) < 1 + len(codes)
        # Never more than 5 requests in any 1 s window, and the last one carries the latest set.
        times = [r.at for r in reqs]
        assert all(sum(1 for t in times if a <= t < a + 1.0) <= 5 for a in times)
        assert wire_set(reqs[-1].text) == {"ticker": ["KRW-AVAX"]}
        assert all(r.error is None and not r.rate_limited for r in reqs)
        assert h.metrics().rate_budget_min == -1  # no per-minute pacing unless a setting asks for it


@pytest.mark.asyncio
async def test_keepalive_beats_the_idle_timeout() -> None:
    # Server closes after 0.6 s without traffic; our protocol pings every 0.15 s keep it open even
    # with nothing subscribed (no market data, no text PING).
    async with simulator(idle_timeout_s=0.6) as sim:
        mgr = GlobalWebSocketManager(fast_settings(sim, keepalive_interval_s=0.15))
        try:
            await mgr.start()
            await wait_until(lambda: mgr.metrics()[PUBLIC].state is ConnState.CONNECTED)
            opened = sim.connections[0].opened_at
            await wait_until(lambda: time.monotonic() - opened > 2.0, within=5.0)
            assert len(sim.connections) == 1 and sim.open_connections()
            assert mgr.metrics()[PUBLIC].epoch == 1
        finally:
            await mgr.shutdown()
        # Control: without pings the same server drops an idle connection.
        mgr2 = GlobalWebSocketManager(fast_settings(sim, keepalive_interval_s=60.0))
        try:
            await mgr2.start()
            await wait_until(lambda: mgr2.metrics()[PUBLIC].epoch >= 2, within=5.0)
        finally:
            await mgr2.shutdown()
