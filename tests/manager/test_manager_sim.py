"""GlobalWebSocketManager against the simulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import random

import pytest

from tests.manager.simtools import (
    CODES,
    Comp,
    fast_settings,
    our_tasks,
    running,
    simulator,
    subscription_requests,
    wire_set,
)
from tests.manager.waiting import wait_until
from upbit_monitor.errors import ConfigError, ManagerError
from upbit_monitor.exchanges.registry import register_connector, unregister_connector
from upbit_monitor.exchanges.upbit import UpbitConnector
from upbit_monitor.manager import ConnState, GlobalWebSocketManager, StateChange
from upbit_monitor.protocol.events import ServerError
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec
from upbit_monitor.sim.server import Simulator


async def settle(sim: Simulator, n: int, within: float = 3.0) -> None:
    """Wait until ``n`` subscription requests arrived, then for the coalescing window to pass twice."""
    await wait_until(lambda: len(subscription_requests(sim)) >= n, within)
    await asyncio.sleep(0.08)  # 3x the coalescing window: time for an (unwanted) extra request


@pytest.mark.asyncio
async def test_three_components_one_merged_request() -> None:
    async with running() as (sim, mgr):
        a, b, c = Comp(), Comp(), Comp()
        mgr.register(a, [Spec("ticker", ("KRW-BTC", "KRW-ETH"))], callback=a.on_event)
        mgr.register(b, [Spec("orderbook", ("KRW-BTC",), depth=15), Spec("trade", ("KRW-BTC",))],
                     callback=b.on_event)
        mgr.register(c, [Spec("ticker", ("KRW-ETH", "KRW-XRP")), Spec("candle.1m", ("KRW-BTC",))],
                     callback=c.on_event)
        await settle(sim, 1)
        reqs = subscription_requests(sim)
        assert len(reqs) == 1
        assert wire_set(reqs[0].text) == {
            "ticker": ["KRW-BTC", "KRW-ETH", "KRW-XRP"],
            "trade": ["KRW-BTC"],
            "orderbook": ["KRW-BTC.15"],
            "candle.1m": ["KRW-BTC"],
        }
        assert reqs[0].parsed is not None and reqs[0].error is None
        # Each component gets exactly its own (type, code) pairs.
        await wait_until(lambda: a.events and b.events and c.events)
        assert {(e.type, e.code) for e in a.events} <= {("ticker", "KRW-BTC"), ("ticker", "KRW-ETH")}
        assert {e.type for e in b.events} <= {"orderbook", "trade"}
        m = mgr.metrics()["upbit-public"]
        assert m.state is ConnState.CONNECTED and m.requests_sent == 1 and m.last_request == reqs[0].text
        assert mgr.subscriptions().codes_for("ticker") == ("KRW-BTC", "KRW-ETH", "KRW-XRP")
        assert sorted(r.component_name for r in mgr.registrations()) == ["Comp", "Comp", "Comp"]


@pytest.mark.asyncio
async def test_coin_switch_sends_exactly_one_request() -> None:
    async with running() as (sim, mgr):
        view = Comp()
        specs = lambda code: [Spec("orderbook", (code,)), Spec("trade", (code,)), Spec("candle.1m", (code,))]  # noqa: E731
        mgr.register(view, specs("KRW-BTC"))
        await settle(sim, 1)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        # A coin switch touches three specs; done as three quick updates it still makes ONE request.
        mgr.update(view, specs("KRW-ETH")[:1] + specs("KRW-BTC")[1:])
        mgr.update(view, specs("KRW-ETH")[:2] + specs("KRW-BTC")[2:])
        mgr.update(view, specs("KRW-ETH"))
        req = await sim.wait_for_request(after=1)
        assert req.at - t0 < 0.5  # sent right after the 25 ms window (loose bound for a loaded CI box)
        await settle(sim, 2)
        reqs = subscription_requests(sim)
        assert len(reqs) == 2
        want = {"trade": ["KRW-ETH"], "orderbook": ["KRW-ETH"], "candle.1m": ["KRW-ETH"]}
        assert wire_set(reqs[1].text) == want
        # Switching back and forth within one window sends nothing at all.
        mgr.update(view, specs("KRW-XRP"))
        mgr.update(view, specs("KRW-ETH"))
        await asyncio.sleep(0.1)
        assert len(subscription_requests(sim)) == 2


@pytest.mark.asyncio
async def test_thousand_components_one_correct_request() -> None:
    async with running() as (sim, mgr):
        rng = random.Random(3)
        comps = [Comp() for _ in range(1000)]
        want: dict[str, set[str]] = {"ticker": set(), "trade": set(), "orderbook": set()}
        depth: dict[str, int] = {}
        for comp in comps:
            codes = tuple(rng.sample(CODES, 3))
            d = rng.choice((1, 5, 15))
            kind = rng.choice(("ticker", "trade", "orderbook"))
            spec = Spec(kind, codes, depth=d) if kind == "orderbook" else Spec(kind, codes)
            mgr.register(comp, [spec], callback=comp.on_event)
            want[kind].update(codes)
            if kind == "orderbook":
                for code in codes:
                    depth[code] = max(depth.get(code, 0), d)
        await settle(sim, 1)
        reqs = subscription_requests(sim)
        assert len(reqs) == 1
        got = wire_set(reqs[0].text)
        assert got["ticker"] == sorted(want["ticker"])
        assert got["trade"] == sorted(want["trade"])
        assert got["orderbook"] == [f"{c}.{depth[c]}" for c in sorted(want["orderbook"])]
        assert len(mgr.registrations()) == 1000
        # Unregistering most of them shrinks the set in one more request.
        keep = comps[:1]
        for comp in comps[1:]:
            mgr.unregister(comp)
        await settle(sim, 2)
        reqs = subscription_requests(sim)
        assert len(reqs) == 2
        assert sum(len(v) for v in wire_set(reqs[1].text).values()) == 3
        assert len(mgr.registrations()) == len(keep)


@pytest.mark.asyncio
async def test_error_frame_surfaced_and_connection_kept() -> None:
    async with running() as (sim, mgr):
        errors: list[ServerError] = []
        mgr.add_listener(errors.append, types={"error"})
        comp = Comp()
        mgr.register(comp, [Spec("ticker", ("KRW-BTC",))])
        await settle(sim, 1)
        sim.faults.send_error("INVALID_PARAM", "simulated bad request")
        await wait_until(lambda: errors)
        assert (errors[0].name, errors[0].message) == ("INVALID_PARAM", "simulated bad request")
        m = mgr.metrics()["upbit-public"]
        assert m.last_server_error == ("INVALID_PARAM", "simulated bad request")
        assert m.server_errors == 1 and m.errors >= 1 and m.health < 1.0
        assert m.state is ConnState.CONNECTED and m.epoch == 1  # a request error does not reconnect


@pytest.mark.asyncio
async def test_auth_failures_never_stop_the_public_connection() -> None:
    """An auth-worded error frame or close on the PUBLIC connection is an ordinary reconnect.

    The public connection sends no credentials, so it can have no key problem; before the one auth rule
    (protocol.policy.auth_rule) both of these left it stuck in key_problem for good. The private side
    still stops with KEY_PROBLEM: tests/private (a 1008 INVALID_AUTH close) and the policy test below.
    """
    async with running() as (sim, mgr):
        states: list[StateChange] = []
        mgr.add_state_listener(states.append)
        comp = Comp()
        mgr.register(comp, [Spec("ticker", ("KRW-BTC",))])
        await settle(sim, 1)
        sim.faults.send_error("INVALID_AUTH", "인증 정보가 올바르지 않습니다.")
        # The frame is counted and the full set is resent on the same socket after a pause.
        await wait_until(lambda: len(subscription_requests(sim)) >= 2, 5)
        assert mgr.metrics()["upbit-public"].state is ConnState.CONNECTED
        await sim.faults.close_all(1000, "Forbidden")
        await wait_until(lambda: sum(s.state is ConnState.CONNECTED for s in states) >= 2, 5)
        assert not any(s.state in (ConnState.KEY_PROBLEM, ConnState.FAILED) for s in states)
        assert mgr.metrics()["upbit-public"].state is ConnState.CONNECTED


def test_auth_rule_stops_only_private_connections() -> None:
    from upbit_monitor.exchanges.base import mentions_auth
    from upbit_monitor.protocol.policy import Disposition, auth_rule, classify_close, classify_server_error

    for disposition, reason in ((classify_server_error("INVALID_AUTH"), "INVALID_AUTH"),
                                (classify_close(1000, "Forbidden"), "Forbidden"),
                                (classify_close(1008, "jwt expired"), "jwt expired"),
                                (Disposition.FATAL, "403")):
        auth = mentions_auth(reason)
        assert auth_rule(disposition, auth=auth, private=True) == (Disposition.FATAL, True)
        assert auth_rule(disposition, auth=auth, private=False) == (Disposition.RETRY_SLOW, False)
    # Not about auth: unchanged on both kinds.
    going_away, bad_url = mentions_auth("going away"), mentions_auth("bad url")
    assert auth_rule(Disposition.RETRY, auth=going_away, private=True) == (Disposition.RETRY, False)
    assert auth_rule(Disposition.FATAL, auth=bad_url, private=False) == (Disposition.FATAL, False)


@pytest.mark.asyncio
async def test_raising_subscriber_isolated() -> None:
    async with running() as (_sim, mgr):
        class Bad:
            def on_event(self, ev: object) -> None:
                raise RuntimeError("subscriber bug")

        bad, good = Bad(), Comp()
        spec = [Spec("ticker", ("KRW-BTC", "KRW-ETH"))]
        mgr.register(bad, spec, callback=bad.on_event)
        mgr.register(good, spec, callback=good.on_event)
        await wait_until(lambda: len(good.events) >= 5)
        m = mgr.metrics()["upbit-public"]
        assert m.callback_errors >= 5 and m.state is ConnState.CONNECTED
        assert mgr.latest_ticker("KRW-BTC") is not None or mgr.latest_ticker("KRW-ETH") is not None


@pytest.mark.asyncio
async def test_pull_api_and_versions() -> None:
    async with running() as (_sim, mgr):
        comp = Comp()
        mgr.register(comp, [Spec("ticker", ("KRW-BTC",)), Spec("orderbook", ("KRW-BTC",), depth=5),
                            Spec("trade", ("KRW-BTC",)), Spec("candle.1m", ("KRW-BTC",))])
        await wait_until(lambda: mgr.latest_orderbook("KRW-BTC") and mgr.latest_ticker("KRW-BTC")
                         and mgr.recent_trades("KRW-BTC") and mgr.latest_candle("KRW-BTC", "candle.1m"))
        ob = mgr.latest_orderbook("KRW-BTC")
        assert ob is not None and len(ob.orderbook_units) == 5
        v = mgr.version("ticker", "KRW-BTC")
        assert v >= 1
        await wait_until(lambda: mgr.version("ticker", "KRW-BTC") > v)
        assert "KRW-BTC" in mgr.all_tickers()
        trades = mgr.recent_trades("KRW-BTC", 3)
        assert trades and all(t.code == "KRW-BTC" for t in trades)
        assert mgr.metrics()["upbit-public"].last_message_age_by_key[("ticker", "KRW-BTC")] >= 0.0


@pytest.mark.asyncio
async def test_emptying_the_set_recycles_the_socket() -> None:
    async with running() as (sim, mgr):
        comp = Comp()
        mgr.register(comp, [Spec("ticker", ("KRW-BTC",))])
        await settle(sim, 1)
        mgr.unregister(comp)
        # Upbit cannot unsubscribe everything: the old socket is closed and a fresh idle one opened.
        await wait_until(lambda: len(sim.connections) == 2 and len(sim.open_connections()) == 1)
        await wait_until(lambda: mgr.metrics()["upbit-public"].state is ConnState.CONNECTED)
        m = mgr.metrics()["upbit-public"]
        assert m.epoch == 2 and m.errors == 0 and len(subscription_requests(sim)) == 1


@pytest.mark.asyncio
async def test_shutdown_cancels_everything() -> None:
    async with simulator() as sim:
        m = GlobalWebSocketManager(fast_settings(sim))
        await m.start()
        comp = Comp()
        m.register(comp, [Spec("ticker", ("KRW-BTC",))])
        await wait_until(lambda: m.latest_ticker("KRW-BTC") is not None)
        assert our_tasks()
        await m.shutdown()
        assert our_tasks() == []
        assert m.metrics()["upbit-public"].state is ConnState.CLOSED
        await wait_until(lambda: not sim.open_connections())
        with pytest.raises(ManagerError):
            m.register(Comp(), [Spec("ticker", ("KRW-BTC",))])
        await m.shutdown()  # idempotent


@pytest.mark.asyncio
async def test_singleton_instance_and_reset() -> None:
    async with simulator() as sim:
        await GlobalWebSocketManager.reset()
        settings = fast_settings(sim)
        first, second = await asyncio.gather(GlobalWebSocketManager.instance(settings),
                                             GlobalWebSocketManager.instance())
        assert first is second
        with pytest.raises(ManagerError):
            await GlobalWebSocketManager.instance(settings.with_overrides(stale_after_s=5.0))
        await first.start()
        await GlobalWebSocketManager.reset()
        assert first.closed and our_tasks() == []
        third = await GlobalWebSocketManager.instance(settings)
        assert third is not first
        # Connectors passed to an existing instance are added; a duplicate name is refused.
        same = await GlobalWebSocketManager.instance(connectors=[UpbitConnector("extra", sim.ws_url)])
        assert same is third and "extra" in same._conns.connectors
        third.connection("extra")  # the connection exists from now on
        with pytest.raises(ManagerError):
            await GlobalWebSocketManager.instance(connectors=[UpbitConnector("extra", sim.ws_url)])
        await GlobalWebSocketManager.reset()


@pytest.mark.asyncio
async def test_unknown_connection_name_fails_fast() -> None:
    async with running() as (_sim, mgr):
        with pytest.raises(ConfigError):
            mgr.register(Comp(), [Spec("ticker", ("KRW-BTC",))], connection="no-such-exchange")
        with pytest.raises(ManagerError):
            mgr.update(Comp(), [])


@pytest.mark.asyncio
async def test_custom_connector_and_connection_replacement() -> None:
    async with running() as (sim, mgr):
        register_connector("sim-feed", lambda s: UpbitConnector("sim-feed", sim.ws_url), replace=True)
        try:
            comp = Comp()
            # The manager builds the connection from the registry on first use and starts it.
            mgr.register(comp, [Spec("ticker", ("KRW-BTC",))], connection="sim-feed", callback=comp.on_event)
            await wait_until(lambda: comp.events)
            assert set(mgr.metrics()) == {"upbit-public", "sim-feed"}
            await mgr.remove_connection("sim-feed")
            assert "sim-feed" not in mgr.metrics()
            n = len(comp.events)
            # A replacement connector (e.g. new API keys) serves the registrations still in place.
            mgr.add_connection(UpbitConnector("sim-feed", sim.ws_url))
            await wait_until(lambda: len(comp.events) > n)
            assert mgr.metrics()["sim-feed"].state is ConnState.CONNECTED
            assert wire_set(mgr.metrics()["sim-feed"].last_request or "[]") == {"ticker": ["KRW-BTC"]}
        finally:
            unregister_connector("sim-feed")


def test_runs_on_plain_asyncio_too() -> None:
    """The manager has no Qt dependency: the same scenario on a plain asyncio loop (no qasync)."""

    async def scenario() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        assert type(loop).__module__.startswith("asyncio")
        async with running() as (sim, mgr):
            comp = Comp()
            mgr.register(comp, [Spec("ticker", ("KRW-BTC",)), Spec("trade", ("KRW-BTC",))],
                         callback=comp.on_event)
            await wait_until(lambda: len(comp.events) >= 3)
            sim.faults.drop_all()
            await wait_until(lambda: mgr.metrics()["upbit-public"].epoch == 2
                             and any(e.epoch == 2 for e in comp.events))
            return len(subscription_requests(sim)), mgr.metrics()["upbit-public"].epoch

    requests, epoch = asyncio.run(scenario())
    assert (requests, epoch) == (2, 2)


@pytest.mark.asyncio
async def test_shutdown_while_connecting_does_not_wait_for_the_handshake(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with simulator() as sim:
        m = GlobalWebSocketManager(fast_settings(sim))
        await m.start()  # the supervisor is now inside connect()
        with caplog.at_level(logging.WARNING, logger="upbit_monitor.connection.connection"):
            await m.shutdown()
        assert our_tasks() == []
        assert m.metrics()["upbit-public"].state is ConnState.CLOSED
        assert not [r for r in caplog.records if "did not stop in time" in r.getMessage()]


@pytest.mark.asyncio
async def test_want_registers_then_updates_in_one_call() -> None:
    async with running() as (sim, mgr):
        view = Comp()
        mgr.want(view, [Spec("orderbook", ("KRW-BTC",))])
        await settle(sim, 1)
        assert [r.component_name for r in mgr.registrations()].count("Comp") == 1
        mgr.want(view, [Spec("orderbook", ("KRW-ETH",))])  # a coin switch: same registration, new specs
        await settle(sim, 2)
        reqs = subscription_requests(sim)
        assert len(reqs) == 2 and wire_set(reqs[1].text) == {"orderbook": ["KRW-ETH"]}
        assert len(mgr.registrations()) == 1


@pytest.mark.asyncio
async def test_want_in_unregister_empty_mode_never_holds_an_empty_registration() -> None:
    async with running() as (sim, mgr):
        owner, plain = Comp(), Comp()
        mgr.want(owner, [], unregister_empty=True)
        # Nothing registered, so the connection is never started for it: no idle socket.
        assert mgr.registrations() == [] and mgr.connection().state is ConnState.IDLE
        mgr.want(owner, [Spec("ticker", ("KRW-BTC",))], unregister_empty=True)
        await settle(sim, 1)
        assert wire_set(subscription_requests(sim)[0].text) == {"ticker": ["KRW-BTC"]}
        mgr.want(owner, [], unregister_empty=True)
        assert mgr.registrations() == [] and mgr.subscriptions().is_empty
        mgr.want(owner, [Spec("ticker", ("KRW-ETH",))], unregister_empty=True)  # registers again
        assert [(r.component_name, r.specs) for r in mgr.registrations()] == [
            ("Comp", (Spec("ticker", ("KRW-ETH",)),))]
        # The default mode keeps an empty registration (register-or-update, nothing else).
        mgr.want(plain, [])
        assert len(mgr.registrations()) == 2


@pytest.mark.asyncio
async def test_a_change_after_a_quiet_window_goes_out_at_once_later_ones_are_coalesced() -> None:
    # A long window makes the two behaviours tell apart without timing anything: the first change
    # (a click after a quiet spell) must not wait for the window; changes right after a request do.
    async with running(coalesce_window_s=30.0) as (sim, mgr):
        a, b = Comp(), Comp()
        mgr.register(a, [Spec("ticker", ("KRW-BTC",))])
        mgr.register(b, [Spec("orderbook", ("KRW-BTC",), depth=15)])  # same loop turn: same request
        await wait_until(lambda: len(subscription_requests(sim)) >= 1, 5.0)
        reqs = subscription_requests(sim)
        assert wire_set(reqs[0].text) == {"ticker": ["KRW-BTC"], "orderbook": ["KRW-BTC.15"]}
        mgr.update(b, [Spec("orderbook", ("KRW-ETH",), depth=15)])
        mgr.update(a, [Spec("ticker", ("KRW-ETH",))])
        # Within the window after that request: held back, not flushed on the next loop turns
        # (a call_soon flush would have run and dropped its handle by now).
        for _ in range(3):
            await asyncio.sleep(0)
        assert "upbit-public" in mgr._book.flush_handles
        assert len(subscription_requests(sim)) == 1
