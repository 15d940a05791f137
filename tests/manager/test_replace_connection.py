"""remove_connection() + add_connection(): the registrations survive and go out on the new socket."""

from __future__ import annotations

import pytest

from tests.manager.simtools import Comp, running, wire_set
from tests.manager.waiting import wait_until
from upbit_monitor.errors import ManagerError
from upbit_monitor.exchanges.registry import register_connector, unregister_connector
from upbit_monitor.exchanges.upbit import UpbitConnector
from upbit_monitor.manager import ConnState
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec


@pytest.mark.asyncio
async def test_registrations_changed_while_removed_go_out_on_the_new_connection() -> None:
    async with running() as (sim, mgr):
        # The registry knows the name too: nothing may re-create the connection from it meanwhile.
        register_connector("feed", lambda s: UpbitConnector("feed", sim.ws_url), replace=True)
        try:
            a, b = Comp(), Comp()
            mgr.add_connection(UpbitConnector("feed", sim.ws_url))
            mgr.register(a, [Spec("ticker", ("KRW-BTC",))], connection="feed", callback=a.on_event)
            await wait_until(lambda: a.events)
            await mgr.remove_connection("feed")
            # Registration changes while the name has no connection: recorded, nothing opened.
            mgr.register(b, [Spec("trade", ("KRW-ETH",))], connection="feed", callback=b.on_event)
            mgr.update(a, [Spec("ticker", ("KRW-BTC", "KRW-XRP"))])
            await wait_until(lambda: mgr.subscriptions("feed").codes_for("trade") == ("KRW-ETH",))
            assert "feed" not in mgr.metrics()
            with pytest.raises(ManagerError):
                mgr.connection("feed")
            mgr.add_connection(UpbitConnector("feed", sim.ws_url))  # e.g. new API keys
            # The first request of the new socket carries the whole current set.
            await wait_until(lambda: mgr.metrics()["feed"].requests_sent >= 1)
            m = mgr.metrics()["feed"]
            assert m.state is ConnState.CONNECTED
            assert wire_set(m.last_request or "[]") == {"ticker": ["KRW-BTC", "KRW-XRP"],
                                                       "trade": ["KRW-ETH"]}
            n = len(a.events)
            await wait_until(lambda: b.events and len(a.events) > n)
        finally:
            unregister_connector("feed")


@pytest.mark.asyncio
async def test_replacement_after_remove_resubscribes_without_a_registration_change() -> None:
    async with running() as (sim, mgr):
        comp = Comp()
        mgr.add_connection(UpbitConnector("feed2", sim.ws_url))
        mgr.register(comp, [Spec("ticker", ("KRW-ETH",))], connection="feed2", callback=comp.on_event)
        await wait_until(lambda: comp.events)
        await mgr.remove_connection("feed2")
        n = len(comp.events)
        mgr.add_connection(UpbitConnector("feed2", sim.ws_url))
        await wait_until(lambda: len(comp.events) > n)
        assert wire_set(mgr.metrics()["feed2"].last_request or "[]") == {"ticker": ["KRW-ETH"]}
